//! `paths:` budgets on the visible files a glob matches.

use serde_json::{json, Value};

use super::assert_all_pass;
use crate::support::{
    at, bytes, check_json, count, essentials, findings, only_finding, only_rule, outcome, pick,
    rules, TINY,
};

/// A path-budget finding.
fn path_finding(
    code: &str,
    severity: &str,
    glob: &str,
    actual: Value,
    limit: Value,
    reason: Value,
) -> Value {
    json!({
        "code": code,
        "severity": severity,
        "rule": "paths[0]",
        "subject": glob,
        "actual": actual,
        "limit": limit,
        "layer": null,
        "reason": reason,
        "location": at(2, 5),
        "paths": [],
        "more_paths": 0,
    })
}

#[test]
fn path_budget_sums_the_visible_files_and_passes_at_the_sum() {
    // /etc: .pwd.lock 0 + group 27 + os-release 173 (layer 2's copy) + passwd 89.
    let (code, report) = check_json(
        TINY,
        "paths:\n  - glob: /etc/*\n    max_size: 289\n    max_files: 4\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "paths[0]", "actual": bytes(289), "limit": bytes(289), "detail": "4 files", "status": "pass"})
    );
}

#[test]
fn path_budget_over_max_size_fails() {
    let (code, report) = check_json(TINY, "paths:\n  - glob: /etc/*\n    max_size: 288\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        path_finding(
            "path-over-budget",
            "error",
            "/etc/*",
            bytes(289),
            bytes(288),
            Value::Null
        )
    );
    assert_eq!(
        f["message"],
        "files matching `/etc/*`: size 289 B is over the budget of 288 B (0.3 % over)"
    );
}

#[test]
fn path_budget_over_max_files_fails() {
    let (code, report) = check_json(TINY, "paths:\n  - glob: /etc/*\n    max_files: 3\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        path_finding(
            "path-too-many-files",
            "error",
            "/etc/*",
            count(4),
            count(3),
            Value::Null
        )
    );
}

#[test]
fn path_budget_with_severity_warn_exits_0_with_a_warning_and_its_reason() {
    // /usr/bin/foo (layer 3's copy-up) and /usr/bin/foo-compat (still the layer-0 inode) are two
    // distinct files of 2048 bytes each.
    let (code, report) = check_json(
        TINY,
        "paths:\n  - glob: /usr/bin/*\n    max_size: 2047\n    max_files: 1\n    severity: warn\n    reason: one binary\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 2})
    );
    let f = findings(&report);
    assert_eq!(
        essentials(&f[0]),
        path_finding(
            "path-over-budget",
            "warn",
            "/usr/bin/*",
            bytes(4096),
            bytes(2047),
            json!("one binary")
        )
    );
    assert_eq!(
        essentials(&f[1]),
        path_finding(
            "path-too-many-files",
            "warn",
            "/usr/bin/*",
            count(2),
            count(1),
            json!("one binary")
        )
    );
}

#[test]
fn path_glob_single_star_does_not_cross_a_slash() {
    // /usr/lib/* is libfoo.so.1.2.3 only (layer 1's 4300 bytes): the symlinks are not files and
    // python3/… is one level down.
    let (code, report) = check_json(
        TINY,
        "paths:\n  - glob: /usr/lib/*\n    max_size: 4300\n    max_files: 1\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(only_rule(&report)["actual"], bytes(4300));
    assert_eq!(only_rule(&report)["detail"], "1 file");
}

#[test]
fn path_glob_double_star_crosses_slashes() {
    // /usr/lib/** adds __init__.py 31, mod.cpython-311.pyc 600 and mod.py 400.
    let (code, report) = check_json(
        TINY,
        "paths:\n  - glob: /usr/lib/**\n    max_size: 4300\n    max_files: 1\n",
    );
    assert_eq!(code, 1);
    let f = findings(&report);
    assert_eq!(f.len(), 2);
    assert_eq!(
        pick(&f[0], &["code", "actual", "limit"]),
        json!({"code": "path-over-budget", "actual": bytes(5331), "limit": bytes(4300)})
    );
    assert_eq!(
        pick(&f[1], &["code", "actual", "limit"]),
        json!({"code": "path-too-many-files", "actual": count(4), "limit": count(1)})
    );
}

#[test]
fn path_budget_counts_nothing_that_a_later_layer_deleted() {
    // The apt lists ship in layer 2 but layer 4 deletes them: their visible sum is 0.
    let (code, report) = check_json(
        TINY,
        "paths:\n  - glob: /var/lib/apt/lists/**\n    max_size: 0\n    max_files: 0\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "paths[0]", "actual": bytes(0), "limit": bytes(0), "detail": "0 files", "status": "pass"})
    );
}

#[test]
fn path_budget_counts_only_what_survives_whiteouts_and_opaque_directories() {
    // /opt: data/ is deleted (layer 4), conf/ is made opaque (layer 3): app.conf 20 (layer 3),
    // app.py 64 and __pycache__/app.cpython-311.pyc 350 (layer 5) remain.
    let (code, report) = check_json(TINY, "paths:\n  - glob: /opt/**\n    max_size: 433\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        path_finding(
            "path-over-budget",
            "error",
            "/opt/**",
            bytes(434),
            bytes(433),
            Value::Null
        )
    );
    assert_eq!(only_rule(&report)["detail"], "3 files");
}

#[test]
fn budget_failing_only_on_file_count_shows_the_file_count_in_the_rules_table() {
    let policy = "layers:\n  - select: { index: \"1..\" }\n    max_size: 1MB\n    max_files: 4\npaths:\n  - glob: \"/opt/**\"\n    max_size: 1MB\n    max_files: 1\n";
    let (code, report) = check_json(TINY, policy);
    assert_eq!(code, 1);
    let rules = rules(&report);
    assert_eq!(
        pick(&rules[0], &["actual", "limit", "detail", "status"]),
        json!({
            "actual": count(5), "limit": count(4), "detail": "largest: layer 2 of 5 selected", "status": "error"
        })
    );
    assert_eq!(
        pick(&rules[1], &["actual", "limit", "status"]),
        json!({
            "actual": count(3), "limit": count(1), "status": "error"
        })
    );
}
