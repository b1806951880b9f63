//! `--format github`: GitHub Actions workflow commands, one per finding
//! (`::error file=…,line=…,col=…,title=…::message`, `::warning …`), so each finding shows as an
//! annotation on the policy rule, or on the Dockerfile line that made the layer; and a `::notice`
//! per image whose rules were skipped (`baseline:` rules without a base image), on the first of
//! them, so that a rule not checked is not mistaken for one passed.
//!
//! GitHub shows at most [`ANNOTATIONS_PER_KIND`] errors, warnings and notices per step and drops
//! the rest unsaid, so the most important come first and no more are written: the errors, then
//! the warnings, each the largest excess first; then one `::notice` counting what was left out.

use std::cmp::Ordering;
use std::io::{self, Write};

use super::Render;
use crate::check::{CheckReport, Finding, ImageCheck};
use crate::report::printable;
use crate::report::view::{layer_line, place, skipped_notes, FindingLines, SkippedNote};
use crate::severity::Severity;
use crate::units::Measure;

/// Annotations of one kind (error, warning, notice) GitHub shows for a step; it drops the rest.
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// Workflow commands: an annotation per finding, up to GitHub's limits.
#[derive(Debug, Clone, Copy, Default)]
pub struct Github;

impl Render for Github {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let mut findings: Vec<(&ImageCheck, &Finding)> = report
            .images
            .iter()
            .flat_map(|check| check.findings.iter().map(move |f| (check, f)))
            .collect();
        // Stable: findings that weigh the same keep the report's order.
        findings.sort_by(|(_, a), (_, b)| by_weight(a, b));
        let (errors, warnings): (Vec<_>, Vec<_>) = findings
            .into_iter()
            .partition(|(_, f)| f.severity == Severity::Error);
        for (check, f) in shown(&errors).iter().chain(shown(&warnings)) {
            writeln!(out, "{}", annotation(check, f))?;
        }
        let notes = skipped_notes(report);
        let left_out = Omitted {
            errors: errors.len().saturating_sub(ANNOTATIONS_PER_KIND),
            warnings: warnings.len().saturating_sub(ANNOTATIONS_PER_KIND),
            notes: 0,
        };
        // The count of what was left out takes a notice of its own.
        let room = if left_out.any() || notes.len() > ANNOTATIONS_PER_KIND {
            ANNOTATIONS_PER_KIND - 1
        } else {
            ANNOTATIONS_PER_KIND
        };
        for note in notes.iter().take(room) {
            writeln!(out, "{}", notice(note))?;
        }
        let left_out = Omitted {
            notes: notes.len().saturating_sub(room),
            ..left_out
        };
        if let Some(message) = left_out.message() {
            let title = [("title", "sizegate: more findings".to_string())];
            writeln!(out, "{}", workflow_command("notice", &title, &message))?;
        }
        Ok(())
    }
}

/// The first [`ANNOTATIONS_PER_KIND`] of `findings`.
fn shown<T>(findings: &[T]) -> &[T] {
    &findings[..findings.len().min(ANNOTATIONS_PER_KIND)]
}

/// `::error …` or `::warning …` for one finding of `check`'s image.
fn annotation(check: &ImageCheck, f: &Finding) -> String {
    let command = match f.severity {
        Severity::Error => "error",
        Severity::Warn => "warning",
    };
    let mut properties = Vec::new();
    if let Some(loc) = place(f) {
        properties.push(("file", loc.file.clone()));
        properties.push(("line", loc.line.to_string()));
        properties.push(("col", loc.column.to_string()));
    }
    properties.push(("title", format!("{} ({})", f.code.as_str(), f.rule)));
    let mut lines = FindingLines::of(f).all();
    lines.extend(layer_line(f));
    // Escaped as in the other outputs, before the runner's own escapes.
    lines.push(format!("image: {}", printable(&check.summary.name)));
    workflow_command(command, &properties, &lines.join("\n"))
}

/// The order annotations are written in, within a severity: the largest excess over the limit
/// first (bytes before counts before ratios, as the gate is about bytes), then the findings
/// without numbers.
fn by_weight(a: &Finding, b: &Finding) -> Ordering {
    match (excess(a), excess(b)) {
        (Some((ua, ea)), Some((ub, eb))) => ua.cmp(&ub).then(eb.total_cmp(&ea)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// How far a finding is past its limit, `|actual - limit|` (a minimum is failed from below),
/// with the rank of its unit; `None` without both numbers.
fn excess(f: &Finding) -> Option<(u8, f64)> {
    let (actual, limit) = (f.actual?, f.limit?);
    let unit = match actual {
        Measure::Bytes(_) | Measure::ByteChange(_) => 0,
        Measure::Count(_) | Measure::CountChange(_) => 1,
        Measure::Ratio(_) => 2,
    };
    let excess = (actual.as_f64() - limit.as_f64()).abs();
    (!excess.is_nan()).then_some((unit, excess))
}

/// What the annotations left out, by kind.
#[derive(Debug, Clone, Copy)]
struct Omitted {
    errors: usize,
    warnings: usize,
    notes: usize,
}

impl Omitted {
    fn any(&self) -> bool {
        self.errors + self.warnings + self.notes > 0
    }

    /// `12 more errors and 3 more warnings than GitHub shows …`, or `None` when nothing was left
    /// out.
    fn message(&self) -> Option<String> {
        if !self.any() {
            return None;
        }
        let count = |n: usize, one: &str, many: &str| match n {
            0 => None,
            1 => Some(format!("1 more {one}")),
            n => Some(format!("{n} more {many}")),
        };
        let parts: Vec<String> = [
            count(self.errors, "error", "errors"),
            count(self.warnings, "warning", "warnings"),
            count(
                self.notes,
                "note on skipped rules",
                "notes on skipped rules",
            ),
        ]
        .into_iter()
        .flatten()
        .collect();
        let listed = match parts.as_slice() {
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
            [] => return None,
        };
        Some(format!(
            "{listed} than GitHub shows as annotations ({ANNOTATIONS_PER_KIND} of each kind per step): every finding is in the step summary and in sizegate's table and reports"
        ))
    }
}

/// `::notice file=…,line=…,col=…,title=rules skipped::…`: the rules of one image not checked.
fn notice(note: &SkippedNote<'_>) -> String {
    let mut properties = Vec::new();
    if let Some(loc) = note.location {
        properties.push(("file", loc.file.clone()));
        properties.push(("line", loc.line.to_string()));
        properties.push(("col", loc.column.to_string()));
    }
    properties.push(("title", "rules skipped".to_string()));
    let message = format!("{}\nimage: {}", note.message, printable(note.image));
    workflow_command("notice", &properties, &message)
}

/// `::command key=value,key=value::message`, every part escaped as the Actions runner expects.
pub fn workflow_command(command: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let space = if properties.is_empty() { "" } else { " " };
    format!(
        "::{command}{space}{}::{}",
        properties.join(","),
        escape_data(message)
    )
}

/// The message of a workflow command: `%`, CR and LF are percent-encoded (as `@actions/core`'s
/// `escapeData` does), so a message of several lines stays one command.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            // Other control bytes (from file names) would reach the log raw, where an ESC
            // sequence recolours or rewrites it: shown as their code instead.
            c if c.is_control() => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// A property value of a workflow command: as [`escape_data`], plus `:` and `,`, which would end
/// the value (`@actions/core`'s `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule, unplaced};
    use crate::check::CheckReport;
    use crate::check::{Code, Finding, Location, Outcome};
    use crate::units::Measure;

    #[test]
    fn other_control_bytes_are_shown_as_codes() {
        assert_eq!(escape_data("a\u{1b}[31mb\tc"), "a%1B[31mb%09c");
    }

    #[test]
    fn data_escapes_percent_cr_and_lf_in_that_order() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        // `%` first, so the escapes themselves are not escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%d\ne\r"), "a%3Ab%2Cc%25d%0Ae%0D");
    }

    #[test]
    fn command_without_properties_has_no_space() {
        assert_eq!(workflow_command("warning", &[], "m"), "::warning::m");
    }

    /// Errors come before warnings, whatever the report's order.
    #[test]
    fn each_finding_points_at_the_dockerfile_else_the_policy_else_nowhere() {
        let at_policy = finding(
            Code::ImageTooLarge,
            Severity::Error,
            "image.max_size",
            "big",
        );
        let mut at_dockerfile =
            finding(Code::LayerOverBudget, Severity::Warn, "layers[0]", "layer");
        at_dockerfile.dockerfile = Some(Location {
            file: "docker/Dockerfile,v2".into(),
            line: 7,
            column: 1,
        });
        let nowhere = unplaced(Severity::Error, "50%");
        let r = report(vec![], vec![at_policy, at_dockerfile, nowhere]);
        let mut out = Vec::new();
        Github.render(&r, &mut out).expect("written to memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "::error file=sizegate.yml,line=3,col=13,title=image-too-large (image.max_size)::big%0Aimage: app:1\n\
             ::error title=dive-lowest-efficiency (dive-ci.x)::50%25%0Aimage: app:1\n\
             ::warning file=docker/Dockerfile%2Cv2,line=7,col=1,title=layer-over-budget (layers[0])::layer%0Aimage: app:1\n"
        );
    }

    #[test]
    fn skipped_rules_are_a_notice_on_the_first_of_them() {
        let mut skipped = rule("baseline.max_growth", Outcome::Skipped);
        skipped.detail = Some("no image of the baseline pairs with app:1".into());
        skipped.location = Some(Location {
            file: "sizegate.yml".into(),
            line: 4,
            column: 15,
        });
        let mut out = Vec::new();
        Github
            .render(&report(vec![skipped], vec![]), &mut out)
            .expect("written to memory");
        assert_eq!(
            String::from_utf8_lossy(&out),
            "::notice file=sizegate.yml,line=4,col=15,title=rules skipped::1 rule skipped (no image of the baseline pairs with app:1): baseline.max_growth%0Aimage: app:1\n"
        );
    }

    /// A finding of `severity` named `message`, `actual` over a `limit` of the same unit.
    fn over(severity: Severity, message: &str, actual: Measure, limit: Measure) -> Finding {
        let mut f = finding(Code::ImageTooLarge, severity, "image.max_size", message);
        (f.actual, f.limit) = (Some(actual), Some(limit));
        f
    }

    /// The message of every annotation `report` gives, `kind: message` (its first line).
    fn annotated(report: &CheckReport) -> Vec<String> {
        let mut out = Vec::new();
        Github.render(report, &mut out).expect("written to memory");
        String::from_utf8_lossy(&out)
            .lines()
            .map(|l| {
                let kind = l[2..].split([' ', ':']).next().unwrap_or_default();
                let message = l.rsplit_once("::").map(|(_, m)| m).unwrap_or_default();
                let first = message.split("%0A").next().unwrap_or_default();
                format!("{kind}: {first}")
            })
            .collect()
    }

    #[test]
    fn thirty_findings_are_ten_errors_ten_warnings_the_largest_first_and_a_notice() {
        let mut findings = vec![finding(
            Code::ForbiddenPath,
            Severity::Error,
            "forbid[0]",
            "n",
        )];
        findings[0].actual = None;
        findings.push(over(
            Severity::Error,
            "count",
            Measure::Count(5000),
            Measure::Count(1),
        ));
        for i in 0..16 {
            findings.push(over(
                Severity::Error,
                &format!("e{i}"),
                Measure::Bytes(1000 + i * 10),
                Measure::Bytes(1000),
            ));
        }
        for i in 0..12 {
            findings.push(over(
                Severity::Warn,
                &format!("w{i}"),
                Measure::Ratio(0.5 + f64::from(i as u32) / 100.0),
                Measure::Ratio(0.5),
            ));
        }
        assert_eq!(findings.len(), 30);
        let lines = annotated(&report(vec![], findings));
        let errors: Vec<String> = (6..16).rev().map(|i| format!("error: e{i}")).collect();
        let warnings: Vec<String> = (2..12).rev().map(|i| format!("warning: w{i}")).collect();
        assert_eq!(lines[..10], errors[..], "{lines:#?}");
        assert_eq!(lines[10..20], warnings[..], "{lines:#?}");
        assert_eq!(
            lines[20..],
            ["notice: 8 more errors and 2 more warnings than GitHub shows as annotations (10 of each kind per step): every finding is in the step summary and in sizegate's table and reports"]
        );
    }

    #[test]
    fn bytes_come_before_counts_and_findings_without_numbers_last() {
        let mut bare = finding(Code::ForbiddenPath, Severity::Error, "forbid[0]", "bare");
        bare.limit = None;
        let findings = vec![
            bare,
            over(
                Severity::Error,
                "ratio",
                Measure::Ratio(9.0),
                Measure::Ratio(0.1),
            ),
            over(
                Severity::Error,
                "count",
                Measure::Count(900),
                Measure::Count(1),
            ),
            over(
                Severity::Error,
                "bytes",
                Measure::Bytes(2),
                Measure::Bytes(1),
            ),
            over(
                Severity::Error,
                "infinite",
                Measure::Ratio(f64::INFINITY),
                Measure::Ratio(0.1),
            ),
        ];
        assert_eq!(
            annotated(&report(vec![], findings)),
            [
                "error: bytes",
                "error: count",
                "error: infinite",
                "error: ratio",
                "error: bare"
            ]
        );
    }

    #[test]
    fn ten_findings_of_each_kind_need_no_notice() {
        let findings: Vec<Finding> = (0..20)
            .map(|i| {
                let severity = [Severity::Error, Severity::Warn][i % 2];
                finding(Code::ImageTooLarge, severity, "image.max_size", "x")
            })
            .collect();
        let lines = annotated(&report(vec![], findings));
        assert_eq!(lines.len(), 20);
        assert!(lines.iter().all(|l| !l.starts_with("notice")), "{lines:?}");
    }

    #[test]
    fn notices_of_skipped_rules_are_capped_too() {
        let skipped = rule("baseline.max_growth", Outcome::Skipped);
        let mut r = report(vec![skipped], vec![]);
        let one = r.images[0].clone();
        r.images = vec![one; 12];
        let lines = annotated(&r);
        assert_eq!(lines.len(), 10, "{lines:#?}");
        assert!(lines[..9]
            .iter()
            .all(|l| l.starts_with("notice: 1 rule skipped")));
        assert!(
            lines[9].starts_with("notice: 3 more notes on skipped rules than GitHub shows"),
            "{}",
            lines[9]
        );
    }
}
