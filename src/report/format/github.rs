//! `--format github`: one GitHub Actions workflow command per finding
//! (`::error file=…,line=…,col=…,title=…::message`, `::warning …`), so each finding shows as an
//! annotation on the policy rule, or on the Dockerfile line that made the layer; and a `::notice`
//! per image whose rules were skipped (`baseline:` rules without a base image), on the first of
//! them, so that a rule not checked is not mistaken for one passed.

use std::io::{self, Write};

use super::Render;
use crate::check::CheckReport;
use crate::report::printable;
use crate::report::view::{layer_line, place, skipped_notes, FindingLines, SkippedNote};
use crate::severity::Severity;

/// Workflow commands, one line per finding.
#[derive(Debug, Clone, Copy, Default)]
pub struct Github;

impl Render for Github {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        for check in &report.images {
            for f in &check.findings {
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
                writeln!(
                    out,
                    "{}",
                    workflow_command(command, &properties, &lines.join("\n"))
                )?;
            }
        }
        for note in skipped_notes(report) {
            writeln!(out, "{}", notice(&note))?;
        }
        Ok(())
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
pub(crate) fn workflow_command(
    command: &str,
    properties: &[(&str, String)],
    message: &str,
) -> String {
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
pub(crate) fn escape_data(text: &str) -> String {
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
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule, unplaced};
    use crate::check::{Code, Location, Outcome};

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
             ::warning file=docker/Dockerfile%2Cv2,line=7,col=1,title=layer-over-budget (layers[0])::layer%0Aimage: app:1\n\
             ::error title=dive-lowest-efficiency (dive-ci.x)::50%25%0Aimage: app:1\n"
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
}
