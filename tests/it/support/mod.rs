//! What the test modules share, each helper defined once:
//!
//! - here: where the repository and its fixtures are, temporary directories and files;
//! - [`cmd`]: running the real `sizegate` binary and reading what it printed;
//! - [`check`]: `sizegate check` with a policy, and the parts of its JSON report;
//! - [`listing`]: the numbers of `layers --format json` and the rows of `inventory`, as structs;
//! - [`image`]: synthetic layer tars, docker-archives and OCI layouts built in memory;
//! - [`ci`]: the action's script run as a runner would, stand-in `docker` and `sizegate`;
//! - [`http`]: a stand-in HTTP server on 127.0.0.1 for the scripts that call an API;
//! - [`registry`]: a real registry (docker-registry) on 127.0.0.1, filled with skopeo;
//! - [`browser`]: headless chromium loading a page offline, and the elements of its DOM.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

pub(crate) mod browser;
mod check;
#[cfg(unix)]
pub(crate) mod ci;
mod cmd;
pub(crate) mod http;
mod image;
mod listing;
#[cfg(unix)]
pub(crate) mod registry;

pub(crate) use check::*;
pub(crate) use cmd::*;
pub(crate) use image::*;
pub(crate) use listing::*;

/// The fixture most tests run on: a docker-archive made by real tools (tests/fixtures/README.md).
pub(crate) const TINY: &str = "tiny.docker.tar";
/// The same image as an OCI layout with gzip layers, so it has a compressed size.
pub(crate) const TINY_OCI: &str = "tiny.oci";

/// The repository root (the package directory).
pub(crate) fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The path of `tests/fixtures/NAME`.
pub(crate) fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// The same as a command-line argument.
pub(crate) fn fixture_arg(name: &str) -> String {
    path_str(&fixture(name)).to_string()
}

/// A path as a command-line argument; the repository's and the temporary paths are UTF-8.
pub(crate) fn path_str(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

/// A fresh temporary directory, deleted when dropped.
pub(crate) fn tempdir() -> TempDir {
    tempfile::tempdir().expect("temp dir is created")
}

/// A fresh temporary directory holding `files` (name, text).
pub(crate) fn workdir(files: &[(&str, &str)]) -> TempDir {
    let dir = tempdir();
    for (name, text) in files {
        write_file(dir.path(), name, text.as_bytes());
    }
    dir
}

/// Writes `data` to `dir/name` and returns the path.
pub(crate) fn write_file(dir: &Path, name: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, data).expect("test file is written");
    path
}

/// The SHA-256 of `data` in lower-case hex, as a `sha256:` digest and SHA256SUMS spell it.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
