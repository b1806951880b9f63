//! Counting the bytes a reader hands to the tar parser, so that a stream that ends early can be
//! told apart: missing padding (fine), or a header or data cut short (an error, naming what).

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

/// How far a stream has been read, readable while the tar parser owns the reader.
#[derive(Debug, Default)]
pub struct Progress {
    seen: Cell<u64>,
    ended: Cell<bool>,
}

impl Progress {
    /// Bytes read so far.
    pub fn seen(&self) -> u64 {
        self.seen.get()
    }

    /// Whether the stream has reported its end.
    pub fn ended(&self) -> bool {
        self.ended.get()
    }
}

/// A reader that records its [`Progress`].
pub struct Counting<R> {
    inner: R,
    progress: Rc<Progress>,
}

impl<R> Counting<R> {
    /// Wraps `inner`; the returned handle shows how far it has been read.
    pub fn new(inner: R) -> (Counting<R>, Rc<Progress>) {
        let progress = Rc::new(Progress::default());
        let reader = Counting {
            inner,
            progress: Rc::clone(&progress),
        };
        (reader, progress)
    }
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.progress.ended.set(true);
        }
        self.progress.seen.set(self.progress.seen.get() + n as u64);
        Ok(n)
    }
}
