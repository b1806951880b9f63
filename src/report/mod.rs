//! Renderers: each turns the model into one output format, written to a writer the caller owns.

pub mod format;
pub mod github_actions;
pub mod inventory;
pub mod layers;
pub mod top;
pub(crate) mod view;

use comfy_table::{presets, ContentArrangement, Table};

pub use crate::units::human_size;

/// Shortens long text (build instructions) for a table cell, keeping the start.
pub fn ellipsize(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A table in sizegate's style.
pub fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    table
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
