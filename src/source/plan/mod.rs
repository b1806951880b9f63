//! What the metadata of an image container says: a planner reads the container's own documents
//! from a [`Store`] and returns one [`ImagePlan`] per image (its tags, config member and layer
//! members, bottom first), before any layer is read. [`plan`] picks the planner:
//! - [`docker`]: a docker-archive's `manifest.json` (preferred when `index.json` is there too, as
//!   in Docker >= 25);
//! - [`oci`]: an OCI layout's `index.json`, nested indexes, one platform per image.
//!
//! [`select`] then keeps the images `--image` and `--platform` pick; [`spec`] holds the lenient
//! JSON types of both formats.
//!
//! How to add a new container format: write a planner in `plan/<name>.rs` that reads its
//! documents with [`parse_json`] and returns `ImagePlan`s, put its JSON types in [`spec`], and add
//! its case to [`plan`], told apart by a member only that format has. Stores, selection, the layer
//! walk and the image build work on the plans unchanged.

mod docker;
mod oci;
pub(crate) mod select;
pub(crate) mod spec;

use serde::de::DeserializeOwned;

use super::store::Store;
use super::Selection;
use crate::error::{Error, ErrorKind, Result};
use crate::image::Compression;
use spec::ImageConfig;

pub(crate) use oci::blob_member;

/// One image as the metadata describes it, before its layers are read.
#[derive(Debug)]
pub(crate) struct ImagePlan {
    pub(crate) tags: Vec<String>,
    pub(crate) platform: Option<String>,
    pub(crate) config: String,
    pub(crate) config_digest: Option<String>,
    pub(crate) layers: Vec<LayerRef>,
}

/// A layer as the metadata names it.
#[derive(Debug)]
pub(crate) struct LayerRef {
    pub(crate) member: String,
    /// The blob digest, when the metadata gives one.
    pub(crate) digest: Option<String>,
    /// How the blob is stored and its size, when the metadata gives them (an OCI descriptor):
    /// all that is known of a layer that is not downloaded.
    pub(crate) stored: Option<(Compression, u64)>,
}

/// Plans every image of the container in `store`, by the format its metadata shows; notes for
/// the user (such as which platform was picked) go to `notes`.
pub(crate) fn plan(
    store: &dyn Store,
    selection: &Selection,
    notes: &mut Vec<String>,
) -> Result<Vec<ImagePlan>> {
    if store.contains("manifest.json") {
        docker::plan(store)
    } else if store.contains("index.json") {
        oci::plan(store, selection, notes)
    } else {
        Err(Error::new(
            store.label(),
            ErrorKind::Invalid(
                "not a container image: the tar has neither manifest.json (docker-archive) nor index.json (OCI)"
                    .into(),
            ),
        ))
    }
}

/// The first tag, or the short config digest of an untagged image.
pub(crate) fn display_name(plan: &ImagePlan) -> String {
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

/// The platform of an image: the one its index gives, else the one its config names.
pub(crate) fn platform_of(plan: &ImagePlan, config: &ImageConfig) -> Option<String> {
    plan.platform.clone().or_else(|| config.platform())
}

/// Reads and parses a JSON member.
pub(crate) fn parse_json<T: DeserializeOwned>(store: &dyn Store, member: &str) -> Result<T> {
    let data = store.read_metadata(member)?;
    serde_json::from_slice(&data)
        .map_err(|e| Error::member(store.label(), member, ErrorKind::Json(e)))
}
