//! The OCI planner: reads an OCI image layout's `index.json` (a layout directory, or the same
//! layout inside a tar: oci-archive, Docker >= 25) into image plans. `index.json` may point at
//! images or at image indexes (multi-platform); one platform is picked per image, attestation
//! manifests are skipped. Blobs are named by digest, as `blobs/<algorithm>/<hex>` members.

use std::collections::HashSet;

use super::select::{platform_matches, tag_matches};
use super::spec::{Descriptor, ManifestOrIndex, Platform};
use super::{parse_json, ImagePlan, LayerRef};
use crate::error::{Error, ErrorKind, Result};
use crate::image::Compression;
use crate::source::digest;
use crate::source::store::Store;
use crate::source::Selection;

/// Nested indexes followed before giving up.
const MAX_INDEX_DEPTH: usize = 4;
/// Manifests an image's indexes may name, together: an index is at most a few dozen platforms.
const MAX_MANIFESTS: usize = 1024;
/// The platform picked when an index has several and the user named none.
const DEFAULT_PLATFORM: &str = "linux/amd64";

/// The member path of a blob: `sha256:abc…` -> `blobs/sha256/abc…`, for a digest that `referrer`
/// (the document that names it) gives. The digest must be well-formed (`source/digest.rs`), so
/// that a crafted one cannot name a path outside `blobs/`.
pub(crate) fn blob_member(label: &str, referrer: &str, digest: &str) -> Result<String> {
    let (algorithm, encoded) =
        digest::parse(digest).map_err(|m| Error::member(label, referrer, ErrorKind::Invalid(m)))?;
    Ok(format!("blobs/{algorithm}/{encoded}"))
}

/// Plans every image `index.json` names, picking one platform of each multi-platform index.
pub(crate) fn plan(
    store: &dyn Store,
    selection: &Selection,
    notes: &mut Vec<String>,
) -> Result<Vec<ImagePlan>> {
    let label = store.label();
    let index: ManifestOrIndex = parse_json(store, "index.json")?;
    let tops = index.manifests.unwrap_or_default();
    if tops.is_empty() {
        return Err(Error::member(
            label,
            "index.json",
            ErrorKind::Invalid("lists no manifests".into()),
        ));
    }
    let mut plans = Vec::new();
    let mut passed_over = Vec::new();
    // The tags `--image` passed over, for its error: `select` sees only the images planned.
    let mut other_tags = Vec::new();
    for top in &tops {
        let tags = tags_of(top);
        // Only the images `--image` names need a platform: another image's index is no concern.
        if let Some(wanted) = &selection.image {
            if !tags.is_empty() && !tags.iter().any(|t| tag_matches(t, wanted)) {
                other_tags.extend(tags);
                continue;
            }
        }
        let mut found = Vec::new();
        let mut visited = HashSet::new();
        collect_manifests(store, "index.json", top, None, 0, &mut visited, &mut found)?;
        let what = tags.first().cloned().unwrap_or_else(|| top.digest.clone());
        match choose_platform(label, &what, &found, selection.platform.as_deref(), notes)? {
            Some(chosen) => {
                let (member, manifest) = image_manifest(store, chosen, 1)?;
                let platform = chosen.platform.clone();
                plans.push(plan_manifest(store, &member, &manifest, platform, tags)?);
            }
            None => passed_over.push(format!("{what} ({})", platforms(&found))),
        }
    }
    if let (true, true, Some(wanted)) = (plans.is_empty(), passed_over.is_empty(), &selection.image)
    {
        return Err(Error::new(
            label,
            ErrorKind::Selection(format!(
                "no image tagged {wanted}; the archive has: {}",
                other_tags.join(", ")
            )),
        ));
    }
    if plans.is_empty() && !passed_over.is_empty() {
        return Err(Error::new(
            label,
            ErrorKind::Selection(format!(
                "no image for platform {}; the archive has: {}",
                selection.platform.as_deref().unwrap_or_default(),
                passed_over.join("; ")
            )),
        ));
    }
    Ok(plans)
}

fn platforms(found: &[Found]) -> String {
    found
        .iter()
        .map(|f| f.platform.clone().unwrap_or_else(|| "unknown".into()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An image manifest found under an index entry, with the platform the index gives it.
struct Found {
    /// The member holding the manifest.
    member: String,
    /// The manifest, once read: an entry whose platform the index gives is read only when that
    /// platform is chosen (a registry image's other platforms are never fetched).
    manifest: Option<ManifestOrIndex>,
    platform: Option<String>,
}

/// Collects the image manifests under `desc`, a descriptor that the document `referrer` holds;
/// `visited` are the members already read (an index that names one twice, or another index
/// many times, costs one read).
fn collect_manifests(
    store: &dyn Store,
    referrer: &str,
    desc: &Descriptor,
    platform: Option<&Platform>,
    depth: usize,
    visited: &mut HashSet<String>,
    found: &mut Vec<Found>,
) -> Result<()> {
    let label = store.label();
    if depth > MAX_INDEX_DEPTH {
        return Err(Error::member(
            label,
            &desc.digest,
            ErrorKind::Invalid("image indexes nested too deep".into()),
        ));
    }
    if found.len() + visited.len() > MAX_MANIFESTS {
        return Err(Error::member(
            label,
            referrer,
            ErrorKind::Invalid(format!(
                "its indexes name more than {MAX_MANIFESTS} manifests"
            )),
        ));
    }
    let member = blob_member(label, referrer, &desc.digest)?;
    // Under a multi-platform index, the containerd store saves only the blobs of the platforms it
    // pulled: an absent manifest there is a platform not in the archive, not an error.
    if depth > 0 && !store.contains(&member) {
        return Ok(());
    }
    let platform = platform.or(desc.platform.as_ref());
    if depth > 0 && platform.is_some() {
        found.push(Found {
            member,
            manifest: None,
            platform: platform.map(Platform::display),
        });
        return Ok(());
    }
    if !visited.insert(member.clone()) {
        return Ok(());
    }
    let doc: ManifestOrIndex = parse_json(store, &member)?;
    if doc.manifests.is_some() {
        collect_children(store, &member, &doc, depth, visited, found)?;
    } else if doc.config.is_some() {
        found.push(Found {
            member,
            manifest: Some(doc),
            platform: platform.map(Platform::display),
        });
    } else {
        return Err(not_a_manifest(label, member));
    }
    Ok(())
}

/// Collects the image manifests under the children of `index` (the member `member`, at
/// `depth`), but attestations and `unknown` platforms.
fn collect_children(
    store: &dyn Store,
    member: &str,
    index: &ManifestOrIndex,
    depth: usize,
    visited: &mut HashSet<String>,
    found: &mut Vec<Found>,
) -> Result<()> {
    for child in index.manifests.iter().flatten() {
        let attestation =
            child.annotation("vnd.docker.reference.type") == Some("attestation-manifest");
        let unknown = child.platform.as_ref().is_some_and(|p| p.os == "unknown");
        if attestation || unknown {
            continue;
        }
        let platform = child.platform.as_ref();
        collect_manifests(store, member, child, platform, depth + 1, visited, found)?;
    }
    Ok(())
}

fn not_a_manifest(label: &str, member: String) -> Error {
    Error::member(
        label,
        member,
        ErrorKind::Invalid("neither an image manifest nor an image index".into()),
    )
}

/// Picks the platform of one image: the one `--platform` names (`None` when the image lacks it),
/// the only one there is, or linux/amd64 of several (with a note).
fn choose_platform<'a>(
    label: &str,
    what: &str,
    found: &'a [Found],
    wanted: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Option<&'a Found>> {
    if found.is_empty() {
        return Err(Error::new(
            label,
            ErrorKind::Invalid(format!(
                "{what}: no image manifest of the index is in the archive"
            )),
        ));
    }
    if let Some(wanted) = wanted {
        // An image with no platform in the index is checked against its config later.
        return Ok(found.iter().find(|f| {
            f.platform
                .as_deref()
                .is_none_or(|p| platform_matches(wanted, p))
        }));
    }
    if found.len() == 1 {
        return Ok(found.first());
    }
    match found
        .iter()
        .find(|f| f.platform.as_deref() == Some(DEFAULT_PLATFORM))
    {
        Some(f) => {
            notes.push(format!(
                "{what}: picked platform {DEFAULT_PLATFORM} of {} ({}); choose another with --platform",
                found.len(),
                platforms(found)
            ));
            Ok(Some(f))
        }
        None => Err(Error::new(
            label,
            ErrorKind::Selection(format!(
                "{what}: the index has several platforms ({}) and none is {DEFAULT_PLATFORM}; choose one with --platform",
                platforms(found)
            )),
        )),
    }
}

/// The image manifest of the entry `chosen` (at `depth` below `index.json`), read now when it
/// was left unread; an entry of a platform that names another index is followed to that
/// platform's image in it, collected as any index's.
fn image_manifest(
    store: &dyn Store,
    chosen: &Found,
    depth: usize,
) -> Result<(String, ManifestOrIndex)> {
    let label = store.label();
    let doc = match &chosen.manifest {
        Some(manifest) => return Ok((chosen.member.clone(), manifest.clone())),
        None => parse_json::<ManifestOrIndex>(store, &chosen.member)?,
    };
    if doc.manifests.is_none() {
        return match doc.config {
            Some(_) => Ok((chosen.member.clone(), doc)),
            None => Err(not_a_manifest(label, chosen.member.clone())),
        };
    }
    let mut inner = Vec::new();
    collect_children(
        store,
        &chosen.member,
        &doc,
        depth,
        &mut HashSet::new(),
        &mut inner,
    )?;
    let platform = chosen.platform.as_deref().unwrap_or_default();
    let next = inner
        .iter()
        .find(|f| {
            f.platform
                .as_deref()
                .is_none_or(|p| platform_matches(platform, p))
        })
        .ok_or_else(|| {
            Error::member(
                label,
                chosen.member.as_str(),
                ErrorKind::Invalid(format!(
                    "the index of platform {platform} has no image of that platform"
                )),
            )
        })?;
    image_manifest(store, next, depth + 1)
}

fn plan_manifest(
    store: &dyn Store,
    member: &str,
    manifest: &ManifestOrIndex,
    platform: Option<String>,
    tags: Vec<String>,
) -> Result<ImagePlan> {
    let label = store.label();
    let config = manifest.config.as_ref().ok_or_else(|| {
        Error::member(
            label,
            member,
            ErrorKind::Invalid("manifest has no config".into()),
        )
    })?;
    let layers = manifest
        .layers
        .iter()
        .flatten()
        .map(|l| {
            Ok(LayerRef {
                member: blob_member(label, member, &l.digest)?,
                digest: Some(l.digest.clone()),
                // A layer type that names no compression (`application/octet-stream`, an
                // encrypted layer) is counted compressed, as registries store layers.
                stored: l
                    .size
                    .map(|size| (l.layer_compression().unwrap_or(Compression::Gzip), size)),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ImagePlan {
        tags,
        platform,
        config: blob_member(label, member, &config.digest)?,
        config_digest: Some(config.digest.clone()),
        layers,
    })
}

/// The tags an index entry gives its image: the containerd image name (a full reference) when set,
/// else the OCI `ref.name` annotation.
fn tags_of(desc: &Descriptor) -> Vec<String> {
    [
        "io.containerd.image.name",
        "org.opencontainers.image.ref.name",
    ]
    .iter()
    .find_map(|k| desc.annotation(k))
    .map(|t| vec![t.to_string()])
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_member_rejects_path_tricks_naming_the_referrer() {
        let hex = "ab".repeat(32);
        assert_eq!(
            blob_member("x", "index.json", &format!("sha256:{hex}")).ok(),
            Some(format!("blobs/sha256/{hex}"))
        );
        let err = |digest: &str| {
            blob_member("app.oci", "index.json", digest)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            err("..:x"),
            "app.oci: index.json: malformed digest \"..:x\": a digest is ALGORITHM:ENCODED, \
             such as sha256: and 64 hex digits"
        );
        assert!(err("sha256:../../etc/passwd").contains("malformed digest"));
        assert!(err("sha256:abc123").contains("64 lowercase hex digits"));
    }
}
