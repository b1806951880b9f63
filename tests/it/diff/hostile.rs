//! Reports nobody's sizegate wrote: a million directories, a report over the size cap, sizes
//! at u64::MAX, and names, instructions and paths carrying terminal escapes and CI workflow
//! commands.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use super::changes::base;
use super::{layers_report, ok, path, table_cells, Pair};
use crate::support::{bounded, fails, path_str, shown, write_file};

/// A report of one image named `hostile:1` with these totals, layers and paths; the rest as a
/// real report has it.
fn report(image: Value) -> Value {
    let mut img = json!({
        "name": "hostile:1", "tags": ["hostile:1"], "platform": "linux/amd64",
        "image_size": 0, "compressed_size": null, "final_size": 0, "wasted_bytes": 0,
        "final_files": 0, "layer_count": 0,
        "dive": {"efficiency": 1.0, "wasted_bytes": 0, "user_wasted_percent": 0.0},
        "layers": [], "directory_depth": 3, "directories": [], "largest_files": [],
    });
    for (k, v) in image.as_object().expect("an object") {
        img[k] = v.clone();
    }
    json!({"schema_version": 1, "images": [img]})
}

fn write_report(dir: &Path, name: &str, report: &Value) -> String {
    let path = write_file(dir, name, &serde_json::to_vec(report).expect("serializes"));
    path_str(&path).to_string()
}

/// A million top-level directories, /d0000000 of 1 byte to /d0999999 of 1,000,000 (45 MB of
/// JSON, under the 64 MiB cap): read, compared with an image and listed in bounded memory and
/// time, the largest changes first.
#[test]
fn a_report_of_a_million_directories_is_compared_in_bounded_memory_and_time() {
    let pair = Pair::new(&base(), &base());
    let mut text = String::from(
        r#"{"schema_version":1,"images":[{"name":"app:1","tags":["app:1"],"platform":"linux/amd64","image_size":10400,"compressed_size":null,"final_size":10400,"wasted_bytes":0,"final_files":1000000,"layer_count":0,"dive":{"efficiency":1.0,"wasted_bytes":0,"user_wasted_percent":0.0},"layers":[],"largest_files":[],"directory_depth":1,"directories":["#,
    );
    for i in 0..1_000_000u64 {
        if i > 0 {
            text.push(',');
        }
        write!(text, r#"{{"path":"/d{i:07}","size":{},"files":1}}"#, i + 1).expect("to memory");
    }
    text.push_str("]}]}");
    assert!(
        text.len() > 40_000_000 && text.len() < 64 << 20,
        "{}",
        text.len()
    );
    let report = write_file(pair.dir.path(), "million.json", text.as_bytes());
    let r = bounded(
        &[
            "diff",
            path_str(&report),
            path_str(&pair.new),
            "--top",
            "3",
            "--format",
            "json",
        ],
        None,
        1024,
        120,
    );
    assert_eq!(r.run.code, 0, "{}", r.run.stderr);
    let diff = r.run.json();
    assert_eq!(
        diff["paths"],
        json!([
            path("/d0999999", "directory", "removed", 1_000_000, 0),
            path("/d0999998", "directory", "removed", 999_999, 0),
            path("/d0999997", "directory", "removed", 999_998, 0),
        ])
    );
    // A million removed, and /etc/conf, /opt/app and /usr/lib added (the report says no such
    // top-level directory held anything).
    assert_eq!(diff["more_paths"], 1_000_000);
    assert_eq!(diff["path_depth"], 1);
}

/// 16 files 5,000 levels deep (10 KB names), each in its own top directory: a tree with a node
/// for every directory would hold 80,000 directories of 5 KB each on average (400 MB, and as
/// many long comparisons); the diff's tree stops at 64 levels, and each file is still a row.
#[test]
fn files_thousands_of_levels_deep_cost_the_diff_no_more_than_their_names() {
    use crate::support::{DockerArchive, Layer};
    let deep = "a/".repeat(5000);
    let names: Vec<String> = (0..16).map(|k| format!("x{k:02}/{deep}f")).collect();
    let layer = names.iter().fold(Layer::new(), |l, n| l.pax_file(n, 1));
    let conf = || Layer::new().file("etc/conf", 100).tar();
    let pair = Pair::of_bytes(
        &DockerArchive::new().layer(conf()).build(),
        &DockerArchive::new()
            .layer(conf())
            .layer(layer.tar())
            .build(),
    );
    let r = bounded(
        &[
            "diff",
            path_str(&pair.base),
            path_str(&pair.new),
            "--format",
            "json",
        ],
        None,
        256,
        120,
    );
    assert_eq!(r.run.code, 0, "{}", r.run.stderr);
    let diff = r.run.json();
    let want: Vec<Value> = names
        .iter()
        .map(|n| path(&format!("/{n}"), "file", "added", 0, 1))
        .collect();
    assert_eq!(diff["paths"], json!(want));
    assert_eq!(diff["more_paths"], 0);
}

/// The cap on a report is 64 MiB: a report of exactly that is read, one byte more is refused,
/// before any of it is parsed, with a message naming the file.
#[test]
fn a_report_over_64_mib_is_refused_with_a_message() {
    let pair = Pair::new(&base(), &base());
    let real = std::fs::read(layers_report(&pair.base, pair.dir.path())).expect("report");
    let cap = 64 << 20;
    let mut padded = real.clone();
    padded.resize(cap, b' ');
    let at_cap = write_file(pair.dir.path(), "at-cap.json", &padded);
    let diff = ok(super::diff_run(&at_cap, &pair.new, &["--format", "json"])).json();
    assert_eq!(diff["delta"], super::delta(0, 0, 0, 0, 0));
    padded.push(b' ');
    let over = write_file(pair.dir.path(), "over-cap.json", &padded);
    let file = shown(&over);
    for args in [
        ["diff", file.as_str(), path_str(&pair.new)],
        ["diff", path_str(&pair.new), file.as_str()],
    ] {
        let stderr = fails("a report over the cap", &args, None);
        assert_eq!(
            stderr,
            format!("error: {file}: 67108865 bytes is over the 64 MiB a report may have\n")
        );
    }
}

const MAX: u64 = u64::MAX;

/// A report whose every number is u64::MAX, against the base image (10,400 bytes; /opt/app 2,300
/// of which /opt/app/data.bin 2,000; layer a0 of 8,400 bytes).
fn huge_report() -> Value {
    report(json!({
        "name": "app:1", "tags": ["app:1"],
        "image_size": MAX, "compressed_size": MAX, "final_size": MAX, "wasted_bytes": MAX,
        "final_files": MAX, "layer_count": 1,
        "dive": {"efficiency": 1.0, "wasted_bytes": MAX, "user_wasted_percent": 1e300},
        "layers": [{"index": 0, "digest": crate::support::fake_digest(0xa0), "size": MAX,
                    "files": MAX, "created_by": "FROM scratch"}],
        "directories": [
            {"path": "/opt", "size": MAX, "files": MAX},
            {"path": "/opt/app", "size": MAX, "files": MAX},
        ],
        "largest_files": [{"path": "/opt/app/data.bin", "size": MAX, "files": 1}],
    }))
}

/// Every delta is exact in JSON (i128: `10400 - u64::MAX` is below i64 and u64), and the tables
/// show them without overflowing.
#[test]
fn sizes_of_u64_max_give_exact_deltas_without_overflow() {
    let pair = Pair::new(&base(), &base());
    let huge = write_report(pair.dir.path(), "huge.json", &huge_report());
    let r = ok(super::diff_run(
        Path::new(&huge),
        &pair.base,
        &["--format", "json"],
    ));
    let text = r.stdout;
    for line in [
        r#""image_size": -18446744073709541215,"#,
        // One side is uncompressed: no delta.
        r#""compressed_size": null,"#,
        r#""final_size": -18446744073709541215,"#,
        r#""wasted_bytes": -18446744073709551615,"#,
        r#""final_files": -18446744073709551609,"#,
        r#""layer_count": 1"#,
        r#""size_delta": -18446744073709543215"#,
        r#""delta": -18446744073709549615"#,
        r#""delta": -18446744073709549315"#,
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    let diff: Value = serde_json::from_str(&text).expect("JSON");
    let rows: Vec<(&Value, &Value)> = diff["paths"]
        .as_array()
        .expect("paths")
        .iter()
        .map(|p| (&p["path"], &p["status"]))
        .collect();
    assert_eq!(
        rows,
        [
            (&json!("/opt/app/data.bin"), &json!("shrunk")),
            (&json!("/opt/app"), &json!("shrunk")),
            (&json!("/usr/lib"), &json!("added")),
            (&json!("/etc/conf"), &json!("added")),
        ]
    );
    // The other way round every delta fits a u64.
    let back = ok(super::diff_run(
        &pair.base,
        Path::new(&huge),
        &["--format", "json"],
    ))
    .json();
    assert_eq!(back["delta"]["image_size"], json!(MAX - 10400));
    assert_eq!(back["delta"]["wasted_bytes"], json!(MAX));
    assert_eq!(back["layers"][0]["size_delta"], json!(MAX - 8400));
    assert_eq!(back["paths"][0]["delta"], json!(MAX - 2000));

    let table = ok(super::diff_run(Path::new(&huge), &pair.base, &[])).stdout;
    let tables = table_cells(&table);
    assert_eq!(
        tables[0][1..4],
        [
            ["image", "18.45 EB", "10.40 kB", "-18.45 EB (-100.0 %)"]
                .map(String::from)
                .to_vec(),
            ["final", "18.45 EB", "10.40 kB", "-18.45 EB (-100.0 %)"]
                .map(String::from)
                .to_vec(),
            ["wasted", "18.45 EB", "0 B", "-18.45 EB (-100.0 %)"]
                .map(String::from)
                .to_vec(),
        ],
        "{table}"
    );
    let markdown = ok(super::diff_run(
        Path::new(&huge),
        &pair.base,
        &["--format", "markdown"],
    ))
    .stdout;
    assert!(
        markdown.contains("| ▼ -18.45 EB | shrunk | `/opt/app/data.bin` |"),
        "{markdown}"
    );
}

/// A report (the new side here) whose name, platform, instruction, digest and path carry line
/// breaks, ESC sequences, a bidirectional override, `::` workflow commands and `##[`.
fn terminal_report() -> Value {
    report(json!({
        "name": "::error::pwned\u{1b}[31m\nnext",
        "tags": ["::error::pwned\u{1b}[31m\nnext"],
        "platform": "linux/amd64\r::warning::x",
        "image_size": 5_000_000, "final_size": 5_000_000, "final_files": 1, "layer_count": 1,
        "layers": [{"index": 0, "digest": "sha256:\u{1b}]8;;x\u{7}", "size": 5_000_000,
                    "files": 1, "created_by": "RUN x\r\n::error file=Dockerfile::boom ##[error]old"}],
        "directories": [{"path": "/opt", "size": 5_000_000, "files": 1}],
        "largest_files": [{"path": "/opt/\n::error::evil\u{202e}txt", "size": 5_000_000, "files": 1}],
    }))
}

/// Nothing in `text` a terminal or a CI runner would obey: no control character but the line
/// breaks sizegate writes, no bidirectional override, no line starting with `::`, no `##[`.
fn assert_inert(what: &str, text: &str) {
    assert!(
        !text
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{what}: a control character\n{text}"
    );
    assert!(
        !text.lines().any(|l| l.trim_start().starts_with("::")),
        "{what}: a workflow command\n{text}"
    );
    assert!(
        !text.contains("##["),
        "{what}: an old workflow command\n{text}"
    );
}

#[test]
fn names_instructions_and_paths_are_escaped_in_tables_and_markdown_and_exact_in_json() {
    let pair = Pair::new(&base(), &base());
    let hostile = write_report(pair.dir.path(), "hostile.json", &terminal_report());
    let run = |format: &str| {
        ok(super::diff_run(
            &pair.base,
            Path::new(&hostile),
            &["--format", format],
        ))
        .stdout
    };
    let name = r"\u{3a}:error::pwned\u{1b}[31m\nnext (linux/amd64\r::warning::x)";
    let created_by = r"RUN x\r\n::error file=Dockerfile::boom #\u{23}[error]old";
    let evil = r"/opt/\n::error::evil\u{202e}txt";

    let table = run("table");
    assert_inert("table", &table);
    assert_eq!(
        table.lines().next(),
        Some(format!("{name} (base app:1 (linux/amd64))").as_str())
    );
    let tables = table_cells(&table);
    // The new layer is paired with the base's first by position.
    assert_eq!(
        tables[1][1],
        ["0", "changed", "8.40 kB", "5 MB", "+4.99 MB", created_by].map(String::from),
        "{table}"
    );
    assert_eq!(
        tables[2][1],
        ["added", "0 B", "5 MB", "+5 MB", evil].map(String::from),
        "{table}"
    );

    let markdown = run("markdown");
    assert_inert("markdown", &markdown);
    // Markdown escapes its own punctuation too: the backslashes of the escapes, and `[`.
    let heading = r"### \\u{3a}:error::pwned\\u{1b}\[31m\\nnext (linux/amd64\\r::warning::x) (base app:1 (linux/amd64))";
    assert!(markdown.lines().any(|l| l == heading), "{markdown}");
    assert!(
        markdown.contains(&format!("| 0 | changed | ▲ +4.99 MB | `{created_by}` |")),
        "{markdown}"
    );
    assert!(
        markdown.contains(&format!("| ▲ +5 MB | added | `{evil}` |")),
        "{markdown}"
    );

    let json = run("json");
    assert!(!json.contains("##[") && !json.contains('\u{1b}'), "{json}");
    let diff: Value = serde_json::from_str(&json).expect("JSON");
    let original = terminal_report();
    let img = &original["images"][0];
    assert_eq!(diff["name"], img["name"]);
    assert_eq!(diff["new"]["platform"], img["platform"]);
    assert_eq!(
        diff["layers"][0]["created_by"],
        img["layers"][0]["created_by"]
    );
    assert_eq!(diff["layers"][0]["digest"], img["layers"][0]["digest"]);
    assert_eq!(diff["paths"][0]["path"], img["largest_files"][0]["path"]);
}

/// 100,000 layers on each side, half of them moved and half changed: paired in linear time,
/// every row in the JSON, and the first 500 in the table (every layer) and the markdown (the
/// changed ones) with a count of the rest.
#[test]
fn a_report_of_100000_layers_is_aligned_in_linear_time_and_its_tables_are_cut() {
    let dir = crate::support::tempdir();
    let layers = |shift: u64| -> Vec<Value> {
        (0..100_000u64)
            .map(|i| {
                json!({"index": i, "digest": format!("sha256:{:x}", i + shift), "size": i,
                       "files": 1, "created_by": format!("RUN step {}", i % 1000)})
            })
            .collect()
    };
    let base = write_report(
        dir.path(),
        "base.json",
        &report(json!({"layers": layers(0)})),
    );
    let new = write_report(
        dir.path(),
        "new.json",
        &report(json!({"layers": layers(50_000)})),
    );
    for (format, more) in [
        ("table", "… and 99500 more layers\n"),
        ("markdown", "… and 49500 more layers.\n"),
    ] {
        let r = bounded(&["diff", &base, &new, "--format", format], None, 1024, 60);
        assert_eq!(r.run.code, 0, "{format}: {}", r.run.stderr);
        assert!(r.run.stdout.contains(more), "{format}");
        assert!(r.elapsed.as_secs() < 30, "{format}: {:?}", r.elapsed);
    }
    let r = bounded(&["diff", &base, &new, "--format", "json"], None, 1024, 60);
    assert_eq!(r.run.code, 0, "{}", r.run.stderr);
    let rows = r.run.json()["layers"].as_array().map(Vec::len);
    // 50,000 pair by digest, the other 50,000 of each side by instruction.
    assert_eq!(rows, Some(100_000));
}

/// 30,000 changed paths asked for in markdown (`--top 30000`): the page stops at the summary's
/// budget, on a line, and says so.
#[test]
fn markdown_of_thousands_of_paths_is_cut_at_the_summary_budget() {
    let dir = crate::support::tempdir();
    let directories: Vec<Value> = (0..30_000u64)
        .map(|i| json!({"path": format!("/d{i:05}"), "size": i + 1, "files": 1}))
        .collect();
    let base = write_report(
        dir.path(),
        "base.json",
        &report(json!({"final_files": 30_000, "directory_depth": 1, "directories": directories})),
    );
    let new = write_report(
        dir.path(),
        "new.json",
        &report(json!({"directory_depth": 1})),
    );
    let r = bounded(
        &[
            "diff", &base, &new, "--format", "markdown", "--top", "30000",
        ],
        None,
        1024,
        60,
    );
    assert_eq!(r.run.code, 0, "{}", r.run.stderr);
    let page = &r.run.stdout;
    assert!(page.len() <= 900 * 1024 + 100, "{}", page.len());
    assert!(
        page.ends_with("\n… (cut at 921600 bytes: `--format json` has everything)\n"),
        "{}",
        &page[page.len().saturating_sub(200)..]
    );
}
