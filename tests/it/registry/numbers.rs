//! An image read from the registry has the numbers of the same image read from its archive, in
//! every command: by tag, by digest, and each platform of a multi-platform index.

use std::path::Path;

use serde_json::Value;

use super::{assert_same_without, compressed_size, json_run, sizegate_run, NAMES};
use crate::support::registry::{Registry, Setup};
use crate::support::{inventory_of, root, totals, Totals};

/// The tiny image in each format pushed: how skopeo reads it, the fixture sizegate reads, and
/// the tag it gets in the registry.
const SOURCES: [(&str, &str, &str); 4] = [
    (
        "docker-archive:tests/fixtures/tiny.docker.tar",
        "tests/fixtures/tiny.docker.tar",
        "docker",
    ),
    (
        "docker-archive:tests/fixtures/tiny.docker25.tar",
        "tests/fixtures/tiny.docker25.tar",
        "docker25",
    ),
    (
        "oci:tests/fixtures/tiny.oci:latest",
        "tests/fixtures/tiny.oci",
        "oci",
    ),
    (
        "oci:tests/fixtures/tiny.oci-zstd:latest",
        "tests/fixtures/tiny.oci-zstd",
        "zstd",
    ),
];

/// The numbers of the tiny image (tests/fixtures/README.md) with `compressed` as its compressed
/// size.
fn tiny(compressed: u64) -> Totals {
    Totals {
        image_size: 25982,
        compressed_size: Some(compressed),
        final_size: 11856,
        wasted_bytes: 14126,
        final_files: 18,
        layers: vec![
            (15377, 22),
            (4300, 1),
            (3823, 5),
            (2068, 2),
            (0, 0),
            (414, 2),
        ],
    }
}

/// The rows of `inventory` CSV without their first column, the image's name (which names where
/// it was read, as [`NAMES`]); every row of one image has the same name.
fn inventory_without_names(csv: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv);
    let mut names = std::collections::BTreeSet::new();
    let rows: Vec<Vec<Vec<u8>>> = reader
        .byte_records()
        .map(|record| {
            let record = record.expect("a CSV row");
            names.insert(record[0].to_vec());
            record.iter().skip(1).map(<[u8]>::to_vec).collect()
        })
        .collect();
    assert_eq!(names.len(), 1, "one image name in every row");
    rows
}

#[test]
fn layers_top_and_inventory_of_a_pushed_image_are_the_archive_s() {
    let registry = Registry::start(Setup::Anonymous);
    for (source, fixture, tag) in SOURCES {
        let repo_tag = format!("tiny:{tag}");
        registry.push(source, &repo_tag);
        let image = registry.image(&repo_tag);
        // skopeo stores the layers as they are in an OCI layout, and gzips the plain tars of a
        // docker-archive: either way the compressed size is what the registry's manifest says.
        let stored = compressed_size(&registry.manifest(&repo_tag));
        let pulled = json_run(&["layers", &image, "--format", "json"]);
        assert_eq!(totals(&pulled), tiny(stored), "{image}");
        let archive = json_run(&["layers", fixture, "--format", "json"]);
        let mut differ = NAMES.to_vec();
        match archive["images"][0]["compressed_size"].as_u64() {
            Some(size) => assert_eq!(
                size, stored,
                "{fixture}: skopeo pushed its blobs as they are"
            ),
            // A plain-tar archive has no compressed size; the registry has the gzip skopeo made.
            None => differ.push("images/*/compressed_size"),
        }
        assert_same_without(&pulled, &archive, &differ, &image);
        assert_same_without(
            &json_run(&["top", &image, "--format", "json"]),
            &json_run(&["top", fixture, "--format", "json"]),
            &["images/*/name"],
            &image,
        );
        assert_eq!(
            inventory_without_names(&inventory_of(Path::new(&image))),
            inventory_without_names(&inventory_of(&root().join(fixture))),
            "{image}"
        );
    }
}

#[test]
fn every_command_reads_the_pushed_image_as_its_oci_layout() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let image = registry.image("tiny:1");
    let fixture = "tests/fixtures/tiny.oci";
    let explain = |image: &str| json_run(&["explain", image, "--format", "json"]);
    assert_same_without(&explain(&image), &explain(fixture), &NAMES, "explain");
    // `--content` reads the data of files again: a registry's layers are downloaded again.
    let content = |image: &str| json_run(&["explain", image, "--content", "--format", "json"]);
    assert_same_without(
        &content(&image),
        &content(fixture),
        &NAMES,
        "explain --content",
    );
    let check = |image: &str| {
        let args = [
            "check",
            image,
            "--policy",
            "tests/fixtures/formats.yml",
            "--format",
            "json",
            "--no-github",
        ];
        let run = sizegate_run(&args);
        // formats.yml fails on purpose (tests/fixtures/README.md).
        assert_eq!(run.code, 1, "check {image}: {}", run.stderr);
        run.json()
    };
    // A finding's subject is the image's name.
    let mut differ = NAMES.to_vec();
    differ.push("images/*/findings/*/subject");
    assert_same_without(&check(&image), &check(fixture), &differ, "check");
    // `init` names the image in its first line only: `# sizegate policy for NAME: …`.
    let init = |image: &str| {
        let run = sizegate_run(&["init", image]);
        assert_eq!(run.code, 0, "init {image}: {}", run.stderr);
        let (first, rest) = run.stdout.split_once('\n').expect("lines");
        assert!(first.starts_with("# sizegate policy for "), "{first}");
        rest.to_string()
    };
    assert_eq!(init(&image), init(fixture), "init");
}

/// `layers --format json` of `image`, with `--platform PLATFORM` when given.
fn layers_on(image: &str, platform: Option<&str>) -> Value {
    let mut args = vec!["layers", image, "--format", "json"];
    if let Some(platform) = platform {
        args.extend(["--platform", platform]);
    }
    json_run(&args)
}

#[test]
fn the_platform_asked_for_is_read_from_a_pushed_index_and_only_its_layers() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push_all("oci:tests/fixtures/tiny-index.oci:latest", "tiny-index:1");
    let image = registry.image("tiny-index:1");
    let index = registry.manifest("tiny-index:1");
    let layers_of = |n: usize| {
        let digest = index["manifests"][n]["digest"].as_str().expect("a digest");
        registry.layer_digests(&format!("tiny-index@{digest}"))
    };
    // tests/fixtures/README.md: amd64 first, then arm64; no flag picks linux/amd64. Both share
    // the base layer's blob; the COPY layer's is each platform's own.
    let (amd64, arm64) = (layers_of(0), layers_of(1));
    assert_eq!(amd64[0], arm64[0]);
    assert_ne!(amd64[1], arm64[1]);
    for (platform, image_size, compressed) in [
        (Some("linux/arm64"), 18961, 21222),
        (Some("linux/amd64"), 19473, 21730),
        (None, 19473, 21730),
    ] {
        let pulled = layers_on(&image, platform);
        let read = totals(&pulled);
        assert_eq!(
            (read.image_size, read.compressed_size),
            (image_size, Some(compressed)),
            "{platform:?}"
        );
        let archive = layers_on("oci:tests/fixtures/tiny-index.oci", platform);
        assert_same_without(&pulled, &archive, &NAMES, &format!("{platform:?}"));
        if platform == Some("linux/arm64") {
            // Only the layers of the platform asked for are fetched.
            assert_eq!(registry.blob_gets(&arm64[1]), 1);
            assert_eq!(registry.blob_gets(&amd64[1]), 0);
        }
    }
    let run = sizegate_run(&["layers", &image, "--platform", "linux/s390x"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("linux/s390x"), "{}", run.stderr);
}

#[test]
fn a_digest_reads_the_image_its_tag_names() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("docker-archive:tests/fixtures/tiny.docker.tar", "tiny:1");
    registry.push_all("oci:tests/fixtures/tiny-index.oci:latest", "tiny-index:1");
    for (repo, tag, platform) in [
        ("tiny", "1", None),
        ("tiny-index", "1", Some("linux/arm64")),
    ] {
        let digest = registry.digest(&format!("{repo}:{tag}"));
        let by_tag = layers_on(&registry.image(&format!("{repo}:{tag}")), platform);
        let by_digest = layers_on(&registry.image(&format!("{repo}@{digest}")), platform);
        assert_same_without(&by_tag, &by_digest, &NAMES, &format!("{repo}@{digest}"));
    }
}

#[test]
fn a_tag_or_digest_the_registry_does_not_have_is_not_found() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let absent = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    for (image, named) in [
        (registry.image("tiny:nosuch"), "nosuch"),
        (registry.image("nosuch:1"), "nosuch"),
        (registry.image(&format!("tiny@{absent}")), absent),
    ] {
        let stderr = crate::support::fails(&image, &["layers", &image], None);
        assert!(stderr.starts_with(&format!("error: {image}: ")), "{stderr}");
        assert!(
            (stderr.contains("not found") || stderr.contains("unknown")) && stderr.contains(named),
            "{stderr}"
        );
    }
}

#[test]
fn diff_and_baseline_read_the_pushed_image_as_its_oci_layout() {
    let registry = Registry::start(Setup::Anonymous);
    registry.push("oci:tests/fixtures/tiny.oci:latest", "tiny:1");
    let image = registry.image("tiny:1");
    let diff = |base: &str| {
        json_run(&[
            "diff",
            base,
            "tests/fixtures/tiny.docker.tar",
            "--format",
            "json",
        ])
    };
    let pulled = diff(&image);
    // The same image on both sides: no change at all.
    assert_eq!(pulled["status"], "compared");
    for total in [
        "image_size",
        "final_size",
        "wasted_bytes",
        "final_files",
        "layer_count",
    ] {
        assert_eq!(pulled["delta"][total], 0, "{total}");
    }
    let layers = pulled["layers"].as_array().expect("layers");
    assert_eq!(layers.len(), 6);
    assert!(layers.iter().all(|l| l["status"] == "same"), "{layers:?}");
    assert_eq!(pulled["paths"], Value::Array(Vec::new()));
    // The base is the registry's image, named as read.
    let base_names = [
        "base/name",
        "base/tags",
        "images/*/base/name",
        "images/*/base/tags",
    ];
    assert_same_without(
        &pulled,
        &diff("tests/fixtures/tiny.oci"),
        &base_names,
        "diff",
    );
    let baseline = |base: &str| {
        let run = sizegate_run(&[
            "check",
            "tests/fixtures/tiny.docker.tar",
            "--policy",
            "examples/sizegate.yml",
            "--baseline",
            base,
            "--format",
            "json",
            "--no-github",
        ]);
        // examples/sizegate.yml fails on purpose, in the image's own rules (not its growth).
        assert_eq!(run.code, 1, "--baseline {base}: {}", run.stderr);
        run.json()
    };
    let pulled = baseline(&image);
    let growth: Vec<&Value> = pulled["images"][0]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| {
            r["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("baseline."))
        })
        .collect();
    assert_eq!(growth.len(), 5, "every baseline rule is checked");
    assert_same_without(
        &pulled,
        &baseline("tests/fixtures/tiny.oci"),
        &["images/*/diff/base/name", "images/*/diff/base/tags"],
        "--baseline",
    );
}
