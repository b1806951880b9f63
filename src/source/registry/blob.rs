//! A blob's body, reopened from where it stopped when the connection breaks (a bounded number of
//! times): a reset in the middle of a gigabyte layer costs a new request, not the whole layer.

use std::io::{self, Read};
use std::time::{Duration, Instant};

use ureq::http::StatusCode;

use super::client::{Client, Endpoint};
use super::http::{Backoff, ATTEMPTS};

/// Fewest bytes a blob must bring in each `--timeout`: a server that sends a byte just before
/// every read times out is as stuck as one that sends none.
const MIN_BYTES_PER_TIMEOUT: u64 = 64 * 1024;
/// Bytes a connection must bring before it breaks for the reopens to be given back: a link that
/// resets now and then still gets through a large layer, one that resets at once does not.
const REFILL_BYTES: u64 = 16 * 1024 * 1024;

/// The body of the blob `digest`, `size` bytes, from the registry of `client`.
pub(crate) struct BlobBody<'c> {
    client: &'c Client,
    digest: String,
    size: u64,
    /// Bytes handed out so far: where a reopened request starts.
    offset: u64,
    body: Option<ureq::BodyReader<'static>>,
    /// The reopens left, and the waits before them; given back whenever a connection brought
    /// [`REFILL_BYTES`] before it broke.
    reopens: Backoff,
    /// Bytes read since the last reopen.
    since_reopen: u64,
    /// The bytes of the current `--timeout` window, and when it began.
    window: (u64, Instant),
}

impl<'c> BlobBody<'c> {
    /// Opens the blob `digest` of `size` bytes.
    pub(crate) fn open(
        client: &'c Client,
        digest: &str,
        size: u64,
    ) -> Result<BlobBody<'c>, String> {
        let mut body = BlobBody {
            client,
            digest: digest.to_string(),
            size,
            offset: 0,
            body: None,
            reopens: Backoff::new(ATTEMPTS),
            since_reopen: 0,
            window: (0, Instant::now()),
        };
        body.reopen()?;
        Ok(body)
    }

    /// Asks for the rest of the blob, and skips what a registry sends again: all of it when it
    /// ignores the range, or the part before `offset` when its range starts earlier.
    fn reopen(&mut self) -> Result<(), String> {
        let response = self
            .client
            .get(Endpoint::Blobs, &self.digest, self.offset, false)?;
        let start = match response.status() {
            StatusCode::PARTIAL_CONTENT => range_start(
                response
                    .headers()
                    .get("content-range")
                    .and_then(|v| v.to_str().ok()),
            )
            .ok_or_else(|| {
                format!(
                    "the registry's partial answer for {} has no byte range",
                    self.digest
                )
            })?,
            _ => 0,
        };
        if start > self.offset {
            return Err(format!(
                "the registry resumed {} at byte {start}, not at byte {}",
                self.digest, self.offset
            ));
        }
        let mut reader = response.into_body().into_reader();
        // The wait for the answer is not the body's pace: the window starts with the body.
        self.window = (0, Instant::now());
        // What is sent again is skipped at the same pace as the rest is read.
        let mut skip = self.offset - start;
        let mut chunk = vec![0u8; 64 * 1024];
        while skip > 0 {
            let want = chunk.len().min(usize::try_from(skip).unwrap_or(usize::MAX));
            let n = reader.read(&mut chunk[..want]).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err(format!("the blob {} ended early on a retry", self.digest));
            }
            skip -= n as u64;
            self.pace(n).map_err(|e| e.to_string())?;
        }
        self.body = Some(reader);
        Ok(())
    }

    /// Counts `n` bytes into the current window, and fails when a window ends with too few.
    fn pace(&mut self, n: usize) -> io::Result<()> {
        let timeout: Duration = self.client.timeout();
        let (bytes, since) = &mut self.window;
        *bytes += n as u64;
        if since.elapsed() >= timeout {
            if *bytes < MIN_BYTES_PER_TIMEOUT {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the registry sent {bytes} bytes of {} in {} s (--timeout): too slow to go on",
                        self.digest,
                        timeout.as_secs()
                    ),
                ));
            }
            self.window = (0, Instant::now());
        }
        Ok(())
    }
}

/// The first byte of `bytes START-END/TOTAL`.
fn range_start(content_range: Option<&str>) -> Option<u64> {
    let range = content_range?.trim().strip_prefix("bytes ")?;
    range.split(['-', '/']).next()?.trim().parse().ok()
}

impl Read for BlobBody<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Every byte is there: a break after the last one needs no new request (which a
        // registry would answer 416).
        if self.offset >= self.size || buf.is_empty() {
            return Ok(0);
        }
        loop {
            let Some(body) = self.body.as_mut() else {
                self.reopen().map_err(io::Error::other)?;
                continue;
            };
            let broke = match body.read(buf) {
                Ok(0) if self.offset < self.size => None,
                Ok(n) => {
                    self.offset += n as u64;
                    self.since_reopen += n as u64;
                    self.pace(n)?;
                    return Ok(n);
                }
                Err(e) => Some(e),
            };
            if self.since_reopen >= REFILL_BYTES {
                self.reopens = Backoff::new(ATTEMPTS);
            }
            if !self.reopens.pause(None) {
                // A body that ended early is the caller's to tell (it knows the size).
                return broke.map_or(Ok(0), Err);
            }
            self.since_reopen = 0;
            self.body = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_give_their_start() {
        assert_eq!(range_start(Some("bytes 100-199/200")), Some(100));
        assert_eq!(range_start(Some("bytes 0-9/*")), Some(0));
        assert_eq!(range_start(Some("bytes */200")), None);
        assert_eq!(range_start(Some("items 1-2/3")), None);
        assert_eq!(range_start(None), None);
    }
}
