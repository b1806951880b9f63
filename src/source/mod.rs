//! Readers that turn an image, in whatever format the user has it, into the [`Image`] model.
//!
//! The format is detected from content, never from the file name: a directory is an OCI layout; a
//! tar with `manifest.json` is a docker-archive (preferred when `index.json` is there too, as in
//! Docker >= 25); a tar with only `index.json` is an oci-archive; a gzip or zstd file is a
//! compressed archive, read as a stream like stdin.

mod archive;
mod counting;
pub mod layer;
mod layout;
mod members;
mod positioned;
mod select;
pub mod spec;
mod stream;
mod tar_index;

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufReader, IsTerminal};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorKind, Result};
use crate::image::{Compression, Image, Layer, LayerContents};
use layer::{read_up_to, sniff_compression, unsupported_compression};
use select::{check_platform_arg, select};
use spec::ImageConfig;

/// Largest JSON document (manifest, index, config) read into memory. Registries cap manifests at
/// 4 MiB; image configs with long histories stay well below this.
pub const MAX_METADATA_BYTES: u64 = 16 * 1024 * 1024;

/// The error for a metadata member larger than [`MAX_METADATA_BYTES`].
fn too_large(label: &str, member: &str, size: u64) -> Error {
    Error::member(
        label,
        member,
        ErrorKind::Invalid(format!(
            "{size} bytes is too large for a JSON document (limit {MAX_METADATA_BYTES})"
        )),
    )
}

/// The error for a layer blob that could not be read; [`load_from`] adds which layer it is.
fn layer_error(label: &str, member: impl Into<String>, error: layer::LayerError) -> Error {
    let error = Box::new(error);
    Error::member(label, member, ErrorKind::Layer { index: None, error })
}

/// Where the image comes from.
#[derive(Debug, Clone)]
pub enum ImageSource {
    /// A tar on standard input (`docker save app | sizegate layers -`).
    Stdin,
    /// An archive file or an OCI layout directory.
    Path(PathBuf),
}

impl ImageSource {
    /// `-` means stdin; anything else is a path.
    pub fn from_arg(arg: &str) -> ImageSource {
        if arg == "-" {
            ImageSource::Stdin
        } else {
            ImageSource::Path(PathBuf::from(arg))
        }
    }
}

/// Which images of an archive to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only the image with this tag (`app:1.2`, `app` meaning `app:latest`, or a full reference).
    pub image: Option<String>,
    /// Only this platform (`linux/arm64`, `linux/arm/v7`).
    pub platform: Option<String>,
}

/// The images read, and notes for the user (such as which platform was picked).
#[derive(Debug)]
pub struct Loaded {
    /// The selected images, in archive order.
    pub images: Vec<Image>,
    /// Things the user should know, one sentence each; the CLI prints them on stderr.
    pub notes: Vec<String>,
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
    /// Scans a layer member.
    fn layer(&self, member: &str) -> Result<Arc<LayerContents>>;
    /// Whether layers can be read concurrently.
    fn parallel(&self) -> bool;
}

/// One image as the metadata describes it, before its layers are read.
#[derive(Debug)]
pub(crate) struct ImagePlan {
    tags: Vec<String>,
    platform: Option<String>,
    config: String,
    config_digest: Option<String>,
    layers: Vec<LayerRef>,
}

/// A layer as the metadata names it.
#[derive(Debug)]
struct LayerRef {
    member: String,
    /// The blob digest, when the metadata gives one.
    digest: Option<String>,
}

/// Reads the images of `source` that `selection` picks.
pub fn load(source: &ImageSource, selection: &Selection) -> Result<Loaded> {
    load_with_progress(source, selection, &())
}

/// Told how far reading has come, for a progress display: the library draws none itself.
pub trait Progress: Sync {
    /// The layers to read are known.
    fn layers(&self, _count: u64) {}
    /// One more layer has been read.
    fn layer_read(&self) {}
}

/// No progress display.
impl Progress for () {}

/// Like [`load`], telling `progress` how far reading has come.
pub fn load_with_progress(
    source: &ImageSource,
    selection: &Selection,
    progress: &dyn Progress,
) -> Result<Loaded> {
    let store = open(source)?;
    load_from(store.as_ref(), selection, progress)
}

fn open(source: &ImageSource) -> Result<Box<dyn Store>> {
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
        ImageSource::Path(path) => {
            let label = path.display().to_string();
            let meta = std::fs::metadata(path).map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
            if meta.is_dir() {
                return Ok(Box::new(layout::LayoutDir::open(path)?));
            }
            let mut file = File::open(path).map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
            let mut magic = [0u8; 6];
            let n = read_up_to(&mut file, &mut magic)
                .map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
            refuse_unsupported(&label, &magic[..n])?;
            if sniff_compression(&magic[..n]) == Compression::None {
                Ok(Box::new(tar_index::TarFile::open(path)?))
            } else {
                let file = File::open(path).map_err(|e| Error::new(&label, ErrorKind::Io(e)))?;
                open_stream(&label, BufReader::with_capacity(1 << 20, file))
            }
        }
    }
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

/// Reads an archive in one pass, inflating it first when it is gzip or zstd (`docker save | gzip`).
fn open_stream<R: std::io::BufRead>(label: &str, mut reader: R) -> Result<Box<dyn Store>> {
    let head = reader
        .fill_buf()
        .map_err(|e| Error::new(label, ErrorKind::Io(e)))?;
    refuse_unsupported(label, head)?;
    let archive = match sniff_compression(head) {
        Compression::None => stream::StreamArchive::read(label, reader)?,
        Compression::Gzip => {
            stream::StreamArchive::read(label, flate2::bufread::MultiGzDecoder::new(reader))?
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::with_buffer(reader)
                .map_err(|e| Error::new(label, ErrorKind::Io(e)))?;
            stream::StreamArchive::read(label, decoder)?
        }
    };
    Ok(Box::new(archive))
}

fn load_from(store: &dyn Store, selection: &Selection, progress: &dyn Progress) -> Result<Loaded> {
    let label = store.label();
    if let Some(p) = &selection.platform {
        check_platform_arg(label, p)?;
    }
    let mut notes = Vec::new();
    let plans = if store.contains("manifest.json") {
        archive::plan(store)?
    } else if store.contains("index.json") {
        layout::plan(store, selection, &mut notes)?
    } else {
        return Err(Error::new(
            label,
            ErrorKind::Invalid(
                "not a container image: the tar has neither manifest.json (docker-archive) nor index.json (OCI)"
                    .into(),
            ),
        ));
    };
    let mut planned = Vec::new();
    for plan in plans {
        let config: ImageConfig = parse_json(store, &plan.config)?;
        planned.push((plan, config));
    }
    let planned = select(label, planned, selection)?;

    let members: BTreeSet<String> = planned
        .iter()
        .flat_map(|(p, _)| &p.layers)
        .map(|l| store.canonical(&l.member))
        .collect::<Result<_>>()?;
    progress.layers(members.len() as u64);
    let scan = |m: &String| {
        let contents = store
            .layer(m)
            .map_err(|e| with_layer_index(e, store, &planned, m))?;
        progress.layer_read();
        Ok((m.clone(), contents))
    };
    let scanned: HashMap<String, Arc<LayerContents>> = if store.parallel() {
        members.par_iter().map(scan).collect::<Result<_>>()?
    } else {
        members.iter().map(scan).collect::<Result<_>>()?
    };

    let images = planned
        .into_iter()
        .map(|(plan, config)| build_image(store, plan, &config, &scanned))
        .collect::<Result<_>>()?;
    Ok(Loaded { images, notes })
}

/// Names the layer a layer error is about by its position in the image, when the images read
/// all hold the blob at the same position (a blob shared at different positions stays "the
/// layer"). Runs only on the error path, so it may resolve every layer again.
fn with_layer_index(
    mut error: Error,
    store: &dyn Store,
    planned: &[(ImagePlan, ImageConfig)],
    member: &str,
) -> Error {
    if let ErrorKind::Layer { index, .. } = &mut error.kind {
        let mut positions = planned
            .iter()
            .flat_map(|(plan, _)| plan.layers.iter().enumerate())
            .filter(|(_, l)| store.canonical(&l.member).is_ok_and(|c| c == member))
            .map(|(i, _)| i);
        *index = positions
            .next()
            .filter(|&first| positions.all(|i| i == first));
    }
    error
}

fn build_image(
    store: &dyn Store,
    plan: ImagePlan,
    config: &ImageConfig,
    scanned: &HashMap<String, Arc<LayerContents>>,
) -> Result<Image> {
    let label = store.label();
    let count = plan.layers.len();
    let created_by = config
        .created_by(count)
        .map_err(|m| Error::member(label, &plan.config, ErrorKind::Invalid(m)))?;
    let diff_ids = match &config.rootfs {
        Some(rootfs) if !rootfs.diff_ids.is_empty() => {
            if rootfs.diff_ids.len() != count {
                return Err(Error::member(
                    label,
                    &plan.config,
                    ErrorKind::Invalid(format!(
                        "the config lists {} layer diff_ids but the manifest lists {} layers",
                        rootfs.diff_ids.len(),
                        count
                    )),
                ));
            }
            Some(&rootfs.diff_ids)
        }
        _ => None,
    };
    let mut layers = Vec::with_capacity(count);
    for (index, (layer_ref, created_by)) in plan.layers.iter().zip(created_by).enumerate() {
        let canonical = store.canonical(&layer_ref.member)?;
        let contents = scanned
            .get(&canonical)
            .cloned()
            .ok_or_else(|| Error::member(label, &layer_ref.member, ErrorKind::Missing))?;
        let digest = diff_ids
            .map(|d| d[index].clone())
            .or_else(|| layer_ref.digest.clone())
            .unwrap_or_else(|| canonical.clone());
        layers.push(Layer {
            index,
            digest,
            created_by,
            contents,
        });
    }
    Ok(Image {
        name: display_name(&plan),
        platform: platform_of(&plan, config),
        tags: plan.tags,
        layers,
    })
}

/// The first tag, or the short config digest of an untagged image.
fn display_name(plan: &ImagePlan) -> String {
    if let Some(tag) = plan.tags.first() {
        return tag.clone();
    }
    match &plan.config_digest {
        Some(d) => d
            .split_once(':')
            .map_or(d.as_str(), |(_, hex)| &hex[..hex.len().min(12)])
            .to_string(),
        None => plan.config.clone(),
    }
}

fn platform_of(plan: &ImagePlan, config: &ImageConfig) -> Option<String> {
    plan.platform.clone().or_else(|| config.platform())
}

/// Reads and parses a JSON member.
fn parse_json<T: DeserializeOwned>(store: &dyn Store, member: &str) -> Result<T> {
    let data = store.read_metadata(member)?;
    serde_json::from_slice(&data)
        .map_err(|e| Error::member(store.label(), member, ErrorKind::Json(e)))
}
