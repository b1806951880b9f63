//! What `layers --format json` and `inventory` print, read into structs a test compares whole.

use serde_json::Value;

/// The numbers of one image in `layers --format json` that the tests pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Totals {
    pub image_size: u64,
    pub compressed_size: Option<u64>,
    pub final_size: u64,
    pub wasted_bytes: u64,
    pub final_files: u64,
    /// `(size, files)` of each layer, bottom first.
    pub layers: Vec<(u64, u64)>,
}

/// The totals of the only image in a report.
pub(crate) fn totals(report: &Value) -> Totals {
    assert_eq!(report["schema_version"], 1);
    let images = report["images"].as_array().expect("images is an array");
    assert_eq!(images.len(), 1, "one image expected: {report:#}");
    let img = &images[0];
    let num = |v: &Value| v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"));
    let layers: Vec<(u64, u64)> = img["layers"]
        .as_array()
        .expect("layers is an array")
        .iter()
        .enumerate()
        .map(|(i, l)| {
            assert_eq!(l["index"], i, "layers are listed bottom first");
            (num(&l["size"]), num(&l["files"]))
        })
        .collect();
    assert_eq!(num(&img["layer_count"]), layers.len() as u64);
    Totals {
        image_size: num(&img["image_size"]),
        compressed_size: match &img["compressed_size"] {
            Value::Null => None,
            v => Some(num(v)),
        },
        final_size: num(&img["final_size"]),
        wasted_bytes: num(&img["wasted_bytes"]),
        final_files: num(&img["final_files"]),
        layers,
    }
}

/// One inventory row, the columns the tests look at, as raw bytes where they may not be UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub layer: usize,
    pub path: Vec<u8>,
    pub kind: String,
    pub size: u64,
    pub link_target: Vec<u8>,
    pub status: String,
    pub status_layer: Option<usize>,
}

/// Parses inventory CSV (checking its header) into rows.
pub(crate) fn inventory_rows(csv_bytes: &[u8]) -> Vec<Row> {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_bytes);
    let header = reader.byte_headers().expect("CSV has a header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        [
            &b"image"[..],
            b"layer_index",
            b"layer_digest",
            b"created_by",
            b"path",
            b"type",
            b"size",
            b"mode",
            b"uid",
            b"gid",
            b"link_target",
            b"status",
            b"status_layer",
        ]
    );
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).expect("column is UTF-8");
    reader
        .byte_records()
        .map(|r| {
            let r = r.expect("CSV row parses");
            let by = text(&r[12]);
            Row {
                layer: text(&r[1]).parse().expect("layer_index is a number"),
                path: r[4].to_vec(),
                kind: text(&r[5]),
                size: text(&r[6]).parse().expect("size is a number"),
                link_target: r[10].to_vec(),
                status: text(&r[11]),
                status_layer: (!by.is_empty()).then(|| by.parse().expect("status_layer")),
            }
        })
        .collect()
}

/// A row as the tests write it: `(layer, path, type, size, status, status_layer)`.
pub(crate) fn row(
    layer: usize,
    path: impl AsRef<[u8]>,
    kind: &str,
    size: u64,
    status: &str,
    status_layer: Option<usize>,
) -> Row {
    Row {
        layer,
        path: path.as_ref().to_vec(),
        kind: kind.into(),
        size,
        link_target: Vec::new(),
        status: status.into(),
        status_layer,
    }
}

/// Same as [`row`] for a link, with its target as the inventory shows it.
pub(crate) fn link_row(
    layer: usize,
    path: impl AsRef<[u8]>,
    kind: &str,
    target: impl AsRef<[u8]>,
    status: &str,
    status_layer: Option<usize>,
) -> Row {
    Row {
        link_target: target.as_ref().to_vec(),
        ..row(layer, path, kind, 0, status, status_layer)
    }
}
