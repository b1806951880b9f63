//! Errors of the library: every one names the file, the member inside it (when there is one) and
//! what is wrong, so the user can go straight to the broken part of their image.

use std::fmt;
use std::io;

use crate::input::InputError;
use crate::source::layer::{Cut, HeaderAt, LayerError, Oversize};
// Text from outside (member names, tar errors quoting header bytes) is escaped as in every output.
pub(crate) use crate::text::printable;

/// An image could not be read or does not make sense; the CLI maps this to exit code 2.
#[derive(Debug)]
pub struct Error {
    /// The file the user gave (an archive, a layout directory, or `<stdin>`).
    pub(crate) file: String,
    /// The member of the archive or blob of the layout that is at fault, if any.
    pub(crate) member: Option<String>,
    /// What went wrong.
    pub(crate) kind: ErrorKind,
}

/// What went wrong while reading an image.
#[derive(Debug)]
pub(crate) enum ErrorKind {
    /// The operating system refused or failed a read.
    Io(io::Error),
    /// A JSON document (manifest, index, image config) does not parse or has the wrong shape.
    Json(serde_json::Error),
    /// The tar stream of the archive itself (not of a layer in it) is corrupt or truncated:
    /// `corrupt or truncated tar: …`.
    Tar(String),
    /// A layer blob could not be read: [`LayerError`] says why, in one message per variant (see
    /// there), with the layer named by its position when it is known.
    Layer {
        /// The layer's position in its image, bottom first (`layer 0`); `None` ("the layer") when
        /// it is not known, or when images read together hold the blob at different positions.
        index: Option<usize>,
        /// What went wrong; boxed so that every [`Result`] of the library stays small.
        error: Box<LayerError>,
    },
    /// A GNU long name or PAX header of the archive's own tar (not of a layer) larger than
    /// sizegate reads, refused before it is read: `the archive is corrupt: the GNU long name of
    /// the member after member config.json is 5368709120 bytes; sizegate reads names up to 65536
    /// bytes`.
    Oversize {
        /// The member it belongs to, placed after the member before it.
        at: HeaderAt,
        /// Which record, and its size.
        oversize: Oversize,
    },
    /// The gzip or zstd stream of an archive compressed as a whole (`docker save | gzip`) stops
    /// early, does not decode, or is followed by junk.
    Stream {
        /// `gzip` or `zstd`.
        compression: &'static str,
        /// What is wrong with it.
        problem: StreamProblem,
    },
    /// A member or blob that the metadata refers to is not there.
    Missing,
    /// The metadata is inconsistent (counts disagree, links escape the archive, …).
    Invalid(String),
    /// `--image` or `--platform` selects nothing, or the choice is ambiguous.
    Selection(String),
    /// A file on disk that sizegate refuses to read: not a regular file (a FIFO, a device), see
    /// `input.rs`.
    Input(InputError),
    /// The file is surely no image archive (text, a PNG, nothing at all): `not a container image:
    /// FILE looks like text (a Dockerfile?); sizegate reads …`. It holds what follows the file's
    /// name (`looks like text (a Dockerfile?)`, `is empty`).
    NotAnImage(String),
}

/// What is wrong with the compressed stream of a whole archive, each one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StreamProblem {
    /// It stops before the tar in it does: `the archive is truncated: its gzip stream ends inside
    /// the tar`.
    EndsInsideTar,
    /// The tar in it is whole, but the stream stops before its own end (the gzip trailer, the end
    /// of a zstd frame): `the archive is truncated: its gzip stream ends early (the tar in it is
    /// whole)`.
    EndsEarly,
    /// The decompressor rejects it (bad data, a checksum that does not match):
    /// `the archive is corrupt: its gzip stream does not decode: …`.
    Corrupt(String),
    /// Bytes that start no gzip member (zstd frame) follow the end of the stream:
    /// `the archive is corrupt: junk follows the end of its gzip stream`.
    Junk,
}

impl ErrorKind {
    /// A failure while reading the archive's own tar (not a layer in it): the operating system's
    /// error when a read failed, else the tar's (corrupt or truncated).
    pub(crate) fn of_archive(e: io::Error) -> ErrorKind {
        if e.raw_os_error().is_some() {
            ErrorKind::Io(e)
        } else {
            ErrorKind::Tar(e.to_string())
        }
    }
}

impl Error {
    /// An error about the file as a whole.
    pub(crate) fn new(file: impl Into<String>, kind: ErrorKind) -> Self {
        Error {
            file: file.into(),
            member: None,
            kind,
        }
    }

    /// An error about one member of the file.
    pub(crate) fn member(
        file: impl Into<String>,
        member: impl Into<String>,
        kind: ErrorKind,
    ) -> Self {
        Error {
            file: file.into(),
            member: Some(member.into()),
            kind,
        }
    }

    /// Attaches the member this error is about, unless it already names one.
    pub(crate) fn in_member(mut self, member: &str) -> Self {
        if self.member.is_none() {
            self.member = Some(member.to_string());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // What is wrong comes first here: the file is fine, it is just not an image.
        if let ErrorKind::NotAnImage(what) = &self.kind {
            return write!(
                f,
                "not a container image: {} {what}; sizegate reads docker save / OCI archives and OCI layout directories",
                self.file
            );
        }
        write!(f, "{}", self.file)?;
        if let Some(member) = &self.member {
            write!(f, ": {}", printable(member))?;
        }
        match &self.kind {
            ErrorKind::Io(e) => write!(f, ": {e}"),
            ErrorKind::Json(e) => write!(f, ": invalid JSON: {e}"),
            ErrorKind::Tar(m) => write!(f, ": corrupt or truncated tar: {}", printable(m)),
            ErrorKind::Layer { index, error } => {
                write!(f, ": ")?;
                write_layer_error(f, *index, error)
            }
            ErrorKind::Oversize { at, oversize } => {
                write!(f, ": the archive is corrupt: ")?;
                write_oversize(f, at, oversize, "member")
            }
            ErrorKind::Stream {
                compression,
                problem,
            } => write_stream_problem(f, compression, problem),
            ErrorKind::Missing => write!(f, ": not found in the image"),
            ErrorKind::Invalid(m) | ErrorKind::Selection(m) => write!(f, ": {}", printable(m)),
            ErrorKind::Input(e) => write!(f, ": {e}"),
            ErrorKind::NotAnImage(_) => Ok(()),
        }
    }
}

/// The message of a [`LayerError`], one per variant, each saying only what is known to be true:
/// a failed read is the OS's error, an unsupported compression names itself and what is read
/// instead, a layer cut short says where, and only bytes that are there and wrong are "corrupt".
fn write_layer_error(
    f: &mut fmt::Formatter<'_>,
    index: Option<usize>,
    error: &LayerError,
) -> fmt::Result {
    let layer = LayerName(index);
    match error {
        LayerError::Io(e) => write!(f, "reading {layer}: {}", printable(&e.to_string())),
        LayerError::Unsupported { compression } => write!(
            f,
            "{layer} is {compression}-compressed; sizegate reads plain, gzip and zstd layers"
        ),
        LayerError::Truncated { compression, cut } => {
            write!(f, "{layer} is truncated: ")?;
            match compression {
                Some(c) => write!(f, "its {c} stream ends ")?,
                None => write!(f, "it ends ")?,
            }
            match cut {
                Cut::Header(header) => write!(f, "inside {}", HeaderName(header)),
                Cut::Data {
                    entry,
                    present,
                    size,
                } => write!(
                    f,
                    "inside the data of entry {} ({present} of {size} bytes)",
                    printable(entry)
                ),
                Cut::Trailer => write!(f, "early (the tar in it is whole)"),
            }
        }
        LayerError::CorruptHeader { header, reason } => write!(
            f,
            "{layer} is corrupt: {} is invalid: {}",
            HeaderName(header),
            printable(reason)
        ),
        LayerError::CorruptData {
            compression,
            reason,
        } => write!(
            f,
            "{layer} is corrupt: its {compression} stream does not decode: {}",
            printable(reason)
        ),
        LayerError::Oversize { at, oversize } => {
            write!(f, "{layer} is corrupt: ")?;
            write_oversize(f, at, oversize, "entry")
        }
        LayerError::Digest { message } => {
            write!(f, "{layer} is corrupt: {}", printable(message))
        }
    }
}

/// `the GNU long name of the entry after entry a is 5368709120 bytes; sizegate reads names up to
/// 65536 bytes`, of a layer's `entry` or of the archive's `member`.
fn write_oversize(
    f: &mut fmt::Formatter<'_>,
    at: &HeaderAt,
    oversize: &Oversize,
    noun: &str,
) -> fmt::Result {
    let record = oversize.record;
    write!(f, "the {record} ")?;
    match (at, record.of_an_entry()) {
        (HeaderAt::First, true) => write!(f, "of the first {noun}"),
        (HeaderAt::First, false) => write!(f, "before the first {noun}"),
        (HeaderAt::After(name), true) => {
            write!(f, "of the {noun} after {noun} {}", printable(name))
        }
        (HeaderAt::Of(name), true) => write!(f, "of {noun} {}", printable(name)),
        (HeaderAt::After(name) | HeaderAt::Of(name), false) => {
            write!(f, "after {noun} {}", printable(name))
        }
    }?;
    write!(
        f,
        " is {} bytes; sizegate reads {} up to {} bytes",
        oversize.size,
        record.capped(),
        record.limit()
    )
}

/// The message of a [`StreamProblem`], after the file's name.
fn write_stream_problem(
    f: &mut fmt::Formatter<'_>,
    compression: &str,
    problem: &StreamProblem,
) -> fmt::Result {
    match problem {
        StreamProblem::EndsInsideTar => write!(
            f,
            ": the archive is truncated: its {compression} stream ends inside the tar"
        ),
        StreamProblem::EndsEarly => write!(
            f,
            ": the archive is truncated: its {compression} stream ends early (the tar in it is \
             whole)"
        ),
        StreamProblem::Corrupt(reason) => write!(
            f,
            ": the archive is corrupt: its {compression} stream does not decode: {}",
            printable(reason)
        ),
        StreamProblem::Junk => write!(
            f,
            ": the archive is corrupt: junk follows the end of its {compression} stream"
        ),
    }
}

/// `layer 3`, or `the layer` when its position is not known.
struct LayerName(Option<usize>);

impl fmt::Display for LayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(index) => write!(f, "layer {index}"),
            None => write!(f, "the layer"),
        }
    }
}

/// `the first tar header`, `the tar header after entry NAME`, `the tar header of entry NAME`.
struct HeaderName<'a>(&'a HeaderAt);

impl fmt::Display for HeaderName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            HeaderAt::First => write!(f, "the first tar header"),
            HeaderAt::After(name) => write!(f, "the tar header after entry {}", printable(name)),
            HeaderAt::Of(name) => write!(f, "the tar header of entry {}", printable(name)),
        }
    }
}

/// The message already includes the I/O or JSON error, so no `source` is reported: a chain
/// printer (anyhow's `{:#}`) would repeat it.
impl std::error::Error for Error {}

/// Shorthand for results of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_file_member_and_problem() {
        let e = Error::member("app.tar", "manifest.json", ErrorKind::Missing);
        assert_eq!(
            e.to_string(),
            "app.tar: manifest.json: not found in the image"
        );
        let e = Error::new("app.tar", ErrorKind::Tar("unexpected end".into()));
        assert_eq!(
            e.to_string(),
            "app.tar: corrupt or truncated tar: unexpected end"
        );
    }

    /// The message of a layer error about member `blobs/sha256/04eb`.
    fn layer_message(index: Option<usize>, error: LayerError) -> String {
        Error::member(
            "app.tar",
            "blobs/sha256/04eb",
            ErrorKind::Layer {
                index,
                error: Box::new(error),
            },
        )
        .to_string()
    }

    #[test]
    fn layer_errors_name_the_layer_by_position_when_known() {
        let xz = || LayerError::Unsupported { compression: "xz" };
        assert_eq!(
            layer_message(Some(0), xz()),
            "app.tar: blobs/sha256/04eb: layer 0 is xz-compressed; sizegate reads plain, gzip and \
             zstd layers"
        );
        assert_eq!(
            layer_message(None, xz()),
            "app.tar: blobs/sha256/04eb: the layer is xz-compressed; sizegate reads plain, gzip \
             and zstd layers"
        );
    }

    #[test]
    fn layer_io_error_reads_as_the_os_error() {
        let e = LayerError::Io(io::Error::from_raw_os_error(5));
        let os = io::Error::from_raw_os_error(5).to_string();
        assert_eq!(
            layer_message(Some(2), e),
            format!("app.tar: blobs/sha256/04eb: reading layer 2: {os}")
        );
    }

    #[test]
    fn truncated_layer_says_where_it_ends() {
        let cases = [
            (
                None,
                Cut::Header(HeaderAt::First),
                "it ends inside the first tar header",
            ),
            (
                None,
                Cut::Header(HeaderAt::After("etc/".into())),
                "it ends inside the tar header after entry etc/",
            ),
            (
                Some("zstd"),
                Cut::Header(HeaderAt::Of("etc/x".into())),
                "its zstd stream ends inside the tar header of entry etc/x",
            ),
            (
                Some("gzip"),
                Cut::Data {
                    entry: "usr/bin/app".into(),
                    present: 600,
                    size: 1000,
                },
                "its gzip stream ends inside the data of entry usr/bin/app (600 of 1000 bytes)",
            ),
            (
                Some("gzip"),
                Cut::Trailer,
                "its gzip stream ends early (the tar in it is whole)",
            ),
        ];
        for (compression, cut, what) in cases {
            assert_eq!(
                layer_message(Some(1), LayerError::Truncated { compression, cut }),
                format!("app.tar: blobs/sha256/04eb: layer 1 is truncated: {what}")
            );
        }
    }

    #[test]
    fn corrupt_layer_says_what_is_corrupt() {
        let header = LayerError::CorruptHeader {
            header: HeaderAt::After("a".into()),
            reason: "archive header checksum mismatch".into(),
        };
        assert_eq!(
            layer_message(Some(0), header),
            "app.tar: blobs/sha256/04eb: layer 0 is corrupt: the tar header after entry a is \
             invalid: archive header checksum mismatch"
        );
        let data = LayerError::CorruptData {
            compression: "gzip",
            reason: "corrupt deflate stream".into(),
        };
        assert_eq!(
            layer_message(Some(0), data),
            "app.tar: blobs/sha256/04eb: layer 0 is corrupt: its gzip stream does not decode: \
             corrupt deflate stream"
        );
    }

    #[test]
    fn an_oversize_record_names_the_record_the_entry_and_the_cap() {
        use crate::source::layer::Record;
        let oversize = |record, at| LayerError::Oversize {
            at,
            oversize: Oversize {
                record,
                size: 5_368_709_120,
            },
        };
        let after = || HeaderAt::After("a".into());
        let cases = [
            (
                oversize(Record::GnuLongName, after()),
                "the GNU long name of the entry after entry a is 5368709120 bytes; sizegate reads \
                 names up to 65536 bytes",
            ),
            (
                oversize(Record::Pax, HeaderAt::First),
                "the PAX header of the first entry is 5368709120 bytes; sizegate reads PAX \
                 headers up to 4194304 bytes",
            ),
            (
                oversize(Record::PaxGlobal, after()),
                "the PAX global header after entry a is 5368709120 bytes; sizegate reads PAX \
                 headers up to 4194304 bytes",
            ),
            (
                oversize(Record::PaxLinkPath, HeaderAt::Of("b\n".into())),
                "the PAX link name of entry b\\n is 5368709120 bytes; sizegate reads names up \
                 to 65536 bytes",
            ),
        ];
        for (error, what) in cases {
            assert_eq!(
                layer_message(Some(0), error),
                format!("app.tar: blobs/sha256/04eb: layer 0 is corrupt: {what}")
            );
        }
        let outer = Error::new(
            "app.tar",
            ErrorKind::Oversize {
                at: HeaderAt::After("manifest.json".into()),
                oversize: Oversize {
                    record: Record::GnuLongLink,
                    size: 70_000,
                },
            },
        );
        assert_eq!(
            outer.to_string(),
            "app.tar: the archive is corrupt: the GNU long link name of the member after member \
             manifest.json is 70000 bytes; sizegate reads names up to 65536 bytes"
        );
    }

    #[test]
    fn a_compressed_archive_says_how_its_stream_failed() {
        let cases = [
            (
                StreamProblem::EndsInsideTar,
                "the archive is truncated: its gzip stream ends inside the tar",
            ),
            (
                StreamProblem::EndsEarly,
                "the archive is truncated: its gzip stream ends early (the tar in it is whole)",
            ),
            (
                StreamProblem::Corrupt("corrupt deflate stream".into()),
                "the archive is corrupt: its gzip stream does not decode: corrupt deflate stream",
            ),
            (
                StreamProblem::Junk,
                "the archive is corrupt: junk follows the end of its gzip stream",
            ),
        ];
        for (problem, what) in cases {
            let e = Error::new(
                "app.tar.gz",
                ErrorKind::Stream {
                    compression: "gzip",
                    problem,
                },
            );
            assert_eq!(e.to_string(), format!("app.tar.gz: {what}"));
        }
    }

    #[test]
    fn text_from_the_image_in_layer_errors_is_escaped() {
        let cut = LayerError::Truncated {
            compression: None,
            cut: Cut::Data {
                entry: "evil\x1b[2J".into(),
                present: 1,
                size: 2,
            },
        };
        assert_eq!(
            layer_message(Some(0), cut),
            "app.tar: blobs/sha256/04eb: layer 0 is truncated: it ends inside the data of entry \
             evil\\u{1b}[2J (1 of 2 bytes)"
        );
        let header = LayerError::CorruptHeader {
            header: HeaderAt::Of("a\nb".into()),
            reason: "numeric field was not a number: \r when getting cksum for a\nb".into(),
        };
        assert_eq!(
            layer_message(None, header),
            "app.tar: blobs/sha256/04eb: the layer is corrupt: the tar header of entry a\\nb is \
             invalid: numeric field was not a number: \\r when getting cksum for a\\nb"
        );
    }
}
