//! Counting the bytes a reader hands to the tar parser, so that a stream that ends early can be
//! told apart: missing padding (fine), or a header or data cut short (an error, naming what).
//! It also notes whether the reader itself failed, so that a failed read (a decompressor's, the
//! operating system's) is not taken for a tar header the parser rejected. The same reader skips
//! file data for the parser. [`EndSeen`] is the lighter reader for a tar that can seek.

use std::cell::Cell;
use std::io::{self, Read, Seek, SeekFrom};
use std::rc::Rc;

/// Size of the buffer file data is skipped through: big enough that a decompressor fills it a
/// block at a time.
const SKIP_BUFFER: usize = 256 * 1024;

/// How far a stream has been read, readable while the tar parser owns the reader.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    seen: Cell<u64>,
    ended: Cell<bool>,
    failed: Cell<bool>,
}

impl Progress {
    /// Bytes read so far.
    pub(crate) fn seen(&self) -> u64 {
        self.seen.get()
    }

    /// Whether the stream has reported its end.
    pub(crate) fn ended(&self) -> bool {
        self.ended.get()
    }

    /// Whether a read of the wrapped reader failed: then the tar parser's error is that reader's.
    pub(crate) fn failed(&self) -> bool {
        self.failed.get()
    }
}

/// A reader that records its [`Progress`].
pub(crate) struct Counting<R> {
    inner: R,
    progress: Rc<Progress>,
    /// Where skipped bytes go; allocated at the first skip.
    skipped: Vec<u8>,
}

impl<R> Counting<R> {
    /// Wraps `inner`; the returned handle shows how far it has been read.
    pub(crate) fn new(inner: R) -> (Counting<R>, Rc<Progress>) {
        let progress = Rc::new(Progress::default());
        let reader = Counting {
            inner,
            progress: Rc::clone(&progress),
            skipped: Vec::new(),
        };
        (reader, progress)
    }
}

impl Progress {
    /// Records a read of `n` bytes out of `asked`.
    fn record(&self, n: usize, asked: usize) {
        if n == 0 && asked > 0 {
            self.ended.set(true);
        }
        self.seen.set(self.seen.get() + n as u64);
    }

    /// Records that a read failed; only on the error path, so reads cost nothing more.
    fn fail(&self) {
        self.failed.set(true);
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf).inspect_err(|_| self.progress.fail())?;
        self.progress.record(n, buf.len());
        Ok(n)
    }
}

/// Seeking forward reads and drops the bytes, through one buffer for the whole stream: the tar
/// parser's own skip, used when its reader cannot seek, zeroes a 32 KiB buffer for every entry
/// and hands a decompressor small reads, which showed in the profiles of compressed layers of
/// small files. Only forward seeks from the current position are possible (the only kind the
/// tar parser makes); a stream that ends before the target is an error.
impl<R: Read> Seek for Counting<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let SeekFrom::Current(forward) = to else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "a stream can only skip forward",
            ));
        };
        let mut left = u64::try_from(forward).map_err(|_| {
            io::Error::new(io::ErrorKind::Unsupported, "a stream cannot seek backwards")
        })?;
        if self.skipped.is_empty() && left > 0 {
            self.skipped = vec![0; SKIP_BUFFER];
        }
        while left > 0 {
            let want = left.min(SKIP_BUFFER as u64) as usize;
            match self.inner.read(&mut self.skipped[..want]) {
                Ok(n) => {
                    self.progress.record(n, want);
                    if n == 0 {
                        // The tar parser's own words for it.
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "unexpected EOF during skip",
                        ));
                    }
                    left -= n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.progress.fail();
                    return Err(e);
                }
            }
        }
        Ok(self.progress.seen())
    }
}

/// Reports whether a read came back empty although bytes were asked for: the tar needed more than
/// the blob has. One comparison per read, and only in front of a seekable plain tar.
pub(crate) struct EndSeen<R> {
    inner: R,
    ended: bool,
}

impl<R> EndSeen<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> EndSeen<R> {
        EndSeen {
            inner,
            ended: false,
        }
    }

    /// Whether a read came back empty although bytes were asked for.
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }
}

impl<R: Read> Read for EndSeen<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for EndSeen<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.inner.seek(to)
    }
}
