//! An image archive read once, front to back, as a store: a tar on stdin or a compressed archive.
//! The metadata (`manifest.json`, `index.json`) comes last in `docker save` output, so every member
//! that could be a layer is scanned as it streams past, keyed by its name, and joined with the
//! metadata at the end. Nothing is spooled to disk and no file content is kept. A compressed
//! archive is read to the end of its compressed stream ([`compressed`](super::compressed)).

use std::cell::{Cell, RefCell};
use std::io::{self, BufRead, Read};
use std::sync::Arc;

use super::compressed::Decoded;
use super::members::{
    empty_archive, header_error, member_name, oversize_error, resolve_error, Member, Members,
};
use super::{layer_error, refuse_not_an_archive, too_large, Store, MAX_METADATA_BYTES};
use crate::error::{Error, ErrorKind, Result, StreamProblem};
use crate::image::{Compression, LayerContents};
use crate::source::data::not_rereadable;
use crate::source::io::counting::Counting;
use crate::source::io::read_up_to;
use crate::source::io::records::RecordGuard;
use crate::source::layer::{codec, is_tar_header, scan_stream, sniff_compression, LayerError};
use crate::source::sniff::SNIFF_BYTES;
use crate::source::Progress;

/// What was kept of one regular member.
#[derive(Debug)]
enum Kept {
    /// A JSON document, kept whole.
    Json(Vec<u8>),
    /// A JSON document too large to be metadata (an SBOM, say): its size, for the error should the
    /// metadata refer to it.
    TooLarge(u64),
    /// Anything else was scanned as a layer tar: the result, or why it is not one.
    Layer(std::result::Result<Arc<LayerContents>, LayerError>),
}

/// An archive that has been read in one pass.
#[derive(Debug)]
pub(crate) struct StreamArchive {
    label: String,
    members: Members<Kept>,
}

/// What failed of the compressed stream of an archive, if anything did: the archive's own error,
/// which comes before whatever the tar reader or a layer's walk made of it.
struct StreamFailure<'a> {
    label: &'a str,
    compression: Compression,
    problem: &'a RefCell<Option<StreamProblem>>,
}

impl StreamFailure<'_> {
    /// The error, if the stream failed; `tar_whole` when the tar in it had ended.
    fn error(&self, tar_whole: bool) -> Option<Error> {
        let problem = match self.problem.borrow().clone()? {
            StreamProblem::EndsEarly if !tar_whole => StreamProblem::EndsInsideTar,
            problem => problem,
        };
        let compression = codec(self.compression)?;
        Some(Error::new(
            self.label,
            ErrorKind::Stream {
                compression,
                problem,
            },
        ))
    }

    /// The stream's error if it failed, else `other`.
    fn or(&self, other: Error) -> Error {
        self.error(false).unwrap_or(other)
    }
}

impl StreamArchive {
    /// Reads the whole tar from `reader`, whose compression was sniffed as `compression`,
    /// scanning layers as they pass; a compressed stream is read to its end.
    pub(crate) fn read<R: BufRead>(
        label: &str,
        reader: R,
        compression: Compression,
    ) -> Result<StreamArchive> {
        let problem = RefCell::new(None);
        let failure = StreamFailure {
            label,
            compression,
            problem: &problem,
        };
        let mut decoded = Decoded::new(reader, compression, &problem)
            .map_err(|e| Error::new(label, ErrorKind::Io(e)))?;
        // What a compressed archive holds is sniffed as a plain one was (`store::open`): a
        // gzip-compressed Dockerfile is named as one. A stream that fails is left to say so.
        let mut head = Vec::new();
        if compression != Compression::None {
            head.resize(SNIFF_BYTES, 0);
            let n = read_up_to(&mut decoded, &mut head)
                .map_err(|e| failure.or(Error::new(label, ErrorKind::of_archive(e))))?;
            head.truncate(n);
            if failure.error(false).is_none() {
                refuse_not_an_archive(label, &head, compression)?;
            }
        }
        let (counted, progress) = Counting::new(io::Cursor::new(head).chain(decoded));
        let refused = Cell::new(None);
        // With seeks (the counting reader skips forward by reading), so that the guard knows
        // where headers are.
        let mut archive = tar::Archive::new(RecordGuard::new(counted, &refused));
        let entries = archive
            .entries_with_seek()
            .map_err(|e| Error::new(label, ErrorKind::of_archive(e)))?;
        let mut members = Members::default();
        // The last member seen: its name, data size and where its data ends in the stream.
        let mut last: Option<(String, u64, u64)> = None;
        for item in entries {
            let last_name = last.as_ref().map(|(n, ..)| n.as_str());
            let mut entry = item.map_err(|e| {
                if let Some(oversize) = refused.get() {
                    return oversize_error(label, last_name, oversize);
                }
                failure.or(match &last {
                    Some((name, size, end)) if progress.ended() && progress.seen() < *end => {
                        Error::member(
                            label,
                            name,
                            ErrorKind::Tar(format!(
                                "member of {size} bytes runs past the end of the archive ({} bytes missing)",
                                end - progress.seen()
                            )),
                        )
                    }
                    _ => header_error(label, last_name, e),
                })
            })?;
            let name = member_name(label, last_name, &entry)?;
            let kind = entry.header().entry_type();
            let data_size = entry.size();
            let data_end = entry.raw_file_position().saturating_add(data_size);
            let member = if kind.is_file() || kind.is_contiguous() {
                let size = entry.size();
                let mut head = vec![0u8; 512];
                let n = read_up_to(&mut entry, &mut head).map_err(|e| {
                    failure.or(Error::member(label, &name, ErrorKind::of_archive(e)))
                })?;
                head.truncate(n);
                let is_json = !is_tar_header(&head)
                    && sniff_compression(&head) == Compression::None
                    && matches!(
                        head.iter().find(|b| !b.is_ascii_whitespace()),
                        Some(b'{' | b'[')
                    );
                let rest = std::io::Cursor::new(head).chain(&mut entry);
                if is_json && size > MAX_METADATA_BYTES {
                    Member::Data(Kept::TooLarge(size))
                } else if is_json {
                    let json = read_json(label, &name, size, rest).map_err(|e| failure.or(e))?;
                    Member::Data(Kept::Json(json))
                } else {
                    let scanned = scan_stream(rest, size);
                    // A layer that failed because the archive's stream did is not the layer's
                    // fault.
                    if let Some(e) = failure.error(false) {
                        return Err(e);
                    }
                    Member::Data(Kept::Layer(scanned.map(Arc::new)))
                }
            } else {
                Member::not_a_file(&entry)
            };
            last = Some((name.clone(), data_size, data_end));
            members.insert(name, member);
        }
        if last.is_none() {
            return Err(failure.or(empty_archive(label)));
        }
        if compression != Compression::None {
            // The tar has ended; the compressed stream must end too, checked to its last byte.
            io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(|e| {
                failure
                    .error(true)
                    .unwrap_or_else(|| Error::new(label, ErrorKind::of_archive(e)))
            })?;
        }
        Ok(StreamArchive {
            label: label.to_string(),
            members,
        })
    }

    fn kept(&self, member: &str) -> Result<(String, &Kept)> {
        self.members
            .resolve(member)
            .map_err(|e| resolve_error(&self.label, member, e))
    }
}

fn read_json(label: &str, name: &str, size: u64, mut reader: impl Read) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(size as usize);
    reader
        .read_to_end(&mut data)
        .map_err(|e| Error::member(label, name, ErrorKind::of_archive(e)))?;
    Ok(data)
}

impl Store for StreamArchive {
    fn label(&self) -> &str {
        &self.label
    }

    fn contains(&self, member: &str) -> bool {
        self.members.contains(member)
    }

    fn canonical(&self, member: &str) -> Result<String> {
        self.kept(member).map(|(name, _)| name)
    }

    fn read_metadata(&self, member: &str) -> Result<Vec<u8>> {
        match self.kept(member)? {
            (_, Kept::Json(data)) => Ok(data.clone()),
            (name, Kept::TooLarge(size)) => Err(too_large(&self.label, &name, *size)),
            (name, Kept::Layer(_)) => Err(Error::member(
                &self.label,
                name,
                ErrorKind::Invalid("expected a JSON document".into()),
            )),
        }
    }

    fn layer(&self, member: &str, _progress: &dyn Progress) -> Result<Arc<LayerContents>> {
        match self.kept(member)? {
            (_, Kept::Layer(Ok(contents))) => Ok(Arc::clone(contents)),
            (name, Kept::Layer(Err(e))) => Err(layer_error(&self.label, name, e.clone())),
            (name, Kept::Json(_) | Kept::TooLarge(_)) => Err(Error::member(
                &self.label,
                name,
                ErrorKind::Invalid("expected a layer tar, found a JSON document".into()),
            )),
        }
    }

    fn parallel(&self) -> bool {
        false
    }

    /// The archive went past once; nothing of its file data was kept.
    fn rereads(&self) -> bool {
        false
    }

    fn read_data(
        &self,
        _member: &str,
        _compression: Compression,
        _spans: &[(u64, u64)],
        _each: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
    ) -> Result<()> {
        Err(not_rereadable(&self.label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gives `data`, then fails as a disk would.
    struct FailingAfter<'a> {
        data: &'a [u8],
    }

    impl Read for FailingAfter<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.data.is_empty() {
                return Err(io::Error::from_raw_os_error(5));
            }
            let n = self.data.len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// One member `manifest.json` of two bytes, its data block and nothing after.
    fn one_member() -> Vec<u8> {
        let mut header = tar::Header::new_ustar();
        header.set_size(2);
        header.set_entry_type(tar::EntryType::Regular);
        let _ = header.set_path("manifest.json");
        header.set_cksum();
        let mut tar = header.as_bytes().to_vec();
        tar.extend_from_slice(b"[]");
        tar.resize(1024, 0);
        tar
    }

    fn message(result: Result<StreamArchive>) -> String {
        match result {
            Ok(_) => panic!("the read must fail"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_failed_read_of_the_archive_is_the_operating_systems_error_not_a_corrupt_tar() {
        let tar = one_member();
        let reader = io::BufReader::new(FailingAfter { data: &tar });
        let e = message(StreamArchive::read("<stdin>", reader, Compression::None));
        assert_eq!(
            e,
            format!(
                "<stdin>: after member manifest.json: {}",
                io::Error::from_raw_os_error(5)
            )
        );
    }

    #[test]
    fn a_corrupt_header_of_the_archive_is_still_a_corrupt_tar() {
        let mut tar = one_member();
        tar[148] ^= 0x01; // the header checksum
        let e = message(StreamArchive::read("<stdin>", &tar[..], Compression::None));
        assert!(e.starts_with("<stdin>: corrupt or truncated tar: "), "{e}");
    }
}
