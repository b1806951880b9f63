//! `sizegate inventory`: every entry of every layer as one CSV row — the seed idea, ready for
//! sorting and filtering in a spreadsheet, `csvkit` or `duckdb`.

use std::io::{self, Write};

use crate::analysis::inventory::Inventory;
use crate::text::printable_bytes as shown;

/// The CSV header, in column order.
pub(crate) const COLUMNS: [&str; 13] = [
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

/// Writes one row per entry of every layer of the image. Names are written as stored, even when
/// they are not UTF-8, except what the outputs for people escape too (`text::printable_bytes`:
/// control characters, and what a CI log would read as a command): the inventory goes to stdout,
/// which is the log in CI, and a name holding a line break would otherwise start a line of its
/// own there. Every row is one line.
pub fn write_rows(out: &mut csv::Writer<impl Write>, inventory: &Inventory) -> io::Result<()> {
    for row in inventory.rows() {
        let index = row.layer_index.to_string();
        let (size, mode) = (row.size.to_string(), format!("{:04o}", row.mode));
        let (uid, gid) = (row.uid.to_string(), row.gid.to_string());
        let by = row.status_layer.map(|l| l.to_string()).unwrap_or_default();
        let record: [&[u8]; 13] = [
            &shown(row.image.as_bytes()),
            index.as_bytes(),
            &shown(row.layer_digest.as_bytes()),
            &shown(row.created_by.unwrap_or("").as_bytes()),
            &shown(row.path),
            row.kind.as_bytes(),
            size.as_bytes(),
            mode.as_bytes(),
            uid.as_bytes(),
            gid.as_bytes(),
            &shown(row.link_target.unwrap_or(b"")),
            row.status.as_bytes(),
            by.as_bytes(),
        ];
        out.write_record(record).map_err(csv_to_io)?;
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
