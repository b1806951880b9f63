//! A blob read on a thread of its own: the download and its digest on one core, the layer's
//! decompression and tar walk on another. Both are a pass over every byte, and a registry image
//! is often one large layer, whose time is the sum of the two when one thread does both.

use std::io::{self, Read};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use super::verify::Verifying;
use crate::source::io::read_up_to;

/// Bytes handed over at a time.
const CHUNK: usize = 256 * 1024;
/// Chunks in flight between the two threads: what the reader may run ahead, in memory.
const IN_FLIGHT: usize = 16;

/// Reads `blob` to its end on another thread while `consume` reads its bytes on this one, and
/// returns what `consume` returned and whether the bytes were the ones the digest names. The
/// blob is read to its end even when `consume` stops early (a tar's end-of-archive blocks come
/// before the end of the blob), so that its digest is always checked.
pub(crate) fn read_beside<R, T>(
    blob: Verifying<'_, R>,
    consume: impl FnOnce(&mut dyn Read) -> T,
) -> (T, io::Result<Result<(), String>>)
where
    R: Read + Send,
{
    let (sender, receiver) = sync_channel::<io::Result<(Vec<u8>, usize)>>(IN_FLIGHT);
    // Chunks read go back to the reader, to be filled again rather than allocated and zeroed.
    let (give_back, taken_back) = sync_channel::<Vec<u8>>(IN_FLIGHT + 2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut blob = blob;
            let mut listening = true;
            loop {
                let mut chunk = match taken_back.try_recv() {
                    Ok(chunk) if chunk.len() == CHUNK => chunk,
                    _ => vec![0u8; CHUNK],
                };
                // Filled whole (a read is one TLS record, 16 KiB at most): one hand-over per
                // chunk, not per record.
                match read_up_to(&mut blob, &mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        // Once `consume` is done, the rest is only hashed.
                        listening = listening && sender.send(Ok((chunk, n))).is_ok();
                    }
                    Err(e) => {
                        if listening {
                            let _ = sender.send(Err(io::Error::new(e.kind(), e.to_string())));
                        }
                        return Err(e);
                    }
                }
            }
            drop(sender);
            blob.finish()
        });
        let consumed = consume(&mut Chunks {
            receiver,
            give_back,
            chunk: Vec::new(),
            len: 0,
            at: 0,
        });
        let verified = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (consumed, verified)
    })
}

/// The chunks the reader sends, read as one stream; its end is the sender's end.
struct Chunks {
    receiver: Receiver<io::Result<(Vec<u8>, usize)>>,
    give_back: SyncSender<Vec<u8>>,
    /// The chunk being read, its first `len` bytes filled, read up to `at`.
    chunk: Vec<u8>,
    len: usize,
    at: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.len {
            match self.receiver.recv() {
                Ok(Ok((chunk, len))) => {
                    let used = std::mem::replace(&mut self.chunk, chunk);
                    // A full return channel only means one more allocation later.
                    let _ = self.give_back.try_send(used);
                    (self.len, self.at) = (len, 0);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.len - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC_SHA256: &str =
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn the_consumer_reads_every_byte_and_the_digest_is_checked() {
        let none = |_| {};
        let blob = Verifying::new(&b"abc"[..], ABC_SHA256, 3, &none).expect("sha256");
        let (read, verified) = read_beside(blob, |r| {
            let mut all = Vec::new();
            r.read_to_end(&mut all).map(|_| all)
        });
        assert_eq!(read.expect("reads"), b"abc");
        assert_eq!(verified.expect("reads"), Ok(()));
    }

    #[test]
    fn chunks_given_back_are_filled_again_without_mixing_bytes() {
        use sha2::Digest as _;
        let bytes: Vec<u8> = (0..CHUNK * 5 + 7).map(|i| (i * 31 % 251) as u8).collect();
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let digest = format!("sha256:{hex}");
        let none = |_| {};
        // A reader that gives a few bytes at a time, so that chunks are filled in part.
        struct Dribble<'a>(&'a [u8]);
        impl Read for Dribble<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0.len()).min(100_003);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let blob =
            Verifying::new(Dribble(&bytes), &digest, bytes.len() as u64, &none).expect("sha256");
        let (read, verified) = read_beside(blob, |r| {
            let mut all = Vec::new();
            let mut piece = [0u8; 1000];
            loop {
                match r.read(&mut piece)? {
                    0 => return Ok::<_, io::Error>(all),
                    n => all.extend_from_slice(&piece[..n]),
                }
            }
        });
        assert!(
            read.expect("reads") == bytes,
            "the bytes came through in order"
        );
        assert_eq!(verified.expect("reads"), Ok(()));
    }

    #[test]
    fn a_consumer_that_stops_early_still_gets_the_digest_checked() {
        let none = |_| {};
        let blob = Verifying::new(&b"abd"[..], ABC_SHA256, 3, &none).expect("sha256");
        let (first, verified) = read_beside(blob, |r| {
            let mut one = [0u8; 1];
            r.read_exact(&mut one).map(|()| one[0])
        });
        assert_eq!(first.expect("reads"), b'a');
        assert!(verified.expect("reads").is_err());
    }

    #[test]
    fn a_failed_read_reaches_both_sides() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"))
            }
        }
        let none = |_| {};
        let blob = Verifying::new(Failing, ABC_SHA256, 3, &none).expect("sha256");
        let (read, verified) = read_beside(blob, |r| r.read_to_end(&mut Vec::new()));
        assert_eq!(
            read.err().map(|e| e.kind()),
            Some(io::ErrorKind::ConnectionReset)
        );
        assert_eq!(
            verified.err().map(|e| e.kind()),
            Some(io::ErrorKind::ConnectionReset)
        );
    }
}
