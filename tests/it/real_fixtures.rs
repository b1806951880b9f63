//! The real binary on every real-tool fixture in tests/fixtures (made by skopeo, umoci, buildah,
//! podman, moby's save layout), asserting the exact numbers of each fixture's independent oracle
//! (Python's tarfile) and, for docker-archives, dive 0.13.1's own figures.

use std::path::Path;

use serde_json::Value;

use crate::support::{
    fixture, fixture_arg, inventory_of, inventory_rows, layers_cmd, layers_json, layers_of,
    layers_of_stdin, run, sizegate, tempdir, TINY,
};

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("fixture file readable");
    serde_json::from_str(&text).expect("fixture JSON parses")
}

/// Asserts that one image of sizegate's output has exactly the oracle's numbers.
fn assert_matches_oracle(got: &Value, oracle: &Value, what: &str) {
    for (ours, theirs) in [
        ("image_size", "image_size"),
        ("final_size", "final_size"),
        ("wasted_bytes", "wasted"),
        ("final_files", "final_files"),
        ("layer_count", "layer_count"),
        ("compressed_size", "compressed_size"),
    ] {
        assert_eq!(got[ours], oracle[theirs], "{what}: {ours}");
    }
    let got_layers = got["layers"].as_array().expect("layers array");
    let want_layers = oracle["layers"].as_array().expect("oracle layers");
    assert_eq!(got_layers.len(), want_layers.len(), "{what}: layer count");
    for (g, w) in got_layers.iter().zip(want_layers) {
        assert_eq!(g["index"], w["index"], "{what}: layer index");
        assert_eq!(g["size"], w["size"], "{what}: layer {} size", w["index"]);
        assert_eq!(g["files"], w["files"], "{what}: layer {} files", w["index"]);
        assert_eq!(
            g["created_by"], w["created_by"],
            "{what}: layer {} created_by",
            w["index"]
        );
    }
}

/// The numbers dive printed for a fixture: (efficiency, wastedBytes, userWastedPercent as printed).
fn dive_figures(name: &str) -> (f64, u64, String) {
    let json = read_json(&fixture(&format!("{name}.dive.json")));
    let efficiency = json["image"]["efficiencyScore"]
        .as_f64()
        .expect("efficiencyScore");
    let wasted = json["image"]["inefficientBytes"]
        .as_u64()
        .expect("inefficientBytes");
    let ci = std::fs::read_to_string(fixture(&format!("{name}.dive-ci.txt"))).expect("dive-ci");
    let user = ci
        .lines()
        .find_map(|l| l.trim().strip_prefix("userWastedPercent: "))
        .expect("userWastedPercent line")
        .to_string();
    (efficiency, wasted, user)
}

fn assert_matches_dive(got: &Value, name: &str) {
    let (efficiency, wasted, user) = dive_figures(name);
    assert_eq!(
        got["dive"]["efficiency"].as_f64(),
        Some(efficiency),
        "{name}"
    );
    assert_eq!(got["dive"]["wasted_bytes"].as_u64(), Some(wasted), "{name}");
    let ours = got["dive"]["user_wasted_percent"].as_f64().expect("user %") * 100.0;
    assert_eq!(format!("{ours:.4} %"), user, "{name}");
}

/// Checks every image of a fixture against its oracle, in order.
fn check_fixture(name: &str, extra: &[&str]) -> Value {
    let path = fixture_arg(name);
    let mut args = vec![path.as_str()];
    args.extend_from_slice(extra);
    let got = layers_json(&args);
    let oracle = read_json(&fixture(&format!("{name}.oracle.json")));
    let images = got["images"].as_array().expect("images");
    let oracles = oracle.as_array().expect("oracle list");
    assert_eq!(images.len(), oracles.len(), "{name}: image count");
    for (g, o) in images.iter().zip(oracles) {
        assert_matches_oracle(g, o, name);
        assert_eq!(g["tags"], o["tags"], "{name}: tags");
    }
    got
}

/// The same archive piped on stdin gives the same JSON as the file.
fn check_stdin_matches_file(name: &str) {
    let path = fixture(name);
    let from_file = layers_of(&path);
    let bytes = std::fs::read(&path).expect("fixture readable");
    assert_eq!(layers_of_stdin(bytes), from_file, "{name} via stdin");
}

#[test]
fn legacy_docker_save_with_layer_symlinks() {
    let got = check_fixture(TINY, &[]);
    assert_matches_dive(&got["images"][0], "tiny.docker.tar");
    check_stdin_matches_file("tiny.docker.tar");
}

#[test]
fn docker25_oci_layout_inside_docker_save() {
    let got = check_fixture("tiny.docker25.tar", &[]);
    assert_matches_dive(&got["images"][0], "tiny.docker25.tar");
    check_stdin_matches_file("tiny.docker25.tar");
}

#[test]
fn containerd_store_save_with_gzip_blobs() {
    let got = check_fixture("tiny.containerd.tar", &[]);
    assert_matches_dive(&got["images"][0], "tiny.containerd.tar");
    check_stdin_matches_file("tiny.containerd.tar");
}

#[test]
fn one_image_with_three_tags() {
    let got = check_fixture("tiny-multitag.docker.tar", &[]);
    assert_matches_dive(&got["images"][0], "tiny-multitag.docker.tar");
    assert_eq!(got["images"][0]["name"], "docker.io/tiny/tiny:latest");
}

#[test]
fn podman_multi_image_archive_reports_every_image() {
    let got = check_fixture("tiny-multi.docker.tar", &[]);
    // dive analyses only the first image of a multi-image archive.
    assert_matches_dive(&got["images"][0], "tiny-multi.docker.tar");
    check_stdin_matches_file("tiny-multi.docker.tar");
}

#[test]
fn image_flag_picks_one_image_by_tag() {
    let path = fixture_arg("tiny-multi.docker.tar");
    let got = layers_json(&[path.as_str(), "--image", "tiny-app"]);
    let images = got["images"].as_array().expect("images");
    assert_eq!(images.len(), 1);
    assert_eq!(images[0]["name"], "localhost/tiny-app:latest");
    assert_eq!(images[0]["image_size"], 15791);
    assert_eq!(images[0]["final_files"], 24);
}

#[test]
fn umoci_insert_layers_without_end_of_archive_blocks() {
    let got = check_fixture("tiny-umoci-insert.docker.tar", &[]);
    assert_matches_dive(&got["images"][0], "tiny-umoci-insert.docker.tar");
    check_stdin_matches_file("tiny-umoci-insert.docker.tar");
}

#[test]
fn oci_archive_tar() {
    check_fixture("tiny.oci-archive.tar", &[]);
    check_stdin_matches_file("tiny.oci-archive.tar");
}

#[test]
fn oci_layout_with_gzip_layers() {
    check_fixture("tiny.oci", &[]);
}

#[test]
fn oci_layout_with_zstd_layers() {
    check_fixture("tiny.oci-zstd", &[]);
}

#[test]
fn oci_layout_with_plain_tar_layers() {
    check_fixture("tiny.oci-uncompressed", &[]);
}

#[test]
fn plain_layers_mislabeled_as_gzip_are_sniffed_as_plain() {
    let got = check_fixture("tiny.oci-mislabeled-gzip", &[]);
    assert_eq!(got["images"][0]["compressed_size"], Value::Null);
}

#[test]
fn multi_platform_index_picks_linux_amd64_and_says_so() {
    let path = fixture_arg("tiny-index.oci");
    let run = run(&mut layers_cmd(&[path.as_str()]));
    assert_eq!(run.code, 0);
    assert!(
        run.stderr
            .contains("picked platform linux/amd64 of 2 (linux/amd64, linux/arm64)"),
        "{}",
        run.stderr
    );
    let got = run.json();
    let oracle = read_json(&fixture("tiny-index.oci.oracle.json"));
    assert_eq!(got["images"][0]["platform"], "linux/amd64");
    assert_matches_oracle(&got["images"][0], &oracle[0], "tiny-index amd64");
}

#[test]
fn platform_flag_picks_arm64_from_the_index() {
    let path = fixture_arg("tiny-index.oci");
    let got = layers_json(&[path.as_str(), "--platform", "linux/arm64"]);
    let oracle = read_json(&fixture("tiny-index.oci.oracle.json"));
    assert_eq!(got["images"][0]["platform"], "linux/arm64");
    assert_matches_oracle(&got["images"][0], &oracle[1], "tiny-index arm64");
}

#[test]
fn json_contract_has_exactly_the_documented_keys() {
    let path = fixture_arg(TINY);
    let got = layers_json(&[path.as_str()]);
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&got), ["images", "schema_version"]);
    assert_eq!(got["schema_version"], 1);
    let image = &got["images"][0];
    assert_eq!(
        keys(image),
        [
            "compressed_size",
            "directories",
            "directory_depth",
            "dive",
            "final_files",
            "final_size",
            "image_size",
            "largest_files",
            "layer_count",
            "layers",
            "name",
            "platform",
            "tags",
            "wasted_bytes"
        ]
    );
    assert_eq!(
        keys(&image["dive"]),
        ["efficiency", "user_wasted_percent", "wasted_bytes"]
    );
    assert_eq!(image["directory_depth"], 3);
    assert_eq!(keys(&image["directories"][0]), ["files", "path", "size"]);
    assert_eq!(keys(&image["largest_files"][0]), ["files", "path", "size"]);
    assert_eq!(
        keys(&image["layers"][0]),
        ["created_by", "digest", "files", "index", "size"]
    );
    assert_eq!(
        image["layers"][0]["digest"],
        "sha256:04ebb88f27f54d13f383c4bd1b617defbaf069a96c00d0b6ad1094e6a85c199b"
    );
}

#[test]
fn layers_table_shows_rows_and_totals() {
    let path = fixture_arg(TINY);
    sizegate()
        .args(["layers", path.as_str()])
        .assert()
        .code(0)
        .stdout(predicates::str::contains(
            "docker.io/tiny/tiny:latest (linux/amd64)",
        ))
        .stdout(predicates::str::contains(
            "image 25.98 kB in 6 layers; final 11.86 kB in 18 files; wasted 14.13 kB",
        ))
        .stdout(predicates::str::contains(
            "dive: efficiency 48.8084 %, wasted 20.65 kB, user wasted 194.6912 %",
        ));
}

/// The inventory rows of one path, as `layer:type,size,status,status_layer`.
fn rows_of(csv: &str, path: &str) -> Vec<String> {
    inventory_rows(csv.as_bytes())
        .into_iter()
        .filter(|r| r.path == path.as_bytes())
        .map(|r| {
            let by = r.status_layer.map(|l| l.to_string()).unwrap_or_default();
            format!("{}:{},{},{},{by}", r.layer, r.kind, r.size, r.status)
        })
        .collect()
}

#[test]
fn inventory_marks_every_entry_visible_overwritten_or_deleted() {
    let csv =
        String::from_utf8(inventory_of(&fixture(TINY))).expect("this fixture's names are UTF-8");
    assert_eq!(
        csv.lines().next(),
        Some("image,layer_index,layer_digest,created_by,path,type,size,mode,uid,gid,link_target,status,status_layer")
    );
    assert_eq!(
        rows_of(&csv, "/usr/bin/foo"),
        ["0:file,2048,overwritten,3", "3:file,2048,visible,"]
    );
    assert_eq!(
        rows_of(&csv, "/usr/bin/foo-compat"),
        ["0:hardlink,0,visible,"]
    );
    assert_eq!(
        rows_of(
            &csv,
            "/var/lib/apt/lists/ftp.example.org_debian_dists_bookworm_InRelease"
        ),
        ["2:file,700,deleted,4"]
    );
    assert_eq!(
        rows_of(&csv, "/opt/app/conf/logging.conf"),
        ["0:file,20,deleted,3"]
    );
    assert_eq!(
        rows_of(&csv, "/opt/app/conf/.wh..wh..opq"),
        ["3:opaque,0,marker,"]
    );
    assert_eq!(
        rows_of(&csv, "/usr/share/doc/foo/notes-naïve-café-日本語.txt"),
        ["0:file,256,visible,"]
    );
    let long = "/usr/share/doc/foo/examples/a-very-long-file-name-that-does-not-fit-in-the-100-byte-name-field-of-a-ustar-header-so-gnu-longlink-or-pax-path-records-carry-it.txt";
    assert_eq!(rows_of(&csv, long), ["0:file,512,deleted,4"]);
    // One row per entry of every layer, the root directories left out (Python's tarfile counts
    // 56 + 3 + 14 + 8 + 13 + 4).
    assert_eq!(csv.lines().count() - 1, 98);
}

#[test]
fn inventory_writes_a_file_with_csv_path() {
    let dir = tempdir();
    let out_path = dir.path().join("inv.csv");
    let path = fixture_arg("tiny.oci");
    sizegate()
        .args(["inventory", path.as_str(), "--csv"])
        .arg(&out_path)
        .assert()
        .code(0)
        .stdout("");
    let csv = std::fs::read_to_string(&out_path).expect("CSV written");
    assert_eq!(
        rows_of(&csv, "/usr/lib/libfoo.so.1.2.3"),
        ["0:file,4096,overwritten,1", "1:file,4300,visible,"]
    );
}

#[test]
fn top_lists_the_largest_visible_files() {
    let path = fixture_arg(TINY);
    let out = sizegate()
        .args(["top", path.as_str(), "-n", "3", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let got: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let items: Vec<(String, u64, u64)> = got["images"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap_or_default().to_string(),
                i["size"].as_u64().unwrap_or_default(),
                i["layer"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("/usr/lib/libfoo.so.1.2.3".to_string(), 4300, 1),
            ("/usr/bin/foo".to_string(), 2048, 3),
            ("/usr/bin/foo-compat".to_string(), 2048, 0),
        ]
    );
}

#[test]
fn top_dirs_sums_distinct_files_per_directory() {
    let path = fixture_arg(TINY);
    sizegate()
        .args(["top", path.as_str(), "-n", "2", "--dirs"])
        .assert()
        .code(0)
        .stdout(predicates::str::is_match(r"11\.13 kB ┆ +10 ┆ /usr +│").expect("regex"))
        .stdout(predicates::str::is_match(r"5\.33 kB ┆ +4 ┆ /usr/lib +│").expect("regex"));
}

#[test]
fn unknown_image_lists_every_tag_of_the_archive() {
    let path = fixture_arg("tiny-multitag.docker.tar");
    sizegate()
        .args(["layers", path.as_str(), "--image", "nosuch"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::ends_with(
            "no image tagged nosuch; the archive has: docker.io/tiny/tiny:latest, docker.io/tiny/tiny:v1, docker.io/tiny/tiny:2024.01\n",
        ));
}

#[test]
fn any_tag_of_an_image_selects_it() {
    let path = fixture_arg("tiny-multitag.docker.tar");
    let got = layers_json(&[path.as_str(), "--image", "tiny/tiny:2024.01"]);
    assert_eq!(got["images"][0]["image_size"], 25982);
}
