//! Blobs checked against the digest that names them, while they stream: a registry (or a proxy,
//! or a disk under it) that sends other bytes than the manifest names is caught, and the bytes
//! are never read twice.

use std::io::{self, Read};

use sha2::{Digest as _, Sha256, Sha512};

/// A running hash of one of the algorithms digests use.
enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    /// The hash of `digest`'s algorithm (a digest already checked by `source::digest::parse`).
    fn of(digest: &str) -> Result<Hasher, String> {
        match digest.split_once(':').map(|(a, _)| a) {
            Some("sha256") => Ok(Hasher::Sha256(Sha256::new())),
            Some("sha512") => Ok(Hasher::Sha512(Sha512::new())),
            _ => Err(format!(
                "{digest} uses a digest algorithm sizegate does not check (it checks sha256 and sha512)"
            )),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// `algorithm:hex`, as digests are written.
    fn finish(self) -> String {
        let (algorithm, sum) = match self {
            Hasher::Sha256(h) => ("sha256", h.finalize().to_vec()),
            Hasher::Sha512(h) => ("sha512", h.finalize().to_vec()),
        };
        let hex: String = sum.iter().map(|b| format!("{b:02x}")).collect();
        format!("{algorithm}:{hex}")
    }
}

/// `sha256:HEX` of `bytes`: the digest of a manifest fetched by its tag.
pub(crate) fn sha256(bytes: &[u8]) -> String {
    let mut hasher = Hasher::Sha256(Sha256::new());
    hasher.update(bytes);
    hasher.finish()
}

/// The digest of `bytes` in the algorithm of `expected`, and whether it is `expected`.
pub(crate) fn check(expected: &str, bytes: &[u8]) -> Result<(), String> {
    let mut hasher = Hasher::of(expected)?;
    hasher.update(bytes);
    match hasher.finish() {
        actual if actual == expected => Ok(()),
        actual => Err(mismatch(expected, &actual)),
    }
}

/// The message of a blob whose bytes hash to another digest than the one that names it.
pub(crate) fn mismatch(expected: &str, actual: &str) -> String {
    format!("the registry sent bytes whose digest is {actual}, not the {expected} that names them")
}

/// A reader that hashes what passes through it, refuses more bytes than the descriptor's size and
/// tells `seen` how many bytes have passed.
pub(crate) struct Verifying<'a, R> {
    inner: R,
    hasher: Hasher,
    expected: String,
    read: u64,
    size: u64,
    seen: &'a (dyn Fn(u64) + Sync),
    /// The bytes `seen` was last told of: it is told every [`TELL_EVERY`] bytes and at the end,
    /// not at every read (a read is a TLS record, 16 KiB at most).
    told: u64,
}

/// How many bytes pass between two calls of a [`Verifying`]'s `seen`.
const TELL_EVERY: u64 = 1 << 20;

impl<'a, R: Read> Verifying<'a, R> {
    /// Wraps `inner`, the blob named `digest` of `size` bytes.
    pub(crate) fn new(
        inner: R,
        digest: &str,
        size: u64,
        seen: &'a (dyn Fn(u64) + Sync),
    ) -> Result<Self, String> {
        Ok(Verifying {
            inner,
            hasher: Hasher::of(digest)?,
            expected: digest.to_string(),
            read: 0,
            size,
            seen,
            told: 0,
        })
    }

    /// Reads what is left, then compares the digest: `Err` with the message when the bytes are
    /// not the ones named.
    pub(crate) fn finish(mut self) -> io::Result<Result<(), String>> {
        io::copy(&mut self, &mut io::sink())?;
        let actual = self.hasher.finish();
        Ok(match actual == self.expected {
            true => Ok(()),
            false => Err(mismatch(&self.expected, &actual)),
        })
    }
}

impl<R: Read> Read for Verifying<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.read < self.size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the registry sent {} of the blob's {} bytes",
                    self.read, self.size
                ),
            ));
        }
        self.read += n as u64;
        if self.read > self.size {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the registry sent more than the blob's {} bytes that the manifest gives",
                    self.size
                ),
            ));
        }
        self.hasher.update(&buf[..n]);
        if self.read - self.told >= TELL_EVERY || self.read == self.size {
            self.told = self.read;
            (self.seen)(self.read);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABC_SHA256: &str =
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn whole_bytes_pass_and_others_are_named() {
        assert_eq!(check(ABC_SHA256, b"abc"), Ok(()));
        let wrong = check(ABC_SHA256, b"abd").err().unwrap_or_default();
        assert!(wrong.contains("not the sha256:ba7816bf"), "{wrong}");
        assert!(check("md5:0123", b"abc").is_err());
    }

    #[test]
    fn the_stream_is_checked_for_its_length_and_digest() {
        let none = |_| {};
        let mut ok = Verifying::new(&b"abc"[..], ABC_SHA256, 3, &none).expect("sha256");
        let mut first = [0u8; 1];
        ok.read_exact(&mut first).expect("reads");
        assert_eq!(ok.finish().expect("reads").map_err(|_| ()), Ok(()));

        let wrong = Verifying::new(&b"abd"[..], ABC_SHA256, 3, &none).expect("sha256");
        assert!(wrong.finish().expect("reads").is_err());

        let short = Verifying::new(&b"ab"[..], ABC_SHA256, 3, &none).expect("sha256");
        let e = short
            .finish()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(e, "the registry sent 2 of the blob's 3 bytes");

        let long = Verifying::new(&b"abcd"[..], ABC_SHA256, 3, &none).expect("sha256");
        assert!(long.finish().is_err());
    }

    #[test]
    fn progress_sees_the_bytes_read() {
        let seen = std::sync::atomic::AtomicU64::new(0);
        let count = |n| seen.store(n, std::sync::atomic::Ordering::Relaxed);
        let v = Verifying::new(&b"abc"[..], ABC_SHA256, 3, &count).expect("sha256");
        v.finish().expect("reads").expect("matches");
        assert_eq!(seen.load(std::sync::atomic::Ordering::Relaxed), 3);
    }
}
