//! Reading a byte range of a file (an archive member, a blob) with positional reads: many ranges
//! can be read at once from one file handle, and seeking costs nothing.
//!
//! Reads go through a buffer that, unlike `BufReader`'s, survives seeks that land inside it: the
//! tar walker reads a 512-byte header, then seeks past the file's data; when files are small, the
//! next headers are already in the buffer, so a layer of many small files costs a few large reads
//! instead of one read per header. When headers lie further apart (larger files), big reads would
//! copy mostly file data only to reach one header: then a page at a time is cheaper.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// How much is read at once for small reads while they land close together (a layer of small
/// files): many headers per read.
const CHUNK: usize = 64 * 1024;

/// How much is read at once for small reads that land far apart (a layer of larger files): a read
/// costs a syscall plus a copy of what it fills, and bytes past the header are file data.
const PAGE: usize = 4 * 1024;

/// The average distance between small reads below which a chunk pays off. Measured on the
/// benchmark images (bench/RESULTS.md): a 4 KiB page is 17% faster than 64 KiB chunks on a layer
/// of 0-32 KiB files, and 10% slower on one of 1.5 KiB files on average.
const DENSE_GAP: u64 = 5 * 1024;

/// A byte range of a file, readable and seekable.
pub(crate) struct RangeReader<'f> {
    file: &'f File,
    /// Offset of the range in the file.
    start: u64,
    /// Length of the range.
    len: u64,
    /// Position in the range.
    pos: u64,
    buf: Vec<u8>,
    /// Range position of `buf[0]`.
    buf_pos: u64,
    /// Position of the last small read.
    last_read: u64,
    /// Running average of the distance between small reads (each read weighs a quarter).
    gap: u64,
}

impl<'f> RangeReader<'f> {
    /// The `len` bytes of `file` from `start`.
    pub(crate) fn new(file: &'f File, start: u64, len: u64) -> RangeReader<'f> {
        RangeReader {
            file,
            start,
            len,
            pos: 0,
            buf: Vec::new(),
            buf_pos: 0,
            last_read: 0,
            gap: 0,
        }
    }

    /// The buffered bytes from `pos` on, if `pos` is inside the buffer.
    fn buffered(&self) -> Option<&[u8]> {
        let offset = self.pos.checked_sub(self.buf_pos)?;
        self.buf
            .get(offset as usize..)
            .filter(|rest| !rest.is_empty())
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let remaining = self.len.saturating_sub(self.pos);
        let want = (out.len() as u64).min(remaining) as usize;
        if want == 0 {
            return Ok(0);
        }
        if want >= CHUNK {
            // Large reads (a decompressor's) go straight to the caller's buffer.
            let n = read_at(self.file, &mut out[..want], self.start + self.pos)?;
            self.pos += n as u64;
            return Ok(n);
        }
        if let Some(distance) = self.pos.checked_sub(self.last_read) {
            self.gap = (3 * self.gap + distance) / 4;
        }
        self.last_read = self.pos;
        if let Some(rest) = self.buffered() {
            let n = rest.len().min(want);
            out[..n].copy_from_slice(&rest[..n]);
            self.pos += n as u64;
            return Ok(n);
        }
        let chunk = if self.gap < DENSE_GAP {
            CHUNK
        } else {
            PAGE.max(want)
        };
        let fill = (chunk as u64).min(remaining) as usize;
        self.buf.resize(fill, 0);
        let got = read_at(self.file, &mut self.buf[..fill], self.start + self.pos)?;
        self.buf.truncate(got);
        self.buf_pos = self.pos;
        let n = got.min(want);
        out[..n].copy_from_slice(&self.buf[..n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let new = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
        };
        self.pos = new
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn reads_and_seeks_within_the_range_like_a_slice() {
        let mut tmp = tempfile::tempfile().expect("temp file");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        tmp.write_all(&data).expect("write");
        let (start, len) = (1000u64, 250_000u64);
        let want = &data[start as usize..(start + len) as usize];
        let mut r = RangeReader::new(&tmp, start, len);
        let mut got = Vec::new();
        let mut small = [0u8; 700];
        // Small reads, with seeks forward and back, inside and outside the buffer.
        for (skip, back) in [
            (0i64, 0i64),
            (5000, 0),
            (200_000, 0),
            (0, -150_000),
            (10, 0),
        ] {
            r.seek(SeekFrom::Current(skip + back)).expect("seek");
            let at = r.stream_position().expect("pos") as usize;
            let n = r.read(&mut small).expect("read");
            assert_eq!(&small[..n], &want[at..at + n]);
            got.push(n);
        }
        r.seek(SeekFrom::Start(0)).expect("seek");
        let mut all = Vec::new();
        r.read_to_end(&mut all).expect("read all");
        assert_eq!(all, want);
        r.seek(SeekFrom::End(10)).expect("past the end");
        assert_eq!(r.read(&mut small).expect("eof"), 0);
    }
}
