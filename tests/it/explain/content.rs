//! `explain --content`: copies of one file in the final filesystem and files added again
//! unchanged, found from the bytes of the same-size files, in plain, gzip and zstd layers; and
//! the images whose bytes cannot be read a second time.

use serde_json::{json, Value};

use super::{explain_in, line, savings, PYCACHE};
use crate::support::{gzip, run, sizegate, tempdir, DockerArchive, Layer, OciLayout, CODECS};

/// The Dockerfile [`layers`] were built from.
const DOCKERFILE: &str = "FROM debian:12-slim
COPY vendor/ /opt/app/
COPY conf/ /etc/app/
";

/// `len` bytes of `byte`: same-size files told apart by their bytes only.
fn bytes(byte: u8, len: usize) -> Vec<u8> {
    vec![byte; len]
}

/// The layer tars: a base; a COPY that brings copies of base files (one library, a data
/// directory, a file too small to count) and two identical `__pycache__` files (left to the
/// preset); a COPY that writes one file again unchanged, one with new bytes of the same size,
/// and one again only for its mode.
fn layers() -> Vec<Vec<u8>> {
    vec![
        Layer::new()
            .file_data("usr/lib/libfoo.so", &bytes(b'f', 5000))
            .file_data("usr/lib/other.so", &bytes(b'o', 5000))
            .file_data("usr/share/data/x.bin", &bytes(b'x', 2000))
            .file_data("usr/share/data/y.bin", &bytes(b'y', 2500))
            .file_data("usr/share/small", &bytes(b's', 100))
            .file_data("etc/app/settings.json", &bytes(b'{', 1500))
            .file_data("etc/app/changed.json", &bytes(b'1', 1200))
            .tar(),
        Layer::new()
            .file_data("opt/app/vendor/libfoo.so", &bytes(b'f', 5000))
            .file_data("opt/app/data/x.bin", &bytes(b'x', 2000))
            .file_data("opt/app/data/y.bin", &bytes(b'y', 2500))
            .file_data("opt/app/small", &bytes(b's', 100))
            .file_data("app/__pycache__/m.pyc", &bytes(b'p', 1100))
            .file_data("app/__pycache__/n.pyc", &bytes(b'p', 1100))
            .tar(),
        Layer::new()
            .file_data("etc/app/settings.json", &bytes(b'{', 1500))
            .file_data("etc/app/changed.json", &bytes(b'2', 1200))
            .file_mode("usr/lib/other.so", &bytes(b'o', 5000), 0o755)
            .tar(),
    ]
}

/// The image as a docker-archive, its history matching [`DOCKERFILE`].
fn archive() -> DockerArchive {
    layers().into_iter().fold(
        DockerArchive::new().history(&[
            "/bin/sh -c #(nop) ADD file:5d6b1c2f in / ",
            "COPY vendor/ /opt/app/ # buildkit",
            "COPY conf/ /etc/app/ # buildkit",
        ]),
        DockerArchive::layer,
    )
}

/// A saving as JSON, without Dockerfile lines.
fn saving(kind: &str, bytes: u64, path: &str, files: u64, layers: (u64, Option<u64>)) -> Value {
    json!({
        "kind": kind, "bytes": bytes, "path": path, "files": files,
        "added_layer": layers.0, "removed_layer": layers.1,
        "added_by": null, "removed_by": null, "hint": null, "rule": null,
    })
}

/// A saving with its hint.
fn hinted(
    kind: &str,
    bytes: u64,
    path: &str,
    files: u64,
    layers: (u64, Option<u64>),
    hint: &str,
) -> Value {
    let mut s = saving(kind, bytes, path, files, layers);
    s["hint"] = json!(hint);
    s
}

/// The savings `--content` finds in [`layers`], without Dockerfile lines.
fn with_content() -> Vec<Value> {
    let mut pycache = hinted("preset", 2200, "/app/__pycache__", 2, (1, None), PYCACHE);
    pycache["rule"] = json!("recommended/pycache");
    vec![
        hinted(
            "duplicate",
            5000,
            "/opt/app/vendor/libfoo.so",
            1,
            (1, None),
            "the same bytes as /usr/lib/libfoo.so (layer 0): hard-link or symlink one to the other, or copy the file once in the build",
        ),
        saving("metadata-rewrite", 5000, "/usr/lib/other.so", 1, (0, Some(2))),
        hinted(
            "duplicate",
            4500,
            "/opt/app/data",
            2,
            (1, None),
            "each file has the same bytes as one under /usr/share/data (layer 0): hard-link or symlink them, or copy the files once in the build (dedupe in the step that makes them)",
        ),
        pycache,
        hinted(
            "re-added",
            1500,
            "/etc/app/settings.json",
            1,
            (0, Some(2)),
            "layer 2 writes this file again with the very same bytes: add it in one step only (the copy in layer 0 ships for nothing)",
        ),
        saving("overwritten", 1200, "/etc/app/changed.json", 1, (0, Some(2))),
    ]
}

#[test]
fn content_finds_copies_and_files_added_again_with_their_exact_bytes() {
    let dir = tempdir();
    archive().write(dir.path(), "app.tar");
    let run = explain_in(dir.path(), &["app.tar", "--content", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(savings(&report), with_content());
    // Every hidden byte is in exactly one saving.
    let hidden: u64 = savings(&report)
        .iter()
        .filter(|s| s["removed_layer"].is_u64())
        .map(|s| s["bytes"].as_u64().unwrap_or_default())
        .sum();
    assert_eq!(report["images"][0]["wasted_bytes"], hidden);
}

#[test]
fn without_content_no_file_data_is_read_and_the_rewrites_stay_overwritten() {
    let dir = tempdir();
    archive().write(dir.path(), "app.tar");
    let run = explain_in(dir.path(), &["app.tar", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let kinds: Vec<Value> = savings(&run.json())
        .iter()
        .map(|s| json!([s["kind"], s["bytes"], s["path"], s["files"]]))
        .collect();
    assert_eq!(
        kinds,
        [
            json!(["metadata-rewrite", 5000, "/usr/lib/other.so", 1]),
            json!(["overwritten", 2700, "/etc/app", 2]),
            json!(["preset", 2200, "/app/__pycache__", 2]),
        ]
    );
}

#[test]
fn content_savings_name_the_dockerfile_lines_of_their_layers() {
    let dir = tempdir();
    archive().write(dir.path(), "app.tar");
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).expect("Dockerfile is written");
    let args = [
        "app.tar",
        "--content",
        "--dockerfile",
        "Dockerfile",
        "--format",
        "json",
    ];
    let run = explain_in(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let places: Vec<Value> = savings(&run.json())
        .iter()
        .map(|s| json!([s["kind"], s["added_by"], s["removed_by"]]))
        .collect();
    assert_eq!(
        places,
        [
            json!(["duplicate", line(2), null]),
            json!(["metadata-rewrite", line(1), line(3)]),
            json!(["duplicate", line(2), null]),
            json!(["preset", line(2), null]),
            json!(["re-added", line(1), line(3)]),
            json!(["overwritten", line(1), line(3)]),
        ]
    );
}

#[test]
fn content_reads_compressed_layers_too() {
    for codec in &CODECS {
        let dir = tempdir();
        let layout = layers()
            .iter()
            .fold(OciLayout::new(), |l, tar| {
                l.layer((codec.compress)(tar), codec.media_type)
            })
            .write(&dir.path().join("layout"));
        let run = explain_in(&layout, &[".", "--content", "--format", "json"]);
        assert_eq!(run.code, 0, "{}: {}", codec.name, run.stderr);
        // The layout has no history, so hints that name a step differ: the bytes must not.
        let without_hints = |v: Vec<Value>| -> Vec<Value> {
            v.into_iter()
                .map(|mut s| {
                    s["hint"] = Value::Null;
                    s
                })
                .collect()
        };
        assert_eq!(
            without_hints(savings(&run.json())),
            without_hints(with_content()),
            "{}",
            codec.name
        );
    }
}

#[test]
fn the_table_shows_copies_with_the_file_they_repeat() {
    let dir = tempdir();
    archive().write(dir.path(), "app.tar");
    let run = explain_in(dir.path(), &["app.tar", "--content"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains("/opt/app/vendor/libfoo.so"))
        .expect("the copy's row");
    let cells: Vec<&str> = row.trim_matches('│').split('┆').map(str::trim).collect();
    assert_eq!(
        cells,
        [
            "5 kB",
            "copy of other files",
            "/opt/app/vendor/libfoo.so",
            "1",
            "the same bytes as /usr/lib/libfoo.so",
        ]
    );
    let row = run
        .stdout
        .lines()
        .find(|l| l.contains("added again unchanged"))
        .expect("the row of the file added again");
    assert!(
        row.starts_with(
            "│ 1.50 kB ┆ added again unchanged    ┆ /etc/app/settings.json    ┆ 0 → 2  ┆"
        ),
        "{row}"
    );
}

#[test]
fn content_needs_an_image_it_can_read_twice() {
    let tar = archive().build();
    let run_stdin = run(sizegate()
        .args(["explain", "-", "--content"])
        .write_stdin(tar.clone()));
    assert_eq!((run_stdin.code, run_stdin.stdout.as_str()), (2, ""));
    assert_eq!(
        run_stdin.stderr,
        "error: --content: <stdin>: the data of files cannot be read a second time from an image read in one pass (stdin, or an archive compressed as a whole); give it as a plain tar file or an OCI layout directory\n"
    );
    // Without --content, stdin is fine.
    let plain = run(sizegate()
        .args(["explain", "-", "--format", "json"])
        .write_stdin(tar.clone()));
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    let dir = tempdir();
    std::fs::write(dir.path().join("app.tar.gz"), gzip(&tar)).expect("written");
    let gz = explain_in(dir.path(), &["app.tar.gz", "--content"]);
    assert_eq!(gz.code, 2);
    assert!(
        gz.stderr.starts_with(
            "error: --content: app.tar.gz: the data of files cannot be read a second time"
        ),
        "{}",
        gz.stderr
    );
}

#[test]
fn hostile_names_in_a_copys_hint_are_escaped_in_the_table() {
    let dir = tempdir();
    let image = DockerArchive::new()
        .layer(
            Layer::new()
                .file_data("opt/a\u{1b}[2Jb", &bytes(b'z', 4096))
                .tar(),
        )
        .layer(Layer::new().file_data("srv/copy", &bytes(b'z', 4096)).tar());
    image.write(dir.path(), "app.tar");
    let run = explain_in(dir.path(), &["app.tar", "--content"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'));
    assert!(
        run.stdout.contains(r"the same bytes as /opt/a\u{1b}[2Jb"),
        "{}",
        run.stdout
    );
}

#[test]
fn large_files_alike_in_their_first_bytes_are_compared_whole() {
    // Three files of 100,000 bytes: two the same, one that differs only in its last byte; and
    // one that differs from the first byte on (not read past its first 64 KiB).
    let same = bytes(b'm', 100_000);
    let mut late = same.clone();
    late[99_999] = b'n';
    let mut early = same.clone();
    early[0] = b'e';
    let dir = tempdir();
    let image = DockerArchive::new()
        .layer(
            Layer::new()
                .file_data("models/a.bin", &same)
                .file_data("models/late.bin", &late)
                .tar(),
        )
        .layer(
            Layer::new()
                .file_data("srv/a.bin", &same)
                .file_data("srv/early.bin", &early)
                .tar(),
        );
    image.write(dir.path(), "app.tar");
    let run = explain_in(dir.path(), &["app.tar", "--content", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copies: Vec<Value> = savings(&run.json())
        .iter()
        .map(|s| json!([s["kind"], s["bytes"], s["path"], s["hint"]]))
        .collect();
    assert_eq!(
        copies,
        [json!([
            "duplicate",
            100_000,
            "/srv/a.bin",
            "the same bytes as /models/a.bin (layer 0): hard-link or symlink one to the other, or copy the file once in the build"
        ])]
    );
}
