//! `--format sarif`: SARIF 2.1.0 (GitHub code scanning, GitLab, IDEs), built with the typed model
//! of `serde-sarif`. One rule per finding code that occurs, each with its name, descriptions, help
//! (what it means and how to fix it) and a link to its section of the README; every result has a
//! physical location (the Dockerfile line, else the policy rule, else line 1 of the policy file)
//! and a stable `partialFingerprints` entry, so a finding that persists across runs stays one
//! alert. The run's `automationDetails.id` is its category, so that two uploads in one workflow do
//! not replace each other's alerts. Rules that were skipped (`baseline:` rules without a base
//! image) are no results: they are notes of level `note` in the run's invocation
//! (`toolExecutionNotifications`), one per image, at the first skipped rule.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location as SarifLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingDescriptor,
    Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif as SarifLog, Tool,
    ToolComponent,
};

use super::Render;
use crate::check::{CheckReport, Code, Finding, Location};
use crate::code::REPOSITORY;
use crate::report::printable;
use crate::report::source_links::percent_encode;
use crate::report::view::{layer_line, place, skipped_notes, source_lines, FindingLines};
use crate::report::write_json;
use crate::severity::Severity;

/// The schema the log names (the OASIS 2.1.0 errata 01 schema).
pub(crate) const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// The key of sizegate's fingerprint in `partialFingerprints` (versioned, so a change of recipe
/// gets a new key rather than silently new values).
pub(crate) const FINGERPRINT_KEY: &str = "sizegateFinding/v2";

/// A SARIF 2.1.0 log with one run.
#[derive(Debug, Clone, Default)]
pub struct Sarif {
    /// The run's category (`--sarif-category`), as it was given: the renderer sanitises it as it
    /// does the default (see `sanitized_category`), and its `automationDetails.id` is it and a
    /// `/`. `None` (or nothing left once sanitised): `sizegate/` and the repositories of the
    /// images checked (see `default_category`).
    pub category: Option<String>,
}

impl Render for Sarif {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        write_json(out, &log(report, self.category.as_deref()))
    }
}

/// The SARIF log of a report, its run in `category` (see [`Sarif::category`]).
pub(crate) fn log(report: &CheckReport, category: Option<&str>) -> SarifLog {
    // The rules are the codes that occur, in documentation order; results point at them by index.
    let used: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| {
            report
                .images
                .iter()
                .flat_map(|i| &i.findings)
                .any(|f| f.code == *c)
        })
        .collect();
    let rules: Vec<ReportingDescriptor> = used.iter().map(|code| rule(*code)).collect();
    let mut results = Vec::new();
    for (check, prints) in report.images.iter().zip(report.fingerprints()) {
        for (f, fingerprint) in check.findings.iter().zip(prints) {
            let fallback = Location {
                file: report.fallback_file().to_string(),
                line: 1,
                column: 1,
            };
            let primary = place(f).unwrap_or(&fallback);
            let mut lines = FindingLines::of(f).all();
            lines.extend(layer_line(f));
            let mut properties = BTreeMap::new();
            properties.insert("image".to_string(), check.summary.name.clone().into());
            properties.insert("rule".to_string(), f.rule.clone().into());
            let mut result = SarifResult::builder()
                .rule_id(f.code.as_str())
                .level(match f.severity {
                    Severity::Error => ResultLevel::Error,
                    Severity::Warn => ResultLevel::Warning,
                })
                .message(Message::builder().text(lines.join("\n")).build())
                .locations(vec![location(primary)])
                .partial_fingerprints(BTreeMap::from([(FINGERPRINT_KEY.to_string(), fingerprint)]))
                .properties(
                    PropertyBag::builder()
                        .additional_properties(properties)
                        .build(),
                )
                .build();
            result.rule_index = used.iter().position(|c| *c == f.code).map(|i| i as i64);
            // When the result is shown on the Dockerfile, the policy rule is still worth a link.
            let mut related: Vec<SarifLocation> = match (&f.dockerfile, &f.location) {
                (Some(_), Some(l)) => vec![location(l)],
                _ => Vec::new(),
            };
            related.extend(source_locations(f));
            result.related_locations = (!related.is_empty()).then_some(related);
            results.push(result);
        }
    }
    let driver = ToolComponent::builder()
        .name("sizegate")
        .information_uri(REPOSITORY)
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    // An empty category (an unset CI input passed on as `""`) is none.
    let category = category
        .and_then(sanitized_category)
        .unwrap_or_else(|| default_category(report));
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .automation_details(
            RunAutomationDetails::builder()
                .id(automation_id(&category))
                .build(),
        )
        .build();
    run.invocations = skipped_invocation(report).map(|i| vec![i]);
    SarifLog::builder()
        .schema(SCHEMA_URI)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The rule of a finding code: its id (the code), its PascalCase name, a title, what it means, how
/// to fix it (as text and as markdown) and its section of the README.
fn rule(code: Code) -> ReportingDescriptor {
    let help = MultiformatMessageString::builder()
        .text(code.help())
        .markdown(format!(
            "{}\n\n**Fix:** {}\n\n[sizegate: `{}`]({})",
            code.description(),
            code.fix(),
            code.as_str(),
            code.help_uri()
        ))
        .build();
    ReportingDescriptor::builder()
        .id(code.as_str())
        .name(code.name())
        .short_description(text(code.summary()))
        .full_description(text(code.description()))
        .help(help)
        .help_uri(code.help_uri())
        .build()
}

/// The category of a run when `--sarif-category` names none: `sizegate/` and the
/// [repository](crate::check::ImageCheck::repository) of each image checked (`sizegate/team/app`;
/// several joined by `+`), so that two jobs checking two images upload to two categories, while
/// each new tag of one image stays in its category. An image whose tags name no repository (an
/// untagged one, or an OCI layout whose `ref.name` is only a tag) adds nothing: its tag changes
/// from build to build. Sanitised as [`sanitized_category`] says.
pub(crate) fn default_category(report: &CheckReport) -> String {
    let mut repositories: Vec<String> = Vec::new();
    for repository in report.images.iter().filter_map(|check| check.repository()) {
        if !repositories.contains(&repository) {
            repositories.push(repository);
        }
    }
    let category = match repositories.as_slice() {
        [] => "sizegate".to_string(),
        _ => format!("sizegate/{}", repositories.join("+")),
    };
    sanitized_category(&category).unwrap_or_else(|| "sizegate".to_string())
}

/// The most characters a category keeps: a CI variable or the names of many images checked at
/// once must not make the id (which code scanning shows and stores per upload) kilobytes long.
const MAX_CATEGORY_CHARS: usize = 255;

/// A category as the run's id holds it, whether `--sarif-category` gave it or it was made of the
/// images' names: trimmed, every character other than ASCII letters, digits and `._-/+` as `-`
/// (so that neither a CI variable nor an archive's tag puts spaces, control characters or markup
/// in the id that code scanning shows), cut to its first [`MAX_CATEGORY_CHARS`] characters,
/// without trailing `/` (the id adds its own); `None` when nothing is left (an unset CI input,
/// passed on as `""`).
fn sanitized_category(category: &str) -> Option<String> {
    let kept: String = category
        .trim()
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '_' | '-' | '/' | '+' => c,
            _ => '-',
        })
        // Every kept character is ASCII, one byte: the cut is at a character boundary.
        .take(MAX_CATEGORY_CHARS)
        .collect();
    let kept = kept.trim_end_matches('/');
    (!kept.is_empty()).then(|| kept.to_string())
}

/// `automationDetails.id` of a run in `category` (sanitised, so without a trailing `/`): the
/// category and a `/`, as SARIF says of an id whose instance part is left out (the category is
/// everything before the last `/`).
fn automation_id(category: &str) -> String {
    format!("{category}/")
}

/// The run's invocation when rules were skipped: it ran to the end, and says which rules it did
/// not check, with a note per image; `None` when none was skipped (the log then has no
/// invocation, as before skipping existed).
fn skipped_invocation(report: &CheckReport) -> Option<Invocation> {
    let notes: Vec<Notification> = skipped_notes(report)
        .into_iter()
        .map(|note| {
            let text = format!("{}\nimage: {}", note.message, printable(note.image));
            let properties = BTreeMap::from([("image".to_string(), note.image.into())]);
            let mut n = Notification::builder()
                .message(Message::builder().text(text).build())
                .level(serde_json::json!("note"))
                .properties(
                    PropertyBag::builder()
                        .additional_properties(properties)
                        .build(),
                )
                .build();
            n.locations = note.location.map(|l| vec![location(l)]);
            n
        })
        .collect();
    if notes.is_empty() {
        return None;
    }
    Some(
        Invocation::builder()
            .execution_successful(true)
            .tool_execution_notifications(notes)
            .build(),
    )
}

/// The Dockerfile lines that added or removed the bytes of a waste finding's first sources, each
/// with what its layer did to them (`added /tmp/wheels (150 kB), deleted by layer 8`); the sources
/// of one line make one location, their notes joined.
fn source_locations(f: &Finding) -> Vec<SarifLocation> {
    let Some(waste) = &f.waste else {
        return Vec::new();
    };
    let (shown, _) = source_lines(f);
    let mut lines: Vec<(&Location, Vec<String>)> = Vec::new();
    for (row, line) in waste.sources.iter().zip(&shown) {
        for (place, added) in [(&row.added_by, true), (&row.removed_by, false)] {
            let Some(place) = place else { continue };
            let note = line.as_seen_by(added);
            match lines.iter_mut().find(|(at, _)| *at == place) {
                Some((_, notes)) => notes.push(note),
                None => lines.push((place, vec![note])),
            }
        }
    }
    lines
        .into_iter()
        .map(|(place, notes)| {
            let mut loc = location(place);
            loc.message = Some(Message::builder().text(notes.join("; ")).build());
            loc
        })
        .collect()
}

fn text(s: &str) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s).build()
}

fn location(loc: &Location) -> SarifLocation {
    let region = Region::builder()
        .start_line(clamp(loc.line))
        .start_column(clamp(loc.column))
        .build();
    let physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(file_uri(&loc.file)).build())
        .region(region)
        .build();
    SarifLocation::builder().physical_location(physical).build()
}

/// SARIF lines and columns are 1-based integers.
fn clamp(n: u64) -> i64 {
    i64::try_from(n.max(1)).unwrap_or(i64::MAX)
}

/// A file as the user named it, as a URI reference: relative paths stay relative (code scanning
/// resolves them against the checkout), absolute ones become `file://` URIs, and every byte that
/// is not allowed in a URI path is percent-encoded.
pub(crate) fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    // `:` is encoded too, so a relative path such as `a:b.yml` is not read as a scheme.
    let encoded = percent_encode(&path, b"/");
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{report, rule, unplaced};
    use crate::check::Outcome;

    /// The log of `r` in the default category.
    fn log_of(r: &CheckReport) -> SarifLog {
        log(r, None)
    }

    #[test]
    fn file_uris_are_relative_or_file_scheme_and_encoded() {
        assert_eq!(file_uri("examples/fail.yml"), "examples/fail.yml");
        assert_eq!(
            file_uri("/tmp/my policy.yml"),
            "file:///tmp/my%20policy.yml"
        );
        assert_eq!(file_uri("a:b,c.yml"), "a%3Ab%2Cc.yml");
        assert_eq!(file_uri("ci\\sizegate.yml"), "ci/sizegate.yml");
        assert_eq!(file_uri("café.yml"), "caf%C3%A9.yml");
    }

    #[test]
    fn every_result_has_a_location_and_a_rule() {
        let f = unplaced(Severity::Warn, "low");
        let log = serde_json::to_value(log_of(&report(vec![], vec![f]))).expect("serializes");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["level"], "warning");
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(
            result["locations"][0]["physicalLocation"],
            serde_json::json!({
                "artifactLocation": {"uri": "sizegate.yml"},
                "region": {"startLine": 1, "startColumn": 1}
            })
        );
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][0]["id"],
            "dive-lowest-efficiency"
        );
    }

    #[test]
    fn every_rule_says_what_it_means_how_to_fix_it_and_where_it_is_documented() {
        let f = unplaced(Severity::Warn, "low");
        let log = serde_json::to_value(log_of(&report(vec![], vec![f]))).expect("serializes");
        let driver = &log["runs"][0]["tool"]["driver"];
        assert_eq!(driver["informationUri"], REPOSITORY);
        assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
        let rule = &driver["rules"][0];
        let code = Code::DiveLowestEfficiency;
        assert_eq!(rule["name"], "DiveLowestEfficiency");
        assert_eq!(rule["shortDescription"]["text"], code.summary());
        assert_eq!(rule["fullDescription"]["text"], code.description());
        assert_eq!(rule["help"]["text"], code.help());
        let markdown = rule["help"]["markdown"].as_str().expect("markdown");
        assert!(
            markdown.contains(&format!("**Fix:** {}", code.fix())),
            "{markdown}"
        );
        assert_eq!(
            rule["helpUri"],
            format!("{REPOSITORY}#dive-lowest-efficiency")
        );
    }

    #[test]
    fn the_category_is_the_one_asked_for_else_the_repositories_checked() {
        let mut r = report(vec![], vec![]);
        let id = |r: &CheckReport, category| {
            let log = serde_json::to_value(log(r, category)).expect("serializes");
            log["runs"][0]["automationDetails"]["id"].clone()
        };
        assert_eq!(id(&r, None), "sizegate/app/");
        assert_eq!(id(&r, Some("images/app")), "images/app/");
        assert_eq!(id(&r, Some("images/app/")), "images/app/");
        assert_eq!(id(&r, Some(" ")), "sizegate/app/", "empty is none");
        // A new tag is the same category; another repository is another.
        r.images[0].summary.tags = vec!["registry.example:5000/org/app:2@sha256:00".into()];
        let mut other = r.images[0].clone();
        other.summary.tags = vec!["org/worker:2".into()];
        r.images.push(other.clone());
        r.images.push(other);
        assert_eq!(id(&r, None), "sizegate/org/app+org/worker/");
        for check in &mut r.images {
            check.summary.tags.clear();
        }
        assert_eq!(id(&r, None), "sizegate/", "untagged images name none");
        // Names from the archive: nothing but plain characters reach the id.
        r.images[0].summary.tags = vec!["a p\u{1b}p:1".into()];
        assert_eq!(id(&r, None), "sizegate/a-p-p/");
    }

    #[test]
    fn an_oci_ref_name_that_is_only_a_tag_is_no_category() {
        // `skopeo copy … oci:dir:1.0.0`, then `oci:dir:2.0.0`: one image, one category.
        let mut r = report(vec![], vec![]);
        for tag in ["1.0.0", "2.0.0", "latest"] {
            r.images[0].summary.tags = vec![tag.into()];
            assert_eq!(default_category(&r), "sizegate", "{tag}");
        }
        // containerd's image name, when the layout has one, is the repository.
        r.images[0].summary.tags = vec!["registry.example/team/app:2.0.0".into()];
        assert_eq!(default_category(&r), "sizegate/team/app");
    }

    #[test]
    fn a_category_asked_for_is_sanitised_as_the_default_is() {
        let id = |category| {
            let log = serde_json::to_value(log(&report(vec![], vec![]), Some(category)))
                .expect("serializes");
            log["runs"][0]["automationDetails"]["id"].clone()
        };
        assert_eq!(id("images/my app\tx\n"), "images/my-app-x/");
        assert_eq!(id(" team/app+worker_1.2 "), "team/app+worker_1.2/");
        assert_eq!(id("::error::x"), "--error--x/");
        assert_eq!(id("caf\u{e9}/\u{1b}[31m"), "caf-/--31m/");
        assert_eq!(id("//"), "sizegate/app/", "nothing left is none");
    }

    #[test]
    fn a_long_category_is_cut_to_its_first_255_characters() {
        let id = |category: &str| {
            let log = serde_json::to_value(log(&report(vec![], vec![]), Some(category)))
                .expect("serializes");
            log["runs"][0]["automationDetails"]["id"]
                .as_str()
                .expect("an id")
                .to_string()
        };
        // 130 KB of a CI variable, with multi-byte characters (each one `-`) across the cut.
        let long = "\u{e9}ab/".repeat(130 * 1024 / 5);
        let cut = id(&long);
        assert_eq!(cut.len(), MAX_CATEGORY_CHARS + 1, "and the id's own `/`");
        assert!(cut.starts_with("-ab/-ab/"), "{cut}");
        // A cut that ends in `/` loses it, as any trailing `/` is.
        let slashes = format!("{}/////", "a".repeat(MAX_CATEGORY_CHARS - 2));
        assert_eq!(
            id(&slashes),
            format!("{}/", "a".repeat(MAX_CATEGORY_CHARS - 2))
        );
        // A category of exactly the cap is kept whole.
        let exact = "b".repeat(MAX_CATEGORY_CHARS);
        assert_eq!(id(&exact), format!("{exact}/"));
    }

    #[test]
    fn skipped_rules_are_a_note_of_the_invocation_at_the_first_of_them() {
        let mut skipped = rule("baseline.max_growth", Outcome::Skipped);
        skipped.detail = Some("no --baseline given".into());
        skipped.location = Some(Location {
            file: "sizegate.yml".into(),
            line: 4,
            column: 15,
        });
        let sarif =
            serde_json::to_value(log_of(&report(vec![skipped], vec![]))).expect("serializes");
        let invocation = &sarif["runs"][0]["invocations"][0];
        assert_eq!(invocation["executionSuccessful"], true);
        let note = &invocation["toolExecutionNotifications"][0];
        assert_eq!(note["level"], "note");
        assert_eq!(
            note["message"]["text"],
            "1 rule skipped (no --baseline given): baseline.max_growth\nimage: app:1"
        );
        assert_eq!(
            note["locations"][0]["physicalLocation"]["region"],
            serde_json::json!({"startLine": 4, "startColumn": 15})
        );
        let none = serde_json::to_value(log_of(&report(vec![], vec![]))).expect("serializes");
        assert!(none["runs"][0].get("invocations").is_none());
    }
}
