//! Which images of an archive the user asked for: `--image` by tag, `--platform` by
//! `os/arch[/variant]`.

use super::spec::ImageConfig;
use super::{display_name, platform_of, ImagePlan};
use crate::error::{Error, ErrorKind, Result};
use crate::source::Selection;

/// Keeps the images that `--image` and `--platform` pick.
pub(crate) fn select(
    label: &str,
    planned: Vec<(ImagePlan, ImageConfig)>,
    selection: &Selection,
) -> Result<Vec<(ImagePlan, ImageConfig)>> {
    // Every tag of every image, so the user sees all the names `--image` accepts.
    let names = |list: &[(ImagePlan, ImageConfig)]| {
        list.iter()
            .flat_map(|(p, _)| {
                if p.tags.is_empty() {
                    vec![display_name(p)]
                } else {
                    p.tags.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut picked = planned;
    if let Some(wanted) = &selection.image {
        let all = names(&picked);
        picked.retain(|(p, _)| image_matches(&p.tags, p.config_digest.as_deref(), wanted));
        match picked.len() {
            0 => {
                return Err(Error::new(
                    label,
                    ErrorKind::Selection(format!(
                        "no image tagged {wanted}; the archive has: {all}"
                    )),
                ))
            }
            1 => {}
            _ => {
                return Err(Error::new(
                    label,
                    ErrorKind::Selection(format!(
                        "{wanted} matches several images ({}); give the full tag",
                        names(&picked)
                    )),
                ))
            }
        }
    }
    if let Some(wanted) = &selection.platform {
        let all = picked
            .iter()
            .map(|(p, c)| {
                format!(
                    "{} ({})",
                    display_name(p),
                    platform_of(p, c).unwrap_or_else(|| "unknown".into())
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        picked.retain(|(p, c)| {
            platform_of(p, c).is_none_or(|actual| platform_matches(wanted, &actual))
        });
        if picked.is_empty() {
            return Err(Error::new(
                label,
                ErrorKind::Selection(format!(
                    "no image for platform {wanted}; the archive has: {all}"
                )),
            ));
        }
    }
    Ok(picked)
}

/// Whether an image is the one `--image` names: by any of its tags, or, for an untagged image, by
/// a prefix of its config digest (as its display name shows it).
pub(super) fn image_matches(tags: &[String], config_digest: Option<&str>, wanted: &str) -> bool {
    tags.iter().any(|t| tag_matches(t, wanted))
        || config_digest.is_some_and(|d| digest_matches(d, wanted))
}

/// Whether a tag is what the user asked for. Both are completed the way Docker completes a
/// reference (`app` is `docker.io/library/app:latest`), so the classic store's short tags and the
/// containerd store's full ones match alike; a name without a registry also matches under any
/// registry (`tiny-app` matches `localhost/tiny-app:latest`).
pub(crate) fn tag_matches(tag: &str, wanted: &str) -> bool {
    let (tag_full, wanted_full) = (full_reference(tag), full_reference(wanted));
    tag_full == wanted_full
        || (!has_domain(wanted) && tag_full.ends_with(&format!("/{}", with_tag(wanted))))
}

fn has_domain(reference: &str) -> bool {
    reference.split_once('/').is_some_and(|(first, _)| {
        first.contains('.') || first.contains(':') || first == "localhost"
    })
}

fn with_tag(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if last.contains(':') || last.contains('@') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

/// A reference's repository, completed as Docker completes it and without its tag or digest:
/// `app:1` and `docker.io/library/app:2` are both `docker.io/library/app`.
pub(crate) fn repository_of(reference: &str) -> String {
    let full = full_reference(reference);
    let name = full.split('@').next().unwrap_or(&full);
    match name.rfind(':') {
        // A colon before the last `/` is a registry's port, not a tag.
        Some(i) if !name[i..].contains('/') => name[..i].to_string(),
        _ => name.to_string(),
    }
}

/// The repository a tag names, as reports tell images apart: its path without registry host, tag
/// or digest, and without the `library/` that Docker Hub puts before its official images, under
/// any registry (mirrors keep it), so that one image is one repository wherever it was pushed:
/// `app:1`, `library/app:2` and `localhost:5000/app:3` are all `app`;
/// `registry.example/team/app@sha256:…` is `team/app`. `None` for a reference that is only a tag
/// (neither `/` nor `:`): an OCI layout's `ref.name` is often just that (`skopeo copy … oci:dir:1.0.0`,
/// umoci), and names no repository.
pub(crate) fn repository_path(reference: &str) -> Option<String> {
    if !reference.contains(['/', ':']) {
        return None;
    }
    let repository = repository_of(reference);
    // Completed, the reference always starts with its registry.
    let path = repository
        .split_once('/')
        .map_or(repository.as_str(), |(_, path)| path);
    let path = path
        .strip_prefix("library/")
        .filter(|name| !name.contains('/'))
        .unwrap_or(path);
    (!path.is_empty()).then(|| path.to_string())
}

/// `app` -> `docker.io/library/app:latest`, `org/app:1` -> `docker.io/org/app:1`.
pub(crate) fn full_reference(reference: &str) -> String {
    let tagged = with_tag(reference);
    if has_domain(&tagged) {
        tagged
    } else if tagged.contains('/') {
        format!("docker.io/{tagged}")
    } else {
        format!("docker.io/library/{tagged}")
    }
}

/// `sha256:abc…` is named by `abc…` (12 or more hex digits) or `sha256:abc…`.
fn digest_matches(digest: &str, wanted: &str) -> bool {
    let hex = digest.split_once(':').map_or(digest, |(_, h)| h);
    let wanted = wanted.strip_prefix("sha256:").unwrap_or(wanted);
    wanted.len() >= 12 && wanted.bytes().all(|b| b.is_ascii_hexdigit()) && hex.starts_with(wanted)
}

/// Whether `actual` (`os/arch[/variant]`) is the `wanted` platform; a variant left out of `wanted`
/// matches any variant.
pub(super) fn platform_matches(wanted: &str, actual: &str) -> bool {
    let norm = |s: &str| -> Vec<String> {
        s.split('/')
            .enumerate()
            .map(|(i, p)| {
                let p = p.to_ascii_lowercase();
                match (i, p.as_str()) {
                    (1, "x86_64" | "x86-64") => "amd64".into(),
                    (1, "aarch64") => "arm64".into(),
                    _ => p,
                }
            })
            .collect()
    };
    let (w, a) = (norm(wanted), norm(actual));
    w.len() <= a.len() && w.iter().zip(&a).all(|(x, y)| x == y)
        || (w.len() == 3 && a.len() == 2 && w[..2] == a[..2] && w[2] == "v8")
}

pub(crate) fn check_platform_arg(label: &str, platform: &str) -> Result<()> {
    let parts: Vec<&str> = platform.split('/').collect();
    if (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty()) {
        return Ok(());
    }
    Err(Error::new(
        label,
        ErrorKind::Selection(format!(
            "--platform {platform:?} is not of the form os/arch[/variant], e.g. linux/arm64"
        )),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_full_references_match_each_other() {
        assert!(tag_matches("app:latest", "docker.io/library/app"));
        assert!(tag_matches("docker.io/library/app:latest", "app"));
        assert!(tag_matches("docker.io/org/app:1", "org/app:1"));
        assert!(!tag_matches("docker.io/org/app:1", "other/app:1"));
        assert!(!tag_matches(
            "localhost/app:latest",
            "docker.io/library/app"
        ));
    }

    #[test]
    fn untagged_image_is_named_by_its_digest_prefix() {
        let d = "sha256:3eaccc100f86aaaabbbbccccddddeeeeffff000011112222333344445555";
        assert!(image_matches(&[], Some(d), "3eaccc100f86"));
        assert!(image_matches(&[], Some(d), "sha256:3eaccc100f86aaaa"));
        assert!(!image_matches(&[], Some(d), "3eac"));
    }

    #[test]
    fn a_repository_is_the_completed_name_without_tag_or_digest() {
        assert_eq!(repository_of("app:1"), "docker.io/library/app");
        assert_eq!(
            repository_of("docker.io/library/app:2"),
            "docker.io/library/app"
        );
        assert_eq!(repository_of("host:5000/app:1.0"), "host:5000/app");
        assert_eq!(repository_of("host:5000/app"), "host:5000/app");
        assert_eq!(repository_of("app@sha256:00"), "docker.io/library/app");
    }

    #[test]
    fn a_repository_path_is_the_repository_without_registry_host_nor_docker_hubs_library() {
        let path = |r| repository_path(r);
        for same in [
            "app:1",
            "app@sha256:00",
            "library/app:2",
            "localhost/app:latest",
            "localhost:5000/app:3",
            "registry.example/library/app:4",
        ] {
            assert_eq!(path(same).as_deref(), Some("app"), "{same}");
        }
        for team in [
            "team/app:1",
            "registry.example/team/app@sha256:ab",
            "registry.example:5000/team/app:1.2@sha256:ab",
        ] {
            assert_eq!(path(team).as_deref(), Some("team/app"), "{team}");
        }
        assert_eq!(
            path("library/team/app:1").as_deref(),
            Some("library/team/app")
        );
        // An OCI layout's ref.name that is only a tag names no repository.
        for tag in ["1.0.0", "latest", "v2", ""] {
            assert_eq!(path(tag), None, "{tag}");
        }
        assert_eq!(path(":1"), None);
    }

    #[test]
    fn tags_match_without_latest_and_registry() {
        assert!(tag_matches("docker.io/tiny/tiny:latest", "tiny/tiny"));
        assert!(tag_matches("localhost/tiny-app:latest", "tiny-app"));
        assert!(tag_matches("tiny/tiny:v1", "tiny/tiny:v1"));
        assert!(!tag_matches("tiny/tiny:v1", "tiny/tiny"));
        assert!(!tag_matches("localhost/tiny-app:latest", "tiny"));
        assert!(!tag_matches("localhost/xtiny:latest", "tiny"));
    }

    #[test]
    fn platforms_match_with_aliases_and_optional_variant() {
        assert!(platform_matches("linux/amd64", "linux/amd64"));
        assert!(platform_matches("linux/arm64", "linux/arm64/v8"));
        assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
        assert!(platform_matches("linux/amd64", "linux/x86_64"));
        assert!(!platform_matches("linux/arm/v7", "linux/arm/v6"));
        assert!(!platform_matches("linux/arm64", "linux/amd64"));
    }
}
