//! The totals a policy limits by key: the image's (`image.max_size`, …), dive's
//! (`dive.min_efficiency`, …) and their growth against a baseline (`baseline.max_growth`, …). Each
//! is declared once, as a row of a table that gives its policy key, its wording, the kind of limit
//! it takes and the code of the finding it makes, so that the parser's key list, the JSON Schema's
//! and the check's wording cannot drift apart.

use super::rules::RuleKind;
use crate::code::Code;
use crate::units::{Measure, Unit};

/// Declares [`ImageMetric`] from one table: variant, policy key, noun, unit, finding code.
macro_rules! image_metrics {
    ($($(#[doc = $doc:literal])* $variant:ident: $key:literal, $noun:literal, $unit:ident, $code:ident;)*) => {
        /// The image totals a policy can limit (`image:` keys).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum ImageMetric {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ImageMetric {
            /// Every metric, in the order the `image:` section documents them.
            pub(crate) const ALL: &'static [ImageMetric] = &[$(ImageMetric::$variant,)*];

            /// The policy key.
            pub(crate) fn key(self) -> &'static str {
                match self {
                    $(ImageMetric::$variant => $key,)*
                }
            }

            /// What the metric is, for messages.
            pub(crate) fn noun(self) -> &'static str {
                match self {
                    $(ImageMetric::$variant => $noun,)*
                }
            }

            /// The kind of limit the key takes.
            pub(crate) fn unit(self) -> Unit {
                match self {
                    $(ImageMetric::$variant => Unit::$unit,)*
                }
            }

            /// The code of the finding when the image is over the limit.
            pub(crate) fn code(self) -> Code {
                match self {
                    $(ImageMetric::$variant => Code::$code,)*
                }
            }
        }
    };
}

image_metrics! {
    /// `max_size`: the image size.
    Size: "max_size", "image size", Bytes, ImageTooLarge;
    /// `max_compressed_size`: the stored size of compressed layers.
    CompressedSize: "max_compressed_size", "compressed size", Bytes, CompressedTooLarge;
    /// `max_final_size`: bytes visible in the final filesystem.
    FinalSize: "max_final_size", "final size", Bytes, FinalTooLarge;
    /// `max_layers`: the layer count.
    Layers: "max_layers", "layer count", Count, TooManyLayers;
    /// `max_wasted`: bytes overwritten or deleted by later layers.
    Wasted: "max_wasted", "wasted bytes", Bytes, TooMuchWaste;
    /// `max_wasted_percent`: wasted bytes over the image size.
    WastedPercent: "max_wasted_percent", "wasted share", Ratio, TooMuchWastePercent;
    /// `max_files`: files of the final filesystem.
    Files: "max_files", "final file count", Count, TooManyFiles;
}

/// Declares [`DiveMetric`] from one table: variant, policy key, dive's key, noun, unit, finding
/// code.
macro_rules! dive_metrics {
    ($($(#[doc = $doc:literal])* $variant:ident: $key:literal, $dive_key:literal, $noun:literal, $unit:ident, $code:ident;)*) => {
        /// dive's three CI rules (`dive:` keys).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum DiveMetric {
            $($(#[doc = $doc])* $variant,)*
        }

        impl DiveMetric {
            /// Every dive rule.
            pub(crate) const ALL: &'static [DiveMetric] = &[$(DiveMetric::$variant,)*];

            /// The policy key.
            pub(crate) fn key(self) -> &'static str {
                match self {
                    $(DiveMetric::$variant => $key,)*
                }
            }

            /// dive's own name for the rule, as in a `.dive-ci` file.
            pub(crate) fn dive_key(self) -> &'static str {
                match self {
                    $(DiveMetric::$variant => $dive_key,)*
                }
            }

            /// What dive's metric is, for messages.
            pub(crate) fn noun(self) -> &'static str {
                match self {
                    $(DiveMetric::$variant => $noun,)*
                }
            }

            /// The kind of limit the key takes.
            pub(crate) fn unit(self) -> Unit {
                match self {
                    $(DiveMetric::$variant => Unit::$unit,)*
                }
            }

            /// The code of the finding when dive's rule fails.
            pub(crate) fn code(self) -> Code {
                match self {
                    $(DiveMetric::$variant => Code::$code,)*
                }
            }
        }
    };
}

dive_metrics! {
    /// `min_efficiency` (dive: `lowestEfficiency`): fails when efficiency < limit.
    MinEfficiency: "min_efficiency", "lowestEfficiency", "efficiency", Ratio, DiveLowestEfficiency;
    /// `max_wasted_bytes` (dive: `highestWastedBytes`): fails when wasted > limit.
    MaxWastedBytes: "max_wasted_bytes", "highestWastedBytes", "wasted bytes", Bytes, DiveHighestWastedBytes;
    /// `max_user_wasted_percent` (dive: `highestUserWastedPercent`): fails when percent > limit.
    MaxUserWastedPercent: "max_user_wasted_percent", "highestUserWastedPercent", "user wasted share", Ratio, DiveHighestUserWastedPercent;
}

/// What a `baseline:` rule limits: how much a number grew against the base image (`check
/// --baseline BASE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BaselineMetric {
    /// `max_growth`: the image size.
    ImageSize,
    /// `max_final_growth`: the bytes of the final filesystem.
    FinalSize,
    /// `max_wasted_growth`: the wasted bytes.
    Wasted,
    /// `max_layer_growth`: any one layer's size, each on its own.
    Layer,
    /// `max_new_files`: the file count of the final filesystem, net (files added less files
    /// removed).
    Files,
}

impl BaselineMetric {
    /// Every `baseline:` key, in the order the section documents them.
    pub(crate) const ALL: &'static [BaselineMetric] = &[
        BaselineMetric::ImageSize,
        BaselineMetric::FinalSize,
        BaselineMetric::Wasted,
        BaselineMetric::Layer,
        BaselineMetric::Files,
    ];

    /// The row of the metric: its key, its noun, the limit it takes and its finding's code.
    fn row(self) -> (&'static str, &'static str, Unit, Code) {
        match self {
            BaselineMetric::ImageSize => (
                "max_growth",
                "image size",
                Unit::SizeOrShare,
                Code::ImageGrew,
            ),
            BaselineMetric::FinalSize => (
                "max_final_growth",
                "final size",
                Unit::SizeOrShare,
                Code::FinalSizeGrew,
            ),
            BaselineMetric::Wasted => (
                "max_wasted_growth",
                "wasted bytes",
                Unit::SizeOrShare,
                Code::WasteGrew,
            ),
            BaselineMetric::Layer => (
                "max_layer_growth",
                "layer size",
                Unit::SizeOrShare,
                Code::LayerGrew,
            ),
            BaselineMetric::Files => (
                "max_new_files",
                "final file count",
                Unit::CountOrShare,
                Code::FilesGrew,
            ),
        }
    }

    /// The policy key.
    pub(crate) fn key(self) -> &'static str {
        self.row().0
    }

    /// What grew, for messages.
    pub(crate) fn noun(self) -> &'static str {
        self.row().1
    }

    /// The code of the finding when it grew more than the limit.
    pub(crate) fn code(self) -> Code {
        self.row().3
    }
}

/// A total that a section of limits names by key (`image.max_size`, `dive.min_efficiency`).
pub(crate) trait Metric: Copy {
    /// The policy key.
    fn key(self) -> &'static str;
    /// The kind of limit the key takes.
    fn unit(self) -> Unit;
    /// The rule kind that limits this metric to `limit`.
    fn kind(self, limit: Measure) -> RuleKind;
    /// For a share that can never pass 100 %, why (`dive's efficiency is at most 100 %`): a
    /// limit above 100 % is refused, as no image could pass a minimum there, nor fail a maximum.
    fn ceiling(self) -> Option<&'static str>;
    /// Whether the limit is a minimum the metric must reach (else a maximum).
    fn is_minimum(self) -> bool;
    /// For a limit of 0 that only an image empty in this respect passes, that image (`an image
    /// without layers`): valid, but more likely meant as "no limit", so it is warned about.
    fn zero_passes(self) -> Option<&'static str>;
}

/// The share of the image that is wasted cannot pass 100 % (wasted bytes are image bytes);
/// dive's efficiency neither (the smallest copy of a path over all its copies). dive's user
/// wasted percent can: it sets all wasted bytes, the base layer's too, against the bytes above
/// the base layer (tiny.docker.tar's is 194.69 %).
impl ImageMetric {
    fn ceiling(self) -> Option<&'static str> {
        match self {
            ImageMetric::WastedPercent => Some("an image wastes at most 100 % of its size"),
            _ => None,
        }
    }

    fn zero_passes(self) -> Option<&'static str> {
        match self {
            ImageMetric::Size => Some("an empty image"),
            ImageMetric::FinalSize => Some("an image whose files are all empty"),
            ImageMetric::Layers => Some("an image without layers"),
            ImageMetric::Files => Some("an image without files"),
            // A compressed size of 0 is what an image stored uncompressed has; no waste is a
            // fair goal.
            ImageMetric::CompressedSize | ImageMetric::Wasted | ImageMetric::WastedPercent => None,
        }
    }
}

impl Metric for ImageMetric {
    fn key(self) -> &'static str {
        ImageMetric::key(self)
    }
    fn unit(self) -> Unit {
        ImageMetric::unit(self)
    }
    fn kind(self, limit: Measure) -> RuleKind {
        RuleKind::Image {
            metric: self,
            limit,
        }
    }
    fn ceiling(self) -> Option<&'static str> {
        ImageMetric::ceiling(self)
    }
    fn is_minimum(self) -> bool {
        false
    }
    fn zero_passes(self) -> Option<&'static str> {
        ImageMetric::zero_passes(self)
    }
}

impl Metric for DiveMetric {
    fn key(self) -> &'static str {
        DiveMetric::key(self)
    }
    fn unit(self) -> Unit {
        DiveMetric::unit(self)
    }
    fn kind(self, limit: Measure) -> RuleKind {
        RuleKind::Dive {
            metric: self,
            limit,
        }
    }
    fn ceiling(self) -> Option<&'static str> {
        match self {
            DiveMetric::MinEfficiency => Some("dive's efficiency is at most 100 %"),
            DiveMetric::MaxWastedBytes | DiveMetric::MaxUserWastedPercent => None,
        }
    }
    fn is_minimum(self) -> bool {
        self == DiveMetric::MinEfficiency
    }
    fn zero_passes(self) -> Option<&'static str> {
        None
    }
}

/// A growth limit of 0 is a fair goal ("no growth at all"), and a percentage over 100 % too (the
/// image may double), so no value is refused or warned about.
impl Metric for BaselineMetric {
    fn key(self) -> &'static str {
        BaselineMetric::key(self)
    }
    fn unit(self) -> Unit {
        self.row().2
    }
    fn kind(self, limit: Measure) -> RuleKind {
        RuleKind::Baseline {
            metric: self,
            limit,
        }
    }
    fn ceiling(self) -> Option<&'static str> {
        None
    }
    fn is_minimum(self) -> bool {
        false
    }
    fn zero_passes(self) -> Option<&'static str> {
        None
    }
}
