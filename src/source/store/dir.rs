//! An OCI image layout directory as a store: `oci-layout`, `index.json` and one file per blob
//! under `blobs/<algorithm>/<hex>`. Members are paths below the layout root; layers are read in
//! place, in parallel, with positional reads. Planning its `index.json` is `plan/oci.rs`'s part.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{layer_error, too_large, Store, MAX_METADATA_BYTES};
use crate::error::{Error, ErrorKind, Result};
use crate::image::LayerContents;
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
        if !root.join("index.json").is_file() {
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
        let path = self.root.join(member);
        let file = File::open(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::member(&self.label, member, ErrorKind::Missing),
            _ => Error::member(&self.label, member, ErrorKind::Io(e)),
        })?;
        let len = file
            .metadata()
            .map_err(|e| Error::member(&self.label, member, ErrorKind::Io(e)))?
            .len();
        Ok((file, len))
    }
}

impl Store for LayoutDir {
    fn label(&self) -> &str {
        &self.label
    }

    fn contains(&self, member: &str) -> bool {
        self.root.join(member).is_file()
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
        std::io::Read::read_to_end(&mut &file, &mut data)
            .map_err(|e| Error::member(&self.label, member, ErrorKind::Io(e)))?;
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
