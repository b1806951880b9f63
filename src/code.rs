//! The stable codes of findings: kebab-case, the same in every output format, listed once in the
//! table below (the README's table of codes is checked against it by a test). Policies name the
//! code a metric's findings carry, checks give findings a code, reports show it.

use serde::{Serialize, Serializer};

/// Declares [`Code`] from one table: each row is a variant, its kebab-case name and its one-line
/// description, so [`Code::ALL`], [`Code::as_str`] and [`Code::description`] cannot disagree.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal, $description:literal;)*) => {
        /// What kind of problem a finding is.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// One sentence on what the finding means.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }
        }
    };
}

codes! {
    /// `image.max_size`: the image size is over the limit.
    ImageTooLarge = "image-too-large",
        "The image size (sum of the uncompressed layers) is over `image.max_size`.";
    /// `image.max_compressed_size`: the compressed size is over the limit.
    CompressedTooLarge = "compressed-too-large",
        "The compressed size (sum of the stored layer blobs) is over `image.max_compressed_size`.";
    /// `image.max_compressed_size` on an image whose layers are stored uncompressed.
    CompressedSizeUnknown = "compressed-size-unknown",
        "`image.max_compressed_size` is set, but the image's layers are stored uncompressed, so there is no compressed size to check.";
    /// `image.max_final_size`: the final filesystem is over the limit.
    FinalTooLarge = "final-too-large",
        "The bytes visible in the final filesystem are over `image.max_final_size`.";
    /// `image.max_layers`: more layers than allowed.
    TooManyLayers = "too-many-layers",
        "The image has more layers than `image.max_layers`.";
    /// `image.max_wasted`: too many bytes overwritten or deleted by later layers.
    TooMuchWaste = "too-much-waste",
        "Bytes overwritten or deleted by later layers are over `image.max_wasted`.";
    /// `image.max_wasted_percent`: too large a share of the image is waste.
    TooMuchWastePercent = "too-much-waste-percent",
        "The wasted share of the image size is over `image.max_wasted_percent`.";
    /// `image.max_files`: too many files in the final filesystem.
    TooManyFiles = "too-many-files",
        "The final filesystem has more files than `image.max_files`.";
    /// `dive.min_efficiency` / `lowestEfficiency`: dive's efficiency is too low.
    DiveLowestEfficiency = "dive-lowest-efficiency",
        "dive's efficiency is below `dive.min_efficiency` (dive: lowestEfficiency).";
    /// `dive.max_wasted_bytes` / `highestWastedBytes`: dive's wasted bytes are too high.
    DiveHighestWastedBytes = "dive-highest-wasted-bytes",
        "dive's wasted bytes are over `dive.max_wasted_bytes` (dive: highestWastedBytes).";
    /// `dive.max_user_wasted_percent` / `highestUserWastedPercent`: dive's user waste is too high.
    DiveHighestUserWastedPercent = "dive-highest-user-wasted-percent",
        "dive's user wasted share is over `dive.max_user_wasted_percent` (dive: highestUserWastedPercent).";
    /// `layers[].max_size`: a selected layer is over its budget.
    LayerOverBudget = "layer-over-budget",
        "A layer picked by a `layers` budget is larger than its `max_size`.";
    /// `layers[].max_files`: a selected layer has too many files.
    LayerTooManyFiles = "layer-too-many-files",
        "A layer picked by a `layers` budget has more files than its `max_files`.";
    /// `layers[].select` matches no layer of the image (the budget checks nothing).
    LayerSelectUnmatched = "layer-select-unmatched",
        "A `layers` budget selects no layer of the image, so it checks nothing.";
    /// `paths[].max_size`: the files a glob matches are over budget.
    PathOverBudget = "path-over-budget",
        "The final-filesystem files a `paths` glob matches are larger in sum than its `max_size`.";
    /// `paths[].max_files`: a glob matches too many files.
    PathTooManyFiles = "path-too-many-files",
        "A `paths` glob matches more final-filesystem files than its `max_files`.";
    /// `forbid[]` or a preset rule: a forbidden path ships in some layer.
    ForbiddenPath = "forbidden-path",
        "A path matching a `forbid` glob (or a preset rule) ships in some layer, even if a later layer deletes it.";
    /// `baseline.max_growth`: the image grew more than allowed against the baseline.
    ImageGrew = "image-grew",
        "The image size grew more than `baseline.max_growth` against the baseline (`check --baseline`).";
    /// `baseline.max_final_growth`: the final filesystem grew more than allowed.
    FinalSizeGrew = "final-size-grew",
        "The bytes visible in the final filesystem grew more than `baseline.max_final_growth` against the baseline.";
    /// `baseline.max_wasted_growth`: the wasted bytes grew more than allowed.
    WasteGrew = "waste-grew",
        "The wasted bytes (overwritten or deleted by later layers) grew more than `baseline.max_wasted_growth` against the baseline.";
    /// `baseline.max_layer_growth`: one layer grew more than allowed.
    LayerGrew = "layer-grew",
        "A layer grew more than `baseline.max_layer_growth` against its counterpart in the baseline (an added layer by its whole size).";
    /// `baseline.max_new_files`: the final file count grew more than allowed.
    FilesGrew = "files-grew",
        "The final filesystem's file count grew (files added less files removed) more than `baseline.max_new_files` against the baseline.";
}

/// A code is written as its kebab-case name, in JSON as everywhere else.
impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_serialize_as_named() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        for (code, name) in Code::ALL.iter().zip(&names) {
            assert_eq!(
                serde_json::to_value(code).ok(),
                Some(serde_json::json!(name))
            );
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
            assert!(!code.description().is_empty());
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
