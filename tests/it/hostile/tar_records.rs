//! Tar extension records that claim gigabytes: a GNU long name or link name (`L`, `K`) or a PAX
//! header (`x`, `g`) is read whole into memory by the tar reader, so a layer of a few hundred
//! kilobytes of compressed zeros could make sizegate hold gigabytes. Each is refused at its
//! header, with the layer and the entry (or the archive and the member) named, from a file and
//! from stdin; names and PAX headers of real sizes still read right.

use std::fs::OpenOptions;
use std::io::Write;

use crate::support::{
    bounded, compressed_then_zeros, gzip, inventory_of, inventory_rows, link_row, path_str,
    record_header, row, shown, sizegate, tempdir, write_file, DockerArchive, Layer, CODECS,
};

/// What the records claim: 5 GiB.
const HUGE: u64 = 5 << 30;

/// Zeros that stand for the claimed data: more than the address space the runs get, so that a
/// reader that took the claim at its word would run out of memory rather than out of bytes.
const ZEROS_MIB: usize = 512;

/// Address space (MiB) and time (s) a run gets.
const MAX_MIB: u64 = 256;
const MAX_SECS: u64 = 20;

/// The message's end for a record of `typeflag` claiming [`HUGE`] bytes.
fn claim(typeflag: u8) -> &'static str {
    match typeflag {
        b'L' => "is 5368709120 bytes; sizegate reads names up to 65536 bytes",
        b'x' => "is 5368709120 bytes; sizegate reads PAX headers up to 4194304 bytes",
        _ => unreachable!("the cases use L and x"),
    }
}

fn record_name(typeflag: u8) -> &'static str {
    match typeflag {
        b'L' => "GNU long name",
        b'x' => "PAX header",
        _ => unreachable!("the cases use L and x"),
    }
}

/// Runs `sizegate layers ARGS` within the bounds; it must fail at once with `want` on stderr.
fn fails_fast(args: &[&str], stdin: Option<Vec<u8>>, want: &str) {
    let r = bounded(args, stdin, MAX_MIB, MAX_SECS);
    assert_eq!(
        (r.run.code, r.run.stderr.as_str(), r.run.stdout.as_str()),
        (2, want, ""),
        "{args:?}"
    );
    assert!(r.elapsed.as_secs() < MAX_SECS, "{args:?}: {:?}", r.elapsed);
}

#[test]
fn a_multi_gb_long_name_or_pax_header_in_a_compressed_layer_is_refused_fast() {
    for codec in CODECS {
        for typeflag in [b'L', b'x'] {
            let mut tar = Layer::new().file("a", 10).tar_without_end_blocks();
            tar.extend(record_header(typeflag, HUGE));
            let blob = compressed_then_zeros(codec.compress, &tar, ZEROS_MIB);
            let archive = DockerArchive::new().layer(blob).build();
            let dir = tempdir();
            let path = write_file(dir.path(), "app.tar", &archive);
            let what = format!(
                "layer0/layer.tar: layer 0 is corrupt: the {} of the entry after entry a {}\n",
                record_name(typeflag),
                claim(typeflag)
            );
            fails_fast(
                &["layers", path_str(&path)],
                None,
                &format!("error: {}: {what}", shown(&path)),
            );
            fails_fast(
                &["layers", "-"],
                Some(archive),
                &format!("error: <stdin>: {what}"),
            );
        }
    }
}

/// A docker-archive of one small layer whose tar stops after `manifest.json`, without its
/// end-of-archive blocks, then a header of `typeflag` claiming [`HUGE`] bytes.
fn archive_then_record(typeflag: u8) -> Vec<u8> {
    let mut archive = DockerArchive::new()
        .layer(Layer::new().file("a", 10).tar())
        .build();
    archive.truncate(archive.len() - 1024);
    archive.extend(record_header(typeflag, HUGE));
    archive
}

#[test]
fn a_multi_gb_long_name_of_the_archive_itself_is_refused_fast_from_a_file() {
    // The claimed bytes are there, as a hole in a sparse file: only refusing to read them keeps
    // the run small.
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive_then_record(b'L'));
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .expect("archive opens");
    let len = file.metadata().expect("metadata").len();
    file.set_len(len + HUGE + 1024).expect("sparse file");
    file.flush().expect("flushed");
    fails_fast(
        &["layers", path_str(&path)],
        None,
        &format!(
            "error: {}: the archive is corrupt: the GNU long name of the member after member \
             manifest.json {}\n",
            shown(&path),
            claim(b'L')
        ),
    );
}

#[test]
fn a_multi_gb_pax_header_of_a_compressed_archive_is_refused_fast_from_a_file_and_stdin() {
    for codec in CODECS {
        let compressed =
            compressed_then_zeros(codec.compress, &archive_then_record(b'x'), ZEROS_MIB);
        let dir = tempdir();
        let name = format!("app.tar.{}", codec.extension);
        let path = write_file(dir.path(), &name, &compressed);
        let what = format!(
            "the archive is corrupt: the PAX header of the member after member manifest.json {}\n",
            claim(b'x')
        );
        fails_fast(
            &["layers", path_str(&path)],
            None,
            &format!("error: {}: {what}", shown(&path)),
        );
        fails_fast(
            &["layers", "-"],
            Some(compressed),
            &format!("error: <stdin>: {what}"),
        );
    }
}

#[test]
fn long_names_and_pax_paths_of_real_sizes_still_read_right() {
    let gnu = format!("opt/{}/gnu.bin", "gnu-long-name-".repeat(20));
    let pax = format!("opt/{}/pax.bin", "pax-long-path-".repeat(20));
    let target = format!("../{}/target", "gnu-long-link-".repeat(20));
    assert!(gnu.len() > 280 && pax.len() > 280 && target.len() > 280);
    let tar = Layer::new()
        .gnu_file(&gnu, 300)
        .pax_file(&pax, 20)
        .gnu_long_symlink("opt/link", &target)
        .tar();
    let archive = DockerArchive::new().layer(gzip(&tar)).build();
    let want = vec![
        row(0, format!("/{gnu}"), "file", 300, "visible", None),
        row(0, format!("/{pax}"), "file", 20, "visible", None),
        link_row(0, "/opt/link", "symlink", &target, "visible", None),
    ];
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    assert_eq!(inventory_rows(&inventory_of(&path)), want, "from a file");
    let out = sizegate()
        .args(["inventory", "-"])
        .write_stdin(archive)
        .output()
        .expect("sizegate runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(inventory_rows(&out.stdout), want, "from stdin");
}
