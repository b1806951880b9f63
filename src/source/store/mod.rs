//! Where the bytes of an image are: a [`Store`] reads the members of an image by name, whatever
//! holds them. [`open`] picks the store from the content of what the user gave:
//! - a directory: an OCI image layout, one file per blob ([`dir`]);
//! - a plain tar file: indexed once by its headers, then read in place and in parallel
//!   ([`tar_file`]);
//! - stdin, or a gzip or zstd file: read once, front to back, scanning layers as they pass
//!   ([`stream`]); a compressed one to the end of its compressed stream ([`compressed`]).
//!
//! [`members`] holds what the tar stores share: member names, and links between members.
//!
//! How to add a new image source (another kind of file, a registry): write a `Store` in
//! `store/<name>.rs` and add its case to [`open`] (for a registry, a new `ImageSource` variant in
//! `source/mod.rs` too). The planners in `plan/` and the layer walk in `layer.rs` then work on it
//! unchanged: a store only answers "which members are there", "the bytes of this JSON member" and
//! "the entries of this layer member" (through `layer::scan_seekable` or `layer::scan_stream`),
//! and reports a layer that cannot be read with [`layer_error`]. A store that can read a layer
//! member again hands the data of chosen files to `read_data` (`super::data::read_spans` does the
//! reading); one read in a single pass says it cannot.

mod compressed;
mod dir;
pub(crate) mod members;
mod stream;
mod tar_file;

use std::io::{BufReader, IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;

use super::io::read_up_to;
use super::layer::{codec, sniff_compression, unsupported_compression, LayerError};
use super::sniff::{not_an_archive, SNIFF_BYTES};
use super::{ImageSource, Progress, Transport};
use crate::error::{Error, ErrorKind, Result};
use crate::image::{Compression, LayerContents};
use crate::input::{open_regular, Input};

/// Largest JSON document (manifest, index, config) read into memory. Registries cap manifests at
/// 4 MiB; image configs with long histories stay well below this.
pub(crate) const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;

/// The error for a metadata member larger than [`MAX_METADATA_BYTES`].
pub(crate) fn too_large(label: &str, member: &str, size: u64) -> Error {
    Error::member(
        label,
        member,
        ErrorKind::Invalid(format!(
            "{size} bytes is too large for a JSON document (limit {MAX_METADATA_BYTES})"
        )),
    )
}

/// The error for a layer blob that could not be read; `load_from` adds which layer it is.
pub(crate) fn layer_error(label: &str, member: impl Into<String>, error: LayerError) -> Error {
    let error = Box::new(error);
    Error::member(label, member, ErrorKind::Layer { index: None, error })
}

/// A place holding the members of an image: an indexed tar file, a layout directory, or a tar
/// that was read in one pass.
pub(crate) trait Store: Sync {
    /// The name to show in errors: the path the user gave, or `<stdin>`.
    fn label(&self) -> &str;
    /// Whether a member of this name exists.
    fn contains(&self, member: &str) -> bool;
    /// The name of the file a member name leads to, after links.
    fn canonical(&self, member: &str) -> Result<String>;
    /// The bytes of a small metadata member.
    fn read_metadata(&self, member: &str) -> Result<Vec<u8>>;
    /// Scans a layer member; a store that downloads it tells `progress` how far it is.
    fn layer(&self, member: &str, progress: &dyn Progress) -> Result<Arc<LayerContents>>;
    /// Whether layers can be read concurrently.
    fn parallel(&self) -> bool;
    /// Whether reading a layer means downloading it (a registry): a check that needs only the
    /// manifest then reads none.
    fn downloads(&self) -> bool {
        false
    }
    /// Whether the data of files can be read a second time ([`Store::read_data`]).
    fn rereads(&self) -> bool;
    /// Reads the data of files of a layer member again: `spans` are where each file's bytes lie
    /// in the layer's uncompressed tar (offset, length), sorted by offset; `each` gets them in
    /// order, with their index in `spans`.
    fn read_data(
        &self,
        member: &str,
        compression: Compression,
        spans: &[(u64, u64)],
        each: &mut dyn FnMut(usize, &mut dyn std::io::Read) -> std::io::Result<()>,
    ) -> Result<()>;
}

/// Opens what the user gave as the store its content calls for.
pub(crate) fn open(source: &ImageSource) -> Result<Box<dyn Store>> {
    match source {
        ImageSource::Stdin => {
            let label = "<stdin>";
            let stdin = std::io::stdin().lock();
            if stdin.is_terminal() {
                return Err(Error::new(
                    label,
                    ErrorKind::Invalid(
                        "`-` reads an image archive from stdin, but stdin is a terminal; pipe one in (docker save app | sizegate layers -)".into(),
                    ),
                ));
            }
            open_stream(label, BufReader::with_capacity(1 << 20, stdin))
        }
        ImageSource::Path(path) => open_path(path),
        ImageSource::Explicit {
            transport, path, ..
        } => open_as(*transport, path),
        ImageSource::Daemon { name, bare } => {
            let label = format!("docker-daemon:{name}");
            let body = super::daemon::open(name).map_err(|why| match bare {
                // A bare name was maybe meant as a file: both are said.
                true => Error::new(
                    name,
                    ErrorKind::Invalid(format!(
                        "no such file or directory, and {why}; for an image of another daemon, set DOCKER_HOST; for a registry's, give docker://NAME; or pipe a saved image in: docker save {name} | sizegate … -"
                    )),
                ),
                false => Error::new(&label, ErrorKind::Invalid(why)),
            })?;
            open_stream(&label, body)
        }
        ImageSource::Registry { name, options } => {
            let label = format!("docker://{name}");
            let image = super::registry::ImageName::parse(name)
                .map_err(|m| Error::new(&label, ErrorKind::Invalid(m)))?;
            Ok(Box::new(super::registry::open(&label, &image, options)?))
        }
        ImageSource::Podman { name } => {
            let label = format!("podman:{name}");
            let body = super::daemon::open_podman(name)
                .map_err(|why| Error::new(&label, ErrorKind::Invalid(why)))?;
            open_stream(&label, body)
        }
    }
}

/// Opens a file or directory named with its transport (`docker-archive:PATH`, `oci:DIR`,
/// `oci-archive:PATH`) as [`open`] would, and refuses it when its content is of another format:
/// what the user said and what is there disagree, and reading it anyway would hide that.
fn open_as(transport: Transport, path: &Path) -> Result<Box<dyn Store>> {
    let label = path.display().to_string();
    let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
    let refuse = |what: String| Err(Error::new(&label, ErrorKind::Invalid(what)));
    if is_dir && transport != Transport::Oci {
        return refuse(format!(
            "{transport} names an archive file, but this is a directory; an OCI layout directory is read as oci:{label}"
        ));
    }
    let store = open_path(path)?;
    let docker = store.contains("manifest.json");
    let oci = store.contains("index.json");
    let other = match transport {
        Transport::Oci if !is_dir => Some(if docker {
            Transport::DockerArchive
        } else {
            Transport::OciArchive
        }),
        Transport::DockerArchive if !docker && oci => Some(Transport::OciArchive),
        Transport::OciArchive if !oci && docker => Some(Transport::DockerArchive),
        _ => None,
    };
    match other {
        Some(other) => refuse(format!(
            "{transport} {}, but this is {}; read it as {other}{label}",
            match transport {
                Transport::Oci => "names an OCI layout directory",
                Transport::DockerArchive => "names a docker save archive (with manifest.json)",
                Transport::OciArchive => "names an OCI archive (with index.json)",
            },
            match other {
                Transport::DockerArchive => "a docker-archive (manifest.json, no index.json)",
                _ if transport == Transport::Oci => "an archive file",
                _ => "an oci-archive (index.json, no manifest.json)",
            },
        )),
        None => Ok(store),
    }
}

/// Opens an archive file or a layout directory, by its content.
fn open_path(path: &Path) -> Result<Box<dyn Store>> {
    let label = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
    if meta.is_dir() {
        return Ok(Box::new(dir::LayoutDir::open(path)?));
    }
    // A FIFO or a device is refused before it is opened: opening a FIFO blocks until a
    // writer comes, and a device such as /dev/zero never ends.
    let (mut file, _) =
        open_regular(path, &Input::IMAGE).map_err(|e| Error::new(&label, e.into()))?;
    let head = head_of(&label, &mut file)?;
    if sniff_compression(&head) == Compression::None {
        Ok(Box::new(tar_file::TarFile::open(path)?))
    } else {
        stream_from(&label, head, BufReader::with_capacity(1 << 20, file))
    }
}

/// The first bytes of an archive, read whole (a pipe gives its bytes in pieces); refused when
/// they show no archive sizegate reads.
fn head_of(label: &str, reader: &mut impl Read) -> Result<Vec<u8>> {
    let mut head = vec![0u8; SNIFF_BYTES];
    let n = read_up_to(reader, &mut head).map_err(|e| Error::new(label, ErrorKind::Io(e)))?;
    head.truncate(n);
    refuse_unsupported(label, &head)?;
    refuse_not_an_archive(label, &head, Compression::None)?;
    Ok(head)
}

/// An archive compressed as a whole with something other than gzip or zstd.
fn refuse_unsupported(label: &str, magic: &[u8]) -> Result<()> {
    match unsupported_compression(magic) {
        Some(name) => Err(Error::new(
            label,
            ErrorKind::Invalid(format!(
                "the archive is {name}-compressed; decompress it first, or save it plain, gzip or zstd"
            )),
        )),
        None => Ok(()),
    }
}

/// A file that is surely no image archive (text, a PNG, nothing): named by what it looks like,
/// from `head`, its first bytes (decoded from `compression`, if it is compressed).
pub(crate) fn refuse_not_an_archive(
    label: &str,
    head: &[u8],
    compression: Compression,
) -> Result<()> {
    match not_an_archive(head) {
        Some(looks) => Err(Error::new(
            label,
            ErrorKind::NotAnImage(looks.describe(codec(compression))),
        )),
        None => Ok(()),
    }
}

/// Reads an archive in one pass, inflating it first when it is gzip or zstd (`docker save | gzip`).
fn open_stream<R: std::io::BufRead>(label: &str, mut reader: R) -> Result<Box<dyn Store>> {
    let head = head_of(label, &mut reader)?;
    stream_from(label, head, reader)
}

/// An archive read in one pass from its `head` (read and checked by [`head_of`]), put back in
/// front of the `rest`.
fn stream_from<R: std::io::BufRead>(label: &str, head: Vec<u8>, rest: R) -> Result<Box<dyn Store>> {
    let compression = sniff_compression(&head);
    let reader = std::io::Cursor::new(head).chain(rest);
    Ok(Box::new(stream::StreamArchive::read(
        label,
        reader,
        compression,
    )?))
}
