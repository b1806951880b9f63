//! What an `IMAGE` argument names, from its text: `-` (stdin), a path, one of the
//! containers-image transports that skopeo, podman and buildah users know (`docker-archive:PATH`,
//! `oci:DIR[:REF]`, `oci-archive:PATH`), or an image name (`app:1.2`) that only a daemon or a
//! registry could answer for.
//!
//! The order is what keeps today's commands working: an existing path is always that path (a
//! file may be called `app:1.2`); then a transport prefix; then an image reference; anything else
//! is a path, whose reader says "No such file or directory".

use std::fmt;

/// A transport that names a file or directory sizegate reads, as skopeo spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `docker-archive:PATH`: a `docker save` tar (with `manifest.json`).
    DockerArchive,
    /// `oci:DIR[:REF]`: an OCI image layout directory.
    Oci,
    /// `oci-archive:PATH`: a tar of an OCI image layout (with `index.json`).
    OciArchive,
}

impl Transport {
    /// The prefix the user writes, colon included (`oci-archive:`).
    pub fn prefix(self) -> &'static str {
        match self {
            Transport::DockerArchive => "docker-archive:",
            Transport::Oci => "oci:",
            Transport::OciArchive => "oci-archive:",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

/// What an argument names, before anything is opened.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed<'a> {
    /// `-`.
    Stdin,
    /// A path, existing or not.
    Path(&'a str),
    /// A transport sizegate reads, with its path and, for `oci:DIR:REF`, the image's `ref.name`.
    Explicit {
        transport: Transport,
        path: &'a str,
        reference: Option<&'a str>,
    },
    /// A transport this version does not read (`docker://`, `docker-daemon:`, `podman:`, …): the
    /// error for the user, whole.
    Unsupported(String),
    /// An image of the Docker daemon: `docker-daemon:NAME`, or a name that is no path but an
    /// image reference (`app:1.2`, `bare`), looked up in the daemon as `dive IMAGE` does.
    Daemon { name: &'a str, bare: bool },
    /// `podman:NAME`: an image of podman's local storage, through podman's API socket.
    Podman { name: &'a str },
    /// `docker://NAME`: an image in a registry.
    Registry { name: &'a str },
}

/// What `docker save IMAGE | sizegate … -` is called in every suggestion.
const PIPE: &str = "| sizegate … -";

/// Reads `arg`; `exists` tells whether a path is there (the file system, or a test's).
pub(crate) fn parse<'a>(arg: &'a str, exists: &dyn Fn(&str) -> bool) -> Parsed<'a> {
    if arg == "-" {
        return Parsed::Stdin;
    }
    if exists(arg) {
        return Parsed::Path(arg);
    }
    if let Some(parsed) = transport(arg, exists) {
        return parsed;
    }
    if is_image_reference(arg) {
        return Parsed::Daemon {
            name: arg,
            bare: true,
        };
    }
    Parsed::Path(arg)
}

/// The transport `arg` starts with, if it names one.
fn transport<'a>(arg: &'a str, exists: &dyn Fn(&str) -> bool) -> Option<Parsed<'a>> {
    let (name, rest) = arg.split_once(':')?;
    let explicit = |transport, path: &'a str, reference| {
        if path.is_empty() {
            Parsed::Unsupported(format!("{transport} needs a path after it"))
        } else {
            Parsed::Explicit {
                transport,
                path,
                reference,
            }
        }
    };
    Some(match name {
        "docker-archive" => explicit(Transport::DockerArchive, rest, None),
        "oci-archive" => explicit(Transport::OciArchive, rest, None),
        // skopeo splits `oci:DIR:REF` at the first colon; a directory whose name has colons is
        // taken whole when it is there.
        "oci" => match rest.split_once(':') {
            Some((dir, reference)) if !exists(rest) => {
                explicit(Transport::Oci, dir, Some(reference).filter(|r| !r.is_empty()))
            }
            _ => explicit(Transport::Oci, rest, None),
        },
        "docker" => match rest.strip_prefix("//") {
            Some("") => Parsed::Unsupported("docker:// needs an image reference after it".into()),
            Some(image) => Parsed::Registry { name: image },
            None => Parsed::Unsupported(format!(
                "a registry image is written docker://{rest}, with two slashes"
            )),
        },
        "docker-daemon" if rest.is_empty() => {
            Parsed::Unsupported("docker-daemon: needs an image name after it".into())
        }
        "docker-daemon" => Parsed::Daemon {
            name: rest,
            bare: false,
        },
        "podman" if rest.is_empty() => {
            Parsed::Unsupported("podman: needs an image name after it".into())
        }
        "podman" => Parsed::Podman { name: rest },
        // podman's storage, read through podman's service instead of its files.
        "containers-storage" => Parsed::Unsupported(format!(
            "the containers-storage: transport is not supported yet by this version of sizegate; read podman's image through its service: podman:{rest}, or pipe it in: podman save {rest} {PIPE}"
        )),
        "dir" | "ostree" | "sif" | "tarball" => Parsed::Unsupported(format!(
            "sizegate does not read the {name}: transport; it reads docker://NAME, docker-daemon:NAME, podman:NAME, docker-archive:PATH, oci:DIR, oci-archive:PATH, a path, or `-` for stdin"
        )),
        _ => return None,
    })
}

/// Whether `s` is an image reference as docker parses one (`app`, `app:1.2`,
/// `team/app@sha256:…`, `localhost:5000/app:1`), and not a file name that happens to fit the
/// grammar (`app.tar`, `x/y.tar.gz`).
pub(crate) fn is_image_reference(s: &str) -> bool {
    let (rest, digest) = match s.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return false;
    }
    let (name, tag) = match rest.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) || name.is_empty() || name.len() > 255 {
        return false;
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1 && is_domain(components[0]) {
        components.remove(0);
    }
    if !components.iter().all(|c| is_path_component(c)) {
        return false;
    }
    let last = components.last().copied().unwrap_or_default();
    tag.is_some() || digest.is_some() || !looks_like_a_file(last)
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or dashes.
pub(super) fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !alnum(first) || !alnum(last) {
        return false;
    }
    bytes
        .split(|&b| alnum(b))
        .filter(|sep| !sep.is_empty())
        .all(|sep| matches!(sep, b"." | b"_" | b"__") || sep.iter().all(|&b| b == b'-'))
}

/// `host[:port]`, the host a name, an IPv4 address or a bracketed IPv6 address.
pub(super) fn is_domain(c: &str) -> bool {
    let label_ok = |label: &str| {
        let b = label.as_bytes();
        !b.is_empty()
            && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
            && b[0] != b'-'
            && b[b.len() - 1] != b'-'
    };
    let (host_ok, port) = if let Some(v6) = c.strip_prefix('[') {
        let Some((addr, after)) = v6.split_once(']') else {
            return false;
        };
        let ok = !addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        match after {
            "" => (ok, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (ok, Some(port)),
                None => return false,
            },
        }
    } else {
        match c.split_once(':') {
            Some((host, port)) => (host.split('.').all(label_ok), Some(port)),
            None => (c.split('.').all(label_ok), None),
        }
    };
    host_ok && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub(super) fn is_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = t.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b[1..].iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// `algorithm:hex`, hex at least 32 digits.
fn is_digest(d: &str) -> bool {
    let Some((algorithm, hex)) = d.split_once(':') else {
        return false;
    };
    let algorithm_ok = algorithm.split(['+', '.', '_', '-']).all(|part| {
        let b = part.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(|x| x.is_ascii_alphanumeric())
    });
    algorithm_ok && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A name that ends like the files sizegate reads or is often given by mistake (`app.tar`).
fn looks_like_a_file(name: &str) -> bool {
    const EXTENSIONS: [&str; 11] = [
        "tar", "tgz", "gz", "zst", "zstd", "tzst", "json", "yml", "yaml", "txt", "oci",
    ];
    name.rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
}

#[cfg(test)]
mod tests;
