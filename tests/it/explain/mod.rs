//! `sizegate explain`: the savings of images built here, one of each kind, with their bytes,
//! layers, Dockerfile lines and hints, pinned as exact JSON and table lines; where the final bytes
//! are; `-o PATH`; and the errors. `--content` (copies, files added again) is in [`content`].

mod content;

use serde_json::{json, Value};

use crate::support::{path_str, run, sizegate, sizegate_in, tempdir, DockerArchive, Layer, Run};

/// The Dockerfile [`wheels_image`] was built from: each instruction after `FROM` made one layer.
const DOCKERFILE: &str = "FROM debian:12-slim
RUN apt-get update && apt-get install -y app
COPY wheels/ /tmp/wheels/
RUN pip install /tmp/wheels/*.whl
RUN rm -rf /tmp/wheels && chmod 0755 /opt/app/run
COPY conf/ /opt/conf/
";

/// An image with one saving of each kind that needs no file data: wheels copied in and deleted
/// by a later RUN, apt lists and `__pycache__` left behind, a chmod-only rewrite, a directory
/// reset by an opaque marker, a file overwritten.
fn wheels_image() -> DockerArchive {
    DockerArchive::new()
        .history(&[
            "/bin/sh -c #(nop) ADD file:5d6b1c2f in / ",
            "RUN /bin/sh -c apt-get update && apt-get install -y app # buildkit",
            "COPY wheels/ /tmp/wheels/ # buildkit",
            "RUN /bin/sh -c pip install /tmp/wheels/*.whl # buildkit",
            "RUN /bin/sh -c rm -rf /tmp/wheels && chmod 0755 /opt/app/run # buildkit",
            "COPY conf/ /opt/conf/ # buildkit",
        ])
        .layer(
            Layer::new()
                .file("bin/sh", 10_000)
                .file("etc/passwd", 50)
                .tar(),
        )
        .layer(
            Layer::new()
                .file("var/lib/apt/lists/deb_a", 3000)
                .file("var/lib/apt/lists/deb_b", 2000)
                .file("usr/bin/app", 5000)
                .file("opt/conf/old.yml", 300)
                .file("opt/app/run", 4000)
                .tar(),
        )
        .layer(
            Layer::new()
                .file("tmp/wheels/a.whl", 60_000)
                .file("tmp/wheels/b.whl", 30_000)
                .tar(),
        )
        .layer(
            Layer::new()
                .file("usr/lib/python3/site/a.py", 1500)
                .file("usr/lib/python3/site/__pycache__/a.cpython-311.pyc", 700)
                .file("etc/app.conf", 100)
                .tar(),
        )
        .layer(
            Layer::new()
                .whiteout("tmp/.wh.wheels")
                .file_mode("opt/app/run", &[b'a'; 4000], 0o755)
                .tar(),
        )
        .layer(
            Layer::new()
                .whiteout("opt/conf/.wh..wh..opq")
                .file("opt/conf/new.yml", 200)
                .file("etc/app.conf", 120)
                .tar(),
        )
}

/// `sizegate explain ARGS` in `dir`.
fn explain_in(dir: &std::path::Path, args: &[&str]) -> Run {
    let mut cmd = sizegate_in(dir);
    cmd.arg("explain").args(args);
    run(&mut cmd)
}

/// A temporary directory holding `app.tar` (the image) and its `Dockerfile`.
fn with_dockerfile(image: &DockerArchive) -> tempfile::TempDir {
    let dir = tempdir();
    image.write(dir.path(), "app.tar");
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).expect("Dockerfile is written");
    dir
}

/// The savings of the first image of an `explain --format json` report.
fn savings(report: &Value) -> Vec<Value> {
    report["images"][0]["savings"]
        .as_array()
        .expect("savings")
        .clone()
}

/// A Dockerfile place, as `added_by` and `removed_by` give it.
fn line(n: u64) -> Value {
    json!({ "file": "Dockerfile", "line": n, "column": 1 })
}

/// The hints of the preset rules the images here leave behind.
const APT_LISTS: &str = "remove the lists in the same RUN that downloads them: `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`";
/// The hints of wheels copied in and deleted, and of a file rewritten for its mode.
const BIND_MOUNT: &str = "bind-mount them for the RUN that installs them instead of copying them into a layer: `RUN --mount=type=bind,source=…,target=… pip install …`";
const SET_MODE: &str = "set the mode or owner in the RUN that writes the file, not in a later `RUN chmod`/`chown` that ships it twice";
const PYCACHE: &str =
    "set `PYTHONDONTWRITEBYTECODE=1` while building, or compile bytecode in the final stage only";

#[test]
fn every_saving_names_its_bytes_its_layers_and_its_dockerfile_lines() {
    let dir = with_dockerfile(&wheels_image());
    let args = ["app.tar", "--dockerfile", "Dockerfile", "--format", "json"];
    let run = explain_in(dir.path(), &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The waste kinds carry the hint `check` gives the same source (src/check/hint.rs).
    let saving = |kind: &str,
                  bytes: u64,
                  path: &str,
                  files: u64,
                  layers: (u64, Option<u64>),
                  hint: Option<&str>| {
        json!({
            "kind": kind, "bytes": bytes, "path": path, "files": files,
            "added_layer": layers.0, "removed_layer": layers.1,
            "added_by": line(layers.0 + 1), "removed_by": layers.1.map(|l| line(l + 1)),
            "hint": hint, "rule": null,
        })
    };
    let preset = |bytes: u64, path: &str, files: u64, layer: u64, rule: &str, hint: &str| {
        json!({
            "kind": "preset", "bytes": bytes, "path": path, "files": files,
            "added_layer": layer, "removed_layer": null,
            "added_by": line(layer + 1), "removed_by": null,
            "hint": hint, "rule": rule,
        })
    };
    assert_eq!(
        savings(&run.json()),
        [
            saving(
                "deleted",
                90_000,
                "/tmp/wheels",
                2,
                (2, Some(4)),
                Some(BIND_MOUNT)
            ),
            preset(
                5000,
                "/var/lib/apt/lists",
                2,
                1,
                "recommended/apt-lists",
                APT_LISTS
            ),
            saving(
                "metadata-rewrite",
                4000,
                "/opt/app/run",
                1,
                (1, Some(4)),
                Some(SET_MODE)
            ),
            preset(
                700,
                "/usr/lib/python3/site/__pycache__/a.cpython-311.pyc",
                1,
                3,
                "recommended/pycache",
                PYCACHE
            ),
            saving("opaque", 300, "/opt/conf", 1, (1, Some(5)), None),
            saving("overwritten", 100, "/etc/app.conf", 1, (3, Some(5)), None),
        ]
    );
}

#[test]
fn without_a_dockerfile_the_savings_have_no_lines() {
    let dir = with_dockerfile(&wheels_image());
    let run = explain_in(dir.path(), &["app.tar", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let places: Vec<Value> = savings(&report)
        .iter()
        .map(|s| {
            json!([
                s["kind"],
                s["added_layer"],
                s["removed_layer"],
                s["added_by"],
                s["removed_by"]
            ])
        })
        .collect();
    assert_eq!(
        places,
        [
            json!(["deleted", 2, 4, null, null]),
            json!(["preset", 1, null, null, null]),
            json!(["metadata-rewrite", 1, 4, null, null]),
            json!(["preset", 3, null, null, null]),
            json!(["opaque", 1, 5, null, null]),
            json!(["overwritten", 3, 5, null, null]),
        ]
    );
    assert!(report["images"][0].get("origins").is_none());
    // The savings and the final bytes add up to the image: nothing is counted twice or missed.
    let image = &report["images"][0];
    assert_eq!(image["wasted_bytes"], 90_000 + 4000 + 300 + 100);
}

#[test]
fn largest_lists_directories_files_and_each_layers_files_by_size() {
    let dir = with_dockerfile(&wheels_image());
    let run = explain_in(dir.path(), &["app.tar", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let dir = |path: &str, size: u64, files: u64| json!({ "path": path, "size": size, "files": files, "layer": null });
    let file = |path: &str, size: u64, layer: u64| json!({ "path": path, "size": size, "files": 1, "layer": layer });
    let layer = |n: u64, files: Vec<Value>| json!({ "layer": n, "files": files });
    let bin_sh = file("/bin/sh", 10_000, 0);
    let app = file("/usr/bin/app", 5000, 1);
    let run_ = file("/opt/app/run", 4000, 4);
    let deb_a = file("/var/lib/apt/lists/deb_a", 3000, 1);
    let deb_b = file("/var/lib/apt/lists/deb_b", 2000, 1);
    let a_py = file("/usr/lib/python3/site/a.py", 1500, 3);
    let pyc = file(
        "/usr/lib/python3/site/__pycache__/a.cpython-311.pyc",
        700,
        3,
    );
    let new_yml = file("/opt/conf/new.yml", 200, 5);
    let conf = file("/etc/app.conf", 120, 5);
    let passwd = file("/etc/passwd", 50, 0);
    assert_eq!(
        run.json()["images"][0]["largest"],
        json!({
            "directories": [
                dir("/bin", 10_000, 1),
                dir("/usr", 7200, 3),
                dir("/usr/bin", 5000, 1),
                dir("/var", 5000, 2),
                dir("/var/lib", 5000, 2),
                dir("/var/lib/apt", 5000, 2),
                dir("/var/lib/apt/lists", 5000, 2),
                dir("/opt", 4200, 2),
                dir("/opt/app", 4000, 1),
                dir("/usr/lib", 2200, 2),
                dir("/usr/lib/python3", 2200, 2),
                dir("/usr/lib/python3/site", 2200, 2),
                dir("/usr/lib/python3/site/__pycache__", 700, 1),
                dir("/opt/conf", 200, 1),
                dir("/etc", 170, 2),
            ],
            "files": [
                bin_sh.clone(), app.clone(), run_.clone(), deb_a.clone(), deb_b.clone(),
                a_py.clone(), pyc.clone(), new_yml.clone(), conf.clone(), passwd.clone(),
            ],
            "per_layer": [
                layer(0, vec![bin_sh, passwd]),
                layer(1, vec![app, deb_a, deb_b]),
                layer(2, vec![]),
                layer(3, vec![a_py, pyc]),
                layer(4, vec![run_]),
                layer(5, vec![new_yml, conf]),
            ],
        })
    );
}

#[test]
fn the_table_shows_each_saving_with_its_layers_lines_and_fix() {
    let dir = with_dockerfile(&wheels_image());
    let run = explain_in(dir.path(), &["app.tar", "--dockerfile", "Dockerfile"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "app:1 (linux/amd64)");
    assert_eq!(lines[1], "what could be saved:");
    let rows: Vec<Vec<&str>> = lines
        .iter()
        .filter(|l| l.starts_with('│'))
        .take(7)
        .map(|l| l.trim_matches('│').split('┆').map(str::trim).collect())
        .collect();
    assert_eq!(
        rows,
        [
            vec!["bytes", "kind", "path", "layers", "fix"],
            vec![
                "90 kB",
                "deleted later",
                "/tmp/wheels",
                "2 → 4 (Dockerfile:3 → 5)",
                "bind-mount them for the",
            ],
            // The fix is prose, wrapped in the room a 120-column table leaves it.
            vec!["", "", "", "", "RUN that installs them"],
            vec!["", "", "", "", "instead of copying them"],
            vec!["", "", "", "", "into a layer: `RUN"],
            vec!["", "", "", "", "--mount=type=bind,source="],
            vec!["", "", "", "", "…,target=… pip install …`"],
        ]
    );
    for heading in [
        "largest directories:",
        "largest files:",
        "largest files of each layer:",
    ] {
        assert!(lines.contains(&heading), "{heading}\n{}", run.stdout);
    }
}

#[test]
fn output_goes_to_the_file_given_with_o() {
    let dir = with_dockerfile(&wheels_image());
    let run = explain_in(
        dir.path(),
        &["app.tar", "--format", "json", "-o", "explain.json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    let written = std::fs::read_to_string(dir.path().join("explain.json")).expect("written");
    let report: Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(savings(&report).len(), 6);
    let table = explain_in(dir.path(), &["app.tar", "--output", "explain.txt"]);
    assert_eq!((table.code, table.stdout.as_str()), (0, ""));
    let text = std::fs::read_to_string(dir.path().join("explain.txt")).expect("written");
    assert!(
        text.starts_with("app:1 (linux/amd64)\nwhat could be saved:\n"),
        "{text}"
    );
}

#[test]
fn an_image_without_waste_or_leftovers_has_nothing_to_save() {
    let dir = tempdir();
    let image = DockerArchive::new().layer(Layer::new().file("bin/app", 100).tar());
    let path = image.write(dir.path(), "app.tar");
    let run = run(sizegate().args(["explain", path_str(&path)]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("\nnothing to save: no byte is shipped and hidden\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn hostile_names_are_escaped_in_the_table() {
    let dir = tempdir();
    let evil = "var/lib/apt/lists/x\u{1b}[31mred\n::error::forged";
    let image = DockerArchive::new()
        .layer(Layer::new().file(evil, 3000).file("tmp/a\rb", 10).tar())
        .layer(Layer::new().whiteout("tmp/.wh.a\rb").tar());
    let path = image.write(dir.path(), "app.tar");
    let run = run(sizegate().args(["explain", path_str(&path)]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}') && !run.stdout.contains('\r'));
    assert!(
        run.stdout
            .contains(r"/var/lib/apt/lists/x\u{1b}[31mred\n::error::forged"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(r"/tmp/a\rb"), "{}", run.stdout);
    assert!(run
        .stdout
        .lines()
        .all(|l| !l.trim_start().starts_with("::")));
}

#[test]
fn an_unreadable_image_exits_2_with_the_reason() {
    let dir = tempdir();
    let missing = dir.path().join("missing.tar");
    let run = run(sizegate().args(["explain", path_str(&missing)]));
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("missing.tar"), "{}", run.stderr);
    let junk = crate::support::write_file(dir.path(), "junk.tar", b"not a tar at all");
    let run =
        crate::support::run(sizegate().args(["explain", path_str(&junk), "--format", "json"]));
    assert_eq!((run.code, run.stdout.as_str()), (2, ""));
}
