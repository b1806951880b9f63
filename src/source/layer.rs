//! Walks one layer tar: sniffs the compression from magic bytes, reads headers only (seeking past
//! file data when the blob is a plain tar that can seek), and turns each header into an [`Entry`].
//! When a layer cannot be read, [`LayerError`] says which of the things that can go wrong did:
//! a failed read, a compression sizegate does not read, a layer cut short, bytes that are not
//! a valid tar or compressed stream, or a name or PAX header larger than sizegate reads.
//!
//! [`Entry`]: crate::image::Entry

use std::cell::Cell;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use tar::EntryType;

use super::io::counting::{Counting, EndSeen, Progress};
use super::io::read_up_to;
use super::io::records::RecordGuard;
pub(crate) use super::io::records::{is_tar_header, Oversize, Record};

use crate::image::{
    normalize_path_into, Compression, EntryKind, EntryMeta, LayerContents, OPAQUE_MARKER,
    WHITEOUT_PREFIX,
};

/// Read-buffer size in front of decompressors: large enough to keep syscalls rare.
const DECODE_BUFFER: usize = 256 * 1024;

/// Largest size a GNU sparse file may claim: its holes take no bytes in the tar, so nothing else
/// bounds the claim, and an absurd one would make every total meaningless.
const MAX_SPARSE_SIZE: u64 = 1 << 50;

/// Why a layer blob could not be read. Each variant is one message, written in `error.rs`
/// (`ErrorKind::Layer`), which names the layer as "layer N" (or "the layer" when its position is
/// not known) and escapes the text that comes from the image (entry names, the tar reader's and
/// the decompressor's words).
#[derive(Debug)]
pub(crate) enum LayerError {
    /// The operating system failed a read of the blob (or of the archive it streams from):
    /// `reading layer 0: Input/output error (os error 5)`.
    Io(io::Error),
    /// The blob is compressed in a way no image tool writes for layers:
    /// `layer 0 is xz-compressed; sizegate reads plain, gzip and zstd layers`.
    Unsupported {
        /// The compression its magic bytes show: `xz` or `bzip2`.
        compression: &'static str,
    },
    /// The layer stops early, inside a header or inside a file's data, or before the end of its
    /// compressed stream:
    /// `layer 0 is truncated: it ends inside the data of entry usr/bin/app (600 of 1000 bytes)`.
    Truncated {
        /// `gzip` or `zstd` when the compressed stream itself stops early (`its gzip stream
        /// ends …`); `None` when the tar stops (`it ends …`), compressed or not.
        compression: Option<&'static str>,
        /// Where it stops.
        cut: Cut,
    },
    /// A tar header is not a valid one (a checksum mismatch, a number field that is no number, an
    /// absurd sparse size): `layer 0 is corrupt: the tar header after entry etc/passwd is invalid:
    /// archive header checksum mismatch`.
    CorruptHeader {
        /// Which header.
        header: HeaderAt,
        /// What is wrong with it, in the tar reader's words.
        reason: String,
    },
    /// The compressed data does not decode (bad data, a checksum that does not match):
    /// `layer 0 is corrupt: its gzip stream does not decode: corrupt deflate stream`.
    CorruptData {
        /// `gzip` or `zstd`.
        compression: &'static str,
        /// What the decompressor reported.
        reason: String,
    },
    /// A GNU long name or link name, a PAX header or a name in one, larger than sizegate reads
    /// (refused before its bytes are read, where the tar reader would read them whole):
    /// `layer 0 is corrupt: the GNU long name of the entry after entry a is 5368709120 bytes;
    /// sizegate reads names up to 65536 bytes`.
    Oversize {
        /// The entry it belongs to: `After` the last entry read, `Of` an entry for a link name.
        at: HeaderAt,
        /// Which record, and its size.
        oversize: Oversize,
    },
    /// The blob's bytes are not the ones its digest names (a registry's layer, checked while it
    /// streams): `layer 0 is corrupt: the registry sent bytes whose digest is sha256:…, not the
    /// sha256:… that names them`.
    Digest {
        /// What does not match.
        message: String,
    },
}

/// A tar header, placed by the entry it follows or belongs to: headers carry no number a user
/// could look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderAt {
    /// The first header of the layer: `the first tar header`.
    First,
    /// The header that follows this entry's data: `the tar header after entry NAME`.
    After(String),
    /// This entry's own header: `the tar header of entry NAME`.
    Of(String),
}

/// Where a truncated layer stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cut {
    /// Inside a header: `inside the tar header after entry NAME`.
    Header(HeaderAt),
    /// Inside the data of an entry: `inside the data of entry NAME (600 of 1000 bytes)`.
    Data {
        /// The entry's name as the tar stores it.
        entry: String,
        /// How many of its data bytes are there.
        present: u64,
        /// How many its header announces.
        size: u64,
    },
    /// After the whole tar, before the compressed stream's own end (its trailer or the end of its
    /// frame): `early (the tar in it is whole)`.
    Trailer,
}

/// `io::Error` is not `Clone`; the copy keeps the OS error code, or else the kind and the message,
/// which is all a message shows. A layer read in one pass keeps its error until the metadata asks
/// for the layer, and hands out a copy.
impl Clone for LayerError {
    fn clone(&self) -> Self {
        match self {
            LayerError::Io(e) => LayerError::Io(match e.raw_os_error() {
                Some(code) => io::Error::from_raw_os_error(code),
                None => io::Error::new(e.kind(), e.to_string()),
            }),
            LayerError::Unsupported { compression } => LayerError::Unsupported { compression },
            LayerError::Truncated { compression, cut } => LayerError::Truncated {
                compression: *compression,
                cut: cut.clone(),
            },
            LayerError::CorruptHeader { header, reason } => LayerError::CorruptHeader {
                header: header.clone(),
                reason: reason.clone(),
            },
            LayerError::CorruptData {
                compression,
                reason,
            } => LayerError::CorruptData {
                compression,
                reason: reason.clone(),
            },
            LayerError::Oversize { at, oversize } => LayerError::Oversize {
                at: at.clone(),
                oversize: *oversize,
            },
            LayerError::Digest { message } => LayerError::Digest {
                message: message.clone(),
            },
        }
    }
}

/// Compressions that may turn up but that no image tool writes for layers; named in the error.
pub(crate) fn unsupported_compression(magic: &[u8]) -> Option<&'static str> {
    if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if magic.starts_with(b"BZh") {
        Some("bzip2")
    } else {
        None
    }
}

fn refuse_unsupported(magic: &[u8]) -> Result<(), LayerError> {
    match unsupported_compression(magic) {
        Some(compression) => Err(LayerError::Unsupported { compression }),
        None => Ok(()),
    }
}

/// Sniffs how a blob is stored from its first bytes.
pub(crate) fn sniff_compression(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// The name of a compression in messages; `None` for a plain tar.
pub(crate) fn codec(compression: Compression) -> Option<&'static str> {
    match compression {
        Compression::None => None,
        Compression::Gzip => Some("gzip"),
        Compression::Zstd => Some("zstd"),
    }
}

/// Scans a layer blob that can seek (a member of a tar file on disk, a blob file): a plain tar is
/// read headers-only, seeking past file data; compressed blobs are inflated as a stream.
pub(crate) fn scan_seekable<R: Read + Seek>(
    mut blob: R,
    blob_len: u64,
) -> Result<LayerContents, LayerError> {
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut blob, &mut magic).map_err(LayerError::Io)?;
    refuse_unsupported(&magic[..n])?;
    blob.seek(SeekFrom::Start(0)).map_err(LayerError::Io)?;
    let compression = sniff_compression(&magic[..n]);
    let mut contents = match compression {
        Compression::None => {
            // No BufReader here: its seek would throw the buffer away at every entry.
            let refused = Cell::new(None);
            let mut archive = tar::Archive::new(RecordGuard::new(EndSeen::new(blob), &refused));
            let iter = archive.entries_with_seek().map_err(LayerError::Io)?;
            let mut walk = walk(iter);
            let ended = archive.into_inner().into_inner().ended();
            if let Some(e) = walk.refusal(refused.get()) {
                return Err(e);
            }
            if let Some(e) = walk.error.take() {
                return Err(if e.raw_os_error().is_some() {
                    LayerError::Io(e)
                } else if ended && !walk.error_is_last {
                    // The reader ran out of bytes the tar needed.
                    LayerError::Truncated {
                        compression: None,
                        cut: walk.cut_at(blob_len),
                    }
                } else {
                    walk.corrupt_header(&e)
                });
            }
            if walk.data_end > blob_len {
                // Seeking past the data of the last entry went past the end of the blob.
                return Err(LayerError::Truncated {
                    compression: None,
                    cut: walk.cut_at(blob_len),
                });
            }
            walk.contents
        }
        Compression::Gzip | Compression::Zstd => {
            decode_and_walk(compression, BufReader::with_capacity(DECODE_BUFFER, blob))?
        }
    };
    contents.compression = compression;
    contents.stored_size = blob_len;
    Ok(contents)
}

/// Scans a layer blob that can only be read once, front to back (a member of a tar on stdin).
pub(crate) fn scan_stream<R: Read>(
    mut blob: R,
    blob_len: u64,
) -> Result<LayerContents, LayerError> {
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut blob, &mut magic).map_err(LayerError::Io)?;
    refuse_unsupported(&magic[..n])?;
    let compression = sniff_compression(&magic[..n]);
    let whole = io::Cursor::new(magic[..n].to_vec()).chain(blob);
    let mut contents =
        decode_and_walk(compression, BufReader::with_capacity(DECODE_BUFFER, whole))?;
    contents.compression = compression;
    contents.stored_size = blob_len;
    Ok(contents)
}

fn decode_and_walk<R: io::BufRead>(
    compression: Compression,
    blob: R,
) -> Result<LayerContents, LayerError> {
    match compression {
        // Multi-member: eStargz and pigz write several gzip members back to back.
        Compression::Gzip => walk_to_end(flate2::bufread::MultiGzDecoder::new(blob), compression),
        Compression::Zstd => {
            // Fails only when zstd cannot set up its context (out of memory): not the layer's
            // fault.
            let decoder = zstd::stream::read::Decoder::with_buffer(blob).map_err(LayerError::Io)?;
            walk_to_end(decoder, compression)
        }
        Compression::None => walk_stream(blob, compression),
    }
}

/// Walks a decompressed tar, then reads the decompressor to its end: the walk stops at the
/// end-of-archive blocks, and only the end of the stream checks the gzip CRC and length trailer
/// (or the zstd frame), so a blob cut or corrupted after the tar's end is still an error.
fn walk_to_end<R: Read>(
    mut decoder: R,
    compression: Compression,
) -> Result<LayerContents, LayerError> {
    let contents = walk_stream(&mut decoder, compression)?;
    io::copy(&mut decoder, &mut io::sink())
        .map_err(|e| read_error(e, compression, Cut::Trailer))?;
    Ok(contents)
}

/// Walks a tar that cannot seek. A tar that ends without its end-of-archive blocks, or even without
/// the padding of its last member (`umoci insert` writes such layers), is complete as long as every
/// header and all data are there; only a stream that stops inside a header or inside data is an error.
/// `compression` is what the reader decodes, for the error should it fail.
fn walk_stream<R: Read>(reader: R, compression: Compression) -> Result<LayerContents, LayerError> {
    let (counted, progress) = Counting::new(reader);
    let refused = Cell::new(None);
    let mut archive = tar::Archive::new(RecordGuard::new(counted, &refused));
    let mut walk = walk(archive.entries_with_seek().map_err(LayerError::Io)?);
    if let Some(e) = walk.refusal(refused.get()) {
        return Err(e);
    }
    if let Some(e) = walk.error.take() {
        // The stream may stop after the last data byte but not past the padding: bytes beyond
        // that boundary are a header cut short.
        let padded_end = walk.data_end.next_multiple_of(512);
        let only_padding_missing =
            progress.ended() && (walk.data_end..padded_end).contains(&progress.seen());
        if !only_padding_missing {
            return Err(walk.stream_error(e, &progress, compression));
        }
    }
    Ok(walk.contents)
}

/// Says what a failed read of a layer's bytes means. The operating system's errors are I/O errors.
/// A decompressor reports a stream that stops early as an unexpected end, anything else it
/// reports is bad data; a plain tar has no decompressor, so its reader's other errors are I/O
/// errors too (a stream read from a compressed archive, say).
fn read_error(e: io::Error, compression: Compression, cut: Cut) -> LayerError {
    if e.raw_os_error().is_some() {
        return LayerError::Io(e);
    }
    match codec(compression) {
        codec if e.kind() == io::ErrorKind::UnexpectedEof => LayerError::Truncated {
            compression: codec,
            cut,
        },
        Some(compression) => LayerError::CorruptData {
            compression,
            reason: e.to_string(),
        },
        None => LayerError::Io(e),
    }
}

/// What a walk over tar headers collected, and how it ended.
struct Walk {
    contents: LayerContents,
    /// Offset where the data of the last header seen starts.
    data_start: u64,
    /// Offset just past the data of the last header seen.
    data_end: u64,
    /// The name of the last header seen, for error messages; `None` before the first. The
    /// buffer is reused: copying every name into a new one showed per entry.
    last_raw_path: Option<Vec<u8>>,
    error: Option<io::Error>,
    /// Whether `error` is about the last header seen itself, rather than the read of the next.
    error_is_last: bool,
    /// A name over its cap, found in an entry the tar reader handed out, and where.
    oversize: Option<(HeaderAt, Oversize)>,
}

impl Walk {
    fn last_name(&self) -> Option<String> {
        self.last_raw_path
            .as_deref()
            .map(|p| String::from_utf8_lossy(p).into_owned())
    }

    /// The header after the last one seen.
    fn next_header(&self) -> HeaderAt {
        match self.last_name() {
            Some(name) => HeaderAt::After(name),
            None => HeaderAt::First,
        }
    }

    /// The error for a record over its cap: one the guard refused before the tar reader read it
    /// (`guard`), which belongs to the entry after the last one seen, or a name found too long.
    fn refusal(&mut self, guard: Option<Oversize>) -> Option<LayerError> {
        let (at, oversize) = match guard {
            Some(oversize) => (self.next_header(), oversize),
            None => self.oversize.take()?,
        };
        Some(LayerError::Oversize { at, oversize })
    }

    /// Where a tar of which only the first `present` bytes are there stops.
    fn cut_at(&self, present: u64) -> Cut {
        match self.last_name() {
            Some(entry) if present < self.data_end => Cut::Data {
                entry,
                present: present.saturating_sub(self.data_start),
                size: self.data_end - self.data_start,
            },
            _ => Cut::Header(self.next_header()),
        }
    }

    /// The tar reader rejected a header whose bytes were all there.
    fn corrupt_header(&self, e: &io::Error) -> LayerError {
        let header = match (self.error_is_last, self.last_name()) {
            (true, Some(name)) => HeaderAt::Of(name),
            _ => self.next_header(),
        };
        LayerError::CorruptHeader {
            header,
            reason: e.to_string(),
        }
    }

    /// What an error of a walk over a stream means: a header the tar reader rejected, the
    /// reader's own failure, or a stream that ran out.
    fn stream_error(
        &self,
        e: io::Error,
        progress: &Progress,
        compression: Compression,
    ) -> LayerError {
        if self.error_is_last {
            // Only the header's own fields are read for it: no read failed.
            self.corrupt_header(&e)
        } else if progress.failed() {
            read_error(e, compression, self.cut_at(progress.seen()))
        } else if progress.ended() {
            LayerError::Truncated {
                compression: None,
                cut: self.cut_at(progress.seen()),
            }
        } else {
            self.corrupt_header(&e)
        }
    }
}

fn walk<'a, R: 'a + Read>(iter: tar::Entries<'a, R>) -> Walk {
    let mut path = Vec::new();
    let mut walk = Walk {
        contents: LayerContents::default(),
        data_start: 0,
        data_end: 0,
        last_raw_path: None,
        error: None,
        error_is_last: false,
        oversize: None,
    };
    for item in iter {
        let entry = match item {
            Ok(entry) => entry,
            Err(e) => {
                walk.error = Some(e);
                break;
            }
        };
        let header = entry.header();
        let stored = if header.entry_type().is_gnu_sparse() {
            header.entry_size().unwrap_or(0)
        } else {
            entry.size()
        };
        walk.data_start = entry.raw_file_position();
        walk.data_end = walk.data_start.saturating_add(stored);
        let raw_path = entry.path_bytes();
        // Only a PAX record can hold a name this long: GNU long names are capped as they come.
        if let Some(o) = Oversize::of_name(Record::PaxPath, raw_path.len()) {
            walk.oversize = Some((walk.next_header(), o));
            break;
        }
        let last = walk.last_raw_path.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(&raw_path);
        match add(&entry, &mut walk.contents, &mut path) {
            Ok(()) => {}
            Err(Refused::Invalid(e)) => {
                walk.error = Some(e);
                walk.error_is_last = true;
                break;
            }
            Err(Refused::Oversize(o)) => {
                let name = String::from_utf8_lossy(&raw_path).into_owned();
                walk.oversize = Some((HeaderAt::Of(name), o));
                break;
            }
        }
    }
    walk
}

/// Why a header was not added.
enum Refused {
    /// A field of the header is invalid.
    Invalid(io::Error),
    /// Its link name is over the cap.
    Oversize(Oversize),
}

/// Adds one tar header to the layer's entries; headers that are not filesystem entries (PAX
/// global headers) and the root directory itself are left out.
/// `path` is scratch space, reused from entry to entry.
fn add<R: Read>(
    entry: &tar::Entry<'_, R>,
    contents: &mut LayerContents,
    path: &mut Vec<u8>,
) -> Result<(), Refused> {
    let header = entry.header();
    let raw_path = entry.path_bytes();
    let etype = header.entry_type();
    let mut kind = match etype {
        EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => EntryKind::File,
        EntryType::Link => EntryKind::Hardlink,
        EntryType::Symlink => EntryKind::Symlink,
        EntryType::Directory => EntryKind::Dir,
        EntryType::XGlobalHeader
        | EntryType::XHeader
        | EntryType::GNULongName
        | EntryType::GNULongLink => return Ok(()),
        _ => EntryKind::Other,
    };
    // Pre-POSIX tars mark directories with a trailing slash on a regular-file header.
    if kind == EntryKind::File && raw_path.ends_with(b"/") && entry.size() == 0 {
        kind = EntryKind::Dir;
    }
    path.clear();
    normalize_path_into(&raw_path, path);
    if path == b"/" {
        return Ok(());
    }
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or_default();
    if name == OPAQUE_MARKER {
        kind = EntryKind::Opaque;
    } else if name.starts_with(WHITEOUT_PREFIX) {
        kind = EntryKind::Whiteout;
    }
    let size = match kind {
        EntryKind::File if etype.is_gnu_sparse() => match header.as_gnu() {
            Some(gnu) => {
                let real = gnu.real_size().map_err(Refused::Invalid)?;
                if real > MAX_SPARSE_SIZE {
                    return Err(Refused::Invalid(io::Error::other(format!(
                        "sparse file {} claims {real} bytes",
                        String::from_utf8_lossy(path)
                    ))));
                }
                real
            }
            None => entry.size(),
        },
        EntryKind::File => entry.size(),
        _ => 0,
    };
    let link_name = match kind {
        EntryKind::Hardlink | EntryKind::Symlink => entry.link_name_bytes(),
        _ => None,
    };
    if let Some(o) = link_name
        .as_ref()
        .and_then(|l| Oversize::of_name(Record::PaxLinkPath, l.len()))
    {
        return Err(Refused::Oversize(o));
    }
    let link_target = match (kind, &link_name) {
        // Written after the path: both go to the layer's names at once.
        (EntryKind::Hardlink, Some(l)) => {
            let at = path.len();
            normalize_path_into(l, path);
            Some(at)
        }
        (EntryKind::Symlink, Some(l)) => {
            let at = path.len();
            path.extend_from_slice(l);
            Some(at)
        }
        _ => None,
    };
    let (path, link) = match link_target {
        Some(at) => {
            let (p, l) = path.split_at(at);
            (p, Some(l))
        }
        None => (&path[..], None),
    };
    // Blank owner or mode fields are 0 to GNU tar and Python's tarfile; they are metadata only,
    // so read them as 0 rather than reject the layer.
    contents.push(
        path,
        link,
        EntryMeta {
            kind,
            size,
            mode: header.mode().unwrap_or(0) & 0o7777,
            uid: header.uid().unwrap_or(0),
            gid: header.gid().unwrap_or(0),
        },
    );
    // A sparse file's stored bytes are not the file's: only plain data can be read back.
    if kind == EntryKind::File && !etype.is_gnu_sparse() {
        contents.set_data_offset(entry.raw_file_position());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
