//! How path rows are chosen: an added directory is one row, a chain of directories is its file,
//! siblings that sort between a directory and its contents, `--top` and `more_paths`, hard links,
//! and what a report that keeps only the largest files and the directories to depth 3 still
//! says.

use serde_json::{json, Value};

use super::{assert_shown, image, layers_report, ok, path, Base, Pair, Shown, L};
use crate::support::Layer;

/// 100 files of 1000 bytes in /usr/share/pad, on both sides: with them the base has more files
/// than a report lists, so a report base compares only directories to depth 3 and its largest
/// files.
fn padding(layer: Layer) -> Layer {
    (0..100).fold(layer, |l, i| l.file(format!("usr/share/pad/f{i:03}"), 1000))
}

/// The base: /etc/conf 100, /opt/keep 1, /srv/keep 1 (and the padding when `padded`); the new
/// image adds 50 files of 100 bytes in /opt/big, /opt/big-notes 10 (which sorts between /opt/big
/// and /opt/big/f00), /srv/app/only.bin 777 and /srv/app.cfg 5.
fn collapse_pair(padded: bool) -> Pair {
    let first = || {
        let l = Layer::new()
            .file("etc/conf", 100)
            .file("opt/keep", 1)
            .file("srv/keep", 1);
        if padded {
            padding(l)
        } else {
            l
        }
    };
    let added = (0..50)
        .fold(Layer::new(), |l, i| l.file(format!("opt/big/f{i:02}"), 100))
        .file("opt/big-notes", 10)
        .file("srv/app/only.bin", 777)
        .file("srv/app.cfg", 5);
    Pair::new(
        &image("app:1", vec![L(0x10, "FROM scratch", first())]),
        &image(
            "app:1",
            vec![L(0x10, "FROM scratch", first()), L(0x11, "COPY . /", added)],
        ),
    )
}

/// The rows of the collapse pair, file by file (an image base, or a report that lists every
/// file).
fn collapse_rows() -> Value {
    json!([
        // /opt grew by more than any row below it says.
        path("/opt", "directory", "grown", 1, 5011),
        // One row for the 50 files.
        path("/opt/big", "directory", "added", 0, 5000),
        path("/srv", "directory", "grown", 1, 783),
        // /srv/app says what its only file says.
        path("/srv/app/only.bin", "file", "added", 0, 777),
        path("/opt/big-notes", "file", "added", 0, 10),
        path("/srv/app.cfg", "file", "added", 0, 5),
    ])
}

#[test]
fn an_added_directory_is_one_row_and_a_chain_of_directories_is_its_file() {
    let pair = collapse_pair(false);
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        assert_eq!(diff["paths"], collapse_rows(), "{how:?} base");
        assert_eq!(
            (&diff["more_paths"], &diff["path_depth"]),
            (&json!(0), &Value::Null)
        );
    }
    assert_shown(
        &pair,
        Base::Layers,
        &[],
        &Shown {
            totals: &[
                ["image", "102 B", "5.89 kB", "+5.79 kB (+5678.4 %)"],
                ["final", "102 B", "5.89 kB", "+5.79 kB (+5678.4 %)"],
                ["wasted", "0 B", "0 B", "0 B"],
                ["files", "3", "56", "+53"],
                ["layers", "1", "2", "+1"],
            ],
            layers: &[
                ["0", "same", "102 B", "102 B", "0 B", "FROM scratch"],
                ["+1", "added", "", "5.79 kB", "+5.79 kB", "COPY . /"],
            ],
            paths: &[
                ["grown", "1 B", "5.01 kB", "+5.01 kB", "/opt/"],
                ["added", "0 B", "5 kB", "+5 kB", "/opt/big/"],
                ["grown", "1 B", "783 B", "+782 B", "/srv/"],
                ["added", "0 B", "777 B", "+777 B", "/srv/app/only.bin"],
                ["added", "0 B", "10 B", "+10 B", "/opt/big-notes"],
                ["added", "0 B", "5 B", "+5 B", "/srv/app.cfg"],
            ],
            more_paths: 0,
        },
    );
}

/// The base has 103 files: its report lists the 100 largest (the padding), not /opt/keep or
/// /srv/keep, and the directories to depth 3. /opt/big and /srv/app (depth 2) are not in it, so
/// they held nothing and all below them is new; /opt/big-notes and /srv/app.cfg are files
/// directly in kept directories that held small files it did not list: unknown, so no row (the
/// growth of /opt and /srv counts them).
#[test]
fn a_report_base_gives_the_rows_its_directories_and_largest_files_allow() {
    let pair = collapse_pair(true);
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        let want = if how.is_report() {
            json!([
                path("/opt", "directory", "grown", 1, 5011),
                path("/opt/big", "directory", "added", 0, 5000),
                path("/srv", "directory", "grown", 1, 783),
                path("/srv/app/only.bin", "file", "added", 0, 777),
            ])
        } else {
            collapse_rows()
        };
        assert_eq!(diff["paths"], want, "{how:?} base");
        let depth = if how.is_report() {
            json!(3)
        } else {
            Value::Null
        };
        assert_eq!(diff["path_depth"], depth, "{how:?} base");
    }
    assert_shown(
        &pair,
        Base::Check,
        &[],
        &Shown {
            totals: &[
                ["image", "100.10 kB", "105.89 kB", "+5.79 kB (+5.8 %)"],
                ["final", "100.10 kB", "105.89 kB", "+5.79 kB (+5.8 %)"],
                ["wasted", "0 B", "0 B", "0 B"],
                ["files", "103", "156", "+53"],
                ["layers", "1", "2", "+1"],
            ],
            layers: &[
                ["0", "same", "100.10 kB", "100.10 kB", "0 B", "FROM scratch"],
                ["+1", "added", "", "5.79 kB", "+5.79 kB", "COPY . /"],
            ],
            paths: &[
                ["grown", "1 B", "5.01 kB", "+5.01 kB", "/opt/"],
                ["added", "0 B", "5 kB", "+5 kB", "/opt/big/"],
                ["grown", "1 B", "783 B", "+782 B", "/srv/"],
                ["added", "0 B", "777 B", "+777 B", "/srv/app/only.bin"],
            ],
            more_paths: 0,
        },
    );
}

#[test]
fn top_lists_the_largest_changes_and_counts_the_rest() {
    let pair = collapse_pair(false);
    let rows = collapse_rows();
    let rows = rows.as_array().expect("rows");
    for how in Base::ALL {
        for top in [0, 1, 2, 6, 7] {
            let diff = pair.json(how, &["--top", &top.to_string()]);
            let listed = top.min(6);
            assert_eq!(
                (&diff["paths"], &diff["more_paths"]),
                (&json!(rows[..listed]), &json!(6 - listed)),
                "{how:?} base, --top {top}"
            );
        }
    }
    let all: [[&str; 5]; 2] = [
        ["grown", "1 B", "5.01 kB", "+5.01 kB", "/opt/"],
        ["added", "0 B", "5 kB", "+5 kB", "/opt/big/"],
    ];
    for (top, more) in [(2, 4), (0, 6)] {
        assert_shown(
            &pair,
            Base::Image,
            &["--top", &top.to_string()],
            &Shown {
                totals: &[
                    ["image", "102 B", "5.89 kB", "+5.79 kB (+5678.4 %)"],
                    ["final", "102 B", "5.89 kB", "+5.79 kB (+5678.4 %)"],
                    ["wasted", "0 B", "0 B", "0 B"],
                    ["files", "3", "56", "+53"],
                    ["layers", "1", "2", "+1"],
                ],
                layers: &[
                    ["0", "same", "102 B", "102 B", "0 B", "FROM scratch"],
                    ["+1", "added", "", "5.79 kB", "+5.79 kB", "COPY . /"],
                ],
                paths: &all[..top],
                more_paths: more,
            },
        );
    }
}

/// /opt/data/b is a hard link to /opt/data/a (1000 bytes): the directory holds 1010 distinct
/// bytes in 3 names, and the final size grows by 1010, not 2010.
#[test]
fn hard_links_count_once_in_directory_totals() {
    let base = || {
        L(
            0x20,
            "FROM scratch",
            Layer::new().file("etc/conf", 100).file("opt/keep", 1),
        )
    };
    let linked = Layer::new()
        .file("opt/data/a", 1000)
        .hardlink("opt/data/b", "opt/data/a")
        .file("opt/data/c", 10);
    let pair = Pair::new(
        &image("app:1", vec![base()]),
        &image(
            "app:1",
            vec![base(), L(0x21, "COPY data /opt/data", linked)],
        ),
    );
    for how in Base::ALL {
        let diff = pair.json(how, &[]);
        assert_eq!(
            diff["paths"],
            json!([path("/opt/data", "directory", "added", 0, 1010)]),
            "{how:?} base"
        );
        assert_eq!(
            diff["delta"],
            super::delta(1010, 1010, 0, 3, 1),
            "{how:?} base"
        );
    }
    // The new image's report keeps /opt/data at 1010 bytes in 3 names, and lists a and c (b's
    // bytes are a's): with 5 names and 4 files listed, it is not the whole tree, and compares
    // as directories.
    let report = layers_report(&pair.new, pair.dir.path());
    let saved: Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON");
    let img = &saved["images"][0];
    assert_eq!(
        img["directories"],
        json!([
            {"path": "/etc", "size": 100, "files": 1},
            {"path": "/opt", "size": 1011, "files": 4},
            {"path": "/opt/data", "size": 1010, "files": 3},
        ])
    );
    let listed: Vec<&Value> = img["largest_files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| &f["path"])
        .collect();
    assert_eq!(
        listed,
        ["/opt/data/a", "/etc/conf", "/opt/data/c", "/opt/keep"]
    );
    let back = ok(super::diff_run(&report, &pair.base, &["--format", "json"])).json();
    assert_eq!(
        (&back["paths"], &back["path_depth"]),
        (
            &json!([path("/opt/data", "directory", "removed", 1010, 0)]),
            &json!(3)
        )
    );
    assert_eq!(back["delta"], super::delta(-1010, -1010, 0, -3, -1));
}
