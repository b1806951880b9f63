//! The formats of `sizegate check`, one module each, all behind [`Render`]. A format only renders
//! the [`CheckReport`] that `check::run` made; what several formats show alike comes from
//! `report::view`.
//!
//! Adding a format: a module here with its `impl Render`, its variant and arm in the binary's
//! `CheckFormat` (`src/bin/sizegate/args.rs`, next to `renderer()`), a snapshot test, and the
//! README's list of formats.

pub mod csv;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use std::io::{self, Write};

use crate::check::CheckReport;

/// One output format of `sizegate check`: writes the whole report to `out`.
pub trait Render {
    /// Writes `report` in this format.
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()>;
}
