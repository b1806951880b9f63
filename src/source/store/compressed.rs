//! An archive compressed as a whole (`docker save app | gzip > app.tar.gz`), decoded to the very
//! end of its compressed stream, as a compressed layer is: the tar in it ends at its
//! end-of-archive blocks, but only the gzip trailer (CRC and length) or the end of a zstd frame
//! says that the bytes before were the ones written, and only what follows the last member or
//! frame says that nothing else was appended. Members (gzip) and frames (zstd) are decoded one by
//! one, so that bytes after the last one that start no other are told apart from a stream cut
//! short or corrupt.
//!
//! A failure of the stream reaches whichever reader asked for bytes (the tar reader, a layer's
//! walk, a JSON read); [`Decoded`] also records it, so that the archive is named as what failed.

use std::cell::RefCell;
use std::io::{self, BufRead, Read};
use std::mem;

use crate::error::StreamProblem;
use crate::image::Compression;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// A zstd skippable frame: a first byte of 0x50 to 0x5f, then these.
const ZSTD_SKIPPABLE_REST: [u8; 3] = [0x2a, 0x4d, 0x18];

/// What the reader is at.
enum State<R: BufRead> {
    /// A plain tar: bytes pass through.
    Plain(R),
    /// Inside a gzip member (boxed: the decoder's state is large, and members are few).
    Gzip(Box<flate2::bufread::GzDecoder<R>>),
    /// Inside a zstd frame.
    Zstd(zstd::stream::read::Decoder<'static, R>),
    /// After a member or frame: the compressed bytes from there.
    Between(R),
    /// After the end of the compressed stream.
    Done,
    /// After a failure of the stream (recorded).
    Failed,
}

/// The decoded bytes of an archive, plain or compressed as a whole (see the module).
pub(crate) struct Decoded<'f, R: BufRead> {
    state: State<R>,
    compression: Compression,
    /// The first failure of the compressed stream; an operating system's failed read is not one
    /// (it is reported as itself, where it reaches).
    failure: &'f RefCell<Option<StreamProblem>>,
}

impl<'f, R: BufRead> Decoded<'f, R> {
    /// Decodes `reader`, whose compression was sniffed as `compression`; a failure of its stream
    /// is recorded in `failure`. Fails only when zstd cannot set up its context.
    pub(crate) fn new(
        reader: R,
        compression: Compression,
        failure: &'f RefCell<Option<StreamProblem>>,
    ) -> io::Result<Decoded<'f, R>> {
        let state = match compression {
            Compression::None => State::Plain(reader),
            Compression::Gzip | Compression::Zstd => start(reader, compression)?,
        };
        Ok(Decoded {
            state,
            compression,
            failure,
        })
    }

    /// Takes the compressed reader back from a member or frame that has ended.
    fn end_member(&mut self) {
        self.state = match mem::replace(&mut self.state, State::Done) {
            State::Gzip(decoder) => State::Between(decoder.into_inner()),
            State::Zstd(decoder) => State::Between(decoder.finish()),
            other => other,
        };
    }

    /// After a member or frame: the end of the stream, another member or frame, or junk.
    fn next_member(&mut self) -> io::Result<()> {
        let State::Between(mut reader) = mem::replace(&mut self.state, State::Failed) else {
            return Ok(());
        };
        let next = match reader.fill_buf() {
            Ok([]) => Next::End,
            Ok(head) if self.starts_member(head) => Next::Member,
            Ok(_) => Next::Junk,
            Err(e) => Next::Unread(e),
        };
        match next {
            Next::End => self.state = State::Done,
            Next::Member => self.state = start(reader, self.compression)?,
            Next::Junk => {
                self.record(StreamProblem::Junk);
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "junk follows the end of the compressed stream",
                ));
            }
            Next::Unread(e) => {
                // Not the stream's failure: the same read may be tried again.
                self.state = State::Between(reader);
                return Err(self.fail(e));
            }
        }
        Ok(())
    }

    /// Whether the bytes after a member or frame start another (as far as they go).
    fn starts_member(&self, head: &[u8]) -> bool {
        match self.compression {
            Compression::Gzip => begins(head, &GZIP_MAGIC),
            Compression::Zstd => {
                begins(head, &ZSTD_MAGIC)
                    || (head[0] & 0xf0 == 0x50 && begins(&head[1..], &ZSTD_SKIPPABLE_REST))
            }
            Compression::None => false,
        }
    }

    /// Records a failure of the compressed stream, and hands the error on. A read the operating
    /// system failed is not one: it is reported as itself where it reaches, and may be tried
    /// again.
    fn fail(&mut self, e: io::Error) -> io::Error {
        if e.raw_os_error().is_none() {
            self.record(if e.kind() == io::ErrorKind::UnexpectedEof {
                StreamProblem::EndsEarly
            } else {
                StreamProblem::Corrupt(e.to_string())
            });
        }
        e
    }

    /// Records the first failure of the stream; nothing is read after it.
    fn record(&mut self, problem: StreamProblem) {
        self.failure.borrow_mut().get_or_insert(problem);
        self.state = State::Failed;
    }
}

/// What follows a member or frame.
enum Next {
    End,
    Member,
    Junk,
    Unread(io::Error),
}

/// A decoder for the member or frame that starts `reader`.
fn start<R: BufRead>(reader: R, compression: Compression) -> io::Result<State<R>> {
    Ok(match compression {
        Compression::Zstd => {
            State::Zstd(zstd::stream::read::Decoder::with_buffer(reader)?.single_frame())
        }
        Compression::Gzip => State::Gzip(Box::new(flate2::bufread::GzDecoder::new(reader))),
        Compression::None => State::Plain(reader),
    })
}

/// Whether `head` starts with `magic`, or with as much of it as `head` holds.
fn begins(head: &[u8], magic: &[u8]) -> bool {
    let n = head.len().min(magic.len());
    head[..n] == magic[..n]
}

impl<R: BufRead> Read for Decoded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let result = match &mut self.state {
                State::Plain(reader) => return reader.read(buf),
                State::Gzip(decoder) => decoder.read(buf),
                State::Zstd(decoder) => decoder.read(buf),
                State::Between(_) => {
                    self.next_member()?;
                    continue;
                }
                State::Done => return Ok(0),
                State::Failed => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the compressed stream failed",
                    ))
                }
            };
            match result {
                Ok(0) => self.end_member(),
                Ok(n) => return Ok(n),
                Err(e) => return Err(self.fail(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).expect("gzip to memory");
        enc.finish().expect("gzip to memory")
    }

    fn zstd(data: &[u8]) -> Vec<u8> {
        zstd::encode_all(data, 3).expect("zstd to memory")
    }

    /// Everything `stream` decodes to, or the problem recorded.
    fn decode(stream: &[u8], compression: Compression) -> Result<Vec<u8>, StreamProblem> {
        let failure = RefCell::new(None);
        let mut decoded = Decoded::new(stream, compression, &failure).expect("decoder");
        let mut out = Vec::new();
        let result = decoded.read_to_end(&mut out);
        match failure.into_inner() {
            Some(problem) => {
                assert!(result.is_err(), "a failure is an error where it reaches");
                Err(problem)
            }
            None => {
                result.expect("no failure, no error");
                Ok(out)
            }
        }
    }

    #[test]
    fn members_and_frames_are_read_one_after_another() {
        let mut gz = gzip(b"hello ");
        gz.extend(gzip(b"world"));
        assert_eq!(decode(&gz, Compression::Gzip), Ok(b"hello world".to_vec()));
        let mut zst = zstd(b"hello ");
        // A skippable frame between the two.
        zst.extend([0x50, 0x2a, 0x4d, 0x18, 2, 0, 0, 0, 9, 9]);
        zst.extend(zstd(b"world"));
        assert_eq!(decode(&zst, Compression::Zstd), Ok(b"hello world".to_vec()));
    }

    #[test]
    fn junk_after_the_stream_is_junk_however_short() {
        for junk in [&b"\n"[..], b"garbage!", &[0u8; 100]] {
            let mut gz = gzip(b"data");
            gz.extend_from_slice(junk);
            assert_eq!(
                decode(&gz, Compression::Gzip),
                Err(StreamProblem::Junk),
                "{junk:?}"
            );
            let mut zst = zstd(b"data");
            zst.extend_from_slice(junk);
            assert_eq!(
                decode(&zst, Compression::Zstd),
                Err(StreamProblem::Junk),
                "{junk:?}"
            );
        }
    }

    #[test]
    fn a_stream_cut_short_ends_early() {
        let gz = gzip(b"data");
        assert_eq!(
            decode(&gz[..gz.len() - 8], Compression::Gzip),
            Err(StreamProblem::EndsEarly)
        );
        // The first byte of another member, and nothing more.
        let mut two = gz.clone();
        two.push(0x1f);
        assert_eq!(
            decode(&two, Compression::Gzip),
            Err(StreamProblem::EndsEarly)
        );
        let zst = zstd(&[7u8; 1000]);
        assert_eq!(
            decode(&zst[..zst.len() - 3], Compression::Zstd),
            Err(StreamProblem::EndsEarly)
        );
    }

    #[test]
    fn a_wrong_checksum_is_corrupt() {
        let mut gz = gzip(b"data");
        let crc_at = gz.len() - 8;
        gz[crc_at] ^= 0xff;
        assert_eq!(
            decode(&gz, Compression::Gzip),
            Err(StreamProblem::Corrupt(
                "corrupt gzip stream does not have a matching checksum".into()
            ))
        );
    }

    #[test]
    fn a_plain_tar_passes_through() {
        assert_eq!(
            decode(b"plain bytes", Compression::None),
            Ok(b"plain bytes".to_vec())
        );
    }
}
