//! Broken synthetic images: every one must end with exit code 2 and a single `error: FILE: MEMBER:
//! what is wrong` line on stderr, never a panic.
//!
//! Most are tables of [`Case`]s, grouped by what is broken: the image is written to a file (a
//! directory for an OCI layout), `layers` runs on it and, where the case says so, on the same
//! archive piped on stdin; [`assert_case`] checks the message after `error: FILE: ` (or
//! `error: <stdin>: `) and names the case in every failed assertion.

use std::io::Read;

use crate::support::{
    fails, gzip, gzip_two_members, layers_fails, layers_fails_stdin, noise, path_str, plain_tar,
    shown, tempdir, write_file, Codec, DockerArchive, Layer, OciLayout, CODECS, OCI_LAYER_GZIP,
    OCI_LAYER_TAR,
};

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

/// A broken image as a case writes it.
enum Image {
    /// Archive bytes, written to the case's file (and piped on stdin when the case says so).
    Archive(Vec<u8>),
    /// An OCI image layout, written as the directory `layout/`.
    Layout(OciLayout),
}

/// One broken image and the one error line `layers` must give on it.
struct Case {
    /// What the case pins; every failed assertion names it.
    name: &'static str,
    /// The image.
    image: Image,
    /// The name an archive is written under.
    file: &'static str,
    /// Arguments after `layers FILE`.
    args: Vec<&'static str>,
    /// The message after `error: FILE: `, without the final newline.
    what: String,
    /// Only the start of the message is pinned: the rest is a parser's own words.
    only_start: bool,
    /// The archive is also piped on stdin, where the message must be the same after
    /// `error: <stdin>: `.
    stdin: bool,
}

impl Default for Case {
    fn default() -> Case {
        Case {
            name: "",
            image: Image::Archive(Vec::new()),
            file: "app.tar",
            args: Vec::new(),
            what: String::new(),
            only_start: false,
            stdin: false,
        }
    }
}

/// Runs `layers` on the case's image written to a temporary directory and, when the case says so,
/// on the archive piped on stdin; each must fail with the case's message.
fn assert_case(case: &Case) {
    let name = case.name;
    let dir = tempdir();
    let path = match &case.image {
        Image::Archive(archive) => write_file(dir.path(), case.file, archive),
        Image::Layout(layout) => layout.write(&dir.path().join("layout")),
    };
    let run = format!("{name}, from a file");
    let stderr = layers_fails(&run, &path, &case.args);
    assert_says(case, &run, &shown(&path), &stderr);
    if case.stdin {
        let Image::Archive(archive) = &case.image else {
            panic!("{name}: only an archive is piped on stdin");
        };
        let run = format!("{name}, from stdin");
        let stderr = layers_fails_stdin(&run, archive.clone(), &case.args);
        assert_says(case, &run, "<stdin>", &stderr);
    }
}

/// Asserts that `stderr` is the case's message about `source` (or starts with it).
fn assert_says(case: &Case, run: &str, source: &str, stderr: &str) {
    let want = format!("error: {source}: {}", case.what);
    if case.only_start {
        assert!(
            stderr.starts_with(&want),
            "{run}: stderr starts with {want:?}; stderr: {stderr}"
        );
    } else {
        assert_eq!(stderr, format!("{want}\n"), "{run}");
    }
}

// ---------------------------------------------------------------------------------------------
// Builders of broken images
// ---------------------------------------------------------------------------------------------

/// A valid one-layer archive to break in one place.
fn one_layer() -> DockerArchive {
    DockerArchive::new().layer(Layer::new().file("etc/conf", 10).tar())
}

/// An archive of the one layer `blob`.
fn archive_of(blob: Vec<u8>) -> Image {
    Image::Archive(DockerArchive::new().layer(blob).build())
}

/// A layer whose last file (`b`, 1000 bytes) has only 600 of its bytes.
fn layer_truncated_inside_data() -> Vec<u8> {
    let mut tar = Layer::new().file("a", 100).file("b", 1000).tar();
    tar.truncate(512 + 512 + 512 + 600);
    tar
}

/// A layer that stops 300 bytes into the header of its second entry.
fn layer_truncated_inside_a_header() -> Vec<u8> {
    let mut tar = Layer::new().file("a", 100).file("b", 10).tar();
    tar.truncate(512 + 512 + 300);
    tar
}

/// How many bytes `decoder` yields from a cut stream before it reports the cut: what the tar
/// reader got to see.
fn decodable(mut decoder: impl Read) -> u64 {
    let mut out = Vec::new();
    assert!(
        decoder.read_to_end(&mut out).is_err(),
        "the cut stream is reported"
    );
    out.len() as u64
}

/// The first half of a `codec` layer holding 20000 bytes of noise in one file: the case for that
/// codec, whose message every codec must have.
fn compressed_layer_cut_in_half(codec: &Codec) -> Case {
    let blob = (codec.compress)(&Layer::new().file_data("big", &noise(20_000)).tar());
    let cut = blob[..blob.len() / 2].to_vec();
    let (name, what) = match codec.name {
        "gzip" => {
            // The data of `big` starts after its one header.
            let present = decodable(flate2::read::MultiGzDecoder::new(&cut[..])) - 512;
            (
                "a gzip layer cut in half says how much of the file's data is there",
                format!(
                    "layer0/layer.tar: layer 0 is truncated: its gzip stream ends inside the data \
                     of entry big ({present} of 20000 bytes)"
                ),
            )
        }
        // Noise does not compress: the tar is one block of the frame, and half a block decodes to
        // nothing, so not even the first header is there.
        "zstd" => (
            "a zstd layer cut in half ends inside the first tar header",
            "layer0/layer.tar: layer 0 is truncated: its zstd stream ends inside the first tar \
             header"
                .to_string(),
        ),
        other => panic!("no expected message for a truncated {other} layer"),
    };
    Case {
        name,
        image: archive_of(cut),
        what,
        stdin: true,
        ..Case::default()
    }
}

/// A layer of two files whose second header has one byte changed, so its checksum is wrong.
fn layer_with_a_corrupt_second_header() -> Vec<u8> {
    let mut tar = Layer::new().file("a", 100).file("b", 10).tar();
    tar[512 + 512 + 1] ^= 0x01;
    tar
}

/// A blob that starts with these magic bytes and holds nothing else of use.
fn compressed_with(magic: &[u8]) -> Vec<u8> {
    let mut blob = magic.to_vec();
    blob.extend_from_slice(&[0u8; 64]);
    blob
}

/// The magic bytes of xz.
const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0];

/// The member name of layer blob `index` of an [`OciLayout`].
fn oci_blob(index: usize) -> String {
    format!("blobs/{}", OciLayout::layer_digest(index).replace(':', "/"))
}

/// The case of `layers --platform BAD` on a one-layer archive: `BAD` is not a platform.
fn malformed_platform(name: &'static str, bad: &'static str) -> Case {
    Case {
        name,
        image: Image::Archive(one_layer().build()),
        args: vec!["--platform", bad],
        what: format!("--platform {bad:?} is not of the form os/arch[/variant], e.g. linux/arm64"),
        ..Case::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

#[test]
fn docker_archive_members_that_do_not_add_up_are_errors_naming_the_member() {
    let cases = [
        Case {
            name: "a layer named in manifest.json but absent from the archive is not found",
            image: Image::Archive(one_layer().missing_layer().build()),
            what: "layer1/layer.tar: not found in the image".into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "bad JSON in manifest.json names manifest.json",
            image: Image::Archive(
                one_layer()
                    .manifest_bytes(br#"[{"Config": "config.json", "Layers": "#)
                    .build(),
            ),
            what: "manifest.json: invalid JSON: EOF while parsing".into(),
            only_start: true,
            ..Case::default()
        },
        Case {
            name: "bad JSON in the config names the config",
            image: Image::Archive(one_layer().config_bytes(br#"{"history": [}"#).build()),
            what: "config.json: invalid JSON: ".into(),
            only_start: true,
            ..Case::default()
        },
        Case {
            name: "a history with more entries that made a layer than layers",
            image: Image::Archive(
                one_layer()
                    .history(&["ADD rootfs.tar /", "RUN make"])
                    .build(),
            ),
            what: "config.json: the config history has 2 entries that made a layer, but the image \
                   has 1 layers"
                .into(),
            ..Case::default()
        },
        Case {
            name: "a diff_ids count different from the layer count",
            image: Image::Archive(
                one_layer()
                    .layer(Layer::new().file("b", 1).tar())
                    .diff_id_count(3)
                    .build(),
            ),
            what: "config.json: the config lists 3 layer diff_ids but the manifest lists 2 layers"
                .into(),
            ..Case::default()
        },
        Case {
            name: "a layer symlink with a relative target outside the archive",
            image: Image::Archive(one_layer().layer_symlink("../../etc/passwd").build()),
            what: "layer1/layer.tar: link layer1/layer.tar -> ../../etc/passwd points outside the \
                   archive"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "a layer symlink with an absolute target outside the archive",
            image: Image::Archive(one_layer().layer_symlink("/etc/passwd").build()),
            what: "layer1/layer.tar: link layer1/layer.tar -> /etc/passwd points outside the \
                   archive"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "layer symlinks that form a cycle",
            image: Image::Archive(
                DockerArchive::new()
                    .layer_symlink("../layer1/layer.tar")
                    .layer_symlink("../layer0/layer.tar")
                    .build(),
            ),
            what: "layer0/layer.tar: links starting at layer0/layer.tar form a cycle".into(),
            stdin: true,
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn layers_cut_short_or_corrupt_are_errors_naming_the_layer_and_where_it_breaks() {
    // Two gzip members, the first holding the header and 600 data bytes: cut a few bytes into
    // the second, exactly those 600 bytes decode before the stream ends.
    let big = Layer::new().file_data("big", &noise(5000)).tar();
    let mut cut_in_second_member = gzip_two_members(&big, 512 + 600);
    cut_in_second_member.truncate(gzip(&big[..512 + 600]).len() + 4);
    let small = gzip(&Layer::new().file("small", 10).tar());
    // Drop the CRC32 and length: every tar byte inflates, but the member is incomplete.
    let without_trailer = small[..small.len() - 8].to_vec();
    let mut wrong_crc = small.clone();
    let crc_at = wrong_crc.len() - 8;
    wrong_crc[crc_at] ^= 0xff;
    let mut corrupt_first_header = Layer::new().file("a", 100).tar();
    corrupt_first_header[1] ^= 0x01;

    let mut cases = vec![
        Case {
            name: "a plain layer cut inside a file's data says how much of it is there",
            image: archive_of(layer_truncated_inside_data()),
            what: "layer0/layer.tar: layer 0 is truncated: it ends inside the data of entry b \
                   (600 of 1000 bytes)"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "a plain layer cut inside a header names the entry before it",
            image: archive_of(layer_truncated_inside_a_header()),
            what: "layer0/layer.tar: layer 0 is truncated: it ends inside the tar header after \
                   entry a"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "a gzip layer cut inside its second member says how much of the file is there",
            image: Image::Archive(
                DockerArchive::new()
                    .layer(Layer::new().file("etc/conf", 10).tar())
                    .layer(cut_in_second_member)
                    .build(),
            ),
            what: "layer1/layer.tar: layer 1 is truncated: its gzip stream ends inside the data \
                   of entry big (600 of 5000 bytes)"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "a gzip layer missing only its trailer ends early though its tar is whole",
            image: archive_of(without_trailer),
            what: "layer0/layer.tar: layer 0 is truncated: its gzip stream ends early (the tar in \
                   it is whole)"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "a gzip layer with a wrong CRC does not decode",
            image: archive_of(wrong_crc),
            what: "layer0/layer.tar: layer 0 is corrupt: its gzip stream does not decode: corrupt \
                   gzip stream does not have a matching checksum"
                .into(),
            ..Case::default()
        },
        Case {
            name: "a corrupt header names the entry before it",
            image: archive_of(layer_with_a_corrupt_second_header()),
            what: "layer0/layer.tar: layer 0 is corrupt: the tar header after entry a is invalid: \
                   archive header checksum mismatch"
                .into(),
            stdin: true,
            ..Case::default()
        },
        Case {
            name: "a gzip layer of an OCI layout with a corrupt first header names the blob",
            image: Image::Layout(
                OciLayout::new().layer(gzip(&corrupt_first_header), OCI_LAYER_GZIP),
            ),
            what: format!(
                "{}: layer 0 is corrupt: the first tar header is invalid: archive header checksum \
                 mismatch",
                oci_blob(0)
            ),
            ..Case::default()
        },
    ];
    cases.extend(CODECS.iter().map(compressed_layer_cut_in_half));
    cases.iter().for_each(assert_case);
}

#[test]
fn layers_in_an_unsupported_compression_are_refused_naming_the_compression_and_the_layer() {
    let cases = [
        Case {
            name: "an xz layer of an OCI layout names the blob and its position",
            image: Image::Layout(
                OciLayout::new()
                    .layer(Layer::new().file("etc/conf", 10).tar(), OCI_LAYER_TAR)
                    .layer(
                        compressed_with(&XZ_MAGIC),
                        "application/vnd.oci.image.layer.v1.tar+xz",
                    ),
            ),
            what: format!(
                "{}: layer 1 is xz-compressed; sizegate reads plain, gzip and zstd layers",
                oci_blob(1)
            ),
            ..Case::default()
        },
        Case {
            name: "a bzip2 layer of a docker-archive names the member and its position",
            image: archive_of(compressed_with(b"BZh91AY&SY")),
            what: "layer0/layer.tar: layer 0 is bzip2-compressed; sizegate reads plain, gzip and \
                   zstd layers"
                .into(),
            stdin: true,
            ..Case::default()
        },
        // The blob is layer 0 and, through a symlink member, layer 2: no one position is its.
        Case {
            name: "a layer blob at two positions is named without a position",
            image: Image::Archive(
                DockerArchive::new()
                    .layer(compressed_with(&XZ_MAGIC))
                    .layer(Layer::new().file("etc/conf", 10).tar())
                    .layer_symlink("../layer0/layer.tar")
                    .build(),
            ),
            what: "layer0/layer.tar: the layer is xz-compressed; sizegate reads plain, gzip and \
                   zstd layers"
                .into(),
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

/// Files that are not tars at all (text, a PNG, an empty file) are in `not_an_image.rs`.
#[test]
fn files_that_are_not_container_images_are_errors() {
    let cases = [Case {
        name: "a tar with neither manifest.json nor index.json is not a container image",
        image: Image::Archive(plain_tar(&[
            ("hello.txt", b"hello\n"),
            ("oci-layout", b"{}"),
        ])),
        file: "files.tar",
        what: "not a container image: the tar has neither manifest.json (docker-archive) nor \
                   index.json (OCI)"
            .into(),
        stdin: true,
        ..Case::default()
    }];
    cases.iter().for_each(assert_case);
}

#[test]
fn images_and_platforms_the_archive_does_not_have_are_errors_listing_what_it_has() {
    let two_images = {
        let archive = one_layer();
        let config = archive.config_json();
        let manifest = serde_json::json!([
            { "Config": "config.json", "RepoTags": ["app:1"], "Layers": ["layer0/layer.tar"] },
            { "Config": "config.json", "RepoTags": ["tool:2"], "Layers": ["layer0/layer.tar"] },
        ]);
        archive
            .config_bytes(&serde_json::to_vec(&config).expect("JSON"))
            .manifest_bytes(&serde_json::to_vec(&manifest).expect("JSON"))
            .build()
    };
    let no_s390x = "no image for platform linux/s390x; the archive has: app:1 (linux/amd64)";
    let cases = [
        Case {
            name: "an image tag the archive does not have lists its tag",
            image: Image::Archive(one_layer().tags(&["registry.example/app:1.2"]).build()),
            args: vec!["--image", "nosuch"],
            what: "no image tagged nosuch; the archive has: registry.example/app:1.2".into(),
            ..Case::default()
        },
        Case {
            name: "an image tag a two-image archive does not have lists both",
            image: Image::Archive(two_images),
            file: "two.tar",
            args: vec!["--image", "nosuch:3"],
            what: "no image tagged nosuch:3; the archive has: app:1, tool:2".into(),
            ..Case::default()
        },
        Case {
            name: "a platform a single-platform docker-archive does not have",
            image: Image::Archive(one_layer().build()),
            args: vec!["--platform", "linux/s390x"],
            what: no_s390x.into(),
            ..Case::default()
        },
        Case {
            name: "a platform a single-platform OCI layout does not have",
            image: Image::Layout(
                OciLayout::new().layer(Layer::new().file("x", 1).tar(), OCI_LAYER_TAR),
            ),
            args: vec!["--platform", "linux/s390x"],
            what: no_s390x.into(),
            ..Case::default()
        },
        malformed_platform(
            "a --platform argument without a slash is malformed",
            "garbage",
        ),
        malformed_platform(
            "a --platform argument with an empty architecture is malformed",
            "linux/",
        ),
        malformed_platform(
            "a --platform argument with more than a variant after the architecture is malformed",
            "linux/arm/v7/extra",
        ),
    ];
    cases.iter().for_each(assert_case);
}

// ---------------------------------------------------------------------------------------------
// Errors that do not fit the table
// ---------------------------------------------------------------------------------------------

/// The outer tar names the missing bytes against the end of the file, or of the stream on stdin:
/// the two messages differ.
#[test]
fn outer_tar_truncated_inside_a_members_data_is_an_error_naming_the_member() {
    let layer = Layer::new().file_data("big", &noise(5000)).tar();
    let layer_len = layer.len();
    let mut archive = DockerArchive::new().layer(layer).build();
    // `layer0/` header, `layer0/layer.tar` header, then the layer's data: keep 1000 bytes of it.
    archive.truncate(512 + 512 + 1000);
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    assert_eq!(
        layers_fails("truncated outer tar, from a file", &path, &[]),
        format!(
            "error: {}: layer0/layer.tar: corrupt or truncated tar: member of {layer_len} bytes \
             runs past the end of the file ({} bytes missing)\n",
            shown(&path),
            layer_len - 1000
        )
    );
    // On stdin the same member is named, measured against where the stream ended.
    assert_eq!(
        layers_fails_stdin("truncated outer tar, from stdin", archive, &[]),
        format!(
            "error: <stdin>: layer0/layer.tar: corrupt or truncated tar: member of {layer_len} bytes \
             runs past the end of the archive ({} bytes missing)\n",
            layer_len - 1000
        )
    );
}

#[test]
fn empty_directory_is_not_an_oci_layout() {
    let dir = tempdir();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("dir is created");
    assert_eq!(
        layers_fails("empty directory", &empty, &[]),
        format!(
            "error: {}: a directory must be an OCI image layout, but it has no index.json\n",
            shown(&empty)
        )
    );
}

#[test]
fn errors_also_fail_inventory_with_exit_code_2() {
    let dir = tempdir();
    let path = one_layer().missing_layer().write(dir.path(), "app.tar");
    let stderr = fails("inventory", &["inventory", path_str(&path)], None);
    assert_eq!(
        stderr,
        format!(
            "error: {}: layer1/layer.tar: not found in the image\n",
            shown(&path)
        )
    );
}
