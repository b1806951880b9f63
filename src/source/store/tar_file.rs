//! A plain tar file on disk as a store (a docker-archive or an oci-archive), indexed once by its
//! headers: every member's offset is recorded while seeking past the data, then layers are read in
//! place, in parallel, with positional reads on one shared file handle.

use std::cell::Cell;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use super::members::{
    empty_archive, header_error, member_name, oversize_error, resolve_error, Member, Members,
};
use super::{layer_error, too_large, Store, MAX_METADATA_BYTES};
use crate::error::{Error, ErrorKind, Result};
use crate::image::{Compression, LayerContents};
use crate::source::data::read_spans;
use crate::source::io::positioned::RangeReader;
use crate::source::io::records::RecordGuard;
use crate::source::layer::scan_seekable;
use crate::source::Progress;

/// Where a member's data lies in the archive file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    offset: u64,
    len: u64,
}

/// An indexed tar file.
#[derive(Debug)]
pub(crate) struct TarFile {
    label: String,
    file: File,
    members: Members<Span>,
}

impl TarFile {
    /// Indexes the tar at `path` by reading its headers only.
    pub(crate) fn open(path: &Path) -> Result<TarFile> {
        let label = path.display().to_string();
        let file = File::open(path).map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
        let file_len = file
            .metadata()
            .map_err(|e| Error::new(&label, ErrorKind::Io(e)))?
            .len();
        let mut members = Members::default();
        let refused = Cell::new(None);
        let mut archive = tar::Archive::new(RecordGuard::new(&file, &refused));
        let entries = archive
            .entries_with_seek()
            .map_err(|e| Error::new(&label, ErrorKind::of_archive(e)))?;
        let mut last: Option<String> = None;
        for item in entries {
            let entry = item.map_err(|e| match refused.get() {
                Some(oversize) => oversize_error(&label, last.as_deref(), oversize),
                None => header_error(&label, last.as_deref(), e),
            })?;
            let name = member_name(&label, last.as_deref(), &entry)?;
            let kind = entry.header().entry_type();
            let member = if kind.is_file() || kind.is_contiguous() {
                let span = Span {
                    offset: entry.raw_file_position(),
                    len: entry.size(),
                };
                if span.offset.saturating_add(span.len) > file_len {
                    return Err(Error::member(
                        &label,
                        &name,
                        ErrorKind::Tar(format!(
                            "member of {} bytes runs past the end of the file ({} bytes missing)",
                            span.len,
                            span.offset.saturating_add(span.len) - file_len
                        )),
                    ));
                }
                Member::Data(span)
            } else {
                Member::not_a_file(&entry)
            };
            last = Some(name.clone());
            members.insert(name, member);
        }
        if last.is_none() {
            return Err(empty_archive(&label));
        }
        Ok(TarFile {
            label,
            file,
            members,
        })
    }

    fn span(&self, member: &str) -> Result<(String, Span)> {
        self.members
            .resolve(member)
            .map(|(name, span)| (name, *span))
            .map_err(|e| resolve_error(&self.label, member, e))
    }

    fn reader(&self, span: Span) -> RangeReader<'_> {
        RangeReader::new(&self.file, span.offset, span.len)
    }
}

impl Store for TarFile {
    fn label(&self) -> &str {
        &self.label
    }

    fn contains(&self, member: &str) -> bool {
        self.members.contains(member)
    }

    fn canonical(&self, member: &str) -> Result<String> {
        self.span(member).map(|(name, _)| name)
    }

    fn read_metadata(&self, member: &str) -> Result<Vec<u8>> {
        let (name, span) = self.span(member)?;
        if span.len > MAX_METADATA_BYTES {
            return Err(too_large(&self.label, &name, span.len));
        }
        let mut data = Vec::with_capacity(span.len as usize);
        self.reader(span)
            .read_to_end(&mut data)
            .map_err(|e| Error::member(&self.label, &name, ErrorKind::Io(e)))?;
        Ok(data)
    }

    fn layer(&self, member: &str, _progress: &dyn Progress) -> Result<Arc<LayerContents>> {
        let (name, span) = self.span(member)?;
        scan_seekable(self.reader(span), span.len)
            .map(Arc::new)
            .map_err(|e| layer_error(&self.label, name, e))
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
        let (name, span) = self.span(member)?;
        read_spans(self.reader(span), compression, spans, each)
            .map_err(|e| layer_error(&self.label, name, e))
    }
}
