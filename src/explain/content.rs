//! `explain --content`: savings only the files' bytes show.
//!
//! - **Copies**: files of the final filesystem whose bytes another one holds too. Files are
//!   grouped by size first; only groups of two or more are read and hashed (BLAKE3), so the cost
//!   is at most one read of those files: their first 64 KiB first, and the rest only of the files
//!   whose first bytes another one shares. The copy in the lowest layer (then the first by path) is
//!   kept; each other one is a saving of its size, gathered per (its layer, the kept copy's
//!   layer) under the deepest directory of a cluster, as the waste sources are.
//! - **Re-added**: a file overwritten by a later layer with the same bytes, size and metadata:
//!   the whole earlier copy is waste. Those files leave the waste sources (`overwritten`) for
//!   this finer cause.

use std::collections::BTreeMap;
use std::io::Read;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::{common_len, common_path, Saving, SavingKind};
use crate::analysis::top::distinct_files;
use crate::analysis::waste::{gather, replacement, Replacements, Tally};
use crate::analysis::{Analysis, Status, VisibleFile};
use crate::error::Result;
use crate::image::{ancestors_or_self, Entry, EntryKind, Image};
use crate::source::{DataSource, FileKey};

/// Smallest file whose copies are looked for: a link to a smaller one saves little more than
/// the tar header it costs (512 bytes), and small files that repeat (licence texts, `INSTALLER`
/// files of every Python package) would bury the savings worth making.
const MIN_COPY: u64 = 1024;

/// Bytes read first of every candidate: only files whose first bytes another candidate shares
/// are read whole.
const HEAD: u64 = 64 * 1024;

/// What the files' bytes showed.
#[derive(Debug, Default)]
pub(super) struct Found {
    /// Copies and files added again, as savings.
    pub savings: Vec<Saving>,
    /// The hidden files that were added again unchanged: no waste source counts them.
    pub rewritten: HashSet<FileKey>,
}

/// A copy of a file: its path and size, and the path of the copy kept.
struct Copy<'i> {
    path: &'i [u8],
    size: u64,
    kept: &'i [u8],
}

/// A hidden file whose replacement has the same size and metadata: maybe the same bytes.
struct Rewrite<'i> {
    path: &'i [u8],
    size: u64,
    old: FileKey,
    new: FileKey,
}

/// Reads the data of the candidates of `image` from `data` and finds copies and files added
/// again; `claimed` files (the preset's) are left to their saving.
pub(super) fn content_savings(
    image: &Image,
    analysis: &Analysis,
    data: &DataSource,
    claimed: &HashSet<FileKey>,
) -> Result<Found> {
    let copies = same_size(image, analysis, claimed);
    let rewrites = rewrites(image, analysis);
    let mut wanted: Vec<FileKey> = copies.iter().map(|f| f.inode).collect();
    wanted.extend(rewrites.iter().flat_map(|r| [r.old, r.new]));
    wanted.sort_unstable();
    wanted.dedup();
    // The first bytes of each first: a file whose first bytes no other candidate shares is not
    // read further (two model shards of one size differ in their headers).
    let firsts = hash_files(image, data, &wanted, HEAD)?;
    let size = |key: &FileKey| entry_of(image, *key).map_or(0, |e| e.size);
    let mut mates: HashMap<(u64, &blake3::Hash), usize> = HashMap::default();
    for f in &copies {
        if let Some(h) = firsts.get(&f.inode) {
            *mates.entry((f.size, h)).or_default() += 1;
        }
    }
    let same_head =
        |a: &FileKey, b: &FileKey| firsts.get(a).is_some_and(|h| firsts.get(b) == Some(h));
    let mut longer: Vec<FileKey> = copies
        .iter()
        .filter(|f| {
            f.size > HEAD
                && firsts
                    .get(&f.inode)
                    .is_some_and(|h| mates.get(&(f.size, h)) > Some(&1))
        })
        .map(|f| f.inode)
        .collect();
    longer.extend(
        rewrites
            .iter()
            .filter(|r| r.size > HEAD && same_head(&r.old, &r.new))
            .flat_map(|r| [r.old, r.new]),
    );
    longer.sort_unstable();
    longer.dedup();
    let wholes = hash_files(image, data, &longer, u64::MAX)?;
    // A file's hash is of all its bytes: its first bytes when they are all of it.
    let hashes: HashMap<FileKey, blake3::Hash> = firsts
        .into_iter()
        .filter(|(key, _)| size(key) <= HEAD)
        .chain(wholes)
        .collect();
    let mut savings = duplicates(image, copies, &hashes);
    let (added_again, rewritten) = added_again(&rewrites, &hashes);
    savings.extend(added_again);
    Ok(Found { savings, rewritten })
}

/// The BLAKE3 hash of the first `limit` bytes of each of `files`.
fn hash_files(
    image: &Image,
    data: &DataSource,
    files: &[FileKey],
    limit: u64,
) -> Result<HashMap<FileKey, blake3::Hash>> {
    let hashes = data.read_files(image, files, limit, &|reader: &mut dyn Read| {
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(reader)?;
        Ok(hasher.finalize())
    })?;
    Ok(hashes.into_iter().collect())
}

/// The files of the final filesystem (once per inode) that share their size with another, at
/// least [`MIN_COPY`] bytes, readable again, and not claimed.
fn same_size<'a>(
    image: &Image,
    analysis: &'a Analysis,
    claimed: &HashSet<FileKey>,
) -> Vec<&'a VisibleFile> {
    let mut files: Vec<&VisibleFile> = distinct_files(analysis)
        .into_iter()
        .filter(|f| f.size >= MIN_COPY && !claimed.contains(&f.inode) && readable(image, f.inode))
        .collect();
    files.sort_by_key(|f| f.size);
    let mut out = Vec::new();
    for group in files.chunk_by(|a, b| a.size == b.size) {
        if group.len() > 1 {
            out.extend_from_slice(group);
        }
    }
    out
}

/// Whether the data of a file can be read again.
fn readable(image: &Image, (layer, entry): FileKey) -> bool {
    entry_of(image, (layer, entry)).is_some_and(|e| e.data_offset().is_some())
}

/// The entry of a file.
fn entry_of(image: &Image, (layer, entry): FileKey) -> Option<&Entry> {
    image
        .layers
        .get(layer as usize)?
        .contents
        .entries
        .get(entry as usize)
}

/// The copies among `files` (grouped by size and hash) as savings: every copy but the kept one.
fn duplicates(
    image: &Image,
    mut files: Vec<&VisibleFile>,
    hashes: &HashMap<FileKey, blake3::Hash>,
) -> Vec<Saving> {
    files.retain(|f| hashes.contains_key(&f.inode));
    // The kept copy of each group comes first: the lowest layer, then the first path.
    let hash = |f: &VisibleFile| hashes.get(&f.inode).map(blake3::Hash::as_bytes);
    files.sort_by_key(|f| (f.size, hash(f), f.inode.0, f.path(image)));
    // (the copy's layer, the kept copy's layer) → the copies' paths, with their kept copy.
    let mut clusters: BTreeMap<(u32, u32), Vec<Copy<'_>>> = BTreeMap::new();
    for group in files.chunk_by(|a, b| (a.size, hash(a)) == (b.size, hash(b))) {
        let Some((kept, copies)) = group.split_first() else {
            continue;
        };
        for copy in copies {
            clusters
                .entry((copy.inode.0, kept.inode.0))
                .or_default()
                .push(Copy {
                    path: copy.path(image),
                    size: copy.size,
                    kept: kept.path(image),
                });
        }
    }
    let mut savings = Vec::new();
    for ((layer, kept_layer), copies) in clusters {
        let units = copies
            .iter()
            .map(|c| (c.path.to_vec(), file_tally(c.size)))
            .collect();
        let rows = gather(units);
        // The kept copies of each row: where its bytes are already.
        let mut kept: HashMap<&[u8], (&[u8], usize)> = HashMap::default();
        for c in &copies {
            let Some(row) = row_of(&rows, c.path) else {
                continue;
            };
            let k = kept.entry(row).or_insert((c.kept, c.kept.len()));
            k.1 = k.1.min(common_len(k.0, c.kept));
        }
        for (path, t) in &rows {
            let place = kept
                .get(path.as_slice())
                .map_or(&b"/"[..], |&(p, len)| common_path(p, len));
            savings.push(Saving {
                added_layer: Some(layer as usize),
                hint: Some(copy_hint(t.is_file, place, kept_layer)),
                ..Saving::new(SavingKind::Duplicate, path, t.bytes, t.files)
            });
        }
    }
    savings
}

/// The row of `rows` that holds `path`: the path itself, or a directory above it.
fn row_of<'r>(rows: &'r BTreeMap<Vec<u8>, Tally>, path: &[u8]) -> Option<&'r [u8]> {
    ancestors_or_self(path).find_map(|p| rows.get_key_value(p).map(|(k, _)| k.as_slice()))
}

/// One file as a unit of a cluster.
fn file_tally(size: u64) -> Tally {
    Tally {
        bytes: size,
        files: 1,
        archives: false,
        is_file: true,
    }
}

/// The change that saves a copy: one file, or files gathered in a directory.
fn copy_hint(one_file: bool, kept: &[u8], kept_layer: u32) -> String {
    let kept = String::from_utf8_lossy(kept);
    if one_file {
        format!(
            "the same bytes as {kept} (layer {kept_layer}): hard-link or symlink one to the other, or copy the file once in the build"
        )
    } else {
        format!(
            "each file has the same bytes as one under {kept} (layer {kept_layer}): hard-link or symlink them, or copy the files once in the build (dedupe in the step that makes them)"
        )
    }
}

/// Every hidden file overwritten by a file of the same size and metadata: the candidates for
/// files added again unchanged. Files whose bytes a visible hard link still names are not waste
/// and are left out, as the waste sources leave them out.
fn rewrites<'i>(image: &'i Image, analysis: &Analysis) -> Vec<Rewrite<'i>> {
    let named: HashSet<FileKey> = analysis.visible_files.iter().map(|f| f.inode).collect();
    let mut maps: Replacements<'i> = HashMap::default();
    let mut out = Vec::new();
    for (li, (layer, statuses)) in image.layers.iter().zip(&analysis.statuses).enumerate() {
        let contents = &layer.contents;
        for (ei, (e, status)) in contents.entries.iter().zip(statuses).enumerate() {
            let Status::Overwritten { by } = *status else {
                continue;
            };
            let old = (li as u32, ei as u32);
            if e.kind != EntryKind::File || e.size == 0 || named.contains(&old) {
                continue;
            }
            let path = contents.path(e);
            let Some((new, r)) = replacement(image, &mut maps, by as usize, path) else {
                continue;
            };
            if r.kind == EntryKind::File
                && (r.size, r.mode, r.uid, r.gid) == (e.size, e.mode, e.uid, e.gid)
            {
                out.push(Rewrite {
                    path,
                    size: e.size,
                    old,
                    new: (by, new),
                });
            }
        }
    }
    out
}

/// The rewrites whose bytes did not change, gathered per (added, removed) layer as savings, and
/// the hidden files they explain.
fn added_again(
    rewrites: &[Rewrite<'_>],
    hashes: &HashMap<FileKey, blake3::Hash>,
) -> (Vec<Saving>, HashSet<FileKey>) {
    let mut clusters: BTreeMap<(u32, u32), BTreeMap<Vec<u8>, Tally>> = BTreeMap::new();
    let mut rewritten = HashSet::default();
    for r in rewrites {
        let (Some(old), Some(new)) = (hashes.get(&r.old), hashes.get(&r.new)) else {
            continue;
        };
        if old != new {
            continue;
        }
        rewritten.insert(r.old);
        let units = clusters.entry((r.old.0, r.new.0)).or_default();
        let t = units.entry(r.path.to_vec()).or_insert(Tally {
            bytes: 0,
            files: 0,
            archives: false,
            is_file: true,
        });
        t.bytes = t.bytes.saturating_add(r.size);
        t.files += 1;
    }
    let mut savings = Vec::new();
    for ((added, removed), units) in clusters {
        for (path, t) in gather(units) {
            let (what, them) = if t.is_file {
                ("this file", "it")
            } else {
                ("these files", "them")
            };
            savings.push(Saving {
                added_layer: Some(added as usize),
                removed_layer: Some(removed as usize),
                hint: Some(format!(
                    "layer {removed} writes {what} again with the very same bytes: add {them} in one step only (the copy in layer {added} ships for nothing)"
                )),
                ..Saving::new(SavingKind::ReAdded, &path, t.bytes, t.files)
            });
        }
    }
    (savings, rewritten)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::analysis::analyze;
    use crate::image::{EntryMeta, Layer, LayerContents};

    /// One layer of files whose data can be read again (at made-up offsets).
    fn image(files: &[(&str, u64)]) -> Image {
        let mut contents = LayerContents::default();
        for (i, (path, size)) in files.iter().enumerate() {
            let meta = EntryMeta {
                kind: EntryKind::File,
                size: *size,
                mode: 0o644,
                uid: 0,
                gid: 0,
            };
            contents.push(path.as_bytes(), None, meta);
            contents.set_data_offset(512 * (i as u64 + 1));
        }
        Image {
            name: "test".into(),
            tags: vec![],
            platform: None,
            layers: vec![Layer {
                index: 0,
                digest: "layer0".into(),
                created_by: None,
                contents: Arc::new(contents),
                member: "layer0.tar".into(),
            }],
        }
    }

    #[test]
    fn only_files_that_share_their_size_with_another_are_read() {
        let img = image(&[
            ("/a", 2000),
            ("/b", 2000),
            ("/c", 3000),
            ("/d", 500),
            ("/e", 500),
            ("/f", 2000),
            ("/g", 7000),
            ("/h", 7000),
        ]);
        let analysis = analyze(&img);
        // `/f` is claimed by a preset; `/d` and `/e` are too small to count; `/c` is alone.
        let claimed: HashSet<FileKey> = [(0, 5)].into_iter().collect();
        let read: Vec<&[u8]> = same_size(&img, &analysis, &claimed)
            .iter()
            .map(|f| f.path(&img))
            .collect();
        assert_eq!(read, [&b"/a"[..], b"/b", b"/g", b"/h"]);
    }
}
