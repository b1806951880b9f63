//! dive's three image metrics (efficiency, wasted bytes, user wasted percent), computed exactly as
//! dive 0.13 does so that a `.dive-ci` file gives the same verdict here.
//!
//! dive builds one tree per layer from its tar headers and visits the leaves of each (files,
//! symlinks, whiteouts, empty directories). A path's size is its header size, except a whiteout of
//! something that was a directory (a `dir` entry) in the layers below, which counts everything under
//! that directory. Per path dive keeps the sum and the minimum over the layers it appears in:
//! efficiency = Σmin / Σsum, wasted = Σsum over paths seen in two or more layers. Opaque markers are
//! not part of dive's trees, and an implicit directory (one that only appears as a parent) is a node
//! with no header: size 0, not a directory.
//!
//! userWastedPercent is wasted / userSize, userSize being the bytes of every layer above the first
//! (dive's `AnalysisResult`), divided as Go divides floats: when those layers add no bytes it is
//! +Inf if bytes were wasted all the same (a layer that only deletes or empties files), which
//! fails every `highestUserWastedPercent` (`limit < +Inf`), and NaN if none were, which passes
//! every one (a comparison with NaN is false).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::below;
use crate::image::{Entry, EntryKind, Image, LayerContents};

/// dive's metrics for one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiveMetrics {
    /// Σ smallest copy / Σ all copies of every path; 1.0 for an image without files.
    pub efficiency: f64,
    /// Bytes of every copy of each path found in two or more layers.
    pub wasted_bytes: u64,
    /// `wasted_bytes` / bytes of the layers above the first, as dive divides: `+∞` when those
    /// layers add no bytes but some were wasted, `None` (dive's NaN) when neither.
    pub user_wasted_percent: Option<f64>,
}

/// A node of dive's stacked tree: the size of its header and whether that header is a directory,
/// packed into one word (the top bit; no size comes near 2⁶³): the stacked tree holds every path
/// of the image.
#[derive(Debug, Clone, Copy)]
struct Node(u64);

impl Node {
    const DIR: u64 = 1 << 63;

    fn new(size: u64, is_dir: bool) -> Node {
        Node(size.min(!Node::DIR) | if is_dir { Node::DIR } else { 0 })
    }

    fn size(self) -> u64 {
        self.0 & !Node::DIR
    }

    fn is_dir(self) -> bool {
        self.0 & Node::DIR != 0
    }
}

/// What dive records of one path over the layers: the sum and the minimum of its copies, and how
/// many there were.
#[derive(Debug)]
struct PathTotals {
    sum: u64,
    min: u64,
    copies: u32,
}

/// Computes dive's metrics for `image`.
pub(crate) fn dive_metrics(image: &Image) -> DiveMetrics {
    let mut stacked: BTreeMap<&[u8], Node> = BTreeMap::new();
    let entries: usize = image.layers.iter().map(|l| l.contents.entries.len()).sum();
    // Keyed by paths borrowed from the entries (a whiteout's copy is keyed by the stacked node
    // it names), so that the map, one slot per path of the image, holds no copies of paths.
    let mut totals: FxHashMap<&[u8], PathTotals> =
        FxHashMap::with_capacity_and_hasher(entries, Default::default());
    // Whiteouts of paths that were not there: dive records them with no copy at all.
    let mut missing: FxHashSet<Vec<u8>> = FxHashSet::default();

    for layer in &image.layers {
        let contents = &*layer.contents;
        let tree = layer_tree(contents);
        // In the tree's order a node's children follow it directly: a leaf is a node whose next
        // node is not below it. That order is also dive's (children by name, depth first).
        let leaves = tree.iter().enumerate().filter_map(|(i, (path, entry))| {
            let has_children = tree
                .get(i + 1)
                .is_some_and(|(next, _)| is_under(next, path));
            (!has_children).then_some((*path, *entry))
        });
        for (path, entry) in leaves {
            let (key, size) = match entry {
                Some(e) if e.kind == EntryKind::Whiteout => {
                    let target = contents.whiteout_target(e).unwrap_or_default();
                    match stacked.get_key_value(&target[..]) {
                        Some((&key, node)) if node.is_dir() => {
                            let size = subtree(&stacked, &target)
                                .fold(0u64, |sum, (_, n)| sum.saturating_add(n.size()));
                            (key, size)
                        }
                        Some((&key, _)) => (key, 0),
                        None => {
                            // dive fails its lookup here: the path is recorded with no copy (its
                            // minimum stays at -1) and the rest of this layer's walk is abandoned.
                            missing.insert(target);
                            break;
                        }
                    }
                }
                Some(e) => (path, e.size),
                None => (path, 0),
            };
            totals
                .entry(key)
                .and_modify(|t| {
                    t.min = t.min.min(size);
                    t.sum = t.sum.saturating_add(size);
                    t.copies += 1;
                })
                .or_insert(PathTotals {
                    sum: size,
                    min: size,
                    copies: 1,
                });
        }
        // Stack this layer onto the ones below, as dive's StackTreeRange does for the next layer.
        for entry in tree.iter().filter_map(|(_, e)| *e) {
            if entry.kind == EntryKind::Whiteout {
                let target = contents.whiteout_target(entry).unwrap_or_default();
                let doomed: Vec<&[u8]> = subtree(&stacked, &target).map(|(k, _)| *k).collect();
                for k in doomed {
                    stacked.remove(k);
                }
            }
        }
        let nodes = tree.iter().filter_map(|&(path, entry)| match entry {
            Some(e) if e.kind == EntryKind::Whiteout => None,
            _ => Some((
                path,
                Node::new(
                    entry.map_or(0, |e| e.size),
                    entry.is_some_and(|e| e.kind == EntryKind::Dir),
                ),
            )),
        });
        if stacked.is_empty() {
            // Built in one go from the layer's (unique) paths: the first layer, often most of
            // the image, costs a sort instead of a descent per path.
            stacked = nodes.collect();
        } else {
            stacked.extend(nodes);
        }
    }
    drop(stacked);

    let (mut sum, mut min, mut wasted) = (0u64, 0i128, 0u64);
    for t in totals.values() {
        sum = sum.saturating_add(t.sum);
        min += i128::from(t.min);
        if t.copies >= 2 {
            wasted = wasted.saturating_add(t.sum);
        }
    }
    // A path recorded with no copy adds dive's initial minimum, -1, unless it has copies too.
    min -= missing
        .iter()
        .filter(|path| !totals.contains_key(&path[..]))
        .count() as i128;
    let image_size = image
        .layers
        .iter()
        .fold(0u64, |sum, l| sum.saturating_add(l.size()));
    let user_size = image_size.saturating_sub(image.layers.first().map_or(0, |l| l.size()));
    DiveMetrics {
        efficiency: if sum == 0 {
            1.0
        } else {
            min as f64 / sum as f64
        },
        wasted_bytes: wasted,
        user_wasted_percent: user_wasted_percent(wasted, user_size),
    }
}

/// dive's userWastedPercent, `wasted / user_size` in floats: `+∞` for x/0 and `None` for 0/0
/// (dive's NaN, kept out of the number so that no comparison or JSON writer meets it).
fn user_wasted_percent(wasted: u64, user_size: u64) -> Option<f64> {
    match (wasted, user_size) {
        (0, 0) => None,
        (_, 0) => Some(f64::INFINITY),
        _ => Some(wasted as f64 / user_size as f64),
    }
}

/// Orders paths as a depth-first walk with sorted children visits them: component by component,
/// which is byte order with `/` counted as the lowest byte. Only the first differing byte needs
/// the mapping.
fn by_components(a: &[u8], b: &[u8]) -> Ordering {
    // Every other byte one above itself, so that `/` sorts below even a NUL (a PAX name may hold
    // one): the order must stay total for the sort.
    let key = |c: u8| if c == b'/' { 0 } else { u16::from(c) + 1 };
    match first_difference(a, b) {
        Some(i) => key(a[i]).cmp(&key(b[i])),
        None => a.len().cmp(&b.len()),
    }
}

/// The index of the first byte where `a` and `b` differ, within the shorter one. Eight bytes are
/// compared at a time: the paths of a layer share long prefixes, and sorting them compares those
/// prefixes again and again (a byte-at-a-time loop showed in the profiles).
fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let word = |bytes: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(bytes);
        u64::from_le_bytes(w)
    };
    let mut i = 0;
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        let diff = word(x) ^ word(y);
        if diff != 0 {
            return Some(i + diff.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    a[i..]
        .iter()
        .zip(&b[i..])
        .position(|(x, y)| x != y)
        .map(|p| i + p)
}

/// Whether `path` is strictly below the directory `dir`.
fn is_under(path: &[u8], dir: &[u8]) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path[dir.len()] == b'/'
}

/// One layer's own tree, in [`by_components`] order: every entry's path (the last entry of a
/// path wins) plus every parent directory as an implicit node (`None`). Opaque markers add their
/// parents but no node of their own.
fn layer_tree(contents: &LayerContents) -> Vec<(&[u8], Option<&Entry>)> {
    let mut nodes = layer_nodes(contents);
    // Stable: entries of the same path keep their tar order, so the last one wins below.
    nodes.sort_by(|a, b| by_components(a.0, b.0));
    // The same path again: a later entry replaces an earlier one, an implicit parent never
    // replaces an entry.
    nodes.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same && later.1.is_some() {
            kept.1 = later.1;
        }
        same
    });
    nodes
}

/// The nodes of [`layer_tree`] in tar order, some paths more than once.
fn layer_nodes(contents: &LayerContents) -> Vec<(&[u8], Option<&Entry>)> {
    let entries = &contents.entries;
    let mut nodes: Vec<(&[u8], Option<&Entry>)> = Vec::with_capacity(entries.len() + 16);
    let mut parents: Vec<&[u8]> = Vec::new();
    // The implicit parents added so far: directories only, far fewer than the entries.
    let mut added: FxHashSet<&[u8]> = FxHashSet::default();
    let mut previous: &[u8] = b"";
    for e in entries {
        let path = contents.path(e);
        // Parents, deepest first, until a known one: the previous entry is it or is below it
        // (tars list a directory before what it holds), or it was added before. Its own parents
        // then are there too. An entry's own path may still come again as an implicit parent
        // (once per directory); the merge below keeps the entry.
        parents.clear();
        let mut end = path.len();
        while let Some(slash) = path[..end].iter().rposition(|&b| b == b'/') {
            let parent = &path[..slash];
            if slash == 0
                || previous == parent
                || is_under(previous, parent)
                || !added.insert(parent)
            {
                break;
            }
            parents.push(parent);
            end = slash;
        }
        // Shallowest first: tars list what a directory holds in name order (Go's filepath.Walk),
        // so the nodes arrive almost sorted and the stable sort below is cheap.
        nodes.extend(parents.iter().rev().map(|p| (*p, None)));
        if e.kind == EntryKind::Opaque {
            // The marker is no node, its directory is.
            previous = &path[..path.iter().rposition(|&b| b == b'/').unwrap_or(0)];
        } else {
            nodes.push((path, Some(e)));
            previous = path;
        }
    }
    nodes
}

/// The node at `root` and every node below it.
fn subtree<'m, 'a>(
    stacked: &'m BTreeMap<&'a [u8], Node>,
    root: &[u8],
) -> impl Iterator<Item = (&'m &'a [u8], &'m Node)> + 'm {
    stacked
        .get_key_value(root)
        .into_iter()
        .chain(below(stacked, root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::tests::{entry, image};

    #[test]
    fn single_copies_are_fully_efficient() {
        let img = image(vec![
            vec![entry('f', "/a", 10, None)],
            vec![entry('f', "/b", 5, None)],
        ]);
        let m = dive_metrics(&img);
        assert_eq!((m.efficiency, m.wasted_bytes), (1.0, 0));
        assert_eq!(m.user_wasted_percent, Some(0.0));
    }

    #[test]
    fn path_in_two_layers_counts_every_copy() {
        let img = image(vec![
            vec![entry('f', "/a", 100, None)],
            vec![entry('f', "/a", 50, None)],
        ]);
        let m = dive_metrics(&img);
        assert_eq!(m.wasted_bytes, 150);
        assert_eq!(m.efficiency, 50.0 / 150.0);
        assert_eq!(m.user_wasted_percent, Some(3.0));
    }

    #[test]
    fn whiteout_of_a_directory_counts_what_was_under_it() {
        let img = image(vec![
            vec![
                entry('d', "/d", 0, None),
                entry('f', "/d/x", 10, None),
                entry('f', "/d/y/z", 20, None),
            ],
            vec![entry('w', "/.wh.d", 0, None)],
        ]);
        let m = dive_metrics(&img);
        // /d is a leaf nowhere in layer 0 (it has children), so the whiteout's 30 bytes stand alone.
        assert_eq!((m.wasted_bytes, m.efficiency), (0, 1.0));
        let img = image(vec![
            vec![entry('d', "/d", 0, None)],
            vec![entry('d', "/d", 0, None), entry('f', "/d/x", 10, None)],
            vec![entry('w', "/.wh.d", 0, None)],
        ]);
        let m = dive_metrics(&img);
        // layer 0's empty /d (0 bytes) and layer 2's whiteout (/d and /d/x: 10 bytes) share /d.
        assert_eq!(m.wasted_bytes, 10);
        assert_eq!(m.efficiency, 0.5);
    }

    #[test]
    fn layer_without_a_dir_entry_makes_the_directory_implicit_like_dive() {
        // Layer 1 names /d only as the parent of /d/x: dive's stacked tree then holds /d with an
        // empty header (not a directory), so the whiteout in layer 2 counts 0 bytes.
        let img = image(vec![
            vec![entry('d', "/d", 0, None)],
            vec![entry('f', "/d/x", 10, None)],
            vec![entry('w', "/.wh.d", 0, None)],
        ]);
        let m = dive_metrics(&img);
        assert_eq!((m.wasted_bytes, m.efficiency), (0, 1.0));
    }

    #[test]
    fn whiteout_of_an_implicit_directory_counts_nothing() {
        let img = image(vec![
            vec![entry('f', "/d/x", 10, None)],
            vec![entry('w', "/.wh.d", 0, None)],
        ]);
        assert_eq!(dive_metrics(&img).efficiency, 1.0);
    }

    #[test]
    fn whiteout_of_a_missing_path_abandons_the_rest_of_the_layer_like_dive() {
        let img = image(vec![
            vec![entry('f', "/a", 10, None)],
            vec![
                entry('w', "/b/.wh.gone", 0, None),
                entry('f', "/c", 5, None),
                entry('f', "/a", 10, None),
            ],
        ]);
        let m = dive_metrics(&img);
        // /a of layer 1 is visited before the whiteout; /c after it is never counted; the missing
        // path adds -1 to the minimums.
        assert_eq!(m.wasted_bytes, 20);
        assert_eq!(m.efficiency, 9.0 / 20.0);
    }

    #[test]
    fn tar_order_does_not_change_the_metrics() {
        // Walk order, and the same entries shuffled so that parents are met again and again.
        let walk = vec![
            entry('d', "/d", 0, None),
            entry('f', "/d/a/x", 10, None),
            entry('f', "/d/b/y", 20, None),
            entry('f', "/d/a/z", 5, None),
        ];
        let mut shuffled = walk.clone();
        shuffled.reverse();
        let upper = vec![
            entry('f', "/d/a/x", 7, None),
            entry('w', "/d/.wh.b", 0, None),
        ];
        let a = dive_metrics(&image(vec![walk, upper.clone()]));
        let b = dive_metrics(&image(vec![shuffled, upper]));
        assert_eq!(a, b);
        assert_eq!(a.wasted_bytes, 17);
        // /d/b is implicit in layer 0 (no header of its own), so its whiteout counts 0 bytes.
        assert_eq!(a.efficiency, 32.0 / 42.0);
    }

    #[test]
    fn whiteout_of_a_missing_path_counts_once_even_if_the_path_comes_later() {
        let img = image(vec![
            vec![entry('f', "/a", 10, None)],
            vec![entry('w', "/.wh.gone", 0, None)],
            vec![entry('f', "/gone", 4, None)],
        ]);
        let m = dive_metrics(&img);
        // /gone: recorded with no copy in layer 1, one copy of 4 bytes in layer 2.
        assert_eq!((m.wasted_bytes, m.efficiency), (0, 1.0));
    }

    #[test]
    fn first_difference_finds_the_first_differing_byte_at_any_offset() {
        let base = b"/usr/lib/python3/site-packages/x".to_vec();
        for i in 0..base.len() {
            let mut other = base.clone();
            other[i] ^= 1;
            assert_eq!(first_difference(&base, &other), Some(i));
            assert_eq!(first_difference(&base[..i], &base), None);
        }
        assert_eq!(first_difference(&base, &base), None);
    }

    #[test]
    fn a_nul_in_a_name_sorts_above_the_separator() {
        assert!(by_components(b"/a/x", b"/a\0").is_lt());
        assert!(by_components(b"/a\0", b"/a/x").is_gt());
        let img = image(vec![vec![
            entry('f', "/a\0b", 1, None),
            entry('f', "/a/b", 2, None),
            entry('f', "/a\0", 3, None),
            entry('f', "/a", 4, None),
        ]]);
        assert_eq!(dive_metrics(&img).wasted_bytes, 0);
    }

    #[test]
    fn deep_directories_in_turn_add_each_parent_once() {
        let deep = |top: &str| format!("/{top}{}", "/d".repeat(40));
        let (a, b) = (deep("a"), deep("b"));
        let img = image(vec![(0..100)
            .map(|i| {
                let dir = if i % 2 == 0 { &a } else { &b };
                entry('f', &format!("{dir}/f{i}"), 1, None)
            })
            .collect()]);
        let contents = &img.layers[0].contents;
        // 100 files and the 82 directories above them, each once.
        assert_eq!(layer_nodes(contents).len(), 182);
        assert_eq!(layer_tree(contents).len(), 182);
    }

    #[test]
    fn components_order_puts_a_directory_before_its_longer_siblings() {
        assert!(by_components(b"/a/x", b"/a-b").is_lt());
        assert!(by_components(b"/a", b"/a/x").is_lt());
    }

    #[test]
    fn no_user_layers_gives_no_user_percent() {
        let img = image(vec![vec![entry('f', "/a", 10, None)]]);
        assert_eq!(dive_metrics(&img).user_wasted_percent, None);
    }

    #[test]
    fn waste_without_user_bytes_is_infinite_like_dive() {
        // Layer 1 only deletes /a: it adds no bytes, but both copies of /a count as waste.
        let img = image(vec![
            vec![entry('f', "/a", 10, None)],
            vec![entry('w', "/.wh.a", 0, None)],
        ]);
        let m = dive_metrics(&img);
        assert_eq!(m.wasted_bytes, 10);
        assert_eq!(m.user_wasted_percent, Some(f64::INFINITY));
    }

    #[test]
    fn user_percent_divides_as_dive_does() {
        assert_eq!(user_wasted_percent(0, 0), None);
        assert_eq!(user_wasted_percent(5, 0), Some(f64::INFINITY));
        assert_eq!(user_wasted_percent(0, 5), Some(0.0));
        assert_eq!(user_wasted_percent(15, 10), Some(1.5));
    }
}
