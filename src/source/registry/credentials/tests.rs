//! The lookup against files and helpers made in a temporary directory: every place is given by
//! hand, so no test reads the real home directory or runs a real helper.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::RwLock;
use std::time::Duration;

use base64::Engine as _;

use super::*;

/// Held for writing while a fake helper is written, and for reading while helpers run: a file
/// still open for writing in one test while another test forks would be inherited by the child,
/// and running it would then fail with "Text file busy".
static SPAWN: RwLock<()> = RwLock::new(());

/// A home directory, podman's runtime directory and a `PATH` of their own, in a temporary
/// directory.
struct Sandbox {
    /// Removed when the test ends.
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let sandbox = Sandbox { dir };
        fs::create_dir_all(sandbox.bin()).expect("bin/");
        sandbox
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    fn bin(&self) -> PathBuf {
        self.root().join("bin")
    }

    /// podman's runtime file.
    fn runtime_file(&self) -> PathBuf {
        self.root().join("run/containers/auth.json")
    }

    /// podman's file in the configuration home.
    fn config_home_file(&self) -> PathBuf {
        self.home().join(".config/containers/auth.json")
    }

    /// docker's file.
    fn docker_file(&self) -> PathBuf {
        self.home().join(".docker/config.json")
    }

    /// Every place inside the sandbox.
    fn places(&self) -> Places {
        Places {
            registry_auth_file: None,
            xdg_runtime_dir: Some(self.root().join("run")),
            uid: None,
            xdg_config_home: None,
            docker_config: None,
            home: Some(self.home()),
            path: Some(self.bin().into_os_string()),
            helper_timeout: Duration::from_secs(20),
        }
    }

    /// A fake `docker-credential-NAME` running `body` under `/bin/sh`.
    #[cfg(unix)]
    fn helper(&self, name: &str, body: &str) {
        use std::os::unix::fs::PermissionsExt;
        let _guard = SPAWN
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let path = self.bin().join(format!("docker-credential-{name}"));
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("the helper script");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// What the fake helpers wrote to `log` (each appends its input and a newline).
    fn log(&self) -> String {
        fs::read_to_string(self.root().join("log")).unwrap_or_default()
    }

    /// A helper body that logs the server URL it was given, then answers `answer` when that URL is
    /// `url`, and "credentials not found" otherwise.
    fn answering(&self, url: &str, answer: &str) -> String {
        let log = self.root().join("log");
        format!(
            "url=$(cat)\necho \"$url\" >> '{}'\nif [ \"$url\" = '{url}' ]; then echo '{answer}'; exit 0; fi\necho 'credentials not found in native keychain'\nexit 1",
            log.display()
        )
    }
}

/// `content` at `path`, its directories made.
fn write(path: &Path, content: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("the directories");
    fs::write(path, content).expect("the file");
}

/// An `auth` field: base64 of `user:password`.
fn auth(user_password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(user_password)
}

/// A config with one `auths` entry `key` holding `user_password`.
fn auths(key: &str, user_password: &str) -> String {
    format!(
        r#"{{"auths": {{"{key}": {{"auth": "{}"}}}}}}"#,
        auth(user_password)
    )
}

/// [`lookup`], run while no fake helper is being written.
fn find(places: &Places, registry: &str, repository: &str) -> Result<Found, String> {
    let _guard = SPAWN
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    lookup(places, registry, repository)
}

/// The user and secret found, or `None`.
fn user_secret(found: &Found) -> Option<(String, String)> {
    let credential = found.credential.as_ref()?;
    Some((
        credential.username.clone(),
        credential.secret.expose().to_string(),
    ))
}

/// `Some((user, secret))` as [`user_secret`] gives it.
fn pair(user: &str, secret: &str) -> Option<(String, String)> {
    Some((user.to_string(), secret.to_string()))
}

/// The path as labels show it.
fn p(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn with_no_file_anywhere_nothing_is_found_and_every_place_is_listed_in_order() {
    let sandbox = Sandbox::new();
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(found.credential, None);
    assert_eq!(found.source, None);
    assert_eq!(
        found.searched,
        vec![
            format!("{}: not there", p(&sandbox.runtime_file())),
            format!("{}: not there", p(&sandbox.config_home_file())),
            format!("{}: not there", p(&sandbox.docker_file())),
        ]
    );
}

#[test]
fn docker_config_auth_is_split_at_the_first_colon() {
    let sandbox = Sandbox::new();
    write(&sandbox.docker_file(), &auths("localhost:5000", "ci:pa:ss"));
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("ci", "pa:ss"));
    assert_eq!(
        found.source.as_deref(),
        Some(format!("{}, auths entry localhost:5000", p(&sandbox.docker_file())).as_str())
    );
    assert_eq!(
        found.searched.last(),
        Some(&format!(
            "{}: credential for localhost:5000 in auths entry localhost:5000",
            p(&sandbox.docker_file())
        ))
    );
}

#[test]
fn separate_username_and_password_fields_are_a_credential_too() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        r#"{"auths": {"registry.example": {"username": "ci", "password": "pw"}}}"#,
    );
    let found = find(&sandbox.places(), "registry.example", "team/app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("ci", "pw"));
}

#[test]
fn podman_runtime_file_wins_over_the_config_home_and_docker() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.runtime_file(),
        &auths("localhost:5000", "podman:1"),
    );
    write(
        &sandbox.config_home_file(),
        &auths("localhost:5000", "config:2"),
    );
    write(&sandbox.docker_file(), &auths("localhost:5000", "docker:3"));
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("podman", "1"));
    assert_eq!(found.searched.len(), 1);
}

#[test]
fn config_home_file_is_read_when_the_runtime_file_has_no_entry() {
    let sandbox = Sandbox::new();
    write(&sandbox.runtime_file(), &auths("other.example", "x:y"));
    write(
        &sandbox.config_home_file(),
        &auths("localhost:5000", "config:2"),
    );
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("config", "2"));
    assert_eq!(
        found.searched[0],
        format!(
            "{}: no entry for localhost:5000",
            p(&sandbox.runtime_file())
        )
    );
}

#[test]
fn xdg_config_home_and_docker_config_replace_their_home_defaults() {
    let sandbox = Sandbox::new();
    let mut places = sandbox.places();
    places.xdg_config_home = Some(sandbox.root().join("xdg"));
    places.docker_config = Some(sandbox.root().join("dc"));
    write(
        &sandbox.config_home_file(),
        &auths("localhost:5000", "not:used"),
    );
    write(&sandbox.docker_file(), &auths("localhost:5000", "not:used"));
    write(
        &sandbox.root().join("dc/config.json"),
        &auths("localhost:5000", "dc:1"),
    );
    let found = find(&places, "localhost:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("dc", "1"));
    assert_eq!(
        found.searched[1],
        format!(
            "{}: not there",
            p(&sandbox.root().join("xdg/containers/auth.json"))
        )
    );
}

#[test]
fn registry_auth_file_replaces_the_podman_files_but_not_docker_config() {
    let sandbox = Sandbox::new();
    let chosen = sandbox.root().join("a.json");
    let mut places = sandbox.places();
    places.registry_auth_file = Some(chosen.clone());
    write(&chosen, &auths("other.example", "x:y"));
    write(
        &sandbox.runtime_file(),
        &auths("127.0.0.1:5000", "podman:1"),
    );
    write(
        &sandbox.config_home_file(),
        &auths("127.0.0.1:5000", "config:2"),
    );
    write(&sandbox.docker_file(), &auths("127.0.0.1:5000", "docker:3"));
    let found = find(&places, "127.0.0.1:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("docker", "3"));
    assert_eq!(
        found.searched[0],
        format!(
            "REGISTRY_AUTH_FILE ({}): no entry for 127.0.0.1:5000",
            p(&chosen)
        )
    );
    assert_eq!(found.searched.len(), 2);
}

#[test]
fn a_file_named_twice_is_read_once() {
    let sandbox = Sandbox::new();
    let mut places = sandbox.places();
    places.registry_auth_file = Some(sandbox.docker_file());
    let found = find(&places, "localhost:5000", "app").expect("a lookup");
    assert_eq!(
        found.searched,
        vec![format!(
            "REGISTRY_AUTH_FILE ({}): not there",
            p(&sandbox.docker_file())
        )]
    );
}

#[test]
fn without_xdg_runtime_dir_podman_runtime_file_is_under_run_containers_uid() {
    let places = Places {
        uid: Some(1000),
        home: Some(PathBuf::from("/h")),
        ..Places::default()
    };
    let files: Vec<String> = places
        .files()
        .into_iter()
        .map(|place| match place {
            Place::File { label, .. } => label,
            Place::Skipped(note) => note,
        })
        .collect();
    assert_eq!(
        files,
        [
            "/run/containers/1000/auth.json",
            "/h/.config/containers/auth.json",
            "/h/.docker/config.json"
        ]
    );
}

#[test]
fn without_home_the_files_under_it_are_said_to_be_skipped() {
    assert_eq!(Places::default().helper_timeout, HELPER_TIMEOUT);
    let found = find(&Places::default(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(
        found.searched,
        [
            format!("neither XDG_CONFIG_HOME nor {HOME_VAR} is set: containers/auth.json not looked for"),
            format!("neither DOCKER_CONFIG nor {HOME_VAR} is set: docker's config.json not looked for"),
        ]
    );
}

#[test]
fn from_vars_reads_each_variable_and_takes_empty_ones_as_unset() {
    let vars = [
        ("REGISTRY_AUTH_FILE", ""),
        ("XDG_CONFIG_HOME", "/xdg"),
        ("DOCKER_CONFIG", "/dc"),
        (HOME_VAR, "/h"),
        ("PATH", "/bin:/usr/bin"),
    ];
    let places = Places::from_vars(
        |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        },
        Some(7),
    );
    assert_eq!(places.registry_auth_file, None);
    assert_eq!(places.xdg_runtime_dir, None);
    assert_eq!(places.xdg_config_home, Some(PathBuf::from("/xdg")));
    assert_eq!(places.docker_config, Some(PathBuf::from("/dc")));
    assert_eq!(places.home, Some(PathBuf::from("/h")));
    assert_eq!(places.path, Some(OsString::from("/bin:/usr/bin")));
    assert_eq!(places.uid, Some(7));
    assert_eq!(places.helper_timeout, HELPER_TIMEOUT);
}

#[test]
fn every_docker_hub_key_form_is_docker_hub() {
    let mut keys = vec![DOCKER_HUB_SERVER_URL.to_string()];
    for host in DOCKER_HUB_HOSTS {
        keys.push(host.to_string());
        keys.push(format!("https://{host}/v1/"));
        keys.push(format!("http://{host}/v2/"));
    }
    for key in keys {
        let sandbox = Sandbox::new();
        write(&sandbox.docker_file(), &auths(&key, "hub:pw"));
        for registry in DOCKER_HUB_HOSTS {
            let found = find(&sandbox.places(), registry, "library/alpine").expect("a lookup");
            assert_eq!(
                user_secret(&found),
                pair("hub", "pw"),
                "key {key}, registry {registry}"
            );
        }
    }
}

#[test]
fn url_keys_name_their_host_and_port_only() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        &format!(
            r#"{{"auths": {{"https://registry.example/v1/": {{"auth": "{}"}}, "http://registry.example:5000/v2/": {{"auth": "{}"}}}}}}"#,
            auth("plain:1"),
            auth("port:2")
        ),
    );
    let places = sandbox.places();
    let found = find(&places, "registry.example", "a/b").expect("a lookup");
    assert_eq!(user_secret(&found), pair("plain", "1"));
    let found = find(&places, "registry.example:5000", "a/b").expect("a lookup");
    assert_eq!(user_secret(&found), pair("port", "2"));
    let found = find(&places, "registry.example:5001", "a/b").expect("a lookup");
    assert_eq!(found.credential, None);
}

#[test]
fn host_names_match_without_case() {
    let sandbox = Sandbox::new();
    write(&sandbox.docker_file(), &auths("Registry.Example", "ci:pw"));
    let found = find(&sandbox.places(), "registry.example", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("ci", "pw"));
}

#[test]
fn the_longest_namespace_key_on_a_path_boundary_wins() {
    let sandbox = Sandbox::new();
    let entry = |user: &str| format!(r#"{{"auth": "{}"}}"#, auth(&format!("{user}:pw")));
    write(
        &sandbox.runtime_file(),
        &format!(
            r#"{{"auths": {{"registry.example": {}, "registry.example/team": {}, "registry.example/team/app": {}, "registry.example/tea": {}}}}}"#,
            entry("host"),
            entry("team"),
            entry("app"),
            entry("tea")
        ),
    );
    let places = sandbox.places();
    for (repository, user) in [
        ("team/app", "app"),
        ("team/app/sub", "app"),
        ("team/app2", "team"),
        ("team/other", "team"),
        ("tea/x", "tea"),
        ("teamx/app", "host"),
        ("other", "host"),
    ] {
        let found = find(&places, "registry.example", repository).expect("a lookup");
        assert_eq!(
            user_secret(&found),
            pair(user, "pw"),
            "repository {repository}"
        );
    }
    let found = find(&places, "registry.example", "team/app").expect("a lookup");
    assert_eq!(
        found.source.as_deref(),
        Some(
            format!(
                "{}, auths entry registry.example/team/app",
                p(&sandbox.runtime_file())
            )
            .as_str()
        )
    );
}

#[test]
fn a_namespace_key_of_another_host_does_not_match() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        &auths("other.example/registry.example", "x:y"),
    );
    let found = find(&sandbox.places(), "registry.example", "app").expect("a lookup");
    assert_eq!(found.credential, None);
}

#[test]
fn an_identity_token_is_the_credential_and_wins_over_a_placeholder_auth() {
    let sandbox = Sandbox::new();
    // What `az acr login` writes: a placeholder user without password, and the token.
    let placeholder = base64::engine::general_purpose::STANDARD.encode("00000000-0000:");
    write(
        &sandbox.runtime_file(),
        &format!(
            r#"{{"auths": {{"localhost:5000": {{"auth": "{placeholder}", "identitytoken": "refresh-me"}}}}}}"#
        ),
    );
    write(&sandbox.docker_file(), &auths("localhost:5000", "ci:pw"));
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair(IDENTITY_TOKEN_USER, "refresh-me"));
    let credential = found.credential.as_ref().expect("a credential");
    assert_eq!(
        credential.refresh_token().map(Secret::expose),
        Some("refresh-me")
    );
    assert_eq!(
        found.searched[0],
        format!(
            "{}: identity token for localhost:5000 in auths entry localhost:5000",
            p(&sandbox.runtime_file())
        )
    );
    assert!(!format!("{found:?}").contains("refresh-me"));
}

#[test]
fn an_empty_entry_without_a_store_is_said_to_have_no_credential() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        r#"{"auths": {"localhost:5000": {}}}"#,
    );
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(found.credential, None);
    assert_eq!(
        found.searched.last(),
        Some(&format!(
            "{}: auths entry localhost:5000 has no credential",
            p(&sandbox.docker_file())
        ))
    );
}

#[test]
fn an_empty_file_is_an_empty_configuration() {
    let sandbox = Sandbox::new();
    write(&sandbox.docker_file(), "\n");
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(
        found.searched.last(),
        Some(&format!(
            "{}: no entry for localhost:5000",
            p(&sandbox.docker_file())
        ))
    );
}

#[test]
fn broken_json_names_the_file_and_the_position_but_quotes_nothing() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        r#"{"auths": {"localhost:5000": {"auth": "c2VjcmV0LXB3"}},}"#,
    );
    let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("broken JSON");
    assert_eq!(
        error,
        format!(
            "{}: is not valid JSON: trailing comma at line 1 column 56",
            p(&sandbox.docker_file())
        )
    );
}

#[test]
fn a_value_of_the_wrong_type_is_named_but_not_quoted() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        r#"{"auths": {"localhost:5000": {"auth": 987654321}}}"#,
    );
    let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("a number");
    assert_eq!(
        error,
        format!(
            "{}: auths entry localhost:5000: auth is not a string",
            p(&sandbox.docker_file())
        )
    );
    for (content, what) in [
        (r#"[]"#, "is not a JSON object"),
        (r#"{"auths": []}"#, "auths is not a JSON object"),
        (
            r#"{"credHelpers": "pass"}"#,
            "credHelpers is not a JSON object",
        ),
        (r#"{"credsStore": 1}"#, "credsStore is not a string"),
        (
            r#"{"auths": {"localhost:5000": "x"}}"#,
            "auths entry localhost:5000 is not a JSON object",
        ),
        (
            r#"{"credHelpers": {"localhost:5000": 3}}"#,
            "credHelpers entry localhost:5000 is not the name of a helper",
        ),
    ] {
        write(&sandbox.docker_file(), content);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err(content);
        assert_eq!(
            error,
            format!("{}: {what}", p(&sandbox.docker_file())),
            "{content}"
        );
    }
}

#[test]
fn an_auth_field_that_is_not_user_colon_password_is_refused_without_its_content() {
    let sandbox = Sandbox::new();
    let at = format!("{}: auths entry localhost:5000", p(&sandbox.docker_file()));
    for (field, why) in [
        ("not*base64!".to_string(), "its auth field is not base64"),
        (
            auth("nocolon-secret"),
            "its auth field does not decode to user:password",
        ),
        (
            base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, b':', b'x']),
            "its auth field does not decode to UTF-8 text",
        ),
    ] {
        write(
            &sandbox.docker_file(),
            &format!(r#"{{"auths": {{"localhost:5000": {{"auth": "{field}"}}}}}}"#),
        );
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err(why);
        assert_eq!(error, format!("{at}: {why}"));
    }
}

#[test]
fn an_auth_field_without_padding_or_with_nul_padded_password_is_read() {
    let sandbox = Sandbox::new();
    let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.encode("ci:pw\0\0");
    write(
        &sandbox.docker_file(),
        &format!(r#"{{"auths": {{"localhost:5000": {{"auth": "{unpadded}"}}}}}}"#),
    );
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    assert_eq!(user_secret(&found), pair("ci", "pw"));
}

#[test]
fn a_file_over_one_mib_is_refused() {
    let sandbox = Sandbox::new();
    write(&sandbox.docker_file(), &" ".repeat(1024 * 1024 + 1));
    let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("too big");
    assert_eq!(
        error,
        format!(
            "{}: 1048577 bytes is over the 1 MiB a credentials file may have",
            p(&sandbox.docker_file())
        )
    );
}

#[test]
fn a_directory_where_a_file_should_be_is_refused() {
    let sandbox = Sandbox::new();
    fs::create_dir_all(sandbox.docker_file()).expect("a directory");
    let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("a directory");
    assert!(error.starts_with(&p(&sandbox.docker_file())), "{error}");
}

#[test]
fn debug_and_display_never_show_the_secret() {
    let credential = Credential {
        username: "ci".into(),
        secret: Secret::new("hunter2".into()),
    };
    let found = Found {
        credential: Some(credential.clone()),
        source: Some("here".into()),
        searched: vec![],
    };
    assert_eq!(
        format!("{credential:?}"),
        r#"Credential { username: "ci", secret: <redacted> }"#
    );
    assert!(!format!("{found:?}").contains("hunter2"));
    assert!(!format!("{found:#?}").contains("hunter2"));
    assert_eq!(format!("{}", credential.secret), "<redacted>");
    assert_eq!(credential.secret.expose(), "hunter2");
}

#[test]
fn a_found_credential_from_a_file_is_never_in_its_debug() {
    let sandbox = Sandbox::new();
    write(
        &sandbox.docker_file(),
        &auths("localhost:5000", "ci:s3cr3t-pw"),
    );
    let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
    let shown = format!("{found:?}");
    assert!(!shown.contains("s3cr3t-pw"), "{shown}");
    assert!(!shown.contains(&auth("ci:s3cr3t-pw")), "{shown}");
}

#[cfg(unix)]
mod helpers {
    //! Credential helpers, faked with shell scripts.

    use super::*;

    /// The answer of a helper holding `user` and `secret`.
    fn answer(user: &str, secret: &str) -> String {
        format!(r#"{{"ServerURL": "x", "Username": "{user}", "Secret": "{secret}"}}"#)
    }

    #[test]
    fn creds_store_is_asked_with_the_registry_on_stdin() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "fake",
            &sandbox.answering("localhost:5000", &answer("ci", "tok")),
        );
        write(&sandbox.docker_file(), r#"{"credsStore": "fake"}"#);
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair("ci", "tok"));
        let origin = format!("credsStore of {}", p(&sandbox.docker_file()));
        assert_eq!(
            found.source.as_deref(),
            Some(format!("docker-credential-fake ({origin})").as_str())
        );
        assert_eq!(
            found.searched.last(),
            Some(&format!(
                "docker-credential-fake ({origin}): credential for localhost:5000"
            ))
        );
        assert_eq!(sandbox.log(), "localhost:5000\n");
    }

    #[test]
    fn cred_helpers_entry_wins_over_auths_and_creds_store() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "one",
            &sandbox.answering("localhost:5000", &answer("one", "1")),
        );
        sandbox.helper(
            "store",
            &sandbox.answering("localhost:5000", &answer("store", "2")),
        );
        write(
            &sandbox.docker_file(),
            &format!(
                r#"{{"credHelpers": {{"localhost:5000": "one"}}, "credsStore": "store", "auths": {{"localhost:5000": {{"auth": "{}"}}}}}}"#,
                auth("file:3")
            ),
        );
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair("one", "1"));
        assert_eq!(
            found.source,
            Some(format!(
                "docker-credential-one (credHelpers of {})",
                p(&sandbox.docker_file())
            ))
        );
    }

    #[test]
    fn cred_helpers_entry_for_another_registry_leaves_the_store() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "store",
            &sandbox.answering("localhost:5000", &answer("store", "2")),
        );
        write(
            &sandbox.docker_file(),
            r#"{"credHelpers": {"registry.example": "absent"}, "credsStore": "store"}"#,
        );
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair("store", "2"));
    }

    #[test]
    fn an_empty_auths_entry_under_a_store_means_the_store_has_it() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "store",
            &sandbox.answering("localhost:5000", &answer("store", "2")),
        );
        write(
            &sandbox.docker_file(),
            r#"{"credsStore": "store", "auths": {"localhost:5000": {}}}"#,
        );
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair("store", "2"));
        assert_eq!(found.searched.len(), 3);
    }

    #[test]
    fn a_full_auths_entry_is_used_before_the_store_is_run() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "store",
            &sandbox.answering("localhost:5000", &answer("store", "2")),
        );
        write(
            &sandbox.docker_file(),
            &format!(
                r#"{{"credsStore": "store", "auths": {{"localhost:5000": {{"auth": "{}"}}}}}}"#,
                auth("file:3")
            ),
        );
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair("file", "3"));
        assert_eq!(sandbox.log(), "", "the store was not run");
    }

    #[test]
    fn a_helper_without_the_credential_lets_the_search_go_on() {
        let sandbox = Sandbox::new();
        sandbox.helper("empty", &sandbox.answering("elsewhere", "{}"));
        write(
            &sandbox.runtime_file(),
            r#"{"credHelpers": {"localhost:5000": "empty"}}"#,
        );
        write(&sandbox.docker_file(), &auths("localhost:5000", "ci:pw"));
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair("ci", "pw"));
        assert_eq!(
            found.searched[0],
            format!(
                "docker-credential-empty (credHelpers of {}): no credential for localhost:5000",
                p(&sandbox.runtime_file())
            )
        );
    }

    #[test]
    fn docker_hub_is_asked_by_its_server_url_then_by_its_name() {
        let sandbox = Sandbox::new();
        sandbox.helper("hub", &sandbox.answering(DOCKER_HUB, &answer("hub", "pw")));
        write(&sandbox.docker_file(), r#"{"credsStore": "hub"}"#);
        let found = find(&sandbox.places(), DOCKER_HUB, "library/alpine").expect("a lookup");
        assert_eq!(user_secret(&found), pair("hub", "pw"));
        assert_eq!(
            sandbox.log(),
            format!("{DOCKER_HUB_SERVER_URL}\n{DOCKER_HUB}\n")
        );
    }

    #[test]
    fn an_identity_token_from_a_helper_is_the_credential() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "tok",
            &sandbox.answering("localhost:5000", &answer("<token>", "refresh-me")),
        );
        write(&sandbox.docker_file(), r#"{"credsStore": "tok"}"#);
        let found = find(&sandbox.places(), "localhost:5000", "app").expect("a lookup");
        assert_eq!(user_secret(&found), pair(IDENTITY_TOKEN_USER, "refresh-me"));
        assert_eq!(
            found.searched.last(),
            Some(&format!(
                "docker-credential-tok (credsStore of {}): identity token for localhost:5000",
                p(&sandbox.docker_file())
            ))
        );
    }

    #[test]
    fn a_helper_not_on_path_is_an_error_naming_it_and_its_file() {
        let sandbox = Sandbox::new();
        write(&sandbox.docker_file(), r#"{"credsStore": "nothere"}"#);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("no helper");
        assert_eq!(
            error,
            format!(
                "docker-credential-nothere is not on PATH (credsStore of {})",
                p(&sandbox.docker_file())
            )
        );
    }

    #[test]
    fn a_helper_that_is_not_executable_is_not_on_path() {
        let sandbox = Sandbox::new();
        write(
            &sandbox.bin().join("docker-credential-plain"),
            "#!/bin/sh\n",
        );
        write(&sandbox.docker_file(), r#"{"credsStore": "plain"}"#);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("no helper");
        assert!(
            error.starts_with("docker-credential-plain is not on PATH"),
            "{error}"
        );
    }

    #[test]
    fn a_helper_name_with_a_path_in_it_is_refused() {
        let sandbox = Sandbox::new();
        write(&sandbox.docker_file(), r#"{"credsStore": "../../bin/sh"}"#);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("a path");
        assert_eq!(
            error,
            format!(
                "credsStore of {} names docker-credential-../../bin/sh, which is not a helper name",
                p(&sandbox.docker_file())
            )
        );
    }

    #[test]
    fn a_failing_helper_is_an_error_with_its_first_stderr_line_cut_and_escaped() {
        let sandbox = Sandbox::new();
        let long = "x".repeat(300);
        sandbox.helper(
            "bad",
            &format!("cat >/dev/null\nprintf '\\n  gpg: \\033[31mdecryption failed {long}\\nsecond line\\n' >&2\nexit 3"),
        );
        write(&sandbox.docker_file(), r#"{"credsStore": "bad"}"#);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("a failure");
        let quoted = format!("gpg: \u{1b}[31mdecryption failed {long}");
        let cut: String = quoted.chars().take(200).collect();
        assert_eq!(
            error,
            format!(
                "docker-credential-bad (credsStore of {}) failed (exit status: 3): {}…",
                p(&sandbox.docker_file()),
                cut.replace('\u{1b}', "\\u{1b}")
            )
        );
    }

    #[test]
    fn a_failing_helper_that_printed_json_is_not_quoted() {
        let sandbox = Sandbox::new();
        sandbox.helper(
            "leaky",
            &format!("cat >/dev/null\necho '{}'\nexit 1", answer("ci", "hunter2")),
        );
        write(&sandbox.docker_file(), r#"{"credsStore": "leaky"}"#);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("a failure");
        assert_eq!(
            error,
            format!(
                "docker-credential-leaky (credsStore of {}) failed (exit status: 1)",
                p(&sandbox.docker_file())
            )
        );
    }

    #[test]
    fn a_helper_answering_outside_the_protocol_is_an_error_that_quotes_no_value() {
        let sandbox = Sandbox::new();
        let origin = format!("credsStore of {}", p(&sandbox.docker_file()));
        for (output, what) in [
            (
                "hunter2",
                "something that is not JSON (expected value at line 1 column 1)",
            ),
            (
                r#"{"Username": "ci", "Secret": 12345}"#,
                "JSON without a Secret string",
            ),
            (r#"{"Secret": "hunter2"}"#, "JSON without a Username string"),
        ] {
            sandbox.helper("odd", &format!("cat >/dev/null\necho '{output}'"));
            write(&sandbox.docker_file(), r#"{"credsStore": "odd"}"#);
            let error = find(&sandbox.places(), "localhost:5000", "app").expect_err(output);
            assert_eq!(
                error,
                format!("docker-credential-odd ({origin}) answered {what}")
            );
        }
    }

    #[test]
    fn a_helper_that_hangs_is_stopped_at_the_timeout() {
        let sandbox = Sandbox::new();
        sandbox.helper("slow", "exec sleep 30");
        write(&sandbox.docker_file(), r#"{"credsStore": "slow"}"#);
        let mut places = sandbox.places();
        places.helper_timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let error = find(&places, "localhost:5000", "app").expect_err("a timeout");
        assert!(started.elapsed() < Duration::from_secs(10));
        assert_eq!(
            error,
            format!(
                "docker-credential-slow (credsStore of {}) did not answer within 0.3 s and was stopped",
                p(&sandbox.docker_file())
            )
        );
    }

    #[test]
    fn a_helper_that_writes_too_much_is_stopped() {
        let sandbox = Sandbox::new();
        sandbox.helper("loud", "cat >/dev/null\nexec yes");
        write(&sandbox.docker_file(), r#"{"credsStore": "loud"}"#);
        let error = find(&sandbox.places(), "localhost:5000", "app").expect_err("too much");
        assert_eq!(
            error,
            format!(
                "docker-credential-loud (credsStore of {}) wrote more than 64 KiB",
                p(&sandbox.docker_file())
            )
        );
    }
}

#[cfg(unix)]
#[test]
fn a_credentials_file_that_is_a_fifo_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let fifo = dir.path().join("auth.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    assert_eq!(
        file::read_config(&fifo, "REGISTRY_AUTH_FILE (auth.json)"),
        Err(
            "REGISTRY_AUTH_FILE (auth.json): not a regular file (a FIFO); sizegate reads credentials from regular files"
                .to_string()
        )
    );
}
