//! `sizegate explain`: the savings of each image and where its bytes are, as tables or the JSON
//! contract (`schema_version` 1, in the README).

use std::io::{self, Write};

use comfy_table::{CellAlignment, ColumnConstraint, Width};

use super::view::image_heading;
use super::{human_size, new_table, printable};
use crate::explain::{Explanation, Item, Saving};

/// Savings listed in the table; the rest are counted (the JSON lists them all).
pub const SHOWN_SAVINGS: usize = 30;

/// Widest the fix column gets before its text wraps.
const FIX_WIDTH: u16 = 50;

/// Writes the tables of every image.
pub fn write_table(out: &mut dyn Write, explanation: &Explanation) -> io::Result<()> {
    for (i, img) in explanation.images.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", image_heading(&img.summary))?;
        if img.savings.is_empty() {
            writeln!(out, "nothing to save: no byte is shipped and hidden")?;
        } else {
            writeln!(out, "what could be saved:")?;
            let mut table = new_table(&["bytes", "kind", "path", "layers", "fix"]);
            for s in img.savings.iter().take(SHOWN_SAVINGS) {
                table.add_row(vec![
                    human_size(s.bytes),
                    kind_word(s),
                    printable(&s.path).into_owned(),
                    layers_cell(s),
                    s.hint
                        .as_deref()
                        .map(printable)
                        .unwrap_or_default()
                        .into_owned(),
                ]);
            }
            right_align(&mut table, 0);
            // The fix is prose: wrapped, so that a row stays readable on a terminal.
            if let Some(fix) = table.column_mut(4) {
                fix.set_constraint(ColumnConstraint::UpperBoundary(Width::Fixed(FIX_WIDTH)));
            }
            writeln!(out, "{table}")?;
            let rest = img.savings.get(SHOWN_SAVINGS..).unwrap_or_default();
            if !rest.is_empty() {
                let bytes = rest.iter().fold(0u64, |sum, s| sum.saturating_add(s.bytes));
                writeln!(
                    out,
                    "and {} more ({}); --format json lists them all",
                    rest.len(),
                    human_size(bytes)
                )?;
            }
        }
        writeln!(out, "largest directories:")?;
        writeln!(out, "{}", items_table(&img.largest.directories))?;
        writeln!(out, "largest files:")?;
        writeln!(out, "{}", items_table(&img.largest.files))?;
        writeln!(out, "largest files of each layer:")?;
        let mut table = new_table(&["layer", "size", "path"]);
        for it in img.largest.per_layer.iter().flat_map(|l| &l.files) {
            table.add_row(vec![
                it.layer.map(|l| l.to_string()).unwrap_or_default(),
                human_size(it.size),
                printable(&it.path).into_owned(),
            ]);
        }
        right_align(&mut table, 1);
        writeln!(out, "{table}")?;
    }
    Ok(())
}

/// The layers of a saving, `2 → 4`, then the Dockerfile lines when known:
/// `2 → 4 (Dockerfile:7 → 10)`, the file named once when both lines are in it.
fn layers_cell(s: &Saving) -> String {
    let layers = |a: Option<usize>, r: Option<usize>| match (a, r) {
        (Some(a), Some(r)) => format!("{a} → {r}"),
        (Some(a), None) => a.to_string(),
        (None, Some(r)) => format!("→ {r}"),
        (None, None) => String::new(),
    };
    let lines = match (&s.added_by, &s.removed_by) {
        (Some(a), Some(r)) if a.file == r.file => Some(format!("{} → {}", a.file_line(), r.line)),
        (Some(a), Some(r)) => Some(format!("{} → {}", a.file_line(), r.file_line())),
        (Some(a), None) => Some(a.file_line()),
        (None, Some(r)) => Some(format!("→ {}", r.file_line())),
        (None, None) => None,
    };
    let layers = layers(s.added_layer, s.removed_layer);
    match lines {
        Some(lines) => format!("{layers} ({})", printable(&lines)),
        None => layers,
    }
}

/// The kind of a saving as the table says it; a preset match by its rule.
pub(crate) fn kind_word(s: &Saving) -> String {
    use crate::explain::SavingKind::*;
    let word = match s.kind {
        Deleted => "deleted later",
        Overwritten => "overwritten later",
        Opaque => "directory reset later",
        MetadataRewrite => "rewritten for mode/owner",
        Preset => return s.rule.clone().unwrap_or_else(|| "preset".into()),
        Duplicate => "copy of other files",
        ReAdded => "added again unchanged",
    };
    word.to_string()
}

/// The rows of the largest directories or files: size, files, layer, path.
fn items_table(items: &[Item]) -> comfy_table::Table {
    let mut table = new_table(&["size", "files", "layer", "path"]);
    for it in items {
        table.add_row(vec![
            human_size(it.size),
            it.files.to_string(),
            it.layer.map(|l| l.to_string()).unwrap_or_default(),
            printable(&it.path).into_owned(),
        ]);
    }
    right_align(&mut table, 0);
    right_align(&mut table, 1);
    table
}

/// Numbers line up on the right.
fn right_align(table: &mut comfy_table::Table, column: usize) {
    if let Some(c) = table.column_mut(column) {
        c.set_cell_alignment(CellAlignment::Right);
    }
}

/// Writes the JSON contract.
pub fn write_json(out: &mut dyn Write, explanation: &Explanation) -> io::Result<()> {
    super::write_json(out, explanation)
}
