//! The arithmetic of the `baseline:` rules: how much a number grew against the base image, judged
//! against a limit in bytes, in files or as a share of the base's value; and what grew most, which
//! the growth findings name so that a reviewer sees where the bytes came from.

use serde::Serialize;

use super::report::Location;
use crate::diff::{ImageDiff, LayerDelta, PathDelta};
use crate::policy::metric::BaselineMetric;
use crate::units::{human_ratio, human_size, signed_percent, Measure};

/// Layers a growth finding names, the largest growth first.
const LISTED_LAYERS: usize = 3;
/// Paths a growth finding names, the largest growth first.
const LISTED_PATHS: usize = 5;

/// One number of an image against the same number of its base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Change {
    /// The base's value.
    pub base: u64,
    /// `new - base`.
    pub delta: i128,
    /// A count of files, not bytes.
    pub files: bool,
}

/// A growth judged against its limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Judged {
    /// The growth in the limit's terms: a change of bytes or files, or a share of the base's
    /// value; `None` for a share of a base of nothing, which no number can show.
    pub actual: Option<Measure>,
    /// Whether it grew more than the limit allows.
    pub over: bool,
}

impl Change {
    /// A change of bytes.
    pub(super) fn bytes(base: u64, delta: i128) -> Change {
        Change {
            base,
            delta,
            files: false,
        }
    }

    /// A change of a file count.
    pub(super) fn files(base: u64, delta: i128) -> Change {
        Change {
            base,
            delta,
            files: true,
        }
    }

    /// The change of one layer's size: an added layer grew by its whole size, from nothing.
    pub(super) fn layer(l: &LayerDelta) -> Change {
        Change::bytes(l.base_size.unwrap_or(0), l.size_delta)
    }

    /// The change of one of the image's totals; `None` for `max_layer_growth`, which is judged
    /// layer by layer, or when the diff has no totals (an image without a base).
    pub(super) fn of_total(diff: &ImageDiff, metric: BaselineMetric) -> Option<Change> {
        let (delta, base) = (diff.delta.as_ref()?, diff.base.as_ref()?);
        Some(match metric {
            BaselineMetric::ImageSize => Change::bytes(base.image_size, delta.image_size),
            BaselineMetric::FinalSize => Change::bytes(base.final_size, delta.final_size),
            BaselineMetric::Wasted => Change::bytes(base.wasted_bytes, delta.wasted_bytes),
            BaselineMetric::Files => Change::files(base.final_files, delta.final_files),
            BaselineMetric::Layer => return None,
        })
    }

    /// The change itself, with its sign.
    pub(super) fn amount(self) -> Measure {
        match self.files {
            true => Measure::CountChange(self.delta),
            false => Measure::ByteChange(self.delta),
        }
    }

    /// The change as a share of the base's value; `None` when something grew from nothing (no
    /// share says how much that is), 0 when nothing changed.
    pub(super) fn share(self) -> Option<f64> {
        match (self.base, self.delta) {
            (_, 0) => Some(0.0),
            (0, d) if d > 0 => None,
            // f64 keeps more than the digits a percentage shows.
            (b, d) => Some(d as f64 / b as f64),
        }
    }

    /// Whether it grew more than `limit` (only strictly more fails, as with every limit), and by
    /// how much in the limit's terms.
    pub(super) fn judge(self, limit: Measure) -> Judged {
        match limit {
            Measure::Ratio(r) => match self.share() {
                Some(share) => Judged {
                    actual: Some(Measure::Ratio(share)),
                    over: share > r,
                },
                // Any growth from nothing is over every share of nothing.
                None => Judged {
                    actual: None,
                    over: true,
                },
            },
            Measure::Bytes(n) | Measure::Count(n) => Judged {
                actual: Some(self.amount()),
                over: self.delta > i128::from(n),
            },
            // The policy never writes a limit as a change; compared as a number all the same.
            Measure::ByteChange(n) | Measure::CountChange(n) => Judged {
                actual: Some(self.amount()),
                over: self.delta > n,
            },
        }
    }

    /// The base's value: `11.42 kB`, `18 files`.
    pub(super) fn base_text(self) -> String {
        match self.files {
            true => format!("{} files", self.base),
            false => human_size(self.base),
        }
    }

    /// The size of the change without its sign: `5 kB`, `3 files`.
    pub(super) fn magnitude(self) -> String {
        let n = u64::try_from(self.delta.unsigned_abs()).unwrap_or(u64::MAX);
        match self.files {
            true => format!("{n} file{}", if n == 1 { "" } else { "s" }),
            false => human_size(n),
        }
    }

    /// What the rules table adds to the growth it shows: the other form of the change (its share
    /// when the limit is in bytes or files, its amount when the limit is a share) and the base.
    pub(super) fn detail(self, limit: Measure) -> String {
        let other = match limit {
            // Nothing changed: `+0.0 %` or `0 B` would say it twice.
            _ if self.delta == 0 => None,
            Measure::Ratio(_) => Some(self.amount().to_string()),
            _ => signed_percent(self.base, self.delta),
        };
        match other {
            Some(other) => format!("{other} of base {}", self.base_text()),
            None => format!("base {}", self.base_text()),
        }
    }

    /// `grew by 5 kB (+43.8 %)`, `grew by 43.80 % (5 kB)`, `grew by 5 kB from nothing`: the
    /// change in the limit's terms first, for a finding's message.
    pub(super) fn grew_by(self, limit: Measure) -> String {
        let magnitude = self.magnitude();
        match (limit, self.share()) {
            (_, None) => format!("grew by {magnitude} from nothing"),
            (Measure::Ratio(_), Some(share)) => {
                format!("grew by {} ({magnitude})", human_ratio(share))
            }
            (_, Some(_)) => match signed_percent(self.base, self.delta) {
                Some(p) => format!("grew by {magnitude} ({p})"),
                None => format!("grew by {magnitude}"),
            },
        }
    }
}

/// What grew most, named by a growth finding: the layers and the paths of the final filesystem
/// with the largest growth, each with its change. JSON: the `grew` key of the finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Grew {
    /// The layers that grew most (rows of the `diff` contract's `layers`), largest first.
    pub layers: Vec<GrownLayer>,
    /// The paths that grew most (rows of the `diff` contract's `paths`), largest first.
    pub paths: Vec<PathDelta>,
}

/// A layer that grew, with the Dockerfile line that made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct GrownLayer {
    /// The layer's row of the comparison: position in the base and the new image, status,
    /// instruction and size change.
    #[serde(flatten)]
    pub change: LayerDelta,
    /// The Dockerfile instruction that made the layer, with `--dockerfile`.
    pub dockerfile: Option<Location>,
}

impl Grew {
    /// What grew most in `diff`, for a finding of `metric`; `None` when nothing grew.
    pub(super) fn of(diff: &ImageDiff, metric: BaselineMetric) -> Option<Grew> {
        // Wasted bytes are neither in the final filesystem nor in the layer that grew: a layer
        // of 0 B that deletes a file wastes it. Neither list would name the cause.
        if metric == BaselineMetric::Wasted {
            return None;
        }
        let mut layers: Vec<&LayerDelta> = diff
            .layers
            .iter()
            .filter(|l| l.new_index.is_some() && l.size_delta > 0)
            .collect();
        layers.sort_by(|a, b| {
            b.size_delta
                .cmp(&a.size_delta)
                .then(a.new_index.cmp(&b.new_index))
        });
        // Already largest growth first.
        let paths = diff.grown.iter().take(LISTED_PATHS).cloned().collect();
        let grew = Grew {
            layers: layers
                .into_iter()
                .take(LISTED_LAYERS)
                .map(|l| GrownLayer {
                    change: l.clone(),
                    dockerfile: None,
                })
                .collect(),
            paths,
        };
        (!grew.layers.is_empty() || !grew.paths.is_empty()).then_some(grew)
    }

    /// `layer 3 (+5 kB), /opt/extra/blob.bin (+5 kB)`: the largest layer and path, for a message.
    pub(super) fn most(&self) -> String {
        let layer = self.layers.first().and_then(|l| {
            let change = Measure::ByteChange(l.change.size_delta);
            l.change.new_index.map(|i| format!("layer {i} ({change})"))
        });
        let path = self
            .paths
            .first()
            .map(|p| format!("{} ({})", p.path, Measure::ByteChange(p.delta)));
        layer.into_iter().chain(path).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_fail_only_strictly_above_the_limit() {
        let c = Change::bytes(10_000, 2_000);
        assert_eq!(
            c.judge(Measure::Bytes(2_000)),
            Judged {
                actual: Some(Measure::ByteChange(2_000)),
                over: false
            }
        );
        assert!(c.judge(Measure::Bytes(1_999)).over);
        let shrank = Change::files(18, -3);
        assert_eq!(
            shrank.judge(Measure::Count(0)),
            Judged {
                actual: Some(Measure::CountChange(-3)),
                over: false
            }
        );
    }

    #[test]
    fn shares_are_of_the_base_and_growth_from_nothing_is_over_any_share() {
        let c = Change::bytes(100_000, 5_000);
        assert_eq!(
            c.judge(Measure::Ratio(0.05)),
            Judged {
                actual: Some(Measure::Ratio(0.05)),
                over: false
            }
        );
        assert!(
            Change::bytes(100_000, 5_001)
                .judge(Measure::Ratio(0.05))
                .over
        );
        assert_eq!(
            Change::bytes(0, 5_000).judge(Measure::Ratio(100.0)),
            Judged {
                actual: None,
                over: true
            }
        );
        assert!(!Change::bytes(0, 0).judge(Measure::Ratio(0.0)).over);
        assert_eq!(Change::bytes(200, -50).share(), Some(-0.25));
    }

    #[test]
    fn details_and_messages_give_the_other_form_and_the_base() {
        let c = Change::bytes(11_420, 5_000);
        assert_eq!(c.detail(Measure::Bytes(2_000)), "+43.8 % of base 11.42 kB");
        assert_eq!(c.detail(Measure::Ratio(0.05)), "+5 kB of base 11.42 kB");
        assert_eq!(Change::bytes(0, 5).detail(Measure::Bytes(1)), "base 0 B");
        assert_eq!(
            Change::files(3, 0).detail(Measure::Ratio(0.1)),
            "base 3 files"
        );
        assert_eq!(
            Change::files(18, 3).detail(Measure::Count(1)),
            "+16.7 % of base 18 files"
        );
        assert_eq!(c.grew_by(Measure::Bytes(2_000)), "grew by 5 kB (+43.8 %)");
        assert_eq!(
            Change::bytes(10_000, 5_000).grew_by(Measure::Ratio(0.1)),
            "grew by 50.00 % (5 kB)"
        );
        assert_eq!(
            Change::bytes(0, 5_000).grew_by(Measure::Ratio(0.1)),
            "grew by 5 kB from nothing"
        );
        assert_eq!(
            Change::files(0, 1).grew_by(Measure::Count(0)),
            "grew by 1 file from nothing"
        );
    }
}
