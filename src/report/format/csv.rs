//! `--format csv`: the inventory of the images checked, every entry of every layer, in the columns
//! of `sizegate inventory` (one header for all images).

use std::io::{self, Write};

use super::Render;
use crate::check::CheckReport;
use crate::report::inventory;

/// The inventory CSV; a report made without its images writes the header only.
#[derive(Debug, Clone, Copy, Default)]
pub struct Csv;

impl Render for Csv {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let mut writer = ::csv::Writer::from_writer(out);
        inventory::write_header(&mut writer)?;
        for entries in report.images.iter().filter_map(|i| i.inventory.as_ref()) {
            inventory::write_rows(&mut writer, entries)?;
        }
        writer.flush()
    }
}
