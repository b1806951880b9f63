//! The treemap of an image's final filesystem: the directories and files that hold a visible share
//! of its bytes, each with the layer that holds most of those bytes, and the rest of each directory
//! as one tile, so that the picture of a 20,000-file image stays a few thousand tiles. What the HTML
//! reports draw; the geometry is theirs (`report::html::squarify`).
//!
//! Bytes are counted as the path tree counts them (`paths::counted`): a file hard-linked under
//! several names counts once, so the tiles add up to the final size.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap as HashMap;

use super::paths::{counted, parents, TREE_DEPTH, TREE_DIRECTORY_BYTES};
use super::Analysis;
use crate::image::{is_below, Image};

/// The smallest tile, as a share of the final size: 1/1000 of a 1200×600 picture is a square of
/// about 27 pixels, the least that can still be seen and hovered. Smaller files and directories
/// join their directory's rest.
pub(crate) const MIN_SHARE: f64 = 0.001;
/// Most tiles of one picture: at a few hundred bytes of SVG each, a page of about a megabyte
/// whatever the image.
pub(crate) const MAX_TILES: usize = 2500;

/// What a tile stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TileKind {
    /// A directory: its kept children inside it, or one tile when none is kept.
    Dir,
    /// A file.
    File,
    /// The files and directories of a directory too small to be tiles of their own, together.
    Rest,
}

/// One rectangle of the treemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tile {
    /// What it stands for.
    pub kind: TileKind,
    /// Absolute path, raw bytes; for a rest, its directory's.
    pub path: Vec<u8>,
    /// Bytes below it (each file once).
    pub bytes: u64,
    /// File names below it (each hard link counts).
    pub files: u64,
    /// The layer holding most of its bytes (the lower one on a tie); `None` without bytes.
    pub layer: Option<u32>,
    /// For a directory: its kept children and its rest, largest first (ties by path, the rest
    /// last). Empty for other tiles and for a directory whose children are all too small.
    pub children: Vec<Tile>,
}

/// The treemap of one image, and the bytes of each layer that are still in its final filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Treemap {
    /// The root directory, `/`: the whole final filesystem.
    pub root: Tile,
    /// Per layer, bottom first: the bytes of its files that are visible at the end. The rest of
    /// the layer's bytes are waste.
    pub kept: Vec<u64>,
}

/// A directory of the final filesystem, while the map is made.
struct Dir<'i> {
    path: &'i [u8],
    /// The directory holding it (the root holds itself).
    parent: usize,
    bytes: u64,
    files: u64,
    dirs: Vec<usize>,
    own_files: Vec<usize>,
}

/// A file of the final filesystem, while the map is made.
struct File<'i> {
    path: &'i [u8],
    /// Bytes counted at this name (0 for a second name of a hard-linked file).
    bytes: u64,
    layer: u32,
}

/// A file or directory competing for a place in the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Dir(usize),
    File(usize),
}

/// A candidate tile: the largest comes out of the heap first, then the first path.
#[derive(PartialEq, Eq)]
struct Candidate<'i> {
    bytes: u64,
    path: &'i [u8],
    node: Node,
}

impl Ord for Candidate<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.bytes
            .cmp(&other.bytes)
            .then_with(|| other.path.cmp(self.path))
            .then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Candidate<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Bytes per layer.
type Histogram = HashMap<u32, u64>;

impl Treemap {
    /// The treemap of `image`'s final filesystem.
    pub(crate) fn of(image: &Image, analysis: &Analysis) -> Treemap {
        Treemap::with_limits(image, analysis, MIN_SHARE, MAX_TILES)
    }

    /// The treemap with tiles of at least `min_share` of the final size, at most `max_tiles` of
    /// them (the largest).
    pub(crate) fn with_limits(
        image: &Image,
        analysis: &Analysis,
        min_share: f64,
        max_tiles: usize,
    ) -> Treemap {
        let mut kept = vec![0u64; image.layers.len()];
        let (dirs, files) = tree(image, analysis, &mut kept);
        let total = dirs[0].bytes;
        // At least one byte: a file of none has no area to show.
        let threshold = ((total as f64 * min_share).ceil() as u64).max(1);
        let (keep_dirs, keep_files) = select(&dirs, &files, threshold, max_tiles);
        let histograms = histograms(&dirs, &files, &keep_dirs);
        let root = Build {
            dirs: &dirs,
            files: &files,
            keep_dirs: &keep_dirs,
            keep_files: &keep_files,
            histograms: &histograms,
        }
        .dir(0);
        Treemap { root, kept }
    }
}

/// Every directory (the root first) and file of the final filesystem, and the kept bytes of each
/// layer. Directories deeper or longer than the path tree's bounds are not made: their files are
/// files of the deepest directory made.
fn tree<'i>(
    image: &'i Image,
    analysis: &'i Analysis,
    kept: &mut [u64],
) -> (Vec<Dir<'i>>, Vec<File<'i>>) {
    let new_dir = |path, parent| Dir {
        path,
        parent,
        bytes: 0,
        files: 0,
        dirs: Vec::new(),
        own_files: Vec::new(),
    };
    let mut dirs = vec![new_dir(b"/", 0)];
    let mut files = Vec::with_capacity(analysis.visible_files.len());
    // Paths come sorted, so the directories of one path are a run: a stack of the open ones.
    let mut open: Vec<usize> = Vec::new();
    for f in counted(image, analysis) {
        if let Some(k) = kept.get_mut(f.layer as usize) {
            *k = k.saturating_add(f.counted);
        }
        while open
            .last()
            .is_some_and(|&d| !is_below(dirs[d].path, f.path))
        {
            open.pop();
        }
        for dir in parents(f.path)
            .take_while(|d| d.len() <= TREE_DIRECTORY_BYTES)
            .take(TREE_DEPTH)
            .skip(open.len())
        {
            let parent = open.last().copied().unwrap_or(0);
            let id = dirs.len();
            dirs.push(new_dir(dir, parent));
            dirs[parent].dirs.push(id);
            open.push(id);
        }
        let dir = open.last().copied().unwrap_or(0);
        dirs[dir].own_files.push(files.len());
        files.push(File {
            path: f.path,
            bytes: f.counted,
            layer: f.layer,
        });
        for &d in open.iter().chain([&0]) {
            dirs[d].bytes = dirs[d].bytes.saturating_add(f.counted);
            dirs[d].files += 1;
        }
    }
    (dirs, files)
}

/// The tiles kept: the largest files and directories first, from the root down, while they hold
/// at least `threshold` bytes and fewer than `max_tiles` are kept. A child is never larger than
/// its directory, so what is kept hangs together from the root.
fn select<'i>(
    dirs: &[Dir<'i>],
    files: &[File<'i>],
    threshold: u64,
    max_tiles: usize,
) -> (Vec<bool>, Vec<bool>) {
    let mut keep_dirs = vec![false; dirs.len()];
    let mut keep_files = vec![false; files.len()];
    keep_dirs[0] = true;
    let mut heap = BinaryHeap::new();
    let push_children = |heap: &mut BinaryHeap<Candidate<'i>>, d: usize| {
        let dir = &dirs[d];
        let sub = dir.dirs.iter().map(|&c| Candidate {
            bytes: dirs[c].bytes,
            path: dirs[c].path,
            node: Node::Dir(c),
        });
        let own = dir.own_files.iter().map(|&f| Candidate {
            bytes: files[f].bytes,
            path: files[f].path,
            node: Node::File(f),
        });
        // Those too small now stay too small: they never enter the heap.
        heap.extend(sub.chain(own).filter(|c| c.bytes >= threshold));
    };
    push_children(&mut heap, 0);
    let mut tiles = 0;
    while let Some(c) = heap.pop() {
        if tiles >= max_tiles {
            break;
        }
        tiles += 1;
        match c.node {
            Node::Dir(d) => {
                keep_dirs[d] = true;
                push_children(&mut heap, d);
            }
            Node::File(f) => keep_files[f] = true,
        }
    }
    (keep_dirs, keep_files)
}

/// The bytes per layer of every kept directory: each file adds its bytes to the kept directories
/// above it (at most the path tree's depth of them).
fn histograms(
    dirs: &[Dir<'_>],
    files: &[File<'_>],
    keep_dirs: &[bool],
) -> HashMap<usize, Histogram> {
    let mut out: HashMap<usize, Histogram> = HashMap::default();
    for (d, dir) in dirs.iter().enumerate() {
        for &f in &dir.own_files {
            let file = &files[f];
            if file.bytes == 0 {
                continue;
            }
            let mut at = d;
            loop {
                if keep_dirs[at] {
                    let bytes = out.entry(at).or_default().entry(file.layer).or_default();
                    *bytes = bytes.saturating_add(file.bytes);
                }
                if at == 0 {
                    break;
                }
                at = dirs[at].parent;
            }
        }
    }
    out
}

/// The layer with the most bytes, the lower one on a tie; `None` when none has any.
fn dominant(histogram: &Histogram) -> Option<u32> {
    histogram
        .iter()
        .filter(|(_, bytes)| **bytes > 0)
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(layer, _)| *layer)
}

/// What building the tiles of the kept nodes needs.
struct Build<'a, 'i> {
    dirs: &'a [Dir<'i>],
    files: &'a [File<'i>],
    keep_dirs: &'a [bool],
    keep_files: &'a [bool],
    histograms: &'a HashMap<usize, Histogram>,
}

impl Build<'_, '_> {
    /// The tile of kept directory `d`, with its kept children and its rest.
    fn dir(&self, d: usize) -> Tile {
        let dir = &self.dirs[d];
        let histogram = |d: usize| self.histograms.get(&d);
        let kept_dirs: Vec<usize> = dir
            .dirs
            .iter()
            .copied()
            .filter(|&c| self.keep_dirs[c])
            .collect();
        let kept_files = dir.own_files.iter().filter(|&&f| self.keep_files[f]);
        let mut children: Vec<Tile> = kept_dirs
            .iter()
            .map(|&c| self.dir(c))
            .chain(kept_files.clone().map(|&f| {
                let file = &self.files[f];
                Tile {
                    kind: TileKind::File,
                    path: file.path.to_vec(),
                    bytes: file.bytes,
                    files: 1,
                    layer: Some(file.layer),
                    children: Vec::new(),
                }
            }))
            .collect();
        if !children.is_empty() {
            // The rest's layers: the directory's, less its kept children's.
            let mut rest = histogram(d).cloned().unwrap_or_default();
            for sub in kept_dirs.iter().filter_map(|&c| histogram(c)) {
                for (layer, bytes) in sub {
                    subtract(&mut rest, *layer, *bytes);
                }
            }
            for &f in kept_files {
                subtract(&mut rest, self.files[f].layer, self.files[f].bytes);
            }
            let kept_bytes = children.iter().fold(0u64, |s, c| s.saturating_add(c.bytes));
            let kept_names = children.iter().map(|c| c.files).sum::<u64>();
            let bytes = dir.bytes.saturating_sub(kept_bytes);
            // A rest of no bytes has no area: its files are only counted in the directory's.
            if bytes > 0 {
                children.push(Tile {
                    kind: TileKind::Rest,
                    path: dir.path.to_vec(),
                    bytes,
                    files: dir.files.saturating_sub(kept_names),
                    layer: dominant(&rest),
                    children: Vec::new(),
                });
            }
            children.sort_by(|a, b| {
                b.bytes
                    .cmp(&a.bytes)
                    .then_with(|| (a.kind == TileKind::Rest).cmp(&(b.kind == TileKind::Rest)))
                    .then_with(|| a.path.cmp(&b.path))
            });
        }
        Tile {
            kind: TileKind::Dir,
            path: dir.path.to_vec(),
            bytes: dir.bytes,
            files: dir.files,
            layer: histogram(d).and_then(dominant),
            children,
        }
    }
}

/// Takes `bytes` of `layer` out of a histogram.
fn subtract(histogram: &mut Histogram, layer: u32, bytes: u64) {
    if let Some(b) = histogram.get_mut(&layer) {
        *b = b.saturating_sub(bytes);
    }
}

#[cfg(test)]
mod tests;
