//! `--format html`: one self-contained page (`report::html`) with the verdict and, for each image,
//! the bar of its layers with their hidden bytes, the treemap of its final filesystem, its findings
//! and its rules. The savings are `explain`'s: this page shows what the check found.

use std::io::{self, Write};

use super::Render;
use crate::check::CheckReport;

/// The HTML report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl Render for Html {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        crate::report::html::write_check(out, report)
    }
}
