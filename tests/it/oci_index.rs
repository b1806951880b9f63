//! Multi-platform OCI indexes built in the test: platform choice, attestation manifests, and
//! platforms whose blobs the archive does not hold (the containerd store saves only what it pulled).

use std::path::Path;

use serde_json::{json, Value};

use crate::support::{gzip, layers_cmd, path_str, run, tempdir, Layer};

/// Writes `data` as a blob of the layout at `root` and returns its descriptor.
fn put_blob(root: &Path, media_type: &str, data: &[u8]) -> Value {
    let digest = sha256_hex(data);
    let dir = root.join("blobs/sha256");
    std::fs::create_dir_all(&dir).expect("blob dir");
    std::fs::write(dir.join(&digest), data).expect("blob written");
    json!({"mediaType": media_type, "digest": format!("sha256:{digest}"), "size": data.len()})
}

/// A content digest for test blobs; any stable hex string of the right shape will do, since
/// sizegate addresses blobs by the digest the index names.
fn sha256_hex(data: &[u8]) -> String {
    // FNV-1a, widened to 64 hex digits: unique enough for a handful of test blobs.
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{h:016x}").repeat(4)
}

/// A gzip layer holding one file of `size` bytes at `path`.
fn gzip_layer(path: &str, size: usize) -> Vec<u8> {
    gzip(&Layer::new().file(path, size).tar())
}

/// An image manifest for one platform, with one layer of `size` bytes; returns its descriptor.
fn platform_image(root: &Path, os: &str, arch: &str, size: usize) -> Value {
    let layer = put_blob(
        root,
        "application/vnd.oci.image.layer.v1.tar+gzip",
        &gzip_layer("app/bin", size),
    );
    let config = json!({"os": os, "architecture": arch,
        "history": [{"created_by": format!("COPY bin for {arch}")}]});
    let config = put_blob(
        root,
        "application/vnd.oci.image.config.v1+json",
        config.to_string().as_bytes(),
    );
    let manifest = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config, "layers": [layer]});
    let mut desc = put_blob(
        root,
        "application/vnd.oci.image.manifest.v1+json",
        manifest.to_string().as_bytes(),
    );
    desc["platform"] = json!({"os": os, "architecture": arch});
    desc
}

/// Writes index.json pointing at an image index of `manifests`.
fn write_layout(root: &Path, manifests: Vec<Value>) {
    write_tops(root, vec![("multi", manifests)]);
}

/// Writes index.json with one entry per tag, each an image index of its manifests.
fn write_tops(root: &Path, images: Vec<(&str, Vec<Value>)>) {
    let tops: Vec<Value> = images
        .into_iter()
        .map(|(tag, manifests)| {
            let index = json!({"schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
            let mut desc = put_blob(
                root,
                "application/vnd.oci.image.index.v1+json",
                index.to_string().as_bytes(),
            );
            desc["annotations"] = json!({"org.opencontainers.image.ref.name": tag});
            desc
        })
        .collect();
    let top = json!({"schemaVersion": 2, "manifests": tops});
    std::fs::write(root.join("index.json"), top.to_string()).expect("index.json");
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
}

/// `sizegate layers ROOT --format json EXTRA`: the exit code, the report (null when stdout is not
/// JSON, as on an error) and stderr.
fn layers(root: &Path, extra: &[&str]) -> (i32, Value, String) {
    let run = run(layers_cmd(&[path_str(root)]).args(extra));
    let json = serde_json::from_str(&run.stdout).unwrap_or(Value::Null);
    (run.code, json, run.stderr)
}

#[test]
fn attestation_manifests_and_absent_platforms_are_skipped() {
    let dir = tempdir();
    let root = dir.path();
    let amd64 = platform_image(root, "linux", "amd64", 1000);
    // The arm64 manifest is listed but its blob is not in the layout.
    let absent = json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": format!("sha256:{}", "ab".repeat(32)), "size": 500,
        "platform": {"os": "linux", "architecture": "arm64"}});
    let mut attestation = put_blob(
        root,
        "application/vnd.oci.image.manifest.v1+json",
        json!({"schemaVersion": 2, "config": {"digest": "sha256:00", "size": 2}, "layers": []})
            .to_string()
            .as_bytes(),
    );
    attestation["platform"] = json!({"os": "unknown", "architecture": "unknown"});
    attestation["annotations"] = json!({"vnd.docker.reference.type": "attestation-manifest"});
    write_layout(root, vec![amd64, absent, attestation]);

    let (code, json, stderr) = layers(root, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["images"][0]["platform"], "linux/amd64");
    assert_eq!(json["images"][0]["image_size"], 1000);
    assert_eq!(
        json["images"][0]["layers"][0]["created_by"],
        "COPY bin for amd64"
    );
    assert!(!stderr.contains("picked"), "one platform present: {stderr}");

    let (code, _, stderr) = layers(root, &["--platform", "linux/arm64"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no image for platform linux/arm64; the archive has: multi (linux/amd64)"),
        "{stderr}"
    );
}

#[test]
fn several_platforms_default_to_linux_amd64_with_a_note() {
    let dir = tempdir();
    let root = dir.path();
    let arm64 = platform_image(root, "linux", "arm64", 300);
    let amd64 = platform_image(root, "linux", "amd64", 700);
    let s390x = platform_image(root, "linux", "s390x", 900);
    write_layout(root, vec![arm64, amd64, s390x]);

    let (code, json, stderr) = layers(root, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"][0]["platform"], "linux/amd64");
    assert_eq!(json["images"][0]["image_size"], 700);
    assert!(
        stderr.contains(
            "note: multi: picked platform linux/amd64 of 3 (linux/arm64, linux/amd64, linux/s390x); choose another with --platform"
        ),
        "{stderr}"
    );

    let (code, json, _) = layers(root, &["--platform", "linux/s390x"]);
    assert_eq!(code, 0);
    assert_eq!(json["images"][0]["image_size"], 900);

    // `--quiet`: the same image, without the note.
    let (code, json, stderr) = layers(root, &["--quiet"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"][0]["image_size"], 700);
    assert_eq!(stderr, "");
}

#[test]
fn several_platforms_without_linux_amd64_need_a_choice() {
    let dir = tempdir();
    let root = dir.path();
    let arm64 = platform_image(root, "linux", "arm64", 300);
    let s390x = platform_image(root, "linux", "s390x", 900);
    write_layout(root, vec![arm64, s390x]);

    let (code, _, stderr) = layers(root, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("several platforms (linux/arm64, linux/s390x) and none is linux/amd64; choose one with --platform"),
        "{stderr}"
    );
}

#[test]
fn platform_is_chosen_only_for_the_images_asked_for() {
    let dir = tempdir();
    let root = dir.path();
    let app = platform_image(root, "linux", "amd64", 100);
    let other_arm = platform_image(root, "linux", "arm64", 200);
    let other_s390x = platform_image(root, "linux", "s390x", 300);
    write_tops(
        root,
        vec![
            ("app:1", vec![app]),
            ("other:1", vec![other_arm, other_s390x]),
        ],
    );

    // other:1 alone would need --platform; asking for app:1 does not.
    let (code, json, stderr) = layers(root, &["--image", "app:1"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"][0]["image_size"], 100);

    // --platform keeps the images that have it and passes over the others.
    let (code, json, stderr) = layers(root, &["--platform", "linux/arm64"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["images"][0]["name"], "other:1");
    assert_eq!(json["images"][0]["image_size"], 200);
}

#[test]
fn a_platform_entry_that_names_another_index_is_followed_to_that_platform_s_image() {
    let dir = tempdir();
    let root = dir.path();
    let amd64 = platform_image(root, "linux", "amd64", 1000);
    let arm64 = platform_image(root, "linux", "arm64", 2000);
    // The arm64 entry of the top index names an index of its own, which holds both images.
    let inner = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [amd64.clone(), arm64]});
    let mut nested = put_blob(
        root,
        "application/vnd.oci.image.index.v1+json",
        inner.to_string().as_bytes(),
    );
    nested["platform"] = json!({"os": "linux", "architecture": "arm64"});
    write_layout(root, vec![amd64, nested]);

    let (code, json, stderr) = layers(root, &["--platform", "linux/arm64"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"][0]["platform"], "linux/arm64");
    assert_eq!(json["images"][0]["image_size"], 2000);
    let (code, json, stderr) = layers(root, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["images"][0]["image_size"], 1000);
}
