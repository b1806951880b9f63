//! The stable codes of findings: kebab-case, the same in every output format, listed once in the
//! table below with what each means and how to fix it (the README's section of codes is checked
//! against it by a test, and SARIF's rules are made from it). Policies name the code a metric's
//! findings carry, checks give findings a code, reports show it.

use serde::{Serialize, Serializer};

/// The project's home (`Cargo.toml`'s `repository`): its README documents every code.
pub(crate) const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Declares [`Code`] from one table: each row is a variant (whose name is the code's PascalCase
/// name), its kebab-case name, a short title, its one-sentence description and how to fix it, so
/// [`Code::ALL`] and every method cannot disagree.
macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,
        $summary:literal, $description:literal, $fix:literal;)*) => {
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

            /// The PascalCase name (`ImageTooLarge`): SARIF's rule `name`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => stringify!($variant),)*
                }
            }

            /// A few words for a title (`Image over its size limit`).
            pub fn summary(self) -> &'static str {
                match self {
                    $(Code::$variant => $summary,)*
                }
            }

            /// One sentence on what the finding means.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }

            /// How to fix it: what to change in the image or the policy.
            pub fn fix(self) -> &'static str {
                match self {
                    $(Code::$variant => $fix,)*
                }
            }
        }
    };
}

impl Code {
    /// The help for the code, in markdown (code spans in backticks): what it means, then how to
    /// fix it, as the README's section of the code says it.
    pub fn help(self) -> String {
        format!("{}\n\nFix: {}", self.description(), self.fix())
    }

    /// Where the README documents the code: its heading in the section "Finding codes", whose
    /// anchor is the code itself (a heading of a code span loses only its backticks).
    pub fn help_uri(self) -> String {
        format!("{REPOSITORY}#{}", self.as_str())
    }
}

codes! {
    /// `image.max_size`: the image size is over the limit.
    ImageTooLarge = "image-too-large",
        "Image over its size limit",
        "The image size (sum of the uncompressed layers) is over `image.max_size`.",
        "Find where the bytes are with `sizegate explain IMAGE` (what could be saved, largest first) and `sizegate top IMAGE`: use a smaller base image, a multi-stage build whose final stage copies only what runs, and clean package caches in the `RUN` that fills them. Raise `image.max_size` only when the growth is wanted.";
    /// `image.max_compressed_size`: the compressed size is over the limit.
    CompressedTooLarge = "compressed-too-large",
        "Compressed image over its size limit",
        "The compressed size (sum of the stored layer blobs) is over `image.max_compressed_size`.",
        "What shrinks the image shrinks its compressed size too (see `image-too-large`); files that compress badly (archives, media, compressed binaries) weigh most here, and `sizegate top IMAGE` lists the largest. Raise `image.max_compressed_size` only when the growth is wanted.";
    /// `image.max_compressed_size` on an image whose layers are stored uncompressed.
    CompressedSizeUnknown = "compressed-size-unknown",
        "No compressed size to check",
        "`image.max_compressed_size` is set, but the image's layers are stored uncompressed, so there is no compressed size to check.",
        "Check an archive that stores compressed layers (an OCI layout or archive, such as `docker buildx build --output type=oci,dest=app.tar`, or a `docker save` from the containerd image store), or drop `image.max_compressed_size` from the policy.";
    /// `image.max_final_size`: the final filesystem is over the limit.
    FinalTooLarge = "final-too-large",
        "Final filesystem over its size limit",
        "The bytes visible in the final filesystem are over `image.max_final_size`.",
        "List the largest files and directories with `sizegate top IMAGE` (and `--dirs`), and copy only what the service needs into the final stage of a multi-stage build. Raise `image.max_final_size` only when the growth is wanted.";
    /// `image.max_layers`: more layers than allowed.
    TooManyLayers = "too-many-layers",
        "More layers than allowed",
        "The image has more layers than `image.max_layers`.",
        "Join consecutive `RUN` instructions with `&&`, copy files with fewer `COPY` instructions, or build in a stage and copy its result in one layer; or raise `image.max_layers`.";
    /// `image.max_wasted`: too many bytes overwritten or deleted by later layers.
    TooMuchWaste = "too-much-waste",
        "Too many bytes wasted by later layers",
        "Bytes overwritten or deleted by later layers are over `image.max_wasted`.",
        "Delete files in the same `RUN` that creates them, leave build inputs out with `.dockerignore` or bind-mount them (`RUN --mount=type=bind`), or build in a stage and copy only the result. The finding lists where the wasted bytes come from, and `sizegate explain IMAGE` the change that saves each.";
    /// `image.max_wasted_percent`: too large a share of the image is waste.
    TooMuchWastePercent = "too-much-waste-percent",
        "Too large a share of the image is waste",
        "The wasted share of the image size is over `image.max_wasted_percent`.",
        "Delete files in the same `RUN` that creates them, leave build inputs out with `.dockerignore` or bind-mount them (`RUN --mount=type=bind`), or build in a stage and copy only the result. The finding lists where the wasted bytes come from, and `sizegate explain IMAGE` the change that saves each.";
    /// `image.max_files`: too many files in the final filesystem.
    TooManyFiles = "too-many-files",
        "More files than allowed",
        "The final filesystem has more files than `image.max_files`.",
        "Find the directories with the most files with `sizegate top IMAGE --dirs` or `sizegate inventory IMAGE`, and leave out caches, documentation, locales and test data (`.dockerignore`, `--no-install-recommends`); or raise `image.max_files`.";
    /// `dive.min_efficiency` / `lowestEfficiency`: dive's efficiency is too low.
    DiveLowestEfficiency = "dive-lowest-efficiency",
        "dive's efficiency too low",
        "dive's efficiency is below `dive.min_efficiency` (dive: lowestEfficiency).",
        "Waste fewer bytes: dive's efficiency falls as later layers overwrite or delete what earlier layers added. Delete files in the `RUN` that creates them, or build in a stage and copy only the result; the finding lists where the wasted bytes come from.";
    /// `dive.max_wasted_bytes` / `highestWastedBytes`: dive's wasted bytes are too high.
    DiveHighestWastedBytes = "dive-highest-wasted-bytes",
        "dive's wasted bytes too high",
        "dive's wasted bytes are over `dive.max_wasted_bytes` (dive: highestWastedBytes).",
        "Waste fewer bytes: delete files in the `RUN` that creates them, leave build inputs out with `.dockerignore`, or build in a stage and copy only the result; the finding lists where the wasted bytes come from.";
    /// `dive.max_user_wasted_percent` / `highestUserWastedPercent`: dive's user waste is too high.
    DiveHighestUserWastedPercent = "dive-highest-user-wasted-percent",
        "dive's user wasted share too high",
        "dive's user wasted share is over `dive.max_user_wasted_percent` (dive: highestUserWastedPercent).",
        "Waste fewer bytes in the layers above the base: delete files in the `RUN` that creates them, leave build inputs out with `.dockerignore`, or build in a stage and copy only the result; the finding lists where the wasted bytes come from.";
    /// `layers[].max_size`: a selected layer is over its budget.
    LayerOverBudget = "layer-over-budget",
        "Layer over its size budget",
        "A layer picked by a `layers` budget is larger than its `max_size`.",
        "Shrink what the layer's instruction adds (the finding names it, and its Dockerfile line with `--dockerfile`): clean caches in the same `RUN`, copy less, or move unrelated files into a layer of their own; or raise the budget's `max_size`.";
    /// `layers[].max_files`: a selected layer has too many files.
    LayerTooManyFiles = "layer-too-many-files",
        "Layer with too many files",
        "A layer picked by a `layers` budget has more files than its `max_files`.",
        "Copy fewer files in the layer's instruction (`.dockerignore`), or clean caches in the same `RUN`; or raise the budget's `max_files`.";
    /// `layers[].select` matches no layer of the image (the budget checks nothing).
    LayerSelectUnmatched = "layer-select-unmatched",
        "Layer budget selects no layer",
        "A `layers` budget selects no layer of the image, so it checks nothing.",
        "Fix the budget's `select` (its `index` or `created_by` glob) so that it picks the layers meant: `sizegate layers IMAGE` lists each layer's index and `created_by`. Or remove the budget.";
    /// `paths[].max_size`: the files a glob matches are over budget.
    PathOverBudget = "path-over-budget",
        "Files of a glob over their size budget",
        "The final-filesystem files a `paths` glob matches are larger in sum than its `max_size`.",
        "Remove or shrink the files the glob matches (`sizegate top IMAGE` lists the largest), or raise the rule's `max_size`.";
    /// `paths[].max_files`: a glob matches too many files.
    PathTooManyFiles = "path-too-many-files",
        "A glob matches too many files",
        "A `paths` glob matches more final-filesystem files than its `max_files`.",
        "Leave the files the glob matches out of the image (`.dockerignore`, or a final stage that copies only what runs), or raise the rule's `max_files`.";
    /// `forbid[]` or a preset rule: a forbidden path ships in some layer.
    ForbiddenPath = "forbidden-path",
        "Forbidden path in the image",
        "A path matching a `forbid` glob (or a preset rule) ships in some layer, even if a later layer deletes it.",
        "Keep the path out of every layer: delete it in the same `RUN` that creates it (a later `RUN rm` leaves it in the earlier layer), leave it out with `.dockerignore`, or build in a stage and copy only what the image needs.";
    /// `baseline.max_growth`: the image grew more than allowed against the baseline.
    ImageGrew = "image-grew",
        "Image grew more than allowed",
        "The image size grew more than `baseline.max_growth` against the baseline (`check --baseline`).",
        "The finding lists the layers and paths that grew most, and `sizegate diff BASE IMAGE` every change: shrink them, or raise `baseline.max_growth` when the growth is wanted.";
    /// `baseline.max_final_growth`: the final filesystem grew more than allowed.
    FinalSizeGrew = "final-size-grew",
        "Final filesystem grew more than allowed",
        "The bytes visible in the final filesystem grew more than `baseline.max_final_growth` against the baseline.",
        "The finding lists the layers and paths that grew most, and `sizegate diff BASE IMAGE` every change: shrink them, or raise `baseline.max_final_growth` when the growth is wanted.";
    /// `baseline.max_wasted_growth`: the wasted bytes grew more than allowed.
    WasteGrew = "waste-grew",
        "Wasted bytes grew more than allowed",
        "The wasted bytes (overwritten or deleted by later layers) grew more than `baseline.max_wasted_growth` against the baseline.",
        "A change made a later layer overwrite or delete more of an earlier layer's bytes, and the finding lists where they come from: delete files in the `RUN` that creates them, or raise `baseline.max_wasted_growth`.";
    /// `baseline.max_layer_growth`: one layer grew more than allowed.
    LayerGrew = "layer-grew",
        "A layer grew more than allowed",
        "A layer grew more than `baseline.max_layer_growth` against its counterpart in the baseline (an added layer by its whole size).",
        "The finding names the layer and its instruction, and `sizegate diff BASE IMAGE` the paths that changed: shrink what the layer adds, or raise `baseline.max_layer_growth` when the growth is wanted.";
    /// `baseline.max_new_files`: the final file count grew more than allowed.
    FilesGrew = "files-grew",
        "File count grew more than allowed",
        "The final filesystem's file count grew (files added less files removed) more than `baseline.max_new_files` against the baseline.",
        "`sizegate diff BASE IMAGE` lists the paths added: leave out what the image does not need, or raise `baseline.max_new_files` when the files are wanted.";
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

    #[test]
    fn every_code_has_a_pascal_case_name_a_summary_and_a_fix() {
        for code in Code::ALL {
            let pascal: String = code
                .as_str()
                .split('-')
                .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
                .collect();
            assert_eq!(code.name(), pascal);
            assert!(!code.summary().ends_with('.'), "{code:?}");
            assert!(code.fix().ends_with('.'), "{code:?}");
            assert!(code.help().starts_with(code.description()));
        }
        assert_eq!(
            Code::ImageTooLarge.help_uri(),
            format!("{REPOSITORY}#image-too-large")
        );
        assert!(REPOSITORY.starts_with("https://"));
    }
}
