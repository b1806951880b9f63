//! `--dive-ci`: dive's own CI rules file, alone or with a policy.

use serde_json::{json, Value};

use super::TINY_NAME;
use crate::support::{
    bytes, check_in, essentials, findings, only_finding, outcome, pick, ratio, rules, workdir,
    POLICY, TINY,
};

/// dive's own example `.dive-ci` (from dive's README), byte for byte.
const DIVE_EXAMPLE: &str = "---
plugins:
  - plugin1

rules:
  # If the efficiency is measured below X%, mark as failed. (expressed as a percentage between 0-1)
  lowestEfficiency: 0.95

  # If the amount of wasted space is at least X or larger than X, mark as failed. (expressed in B, KB, MB, and GB)
  highestWastedBytes: 20Mb

  # If the amount of wasted space makes up for X% of the image, mark as failed. (fail if the threshold is met or crossed; expressed as a percentage between 0-1)
  highestUserWastedPercent: 0.5

  plugin1/rule1: error
";

/// Runs `check tiny.docker.tar --dive-ci .dive-ci ARGS --format json` with `dive_ci` and
/// optionally a policy.yml.
fn check_dive_ci(dive_ci: &str, policy: Option<&str>) -> (i32, Value) {
    let mut files = vec![(".dive-ci", dive_ci)];
    let mut args = vec!["--dive-ci", ".dive-ci", "--format", "json"];
    if let Some(p) = policy {
        files.push((POLICY, p));
        args.extend(["--policy", POLICY]);
    }
    let dir = workdir(&files);
    let run = check_in(dir.path(), TINY, &args);
    (run.code, run.json())
}

/// A dive-ci finding.
fn dive_ci_finding(code: &str, rule: &str, actual: Value, limit: Value, location: Value) -> Value {
    json!({
        "code": code,
        "severity": "error",
        "rule": rule,
        "subject": TINY_NAME,
        "actual": actual,
        "limit": limit,
        "layer": null,
        "reason": null,
        "location": location,
        "paths": [],
        "more_paths": 0,
    })
}

fn dive_ci_at(line: u64, column: u64) -> Value {
    json!({"file": ".dive-ci", "line": line, "column": column})
}

#[test]
fn dives_own_example_dive_ci_gives_dives_verdict() {
    // dive: lowestEfficiency fails (0.488 < 0.95), highestWastedBytes passes (20647 <= 20 MB),
    // highestUserWastedPercent fails (1.947 > 0.5).
    let (code, report) = check_dive_ci(DIVE_EXAMPLE, None);
    assert_eq!(code, 1);
    assert_eq!(
        pick(&report, &["policy", "verdict", "errors", "warnings"]),
        json!({"policy": [".dive-ci"], "verdict": "fail", "errors": 2, "warnings": 0})
    );
    assert_eq!(
        rules(&report),
        &vec![
            json!({"rule": "dive-ci.lowestEfficiency", "actual": ratio(0.48808419550481624), "limit": ratio(0.95), "detail": null, "status": "error"}),
            json!({"rule": "dive-ci.highestWastedBytes", "actual": bytes(20647), "limit": bytes(20_000_000), "detail": null, "status": "pass"}),
            json!({"rule": "dive-ci.highestUserWastedPercent", "actual": ratio(1.946911834040547), "limit": ratio(0.5), "detail": null, "status": "error"}),
        ]
    );
    let f = findings(&report);
    assert_eq!(f.len(), 2);
    assert_eq!(
        essentials(&f[0]),
        dive_ci_finding(
            "dive-lowest-efficiency",
            "dive-ci.lowestEfficiency",
            ratio(0.48808419550481624),
            ratio(0.95),
            dive_ci_at(7, 21)
        )
    );
    assert_eq!(
        essentials(&f[1]),
        dive_ci_finding(
            "dive-highest-user-wasted-percent",
            "dive-ci.highestUserWastedPercent",
            ratio(1.946911834040547),
            ratio(0.5),
            dive_ci_at(13, 29)
        )
    );
    assert_eq!(
        f[0]["message"],
        "dive's efficiency 48.81 % is below the limit of 95.00 % (lowestEfficiency)"
    );
    assert_eq!(
        f[1]["message"],
        "dive's user wasted share 194.69 % is over the limit of 50.00 % (highestUserWastedPercent)"
    );
}

#[test]
fn dives_own_example_dive_ci_prints_the_fail_verdict_line() {
    let dir = workdir(&[(".dive-ci", DIVE_EXAMPLE)]);
    let run = check_in(dir.path(), TINY, &["--dive-ci", ".dive-ci"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.verdict_line(),
        "FAIL: 2 errors, 0 warnings (image 25.98 kB)"
    );
}

#[test]
fn dive_ci_with_empty_rules_applies_dives_defaults() {
    // dive's defaults: lowestEfficiency 0.9, highestUserWastedPercent 0.1, highestWastedBytes off.
    let (code, report) = check_dive_ci("rules: {}\n", None);
    assert_eq!(code, 1);
    assert_eq!(
        rules(&report),
        &vec![
            json!({"rule": "dive-ci.lowestEfficiency", "actual": ratio(0.48808419550481624), "limit": ratio(0.9), "detail": null, "status": "error"}),
            json!({"rule": "dive-ci.highestUserWastedPercent", "actual": ratio(1.946911834040547), "limit": ratio(0.1), "detail": null, "status": "error"}),
        ]
    );
    let f = findings(&report);
    assert_eq!(f.len(), 2);
    assert_eq!(
        essentials(&f[0]),
        dive_ci_finding(
            "dive-lowest-efficiency",
            "dive-ci.lowestEfficiency",
            ratio(0.48808419550481624),
            ratio(0.9),
            Value::Null
        )
    );
    assert_eq!(
        essentials(&f[1]),
        dive_ci_finding(
            "dive-highest-user-wasted-percent",
            "dive-ci.highestUserWastedPercent",
            ratio(1.946911834040547),
            ratio(0.1),
            Value::Null
        )
    );
}

#[test]
fn dive_ci_disabled_turns_a_rule_off_and_limits_met_exactly_pass() {
    let (code, report) = check_dive_ci(
        "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: 20647\n  highestUserWastedPercent: \"1.946911834040547\"\n",
        None,
    );
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 0})
    );
    let names: Vec<&str> = rules(&report)
        .iter()
        .map(|r| r["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(
        names,
        [
            "dive-ci.highestWastedBytes",
            "dive-ci.highestUserWastedPercent"
        ]
    );
    assert!(rules(&report).iter().all(|r| r["status"] == "pass"));
}

#[test]
fn dive_ci_highest_wasted_bytes_below_dives_waste_fails() {
    let (code, report) = check_dive_ci(
        "rules:\n  lowestEfficiency: off\n  highestWastedBytes: 20KB\n  highestUserWastedPercent: disabled\n",
        None,
    );
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        dive_ci_finding(
            "dive-highest-wasted-bytes",
            "dive-ci.highestWastedBytes",
            bytes(20647),
            bytes(20000),
            dive_ci_at(3, 23)
        )
    );
}

#[test]
fn dive_ci_combined_with_a_policy_applies_both_in_order() {
    let (code, report) = check_dive_ci(
        DIVE_EXAMPLE,
        Some("image:\n  max_size: {limit: 20kB, severity: warn}\n"),
    );
    assert_eq!(code, 1);
    assert_eq!(
        pick(&report, &["policy", "verdict", "errors", "warnings"]),
        json!({"policy": [POLICY, ".dive-ci"], "verdict": "fail", "errors": 2, "warnings": 1})
    );
    let got: Vec<(&str, &str, &str)> = findings(&report)
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule"),
                f["severity"].as_str().expect("severity"),
                f["location"]["file"].as_str().expect("file"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("image.max_size", "warn", POLICY),
            ("dive-ci.lowestEfficiency", "error", ".dive-ci"),
            ("dive-ci.highestUserWastedPercent", "error", ".dive-ci"),
        ]
    );
}
