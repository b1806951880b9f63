//! An OCI image layout directory as a store: `oci-layout`, `index.json` and one file per blob
//! under `blobs/<algorithm>/<encoded>`. Members are paths below the layout root; layers are read
//! in place, in parallel, with positional reads. Planning its `index.json` is `plan/oci.rs`'s part.
//!
//! A layout comes from whoever made the image, so every member is confined: a blob is
//! `blobs/<algorithm>/<encoded>` of a well-formed digest and, after every link in its path, a
//! file below the layout's own `blobs/` (a blob linked to another blob is fine: some tools dedupe
//! that way; one linked to a tar elsewhere on the machine is not the image); a metadata file
//! (`index.json`, `manifest.json`) stays below the layout root. Only regular files are opened.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{layer_error, too_large, Store, MAX_METADATA_BYTES};
use crate::error::{Error, ErrorKind, Result};
use crate::image::{Compression, LayerContents};
use crate::input::{open_regular, Input};
use crate::source::data::read_spans;
use crate::source::digest;
use crate::source::io::positioned::RangeReader;
use crate::source::layer::scan_seekable;
use crate::source::Progress;

/// An OCI image layout directory.
#[derive(Debug)]
pub(crate) struct LayoutDir {
    label: String,
    root: PathBuf,
    /// The layout root with every link resolved: where its metadata files must stay.
    real_root: PathBuf,
    /// `blobs` under [`Self::real_root`], itself NOT resolved: a `blobs` that is a link out of
    /// the layout leaves every blob outside, as it should.
    real_blobs: PathBuf,
}

/// Why a member that is neither a root file nor `blobs/<algorithm>/<encoded>` is refused (only a
/// `manifest.json` in a layout can name one).
const NOT_A_BLOB_PATH: &str =
    "blob outside the layout: a layout keeps its blobs at blobs/ALGORITHM/ENCODED";

/// Where a member name puts a file in a layout.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    /// A file at the root: `index.json`, `manifest.json`.
    Root,
    /// `blobs/<algorithm>/<encoded>` of a well-formed digest.
    Blob,
    /// Anything else: no file of a layout is there.
    Elsewhere,
}

impl Place {
    fn of(member: &str) -> Place {
        let parts: Vec<&str> = member.split('/').collect();
        match parts.as_slice() {
            [name] if !matches!(*name, "" | "." | "..") => Place::Root,
            ["blobs", algorithm, encoded]
                if digest::parse(&format!("{algorithm}:{encoded}")).is_ok() =>
            {
                Place::Blob
            }
            _ => Place::Elsewhere,
        }
    }
}

impl LayoutDir {
    /// Opens the layout at `root`; it must hold an `index.json`.
    pub(crate) fn open(root: &Path) -> Result<LayoutDir> {
        let label = root.display().to_string();
        // Any kind of file counts as there: one that is not a regular file is refused when read,
        // which says so, rather than here as "no index.json".
        if std::fs::metadata(root.join("index.json")).is_err() {
            return Err(Error::new(
                label,
                ErrorKind::Invalid(
                    "a directory must be an OCI image layout, but it has no index.json".into(),
                ),
            ));
        }
        let real_root =
            std::fs::canonicalize(root).map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
        Ok(LayoutDir {
            label,
            root: root.to_path_buf(),
            real_blobs: real_root.join("blobs"),
            real_root,
        })
    }

    /// The path of the file `member` names, after links, once it is known to stay where a file
    /// of its kind belongs.
    fn locate(&self, member: &str) -> Result<PathBuf> {
        let outside = |why: String| Error::member(&self.label, member, ErrorKind::Invalid(why));
        let (what, within) = match Place::of(member) {
            Place::Root => ("file", &self.real_root),
            Place::Blob => ("blob", &self.real_blobs),
            Place::Elsewhere => return Err(outside(NOT_A_BLOB_PATH.into())),
        };
        let real = std::fs::canonicalize(self.root.join(member)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::member(&self.label, member, ErrorKind::Missing),
            _ => Error::member(&self.label, member, ErrorKind::Io(e)),
        })?;
        if !real.starts_with(within) {
            return Err(outside(format!(
                "{what} outside the layout: it resolves to {}",
                real.display()
            )));
        }
        Ok(real)
    }

    fn open_member(&self, member: &str) -> Result<(File, u64)> {
        let path = self.locate(member)?;
        open_regular(&path, &Input::LAYOUT_FILE).map_err(|e| {
            if e.is_not_found() {
                Error::member(&self.label, member, ErrorKind::Missing)
            } else {
                Error::member(&self.label, member, e.into())
            }
        })
    }
}

impl Store for LayoutDir {
    fn label(&self) -> &str {
        &self.label
    }

    /// Any kind of file counts: one that is not a regular file, or that leads outside the
    /// layout, is refused when read, with the reason, rather than passed over as absent.
    fn contains(&self, member: &str) -> bool {
        Place::of(member) != Place::Elsewhere && std::fs::metadata(self.root.join(member)).is_ok()
    }

    fn canonical(&self, member: &str) -> Result<String> {
        Ok(member.to_string())
    }

    fn read_metadata(&self, member: &str) -> Result<Vec<u8>> {
        let (file, len) = self.open_member(member)?;
        if len > MAX_METADATA_BYTES {
            return Err(too_large(&self.label, member, len));
        }
        let mut data = Vec::with_capacity(len as usize);
        // The cap holds even for a file that grows while it is read.
        file.take(MAX_METADATA_BYTES + 1)
            .read_to_end(&mut data)
            .map_err(|e| Error::member(&self.label, member, ErrorKind::Io(e)))?;
        if data.len() as u64 > MAX_METADATA_BYTES {
            return Err(too_large(&self.label, member, data.len() as u64));
        }
        Ok(data)
    }

    fn layer(&self, member: &str, _progress: &dyn Progress) -> Result<Arc<LayerContents>> {
        let (file, len) = self.open_member(member)?;
        scan_seekable(RangeReader::new(&file, 0, len), len)
            .map(Arc::new)
            .map_err(|e| layer_error(&self.label, member, e))
    }

    fn parallel(&self) -> bool {
        true
    }

    fn rereads(&self) -> bool {
        true
    }

    fn read_data(
        &self,
        member: &str,
        compression: Compression,
        spans: &[(u64, u64)],
        each: &mut dyn FnMut(usize, &mut dyn std::io::Read) -> std::io::Result<()>,
    ) -> Result<()> {
        let (file, len) = self.open_member(member)?;
        read_spans(RangeReader::new(&file, 0, len), compression, spans, each)
            .map_err(|e| layer_error(&self.label, member, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_placed_by_their_shape() {
        let hex = "ab".repeat(32);
        assert_eq!(Place::of("index.json"), Place::Root);
        assert_eq!(Place::of(&format!("blobs/sha256/{hex}")), Place::Blob);
        for elsewhere in [
            "..",
            "",
            "blobs/../x",
            "blobs/sha256/abc",
            "blobs/sha256/../../x",
            "../outside.tar",
            "/etc/passwd",
            "layer1/layer.tar",
        ] {
            assert_eq!(Place::of(elsewhere), Place::Elsewhere, "{elsewhere}");
        }
    }
}
