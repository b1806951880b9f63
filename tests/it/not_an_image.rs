//! A file that is not an image at all (a Dockerfile, a policy, a screenshot, nothing) is named by
//! what it looks like, not by a tar parser's words about a header that is not one; a real tar cut
//! short or corrupt keeps its precise message.

use crate::support::{
    fails, fixture, gzip, layers_fails, layers_fails_stdin, noise, path_str, shown, tempdir,
    workdir, write_file, zstd, DockerArchive, Layer,
};

/// What every message of a file that is not an image says after what it looks like.
const READS: &str = "sizegate reads docker save / OCI archives and OCI layout directories";

/// The one line `sizegate` prints about `source`, which `looks` (`looks like text`, `is empty`).
fn message(source: &str, looks: &str) -> String {
    format!("error: not a container image: {source} {looks}; {READS}\n")
}

/// The files, their names, and what each looks like.
fn not_images() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    vec![
        (
            "Dockerfile",
            b"# syntax=docker/dockerfile:1\nFROM debian:12-slim\nRUN apt-get update\n".to_vec(),
            "looks like text (a Dockerfile?)",
        ),
        (
            "sizegate.yml",
            b"# the gate\nversion: 1\nimage:\n  max_size: 100MB\n".to_vec(),
            "looks like YAML (a policy?)",
        ),
        (
            ".dive-ci",
            b"rules:\n  lowestEfficiency: 0.95\n".to_vec(),
            "looks like YAML (a policy?)",
        ),
        (
            "config.json",
            b"{\"architecture\": \"amd64\"}\n".to_vec(),
            "looks like JSON (a saved report? `diff` and `--baseline` read those from a file)",
        ),
        (
            "notes.txt",
            "not a tar, just notes\n".repeat(100).into_bytes(),
            "looks like text",
        ),
        ("screenshot.png", png.to_vec(), "looks like a PNG image"),
        (
            "photo.jpg",
            b"\xff\xd8\xff\xe0\0\x10JFIF\0\x01".to_vec(),
            "looks like a JPEG image",
        ),
        (
            "image.zip",
            b"PK\x03\x04\x14\0\0\0\x08\0".to_vec(),
            "looks like a ZIP archive",
        ),
        (
            "sizegate",
            b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec(),
            "looks like an ELF executable",
        ),
        (
            "random.bin",
            noise(2000),
            "looks like binary data that is not a tar",
        ),
        ("empty.tar", Vec::new(), "is empty"),
        (
            "Dockerfile.latin1",
            b"FROM caf\xe9\n".to_vec(),
            "looks like text (a Dockerfile?)",
        ),
        (
            "Dockerfile.cp1252",
            b"# \x93r\xe9sum\xe9\x94\nFROM debian:12\nRUN true\n"
                .repeat(30)
                .to_vec(),
            "looks like text (a Dockerfile?)",
        ),
        (
            "Dockerfile.utf16",
            utf16(&[0xff, 0xfe], "FROM caf\u{e9}\n", u16::to_le_bytes),
            "looks like text (a Dockerfile?)",
        ),
        (
            "Dockerfile.utf16be",
            utf16(&[], "FROM caf\u{e9}\n", u16::to_be_bytes),
            "looks like text (a Dockerfile?)",
        ),
        (
            "sizegate.utf16.yml",
            utf16(
                &[],
                &"image:\n  max_size: 100MB # d\u{e9}j\u{e0}\n".repeat(20),
                u16::to_le_bytes,
            ),
            "looks like YAML (a policy?)",
        ),
        ("five.bin", noise(5), "is too short to be a tar (5 bytes)"),
        ("one.bin", vec![0x9c], "is too short to be a tar (1 byte)"),
    ]
}

/// `text` in UTF-16 after `bom`, each unit's bytes in the order `bytes` gives them.
fn utf16(bom: &[u8], text: &str, bytes: fn(u16) -> [u8; 2]) -> Vec<u8> {
    let mut out = bom.to_vec();
    out.extend(text.encode_utf16().flat_map(bytes));
    out
}

#[test]
fn files_that_are_not_images_are_named_by_what_they_look_like() {
    let dir = tempdir();
    for (name, data, looks) in not_images() {
        let path = write_file(dir.path(), name, &data);
        let stderr = layers_fails(name, &path, &[]);
        assert_eq!(stderr, message(&shown(&path), looks), "{name}");
        let stderr = layers_fails_stdin(name, data, &[]);
        assert_eq!(stderr, message("<stdin>", looks), "{name} on stdin");
    }
}

#[test]
fn check_init_and_explain_say_the_same_of_a_dockerfile_given_as_image() {
    let dir = workdir(&[
        ("Dockerfile", "FROM alpine:3.20\nCOPY . /app\n"),
        ("sizegate.yml", "image:\n  max_size: 1MB\n"),
    ]);
    let want = message("Dockerfile", "looks like text (a Dockerfile?)");
    for command in ["check", "init", "explain", "top", "inventory"] {
        let mut cmd = crate::support::sizegate_in(dir.path());
        let out = cmd
            .args([command, "Dockerfile"])
            .output()
            .expect("sizegate runs");
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), want, "{command}");
        assert!(out.stdout.is_empty(), "{command}");
    }
}

#[test]
fn a_compressed_file_that_holds_no_tar_is_named_by_what_it_holds() {
    let dir = tempdir();
    let dockerfile = b"FROM alpine:3.20\nRUN apk add --no-cache curl\n";
    let cases = [
        (
            "Dockerfile.gz",
            gzip(dockerfile),
            "looks like gzip-compressed text (a Dockerfile?)",
        ),
        (
            "Dockerfile.zst",
            zstd(dockerfile),
            "looks like zstd-compressed text (a Dockerfile?)",
        ),
        ("nothing.gz", gzip(b""), "is gzip-compressed and empty"),
        (
            "binary.gz",
            gzip(&noise(1000)),
            "looks like gzip-compressed binary data that is not a tar",
        ),
        (
            "five.gz",
            gzip(&noise(5)),
            "is gzip-compressed and too short to be a tar (5 bytes decompressed)",
        ),
        (
            "Dockerfile.latin1.zst",
            zstd(b"FROM caf\xe9\n"),
            "looks like zstd-compressed text (a Dockerfile?)",
        ),
    ];
    for (name, data, looks) in cases {
        let path = write_file(dir.path(), name, &data);
        let stderr = layers_fails(name, &path, &[]);
        assert_eq!(stderr, message(&shown(&path), looks), "{name}");
        let stderr = layers_fails_stdin(name, data, &[]);
        assert_eq!(stderr, message("<stdin>", looks), "{name} on stdin");
    }
}

#[test]
fn a_real_tar_cut_short_or_damaged_keeps_the_tar_readers_message() {
    let dir = tempdir();
    let archive = DockerArchive::new()
        .layer(Layer::new().file("etc/conf", 10).tar())
        .build();
    // Cut inside its first header: binary bytes shorter than a header may be a tar.
    let cut = write_file(dir.path(), "cut.tar", &archive[..300]);
    let stderr = layers_fails("cut in the first header", &cut, &[]);
    assert_eq!(
        stderr,
        format!(
            "error: {}: corrupt or truncated tar: failed to read entire block\n",
            shown(&cut)
        )
    );
    // Cut anywhere after the end of the first member's name: its NUL padding and octal numbers
    // are a header's shape, so the tar reader speaks.
    for at in [60, 100, 120, 156, 257, 262, 511] {
        let cut = write_file(dir.path(), "cut.tar", &archive[..at]);
        let stderr = layers_fails("cut in the first header", &cut, &[]);
        assert_eq!(
            stderr,
            format!(
                "error: {}: corrupt or truncated tar: failed to read entire block\n",
                shown(&cut)
            ),
            "cut at {at}"
        );
    }
    // A first header whose checksum no longer matches, but that still says `ustar`.
    let mut damaged = archive.clone();
    damaged[0] ^= 0x20;
    let damaged = write_file(dir.path(), "damaged.tar", &damaged);
    let stderr = layers_fails("a damaged first header", &damaged, &[]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: corrupt or truncated tar: ",
            shown(&damaged)
        )),
        "{stderr}"
    );
    // A real archive cut in a member's data: the message names the member, as before.
    let fixture = std::fs::read(fixture("tiny.docker.tar")).expect("fixture");
    let half = write_file(dir.path(), "half.tar", &fixture[..fixture.len() / 2]);
    let stderr = fails("half a fixture", &["layers", path_str(&half)], None);
    assert!(
        stderr.starts_with(&format!("error: {}: ", shown(&half))) && !stderr.contains("looks like"),
        "{stderr}"
    );
}
