//! `sizegate check` with a policy, and the parts of its JSON report the tests compare.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::{json, Value};

use super::{fixture_arg, root, run_in, run_in_env_without, workdir, Run, NO_VARS};

/// The name the policy is written under in the temporary directory (and so in every location).
pub(crate) const POLICY: &str = "policy.yml";

/// Runs `sizegate check FIXTURE ARGS` in `dir`.
pub(crate) fn check_in(dir: &Path, image: &str, args: &[&str]) -> Run {
    let image = fixture_arg(image);
    let mut all = vec!["check", image.as_str()];
    all.extend_from_slice(args);
    run_in(dir, &all)
}

/// Writes `policy` as policy.yml and runs `check FIXTURE --policy policy.yml --format json`;
/// checks that the verdict agrees with the exit code and returns both.
pub(crate) fn check_json(image: &str, policy: &str) -> (i32, Value) {
    let dir = workdir(&[(POLICY, policy)]);
    let run = check_in(dir.path(), image, &["--policy", POLICY, "--format", "json"]);
    let json = run.json();
    assert_eq!(
        json["verdict"],
        if run.code == 0 { "pass" } else { "fail" },
        "verdict and exit code agree; stderr: {}",
        run.stderr
    );
    (run.code, json)
}

/// The same with the table format.
pub(crate) fn check_table(image: &str, policy: &str) -> Run {
    let dir = workdir(&[(POLICY, policy)]);
    check_in(dir.path(), image, &["--policy", POLICY])
}

/// `check examples/tiny.docker.tar --policy POLICY ARGS` from the repository root, so that paths
/// print as written.
pub(crate) fn check_example(policy: &str, args: &[&str]) -> Run {
    check_example_in_env(policy, args, &[], NO_VARS)
}

/// [`check_example`] with the variables `unset` removed and those of `env` set (see
/// [`run_in_env_without`]): for the tests of the variables that set options or change the look.
pub(crate) fn check_example_in_env<V: AsRef<OsStr>>(
    policy: &str,
    args: &[&str],
    unset: &[&str],
    env: &[(&str, V)],
) -> Run {
    let mut all = vec!["check", "examples/tiny.docker.tar", "--policy", policy];
    all.extend_from_slice(args);
    run_in_env_without(root(), &all, unset, env)
}

/// The first (only) image of a report.
pub(crate) fn image(report: &Value) -> &Value {
    assert_eq!(
        report["images"].as_array().map(Vec::len),
        Some(1),
        "one image"
    );
    &report["images"][0]
}

/// The findings of the only image.
pub(crate) fn findings(report: &Value) -> &Vec<Value> {
    image(report)["findings"].as_array().expect("findings")
}

/// The only finding of the only image.
pub(crate) fn only_finding(report: &Value) -> &Value {
    let f = findings(report);
    assert_eq!(f.len(), 1, "exactly one finding: {f:#?}");
    &f[0]
}

/// The checked rules of the only image.
pub(crate) fn rules(report: &Value) -> &Vec<Value> {
    image(report)["rules"].as_array().expect("rules")
}

/// The only checked rule of the only image.
pub(crate) fn only_rule(report: &Value) -> &Value {
    let r = rules(report);
    assert_eq!(r.len(), 1, "exactly one rule: {r:#?}");
    &r[0]
}

/// `keys` of `v`, to compare with an expected object in one assertion.
pub(crate) fn pick(v: &Value, keys: &[&str]) -> Value {
    Value::Object(
        keys.iter()
            .map(|k| (k.to_string(), v[*k].clone()))
            .collect(),
    )
}

/// The fields a finding is pinned by (all but the message, hint, over_percent and created_by).
pub(crate) fn essentials(f: &Value) -> Value {
    pick(
        f,
        &[
            "code",
            "severity",
            "rule",
            "subject",
            "actual",
            "limit",
            "layer",
            "reason",
            "location",
            "paths",
            "more_paths",
        ],
    )
}

/// The verdict and the totals of a report.
pub(crate) fn outcome(report: &Value) -> Value {
    pick(report, &["verdict", "errors", "warnings"])
}

/// A measure in bytes, as the report writes `actual` and `limit`.
pub(crate) fn bytes(n: u64) -> Value {
    json!({"unit": "bytes", "value": n})
}

/// A measure that counts (layers, files).
pub(crate) fn count(n: u64) -> Value {
    json!({"unit": "count", "value": n})
}

/// A measure that is a ratio.
pub(crate) fn ratio(r: f64) -> Value {
    json!({"unit": "ratio", "value": r})
}

/// A place in policy.yml.
pub(crate) fn at(line: u64, column: u64) -> Value {
    json!({"file": POLICY, "line": line, "column": column})
}

/// Asserts that `v` is a number within 1e-9 of `want`.
pub(crate) fn assert_close(v: &Value, want: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("a number, found {v}"));
    assert!((got - want).abs() < 1e-9, "{got} != {want}");
}
