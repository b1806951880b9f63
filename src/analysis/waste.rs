//! Where the wasted bytes come from: every byte shipped in a layer but hidden in the final
//! filesystem, grouped by cause (the layer that added it, the layer that removed it, and how) and
//! gathered under the deepest directory that holds a cluster of them, so that `rm -rf /tmp/wheels`
//! after `COPY wheels/ /tmp/wheels/` is one row of 906 MB, not ten thousand rows of files.
//!
//! The sources add up to the image's wasted bytes exactly: a hidden file whose bytes a visible
//! hard link still names is not waste.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{Analysis, Status};
use crate::image::{ancestors_or_self, split_parent, Entry, EntryKind, Image, LayerContents};

/// How the bytes were hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum How {
    /// Removed by a whiteout (`rm` in a later layer).
    Deleted,
    /// Replaced by an entry of the same path (a file written again, or a directory replaced by a
    /// file) in a later layer, or twice in one layer.
    Overwritten,
    /// Hidden by an opaque directory marker: the directory was emptied and filled again.
    Opaque,
}

/// One cause of wasted bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WasteSource {
    /// The deepest directory holding the bytes of this cluster, or the one file.
    pub path: Vec<u8>,
    /// Whether `path` is a file of the image (else a directory).
    pub is_file: bool,
    /// Bytes hidden.
    pub bytes: u64,
    /// Files hidden.
    pub files: u64,
    /// How they were hidden.
    pub how: How,
    /// The layer that added them.
    pub added_layer: usize,
    /// The layer that removed (or replaced) them.
    pub removed_layer: usize,
    /// Every file of it was written again at the same path and size with only its mode or owner
    /// changed (`RUN chmod`, `RUN chown`): the bytes were shipped twice for a metadata change.
    pub metadata_only: bool,
    /// Every file of it is an archive or package (`.whl`, `.tar.gz`, `.deb`, `.jar`, …): copied in
    /// to be installed, then deleted.
    pub archives: bool,
}

/// One hidden file, before clustering.
struct Hidden<'i> {
    path: &'i [u8],
    size: u64,
    /// The path a whiteout or opaque marker named (the file, or a directory above it); the file
    /// itself when it was overwritten.
    unit: &'i [u8],
    key: Key,
}

/// What one row of sources shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Key {
    added: usize,
    removed: usize,
    how: How,
    metadata_only: bool,
}

/// The markers of one layer: the paths its whiteouts delete and the directories it makes opaque.
#[derive(Default)]
struct Markers {
    whiteouts: HashSet<Vec<u8>>,
    opaque: HashSet<Vec<u8>>,
}

/// Extensions of files that are copied in to be installed: wheels, tarballs, packages, jars.
const ARCHIVE_SUFFIXES: [&str; 14] = [
    ".whl", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tar.zst", ".zip", ".deb",
    ".rpm", ".apk", ".jar", ".gem",
];

/// What one unit or directory of a cause holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally {
    /// Bytes.
    pub bytes: u64,
    /// Files.
    pub files: u64,
    /// Every file is an archive or package.
    pub archives: bool,
    /// The unit is the one file itself (not a directory).
    pub is_file: bool,
}

impl Tally {
    /// Adds what `other` holds; the sum is a directory.
    fn add(&mut self, other: Tally) {
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.files += other.files;
        self.archives &= other.archives;
        self.is_file = false;
    }
}

/// Every source of wasted bytes, largest first (ties by path).
// `check`'s waste findings; `explain` takes [`waste_sources_except`], leaving out what it counts apart.
pub(crate) fn waste_sources(image: &Image, analysis: &Analysis) -> Vec<WasteSource> {
    waste_sources_except(image, analysis, &HashSet::default())
}

/// The sources of the wasted bytes that `explained` (hidden files, by layer and entry) leaves:
/// a finer cause found elsewhere (`explain --content`'s files written again unchanged) takes
/// those, so that no byte is counted twice.
pub(crate) fn waste_sources_except(
    image: &Image,
    analysis: &Analysis,
    explained: &HashSet<(u32, u32)>,
) -> Vec<WasteSource> {
    let markers: Vec<Option<Markers>> = image.layers.iter().map(|l| markers(&l.contents)).collect();
    // Bytes a visible path still names are not waste, wherever their entry is hidden.
    let named: HashSet<(u32, u32)> = analysis.visible_files.iter().map(|f| f.inode).collect();
    let mut replacements: Replacements<'_> = HashMap::default();
    let mut hidden: Vec<Hidden<'_>> = Vec::new();
    for (li, (layer, statuses)) in image.layers.iter().zip(&analysis.statuses).enumerate() {
        let contents = &layer.contents;
        for (ei, (entry, status)) in contents.entries.iter().zip(statuses).enumerate() {
            if entry.kind != EntryKind::File || entry.size == 0 {
                continue;
            }
            let removed = match *status {
                Status::Overwritten { by } | Status::Deleted { by } => by as usize,
                Status::Visible | Status::Marker => continue,
            };
            if u32::try_from(li)
                .ok()
                .zip(u32::try_from(ei).ok())
                .is_some_and(|inode| named.contains(&inode) || explained.contains(&inode))
            {
                continue;
            }
            let path = contents.path(entry);
            let (how, unit) = match *status {
                Status::Deleted { .. } => {
                    cause(path, markers.get(removed).and_then(Option::as_ref))
                }
                _ => (How::Overwritten, path),
            };
            let metadata_only = how == How::Overwritten
                && replacement(image, &mut replacements, removed, path).is_some_and(|(_, r)| {
                    r.kind == EntryKind::File
                        && r.size == entry.size
                        && (r.mode, r.uid, r.gid) != (entry.mode, entry.uid, entry.gid)
                });
            hidden.push(Hidden {
                path,
                size: entry.size,
                unit,
                key: Key {
                    added: li,
                    removed,
                    how,
                    metadata_only,
                },
            });
        }
    }
    let mut sources = cluster(hidden);
    sources.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
    sources
}

/// The whiteouts and opaque markers of a layer; `None` for a layer without any (most layers).
fn markers(contents: &LayerContents) -> Option<Markers> {
    let mut found: Option<Markers> = None;
    for e in &contents.entries {
        let Some(target) = contents.whiteout_target(e) else {
            continue;
        };
        let m = found.get_or_insert_with(Markers::default);
        match e.kind {
            EntryKind::Opaque => m.opaque.insert(target),
            _ => m.whiteouts.insert(target),
        };
    }
    found
}

/// How a deleted file went, and the path that named it: a whiteout of it or of a directory
/// above it, else an opaque marker above it, else it was under a directory that a later file
/// replaced (no marker: the layer wrote a file where the directory was).
fn cause<'i>(path: &'i [u8], markers: Option<&Markers>) -> (How, &'i [u8]) {
    let Some(m) = markers else {
        return (How::Overwritten, path);
    };
    let ancestors = || ancestors_or_self(path);
    // The top-most whiteout: `rm -rf /tmp/wheels` names the directory.
    if let Some(named) = ancestors().filter(|p| m.whiteouts.contains(*p)).last() {
        return (How::Deleted, named);
    }
    if let Some(dir) = ancestors().skip(1).find(|p| m.opaque.contains(*p)) {
        return (How::Opaque, dir);
    }
    (How::Overwritten, path)
}

/// Per layer, its entries by path (index and entry): built for a layer when first asked.
pub(crate) type Replacements<'i> = HashMap<usize, HashMap<&'i [u8], (u32, &'i Entry)>>;

/// The entry of layer `layer` at `path` (its index and itself), looked up in a map of that
/// layer built once.
pub(crate) fn replacement<'i>(
    image: &'i Image,
    maps: &mut Replacements<'i>,
    layer: usize,
    path: &[u8],
) -> Option<(u32, &'i Entry)> {
    let map = maps.entry(layer).or_insert_with(|| {
        image.layers.get(layer).map_or_else(HashMap::default, |l| {
            let c = &l.contents;
            // The last entry of a path is the one that stays (a path twice in one layer).
            (0u32..)
                .zip(&c.entries)
                .map(|(i, e)| (c.path(e), (i, e)))
                .collect()
        })
    });
    map.get(path).copied()
}

/// Rows of sources from the hidden files: per cause, each unit (what a marker named, or the
/// file) is one row, and units of one cause that share a parent directory are gathered into it,
/// again and again, up to the top-level directories (never the root).
fn cluster(hidden: Vec<Hidden<'_>>) -> Vec<WasteSource> {
    let mut groups: BTreeMap<Key, BTreeMap<Vec<u8>, Tally>> = BTreeMap::new();
    for h in &hidden {
        let units = groups.entry(h.key).or_default();
        let row = units.entry(h.unit.to_vec()).or_insert(Tally {
            bytes: 0,
            files: 0,
            archives: true,
            is_file: h.unit == h.path,
        });
        row.bytes = row.bytes.saturating_add(h.size);
        row.files += 1;
        row.archives &= is_archive(h.path);
    }
    let mut out = Vec::new();
    for (key, units) in groups {
        for (path, t) in gather(units) {
            out.push(WasteSource {
                path,
                is_file: t.is_file,
                bytes: t.bytes,
                files: t.files,
                how: key.how,
                added_layer: key.added,
                removed_layer: key.removed,
                metadata_only: key.metadata_only,
                archives: t.archives,
            });
        }
    }
    out
}

/// Units of one cause gathered: a unit below another joins it, and two or more units in one
/// directory (not the root) become that directory, until nothing changes.
pub(crate) fn gather(mut units: BTreeMap<Vec<u8>, Tally>) -> BTreeMap<Vec<u8>, Tally> {
    loop {
        // Units below another unit join it. Sorted order puts `/a` before `/a/b`, but `/a-b`
        // between them: each unit looks for a kept unit among all its ancestors.
        let mut merged: BTreeMap<Vec<u8>, Tally> = BTreeMap::new();
        for (path, row) in std::mem::take(&mut units) {
            let holder = ancestors_or_self(&path)
                .skip(1)
                .find(|a| merged.contains_key(*a))
                .map(<[u8]>::to_vec);
            match holder.and_then(|h| merged.get_mut(&h)) {
                Some(into) => into.add(row),
                None => {
                    merged.insert(path, row);
                }
            }
        }
        // Siblings in one directory become the directory.
        let mut by_parent: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
        for path in merged.keys() {
            let (parent, _) = split_parent(path);
            if parent != b"/" && !parent.is_empty() && parent != path.as_slice() {
                by_parent
                    .entry(parent.to_vec())
                    .or_default()
                    .push(path.clone());
            }
        }
        let mut changed = false;
        for (parent, children) in by_parent {
            if children.len() < 2 {
                continue;
            }
            changed = true;
            let mut row = Tally {
                bytes: 0,
                files: 0,
                archives: true,
                is_file: false,
            };
            for child in children {
                if let Some(r) = merged.remove(&child) {
                    row.add(r);
                }
            }
            match merged.get_mut(&parent) {
                Some(into) => into.add(row),
                None => {
                    merged.insert(parent, row);
                }
            }
        }
        units = merged;
        if !changed {
            return units;
        }
    }
}

/// Whether the file's name ends like an archive or package.
fn is_archive(path: &[u8]) -> bool {
    let (_, name) = split_parent(path);
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    ARCHIVE_SUFFIXES.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::analysis::tests::{entry, image};

    /// Path, bytes, files, how, added, removed, metadata only, archives.
    type Row = (String, u64, u64, How, usize, usize, bool, bool);

    fn rows(img: &Image) -> Vec<Row> {
        let a = analyze(img);
        let sources = waste_sources(img, &a);
        let total: u64 = sources.iter().map(|s| s.bytes).sum();
        assert_eq!(total, a.wasted_bytes(), "the sources add up to the waste");
        sources
            .into_iter()
            .map(|s| {
                let path = String::from_utf8_lossy(&s.path).into_owned();
                let (how, added, removed) = (s.how, s.added_layer, s.removed_layer);
                (
                    path,
                    s.bytes,
                    s.files,
                    how,
                    added,
                    removed,
                    s.metadata_only,
                    s.archives,
                )
            })
            .collect()
    }

    #[test]
    fn a_copied_directory_deleted_later_is_one_row_of_archives() {
        let img = image(vec![
            vec![entry('f', "/bin/sh", 10, None)],
            vec![
                entry('d', "/tmp/wheels", 0, None),
                entry('f', "/tmp/wheels/a.whl", 600, None),
                entry('f', "/tmp/wheels/sub/b.whl", 300, None),
            ],
            vec![entry('f', "/usr/lib/site/a.py", 50, None)],
            vec![entry('w', "/tmp/.wh.wheels", 0, None)],
        ]);
        assert_eq!(
            rows(&img),
            vec![(
                "/tmp/wheels".into(),
                900,
                2,
                How::Deleted,
                1,
                3,
                false,
                true
            )]
        );
    }

    #[test]
    fn files_removed_one_by_one_gather_in_their_directory_and_other_causes_stay_apart() {
        let img = image(vec![
            vec![
                entry('f', "/var/cache/apt/a.bin", 100, None),
                entry('f', "/var/cache/apt/b.bin", 200, None),
                entry('f', "/etc/conf", 7, None),
            ],
            vec![
                entry('w', "/var/cache/apt/.wh.a.bin", 0, None),
                entry('w', "/var/cache/apt/.wh.b.bin", 0, None),
                entry('f', "/etc/conf", 9, None),
            ],
        ]);
        assert_eq!(
            rows(&img),
            vec![
                (
                    "/var/cache/apt".into(),
                    300,
                    2,
                    How::Deleted,
                    0,
                    1,
                    false,
                    false
                ),
                (
                    "/etc/conf".into(),
                    7,
                    1,
                    How::Overwritten,
                    0,
                    1,
                    false,
                    false
                ),
            ]
        );
    }

    #[test]
    fn an_opaque_reset_and_a_chmod_only_rewrite_say_so() {
        let chmod = entry('f', "/opt/app/run", 400, None).mode(0o755);
        let img = image(vec![
            vec![
                entry('f', "/opt/app/run", 400, None),
                entry('f', "/srv/conf/old.yml", 30, None),
            ],
            vec![chmod, entry('o', "/srv/conf/.wh..wh..opq", 0, None)],
        ]);
        assert_eq!(
            rows(&img),
            vec![
                (
                    "/opt/app/run".into(),
                    400,
                    1,
                    How::Overwritten,
                    0,
                    1,
                    true,
                    false
                ),
                ("/srv/conf".into(), 30, 1, How::Opaque, 0, 1, false, false),
            ]
        );
    }

    #[test]
    fn a_unit_below_another_joins_it_even_with_a_sibling_sorted_between() {
        // `/a/b` and `/a/x` gather into `/a`; `/a-b/q` sorts between `/a` and `/a/c/d/e`, which
        // must still join `/a`.
        let img = image(vec![
            vec![
                entry('f', "/a/b", 1000, None),
                entry('f', "/a/x", 500, None),
                entry('f', "/a-b/q", 10, None),
                entry('f', "/a/c/d/e", 2000, None),
            ],
            vec![
                entry('w', "/a/.wh.b", 0, None),
                entry('w', "/a/.wh.x", 0, None),
                entry('w', "/a-b/.wh.q", 0, None),
                entry('w', "/a/c/d/.wh.e", 0, None),
            ],
        ]);
        let paths: Vec<(String, u64)> = rows(&img).into_iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(
            paths,
            [("/a".to_string(), 3500), ("/a-b/q".to_string(), 10)]
        );
    }

    #[test]
    fn a_hidden_file_that_a_visible_hard_link_names_is_not_waste() {
        let img = image(vec![
            vec![entry('f', "/a", 100, None), entry('h', "/b", 0, Some("/a"))],
            vec![entry('w', "/.wh.a", 0, None)],
        ]);
        assert_eq!(rows(&img), vec![]);
    }
}
