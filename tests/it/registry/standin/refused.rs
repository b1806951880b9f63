//! Documents and blobs that are not what they claim: a schema 1 manifest, which sizegate does
//! not read; a config or a manifest whose bytes are not the ones its digest names; a layer
//! longer or shorter than its descriptor's size. Each is exit 2 with a message that says which,
//! and nothing is downloaded past the point where the problem shows.

use super::{assert_fails, blob_path, gets, image, layers, Tiny, MANIFEST, OCI_MANIFEST};
use crate::support::http::{Request, Response, Server};
use crate::support::sha256_hex;

/// `sha256:HEX` of `bytes`.
fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", sha256_hex(bytes))
}

/// A schema 1 manifest of the tiny image's first layer, as docker 1.x pushed them (signatures
/// left out: sizegate refuses it before it would look at them).
fn schema_1(tiny: &Tiny) -> String {
    let (layer, _) = &tiny.layers()[0];
    serde_json::json!({
        "schemaVersion": 1,
        "name": "tiny",
        "tag": "1",
        "architecture": "amd64",
        "fsLayers": [{ "blobSum": layer }],
        "history": [{ "v1Compatibility": "{\"id\":\"0\"}" }],
    })
    .to_string()
}

#[test]
fn a_schema_1_manifest_is_refused_by_its_type_or_its_schema_version() {
    for content_type in [
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        // A registry that types it wrong: the body's schemaVersion still tells.
        "application/json",
    ] {
        let server = Tiny::load().serve_with(MANIFEST, move |tiny, _| {
            Response::new(200, schema_1(tiny)).with_header("Content-Type", content_type)
        });
        let image = image(&server);
        let stderr = assert_fails(&layers(&image), &image);
        assert!(stderr.contains("schema 1"), "{content_type}: {stderr}");
        // Nothing is fetched after the manifest.
        assert_eq!(
            server.request_lines(),
            ["GET /v2/".to_string(), format!("GET {MANIFEST}")],
            "{content_type}"
        );
    }
}

#[test]
fn the_manifest_is_asked_for_in_the_types_sizegate_reads_and_schema_1_is_not_one() {
    let tiny = Tiny::load();
    let server = Server::start(move |request: &Request| tiny.answer(request));
    assert_eq!(layers(&image(&server)).code, 0);
    let requests = server.requests();
    let manifest = requests
        .iter()
        .find(|r| r.path == MANIFEST)
        .expect("the manifest was asked for");
    let mut accepted: Vec<&str> = manifest
        .header("accept")
        .expect("an Accept header")
        .split(',')
        .map(str::trim)
        .collect();
    accepted.sort_unstable();
    assert_eq!(
        accepted,
        [
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
            "application/vnd.oci.image.index.v1+json",
            OCI_MANIFEST,
        ]
    );
}

#[test]
fn a_config_with_other_bytes_than_its_digest_names_is_refused() {
    let tiny = Tiny::load();
    let config = tiny.config();
    let mut other = tiny.blobs[&config].clone();
    // The same length, one byte changed: only the digest tells.
    let last = other.len() - 2;
    other[last] ^= 0x20;
    let sent = sha256(&other);
    let server = tiny.serve_with(&blob_path(&config), move |_, _| {
        Response::bytes(200, other.clone())
    });
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    for part in [
        format!("digest is {sent}"),
        format!("not the {config}"),
        format!("blobs/{}", config.replacen(':', "/", 1)),
    ] {
        assert!(stderr.contains(&part), "{part}: {stderr}");
    }
    // No layer is fetched for an image whose config is not its own.
    for (digest, _) in tiny.layers() {
        assert_eq!(gets(&server, &blob_path(&digest)), 0, "{digest}");
    }
}

#[test]
fn a_manifest_asked_for_by_digest_with_other_bytes_is_refused() {
    let tiny = Tiny::load();
    let path = format!("/v2/tiny/manifests/{}", tiny.digest);
    // The manifest without its annotations: a valid manifest, not the one its digest names.
    let mut other = tiny.manifest.clone();
    other
        .as_object_mut()
        .expect("an object")
        .remove("annotations");
    let other = other.to_string().into_bytes();
    let sent = sha256(&other);
    let server = tiny.serve_with(&path, move |_, _| {
        Response::bytes(200, other.clone()).with_header("Content-Type", OCI_MANIFEST)
    });
    let image = format!("docker://{}/tiny@{}", server.host(), tiny.digest);
    let stderr = assert_fails(&layers(&image), &image);
    for part in [
        format!("digest is {sent}"),
        format!("not the {}", tiny.digest),
    ] {
        assert!(stderr.contains(&part), "{part}: {stderr}");
    }
    assert_eq!(
        server.request_lines(),
        ["GET /v2/".to_string(), format!("GET {path}")]
    );
}

/// Runs `layers` against a stand-in that serves the smallest layer as `body(blob)`; returns the
/// error line and the layer's member name and size.
fn with_smallest_layer(body: fn(&[u8]) -> Vec<u8>) -> (String, String, usize) {
    let tiny = Tiny::load();
    let (digest, size) = tiny
        .layers()
        .into_iter()
        .min_by_key(|(_, size)| *size)
        .expect("a layer");
    let served = body(&tiny.blobs[&digest]);
    let server = tiny.serve_with(&blob_path(&digest), move |_, _| {
        Response::bytes(200, served.clone())
    });
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    let member = format!("blobs/{}", digest.replacen(':', "/", 1));
    assert!(stderr.contains(&member), "{stderr}");
    (stderr, member, size)
}

#[test]
fn a_layer_longer_than_its_descriptor_says_is_refused() {
    // The whole layer, then more: its first `size` bytes are the right ones.
    let (stderr, _, size) = with_smallest_layer(|blob| [blob, b"trailing bytes"].concat());
    assert!(
        stderr.contains(&format!("more than the blob's {size} bytes")),
        "{stderr}"
    );
}

#[test]
fn a_layer_shorter_than_its_descriptor_says_is_refused() {
    // Half the layer, with an honest Content-Length: the registry says it is all there is.
    let (stderr, _, size) = with_smallest_layer(|blob| blob[..blob.len() / 2].to_vec());
    assert!(
        stderr.contains(&format!("sent {} of the blob's {size} bytes", size / 2)),
        "{stderr}"
    );
}

#[test]
fn what_a_registry_says_is_printed_escaped() {
    // Terminal escapes and a bell, in the error body of a 404 (a header cannot hold them: the
    // client's parser refuses such a header before sizegate sees it).
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[31mred";
    let body =
        serde_json::json!({ "errors": [{ "code": "MANIFEST_UNKNOWN", "message": hostile }] });
    let server =
        Tiny::load().serve_with(MANIFEST, move |_, _| Response::new(404, body.to_string()));
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    assert!(
        stderr.contains("MANIFEST_UNKNOWN") && stderr.contains("red"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(['\u{1b}', '\u{7}']),
        "a control character is printed: {stderr:?}"
    );
}

#[test]
fn a_challenge_sizegate_does_not_speak_is_named_and_cut() {
    let challenge = format!("Negotiate {}", "x".repeat(5000));
    let server = Tiny::load().serve_with("/v2/", move |_, _| {
        Response::new(401, "{}").with_header("WWW-Authenticate", &challenge)
    });
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    assert!(stderr.contains("Negotiate xxx"), "{stderr}");
    // 200 characters of it, then `…`.
    assert!(
        stderr.contains(&format!("{}…", "x".repeat(190))),
        "{stderr}"
    );
    assert!(!stderr.contains(&"x".repeat(200)), "{stderr}");
}

#[test]
fn a_foreign_layer_the_registry_does_not_hold_is_named_as_foreign() {
    let tiny = Tiny::load();
    let (foreign, _) = tiny.layers()[0].clone();
    // The manifest says the first layer is kept elsewhere, as Windows base layers are.
    let mut manifest = tiny.manifest.clone();
    manifest["layers"][0]["mediaType"] =
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip".into();
    manifest["layers"][0]["urls"] = serde_json::json!(["https://cdn.example/layer"]);
    let manifest = manifest.to_string();
    let foreign_path = blob_path(&foreign);
    let server = Server::start(move |request: &Request| {
        if request.path == MANIFEST {
            Response::new(200, manifest.clone()).with_header("Content-Type", OCI_MANIFEST)
        } else if request.path == foreign_path {
            Response::new(404, r#"{"errors":[{"code":"BLOB_UNKNOWN"}]}"#)
        } else {
            tiny.answer(request)
        }
    });
    let image = image(&server);
    let stderr = assert_fails(&layers(&image), &image);
    assert!(stderr.contains("(BLOB_UNKNOWN)"), "{stderr}");
    assert!(
        stderr.contains("it is a foreign layer (as Windows base layers are), kept at the URLs its descriptor names, which sizegate does not fetch from"),
        "{stderr}"
    );
}
