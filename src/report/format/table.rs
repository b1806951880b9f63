//! `--format table` (the default): for each image the rules checked (actual, limit, status) and
//! the findings, then one verdict line. With `--baseline`, each image's changes against its base
//! come first: the totals with their Δ, the layers that changed and what grew most.

use std::io::{self, Write};

use comfy_table::{Color, Width};

use super::Render;
use crate::check::{CheckReport, Finding, LayerOrigin, Outcome, Verdict};
use crate::diff::{ImageDiff, LayerStatus};
use crate::report::diff::{totals_table, write_layers, write_paths, Listed};
use crate::report::fit::{name_room, Heading};
use crate::report::printable;
use crate::report::view::{created_by, image_title, place_text, rule_rows, FindingLines};
use crate::report::{Cell, Fit, FitTable};

/// Tables for people, at most `width` columns wide; `styled` adds colour (for a terminal).
#[derive(Debug, Clone, Copy)]
pub struct Table {
    /// Colour the statuses and the verdict line.
    pub styled: bool,
    /// The widest a line of a table may be, in columns (the terminal's, or the log's).
    pub width: usize,
}

impl Render for Table {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let (styled, width) = (self.styled, self.width);
        for check in &report.images {
            let s = &check.summary;
            writeln!(out, "{}", image_title(s).fit(width))?;
            if let Some(diff) = &check.diff {
                write_delta(out, diff, width)?;
            }
            let mut rules = FitTable::new(&[
                ("rule", Fit::Whole),
                ("actual", Fit::Wrap),
                ("limit", Fit::Whole),
                ("status", Fit::Whole),
            ]);
            rules.styled(styled);
            for row in rule_rows(check) {
                rules.add_row([
                    Cell::new(&row.rule.rule),
                    Cell::new(&row.actual),
                    Cell::new(&row.limit),
                    status_cell(row.outcome()),
                ]);
            }
            writeln!(out, "{}", rules.render(width))?;
            if !check.findings.is_empty() {
                let mut findings = FitTable::new(&[
                    ("severity", Fit::Whole),
                    ("code", Fit::Whole),
                    ("finding", Fit::Wrap),
                    ("where", Fit::Middle),
                ]);
                // The place is short; what a wide log has to spare goes to the finding's prose,
                // but not the room a place needs to keep its file name and line.
                let mut names = 0;
                for f in &check.findings {
                    let (place, room) = finding_place(f, &check.origins);
                    names = names.max(room);
                    findings.add_row([
                        status_cell(f.severity.into()),
                        Cell::new(f.code.as_str()),
                        finding_cell(f),
                        place,
                    ]);
                }
                let names = u16::try_from(names.min(WHERE_NAME_MOST) + 2).unwrap_or(u16::MAX);
                findings
                    .styled(styled)
                    .at_most(3, Width::Percentage(WHERE_SHARE))
                    .at_least(3, names);
                writeln!(out, "{}", findings.render(width))?;
            }
        }
        VerdictLine { styled }.render(report, out)
    }
}

/// The table's last line alone (`--quiet`): `FAIL: 3 errors, 0 warnings (…)`, green or red when
/// `styled`.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerdictLine {
    /// Colour the line.
    pub styled: bool,
}

impl Render for VerdictLine {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let line = report.verdict_line();
        if self.styled {
            let colour = match report.verdict {
                Verdict::Pass => "\x1b[1;32m",
                Verdict::Fail => "\x1b[1;31m",
            };
            writeln!(out, "{colour}{line}\x1b[0m")
        } else {
            writeln!(out, "{line}")
        }
    }
}

/// The share of the width (in percent) the findings' `where` column takes at most: a narrow log
/// leaves the rest to the finding's prose.
const WHERE_SHARE: u16 = 25;

/// The most columns the `where` column takes, whatever its share, to keep the file name and line
/// of its places whole (`sizegate.yml:16:24`): a longer file name is cut in the middle.
const WHERE_NAME_MOST: usize = 40;

/// Changed paths listed under "what grew"; the rest are counted (the JSON lists more).
const GREW_PATHS: usize = 5;

/// The changes of an image against its base: the totals with their Δ, the layers that changed
/// (the same layers are left out: the point is what this change did), and the paths that changed
/// most.
fn write_delta(out: &mut dyn Write, d: &ImageDiff, width: usize) -> io::Result<()> {
    let (Some(base), Some(new)) = (&d.base, &d.new) else {
        return Ok(());
    };
    let title = Heading::default().words("Δ against the base ");
    writeln!(out, "{}", title.then(image_title(base)).fit(width))?;
    writeln!(out, "{}", totals_table(base, new).render(width))?;
    let changed: Vec<_> = d
        .layers
        .iter()
        .filter(|l| l.status != LayerStatus::Same)
        .collect();
    if changed.is_empty() {
        writeln!(out, "no layer changed")?;
    } else {
        write_layers(out, &changed, width)?;
    }
    writeln!(out, "what grew:")?;
    write_paths(out, d, GREW_PATHS, Listed::Grown, width)
}

fn status_cell(status: Outcome) -> Cell {
    match status {
        Outcome::Pass => Cell::new("pass").fg(Color::Green),
        Outcome::Error => Cell::new("error").fg(Color::Red),
        Outcome::Warn => Cell::new("warn").fg(Color::Yellow),
        Outcome::Skipped => Cell::new("skipped").fg(Color::DarkGrey),
    }
}

/// The text of a finding: its words wrapped, its paths (and what grew) cut in the middle, so that
/// each keeps its file name and size on one line, and the waste sources wrapped around their
/// paths, which are cut in the middle too rather than broken over lines.
fn finding_cell(f: &Finding) -> Cell {
    let lines = FindingLines::of(f);
    let words = lines.words.into_iter().map(|l| (l, Fit::Wrap));
    let paths = lines.paths.into_iter().map(|l| (l, Fit::PathFirst));
    let sources = lines.sources.into_iter().map(|(l, span)| {
        let fit = span.map_or(Fit::Wrap, |(start, end)| Fit::WrapAround(start, end));
        (l, fit)
    });
    Cell::lines(words.chain(paths).chain(sources))
}

/// The layer (with its instruction, cut at the end), the Dockerfile line that made it (or the base
/// image it comes from, wrapped), and the policy line of a finding (cut in the middle: the line
/// number stays); and the columns its places need to keep their file names whole.
fn finding_place(f: &Finding, origins: &[LayerOrigin]) -> (Cell, usize) {
    let mut lines = Vec::new();
    if let Some(layer) = f.layer {
        let created_by = created_by(f.created_by.as_deref());
        lines.push((format!("layer {layer}: {created_by}"), Fit::Start));
    }
    // The label quotes the Dockerfile's `FROM`; the files are the user's.
    match f.layer.and_then(|l| origins.get(l)) {
        Some(origin) => {
            // `base image debian:12 (Dockerfile:1)` is words; `Dockerfile:7` a place.
            let label = printable(&origin.label()).into_owned();
            let fit = if label.contains(' ') {
                Fit::Wrap
            } else {
                Fit::Middle
            };
            lines.push((label, fit));
        }
        None => {
            if let Some(loc) = &f.dockerfile {
                lines.push((printable(&loc.file_line()).into_owned(), Fit::Middle));
            }
        }
    }
    if let Some(loc) = &f.location {
        lines.push((place_text(loc), Fit::Middle));
    }
    let room = lines
        .iter()
        .filter(|(_, fit)| *fit == Fit::Middle)
        .map(|(line, _)| name_room(line))
        .max()
        .unwrap_or(0);
    (Cell::lines(lines), room)
}
