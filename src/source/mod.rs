//! Readers that turn an image, in whatever format the user has it, into the [`Image`] model.
//!
//! The format is detected from content, never from the file name: a directory is an OCI layout; a
//! tar with `manifest.json` is a docker-archive (preferred when `index.json` is there too, as in
//! Docker >= 25); a tar with only `index.json` is an oci-archive; a gzip or zstd file is a
//! compressed archive, read as a stream like stdin.
//!
//! [`load`] runs four steps, each with its own place:
//! - `store/`: where the bytes are. A `Store` reads members by name from an indexed tar file, a
//!   layout directory, or a tar read in one pass (stdin, a compressed archive).
//! - `plan/`: what the metadata says. A planner reads `manifest.json` or `index.json` from the
//!   store into one `ImagePlan` per image; `--image` and `--platform` then pick among them.
//! - [`layer`]: every layer blob the picked images name is walked once (in parallel when the
//!   store allows) into its entries; [`layer::LayerError`] says why one could not be.
//! - this module: each [`Image`] is built from its plan, its config and its layers.
//!
//! `io/` holds the byte plumbing under them (positional range reads, counting reads); `digest.rs`
//! checks a digest against the OCI grammar before it becomes a path (`blobs/<alg>/<encoded>`).
//!
//! How to add:
//! - a new place images come from (another kind of file, a registry): a `Store` in
//!   `store/<name>.rs`, chosen in `store::open` (see `store/mod.rs`); a source that is not a path
//!   (a registry reference) also needs its `ImageSource` variant here.
//! - a new container format (metadata other than `manifest.json` / `index.json`): a planner in
//!   `plan/<name>.rs`, chosen in `plan::plan` (see `plan/mod.rs`); nothing here changes.
//! - a new layer compression: `layer.rs` (sniffing, decoding, its name in messages),
//!   `image::Compression`, and the "reads plain, gzip and zstd" wording in `error.rs`.

mod daemon;
mod data;
mod digest;
mod io;
pub(crate) mod layer;
mod plan;
mod reference;
mod registry;
mod sniff;
mod store;

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Error, ErrorKind, Result};
use crate::image::{Image, Layer, LayerContents};
use plan::select::{check_platform_arg, select};
pub(crate) use plan::select::{full_reference, repository_of, repository_path, tag_matches};
use plan::spec::ImageConfig;
use plan::{display_name, parse_json, platform_of, ImagePlan};
use store::Store;

pub use data::DataSource;
pub(crate) use data::FileKey;
pub use reference::Transport;
pub use registry::RegistryOptions;

/// Where the image comes from.
#[derive(Debug, Clone)]
pub enum ImageSource {
    /// A tar on standard input (`docker save app | sizegate layers -`).
    Stdin,
    /// An archive file or an OCI layout directory, its format detected from its content.
    Path(PathBuf),
    /// A file or directory named with its transport (`docker-archive:app.tar`, `oci:dir:1.0`):
    /// read as the detected ones, but refused when its content is of another format.
    Explicit {
        /// The format the user said it is.
        transport: Transport,
        /// The archive or layout directory.
        path: PathBuf,
        /// `oci:DIR:REF`'s REF: the image's `org.opencontainers.image.ref.name`, picked as
        /// `--image` picks one.
        reference: Option<String>,
    },
    /// An image of the Docker Engine API at `DOCKER_HOST` (`docker-daemon:NAME`, or a bare name
    /// that is no file), streamed as `docker save` would write it.
    Daemon {
        /// The image's name (`app:1.2`, an id).
        name: String,
        /// Given as a bare name, not as `docker-daemon:NAME`: a refusal then also says it is no
        /// file.
        bare: bool,
    },
    /// An image of podman's local storage (`podman:NAME`), through podman's Docker-compatible
    /// API socket, streamed as `podman save` would write it.
    Podman {
        /// The image's name.
        name: String,
    },
    /// An image in a registry (`docker://NAME`), read through the registry's API.
    Registry {
        /// What follows `docker://`, as typed (`localhost:5000/app:1`, `alpine`).
        name: String,
        /// How the registry is reached.
        options: RegistryOptions,
    },
}

impl ImageSource {
    /// The same source, its registry reached as `options` say (other sources are unchanged).
    pub fn with_registry_options(self, options: &RegistryOptions) -> ImageSource {
        match self {
            ImageSource::Registry { name, .. } => ImageSource::Registry {
                name,
                options: options.clone(),
            },
            other => other,
        }
    }

    /// An `IMAGE` argument as the user means it: `-`, an existing path, a transport
    /// (`docker-archive:PATH`, `oci:DIR[:REF]`, `oci-archive:PATH`, `docker-daemon:NAME`,
    /// `podman:NAME`), an
    /// image name that is no path (`app:1.2`, looked up in the daemon), or else a path. A
    /// transport this version does not read (`docker://`) is an error that says how to
    /// pipe the image in instead.
    pub fn parse(arg: &str) -> Result<ImageSource> {
        let exists = |p: &str| std::path::Path::new(p).symlink_metadata().is_ok();
        Ok(match reference::parse(arg, &exists) {
            reference::Parsed::Stdin => ImageSource::Stdin,
            reference::Parsed::Path(path) => ImageSource::Path(PathBuf::from(path)),
            reference::Parsed::Explicit {
                transport,
                path,
                reference,
            } => ImageSource::Explicit {
                transport,
                path: PathBuf::from(path),
                reference: reference.map(str::to_string),
            },
            reference::Parsed::Daemon { name, bare } => ImageSource::Daemon {
                name: name.to_string(),
                bare,
            },
            reference::Parsed::Podman { name } => ImageSource::Podman {
                name: name.to_string(),
            },
            reference::Parsed::Registry { name } => ImageSource::Registry {
                name: name.to_string(),
                options: RegistryOptions::default(),
            },
            reference::Parsed::Unsupported(message) => {
                return Err(Error::new(arg, ErrorKind::Invalid(message)))
            }
        })
    }
}

/// Which images of an archive to read.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only the image with this tag (`app:1.2`, `app` meaning `app:latest`, or a full reference).
    pub image: Option<String>,
    /// Only this platform (`linux/arm64`, `linux/arm/v7`).
    pub platform: Option<String>,
    /// Download no layer of a registry image: its manifest and config are read, so its layer
    /// count, compressed size and history are known, its files are not (a `check` whose rules
    /// need no more). Images of files and archives are read whole all the same: their layers
    /// are at hand.
    pub manifest_only: bool,
}

/// The images read, and notes for the user (such as which platform was picked).
#[derive(Debug)]
pub struct Loaded {
    /// The selected images, in archive order.
    pub images: Vec<Image>,
    /// Things the user should know, one sentence each; the CLI prints them on stderr.
    pub notes: Vec<String>,
    /// Where the images were read from, kept open to read the data of chosen files later.
    pub data: DataSource,
}

/// Told how far reading has come, for a progress display: the library draws none itself.
pub trait Progress: Sync {
    /// The layers to read are known.
    fn layers(&self, _count: u64) {}
    /// One more layer has been read.
    fn layer_read(&self) {}
    /// `read` of the `total` bytes of the layer blob `digest` have been downloaded (a registry's
    /// layer, told as it streams).
    fn downloaded(&self, _digest: &str, _read: u64, _total: u64) {}
}

/// No progress display.
impl Progress for () {}

/// Reads the images of `source` that `selection` picks, telling `progress` how far reading has
/// come (`&()` for no display).
pub fn load(
    source: &ImageSource,
    selection: &Selection,
    progress: &dyn Progress,
) -> Result<Loaded> {
    let store = store::open(source)?;
    let selection = match source {
        ImageSource::Explicit {
            reference: Some(r),
            path,
            ..
        } => with_reference(selection, path, r)?,
        _ => selection.clone(),
    };
    let (images, notes) = load_from(store.as_ref(), &selection, progress)?;
    Ok(Loaded {
        images,
        notes,
        data: DataSource::new(store),
    })
}

/// `oci:DIR:REF`'s REF as the `--image` choice; both given, they must agree.
fn with_reference(selection: &Selection, dir: &std::path::Path, r: &str) -> Result<Selection> {
    match &selection.image {
        Some(image) if image != r => Err(Error::new(
            dir.display().to_string(),
            ErrorKind::Selection(format!(
                "oci:DIR:{r} and --image {image} name different images; give one of them"
            )),
        )),
        _ => Ok(Selection {
            image: Some(r.to_string()),
            ..selection.clone()
        }),
    }
}

/// The images `selection` picks from `store`, and the notes for the user.
fn load_from(
    store: &dyn Store,
    selection: &Selection,
    progress: &dyn Progress,
) -> Result<(Vec<Image>, Vec<String>)> {
    let label = store.label();
    if let Some(p) = &selection.platform {
        check_platform_arg(label, p)?;
    }
    let mut notes = Vec::new();
    let plans = plan::plan(store, selection, &mut notes)?;
    let mut planned = Vec::new();
    for plan in plans {
        let config: ImageConfig = parse_json(store, &plan.config)?;
        planned.push((plan, config));
    }
    let planned = select(label, planned, selection)?;

    // A check that needs only the manifest downloads no layer: what the descriptors say is all.
    let contents = if selection.manifest_only && store.downloads() {
        layers_unread(store, &planned)?
    } else {
        scan_layers(store, &planned, progress)?
    };
    let images = planned
        .into_iter()
        .map(|(plan, config)| build_image(store, plan, &config, &contents))
        .collect::<Result<_>>()?;
    Ok((images, notes))
}

/// Every layer blob the planned images name, walked once (in parallel when the store allows).
fn scan_layers(
    store: &dyn Store,
    planned: &[(ImagePlan, ImageConfig)],
    progress: &dyn Progress,
) -> Result<HashMap<String, Arc<LayerContents>>> {
    let members: BTreeSet<String> = planned
        .iter()
        .flat_map(|(p, _)| &p.layers)
        .map(|l| store.canonical(&l.member))
        .collect::<Result<_>>()?;
    progress.layers(members.len() as u64);
    let scan = |m: &String| {
        let contents = store
            .layer(m, progress)
            .map_err(|e| with_layer_index(e, store, planned, m))?;
        progress.layer_read();
        Ok((m.clone(), contents))
    };
    if store.parallel() {
        members.par_iter().map(scan).collect()
    } else {
        members.iter().map(scan).collect()
    }
}

/// The layers of the planned images as their descriptors give them, not downloaded.
fn layers_unread(
    store: &dyn Store,
    planned: &[(ImagePlan, ImageConfig)],
) -> Result<HashMap<String, Arc<LayerContents>>> {
    let mut unread = HashMap::new();
    for layer in planned.iter().flat_map(|(plan, _)| &plan.layers) {
        let (compression, size) = layer.stored.ok_or_else(|| {
            Error::member(
                store.label(),
                &layer.member,
                ErrorKind::Invalid("the manifest gives no size for this layer".into()),
            )
        })?;
        let contents = Arc::new(LayerContents::unread(compression, size));
        unread.insert(store.canonical(&layer.member)?, contents);
    }
    Ok(unread)
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
            member: canonical,
        });
    }
    Ok(Image {
        name: display_name(&plan),
        platform: platform_of(&plan, config),
        tags: plan.tags,
        layers,
    })
}
