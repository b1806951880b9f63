//! Image pairs with one kind of change each, every delta pinned, from every kind of base and in
//! every format.

use serde_json::{json, Value};

use super::{
    assert_shown, changes, delta, image, layer, layers_report, ok, path, Base, Pair, Shown, L,
};
use crate::support::{layers_of, DockerArchive, Layer};

/// The layers most pairs start from: 10,400 bytes in two layers.
///
/// - layer 0 (`FROM scratch`, diff_id a0): /etc/conf 100, /opt/app/run.sh 300,
///   /usr/lib/libold.so 4000, /usr/lib/libgrow.so 1000, /usr/lib/libshrink.so 3000;
/// - layer 1 (`COPY app /opt/app`, diff_id a1): /opt/app/data.bin 2000.
pub(crate) fn base_layers() -> Vec<L> {
    vec![
        L(
            0xa0,
            "FROM scratch",
            Layer::new()
                .file("etc/conf", 100)
                .file("opt/app/run.sh", 300)
                .file("usr/lib/libold.so", 4000)
                .file("usr/lib/libgrow.so", 1000)
                .file("usr/lib/libshrink.so", 3000),
        ),
        L(
            0xa1,
            "COPY app /opt/app",
            Layer::new().file("opt/app/data.bin", 2000),
        ),
    ]
}

/// The base image, `app:1`.
pub(crate) fn base() -> DockerArchive {
    image("app:1", base_layers())
}

/// The base image with one more layer on top.
pub(crate) fn with_layer(extra: L) -> DockerArchive {
    let mut layers = base_layers();
    layers.push(extra);
    image("app:1", layers)
}

/// The two unchanged layers of the base, as rows.
fn same_base_layers() -> [Value; 2] {
    [
        layer(
            "same",
            Some(0),
            Some(0),
            0xa0,
            "FROM scratch",
            (Some(8400), Some(8400)),
        ),
        layer(
            "same",
            Some(1),
            Some(1),
            0xa1,
            "COPY app /opt/app",
            (Some(2000), Some(2000)),
        ),
    ]
}

const SAME_BASE_LAYERS: [[&str; 6]; 2] = [
    ["0", "same", "8.40 kB", "8.40 kB", "0 B", "FROM scratch"],
    ["1", "same", "2 kB", "2 kB", "0 B", "COPY app /opt/app"],
];

/// A layer of 5,000,000 bytes: /opt/extra/blob.bin.
fn blob_layer() -> L {
    L(
        0xa2,
        "COPY extra /opt/extra",
        Layer::new().file("opt/extra/blob.bin", 5_000_000),
    )
}

#[test]
fn a_layer_added_is_one_added_layer_row_and_the_file_it_added() {
    let pair = Pair::new(&base(), &with_layer(blob_layer()));
    let [l0, l1] = same_base_layers();
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        assert_eq!(
            changes(&diff),
            json!({
                "status": "compared",
                "delta": delta(5_000_000, 5_000_000, 0, 1, 1),
                "path_depth": null,
                "layers": [
                    l0,
                    l1,
                    layer("added", None, Some(2), 0xa2, "COPY extra /opt/extra", (None, Some(5_000_000))),
                ],
                // The report lists every file of the base (6, fewer than the 100 largest it
                // keeps): it is compared file by file, as the image is.
                "paths": [path("/opt/extra/blob.bin", "file", "added", 0, 5_000_000)],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "10.40 kB", "5.01 MB", "+5 MB (+48076.9 %)"],
                    ["final", "10.40 kB", "5.01 MB", "+5 MB (+48076.9 %)"],
                    ["wasted", "0 B", "0 B", "0 B"],
                    ["files", "6", "7", "+1"],
                    ["layers", "2", "3", "+1"],
                ],
                layers: &[
                    SAME_BASE_LAYERS[0],
                    SAME_BASE_LAYERS[1],
                    ["+2", "added", "", "5 MB", "+5 MB", "COPY extra /opt/extra"],
                ],
                paths: &[["added", "0 B", "5 MB", "+5 MB", "/opt/extra/blob.bin"]],
                more_paths: 0,
            },
        );
    }
}

/// The summaries of a diff are the `layers` contract's image objects without their lists, and
/// the top level is the first (only) image's comparison.
#[test]
fn the_summaries_are_the_layers_contract_without_its_lists() {
    let pair = Pair::new(&base(), &with_layer(blob_layer()));
    let summary = |report: Value| {
        let mut img = report["images"][0].clone();
        let obj = img.as_object_mut().expect("an image is an object");
        for key in ["layers", "directory_depth", "directories", "largest_files"] {
            assert!(obj.remove(key).is_some(), "`layers` has {key}");
        }
        img
    };
    let (base, new) = (
        summary(layers_of(&pair.base)),
        summary(layers_of(&pair.new)),
    );
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        assert_eq!(diff["base"], base, "{how:?} base");
        assert_eq!(diff["new"], new, "{how:?} base");
        assert_eq!(diff["schema_version"], 1);
        assert_eq!(diff["name"], "app:1");
        let images = diff["images"].as_array().expect("images");
        assert_eq!(images.len(), 1);
        let mut top = diff.clone();
        let top = top.as_object_mut().expect("object");
        top.remove("schema_version");
        top.remove("images");
        assert_eq!(Value::Object(top.clone()), images[0], "{how:?} base");
    }
}

/// The base has 101 files: its report lists the 100 largest and the directories to depth 3.
/// /opt/extra (depth 2) is not among them, so it held no file, and blob.bin below it is new,
/// though the report's largest files could not have named it: the same row as from the image.
#[test]
fn against_a_report_a_file_in_a_directory_it_does_not_list_is_added() {
    let first = || {
        let many = (0..100).fold(Layer::new(), |l, i| {
            l.file(format!("usr/share/many/f{i:03}"), 1000)
        });
        L(0xb0, "FROM scratch", many.file("opt/small", 10))
    };
    let pair = Pair::new(
        &image("app:1", vec![first()]),
        &image("app:1", vec![first(), blob_layer()]),
    );
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        assert_eq!(
            diff["paths"],
            json!([path("/opt/extra/blob.bin", "file", "added", 0, 5_000_000)]),
            "{how:?} base"
        );
        let depth = if how.is_report() {
            json!(3)
        } else {
            Value::Null
        };
        assert_eq!(diff["path_depth"], depth, "{how:?} base");
        assert_eq!(diff["delta"], delta(5_000_000, 5_000_000, 0, 1, 1));
    }
}

/// /opt/extra held a small file in the base, which is not among the report's 100 largest: the
/// report knows /opt/extra's total (depth 2) but not what is in it, so the growth shows at the
/// directory; the image base shows the file.
#[test]
fn against_a_report_a_file_added_to_a_kept_directory_shows_as_that_directory_growing() {
    let many = (0..100).fold(Layer::new(), |l, i| {
        l.file(format!("usr/share/many/f{i:03}"), 1000)
    });
    let base_layers = vec![L(0xb0, "FROM scratch", many.file("opt/extra/small", 10))];
    let new_layers = vec![
        L(
            0xb0,
            "FROM scratch",
            (0..100)
                .fold(Layer::new(), |l, i| {
                    l.file(format!("usr/share/many/f{i:03}"), 1000)
                })
                .file("opt/extra/small", 10),
        ),
        blob_layer(),
    ];
    let pair = Pair::new(&image("app:1", base_layers), &image("app:1", new_layers));
    let report = layers_report(&pair.base, pair.dir.path());
    let saved: Value = serde_json::from_slice(&std::fs::read(&report).expect("report"))
        .expect("the report is JSON");
    let largest = saved["images"][0]["largest_files"]
        .as_array()
        .expect("files");
    assert_eq!(largest.len(), 100);
    assert!(largest.iter().all(|f| f["path"] != "/opt/extra/small"));
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        let want = if how.is_report() {
            path("/opt/extra", "directory", "grown", 10, 5_000_010)
        } else {
            path("/opt/extra/blob.bin", "file", "added", 0, 5_000_000)
        };
        assert_eq!(diff["paths"], json!([want]), "{how:?} base");
        let depth = if how.is_report() {
            json!(3)
        } else {
            Value::Null
        };
        assert_eq!(diff["path_depth"], depth, "{how:?} base");
        assert_eq!(diff["delta"], delta(5_000_000, 5_000_000, 0, 1, 1));
        let (status, base, new, path) = if how.is_report() {
            ("grown", "10 B", "5.00 MB", "/opt/extra/")
        } else {
            ("added", "0 B", "5 MB", "/opt/extra/blob.bin")
        };
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "100.01 kB", "5.10 MB", "+5 MB (+4999.5 %)"],
                    ["final", "100.01 kB", "5.10 MB", "+5 MB (+4999.5 %)"],
                    ["wasted", "0 B", "0 B", "0 B"],
                    ["files", "101", "102", "+1"],
                    ["layers", "1", "2", "+1"],
                ],
                layers: &[
                    ["0", "same", "100.01 kB", "100.01 kB", "0 B", "FROM scratch"],
                    ["+1", "added", "", "5 MB", "+5 MB", "COPY extra /opt/extra"],
                ],
                paths: &[[status, base, new, "+5 MB", path]],
                more_paths: 0,
            },
        );
    }
}

#[test]
fn files_deleted_by_a_whiteout_rewritten_larger_and_rewritten_smaller() {
    let pair = Pair::new(
        &base(),
        &with_layer(L(
            0xa3,
            "RUN update-libs",
            Layer::new()
                .whiteout("usr/lib/.wh.libold.so")
                .file("usr/lib/libgrow.so", 1500)
                .file("usr/lib/libshrink.so", 1200),
        )),
    );
    let [l0, l1] = same_base_layers();
    for how in Base::ALL {
        assert_eq!(
            changes(&pair.json(how, &[])),
            json!({
                "status": "compared",
                // 2,700 bytes shipped; the 8,000 bytes of the base's three libraries are now
                // wasted; /usr/lib went from 8,000 to 2,700.
                "delta": delta(2700, -5300, 8000, -1, 1),
                "path_depth": null,
                "layers": [
                    l0,
                    l1,
                    layer("added", None, Some(2), 0xa3, "RUN update-libs", (None, Some(2700))),
                ],
                // /usr says what /usr/lib says: left out.
                "paths": [
                    path("/usr/lib", "directory", "shrunk", 8000, 2700),
                    path("/usr/lib/libold.so", "file", "removed", 4000, 0),
                    path("/usr/lib/libshrink.so", "file", "shrunk", 3000, 1200),
                    path("/usr/lib/libgrow.so", "file", "grown", 1000, 1500),
                ],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "10.40 kB", "13.10 kB", "+2.70 kB (+26.0 %)"],
                    ["final", "10.40 kB", "5.10 kB", "-5.30 kB (-51.0 %)"],
                    ["wasted", "0 B", "8 kB", "+8 kB"],
                    ["files", "6", "5", "-1"],
                    ["layers", "2", "3", "+1"],
                ],
                layers: &[
                    SAME_BASE_LAYERS[0],
                    SAME_BASE_LAYERS[1],
                    ["+2", "added", "", "2.70 kB", "+2.70 kB", "RUN update-libs"],
                ],
                paths: &[
                    ["shrunk", "8 kB", "2.70 kB", "-5.30 kB", "/usr/lib/"],
                    ["removed", "4 kB", "0 B", "-4 kB", "/usr/lib/libold.so"],
                    [
                        "shrunk",
                        "3 kB",
                        "1.20 kB",
                        "-1.80 kB",
                        "/usr/lib/libshrink.so",
                    ],
                    ["grown", "1 kB", "1.50 kB", "+500 B", "/usr/lib/libgrow.so"],
                ],
                more_paths: 0,
            },
        );
    }
}

#[test]
fn a_directory_deleted_by_a_whiteout_is_one_removed_row() {
    let pair = Pair::new(
        &base(),
        &with_layer(L(
            0xa4,
            "RUN rm -rf /opt/app",
            Layer::new().whiteout("opt/.wh.app"),
        )),
    );
    let [l0, l1] = same_base_layers();
    for how in Base::ALL {
        assert_eq!(
            changes(&pair.json(how, &[])),
            json!({
                "status": "compared",
                "delta": delta(0, -2300, 2300, -2, 1),
                "path_depth": null,
                "layers": [
                    l0,
                    l1,
                    layer("added", None, Some(2), 0xa4, "RUN rm -rf /opt/app", (None, Some(0))),
                ],
                "paths": [path("/opt/app", "directory", "removed", 2300, 0)],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "10.40 kB", "10.40 kB", "0 B"],
                    ["final", "10.40 kB", "8.10 kB", "-2.30 kB (-22.1 %)"],
                    ["wasted", "0 B", "2.30 kB", "+2.30 kB"],
                    ["files", "6", "4", "-2"],
                    ["layers", "2", "3", "+1"],
                ],
                layers: &[
                    SAME_BASE_LAYERS[0],
                    SAME_BASE_LAYERS[1],
                    ["+2", "added", "", "0 B", "0 B", "RUN rm -rf /opt/app"],
                ],
                paths: &[["removed", "2.30 kB", "0 B", "-2.30 kB", "/opt/app/"]],
                more_paths: 0,
            },
        );
    }
}

/// Three layers of disjoint files.
fn three_layers() -> [L; 3] {
    [
        L(0xc0, "FROM scratch", Layer::new().file("etc/conf", 100)),
        L(
            0xc1,
            "COPY app /opt/app",
            Layer::new().file("opt/app/data.bin", 2000),
        ),
        L(0xc2, "RUN make z", Layer::new().file("srv/z", 50)),
    ]
}

#[test]
fn layers_reordered_are_the_same_layers_at_other_positions_and_change_no_path() {
    let [a, b, c] = three_layers();
    let [a2, b2, c2] = three_layers();
    let pair = Pair::new(
        &image("app:1", vec![a, b, c]),
        &image("app:1", vec![a2, c2, b2]),
    );
    for how in Base::ALL {
        assert_eq!(
            changes(&pair.json(how, &[])),
            json!({
                "status": "compared",
                "delta": delta(0, 0, 0, 0, 0),
                "path_depth": null,
                "layers": [
                    layer("same", Some(0), Some(0), 0xc0, "FROM scratch", (Some(100), Some(100))),
                    layer("same", Some(2), Some(1), 0xc2, "RUN make z", (Some(50), Some(50))),
                    layer("same", Some(1), Some(2), 0xc1, "COPY app /opt/app", (Some(2000), Some(2000))),
                ],
                "paths": [],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "2.15 kB", "2.15 kB", "0 B"],
                    ["final", "2.15 kB", "2.15 kB", "0 B"],
                    ["wasted", "0 B", "0 B", "0 B"],
                    ["files", "3", "3", "0"],
                    ["layers", "3", "3", "0"],
                ],
                layers: &[
                    ["0", "same", "100 B", "100 B", "0 B", "FROM scratch"],
                    ["2→1", "same", "50 B", "50 B", "0 B", "RUN make z"],
                    ["1→2", "same", "2 kB", "2 kB", "0 B", "COPY app /opt/app"],
                ],
                paths: &[],
                more_paths: 0,
            },
        );
    }
}

/// Layer 1 has a new `diff_id` and a new instruction, at the same position: paired by position.
/// The `COPY app` layer has a new `diff_id` and moved up one (a layer was inserted below it):
/// paired by its instruction.
#[test]
fn layers_with_other_contents_pair_by_instruction_then_by_position() {
    let base = image(
        "app:1",
        vec![
            L(0xd0, "FROM scratch", Layer::new().file("etc/conf", 100)),
            L(0xd1, "RUN build a", Layer::new().file("srv/a", 700)),
            L(
                0xd2,
                "COPY app /opt/app",
                Layer::new().file("opt/app/data.bin", 2000),
            ),
        ],
    );
    let new = image(
        "app:1",
        vec![
            L(0xd0, "FROM scratch", Layer::new().file("etc/conf", 100)),
            L(0xe1, "RUN build b", Layer::new().file("srv/a", 900)),
            L(0xe2, "RUN install tool", Layer::new().file("opt/tool", 50)),
            L(
                0xe3,
                "COPY app /opt/app",
                Layer::new().file("opt/app/data.bin", 2600),
            ),
        ],
    );
    let pair = Pair::new(&base, &new);
    for how in Base::ALL {
        assert_eq!(
            changes(&pair.json(how, &[])),
            json!({
                "status": "compared",
                "delta": delta(850, 850, 0, 1, 1),
                "path_depth": null,
                "layers": [
                    layer("same", Some(0), Some(0), 0xd0, "FROM scratch", (Some(100), Some(100))),
                    layer("changed", Some(1), Some(1), 0xe1, "RUN build b", (Some(700), Some(900))),
                    layer("added", None, Some(2), 0xe2, "RUN install tool", (None, Some(50))),
                    layer("changed", Some(2), Some(3), 0xe3, "COPY app /opt/app", (Some(2000), Some(2600))),
                ],
                // /opt grew by 650, more than any row below it says: kept. /opt/app says what
                // its file says, and /srv what /srv/a says: left out.
                "paths": [
                    path("/opt", "directory", "grown", 2000, 2650),
                    path("/opt/app/data.bin", "file", "grown", 2000, 2600),
                    path("/srv/a", "file", "grown", 700, 900),
                    path("/opt/tool", "file", "added", 0, 50),
                ],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "2.80 kB", "3.65 kB", "+850 B (+30.4 %)"],
                    ["final", "2.80 kB", "3.65 kB", "+850 B (+30.4 %)"],
                    ["wasted", "0 B", "0 B", "0 B"],
                    ["files", "3", "4", "+1"],
                    ["layers", "3", "4", "+1"],
                ],
                layers: &[
                    ["0", "same", "100 B", "100 B", "0 B", "FROM scratch"],
                    ["1", "changed", "700 B", "900 B", "+200 B", "RUN build b"],
                    ["+2", "added", "", "50 B", "+50 B", "RUN install tool"],
                    [
                        "2→3",
                        "changed",
                        "2 kB",
                        "2.60 kB",
                        "+600 B",
                        "COPY app /opt/app",
                    ],
                ],
                paths: &[
                    ["grown", "2 kB", "2.65 kB", "+650 B", "/opt/"],
                    ["grown", "2 kB", "2.60 kB", "+600 B", "/opt/app/data.bin"],
                    ["grown", "700 B", "900 B", "+200 B", "/srv/a"],
                    ["added", "0 B", "50 B", "+50 B", "/opt/tool"],
                ],
                more_paths: 0,
            },
        );
    }
}

/// A layer removed sits after the row of the layer below it.
#[test]
fn a_layer_removed_is_a_removed_row_where_it_was() {
    let [a, b, c] = three_layers();
    let [a2, _, c2] = three_layers();
    let pair = Pair::new(
        &image("app:1", vec![a, b, c]),
        &image("app:1", vec![a2, c2]),
    );
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        assert_eq!(
            changes(&diff),
            json!({
                "status": "compared",
                "delta": delta(-2000, -2000, 0, -1, -1),
                "path_depth": null,
                "layers": [
                    layer("same", Some(0), Some(0), 0xc0, "FROM scratch", (Some(100), Some(100))),
                    layer("removed", Some(1), None, 0xc1, "COPY app /opt/app", (Some(2000), None)),
                    layer("same", Some(2), Some(1), 0xc2, "RUN make z", (Some(50), Some(50))),
                ],
                // /opt and /opt/app say what their only file says.
                "paths": [path("/opt/app/data.bin", "file", "removed", 2000, 0)],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_shown(
            &pair,
            how,
            &[],
            &Shown {
                totals: &[
                    ["image", "2.15 kB", "150 B", "-2 kB (-93.0 %)"],
                    ["final", "2.15 kB", "150 B", "-2 kB (-93.0 %)"],
                    ["wasted", "0 B", "0 B", "0 B"],
                    ["files", "3", "2", "-1"],
                    ["layers", "3", "2", "-1"],
                ],
                layers: &[
                    ["0", "same", "100 B", "100 B", "0 B", "FROM scratch"],
                    ["-1", "removed", "2 kB", "", "-2 kB", "COPY app /opt/app"],
                    ["2→1", "same", "50 B", "50 B", "0 B", "RUN make z"],
                ],
                paths: &[["removed", "2 kB", "0 B", "-2 kB", "/opt/app/data.bin"]],
                more_paths: 0,
            },
        );
    }
}

/// Two images in each archive: `app` in both (tagged `app:1`, then `app:2`: paired by
/// repository), `db:1` only in the base, `web:1` only in the new one. The leftover pair is not
/// compared: they are other images, not a renamed one.
#[test]
fn multi_image_archives_pair_images_by_name_and_say_which_are_new_or_gone() {
    let from = || L(0xf0, "FROM scratch", Layer::new().file("etc/conf", 100));
    let app_base = image(
        "app:1",
        vec![
            from(),
            L(
                0xf1,
                "COPY app /opt/app",
                Layer::new().file("opt/app/data.bin", 2000),
            ),
        ],
    );
    let db = image(
        "db:1",
        vec![
            from(),
            L(
                0xf2,
                "RUN install db",
                Layer::new().file("var/lib/db/data", 7000),
            ),
        ],
    );
    let app_new = image(
        "app:2",
        vec![
            from(),
            L(
                0xf3,
                "COPY app /opt/app",
                Layer::new().file("opt/app/data.bin", 2500),
            ),
        ],
    );
    let web = image(
        "web:1",
        vec![
            from(),
            L(
                0xf4,
                "COPY www /srv/www",
                Layer::new().file("srv/www/index.html", 300),
            ),
        ],
    );
    let pair = Pair::of_bytes(
        &DockerArchive::build_many(&[app_base, db]),
        &DockerArchive::build_many(&[app_new, web]),
    );
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        let images = diff["images"].as_array().expect("images");
        let names: Vec<(&Value, &Value)> =
            images.iter().map(|d| (&d["name"], &d["status"])).collect();
        assert_eq!(
            names,
            [
                (&json!("app:2"), &json!("compared")),
                (&json!("web:1"), &json!("added")),
                (&json!("db:1"), &json!("removed")),
            ],
            "{how:?} base"
        );
        assert_eq!(
            changes(&images[0]),
            json!({
                "status": "compared",
                "delta": delta(500, 500, 0, 0, 0),
                "path_depth": null,
                "layers": [
                    layer("same", Some(0), Some(0), 0xf0, "FROM scratch", (Some(100), Some(100))),
                    layer("changed", Some(1), Some(1), 0xf3, "COPY app /opt/app", (Some(2000), Some(2500))),
                ],
                "paths": [path("/opt/app/data.bin", "file", "grown", 2000, 2500)],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_eq!(images[0]["base"]["name"], "app:1");
        assert_eq!(images[0]["new"]["name"], "app:2");
        // An image on one side only: its layers added (or removed), no totals to compare.
        assert_eq!(
            changes(&images[1]),
            json!({
                "status": "added",
                "delta": null,
                "path_depth": null,
                "layers": [
                    layer("added", None, Some(0), 0xf0, "FROM scratch", (None, Some(100))),
                    layer("added", None, Some(1), 0xf4, "COPY www /srv/www", (None, Some(300))),
                ],
                "paths": [],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_eq!(
            (&images[1]["base"], &images[1]["new"]["image_size"]),
            (&Value::Null, &json!(400))
        );
        assert_eq!(
            changes(&images[2]),
            json!({
                "status": "removed",
                "delta": null,
                "path_depth": null,
                "layers": [
                    layer("removed", Some(0), None, 0xf0, "FROM scratch", (Some(100), None)),
                    layer("removed", Some(1), None, 0xf2, "RUN install db", (Some(7000), None)),
                ],
                "paths": [],
                "more_paths": 0,
            }),
            "{how:?} base"
        );
        assert_eq!(
            (&images[2]["new"], &images[2]["base"]["image_size"]),
            (&Value::Null, &json!(7100))
        );
        // The top level is the first pair's comparison.
        let mut top = diff.as_object().expect("object").clone();
        top.remove("schema_version");
        top.remove("images");
        assert_eq!(Value::Object(top), images[0], "{how:?} base");

        let table = ok(pair.diff(how, &[])).stdout;
        let headings: Vec<&str> = table
            .lines()
            .filter(|l| l.ends_with(')') || l.contains(": only in"))
            .collect();
        assert_eq!(
            headings,
            [
                "app:2 (linux/amd64) (base app:1 (linux/amd64))",
                "web:1 (linux/amd64): only in the new side",
                "db:1 (linux/amd64): only in the base",
            ],
            "{how:?} base\n{table}"
        );
        let tables = super::table_cells(&table);
        // app: totals, layers, paths; web: layers; db: layers.
        assert_eq!(tables.len(), 5, "{table}");
        assert_eq!(
            tables[3][1..],
            [
                ["+0", "added", "", "100 B", "+100 B", "FROM scratch"]
                    .map(String::from)
                    .to_vec(),
                ["+1", "added", "", "300 B", "+300 B", "COPY www /srv/www"]
                    .map(String::from)
                    .to_vec(),
            ]
        );
        assert_eq!(
            tables[4][1..],
            [
                ["-0", "removed", "100 B", "", "-100 B", "FROM scratch"]
                    .map(String::from)
                    .to_vec(),
                ["-1", "removed", "7 kB", "", "-7 kB", "RUN install db"]
                    .map(String::from)
                    .to_vec(),
            ]
        );
        let markdown = ok(pair.diff(how, &["--format", "markdown"])).stdout;
        let headings: Vec<&str> = markdown.lines().filter(|l| l.starts_with("### ")).collect();
        assert_eq!(
            headings,
            [
                "### app:2 (linux/amd64) (base app:1 (linux/amd64))",
                "### web:1 (linux/amd64): only in the new side",
                "### db:1 (linux/amd64): only in the base",
            ],
            "{how:?} base\n{markdown}"
        );
        let md = super::markdown_cells(&markdown);
        // app: totals, layers that changed, paths; web and db: layers that changed.
        assert_eq!(md.len(), 5, "{markdown}");
        assert_eq!(md[2][1], ["▲ +500 B", "grown", "`/opt/app/data.bin`"]);
        assert_eq!(md[4][2], ["-1", "removed", "▼ -7 kB", "`RUN install db`"]);
    }
}

/// `--image` picks one image on both sides.
#[test]
fn image_flag_compares_only_the_image_it_names() {
    let from = || L(0xf0, "FROM scratch", Layer::new().file("etc/conf", 100));
    let app = |size| {
        image(
            "app:1",
            vec![
                from(),
                L(
                    0xf1,
                    "COPY app",
                    Layer::new().file("opt/app/data.bin", size),
                ),
            ],
        )
    };
    let db = || {
        image(
            "db:1",
            vec![from(), L(0xf2, "RUN db", Layer::new().file("var/db", 7000))],
        )
    };
    let pair = Pair::of_bytes(
        &DockerArchive::build_many(&[app(2000), db()]),
        &DockerArchive::build_many(&[db(), app(2100)]),
    );
    for how in Base::ALL {
        let diff = pair.json(how, &["--image", "app:1"]);
        let images = diff["images"].as_array().expect("images");
        assert_eq!(images.len(), 1, "{how:?} base: {diff:#}");
        assert_eq!(diff["name"], "app:1");
        assert_eq!(
            diff["paths"],
            json!([path("/opt/app/data.bin", "file", "grown", 2000, 2100)])
        );
        assert_eq!(diff["delta"], delta(100, 100, 0, 0, 0));
    }
}
