//! The JSON documents of image archives and layouts, read leniently: only the fields sizegate uses,
//! every one optional where real tools leave it out (Docker v1 configs, kaniko, buildah, skopeo).
//! The `oci-spec` crate's types are stricter than what real archives hold (e.g. they require fields
//! that legacy `docker save` configs omit), so these small types are used instead.

use std::collections::HashMap;

use serde::Deserialize;

use crate::image::Compression;

/// One entry of a docker-archive `manifest.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DockerManifestEntry {
    /// Member path of the image config.
    pub(crate) config: String,
    /// Tags; `null` for untagged images.
    #[serde(default)]
    pub(crate) repo_tags: Option<Vec<String>>,
    /// Member paths of the layer blobs, bottom first.
    pub(crate) layers: Vec<String>,
}

/// An OCI descriptor: a typed pointer to a blob.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    /// Media type. What a blob holds is sniffed from its bytes, never taken from its media type,
    /// but for a layer that is not downloaded (a registry image checked from its manifest), it
    /// is all that says how the layer is compressed.
    #[serde(default)]
    pub(crate) media_type: Option<String>,
    /// `algorithm:hex`.
    pub(crate) digest: String,
    /// The blob's size in bytes: what a registry's blob is checked against as it streams.
    #[serde(default)]
    pub(crate) size: Option<u64>,
    /// Where a foreign (non-distributable) layer may be fetched from instead of its registry:
    /// Windows base layers are so.
    #[serde(default)]
    pub(crate) urls: Option<Vec<String>>,
    /// The platform an index entry is for.
    #[serde(default)]
    pub(crate) platform: Option<Platform>,
    /// Annotations (tags, attestation markers).
    #[serde(default)]
    pub(crate) annotations: Option<HashMap<String, String>>,
}

impl Descriptor {
    /// How a layer is compressed, as its media type says (`…tar+gzip`, `…tar.gzip`,
    /// `…tar+zstd`, `…tar`); `None` for another type.
    pub(crate) fn layer_compression(&self) -> Option<Compression> {
        let media_type = self.media_type.as_deref()?;
        if media_type.ends_with("+gzip") || media_type.ends_with(".gzip") {
            Some(Compression::Gzip)
        } else if media_type.ends_with("+zstd") {
            Some(Compression::Zstd)
        } else if media_type.ends_with(".tar") || media_type.ends_with("diff.tar") {
            Some(Compression::None)
        } else {
            None
        }
    }

    /// The value of an annotation, if set.
    pub(crate) fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }
}

/// A platform as written in an index.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Platform {
    /// CPU architecture (`amd64`, `arm64`).
    #[serde(default)]
    pub(crate) architecture: String,
    /// Operating system (`linux`).
    #[serde(default)]
    pub(crate) os: String,
    /// CPU variant (`v8`), if any.
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

impl Platform {
    /// `os/arch[/variant]`.
    pub(crate) fn display(&self) -> String {
        platform_string(&self.os, &self.architecture, self.variant.as_deref())
    }
}

/// Formats `os/arch[/variant]`.
pub(crate) fn platform_string(os: &str, arch: &str, variant: Option<&str>) -> String {
    match variant {
        Some(v) if !v.is_empty() => format!("{os}/{arch}/{v}"),
        _ => format!("{os}/{arch}"),
    }
}

/// An OCI image index or image manifest (or their Docker v2 equivalents): which one it is shows
/// in which fields are present.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct ManifestOrIndex {
    /// Present in an index.
    #[serde(default)]
    pub(crate) manifests: Option<Vec<Descriptor>>,
    /// Present in a manifest.
    #[serde(default)]
    pub(crate) config: Option<Descriptor>,
    /// Present in a manifest.
    #[serde(default)]
    pub(crate) layers: Option<Vec<Descriptor>>,
}

/// The parts of an image config sizegate reads.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ImageConfig {
    /// CPU architecture.
    #[serde(default)]
    pub(crate) architecture: Option<String>,
    /// Operating system.
    #[serde(default)]
    pub(crate) os: Option<String>,
    /// CPU variant.
    #[serde(default)]
    pub(crate) variant: Option<String>,
    /// Build history, oldest first; entries with `empty_layer` made no layer.
    #[serde(default)]
    pub(crate) history: Option<Vec<History>>,
    /// The uncompressed layer digests.
    #[serde(default)]
    pub(crate) rootfs: Option<RootFs>,
}

/// One history entry.
#[derive(Debug, Deserialize)]
pub(crate) struct History {
    /// The build instruction.
    #[serde(default)]
    pub(crate) created_by: Option<String>,
    /// True when the step made no layer (ENV, LABEL, CMD, …).
    #[serde(default)]
    pub(crate) empty_layer: bool,
}

/// `rootfs` of an image config.
#[derive(Debug, Deserialize)]
pub(crate) struct RootFs {
    /// `sha256:` digests of the uncompressed layer tars, bottom first.
    #[serde(default)]
    pub(crate) diff_ids: Vec<String>,
}

impl ImageConfig {
    /// `os/arch[/variant]` when the config names both.
    pub(crate) fn platform(&self) -> Option<String> {
        match (&self.os, &self.architecture) {
            (Some(os), Some(arch)) if !os.is_empty() && !arch.is_empty() => {
                Some(platform_string(os, arch, self.variant.as_deref()))
            }
            _ => None,
        }
    }

    /// The `created_by` of each of `layer_count` layers: history entries without `empty_layer` are
    /// matched to the layers in order. A missing or short history leaves `None`; a history naming
    /// more layers than the image has is an error.
    pub(crate) fn created_by(&self, layer_count: usize) -> Result<Vec<Option<String>>, String> {
        let with_layer: Vec<&History> = self
            .history
            .iter()
            .flatten()
            .filter(|h| !h.empty_layer)
            .collect();
        if with_layer.len() > layer_count {
            return Err(format!(
                "the config history has {} entries that made a layer, but the image has {} layers",
                with_layer.len(),
                layer_count
            ));
        }
        Ok((0..layer_count)
            .map(|i| with_layer.get(i).and_then(|h| h.created_by.clone()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> ImageConfig {
        serde_json::from_str(json).expect("test config parses")
    }

    #[test]
    fn empty_layer_entries_take_no_layer() {
        let c = config(
            r#"{"history":[{"created_by":"ADD"},{"created_by":"ENV","empty_layer":true},{"created_by":"RUN"}]}"#,
        );
        assert_eq!(
            c.created_by(2),
            Ok(vec![Some("ADD".into()), Some("RUN".into())])
        );
    }

    #[test]
    fn missing_or_short_history_gives_none() {
        assert_eq!(config("{}").created_by(2), Ok(vec![None, None]));
        assert_eq!(config(r#"{"history":null}"#).created_by(1), Ok(vec![None]));
        assert_eq!(
            config(r#"{"history":[{"created_by":"ADD"}]}"#).created_by(2),
            Ok(vec![Some("ADD".into()), None])
        );
    }

    #[test]
    fn history_longer_than_layers_is_an_error() {
        let c = config(r#"{"history":[{"created_by":"A"},{"created_by":"B"}]}"#);
        assert!(c.created_by(1).is_err());
    }
}
