//! The members of an image archive by name, with the links between them: legacy `docker save` and
//! podman write a repeated layer as a symlink `<id>/layer.tar -> ../<other>/layer.tar`. Shared by
//! the tar stores (`tar_file.rs`, `stream.rs`), with the errors about members they all report.

use std::collections::HashMap;
use std::io::{self, Read};

use crate::error::{Error, ErrorKind, Result};
use crate::source::layer::{HeaderAt, Oversize, Record};

/// Links followed before giving up: more means a cycle.
const MAX_LINK_HOPS: usize = 40;

/// One member of an archive; `D` says where its data is.
#[derive(Debug)]
pub(crate) enum Member<D> {
    /// A regular file.
    Data(D),
    /// A symlink (target relative to the link's directory) or a hard link (target from the root).
    Link {
        /// The link target as stored.
        target: String,
        /// True for a symlink, false for a hard link.
        symbolic: bool,
    },
    /// A directory or another non-file member.
    NotAFile,
}

impl<D> Member<D> {
    /// The member a header that is not a regular file makes: a link, or nothing to read.
    pub(crate) fn not_a_file<R: Read>(entry: &tar::Entry<'_, R>) -> Member<D> {
        let kind = entry.header().entry_type();
        if kind.is_symlink() || kind.is_hard_link() {
            Member::Link {
                target: entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default(),
                symbolic: kind.is_symlink(),
            }
        } else {
            Member::NotAFile
        }
    }
}

/// A tar error while reading an archive's headers, placed after the last member read.
pub(crate) fn header_error(label: &str, last: Option<&str>, e: io::Error) -> Error {
    let err = Error::new(label, ErrorKind::of_archive(e));
    match last {
        Some(name) => err.in_member(&format!("after member {name}")),
        None => err,
    }
}

/// The error for a record of the archive's own tar over its cap, which belongs to the member
/// after the last one read.
pub(crate) fn oversize_error(label: &str, last: Option<&str>, oversize: Oversize) -> Error {
    let at = match last {
        Some(name) => HeaderAt::After(name.to_string()),
        None => HeaderAt::First,
    };
    Error::new(label, ErrorKind::Oversize { at, oversize })
}

/// The normalized name of a member; a name longer than any real one (only a PAX record can hold
/// one: GNU long names are capped as they come) is an error.
pub(crate) fn member_name<R: Read>(
    label: &str,
    last: Option<&str>,
    entry: &tar::Entry<'_, R>,
) -> Result<String> {
    let raw = entry.path_bytes();
    if let Some(oversize) = Oversize::of_name(Record::PaxPath, raw.len()) {
        return Err(oversize_error(label, last, oversize));
    }
    Ok(normalize_member(&String::from_utf8_lossy(&raw)))
}

/// The error for a tar without a single member.
pub(crate) fn empty_archive(label: &str) -> Error {
    Error::new(
        label,
        ErrorKind::Invalid("empty tar: not a container image".into()),
    )
}

/// Turns a link-resolution failure into an error naming the archive and the member.
pub(crate) fn resolve_error(label: &str, member: &str, e: ResolveError) -> Error {
    match e {
        ResolveError::Missing => Error::member(label, member, ErrorKind::Missing),
        ResolveError::Invalid(m) => Error::member(label, member, ErrorKind::Invalid(m)),
    }
}

/// Members by normalized name (`blobs/sha256/…`, `<id>/layer.tar`, no leading `./`).
#[derive(Debug)]
pub(crate) struct Members<D> {
    map: HashMap<String, Member<D>>,
}

impl<D> Default for Members<D> {
    fn default() -> Self {
        Members {
            map: HashMap::new(),
        }
    }
}

impl<D> Members<D> {
    /// Records a member; a later member of the same name replaces an earlier one, as in tar.
    pub(crate) fn insert(&mut self, name: String, member: Member<D>) {
        self.map.insert(name, member);
    }

    /// Whether a member of this name exists (of any kind).
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.map.contains_key(&normalize_member(name))
    }

    /// Follows links from `name` to the regular file it names: returns the file's name and data.
    /// Errors say what is wrong: missing, a directory, a link out of the archive, a cycle.
    pub(crate) fn resolve(&self, name: &str) -> Result<(String, &D), ResolveError> {
        let mut current = normalize_member(name);
        for _ in 0..MAX_LINK_HOPS {
            match self.map.get(&current) {
                None if current == normalize_member(name) => return Err(ResolveError::Missing),
                None => {
                    return Err(ResolveError::Invalid(format!(
                        "link points at {current}, which is not in the archive"
                    )))
                }
                Some(Member::Data(d)) => return Ok((current, d)),
                Some(Member::NotAFile) => {
                    return Err(ResolveError::Invalid(format!("{current} is not a file")))
                }
                Some(Member::Link { target, symbolic }) => {
                    let base = if *symbolic { parent(&current) } else { "" };
                    current = join_inside(base, target).ok_or_else(|| {
                        ResolveError::Invalid(format!(
                            "link {current} -> {target} points outside the archive"
                        ))
                    })?;
                }
            }
        }
        Err(ResolveError::Invalid(format!(
            "links starting at {} form a cycle",
            normalize_member(name)
        )))
    }
}

/// Why a member name could not be resolved to a file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ResolveError {
    /// No member has that name.
    Missing,
    /// The name leads somewhere wrong.
    Invalid(String),
}

/// Normalizes a member name: no leading `./` or `/`, no `.` components, no trailing `/`.
pub(crate) fn normalize_member(name: &str) -> String {
    name.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn parent(name: &str) -> &str {
    name.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Joins a link target to a directory inside the archive; `None` when it climbs out of the archive
/// or is absolute (it would name a file on the machine that wrote the archive).
fn join_inside(dir: &str, target: &str) -> Option<String> {
    if target.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(list: &[(&str, Member<u32>)]) -> Members<u32> {
        let mut m = Members::default();
        for (name, member) in list {
            let member = match member {
                Member::Data(d) => Member::Data(*d),
                Member::Link { target, symbolic } => Member::Link {
                    target: target.clone(),
                    symbolic: *symbolic,
                },
                Member::NotAFile => Member::NotAFile,
            };
            m.insert(normalize_member(name), member);
        }
        m
    }

    fn symlink(target: &str) -> Member<u32> {
        Member::Link {
            target: target.into(),
            symbolic: true,
        }
    }

    #[test]
    fn legacy_layer_symlink_is_followed() {
        let m = members(&[
            ("abc.tar", Member::Data(7)),
            ("id1/layer.tar", symlink("../abc.tar")),
        ]);
        assert_eq!(
            m.resolve("./id1/layer.tar"),
            Ok(("abc.tar".to_string(), &7))
        );
    }

    #[test]
    fn link_out_of_the_archive_is_an_error() {
        let m = members(&[("id1/layer.tar", symlink("../../etc/passwd"))]);
        assert!(
            matches!(m.resolve("id1/layer.tar"), Err(ResolveError::Invalid(e)) if e.contains("outside"))
        );
        let m = members(&[("id1/layer.tar", symlink("/etc/passwd"))]);
        assert!(
            matches!(m.resolve("id1/layer.tar"), Err(ResolveError::Invalid(e)) if e.contains("outside"))
        );
    }

    #[test]
    fn link_cycle_is_an_error() {
        let m = members(&[
            ("a/layer.tar", symlink("../b/layer.tar")),
            ("b/layer.tar", symlink("../a/layer.tar")),
        ]);
        assert!(
            matches!(m.resolve("a/layer.tar"), Err(ResolveError::Invalid(e)) if e.contains("cycle"))
        );
    }

    #[test]
    fn dangling_link_and_missing_member() {
        let m = members(&[("a/layer.tar", symlink("../gone.tar"))]);
        assert!(
            matches!(m.resolve("a/layer.tar"), Err(ResolveError::Invalid(e)) if e.contains("gone.tar"))
        );
        assert_eq!(m.resolve("nope"), Err(ResolveError::Missing));
    }
}
