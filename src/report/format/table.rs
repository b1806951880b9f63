//! `--format table` (the default): for each image the rules checked (actual, limit, status) and
//! the findings, then one verdict line. With `--baseline`, each image's changes against its base
//! come first: the totals with their Δ, the layers that changed and what grew most.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};

use super::Render;
use crate::check::{CheckReport, Finding, LayerOrigin, Outcome, Verdict};
use crate::diff::{ImageDiff, LayerStatus};
use crate::report::diff::{totals_table, write_layers, write_paths, Listed};
use crate::report::printable;
use crate::report::view::{created_by, image_heading, place_text, rule_rows, FindingLines};
use crate::report::{ellipsize, new_table};

/// Tables for people; `styled` adds colour (on a terminal, without `NO_COLOR`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Table {
    /// Colour the statuses and the verdict line.
    pub styled: bool,
}

impl Render for Table {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let styled = self.styled;
        for check in &report.images {
            let s = &check.summary;
            writeln!(out, "{}", image_heading(s))?;
            if let Some(diff) = &check.diff {
                write_delta(out, diff)?;
            }
            let mut rules = new_table(&["rule", "actual", "limit", "status"]);
            style(&mut rules, styled);
            for row in rule_rows(check) {
                rules.add_row(vec![
                    Cell::new(&row.rule.rule),
                    Cell::new(&row.actual),
                    Cell::new(&row.limit),
                    status_cell(row.outcome()),
                ]);
            }
            writeln!(out, "{rules}")?;
            if !check.findings.is_empty() {
                let mut findings = new_table(&["severity", "code", "finding", "where"]);
                style(&mut findings, styled);
                for f in &check.findings {
                    findings.add_row(vec![
                        status_cell(f.severity.into()),
                        Cell::new(f.code.as_str()),
                        Cell::new(FindingLines::of(f).all().join("\n")),
                        Cell::new(finding_place(f, &check.origins)),
                    ]);
                }
                writeln!(out, "{findings}")?;
            }
        }
        let line = report.verdict_line();
        if styled {
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

/// Changed paths listed under "what grew"; the rest are counted (the JSON lists more).
const GREW_PATHS: usize = 5;

/// The changes of an image against its base: the totals with their Δ, the layers that changed
/// (the same layers are left out: the point is what this change did), and the paths that changed
/// most.
fn write_delta(out: &mut dyn Write, d: &ImageDiff) -> io::Result<()> {
    let (Some(base), Some(new)) = (&d.base, &d.new) else {
        return Ok(());
    };
    writeln!(out, "Δ against the base {}", image_heading(base))?;
    writeln!(out, "{}", totals_table(base, new))?;
    let changed: Vec<_> = d
        .layers
        .iter()
        .filter(|l| l.status != LayerStatus::Same)
        .collect();
    if changed.is_empty() {
        writeln!(out, "no layer changed")?;
    } else {
        write_layers(out, &changed)?;
    }
    writeln!(out, "what grew:")?;
    write_paths(out, d, GREW_PATHS, Listed::Grown)
}

fn style(table: &mut comfy_table::Table, styled: bool) {
    if styled {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    if let Some(c) = table.column_mut(1) {
        c.set_cell_alignment(CellAlignment::Left);
    }
}

fn status_cell(status: Outcome) -> Cell {
    match status {
        Outcome::Pass => Cell::new("pass").fg(Color::Green),
        Outcome::Error => Cell::new("error").fg(Color::Red),
        Outcome::Warn => Cell::new("warn").fg(Color::Yellow),
        Outcome::Skipped => Cell::new("skipped").fg(Color::DarkGrey),
    }
}

/// The layer (with its instruction), the Dockerfile line that made it, and the policy line of a
/// finding.
fn finding_place(f: &Finding, origins: &[LayerOrigin]) -> String {
    let mut lines = Vec::new();
    if let Some(layer) = f.layer {
        let created_by = created_by(f.created_by.as_deref());
        lines.push(format!("layer {layer}: {}", ellipsize(&created_by, 40)));
    }
    // The label quotes the Dockerfile's `FROM`; the files are the user's.
    match f.layer.and_then(|l| origins.get(l)) {
        Some(origin) => lines.push(printable(&origin.label()).into_owned()),
        None => {
            if let Some(loc) = &f.dockerfile {
                lines.push(printable(&loc.file_line()).into_owned());
            }
        }
    }
    if let Some(loc) = &f.location {
        lines.push(place_text(loc));
    }
    lines.join("\n")
}
