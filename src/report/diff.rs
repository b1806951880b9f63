//! `sizegate diff`: the changes between two images as tables, markdown or the JSON contract
//! (`schema_version` 1, in the README). The pieces the table and the markdown summary of
//! `check --baseline` show too (a total with its change, the layers and paths that changed) are
//! here.

use std::io::{self, Write};

use super::fit::{cut_middle, write_wrapped, Heading};
use super::format::markdown::{code, text, LIMIT, MARKER};
use super::view::{created_by, image_title};
use super::{ellipsize, human_size, Fit, FitTable};
use crate::analysis::summary::ImageSummary;
use crate::diff::{Diff, ImageDiff, ImageStatus, LayerDelta, LayerStatus, PathDelta, PathKind};
use crate::units::{signed_count, signed_percent, signed_size};

/// Longest `created_by` shown in a markdown cell (a table's is cut to its column); the JSON keeps
/// it whole.
const CREATED_BY_WIDTH: usize = 60;

/// Longest path shown in a cell or a finding's line, cut in the middle so the file name stays (a
/// table cuts it further, to its column).
const PATH_WIDTH: usize = 90;

/// One total of both images: its name, the two values, and the change, as text.
pub(crate) struct TotalRow {
    /// `image`, `compressed`, `final`, `wasted`, `files`, `layers`.
    pub name: &'static str,
    /// The base's value.
    pub base: String,
    /// The new image's value.
    pub new: String,
    /// `+5 MB (+43.8 %)`.
    pub change: String,
    /// The sign of the change: ▲ grew, ▼ shrank, none.
    pub sign: i8,
}

impl TotalRow {
    /// The change as markdown shows it: `▲ +5 MB (+43.8 %)`.
    pub(crate) fn marked(&self) -> String {
        format!("{}{}", arrow(self.sign), self.change)
    }
}

/// The totals of a compared pair, in the order every format shows them.
pub(crate) fn total_rows(base: &ImageSummary, new: &ImageSummary) -> Vec<TotalRow> {
    let size = |name, b: u64, n: u64| {
        let delta = i128::from(n) - i128::from(b);
        TotalRow {
            name,
            base: human_size(b),
            new: human_size(n),
            change: with_percent(signed_size(delta), b, delta),
            sign: sign(delta),
        }
    };
    let count = |name, b: u64, n: u64| {
        let delta = i128::from(n) - i128::from(b);
        TotalRow {
            name,
            base: b.to_string(),
            new: n.to_string(),
            change: signed_count(delta),
            sign: sign(delta),
        }
    };
    let mut rows = vec![size("image", base.image_size, new.image_size)];
    if let (Some(b), Some(n)) = (base.compressed_size, new.compressed_size) {
        rows.push(size("compressed", b, n));
    }
    rows.extend([
        size("final", base.final_size, new.final_size),
        size("wasted", base.wasted_bytes, new.wasted_bytes),
        count("files", base.final_files, new.final_files),
        count("layers", base.layer_count as u64, new.layer_count as u64),
    ]);
    rows
}

/// `+5 MB (+43.8 %)`: the change with its share of the base, when the base is not empty.
fn with_percent(change: String, base: u64, delta: i128) -> String {
    match signed_percent(base, delta) {
        Some(p) if delta != 0 => format!("{change} ({p})"),
        _ => change,
    }
}

/// 1 for growth, -1 for shrinking, 0 for no change: what [`arrow`] takes.
fn sign(delta: i128) -> i8 {
    delta.signum() as i8
}

/// ▲ or ▼ before a change in markdown, nothing when there is none.
pub(crate) fn arrow(sign: i8) -> &'static str {
    match sign {
        1 => "▲ ",
        -1 => "▼ ",
        _ => "",
    }
}

/// A change of bytes as markdown shows it: `▲ +5 MB`, `▼ -400 kB`, `0 B`.
pub(crate) fn marked_size(delta: i128) -> String {
    format!("{}{}", arrow(sign(delta)), signed_size(delta))
}

/// `3→4`, `2`, `+4`, `-2`: a layer's place in the base and the new image.
pub(crate) fn layer_position(l: &LayerDelta) -> String {
    match (l.base_index, l.new_index) {
        (Some(b), Some(n)) if b == n => n.to_string(),
        (Some(b), Some(n)) => format!("{b}→{n}"),
        (None, Some(n)) => format!("+{n}"),
        (Some(b), None) => format!("-{b}"),
        (None, None) => String::new(),
    }
}

/// A status word as the tables show it.
pub(crate) fn layer_status(l: &LayerDelta) -> &'static str {
    l.status.as_str()
}

/// A path as the tables show it: escaped, a directory with a trailing `/`, cut in the middle.
pub(crate) fn path_cell(p: &PathDelta) -> String {
    let mut path = crate::text::printable(&p.path).into_owned();
    if p.kind == PathKind::Directory {
        path.push('/');
    }
    cut_middle(&path, PATH_WIDTH)
}

/// The heading of one image's comparison: `app:2 (linux/amd64) (base app:1 (linux/amd64))`.
fn heading(d: &ImageDiff) -> Heading {
    match (&d.base, &d.new) {
        (Some(b), Some(n)) => image_title(n)
            .words(" (base ")
            .then(image_title(b))
            .words(")"),
        (None, Some(n)) => image_title(n).words(": only in the new side"),
        (Some(b), None) => image_title(b).words(": only in the base"),
        (None, None) => Heading::default(),
    }
}

/// What the path rows were compared at, when not file by file.
fn path_note(d: &ImageDiff) -> Option<String> {
    if !d.paths_compared {
        return Some("paths not compared: the saved report keeps none (it predates them)".into());
    }
    d.path_depth.map(|depth| {
        format!(
            "paths compared against a saved report: directories to depth {depth} and its largest files"
        )
    })
}

/// Writes the tables of every image, each at most `width` columns wide (paths and the images'
/// names in the heading cut in the middle, `created_by` at the end).
pub fn write_table(out: &mut dyn Write, diff: &Diff, width: usize) -> io::Result<()> {
    for (i, d) in diff.images.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{}", heading(d).fit(width))?;
        if let (Some(b), Some(n)) = (&d.base, &d.new) {
            writeln!(out, "{}", totals_table(b, n).render(width))?;
        }
        write_layers(out, &d.layers.iter().collect::<Vec<_>>(), width)?;
        if d.status != ImageStatus::Compared {
            continue;
        }
        write_paths(out, d, d.paths.len(), Listed::Changed, width)?;
    }
    Ok(())
}

/// The totals of a compared pair: base, new and the change of each.
pub(crate) fn totals_table(base: &ImageSummary, new: &ImageSummary) -> FitTable {
    let mut table = FitTable::new(&[
        ("", Fit::Whole),
        ("base", Fit::Whole),
        ("new", Fit::Whole),
        ("Δ", Fit::Whole),
    ]);
    for row in total_rows(base, new) {
        table.add_row([row.name.to_string(), row.base, row.new, row.change]);
    }
    table.right_align(&[1, 2, 3]);
    table
}

/// Layer rows a table shows: every layer of a real image (Docker stops at 127), while a hostile
/// saved report of a million layers gets a count, not a million rows (its JSON has them all).
const LAYER_ROWS: usize = 500;

/// The given rows of a layer comparison (the first [`LAYER_ROWS`]): place, status, both sizes, the
/// change and the instruction; then the count of the rest. At most `width` columns wide.
pub(crate) fn write_layers(
    out: &mut dyn Write,
    layers: &[&LayerDelta],
    width: usize,
) -> io::Result<()> {
    let mut table = FitTable::new(&[
        ("#", Fit::Whole),
        ("status", Fit::Whole),
        ("base", Fit::Whole),
        ("new", Fit::Whole),
        ("Δ", Fit::Whole),
        ("created_by", Fit::Start),
    ]);
    for l in layers.iter().take(LAYER_ROWS) {
        table.add_row([
            layer_position(l),
            layer_status(l).to_string(),
            l.base_size.map(human_size).unwrap_or_default(),
            l.new_size.map(human_size).unwrap_or_default(),
            signed_size(l.size_delta),
            created_by(l.created_by.as_deref()),
        ]);
    }
    table.right_align(&[2, 3, 4]);
    writeln!(out, "{}", table.render(width))?;
    if layers.len() > LAYER_ROWS {
        writeln!(out, "… and {} more layers", layers.len() - LAYER_ROWS)?;
    }
    Ok(())
}

/// Which changed paths a section lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Listed {
    /// Every change, largest first (`diff`).
    Changed,
    /// Only what was added or grew (`check --baseline`'s "what grew").
    Grown,
}

impl Listed {
    /// The rows a section lists, and how many more it only counts.
    fn of(self, d: &ImageDiff) -> (&[PathDelta], usize) {
        match self {
            Listed::Changed => (&d.paths, d.more_paths),
            Listed::Grown => (&d.grown, d.more_grown),
        }
    }

    /// What a section says when it lists nothing: as a table's line, and as a markdown sentence.
    fn none(self) -> (&'static str, &'static str) {
        match self {
            Listed::Changed => ("no path changed", "No path changed."),
            Listed::Grown => ("no path grew", "No path grew."),
        }
    }
}

/// The first `top` changed (or grown) paths of a compared pair as a table, after the note on how
/// they were compared, and the count of the rest; a line saying so when none changed. At most
/// `width` columns wide.
pub(crate) fn write_paths(
    out: &mut dyn Write,
    d: &ImageDiff,
    top: usize,
    listed: Listed,
    width: usize,
) -> io::Result<()> {
    if let Some(note) = path_note(d) {
        write_wrapped(out, &note, width)?;
    }
    if !d.paths_compared {
        return Ok(());
    }
    let (paths, more_paths) = listed.of(d);
    if paths.is_empty() && more_paths == 0 {
        return writeln!(out, "{}", listed.none().0);
    }
    let shown = &paths[..top.min(paths.len())];
    // `--top 0` lists none of the paths that changed, and counts them.
    if !shown.is_empty() {
        let mut table = FitTable::new(&[
            ("status", Fit::Whole),
            ("base", Fit::Whole),
            ("new", Fit::Whole),
            ("Δ", Fit::Whole),
            ("path", Fit::Middle),
        ]);
        for p in shown {
            table.add_row([
                p.status.as_str().to_string(),
                human_size(p.base_size),
                human_size(p.new_size),
                signed_size(p.delta),
                path_cell(p),
            ]);
        }
        table.right_align(&[1, 2, 3]);
        writeln!(out, "{}", table.render(width))?;
    }
    let more = paths.len() - shown.len() + more_paths;
    if more > 0 {
        writeln!(out, "{}", more_paths_line(more))?;
    }
    Ok(())
}

/// `… and 12 more changed paths`.
fn more_paths_line(more: usize) -> String {
    format!("… and {more} more changed paths")
}

/// Writes the JSON contract.
pub fn write_json(out: &mut dyn Write, diff: &Diff) -> io::Result<()> {
    super::write_json(out, diff)
}

/// Writes the changes as markdown, for a pull-request comment or a step summary.
pub fn write_markdown(out: &mut dyn Write, diff: &Diff) -> io::Result<()> {
    let mut lines = vec![MARKER.to_string(), "## sizegate diff".to_string()];
    for d in &diff.images {
        lines.push(String::new());
        lines.push(format!("### {}", text(&heading(d).text())));
        lines.push(String::new());
        if let (Some(b), Some(n)) = (&d.base, &d.new) {
            lines.extend(markdown_totals(b, n));
            lines.push(String::new());
        }
        lines.extend(markdown_changes(d, Listed::Changed));
    }
    // A comment body has a limit (GitHub's is 65,536 characters) and a step summary one of 1 MiB:
    // the markdown stops at the summary's budget, on a line, and says so.
    let mut written = 0;
    for line in lines {
        if written + line.len() + 1 > LIMIT {
            writeln!(
                out,
                "\n… (cut at {LIMIT} bytes: `--format json` has everything)"
            )?;
            break;
        }
        written += line.len() + 1;
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The totals table of a pair, each change with ▲ or ▼.
pub(crate) fn markdown_totals(base: &ImageSummary, new: &ImageSummary) -> Vec<String> {
    let mut lines = vec![
        "| | base | new | Δ |".to_string(),
        "|---|---:|---:|---:|".to_string(),
    ];
    for row in total_rows(base, new) {
        lines.push(format!(
            "| {} | {} | {} | {} |",
            row.name,
            row.base,
            row.new,
            row.marked()
        ));
    }
    lines
}

/// The layers that changed and the paths that changed most ("what grew"), as markdown.
pub(crate) fn markdown_changes(d: &ImageDiff, listed: Listed) -> Vec<String> {
    let mut lines = Vec::new();
    let changed: Vec<&LayerDelta> = d
        .layers
        .iter()
        .filter(|l| l.status != LayerStatus::Same)
        .collect();
    if !changed.is_empty() {
        lines.push("#### Layers that changed".to_string());
        lines.push(String::new());
        lines.push("| # | status | Δ | created_by |".to_string());
        lines.push("|---|---|---:|---|".to_string());
        for l in changed.iter().take(LAYER_ROWS) {
            lines.push(format!(
                "| {} | {} | {} | {} |",
                layer_position(l),
                layer_status(l),
                marked_size(l.size_delta),
                code(&ellipsize(
                    &created_by(l.created_by.as_deref()),
                    CREATED_BY_WIDTH
                )),
            ));
        }
        if changed.len() > LAYER_ROWS {
            lines.push(String::new());
            lines.push(format!("… and {} more layers.", changed.len() - LAYER_ROWS));
        }
        lines.push(String::new());
    }
    if d.status == ImageStatus::Compared {
        lines.push(match listed {
            Listed::Changed => "#### Paths that changed".to_string(),
            Listed::Grown => "#### What grew".to_string(),
        });
        lines.push(String::new());
        if let Some(note) = path_note(d) {
            lines.push(format!("_{}_", text(&note)));
            lines.push(String::new());
        }
        let (paths, more_paths) = listed.of(d);
        if !d.paths_compared {
            // The note said it: nothing was compared.
        } else if paths.is_empty() && more_paths == 0 {
            lines.push(listed.none().1.to_string());
        } else {
            // `--top 0` lists none of the paths that changed, and counts them.
            if !paths.is_empty() {
                lines.push("| Δ | status | path |".to_string());
                lines.push("|---:|---|---|".to_string());
                for p in paths {
                    lines.push(format!(
                        "| {} | {} | {} |",
                        marked_size(p.delta),
                        p.status.as_str(),
                        code(&path_cell(p)),
                    ));
                }
            }
            if more_paths > 0 {
                if !paths.is_empty() {
                    lines.push(String::new());
                }
                lines.push(format!("{}.", more_paths_line(more_paths)));
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{entry, image};
    use crate::diff::{diff, Snapshot};

    /// Two images where /opt/a was added and /opt/b grew (so /opt grew by more than either), compared
    /// with `top` paths listed.
    fn compared(top: usize) -> Diff {
        let base = image(vec![vec![entry('f', "/opt/b", 10, None)]]);
        let new = image(vec![vec![
            entry('f', "/opt/a", 5, None),
            entry('f', "/opt/b", 30, None),
        ]]);
        diff(&[Snapshot::of(&base)], &[Snapshot::of(&new)], top)
    }

    fn table(diff: &Diff) -> String {
        let mut out = Vec::new();
        write_table(&mut out, diff, 120).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    fn markdown(diff: &Diff) -> String {
        let mut out = Vec::new();
        write_markdown(&mut out, diff).expect("written to memory");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn paths_none_of_which_are_listed_are_counted_not_said_unchanged() {
        let none_listed = compared(0);
        let (table, markdown) = (table(&none_listed), markdown(&none_listed));
        assert!(!table.contains("no path changed"), "{table}");
        assert!(table.ends_with("\n… and 3 more changed paths\n"), "{table}");
        assert!(!markdown.contains("No path changed."), "{markdown}");
        assert!(
            markdown.ends_with("\n… and 3 more changed paths.\n"),
            "{markdown}"
        );
        assert!(!markdown.contains("| Δ | status | path |"), "{markdown}");
        let one_listed = markdown_of(1);
        assert!(
            one_listed.ends_with("| ▲ +25 B | grown | `/opt/` |\n\n… and 2 more changed paths.\n"),
            "{one_listed}"
        );
    }

    fn markdown_of(top: usize) -> String {
        markdown(&compared(top))
    }
}
