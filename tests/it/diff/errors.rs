//! Exit codes: 0 for any diff (a report, not a gate), 2 with one error line naming the file when
//! a side cannot be read; `-` reads one side from stdin.

use super::changes::{base, with_layer};
use super::{layers_report, ok, Base, Pair, L};
use crate::support::{fails, path_str, run, shown, sizegate, write_file, Layer};

/// The pair of the "layer added" test: a diff exits 0 whatever it finds.
fn pair() -> Pair {
    Pair::new(
        &base(),
        &with_layer(L(
            0xa2,
            "COPY extra /opt/extra",
            Layer::new().file("opt/extra/x", 10),
        )),
    )
}

#[test]
fn a_diff_exits_0_however_much_grew_in_every_format() {
    let pair = pair();
    for how in Base::ALL {
        for format in ["table", "json", "markdown"] {
            let r = pair.diff(how, &["--format", format]);
            assert_eq!(
                (r.code, r.stderr.as_str()),
                (0, ""),
                "{how:?} base, {format}"
            );
            assert!(!r.stdout.is_empty());
        }
    }
}

#[test]
fn a_side_that_cannot_be_read_is_exit_2_with_a_message_naming_it() {
    let pair = pair();
    let dir = pair.dir.path();
    let new = path_str(&pair.new).to_string();
    let cases: [(&str, &str, &[u8], &str); 7] = [
        (
            "a truncated report",
            "truncated.json",
            br#"{"schema_version":1,"images":["#,
            "invalid JSON: EOF while parsing a list at line 1 column 30",
        ),
        (
            "a report of another schema_version",
            "v2.json",
            br#"{"schema_version":2,"images":[{"name":"app:1","layers":"elsewhere"}]}"#,
            "a report of schema_version 2; sizegate reads reports of schema_version 1",
        ),
        (
            "a report with no image",
            "empty.json",
            br#"{"schema_version":1,"images":[]}"#,
            "the report lists no image",
        ),
        (
            "a JSON object that is no report",
            "object.json",
            b"  {}\n",
            "invalid JSON: missing field `schema_version` at line 1 column 4",
        ),
        (
            "a report whose images are not images",
            "bad-image.json",
            br#"{"schema_version":1,"images":[{"name":"app:1"}]}"#,
            "invalid JSON: missing field `tags` at line 1 column 46",
        ),
        (
            "a text file",
            "notes.txt",
            b"hello world\n",
            "not a container image: FILE looks like text; sizegate reads docker save / OCI \
             archives and OCI layout directories",
        ),
        (
            "an empty file",
            "zero.tar",
            b"",
            "not a container image: FILE is empty; sizegate reads docker save / OCI archives and \
             OCI layout directories",
        ),
    ];
    for (what, name, bytes, message) in cases {
        let path = write_file(dir, name, bytes);
        let file = shown(&path);
        // A message that names the file elsewhere says where; the others follow it.
        let want = match message.contains("FILE") {
            true => format!("error: {}\n", message.replace("FILE", &file)),
            false => format!("error: {file}: {message}\n"),
        };
        let stderr = fails(what, &["diff", &file, &new], None);
        assert_eq!(stderr, want, "{what} as BASE");
        let stderr = fails(what, &["diff", &new, &file, "--format", "json"], None);
        assert_eq!(stderr, want, "{what} as NEW");
    }
    let missing = shown(&dir.join("missing.tar"));
    for args in [
        ["diff", missing.as_str(), new.as_str()],
        ["diff", new.as_str(), missing.as_str()],
    ] {
        let stderr = fails("a missing file", &args, None);
        assert_eq!(
            stderr,
            format!("error: {missing}: No such file or directory (os error 2)\n")
        );
    }
}

#[test]
fn both_sides_from_stdin_is_refused() {
    let archive = base().build();
    let stderr = fails("both sides -", &["diff", "-", "-"], Some(archive));
    assert_eq!(
        stderr,
        "error: only one of BASE and NEW can be `-` (stdin)\n"
    );
}

#[test]
fn an_image_on_stdin_is_either_side() {
    let pair = pair();
    let report = layers_report(&pair.base, pair.dir.path());
    let from_files = pair.json(Base::Image, &[]);
    let stdin =
        |args: [&str; 5], data: Vec<u8>| ok(run(sizegate().args(args).write_stdin(data))).json();
    let new = path_str(&pair.new);
    let base_on_stdin = stdin(
        ["diff", "-", new, "--format", "json"],
        std::fs::read(&pair.base).expect("base"),
    );
    assert_eq!(base_on_stdin, from_files);
    let new_on_stdin = stdin(
        ["diff", path_str(&report), "-", "--format", "json"],
        std::fs::read(&pair.new).expect("new"),
    );
    assert_eq!(new_on_stdin, pair.json(Base::Layers, &[]));
    // A report is never read from stdin: `-` is an image.
    let report_on_stdin = std::fs::read(&report).expect("report");
    let stderr = fails(
        "a report on stdin",
        &["diff", "-", new],
        Some(report_on_stdin),
    );
    assert_eq!(
        stderr,
        "error: not a container image: <stdin> looks like JSON (a saved report? `diff` and \
         `--baseline` read those from a file); sizegate reads docker save / OCI archives and OCI \
         layout directories\n"
    );
}

#[test]
fn an_image_flag_naming_no_image_of_a_report_is_exit_2() {
    let pair = pair();
    let report = layers_report(&pair.base, pair.dir.path());
    let file = shown(&report);
    let stderr = fails(
        "--image naming nothing",
        &["diff", &file, path_str(&pair.new), "--image", "nope:1"],
        None,
    );
    assert_eq!(
        stderr,
        format!("error: {file}: the report has no image named `nope:1` (--image)\n")
    );
}

/// A report saved before reports kept paths (schema 1 without `directory_depth`, `directories`
/// and `largest_files`) is read: its totals and layers are compared, and no path, as it names
/// none.
#[test]
fn a_report_saved_before_paths_were_kept_compares_totals_and_layers() {
    let pair = pair();
    let report = layers_report(&pair.base, pair.dir.path());
    let mut old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("report")).expect("JSON");
    let img = old["images"][0].as_object_mut().expect("an image");
    for key in ["directory_depth", "directories", "largest_files"] {
        assert!(img.remove(key).is_some(), "{key}");
    }
    let old = write_file(
        pair.dir.path(),
        "old.json",
        &serde_json::to_vec(&old).expect("JSON"),
    );
    let from_old = ok(super::diff_run(&old, &pair.new, &["--format", "json"])).json();
    let from_image = pair.json(Base::Image, &[]);
    assert_eq!(from_old["delta"], from_image["delta"]);
    assert_eq!(from_old["layers"], from_image["layers"]);
    assert_eq!(
        (&from_old["paths"], &from_old["path_depth"]),
        (&serde_json::json!([]), &serde_json::json!(0))
    );
}
