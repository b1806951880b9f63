//! `--format html`: one self-contained page (`report::html`) with the verdict and, for each image,
//! the bar of its layers with their hidden bytes, the treemap of its final filesystem, its findings
//! and its rules. The savings are `explain`'s: this page shows what the check found.
//!
//! Tested in a real browser (tests/it/html_report.rs) rather than by a snapshot: what matters is
//! what the browser builds of the page (its rectangles, their areas, its text), and a snapshot of
//! 30 kB of markup would change with every word of every other format's findings.

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
