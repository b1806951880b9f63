//! `sizegate check`: the rules checked and the findings of each image, then one verdict line; or
//! the same as JSON.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};
use serde::Serialize;

use super::{ellipsize, human_size, new_table};
use crate::check::{Finding, ImageCheck, Status};
use crate::policy::rules::Severity;
use crate::summary::SCHEMA_VERSION;

/// The outcome of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No error findings (warnings allowed): exit 0.
    Pass,
    /// At least one error finding: exit 1.
    Fail,
}

/// The checks of every image, with the totals the verdict rests on.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Version of the JSON contract.
    pub schema_version: u32,
    /// The policy files applied.
    pub policy: Vec<String>,
    /// `pass` or `fail`.
    pub verdict: Verdict,
    /// Error findings, all images together.
    pub errors: usize,
    /// Warning findings, all images together.
    pub warnings: usize,
    /// One entry per image.
    pub images: Vec<ImageCheck>,
}

impl CheckReport {
    /// Totals the checks of every image.
    pub fn new(policy: Vec<String>, images: Vec<ImageCheck>) -> CheckReport {
        let errors = images.iter().map(|i| i.count(Severity::Error)).sum();
        let warnings = images.iter().map(|i| i.count(Severity::Warn)).sum();
        CheckReport {
            schema_version: SCHEMA_VERSION,
            policy,
            verdict: if errors > 0 {
                Verdict::Fail
            } else {
                Verdict::Pass
            },
            errors,
            warnings,
            images,
        }
    }

    /// `FAIL: 2 errors, 1 warning (image 512.3 MB of 450 MB)`.
    pub fn verdict_line(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let verdict = match self.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        };
        let image = match self.images.as_slice() {
            [one] => {
                let limit = one
                    .rules
                    .iter()
                    .find(|r| r.rule == "image.max_size")
                    .and_then(|r| r.limit)
                    .map(|l| format!(" of {l}"))
                    .unwrap_or_default();
                format!(" (image {}{limit})", human_size(one.summary.image_size))
            }
            many => format!(" ({} images)", many.len()),
        };
        format!(
            "{verdict}: {}, {}{image}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning")
        )
    }
}

/// Writes the tables of every image and the verdict line; `styled` adds colour.
pub fn write_table(out: &mut dyn Write, report: &CheckReport, styled: bool) -> io::Result<()> {
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
                    Severity::Error => Status::Error,
                    Severity::Warn => Status::Warn,
                };
                findings.add_row(vec![
                    status_cell(status),
                    Cell::new(f.code.as_str()),
                    Cell::new(finding_text(f)),
                    Cell::new(finding_place(f)),
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

fn status_cell(status: Status) -> Cell {
    match status {
        Status::Pass => Cell::new("pass").fg(Color::Green),
        Status::Error => Cell::new("error").fg(Color::Red),
        Status::Warn => Cell::new("warn").fg(Color::Yellow),
    }
}

/// The message, then the reason, the fix and the paths, one per line.
fn finding_text(f: &Finding) -> String {
    let mut lines = vec![f.message.clone()];
    if let Some(reason) = &f.reason {
        lines.push(format!("reason: {reason}"));
    }
    if let Some(hint) = &f.hint {
        lines.push(format!("fix: {hint}"));
    }
    for p in &f.paths {
        lines.push(format!(
            "  {} ({}, layer {})",
            p.path,
            human_size(p.size),
            p.layer
        ));
    }
    if f.more_paths > 0 {
        lines.push(format!("  … and {} more", f.more_paths));
    }
    lines.join("\n")
}

/// The layer (with its instruction) and the policy line of a finding.
fn finding_place(f: &Finding) -> String {
    let mut lines = Vec::new();
    if let Some(layer) = f.layer {
        let created_by = f.created_by.as_deref().unwrap_or("(unknown)");
        lines.push(format!("layer {layer}: {}", ellipsize(created_by, 40)));
    }
    if let Some(loc) = &f.location {
        lines.push(format!("{}:{}:{}", loc.file, loc.line, loc.column));
    }
    lines.join("\n")
}

/// Writes the report as JSON.
pub fn write_json(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
