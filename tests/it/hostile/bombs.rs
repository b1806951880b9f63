//! The classes of hostile input sizegate already held against, kept under the bounded runner so a
//! regression fails instead of swapping or hanging: a YAML alias bomb, a JSON nesting bomb and an
//! oversized JSON document, a gzip bomb, and a layer of many entries.

use crate::support::{
    bounded, compressed_then_zeros, gzip, path_str, tempdir, workdir, write_file, zstd,
    DockerArchive, Layer, TINY,
};

/// A regular file's tar header of `size` bytes, named `big`.
fn file_header(size: u64) -> Vec<u8> {
    let mut header = tar::Header::new_ustar();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    header.set_path("big").expect("a short path");
    header.set_cksum();
    header.as_bytes().to_vec()
}

#[test]
fn a_yaml_alias_bomb_in_a_policy_is_refused_within_bounds() {
    // Nine levels of nine aliases: 9^9 strings once expanded.
    let mut policy = String::from(
        "x0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 9].join(",");
        policy.push_str(&format!("x{i}: &a{i} [{refs}]\n"));
    }
    policy.push_str("version: 1\nforbid:\n  - glob: *a9\n");
    let dir = workdir(&[("bomb.yml", policy.as_str())]);
    let tiny = crate::support::fixture(TINY);
    let policy = dir.path().join("bomb.yml");
    let r = bounded(
        &["check", path_str(&tiny), "--policy", path_str(&policy)],
        None,
        256,
        20,
    );
    assert_eq!(r.run.code, 2, "{}", r.run.stderr);
    assert!(
        r.run
            .stderr
            .contains(":6:18: invalid YAML: budget breached: Nodes { nodes: 250001 }"),
        "{}",
        r.run.stderr
    );
}

#[test]
fn a_json_nesting_bomb_in_the_manifest_is_refused_or_skipped_within_bounds() {
    // A million arrays deep: in a key sizegate reads it is refused at its first wrong type; in a
    // key it does not read it is skipped, without recursing.
    let depth = 1_000_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let layer = DockerArchive::layer_member(0);
    let refused = ": manifest.json: invalid JSON: invalid type: sequence, expected a string at line 1 column 67\n";
    for (key, code) in [("RepoTags", 2), ("Extra", 0)] {
        let manifest =
            format!(r#"[{{"Config":"config.json","Layers":["{layer}"],"{key}":{nested}}}]"#);
        let dir = tempdir();
        let path = write_file(
            dir.path(),
            "app.tar",
            &DockerArchive::new()
                .layer(Layer::new().file("a", 10).tar())
                .manifest_bytes(manifest.as_bytes())
                .build(),
        );
        let r = bounded(&["layers", path_str(&path)], None, 256, 20);
        assert_eq!(r.run.code, code, "{key}: {}", r.run.stderr);
        if code == 2 {
            assert!(r.run.stderr.ends_with(refused), "{}", r.run.stderr);
        }
    }
}

#[test]
fn a_manifest_over_16_mib_is_refused_before_it_is_read_whole() {
    let mut manifest = b"[\"".to_vec();
    manifest.resize(17 << 20, b'a');
    manifest.extend_from_slice(b"\"]");
    let dir = tempdir();
    let path = write_file(
        dir.path(),
        "app.tar",
        &DockerArchive::new()
            .layer(Layer::new().file("a", 10).tar())
            .manifest_bytes(&manifest)
            .build(),
    );
    let r = bounded(&["layers", path_str(&path)], None, 256, 20);
    assert_eq!(r.run.code, 2, "{}", r.run.stderr);
    assert!(
        r.run.stderr.ends_with(
            ": manifest.json: 17825794 bytes is too large for a JSON document (limit 16777216)\n"
        ),
        "{}",
        r.run.stderr
    );
}

#[test]
fn a_gzip_bomb_layer_is_read_in_bounded_memory() {
    // One file of zeros, then the end blocks: a few hundred KB compressed, inflated as it streams.
    // (The tests run the debug build, whose gzip inflates slowly: 64 MiB for gzip, 1 GiB for zstd,
    // whose C decoder is built optimized either way.)
    for (name, compress, mib) in [
        ("gzip", gzip as fn(&[u8]) -> Vec<u8>, 64u64),
        ("zstd", zstd, 1024),
    ] {
        let size = mib << 20;
        let blob = compressed_then_zeros(compress, &file_header(size), mib as usize + 1);
        let dir = tempdir();
        let path = DockerArchive::new()
            .layer(blob)
            .write(dir.path(), "bomb.tar");
        let r = bounded(
            &["layers", path_str(&path), "--format", "json"],
            None,
            256,
            60,
        );
        assert_eq!(r.run.code, 0, "{name}: {}", r.run.stderr);
        let report = r.run.json();
        assert_eq!(report["images"][0]["image_size"], size, "{name}");
        assert_eq!(report["images"][0]["final_files"], 1, "{name}");
    }
}

#[test]
fn a_layer_of_200_000_entries_is_read_in_bounded_memory() {
    let count = 200_000;
    let mut layer = Layer::new();
    for i in 0..count {
        layer = layer.file(format!("d{}/f{i}", i % 100), 0);
    }
    let blob = zstd(&layer.tar());
    let dir = tempdir();
    let path = DockerArchive::new()
        .layer(blob)
        .write(dir.path(), "many.tar");
    let r = bounded(
        &["layers", path_str(&path), "--format", "json"],
        None,
        512,
        60,
    );
    assert_eq!(r.run.code, 0, "{}", r.run.stderr);
    let report = r.run.json();
    assert_eq!(
        report["images"][0]["final_files"], count,
        "{}",
        r.run.stdout
    );
}
