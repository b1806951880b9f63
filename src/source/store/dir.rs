//! An OCI image layout directory as a store: `oci-layout`, `index.json` and one file per blob
//! under `blobs/<algorithm>/<hex>`. Members are paths below the layout root; layers are read in
//! place, in parallel, with positional reads. Planning its `index.json` is `plan/oci.rs`'s part.
//! Only regular files are opened (`input.rs`): a FIFO in a layout would block the open forever.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{layer_error, too_large, Store, MAX_METADATA_BYTES};
use crate::error::{Error, ErrorKind, Result};
use crate::image::LayerContents;
use crate::input::{open_regular, Input};
use crate::source::io::positioned::RangeReader;
use crate::source::layer::scan_seekable;

/// An OCI image layout directory.
#[derive(Debug)]
pub(crate) struct LayoutDir {
    label: String,
    root: PathBuf,
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
        Ok(LayoutDir {
            label,
            root: root.to_path_buf(),
        })
    }

    fn open_member(&self, member: &str) -> Result<(File, u64)> {
        open_regular(&self.root.join(member), &Input::LAYOUT_FILE).map_err(|e| {
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

    /// Any kind of file counts: one that is not a regular file is refused when read, with the
    /// reason, rather than passed over as absent.
    fn contains(&self, member: &str) -> bool {
        std::fs::metadata(self.root.join(member)).is_ok()
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

    fn layer(&self, member: &str) -> Result<Arc<LayerContents>> {
        let (file, len) = self.open_member(member)?;
        scan_seekable(RangeReader::new(&file, 0, len), len)
            .map(Arc::new)
            .map_err(|e| layer_error(&self.label, member, e))
    }

    fn parallel(&self) -> bool {
        true
    }
}
