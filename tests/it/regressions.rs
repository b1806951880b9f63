//! Regression tests, each named after what broke.

use crate::support::{
    fixture, layers_of, layers_of_stdin, outer_file, run, sizegate, tempdir, totals, write_file,
    DockerArchive, Layer, TINY,
};

#[test]
fn io_error_is_printed_once_not_twice() {
    let run = run(sizegate().args(["layers", "/nonexistent/app.tar"]));
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: /nonexistent/app.tar: No such file or directory (os error 2)\n"
    );
}

#[test]
fn xz_compressed_archive_is_refused_by_name() {
    let dir = tempdir();
    let mut xz = vec![0xfd, b'7', b'z', b'X', b'Z', 0];
    xz.extend_from_slice(&[0u8; 64]);
    let path = write_file(dir.path(), "app.tar.xz", &xz);
    let run = run(sizegate().arg("layers").arg(&path));
    assert_eq!(run.code, 2);
    assert!(run.stderr.ends_with(
        "app.tar.xz: the archive is xz-compressed; decompress it first, or save it plain, gzip or zstd\n"
    ));
}

#[test]
fn config_with_leading_whitespace_is_read_from_stdin_as_from_a_file() {
    let layer = Layer::new().file("etc/x", 10).tar();
    let mut archive = DockerArchive::new().layer(layer);
    let config = format!("\n  {}", archive.config_json());
    archive = archive.config_bytes(config.as_bytes());
    let bytes = archive.build();
    let from_stdin = totals(&layers_of_stdin(bytes.clone()));
    let dir = tempdir();
    let from_file = totals(&layers_of(&write_file(dir.path(), "app.tar", &bytes)));
    assert_eq!(from_stdin, from_file);
    assert_eq!(from_file.image_size, 10);
}

#[test]
fn large_unreferenced_json_member_on_stdin_is_not_an_error() {
    // An SBOM-sized JSON blob beside the image: skipped, not kept, not an error.
    let layer = Layer::new().file("etc/x", 10).tar();
    let mut bytes = DockerArchive::new().layer(layer).build();
    let mut sbom = b"{\"spdx\": \"".to_vec();
    sbom.resize(17 * 1024 * 1024, b'x');
    sbom.extend_from_slice(b"\"}");
    // Insert the blob before the end-of-archive blocks.
    let end = bytes.len() - 1024;
    let mut builder = tar::Builder::new(Vec::new());
    outer_file(&mut builder, "blobs/sha256/sbom", &sbom);
    let extra = builder.into_inner().expect("tar");
    bytes.splice(end..end, extra[..extra.len() - 1024].iter().copied());
    assert_eq!(totals(&layers_of_stdin(bytes)).image_size, 10);
}

#[test]
fn an_archive_cut_at_any_block_never_panics_and_exits_0_or_2() {
    let data = std::fs::read(fixture(TINY)).expect("fixture");
    let dir = tempdir();
    // Every 4th 512-byte block boundary, plus a cut inside a block: headers, data and metadata
    // are all cut somewhere.
    for cut in (0..data.len()).step_by(2048).chain([data.len() - 700]) {
        let part = &data[..cut];
        let path = write_file(dir.path(), "cut.tar", part);
        for stdin in [false, true] {
            let mut cmd = sizegate();
            if stdin {
                cmd.args(["layers", "-"]).write_stdin(part.to_vec());
            } else {
                cmd.arg("layers").arg(&path);
            }
            let out = cmd.output().expect("runs");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                matches!(out.status.code(), Some(0 | 2)) && !stderr.contains("panicked"),
                "cut at {cut} (stdin: {stdin}): {:?} {stderr}",
                out.status.code()
            );
        }
    }
}
