//! Broken synthetic images: every one must end with exit code 2 and a single `error: FILE: MEMBER:
//! what is wrong` line on stderr, never a panic.

use std::io::Read;

use crate::support::{
    fails, gzip, gzip_two_members, layers_fails, layers_fails_stdin, noise, path_str, plain_tar,
    shown, tempdir, write_file, DockerArchive, Layer, OciLayout, CODECS, OCI_LAYER_GZIP,
    OCI_LAYER_TAR,
};

/// A valid one-layer archive to break in one place.
fn one_layer() -> DockerArchive {
    DockerArchive::new().layer(Layer::new().file("etc/conf", 10).tar())
}

#[test]
fn missing_layer_blob_named_in_manifest_is_an_error_naming_the_member_from_a_file_and_stdin() {
    let dir = tempdir();
    let path = one_layer().missing_layer().write(dir.path(), "app.tar");
    assert_eq!(
        layers_fails(&path, &[]),
        format!(
            "error: {}: layer1/layer.tar: not found in the image\n",
            shown(&path)
        )
    );
    let archive = one_layer().missing_layer().build();
    assert_eq!(
        layers_fails_stdin(archive),
        "error: <stdin>: layer1/layer.tar: not found in the image\n"
    );
}

#[test]
fn bad_json_in_manifest_is_an_error_naming_manifest_json() {
    let dir = tempdir();
    let path = one_layer()
        .manifest_bytes(br#"[{"Config": "config.json", "Layers": "#)
        .write(dir.path(), "app.tar");
    let stderr = layers_fails(&path, &[]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: manifest.json: invalid JSON: EOF while parsing",
            shown(&path)
        )),
        "{stderr}"
    );
}

#[test]
fn bad_json_in_config_is_an_error_naming_the_config() {
    let dir = tempdir();
    let path = one_layer()
        .config_bytes(br#"{"history": [}"#)
        .write(dir.path(), "app.tar");
    let stderr = layers_fails(&path, &[]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: config.json: invalid JSON: ",
            shown(&path)
        )),
        "{stderr}"
    );
}

#[test]
fn history_with_more_layer_entries_than_layers_is_an_error() {
    let dir = tempdir();
    let path = one_layer()
        .history(&["ADD rootfs.tar /", "RUN make"])
        .write(dir.path(), "app.tar");
    assert_eq!(
        layers_fails(&path, &[]),
        format!(
            "error: {}: config.json: the config history has 2 entries that made a layer, but the \
             image has 1 layers\n",
            shown(&path)
        )
    );
}

#[test]
fn diff_ids_count_different_from_layer_count_is_an_error() {
    let dir = tempdir();
    let path = one_layer()
        .layer(Layer::new().file("b", 1).tar())
        .diff_id_count(3)
        .write(dir.path(), "app.tar");
    assert_eq!(
        layers_fails(&path, &[]),
        format!(
            "error: {}: config.json: the config lists 3 layer diff_ids but the manifest lists 2 \
             layers\n",
            shown(&path)
        )
    );
}

#[test]
fn layer_symlink_pointing_outside_the_archive_relative_or_absolute_is_an_error() {
    for target in ["../../etc/passwd", "/etc/passwd"] {
        let archive = one_layer().layer_symlink(target).build();
        let dir = tempdir();
        let path = write_file(dir.path(), "app.tar", &archive);
        let what = format!(
            "layer1/layer.tar: link layer1/layer.tar -> {target} points outside the archive\n"
        );
        assert_eq!(
            layers_fails(&path, &[]),
            format!("error: {}: {what}", shown(&path))
        );
        assert_eq!(
            layers_fails_stdin(archive),
            format!("error: <stdin>: {what}")
        );
    }
}

#[test]
fn layer_symlink_cycle_is_an_error() {
    let archive = DockerArchive::new()
        .layer_symlink("../layer1/layer.tar")
        .layer_symlink("../layer0/layer.tar")
        .build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    let what = "layer0/layer.tar: links starting at layer0/layer.tar form a cycle\n";
    assert_eq!(
        layers_fails(&path, &[]),
        format!("error: {}: {what}", shown(&path))
    );
    assert_eq!(
        layers_fails_stdin(archive),
        format!("error: <stdin>: {what}")
    );
}

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
        layers_fails(&path, &[]),
        format!(
            "error: {}: layer0/layer.tar: corrupt or truncated tar: member of {layer_len} bytes \
             runs past the end of the file ({} bytes missing)\n",
            shown(&path),
            layer_len - 1000
        )
    );
    // On stdin the same member is named, measured against where the stream ended.
    assert_eq!(
        layers_fails_stdin(archive),
        format!(
            "error: <stdin>: layer0/layer.tar: corrupt or truncated tar: member of {layer_len} bytes \
             runs past the end of the archive ({} bytes missing)\n",
            layer_len - 1000
        )
    );
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

#[test]
fn truncated_compressed_layer_is_an_error_naming_the_layer() {
    for codec in CODECS {
        let blob = (codec.compress)(&Layer::new().file_data("big", &noise(20_000)).tar());
        let cut = blob[..blob.len() / 2].to_vec();
        let what = match codec.name {
            "gzip" => {
                // The data of `big` starts after its one header.
                let present = decodable(flate2::read::MultiGzDecoder::new(&cut[..])) - 512;
                format!(
                    "layer0/layer.tar: layer 0 is truncated: its gzip stream ends inside the data \
                     of entry big ({present} of 20000 bytes)\n"
                )
            }
            // Noise does not compress: the tar is one block of the frame, and half a block
            // decodes to nothing, so not even the first header is there.
            "zstd" => "layer0/layer.tar: layer 0 is truncated: its zstd stream ends inside the \
                       first tar header\n"
                .to_string(),
            other => panic!("no expected message for a truncated {other} layer"),
        };
        let archive = DockerArchive::new().layer(cut).build();
        let dir = tempdir();
        let path = write_file(dir.path(), "app.tar", &archive);
        assert_eq!(
            layers_fails(&path, &[]),
            format!("error: {}: {what}", shown(&path)),
            "{}",
            codec.name
        );
        assert_eq!(
            layers_fails_stdin(archive),
            format!("error: <stdin>: {what}"),
            "{}",
            codec.name
        );
    }
}

#[test]
fn gzip_layer_cut_inside_a_files_data_says_how_much_of_it_is_there() {
    let tar = Layer::new().file_data("big", &noise(5000)).tar();
    // Two gzip members, the first holding the header and 600 data bytes: cut a few bytes into
    // the second, exactly those 600 bytes decode before the stream ends.
    let mut gz = gzip_two_members(&tar, 512 + 600);
    gz.truncate(gzip(&tar[..512 + 600]).len() + 4);
    let archive = DockerArchive::new()
        .layer(Layer::new().file("etc/conf", 10).tar())
        .layer(gz)
        .build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    let what = "layer1/layer.tar: layer 1 is truncated: its gzip stream ends inside the data of \
                entry big (600 of 5000 bytes)\n";
    assert_eq!(
        layers_fails(&path, &[]),
        format!("error: {}: {what}", shown(&path))
    );
    assert_eq!(
        layers_fails_stdin(archive),
        format!("error: <stdin>: {what}")
    );
}

#[test]
fn gzip_layer_missing_only_its_trailer_is_an_error() {
    let gz = gzip(&Layer::new().file("small", 10).tar());
    // Drop the CRC32 and length: every tar byte inflates, but the member is incomplete.
    let cut = gz[..gz.len() - 8].to_vec();
    let archive = DockerArchive::new().layer(cut).build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    let what = "layer0/layer.tar: layer 0 is truncated: its gzip stream ends early (the tar in it \
                is whole)\n";
    assert_eq!(
        layers_fails(&path, &[]),
        format!("error: {}: {what}", shown(&path))
    );
    assert_eq!(
        layers_fails_stdin(archive),
        format!("error: <stdin>: {what}")
    );
}

#[test]
fn gzip_layer_with_a_wrong_crc_is_an_error() {
    let mut gz = gzip(&Layer::new().file("small", 10).tar());
    let crc_at = gz.len() - 8;
    gz[crc_at] ^= 0xff;
    let dir = tempdir();
    let path = DockerArchive::new().layer(gz).write(dir.path(), "app.tar");
    assert_eq!(
        layers_fails(&path, &[]),
        format!(
            "error: {}: layer0/layer.tar: layer 0 is corrupt: its gzip stream does not decode: \
             corrupt gzip stream does not have a matching checksum\n",
            shown(&path)
        )
    );
}

/// A layer of two files whose second header has one byte changed, so its checksum is wrong.
fn layer_with_a_corrupt_second_header() -> Vec<u8> {
    let mut tar = Layer::new().file("a", 100).file("b", 10).tar();
    tar[512 + 512 + 1] ^= 0x01;
    tar
}

#[test]
fn layer_with_a_corrupt_header_is_an_error_saying_corrupt() {
    let archive = DockerArchive::new()
        .layer(layer_with_a_corrupt_second_header())
        .build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    let what = "layer0/layer.tar: layer 0 is corrupt: the tar header after entry a is invalid: \
                archive header checksum mismatch\n";
    assert_eq!(
        layers_fails(&path, &[]),
        format!("error: {}: {what}", shown(&path))
    );
    assert_eq!(
        layers_fails_stdin(archive),
        format!("error: <stdin>: {what}")
    );
}

#[test]
fn gzip_layer_with_a_corrupt_first_header_is_an_error_saying_corrupt() {
    let mut tar = Layer::new().file("a", 100).tar();
    tar[1] ^= 0x01;
    let dir = tempdir();
    let root = OciLayout::new()
        .layer(gzip(&tar), OCI_LAYER_GZIP)
        .write(&dir.path().join("layout"));
    let blob = OciLayout::layer_digest(0).replace(':', "/");
    assert_eq!(
        layers_fails(&root, &[]),
        format!(
            "error: {}: blobs/{blob}: layer 0 is corrupt: the first tar header is invalid: archive \
             header checksum mismatch\n",
            shown(&root)
        )
    );
}

/// A blob that starts with these magic bytes and holds nothing else of use.
fn compressed_with(magic: &[u8]) -> Vec<u8> {
    let mut blob = magic.to_vec();
    blob.extend_from_slice(&[0u8; 64]);
    blob
}

#[test]
fn xz_compressed_layer_is_refused_naming_the_compression_and_the_layer() {
    let dir = tempdir();
    let root = OciLayout::new()
        .layer(Layer::new().file("etc/conf", 10).tar(), OCI_LAYER_TAR)
        .layer(
            compressed_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]),
            "application/vnd.oci.image.layer.v1.tar+xz",
        )
        .write(&dir.path().join("layout"));
    let blob = OciLayout::layer_digest(1).replace(':', "/");
    assert_eq!(
        layers_fails(&root, &[]),
        format!(
            "error: {}: blobs/{blob}: layer 1 is xz-compressed; sizegate reads plain, gzip and \
             zstd layers\n",
            shown(&root)
        )
    );
}

#[test]
fn bzip2_compressed_layer_is_refused_naming_the_compression_and_the_layer() {
    let archive = DockerArchive::new()
        .layer(compressed_with(b"BZh91AY&SY"))
        .build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    let what =
        "layer0/layer.tar: layer 0 is bzip2-compressed; sizegate reads plain, gzip and zstd \
                layers\n";
    assert_eq!(
        layers_fails(&path, &[]),
        format!("error: {}: {what}", shown(&path))
    );
    assert_eq!(
        layers_fails_stdin(archive),
        format!("error: <stdin>: {what}")
    );
}

#[test]
fn layer_blob_at_two_positions_is_named_without_a_position() {
    // The blob is layer 0 and, through a symlink member, layer 2: no one position is its.
    let archive = DockerArchive::new()
        .layer(compressed_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]))
        .layer(Layer::new().file("etc/conf", 10).tar())
        .layer_symlink("../layer0/layer.tar")
        .build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    assert_eq!(
        layers_fails(&path, &[]),
        format!(
            "error: {}: layer0/layer.tar: the layer is xz-compressed; sizegate reads plain, gzip \
             and zstd layers\n",
            shown(&path)
        )
    );
}

#[test]
fn file_that_is_not_a_tar_is_an_error() {
    let dir = tempdir();
    let short = write_file(dir.path(), "notes.txt", b"this is not a tar\n");
    let stderr = layers_fails(&short, &[]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: corrupt or truncated tar: ",
            shown(&short)
        )),
        "{stderr}"
    );
    let long = write_file(dir.path(), "notes-long.txt", &b"not a tar\n".repeat(200));
    let stderr = layers_fails(&long, &[]);
    assert!(
        stderr.starts_with(&format!(
            "error: {}: corrupt or truncated tar: ",
            shown(&long)
        )),
        "{stderr}"
    );
    let stderr = layers_fails_stdin(b"not a tar\n".repeat(200));
    assert!(
        stderr.starts_with("error: <stdin>: corrupt or truncated tar: "),
        "{stderr}"
    );
}

#[test]
fn empty_file_is_an_error() {
    let dir = tempdir();
    let path = write_file(dir.path(), "empty.tar", b"");
    assert_eq!(
        layers_fails(&path, &[]),
        format!(
            "error: {}: empty tar: not a container image\n",
            shown(&path)
        )
    );
}

#[test]
fn empty_directory_is_not_an_oci_layout() {
    let dir = tempdir();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).expect("dir is created");
    assert_eq!(
        layers_fails(&empty, &[]),
        format!(
            "error: {}: a directory must be an OCI image layout, but it has no index.json\n",
            shown(&empty)
        )
    );
}

#[test]
fn tar_with_neither_manifest_nor_index_is_not_a_container_image() {
    let tar = plain_tar(&[("hello.txt", b"hello\n"), ("oci-layout", b"{}")]);
    let dir = tempdir();
    let path = write_file(dir.path(), "files.tar", &tar);
    let what = "not a container image: the tar has neither manifest.json (docker-archive) nor \
                index.json (OCI)\n";
    assert_eq!(
        layers_fails(&path, &[]),
        format!("error: {}: {what}", shown(&path))
    );
    assert_eq!(layers_fails_stdin(tar), format!("error: <stdin>: {what}"));
}

#[test]
fn image_that_is_not_in_the_archive_is_an_error_listing_the_tags() {
    let dir = tempdir();
    let path = one_layer()
        .tags(&["registry.example/app:1.2"])
        .write(dir.path(), "app.tar");
    assert_eq!(
        layers_fails(&path, &["--image", "nosuch"]),
        format!(
            "error: {}: no image tagged nosuch; the archive has: registry.example/app:1.2\n",
            shown(&path)
        )
    );
}

#[test]
fn image_not_in_a_two_image_archive_is_an_error_listing_both() {
    let archive = one_layer();
    let config = archive.config_json();
    let manifest = serde_json::json!([
        { "Config": "config.json", "RepoTags": ["app:1"], "Layers": ["layer0/layer.tar"] },
        { "Config": "config.json", "RepoTags": ["tool:2"], "Layers": ["layer0/layer.tar"] },
    ]);
    let dir = tempdir();
    let path = archive
        .config_bytes(&serde_json::to_vec(&config).expect("JSON"))
        .manifest_bytes(&serde_json::to_vec(&manifest).expect("JSON"))
        .write(dir.path(), "two.tar");
    assert_eq!(
        layers_fails(&path, &["--image", "nosuch:3"]),
        format!(
            "error: {}: no image tagged nosuch:3; the archive has: app:1, tool:2\n",
            shown(&path)
        )
    );
}

#[test]
fn platform_not_in_a_single_platform_docker_archive_or_oci_layout_is_an_error() {
    let dir = tempdir();
    let archive = one_layer().write(dir.path(), "app.tar");
    let layout = OciLayout::new()
        .layer(Layer::new().file("x", 1).tar(), OCI_LAYER_TAR)
        .write(&dir.path().join("layout"));
    for path in [archive, layout] {
        assert_eq!(
            layers_fails(&path, &["--platform", "linux/s390x"]),
            format!(
                "error: {}: no image for platform linux/s390x; the archive has: app:1 \
                 (linux/amd64)\n",
                shown(&path)
            )
        );
    }
}

#[test]
fn malformed_platform_argument_is_an_error() {
    let dir = tempdir();
    let path = one_layer().write(dir.path(), "app.tar");
    for bad in ["garbage", "linux/", "linux/arm/v7/extra"] {
        assert_eq!(
            layers_fails(&path, &["--platform", bad]),
            format!(
                "error: {}: --platform {bad:?} is not of the form os/arch[/variant], e.g. \
                 linux/arm64\n",
                shown(&path)
            )
        );
    }
}

#[test]
fn errors_also_fail_inventory_with_exit_code_2() {
    let dir = tempdir();
    let path = one_layer().missing_layer().write(dir.path(), "app.tar");
    let stderr = fails(&["inventory", path_str(&path)], None);
    assert_eq!(
        stderr,
        format!(
            "error: {}: layer1/layer.tar: not found in the image\n",
            shown(&path)
        )
    );
}
