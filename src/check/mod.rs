//! The gate: a policy's rules applied to an image, giving the rules checked (each with its actual
//! value, its limit and whether it passed) and the findings, each with a stable code.

mod budget;
pub mod code;
mod matcher;
pub mod origin;
mod scan;

use serde::Serialize;

pub use code::Code;

use budget::{over, Budget};

use crate::analysis::dive::{dive_metrics, DiveMetrics};
use crate::analysis::summary::ImageSummary;
use crate::analysis::{analyze, Analysis};
use crate::image::Image;
use crate::policy::rules::{DiveMetric, Glob, ImageMetric, LayerSelect, Rule, RuleKind};
use crate::policy::Policy;
use crate::severity::Severity;
use crate::units::Measure;

/// Forbidden paths listed in a finding before the rest are only counted.
pub const LISTED_PATHS: usize = 20;

/// A place in a text file: the policy rule behind a finding, or the Dockerfile line behind a layer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Location {
    /// The file, as the user named it.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
}

/// One problem found in an image.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
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
    /// One sentence saying it all.
    pub message: String,
}

/// A forbidden path found in a layer.
#[derive(Debug, Clone, Serialize)]
pub struct PathHit {
    /// The path.
    pub path: String,
    /// Its bytes (0 for links and other entries).
    pub size: u64,
    /// The layer it is in.
    pub layer: usize,
    /// That layer's build instruction.
    pub created_by: Option<String>,
}

/// Whether a checked rule passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Within its limit.
    Pass,
    /// Failed, as an error.
    Error,
    /// Failed, as a warning.
    Warn,
}

/// One rule as checked on one image.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    /// The rule's name.
    pub rule: String,
    /// The measured value (for layer budgets: of the largest selected layer).
    pub actual: Option<Measure>,
    /// The limit.
    pub limit: Option<Measure>,
    /// Extra words for the table: which layer, how many paths.
    pub detail: Option<String>,
    /// The outcome.
    pub status: Outcome,
}

/// The check of one image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageCheck {
    /// The image's numbers (the JSON contract of `layers`).
    #[serde(flatten)]
    pub summary: ImageSummary,
    /// Every rule, in policy order.
    pub rules: Vec<RuleResult>,
    /// Every problem, in rule order.
    pub findings: Vec<Finding>,
    /// With `--dockerfile`: where each layer came from, bottom first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub origins: Vec<origin::LayerOrigin>,
}

impl ImageCheck {
    /// Findings of the given severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Applies the rules of every policy (a `sizegate.yml`, a `.dive-ci`) to one image; returns the
/// analysis of the image too.
pub fn check_image(image: &Image, policies: &[Policy]) -> (ImageCheck, Analysis) {
    // The glob scan needs the analysis but not dive's metrics, and dive takes longer: the scan
    // runs while dive finishes.
    let ((analysis, scans), dive) = rayon::join(
        || {
            let analysis = analyze(image);
            let scans = scan::scan(image, &analysis, policies.iter().flat_map(|p| &p.rules));
            (analysis, scans)
        },
        || dive_metrics(image),
    );
    let summary = ImageSummary::from_parts(image, &analysis, &dive);
    let mut cx = Context {
        image,
        summary: &summary,
        dive: &dive,
        file: "",
        rules: Vec::new(),
        findings: Vec::new(),
        scans,
    };
    for policy in policies {
        cx.file = &policy.file;
        for rule in &policy.rules {
            cx.apply(rule);
        }
    }
    let check = ImageCheck {
        rules: cx.rules,
        findings: cx.findings,
        summary,
        origins: Vec::new(),
    };
    (check, analysis)
}

struct Context<'a> {
    image: &'a Image,
    summary: &'a ImageSummary,
    dive: &'a DiveMetrics,
    file: &'a str,
    rules: Vec<RuleResult>,
    findings: Vec<Finding>,
    /// The glob rules' results, computed in one pass before the rules are applied.
    scans: scan::Scans,
}

/// A finding before the rule's common fields are filled in.
struct Draft {
    code: Code,
    subject: String,
    actual: Option<Measure>,
    limit: Option<Measure>,
    layer: Option<usize>,
    message: String,
    paths: Vec<PathHit>,
    more_paths: usize,
    hint: Option<String>,
}

impl Draft {
    fn new(code: Code, subject: impl Into<String>, message: impl Into<String>) -> Draft {
        Draft {
            code,
            subject: subject.into(),
            actual: None,
            limit: None,
            layer: None,
            message: message.into(),
            paths: Vec::new(),
            more_paths: 0,
            hint: None,
        }
    }

    fn measured(mut self, actual: Measure, limit: Measure) -> Draft {
        self.actual = Some(actual);
        self.limit = Some(limit);
        self
    }
}

impl Context<'_> {
    fn apply(&mut self, rule: &Rule) {
        match &rule.kind {
            RuleKind::Image { metric, limit } => self.image_limit(rule, *metric, *limit),
            RuleKind::Dive { metric, limit } => self.dive_limit(rule, *metric, *limit),
            RuleKind::Layer {
                select,
                max_size,
                max_files,
            } => self.layer_budget(rule, select, *max_size, *max_files),
            RuleKind::Path {
                glob,
                max_size,
                max_files,
            } => self.path_budget(rule, glob, *max_size, *max_files),
            RuleKind::Forbid { globs, hint, .. } => self.forbid(rule, globs, hint.as_deref()),
        }
    }

    fn record(
        &mut self,
        rule: &Rule,
        actual: Option<Measure>,
        limit: Option<Measure>,
        detail: Option<String>,
        failed: bool,
    ) {
        let status = match (failed, rule.severity) {
            (false, _) => Outcome::Pass,
            (true, Severity::Error) => Outcome::Error,
            (true, Severity::Warn) => Outcome::Warn,
        };
        self.rules.push(RuleResult {
            rule: rule.name.clone(),
            actual,
            limit,
            detail,
            status,
        });
    }

    fn find(&mut self, rule: &Rule, draft: Draft) {
        let over_percent = match (draft.actual, draft.limit) {
            (Some(a), Some(l)) if l.as_f64() > 0.0 => {
                Some(((a.as_f64() - l.as_f64()) / l.as_f64() * 100.0).abs())
            }
            _ => None,
        };
        let created_by = draft
            .layer
            .and_then(|i| self.image.layers.get(i))
            .and_then(|l| l.created_by.clone());
        self.findings.push(Finding {
            code: draft.code,
            severity: rule.severity,
            rule: rule.name.clone(),
            subject: draft.subject,
            actual: draft.actual,
            limit: draft.limit,
            over_percent,
            layer: draft.layer,
            created_by,
            reason: rule.reason.clone(),
            hint: draft.hint,
            dockerfile: None,
            location: rule.pos.map(|p| Location {
                file: self.file.to_string(),
                line: p.line,
                column: p.column,
            }),
            paths: draft.paths,
            more_paths: draft.more_paths,
            message: draft.message,
        });
    }

    fn image_limit(&mut self, rule: &Rule, metric: ImageMetric, limit: Measure) {
        let s = self.summary;
        let actual = match metric {
            ImageMetric::Size => Measure::Bytes(s.image_size),
            ImageMetric::CompressedSize => match s.compressed_size {
                Some(c) => Measure::Bytes(c),
                None => {
                    self.record(
                        rule,
                        None,
                        Some(limit),
                        Some("no compressed size".into()),
                        true,
                    );
                    self.find(
                        rule,
                        Draft::new(
                            Code::CompressedSizeUnknown,
                            &s.name,
                            "no compressed size to check: the layers are stored as plain tars (classic `docker save`); check an OCI or containerd-store archive, or drop `max_compressed_size`",
                        ),
                    );
                    return;
                }
            },
            ImageMetric::FinalSize => Measure::Bytes(s.final_size),
            ImageMetric::Layers => Measure::Count(s.layer_count as u64),
            ImageMetric::Wasted => Measure::Bytes(s.wasted_bytes),
            ImageMetric::WastedPercent => Measure::Ratio(if s.image_size == 0 {
                0.0
            } else {
                s.wasted_bytes as f64 / s.image_size as f64
            }),
            ImageMetric::Files => Measure::Count(s.final_files),
        };
        let failed = actual.as_f64() > limit.as_f64();
        self.record(rule, Some(actual), Some(limit), None, failed);
        if failed {
            let code = match metric {
                ImageMetric::Size => Code::ImageTooLarge,
                ImageMetric::CompressedSize => Code::CompressedTooLarge,
                ImageMetric::FinalSize => Code::FinalTooLarge,
                ImageMetric::Layers => Code::TooManyLayers,
                ImageMetric::Wasted => Code::TooMuchWaste,
                ImageMetric::WastedPercent => Code::TooMuchWastePercent,
                ImageMetric::Files => Code::TooManyFiles,
            };
            let message = format!(
                "{} {actual} is over the limit of {limit}{}",
                metric.noun(),
                over(actual, limit)
            );
            self.find(
                rule,
                Draft::new(code, &s.name, message).measured(actual, limit),
            );
        }
    }

    fn dive_limit(&mut self, rule: &Rule, metric: DiveMetric, limit: Measure) {
        let d = self.dive;
        // dive's comparisons are strict; an undefined user share (no bytes above the base)
        // compares false, as dive's NaN does.
        let (actual, failed, code, noun) = match metric {
            DiveMetric::MinEfficiency => (
                Some(Measure::Ratio(d.efficiency)),
                d.efficiency < limit.as_f64(),
                Code::DiveLowestEfficiency,
                "efficiency",
            ),
            DiveMetric::MaxWastedBytes => (
                Some(Measure::Bytes(d.wasted_bytes)),
                d.wasted_bytes as f64 > limit.as_f64(),
                Code::DiveHighestWastedBytes,
                "wasted bytes",
            ),
            DiveMetric::MaxUserWastedPercent => (
                d.user_wasted_percent.map(Measure::Ratio),
                d.user_wasted_percent.is_some_and(|p| p > limit.as_f64()),
                Code::DiveHighestUserWastedPercent,
                "user wasted share",
            ),
        };
        self.record(rule, actual, Some(limit), None, failed);
        if let (true, Some(actual)) = (failed, actual) {
            let relation = if metric == DiveMetric::MinEfficiency {
                "below"
            } else {
                "over"
            };
            let message = format!(
                "dive's {noun} {actual} is {relation} the limit of {limit} ({})",
                metric.dive_key()
            );
            self.find(
                rule,
                Draft::new(code, &self.summary.name, message).measured(actual, limit),
            );
        }
    }

    fn layer_budget(
        &mut self,
        rule: &Rule,
        select: &LayerSelect,
        max_size: Option<u64>,
        max_files: Option<u64>,
    ) {
        let count = self.image.layers.len();
        let selected: Vec<usize> = self
            .image
            .layers
            .iter()
            .filter(|l| select.matches(l.index, count, l.created_by.as_deref()))
            .map(|l| l.index)
            .collect();
        if selected.is_empty() {
            // Reported as a warning whatever the rule's severity: a budget that checks nothing is
            // a mistake in the policy, not a problem of the image.
            self.rules.push(RuleResult {
                rule: rule.name.clone(),
                actual: None,
                limit: max_size
                    .map(Measure::Bytes)
                    .or(max_files.map(Measure::Count)),
                detail: Some("no layer selected".into()),
                status: Outcome::Warn,
            });
            let warn = Rule {
                severity: Severity::Warn,
                ..rule.clone()
            };
            self.find(
                &warn,
                Draft::new(
                    Code::LayerSelectUnmatched,
                    &self.summary.name,
                    format!(
                        "`{}` selects no layer of the image ({count} layers), so it checks nothing",
                        rule.name
                    ),
                ),
            );
            return;
        }
        let budget = Budget {
            max_size,
            max_files,
        };
        let mut failed = false;
        let (mut size_over, mut files_over) = (false, false);
        for &i in &selected {
            let layer = &self.image.layers[i];
            for o in budget.exceeded(layer.size(), layer.files()) {
                failed = true;
                size_over |= !o.files;
                files_over |= o.files;
                let (code, noun) = match o.files {
                    false => (Code::LayerOverBudget, "size"),
                    true => (Code::LayerTooManyFiles, "file count"),
                };
                let message = format!(
                    "layer {i} {noun} {} is over the budget of {}{}",
                    o.actual,
                    o.limit,
                    over(o.actual, o.limit)
                );
                let mut draft =
                    Draft::new(code, format!("layer {i}"), message).measured(o.actual, o.limit);
                draft.layer = Some(i);
                self.find(rule, draft);
            }
        }
        // The rules table shows the layer largest by the measure it shows, the lowest index among
        // equals.
        let by_files = budget.shows_files(size_over, files_over);
        let measure = |i: usize| {
            let layer = &self.image.layers[i];
            if by_files {
                layer.files()
            } else {
                layer.size()
            }
        };
        let largest = selected
            .iter()
            .copied()
            .max_by_key(|&i| (measure(i), std::cmp::Reverse(i)))
            .unwrap_or(selected[0]);
        let layer = &self.image.layers[largest];
        let (actual, limit) = budget.shown(by_files, layer.size(), layer.files());
        let detail = format!(
            "largest: layer {largest}{}",
            if selected.len() > 1 {
                format!(" of {} selected", selected.len())
            } else {
                String::new()
            }
        );
        self.record(rule, Some(actual), Some(limit), Some(detail), failed);
    }

    fn path_budget(
        &mut self,
        rule: &Rule,
        glob: &Glob,
        max_size: Option<u64>,
        max_files: Option<u64>,
    ) {
        let total = self.scans.paths.pop_front().unwrap_or_default();
        let (size, files) = (total.size, total.files);
        let budget = Budget {
            max_size,
            max_files,
        };
        let (mut size_over, mut files_over) = (false, false);
        for o in budget.exceeded(size, files) {
            size_over |= !o.files;
            files_over |= o.files;
            let (code, noun) = match o.files {
                false => (Code::PathOverBudget, "size"),
                true => (Code::PathTooManyFiles, "file count"),
            };
            let message = format!(
                "files matching `{}`: {noun} {} is over the budget of {}{}",
                glob.pattern,
                o.actual,
                o.limit,
                over(o.actual, o.limit)
            );
            self.find(
                rule,
                Draft::new(code, &glob.pattern, message).measured(o.actual, o.limit),
            );
        }
        let failed = size_over || files_over;
        let (actual, limit) = budget.shown(budget.shows_files(size_over, files_over), size, files);
        self.record(
            rule,
            Some(actual),
            Some(limit),
            Some(format!("{files} file{}", if files == 1 { "" } else { "s" })),
            failed,
        );
    }

    fn forbid(&mut self, rule: &Rule, globs: &[Glob], hint: Option<&str>) {
        let found = self.scans.forbidden.pop_front().unwrap_or_default();
        let (hits, count, total) = (found.hits, found.count, found.total);
        let detail = format!("{count} path{}", if count == 1 { "" } else { "s" });
        self.record(
            rule,
            Some(Measure::Bytes(total)),
            None,
            Some(detail),
            count > 0,
        );
        if count == 0 {
            return;
        }
        let patterns: Vec<&str> = globs.iter().map(|g| g.pattern.as_str()).collect();
        let message = format!(
            "{count} forbidden path{} ({}) match{} {}",
            if count == 1 { "" } else { "s" },
            Measure::Bytes(total),
            if count == 1 { "es" } else { "" },
            patterns.join(", ")
        );
        let mut draft = Draft::new(Code::ForbiddenPath, patterns.join(", "), message);
        draft.actual = Some(Measure::Bytes(total));
        draft.layer = hits.first().map(|h| h.layer);
        draft.more_paths = count - hits.len();
        draft.paths = hits;
        draft.hint = hint.map(str::to_string);
        self.find(rule, draft);
    }
}
