//! What a check found: per image the rules checked (each with its actual value, its limit and its
//! outcome) and the findings, each with a stable code; the verdict over all images. This is the
//! JSON contract of `sizegate check --format json` (`schema_version` 1, in the README); fields
//! marked `serde(skip)` are data for the other formats, not part of it.

use std::fmt;

use serde::Serialize;

use super::fail_on::FailOn;
use super::growth::Grew;
use super::origin::LayerOrigin;
use super::sources::Sources;
use crate::analysis::inventory::Inventory;
use crate::analysis::summary::{ImageSummary, SCHEMA_VERSION};
use crate::analysis::top::TopItem;
use crate::code::Code;
use crate::diff::ImageDiff;
use crate::policy::metric::ImageMetric;
use crate::policy::rules::RuleId;
use crate::severity::Severity;
use crate::units::{human_size, Measure};

/// A place in a text file: the policy rule behind a finding, or the Dockerfile line behind a layer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Location {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

impl Location {
    /// `Dockerfile:12`: the file and the line, as a Dockerfile line is named.
    pub(crate) fn file_line(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

/// `sizegate.yml:3:13`.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// One problem found in an image.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Finding {
    /// The rule that found it, within this run.
    #[serde(skip)]
    pub(crate) rule_id: RuleId,
    /// What kind of problem (stable, kebab-case).
    pub code: Code,
    /// `error` fails the gate; `warn` does not.
    pub severity: Severity,
    /// The rule that found it (`image.max_size`, `layers[0]`, `recommended/apt-lists`).
    pub rule: String,
    /// What it is about: the image, a layer, a glob.
    pub subject: String,
    /// The measured value.
    pub actual: Option<Measure>,
    /// The rule's limit.
    pub limit: Option<Measure>,
    /// How far over the limit, in percent of the limit.
    pub over_percent: Option<f64>,
    /// The layer at fault, when there is one.
    pub layer: Option<usize>,
    /// That layer's build instruction.
    pub created_by: Option<String>,
    /// The rule's `reason`.
    pub reason: Option<String>,
    /// How to fix it (preset rules).
    pub hint: Option<String>,
    /// Where the rule is written in the policy.
    pub location: Option<Location>,
    /// The Dockerfile instruction that made `layer`, when `--dockerfile` was given and it matched.
    pub dockerfile: Option<Location>,
    /// For forbidden paths: the first matches.
    pub paths: Vec<PathHit>,
    /// Matches beyond those listed.
    pub more_paths: usize,
    /// For a growth against the baseline (`baseline:` rules): the layers and paths that grew
    /// most. Absent from the other findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grew: Option<Grew>,
    /// For a finding about wasted bytes (`too-much-waste`, dive's rules): where they come from,
    /// as `sources` and `more_sources`. Absent from the other findings.
    #[serde(flatten)]
    pub waste: Option<Sources>,
    /// One sentence saying it all.
    pub message: String,
}

/// A forbidden path found in a layer.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PathHit {
    /// The path.
    pub path: String,
    /// Its bytes (0 for links and other entries).
    pub size: u64,
    /// The layer it is in.
    pub layer: usize,
    /// That layer's build instruction.
    pub created_by: Option<String>,
}

/// How a checked rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Outcome {
    /// Within its limit.
    Pass,
    /// Failed, as an error.
    Error,
    /// Failed, as a warning.
    Warn,
    /// Not checked, and so neither passed nor failed: a `baseline:` rule without a base image to
    /// compare with. The rule's `detail` says why.
    Skipped,
}

impl From<Severity> for Outcome {
    /// The outcome of a rule that failed with this severity.
    fn from(severity: Severity) -> Outcome {
        match severity {
            Severity::Error => Outcome::Error,
            Severity::Warn => Outcome::Warn,
        }
    }
}

/// One rule as checked on one image.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RuleResult {
    /// The rule, within this run.
    #[serde(skip)]
    pub(crate) id: RuleId,
    /// The image total the rule limits, for `image:` rules.
    #[serde(skip)]
    pub(crate) image_metric: Option<ImageMetric>,
    /// The rule's name.
    pub rule: String,
    /// The measured value (for layer budgets: of the largest selected layer).
    pub actual: Option<Measure>,
    /// The limit.
    pub limit: Option<Measure>,
    /// Extra words for the table: which layer, how many paths; for a skipped rule, why.
    pub detail: Option<String>,
    /// The outcome.
    pub status: Outcome,
    /// Where the rule is written in the policy, for the formats that point at the skipped rules.
    #[serde(skip)]
    pub(crate) location: Option<Location>,
}

/// The check of one image.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ImageCheck {
    /// The image's numbers (the JSON contract of `layers`).
    #[serde(flatten)]
    pub summary: ImageSummary,
    /// Every rule, in policy order.
    pub rules: Vec<RuleResult>,
    /// Every problem, in rule order.
    pub findings: Vec<Finding>,
    /// With `--baseline`: what changed against the base image (the `diff` contract's per-image
    /// object); absent without a baseline, or when no base image pairs with this one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<ImageDiff>,
    /// With `--dockerfile`: where each layer came from, bottom first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<LayerOrigin>,
    /// The largest files of the final filesystem, largest first, when the run asked for them.
    #[serde(skip)]
    pub largest_files: Vec<TopItem>,
    /// Every entry of every layer, for the formats that list them (`csv`); `None` when the check
    /// was made without the image.
    #[serde(skip)]
    pub inventory: Option<Inventory>,
}

impl ImageCheck {
    /// Findings of the given severity.
    pub(crate) fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// The findings a rule gave, in the order it gave them.
    pub(crate) fn findings_of<'a>(
        &'a self,
        rule: &'a RuleResult,
    ) -> impl Iterator<Item = &'a Finding> {
        self.findings.iter().filter(move |f| f.rule_id == rule.id)
    }

    /// The limit of the image size, when a rule sets one (the first, if several do).
    pub(crate) fn size_limit(&self) -> Option<Measure> {
        self.rules
            .iter()
            .find(|r| r.image_metric == Some(ImageMetric::Size))
            .and_then(|r| r.limit)
    }
}

/// The outcome of a whole run, as `--fail-on` decides it (by default: fail on errors only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No finding that `--fail-on` fails on (by default: warnings allowed): exit 0.
    Pass,
    /// At least one finding that `--fail-on` fails on (by default: an error): exit 1.
    Fail,
}

impl Verdict {
    /// `pass` or `fail`, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        }
    }
}

/// The checks of every image, with the totals the verdict rests on.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Version of the JSON contract.
    pub(crate) schema_version: u32,
    /// The policy files applied.
    pub(crate) policy: Vec<String>,
    /// `pass` or `fail`, as `fail_on` decides.
    pub(crate) verdict: Verdict,
    /// Which findings fail the gate (`--fail-on`).
    pub(crate) fail_on: FailOn,
    /// Error findings, all images together.
    pub(crate) errors: usize,
    /// Warning findings, all images together.
    pub(crate) warnings: usize,
    /// One entry per image.
    pub(crate) images: Vec<ImageCheck>,
}

impl CheckReport {
    /// Totals the checks of every image; the verdict is `fail_on`'s (see [`Self::with_fail_on`]).
    pub(crate) fn new(
        policy: Vec<String>,
        images: Vec<ImageCheck>,
        fail_on: FailOn,
    ) -> CheckReport {
        let errors = images.iter().map(|i| i.count(Severity::Error)).sum();
        let warnings = images.iter().map(|i| i.count(Severity::Warn)).sum();
        CheckReport {
            schema_version: SCHEMA_VERSION,
            policy,
            verdict: Verdict::Pass,
            fail_on: FailOn::Error,
            errors,
            warnings,
            images,
        }
        .with_fail_on(fail_on)
    }

    /// The same report with the verdict `fail_on` gives: decided here once, so that no format
    /// decides it again.
    pub(crate) fn with_fail_on(mut self, fail_on: FailOn) -> CheckReport {
        let fails = |severity, n: usize| n > 0 && fail_on.fails(severity);
        self.fail_on = fail_on;
        self.verdict =
            if fails(Severity::Error, self.errors) || fails(Severity::Warn, self.warnings) {
                Verdict::Fail
            } else {
                Verdict::Pass
            };
        self
    }

    /// Whether the gate passed.
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Bytes of every image checked, together (the `image-size` output under GitHub Actions);
    /// `None` when an image was checked from its manifest alone.
    pub(crate) fn image_size(&self) -> Option<u64> {
        self.images.iter().try_fold(0u64, |sum, i| {
            i.summary
                .files_read
                .then(|| sum.saturating_add(i.summary.image_size))
        })
    }

    /// `FAIL: 2 errors, 1 warning (image 512.3 MB of 450 MB)`; `PASS: 0 errors, 0 warnings, 5 rules
    /// skipped (image 11 kB)` when rules were not checked; `FAIL: 0 errors, 1 warning, --fail-on
    /// warning (image 11 kB)` when `--fail-on` is not the default, so that the line says why a
    /// warning failed or an error passed.
    pub(crate) fn verdict_line(&self) -> String {
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let verdict = match self.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
        };
        let image = match self.images.as_slice() {
            [one] => {
                let limit = one
                    .size_limit()
                    .map(|l| format!(" of {l}"))
                    .unwrap_or_default();
                match (one.summary.files_read, one.summary.compressed_size) {
                    (true, _) => {
                        format!(" (image {}{limit})", human_size(one.summary.image_size))
                    }
                    // Only the manifest was read: its numbers, and that the files were not.
                    (false, compressed) => format!(
                        " ({} layers{}; files not read: the rules need only the manifest)",
                        one.summary.layer_count,
                        compressed
                            .map(|c| format!(", {} compressed", human_size(c)))
                            .unwrap_or_default()
                    ),
                }
            }
            many => format!(" ({} images)", many.len()),
        };
        // Rules not checked are named, so that a green line cannot hide them.
        let skipped = self
            .images
            .iter()
            .flat_map(|i| &i.rules)
            .filter(|r| r.status == Outcome::Skipped)
            .count();
        let skipped = match skipped {
            0 => String::new(),
            n => format!(", {} skipped", plural(n, "rule")),
        };
        let fail_on = match self.fail_on {
            FailOn::Error => String::new(),
            other => format!(", --fail-on {}", other.as_str()),
        };
        format!(
            "{verdict}: {}, {}{skipped}{fail_on}{image}",
            plural(self.errors, "error"),
            plural(self.warnings, "warning")
        )
    }

    /// The file a finding without any place is shown at (line 1): the last policy file. Only the
    /// rules a `.dive-ci` leaves out (dive's defaults) have no place, and the `.dive-ci` is read
    /// after the `sizegate.yml`.
    pub(crate) fn fallback_file(&self) -> &str {
        self.policy.last().map_or("sizegate.yml", String::as_str)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::summary::{DiveSummary, LayerSummary};

    /// A finding as the renderers' tests need it; its rule's id is `rule_id`.
    pub(crate) fn finding(code: Code, severity: Severity, rule: &str, message: &str) -> Finding {
        Finding {
            rule_id: RuleId(0),
            code,
            severity,
            rule: rule.into(),
            subject: "app:1".into(),
            actual: Some(Measure::Bytes(2000)),
            limit: Some(Measure::Bytes(1000)),
            over_percent: Some(100.0),
            layer: None,
            created_by: None,
            reason: None,
            hint: None,
            location: Some(Location {
                file: "sizegate.yml".into(),
                line: 3,
                column: 13,
            }),
            dockerfile: None,
            paths: Vec::new(),
            more_paths: 0,
            grew: None,
            waste: None,
            message: message.into(),
        }
    }

    /// A finding of `.dive-ci`'s efficiency rule: it has no place in a file.
    pub(crate) fn unplaced(severity: Severity, message: &str) -> Finding {
        Finding {
            location: None,
            ..finding(Code::DiveLowestEfficiency, severity, "dive-ci.x", message)
        }
    }

    /// A report of one image `app:1` with the given rules and findings. Each finding goes with
    /// the rule of its name: its `rule_id` is set to that rule's.
    pub(crate) fn report(rules: Vec<RuleResult>, mut findings: Vec<Finding>) -> CheckReport {
        for f in &mut findings {
            if let Some(r) = rules.iter().find(|r| r.rule == f.rule) {
                f.rule_id = r.id;
            }
        }
        let summary = ImageSummary {
            name: "app:1".into(),
            tags: vec!["app:1".into()],
            platform: Some("linux/amd64".into()),
            image_size: 2000,
            compressed_size: None,
            final_size: 1500,
            wasted_bytes: 500,
            final_files: 3,
            layer_count: 1,
            dive: DiveSummary {
                efficiency: 0.75,
                wasted_bytes: 500,
                user_wasted_percent: None,
            },
            layers: vec![LayerSummary {
                index: 0,
                digest: "sha256:00".into(),
                size: 2000,
                files: 3,
                created_by: Some("COPY . /app".into()),
            }],
            paths: Default::default(),
            files_read: true,
        };
        CheckReport::new(
            vec!["sizegate.yml".into()],
            vec![ImageCheck {
                summary,
                diff: None,
                rules,
                findings,
                origins: Vec::new(),
                largest_files: Vec::new(),
                inventory: None,
            }],
            FailOn::Error,
        )
    }

    /// A rule result; rules made by this function are told apart by their names.
    pub(crate) fn rule(name: &str, status: Outcome) -> RuleResult {
        let id = name
            .bytes()
            .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(b.into()));
        RuleResult {
            id: RuleId(id),
            image_metric: (name == "image.max_size").then_some(ImageMetric::Size),
            rule: name.into(),
            actual: Some(Measure::Bytes(2000)),
            limit: Some(Measure::Bytes(1000)),
            detail: None,
            status,
            location: None,
        }
    }

    #[test]
    fn findings_go_with_their_rule_by_id_not_by_name() {
        // Two rules of one name (the same key in a sizegate.yml and a second policy file).
        let (mut first, mut second) = (
            rule("image.max_size", Outcome::Error),
            rule("image.max_size", Outcome::Error),
        );
        (first.id, second.id) = (RuleId(1), RuleId(2));
        let mut f1 = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "1");
        let mut f2 = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "2");
        (f1.rule_id, f2.rule_id) = (RuleId(2), RuleId(1));
        let mut r = report(vec![], vec![f1, f2]);
        r.images[0].rules = vec![first, second];
        let check = &r.images[0];
        let messages = |rule| {
            check
                .findings_of(rule)
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(messages(&check.rules[0]), ["2"]);
        assert_eq!(messages(&check.rules[1]), ["1"]);
    }

    #[test]
    fn the_verdict_line_names_the_image_size_limit_of_the_size_rule() {
        let r = report(vec![rule("image.max_size", Outcome::Error)], vec![]);
        assert_eq!(
            r.verdict_line(),
            "PASS: 0 errors, 0 warnings (image 2 kB of 1 kB)"
        );
        let r = report(vec![rule("layers[0]", Outcome::Pass)], vec![]);
        assert_eq!(r.verdict_line(), "PASS: 0 errors, 0 warnings (image 2 kB)");
    }

    #[test]
    fn the_verdict_line_counts_the_rules_skipped() {
        let skipped = |name| rule(name, Outcome::Skipped);
        let r = report(vec![skipped("baseline.max_growth")], vec![]);
        assert_eq!(
            r.verdict_line(),
            "PASS: 0 errors, 0 warnings, 1 rule skipped (image 2 kB)"
        );
        let r = report(
            vec![
                skipped("baseline.max_growth"),
                skipped("baseline.max_new_files"),
            ],
            vec![],
        );
        assert_eq!(r.verdict(), Verdict::Pass, "a skipped rule never fails");
        assert!(r.verdict_line().contains(", 2 rules skipped ("));
    }
}
