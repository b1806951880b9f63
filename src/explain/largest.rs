//! Where the final bytes of an image are: its largest directories and files, and the largest
//! files each layer still holds at the end.

use serde::Serialize;

use super::LARGEST;
use crate::analysis::top::{distinct_files, largest_of, top_dirs, TopItem};
use crate::analysis::{Analysis, VisibleFile};
use crate::image::Image;

/// Largest files listed per layer.
pub(crate) const PER_LAYER: usize = 5;

/// Where the final bytes are.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Largest {
    /// The largest directories, each with the distinct bytes below it.
    pub directories: Vec<Item>,
    /// The largest files, each with the layer that holds its bytes.
    pub files: Vec<Item>,
    /// Every layer, bottom first, with the largest files of the final filesystem whose bytes
    /// it holds.
    pub per_layer: Vec<LayerFiles>,
}

/// The largest files of one layer.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LayerFiles {
    /// The layer.
    pub layer: usize,
    /// Its largest files still visible at the end, largest first; empty when it holds none.
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

/// The largest directories and files of the final filesystem, overall and per layer.
pub(super) fn largest(image: &Image, analysis: &Analysis) -> Largest {
    let files = distinct_files(analysis);
    let mut by_layer: Vec<Vec<&VisibleFile>> = vec![Vec::new(); image.layers.len()];
    for f in &files {
        if let Some(layer) = by_layer.get_mut(f.inode.0 as usize) {
            layer.push(f);
        }
    }
    let items = |top: Vec<TopItem>| top.into_iter().map(Item::from).collect();
    Largest {
        directories: items(top_dirs(image, analysis, LARGEST)),
        files: items(largest_of(image, files, LARGEST)),
        per_layer: by_layer
            .into_iter()
            .enumerate()
            .map(|(layer, files)| LayerFiles {
                layer,
                files: items(largest_of(image, files, PER_LAYER)),
            })
            .collect(),
    }
}
