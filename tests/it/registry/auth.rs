//! Credentials for a registry with basic auth, found where docker and podman keep them:
//! `REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, `$DOCKER_CONFIG/config.json`
//! with `auths`, `credHelpers` or `credsStore` (a `docker-credential-NAME` on PATH). Missing ones
//! say where they were looked for, wrong ones say the registry refused them, and no password is
//! ever printed.

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::Value;

use super::{
    assert_fails, assert_no_secret, assert_same_without, auths, json_run, layers_with, NAMES, PASS,
    USER,
};
use crate::support::registry::{Registry, Setup};
use crate::support::{path_str, tempdir, write_file};

/// A password the registry does not accept: as distinctive as [`PASS`], for the same reason.
const WRONG: &str = "sgtest-Wr0ng-91c2";

/// Writes `dir/docker-credential-sgtest`, a credential helper that answers `get` with `user` and
/// `pass` for any server and appends the server it was asked for to `dir/asked`; returns PATH
/// with `dir` first.
fn credential_helper(dir: &Path, pass: &str) -> OsString {
    let script = format!(
        "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nserver=$(cat)\nprintf '%s\\n' \"$server\" >> '{asked}'\nprintf '{{\"ServerURL\":\"%s\",\"Username\":\"{USER}\",\"Secret\":\"{pass}\"}}\\n' \"$server\"\n",
        asked = path_str(&dir.join("asked")),
    );
    let helper = write_file(dir, "docker-credential-sgtest", script.as_bytes());
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755))
        .expect("the helper is made executable");
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).expect("PATH joins")
}

/// A registry with basic auth holding the tiny image as `tiny:1`, and what `layers` prints of it
/// from its OCI layout.
fn registry() -> (Registry, Value) {
    let registry = Registry::start(Setup::Basic {
        user: USER,
        pass: PASS,
    });
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let expected = json_run(&["layers", "tests/fixtures/tiny.oci", "--format", "json"]);
    (registry, expected)
}

#[test]
fn credentials_are_found_where_docker_and_podman_keep_them() {
    let (registry, expected) = registry();
    let host = registry.host();
    let image = registry.image("tiny:1");
    let dir = tempdir();
    let d = dir.path();
    let right = auths(&host, USER, PASS);
    let wrong = auths(&host, USER, WRONG);
    let other = auths("registry.example", USER, WRONG);
    let podman = write_file(d, "auth.json", right.as_bytes());
    std::fs::create_dir_all(d.join("run/containers")).expect("a runtime dir");
    write_file(&d.join("run/containers"), "auth.json", right.as_bytes());
    let file = |name: &str, text: &str| {
        std::fs::create_dir(d.join(name)).expect("a config dir");
        write_file(&d.join(name), "config.json", text.as_bytes());
        d.join(name).into_os_string()
    };
    let docker = file("docker", &right);
    let docker_wrong = file("docker-wrong", &wrong);
    let helpers = file(
        "helpers",
        &serde_json::json!({ "credHelpers": { &host: "sgtest" } }).to_string(),
    );
    let store = file("store", r#"{"credsStore":"sgtest"}"#);
    let path = credential_helper(d, PASS);
    let elsewhere = write_file(d, "other.json", other.as_bytes());
    let cases: [(&str, Vec<(&str, OsString)>); 7] = [
        (
            "REGISTRY_AUTH_FILE",
            vec![("REGISTRY_AUTH_FILE", podman.clone().into())],
        ),
        (
            "XDG_RUNTIME_DIR",
            vec![("XDG_RUNTIME_DIR", d.join("run").into())],
        ),
        (
            "DOCKER_CONFIG auths",
            vec![("DOCKER_CONFIG", docker.clone())],
        ),
        (
            "credHelpers",
            vec![("DOCKER_CONFIG", helpers), ("PATH", path.clone())],
        ),
        ("credsStore", vec![("DOCKER_CONFIG", store), ("PATH", path)]),
        // podman's file comes first; docker's is read for a registry it does not name.
        (
            "REGISTRY_AUTH_FILE before DOCKER_CONFIG",
            vec![
                ("REGISTRY_AUTH_FILE", podman.into()),
                ("DOCKER_CONFIG", docker_wrong),
            ],
        ),
        (
            "DOCKER_CONFIG after REGISTRY_AUTH_FILE without the registry",
            vec![
                ("REGISTRY_AUTH_FILE", elsewhere.into()),
                ("DOCKER_CONFIG", docker),
            ],
        ),
    ];
    for (what, env) in cases {
        let run = layers_with(&image, &env);
        assert_eq!(run.code, 0, "{what}: {}", run.stderr);
        assert_same_without(&run.json(), &expected, &NAMES, what);
        assert_no_secret(&run, &[PASS, WRONG], what);
    }
    // The helper cases asked the helper, for this registry (by its host, as docker asks).
    let asked = std::fs::read_to_string(d.join("asked")).expect("the helper was run");
    assert!(
        asked.lines().count() >= 2 && asked.lines().all(|server| server.contains(&host)),
        "{asked}"
    );
}

/// Runs `layers IMAGE` with `env`, which must fail with one error line about IMAGE: that line.
fn refused(image: &str, env: &[(&str, OsString)]) -> String {
    let run = layers_with(image, env);
    let stderr = assert_fails(&run, image);
    assert_no_secret(&run, &[PASS, WRONG], &format!("{env:?}"));
    stderr
}

#[test]
fn missing_credentials_say_where_they_were_looked_for() {
    let (registry, _) = registry();
    let host = registry.host();
    let image = registry.image("tiny:1");
    // None anywhere (the tests' sizegate reads none of the user's: support/cmd.rs).
    let stderr = refused(&image, &[]);
    for part in [host.as_str(), "credentials", "config.json"] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    // An auth file with another registry's only.
    let dir = tempdir();
    let file = write_file(
        dir.path(),
        "auth.json",
        auths("registry.example", USER, PASS).as_bytes(),
    );
    let stderr = refused(&image, &[("REGISTRY_AUTH_FILE", file.clone().into())]);
    for part in [host.as_str(), "credentials", path_str(&file)] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
}

#[test]
fn wrong_credentials_are_refused_without_printing_them() {
    let (registry, _) = registry();
    let host = registry.host();
    let image = registry.image("tiny:1");
    let dir = tempdir();
    let d = dir.path();
    let file = write_file(d, "auth.json", auths(&host, USER, WRONG).as_bytes());
    std::fs::create_dir(d.join("helpers")).expect("a config dir");
    write_file(
        &d.join("helpers"),
        "config.json",
        serde_json::json!({ "credHelpers": { &host: "sgtest" } })
            .to_string()
            .as_bytes(),
    );
    let path = credential_helper(d, WRONG);
    for env in [
        vec![("REGISTRY_AUTH_FILE", file.into_os_string())],
        vec![
            ("DOCKER_CONFIG", d.join("helpers").into_os_string()),
            ("PATH", path),
        ],
    ] {
        let stderr = refused(&image, &env);
        for part in [host.as_str(), "refused"] {
            assert!(stderr.contains(part), "{part}: {stderr}");
        }
    }
}
