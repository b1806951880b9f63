//! Policy discovery: sizegate.yml or .sizegate.yml in the current directory, else a lone .dive-ci
//! (dive's own default).

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
    assert_eq!(
        run.stderr,
        "error: no policy: found neither sizegate.yml, .sizegate.yml nor .dive-ci here; pass \
         --policy FILE, or write one from today's image: sizegate init IMAGE > sizegate.yml\n"
    );
}

/// dive's example rules: efficiency 0.488 is under 0.95, user wasted 1.947 is over 0.5.
const DIVE_RULES: &str = "rules:\n  lowestEfficiency: 0.95\n  highestUserWastedPercent: 0.5\n";

#[test]
fn check_without_policy_reads_a_lone_dot_dive_ci_as_dive_does() {
    let dir = workdir(&[(".dive-ci", DIVE_RULES)]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["policy"], json!([".dive-ci"]));
    let failed: Vec<&str> = report["images"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        failed,
        ["dive-lowest-efficiency", "dive-highest-user-wasted-percent"]
    );
    assert_eq!(
        report["images"][0]["findings"][0]["location"],
        json!({"file": ".dive-ci", "line": 2, "column": 21})
    );
}

#[test]
fn a_policy_file_wins_over_a_lone_dot_dive_ci_which_is_then_not_read() {
    for name in ["sizegate.yml", ".sizegate.yml"] {
        let dir = workdir(&[
            (name, "image:\n  max_layers: 6\n"),
            (".dive-ci", DIVE_RULES),
        ]);
        let run = check_in(dir.path(), TINY, &["--format", "json"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        assert_eq!(run.json()["policy"], json!([name]), "{name}");
    }
}

#[test]
fn a_named_policy_or_dive_ci_turns_discovery_off() {
    let dir = workdir(&[
        ("mine.yml", "image:\n  max_layers: 6\n"),
        (".dive-ci", DIVE_RULES),
    ]);
    let run = check_in(
        dir.path(),
        TINY,
        &["--policy", "mine.yml", "--format", "json"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["policy"], json!(["mine.yml"]));
}

#[test]
fn a_dot_dive_ci_that_is_not_a_regular_file_is_refused_not_skipped() {
    let dir = workdir(&[]);
    std::fs::create_dir(dir.path().join(".dive-ci")).expect("a directory");
    let run = check_in(dir.path(), TINY, &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: .dive-ci: "),
        "{}",
        run.stderr
    );
}
