//! Policy discovery: sizegate.yml or .sizegate.yml in the current directory.

use serde_json::json;

use crate::support::{check_in, only_finding, only_rule, workdir, TINY};

#[test]
fn check_without_policy_reads_sizegate_yml_of_the_current_directory() {
    let dir = workdir(&[("sizegate.yml", "image:\n  max_layers: 5\n")]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["policy"], json!(["sizegate.yml"]));
    assert_eq!(
        only_finding(&report)["location"],
        json!({"file": "sizegate.yml", "line": 2, "column": 15})
    );
}

#[test]
fn check_without_policy_falls_back_to_dot_sizegate_yml() {
    let dir = workdir(&[(".sizegate.yml", "image:\n  max_layers: 6\n")]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["policy"], json!([".sizegate.yml"]));
    assert_eq!(only_rule(&report)["status"], "pass");
}

#[test]
fn check_without_policy_prefers_sizegate_yml_over_dot_sizegate_yml() {
    let dir = workdir(&[
        ("sizegate.yml", "image:\n  max_layers: 6\n"),
        (".sizegate.yml", "image:\n  max_layers: 1\n"),
    ]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["policy"], json!(["sizegate.yml"]));
}

#[test]
fn check_without_any_policy_exits_2_and_points_at_sizegate_init() {
    let dir = workdir(&[]);
    let run = check_in(dir.path(), TINY, &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("sizegate init"), "{}", run.stderr);
    assert!(run.stderr.contains("sizegate.yml"), "{}", run.stderr);
}
