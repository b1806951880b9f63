//! What is downloaded: a check whose rules need only the manifest and config fetches no layer
//! blob (the registry's access log tells), one that needs the files fetches each layer blob once,
//! and a layer blob whose bytes do not match its digest is refused, naming it.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use super::{assert_fails, compressed_size, sizegate_run};
use crate::support::registry::{Registry, Setup};
use crate::support::{fails, workdir};

/// Rules that the manifest and config answer: the layer count and the compressed size.
const MANIFEST_RULES: &str = "version: 1\nimage:\n  max_layers: 10\n  max_compressed_size: 10MB\n";
/// The same, failing: the tiny image has 6 layers.
const MANIFEST_RULES_FAILING: &str = "version: 1\nimage:\n  max_layers: 5\n";
/// A rule on the uncompressed size, which only the layers' contents tell.
const SIZE_RULE: &str = "version: 1\nimage:\n  max_size: 30kB\n";

/// `sizegate check IMAGE --policy POLICY --format json`: exit code and report.
fn check(image: &str, policy: &str) -> (i32, serde_json::Value) {
    let dir = workdir(&[("sizegate.yml", policy)]);
    let policy = dir.path().join("sizegate.yml");
    let run = sizegate_run(&[
        "check",
        image,
        "--policy",
        crate::support::path_str(&policy),
        "--format",
        "json",
        "--no-github",
    ]);
    assert!(run.code < 2, "check {image}: {}", run.stderr);
    (run.code, run.json())
}

#[test]
fn a_check_of_manifest_rules_fetches_no_layer_blob() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("docker-archive:tests/fixtures/tiny.docker.tar", "tiny:1");
    let image = registry.image("tiny:1");
    let layers = registry.layer_digests("tiny:1");
    let stored = compressed_size(&registry.manifest("tiny:1"));
    let (code, report) = check(&image, MANIFEST_RULES);
    assert_eq!(code, 0);
    let summary = &report["images"][0];
    assert_eq!(summary["layer_count"], 6);
    assert_eq!(summary["compressed_size"], stored);
    // What only the files tell is unknown, and said so: never a 0 that passes for a size.
    assert_eq!(summary["files_read"], false);
    for key in [
        "image_size",
        "final_size",
        "wasted_bytes",
        "final_files",
        "dive",
    ] {
        assert!(summary[key].is_null(), "{key}: {summary}");
    }
    assert!(summary["layers"][0]["size"].is_null(), "{summary}");
    let dir = workdir(&[("sizegate.yml", MANIFEST_RULES)]);
    let policy = dir.path().join("sizegate.yml");
    let table = sizegate_run(&[
        "check",
        &image,
        "--policy",
        crate::support::path_str(&policy),
    ]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(
        table.stdout.ends_with(&format!(
            "PASS: 0 errors, 0 warnings (6 layers, {} compressed; files not read: the rules need only the manifest)\n",
            human(stored)
        )),
        "{}",
        table.stdout
    );
    assert_eq!(check(&image, MANIFEST_RULES_FAILING).0, 1);
    for digest in &layers {
        assert_eq!(
            registry.blob_gets(digest),
            0,
            "layer blob {digest} was fetched for manifest rules"
        );
    }
    // The size of the files is in the layers: each is fetched, once.
    let (code, report) = check(&image, SIZE_RULE);
    assert_eq!(code, 0);
    assert_eq!(report["images"][0]["image_size"], 25982);
    for digest in &layers {
        assert_eq!(registry.blob_gets(digest), 1, "{digest}");
    }
}

/// Bytes as the verdict line shows them (`29.16 kB`).
fn human(bytes: u64) -> String {
    format!("{:.2} kB", bytes as f64 / 1000.0)
}

#[test]
fn a_multi_platform_image_costs_two_manifest_requests() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push_all("oci:tests/fixtures/tiny-index.oci:latest", "tiny-index:1");
    let image = registry.image("tiny-index:1");
    let manifest_gets = |registry: &Registry| {
        registry
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with("/v2/tiny-index/manifests/"))
            .count()
    };
    let before = manifest_gets(&registry);
    let (code, report) = check(&image, MANIFEST_RULES);
    assert_eq!(code, 0);
    assert_eq!(report["images"][0]["platform"], "linux/amd64");
    // The index, and the manifest of the platform picked: the other platforms are not fetched.
    assert_eq!(manifest_gets(&registry) - before, 2);
}

#[test]
fn a_layer_blob_that_does_not_match_its_digest_is_refused_by_name() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("docker-archive:tests/fixtures/tiny.docker.tar", "tiny:1");
    let image = registry.image("tiny:1");
    let layers = registry.layer_digests("tiny:1");
    // The first layer: its gzip header changed, its tar the same; only its digest tells.
    let corrupted = &layers[0];
    registry.corrupt_blob(corrupted);
    for command in ["layers", "inventory", "top"] {
        let stderr = fails(command, &[command, &image], None);
        assert!(
            stderr.starts_with(&format!("error: {image}: ")),
            "{command}: {stderr}"
        );
        assert!(
            stderr.contains("digest") && stderr.contains(corrupted.as_str()),
            "{command}: {stderr}"
        );
    }
    // A check that reads no layer never sees the bad blob: nothing to refuse.
    assert_eq!(check(&image, MANIFEST_RULES).0, 0);
}

#[test]
fn a_registry_that_never_answers_fails_after_the_timeout() {
    // Accepts connections and never answers: every request waits until the timeout.
    let listener = TcpListener::bind("127.0.0.1:0").expect("a local port");
    let image = format!(
        "docker://{}/tiny:1",
        listener.local_addr().expect("its address")
    );
    let start = Instant::now();
    let run = sizegate_run(&["layers", &image, "--timeout", "1"]);
    let elapsed = start.elapsed();
    drop(listener);
    assert_fails(&run, &image);
    // A few bounded retries of a 1 s timeout, over HTTPS then plain HTTP; without a timeout
    // the run would wait for ever.
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}
