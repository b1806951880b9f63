//! The stable codes of findings: kebab-case, the same in every output format, documented once here
//! (and in the README).

use serde::Serialize;

/// What kind of problem a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// `image.max_size`: the image size is over the limit.
    ImageTooLarge,
    /// `image.max_compressed_size`: the compressed size is over the limit.
    CompressedTooLarge,
    /// `image.max_compressed_size` on an image whose layers are stored uncompressed.
    CompressedSizeUnknown,
    /// `image.max_final_size`: the final filesystem is over the limit.
    FinalTooLarge,
    /// `image.max_layers`: more layers than allowed.
    TooManyLayers,
    /// `image.max_wasted`: too many bytes overwritten or deleted by later layers.
    TooMuchWaste,
    /// `image.max_wasted_percent`: too large a share of the image is waste.
    TooMuchWastePercent,
    /// `image.max_files`: too many files in the final filesystem.
    TooManyFiles,
    /// `dive.min_efficiency` / `lowestEfficiency`: dive's efficiency is too low.
    DiveLowestEfficiency,
    /// `dive.max_wasted_bytes` / `highestWastedBytes`: dive's wasted bytes are too high.
    DiveHighestWastedBytes,
    /// `dive.max_user_wasted_percent` / `highestUserWastedPercent`: dive's user waste is too high.
    DiveHighestUserWastedPercent,
    /// `layers[].max_size`: a selected layer is over its budget.
    LayerOverBudget,
    /// `layers[].max_files`: a selected layer has too many files.
    LayerTooManyFiles,
    /// `layers[].select` matches no layer of the image (the budget checks nothing).
    LayerSelectUnmatched,
    /// `paths[].max_size`: the files a glob matches are over budget.
    PathOverBudget,
    /// `paths[].max_files`: a glob matches too many files.
    PathTooManyFiles,
    /// `forbid[]` or a preset rule: a forbidden path ships in some layer.
    ForbiddenPath,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: [Code; 17] = [
        Code::ImageTooLarge,
        Code::CompressedTooLarge,
        Code::CompressedSizeUnknown,
        Code::FinalTooLarge,
        Code::TooManyLayers,
        Code::TooMuchWaste,
        Code::TooMuchWastePercent,
        Code::TooManyFiles,
        Code::DiveLowestEfficiency,
        Code::DiveHighestWastedBytes,
        Code::DiveHighestUserWastedPercent,
        Code::LayerOverBudget,
        Code::LayerTooManyFiles,
        Code::LayerSelectUnmatched,
        Code::PathOverBudget,
        Code::PathTooManyFiles,
        Code::ForbiddenPath,
    ];

    /// The kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::ImageTooLarge => "image-too-large",
            Code::CompressedTooLarge => "compressed-too-large",
            Code::CompressedSizeUnknown => "compressed-size-unknown",
            Code::FinalTooLarge => "final-too-large",
            Code::TooManyLayers => "too-many-layers",
            Code::TooMuchWaste => "too-much-waste",
            Code::TooMuchWastePercent => "too-much-waste-percent",
            Code::TooManyFiles => "too-many-files",
            Code::DiveLowestEfficiency => "dive-lowest-efficiency",
            Code::DiveHighestWastedBytes => "dive-highest-wasted-bytes",
            Code::DiveHighestUserWastedPercent => "dive-highest-user-wasted-percent",
            Code::LayerOverBudget => "layer-over-budget",
            Code::LayerTooManyFiles => "layer-too-many-files",
            Code::LayerSelectUnmatched => "layer-select-unmatched",
            Code::PathOverBudget => "path-over-budget",
            Code::PathTooManyFiles => "path-too-many-files",
            Code::ForbiddenPath => "forbidden-path",
        }
    }

    /// One sentence on what the finding means.
    pub fn description(self) -> &'static str {
        match self {
            Code::ImageTooLarge => "The image size (sum of the uncompressed layers) is over `image.max_size`.",
            Code::CompressedTooLarge => "The compressed size (sum of the stored layer blobs) is over `image.max_compressed_size`.",
            Code::CompressedSizeUnknown => "`image.max_compressed_size` is set, but the image's layers are stored uncompressed, so there is no compressed size to check.",
            Code::FinalTooLarge => "The bytes visible in the final filesystem are over `image.max_final_size`.",
            Code::TooManyLayers => "The image has more layers than `image.max_layers`.",
            Code::TooMuchWaste => "Bytes overwritten or deleted by later layers are over `image.max_wasted`.",
            Code::TooMuchWastePercent => "The wasted share of the image size is over `image.max_wasted_percent`.",
            Code::TooManyFiles => "The final filesystem has more files than `image.max_files`.",
            Code::DiveLowestEfficiency => "dive's efficiency is below `dive.min_efficiency` (dive: lowestEfficiency).",
            Code::DiveHighestWastedBytes => "dive's wasted bytes are over `dive.max_wasted_bytes` (dive: highestWastedBytes).",
            Code::DiveHighestUserWastedPercent => "dive's user wasted share is over `dive.max_user_wasted_percent` (dive: highestUserWastedPercent).",
            Code::LayerOverBudget => "A layer picked by a `layers` budget is larger than its `max_size`.",
            Code::LayerTooManyFiles => "A layer picked by a `layers` budget has more files than its `max_files`.",
            Code::LayerSelectUnmatched => "A `layers` budget selects no layer of the image, so it checks nothing.",
            Code::PathOverBudget => "The final-filesystem files a `paths` glob matches are larger in sum than its `max_size`.",
            Code::PathTooManyFiles => "A `paths` glob matches more final-filesystem files than its `max_files`.",
            Code::ForbiddenPath => "A path matching a `forbid` glob (or a preset rule) ships in some layer, even if a later layer deletes it.",
        }
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
