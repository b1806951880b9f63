//! The harness itself, checked with skopeo alone: each of its setups serves what was pushed, the
//! access log shows what a client fetched, a corrupted blob fails its digest, and the throw-away
//! CA is a CA a client can trust. So that when a sizegate test fails, sizegate is what failed.

use std::process::Output;

use crate::support::path_str;
use crate::support::registry::{Registry, Setup};

/// The output of `cmd`, with its stderr as text.
fn output(cmd: &mut std::process::Command) -> (Output, String) {
    let out = cmd.output().expect("skopeo runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stderr)
}

#[test]
fn the_access_log_shows_the_blobs_a_client_fetched_in_every_setup() {
    for setup in [
        Setup::Anonymous,
        Setup::Basic {
            user: "user",
            pass: "pass",
        },
        Setup::Tls,
    ] {
        let registry = Registry::start(setup);
        registry.push("docker-archive:tests/fixtures/tiny.docker.tar", "tiny:1");
        let layers = registry.layer_digests("tiny:1");
        assert_eq!(layers.len(), 6, "{setup:?}");
        // Pushing HEADs and PUTs blobs; reading the manifest GETs none.
        for digest in &layers {
            assert_eq!(registry.blob_gets(digest), 0, "{setup:?} {digest}");
        }
        registry.pull("tiny:1");
        for digest in &layers {
            assert_eq!(registry.blob_gets(digest), 1, "{setup:?} {digest}");
        }
    }
}

#[test]
fn the_digest_is_the_registry_s_and_a_corrupted_blob_fails_it() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("docker-archive:tests/fixtures/tiny.docker.tar", "tiny:1");
    let (out, stderr) = output(
        registry
            .skopeo()
            .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}"])
            .arg(registry.image("tiny:1")),
    );
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        registry.digest("tiny:1")
    );
    let layer = &registry.layer_digests("tiny:1")[0];
    registry.corrupt_blob(layer);
    let dir = crate::support::tempdir();
    let (out, stderr) = output(
        registry
            .skopeo()
            .args(["copy", "--src-tls-verify=false"])
            .arg(registry.image("tiny:1"))
            .arg(format!("oci:{}:x", path_str(dir.path()))),
    );
    assert!(!out.status.success());
    assert!(
        stderr.contains("Digest did not match") && stderr.contains(layer.as_str()),
        "{stderr}"
    );
}

#[test]
fn push_all_stores_the_index_with_both_platforms() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push_all("oci:tests/fixtures/tiny-index.oci:latest", "tiny-index:1");
    let index = registry.manifest("tiny-index:1");
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let platforms: Vec<String> = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|m| format!("{}/{}", m["platform"]["os"], m["platform"]["architecture"]))
        .collect();
    assert_eq!(platforms, [r#""linux"/"amd64""#, r#""linux"/"arm64""#]);
    // skopeo copies the index as it is: its digest is the fixture's (tests/fixtures/tiny-index.oci/index.json).
    assert_eq!(
        registry.digest("tiny-index:1"),
        "sha256:c4c58018775030cc6879afeb343e52a3a047b7081f67cf099a132d4f90df5440"
    );
}

#[test]
fn the_throw_away_ca_is_trusted_where_given_and_only_there() {
    let registry = Registry::start(Setup::Tls);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    for image in [
        registry.image_on_localhost("tiny:1"),
        registry.image("tiny:1"),
    ] {
        let (out, stderr) = output(
            registry
                .skopeo()
                .args(["inspect", "--raw", "--cert-dir"])
                .arg(registry.cert_dir())
                .arg(&image),
        );
        assert!(out.status.success(), "--cert-dir {image}: {stderr}");
        let (out, stderr) = output(
            registry
                .skopeo()
                .env("SSL_CERT_FILE", registry.ca_pem())
                .args(["inspect", "--raw"])
                .arg(&image),
        );
        assert!(out.status.success(), "SSL_CERT_FILE {image}: {stderr}");
        let (out, stderr) = output(registry.skopeo().args(["inspect", "--raw"]).arg(&image));
        assert!(!out.status.success(), "{image} is not trusted by default");
        assert!(stderr.contains("certificate"), "{stderr}");
    }
}

#[test]
fn basic_auth_refuses_a_client_without_credentials() {
    let registry = Registry::start(Setup::Basic {
        user: "user",
        pass: "pass",
    });
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let (out, stderr) = output(
        registry
            .skopeo()
            .args(["inspect", "--raw", "--tls-verify=false"])
            .arg(registry.image("tiny:1")),
    );
    assert!(!out.status.success());
    assert!(stderr.contains("authentication required"), "{stderr}");
    assert_eq!(
        registry.manifest("tiny:1")["layers"]
            .as_array()
            .map(Vec::len),
        Some(6)
    );
}
