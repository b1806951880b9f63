//! The image model every reader produces: an image is a stack of layers, a layer a list of tar
//! entries. Paths are kept as raw bytes (tar names need not be UTF-8) and normalized to absolute.

use std::sync::Arc;

/// One container image: its names, platform and layers, oldest first.
#[derive(Debug, Clone)]
pub struct Image {
    /// A display name: the first tag, or the short config digest when the image has no tag.
    pub name: String,
    /// Every tag the archive gives the image (`RepoTags`, OCI `ref.name` annotations).
    pub tags: Vec<String>,
    /// `os/arch[/variant]` from the index or the image config, when known.
    pub platform: Option<String>,
    /// The layers, bottom (base) first.
    pub layers: Vec<Layer>,
}

/// One layer of an image, joined with the history entry that created it.
#[derive(Debug, Clone)]
pub struct Layer {
    /// Position in the image, 0 = the bottom layer.
    pub index: usize,
    /// The layer's digest: the uncompressed `diff_id` from the config when present (the same in every
    /// format), else the digest of the stored blob.
    pub digest: String,
    /// The build instruction from the config history; `None` when the history does not say.
    pub created_by: Option<String>,
    /// What the layer tar holds; shared between images of one archive that use the same blob.
    pub contents: Arc<LayerContents>,
}

impl Layer {
    /// Bytes of the regular files in this layer (what `docker history` shows).
    pub fn size(&self) -> u64 {
        self.contents.size()
    }

    /// Regular files plus hard links in this layer.
    pub fn files(&self) -> u64 {
        self.contents.files()
    }
}

/// The result of scanning one layer blob.
#[derive(Debug, Clone, Default)]
pub struct LayerContents {
    /// Every entry of the layer tar, in tar order (directories, whiteouts and links included).
    pub entries: Vec<Entry>,
    /// How the blob is stored.
    pub compression: Compression,
    /// Bytes of the blob as stored in the archive or layout.
    pub stored_size: u64,
}

impl LayerContents {
    /// Bytes of the regular files.
    pub fn size(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .fold(0u64, |sum, e| sum.saturating_add(e.size))
    }

    /// Regular files plus hard links.
    pub fn files(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::File | EntryKind::Hardlink))
            .count() as u64
    }
}

/// How a layer blob is stored, as sniffed from its first bytes (never from a media type).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    #[default]
    None,
    /// gzip, possibly several members (eStargz).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// One entry of a layer tar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Absolute, normalized path (`/etc/passwd`), raw bytes as stored in the tar.
    pub path: Box<[u8]>,
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
    /// For symlinks the target as stored; for hard links the normalized absolute target path.
    pub link_target: Option<Box<[u8]>>,
}

/// The kinds of layer entries the reports distinguish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
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
    pub fn as_str(self) -> &'static str {
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
pub const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// Name of the opaque-directory marker.
pub const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

impl Entry {
    /// For a whiteout, the absolute path it deletes (`/a/.wh.b` -> `/a/b`); for an opaque marker,
    /// the directory whose lower children it hides.
    pub fn whiteout_target(&self) -> Option<Vec<u8>> {
        let (dir, name) = split_parent(&self.path);
        match self.kind {
            EntryKind::Whiteout => Some(join(dir, &name[WHITEOUT_PREFIX.len()..])),
            EntryKind::Opaque => Some(dir.to_vec()),
            _ => None,
        }
    }
}

/// Normalizes a tar name to an absolute path: `./a`, `a/`, `/a//b/.` become `/a`, `/a/b`; `..` is
/// resolved lexically and never climbs above `/`.
pub fn normalize_path(raw: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::with_capacity(raw.len() + 1);
    for p in parts {
        out.push(b'/');
        out.extend_from_slice(p);
    }
    out
}

/// Splits an absolute path into its parent directory and its last component (`/a/b` -> `/a`, `b`;
/// `/a` -> `/`, `a`).
pub fn split_parent(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().rposition(|&b| b == b'/') {
        Some(0) => (b"/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (b"/", path),
    }
}

/// Joins a directory and a name into an absolute path.
pub fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
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

    #[test]
    fn whiteout_targets() {
        let e = |path: &[u8], kind| Entry {
            path: path.into(),
            kind,
            size: 0,
            mode: 0,
            uid: 0,
            gid: 0,
            link_target: None,
        };
        assert_eq!(
            e(b"/opt/.wh.data", EntryKind::Whiteout).whiteout_target(),
            Some(b"/opt/data".to_vec())
        );
        assert_eq!(
            e(b"/opt/conf/.wh..wh..opq", EntryKind::Opaque).whiteout_target(),
            Some(b"/opt/conf".to_vec())
        );
        assert_eq!(
            e(b"/.wh.x", EntryKind::Whiteout).whiteout_target(),
            Some(b"/x".to_vec())
        );
    }
}
