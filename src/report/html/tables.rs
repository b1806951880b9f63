//! The lists of an HTML report: the savings of `explain`, the findings and rules of `check`.

use std::fmt::Write as _;

use super::escape::{escape, shorten};
use super::page::colour;
use crate::check::{ImageCheck, Location, Outcome};
use crate::explain::Saving;
use crate::report::explain::kind_word;
use crate::report::view::{place, rule_rows, FindingLines};
use crate::severity::Severity;
use crate::units::human_size;

/// Savings listed; the rest are counted.
pub(crate) const SAVING_ROWS: usize = 200;

/// Writes the savings of one image, largest first.
pub(crate) fn write_savings(out: &mut String, savings: &[Saving]) {
    out.push_str("<h3>What could be saved</h3>\n");
    if savings.is_empty() {
        out.push_str("<p>Nothing to save: no byte is shipped and hidden.</p>\n");
        return;
    }
    let total = savings.iter().fold(0u64, |s, x| s.saturating_add(x.bytes));
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} in {} places, largest first.</p>",
        human_size(total),
        savings.len()
    );
    out.push_str(
        "<table class=\"savings\">\n<thead><tr><th class=\"num\">bytes</th><th>what</th>\
         <th>path</th><th>files</th><th>added by → removed by</th><th>fix</th></tr></thead>\n<tbody>\n",
    );
    for s in savings.iter().take(SAVING_ROWS) {
        let _ = writeln!(
            out,
            "<tr><td class=\"num\">{}</td><td>{}</td><td class=\"path\">{}</td>\
             <td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            human_size(s.bytes),
            kind_word(s),
            escape(&shorten(&s.path)),
            s.files,
            layers_cell(s),
            s.hint.as_deref().map(escape).unwrap_or_default(),
        );
    }
    out.push_str("</tbody>\n</table>\n");
    let more = savings.len().saturating_sub(SAVING_ROWS);
    if more > 0 {
        let _ = writeln!(out, "<p class=\"muted\">… and {more} more.</p>");
    }
}

/// `▮ 2 (Dockerfile:7) → ▮ 4 (Dockerfile:10)`, each layer with its colour.
fn layers_cell(s: &Saving) -> String {
    let side = |layer: Option<usize>, by: &Option<Location>| {
        layer.map(|l| {
            let (fill, _) = colour(u32::try_from(l).ok());
            let line = by
                .as_ref()
                .map(|loc| {
                    format!(
                        " <span class=\"mono\">({})</span>",
                        escape(&loc.file_line())
                    )
                })
                .unwrap_or_default();
            format!("<span class=\"swatch\" style=\"background:{fill}\"></span>{l}{line}")
        })
    };
    match (
        side(s.added_layer, &s.added_by),
        side(s.removed_layer, &s.removed_by),
    ) {
        (Some(a), Some(r)) => format!("{a} → {r}"),
        (Some(a), None) => a,
        (None, Some(r)) => format!("→ {r}"),
        (None, None) => String::new(),
    }
}

/// Writes the findings of one checked image, then its rules (folded).
pub(crate) fn write_findings(out: &mut String, check: &ImageCheck) {
    out.push_str("<h3>Findings</h3>\n");
    if check.findings.is_empty() {
        out.push_str("<p>No finding: every rule passed.</p>\n");
    } else {
        out.push_str(
            "<table class=\"findings\">\n<thead><tr><th>severity</th><th>code</th><th>rule</th>\
             <th>finding</th><th>where</th></tr></thead>\n<tbody>\n",
        );
        for f in &check.findings {
            let (class, word) = match f.severity {
                Severity::Error => ("sev-error", "error"),
                Severity::Warn => ("sev-warn", "warning"),
            };
            // Already printable (view.rs); escaped again for HTML, which changes nothing else.
            let lines: Vec<String> = FindingLines::of(f)
                .all()
                .iter()
                .map(|l| escape(l).into_owned())
                .collect();
            let place = place(f).map(|l| escape(&l.to_string()).into_owned());
            let _ = writeln!(
                out,
                "<tr><td class=\"{class}\">{word}</td><td><code>{}</code></td><td><code>{}</code></td>\
                 <td>{}</td><td class=\"mono\">{}</td></tr>",
                f.code.as_str(),
                escape(&f.rule),
                lines.join("<br>"),
                place.unwrap_or_default(),
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    let rows = rule_rows(check);
    let _ = writeln!(
        out,
        "<details class=\"screen\"><summary>{} rules checked</summary>\n<table class=\"rules\">\n\
         <thead><tr><th>rule</th><th>outcome</th><th class=\"num\">actual</th>\
         <th class=\"num\">limit</th></tr></thead>\n<tbody>",
        rows.len()
    );
    for row in &rows {
        let outcome = match row.outcome() {
            Outcome::Pass => "<td>pass</td>",
            Outcome::Error => "<td class=\"sev-error\">error</td>",
            Outcome::Warn => "<td class=\"sev-warn\">warning</td>",
            Outcome::Skipped => "<td class=\"muted\">skipped</td>",
        };
        let _ = writeln!(
            out,
            "<tr><td><code>{}</code></td>{outcome}<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&row.rule.rule),
            escape(&row.actual),
            escape(&row.limit),
        );
    }
    out.push_str("</tbody>\n</table>\n</details>\n");
}
