//! Files read from disk, whoever names them (the user's IMAGE, a policy, a `.dive-ci`, a
//! Dockerfile, the files of a layout directory): only regular files, and text only up to a cap.
//!
//! A pull request can commit a symlink to `/dev/zero` in place of a policy (read until memory runs
//! out), and a path can name a FIFO (opening it blocks until a writer comes, which may be never).
//! So the type is checked, after links, BEFORE the file is opened, and again on the open file; a
//! text read stops at its cap whatever the file's size said (files under `/proc` say 0).

use std::fmt;
use std::fs::{File, FileType};
use std::io::{self, Read};
use std::path::Path;

use crate::error::ErrorKind;

const MIB: u64 = 1024 * 1024;

/// A kind of file sizegate reads, for its messages and the most it reads of one.
#[derive(Debug)]
pub struct Input {
    /// One of them, with its article: `a policy`.
    one: &'static str,
    /// What sizegate reads them from, after "sizegate reads ": `policies from regular files`.
    reads: &'static str,
    /// The most bytes [`read_input`] reads of one.
    max_bytes: u64,
}

impl Input {
    /// A `sizegate.yml` policy: at most 1 MiB (a policy of every rule kind is a few KiB).
    pub const POLICY: Input = Input {
        one: "a policy",
        reads: "policies from regular files",
        max_bytes: MIB,
    };
    /// A dive `.dive-ci` file: at most 1 MiB (it holds three rules).
    pub const DIVE_CI: Input = Input {
        one: "a .dive-ci file",
        reads: ".dive-ci files from regular files",
        max_bytes: MIB,
    };
    /// A Dockerfile (`--dockerfile`): at most 4 MiB, far above any Dockerfile written by hand
    /// or generated.
    pub const DOCKERFILE: Input = Input {
        one: "a Dockerfile",
        reads: "Dockerfiles from regular files",
        max_bytes: 4 * MIB,
    };
    /// A saved JSON report read as a baseline (`diff`, `check --baseline`): at most 64 MiB; a
    /// report of the largest image is well under 1 MiB (its path lists are bounded).
    pub const REPORT: Input = Input {
        one: "a report",
        reads: "reports from regular files",
        max_bytes: 64 * MIB,
    };
    /// A registry's CA certificate (`--cert-dir`, `certs.d`): at most 1 MiB (a CA bundle of every
    /// public root is about 200 KiB).
    pub(crate) const CERTIFICATE: Input = Input {
        one: "a certificate file",
        reads: "certificates from regular files",
        max_bytes: MIB,
    };
    /// A credentials file (docker's `config.json`, podman's `auth.json`): at most 1 MiB (real
    /// ones are a few KiB).
    pub(crate) const CREDENTIALS: Input = Input {
        one: "a credentials file",
        reads: "credentials from regular files",
        max_bytes: MIB,
    };
    /// The IMAGE argument when it is not a directory; read in place, so not capped here.
    pub(crate) const IMAGE: Input = Input {
        one: "an image",
        reads: "an image from a regular file or a layout directory (or from stdin, as `-`)",
        max_bytes: u64::MAX,
    };
    /// A blob or metadata file of an OCI layout directory; the store caps what it reads.
    pub(crate) const LAYOUT_FILE: Input = Input {
        one: "a file of a layout",
        reads: "the files of a layout from regular files",
        max_bytes: u64::MAX,
    };
}

/// A file that could not be read, or that sizegate refuses to read. The message does not name the
/// file: the caller puts its name in front.
#[derive(Debug)]
pub struct InputError {
    input: &'static Input,
    kind: InputErrorKind,
}

#[derive(Debug)]
enum InputErrorKind {
    /// The operating system refused or failed a read.
    Io(io::Error),
    /// Not a regular file after links: `a FIFO`, `a character device`, …
    NotRegular(&'static str),
    /// Over the cap: the size the file has, or, when it grew while it was read, `None`.
    TooLarge(Option<u64>),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = self.input;
        match &self.kind {
            InputErrorKind::Io(e) => write!(f, "{e}"),
            InputErrorKind::NotRegular(kind) => write!(
                f,
                "not a regular file ({kind}); sizegate reads {}",
                input.reads
            ),
            InputErrorKind::TooLarge(Some(size)) => write!(
                f,
                "{size} bytes is over the {} {} may have",
                Cap(input.max_bytes),
                input.one
            ),
            InputErrorKind::TooLarge(None) => write!(
                f,
                "it grew past the {} {} may have while it was read",
                Cap(input.max_bytes),
                input.one
            ),
        }
    }
}

/// The message already includes the I/O error, so no `source` is reported (a chain printer would
/// repeat it).
impl std::error::Error for InputError {}

/// In the library's errors an I/O failure stays the OS's error; a refusal says why.
impl From<InputError> for ErrorKind {
    fn from(e: InputError) -> ErrorKind {
        match e.kind {
            InputErrorKind::Io(io) => ErrorKind::Io(io),
            _ => ErrorKind::Input(e),
        }
    }
}

impl InputError {
    /// Whether the file is not there (a dangling link counts as not there).
    pub(crate) fn is_not_found(&self) -> bool {
        matches!(&self.kind, InputErrorKind::Io(e) if e.kind() == io::ErrorKind::NotFound)
    }
}

/// A cap as messages show it: `4 MiB`.
struct Cap(u64);

impl fmt::Display for Cap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(MIB) {
            write!(f, "{} MiB", self.0 / MIB)
        } else {
            write!(f, "{} bytes", self.0)
        }
    }
}

/// Opens `path` for reading when it is a regular file after links, with its length. The type is
/// checked before the open (opening a FIFO blocks) and on the open file (the path may have been
/// swapped in between).
pub(crate) fn open_regular(path: &Path, input: &'static Input) -> Result<(File, u64), InputError> {
    let err = |kind| InputError { input, kind };
    let meta = std::fs::metadata(path).map_err(|e| err(InputErrorKind::Io(e)))?;
    if !meta.is_file() {
        return Err(err(InputErrorKind::NotRegular(type_name(meta.file_type()))));
    }
    let file = File::open(path).map_err(|e| err(InputErrorKind::Io(e)))?;
    let meta = file.metadata().map_err(|e| err(InputErrorKind::Io(e)))?;
    if !meta.is_file() {
        return Err(err(InputErrorKind::NotRegular(type_name(meta.file_type()))));
    }
    Ok((file, meta.len()))
}

/// The whole of the file at `path`: a regular file (after links) of at most the cap of `input`.
pub fn read_input(path: &Path, input: &'static Input) -> Result<Vec<u8>, InputError> {
    let (file, len) = open_regular(path, input)?;
    read_capped(file, len, input.max_bytes).map_err(|kind| InputError { input, kind })
}

/// Reads `file`, which said it is `len` bytes long, refusing more than `max` bytes: before reading
/// when its length says so, and while reading when it grows (or says 0, as files under `/proc`).
fn read_capped(file: File, len: u64, max: u64) -> Result<Vec<u8>, InputErrorKind> {
    if len > max {
        return Err(InputErrorKind::TooLarge(Some(len)));
    }
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut data)
        .map_err(InputErrorKind::Io)?;
    if data.len() as u64 > max {
        return Err(InputErrorKind::TooLarge(None));
    }
    Ok(data)
}

/// What a file that is not a regular file is, for messages: `a FIFO`, `a character device`, ….
fn type_name(kind: FileType) -> &'static str {
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<Vec<u8>, InputError>) -> String {
        match result {
            Ok(data) => format!("read {} bytes", data.len()),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_small_regular_file_is_read_whole() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sizegate.yml");
        std::fs::write(&path, b"version: 1\n").expect("written");
        assert_eq!(
            read_input(&path, &Input::POLICY).ok(),
            Some(b"version: 1\n".to_vec())
        );
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_its_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("Dockerfile");
        std::fs::write(&path, vec![b'#'; 4 * 1024 * 1024 + 1]).expect("written");
        assert_eq!(
            message(read_input(&path, &Input::DOCKERFILE)),
            "4194305 bytes is over the 4 MiB a Dockerfile may have"
        );
    }

    #[test]
    fn a_file_that_reads_longer_than_it_says_stops_at_the_cap() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("grown");
        std::fs::write(&path, b"0123456789").expect("written");
        let file = File::open(&path).expect("opened");
        // Told it is empty (as a file under /proc says), it is still cut at the cap.
        assert!(matches!(
            read_capped(file, 0, 4),
            Err(InputErrorKind::TooLarge(None))
        ));
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(
            message(read_input(dir.path(), &Input::DIVE_CI)),
            "not a regular file (a directory); sizegate reads .dive-ci files from regular files"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_refused_before_it_is_read() {
        assert_eq!(
            message(read_input(Path::new("/dev/zero"), &Input::POLICY)),
            "not a regular file (a character device); sizegate reads policies from regular files"
        );
    }

    #[test]
    fn caps_read_in_mib_when_whole() {
        assert_eq!(Cap(MIB).to_string(), "1 MiB");
        assert_eq!(Cap(1000).to_string(), "1000 bytes");
    }
}
