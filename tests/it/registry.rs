//! `docker://HOST/REPO:TAG` and `docker://HOST/REPO@sha256:…`: images read from a real registry
//! (Debian's docker-registry on 127.0.0.1, started by each test with storage of its own, filled
//! with skopeo from the fixtures; support/registry.rs). Every command reads them with the numbers
//! of the same image read from its archive; a manifest-only check fetches no layer blob; a blob
//! that does not match its digest, credentials that are missing or wrong, and a certificate no CA
//! vouches for are each exit 2 with a message that says which; no secret is ever printed.
//!
//! The tests fail, saying what to install, where docker-registry, skopeo, htpasswd or openssl is
//! not installed; `.ci/run` installs them.

mod auth;
mod fetching;
mod harness;
mod numbers;
mod standin;
mod tls;

use std::ffi::OsString;

use base64::Engine as _;
use serde_json::Value;

use crate::support::{assert_failed, root, run_in, run_in_env, Run};

/// The user of the test registries' credentials.
const USER: &str = "sgtest-user";
/// Their password: distinctive, so that finding it in any output means it leaked.
const PASS: &str = "sgtest-Pa55word-7f3a";

/// Runs `sizegate ARGS` from the repository root (so that fixture paths are as typed).
fn sizegate_run(args: &[&str]) -> Run {
    run_in(root(), args)
}

/// `sizegate ARGS` from the repository root, which must succeed: its stdout as JSON.
fn json_run(args: &[&str]) -> Value {
    let run = sizegate_run(args);
    assert_eq!(run.code, 0, "sizegate {args:?}: {}", run.stderr);
    run.json()
}

/// `value` without the fields at `paths`, each a `/`-separated path whose `*` steps match every
/// element of an array or every member of an object (`images/*/name`). Each path must match at
/// least one field: a field dropped from a comparison is one that is there and differs for a
/// reason the caller gives, never a guess.
fn without(value: &Value, paths: &[&str]) -> Value {
    let mut value = value.clone();
    for path in paths {
        let steps: Vec<&str> = path.split('/').collect();
        let removed = remove(&mut value, &steps);
        assert!(removed > 0, "no field at {path} in {value:#}");
    }
    value
}

/// Removes the fields at `steps` below `value`; how many.
fn remove(value: &mut Value, steps: &[&str]) -> usize {
    let Some((step, rest)) = steps.split_first() else {
        return 0;
    };
    if rest.is_empty() {
        return value
            .as_object_mut()
            .and_then(|object| object.remove(*step))
            .map_or(0, |_| 1);
    }
    match (value, *step) {
        (Value::Array(items), "*") => items.iter_mut().map(|v| remove(v, rest)).sum(),
        (Value::Object(members), "*") => members.values_mut().map(|v| remove(v, rest)).sum(),
        (Value::Array(items), index) => index
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get_mut(i))
            .map_or(0, |v| remove(v, rest)),
        (Value::Object(members), key) => members.get_mut(key).map_or(0, |v| remove(v, rest)),
        _ => 0,
    }
}

/// Asserts that `left` and `right` are equal once the fields at `paths` are dropped from both.
#[track_caller]
fn assert_same_without(left: &Value, right: &Value, paths: &[&str], what: &str) {
    assert_eq!(
        without(left, paths),
        without(right, paths),
        "{what}: differ in more than {paths:?}"
    );
}

/// The image names `layers`, `top` and `check` print, which name where the image was read: the
/// registry reference on one side, the archive's own tag on the other.
const NAMES: [&str; 2] = ["images/*/name", "images/*/tags"];

/// The sum of the layer blob sizes of an image manifest: the image's compressed size, as the
/// registry stores it.
fn compressed_size(manifest: &Value) -> u64 {
    manifest["layers"]
        .as_array()
        .expect("an image manifest")
        .iter()
        .map(|layer| layer["size"].as_u64().expect("a layer size"))
        .sum()
}

/// Standard base64 (RFC 4648, padded) of `user:pass`, as auth.json stores it and as `Authorization:
/// Basic` sends it.
fn basic(user: &str, pass: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
}

/// An auth.json / config.json with `auths` for `host` only, whose entry is `entry`:
/// `{"auths":{HOST:ENTRY}}`.
fn auths_with(host: &str, entry: Value) -> String {
    serde_json::json!({ "auths": { host: entry } }).to_string()
}

/// An auth.json / config.json with `user:pass` for `host` only: `{"auths":{HOST:{"auth":…}}}`.
fn auths(host: &str, user: &str, pass: &str) -> String {
    auths_with(host, serde_json::json!({ "auth": basic(user, pass) }))
}

/// `sizegate layers IMAGE --format json` from the repository root with `env` set (an auth file,
/// a config directory, a PATH with a credential helper…).
fn layers_with(image: &str, env: &[(&str, OsString)]) -> Run {
    run_in_env(root(), &["layers", image, "--format", "json"], env)
}

/// Asserts that none of `passwords`, nor the base64 of [`USER`]`:PASSWORD` for any of them (what an
/// auth file holds and `Authorization: Basic` sends), is in `run`'s output.
#[track_caller]
fn assert_no_secret(run: &Run, passwords: &[&str], what: &str) {
    for pass in passwords {
        for secret in [pass.to_string(), basic(USER, pass)] {
            assert!(
                !run.stdout.contains(&secret) && !run.stderr.contains(&secret),
                "{what}: a secret is printed:\n{}\n{}",
                run.stdout,
                run.stderr
            );
        }
    }
}

/// Asserts that `run` failed with one error line about `image` (see [`assert_failed`]); returns
/// that line.
#[track_caller]
fn assert_fails(run: &Run, image: &str) -> String {
    let stderr = assert_failed(run, image);
    assert!(
        stderr.starts_with(&format!("error: {image}: ")),
        "the error names {image}: {stderr}"
    );
    stderr
}
