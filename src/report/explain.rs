//! `sizegate explain`: the savings of each image and where its bytes are, as tables or the JSON
//! contract (`schema_version` 1, in the README).

use std::io::{self, Write};

use comfy_table::Width;

use super::fit::write_wrapped;
use super::view::image_title;
use super::{human_size, printable, Fit, FitTable};
use crate::explain::{Explanation, Item, Saving};

/// Savings listed in the table; the rest are counted (the JSON lists them all).
pub const SHOWN_SAVINGS: usize = 30;

/// Widest the fix column gets before its text wraps, padding included.
const FIX_WIDTH: u16 = 50;

/// Writes the tables of every image, each at most `width` columns wide (paths and the image's name
/// cut in the middle, the rest wrapped).
pub fn write_table(out: &mut dyn Write, explanation: &Explanation, width: usize) -> io::Result<()> {
    for (i, img) in explanation.images.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", image_title(&img.summary).fit(width))?;
        if img.savings.is_empty() {
            writeln!(out, "nothing to save: no byte is shipped and hidden")?;
        } else {
            writeln!(out, "what could be saved:")?;
            let mut table = FitTable::new(&[
                ("bytes", Fit::Whole),
                ("kind", Fit::Wrap),
                ("path", Fit::Middle),
                ("layers", Fit::Wrap),
                ("fix", Fit::Wrap),
            ]);
            for s in img.savings.iter().take(SHOWN_SAVINGS) {
                table.add_row([
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
            // The fix is prose: wrapped in short lines, however wide the log.
            table.right_align(&[0]).at_most(4, Width::Fixed(FIX_WIDTH));
            writeln!(out, "{}", table.render(width))?;
            let rest = img.savings.get(SHOWN_SAVINGS..).unwrap_or_default();
            if !rest.is_empty() {
                let bytes = rest.iter().fold(0u64, |sum, s| sum.saturating_add(s.bytes));
                let more = format!(
                    "and {} more ({}); --format json lists them all",
                    rest.len(),
                    human_size(bytes)
                );
                write_wrapped(out, &more, width)?;
            }
        }
        writeln!(out, "largest directories:")?;
        writeln!(
            out,
            "{}",
            items_table(&img.largest.directories).render(width)
        )?;
        writeln!(out, "largest files:")?;
        writeln!(out, "{}", items_table(&img.largest.files).render(width))?;
        writeln!(out, "largest files of each layer:")?;
        let mut table = FitTable::new(&[
            ("layer", Fit::Whole),
            ("size", Fit::Whole),
            ("path", Fit::Middle),
        ]);
        for it in img.largest.per_layer.iter().flat_map(|l| &l.files) {
            table.add_row([
                it.layer.map(|l| l.to_string()).unwrap_or_default(),
                human_size(it.size),
                printable(&it.path).into_owned(),
            ]);
        }
        table.right_align(&[1]);
        writeln!(out, "{}", table.render(width))?;
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
fn items_table(items: &[Item]) -> FitTable {
    let mut table = FitTable::new(&[
        ("size", Fit::Whole),
        ("files", Fit::Whole),
        ("layer", Fit::Whole),
        ("path", Fit::Middle),
    ]);
    for it in items {
        table.add_row([
            human_size(it.size),
            it.files.to_string(),
            it.layer.map(|l| l.to_string()).unwrap_or_default(),
            printable(&it.path).into_owned(),
        ]);
    }
    table.right_align(&[0, 1]);
    table
}

/// Writes the JSON contract.
pub fn write_json(out: &mut dyn Write, explanation: &Explanation) -> io::Result<()> {
    super::write_json(out, explanation)
}
