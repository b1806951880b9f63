//! Reading outside the OCI layout: a digest becomes the path `blobs/<algorithm>/<encoded>`, so a
//! crafted one (`..:x` is `blobs/../x`) is refused by the OCI digest grammar, in a layout directory
//! and in an oci-archive alike; and a blob of a layout directory must stay below its `blobs/` after
//! every link (a blob linked to a tar elsewhere on the machine would be reported as the image). A
//! blob linked to another blob inside `blobs/` is fine: some tools dedupe that way.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{
    layers_fails, layers_of, outer_file, shown, tempdir, write_file, Layer, OciLayout,
    OCI_LAYER_TAR,
};

/// The reason given for a digest that does not follow the OCI grammar.
const GRAMMAR: &str = "a digest is ALGORITHM:ENCODED, such as sha256: and 64 hex digits";

/// A layout in `dir/layout` with two layers of different sizes.
fn layout(dir: &Path) -> PathBuf {
    OciLayout::new()
        .layer(Layer::new().file("app/bin", 100).tar(), OCI_LAYER_TAR)
        .layer(Layer::new().file("app/lib", 300).tar(), OCI_LAYER_TAR)
        .write(&dir.join("layout"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("JSON file is read")).expect("valid JSON")
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, value.to_string()).expect("JSON file is written");
}

/// The hex of a `sha256:` digest.
fn hex(digest: &Value) -> String {
    digest
        .as_str()
        .and_then(|d| d.strip_prefix("sha256:"))
        .expect("a sha256 digest")
        .to_string()
}

/// The member (`blobs/sha256/<hex>`) of the image manifest the index names.
fn manifest_member(root: &Path) -> String {
    let index = read_json(&root.join("index.json"));
    format!("blobs/sha256/{}", hex(&index["manifests"][0]["digest"]))
}

/// Rewrites the image manifest with `edit`.
fn edit_manifest(root: &Path, edit: impl FnOnce(&mut Value)) {
    let path = root.join(manifest_member(root));
    let mut manifest = read_json(&path);
    edit(&mut manifest);
    write_json(&path, &manifest);
}

/// `sizegate layers ROOT` fails with exactly `ROOT: message`.
fn assert_refused(root: &Path, message: &str) {
    assert_eq!(
        layers_fails(message, root, &[]),
        format!("error: {}: {message}\n", shown(root))
    );
}

#[test]
fn dotdot_digest_in_the_index_is_malformed() {
    let dir = tempdir();
    let root = layout(dir.path());
    let mut index = read_json(&root.join("index.json"));
    index["manifests"][0]["digest"] = "..:x".into();
    write_json(&root.join("index.json"), &index);
    // What `blobs/../x` would have read.
    write_file(&root, "x", br#"{"schemaVersion": 2, "manifests": []}"#);
    assert_refused(
        &root,
        &format!("index.json: malformed digest \"..:x\": {GRAMMAR}"),
    );
}

#[test]
fn dotdot_layer_digest_is_malformed_not_read_from_the_layout_root() {
    let dir = tempdir();
    let root = layout(dir.path());
    edit_manifest(&root, |m| m["layers"][0]["digest"] = "..:x".into());
    write_file(&root, "x", &Layer::new().file("stolen", 7).tar());
    assert_refused(
        &root,
        &format!(
            "{}: malformed digest \"..:x\": {GRAMMAR}",
            manifest_member(&root)
        ),
    );
}

#[test]
fn uppercase_sha256_digest_is_malformed() {
    let dir = tempdir();
    let root = layout(dir.path());
    let upper = format!("sha256:{}", "AB".repeat(32));
    edit_manifest(&root, |m| m["layers"][1]["digest"] = upper.clone().into());
    assert_refused(
        &root,
        &format!(
            "{}: malformed digest \"{upper}\": a sha256 digest is 64 lowercase hex digits",
            manifest_member(&root)
        ),
    );
}

#[test]
fn short_sha256_config_digest_is_malformed() {
    let dir = tempdir();
    let root = layout(dir.path());
    edit_manifest(&root, |m| m["config"]["digest"] = "sha256:abc123".into());
    assert_refused(
        &root,
        &format!(
            "{}: malformed digest \"sha256:abc123\": a sha256 digest is 64 lowercase hex digits",
            manifest_member(&root)
        ),
    );
}

#[test]
fn unknown_algorithm_with_a_path_separator_is_malformed() {
    let dir = tempdir();
    let root = layout(dir.path());
    let digest = "tar/../../..:etc";
    edit_manifest(&root, |m| m["layers"][0]["digest"] = digest.into());
    assert_refused(
        &root,
        &format!(
            "{}: malformed digest \"{digest}\": {GRAMMAR}",
            manifest_member(&root)
        ),
    );
}

#[test]
fn dotdot_digest_in_an_oci_archive_is_malformed() {
    let dir = tempdir();
    let root = layout(dir.path());
    edit_manifest(&root, |m| m["layers"][0]["digest"] = "..:x".into());
    // The layout as an oci-archive: its files as members, named from the layout root.
    let mut builder = tar::Builder::new(Vec::new());
    let mut files = vec!["oci-layout".to_string(), "index.json".to_string()];
    for blob in std::fs::read_dir(root.join("blobs/sha256")).expect("blobs are listed") {
        let name = blob.expect("blob entry").file_name();
        files.push(format!("blobs/sha256/{}", name.to_string_lossy()));
    }
    for name in &files {
        let data = std::fs::read(root.join(name)).expect("layout file is read");
        outer_file(&mut builder, name, &data);
    }
    let archive = write_file(
        dir.path(),
        "app.oci.tar",
        &builder.into_inner().expect("tar is finished"),
    );
    assert_eq!(
        layers_fails("an oci-archive naming ..:x", &archive, &[]),
        format!(
            "error: {}: {}: malformed digest \"..:x\": {GRAMMAR}\n",
            shown(&archive),
            manifest_member(&root)
        )
    );
}

#[test]
fn blob_linked_to_a_tar_outside_the_layout_is_refused() {
    let dir = tempdir();
    let root = layout(dir.path());
    let outside = write_file(
        dir.path(),
        "outside.tar",
        &Layer::new().file("secret", 9).tar(),
    );
    let blob = OciLayout::layer_blob_path(&root, 0);
    std::fs::remove_file(&blob).expect("blob is removed");
    symlink(&outside, &blob).expect("symlink is created");
    let real = std::fs::canonicalize(&outside).expect("outside.tar resolves");
    assert_refused(
        &root,
        &format!(
            "blobs/sha256/{}: blob outside the layout: it resolves to {}",
            hex(&OciLayout::layer_digest(0).into()),
            real.display()
        ),
    );
}

#[test]
fn blobs_directory_linked_out_of_the_layout_is_refused() {
    let dir = tempdir();
    // The real blobs are in another layout; this one's blobs/sha256 is a link to them.
    let elsewhere = layout(&dir.path().join("elsewhere"));
    let root = dir.path().join("layout");
    std::fs::create_dir_all(root.join("blobs")).expect("blobs dir is created");
    std::fs::copy(elsewhere.join("index.json"), root.join("index.json")).expect("index copied");
    std::fs::copy(elsewhere.join("oci-layout"), root.join("oci-layout")).expect("copied");
    symlink(elsewhere.join("blobs/sha256"), root.join("blobs/sha256")).expect("symlink");
    let member = manifest_member(&root);
    let real = std::fs::canonicalize(elsewhere.join(&member)).expect("manifest resolves");
    assert_refused(
        &root,
        &format!(
            "{member}: blob outside the layout: it resolves to {}",
            real.display()
        ),
    );
}

#[test]
fn index_linked_out_of_the_layout_is_refused() {
    let dir = tempdir();
    let root = layout(dir.path());
    let outside = dir.path().join("index.json");
    std::fs::rename(root.join("index.json"), &outside).expect("index.json is moved out");
    symlink(&outside, root.join("index.json")).expect("symlink is created");
    let real = std::fs::canonicalize(&outside).expect("index.json resolves");
    assert_refused(
        &root,
        &format!(
            "index.json: file outside the layout: it resolves to {}",
            real.display()
        ),
    );
}

#[test]
fn manifest_json_in_a_layout_cannot_name_a_path_outside_blobs() {
    let dir = tempdir();
    let root = layout(dir.path());
    write_file(
        dir.path(),
        "outside.tar",
        &Layer::new().file("secret", 9).tar(),
    );
    let manifest = read_json(&root.join(manifest_member(&root)));
    let config = format!("blobs/sha256/{}", hex(&manifest["config"]["digest"]));
    write_json(
        &root.join("manifest.json"),
        &serde_json::json!([{
            "Config": config,
            "RepoTags": ["app:1"],
            "Layers": ["../outside.tar", "../outside.tar"],
        }]),
    );
    assert_refused(
        &root,
        "../outside.tar: blob outside the layout: a layout keeps its blobs at \
         blobs/ALGORITHM/ENCODED",
    );
}

#[test]
fn blob_linked_to_another_blob_inside_the_layout_is_read() {
    let dir = tempdir();
    let root = layout(dir.path());
    // Layer 1 becomes a relative link to layer 0's blob, as a deduplicating tool writes it.
    let second = OciLayout::layer_blob_path(&root, 1);
    std::fs::remove_file(&second).expect("blob is removed");
    let first = hex(&OciLayout::layer_digest(0).into());
    symlink(format!("../sha256/{first}"), &second).expect("symlink is created");
    let report = layers_of(&root);
    let layers = &report["images"][0]["layers"];
    assert_eq!(layers[0]["size"], 100, "{report}");
    assert_eq!(layers[1]["size"], 100, "{report}");
}
