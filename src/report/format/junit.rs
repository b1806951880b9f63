//! `--format junit`: JUnit XML (via `quick-junit`) for CI test-report views: one test suite per
//! image, one test case per rule checked. The suite and its cases' `classname` are named by the
//! image's repository, not its tag, so that a test's history survives the next build's tag; the
//! full reference is the suite's `image` property. The report is valid against Jenkins xUnit's
//! `junit-10.xsd` (.ci/junit-10.xsd, checked in .ci/run) as well as in the surefire shape GitLab
//! reads.
//!
//! A rule that failed the gate (as an `error`, or as a `warn` under `--fail-on warning`) is a
//! failed test case (`<failure>` with the finding's message, its code as the type, and every
//! detail in the body). A rule that failed without failing the gate (a `warn` by default, anything
//! under `--fail-on never`) is a *passing* test case whose system-out says `warn: …` (or `error:
//! …`): the gate passed, so the test report must not turn red (GitLab and Jenkins count any
//! `<failure>` as a failed test), and `<skipped>` would claim the rule was not checked; Jenkins
//! shows system-out on the case's page and GitLab in the case's details. A rule that was indeed not checked (a `baseline:` rule without a base image) is
//! a `<skipped>` case whose message says why.
//!
//! The XML keeps sizegate's line breaks, but the image's names and the policy's text are escaped
//! as in the outputs for people ([`printable`]): CI systems show these messages to people, the
//! report is often printed to the log, and XML 1.0 cannot hold most control characters at all.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::Render;
use crate::check::{ranked, CheckReport, Finding, Outcome};
use crate::report::printable;
use crate::report::view::{layer_line, place_text, rule_rows, FindingLines};

/// JUnit XML in the Jenkins / GitLab dialect.
#[derive(Debug, Clone, Copy, Default)]
pub struct Junit;

impl Render for Junit {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let mut junit = Report::new("sizegate");
        for (check, name) in report.images.iter().zip(suite_names(report)) {
            let name = printable(&name);
            let mut suite = TestSuite::new(name.as_ref());
            // The full reference, tag included, for whoever wants to know which build it was.
            suite.add_property(Property::new("image", printable(&check.summary.name)));
            if let Some(platform) = &check.summary.platform {
                suite.add_property(Property::new("platform", printable(platform)));
            }
            for row in rule_rows(check) {
                let (rule, findings) = (row.rule, row.findings);
                // The verdict's own decision (`--fail-on`), not the severity alone.
                let fails = report.fail_on.fails_rule(rule.status);
                let status = match rule.status {
                    Outcome::Error | Outcome::Warn if fails => {
                        let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        let messages: Vec<_> =
                            findings.iter().map(|f| printable(&f.message)).collect();
                        status.set_message(messages.join("; "));
                        if let Some(first) = findings.first() {
                            status.set_type(first.code.as_str());
                        }
                        status.set_description(body(&findings));
                        status
                    }
                    Outcome::Skipped => {
                        let mut status = TestCaseStatus::skipped();
                        if let Some(why) = &rule.detail {
                            status.set_message(printable(why));
                        }
                        status
                    }
                    Outcome::Pass | Outcome::Warn | Outcome::Error => TestCaseStatus::success(),
                };
                let mut case = TestCase::new(rule.rule.as_str(), status);
                case.set_classname(name.as_ref());
                let reported = match rule.status {
                    Outcome::Warn => Some("warn"),
                    Outcome::Error => Some("error"),
                    Outcome::Pass | Outcome::Skipped => None,
                };
                if let Some(severity) = reported.filter(|_| !fails) {
                    case.set_system_out(format!("{severity}: {}", body(&findings)));
                }
                suite.add_test_case(case);
            }
            junit.add_test_suite(suite);
        }
        // Made in memory first: quick-junit's error hides the I/O error inside it, and a closed
        // pipe must stay recognisable as one.
        let xml = junit.to_string().map_err(io::Error::other)?;
        out.write_all(without_root_skipped(&xml).as_bytes())
    }
}

/// The name of each image's suite, which its cases' `classname` repeats: its
/// [repository](crate::check::ImageCheck::repository), never its tag, since Jenkins and GitLab keep
/// a test's history by these names and CI tags every build anew; `image` when its tags name none
/// (untagged, or an OCI layout whose `ref.name` is only a tag). When several images checked go by
/// one name, each is followed by its platform (`app (linux/arm64)`), and those still alike by
/// their rank from the second on (`app #2`: two tags of one repository).
fn suite_names(report: &CheckReport) -> Vec<String> {
    let named: Vec<String> = report
        .images
        .iter()
        .map(|c| c.repository().unwrap_or_else(|| "image".to_string()))
        .collect();
    let shared = |names: &[String], name: &String| names.iter().filter(|n| *n == name).count() > 1;
    ranked(
        report
            .images
            .iter()
            .zip(&named)
            .map(|(check, name)| match &check.summary.platform {
                Some(platform) if shared(&named, name) => format!("{name} ({platform})"),
                _ => name.clone(),
            }),
    )
}

/// The report without the `skipped` attribute of its root `<testsuites>`, which quick-junit always
/// writes and Jenkins' xUnit schema (junit-10.xsd) does not allow there: a report with it fails
/// that schema's validation. Each `<testsuite>` keeps its own `skipped` count, which the schema
/// allows and GitLab and Jenkins read; the root tag holds only sizegate's name and counts, so the
/// attribute is found there without parsing user text.
fn without_root_skipped(xml: &str) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml.to_string();
    };
    let end = xml[start..].find('>').map_or(xml.len(), |e| start + e);
    let tag = &xml[start..end];
    let Some(at) = tag.find(" skipped=\"") else {
        return xml.to_string();
    };
    let value_start = start + at + " skipped=\"".len();
    let Some(close) = xml[value_start..end].find('"') else {
        return xml.to_string();
    };
    format!("{}{}", &xml[..start + at], &xml[value_start + close + 1..])
}

/// Every finding of a rule: its code, details and layer, a blank line between findings.
fn body(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            let mut lines = vec![format!(
                "[{}] {}",
                f.code.as_str(),
                FindingLines::of(f).all().join("\n")
            )];
            lines.extend(layer_line(f));
            if let Some(loc) = &f.location {
                lines.push(format!("policy: {}", place_text(loc)));
            }
            if let Some(loc) = &f.dockerfile {
                lines.push(format!("Dockerfile: {}", place_text(loc)));
            }
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule};
    use crate::check::Code;
    use crate::severity::Severity;

    #[test]
    fn errors_fail_warnings_pass_with_system_out() {
        let r = report(
            vec![
                rule("image.max_size", Outcome::Error),
                rule("forbid[0]", Outcome::Warn),
                rule("layers[0]", Outcome::Pass),
            ],
            vec![
                finding(
                    Code::ImageTooLarge,
                    Severity::Error,
                    "image.max_size",
                    "too <big>",
                ),
                finding(Code::ForbiddenPath, Severity::Warn, "forbid[0]", "a & b"),
            ],
        );
        let mut out = Vec::new();
        Junit.render(&r, &mut out).expect("written to memory");
        let xml = String::from_utf8_lossy(&out);
        assert!(
            xml.contains(r#"<testsuite name="app" tests="3" skipped="0" errors="0" failures="1">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<failure message="too &lt;big&gt;" type="image-too-large">"#),
            "{xml}"
        );
        assert!(
            xml.contains("<system-out>warn: [forbidden-path] a &amp; b"),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<testcase name="layers[0]" classname="app"/>"#),
            "{xml}"
        );
    }

    /// The XML of `r`.
    fn xml_of(r: &CheckReport) -> String {
        let mut out = Vec::new();
        Junit.render(r, &mut out).expect("written to memory");
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn a_suite_is_named_by_the_repository_and_keeps_the_full_reference_as_a_property() {
        let mut r = report(vec![rule("layers[0]", Outcome::Pass)], vec![]);
        let retag = |r: &mut CheckReport, i: usize, tag: &str| {
            r.images[i].summary.name = tag.to_string();
            r.images[i].summary.tags = vec![tag.to_string()];
        };
        retag(&mut r, 0, "registry.example/team/app:pr-7");
        let xml = xml_of(&r);
        assert!(
            xml.contains(concat!(
                r#"<testsuite name="team/app" tests="1" skipped="0" errors="0" failures="0">"#,
                "\n        <properties>",
                "\n            <property name=\"image\" value=\"registry.example/team/app:pr-7\"/>",
                "\n            <property name=\"platform\" value=\"linux/amd64\"/>",
                "\n        </properties>",
                "\n        <testcase name=\"layers[0]\" classname=\"team/app\"/>",
            )),
            "{xml}"
        );
        // The next build's tag: the same suite, the same case.
        let next = {
            let mut next = r.clone();
            retag(&mut next, 0, "registry.example/team/app:pr-8");
            xml_of(&next)
        };
        assert_eq!(next.replace("pr-8", "pr-7"), xml);
        // An OCI layout whose ref.name is only a tag names no repository.
        retag(&mut r, 0, "1.0.0");
        assert!(xml_of(&r).contains(r#"<testsuite name="image" "#));
    }

    #[test]
    fn suites_of_one_repository_are_told_apart_by_platform_then_rank() {
        let mut r = report(vec![rule("layers[0]", Outcome::Pass)], vec![]);
        let mut arm = r.images[0].clone();
        arm.summary.platform = Some("linux/arm64".into());
        let mut again = r.images[0].clone();
        again.summary.tags = vec!["app:2".into()];
        let mut worker = r.images[0].clone();
        worker.summary.tags = vec!["worker:1".into()];
        r.images.extend([arm, again, worker]);
        assert_eq!(
            suite_names(&r),
            [
                "app (linux/amd64)",
                "app (linux/arm64)",
                "app (linux/amd64) #2",
                "worker"
            ]
        );
        let xml = xml_of(&r);
        assert!(xml.contains(r#"classname="app (linux/arm64)""#), "{xml}");
    }

    #[test]
    fn fail_on_decides_which_failed_rules_are_failed_cases() {
        use crate::check::FailOn;
        let r = || {
            report(
                vec![
                    rule("image.max_size", Outcome::Error),
                    rule("forbid[0]", Outcome::Warn),
                ],
                vec![
                    finding(
                        Code::ImageTooLarge,
                        Severity::Error,
                        "image.max_size",
                        "big",
                    ),
                    finding(Code::ForbiddenPath, Severity::Warn, "forbid[0]", "doc"),
                ],
            )
        };
        let xml = |fail_on| {
            let mut out = Vec::new();
            Junit
                .render(&r().with_fail_on(fail_on), &mut out)
                .expect("written to memory");
            String::from_utf8_lossy(&out).into_owned()
        };
        let warning = xml(FailOn::Warning);
        assert!(warning.contains(r#"failures="2""#), "{warning}");
        assert!(
            warning.contains(r#"<failure message="doc" type="forbidden-path">"#),
            "{warning}"
        );
        assert!(!warning.contains("<system-out>"), "{warning}");
        let never = xml(FailOn::Never);
        assert!(never.contains(r#"failures="0""#), "{never}");
        assert!(
            never.contains("<system-out>error: [image-too-large] big"),
            "{never}"
        );
        assert!(
            never.contains("<system-out>warn: [forbidden-path] doc"),
            "{never}"
        );
    }

    #[test]
    fn the_root_has_no_skipped_attribute_but_each_suite_does() {
        let mut skipped = rule("baseline.max_growth", Outcome::Skipped);
        skipped.detail = Some("no --baseline given".into());
        let mut out = Vec::new();
        Junit
            .render(&report(vec![skipped], vec![]), &mut out)
            .expect("written to memory");
        let xml = String::from_utf8_lossy(&out);
        assert!(
            xml.contains(r#"<testsuites name="sizegate" tests="1" failures="0" errors="0">"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<testsuite name="app" tests="1" skipped="1""#));
        assert_eq!(without_root_skipped("<a/>"), "<a/>");
        assert_eq!(
            without_root_skipped(r#"<testsuites tests="1"><testsuite skipped="1"/>"#),
            r#"<testsuites tests="1"><testsuite skipped="1"/>"#
        );
    }

    #[test]
    fn a_skipped_rule_is_a_skipped_case_saying_why() {
        let mut skipped = rule("baseline.max_growth", Outcome::Skipped);
        skipped.detail = Some("no --baseline given".into());
        let mut out = Vec::new();
        Junit
            .render(&report(vec![skipped], vec![]), &mut out)
            .expect("written to memory");
        let xml = String::from_utf8_lossy(&out);
        assert!(
            xml.contains(r#"tests="1" skipped="1" errors="0" failures="0""#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"<skipped message="no --baseline given"/>"#),
            "{xml}"
        );
    }
}
