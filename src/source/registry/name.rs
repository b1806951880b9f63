//! What `docker://NAME` names, completed as docker completes it (distribution's
//! `ParseNormalizedNamed`): a name without a registry is on Docker Hub, an official image there
//! is under `library/`, and a name with neither tag nor digest is `:latest`.
//!
//! The first component is a registry when it has a `.` or a `:` or is `localhost`
//! (`localhost:5000/app`, `registry.example/team/app`); else the whole name is a Docker Hub path
//! (`team/app`).

use std::fmt;

use crate::source::digest;
use crate::source::reference::{is_domain, is_path_component, is_tag};

/// Docker Hub, as references name it (`alpine` is `docker.io/library/alpine`). The constants
/// here are the one place sizegate spells Docker Hub's names.
pub(crate) const DOCKER_HUB: &str = "docker.io";
/// Docker Hub's older name, which docker reads as [`DOCKER_HUB`].
const DOCKER_HUB_LEGACY: &str = "index.docker.io";
/// The host that serves Docker Hub's registry API: not the name images are known by.
const DOCKER_HUB_API: &str = "registry-1.docker.io";
/// Every host name under which credential files know Docker Hub: podman writes `docker.io`,
/// `docker login` its API URL's host, some tools the API host.
pub(crate) const DOCKER_HUB_HOSTS: [&str; 3] = [DOCKER_HUB, DOCKER_HUB_LEGACY, DOCKER_HUB_API];
/// The server URL docker stores Docker Hub's credentials under, and sends its helpers.
pub(crate) const DOCKER_HUB_SERVER_URL: &str = "https://index.docker.io/v1/";
/// Longest name docker accepts (distribution's `NameTotalLengthMax`).
const MAX_NAME: usize = 255;

/// A registry image: where it is and which manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageName {
    /// `host[:port]` as the user wrote it, Docker Hub as `docker.io`.
    pub(crate) registry: String,
    /// The repository's path in the registry (`library/alpine`, `team/app`).
    pub(crate) repository: String,
    /// The tag; `latest` when neither tag nor digest was given.
    pub(crate) tag: Option<String>,
    /// The manifest's digest (`name@sha256:…`), which wins over a tag given with it.
    pub(crate) digest: Option<String>,
}

impl ImageName {
    /// Reads what follows `docker://`, or says what is wrong with it.
    pub(crate) fn parse(text: &str) -> Result<ImageName, String> {
        let bad = |why: &str| Err(format!("{text:?} is not an image reference: {why}"));
        let (rest, digest) = match text.split_once('@') {
            Some((rest, d)) => (rest, Some(d)),
            None => (text, None),
        };
        if let Some(d) = digest {
            digest::parse(d)?;
        }
        let (name, tag) = match rest.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
            _ => (rest, None),
        };
        if let Some(t) = tag.filter(|t| !is_tag(t)) {
            return bad(&format!(
                "the tag {t:?} is not [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}"
            ));
        }
        if name.is_empty() {
            return bad("it has no name");
        }
        if name.len() > MAX_NAME {
            return bad(&format!("the name is longer than {MAX_NAME} characters"));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path))
                if first.contains(['.', ':']) || first == "localhost" || first.contains('[') =>
            {
                if !is_domain(first) {
                    return bad(&format!("{first:?} is not a registry host[:port]"));
                }
                (first, path)
            }
            _ => (DOCKER_HUB, name),
        };
        let registry = match registry {
            DOCKER_HUB_LEGACY => DOCKER_HUB,
            other => other,
        };
        if let Some(c) = path.split('/').find(|c| !is_path_component(c)) {
            return bad(&format!(
                "the path component {c:?} is not lowercase letters and digits joined by . _ __ or -"
            ));
        }
        let repository = match (registry, path.contains('/')) {
            (DOCKER_HUB, false) => format!("library/{path}"),
            _ => path.to_string(),
        };
        Ok(ImageName {
            registry: registry.to_string(),
            repository,
            tag: match (tag, digest) {
                (None, None) => Some("latest".into()),
                (tag, _) => tag.map(str::to_string),
            },
            digest: digest.map(str::to_string),
        })
    }

    /// The host of the registry's API: Docker Hub serves it from another name than its own.
    pub(crate) fn api_host(&self) -> &str {
        match self.registry.as_str() {
            DOCKER_HUB => DOCKER_HUB_API,
            other => other,
        }
    }

    /// What the manifest is fetched by: the digest when given, else the tag.
    pub(crate) fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// Whether the registry is on this machine (`localhost`, `127.0.0.0/8`, `::1`): docker talks
    /// plain HTTP to those when HTTPS fails, and to no other without being told.
    pub(crate) fn is_local(&self) -> bool {
        let host = match self.registry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => self.registry.split(':').next().unwrap_or_default(),
        };
        host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// The name as docker shows it: without `docker.io/` and `library/` (`alpine:latest`,
/// `localhost:5000/app:1`, `app@sha256:…`).
impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.registry == DOCKER_HUB {
            let path = self.repository.strip_prefix("library/");
            f.write_str(
                path.filter(|p| !p.contains('/'))
                    .unwrap_or(&self.repository),
            )?;
        } else {
            write!(f, "{}/{}", self.registry, self.repository)?;
        }
        match (&self.tag, &self.digest) {
            (_, Some(digest)) => write!(f, "@{digest}"),
            (Some(tag), None) => write!(f, ":{tag}"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> (String, String, Option<String>, Option<String>, String) {
        let n = ImageName::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let shown = n.to_string();
        (n.registry, n.repository, n.tag, n.digest, shown)
    }

    #[test]
    fn names_are_completed_as_docker_completes_them() {
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            parsed("alpine"),
            (
                DOCKER_HUB.into(),
                "library/alpine".into(),
                some("latest"),
                None,
                "alpine:latest".into()
            )
        );
        assert_eq!(parsed("team/app:1").1, "team/app");
        assert_eq!(parsed("team/app:1").4, "team/app:1");
        assert_eq!(parsed("index.docker.io/library/alpine:3").0, DOCKER_HUB);
        assert_eq!(parsed("index.docker.io/library/alpine:3").4, "alpine:3");
        assert_eq!(
            parsed("localhost:5000/app"),
            (
                "localhost:5000".into(),
                "app".into(),
                some("latest"),
                None,
                "localhost:5000/app:latest".into()
            )
        );
        assert_eq!(parsed("localhost/app:2").0, "localhost");
        assert_eq!(parsed("registry.example/a/b/c:x").1, "a/b/c");
        assert_eq!(parsed("[::1]:5000/app:1").0, "[::1]:5000");
    }

    #[test]
    fn a_digest_wins_over_a_tag_given_with_it() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let n = ImageName::parse(&format!("localhost:5000/app:1@{digest}")).expect("parses");
        assert_eq!(n.reference(), digest);
        assert_eq!(n.to_string(), format!("localhost:5000/app@{digest}"));
        let n = ImageName::parse(&format!("app@{digest}")).expect("parses");
        assert_eq!(n.tag, None);
    }

    #[test]
    fn the_api_host_of_docker_hub_is_not_its_name() {
        assert_eq!(
            ImageName::parse("alpine").expect("parses").api_host(),
            DOCKER_HUB_API
        );
        assert_eq!(
            ImageName::parse("localhost:5000/app")
                .expect("parses")
                .api_host(),
            "localhost:5000"
        );
    }

    #[test]
    fn only_this_machine_is_local() {
        let local = |s: &str| ImageName::parse(s).expect("parses").is_local();
        assert!(local("localhost:5000/app"));
        assert!(local("127.0.0.1:5000/app"));
        assert!(local("127.3.2.1/app"));
        assert!(local("[::1]:5000/app"));
        assert!(!local("registry.example/app"));
        assert!(!local("128.0.0.1/app"));
        assert!(!local("app"));
    }

    #[test]
    fn malformed_references_say_what_is_wrong() {
        let err = |s: &str| ImageName::parse(s).err().unwrap_or_default();
        assert!(
            err("App:1").contains("path component \"App\""),
            "{}",
            err("App:1")
        );
        assert!(err("app:-x").contains("the tag \"-x\""));
        assert!(err("").contains("no name"));
        assert!(err("app@sha256:12").contains("malformed digest"));
        assert!(err("bad_host.example:x5/app").contains("not a registry"));
        assert!(err(&"a".repeat(300)).contains("longer than 255"));
    }
}
