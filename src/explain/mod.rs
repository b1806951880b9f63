//! `sizegate explain`: the savings a user could make in an image, largest first, each with its
//! bytes, the evidence (which layer added the bytes, which removed them, the Dockerfile lines when
//! known) and the change that makes it; then where the final bytes are. The JSON contract
//! (`schema_version` 1) is in the README.

use serde::Serialize;

use crate::analysis::summary::{ImageSummary, SCHEMA_VERSION};
use crate::analysis::top::{top_dirs, top_files, TopItem};
use crate::analysis::treemap::Treemap;
use crate::analysis::waste::{waste_sources, How, WasteSource};
use crate::analysis::{analyze_with_dive, Analysis};
use crate::check::{layer_origins, LayerOrigin, Location};
use crate::dockerfile::Dockerfile;
use crate::image::Image;

/// Largest directories and files listed per image.
pub const LARGEST: usize = 20;

/// What `explain` is asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainOptions<'a> {
    /// The Dockerfile the images were built from and the stage built: savings then name the
    /// instructions that added and removed their bytes.
    pub dockerfile: Option<(&'a Dockerfile, usize)>,
    /// Also read the data of same-size files, to find bytes that repeat (`--content`).
    pub content: bool,
    /// Also make the treemap of each final filesystem, for the HTML report.
    pub treemap: bool,
}

/// The explanation of every image read.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// Always 1.
    pub(crate) schema_version: u32,
    /// One per image, in archive order.
    pub(crate) images: Vec<ImageExplanation>,
}

/// The explanation of one image: its totals (the `layers` contract's per-image object without its
/// lists), then the savings and the largest items.
#[derive(Debug, Clone)]
pub(crate) struct ImageExplanation {
    /// The image's numbers.
    pub summary: ImageSummary,
    /// What could be saved, largest first.
    pub savings: Vec<Saving>,
    /// Where the final bytes are.
    pub largest: Largest,
    /// With `--dockerfile`: where each layer came from, bottom first.
    pub origins: Vec<LayerOrigin>,
    /// The treemap of the final filesystem, when asked for (not in the JSON).
    pub treemap: Option<Treemap>,
}

impl Serialize for ImageExplanation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Doc<'a> {
            #[serde(flatten)]
            totals: crate::analysis::summary::ImageTotals<'a>,
            layers: &'a [crate::analysis::summary::LayerSummary],
            savings: &'a [Saving],
            largest: &'a Largest,
            #[serde(skip_serializing_if = "<[LayerOrigin]>::is_empty")]
            origins: &'a [LayerOrigin],
        }
        Doc {
            totals: self.summary.totals(),
            layers: &self.summary.layers,
            savings: &self.savings,
            largest: &self.largest,
            origins: &self.origins,
        }
        .serialize(s)
    }
}

/// What kind of saving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum SavingKind {
    /// Bytes a layer added and a later one deleted: shipped, never used at the end.
    Deleted,
    /// Bytes a later layer wrote again at the same path.
    Overwritten,
    /// Bytes hidden when a later layer emptied their directory (an opaque marker).
    Opaque,
    /// Files written again at the same size only to change their mode or owner.
    MetadataRewrite,
}

/// One saving.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Saving {
    /// What kind.
    pub kind: SavingKind,
    /// Bytes it would save.
    pub bytes: u64,
    /// The file, or the deepest directory holding the bytes.
    pub path: String,
    /// Files concerned.
    pub files: u64,
    /// The layer that added the bytes, when one did.
    pub added_layer: Option<usize>,
    /// The layer that removed or replaced them, when one did.
    pub removed_layer: Option<usize>,
    /// The Dockerfile instruction that made `added_layer` (with `--dockerfile`).
    pub added_by: Option<Location>,
    /// The Dockerfile instruction that made `removed_layer` (with `--dockerfile`).
    pub removed_by: Option<Location>,
    /// The change that saves it, when the evidence names one.
    pub hint: Option<String>,
}

/// Where the final bytes are: the largest directories and files.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Largest {
    /// The largest directories, each with the distinct bytes below it.
    pub directories: Vec<Item>,
    /// The largest files, each with the layer that holds its bytes.
    pub files: Vec<Item>,
}

/// A directory or file of [`Largest`].
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Item {
    /// Absolute path (non-UTF-8 bytes replaced).
    pub path: String,
    /// Bytes.
    pub size: u64,
    /// Files (1 for a file).
    pub files: u64,
    /// The layer holding a file's bytes; `null` for a directory.
    pub layer: Option<usize>,
}

impl From<TopItem> for Item {
    fn from(t: TopItem) -> Item {
        Item {
            path: String::from_utf8_lossy(&t.path).into_owned(),
            size: t.size,
            files: t.files,
            layer: t.layer,
        }
    }
}

/// Explains every image.
pub fn explain(images: &[Image], options: &ExplainOptions<'_>) -> Explanation {
    Explanation {
        schema_version: SCHEMA_VERSION,
        images: images.iter().map(|i| explain_image(i, options)).collect(),
    }
}

/// Explains one image.
fn explain_image(image: &Image, options: &ExplainOptions<'_>) -> ImageExplanation {
    let (analysis, dive) = analyze_with_dive(image);
    let summary = ImageSummary::from_parts(image, &analysis, &dive);
    let origins = options
        .dockerfile
        .map(|(dockerfile, stage)| layer_origins(image, dockerfile, stage))
        .unwrap_or_default();
    let line_of = |layer: usize| origins.get(layer).and_then(LayerOrigin::location).cloned();
    let mut savings: Vec<Saving> = waste_sources(image, &analysis)
        .into_iter()
        .map(|s| saving(&s, &line_of))
        .collect();
    savings.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    ImageExplanation {
        treemap: options.treemap.then(|| Treemap::of(image, &analysis)),
        largest: largest(image, &analysis),
        summary,
        savings,
        origins,
    }
}

/// A source of waste as a saving.
fn saving(s: &WasteSource, line_of: &dyn Fn(usize) -> Option<Location>) -> Saving {
    let kind = match (s.metadata_only, s.how) {
        (true, _) => SavingKind::MetadataRewrite,
        (false, How::Deleted) => SavingKind::Deleted,
        (false, How::Overwritten) => SavingKind::Overwritten,
        (false, How::Opaque) => SavingKind::Opaque,
    };
    Saving {
        kind,
        bytes: s.bytes,
        path: String::from_utf8_lossy(&s.path).into_owned(),
        files: s.files,
        added_layer: Some(s.added_layer),
        removed_layer: Some(s.removed_layer),
        added_by: line_of(s.added_layer),
        removed_by: line_of(s.removed_layer),
        hint: None,
    }
}

/// The largest directories and files of the final filesystem.
fn largest(image: &Image, analysis: &Analysis) -> Largest {
    Largest {
        directories: top_dirs(image, analysis, LARGEST)
            .into_iter()
            .map(Item::from)
            .collect(),
        files: top_files(image, analysis, LARGEST)
            .into_iter()
            .map(Item::from)
            .collect(),
    }
}
