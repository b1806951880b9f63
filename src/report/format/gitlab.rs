//! `--format gitlab`: GitLab Code Quality JSON (`artifacts:reports:codequality`), one issue per
//! finding, so merge requests show each finding on the policy rule (or the Dockerfile line), its
//! description the lines the other formats show (the message, `reason:`, `fix:`, the paths and
//! the sources of waste) and its fingerprint the finding's stable one; and
//! an `info` issue per image whose rules were skipped (`baseline:` rules without a base image),
//! so that a rule not checked is not mistaken for one passed.

use std::io::{self, Write};

use serde::Serialize;

use super::Render;
use crate::check::CheckReport;
use crate::report::view::{place, skipped_notes, FindingLines};
use crate::report::{printable, write_json};
use crate::severity::Severity;

/// The Code Quality report: a JSON array of issues.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gitlab;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'a str,
    location: IssueLocation<'a>,
}

#[derive(Serialize)]
struct IssueLocation<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u64,
}

impl Render for Gitlab {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let fingerprints = report.fingerprints();
        let mut issues = Vec::new();
        for (check, prints) in report.images.iter().zip(fingerprints) {
            for (f, fingerprint) in check.findings.iter().zip(prints) {
                // GitLab requires a location: a finding without one is shown on the policy file.
                // The description is shown to people in the merge request: escaped as for them.
                let (path, begin) =
                    place(f).map_or((report.fallback_file(), 1), |l| (l.file.as_str(), l.line));
                // The lines every format shows: the message, `reason:` and `fix:`, the paths,
                // the sources of waste.
                let mut description = FindingLines::of(f).all().join("\n");
                if report.images.len() > 1 {
                    description.push_str(&format!(" [{}]", printable(&check.summary.name)));
                }
                issues.push(Issue {
                    description,
                    check_name: f.code.as_str(),
                    fingerprint,
                    // Code Quality's scale is info, minor, major, critical, blocker.
                    severity: match f.severity {
                        Severity::Error => "major",
                        Severity::Warn => "minor",
                    },
                    location: IssueLocation {
                        path,
                        lines: Lines { begin },
                    },
                });
            }
        }
        for note in skipped_notes(report) {
            let (path, begin) = note
                .location
                .map_or((report.fallback_file(), 1), |l| (l.file.as_str(), l.line));
            let mut description = note.message;
            if report.images.len() > 1 {
                description.push_str(&format!(" [{}]", printable(note.image)));
            }
            issues.push(Issue {
                description,
                check_name: "skipped",
                fingerprint: report.skipped_fingerprint(note.index),
                severity: "info",
                location: IssueLocation {
                    path,
                    lines: Lines { begin },
                },
            });
        }
        write_json(out, &issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{report, rule, unplaced};
    use crate::check::Outcome;

    #[test]
    fn issue_without_a_place_is_on_the_policy_file_line_1() {
        let f = unplaced(Severity::Warn, "low");
        let mut out = Vec::new();
        Gitlab
            .render(&report(vec![], vec![f]), &mut out)
            .expect("written to memory");
        let issues: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(issues[0]["severity"], "minor");
        assert_eq!(
            issues[0]["location"],
            serde_json::json!({"path": "sizegate.yml", "lines": {"begin": 1}})
        );
    }

    #[test]
    fn skipped_rules_are_one_info_issue_per_image_with_a_fingerprint_of_its_identity() {
        let skip = |name| {
            let mut r = rule(name, Outcome::Skipped);
            r.detail = Some("no --baseline given".into());
            r
        };
        let r = report(
            vec![skip("baseline.max_growth"), skip("baseline.max_new_files")],
            vec![],
        );
        let mut out = Vec::new();
        Gitlab.render(&r, &mut out).expect("written to memory");
        let issues: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
        assert_eq!(
            issues,
            serde_json::json!([{
                "description": "2 rules skipped (no --baseline given): baseline.max_growth, baseline.max_new_files",
                "check_name": "skipped",
                "fingerprint": r.skipped_fingerprint(0),
                "severity": "info",
                "location": {"path": "sizegate.yml", "lines": {"begin": 1}}
            }])
        );
    }
}
