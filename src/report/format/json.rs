//! `--format json`: the report as the versioned JSON contract (`schema_version` 1, in the README):
//! the `layers` numbers of each image with its rules and findings.

use std::io::{self, Write};

use super::Render;
use crate::check::CheckReport;
use crate::report::write_json;

/// The JSON contract, pretty-printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json;

impl Render for Json {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        write_json(out, report)
    }
}
