//! Errors of the library: every one names the file, the member inside it (when there is one) and
//! what is wrong, so the user can go straight to the broken part of their image.

use std::borrow::Cow;
use std::fmt;
use std::io;

/// An image could not be read or does not make sense; the CLI maps this to exit code 2.
#[derive(Debug)]
pub struct Error {
    /// The file the user gave (an archive, a layout directory, or `<stdin>`).
    pub file: String,
    /// The member of the archive or blob of the layout that is at fault, if any.
    pub member: Option<String>,
    /// What went wrong.
    pub kind: ErrorKind,
}

/// What went wrong while reading an image.
#[derive(Debug)]
pub enum ErrorKind {
    /// The operating system refused or failed a read.
    Io(io::Error),
    /// A JSON document (manifest, index, image config) does not parse or has the wrong shape.
    Json(serde_json::Error),
    /// A tar stream (the outer archive or a layer) is corrupt or truncated.
    Tar(String),
    /// A member or blob that the metadata refers to is not there.
    Missing,
    /// The metadata is inconsistent (counts disagree, links escape the archive, …).
    Invalid(String),
    /// `--image` or `--platform` selects nothing, or the choice is ambiguous.
    Selection(String),
}

impl Error {
    /// An error about the file as a whole.
    pub fn new(file: impl Into<String>, kind: ErrorKind) -> Self {
        Error {
            file: file.into(),
            member: None,
            kind,
        }
    }

    /// An error about one member of the file.
    pub fn member(file: impl Into<String>, member: impl Into<String>, kind: ErrorKind) -> Self {
        Error {
            file: file.into(),
            member: Some(member.into()),
            kind,
        }
    }

    /// Attaches the member this error is about, unless it already names one.
    pub fn in_member(mut self, member: &str) -> Self {
        if self.member.is_none() {
            self.member = Some(member.to_string());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(member) = &self.member {
            write!(f, ": {}", printable(member))?;
        }
        match &self.kind {
            ErrorKind::Io(e) => write!(f, ": {e}"),
            ErrorKind::Json(e) => write!(f, ": invalid JSON: {e}"),
            ErrorKind::Tar(m) => write!(f, ": corrupt or truncated tar: {}", printable(m)),
            ErrorKind::Missing => write!(f, ": not found in the image"),
            ErrorKind::Invalid(m) | ErrorKind::Selection(m) => write!(f, ": {}", printable(m)),
        }
    }
}

/// Text that comes from outside (member names, tar errors quoting header bytes, file names, a
/// policy's reasons) with control characters escaped, so that a message stays on its lines and
/// cannot drive the terminal.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
}
