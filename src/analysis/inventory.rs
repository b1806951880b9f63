//! The inventory: every entry of every layer, with what became of it in the final filesystem, as
//! plain rows. This is the seed idea of sizegate, and what `sizegate inventory` and
//! `check --format csv` write.

use super::{analyze, Analysis, Status};
use crate::image::Image;

/// An image as read with its union-filesystem analysis, from which its rows are listed.
#[derive(Debug, Clone)]
pub struct Inventory {
    image: Image,
    analysis: Analysis,
}

/// One entry of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InventoryRow<'a> {
    /// The image's name.
    pub image: &'a str,
    /// The layer's index, bottom first.
    pub layer_index: usize,
    /// The layer's digest.
    pub layer_digest: &'a str,
    /// The layer's build instruction, when the history says.
    pub created_by: Option<&'a str>,
    /// The entry's path (raw bytes: names need not be UTF-8).
    pub path: &'a [u8],
    /// `file`, `dir`, `symlink`, `hardlink`, `whiteout`, …
    pub kind: &'static str,
    /// Bytes of a regular file; 0 for other entries.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Where a link points.
    pub link_target: Option<&'a [u8]>,
    /// `visible`, `overwritten`, `deleted` or `marker` (a whiteout).
    pub status: &'static str,
    /// The layer that overwrote or deleted the entry.
    pub status_layer: Option<usize>,
}

impl Inventory {
    /// Analyzes the image.
    pub fn new(image: Image) -> Inventory {
        let analysis = analyze(&image);
        Inventory { image, analysis }
    }

    /// An image with the analysis already made of it.
    pub(crate) fn from_parts(image: Image, analysis: Analysis) -> Inventory {
        Inventory { image, analysis }
    }

    /// The image.
    pub(crate) fn image(&self) -> &Image {
        &self.image
    }

    /// Its analysis.
    pub(crate) fn analysis(&self) -> &Analysis {
        &self.analysis
    }

    /// Every entry, layer by layer, in the order of each layer's tar.
    pub(crate) fn rows(&self) -> impl Iterator<Item = InventoryRow<'_>> {
        let image = &self.image;
        image
            .layers
            .iter()
            .zip(&self.analysis.statuses)
            .flat_map(move |(layer, statuses)| {
                let contents = &layer.contents;
                contents
                    .entries
                    .iter()
                    .zip(statuses)
                    .map(move |(entry, status)| {
                        let (status, status_layer) = match status {
                            Status::Visible => ("visible", None),
                            Status::Overwritten { by } => ("overwritten", Some(*by)),
                            Status::Deleted { by } => ("deleted", Some(*by)),
                            Status::Marker => ("marker", None),
                        };
                        InventoryRow {
                            image: &image.name,
                            layer_index: layer.index,
                            layer_digest: &layer.digest,
                            created_by: layer.created_by.as_deref(),
                            path: contents.path(entry),
                            kind: entry.kind.as_str(),
                            size: entry.size,
                            mode: entry.mode,
                            uid: entry.uid,
                            gid: entry.gid,
                            link_target: contents.link_target(entry),
                            status,
                            status_layer: status_layer.map(|by| by as usize),
                        }
                    })
            })
    }
}
