//! Which images of an archive the user asked for: `--image` by tag, `--platform` by
//! `os/arch[/variant]`.

use super::spec::ImageConfig;
use super::{display_name, platform_of, ImagePlan, Selection};
use crate::error::{Error, ErrorKind, Result};

/// Keeps the images that `--image` and `--platform` pick.
pub(super) fn select(
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
        picked.retain(|(p, _)| p.tags.iter().any(|t| tag_matches(t, wanted)));
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

/// Whether a tag is what the user asked for: exact, or with `:latest` and registry prefixes
/// (`docker.io/library/`, `localhost/`) left out.
fn tag_matches(tag: &str, wanted: &str) -> bool {
    let with_latest = |s: &str| {
        let last = s.rsplit('/').next().unwrap_or(s);
        if last.contains(':') || last.contains('@') {
            s.to_string()
        } else {
            format!("{s}:latest")
        }
    };
    let tag = with_latest(tag);
    let wanted = with_latest(wanted);
    tag == wanted || tag.ends_with(&format!("/{wanted}"))
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

pub(super) fn check_platform_arg(label: &str, platform: &str) -> Result<()> {
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
