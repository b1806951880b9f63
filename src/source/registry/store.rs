//! A registry image as a [`Store`]: it shows the planners an OCI layout, an `index.json` that
//! names the manifest the reference points at, and `blobs/ALG/HEX` members fetched when they are
//! read: manifests from `/manifests/`, the config and the layers from `/blobs/`. The OCI planner,
//! `--platform` and the layer walk then work as on a layout directory.
//!
//! Every document and every layer is checked against its digest (a layer while it streams
//! through the scanner), and nothing is written to disk.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use super::blob::BlobBody;
use super::client::{Client, Endpoint};
use super::name::ImageName;
use super::pipe;
use super::verify::{self, Verifying};
use crate::error::{Error, ErrorKind, Result};
use crate::image::{Compression, LayerContents};
use crate::source::data::read_spans_in_order;
use crate::source::layer::{self, LayerError};
use crate::source::plan::blob_member;
use crate::source::plan::spec::{Descriptor, ManifestOrIndex};
use crate::source::store::{layer_error, Store, MAX_METADATA_BYTES};
use crate::source::Progress;

/// Media types of the manifests docker's schema 1 wrote (deprecated since 2017, refused by
/// current registries on push).
const SCHEMA_1: [&str; 2] = [
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
];

/// What a blob member is, known from the document that named it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A manifest or an index: fetched from `/manifests/`.
    Manifest,
    /// A config or a layer: fetched from `/blobs/`, `size` bytes as its descriptor says;
    /// `foreign` when the descriptor names other URLs for it (a non-distributable layer).
    Blob { size: Option<u64>, foreign: bool },
}

/// An image in a registry, read as an OCI layout.
pub(crate) struct RegistryStore {
    label: String,
    client: Client,
    /// The `index.json` shown to the planner: the manifest the reference names.
    index: Vec<u8>,
    /// The blobs the documents read so far name, by member.
    known: Mutex<HashMap<String, Kind>>,
    /// The manifest the reference names, fetched to learn its digest and type.
    top: (String, Vec<u8>),
}

impl RegistryStore {
    /// Fetches the manifest `name` points at, through `client`.
    pub(crate) fn open(label: String, client: Client, name: &ImageName) -> Result<RegistryStore> {
        let invalid = |m: String| Error::new(&label, ErrorKind::Invalid(m));
        let fetched = fetch_manifest(&client, name.reference()).map_err(invalid)?;
        let bytes = fetched.bytes;
        let digest = match &name.digest {
            Some(d) => {
                verify::check(d, &bytes).map_err(invalid)?;
                d.clone()
            }
            None => verify::sha256(&bytes),
        };
        let media_type = fetched
            .media_type
            .unwrap_or_else(|| "application/vnd.oci.image.manifest.v1+json".into());
        let index = serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": media_type,
                "digest": digest,
                "size": bytes.len(),
                "annotations": { "io.containerd.image.name": name.to_string() },
            }],
        });
        let store = RegistryStore {
            label,
            client,
            index: index.to_string().into_bytes(),
            known: Mutex::new(HashMap::new()),
            top: (digest.clone(), bytes),
        };
        let member = blob_member(&store.label, "index.json", &digest)?;
        store.learn(&member, fetched.document.as_ref());
        Ok(store)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Kind>> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records the blobs the manifest `member` names, so that reading them later knows where
    /// they are; a document that is no manifest names none (the planner says what is wrong).
    fn learn(&self, member: &str, document: Option<&ManifestOrIndex>) {
        let Some(doc) = document else {
            return;
        };
        let mut known = self.known();
        known.insert(member.to_string(), Kind::Manifest);
        // A malformed digest names no member: the planner refuses it when it gets there.
        let member_of = |d: &Descriptor| blob_member(&self.label, member, &d.digest).ok();
        for child in doc.manifests.iter().flatten() {
            known.extend(member_of(child).map(|m| (m, Kind::Manifest)));
        }
        for blob in doc.config.iter().chain(doc.layers.iter().flatten()) {
            let foreign = blob.urls.as_ref().is_some_and(|u| !u.is_empty());
            let kind = Kind::Blob {
                size: blob.size,
                foreign,
            };
            known.extend(member_of(blob).map(|m| (m, kind)));
        }
    }

    fn kind(&self, member: &str) -> Result<Kind> {
        self.known()
            .get(member)
            .copied()
            .ok_or_else(|| Error::member(&self.label, member, ErrorKind::Missing))
    }

    fn fail(&self, member: &str, message: String) -> Error {
        Error::member(&self.label, member, ErrorKind::Invalid(message))
    }

    /// Downloads the layer `member`, checked against its digest while `consume` reads it (with
    /// its size), on a thread beside this one. Bytes other than the named ones are the error to
    /// report, whatever `consume` made of them.
    fn download<T>(
        &self,
        member: &str,
        progress: &dyn Progress,
        consume: impl FnOnce(&mut dyn Read, u64) -> std::result::Result<T, LayerError>,
    ) -> Result<T> {
        let (size, foreign) = match self.kind(member)? {
            Kind::Blob {
                size: Some(size),
                foreign,
            } => (size, foreign),
            Kind::Blob { size: None, .. } => {
                return Err(self.fail(member, "the manifest gives no size for this layer".into()))
            }
            Kind::Manifest => return Err(self.fail(member, "names a manifest, not a layer".into())),
        };
        let digest = digest_of(member);
        let body = BlobBody::open(&self.client, &digest, size).map_err(|m| match foreign {
            // Registries may hold a foreign layer, and then it is read as any other.
            true => self.fail(
                member,
                format!("{m}; it is a foreign layer (as Windows base layers are), kept at the URLs its descriptor names, which sizegate does not fetch from"),
            ),
            false => self.fail(member, m),
        })?;
        let seen = |read: u64| progress.downloaded(&digest, read, size);
        let verifying =
            Verifying::new(body, &digest, size, &seen).map_err(|m| self.fail(member, m))?;
        let (consumed, verified) = pipe::read_beside(verifying, |blob| consume(blob, size));
        let error = |e| layer_error(&self.label, member, e);
        match verified.map_err(|e| error(LayerError::Io(e)))? {
            Err(message) => Err(error(LayerError::Digest { message })),
            Ok(()) => consumed.map_err(error),
        }
    }
}

impl Store for RegistryStore {
    fn label(&self) -> &str {
        &self.label
    }

    fn contains(&self, member: &str) -> bool {
        member == "index.json" || self.known().contains_key(member)
    }

    fn canonical(&self, member: &str) -> Result<String> {
        Ok(member.to_string())
    }

    fn read_metadata(&self, member: &str) -> Result<Vec<u8>> {
        if member == "index.json" {
            return Ok(self.index.clone());
        }
        let digest = digest_of(member);
        if digest == self.top.0 {
            return Ok(self.top.1.clone());
        }
        let bytes = match self.kind(member)? {
            Kind::Manifest => {
                let fetched =
                    fetch_manifest(&self.client, &digest).map_err(|m| self.fail(member, m))?;
                verify::check(&digest, &fetched.bytes).map_err(|m| self.fail(member, m))?;
                self.learn(member, fetched.document.as_ref());
                return Ok(fetched.bytes);
            }
            Kind::Blob {
                size: Some(size), ..
            } if size > MAX_METADATA_BYTES => {
                return Err(crate::source::store::too_large(&self.label, member, size))
            }
            Kind::Blob { .. } => {
                self.client
                    .document(Endpoint::Blobs, &digest, MAX_METADATA_BYTES)
                    .map_err(|m| self.fail(member, m))?
                    .0
            }
        };
        verify::check(&digest, &bytes).map_err(|m| self.fail(member, m))?;
        Ok(bytes)
    }

    fn layer(&self, member: &str, progress: &dyn Progress) -> Result<Arc<LayerContents>> {
        self.download(member, progress, |blob, size| {
            layer::scan_stream(blob, size)
        })
        .map(Arc::new)
    }

    fn parallel(&self) -> bool {
        true
    }

    fn downloads(&self) -> bool {
        true
    }

    /// A layer is downloaded again, and checked against its digest again.
    fn rereads(&self) -> bool {
        true
    }

    fn read_data(
        &self,
        member: &str,
        compression: Compression,
        spans: &[(u64, u64)],
        each: &mut dyn FnMut(usize, &mut dyn std::io::Read) -> std::io::Result<()>,
    ) -> Result<()> {
        self.download(member, &(), |blob, _| {
            read_spans_in_order(blob, compression, spans, each)
        })
    }
}

/// A manifest as fetched: its bytes, its media type (its `Content-Type`, else its `mediaType`),
/// and the blobs it names, when it parses.
struct Fetched {
    bytes: Vec<u8>,
    media_type: Option<String>,
    document: Option<ManifestOrIndex>,
}

/// What a manifest says of itself, read in the one parse of it.
#[derive(serde::Deserialize)]
struct Manifest {
    #[serde(rename = "schemaVersion")]
    schema_version: Option<u32>,
    #[serde(rename = "mediaType")]
    media_type: Option<String>,
    #[serde(flatten)]
    document: ManifestOrIndex,
}

/// Fetches a manifest by tag or digest; a schema 1 manifest is refused.
fn fetch_manifest(client: &Client, reference: &str) -> std::result::Result<Fetched, String> {
    let (bytes, content_type) =
        client.document(Endpoint::Manifests, reference, MAX_METADATA_BYTES)?;
    let parsed = serde_json::from_slice::<Manifest>(&bytes).ok();
    let schema_1 = content_type
        .as_deref()
        .is_some_and(|t| SCHEMA_1.contains(&t))
        || parsed.as_ref().is_some_and(|m| m.schema_version == Some(1));
    if schema_1 {
        return Err(format!(
            "{reference} is a Docker schema 1 manifest, which sizegate does not read (deprecated since 2017, it has no config and no layer sizes); push the image again with a current docker, podman, buildah or skopeo"
        ));
    }
    let (media_type, document) = match parsed {
        Some(m) => (m.media_type, Some(m.document)),
        None => (None, None),
    };
    Ok(Fetched {
        bytes,
        media_type: content_type
            .filter(|t| t.contains("manifest") || t.contains("index"))
            .or(media_type),
        document,
    })
}

/// `blobs/sha256/HEX` -> `sha256:HEX`: the inverse of [`blob_member`].
fn digest_of(member: &str) -> String {
    member
        .strip_prefix("blobs/")
        .unwrap_or(member)
        .replacen('/', ":", 1)
}
