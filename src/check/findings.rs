//! The findings a check makes, one constructor each: the code, what the finding is about and the
//! sentence that says it all are written here and nowhere else. The evaluator (`evaluate.rs`)
//! decides *whether* a rule fails; this module says *what* a failure reads like.

use super::budget::{over, Over};
use super::growth::{Change, Grew};
use super::report::PathHit;
use super::scan::Forbidden;
use crate::code::Code;
use crate::diff::LayerDelta;
use crate::policy::metric::{BaselineMetric, DiveMetric, ImageMetric};
use crate::policy::rules::Glob;
use crate::report::diff::layer_status;
use crate::units::{human_ratio, Measure};

/// A finding before the fields every finding of a rule shares (the rule, its severity, reason and
/// place, the layer's instruction) are filled in.
pub(super) struct Draft {
    pub code: Code,
    pub subject: String,
    pub actual: Option<Measure>,
    pub limit: Option<Measure>,
    pub layer: Option<usize>,
    pub message: String,
    pub paths: Vec<PathHit>,
    pub more_paths: usize,
    pub hint: Option<String>,
    pub grew: Option<Grew>,
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
            grew: None,
        }
    }

    fn measured(mut self, actual: Measure, limit: Measure) -> Draft {
        self.actual = Some(actual);
        self.limit = Some(limit);
        self
    }

    /// `image.*`: an image total over its limit (`image-too-large`, `too-many-layers`, …).
    pub(super) fn image_over(
        metric: ImageMetric,
        image: &str,
        actual: Measure,
        limit: Measure,
    ) -> Draft {
        let message = format!(
            "{} {actual} is over the limit of {limit}{}",
            metric.noun(),
            over(actual, limit)
        );
        Draft::new(metric.code(), image, message).measured(actual, limit)
    }

    /// `compressed-size-unknown`: `image.max_compressed_size` on an image of plain layers.
    pub(super) fn compressed_size_unknown(image: &str) -> Draft {
        Draft::new(
            Code::CompressedSizeUnknown,
            image,
            "no compressed size to check: the layers are stored as plain tars (classic `docker save`); check an OCI or containerd-store archive, or drop `max_compressed_size`",
        )
    }

    /// `dive-*`: one of dive's rules failed.
    pub(super) fn dive_failed(
        metric: DiveMetric,
        image: &str,
        actual: Measure,
        limit: Measure,
    ) -> Draft {
        let relation = if metric == DiveMetric::MinEfficiency {
            "below"
        } else {
            "over"
        };
        let message = format!(
            "dive's {} {actual} is {relation} the limit of {limit} ({})",
            metric.noun(),
            metric.dive_key()
        );
        Draft::new(metric.code(), image, message).measured(actual, limit)
    }

    /// `dive-highest-user-wasted-percent` when the layers above the first add no bytes but `wasted`
    /// bytes were wasted: dive's share is +Inf, over every limit.
    pub(super) fn dive_user_share_infinite(image: &str, wasted: Measure, limit: Measure) -> Draft {
        let metric = DiveMetric::MaxUserWastedPercent;
        let message = format!(
            "dive's {} is infinite ({wasted} wasted, but the layers above the first add no bytes), over the limit of {limit} ({})",
            metric.noun(),
            metric.dive_key()
        );
        let mut draft = Draft::new(metric.code(), image, message);
        draft.limit = Some(limit);
        draft
    }

    /// `layer-over-budget` / `layer-too-many-files`: a selected layer over a `layers` budget.
    pub(super) fn layer_over(layer: usize, o: &Over) -> Draft {
        let (code, noun) = match o.files {
            false => (Code::LayerOverBudget, "size"),
            true => (Code::LayerTooManyFiles, "file count"),
        };
        let message = format!(
            "layer {layer} {noun} {} is over the budget of {}{}",
            o.actual,
            o.limit,
            over(o.actual, o.limit)
        );
        let mut draft =
            Draft::new(code, format!("layer {layer}"), message).measured(o.actual, o.limit);
        draft.layer = Some(layer);
        draft
    }

    /// `layer-select-unmatched`: the budget `rule` selects none of the image's `layers` layers.
    pub(super) fn layer_select_unmatched(image: &str, rule: &str, layers: usize) -> Draft {
        Draft::new(
            Code::LayerSelectUnmatched,
            image,
            format!(
                "`{rule}` selects no layer of the image ({layers} layers), so it checks nothing"
            ),
        )
    }

    /// `path-over-budget` / `path-too-many-files`: the files a `paths` glob matches, over budget.
    pub(super) fn path_over(glob: &Glob, o: &Over) -> Draft {
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
        Draft::new(code, &glob.pattern, message).measured(o.actual, o.limit)
    }

    /// `forbidden-path`: paths matching a `forbid` rule's globs ship in some layer.
    pub(super) fn forbidden(globs: &[Glob], found: Forbidden, hint: Option<&str>) -> Draft {
        let Forbidden { hits, count, total } = found;
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
        draft
    }

    /// `image-grew`, `final-size-grew`, `waste-grew`, `files-grew`: an image total grew more than
    /// its `baseline:` limit; the message and `grew` name the layers and paths that grew most.
    pub(super) fn grew(
        metric: BaselineMetric,
        image: &str,
        change: Change,
        limit: Measure,
        actual: Option<Measure>,
        grew: Option<Grew>,
    ) -> Draft {
        let mut message = format!(
            "{} {}, {}",
            metric.noun(),
            change.grew_by(limit),
            over_growth_limit(actual, limit, "the base")
        );
        if let Some(most) = grew.as_ref().map(Grew::most) {
            message.push_str(&format!("; grew most: {most}"));
        }
        let mut draft = Draft::new(metric.code(), image, message);
        draft.actual = actual;
        draft.limit = Some(limit);
        draft.grew = grew;
        draft
    }

    /// `layer-grew`: the layer at `index` of the image grew more than `baseline.max_layer_growth`
    /// against its counterpart in the base (an added layer: by its whole size).
    pub(super) fn layer_grew(
        index: usize,
        layer: &LayerDelta,
        limit: Measure,
        actual: Option<Measure>,
    ) -> Draft {
        let change = Change::layer(layer);
        let status = match layer.base_index {
            Some(b) if b != index => format!("{}, base layer {b}", layer_status(layer)),
            _ => layer_status(layer).to_string(),
        };
        let message = format!(
            "layer {index} ({status}) {}, {}",
            change.grew_by(limit),
            over_growth_limit(actual, limit, "its base")
        );
        let mut draft = Draft::new(Code::LayerGrew, format!("layer {index}"), message);
        draft.actual = actual;
        draft.limit = Some(limit);
        draft.layer = Some(index);
        draft
    }
}

/// `over the limit of 2 kB (150.0 % over)`, `over the limit of 5.00 % of the base`, or for a
/// growth from nothing against a share, `over any share of the base`.
fn over_growth_limit(actual: Option<Measure>, limit: Measure, base: &str) -> String {
    match (actual, limit) {
        (None, _) => format!(
            "over any share of {base} (the limit is {})",
            human_ratio(limit.as_f64())
        ),
        (Some(_), Measure::Ratio(r)) => format!("over the limit of {} of {base}", human_ratio(r)),
        (Some(a), l) => format!("over the limit of {l}{}", over(a, l)),
    }
}
