//! Layer numbers of synthetic images built in the test: compression sniffed from magic bytes,
//! whiteouts, hard links, long and non-UTF-8 names, path normalization, layer tars without their
//! end-of-archive blocks or final padding, and the same image read from a file and from stdin.

use crate::support::{
    diff_id, gzip, gzip_two_members, inventory_of, inventory_rows, layers_cmd, layers_of,
    layers_of_stdin, link_row, noise, path_str, row, run, tempdir, totals, write_file, zstd,
    DockerArchive, Layer, OciLayout, Row, Totals, CODECS, OCI_LAYER_GZIP, OCI_LAYER_TAR,
};

// ---------------------------------------------------------------------------------------------
// 7. Compression is sniffed from magic bytes, never from the media type
// ---------------------------------------------------------------------------------------------

/// A compressed layer of one file, and the numbers it must give.
struct CompressedLayer {
    what: &'static str,
    tar: Vec<u8>,
    compress: fn(&[u8]) -> Vec<u8>,
    size: u64,
    files: u64,
}

#[test]
fn compressed_layers_are_read_whole_and_their_blob_length_is_the_compressed_size() {
    let cases = [
        // The split falls inside app/b's data: a reader that stops after the first gzip member
        // would see a truncated layer.
        CompressedLayer {
            what: "gzip layer with two members",
            tar: Layer::new()
                .dir("app/")
                .file("app/a", 1000)
                .file("app/b", 3000)
                .tar(),
            compress: |tar| gzip_two_members(tar, tar.len() / 2),
            size: 4000,
            files: 2,
        },
        CompressedLayer {
            what: "zstd layer",
            tar: Layer::new()
                .file("usr/lib/big.so", 5000)
                .file("etc/conf", 12)
                .tar(),
            compress: zstd,
            size: 5012,
            files: 2,
        },
    ];
    for case in cases {
        let blob = (case.compress)(&case.tar);
        let archive = DockerArchive::new().layer(blob.clone()).build();
        let dir = tempdir();
        let path = write_file(dir.path(), "app.tar", &archive);
        let want = Totals {
            image_size: case.size,
            compressed_size: Some(blob.len() as u64),
            final_size: case.size,
            wasted_bytes: 0,
            final_files: case.files,
            layers: vec![(case.size, case.files)],
        };
        let what = case.what;
        assert_eq!(totals(&layers_of(&path)), want, "{what} from a file");
        assert_eq!(totals(&layers_of_stdin(archive)), want, "{what} from stdin");
    }
}

#[test]
fn plain_tar_labelled_gzip_in_oci_layout_is_read_as_plain_with_null_compressed_size() {
    let tar = Layer::new().file("data/x", 700).file("data/y", 300).tar();
    let dir = tempdir();
    let root = OciLayout::new()
        .layer(tar, OCI_LAYER_GZIP)
        .write(&dir.path().join("layout"));

    let report = layers_of(&root);
    assert_eq!(
        totals(&report),
        Totals {
            image_size: 1000,
            compressed_size: None,
            final_size: 1000,
            wasted_bytes: 0,
            final_files: 2,
            layers: vec![(1000, 2)],
        }
    );
    assert!(report["images"][0]["compressed_size"].is_null());
    assert_eq!(report["images"][0]["layers"][0]["digest"], diff_id(0));
}

#[test]
fn compressed_blob_labelled_plain_tar_in_oci_layout_is_read_as_compressed() {
    for codec in CODECS {
        let blob = (codec.compress)(&Layer::new().file("data/x", 700).tar());
        let dir = tempdir();
        let root = OciLayout::new()
            .layer(blob.clone(), OCI_LAYER_TAR)
            .write(&dir.path().join("layout"));

        assert_eq!(
            totals(&layers_of(&root)),
            Totals {
                image_size: 700,
                compressed_size: Some(blob.len() as u64),
                final_size: 700,
                wasted_bytes: 0,
                final_files: 1,
                layers: vec![(700, 1)],
            },
            "{}",
            codec.name
        );
    }
}

#[test]
fn compressed_size_is_the_exact_blob_length_in_oci_layout() {
    for codec in CODECS {
        let blob = (codec.compress)(&Layer::new().file_data("bin/tool", &noise(20_000)).tar());
        let dir = tempdir();
        let root = OciLayout::new()
            .layer(blob, codec.media_type)
            .write(&dir.path().join("layout"));
        let on_disk = std::fs::metadata(OciLayout::layer_blob_path(&root, 0))
            .expect("blob exists")
            .len();

        let t = totals(&layers_of(&root));
        assert_eq!(t.compressed_size, Some(on_disk), "{}", codec.name);
        assert_eq!(t.layers, vec![(20_000, 1)], "{}", codec.name);
    }
}

#[test]
fn compressed_size_sums_every_stored_blob_when_one_layer_is_gzip() {
    let gz = gzip(&Layer::new().file("a", 4000).tar());
    let plain = Layer::new().file("b", 100).tar();
    let archive = DockerArchive::new()
        .layer(gz.clone())
        .layer(plain.clone())
        .build();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);

    assert_eq!(
        totals(&layers_of(&path)),
        Totals {
            image_size: 4100,
            compressed_size: Some((gz.len() + plain.len()) as u64),
            final_size: 4100,
            wasted_bytes: 0,
            final_files: 2,
            layers: vec![(4000, 1), (100, 1)],
        }
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Whiteouts, hard links, long and non-UTF-8 names, path normalization
// ---------------------------------------------------------------------------------------------

/// Writes a docker-archive of these layer tars and returns its totals, its inventory rows and the
/// raw inventory CSV.
fn read_image(layers: Vec<Vec<u8>>) -> (Totals, Vec<Row>, Vec<u8>) {
    let mut archive = DockerArchive::new();
    for layer in layers {
        archive = archive.layer(layer);
    }
    let dir = tempdir();
    let path = archive.write(dir.path(), "app.tar");
    let csv = inventory_of(&path);
    (totals(&layers_of(&path)), inventory_rows(&csv), csv)
}

#[test]
fn file_whiteout_deletes_the_lower_file_and_its_bytes_are_waste() {
    let (t, rows, _) = read_image(vec![
        Layer::new()
            .dir("etc/")
            .file("etc/a", 100)
            .file("etc/b", 200)
            .tar(),
        Layer::new().whiteout("etc/.wh.a").tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 300,
            compressed_size: None,
            final_size: 200,
            wasted_bytes: 100,
            final_files: 1,
            layers: vec![(300, 2), (0, 0)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, "/etc", "dir", 0, "visible", None),
            row(0, "/etc/a", "file", 100, "deleted", Some(1)),
            row(0, "/etc/b", "file", 200, "visible", None),
            row(1, "/etc/.wh.a", "whiteout", 0, "marker", None),
        ]
    );
}

#[test]
fn directory_whiteout_deletes_everything_below_but_not_a_sibling_with_the_same_prefix() {
    let (t, rows, _) = read_image(vec![
        Layer::new()
            .dir("opt/")
            .dir("opt/data/")
            .file("opt/data/x", 10)
            .file("opt/data/sub/y", 20)
            .file("opt/data-keep", 5)
            .tar(),
        Layer::new().whiteout("opt/.wh.data").tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 35,
            compressed_size: None,
            final_size: 5,
            wasted_bytes: 30,
            final_files: 1,
            layers: vec![(35, 3), (0, 0)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, "/opt", "dir", 0, "visible", None),
            row(0, "/opt/data", "dir", 0, "deleted", Some(1)),
            row(0, "/opt/data/x", "file", 10, "deleted", Some(1)),
            row(0, "/opt/data/sub/y", "file", 20, "deleted", Some(1)),
            row(0, "/opt/data-keep", "file", 5, "visible", None),
            row(1, "/opt/.wh.data", "whiteout", 0, "marker", None),
        ]
    );
}

#[test]
fn opaque_whiteout_hides_lower_children_but_not_its_own_layers_files() {
    let (t, rows, _) = read_image(vec![
        Layer::new()
            .dir("c/")
            .file("c/old", 10)
            .file("c/sub/deep", 15)
            .file("c2", 1)
            .tar(),
        // The marker comes after the new file on purpose: order inside a layer does not matter.
        Layer::new()
            .dir("c/")
            .file("c/new", 20)
            .whiteout("c/.wh..wh..opq")
            .tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 46,
            compressed_size: None,
            final_size: 21,
            wasted_bytes: 25,
            final_files: 2,
            layers: vec![(26, 3), (20, 1)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, "/c", "dir", 0, "overwritten", Some(1)),
            row(0, "/c/old", "file", 10, "deleted", Some(1)),
            row(0, "/c/sub/deep", "file", 15, "deleted", Some(1)),
            row(0, "/c2", "file", 1, "visible", None),
            row(1, "/c", "dir", 0, "visible", None),
            row(1, "/c/new", "file", 20, "visible", None),
            row(1, "/c/.wh..wh..opq", "opaque", 0, "marker", None),
        ]
    );
}

#[test]
fn whiteout_in_the_same_layer_does_not_delete_that_layers_own_file() {
    let (t, rows, _) = read_image(vec![
        Layer::new().file("x", 10).tar(),
        Layer::new()
            .file("x", 7)
            .whiteout(".wh.x")
            .file("y", 3)
            .whiteout(".wh.y")
            .tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 20,
            compressed_size: None,
            final_size: 10,
            wasted_bytes: 10,
            final_files: 2,
            layers: vec![(10, 1), (10, 2)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, "/x", "file", 10, "deleted", Some(1)),
            row(1, "/x", "file", 7, "visible", None),
            row(1, "/.wh.x", "whiteout", 0, "marker", None),
            row(1, "/y", "file", 3, "visible", None),
            row(1, "/.wh.y", "whiteout", 0, "marker", None),
        ]
    );
}

#[test]
fn hard_links_share_their_targets_bytes_and_are_counted_once() {
    let (t, rows, _) = read_image(vec![Layer::new()
        .dir("bin/")
        .file("bin/foo", 2048)
        .hardlink("bin/foo-compat", "bin/foo")
        .hardlink("./bin/foo-again", "./bin/foo")
        .tar()]);
    assert_eq!(
        t,
        Totals {
            image_size: 2048,
            compressed_size: None,
            final_size: 2048,
            wasted_bytes: 0,
            final_files: 3,
            layers: vec![(2048, 3)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, "/bin", "dir", 0, "visible", None),
            row(0, "/bin/foo", "file", 2048, "visible", None),
            link_row(
                0,
                "/bin/foo-compat",
                "hardlink",
                "/bin/foo",
                "visible",
                None
            ),
            link_row(0, "/bin/foo-again", "hardlink", "/bin/foo", "visible", None),
        ]
    );
}

#[test]
fn deleted_original_whose_hard_link_survives_is_not_waste() {
    let (t, rows, _) = read_image(vec![
        Layer::new()
            .file("bin/foo", 2048)
            .hardlink("bin/foo-compat", "bin/foo")
            .tar(),
        Layer::new().whiteout("bin/.wh.foo").tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 2048,
            compressed_size: None,
            final_size: 2048,
            wasted_bytes: 0,
            final_files: 1,
            layers: vec![(2048, 2), (0, 0)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, "/bin/foo", "file", 2048, "deleted", Some(1)),
            link_row(
                0,
                "/bin/foo-compat",
                "hardlink",
                "/bin/foo",
                "visible",
                None
            ),
            row(1, "/bin/.wh.foo", "whiteout", 0, "marker", None),
        ]
    );
}

#[test]
fn hard_linked_bytes_become_waste_once_every_link_is_deleted() {
    let (t, _, _) = read_image(vec![
        Layer::new()
            .file("bin/foo", 2048)
            .hardlink("bin/foo-compat", "bin/foo")
            .tar(),
        Layer::new().whiteout("bin/.wh.foo").tar(),
        Layer::new().whiteout("bin/.wh.foo-compat").tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 2048,
            compressed_size: None,
            final_size: 0,
            wasted_bytes: 2048,
            final_files: 0,
            layers: vec![(2048, 2), (0, 0), (0, 0)],
        }
    );
}

#[test]
fn pax_long_name_is_used_whole_instead_of_the_truncated_header_name() {
    let long = format!("usr/share/{}/file.txt", "long-directory-name-".repeat(10));
    assert!(long.len() > 200);
    let (t, rows, _) = read_image(vec![Layer::new()
        .pax_file(&long, 123)
        .file("short", 7)
        .tar()]);
    assert_eq!(
        t,
        Totals {
            image_size: 130,
            compressed_size: None,
            final_size: 130,
            wasted_bytes: 0,
            final_files: 2,
            layers: vec![(130, 2)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, format!("/{long}"), "file", 123, "visible", None),
            row(0, "/short", "file", 7, "visible", None),
        ]
    );
}

#[test]
fn gnu_long_names_and_long_link_targets_are_kept_whole() {
    let long = format!("opt/{}/data.bin", "gnu-long-name-".repeat(10));
    let target = format!("../{}/target", "gnu-long-link-".repeat(10));
    assert!(long.len() > 100 && target.len() > 100);
    let (t, rows, _) = read_image(vec![Layer::new()
        .gnu_file(&long, 321)
        .gnu_long_symlink("opt/link", &target)
        .tar()]);
    assert_eq!(
        t,
        Totals {
            image_size: 321,
            compressed_size: None,
            final_size: 321,
            wasted_bytes: 0,
            final_files: 1,
            layers: vec![(321, 1)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, format!("/{long}"), "file", 321, "visible", None),
            link_row(0, "/opt/link", "symlink", &target, "visible", None),
        ]
    );
}

#[test]
fn non_utf8_names_are_kept_byte_for_byte_in_the_inventory_csv() {
    let (t, rows, csv) = read_image(vec![
        Layer::new()
            .file(b"caf\xe9.txt", 5)
            .dir(b"d\xff/")
            .file(b"d\xff/n\xc3\x28", 9)
            .tar(),
        Layer::new().whiteout(b".wh.caf\xe9.txt").tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 14,
            compressed_size: None,
            final_size: 9,
            wasted_bytes: 5,
            final_files: 1,
            layers: vec![(14, 2), (0, 0)],
        }
    );
    assert_eq!(
        rows,
        vec![
            row(0, b"/caf\xe9.txt", "file", 5, "deleted", Some(1)),
            row(0, b"/d\xff", "dir", 0, "visible", None),
            row(0, b"/d\xff/n\xc3\x28", "file", 9, "visible", None),
            row(1, b"/.wh.caf\xe9.txt", "whiteout", 0, "marker", None),
        ]
    );
    // The raw stdout holds the names as stored, not U+FFFD replacements.
    let contains = |needle: &[u8]| csv.windows(needle.len()).any(|w| w == needle);
    assert!(contains(b",/caf\xe9.txt,file,5,"));
    assert!(contains(b",/d\xff/n\xc3\x28,file,9,"));
    assert!(!contains("\u{fffd}".as_bytes()));
}

#[test]
fn dot_slash_relative_and_absolute_names_are_one_absolute_path_and_later_overwrites_earlier() {
    let (t, rows, _) = read_image(vec![
        Layer::new()
            .dir("./")
            .dir("./etc/")
            .file("./etc/x", 10)
            .file("./etc/y", 50)
            .tar(),
        Layer::new().file("etc/x", 3).tar(),
        Layer::new().file("/etc/x", 1).whiteout("/etc/.wh.y").tar(),
    ]);
    assert_eq!(
        t,
        Totals {
            image_size: 64,
            compressed_size: None,
            final_size: 1,
            wasted_bytes: 63,
            final_files: 1,
            layers: vec![(60, 2), (3, 1), (1, 1)],
        }
    );
    // `./` itself is the root and gets no row.
    assert_eq!(
        rows,
        vec![
            row(0, "/etc", "dir", 0, "visible", None),
            row(0, "/etc/x", "file", 10, "overwritten", Some(1)),
            row(0, "/etc/y", "file", 50, "deleted", Some(2)),
            row(1, "/etc/x", "file", 3, "overwritten", Some(2)),
            row(2, "/etc/x", "file", 1, "visible", None),
            row(2, "/etc/.wh.y", "whiteout", 0, "marker", None),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Layer tars cut short: missing end blocks and padding are fine (missing data is an error, in
//    synthetic_errors.rs)
// ---------------------------------------------------------------------------------------------

/// Layer 0 ends without end-of-archive blocks; layer 1 also without the padding of its last file;
/// layer 2 is a normal tar on top.
fn unterminated_layers_archive() -> Vec<u8> {
    let no_end = Layer::new()
        .file("a", 100)
        .file("b", 700)
        .tar_without_end_blocks();
    assert_eq!(no_end.len(), 512 + 512 + 512 + 1024);
    let no_padding = Layer::new()
        .file("a", 30)
        .file("c", 300)
        .tar_without_end_blocks_or_padding();
    assert_eq!(no_padding.len(), 512 + 512 + 512 + 300);
    DockerArchive::new()
        .layer(no_end)
        .layer(no_padding)
        .layer(Layer::new().file("d", 1).tar())
        .build()
}

fn unterminated_layers_totals() -> Totals {
    Totals {
        image_size: 1131,
        compressed_size: None,
        final_size: 1031,
        wasted_bytes: 100,
        final_files: 4,
        layers: vec![(800, 2), (330, 2), (1, 1)],
    }
}

#[test]
fn layers_without_end_blocks_or_final_padding_are_read_completely_from_a_file_and_from_stdin() {
    let archive = unterminated_layers_archive();
    let dir = tempdir();
    let path = write_file(dir.path(), "app.tar", &archive);
    let mut from_file = layers_cmd(&[path_str(&path)]);
    let mut from_stdin = layers_cmd(&["-"]);
    from_stdin.write_stdin(archive);
    for (source, cmd) in [("file", &mut from_file), ("stdin", &mut from_stdin)] {
        let run = run(cmd);
        assert_eq!(run.code, 0, "{source}: {}", run.stderr);
        assert!(
            run.stderr.is_empty(),
            "{source}: no error and no note on stderr"
        );
        assert_eq!(
            totals(&run.json()),
            unterminated_layers_totals(),
            "{source}"
        );
    }
}

#[test]
fn compressed_layer_without_end_blocks_or_padding_is_read_completely() {
    for codec in CODECS {
        let tar = Layer::new()
            .file("a", 100)
            .file("c", 300)
            .tar_without_end_blocks_or_padding();
        let archive = DockerArchive::new().layer((codec.compress)(&tar)).build();
        let dir = tempdir();
        let path = write_file(dir.path(), "app.tar", &archive);
        let want = vec![(400, 2)];
        assert_eq!(
            totals(&layers_of(&path)).layers,
            want,
            "{} from a file",
            codec.name
        );
        assert_eq!(
            totals(&layers_of_stdin(archive)).layers,
            want,
            "{} from stdin",
            codec.name
        );
    }
}

// ---------------------------------------------------------------------------------------------
// stdin and compressed whole archives give the same numbers as the file
// ---------------------------------------------------------------------------------------------

/// A legacy `docker save` archive whose third layer repeats the first as a symlink member
/// `layer2/layer.tar -> ../layer0/layer.tar`.
fn legacy_archive_with_symlinked_layer() -> Vec<u8> {
    DockerArchive::new()
        .layer(Layer::new().file("f", 100).file("g", 50).tar())
        .layer(Layer::new().file("h", 30).tar())
        .layer_symlink("../layer0/layer.tar")
        .build()
}

fn legacy_totals() -> Totals {
    Totals {
        image_size: 330,
        compressed_size: None,
        final_size: 180,
        wasted_bytes: 150,
        final_files: 3,
        layers: vec![(150, 2), (30, 1), (150, 2)],
    }
}

#[test]
fn stdin_gives_the_same_report_as_the_file_for_a_legacy_archive_with_a_symlinked_layer() {
    let archive = legacy_archive_with_symlinked_layer();
    let dir = tempdir();
    let path = write_file(dir.path(), "legacy.tar", &archive);
    let from_file = layers_of(&path);
    let from_stdin = layers_of_stdin(archive);
    assert_eq!(totals(&from_file), legacy_totals());
    assert_eq!(from_stdin, from_file);
    // The symlinked layer keeps its own position and diff_id.
    assert_eq!(from_file["images"][0]["layers"][2]["digest"], diff_id(2));
    assert_eq!(
        from_file["images"][0]["layers"][2]["created_by"],
        "RUN step 2"
    );
}

#[test]
fn compressed_whole_archive_is_read_from_a_file_and_from_stdin() {
    for codec in CODECS {
        let compressed = (codec.compress)(&legacy_archive_with_symlinked_layer());
        let dir = tempdir();
        let name = format!("legacy.tar.{}", codec.extension);
        let path = write_file(dir.path(), &name, &compressed);
        let from_file = layers_of(&path);
        assert_eq!(totals(&from_file), legacy_totals(), "{}", codec.name);
        assert_eq!(
            layers_of_stdin(compressed),
            from_file,
            "{} from stdin",
            codec.name
        );
    }
}
