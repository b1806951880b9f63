//! The docker-archive planner: `manifest.json` lists each image's config and layer members. This
//! covers legacy `docker save` (`<id>/layer.tar`, possibly symlinks), podman (`<diffid>.tar` at the
//! root), and Docker >= 25 (`blobs/sha256/…`, plain or, with the containerd store, gzip/zstd).

use super::spec::DockerManifestEntry;
use super::{parse_json, ImagePlan, LayerRef};
use crate::error::{Error, ErrorKind, Result};
use crate::source::store::members::normalize_member;
use crate::source::store::Store;

/// Plans every image `manifest.json` lists, in its order.
pub(crate) fn plan(store: &dyn Store) -> Result<Vec<ImagePlan>> {
    let entries: Vec<DockerManifestEntry> = parse_json(store, "manifest.json")?;
    if entries.is_empty() {
        return Err(Error::member(
            store.label(),
            "manifest.json",
            ErrorKind::Invalid("lists no images".into()),
        ));
    }
    Ok(entries
        .into_iter()
        .map(|e| ImagePlan {
            tags: e.repo_tags.unwrap_or_default(),
            platform: None,
            config_digest: config_digest_of(&e.config),
            config: normalize_member(&e.config),
            layers: e
                .layers
                .iter()
                .map(|l| LayerRef {
                    member: normalize_member(l),
                    digest: None,
                    stored: None,
                })
                .collect(),
        })
        .collect())
}

/// The config digest a member name spells: `<hex>.json`, `blobs/sha256/<hex>`, `sha256:<hex>`.
fn config_digest_of(member: &str) -> Option<String> {
    let base = member.rsplit('/').next()?;
    let hex = base.trim_end_matches(".json").trim_start_matches("sha256:");
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| format!("sha256:{hex}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_digest_from_every_naming_scheme() {
        let hex = "d351a29769be2551169dbbc982b19d452bb1be981d62fb8b7581d214eff3391f";
        let want = Some(format!("sha256:{hex}"));
        assert_eq!(config_digest_of(&format!("{hex}.json")), want);
        assert_eq!(config_digest_of(&format!("blobs/sha256/{hex}")), want);
        assert_eq!(config_digest_of(&format!("sha256:{hex}")), want);
        assert_eq!(config_digest_of("config.json"), None);
    }
}
