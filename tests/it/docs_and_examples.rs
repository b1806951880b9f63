//! What the repository promises its users stays true: the shipped examples give the documented
//! verdicts, the committed JSON Schema is the one the binary prints, and the README documents
//! every finding code, and its examples are what the binary prints.

use serde_json::Value;

use crate::support::{check_example, findings, root, run, sizegate};

/// `check` of the example image with `policy` (a path from the repository root) as JSON.
fn check_json_example(policy: &str) -> (i32, Value) {
    let run = check_example(policy, &["--format", "json"]);
    (run.code, run.json())
}

/// `severity code` of every finding, in order.
fn codes(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|x| {
            format!(
                "{} {}",
                x["severity"].as_str().unwrap_or("?"),
                x["code"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[test]
fn example_pass_policy_passes_with_the_presets_warnings() {
    let (code, report) = check_json_example("examples/pass.yml");
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(6))
    );
}

#[test]
fn example_fail_policy_fails_on_size_layer_and_forbidden_path() {
    let (code, report) = check_json_example("examples/fail.yml");
    assert_eq!(code, 1);
    assert_eq!(
        codes(&report),
        [
            "error image-too-large",
            "error layer-over-budget",
            "error forbidden-path"
        ]
    );
}

#[test]
fn documented_example_shows_each_kind_of_finding() {
    let (code, report) = check_json_example("examples/sizegate.yml");
    assert_eq!(code, 1);
    assert_eq!(
        codes(&report),
        [
            "error compressed-size-unknown",
            "error too-much-waste",
            "warn layer-select-unmatched",
            "warn forbidden-path",
            "error forbidden-path",
            "warn forbidden-path",
            "warn forbidden-path",
            "warn forbidden-path",
            "warn forbidden-path",
        ]
    );
}

#[test]
fn committed_schema_is_the_one_the_binary_prints() {
    let printed = run(sizegate().arg("schema"));
    assert_eq!(printed.code, 0);
    let committed =
        std::fs::read_to_string(root().join("sizegate.schema.json")).expect("schema file");
    assert!(
        printed.stdout == committed,
        "sizegate.schema.json is stale: run `cargo run -- schema > sizegate.schema.json`"
    );
}

#[test]
fn readme_documents_every_finding_code_under_its_anchor() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    for code in sizegate::Code::ALL {
        let name = code.as_str();
        let row = format!("| [`{name}`](#{name}) | {} |", code.summary());
        assert!(readme.contains(&row), "README lacks the row: {row}");
        // The heading's anchor is the code: SARIF's helpUri points there, its help is the body.
        let section = format!("\n### `{name}`\n\n{}\n", code.help());
        assert!(
            readme.contains(&section),
            "README lacks the section: {section}"
        );
        assert_eq!(readme.matches(&format!("\n### `{name}`\n")).count(), 1);
        assert!(code.help_uri().ends_with(&format!("#{name}")));
    }
}

/// The formats of `check`, as its `--help` lists them.
fn check_formats() -> Vec<String> {
    let help = run(sizegate().args(["check", "--help"])).stdout;
    let values = help
        .split("--format <FORMAT>")
        .nth(1)
        .and_then(|rest| rest.split("[default:").next())
        .expect("--help lists --format's possible values");
    values
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- "))
        .filter_map(|l| l.split(':').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn the_action_and_the_readme_know_every_format_of_check() {
    let formats = check_formats();
    assert_eq!(formats.len(), 9, "{formats:?}");
    let action = std::fs::read_to_string(root().join("action/run.sh")).expect("action/run.sh");
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    for f in &formats {
        // The table is the log's, and the action always writes the github annotations.
        let in_action = matches!(f.as_str(), "table" | "github")
            || action.contains(&format!("    {f}) "))
            || action.contains(&format!("    {f});"));
        assert!(in_action, "action/run.sh has no arm for the `{f}` format");
        assert!(
            readme.contains(&format!("\n- `{f}`")),
            "README.md's output formats do not describe `{f}`"
        );
    }
}

#[test]
fn readme_diff_example_is_the_binary_output() {
    let dir = crate::support::tempdir();
    let base = dir.path().join("main.json");
    let saved = run(sizegate().current_dir(root()).args([
        "layers",
        "tests/fixtures/tiny.docker.tar",
        "--format",
        "json",
    ]));
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    std::fs::write(&base, &saved.stdout).expect("report written");
    let base = base.to_str().expect("UTF-8 temp path");
    let diff = run(sizegate().current_dir(root()).args([
        "diff",
        base,
        "tests/fixtures/tiny-umoci-insert.docker.tar",
    ]));
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    assert!(
        readme.contains(&format!(
            "$ sizegate diff main.json tests/fixtures/tiny-umoci-insert.docker.tar\n{}```",
            diff.stdout
        )),
        "README's diff example differs from:\n{}",
        diff.stdout
    );
}

#[test]
fn readme_explain_example_is_the_binary_output() {
    let run = run(sizegate().current_dir(root()).args([
        "explain",
        "examples/tiny.docker.tar",
        "--dockerfile",
        "examples/Dockerfile",
        "--content",
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    // The savings, then (after the two tables the README leaves out) the files of each layer.
    let (savings, rest) = run
        .stdout
        .split_once("largest directories:\n")
        .expect("the largest directories follow the savings");
    let (_, per_layer) = rest
        .split_once("largest files of each layer:\n")
        .expect("the files of each layer come last");
    let command =
        "$ sizegate explain examples/tiny.docker.tar --dockerfile examples/Dockerfile --content\n";
    for part in [
        format!("{command}{savings}largest directories:\n"),
        format!("largest files of each layer:\n{per_layer}```"),
    ] {
        assert!(
            readme.contains(&part),
            "README's explain example differs from:\n{}",
            run.stdout
        );
    }
}
