//! Where the wasted bytes come from, as the waste findings carry it (`too-much-waste`,
//! `too-much-waste-percent` and dive's three rules): the largest sources of
//! `analysis::waste`, each with the layers that added and removed its bytes, the Dockerfile lines
//! of those layers (with `--dockerfile`) and the change that would spare them. JSON: the
//! `sources` and `more_sources` keys of those findings.

use serde::Serialize;

use super::hint::source_hint;
use super::origin::LayerOrigin;
use super::report::Location;
use crate::analysis::waste::{How, WasteSource};
use crate::image::Image;
use crate::policy::metric::ImageMetric;
use crate::policy::rules::RuleKind;

/// Sources a finding lists, the largest first; the rest are counted.
pub(crate) const LISTED_SOURCES: usize = 10;

/// The sources of an image's wasted bytes, as a waste finding carries them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Sources {
    /// The largest sources, largest first.
    pub sources: Vec<SourceRow>,
    /// Sources beyond those listed.
    pub more_sources: usize,
}

/// One source of wasted bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SourceRow {
    /// The file, or the deepest directory holding the bytes (non-UTF-8 bytes replaced).
    pub path: String,
    /// Bytes wasted.
    pub bytes: u64,
    /// Files wasted.
    pub files: u64,
    /// How they were hidden: `deleted`, `overwritten` or `opaque`.
    pub how: How,
    /// The layer that added them.
    pub added_layer: usize,
    /// The layer that removed (or replaced) them.
    pub removed_layer: usize,
    /// The Dockerfile instruction that made `added_layer` (with `--dockerfile`).
    pub added_by: Option<Location>,
    /// The Dockerfile instruction that made `removed_layer` (with `--dockerfile`).
    pub removed_by: Option<Location>,
    /// The change that would spare them, when the evidence names one.
    pub hint: Option<String>,
}

impl Sources {
    /// The first of `all` (an image's sources, largest first) with their hints, read from the
    /// `created_by` of the image's layers, and with `--dockerfile` the lines that made those
    /// layers (`origins`, bottom first; empty without).
    pub(super) fn of(image: &Image, all: &[WasteSource], origins: &[LayerOrigin]) -> Sources {
        let line_of = |layer: usize| origins.get(layer).and_then(LayerOrigin::location).cloned();
        let sources = all
            .iter()
            .take(LISTED_SOURCES)
            .map(|s| SourceRow {
                path: String::from_utf8_lossy(&s.path).into_owned(),
                bytes: s.bytes,
                files: s.files,
                how: s.how,
                added_layer: s.added_layer,
                removed_layer: s.removed_layer,
                added_by: line_of(s.added_layer),
                removed_by: line_of(s.removed_layer),
                hint: source_hint(image, s, origins),
            })
            .collect();
        Sources {
            sources,
            more_sources: all.len().saturating_sub(LISTED_SOURCES),
        }
    }
}

/// Whether a rule's findings are about wasted bytes, and so carry their sources: the image's
/// wasted bytes and share, and dive's three rules (its efficiency falls only as paths are shipped
/// in more than one layer, which is where waste comes from).
pub(super) fn about_waste(kind: &RuleKind) -> bool {
    match kind {
        RuleKind::Image { metric, .. } => {
            matches!(metric, ImageMetric::Wasted | ImageMetric::WastedPercent)
        }
        RuleKind::Dive { .. } => true,
        RuleKind::Layer { .. }
        | RuleKind::Path { .. }
        | RuleKind::Forbid { .. }
        | RuleKind::Baseline { .. } => false,
    }
}
