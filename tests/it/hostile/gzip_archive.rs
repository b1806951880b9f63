//! An archive compressed as a whole (`docker save app | gzip > app.tar.gz`) is checked to the end
//! of its compressed stream, as a compressed layer is: a wrong CRC, a missing trailer or junk
//! after the stream is an error naming the archive, from a file and from stdin, not an archive
//! read as whole. Good archives, of one gzip member or several, or zstd frames, still pass.

use std::io::Write;

use crate::support::{
    fails, gzip, gzip_two_members, layers_of, layers_of_stdin, path_str, shown, tempdir, totals,
    write_file, zstd, DockerArchive, Layer,
};

/// A small docker-archive: one layer of two files.
fn archive() -> Vec<u8> {
    DockerArchive::new()
        .layer(Layer::new().file("a", 10).file("b", 2000).tar())
        .build()
}

/// `sizegate layers` of `compressed` as `app.tar.NAME` and on stdin must fail with exit code 2
/// and `error: <file>: WHAT`.
fn fails_with(compressed: &[u8], extension: &str, what: &str) {
    let dir = tempdir();
    let path = write_file(dir.path(), &format!("app.tar.{extension}"), compressed);
    assert_eq!(
        fails(what, &["layers", path_str(&path)], None),
        format!("error: {}: {what}\n", shown(&path)),
        "from a file"
    );
    assert_eq!(
        fails(what, &["layers", "-"], Some(compressed.to_vec())),
        format!("error: <stdin>: {what}\n"),
        "from stdin"
    );
}

#[test]
fn a_gzip_archive_with_a_wrong_crc_is_corrupt() {
    let mut gz = gzip(&archive());
    let crc_at = gz.len() - 8;
    gz[crc_at] ^= 0xff;
    fails_with(
        &gz,
        "gz",
        "the archive is corrupt: its gzip stream does not decode: corrupt gzip stream does not \
         have a matching checksum",
    );
}

#[test]
fn a_gzip_archive_without_its_trailer_is_truncated() {
    let gz = gzip(&archive());
    fails_with(
        &gz[..gz.len() - 8],
        "gz",
        "the archive is truncated: its gzip stream ends early (the tar in it is whole)",
    );
}

#[test]
fn junk_after_the_gzip_stream_of_an_archive_is_corrupt() {
    for junk in [&b"junk after the stream"[..], b"\n", &[0u8; 512]] {
        let mut gz = gzip(&archive());
        gz.extend_from_slice(junk);
        fails_with(
            &gz,
            "gz",
            "the archive is corrupt: junk follows the end of its gzip stream",
        );
    }
}

#[test]
fn a_gzip_archive_cut_inside_its_tar_is_truncated() {
    let gz = gzip(&archive());
    fails_with(
        &gz[..gz.len() / 2],
        "gz",
        "the archive is truncated: its gzip stream ends inside the tar",
    );
}

/// `data` as one zstd frame with a content checksum (as the `zstd` tool writes by default).
fn zstd_with_checksum(data: &[u8]) -> Vec<u8> {
    let mut encoder = zstd::stream::Encoder::new(Vec::new(), 3).expect("zstd encoder");
    encoder.include_checksum(true).expect("checksum flag");
    encoder.write_all(data).expect("zstd to memory");
    encoder.finish().expect("zstd to memory")
}

#[test]
fn a_zstd_archive_is_checked_to_its_end_too() {
    let zst = zstd_with_checksum(&archive());
    fails_with(
        &zst[..zst.len() - 4],
        "zst",
        "the archive is truncated: its zstd stream ends early (the tar in it is whole)",
    );
    let mut summed = zst.clone();
    let last = summed.len() - 1;
    summed[last] ^= 0xff;
    fails_with(
        &summed,
        "zst",
        "the archive is corrupt: its zstd stream does not decode: Restored data doesn't match \
         checksum",
    );
    let mut junk = zst;
    junk.extend_from_slice(b"junk");
    fails_with(
        &junk,
        "zst",
        "the archive is corrupt: junk follows the end of its zstd stream",
    );
    let plain = zstd(&archive());
    fails_with(
        &plain[..plain.len() / 2],
        "zst",
        "the archive is truncated: its zstd stream ends inside the tar",
    );
}

#[test]
fn a_gzip_archive_whose_data_is_corrupt_does_not_decode() {
    let mut gz = gzip(&archive());
    for b in &mut gz[40..60] {
        *b ^= 0x55;
    }
    fails_with(
        &gz,
        "gz",
        "the archive is corrupt: its gzip stream does not decode: corrupt deflate stream",
    );
}

#[test]
fn good_compressed_archives_of_one_member_or_several_still_pass() {
    let plain = archive();
    let want = totals(&layers_of_stdin(plain.clone()));
    let split = plain.len() / 3;
    let mut frames = zstd(&plain[..split]);
    frames.extend(zstd(&plain[split..]));
    for (compressed, extension) in [
        (gzip(&plain), "gz"),
        (gzip_two_members(&plain, split), "gz"),
        (zstd(&plain), "zst"),
        (frames, "zst"),
    ] {
        let dir = tempdir();
        let path = write_file(dir.path(), &format!("app.tar.{extension}"), &compressed);
        assert_eq!(totals(&layers_of(&path)), want, "{extension} from a file");
        assert_eq!(
            totals(&layers_of_stdin(compressed)),
            want,
            "{extension} from stdin"
        );
    }
}
