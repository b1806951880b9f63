//! `--format table` (the default): for each image the rules checked (actual, limit, status) and
//! the findings, then one verdict line.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};

use super::{detail_lines, CheckReport, Render, Verdict};
use crate::check::origin::LayerOrigin;
use crate::check::{Finding, Outcome};
use crate::error::printable;
use crate::report::{ellipsize, new_table};
use crate::severity::Severity;

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
            let platform = s
                .platform
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default();
            writeln!(out, "{}{platform}", s.name)?;
            let mut rules = new_table(&["rule", "actual", "limit", "status"]);
            style(&mut rules, styled);
            for r in &check.rules {
                let actual = match (&r.actual, &r.detail) {
                    (Some(a), Some(d)) => format!("{a} ({d})"),
                    (Some(a), None) => a.to_string(),
                    (None, Some(d)) => d.clone(),
                    (None, None) => "n/a".into(),
                };
                let limit = r
                    .limit
                    .map_or_else(|| "none".to_string(), |l| l.to_string());
                rules.add_row(vec![
                    Cell::new(&r.rule),
                    Cell::new(actual),
                    Cell::new(limit),
                    status_cell(r.status),
                ]);
            }
            writeln!(out, "{rules}")?;
            if !check.findings.is_empty() {
                let mut findings = new_table(&["severity", "code", "finding", "where"]);
                style(&mut findings, styled);
                for f in &check.findings {
                    let status = match f.severity {
                        Severity::Error => Outcome::Error,
                        Severity::Warn => Outcome::Warn,
                    };
                    findings.add_row(vec![
                        status_cell(status),
                        Cell::new(f.code.as_str()),
                        Cell::new(
                            detail_lines(f)
                                .iter()
                                .flat_map(|l| l.lines())
                                .map(printable)
                                .collect::<Vec<_>>()
                                .join("\n"),
                        ),
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
    }
}

/// The layer (with its instruction), the Dockerfile line that made it, and the policy line of a
/// finding.
fn finding_place(f: &Finding, origins: &[LayerOrigin]) -> String {
    let mut lines = Vec::new();
    if let Some(layer) = f.layer {
        let created_by = f.created_by.as_deref().unwrap_or("(unknown)");
        lines.push(format!("layer {layer}: {}", ellipsize(created_by, 40)));
    }
    match f.layer.and_then(|l| origins.get(l)) {
        Some(origin) => lines.push(origin.label()),
        None => {
            if let Some(loc) = &f.dockerfile {
                lines.push(format!("{}:{}", loc.file, loc.line));
            }
        }
    }
    if let Some(loc) = &f.location {
        lines.push(format!("{}:{}:{}", loc.file, loc.line, loc.column));
    }
    lines.join("\n")
}
