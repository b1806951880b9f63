//! The registry client against a stand-in registry (support/http.rs) serving the tiny image's
//! blobs from tests/fixtures/tiny.oci: what a real registry cannot be made to do on purpose.
//! Answers of 503 and 429 that pass ([`retries`]), a connection that breaks in the middle of a
//! blob ([`resume`]), the bearer token flow with its token server and a token that expires
//! ([`bearer`]), and documents that are not what they claim ([`refused`]). Each test asserts the
//! exit code, the numbers, and the requests the stand-in recorded.
//!
//! The stand-in speaks plain HTTP only: sizegate tries HTTPS first, gets the 400 an HTTP server
//! answers a TLS handshake with, and falls back to plain HTTP, as it does for any registry on
//! 127.0.0.1. That attempt is not recorded, so the requests start with `GET /v2/`.

mod bearer;
mod refused;
mod resume;
mod retries;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{assert_fails, assert_same_without, json_run, sizegate_run, NAMES};
use crate::support::http::{Request, Response, Server};
use crate::support::{fixture, Run};

/// The tag the stand-in serves the tiny image under.
const TAG: &str = "1";
/// The path of the manifest by its tag.
const MANIFEST: &str = "/v2/tiny/manifests/1";
/// The media type of the tiny image's manifest.
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// The tiny image as a registry holds it: its manifest and every blob, by digest.
#[derive(Clone)]
struct Tiny {
    /// The manifest's digest (`sha256:…`).
    digest: String,
    /// Every blob of the layout (the manifest, the config, the layers), by digest.
    blobs: BTreeMap<String, Vec<u8>>,
    /// The manifest, parsed.
    manifest: Value,
}

impl Tiny {
    /// Reads tests/fixtures/tiny.oci: its index names the manifest, which names the rest.
    fn load() -> Tiny {
        let layout = fixture("tiny.oci");
        let read = |path: &Path| std::fs::read(path).expect("a fixture blob");
        let index: Value =
            serde_json::from_slice(&read(&layout.join("index.json"))).expect("index.json");
        let digest = index["manifests"][0]["digest"]
            .as_str()
            .expect("the manifest's digest")
            .to_string();
        let mut blobs = BTreeMap::new();
        let dir = layout.join("blobs/sha256");
        for entry in std::fs::read_dir(&dir).expect("the blobs") {
            let path = entry.expect("a blob").path();
            let hex = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("a hex name");
            blobs.insert(format!("sha256:{hex}"), read(&path));
        }
        let manifest = serde_json::from_slice(&blobs[&digest]).expect("the manifest");
        Tiny {
            digest,
            blobs,
            manifest,
        }
    }

    /// The manifest's bytes, as pushed.
    fn manifest_bytes(&self) -> &[u8] {
        &self.blobs[&self.digest]
    }

    /// The config's digest.
    fn config(&self) -> String {
        self.manifest["config"]["digest"]
            .as_str()
            .expect("the config's digest")
            .to_string()
    }

    /// The layers' digests and sizes, in the manifest's order.
    fn layers(&self) -> Vec<(String, usize)> {
        self.manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| {
                let digest = l["digest"].as_str().expect("a digest").to_string();
                let size = l["size"].as_u64().expect("a size");
                (digest, usize::try_from(size).expect("a small layer"))
            })
            .collect()
    }

    /// The digest of the largest layer (17331 bytes): the one cut in the middle.
    fn largest_layer(&self) -> String {
        let layers = self.layers();
        let (digest, _) = layers
            .iter()
            .max_by_key(|(_, size)| *size)
            .expect("a layer");
        digest.clone()
    }

    /// A stand-in that answers the requests for `path` with `special` (given the image too, to
    /// answer as the registry would after all, or to cut that answer short) and every other one
    /// as the tiny image's registry ([`Tiny::answer`]).
    fn serve_with(
        &self,
        path: &str,
        special: impl Fn(&Tiny, &Request) -> Response + Send + 'static,
    ) -> Server {
        let (tiny, path) = (self.clone(), path.to_string());
        Server::start(move |request: &Request| match request.path == path {
            true => special(&tiny, request),
            false => tiny.answer(request),
        })
    }

    /// Answers as a registry: the version check, the manifest by its tag or digest, a blob by
    /// its digest (from the byte a `Range: bytes=N-` asks for, with a 206), a 404 for anything
    /// else.
    fn answer(&self, request: &Request) -> Response {
        let path = request.path.as_str();
        if path == "/v2/" {
            return Response::new(200, "{}");
        }
        if let Some(reference) = path.strip_prefix("/v2/tiny/manifests/") {
            if reference == TAG || reference == self.digest {
                return Response::bytes(200, self.manifest_bytes().to_vec())
                    .with_header("Content-Type", OCI_MANIFEST)
                    .with_header("Docker-Content-Digest", &self.digest);
            }
            return not_found("MANIFEST_UNKNOWN", "manifest unknown");
        }
        let Some(blob) = path
            .strip_prefix("/v2/tiny/blobs/")
            .and_then(|digest| self.blobs.get(digest))
        else {
            return not_found("BLOB_UNKNOWN", "blob unknown to registry");
        };
        match range_start(request) {
            Some(start) if start < blob.len() => partial(blob, start),
            _ => Response::bytes(200, blob.clone())
                .with_header("Content-Type", "application/octet-stream"),
        }
    }
}

/// A registry's 404, with the error body of the distribution spec.
fn not_found(code: &str, message: &str) -> Response {
    let body = serde_json::json!({ "errors": [{ "code": code, "message": message }] });
    Response::new(404, body.to_string())
}

/// The `N` of a request's `Range: bytes=N-`.
fn range_start(request: &Request) -> Option<usize> {
    request
        .header("range")?
        .strip_prefix("bytes=")?
        .strip_suffix('-')?
        .parse()
        .ok()
}

/// The 206 that sends `blob` from byte `start` on.
fn partial(blob: &[u8], start: usize) -> Response {
    let range = format!("bytes {start}-{}/{}", blob.len() - 1, blob.len());
    Response::bytes(206, blob[start..].to_vec())
        .with_header("Content-Type", "application/octet-stream")
        .with_header("Content-Range", &range)
}

/// `docker://127.0.0.1:PORT/tiny:1`.
fn image(server: &Server) -> String {
    format!("docker://{}/tiny:{TAG}", server.host())
}

/// How many recorded requests are `GET path`.
fn gets(server: &Server, path: &str) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == path)
        .count()
}

/// `GET /v2/tiny/blobs/DIGEST`.
fn blob_path(digest: &str) -> String {
    format!("/v2/tiny/blobs/{digest}")
}

/// The requests of one `layers` of the tiny image that nothing disturbed: the version check,
/// the manifest, the config, then each layer (in parallel, in any order), each once.
fn one_read(tiny: &Tiny) -> Vec<String> {
    let mut lines = vec!["GET /v2/".to_string(), format!("GET {MANIFEST}")];
    lines.push(format!("GET {}", blob_path(&tiny.config())));
    lines.extend(
        tiny.layers()
            .iter()
            .map(|(digest, _)| format!("GET {}", blob_path(digest))),
    );
    lines
}

/// Asserts that the recorded requests are `expected` in that order, but for the layers of
/// `tiny`, which parallel downloads send in any order: those are compared as a sorted list.
#[track_caller]
fn assert_requests(server: &Server, tiny: &Tiny, expected: &[String]) {
    let split = |lines: &[String]| {
        let (head, mut layers): (Vec<String>, Vec<String>) =
            lines.iter().cloned().partition(|l| !is_layer_line(l, tiny));
        layers.sort();
        (head, layers)
    };
    let actual = server.request_lines();
    assert_eq!(split(&actual), split(expected), "{actual:#?}");
}

/// Whether `line` is the GET of a layer blob of `tiny`.
fn is_layer_line(line: &str, tiny: &Tiny) -> bool {
    tiny.layers()
        .iter()
        .any(|(digest, _)| line.ends_with(&blob_path(digest)))
}

/// `sizegate layers IMAGE --format json` from the repository root.
fn layers(image: &str) -> Run {
    sizegate_run(&["layers", image, "--format", "json"])
}

/// Asserts that `run` succeeded and printed the numbers of the tiny image read from its OCI
/// layout (the names aside, which say where each was read).
#[track_caller]
fn assert_tiny_numbers(run: &Run, what: &str) {
    assert_eq!(run.code, 0, "{what}: {}", run.stderr);
    let expected = json_run(&["layers", "tests/fixtures/tiny.oci", "--format", "json"]);
    assert_same_without(&run.json(), &expected, &NAMES, what);
}
