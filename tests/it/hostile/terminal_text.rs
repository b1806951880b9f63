//! Text the image or an input file controls (tags, platform, `created_by`, file names, link
//! targets, a policy's `reason`) printed into a terminal or a CI log: it must not add lines of its
//! own, drive the terminal (ESC), or make a GitHub runner read a workflow command (`::` at the
//! start of a line, `##[` anywhere in one). The outputs for people show it escaped; the JSON
//! outputs keep it exact, written so that no log reads a command in it.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{path_str, run, sizegate_in, workdir, DockerArchive, Layer, Run};

/// What the image and the policy carry: a line break and a workflow command, a colour sequence,
/// a carriage return, and the runner's older command form.
const HOSTILE: &str = "\n::error title=x::forged\x1b[31m\r##[error]old";

/// [`HOSTILE`] as the outputs for people show it inside a text.
const SHOWN: &str = r"\n::error title=x::forged\u{1b}[31m\r#\u{23}[error]old";

/// The policy: a forbidden path and a layer budget the image breaks; the forbid rule's reason is
/// hostile on its second line.
const POLICY: &str = r#"forbid:
  - glob: "/opt/**"
    reason: "keys\n::error title=x::forged\x1b[31m\r##[error]old"
layers:
  - select: { index: 0 }
    max_size: 1kB
"#;

/// The second line of the reason, as the outputs for people show it: at the start of a line of
/// its own, so its `::` is escaped too.
const REASON_LINE: &str = r"\u{3a}:error title=x::forged\u{1b}[31m\r#\u{23}[error]old";

/// A docker-archive whose tag, platform, `created_by`, file name and link target all carry
/// [`HOSTILE`].
fn hostile_image(dir: &Path) -> PathBuf {
    let base = Layer::new()
        .dir("opt/")
        .file(format!("opt/k{HOSTILE}.pem"), 2000)
        .gnu_long_symlink("opt/link", &format!("target{HOSTILE}"))
        .tar();
    let app = Layer::new().file("usr/bin/app", 100).tar();
    let archive = DockerArchive::new()
        .tags(&[&format!("evil{HOSTILE}")])
        .layer(base)
        .layer(app)
        .history(&[&format!("RUN a{HOSTILE}"), "RUN b"]);
    let mut config = archive.config_json();
    config["architecture"] = json!(format!("amd64{HOSTILE}"));
    let config = serde_json::to_vec(&config).expect("config serializes");
    archive.config_bytes(&config).write(dir, "evil.tar")
}

/// Asserts that `text` (stdout or stderr of `what`) carries no ESC, CR or `##[`, and that no line
/// of it starts a workflow command; with `github`, sizegate's own commands (on the policy's
/// rules) are the only lines that do.
fn assert_safe(what: &str, text: &str, github: bool) {
    assert!(!text.contains('\x1b'), "{what}: ESC in {text:?}");
    assert!(!text.contains('\r'), "{what}: CR in {text:?}");
    assert!(!text.contains("##["), "{what}: `##[` in {text:?}");
    for line in text.lines() {
        if line.trim_start().starts_with("::") {
            assert!(
                github && line.starts_with("::error file=sizegate.yml,line="),
                "{what}: a line starts a workflow command: {line:?}"
            );
        }
    }
}

/// Runs `sizegate ARGS` in `dir` in a narrow log, where cells are cut and wrapped, and in one
/// wide enough for every cell to be whole; asserts both streams of both runs are safe, and returns
/// the wide run (whose text the tests look for).
fn safe_run(dir: &Path, args: &[&str]) -> Run {
    let github = args.ends_with(&["--format", "github"]);
    let mut wide = None;
    for columns in ["24", "1000"] {
        let run = run(sizegate_in(dir).args(args).env("COLUMNS", columns));
        let what = format!("COLUMNS={columns} {}", args.join(" "));
        assert_safe(&what, &run.stdout, github);
        assert_safe(&what, &run.stderr, false);
        wide = Some(run);
    }
    wide.expect("run twice")
}

/// `sizegate check evil.tar --format FORMAT` with [`POLICY`]: it fails on both rules.
fn check(format: &str) -> Run {
    let dir = workdir(&[("sizegate.yml", POLICY)]);
    let image = hostile_image(dir.path());
    let run = safe_run(dir.path(), &["check", path_str(&image), "--format", format]);
    assert_eq!(run.code, 1, "{format}: {}", run.stderr);
    run
}

/// Asserts that `haystack` contains `needle`, showing both when not.
fn assert_has(haystack: &str, needle: &str) {
    assert!(
        haystack.contains(needle),
        "expected {needle:?} in:\n{haystack}"
    );
}

#[test]
fn check_table_shows_image_and_reason_escaped() {
    let out = check("table").stdout;
    assert_eq!(
        out.lines().next(),
        Some(format!("evil{SHOWN} (linux/amd64{SHOWN})").as_str())
    );
    assert_has(&out, "┆ reason: keys ");
    assert_has(&out, &format!("┆ {REASON_LINE} "));
    assert_has(&out, &format!("┆   /opt/k{SHOWN}.pem (2 kB, layer 0) ┆"));
    assert_has(&out, &format!("┆ layer 0: RUN a{SHOWN} │"));
}

#[test]
fn check_markdown_shows_image_and_reason_escaped_and_marked_up() {
    let out = check("markdown").stdout;
    assert_has(&out, &format!("### `evil{SHOWN}` (linux/amd64"));
    assert_has(&out, &format!("| 0 | 2 kB | 1 | `RUN a{SHOWN}` |"));
    // In a cell, the escapes' backslashes and markdown's punctuation are escaped again.
    assert_has(
        &out,
        r"<br>reason: keys<br>\\u{3a}:error title=x::forged\\u{1b}\[31m\\r#\\u{23}\[error\]old<br>",
    );
    // The largest files' paths are cut to 60 columns in the middle (once escaped: a cut never
    // makes a control character), the file name's end kept.
    let path = format!("/opt/k{SHOWN}.pem");
    let (start, end) = path.split_at(19);
    let end = &end[end.len() - 40..];
    assert_has(&out, &format!("| 2 kB | 0 | `{start}…{end}` |"));
}

#[test]
fn check_junit_shows_image_and_reason_escaped() {
    let out = check("junit").stdout;
    // The suite is named by the repository, which ends at the tag's last `:`; the whole
    // reference is its property. Both escaped.
    assert_has(
        &out,
        r#"<testsuite name="evil\n::error title=x:" tests="2""#,
    );
    assert_has(
        &out,
        &format!(r#"<property name="image" value="evil{SHOWN}"/>"#),
    );
    assert_has(&out, &format!("\nreason: keys\n{REASON_LINE}\n"));
    assert_has(&out, &format!("\n  /opt/k{SHOWN}.pem (2 kB, layer 0)\n"));
}

#[test]
fn check_github_prints_only_its_own_workflow_commands() {
    let out = check("github").stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "one command per finding: {out}");
    assert_eq!(
        lines[0],
        format!(
            "::error file=sizegate.yml,line=5,col=5,title=layer-over-budget (layers[0])::\
             layer 0 size 2 kB is over the budget of 1 kB (100.0 %25 over)%0A\
             layer 0: RUN a{SHOWN}%0Aimage: evil{SHOWN}"
        )
    );
    assert_has(
        lines[1],
        &format!("%0Areason: keys%0A{REASON_LINE}%0A  /opt/k{SHOWN}.pem (2 kB, layer 0)%0A"),
    );
}

#[test]
fn check_sarif_and_gitlab_escape_what_viewers_show_and_keep_the_rest_exact() {
    let sarif: Value = serde_json::from_str(&check("sarif").stdout).expect("SARIF is JSON");
    let result = &sarif["runs"][0]["results"][1];
    assert_eq!(result["properties"]["image"], format!("evil{HOSTILE}"));
    let message = result["message"]["text"].as_str().expect("message");
    assert_has(message, &format!("\nreason: keys\n{REASON_LINE}\n"));
    let gitlab: Value = serde_json::from_str(&check("gitlab").stdout).expect("GitLab is JSON");
    assert_eq!(
        gitlab[1]["description"],
        format!(
            "2 forbidden paths (2 kB) match /opt/**\nreason: keys\n{REASON_LINE}\n  \
             /opt/k{SHOWN}.pem (2 kB, layer 0)\n  /opt/link (0 B, layer 0)"
        )
    );
}

#[test]
fn layers_table_shows_names_escaped_and_json_keeps_them_exact() {
    let dir = workdir(&[]);
    let image = hostile_image(dir.path());
    let table = safe_run(dir.path(), &["layers", path_str(&image)]).stdout;
    assert_eq!(
        table.lines().next(),
        Some(format!("evil{SHOWN} (linux/amd64{SHOWN})").as_str())
    );
    assert_has(&table, &format!("│ 0 ┆  2 kB ┆     1 ┆ RUN a{SHOWN} │"));

    let run = safe_run(
        dir.path(),
        &["layers", path_str(&image), "--format", "json"],
    );
    let json = run.json();
    let img = &json["images"][0];
    assert_eq!(img["name"], format!("evil{HOSTILE}"));
    assert_eq!(img["platform"], format!("linux/amd64{HOSTILE}"));
    assert_eq!(img["layers"][0]["created_by"], format!("RUN a{HOSTILE}"));
    // The same strings, written so that no log reads `##[` in them.
    assert_has(
        &run.stdout,
        r#""created_by": "RUN a\n::error title=x::forged\u001b[31m\r#\u0023[error]old""#,
    );
}

#[test]
fn top_shows_paths_and_instructions_escaped() {
    let dir = workdir(&[]);
    let image = hostile_image(dir.path());
    let out = safe_run(dir.path(), &["top", path_str(&image)]).stdout;
    assert_eq!(out.lines().next(), Some(format!("evil{SHOWN}").as_str()));
    assert_has(&out, &format!("┆ /opt/k{SHOWN}.pem ┆ RUN a"));
    let dirs = safe_run(dir.path(), &["top", path_str(&image), "--dirs"]).stdout;
    assert_eq!(dirs.lines().next(), Some(format!("evil{SHOWN}").as_str()));
}

#[test]
fn inventory_rows_stay_one_line_each() {
    let dir = workdir(&[]);
    let image = hostile_image(dir.path());
    let out = safe_run(dir.path(), &["inventory", path_str(&image)]).stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "the header and one line per entry: {out}");
    let layer0 = format!("evil{SHOWN},0,sha256:{:064x},RUN a{SHOWN}", 0xd1ff_0000_u64);
    assert_eq!(
        lines[2],
        format!("{layer0},/opt/k{SHOWN}.pem,file,2000,0644,0,0,,visible,")
    );
    assert_eq!(
        lines[3],
        format!("{layer0},/opt/link,symlink,0,0777,0,0,target{SHOWN},visible,")
    );
}

#[test]
fn init_keeps_the_image_name_inside_its_comment() {
    let dir = workdir(&[]);
    let image = hostile_image(dir.path());
    let out = safe_run(dir.path(), &["init", path_str(&image)]).stdout;
    assert_eq!(
        out.lines().next(),
        Some(
            format!(
                "# sizegate policy for evil{SHOWN}: today's numbers plus 10 % headroom, written \
                 by `sizegate init`."
            )
            .as_str()
        )
    );
}

/// Writes `data` as the blob numbered `n` of the layout at `root`; returns its descriptor.
fn blob(root: &Path, n: u64, media_type: &str, data: &[u8]) -> Value {
    let hex = format!("{n:064x}");
    std::fs::write(root.join("blobs/sha256").join(&hex), data).expect("blob is written");
    json!({"mediaType": media_type, "digest": format!("sha256:{hex}"), "size": data.len()})
}

#[test]
fn notes_on_stderr_show_the_index_text_escaped() {
    let dir = workdir(&[]);
    let root = dir.path();
    std::fs::create_dir_all(root.join("blobs/sha256")).expect("blobs dir");
    let layer = Layer::new().file("app", 10).tar();
    let layer = blob(root, 1, "application/vnd.oci.image.layer.v1.tar", &layer);
    // Two platforms, of which sizegate picks linux/amd64 and says so in a note.
    let manifests: Vec<Value> = [(2, "amd64".to_string()), (4, format!("arm{HOSTILE}"))]
        .into_iter()
        .map(|(n, arch)| {
            let config = json!({"os": "linux", "architecture": arch, "history": [{"created_by": "COPY app"}]});
            let config = blob(
                root,
                n,
                "application/vnd.oci.image.config.v1+json",
                config.to_string().as_bytes(),
            );
            let manifest = json!({"schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config, "layers": [layer]});
            let mut desc = blob(
                root,
                n + 1,
                "application/vnd.oci.image.manifest.v1+json",
                manifest.to_string().as_bytes(),
            );
            desc["platform"] = json!({"os": "linux", "architecture": arch});
            desc
        })
        .collect();
    let index = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    let mut top = blob(
        root,
        9,
        "application/vnd.oci.image.index.v1+json",
        index.to_string().as_bytes(),
    );
    top["annotations"] = json!({"org.opencontainers.image.ref.name": format!("evil{HOSTILE}")});
    let top = json!({"schemaVersion": 2, "manifests": [top]});
    std::fs::write(root.join("index.json"), top.to_string()).expect("index.json");
    std::fs::write(root.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");

    let run = safe_run(root, &["layers", path_str(root)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        format!(
            "note: evil{SHOWN}: picked platform linux/amd64 of 2 (linux/amd64, \
             linux/arm{SHOWN}); choose another with --platform\n"
        )
    );
}

#[test]
fn policy_diagnostics_quote_the_policys_words_escaped() {
    // A key and a value that carry a line break and a workflow command (YAML escapes), and a raw
    // ESC byte, which YAML refuses: its line is still shown.
    let policy = "version: 1\nimage:\n  \"max_size\\n::error title=x::forged\": 1MB\n  max_files: \"1\\n::error title=y::forged\"\n";
    let dir = workdir(&[
        ("sizegate.yml", policy),
        ("raw.yml", "version: 1 \x1b[31m\n"),
    ]);
    let tiny = crate::support::fixture(crate::support::TINY);
    let run = safe_run(dir.path(), &["check", path_str(&tiny)]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_has(
        &run.stderr,
        r"sizegate.yml:3:3: unknown key `max_size\n::error title=x::forged` in `image`",
    );
    let run = safe_run(
        dir.path(),
        &["check", path_str(&tiny), "--policy", "raw.yml"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_has(&run.stderr, "1 | version: 1 ?[31m");
}
