//! What the repository promises its users stays true: the shipped examples give the documented
//! verdicts, the committed JSON Schema is the one the binary prints, and the README documents
//! every finding code.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn check_example(policy: &str) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("sizegate")
        .expect("binary")
        .env_remove("GITHUB_ACTIONS")
        .arg("check")
        .arg(repo("examples/tiny.docker.tar"))
        .arg("--policy")
        .arg(repo(policy))
        .args(["--format", "json"])
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["images"][0]["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| {
                    format!(
                        "{} {}",
                        x["severity"].as_str().unwrap_or("?"),
                        x["code"].as_str().unwrap_or("?")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn example_pass_policy_passes_with_the_presets_warnings() {
    let (code, report) = check_example("examples/pass.yml");
    assert_eq!(code, 0);
    assert_eq!(report["verdict"], "pass");
    assert_eq!(
        (report["errors"].as_u64(), report["warnings"].as_u64()),
        (Some(0), Some(6))
    );
}

#[test]
fn example_fail_policy_fails_on_size_layer_and_forbidden_path() {
    let (code, report) = check_example("examples/fail.yml");
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
    let (code, report) = check_example("examples/sizegate.yml");
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
    let printed = Command::cargo_bin("sizegate")
        .expect("binary")
        .arg("schema")
        .output()
        .expect("runs");
    assert_eq!(printed.status.code(), Some(0));
    let committed = std::fs::read_to_string(repo("sizegate.schema.json")).expect("schema file");
    assert!(
        String::from_utf8_lossy(&printed.stdout) == committed,
        "sizegate.schema.json is stale: run `cargo run -- schema > sizegate.schema.json`"
    );
}

#[test]
fn readme_documents_every_finding_code() {
    let readme = std::fs::read_to_string(repo("README.md")).expect("README");
    for code in sizegate::check::Code::ALL {
        let row = format!("| `{}` | {} |", code.as_str(), code.description());
        assert!(readme.contains(&row), "README lacks the row: {row}");
    }
}
