//! The output formats of `sizegate check`, end to end: the real binary checks tests/fixtures/
//! tiny.docker.tar against tests/fixtures/formats.yml (examples/fail.yml's three errors plus a
//! warning whose reason holds characters every format must escape) and formats.dive-ci (whose
//! left-out default adds an error with no place in any file), and each format's output must be
//! exactly the text in tests/snapshots/.
//!
//! After a deliberate change of a format, `SIZEGATE_BLESS=1 cargo test --test it formats::`
//! rewrites the snapshots (tests that compare against other snapshots may fail in that run: run the
//! tests again without it); review their diff before committing.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::support::{
    fixture, root, run, run_in, sizegate_in, tempdir, write_file, DockerArchive, Layer, Run,
};

/// `check` on the fixture with the formats policy, from the repository root.
const CHECK: [&str; 6] = [
    "check",
    "tests/fixtures/tiny.docker.tar",
    "--policy",
    "tests/fixtures/formats.yml",
    "--dive-ci",
    "tests/fixtures/formats.dive-ci",
];

/// `check … EXTRA` on the fixture; it must fail the gate (exit 1) and print nothing on stderr.
fn check(extra: &[&str]) -> Run {
    let mut cmd = sizegate_in(root());
    cmd.args(CHECK).args(extra);
    let run = run(&mut cmd);
    assert_eq!(
        run.code, 1,
        "the fixture fails the gate; stderr: {}",
        run.stderr
    );
    assert_eq!(run.stderr, "");
    run
}

fn snapshot_path(name: &str) -> PathBuf {
    root().join("tests/snapshots").join(name)
}

/// The expected text, with `{version}` standing for the package version (SARIF names it).
pub(crate) fn snapshot(name: &str) -> String {
    let text = fs::read_to_string(snapshot_path(name))
        .unwrap_or_else(|e| panic!("tests/snapshots/{name}: {e} (SIZEGATE_BLESS=1 writes it)"));
    text.replace("{version}", env!("CARGO_PKG_VERSION"))
}

/// `actual` must be the snapshot `name`, byte for byte; with `SIZEGATE_BLESS=1` it becomes it.
pub(crate) fn assert_snapshot(name: &str, actual: &str) {
    if std::env::var_os("SIZEGATE_BLESS").is_some() {
        let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
        let text = actual.replace(&version, "\"version\": \"{version}\"");
        fs::write(snapshot_path(name), text).expect("snapshot written");
        return;
    }
    let expected = snapshot(name);
    if actual != expected {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "output differs from tests/snapshots/{name} at line {}:\n  expected: {:?}\n  actual:   {:?}\n\nwhole output:\n{actual}",
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Each format, exactly
// ---------------------------------------------------------------------------------------------

#[test]
fn table_is_the_default() {
    let run = check(&[]);
    assert_snapshot("check.table.txt", &run.stdout);
    assert_eq!(check(&["--format", "table"]).stdout, run.stdout);
}

#[test]
fn json_is_the_documented_contract() {
    let run = check(&["--format", "json"]);
    assert_snapshot("check.json", &run.stdout);
    let report = run.json();
    assert_eq!(report["schema_version"], 1);
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(4), Some(1))
    );
}

#[test]
fn csv_is_the_inventory_of_the_checked_image() {
    let run = check(&["--format", "csv"]);
    assert_snapshot("check.csv", &run.stdout);
    let inventory = run_in(root(), &["inventory", "tests/fixtures/tiny.docker.tar"]);
    assert_eq!(inventory.code, 0, "{}", inventory.stderr);
    assert_eq!(
        run.stdout, inventory.stdout,
        "same columns and rows as `sizegate inventory`"
    );
}

#[test]
fn markdown_starts_with_the_marker_then_the_verdict() {
    let run = check(&["--format", "markdown"]);
    assert_snapshot("check.md", &run.stdout);
    let mut lines = run.stdout.lines();
    assert_eq!(lines.next(), Some("<!-- sizegate-report -->"));
    assert_eq!(
        lines.next(),
        Some("## ❌ sizegate FAIL: 4 errors, 1 warning (image 25.98 kB of 20 kB)")
    );
    // The reason's pipe, markup and CR LF stay inside their cell.
    assert!(
        run.stdout
            .contains("reason: docs \\| man: 100% \\<optional\\> \\& \\*free\\*,<br>see `docs`"),
        "{}",
        run.stdout
    );
}

#[test]
fn github_prints_one_workflow_command_per_finding() {
    let run = check(&["--format", "github"]);
    assert_snapshot("check.github.txt", &run.stdout);
    let commands: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split(' ').next().unwrap_or_default())
        .collect();
    // The errors first, the largest excess first: bytes over (5.98 kB, then 300 B), a ratio
    // over, then the forbidden path, which has no limit to be over.
    assert_eq!(
        commands,
        ["::error", "::error", "::error", "::error", "::warning"]
    );
    // dive's default rule has no place in any file: no file property at all.
    let third = run.stdout.lines().nth(2).unwrap_or_default();
    assert!(
        third.starts_with("::error title=dive-highest-user-wasted-percent"),
        "{third}"
    );
}

#[test]
fn sarif_is_2_1_0_with_a_location_and_a_fingerprint_for_every_result() {
    let run = check(&["--format", "sarif"]);
    assert_snapshot("check.sarif", &run.stdout);
    let log = run.json();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "sizegate");
    assert_eq!(run0["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        rules,
        [
            "image-too-large",
            "dive-highest-user-wasted-percent",
            "layer-over-budget",
            "path-over-budget",
            "forbidden-path"
        ]
    );
    let results = run0["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"].is_string(), "{r:#}");
        assert!(loc["region"]["startLine"].as_u64() >= Some(1), "{r:#}");
        let print = &r["partialFingerprints"]["sizegateFinding/v2"];
        assert_eq!(print.as_str().map(str::len), Some(32), "{r:#}");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(r["ruleId"], rules[index]);
    }
    for rule in run0["tool"]["driver"]["rules"].as_array().expect("rules") {
        let id = rule["id"].as_str().expect("id");
        assert_eq!(
            rule["helpUri"],
            format!("https://github.com/sizegate/sizegate#{id}")
        );
        for key in ["name", "shortDescription", "fullDescription", "help"] {
            assert!(rule.get(key).is_some(), "{id} has no {key}");
        }
    }
    assert_eq!(run0["automationDetails"]["id"], "sizegate/tiny/tiny/");
    // The finding with no place points at the .dive-ci (the last policy), line 1.
    assert_eq!(
        results[4]["locations"][0]["physicalLocation"],
        serde_json::json!({
            "artifactLocation": {"uri": "tests/fixtures/formats.dive-ci"},
            "region": {"startLine": 1, "startColumn": 1}
        })
    );
}

#[test]
fn sarif_category_is_set_by_flag_or_environment() {
    let id = |run: Run| run.json()["runs"][0]["automationDetails"]["id"].clone();
    let flag = check(&["--format", "sarif", "--sarif-category", "images/tiny"]);
    assert_eq!(id(flag), "images/tiny/");
    let mut cmd = sizegate_in(root());
    cmd.args(CHECK)
        .args(["--format", "sarif"])
        .env("SIZEGATE_SARIF_CATEGORY", "from-env");
    assert_eq!(id(run(&mut cmd)), "from-env/");
    // Sanitised as the default is: only letters, digits and `._-/+` reach the id.
    let odd = check(&[
        "--format",
        "sarif",
        "--sarif-category",
        "images/my app:1\u{1b}",
    ]);
    assert_eq!(id(odd), "images/my-app-1-/");
}

#[test]
fn junit_has_a_suite_per_image_and_a_case_per_rule() {
    let run = check(&["--format", "junit"]);
    assert_snapshot("check.junit.xml", &run.stdout);
    // Named by the repository, never the tag (the test history lasts across builds); the full
    // reference is the suite's property.
    let suite = concat!(
        r#"<testsuite name="tiny/tiny" tests="6" skipped="0" errors="0" failures="4">"#,
        "\n        <properties>",
        "\n            <property name=\"image\" value=\"",
    );
    let (_, property) = run
        .stdout
        .split_once(suite)
        .expect("the suite and its image");
    let image = property.split('"').next().unwrap_or_default();
    assert_eq!(
        Some(image),
        check(&["--format", "json"]).json()["images"][0]["name"].as_str()
    );
    assert!(run
        .stdout
        .contains(r#"<testcase name="image.max_size" classname="tiny/tiny">"#));
}

#[cfg(unix)]
#[test]
fn junit_is_valid_against_jenkins_xunit_schema() {
    crate::support::ci::require_tools(&["xmllint"]);
    let dir = tempdir();
    // A failing check, one with skipped rules, one with a baseline finding.
    let cases: [(&str, &[&str], &str); 3] = [
        ("failing", &CHECK, "<failure"),
        (
            "skipped",
            &[
                "check",
                "examples/tiny.docker.tar",
                "--policy",
                "examples/sizegate.yml",
            ],
            "<skipped",
        ),
        (
            "baseline",
            &[
                "check",
                "tests/fixtures/tiny-umoci-insert.docker.tar",
                "--policy",
                "examples/sizegate.yml",
                "--baseline",
                "examples/tiny.docker.tar",
            ],
            "type=\"waste-grew\"",
        ),
    ];
    for (name, args, shows) in cases {
        let out = run(sizegate_in(root()).args(args).args(["--format", "junit"]));
        assert!(out.code <= 1, "{name}: {}", out.stderr);
        assert!(out.stdout.contains(shows), "{name}: {}", out.stdout);
        let file = write_file(dir.path(), &format!("{name}.xml"), out.stdout.as_bytes());
        let valid = std::process::Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(root().join(".ci/junit-10.xsd"))
            .arg(&file)
            .output()
            .expect("xmllint runs");
        assert!(
            valid.status.success(),
            "{name}: {}\n{}",
            String::from_utf8_lossy(&valid.stderr),
            out.stdout
        );
    }
}

#[test]
fn gitlab_code_quality_has_unique_fingerprints_and_mapped_severities() {
    let run = check(&["--format", "gitlab"]);
    assert_snapshot("check.gitlab.json", &run.stdout);
    let issues = run.json();
    let issues = issues.as_array().expect("an array");
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), issues.len());
    let severities: Vec<&str> = issues
        .iter()
        .map(|i| i["severity"].as_str().expect("severity"))
        .collect();
    assert_eq!(severities, ["major", "major", "minor", "major", "major"]);
}

#[test]
fn fingerprints_stay_when_the_numbers_change() {
    // The policy keeps its name (a fingerprint names the file a finding is shown in); only its
    // limits change.
    let dir = tempdir();
    let original = fs::read_to_string(fixture("formats.yml")).expect("policy");
    let changed = original
        .replace("max_size: 20kB", "max_size: 21kB")
        .replace("max_size: 4kB", "max_size: 4100B");
    let dive_ci = fs::read(fixture("formats.dive-ci")).expect("dive-ci");
    write_file(dir.path(), "formats.dive-ci", &dive_ci);
    let prints = |format: &str| -> Vec<String> {
        let mut cmd = sizegate_in(dir.path());
        cmd.arg("check").arg(fixture("tiny.docker.tar")).args([
            "--policy",
            "formats.yml",
            "--dive-ci",
            "formats.dive-ci",
            "--format",
            format,
        ]);
        let out = run(&mut cmd).json();
        let list = match format {
            "gitlab" => out.as_array().cloned().unwrap_or_default(),
            _ => out["runs"][0]["results"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        };
        list.iter()
            .map(|i| match format {
                "gitlab" => i["fingerprint"].to_string(),
                _ => i["partialFingerprints"].to_string(),
            })
            .collect()
    };
    for format in ["gitlab", "sarif"] {
        write_file(dir.path(), "formats.yml", original.as_bytes());
        let before = prints(format);
        assert_eq!(before.len(), 5);
        write_file(dir.path(), "formats.yml", changed.as_bytes());
        assert_eq!(before, prints(format), "{format}");
    }
}

#[test]
fn fingerprints_stay_when_the_image_is_retagged() {
    let dir = tempdir();
    let layer = |path: &str| Layer::new().dir("opt/").file(path, 5_000).tar();
    for (file, tag) in [
        ("one.tar", "registry.example/org/app:pr-1"),
        ("two.tar", "org/app:pr-2"),
    ] {
        DockerArchive::new()
            .layer(layer("opt/a.pem"))
            .layer(layer("opt/b.bin"))
            .history(&["COPY a.pem /opt/", "COPY b.bin /opt/"])
            .tags(&[tag])
            .write(dir.path(), file);
    }
    write_file(
        dir.path(),
        "size.yml",
        b"image:\n  max_size: 1kB\nlayers:\n  - select: { index: \"0..\" }\n    max_size: 1kB\nforbid:\n  - glob: \"/**/*.pem\"\n",
    );
    let prints = |image: &str, format: &str| -> Vec<String> {
        let out = run_in(
            dir.path(),
            &["check", image, "--policy", "size.yml", "--format", format],
        );
        assert_eq!(out.code, 1, "{}", out.stderr);
        let json = out.json();
        match format {
            "gitlab" => json.as_array().cloned().unwrap_or_default(),
            _ => json["runs"][0]["results"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        }
        .iter()
        .map(|i| match format {
            "gitlab" => i["fingerprint"].to_string(),
            _ => i["partialFingerprints"]["sizegateFinding/v2"].to_string(),
        })
        .collect()
    };
    for format in ["gitlab", "sarif"] {
        let before = prints("one.tar", format);
        assert_eq!(
            before.len(),
            4,
            "{format}: the image, two layers, the forbidden path"
        );
        assert_eq!(before, prints("two.tar", format), "{format}");
    }
}

// ---------------------------------------------------------------------------------------------
// GitHub escaping
// ---------------------------------------------------------------------------------------------

#[test]
fn github_escapes_colon_and_comma_in_properties_and_percent_cr_lf_in_messages() {
    let dir = tempdir();
    write_file(
        dir.path(),
        "po,li:cy.yml",
        b"image:\n  max_size: { limit: 20kB, reason: \"100%\\r\\nsure: yes, really\" }\n",
    );
    let mut cmd = sizegate_in(dir.path());
    cmd.arg("check").arg(fixture("tiny.docker.tar")).args([
        "--policy",
        "po,li:cy.yml",
        "--format",
        "github",
    ]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "::error file=po%2Cli%3Acy.yml,line=2,col=13,title=image-too-large (image.max_size)::\
         image size 25.98 kB is over the limit of 20 kB (29.9 %25 over)%0A\
         reason: 100%25%0Asure: yes, really%0A\
         image: docker.io/tiny/tiny:latest\n"
    );
}

// ---------------------------------------------------------------------------------------------
// --output
// ---------------------------------------------------------------------------------------------

#[test]
fn output_writes_several_formats_in_one_run_beside_the_table() {
    let dir = tempdir();
    let files = [
        ("json", "report.json", "check.json"),
        ("sarif", "report.sarif", "check.sarif"),
        ("junit", "junit.xml", "check.junit.xml"),
        ("gitlab", "codequality.json", "check.gitlab.json"),
        ("markdown", "summary.md", "check.md"),
        ("github", "annotations.txt", "check.github.txt"),
        ("csv", "inventory.csv", "check.csv"),
    ];
    let mut args = Vec::new();
    for (format, file, _) in files {
        args.push("--output".to_string());
        args.push(format!("{format}={}", dir.path().join(file).display()));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = check(&args);
    assert_eq!(run.stdout, snapshot("check.table.txt"));
    for (_, file, snap) in files {
        let written = fs::read_to_string(dir.path().join(file)).expect("file written");
        assert_eq!(written, snapshot(snap), "{file}");
    }
}

#[test]
fn output_table_to_a_file_has_no_colour() {
    let dir = tempdir();
    let path = dir.path().join("table.txt");
    check(&[
        "--format",
        "json",
        "--output",
        &format!("table={}", path.display()),
    ]);
    assert_eq!(
        fs::read_to_string(&path).expect("written"),
        snapshot("check.table.txt")
    );
}

#[test]
fn output_without_format_or_path_is_a_usage_error() {
    for bad in ["sarif", "sarif=", "yaml=x.yml"] {
        let mut cmd = sizegate_in(root());
        cmd.args(CHECK).args(["--output", bad]);
        let out = run(&mut cmd);
        assert_eq!(out.code, 2, "{bad}");
        assert!(out.stderr.contains("--output <F=PATH>"), "{}", out.stderr);
        assert_eq!(out.stdout, "");
    }
}

#[test]
fn output_to_a_missing_directory_exits_2_naming_the_file() {
    let dir = tempdir();
    let path = dir.path().join("no/such/dir/report.sarif");
    let mut cmd = sizegate_in(root());
    cmd.args(CHECK)
        .args(["--output", &format!("sarif={}", path.display())]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with(&format!("error: cannot write {}: ", path.display())),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions
// ---------------------------------------------------------------------------------------------

/// A fake runner: a step summary and an output file that earlier steps already wrote to, and an
/// empty temp directory.
struct Runner {
    dir: TempDir,
}

impl Runner {
    fn new() -> Runner {
        let dir = tempdir();
        write_file(dir.path(), "summary.md", b"earlier step\n");
        write_file(dir.path(), "output", b"earlier=1\n");
        fs::create_dir(dir.path().join("temp")).expect("temp");
        Runner { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).expect("file reads")
    }

    /// `sizegate ARGS` with the runner's variables (and `GITHUB_ACTIONS` as given).
    fn run(&self, actions: &str, args: &[&str]) -> Run {
        let mut cmd = sizegate_in(root());
        cmd.args(args)
            .env("GITHUB_ACTIONS", actions)
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("RUNNER_TEMP", self.path("temp"));
        run(&mut cmd)
    }

    fn untouched(&self) {
        assert_eq!(self.read("summary.md"), "earlier step\n");
        assert_eq!(self.read("output"), "earlier=1\n");
        let temp: Vec<_> = fs::read_dir(self.path("temp")).expect("temp").collect();
        assert!(temp.is_empty(), "{temp:?}");
    }
}

#[test]
fn github_actions_appends_the_summary_and_writes_the_step_outputs() {
    let runner = Runner::new();
    let run = runner.run("true", &CHECK);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, snapshot("check.table.txt"), "stdout is as ever");
    // A blank line sets the report apart from the earlier step's last block.
    assert_eq!(
        runner.read("summary.md"),
        format!("earlier step\n\n{}", snapshot("check.md"))
    );
    let output = runner.read("output");
    let (head, report) = output.rsplit_once("report=").expect("a report output");
    assert_eq!(
        head,
        "earlier=1\nverdict=fail\nimage-size=25982\nerrors=4\nwarnings=1\n"
    );
    let report = Path::new(report.strip_suffix('\n').expect("one line"));
    assert_eq!(report.parent(), Some(runner.path("temp").as_path()));
    let name = report
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    assert!(
        name.starts_with("sizegate-report-") && name.ends_with(".json"),
        "{name}"
    );
    assert_eq!(
        fs::read_to_string(report).expect("JSON report"),
        snapshot("check.json")
    );
}

#[test]
fn github_actions_report_output_is_the_json_file_asked_for() {
    let runner = Runner::new();
    let json = runner.path("sizegate.json");
    let spec = format!("json={}", json.display());
    let mut args = CHECK.to_vec();
    args.extend(["--output", spec.as_str()]);
    let run = runner.run("true", &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        runner
            .read("output")
            .ends_with(&format!("warnings=1\nreport={}\n", json.display())),
        "{}",
        runner.read("output")
    );
    assert_eq!(
        fs::read_to_string(&json).expect("written"),
        snapshot("check.json")
    );
    let temp: Vec<_> = fs::read_dir(runner.path("temp")).expect("temp").collect();
    assert!(temp.is_empty(), "no second JSON report: {temp:?}");
}

#[test]
fn github_actions_on_a_passing_check_says_pass() {
    let runner = Runner::new();
    let run = runner.run(
        "true",
        &[
            "check",
            "examples/tiny.docker.tar",
            "--policy",
            "examples/pass.yml",
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(runner
        .read("output")
        .starts_with("earlier=1\nverdict=pass\nimage-size=25982\nerrors=0\nwarnings=6\nreport="));
    assert!(runner.read("summary.md").starts_with(
        "earlier step\n\n<!-- sizegate-report -->\n## ✅ sizegate PASS: 0 errors, 6 warnings"
    ));
}

#[test]
fn github_actions_summary_links_each_place_to_its_line_at_the_commit() {
    let runner = Runner::new();
    let at_commit = |format: &str| {
        let mut cmd = sizegate_in(root());
        cmd.args(CHECK)
            .args(["--format", format])
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "org/app")
            .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
        cmd
    };
    let mut cmd = at_commit("json");
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", runner.path("summary.md"));
    let out = run(&mut cmd);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let blob = "https://github.com/org/app/blob/0123456789abcdef0123456789abcdef01234567";
    let summary = runner.read("summary.md");
    for linked in [
        format!("Policy: [`tests/fixtures/formats.yml`]({blob}/tests/fixtures/formats.yml), "),
        format!("| [`tests/fixtures/formats.yml:8:13`]({blob}/tests/fixtures/formats.yml#L8) |"),
    ] {
        assert!(summary.contains(&linked), "{linked}\n{summary}");
    }
    // --format markdown links alike; without the variables, nothing links.
    assert_eq!(
        run(&mut at_commit("markdown")).stdout,
        summary.trim_start_matches("earlier step\n\n")
    );
    assert!(!check(&["--format", "markdown"]).stdout.contains("](http"));
}

#[test]
fn markdown_links_the_dockerfile_lines_of_waste_sources_as_it_links_every_place() {
    let mut cmd = sizegate_in(root());
    cmd.args([
        "check",
        "examples/tiny.docker.tar",
        "--policy",
        "examples/sizegate.yml",
        "--dockerfile",
        "examples/Dockerfile",
        "--format",
        "markdown",
    ])
    .env("GITHUB_SERVER_URL", "https://github.com")
    .env("GITHUB_REPOSITORY", "o/r")
    .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567");
    let out = run(&mut cmd);
    assert!(out.code <= 1, "{}", out.stderr);
    let blob = "https://github.com/o/r/blob/0123456789abcdef0123456789abcdef01234567";
    let source = format!(
        "<li>4.10 kB `/usr/lib/libfoo.so.1.2.3` (1 file): \
         added by layer 0 ([`examples/Dockerfile:4`]({blob}/examples/Dockerfile#L4)), \
         overwritten by layer 1 ([`examples/Dockerfile:6`]({blob}/examples/Dockerfile#L6))</li>"
    );
    assert!(out.stdout.contains(&source), "{source}\n{}", out.stdout);
    // Every `file:line` code span is a link's label.
    let spans = out.stdout.matches("`examples/Dockerfile:").count();
    let linked = out.stdout.matches("[`examples/Dockerfile:").count();
    assert!(spans > 0);
    assert_eq!(spans, linked, "{}", out.stdout);
}

#[test]
fn no_github_leaves_the_step_files_alone() {
    let runner = Runner::new();
    let mut args = CHECK.to_vec();
    args.push("--no-github");
    let run = runner.run("true", &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, snapshot("check.table.txt"));
    runner.untouched();
}

#[test]
fn outside_github_actions_the_step_files_are_left_alone() {
    let runner = Runner::new();
    for actions in ["", "false", "1"] {
        let run = runner.run(actions, &CHECK);
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    runner.untouched();
}
