//! The union filesystem of an image: which entry of which layer is visible at the end, which were
//! overwritten or deleted and by which layer, and the image totals that follow (DESIGN.md §4).

pub mod dive;
pub mod top;

use std::collections::{BTreeMap, HashSet};
use std::ops::Bound;

use crate::image::{is_below, EntryKind, Image};

/// Where a layer entry ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Present in the final filesystem.
    Visible,
    /// Replaced by an entry of the same path in layer `by` (the same layer, for duplicates).
    Overwritten {
        /// The layer that replaced it.
        by: usize,
    },
    /// Removed by a whiteout or opaque marker in layer `by`.
    Deleted {
        /// The layer that removed it.
        by: usize,
    },
    /// A whiteout or opaque marker: an instruction, not a file.
    Marker,
}

/// A file of the final filesystem, one per inode: hard links to it are not repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisibleFile {
    /// Layer of the entry that names it (the first path in sorted order).
    pub layer: usize,
    /// Index of that entry in its layer.
    pub entry: usize,
    /// Layer that holds the bytes (differs from `layer` when a hard link names a lower file).
    pub data_layer: usize,
    /// Bytes.
    pub size: u64,
}

/// The result of stacking an image's layers.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Status of every entry, indexed `[layer][entry]`.
    pub statuses: Vec<Vec<Status>>,
    /// Sum of the layer sizes (bytes of regular files in every layer).
    pub image_size: u64,
    /// Bytes of the distinct files visible at the end.
    pub final_size: u64,
    /// Paths visible at the end that are files (regular files and hard links to them).
    pub final_files: u64,
    /// Distinct visible files, sorted by path.
    pub visible_files: Vec<VisibleFile>,
}

impl Analysis {
    /// Bytes shipped in some layer but overwritten or deleted by a later one.
    pub fn wasted_bytes(&self) -> u64 {
        self.image_size - self.final_size
    }
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    layer: usize,
    entry: usize,
    /// The (layer, entry) of the regular file whose bytes this path names.
    inode: Option<(usize, usize)>,
}

/// Stacks the layers of `image` with OCI whiteout semantics.
pub fn analyze(image: &Image) -> Analysis {
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

    for (li, layer) in image.layers.iter().enumerate() {
        let entries = &layer.contents.entries;
        // A layer's whiteouts act on the layers below it only, so apply them before its entries.
        for e in entries {
            let Some(target) = e.whiteout_target() else {
                continue;
            };
            let with_target = e.kind == EntryKind::Whiteout;
            let doomed: Vec<&[u8]> = fs
                .range::<[u8], _>((Bound::Included(&target[..]), Bound::Unbounded))
                .map(|(k, _)| *k)
                .take_while(|k| k.starts_with(&target))
                .filter(|k| (with_target && *k == &target[..]) || is_below(k, &target))
                .collect();
            for k in doomed {
                if let Some(slot) = fs.remove(k) {
                    statuses[slot.layer][slot.entry] = Status::Deleted { by: li };
                }
            }
        }
        for (ei, e) in entries.iter().enumerate() {
            let inode = match e.kind {
                EntryKind::Whiteout | EntryKind::Opaque => continue,
                EntryKind::File => Some((li, ei)),
                EntryKind::Hardlink => e
                    .link_target
                    .as_deref()
                    .and_then(|t| fs.get(t))
                    .and_then(|s| s.inode),
                _ => None,
            };
            let slot = Slot {
                layer: li,
                entry: ei,
                inode,
            };
            if let Some(old) = fs.insert(&e.path, slot) {
                statuses[old.layer][old.entry] = Status::Overwritten { by: li };
            }
        }
    }

    let mut final_files = 0;
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut visible_files = Vec::new();
    for slot in fs.values() {
        let Some(inode) = slot.inode else { continue };
        final_files += 1;
        if seen.insert(inode) {
            visible_files.push(VisibleFile {
                layer: slot.layer,
                entry: slot.entry,
                data_layer: inode.0,
                size: image.layers[inode.0].contents.entries[inode.1].size,
            });
        }
    }
    Analysis {
        statuses,
        image_size: image.layers.iter().map(|l| l.size()).sum(),
        final_size: visible_files.iter().map(|f| f.size).sum(),
        final_files,
        visible_files,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::image::{Entry, Layer, LayerContents};

    /// Builds an entry for tests: `f` file, `d` dir, `h` hard link, `w` whiteout, `o` opaque.
    pub fn entry(kind: char, path: &str, size: u64, link: Option<&str>) -> Entry {
        let kind = match kind {
            'f' => EntryKind::File,
            'd' => EntryKind::Dir,
            'h' => EntryKind::Hardlink,
            's' => EntryKind::Symlink,
            'w' => EntryKind::Whiteout,
            'o' => EntryKind::Opaque,
            _ => EntryKind::Other,
        };
        Entry {
            path: path.as_bytes().into(),
            kind,
            size,
            mode: 0o644,
            uid: 0,
            gid: 0,
            link_target: link.map(|l| l.as_bytes().into()),
        }
    }

    pub fn image(layers: Vec<Vec<Entry>>) -> Image {
        Image {
            name: "test".into(),
            tags: vec![],
            platform: None,
            layers: layers
                .into_iter()
                .enumerate()
                .map(|(index, entries)| Layer {
                    index,
                    digest: format!("layer{index}"),
                    created_by: None,
                    contents: Arc::new(LayerContents {
                        entries,
                        ..Default::default()
                    }),
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
        assert_eq!((a.final_size, a.final_files), (5, 1));
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
        assert_eq!((a.final_size, a.final_files), (21, 2));
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
            (a.final_size, a.final_files, a.wasted_bytes()),
            (2048, 1, 0)
        );
        let both = image(vec![vec![
            entry('f', "/bin/foo", 2048, None),
            entry('h', "/bin/foo-compat", 0, Some("/bin/foo")),
        ]]);
        let a = analyze(&both);
        assert_eq!((a.final_size, a.final_files), (2048, 2));
        assert_eq!(a.visible_files.len(), 1);
    }
}
