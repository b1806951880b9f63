//! `check --baseline` in the outputs for people: image pairs built in the test with known
//! differences, the base given as an image and as the saved report of `layers --format json`, and
//! every delta of the table and the markdown pinned to the byte. Whole outputs are in
//! tests/snapshots/baseline.*; `SIZEGATE_BLESS=1 cargo test --test it baseline_formats::`
//! rewrites them (see formats.rs).

use serde_json::json;
use tempfile::TempDir;

use crate::formats::assert_snapshot;
use crate::support::{diff_id, pick, run_in, tempdir, write_file, DockerArchive, Layer, Run};

/// Everything below `/usr` and `/etc`: 8,020,000 bytes in the first layer.
fn os_layer() -> Vec<u8> {
    Layer::new()
        .dir("etc/")
        .file("etc/os-release", 20_000)
        .dir("usr/")
        .dir("usr/lib/")
        .file("usr/lib/libbase.so", 8_000_000)
        .tar()
}

/// The base image `app:1`: the OS layer, then the application (3,400,000 bytes); 11,420,000 in
/// all.
fn base() -> DockerArchive {
    let app = Layer::new()
        .dir("opt/")
        .dir("opt/app/")
        .file("opt/app/app.bin", 3_000_000)
        .file("opt/app/old.log", 400_000)
        .tar();
    DockerArchive::new()
        .layer(os_layer())
        .layer(app)
        .history(&["ADD rootfs.tar /", "COPY app/ /opt/app/"])
}

/// The base with one more layer adding `/opt/extra/blob.bin`, 5,000,000 bytes (+43.8 %).
fn grown() -> DockerArchive {
    base()
        .layer(
            Layer::new()
                .dir("opt/extra/")
                .file("opt/extra/blob.bin", 5_000_000)
                .tar(),
        )
        .history(&[
            "ADD rootfs.tar /",
            "COPY app/ /opt/app/",
            "COPY blob.bin /opt/extra/",
        ])
}

/// The base with another application layer: `app.bin` grown by 600,000 bytes, `old.log` gone,
/// four libraries added (50, 40, 30 and 20 kB): seven changed paths in all.
fn changed() -> DockerArchive {
    let app = Layer::new()
        .dir("opt/")
        .dir("opt/app/")
        .file("opt/app/app.bin", 3_600_000)
        .file("opt/app/lib1.so", 50_000)
        .file("opt/app/lib2.so", 40_000)
        .file("opt/app/lib3.so", 30_000)
        .file("opt/app/lib4.so", 20_000)
        .tar();
    let archive = DockerArchive::new()
        .layer(os_layer())
        .layer(app)
        .history(&["ADD rootfs.tar /", "COPY app/ /opt/app/"]);
    // Other contents, so another diff_id than the base's second layer.
    let mut config = archive.config_json();
    config["rootfs"]["diff_ids"][1] = diff_id(41).into();
    let config = serde_json::to_vec(&config).expect("config serializes");
    archive.config_bytes(&config)
}

/// A policy the grown image passes (16.42 MB of 20 MB).
const PASSES: &str = "version: 1\nimage:\n  max_size: 20MB\n";

/// A directory with the images and the policy, and the base's saved report.
struct Pair {
    dir: TempDir,
}

impl Pair {
    /// `base.tar`, `new.tar`, `policy.yml` and `base.json` (`layers base.tar --format json`).
    fn new(base: &DockerArchive, new: &DockerArchive, policy: &str) -> Pair {
        let dir = tempdir();
        base.write(dir.path(), "base.tar");
        new.write(dir.path(), "new.tar");
        write_file(dir.path(), "policy.yml", policy.as_bytes());
        let saved = run_in(dir.path(), &["layers", "base.tar", "--format", "json"]);
        assert_eq!(saved.code, 0, "{}", saved.stderr);
        write_file(dir.path(), "base.json", saved.stdout.as_bytes());
        Pair { dir }
    }

    /// `check IMAGE --policy policy.yml --baseline BASE ARGS`, from the pair's directory.
    fn check(&self, image: &str, base: &str, args: &[&str]) -> Run {
        let mut all = vec!["check", image, "--policy", "policy.yml", "--baseline", base];
        all.extend_from_slice(args);
        let run = run_in(self.dir.path(), &all);
        assert_eq!(run.stderr, "", "nothing on stderr");
        run
    }
}

/// What the table adds for the grown image against its base, between the image's heading and
/// its rules. The base's saved report lists every file of so small an image, so it says the same
/// as the base image itself.
const GROWN_TABLE: &str = "\
Δ against the base app:1 (linux/amd64)
┌────────┬──────────┬──────────┬─────────────────┐
│        ┆     base ┆      new ┆               Δ │
╞════════╪══════════╪══════════╪═════════════════╡
│ image  ┆ 11.42 MB ┆ 16.42 MB ┆ +5 MB (+43.8 %) │
│ final  ┆ 11.42 MB ┆ 16.42 MB ┆ +5 MB (+43.8 %) │
│ wasted ┆      0 B ┆      0 B ┆             0 B │
│ files  ┆        4 ┆        5 ┆              +1 │
│ layers ┆        2 ┆        3 ┆              +1 │
└────────┴──────────┴──────────┴─────────────────┘
┌────┬────────┬──────┬──────┬───────┬───────────────────────────┐
│ #  ┆ status ┆ base ┆  new ┆     Δ ┆ created_by                │
╞════╪════════╪══════╪══════╪═══════╪═══════════════════════════╡
│ +2 ┆ added  ┆      ┆ 5 MB ┆ +5 MB ┆ COPY blob.bin /opt/extra/ │
└────┴────────┴──────┴──────┴───────┴───────────────────────────┘
what grew:
┌────────┬──────┬──────┬───────┬─────────────────────┐
│ status ┆ base ┆  new ┆     Δ ┆ path                │
╞════════╪══════╪══════╪═══════╪═════════════════════╡
│ added  ┆  0 B ┆ 5 MB ┆ +5 MB ┆ /opt/extra/blob.bin │
└────────┴──────┴──────┴───────┴─────────────────────┘
";

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------

#[test]
fn table_shows_the_totals_layers_and_paths_that_grew_against_a_saved_report() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    let run = pair.check("new.tar", "base.json", &[]);
    assert_eq!(run.code, 0);
    assert_snapshot("baseline.table.txt", &run.stdout);
    assert!(run.stdout.contains(GROWN_TABLE), "{}", run.stdout);
}

#[test]
fn table_against_the_base_image_says_the_same_as_against_its_report() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    let from_image = pair.check("new.tar", "base.tar", &["--format", "table"]);
    assert_eq!(from_image.code, 0);
    let from_report = pair.check("new.tar", "base.json", &[]);
    assert_eq!(from_image.stdout, from_report.stdout);
}

#[test]
fn table_without_a_baseline_is_the_same_table_without_the_delta() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    let with = pair.check("new.tar", "base.tar", &[]);
    let without = run_in(
        pair.dir.path(),
        &["check", "new.tar", "--policy", "policy.yml"],
    );
    assert_eq!((with.code, without.code), (0, 0));
    assert_eq!(with.stdout.replace(GROWN_TABLE, ""), without.stdout);
    assert!(!without.stdout.contains('Δ'), "{}", without.stdout);
}

#[test]
fn table_lists_the_five_largest_changes_and_counts_the_rest() {
    let pair = Pair::new(&base(), &changed(), PASSES);
    let run = pair.check("new.tar", "base.tar", &[]);
    assert_eq!(run.code, 0);
    let expected = "\
│ image  ┆ 11.42 MB ┆ 11.76 MB ┆ +340 kB (+3.0 %) │
│ final  ┆ 11.42 MB ┆ 11.76 MB ┆ +340 kB (+3.0 %) │
│ wasted ┆      0 B ┆      0 B ┆              0 B │
│ files  ┆        4 ┆        7 ┆               +3 │
│ layers ┆        2 ┆        2 ┆                0 │
└────────┴──────────┴──────────┴──────────────────┘
┌───┬─────────┬─────────┬─────────┬─────────┬─────────────────────┐
│ # ┆ status  ┆    base ┆     new ┆       Δ ┆ created_by          │
╞═══╪═════════╪═════════╪═════════╪═════════╪═════════════════════╡
│ 1 ┆ changed ┆ 3.40 MB ┆ 3.74 MB ┆ +340 kB ┆ COPY app/ /opt/app/ │
└───┴─────────┴─────────┴─────────┴─────────┴─────────────────────┘
what grew:
┌────────┬─────────┬─────────┬─────────┬──────────────────┐
│ status ┆    base ┆     new ┆       Δ ┆ path             │
╞════════╪═════════╪═════════╪═════════╪══════════════════╡
│ grown  ┆    3 MB ┆ 3.60 MB ┆ +600 kB ┆ /opt/app/app.bin │
│ grown  ┆ 3.40 MB ┆ 3.74 MB ┆ +340 kB ┆ /opt/app/        │
│ added  ┆     0 B ┆   50 kB ┆  +50 kB ┆ /opt/app/lib1.so │
│ added  ┆     0 B ┆   40 kB ┆  +40 kB ┆ /opt/app/lib2.so │
│ added  ┆     0 B ┆   30 kB ┆  +30 kB ┆ /opt/app/lib3.so │
└────────┴─────────┴─────────┴─────────┴──────────────────┘
… and 1 more changed paths
";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
}

#[test]
fn table_of_a_shrunk_image_shows_the_removed_layer_and_path() {
    // The grown image as the base of the original one: everything the grown one added is gone.
    let pair = Pair::new(&grown(), &base(), PASSES);
    let run = pair.check("new.tar", "base.tar", &[]);
    assert_eq!(run.code, 0);
    for line in [
        "│ image  ┆ 16.42 MB ┆ 11.42 MB ┆ -5 MB (-30.5 %) │",
        "│ files  ┆        5 ┆        4 ┆              -1 │",
        "│ layers ┆        3 ┆        2 ┆              -1 │",
        "│ -2 ┆ removed ┆ 5 MB ┆     ┆ -5 MB ┆ COPY blob.bin /opt/extra/ │",
        // What grew lists only growth: nothing grew.
        "what grew:\nno path grew\n",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
}

#[test]
fn the_delta_is_shown_when_the_gate_fails_too() {
    let pair = Pair::new(&base(), &grown(), "version: 1\nimage:\n  max_size: 15MB\n");
    let run = pair.check("new.tar", "base.json", &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(GROWN_TABLE), "{}", run.stdout);
    assert_eq!(
        run.verdict_line(),
        "FAIL: 1 error, 0 warnings (image 16.42 MB of 15 MB)"
    );
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

/// The totals row of the grown image against its base.
const GROWN_TOTALS: &str = "| 16.42 MB<br>▲ +5 MB (+43.8 %) | n/a | 16.42 MB<br>▲ +5 MB (+43.8 %) \
| 0 B<br>±0 B | 3<br>▲ +1 | 5<br>▲ +1 | 100.0 % |";

#[test]
fn markdown_marks_each_total_and_layer_and_says_what_grew() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    let run = pair.check("new.tar", "base.json", &["--format", "markdown"]);
    assert_eq!(run.code, 0);
    assert_snapshot("baseline.md", &run.stdout);
    let expected = format!(
        "\
### `app:1` (linux/amd64)

Δ against the base `app:1`.

| image size | compressed | final size | wasted | layers | files | dive efficiency |
|---:|---:|---:|---:|---:|---:|---:|
{GROWN_TOTALS}

#### Layers

| # | size | files | Δ | created_by |
|---:|---:|---:|---:|---|
| 0 | 8.02 MB | 2 | same | `ADD rootfs.tar /` |
| 1 | 3.40 MB | 2 | same | `COPY app/ /opt/app/` |
| 2 | 5 MB | 1 | ▲ +5 MB (added) | `COPY blob.bin /opt/extra/` |

#### Layers that changed

| # | status | Δ | created_by |
|---|---|---:|---|
| +2 | added | ▲ +5 MB | `COPY blob.bin /opt/extra/` |

#### What grew

| Δ | status | path |
|---:|---|---|
| ▲ +5 MB | added | `/opt/extra/blob.bin` |

#### Findings
"
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
}

#[test]
fn markdown_against_the_base_image_says_the_same_as_against_its_report() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    let from_image = pair.check("new.tar", "base.tar", &["--format", "markdown"]);
    let from_report = pair.check("new.tar", "base.json", &["--format", "markdown"]);
    assert_eq!(from_image.stdout, from_report.stdout);
}

#[test]
fn markdown_without_a_baseline_has_no_delta() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    let run = run_in(
        pair.dir.path(),
        &[
            "check",
            "new.tar",
            "--policy",
            "policy.yml",
            "--format",
            "markdown",
        ],
    );
    assert_eq!(run.code, 0);
    for absent in ['Δ', '▲', '▼', '±'] {
        assert!(!run.stdout.contains(absent), "{absent}\n{}", run.stdout);
    }
    assert!(run.stdout.contains(
        "| 16.42 MB | n/a | 16.42 MB | 0 B | 3 | 5 | 100.0 % |\n\n#### Layers\n\n\
         | # | size | files | created_by |\n"
    ));
    assert!(!run.stdout.contains("What grew"));
}

#[test]
fn markdown_marks_shrinking_down_and_lists_every_path_that_grew() {
    let pair = Pair::new(&grown(), &base(), PASSES);
    let run = pair.check("new.tar", "base.tar", &["--format", "markdown"]);
    assert_eq!(run.code, 0);
    for line in [
        "| 11.42 MB<br>▼ -5 MB (-30.5 %) | n/a | 11.42 MB<br>▼ -5 MB (-30.5 %) | 0 B<br>±0 B \
         | 2<br>▼ -1 | 4<br>▼ -1 | 100.0 % |",
        "| 1 | 3.40 MB | 2 | same | `COPY app/ /opt/app/` |",
        "| -2 | removed | ▼ -5 MB | `COPY blob.bin /opt/extra/` |",
        "#### What grew\n\nNo path grew.\n",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }

    // Seven changed paths, six of them grew: the markdown lists those six (the table five).
    let pair = Pair::new(&base(), &changed(), PASSES);
    let run = pair.check("new.tar", "base.tar", &["--format", "markdown"]);
    let expected = "\
| 1 | 3.74 MB | 5 | ▲ +340 kB (changed) | `COPY app/ /opt/app/` |

#### Layers that changed

| # | status | Δ | created_by |
|---|---|---:|---|
| 1 | changed | ▲ +340 kB | `COPY app/ /opt/app/` |

#### What grew

| Δ | status | path |
|---:|---|---|
| ▲ +600 kB | grown | `/opt/app/app.bin` |
| ▲ +340 kB | grown | `/opt/app/` |
| ▲ +50 kB | added | `/opt/app/lib1.so` |
| ▲ +40 kB | added | `/opt/app/lib2.so` |
| ▲ +30 kB | added | `/opt/app/lib3.so` |
| ▲ +20 kB | added | `/opt/app/lib4.so` |

#### Findings
";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "| 11.76 MB<br>▲ +340 kB (+3.0 %) | n/a | 11.76 MB<br>▲ +340 kB (+3.0 %) \
             | 0 B<br>±0 B | 2<br>±0 | 7<br>▲ +3 | 100.0 % |"
        ),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

#[test]
fn json_carries_the_diff_of_each_image() {
    let pair = Pair::new(&base(), &grown(), PASSES);
    // A report of every file of the base compares file by file, as the base image does.
    for (base, path_depth) in [("base.json", json!(null)), ("base.tar", json!(null))] {
        let run = pair.check("new.tar", base, &["--format", "json"]);
        assert_eq!(run.code, 0);
        let diff = &run.json()["images"][0]["diff"];
        assert_eq!(
            pick(
                diff,
                &[
                    "name",
                    "status",
                    "delta",
                    "path_depth",
                    "paths",
                    "more_paths"
                ]
            ),
            json!({
                "name": "app:1",
                "status": "compared",
                "delta": {
                    "image_size": 5_000_000, "compressed_size": null, "final_size": 5_000_000,
                    "wasted_bytes": 0, "final_files": 1, "layer_count": 1
                },
                "path_depth": path_depth,
                "paths": [{
                    "path": "/opt/extra/blob.bin", "kind": "file", "status": "added",
                    "base_size": 0, "new_size": 5_000_000, "delta": 5_000_000
                }],
                "more_paths": 0
            }),
            "{base}"
        );
        let layers: Vec<_> = diff["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|l| pick(l, &["status", "base_index", "new_index", "size_delta"]))
            .collect();
        assert_eq!(
            layers,
            [
                json!({"status": "same", "base_index": 0, "new_index": 0, "size_delta": 0}),
                json!({"status": "same", "base_index": 1, "new_index": 1, "size_delta": 0}),
                json!({"status": "added", "base_index": null, "new_index": 2, "size_delta": 5_000_000}),
            ],
            "{base}"
        );
        let mut keys: Vec<&str> = diff
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "base",
                "delta",
                "layers",
                "more_paths",
                "name",
                "new",
                "path_depth",
                "paths",
                "status"
            ]
        );
        assert_eq!(diff["base"]["image_size"], 11_420_000);
        assert_eq!(diff["new"]["image_size"], 16_420_000);
    }
    let without = run_in(
        pair.dir.path(),
        &[
            "check",
            "new.tar",
            "--policy",
            "policy.yml",
            "--format",
            "json",
        ],
    );
    assert!(without.json()["images"][0].get("diff").is_none());
}

#[test]
fn json_lists_twenty_changed_paths_and_the_table_counts_all_it_does_not_show() {
    // 25 files added beside the application: 25 file rows and the grown /opt/app/.
    let many = (0..25).fold(Layer::new(), |layer, i| {
        layer.file(format!("opt/app/f{i:02}"), 1000 + i)
    });
    let new = base().layer(many.tar()).history(&[
        "ADD rootfs.tar /",
        "COPY app/ /opt/app/",
        "COPY f* /opt/app/",
    ]);
    let pair = Pair::new(&base(), &new, PASSES);
    let json = pair
        .check("new.tar", "base.tar", &["--format", "json"])
        .json();
    let diff = &json["images"][0]["diff"];
    assert_eq!(diff["paths"].as_array().map(Vec::len), Some(20));
    assert_eq!(diff["more_paths"], 6);
    assert_eq!(diff["paths"][0]["path"], "/opt/app");
    assert_eq!(diff["paths"][1]["path"], "/opt/app/f24");
    let table = pair.check("new.tar", "base.tar", &[]);
    assert!(
        table.stdout.contains(
            "│ added  ┆     0 B ┆ 1.02 kB ┆  +1.02 kB ┆ /opt/app/f21 │\n\
             └────────┴─────────┴─────────┴───────────┴──────────────┘\n\
             … and 21 more changed paths\n"
        ),
        "{}",
        table.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Text from the image
// ---------------------------------------------------------------------------------------------

#[test]
fn text_from_the_image_is_escaped_in_the_delta() {
    // A path and a build instruction holding a terminal sequence, markdown punctuation and a line
    // break that would start a workflow command.
    let hostile = base()
        .layer(
            Layer::new()
                .file("opt/a\x1b[31m|`b\n::error::x", 1000)
                .tar(),
        )
        .history(&[
            "ADD rootfs.tar /",
            "COPY app/ /opt/app/",
            "COPY x\n::warning::y",
        ]);
    let pair = Pair::new(&base(), &hostile, PASSES);
    let table = pair.check("new.tar", "base.tar", &[]);
    let markdown = pair.check("new.tar", "base.tar", &["--format", "markdown"]);
    for run in [&table, &markdown] {
        assert_eq!(run.code, 0);
        assert!(!run.stdout.contains('\x1b'), "{}", run.stdout);
        assert!(
            !run.stdout.lines().any(|l| l.trim_start().starts_with("::")),
            "{}",
            run.stdout
        );
    }
    for cell in [
        "│ +2 ┆ added  ┆      ┆ 1 kB ┆ +1 kB ┆ COPY x\\n::warning::y │",
        "│ added  ┆  0 B ┆ 1 kB ┆ +1 kB ┆ /opt/a\\u{1b}[31m|`b\\n::error::x │",
    ] {
        assert!(table.stdout.contains(cell), "{cell}\n{}", table.stdout);
    }
    for row in [
        "| 2 | 1 kB | 1 | ▲ +1 kB (added) | `COPY x\\n::warning::y` |",
        "| +2 | added | ▲ +1 kB | `COPY x\\n::warning::y` |",
        "| ▲ +1 kB | added | ``/opt/a\\u{1b}[31m\\|`b\\n::error::x`` |",
    ] {
        assert!(markdown.stdout.contains(row), "{row}\n{}", markdown.stdout);
    }
}
