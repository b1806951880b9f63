//! Walks one layer tar: sniffs the compression from magic bytes, reads headers only (seeking past
//! file data when the blob is a plain tar that can seek), and turns each header into an [`Entry`].

use std::io::{self, BufReader, Read, Seek, SeekFrom};

use tar::EntryType;

use super::counting::Counting;

use crate::image::{
    normalize_path_into, Compression, EntryKind, EntryMeta, LayerContents, OPAQUE_MARKER,
    WHITEOUT_PREFIX,
};

/// Read-buffer size in front of decompressors: large enough to keep syscalls rare.
const DECODE_BUFFER: usize = 256 * 1024;

/// Largest size a GNU sparse file may claim: its holes take no bytes in the tar, so nothing else
/// bounds the claim, and an absurd one would make every total meaningless.
const MAX_SPARSE_SIZE: u64 = 1 << 50;

/// Compressions that may turn up but that no image tool writes for layers; named in the error.
pub fn unsupported_compression(magic: &[u8]) -> Option<&'static str> {
    if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if magic.starts_with(b"BZh") {
        Some("bzip2")
    } else {
        None
    }
}

fn refuse_unsupported(magic: &[u8]) -> Result<(), String> {
    match unsupported_compression(magic) {
        Some(name) => Err(format!(
            "{name}-compressed data is not supported: image layers are plain tar, gzip or zstd"
        )),
        None => Ok(()),
    }
}

/// Sniffs how a blob is stored from its first bytes.
pub fn sniff_compression(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Scans a layer blob that can seek (a member of a tar file on disk, a blob file): a plain tar is
/// read headers-only, seeking past file data; compressed blobs are inflated as a stream.
pub fn scan_seekable<R: Read + Seek>(mut blob: R, blob_len: u64) -> Result<LayerContents, String> {
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut blob, &mut magic).map_err(|e| e.to_string())?;
    refuse_unsupported(&magic[..n])?;
    blob.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let compression = sniff_compression(&magic[..n]);
    let mut contents = match compression {
        Compression::None => {
            // No BufReader here: its seek would throw the buffer away at every entry.
            let mut archive = tar::Archive::new(blob);
            let iter = archive.entries_with_seek().map_err(|e| e.to_string())?;
            let walk = walk(iter);
            if let Some(e) = &walk.error {
                return Err(walk.describe(e));
            }
            if walk.data_end > blob_len {
                return Err(format!(
                    "the data of {} runs past the end of the layer ({} of {} bytes present)",
                    walk.last_path(),
                    blob_len,
                    walk.data_end
                ));
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
pub fn scan_stream<R: Read>(mut blob: R, blob_len: u64) -> Result<LayerContents, String> {
    let mut magic = [0u8; 6];
    let n = read_up_to(&mut blob, &mut magic).map_err(|e| e.to_string())?;
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
) -> Result<LayerContents, String> {
    match compression {
        // Multi-member: eStargz and pigz write several gzip members back to back.
        Compression::Gzip => walk_to_end(flate2::bufread::MultiGzDecoder::new(blob)),
        Compression::Zstd => {
            let decoder =
                zstd::stream::read::Decoder::with_buffer(blob).map_err(|e| format!("zstd: {e}"))?;
            walk_to_end(decoder)
        }
        Compression::None => walk_stream(blob),
    }
}

/// Walks a decompressed tar, then reads the decompressor to its end: the walk stops at the
/// end-of-archive blocks, and only the end of the stream checks the gzip CRC and length trailer
/// (or the zstd frame), so a blob cut or corrupted after the tar's end is still an error.
fn walk_to_end<R: Read>(mut decoder: R) -> Result<LayerContents, String> {
    let contents = walk_stream(&mut decoder)?;
    io::copy(&mut decoder, &mut io::sink())
        .map_err(|e| format!("the compressed stream does not end cleanly: {e}"))?;
    Ok(contents)
}

/// Walks a tar that cannot seek. A tar that ends without its end-of-archive blocks, or even without
/// the padding of its last member (`umoci insert` writes such layers), is complete as long as every
/// header and all data are there; only a stream that stops inside a header or inside data is an error.
fn walk_stream<R: Read>(reader: R) -> Result<LayerContents, String> {
    let (counted, progress) = Counting::new(reader);
    let mut archive = tar::Archive::new(counted);
    let walk = walk(archive.entries_with_seek().map_err(|e| e.to_string())?);
    if let Some(e) = &walk.error {
        // The stream may stop after the last data byte but not past the padding: bytes beyond
        // that boundary are a header cut short.
        let padded_end = walk.data_end.next_multiple_of(512);
        let only_padding_missing =
            progress.ended() && (walk.data_end..padded_end).contains(&progress.seen());
        if !only_padding_missing {
            return Err(walk.describe(e));
        }
    }
    Ok(walk.contents)
}

/// What a walk over tar headers collected, and how it ended.
struct Walk {
    contents: LayerContents,
    /// Offset just past the data of the last header seen.
    data_end: u64,
    /// The name of the last header seen, for error messages; `None` before the first. The
    /// buffer is reused: copying every name into a new one showed per entry.
    last_raw_path: Option<Vec<u8>>,
    error: Option<io::Error>,
}

impl Walk {
    fn last_path(&self) -> String {
        match &self.last_raw_path {
            Some(p) => format!("entry {}", String::from_utf8_lossy(p)),
            None => "the first entry".to_string(),
        }
    }

    fn describe(&self, e: &io::Error) -> String {
        match &self.last_raw_path {
            Some(p) => format!("after entry {}: {e}", String::from_utf8_lossy(p)),
            None => e.to_string(),
        }
    }
}

fn walk<'a, R: 'a + Read>(iter: tar::Entries<'a, R>) -> Walk {
    let mut path = Vec::new();
    let mut walk = Walk {
        contents: LayerContents::default(),
        data_end: 0,
        last_raw_path: None,
        error: None,
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
        walk.data_end = entry.raw_file_position().saturating_add(stored);
        let last = walk.last_raw_path.get_or_insert_with(Vec::new);
        last.clear();
        last.extend_from_slice(&entry.path_bytes());
        if let Err(e) = add(&entry, &mut walk.contents, &mut path) {
            walk.error = Some(e);
            break;
        }
    }
    walk
}

/// Adds one tar header to the layer's entries; headers that are not filesystem entries (PAX
/// global headers) and the root directory itself are left out.
/// `path` is scratch space, reused from entry to entry.
fn add<R: Read>(
    entry: &tar::Entry<'_, R>,
    contents: &mut LayerContents,
    path: &mut Vec<u8>,
) -> io::Result<()> {
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
                let real = gnu.real_size()?;
                if real > MAX_SPARSE_SIZE {
                    return Err(io::Error::other(format!(
                        "sparse file {} claims {real} bytes",
                        String::from_utf8_lossy(path)
                    )));
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
    Ok(())
}

/// Whether a 512-byte block is a tar header: its checksum field matches its bytes.
pub fn is_tar_header(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    let field = String::from_utf8_lossy(&block[148..156]);
    let Ok(stored) = u32::from_str_radix(field.trim_matches(|c: char| c == ' ' || c == '\0'), 8)
    else {
        return false;
    };
    let sum: u32 = block[..148]
        .iter()
        .chain(&block[156..512])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + 8 * u32::from(b' ');
    sum == stored
}

/// Reads as many bytes as fit in `buf`, fewer only at the end of the stream.
pub fn read_up_to<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_file_tar(header: &mut tar::Header, data: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        header.set_size(data.len() as u64);
        header.set_cksum();
        b.append_data(header, "./etc/x", data).expect("append");
        b.into_inner().expect("finish")
    }

    #[test]
    fn blank_owner_fields_read_as_zero() {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o640);
        let tar = one_file_tar(&mut h, b"hello");
        let got = scan_seekable(io::Cursor::new(&tar), tar.len() as u64).expect("scans");
        assert_eq!(got.entries.len(), 1);
        let e = &got.entries[0];
        assert_eq!(
            (got.path(e), e.size, e.mode, e.uid, e.gid),
            (&b"/etc/x"[..], 5, 0o640, 0, 0)
        );
    }

    #[test]
    fn plain_tar_is_read_the_same_seekable_or_streamed() {
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o644);
        // Base-256 (GNU) ids past u32 are kept as they are.
        h.set_uid(5_000_000_000);
        h.set_gid(1000);
        let tar = one_file_tar(&mut h, &[7u8; 1500]);
        let a = scan_seekable(io::Cursor::new(&tar), tar.len() as u64).expect("seekable");
        let b = scan_stream(&tar[..], tar.len() as u64).expect("stream");
        assert_eq!(a.entries, b.entries);
        assert_eq!(a.path(&a.entries[0]), b.path(&b.entries[0]));
        assert_eq!(a.entries[0].uid, 5_000_000_000);
    }

    #[test]
    fn sniffs_magic_bytes() {
        assert_eq!(sniff_compression(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
        assert_eq!(
            sniff_compression(&[0x28, 0xb5, 0x2f, 0xfd]),
            Compression::Zstd
        );
        assert_eq!(sniff_compression(b"usr/"), Compression::None);
        assert_eq!(sniff_compression(&[]), Compression::None);
    }
}
