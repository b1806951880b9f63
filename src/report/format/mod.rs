//! `sizegate check`: the report of a run (the rules checked and the findings of each image, and
//! the verdict), and the formats it is written in, one module each, all behind [`Render`].

pub mod csv;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use std::io::{self, Write};

use serde::Serialize;

use super::human_size;
use crate::analysis::summary::SCHEMA_VERSION;
use crate::analysis::Analysis;
use crate::check::origin::attribute_to_dockerfile;
use crate::check::{check_image, Finding, ImageCheck, Location, RuleResult};
use crate::dockerfile::Dockerfile;
use crate::image::Image;
use crate::policy::Policy;
use crate::severity::Severity;

/// One output format of `sizegate check`: writes the whole report to `out`.
pub trait Render {
    /// Writes `report` in this format.
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()>;
}

/// The outcome of a whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No error findings (warnings allowed): exit 0.
    Pass,
    /// At least one error finding: exit 1.
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
    /// The images checked and their analyses, in `images` order, for the formats that list files
    /// (`csv`, `markdown`); empty when the report was made from checks alone. Not part of the JSON
    /// contract.
    #[serde(skip)]
    pub analyzed: Vec<Analyzed>,
}

/// An image as read, with its union-filesystem analysis.
#[derive(Debug, Clone)]
pub struct Analyzed {
    /// The image.
    pub image: Image,
    /// Its analysis.
    pub analysis: Analysis,
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
            analyzed: Vec::new(),
        }
    }

    /// Analyzes every image, applies the policies to it, and keeps the images and analyses for
    /// the formats that list files.
    /// With a Dockerfile and the index of the stage the image was built from, findings about a
    /// layer point at the instruction that made it.
    pub fn check(
        policies: &[Policy],
        images: Vec<Image>,
        dockerfile: Option<(&Dockerfile, usize)>,
    ) -> CheckReport {
        let mut checks = Vec::with_capacity(images.len());
        let mut analyzed = Vec::with_capacity(images.len());
        for image in images {
            let (mut check, analysis) = check_image(&image, policies);
            if let Some((dockerfile, stage)) = dockerfile {
                attribute_to_dockerfile(&mut check, &image, dockerfile, stage);
            }
            checks.push(check);
            analyzed.push(Analyzed { image, analysis });
        }
        let files = policies.iter().map(|p| p.file.clone()).collect();
        CheckReport {
            analyzed,
            ..CheckReport::new(files, checks)
        }
    }

    /// Bytes of every image checked, together (the `image-size` output under GitHub Actions).
    pub fn image_size(&self) -> u64 {
        self.images
            .iter()
            .fold(0u64, |sum, i| sum.saturating_add(i.summary.image_size))
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

    /// The file a finding without any place is shown at (line 1): the last policy file. Only the
    /// rules a `.dive-ci` leaves out (dive's defaults) have no place, and the `.dive-ci` is read
    /// after the `sizegate.yml`.
    pub fn fallback_file(&self) -> &str {
        self.policy.last().map_or("sizegate.yml", String::as_str)
    }
}

/// Where a finding is shown: the Dockerfile line that made its layer when known, else the rule in
/// the policy; `None` when neither is known.
pub fn place(finding: &Finding) -> Option<&Location> {
    finding.dockerfile.as_ref().or(finding.location.as_ref())
}

/// The message, then the reason, the fix and the paths, one per line.
pub fn detail_lines(f: &Finding) -> Vec<String> {
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
    lines
}

/// `layer 1: COPY …` for a finding about a layer.
pub fn layer_line(f: &Finding) -> Option<String> {
    f.layer.map(|layer| {
        let created_by = f.created_by.as_deref().unwrap_or("(unknown)");
        format!("layer {layer}: {}", created_by.trim())
    })
}

/// A stable fingerprint of every finding, `[image][finding]`: 32 hex digits hashed from the code,
/// the rule, the subject and the image name, never from the numbers, so a finding keeps its
/// fingerprint while the image grows or shrinks. A finding about a layer is named by the layer's
/// build instruction rather than its index, which shifts when a base image gains a layer.
/// Findings that would share one (the same rule in two policy files) are told apart by their
/// order.
pub fn fingerprints(report: &CheckReport) -> Vec<Vec<String>> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    report
        .images
        .iter()
        .map(|check| {
            check
                .findings
                .iter()
                .map(|f| {
                    let subject = match (f.layer, &f.created_by) {
                        (Some(_), Some(created_by)) => created_by.as_str(),
                        _ => f.subject.as_str(),
                    };
                    let parts = [
                        f.code.as_str(),
                        f.rule.as_str(),
                        subject,
                        check.summary.name.as_str(),
                    ];
                    let base = fnv1a_128(&parts);
                    let n = seen.entry(base.clone()).or_insert(0);
                    *n += 1;
                    if *n == 1 {
                        base
                    } else {
                        fnv1a_128(&[&base, &n.to_string()])
                    }
                })
                .collect()
        })
        .collect()
}

/// FNV-1a, 128 bits, over the parts separated by NUL, as 32 hex digits. Chosen over std's
/// `DefaultHasher` because its result is fixed by its published constants, so fingerprints stay the
/// same across Rust versions and platforms; it is not meant to resist forgery, only to tell
/// findings apart.
fn fnv1a_128(parts: &[&str]) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let separated = parts.iter().enumerate().flat_map(|(i, part)| {
        let sep: &[u8] = if i == 0 { b"" } else { b"\0" };
        sep.iter().chain(part.as_bytes())
    });
    let hash = separated.fold(OFFSET, |hash, &b| {
        (hash ^ u128::from(b)).wrapping_mul(PRIME)
    });
    format!("{hash:032x}")
}

/// Each rule checked on an image with the findings it gave (none for a rule that passed).
/// Findings come in rule order, so they are taken in turn; this keeps two rules of the same name
/// (from two policy files) apart.
pub fn rules_with_findings(check: &ImageCheck) -> Vec<(&RuleResult, Vec<&Finding>)> {
    let mut next = 0;
    let mut out: Vec<(&RuleResult, Vec<&Finding>)> = check
        .rules
        .iter()
        .map(|rule| {
            let mut found = Vec::new();
            while let Some(f) = check.findings.get(next).filter(|f| f.rule == rule.rule) {
                found.push(f);
                next += 1;
            }
            (rule, found)
        })
        .collect();
    // Findings out of order (not made by `check_image`) go with the first rule of their name.
    for f in check.findings.iter().skip(next) {
        if let Some(entry) = out.iter_mut().find(|(r, _)| r.rule == f.rule) {
            entry.1.push(f);
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analysis::summary::{DiveSummary, ImageSummary, LayerSummary};
    use crate::check::{Code, Outcome, PathHit};
    use crate::units::Measure;

    /// A finding as the renderers' tests need it.
    pub(crate) fn finding(code: Code, severity: Severity, rule: &str, message: &str) -> Finding {
        Finding {
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

    /// A report of one image `app:1` with the given rules and findings.
    pub(crate) fn report(rules: Vec<RuleResult>, findings: Vec<Finding>) -> CheckReport {
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
        };
        CheckReport::new(
            vec!["sizegate.yml".into()],
            vec![ImageCheck {
                summary,
                rules,
                findings,
                origins: Vec::new(),
            }],
        )
    }

    pub(crate) fn rule(name: &str, status: Outcome) -> RuleResult {
        RuleResult {
            rule: name.into(),
            actual: Some(Measure::Bytes(2000)),
            limit: Some(Measure::Bytes(1000)),
            detail: None,
            status,
        }
    }

    #[test]
    fn fingerprints_ignore_numbers_and_tell_twins_apart() {
        let a = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "x");
        let mut b = a.clone();
        b.actual = Some(Measure::Bytes(9999));
        b.message = "other words".into();
        let one = fingerprints(&report(vec![], vec![a.clone()]));
        let other = fingerprints(&report(vec![], vec![b]));
        assert_eq!(
            one, other,
            "numbers and wording do not change a fingerprint"
        );
        assert_eq!(one[0][0].len(), 32);
        let twins = fingerprints(&report(vec![], vec![a.clone(), a]));
        assert_eq!(twins[0][0], one[0][0]);
        assert_ne!(twins[0][0], twins[0][1]);
    }

    #[test]
    fn fnv1a_128_matches_the_published_test_vector() {
        // FNV-1a 128 of "a" (draft-eastlake-fnv test vectors).
        assert_eq!(fnv1a_128(&["a"]), "d228cb696f1a8caf78912b704e4a8964");
        assert_ne!(fnv1a_128(&["ab", "c"]), fnv1a_128(&["a", "bc"]));
    }

    #[test]
    fn findings_go_with_their_rule_in_turn() {
        let rules = vec![
            rule("image.max_size", Outcome::Error),
            rule("layers[0]", Outcome::Pass),
            rule("layers[1]", Outcome::Error),
        ];
        let f1 = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "1");
        let f2 = finding(Code::LayerOverBudget, Severity::Error, "layers[1]", "2");
        let f3 = finding(Code::LayerTooManyFiles, Severity::Error, "layers[1]", "3");
        let r = report(rules, vec![f1, f2, f3]);
        let grouped = rules_with_findings(&r.images[0]);
        let messages: Vec<(&str, Vec<&str>)> = grouped
            .iter()
            .map(|(r, fs)| {
                let found = fs.iter().map(|f| f.message.as_str()).collect();
                (r.rule.as_str(), found)
            })
            .collect();
        assert_eq!(
            messages,
            [
                ("image.max_size", vec!["1"]),
                ("layers[0]", vec![]),
                ("layers[1]", vec!["2", "3"])
            ]
        );
    }

    #[test]
    fn details_list_reason_fix_and_paths() {
        let mut f = finding(
            Code::ForbiddenPath,
            Severity::Warn,
            "forbid[0]",
            "1 forbidden path",
        );
        f.reason = Some("no keys".into());
        f.hint = Some("delete it".into());
        f.paths = vec![PathHit {
            path: "/k.pem".into(),
            size: 1000,
            layer: 2,
            created_by: None,
        }];
        f.more_paths = 3;
        assert_eq!(
            detail_lines(&f),
            [
                "1 forbidden path",
                "reason: no keys",
                "fix: delete it",
                "  /k.pem (1 kB, layer 2)",
                "  … and 3 more"
            ]
        );
    }
}
