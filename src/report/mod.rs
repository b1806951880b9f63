//! Renderers: each turns the model into one output format, written to a writer the caller owns.
//!
//! Text from the image or an input file reaches the outputs for people through [`printable`]
//! (the presentation helpers of `view.rs` apply it, and the markdown's `text`/`code`): control
//! characters are shown as escapes and nothing can start a CI workflow command. The JSON outputs
//! keep every string exact ([`write_json`]); the CSV escapes as the outputs for people do, since
//! it is printed to the log by default.

pub mod diff;
pub mod explain;
pub(crate) mod fit;
pub mod format;
pub mod github_actions;
pub mod html;
pub mod inventory;
pub mod layers;
pub mod source_links;
pub mod top;
pub(crate) mod view;

use std::io::{self, Write};

use serde::Serialize;

pub use crate::text::printable;
pub(crate) use crate::units::human_size;
pub(crate) use fit::{Cell, Fit, FitTable};

/// Writes `value` as pretty JSON and a line break: every string exact, and nothing in it that a CI
/// log reads as a command (`text::defuse_json`).
pub(crate) fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(value)?;
    out.write_all(&crate::text::defuse_json(json))?;
    writeln!(out)
}

/// Shortens long text (build instructions) for a cell, keeping the start: at most `max`
/// columns, cut where [`fit::cut_end`] cuts (never inside an escape `printable` wrote).
pub(crate) fn ellipsize(text: &str, max: usize) -> String {
    fit::cut_end(text.trim(), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_ellipsis() {
        assert_eq!(human_size(25982), "25.98 kB");
        assert_eq!(human_size(0), "0 B");
        assert_eq!(ellipsize("abcdef", 4), "abc…");
        assert_eq!(ellipsize(" abc ", 4), "abc");
    }
}
