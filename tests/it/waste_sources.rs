//! Where the waste comes from, in every waste finding: an image built here as BuildKit builds the
//! Dockerfile below wastes bytes in each way there is (archives copied in and deleted, build
//! output deleted by a later RUN, a package cache and lists left then cleaned, a directory
//! emptied and filled again, a file rewritten for its mode alone, a file overwritten with other
//! content), and every format names the sources, their layers, their Dockerfile lines (with
//! `--dockerfile`) and the change that would spare them.

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::{
    root, run, run_in, sizegate_in, workdir, write_file, DockerArchive, Layer, Run,
};

/// The Dockerfile the image is built from: layer `n` is made by line `n + 1` (layer 0 is the base
/// image of the `FROM`).
const DOCKERFILE: &str = "\
FROM debian:12-slim
RUN apt-get update && apt-get install -y curl
COPY wheels/ /tmp/wheels/
RUN pip install /tmp/wheels/*.whl
COPY app/ /opt/app/
RUN make -C /opt/app
RUN chmod +x /opt/app/run.sh && sed -i s/debug/info/ /opt/app/app.conf
RUN rm -rf /srv/conf && mkdir /srv/conf && /opt/app/bin/app --init /srv/conf
RUN rm -rf /tmp/wheels /opt/app/build /opt/app/testdata && apt-get clean && rm -rf /var/lib/apt/lists/*
";

/// The history BuildKit writes for it, bottom first.
const HISTORY: [&str; 9] = [
    "/bin/sh -c #(nop) ADD file:0a1b2c3d4e5f in / ",
    "RUN /bin/sh -c apt-get update && apt-get install -y curl # buildkit",
    "COPY wheels/ /tmp/wheels/ # buildkit",
    "RUN /bin/sh -c pip install /tmp/wheels/*.whl # buildkit",
    "COPY app/ /opt/app/ # buildkit",
    "RUN /bin/sh -c make -C /opt/app # buildkit",
    "RUN /bin/sh -c chmod +x /opt/app/run.sh && sed -i s/debug/info/ /opt/app/app.conf # buildkit",
    "RUN /bin/sh -c rm -rf /srv/conf && mkdir /srv/conf && /opt/app/bin/app --init /srv/conf # buildkit",
    "RUN /bin/sh -c rm -rf /tmp/wheels /opt/app/build /opt/app/testdata && apt-get clean && rm -rf /var/lib/apt/lists/* # buildkit",
];

/// A policy whose only rule is about waste.
const POLICY: &str = "version: 1\nimage:\n  max_wasted: 100kB\n";

/// The hints, as the findings write them.
const ONE_RUN: &str = "create, use and delete them in one RUN, or keep them out of the layers with `RUN --mount=type=cache` or `--mount=type=bind`, or make them in a build stage and `COPY --from` only the result";
const BIND_ARCHIVES: &str = "bind-mount them for the RUN that installs them instead of copying them into a layer: `RUN --mount=type=bind,source=…,target=… pip install …`";
const NOT_COPIED: &str = "do not COPY what a later step deletes: leave it out with `.dockerignore`, or bind-mount it for the RUN that needs it (`RUN --mount=type=bind,source=…,target=…`)";
const COPY_CHMOD: &str = "copy it with the mode or owner it needs, `COPY --chmod=…` or `--chown=…` (or set the mode in the build context), instead of a later `RUN chmod`/`chown` that ships it twice";
const APT_LISTS: &str = "remove the lists in the same RUN that downloads them: `apt-get update && apt-get install -y … && rm -rf /var/lib/apt/lists/*`";
const APT_CACHE: &str = "run `apt-get clean` in the same RUN as `apt-get install`, or use `RUN --mount=type=cache,target=/var/cache/apt`";
const FROM_BASE: &str = "the base image ships them, and removing them later saves nothing: use a base image without them, or a final stage that copies only what the image needs";

/// The image the Dockerfile builds, as layers of the sizes a test can add up.
fn image() -> DockerArchive {
    let layers = vec![
        Layer::new().file("bin/sh", 1000),
        Layer::new()
            .file("usr/bin/curl", 3000)
            .file("var/lib/apt/lists/deb_bookworm_Packages", 40_000)
            .file("var/lib/apt/lists/deb_bookworm-updates_Packages", 24_000)
            .file("var/cache/apt/pkgcache.bin", 30_000)
            .file("var/cache/apt/srcpkgcache.bin", 25_000)
            .file("var/cache/apt/archives/curl_7.88_amd64.deb", 5000),
        Layer::new()
            .dir("tmp/wheels/")
            .file("tmp/wheels/numpy-1.26-cp311.whl", 90_000)
            .file("tmp/wheels/pandas-2.1-cp311.whl", 60_000),
        Layer::new().file("usr/lib/python3/dist-packages/numpy/core.so", 80_000),
        Layer::new()
            .file_mode("opt/app/run.sh", &[b'a'; 2000], 0o644)
            .file("opt/app/app.conf", 500)
            .file("opt/app/testdata/big.json", 12_000),
        Layer::new()
            .file("opt/app/build/main.o", 46_000)
            .file("opt/app/build/util.o", 15_000)
            .file("opt/app/bin/app", 8000)
            .file("srv/conf/defaults.yml", 3000),
        Layer::new()
            .file_mode("opt/app/run.sh", &[b'a'; 2000], 0o755)
            .file("opt/app/app.conf", 480),
        Layer::new()
            .whiteout("srv/conf/.wh..wh..opq")
            .file("srv/conf/app.yml", 1000),
        Layer::new()
            .whiteout("tmp/.wh.wheels")
            .whiteout("opt/app/.wh.build")
            .whiteout("opt/app/.wh.testdata")
            .whiteout("var/cache/apt/.wh.pkgcache.bin")
            .whiteout("var/cache/apt/.wh.srcpkgcache.bin")
            .whiteout("var/cache/apt/archives/.wh.curl_7.88_amd64.deb")
            .whiteout("var/lib/apt/lists/.wh.deb_bookworm_Packages")
            .whiteout("var/lib/apt/lists/.wh.deb_bookworm-updates_Packages"),
    ];
    layers
        .into_iter()
        .fold(DockerArchive::new(), |a, l| a.layer(l.tar()))
        .history(&HISTORY)
}

/// A directory holding `image.tar`, `policy.yml` (`policy`) and `Dockerfile`.
fn workspace(image: &DockerArchive, policy: &str) -> TempDir {
    let dir = workdir(&[("policy.yml", policy), ("Dockerfile", DOCKERFILE)]);
    image.write(dir.path(), "image.tar");
    dir
}

/// `check image.tar --policy policy.yml ARGS` in the workspace; the gate fails.
fn check(dir: &TempDir, args: &[&str]) -> Run {
    let mut all = vec!["check", "image.tar", "--policy", "policy.yml"];
    all.extend_from_slice(args);
    // A log wide enough that the table's lines of a source stay whole.
    let run = run(sizegate_in(dir.path()).args(&all).env("COLUMNS", "1000"));
    assert_eq!(
        run.code, 1,
        "the image wastes too much; stderr: {}",
        run.stderr
    );
    assert_eq!(run.stderr, "");
    run
}

/// `check … --format FORMAT`, with `--dockerfile Dockerfile` when `traced`.
fn check_as(format: &str, traced: bool) -> String {
    let dir = workspace(&image(), POLICY);
    let mut args = vec!["--format", format];
    if traced {
        args.extend(["--dockerfile", "Dockerfile"]);
    }
    check(&dir, &args).stdout
}

/// `{"file": "Dockerfile", "line": N, "column": 1}`.
fn line(n: u64) -> Value {
    json!({"file": "Dockerfile", "line": n, "column": 1})
}

/// A source as the JSON writes it; `traced` fills the Dockerfile lines of its layers.
fn source(
    path: &str,
    (bytes, files): (u64, u64),
    how: &str,
    (added, removed): (u64, u64),
    hint: Option<&str>,
    traced: bool,
) -> Value {
    let by = |layer: u64| if traced { line(layer + 1) } else { Value::Null };
    json!({
        "path": path, "bytes": bytes, "files": files, "how": how,
        "added_layer": added, "removed_layer": removed,
        "added_by": by(added), "removed_by": by(removed), "hint": hint,
    })
}

/// Every source of the image's waste, largest first.
fn sources(traced: bool) -> Value {
    let s = |path, size, how, layers, hint| source(path, size, how, layers, hint, traced);
    json!([
        s(
            "/tmp/wheels",
            (150_000, 2),
            "deleted",
            (2, 8),
            Some(BIND_ARCHIVES)
        ),
        s(
            "/var/lib/apt/lists",
            (64_000, 2),
            "deleted",
            (1, 8),
            Some(APT_LISTS)
        ),
        s(
            "/opt/app/build",
            (61_000, 2),
            "deleted",
            (5, 8),
            Some(ONE_RUN)
        ),
        s(
            "/var/cache/apt",
            (60_000, 3),
            "deleted",
            (1, 8),
            Some(APT_CACHE)
        ),
        s(
            "/opt/app/testdata",
            (12_000, 1),
            "deleted",
            (4, 8),
            Some(NOT_COPIED)
        ),
        s("/srv/conf", (3000, 1), "opaque", (5, 7), Some(ONE_RUN)),
        s(
            "/opt/app/run.sh",
            (2000, 1),
            "overwritten",
            (4, 6),
            Some(COPY_CHMOD)
        ),
        s("/opt/app/app.conf", (500, 1), "overwritten", (4, 6), None),
    ])
}

/// The only finding of a JSON report.
fn only_finding(stdout: &str) -> Value {
    let report: Value = serde_json::from_str(stdout).expect("JSON");
    let findings = report["images"][0]["findings"]
        .as_array()
        .expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    findings[0].clone()
}

#[test]
fn too_much_waste_names_every_source_with_its_layers_and_hint() {
    let f = only_finding(&check_as("json", false));
    assert_eq!(f["code"], "too-much-waste");
    assert_eq!(f["actual"], json!({"unit": "bytes", "value": 352_500}));
    assert_eq!(f["sources"], sources(false));
    assert_eq!(f["more_sources"], 0);
    let total: u64 = sources(false)
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|s| s["bytes"].as_u64())
        .sum();
    assert_eq!(total, 352_500, "the sources add up to the waste");
}

#[test]
fn with_the_dockerfile_each_source_names_the_lines_that_added_and_removed_it() {
    let f = only_finding(&check_as("json", true));
    assert_eq!(f["sources"], sources(true));
    // The finding is about the image, not a layer: it stays on the policy.
    assert_eq!(f["dockerfile"], Value::Null);
}

#[test]
fn dives_waste_rules_carry_the_same_sources() {
    let policy = "version: 1\ndive:\n  max_wasted_bytes: 100kB\n  min_efficiency: 0.9\n  max_user_wasted_percent: 0.1\n";
    let dir = workspace(&image(), policy);
    let run = check(&dir, &["--format", "json"]);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    let findings = report["images"][0]["findings"]
        .as_array()
        .expect("findings");
    let codes: Vec<&str> = findings.iter().filter_map(|f| f["code"].as_str()).collect();
    assert_eq!(
        codes,
        [
            "dive-lowest-efficiency",
            "dive-highest-wasted-bytes",
            "dive-highest-user-wasted-percent"
        ]
    );
    for f in findings {
        assert_eq!(f["sources"], sources(false), "{}", f["code"]);
    }
}

#[test]
fn findings_of_other_rules_have_no_sources_key() {
    let dir = workspace(&image(), "version: 1\nimage:\n  max_size: 100kB\n");
    let f = only_finding(&check(&dir, &["--format", "json"]).stdout);
    assert_eq!(f["code"], "image-too-large");
    assert!(
        f.get("sources").is_none() && f.get("more_sources").is_none(),
        "{f:#}"
    );
}

#[test]
fn past_ten_sources_the_rest_are_counted() {
    // Twelve files in twelve directories, each written again by the next layer: twelve sources.
    let names: Vec<String> = (1..=12).map(|i| format!("d{i:02}/f")).collect();
    let layer = |size: usize| {
        names
            .iter()
            .enumerate()
            .fold(Layer::new(), |l, (i, n)| l.file(n, size + i))
    };
    let image = DockerArchive::new()
        .layer(layer(1000).tar())
        .layer(layer(10).tar());
    let dir = workspace(&image, "version: 1\nimage:\n  max_wasted: 1kB\n");
    let f = only_finding(&check(&dir, &["--format", "json"]).stdout);
    let paths: Vec<&str> = f["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/d12/f", "/d11/f", "/d10/f", "/d09/f", "/d08/f", "/d07/f", "/d06/f", "/d05/f",
            "/d04/f", "/d03/f"
        ]
    );
    assert_eq!(f["more_sources"], 2);
    let table = check(&dir, &[]).stdout;
    assert!(
        table.contains("  1.01 kB /d08/f (1 file): added by layer 0, overwritten by layer 1"),
        "{table}"
    );
    assert!(!table.contains("/d07/f"), "five are shown: {table}");
    assert!(table.contains("  … and 7 more sources"), "{table}");
}

#[test]
fn the_dockerfile_tells_the_base_images_layers_whatever_their_step() {
    // A base image whose second layer is a RUN, and a Dockerfile that deletes what it made.
    let image = DockerArchive::new()
        .layer(Layer::new().file("bin/sh", 100).tar())
        .layer(Layer::new().file("opt/base-cache/blob", 5000).tar())
        .layer(Layer::new().whiteout("opt/.wh.base-cache").tar())
        .history(&[
            "/bin/sh -c #(nop) ADD file:0a1b in / ",
            "RUN /bin/sh -c fetch-cache /opt/base-cache # buildkit",
            "RUN /bin/sh -c rm -rf /opt/base-cache # buildkit",
        ]);
    let dir = workspace(&image, "version: 1\nimage:\n  max_wasted: 1kB\n");
    write_file(
        dir.path(),
        "Dockerfile",
        b"FROM python:3.12\nRUN rm -rf /opt/base-cache\n",
    );
    let hint = |args: &[&str]| {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        only_finding(&check(&dir, &all).stdout)["sources"][0]["hint"].clone()
    };
    // From the history alone, a RUN made the bytes and a later RUN deleted them.
    assert_eq!(hint(&[]), ONE_RUN);
    assert_eq!(hint(&["--dockerfile", "Dockerfile"]), FROM_BASE);
}

#[test]
fn the_table_lists_the_first_sources_under_the_finding_with_their_fixes() {
    let table = check_as("table", true);
    for expected in [
        "  150 kB /tmp/wheels (2 files): added by layer 2 (Dockerfile:3), deleted by layer 8 (Dockerfile:9)",
        &format!("    fix: {BIND_ARCHIVES}"),
        "  64 kB /var/lib/apt/lists (2 files): added by layer 1 (Dockerfile:2), deleted by layer 8 (Dockerfile:9)",
        &format!("    fix: {APT_LISTS}"),
        "  61 kB /opt/app/build (2 files): added by layer 5 (Dockerfile:6), deleted by layer 8 (Dockerfile:9)",
        &format!("    fix: {ONE_RUN}"),
        "  60 kB /var/cache/apt (3 files): added by layer 1 (Dockerfile:2), deleted by layer 8 (Dockerfile:9)",
        &format!("    fix: {APT_CACHE}"),
        "  12 kB /opt/app/testdata (1 file): added by layer 4 (Dockerfile:5), deleted by layer 8 (Dockerfile:9)",
        &format!("    fix: {NOT_COPIED}"),
        "  … and 3 more sources",
    ] {
        assert!(table.contains(expected), "{expected}\n{table}");
    }
    let untraced = check_as("table", false);
    assert!(
        untraced.contains("  150 kB /tmp/wheels (2 files): added by layer 2, deleted by layer 8 "),
        "{untraced}"
    );
}

#[test]
fn the_markdown_folds_the_sources_in_the_findings_cell() {
    let md = check_as("markdown", true);
    let row = md
        .lines()
        .find(|l| l.contains("`too-much-waste`"))
        .expect("the finding's row");
    for expected in [
        "<details><summary>where the waste comes from (8 sources)</summary><ul>",
        "<li>150 kB `/tmp/wheels` (2 files): added by layer 2 (`Dockerfile:3`), deleted by layer 8 (`Dockerfile:9`)<br>fix: bind-mount them for the RUN that installs them instead of copying them into a layer: `RUN --mount=type=bind,source=…,target=… pip install …`</li>",
        "<li>12 kB `/opt/app/testdata` (1 file): added by layer 4 (`Dockerfile:5`), deleted by layer 8 (`Dockerfile:9`)<br>fix: do not COPY what a later step deletes: leave it out with `.dockerignore`, or bind-mount it for the RUN that needs it (`RUN --mount=type=bind,source=…,target=…`)</li>",
        "<li>… and 3 more</li></ul></details> |",
    ] {
        assert!(row.contains(expected), "{expected}\n{row}");
    }
    let untraced = check_as("markdown", false);
    assert!(
        untraced.contains(
            "<li>150 kB `/tmp/wheels` (2 files): added by layer 2, deleted by layer 8<br>fix: "
        ),
        "{untraced}"
    );
}

#[test]
fn the_annotation_message_lists_the_sources() {
    let github = check_as("github", true);
    let line = github.lines().next().expect("one annotation");
    assert!(
        line.starts_with("::error file=policy.yml,line=3,col=15,title=too-much-waste (image.max_wasted)::wasted bytes 352.50 kB is over the limit of 100 kB"),
        "{line}"
    );
    assert!(
        line.contains("%0A  150 kB /tmp/wheels (2 files): added by layer 2 (Dockerfile:3), deleted by layer 8 (Dockerfile:9)%0A    fix: bind-mount them"),
        "{line}"
    );
    assert!(
        line.contains("%0A  … and 3 more sources%0Aimage: app:1"),
        "{line}"
    );
    assert!(
        line.len() < 4096,
        "well within an annotation: {} bytes",
        line.len()
    );
    let untraced = check_as("github", false);
    assert!(
        untraced
            .contains("%0A  150 kB /tmp/wheels (2 files): added by layer 2, deleted by layer 8%0A"),
        "{untraced}"
    );
}

#[test]
fn sarif_points_at_the_lines_that_added_and_removed_the_bytes() {
    let sarif: Value = serde_json::from_str(&check_as("sarif", true)).expect("JSON");
    let result = &sarif["runs"][0]["results"][0];
    let related: Vec<Value> = result["relatedLocations"]
        .as_array()
        .expect("related locations")
        .iter()
        .map(|l| {
            json!([
                l["physicalLocation"]["artifactLocation"]["uri"],
                l["physicalLocation"]["region"]["startLine"],
                l["message"]["text"]
            ])
        })
        .collect();
    assert_eq!(
        related,
        [
            json!(["Dockerfile", 3, "added /tmp/wheels (150 kB), deleted by layer 8"]),
            json!(["Dockerfile", 9, "deleted /tmp/wheels (150 kB), added by layer 2; deleted /var/lib/apt/lists (64 kB), added by layer 1; deleted /opt/app/build (61 kB), added by layer 5; deleted /var/cache/apt (60 kB), added by layer 1; deleted /opt/app/testdata (12 kB), added by layer 4"]),
            json!(["Dockerfile", 2, "added /var/lib/apt/lists (64 kB), deleted by layer 8; added /var/cache/apt (60 kB), deleted by layer 8"]),
            json!(["Dockerfile", 6, "added /opt/app/build (61 kB), deleted by layer 8"]),
            json!(["Dockerfile", 5, "added /opt/app/testdata (12 kB), deleted by layer 8"]),
        ]
    );
    let text = result["message"]["text"].as_str().expect("message");
    assert!(text.contains(&format!("\n    fix: {ONE_RUN}")), "{text}");
    // Without the Dockerfile there is no line to point at: the sources are in the message.
    let untraced: Value = serde_json::from_str(&check_as("sarif", false)).expect("JSON");
    let result = &untraced["runs"][0]["results"][0];
    assert!(result.get("relatedLocations").is_none(), "{result:#}");
    let text = result["message"]["text"].as_str().expect("message");
    assert!(
        text.contains("\n  150 kB /tmp/wheels (2 files): added by layer 2, deleted by layer 8\n"),
        "{text}"
    );
}

#[test]
fn gitlab_and_junit_carry_the_sources_in_their_text() {
    for traced in [false, true] {
        let at = |n: u64| {
            if traced {
                format!(" (Dockerfile:{n})")
            } else {
                String::new()
            }
        };
        let first = format!(
            "  150 kB /tmp/wheels (2 files): added by layer 2{}, deleted by layer 8{}",
            at(3),
            at(9)
        );
        let gitlab: Value = serde_json::from_str(&check_as("gitlab", traced)).expect("JSON");
        let description = gitlab[0]["description"].as_str().expect("description");
        assert!(
            description.starts_with(&format!("wasted bytes 352.50 kB is over the limit of 100 kB (252.5 % over)\n{first}\n    fix: {BIND_ARCHIVES}\n")),
            "{description}"
        );
        assert!(
            description.ends_with("\n  … and 3 more sources"),
            "{description}"
        );
        let junit = check_as("junit", traced);
        assert!(
            junit.contains(&format!("{first}\n    fix: {BIND_ARCHIVES}\n")),
            "{junit}"
        );
        assert!(
            junit.contains("  … and 3 more sources\npolicy: policy.yml:3:15</failure>"),
            "{junit}"
        );
    }
}

#[test]
fn the_readme_example_is_the_tables_cell() {
    let run = run_in(
        root(),
        &[
            "check",
            "examples/tiny.docker.tar",
            "--policy",
            "examples/sizegate.yml",
            "--dockerfile",
            "examples/Dockerfile",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // The finding column of the too-much-waste row and of the rows that continue it.
    let cells = |line: &str| line.split('┆').map(str::to_string).collect::<Vec<_>>();
    let rows: Vec<Vec<String>> = run.stdout.lines().map(cells).collect();
    let start = rows
        .iter()
        .position(|r| r.get(1).is_some_and(|c| c.trim() == "too-much-waste"))
        .expect("the finding's row");
    let cell: Vec<&str> = rows[start..]
        .iter()
        .enumerate()
        .take_while(|(i, r)| *i == 0 || r.get(1).is_some_and(|c| c.trim().is_empty()))
        .filter_map(|(_, r)| r.get(2))
        .map(|c| c.strip_prefix(' ').unwrap_or(c).trim_end())
        .collect();
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let block = format!("```\n{}\n```", cell.join("\n"));
    assert!(
        readme.contains(&block),
        "README's example differs from:\n{block}"
    );
}
