//! The union filesystem of an image: which entry of which layer is visible at the end, which were
//! overwritten or deleted and by which layer, and the image totals that follow (the README's
//! "What the numbers mean").

pub(crate) mod dive;
pub(crate) mod inventory;
pub(crate) mod paths;
pub(crate) mod summary;
pub(crate) mod top;
pub(crate) mod treemap;
pub(crate) mod waste;

use std::collections::BTreeMap;

use std::ops::Bound;

use crate::image::{EntryKind, Image};

/// Where a layer entry ended up. Layer indexes are `u32`, as everywhere in the analysis: one
/// status per entry of the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Present in the final filesystem.
    Visible,
    /// Replaced by an entry of the same path in layer `by` (the same layer, for duplicates).
    Overwritten {
        /// The layer that replaced it.
        by: u32,
    },
    /// Removed by a whiteout or opaque marker in layer `by`.
    Deleted {
        /// The layer that removed it.
        by: u32,
    },
    /// A whiteout or opaque marker: an instruction, not a file.
    Marker,
}

/// A file path of the final filesystem: a regular file, or a hard link to one. Indexes are `u32`
/// (one of these per file of the image).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisibleFile {
    /// Layer of the entry that names this path.
    pub layer: u32,
    /// Index of that entry in its layer.
    pub entry: u32,
    /// The (layer, entry) of the regular file whose bytes the path names: paths with the same
    /// inode are hard links to one file.
    pub inode: (u32, u32),
    /// Bytes of that file.
    pub size: u64,
}

/// The result of stacking an image's layers.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Status of every entry, indexed `[layer][entry]`.
    pub statuses: Vec<Vec<Status>>,
    /// Sum of the layer sizes (bytes of regular files in every layer).
    pub image_size: u64,
    /// Bytes of the distinct files visible at the end (hard links count once).
    pub final_size: u64,
    /// Every visible file path, sorted by path.
    pub visible_files: Vec<VisibleFile>,
}

impl VisibleFile {
    /// The path.
    pub fn path<'i>(&self, image: &'i Image) -> &'i [u8] {
        let contents = &image.layers[self.layer as usize].contents;
        contents.path(&contents.entries[self.entry as usize])
    }
}

impl Analysis {
    /// Bytes shipped in some layer but overwritten or deleted by a later one.
    pub fn wasted_bytes(&self) -> u64 {
        self.image_size.saturating_sub(self.final_size)
    }

    /// Paths visible at the end that are files (regular files and hard links to them).
    pub fn final_files(&self) -> u64 {
        self.visible_files.len() as u64
    }
}

#[derive(Debug, Clone, Copy)]
/// Indexes are `u32` (a layer with four billion entries would not fit in memory anyway): a slot
/// per path of the image, so its size is the analysis's memory.
struct Slot {
    layer: u32,
    entry: u32,
    /// The (layer, entry) of the regular file whose bytes this path names.
    inode: Option<(u32, u32)>,
}

/// The entries of `map` strictly below the directory `dir` (`/a/b` is below `/a`, `/ab` is not):
/// one range of the sorted keys, since every such key lies between `dir/` and `dir0` (`0` is the
/// byte after `/`).
pub(crate) fn below<'m, 'k, V>(
    map: &'m BTreeMap<&'k [u8], V>,
    dir: &[u8],
) -> std::collections::btree_map::Range<'m, &'k [u8], V> {
    Bounds::default().below(map, dir)
}

/// The two keys that bound a directory's range, kept between calls: the analysis asks for the
/// range below every file it adds, and allocating them each time showed in profiles.
#[derive(Debug, Default)]
pub(crate) struct Bounds {
    low: Vec<u8>,
    high: Vec<u8>,
}

impl Bounds {
    /// Like [`below`], reusing the bounds' buffers.
    pub(crate) fn below<'m, 'k, V>(
        &mut self,
        map: &'m BTreeMap<&'k [u8], V>,
        dir: &[u8],
    ) -> std::collections::btree_map::Range<'m, &'k [u8], V> {
        if dir == b"/" {
            return map.range::<[u8], _>((Bound::Excluded(&b"/"[..]), Bound::Unbounded));
        }
        for (buf, last) in [(&mut self.low, b'/'), (&mut self.high, b'0')] {
            buf.clear();
            buf.extend_from_slice(dir);
            buf.push(last);
        }
        map.range::<[u8], _>((
            Bound::Included(&self.low[..]),
            Bound::Excluded(&self.high[..]),
        ))
    }
}

/// Removes `keys` from the filesystem, marking their entries deleted by layer `by`.
fn remove(fs: &mut BTreeMap<&[u8], Slot>, statuses: &mut [Vec<Status>], keys: Vec<&[u8]>, by: u32) {
    for k in keys {
        if let Some(slot) = fs.remove(k) {
            statuses[slot.layer as usize][slot.entry as usize] = Status::Deleted { by };
        }
    }
}

/// Stacks the layers and computes dive's metrics side by side: the two are independent.
pub(crate) fn analyze_with_dive(image: &Image) -> (Analysis, dive::DiveMetrics) {
    rayon::join(|| analyze(image), || dive::dive_metrics(image))
}

/// Stacks the layers of `image` with OCI whiteout semantics.
pub(crate) fn analyze(image: &Image) -> Analysis {
    let mut statuses: Vec<Vec<Status>> = image
        .layers
        .iter()
        .map(|l| {
            l.contents
                .entries
                .iter()
                .map(|e| match e.kind {
                    EntryKind::Whiteout | EntryKind::Opaque => Status::Marker,
                    _ => Status::Visible,
                })
                .collect()
        })
        .collect();
    let mut fs: BTreeMap<&[u8], Slot> = BTreeMap::new();
    let mut bounds = Bounds::default();

    for (li, layer) in image.layers.iter().enumerate() {
        let contents = &*layer.contents;
        let entries = &contents.entries;
        // A layer's whiteouts act on the layers below it only, so apply them before its entries.
        for e in entries {
            let Some(target) = contents.whiteout_target(e) else {
                continue;
            };
            let mut doomed: Vec<&[u8]> = below(&fs, &target).map(|(k, _)| *k).collect();
            if e.kind == EntryKind::Whiteout {
                if let Some((k, _)) = fs.get_key_value(&target[..]) {
                    doomed.push(k);
                }
            }
            remove(&mut fs, &mut statuses, doomed, li as u32);
        }
        for (ei, e) in entries.iter().enumerate() {
            let inode = match e.kind {
                EntryKind::Whiteout | EntryKind::Opaque => continue,
                EntryKind::File => Some((li as u32, ei as u32)),
                EntryKind::Hardlink => contents
                    .link_target(e)
                    .and_then(|t| fs.get(t))
                    .and_then(|s| s.inode),
                _ => None,
            };
            // A file or link that takes the place of a lower directory removes all of it, as
            // Docker and containerd do when they apply the layer (no whiteout is written then).
            // The first layer has nothing below it (and often most of the entries).
            let path = contents.path(e);
            if li > 0 && e.kind != EntryKind::Dir {
                let doomed: Vec<&[u8]> = bounds
                    .below(&fs, path)
                    .filter(|(_, s)| (s.layer as usize) < li)
                    .map(|(k, _)| *k)
                    .collect();
                remove(&mut fs, &mut statuses, doomed, li as u32);
            }
            let slot = Slot {
                layer: li as u32,
                entry: ei as u32,
                inode,
            };
            if let Some(old) = fs.insert(path, slot) {
                statuses[old.layer as usize][old.entry as usize] =
                    Status::Overwritten { by: li as u32 };
            }
        }
    }

    let visible_files: Vec<VisibleFile> = fs
        .values()
        .filter_map(|slot| {
            let inode = slot.inode?;
            Some(VisibleFile {
                layer: slot.layer,
                entry: slot.entry,
                inode,
                size: image.layers[inode.0 as usize].contents.entries[inode.1 as usize].size,
            })
        })
        .collect();
    drop(fs);
    // Hard links name one file under several paths: its bytes count once.
    let mut inodes: Vec<((u32, u32), u64)> =
        visible_files.iter().map(|f| (f.inode, f.size)).collect();
    inodes.sort_unstable();
    inodes.dedup_by_key(|(inode, _)| *inode);
    let final_size = inodes
        .iter()
        .fold(0u64, |sum, (_, size)| sum.saturating_add(*size));
    Analysis {
        statuses,
        image_size: image
            .layers
            .iter()
            .fold(0u64, |sum, l| sum.saturating_add(l.size())),
        final_size,
        visible_files,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::image::{EntryMeta, Layer, LayerContents};

    /// An entry for tests, as [`entry`] builds it; [`image`] stores it in its layer.
    #[derive(Debug, Clone)]
    pub(crate) struct TestEntry {
        path: Vec<u8>,
        link: Option<&'static str>,
        meta: EntryMeta,
    }

    /// Builds an entry for tests: `f` file, `d` dir, `h` hard link, `w` whiteout, `o` opaque.
    pub(crate) fn entry(
        kind: char,
        path: &str,
        size: u64,
        link: Option<&'static str>,
    ) -> TestEntry {
        let kind = match kind {
            'f' => EntryKind::File,
            'd' => EntryKind::Dir,
            'h' => EntryKind::Hardlink,
            's' => EntryKind::Symlink,
            'w' => EntryKind::Whiteout,
            'o' => EntryKind::Opaque,
            _ => EntryKind::Other,
        };
        TestEntry {
            path: path.as_bytes().to_vec(),
            link,
            meta: EntryMeta {
                kind,
                size,
                mode: 0o644,
                uid: 0,
                gid: 0,
            },
        }
    }

    impl TestEntry {
        /// A regular file of `size` bytes whose name is these bytes (not always UTF-8).
        pub(crate) fn raw(path: &[u8], size: u64) -> TestEntry {
            let mut e = entry('f', "", size, None);
            e.path = path.to_vec();
            e
        }

        /// The entry with these permission bits.
        pub(crate) fn mode(mut self, mode: u32) -> TestEntry {
            self.meta.mode = mode;
            self
        }
    }

    pub(crate) fn image(layers: Vec<Vec<TestEntry>>) -> Image {
        Image {
            name: "test".into(),
            tags: vec![],
            platform: None,
            layers: layers
                .into_iter()
                .enumerate()
                .map(|(index, entries)| {
                    let mut contents = LayerContents::default();
                    for e in entries {
                        contents.push(&e.path, e.link.map(str::as_bytes), e.meta);
                    }
                    Layer {
                        index,
                        digest: format!("layer{index}"),
                        created_by: None,
                        contents: Arc::new(contents),
                        member: format!("layer{index}.tar"),
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn overwritten_file_is_waste_and_marked_by_the_layer() {
        let img = image(vec![
            vec![entry('f', "/a", 100, None)],
            vec![entry('f', "/a", 30, None)],
        ]);
        let a = analyze(&img);
        assert_eq!(
            (a.image_size, a.final_size, a.wasted_bytes()),
            (130, 30, 100)
        );
        assert_eq!(a.statuses[0][0], Status::Overwritten { by: 1 });
        assert_eq!(a.statuses[1][0], Status::Visible);
    }

    #[test]
    fn whiteout_of_directory_deletes_everything_below() {
        let img = image(vec![
            vec![
                entry('d', "/d", 0, None),
                entry('f', "/d/x", 10, None),
                entry('f', "/d/sub/y", 20, None),
                entry('f', "/d-other", 5, None),
            ],
            vec![entry('w', "/.wh.d", 0, None)],
        ]);
        let a = analyze(&img);
        assert_eq!((a.final_size, a.final_files()), (5, 1));
        assert_eq!(a.statuses[0][1], Status::Deleted { by: 1 });
        assert_eq!(a.statuses[0][3], Status::Visible);
        assert_eq!(a.statuses[1][0], Status::Marker);
    }

    #[test]
    fn opaque_hides_lower_children_but_not_its_own_layer() {
        let img = image(vec![
            vec![entry('f', "/c/old", 10, None), entry('f', "/c2", 1, None)],
            vec![
                entry('f', "/c/new", 20, None),
                entry('o', "/c/.wh..wh..opq", 0, None),
            ],
        ]);
        let a = analyze(&img);
        assert_eq!((a.final_size, a.final_files()), (21, 2));
        assert_eq!(a.statuses[0][0], Status::Deleted { by: 1 });
    }

    #[test]
    fn whiteout_in_same_layer_does_not_delete_that_layers_file() {
        let img = image(vec![
            vec![entry('f', "/x", 10, None)],
            vec![entry('f', "/x", 7, None), entry('w', "/.wh.x", 0, None)],
        ]);
        let a = analyze(&img);
        assert_eq!(a.final_size, 7);
        assert_eq!(a.statuses[0][0], Status::Deleted { by: 1 });
    }

    #[test]
    fn hard_link_counts_bytes_once_and_keeps_a_deleted_original_alive() {
        let img = image(vec![
            vec![
                entry('f', "/bin/foo", 2048, None),
                entry('h', "/bin/foo-compat", 0, Some("/bin/foo")),
            ],
            vec![entry('w', "/bin/.wh.foo", 0, None)],
        ]);
        let a = analyze(&img);
        assert_eq!(
            (a.final_size, a.final_files(), a.wasted_bytes()),
            (2048, 1, 0)
        );
        let both = image(vec![vec![
            entry('f', "/bin/foo", 2048, None),
            entry('h', "/bin/foo-compat", 0, Some("/bin/foo")),
        ]]);
        let a = analyze(&both);
        assert_eq!((a.final_size, a.final_files()), (2048, 2));
        assert_eq!(a.visible_files[0].inode, a.visible_files[1].inode);
    }

    #[test]
    fn symlink_replacing_a_directory_removes_what_was_below_it() {
        // overlay2 writes `rm -rf /app/data && ln -s /srv /app/data` as a bare symlink entry.
        let img = image(vec![
            vec![
                entry('d', "/app/data", 0, None),
                entry('f', "/app/data/big", 10_000, None),
            ],
            vec![entry('s', "/app/data", 0, Some("/srv"))],
        ]);
        let a = analyze(&img);
        assert_eq!((a.final_size, a.wasted_bytes()), (0, 10_000));
        assert_eq!(a.statuses[0][1], Status::Deleted { by: 1 });
        assert_eq!(a.statuses[0][0], Status::Overwritten { by: 1 });
    }

    #[test]
    fn whiteout_of_a_name_leaves_longer_names_alone() {
        let img = image(vec![
            vec![
                entry('f', "/d/f", 1, None),
                entry('f', "/d/f0", 2, None),
                entry('f', "/d/f/../g", 0, None),
            ],
            vec![entry('w', "/d/.wh.f", 0, None)],
        ]);
        let a = analyze(&img);
        assert_eq!(a.final_size, 2);
        assert_eq!(a.statuses[0][1], Status::Visible);
    }

    #[test]
    fn below_is_one_range_of_the_sorted_keys() {
        let mut m: BTreeMap<&[u8], ()> = BTreeMap::new();
        for k in [&b"/a"[..], b"/a-b", b"/a/x", b"/a/y/z", b"/a0", b"/b"] {
            m.insert(k, ());
        }
        let keys: Vec<&[u8]> = below(&m, b"/a").map(|(k, _)| *k).collect();
        assert_eq!(keys, vec![&b"/a/x"[..], b"/a/y/z"]);
        assert_eq!(below(&m, b"/").count(), 6);
    }
}
