//! `sizegate inventory`: every entry of every layer as one CSV row — the seed idea, ready for
//! sorting and filtering in a spreadsheet, `csvkit` or `duckdb`.

use std::io::{self, Write};

use crate::analysis::{Analysis, Status};
use crate::image::Image;

/// The CSV header, in column order.
pub const COLUMNS: [&str; 13] = [
    "image",
    "layer_index",
    "layer_digest",
    "created_by",
    "path",
    "type",
    "size",
    "mode",
    "uid",
    "gid",
    "link_target",
    "status",
    "status_layer",
];

/// Writes the header, once for all images.
pub fn write_header(out: &mut csv::Writer<impl Write>) -> io::Result<()> {
    out.write_record(COLUMNS).map_err(csv_to_io)
}

/// Writes one row per entry of every layer of `image`. Names are written as stored, even when
/// they are not UTF-8.
pub fn write_rows(
    out: &mut csv::Writer<impl Write>,
    image: &Image,
    analysis: &Analysis,
) -> io::Result<()> {
    for (layer, statuses) in image.layers.iter().zip(&analysis.statuses) {
        let index = layer.index.to_string();
        let created_by = layer.created_by.as_deref().unwrap_or("");
        for (entry, status) in layer.contents.entries.iter().zip(statuses) {
            let (status, by) = match status {
                Status::Visible => ("visible", String::new()),
                Status::Overwritten { by } => ("overwritten", by.to_string()),
                Status::Deleted { by } => ("deleted", by.to_string()),
                Status::Marker => ("marker", String::new()),
            };
            let (size, mode) = (entry.size.to_string(), format!("{:04o}", entry.mode));
            let (uid, gid) = (entry.uid.to_string(), entry.gid.to_string());
            let record: [&[u8]; 13] = [
                image.name.as_bytes(),
                index.as_bytes(),
                layer.digest.as_bytes(),
                created_by.as_bytes(),
                layer.contents.path(entry),
                entry.kind.as_str().as_bytes(),
                size.as_bytes(),
                mode.as_bytes(),
                uid.as_bytes(),
                gid.as_bytes(),
                layer.contents.link_target(entry).unwrap_or(b""),
                status.as_bytes(),
                by.as_bytes(),
            ];
            out.write_record(record).map_err(csv_to_io)?;
        }
    }
    Ok(())
}

/// Keeps the I/O error inside a CSV error as it is, so a closed pipe is still seen as one.
fn csv_to_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("CSV: {other:?}")),
    }
}
