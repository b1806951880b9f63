//! Caps on the tar records that the `tar` crate reads whole into memory. Before it hands out an
//! entry, the `tar` crate reads the entry's GNU long name (`L`), GNU long link name (`K`) and PAX
//! header (`x`) into a `Vec` as large as their headers say: a small compressed layer can announce
//! gigabytes of zeros. [`RecordGuard`] sits between the `tar` crate and its reader and looks at
//! every header as it is read; an oversize record is refused before a byte of its data is read.
//! A PAX global header (`g`) is held to the same cap: the `tar` crate skips its data, but one of
//! megabytes is no real archive either.
//!
//! Why a reader rather than a walk over raw entries (`Entries::raw(true)`): a raw walk would take
//! over from the `tar` crate what these records mean (the PAX `size` that moves the next header,
//! the GNU sparse headers), and the layer walk is tuned to read each header once, with no
//! allocation per entry. The guard adds one flag test per read and one byte test per header.
//!
//! [`is_tar_header`] tells a tar header from other bytes by its checksum.

use std::cell::Cell;
use std::fmt;
use std::io::{self, Read, Seek, SeekFrom};

/// Longest name (path or link target) read, whether a GNU long name or a PAX record holds it;
/// Linux paths stop at 4096 bytes.
pub(crate) const MAX_NAME: u64 = 64 * 1024;

/// Largest PAX header read: its records (path, link, times, xattrs such as file capabilities and
/// SELinux labels) take a few kilobytes in real images.
pub(crate) const MAX_PAX: u64 = 4 * 1024 * 1024;

const BLOCK: usize = 512;

/// A tar record or name that sizegate refuses when it is larger than its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record {
    /// A GNU long name (`L`): `the GNU long name`.
    GnuLongName,
    /// A GNU long link name (`K`): `the GNU long link name`.
    GnuLongLink,
    /// A PAX header (`x`): `the PAX header`.
    Pax,
    /// A PAX global header (`g`), which belongs to no entry: `the PAX global header`.
    PaxGlobal,
    /// The `path` record of a PAX header, read with it: `the PAX path`.
    PaxPath,
    /// The `linkpath` record of a PAX header: `the PAX link name`.
    PaxLinkPath,
}

impl Record {
    /// The cap, in bytes.
    pub(crate) fn limit(self) -> u64 {
        match self {
            Record::Pax | Record::PaxGlobal => MAX_PAX,
            Record::GnuLongName | Record::GnuLongLink | Record::PaxPath | Record::PaxLinkPath => {
                MAX_NAME
            }
        }
    }

    /// What sizegate reads up to the cap, in the message: `names`, `PAX headers`.
    pub(crate) fn capped(self) -> &'static str {
        match self {
            Record::Pax | Record::PaxGlobal => "PAX headers",
            Record::GnuLongName | Record::GnuLongLink | Record::PaxPath | Record::PaxLinkPath => {
                "names"
            }
        }
    }

    /// Whether the record describes an entry (all but the PAX global header).
    pub(crate) fn of_an_entry(self) -> bool {
        self != Record::PaxGlobal
    }

    /// The record a header of this type byte starts, if it is one the cap applies to.
    fn of_type(typeflag: u8) -> Option<Record> {
        match typeflag {
            b'L' => Some(Record::GnuLongName),
            b'K' => Some(Record::GnuLongLink),
            b'x' => Some(Record::Pax),
            b'g' => Some(Record::PaxGlobal),
            _ => None,
        }
    }
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Record::GnuLongName => "GNU long name",
            Record::GnuLongLink => "GNU long link name",
            Record::Pax => "PAX header",
            Record::PaxGlobal => "PAX global header",
            Record::PaxPath => "PAX path",
            Record::PaxLinkPath => "PAX link name",
        })
    }
}

/// A record over its cap: which, and how many bytes it claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Oversize {
    /// Which record.
    pub(crate) record: Record,
    /// Its size as its header (or its text) gives it.
    pub(crate) size: u64,
}

impl Oversize {
    /// The oversize name, if a name (a path or a link target) of `len` bytes is over the cap.
    pub(crate) fn of_name(record: Record, len: usize) -> Option<Oversize> {
        let size = len as u64;
        (size > record.limit()).then_some(Oversize { record, size })
    }
}

/// A reader for the `tar` crate that refuses oversize records (see the module). It relies on how
/// `tar::Archive::entries_with_seek` reads: a seek to every header (by 0 bytes when it is next),
/// then the header's 512 bytes, before anything else. What it refused is set in the cell it was
/// given, for the caller to tell the refusal from a failed read.
pub(crate) struct RecordGuard<'c, R> {
    inner: R,
    refused: &'c Cell<Option<Oversize>>,
    /// Whether the next bytes read are (the rest of) a header: set by every seek.
    at_header: bool,
    /// A header that came in pieces, and how many of its bytes are there.
    pieces: [u8; BLOCK],
    filled: usize,
}

impl<'c, R> RecordGuard<'c, R> {
    /// Guards `inner`; a refusal is recorded in `refused`.
    pub(crate) fn new(inner: R, refused: &'c Cell<Option<Oversize>>) -> RecordGuard<'c, R> {
        RecordGuard {
            inner,
            refused,
            at_header: true,
            pieces: [0; BLOCK],
            filled: 0,
        }
    }

    /// The reader inside.
    pub(crate) fn into_inner(self) -> R {
        self.inner
    }

    /// Looks at the bytes of a header as they arrive; an error when the header starts an
    /// oversize record.
    fn look(&mut self, got: &[u8]) -> io::Result<()> {
        let oversize = if self.filled == 0 && got.len() >= BLOCK {
            // The usual case: the whole header in one read, looked at where it is.
            oversize(&got[..BLOCK])
        } else {
            let take = (BLOCK - self.filled).min(got.len());
            self.pieces[self.filled..self.filled + take].copy_from_slice(&got[..take]);
            self.filled += take;
            if self.filled < BLOCK {
                return Ok(());
            }
            self.filled = 0;
            oversize(&self.pieces)
        };
        self.at_header = false;
        match oversize {
            Some(o) => {
                self.refused.set(Some(o));
                Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "the {} is {} bytes; sizegate reads {} up to {} bytes",
                        o.record,
                        o.size,
                        o.record.capped(),
                        o.record.limit()
                    ),
                ))
            }
            None => Ok(()),
        }
    }
}

/// The oversize record a 512-byte header starts, if it starts one. Only headers the `tar` crate
/// takes for such records count (GNU or ustar magic, as it checks); a header with a wrong
/// checksum or size field is left to the `tar` crate to report.
fn oversize(block: &[u8]) -> Option<Oversize> {
    let record = Record::of_type(block[156])?;
    let header = tar::Header::from_byte_slice(block);
    if header.as_gnu().is_none() && header.as_ustar().is_none() {
        return None;
    }
    // The tar crate's own reading of the checksum and size fields, so that no header it takes
    // for a record escapes the cap.
    let sum = block[..148]
        .iter()
        .chain(&block[156..])
        .map(|&b| u32::from(b))
        .sum::<u32>()
        + 8 * u32::from(b' ');
    if header.cksum().ok() != Some(sum) {
        return None;
    }
    let size = header.entry_size().ok()?;
    (size > record.limit()).then_some(Oversize { record, size })
}

/// Whether a 512-byte block is a tar header: its checksum field matches its bytes.
pub(crate) fn is_tar_header(block: &[u8]) -> bool {
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

impl<R: Read> Read for RecordGuard<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.at_header && n > 0 {
            self.look(&buf[..n])?;
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for RecordGuard<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.at_header = true;
        self.filled = 0;
        self.inner.seek(to)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header of `typeflag` claiming `size` bytes, with GNU magic and a right checksum.
    fn header(typeflag: u8, size: u64) -> Vec<u8> {
        let mut h = tar::Header::new_gnu();
        h.set_size(size);
        h.as_old_mut().linkflag = [typeflag];
        h.set_cksum();
        h.as_bytes().to_vec()
    }

    #[test]
    fn each_record_type_is_capped_at_its_limit() {
        for (flag, record) in [
            (b'L', Record::GnuLongName),
            (b'K', Record::GnuLongLink),
            (b'x', Record::Pax),
            (b'g', Record::PaxGlobal),
        ] {
            let limit = record.limit();
            assert_eq!(oversize(&header(flag, limit)), None, "{record}");
            assert_eq!(
                oversize(&header(flag, limit + 1)),
                Some(Oversize {
                    record,
                    size: limit + 1
                }),
                "{record}"
            );
        }
        assert_eq!(oversize(&header(b'0', u64::MAX >> 2)), None);
    }

    #[test]
    fn a_header_with_a_wrong_checksum_is_left_to_the_tar_reader() {
        let mut h = header(b'L', 1 << 33);
        h[0] ^= 1;
        assert_eq!(oversize(&h), None);
    }

    /// Hands out its bytes `step` at a time, as a decompressor may.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    impl Seek for Trickle<'_> {
        fn seek(&mut self, _: SeekFrom) -> io::Result<u64> {
            Ok(0)
        }
    }

    #[test]
    fn a_header_read_in_pieces_is_looked_at_whole() {
        let h = header(b'x', MAX_PAX + 1);
        for step in [1, 100, 511, 512] {
            let refused = Cell::new(None);
            let mut guard = RecordGuard::new(
                Trickle {
                    data: &h,
                    step: step.min(h.len()),
                },
                &refused,
            );
            let mut block = [0u8; BLOCK];
            assert!(guard.read_exact(&mut block).is_err(), "step {step}");
            assert_eq!(
                refused.get().map(|o| o.record),
                Some(Record::Pax),
                "step {step}"
            );
        }
    }

    #[test]
    fn only_the_bytes_right_after_a_seek_are_a_header() {
        // Data that happens to look like an oversize header is only data.
        let mut data = header(b'0', 10);
        data.extend(header(b'L', 1 << 33));
        let refused = Cell::new(None);
        let mut guard = RecordGuard::new(&data[..], &refused);
        let mut block = [0u8; 2 * BLOCK];
        guard.read_exact(&mut block).expect("data is read");
        assert_eq!(refused.get(), None);
    }
}
