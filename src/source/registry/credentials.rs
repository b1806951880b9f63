//! Registry credentials, found where docker and podman keep them, so that the `docker login` or
//! `podman login` a CI job already does is all a private registry needs.
//!
//! The files, read in this order until one has a credential (containers/image's order, which
//! podman, skopeo and buildah share, then docker's own file):
//! 1. podman's: `REGISTRY_AUTH_FILE` when it is set, and then no other podman file; otherwise
//!    `$XDG_RUNTIME_DIR/containers/auth.json` (`/run/containers/UID/auth.json` without
//!    `XDG_RUNTIME_DIR`), then `$XDG_CONFIG_HOME/containers/auth.json` (`~/.config/…`).
//! 2. docker's `$DOCKER_CONFIG/config.json` (`~/.docker/config.json`).
//!
//! In each file, as docker reads it: a `credHelpers` entry for the registry runs that
//! `docker-credential-NAME` helper and decides for the file; otherwise an `auths` entry with a user
//! and password (the key may be a host, a URL as older dockers wrote it, or, as podman allows, a
//! `host/namespace` whose longest match wins); otherwise the file's `credsStore` helper (an empty
//! `auths` entry beside a `credsStore` only says that the store has it).
//!
//! Secrets are only ever held in [`Secret`], whose Debug and Display print `<redacted>`; no message
//! made here quotes a file's content, an `auth` field or a helper's answer.

mod file;
mod helper;
#[cfg(test)]
mod tests;

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::text::printable;
use file::{decode_entry, object_field, read_config, string_field, Entry};
use helper::Answer;

use super::name::{DOCKER_HUB, DOCKER_HUB_HOSTS, DOCKER_HUB_SERVER_URL};

/// How long a credential helper may take: long enough for a keychain or a cloud helper that asks
/// its service, short enough that a helper waiting for a passphrase nobody can type in CI fails
/// the job instead of hanging it.
const HELPER_TIMEOUT: Duration = Duration::from_secs(60);

/// The variable that names the user's home directory, as docker reads it.
const HOME_VAR: &str = if cfg!(windows) { "USERPROFILE" } else { "HOME" };

/// Where credentials are looked for, read once from the environment (tests build it by hand).
#[derive(Debug, Clone)]
pub(crate) struct Places {
    /// `REGISTRY_AUTH_FILE`: podman's auth file chosen by the user; when set, the only podman file.
    pub(crate) registry_auth_file: Option<PathBuf>,
    /// `XDG_RUNTIME_DIR`: `podman login` writes `containers/auth.json` there (Linux).
    pub(crate) xdg_runtime_dir: Option<PathBuf>,
    /// The user's id: podman's `/run/containers/UID/auth.json` when `XDG_RUNTIME_DIR` is unset.
    pub(crate) uid: Option<u32>,
    /// `XDG_CONFIG_HOME` (default `$HOME/.config`): podman also reads `containers/auth.json` there.
    pub(crate) xdg_config_home: Option<PathBuf>,
    /// `DOCKER_CONFIG`: docker's configuration directory (default `$HOME/.docker`).
    pub(crate) docker_config: Option<PathBuf>,
    /// `HOME` (`USERPROFILE` on Windows).
    pub(crate) home: Option<PathBuf>,
    /// The directories searched for `docker-credential-NAME` helpers (`PATH`).
    pub(crate) path: Option<OsString>,
    /// How long a helper may run before it is stopped and the lookup fails.
    pub(crate) helper_timeout: Duration,
}

impl Default for Places {
    /// No place at all (every file is said to be skipped), with the usual helper timeout.
    fn default() -> Places {
        Places {
            registry_auth_file: None,
            xdg_runtime_dir: None,
            uid: None,
            xdg_config_home: None,
            docker_config: None,
            home: None,
            path: None,
            // Not `Duration::ZERO`, which would stop every helper at once.
            helper_timeout: HELPER_TIMEOUT,
        }
    }
}

impl Places {
    /// The places this process's environment names.
    pub(crate) fn from_env() -> Places {
        Places::from_vars(|name| std::env::var_os(name), current_uid())
    }

    /// The places that the variables `var` gives name, for the user `uid`.
    fn from_vars(var: impl Fn(&str) -> Option<OsString>, uid: Option<u32>) -> Places {
        // An empty variable counts as unset, as docker and podman read them.
        let set = |name: &str| var(name).filter(|value| !value.is_empty());
        let dir = |name: &str| set(name).map(PathBuf::from);
        Places {
            registry_auth_file: dir("REGISTRY_AUTH_FILE"),
            // podman on macOS and Windows keeps its primary file in ~/.config, not here.
            xdg_runtime_dir: dir("XDG_RUNTIME_DIR")
                .filter(|_| !cfg!(any(windows, target_os = "macos"))),
            uid,
            xdg_config_home: dir("XDG_CONFIG_HOME"),
            docker_config: dir("DOCKER_CONFIG"),
            home: dir(HOME_VAR),
            path: set("PATH"),
            helper_timeout: HELPER_TIMEOUT,
        }
    }

    /// The files to read, in order, with a note for each that could not be located.
    fn files(&self) -> Vec<Place> {
        let file = |path: PathBuf| {
            let label = shown(&path);
            Place::File { path, label }
        };
        let mut places = Vec::new();
        if let Some(path) = &self.registry_auth_file {
            let label = format!("REGISTRY_AUTH_FILE ({})", shown(path));
            places.push(Place::File {
                path: path.clone(),
                label,
            });
        } else {
            match (&self.xdg_runtime_dir, self.uid) {
                (Some(dir), _) => places.push(file(dir.join("containers").join("auth.json"))),
                (None, Some(uid)) => places.push(file(PathBuf::from(format!(
                    "/run/containers/{uid}/auth.json"
                )))),
                // Not Linux: podman's primary file is the one in the configuration home below.
                (None, None) => {}
            }
            places.push(match self.config_home() {
                Some(dir) => file(dir.join("containers").join("auth.json")),
                None => Place::Skipped(format!(
                    "neither XDG_CONFIG_HOME nor {HOME_VAR} is set: containers/auth.json not looked for"
                )),
            });
        }
        places.push(match self.docker_config_dir() {
            Some(dir) => file(dir.join("config.json")),
            None => Place::Skipped(format!(
                "neither DOCKER_CONFIG nor {HOME_VAR} is set: docker's config.json not looked for"
            )),
        });
        // A file named twice (REGISTRY_AUTH_FILE pointing at docker's config.json is common) is
        // read once, where it first comes.
        let mut seen = Vec::new();
        places.retain(|place| match place {
            Place::File { path, .. } if seen.contains(path) => false,
            Place::File { path, .. } => {
                seen.push(path.clone());
                true
            }
            Place::Skipped(_) => true,
        });
        places
    }

    /// `$XDG_CONFIG_HOME`, or `$HOME/.config`: where podman keeps a user's files.
    pub(crate) fn config_home(&self) -> Option<PathBuf> {
        let home = self.home.as_ref().map(|home| home.join(".config"));
        self.xdg_config_home.clone().or(home)
    }

    /// `$DOCKER_CONFIG`, or `$HOME/.docker`.
    fn docker_config_dir(&self) -> Option<PathBuf> {
        let home = self.home.as_ref().map(|home| home.join(".docker"));
        self.docker_config.clone().or(home)
    }
}

/// The user's id, from the owner of the process's own `/proc` entry (std has no `getuid`, and
/// sizegate has no `unsafe`).
#[cfg(target_os = "linux")]
fn current_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").ok().map(|meta| meta.uid())
}

/// Elsewhere podman's runtime file is not used, so the id is not needed.
#[cfg(not(target_os = "linux"))]
fn current_uid() -> Option<u32> {
    None
}

/// One place in the search order.
enum Place {
    /// A file to read, and how the user knows it.
    File { path: PathBuf, label: String },
    /// A place that could not be located, and why.
    Skipped(String),
}

/// A password or token. Its Debug and Display print `<redacted>`, so that no message, log or
/// `{:?}` of a structure holding one can show it; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    /// `secret`, to be kept hidden.
    pub(crate) fn new(secret: String) -> Secret {
        Secret(secret)
    }

    /// The secret itself, for the `Authorization` header and nothing else.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A user name and a secret whose Debug/Display never shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    /// The user name (not secret: it may be shown); [`IDENTITY_TOKEN_USER`] for an identity
    /// token.
    pub(crate) username: String,
    /// The password or token.
    pub(crate) secret: Secret,
}

/// The user name that says a credential's secret is an identity token (an OAuth refresh token,
/// which `az acr login` and some helpers keep), as docker's credential helpers say it.
pub(crate) const IDENTITY_TOKEN_USER: &str = "<token>";

impl Credential {
    /// An identity token: exchanged for an access token at the registry's token server, never
    /// sent as a password.
    pub(crate) fn identity_token(token: String) -> Credential {
        Credential {
            username: IDENTITY_TOKEN_USER.to_string(),
            secret: Secret::new(token),
        }
    }

    /// The identity token, when that is what this credential is.
    pub(crate) fn refresh_token(&self) -> Option<&Secret> {
        (self.username == IDENTITY_TOKEN_USER).then_some(&self.secret)
    }

    /// What the credential is, for the places looked in: `credential` or `identity token`.
    fn kind(&self) -> &'static str {
        match self.refresh_token() {
            Some(_) => "identity token",
            None => "credential",
        }
    }
}

/// What a lookup found, and where it looked (for the 401 message).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Found {
    /// The credential for the registry, if any place had one.
    pub(crate) credential: Option<Credential>,
    /// Where the credential came from, e.g. `/home/u/.docker/config.json, auths entry
    /// localhost:5000` or `docker-credential-pass (credsStore of /home/u/.docker/config.json)`.
    pub(crate) source: Option<String>,
    /// Every place looked in, in order, as the user would recognise it, e.g.
    /// `REGISTRY_AUTH_FILE (/tmp/a.json): no entry for 127.0.0.1:5000`.
    pub(crate) searched: Vec<String>,
}

/// The credential for `registry` (host[:port] as normalised: Docker Hub is `docker.io`) and
/// `repository` (`library/alpine`), from the first place that has one. `Err` when a file or a
/// helper that had to be asked could not be (unreadable, not JSON, a helper that failed or is not
/// on `PATH`): guessing past a broken credential store would hide why the registry refuses.
pub(crate) fn lookup(places: &Places, registry: &str, repository: &str) -> Result<Found, String> {
    let want = Wanted {
        registry: canonical_host(registry),
        repository: repository.trim_matches('/'),
    };
    let mut found = Found::default();
    for place in places.files() {
        match place {
            Place::Skipped(note) => found.searched.push(note),
            Place::File { path, label } => {
                let Some(config) = read_config(&path, &label)? else {
                    found.searched.push(format!("{label}: not there"));
                    continue;
                };
                let file = ConfigFile { label, config };
                if let Some((credential, source)) = search_file(places, &file, &want, &mut found)? {
                    found.credential = Some(credential);
                    found.source = Some(source);
                    return Ok(found);
                }
            }
        }
    }
    Ok(found)
}

/// What a lookup is for.
struct Wanted<'a> {
    /// The registry's host[:port], Docker Hub's aliases made `docker.io`.
    registry: &'a str,
    /// The repository's path in it, without slashes around.
    repository: &'a str,
}

impl Wanted<'_> {
    /// Whether `host`, as a credentials file spells it, is the registry: Docker Hub's aliases are
    /// one, and host names compare without case, as DNS does.
    fn is_registry(&self, host: &str) -> bool {
        canonical_host(host).eq_ignore_ascii_case(self.registry)
    }

    /// The registry as messages show it.
    fn shown(&self) -> String {
        printable(self.registry).into_owned()
    }
}

/// A credentials file read and parsed.
struct ConfigFile {
    /// How the user knows the file (its path, or `REGISTRY_AUTH_FILE (path)`).
    label: String,
    /// Its top-level object.
    config: Map<String, Value>,
}

/// The credential `file` has for `want`, and where in it, as docker and podman read one file.
fn search_file(
    places: &Places,
    file: &ConfigFile,
    want: &Wanted<'_>,
    found: &mut Found,
) -> Result<Option<(Credential, String)>, String> {
    let label = &file.label;
    // A helper named for this very registry decides, as in docker and containers/image: the
    // `auths` entry next to it is only docker's placeholder.
    if let Some(name) = cred_helper_for(file, want)? {
        let origin = format!("credHelpers of {label}");
        return ask_helper(places, name, &origin, want, found);
    }
    let store = string_field(&file.config, "credsStore", label)?.filter(|name| !name.is_empty());
    if let Some((key, entry)) = auths_entry_for(file, want)? {
        let shown_key = printable(key);
        match decode_entry(entry, &format!("{label}: auths entry {shown_key}"))? {
            Entry::Credential(credential) => {
                let source = format!("{label}, auths entry {shown_key}");
                found.searched.push(format!(
                    "{label}: {} for {} in auths entry {shown_key}",
                    credential.kind(),
                    want.shown()
                ));
                return Ok(Some((credential, source)));
            }
            // Under a credsStore, an empty entry is what `docker login` leaves: the store has it.
            Entry::Empty if store.is_some() => {}
            Entry::Empty => found.searched.push(format!(
                "{label}: auths entry {shown_key} has no credential"
            )),
        }
    } else if store.is_none() {
        found
            .searched
            .push(format!("{label}: no entry for {}", want.shown()));
    }
    match store {
        Some(name) => ask_helper(places, name, &format!("credsStore of {label}"), want, found),
        None => Ok(None),
    }
}

/// The credential helper `name` asked for `want`, with what it said recorded in `found`.
fn ask_helper(
    places: &Places,
    name: &str,
    origin: &str,
    want: &Wanted<'_>,
    found: &mut Found,
) -> Result<Option<(Credential, String)>, String> {
    let program = helper::program(name);
    let server_urls: &[&str] = if want.registry == DOCKER_HUB {
        // docker stores Docker Hub under its server URL, podman under `docker.io`.
        &[DOCKER_HUB_SERVER_URL, DOCKER_HUB]
    } else {
        &[want.registry]
    };
    for server_url in server_urls {
        match helper::get(places, name, origin, server_url)? {
            Answer::Credential(credential) => {
                found.searched.push(format!(
                    "{program} ({origin}): {} for {}",
                    credential.kind(),
                    want.shown()
                ));
                return Ok(Some((credential, format!("{program} ({origin})"))));
            }
            Answer::NotFound => {}
        }
    }
    found.searched.push(format!(
        "{program} ({origin}): no credential for {}",
        want.shown()
    ));
    Ok(None)
}

/// The helper `credHelpers` names for the registry: a key naming the registry itself (host, or a
/// URL of it) wins over the other spellings of the same host.
fn cred_helper_for<'a>(file: &'a ConfigFile, want: &Wanted<'_>) -> Result<Option<&'a str>, String> {
    let Some(helpers) = object_field(&file.config, "credHelpers", &file.label)? else {
        return Ok(None);
    };
    let mut best: Option<(bool, &str, &Value)> = None;
    for (key, value) in helpers {
        let (host, path) = split_key(key);
        if !path.is_empty() || !want.is_registry(host) {
            continue;
        }
        let exact = key == want.registry;
        if best.is_none_or(|(best_exact, ..)| exact && !best_exact) {
            best = Some((exact, key, value));
        }
    }
    match best {
        None => Ok(None),
        Some((_, _, Value::String(name))) if !name.is_empty() => Ok(Some(name)),
        Some((_, key, _)) => Err(format!(
            "{}: credHelpers entry {} is not the name of a helper",
            file.label,
            printable(key)
        )),
    }
}

/// The `auths` entry for `want` and its key: the key that names the longest part of
/// `registry/repository` on a path boundary (podman's namespace keys), and among keys naming as
/// much, the one spelt exactly as the registry.
fn auths_entry_for<'a>(
    file: &'a ConfigFile,
    want: &Wanted<'_>,
) -> Result<Option<(&'a str, &'a Value)>, String> {
    let Some(auths) = object_field(&file.config, "auths", &file.label)? else {
        return Ok(None);
    };
    let mut best: Option<((usize, bool), &str, &Value)> = None;
    for (key, value) in auths {
        let Some(depth) = key_match(key, want) else {
            continue;
        };
        let rank = (depth, key.trim_end_matches('/') == want.registry);
        if best
            .as_ref()
            .is_none_or(|(best_rank, ..)| rank > *best_rank)
        {
            best = Some((rank, key, value));
        }
    }
    Ok(best.map(|(_, key, value)| (key, value)))
}

/// How much of `want` an `auths` key names: `None` when it is another registry or repository,
/// otherwise the length of the repository prefix it names (0 for the whole registry).
fn key_match(key: &str, want: &Wanted<'_>) -> Option<usize> {
    let (host, path) = split_key(key);
    if !want.is_registry(host) {
        return None;
    }
    if path.is_empty() {
        return Some(0);
    }
    let rest = want.repository.strip_prefix(path)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(path.len())
}

/// An `auths` or `credHelpers` key as a host and a repository path. A URL
/// (`https://host/v1/`, `http://host/v2/`, as older dockers wrote keys) names the whole host:
/// its path is an API version. A key without a scheme may name a namespace (`host/team/app`).
fn split_key(key: &str) -> (&str, &str) {
    let url = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"));
    match url {
        Some(rest) => (rest.split('/').next().unwrap_or(rest), ""),
        None => match key.split_once('/') {
            Some((host, path)) => (host, path.trim_matches('/')),
            None => (key, ""),
        },
    }
}

/// `host` with Docker Hub's aliases made `docker.io` (in any case); other hosts are kept as they
/// are, port included.
fn canonical_host(host: &str) -> &str {
    if DOCKER_HUB_HOSTS
        .iter()
        .any(|hub| hub.eq_ignore_ascii_case(host))
    {
        DOCKER_HUB
    } else {
        host
    }
}

/// A path as messages show it.
fn shown(path: &std::path::Path) -> String {
    printable(&path.display().to_string()).into_owned()
}
