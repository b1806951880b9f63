//! `sizegate explain`: the savings a user could make in an image, largest first, each with its
//! bytes, the evidence (which layer added the bytes, which removed them, the Dockerfile lines when
//! known) and the change that makes it; then where the final bytes are. The JSON contract
//! (`schema_version` 1) is in the README.
//!
//! The savings come from: the waste sources (`analysis/waste.rs`: bytes hidden by a later layer);
//! the `recommended` preset's matches in the final filesystem ([`preset`]); and with `--content`
//! the files' bytes ([`content`]: copies of one file, files written again unchanged). No byte is
//! in two savings. Where the bytes are is [`largest`].

mod content;
mod largest;
mod preset;

use serde::Serialize;

pub(crate) use largest::{Item, Largest};

use crate::analysis::summary::{ImageSummary, SCHEMA_VERSION};
use crate::analysis::treemap::Treemap;
use crate::analysis::waste::{waste_sources_except, How, WasteSource};
use crate::analysis::{analyze_with_dive, Analysis};
use crate::check::hint::source_hint;
use crate::check::{layer_origins, LayerOrigin, Location};
use crate::dockerfile::Dockerfile;
use crate::error::Result;
use crate::image::Image;
use crate::source::DataSource;

/// Largest directories and files listed per image.
pub const LARGEST: usize = 20;

/// What `explain` is asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExplainOptions<'a> {
    /// The Dockerfile the images were built from and the stage built: savings then name the
    /// instructions that added and removed their bytes.
    pub dockerfile: Option<(&'a Dockerfile, usize)>,
    /// The source the images were read from, to read the data of same-size files and find bytes
    /// that repeat (`--content`); `None` reads no file data.
    pub content: Option<&'a DataSource>,
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
    /// The image's numbers (without the paths a saved report keeps).
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
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
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
    /// Files of the final filesystem that a rule of the `recommended` preset matches (a package
    /// cache, apt lists, docs, `__pycache__`, …): `rule` names it.
    Preset,
    /// Files whose bytes another file of the final filesystem holds too (`--content`).
    Duplicate,
    /// Files a later layer wrote again with the very same bytes and metadata (`--content`).
    ReAdded,
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
    /// The layer that added the bytes (for a preset match or a copy, the layer that holds
    /// them), when one did.
    pub added_layer: Option<usize>,
    /// The layer that removed or replaced them, when one did.
    pub removed_layer: Option<usize>,
    /// The Dockerfile instruction that made `added_layer` (with `--dockerfile`).
    pub added_by: Option<Location>,
    /// The Dockerfile instruction that made `removed_layer` (with `--dockerfile`).
    pub removed_by: Option<Location>,
    /// The change that saves it, when the evidence names one.
    pub hint: Option<String>,
    /// The preset rule that matched (`recommended/apt-lists`); `null` for other kinds.
    pub rule: Option<String>,
}

impl Saving {
    /// A saving of `bytes` in `files` files at `path` (raw bytes), without Dockerfile lines
    /// (added by [`explain`] for all savings at once).
    fn new(kind: SavingKind, path: &[u8], bytes: u64, files: u64) -> Saving {
        Saving {
            kind,
            bytes,
            path: String::from_utf8_lossy(path).into_owned(),
            files,
            added_layer: None,
            removed_layer: None,
            added_by: None,
            removed_by: None,
            hint: None,
            rule: None,
        }
    }
}

/// Explains every image. With [`ExplainOptions::content`], fails when the data of the files
/// cannot be read (the source was read in one pass, or changed since).
pub fn explain(images: &[Image], options: &ExplainOptions<'_>) -> Result<Explanation> {
    if let Some(data) = options.content {
        data.check_rereadable()?;
    }
    Ok(Explanation {
        schema_version: SCHEMA_VERSION,
        images: images
            .iter()
            .map(|i| explain_image(i, options))
            .collect::<Result<_>>()?,
    })
}

/// Explains one image.
fn explain_image(image: &Image, options: &ExplainOptions<'_>) -> Result<ImageExplanation> {
    let (analysis, dive) = analyze_with_dive(image);
    let summary = ImageSummary::without_paths(image, &analysis, &dive);
    let origins = options
        .dockerfile
        .map(|(dockerfile, stage)| layer_origins(image, dockerfile, stage))
        .unwrap_or_default();
    let (largest, savings) = rayon::join(
        || largest::largest(image, &analysis),
        || savings(image, &analysis, options.content, &origins),
    );
    let mut savings = savings?;
    let line_of = |layer: Option<usize>| {
        let origin = origins.get(layer?)?;
        origin.location().cloned()
    };
    for s in &mut savings {
        s.added_by = line_of(s.added_layer);
        s.removed_by = line_of(s.removed_layer);
    }
    Ok(ImageExplanation {
        treemap: options.treemap.then(|| Treemap::of(image, &analysis)),
        largest,
        summary,
        savings,
        origins,
    })
}

/// Every saving of the image, largest first (ties by path, then kind).
fn savings(
    image: &Image,
    analysis: &Analysis,
    content: Option<&DataSource>,
    origins: &[LayerOrigin],
) -> Result<Vec<Saving>> {
    let presets = preset::preset_savings(image, analysis);
    let found = match content {
        Some(data) => content::content_savings(image, analysis, data, &presets.claimed)?,
        None => content::Found::default(),
    };
    let mut savings: Vec<Saving> = waste_sources_except(image, analysis, &found.rewritten)
        .iter()
        .map(|s| waste_saving(image, s, origins))
        .chain(presets.savings)
        .chain(found.savings)
        .collect();
    savings.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| a.path.cmp(&b.path))
            .then_with(|| (a.added_layer, a.removed_layer).cmp(&(b.added_layer, b.removed_layer)))
    });
    Ok(savings)
}

/// A source of waste as a saving, with the hint `check` gives the same source.
fn waste_saving(image: &Image, s: &WasteSource, origins: &[LayerOrigin]) -> Saving {
    let kind = match (s.metadata_only, s.how) {
        (true, _) => SavingKind::MetadataRewrite,
        (false, How::Deleted) => SavingKind::Deleted,
        (false, How::Overwritten) => SavingKind::Overwritten,
        (false, How::Opaque) => SavingKind::Opaque,
    };
    Saving {
        added_layer: Some(s.added_layer),
        removed_layer: Some(s.removed_layer),
        hint: source_hint(image, s, origins),
        ..Saving::new(kind, &s.path, s.bytes, s.files)
    }
}

/// The deepest directory holding both paths (or the path itself when they are the same): the
/// length of its prefix of `a`; 0 for the root.
fn common_len(a: &[u8], b: &[u8]) -> usize {
    let same = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let boundary = |p: &[u8]| p.get(same).is_none_or(|&c| c == b'/');
    if boundary(a) && boundary(b) {
        return same;
    }
    a[..same].iter().rposition(|&c| c == b'/').unwrap_or(0)
}

/// The path a [`common_len`] names: `/` for 0.
fn common_path(path: &[u8], len: usize) -> &[u8] {
    match path.get(..len) {
        Some(p) if !p.is_empty() => p,
        _ => b"/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_common_directory_of_two_paths_stops_at_a_component() {
        let common = |a: &str, b: &str| {
            let len = common_len(a.as_bytes(), b.as_bytes());
            String::from_utf8_lossy(common_path(a.as_bytes(), len)).into_owned()
        };
        assert_eq!(common("/usr/a", "/usr/b"), "/usr");
        assert_eq!(common("/usr/lib/x", "/usr/lib/x"), "/usr/lib/x");
        assert_eq!(common("/usr/lib/x", "/usr/lib/x/y"), "/usr/lib/x");
        assert_eq!(common("/ab", "/ac"), "/");
        assert_eq!(common("/var/lib", "/usr/lib"), "/");
        assert_eq!(common("/a/bc/d", "/a/b/d"), "/a");
    }
}
