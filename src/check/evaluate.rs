//! Each rule kind applied to an image's numbers: whether the rule passes, the row the rules table
//! shows for it, and the findings it makes (worded in `findings.rs`).

use super::budget::Budget;
use super::findings::Draft;
use super::growth::{Change, Grew, Judged};
use super::report::{Finding, Location, Outcome, RuleResult};
use super::scan::{Forbidden, PathTotal, Scans};
use super::sources::{about_waste, Sources};
use super::Applied;
use crate::analysis::dive::DiveMetrics;
use crate::analysis::summary::ImageSummary;
use crate::diff::ImageDiff;
use crate::image::Image;
use crate::policy::metric::{BaselineMetric, DiveMetric, ImageMetric};
use crate::policy::rules::{Glob, LayerSelect, RuleKind};
use crate::report::diff::layer_status;
use crate::severity::Severity;
use crate::units::Measure;

/// The rules checked on one image and the findings they made, in rule order.
pub(super) struct Evaluation {
    pub rules: Vec<RuleResult>,
    pub findings: Vec<Finding>,
}

/// What the `baseline:` rules compare an image with.
#[derive(Clone, Copy)]
pub(super) enum Base<'a> {
    /// The run was given no `--baseline`: the rules are skipped.
    NotGiven,
    /// No image of the baseline pairs with this one: the rules are skipped.
    Unpaired,
    /// The image's changes against its base image.
    Compared(&'a ImageDiff),
}

/// Applies every rule to the image whose numbers are given; the glob rules' results come from
/// `scans`, computed before in one pass, the `baseline:` rules' from `base`, and the waste
/// findings carry `sources` (computed only when a rule is about waste).
pub(super) fn evaluate(
    image: &Image,
    summary: &ImageSummary,
    dive: &DiveMetrics,
    scans: Scans,
    sources: Option<&Sources>,
    base: Base<'_>,
    rules: &[Applied<'_>],
) -> Evaluation {
    let mut cx = Context {
        image,
        summary,
        dive,
        scans,
        sources,
        base,
        out: Evaluation {
            rules: Vec::new(),
            findings: Vec::new(),
        },
    };
    for rule in rules {
        cx.apply(rule);
    }
    cx.out
}

struct Context<'a> {
    image: &'a Image,
    summary: &'a ImageSummary,
    dive: &'a DiveMetrics,
    scans: Scans,
    sources: Option<&'a Sources>,
    base: Base<'a>,
    out: Evaluation,
}

impl Context<'_> {
    fn apply(&mut self, a: &Applied<'_>) {
        match &a.rule.kind {
            RuleKind::Image { metric, limit } => self.image_limit(a, *metric, *limit),
            RuleKind::Dive { metric, limit } => self.dive_limit(a, *metric, *limit),
            RuleKind::Layer {
                select,
                max_size,
                max_files,
            } => self.layer_budget(a, select, *max_size, *max_files),
            RuleKind::Path {
                glob,
                max_size,
                max_files,
            } => self.path_budget(a, glob, *max_size, *max_files),
            RuleKind::Forbid { globs, hint, .. } => self.forbid(a, globs, hint.as_deref()),
            RuleKind::Baseline { metric, limit } => self.baseline(a, *metric, *limit),
        }
    }

    /// Adds the rule's row; a failed rule's outcome is its severity.
    fn record(
        &mut self,
        a: &Applied<'_>,
        actual: Option<Measure>,
        limit: Option<Measure>,
        detail: Option<String>,
        failed: bool,
    ) {
        let status = match failed {
            false => Outcome::Pass,
            true => a.rule.severity.into(),
        };
        self.push_row(a, actual, limit, detail, status);
    }

    fn push_row(
        &mut self,
        a: &Applied<'_>,
        actual: Option<Measure>,
        limit: Option<Measure>,
        detail: Option<String>,
        status: Outcome,
    ) {
        let image_metric = match a.rule.kind {
            RuleKind::Image { metric, .. } => Some(metric),
            _ => None,
        };
        self.out.rules.push(RuleResult {
            id: a.id,
            image_metric,
            rule: a.rule.name.clone(),
            actual,
            limit,
            detail,
            status,
            location: place(a),
        });
    }

    /// Adds a finding of the rule, with the rule's severity.
    fn find(&mut self, a: &Applied<'_>, draft: Draft) {
        self.find_as(a, a.rule.severity, draft);
    }

    fn find_as(&mut self, a: &Applied<'_>, severity: Severity, draft: Draft) {
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
        let rule = a.rule;
        self.out.findings.push(Finding {
            rule_id: a.id,
            code: draft.code,
            severity,
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
            location: place(a),
            paths: draft.paths,
            more_paths: draft.more_paths,
            grew: draft.grew,
            waste: about_waste(&rule.kind)
                .then(|| self.sources.cloned())
                .flatten(),
            message: draft.message,
        });
    }

    fn image_limit(&mut self, a: &Applied<'_>, metric: ImageMetric, limit: Measure) {
        let s = self.summary;
        let Some(actual) = image_total(s, metric) else {
            // Only the compressed size can be missing: the layers are stored plain.
            self.record(
                a,
                None,
                Some(limit),
                Some("no compressed size".into()),
                true,
            );
            self.find(a, Draft::compressed_size_unknown(&s.name));
            return;
        };
        let failed = actual.as_f64() > limit.as_f64();
        self.record(a, Some(actual), Some(limit), None, failed);
        if failed {
            self.find(a, Draft::image_over(metric, &s.name, actual, limit));
        }
    }

    fn dive_limit(&mut self, a: &Applied<'_>, metric: DiveMetric, limit: Measure) {
        let d = self.dive;
        // dive's comparisons are strict.
        let (actual, failed) = match metric {
            DiveMetric::MinEfficiency => {
                (Measure::Ratio(d.efficiency), d.efficiency < limit.as_f64())
            }
            DiveMetric::MaxWastedBytes => (
                Measure::Bytes(d.wasted_bytes),
                d.wasted_bytes as f64 > limit.as_f64(),
            ),
            DiveMetric::MaxUserWastedPercent => match d.user_wasted_percent {
                Some(share) if share.is_finite() => (Measure::Ratio(share), share > limit.as_f64()),
                Some(_) => return self.user_share_infinite(a, limit),
                None => return self.user_share_undefined(a, limit),
            },
        };
        self.record(a, Some(actual), Some(limit), None, failed);
        if failed {
            let draft = Draft::dive_failed(metric, &self.summary.name, actual, limit);
            self.find(a, draft);
        }
    }

    /// `max_user_wasted_percent` when the layers above the first add no bytes but some were
    /// wasted all the same: dive's share is +Inf, over every limit. No number can show it in the
    /// rules table or the JSON: the detail says so.
    fn user_share_infinite(&mut self, a: &Applied<'_>, limit: Measure) {
        let wasted = Measure::Bytes(self.dive.wasted_bytes);
        let detail = format!("infinite: {wasted} wasted, no bytes above layer 0");
        self.record(a, None, Some(limit), Some(detail), true);
        let draft = Draft::dive_user_share_infinite(&self.summary.name, wasted, limit);
        self.find(a, draft);
    }

    /// `max_user_wasted_percent` when the layers above the first add nothing and waste nothing:
    /// dive's share is NaN (0/0), which compares false and passes every limit.
    fn user_share_undefined(&mut self, a: &Applied<'_>, limit: Measure) {
        let detail = "undefined: nothing wasted, no bytes above layer 0".to_string();
        self.record(a, None, Some(limit), Some(detail), false);
    }

    fn layer_budget(
        &mut self,
        a: &Applied<'_>,
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
            let limit = max_size
                .map(Measure::Bytes)
                .or(max_files.map(Measure::Count));
            let detail = Some("no layer selected".into());
            self.push_row(a, None, limit, detail, Outcome::Warn);
            let draft = Draft::layer_select_unmatched(&self.summary.name, &a.rule.name, count);
            self.find_as(a, Severity::Warn, draft);
            return;
        }
        let budget = Budget {
            max_size,
            max_files,
        };
        let (mut size_over, mut files_over) = (false, false);
        for &i in &selected {
            let layer = &self.image.layers[i];
            for o in budget.exceeded(layer.size(), layer.files()) {
                size_over |= !o.files;
                files_over |= o.files;
                self.find(a, Draft::layer_over(i, &o));
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
        let failed = size_over || files_over;
        self.record(a, Some(actual), Some(limit), Some(detail), failed);
    }

    fn path_budget(
        &mut self,
        a: &Applied<'_>,
        glob: &Glob,
        max_size: Option<u64>,
        max_files: Option<u64>,
    ) {
        let PathTotal { size, files } = self.scans.path_total(a.id);
        let budget = Budget {
            max_size,
            max_files,
        };
        let (mut size_over, mut files_over) = (false, false);
        for o in budget.exceeded(size, files) {
            size_over |= !o.files;
            files_over |= o.files;
            self.find(a, Draft::path_over(glob, &o));
        }
        let failed = size_over || files_over;
        let (actual, limit) = budget.shown(budget.shows_files(size_over, files_over), size, files);
        let detail = format!("{files} file{}", if files == 1 { "" } else { "s" });
        self.record(a, Some(actual), Some(limit), Some(detail), failed);
    }

    fn forbid(&mut self, a: &Applied<'_>, globs: &[Glob], hint: Option<&str>) {
        let found: Forbidden = self.scans.forbidden(a.id);
        let (count, total) = (found.count, found.total);
        let detail = format!("{count} path{}", if count == 1 { "" } else { "s" });
        self.record(
            a,
            Some(Measure::Bytes(total)),
            None,
            Some(detail),
            count > 0,
        );
        if count > 0 {
            self.find(a, Draft::forbidden(globs, found, hint));
        }
    }
}

impl Context<'_> {
    /// A `baseline:` rule: how much the image grew against its base, or skipped without one.
    fn baseline(&mut self, a: &Applied<'_>, metric: BaselineMetric, limit: Measure) {
        let diff = match self.base {
            Base::Compared(diff) => diff,
            Base::NotGiven => return self.skip(a, limit, "no --baseline given".into()),
            Base::Unpaired => return self.skip_unpaired(a, limit),
        };
        if metric == BaselineMetric::Layer {
            return self.layer_growth(a, diff, limit);
        }
        let Some(change) = Change::of_total(diff, metric) else {
            return self.skip_unpaired(a, limit);
        };
        let judged = change.judge(limit);
        let detail = Some(change.detail(limit));
        self.record(a, judged.actual, Some(limit), detail, judged.over);
        if judged.over {
            let grew = Grew::of(diff, metric);
            let draft = Draft::grew(
                metric,
                &self.summary.name,
                change,
                limit,
                judged.actual,
                grew,
            );
            self.find(a, draft);
        }
    }

    /// `max_layer_growth`: every layer of the image against its counterpart in the base. The
    /// rules table shows the layer that grew most in the limit's terms, the lowest index among
    /// equals.
    fn layer_growth(&mut self, a: &Applied<'_>, diff: &ImageDiff, limit: Measure) {
        let judged: Vec<_> = diff
            .layers
            .iter()
            .filter_map(|l| Some((l.new_index?, l, Change::layer(l).judge(limit))))
            .collect();
        for (index, layer, j) in &judged {
            if j.over {
                self.find(a, Draft::layer_grew(*index, layer, limit, j.actual));
            }
        }
        // A growth from nothing against a share has no number, and is above every other.
        let size = |j: &Judged| j.actual.map_or(f64::INFINITY, Measure::as_f64);
        let most = judged.iter().max_by(|x, y| {
            size(&x.2)
                .total_cmp(&size(&y.2))
                .then_with(|| y.0.cmp(&x.0))
        });
        let over = judged.iter().any(|(_, _, j)| j.over);
        match most {
            Some((index, layer, j)) => {
                let detail = format!(
                    "largest: layer {index} ({}), {}",
                    layer_status(layer),
                    Change::layer(layer).detail(limit)
                );
                self.record(a, j.actual, Some(limit), Some(detail), over);
            }
            None => self.record(a, None, Some(limit), Some("no layer".into()), false),
        }
    }

    /// Adds the row of a rule that was not checked, and why.
    fn skip(&mut self, a: &Applied<'_>, limit: Measure, why: String) {
        self.push_row(a, None, Some(limit), Some(why), Outcome::Skipped);
    }

    /// Skips a rule on an image that `--baseline` has no counterpart of.
    fn skip_unpaired(&mut self, a: &Applied<'_>, limit: Measure) {
        let why = format!("no image of the baseline pairs with {}", self.summary.name);
        self.skip(a, limit, why);
    }
}

/// Where a rule is written in its policy file.
fn place(a: &Applied<'_>) -> Option<Location> {
    a.rule.pos.map(|p| Location {
        file: a.file.to_string(),
        line: p.line,
        column: p.column,
    })
}

/// The image total a metric limits; `None` for the compressed size of plain layers.
fn image_total(s: &ImageSummary, metric: ImageMetric) -> Option<Measure> {
    Some(match metric {
        ImageMetric::Size => Measure::Bytes(s.image_size),
        ImageMetric::CompressedSize => Measure::Bytes(s.compressed_size?),
        ImageMetric::FinalSize => Measure::Bytes(s.final_size),
        ImageMetric::Layers => Measure::Count(s.layer_count as u64),
        ImageMetric::Wasted => Measure::Bytes(s.wasted_bytes),
        ImageMetric::WastedPercent => Measure::Ratio(if s.image_size == 0 {
            0.0
        } else {
            s.wasted_bytes as f64 / s.image_size as f64
        }),
        ImageMetric::Files => Measure::Count(s.final_files),
    })
}
