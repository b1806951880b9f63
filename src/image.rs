//! The image model every reader produces: an image is a stack of layers, a layer a list of tar
//! entries. Paths are kept as raw bytes (tar names need not be UTF-8) and normalized to absolute.

use std::sync::Arc;

/// One container image: its names, platform and layers, oldest first.
#[derive(Debug, Clone)]
pub struct Image {
    /// A display name: the first tag, or the short config digest when the image has no tag.
    pub(crate) name: String,
    /// Every tag the archive gives the image (`RepoTags`, OCI `ref.name` annotations).
    pub(crate) tags: Vec<String>,
    /// `os/arch[/variant]` from the index or the image config, when known.
    pub(crate) platform: Option<String>,
    /// The layers, bottom (base) first.
    pub(crate) layers: Vec<Layer>,
}

/// One layer of an image, joined with the history entry that created it.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    /// Position in the image, 0 = the bottom layer.
    pub index: usize,
    /// The layer's digest: the uncompressed `diff_id` from the config when present (the same in every
    /// format), else the digest of the stored blob.
    pub digest: String,
    /// The build instruction from the config history; `None` when the history does not say.
    pub created_by: Option<String>,
    /// What the layer tar holds; shared between images of one archive that use the same blob.
    pub contents: Arc<LayerContents>,
    /// The member of the source that holds the layer's blob (`blobs/sha256/…`, `…/layer.tar`):
    /// where the data of its files is read again ([`crate::source::DataSource`]).
    pub member: String,
}

impl Image {
    /// Whether the files of every layer were read; `false` for a registry image checked from its
    /// manifest alone, whose sizes and files are then unknown.
    pub(crate) fn files_read(&self) -> bool {
        self.layers.iter().all(|l| !l.contents.unread)
    }
}

impl Layer {
    /// Bytes of the regular files in this layer (what `docker history` shows).
    pub(crate) fn size(&self) -> u64 {
        self.contents.size()
    }

    /// Regular files plus hard links in this layer.
    pub(crate) fn files(&self) -> u64 {
        self.contents.files()
    }
}

/// The result of scanning one layer blob.
#[derive(Debug, Clone, Default)]
pub(crate) struct LayerContents {
    /// Every entry of the layer tar, in tar order (directories, whiteouts and links included).
    pub entries: Vec<Entry>,
    /// The entries' paths and link targets, back to back: one allocation per layer rather than
    /// one or two per entry (an image has hundreds of thousands of entries).
    names: Vec<u8>,
    /// How the blob is stored.
    pub compression: Compression,
    /// Bytes of the blob as stored in the archive or layout.
    pub stored_size: u64,
    /// The blob was not read: a registry layer that a check whose rules need only the manifest
    /// did not download. `entries` is then empty and only `compression` and `stored_size` (from
    /// the manifest) are known.
    pub unread: bool,
}

impl LayerContents {
    /// A layer known only from its descriptor: how it is stored and its size.
    pub(crate) fn unread(compression: Compression, stored_size: u64) -> LayerContents {
        LayerContents {
            compression,
            stored_size,
            unread: true,
            ..LayerContents::default()
        }
    }

    /// Adds an entry: `path` is its absolute, normalized path; `link_target` what a link names.
    pub(crate) fn push(&mut self, path: &[u8], link_target: Option<&[u8]>, meta: EntryMeta) {
        let name = self.names.len() as u64;
        self.names.extend_from_slice(path);
        // A path or link of 4 GiB cannot come out of a tar header or PAX record read in memory.
        let path_len = u32::try_from(self.names.len() as u64 - name).unwrap_or(u32::MAX);
        let link_len = match link_target {
            Some(link) => {
                self.names.extend_from_slice(link);
                u32::try_from(link.len()).unwrap_or(NO_LINK - 1)
            }
            None => NO_LINK,
        };
        self.entries.push(Entry {
            name,
            path_len,
            link_len,
            data: NO_DATA,
            kind: meta.kind,
            size: meta.size,
            mode: meta.mode,
            uid: meta.uid,
            gid: meta.gid,
        });
    }

    /// Records where the data of the entry pushed last starts in the (uncompressed) layer tar: a
    /// regular file whose bytes are stored as they read (not a sparse file).
    pub(crate) fn set_data_offset(&mut self, offset: u64) {
        if let Some(last) = self.entries.last_mut() {
            last.data = offset;
        }
    }

    /// The path of `entry`, an entry of this layer.
    pub(crate) fn path(&self, entry: &Entry) -> &[u8] {
        let start = entry.name as usize;
        self.names
            .get(start..start + entry.path_len as usize)
            .unwrap_or_default()
    }

    /// What `entry` links to: for symlinks the target as stored, for hard links the normalized
    /// absolute path of the file; `None` for other entries.
    pub(crate) fn link_target(&self, entry: &Entry) -> Option<&[u8]> {
        if entry.link_len == NO_LINK {
            return None;
        }
        let start = entry.name as usize + entry.path_len as usize;
        self.names.get(start..start + entry.link_len as usize)
    }

    /// For a whiteout, the absolute path it deletes (`/a/.wh.b` -> `/a/b`); for an opaque marker,
    /// the directory whose lower children it hides.
    pub(crate) fn whiteout_target(&self, entry: &Entry) -> Option<Vec<u8>> {
        let (dir, name) = split_parent(self.path(entry));
        match entry.kind {
            EntryKind::Whiteout => Some(join(dir, name.get(WHITEOUT_PREFIX.len()..)?)),
            EntryKind::Opaque => Some(dir.to_vec()),
            _ => None,
        }
    }

    /// Bytes of the regular files.
    pub(crate) fn size(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .fold(0u64, |sum, e| sum.saturating_add(e.size))
    }

    /// Regular files plus hard links.
    pub(crate) fn files(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::File | EntryKind::Hardlink))
            .count() as u64
    }
}

/// `link_len` of an entry without a link target.
const NO_LINK: u32 = u32::MAX;
/// `data` of an entry whose bytes cannot be read back as they are (not a regular file, a sparse
/// file, an entry built in memory).
const NO_DATA: u64 = u64::MAX;

/// How a layer blob is stored, as sniffed from its first bytes (never from a media type).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Compression {
    /// A plain tar.
    #[default]
    None,
    /// gzip, possibly several members (eStargz).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// One entry of a layer tar. Its path and link target are kept by its layer
/// ([`LayerContents::path`], [`LayerContents::link_target`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Where the path, then the link target, start in the layer's names.
    name: u64,
    path_len: u32,
    /// [`NO_LINK`] when the entry links to nothing.
    link_len: u32,
    /// Where its data starts in the uncompressed layer tar; [`NO_DATA`] when it cannot be read.
    data: u64,
    /// What the entry is.
    pub kind: EntryKind,
    /// Data bytes for regular files; 0 for everything else.
    pub size: u64,
    /// Permission bits (`0o7777` part of the header mode).
    pub mode: u32,
    /// Owner user id.
    pub uid: u64,
    /// Owner group id.
    pub gid: u64,
}

impl Entry {
    /// Where the file's data starts in the uncompressed layer tar, when it can be read back as
    /// the file's bytes (`size` of them).
    pub(crate) fn data_offset(&self) -> Option<u64> {
        (self.data != NO_DATA).then_some(self.data)
    }
}

/// What a reader knows of an entry besides its names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EntryMeta {
    /// What the entry is.
    pub kind: EntryKind,
    /// Data bytes for regular files; 0 for everything else.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
    /// Owner user id.
    pub uid: u64,
    /// Owner group id.
    pub gid: u64,
}

/// The kinds of layer entries the reports distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum EntryKind {
    /// A regular file (including GNU sparse and contiguous files).
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier entry: it shares that entry's bytes.
    Hardlink,
    /// `.wh.NAME`: deletes `NAME` (and all below it) from the lower layers.
    Whiteout,
    /// `.wh..wh..opq`: hides every lower-layer child of its directory.
    Opaque,
    /// Devices, FIFOs and anything else.
    Other,
}

impl EntryKind {
    /// The name used in CSV and JSON output.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EntryKind::File => "file",
            EntryKind::Dir => "dir",
            EntryKind::Symlink => "symlink",
            EntryKind::Hardlink => "hardlink",
            EntryKind::Whiteout => "whiteout",
            EntryKind::Opaque => "opaque",
            EntryKind::Other => "other",
        }
    }
}

/// Prefix of whiteout file names (OCI image-spec, layer.md).
pub(crate) const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// Name of the opaque-directory marker.
pub(crate) const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

/// Normalizes a tar name to an absolute path: `./a`, `a/`, `/a//b/.` become `/a`, `/a/b`; `..` is
/// resolved lexically and never climbs above `/`.
pub(crate) fn normalize_path(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + 1);
    normalize_path_into(raw, &mut out);
    out
}

/// [`normalize_path`], appending to `out`.
pub(crate) fn normalize_path_into(raw: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                let parent = out[start..]
                    .iter()
                    .rposition(|&b| b == b'/')
                    .map_or(start, |i| start + i);
                out.truncate(parent);
            }
            p => {
                out.push(b'/');
                out.extend_from_slice(p);
            }
        }
    }
    if out.len() == start {
        out.push(b'/');
    }
}

/// Splits an absolute path into its parent directory and its last component (`/a/b` -> `/a`, `b`;
/// Whether `path` is strictly below the directory `dir` (`/a/b` is below `/a`, `/ab` is not).
pub(crate) fn is_below(dir: &[u8], path: &[u8]) -> bool {
    path.starts_with(dir) && path.get(dir.len()) == Some(&b'/')
}

/// `/a` -> `/`, `a`).
pub(crate) fn split_parent(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(0) => (b"/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (b"/", path),
    }
}

/// `path`, then each directory above it up to the root: `/a/b` gives `/a/b`, `/a`, `/`.
pub(crate) fn ancestors_or_self(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::successors(Some(path), |p| {
        let (parent, _) = split_parent(p);
        (parent != *p).then_some(parent)
    })
}

/// Joins a directory and a name into an absolute path.
pub(crate) fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = dir.to_vec();
    if out.last() != Some(&b'/') {
        out.push(b'/');
    }
    out.extend_from_slice(name);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_makes_paths_absolute_and_clean() {
        assert_eq!(normalize_path(b"./etc/x"), b"/etc/x");
        assert_eq!(normalize_path(b"etc/"), b"/etc");
        assert_eq!(normalize_path(b"/a//b/./c/"), b"/a/b/c");
        assert_eq!(normalize_path(b"./"), b"/");
        assert_eq!(normalize_path(b"../../a/../b"), b"/b");
    }

    #[test]
    fn non_utf8_names_survive_normalization() {
        assert_eq!(normalize_path(b"./caf\xe9"), b"/caf\xe9");
    }

    #[test]
    fn parent_of_a_path() {
        assert_eq!(split_parent(b"/a/b"), (&b"/a"[..], &b"b"[..]));
        assert_eq!(split_parent(b"/a"), (&b"/"[..], &b"a"[..]));
    }

    /// What an entry of `kind` needs besides its names, all zero.
    fn meta(kind: EntryKind) -> EntryMeta {
        EntryMeta {
            kind,
            size: 0,
            mode: 0,
            uid: 0,
            gid: 0,
        }
    }

    #[test]
    fn whiteout_targets() {
        let mut layer = LayerContents::default();
        layer.push(b"/opt/.wh.data", None, meta(EntryKind::Whiteout));
        layer.push(b"/opt/conf/.wh..wh..opq", None, meta(EntryKind::Opaque));
        layer.push(b"/.wh.x", None, meta(EntryKind::Whiteout));
        let targets: Vec<Option<Vec<u8>>> = layer
            .entries
            .iter()
            .map(|e| layer.whiteout_target(e))
            .collect();
        assert_eq!(
            targets,
            [
                Some(b"/opt/data".to_vec()),
                Some(b"/opt/conf".to_vec()),
                Some(b"/x".to_vec())
            ]
        );
    }

    #[test]
    fn names_are_kept_by_the_layer() {
        let mut layer = LayerContents::default();
        layer.push(b"/usr/bin/sh", Some(b"dash"), meta(EntryKind::Symlink));
        layer.push(b"/etc", None, meta(EntryKind::Dir));
        layer.push(b"/bin/ls", Some(b""), meta(EntryKind::Symlink));
        let [sh, etc, ls] = &layer.entries[..] else {
            panic!("three entries");
        };
        assert_eq!(layer.path(sh), b"/usr/bin/sh");
        assert_eq!(layer.link_target(sh), Some(&b"dash"[..]));
        assert_eq!(
            (layer.path(etc), layer.link_target(etc)),
            (&b"/etc"[..], None)
        );
        assert_eq!(
            (layer.path(ls), layer.link_target(ls)),
            (&b"/bin/ls"[..], Some(&b""[..]))
        );
    }
}
