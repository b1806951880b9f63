//! `layers:` budgets: layers selected by index, by created_by, or both; max_size and max_files.

use serde_json::{json, Value};

use super::{
    assert_all_pass, CREATED_BY_0, CREATED_BY_1, CREATED_BY_2, CREATED_BY_3, CREATED_BY_5,
    TINY_NAME,
};
use crate::support::{
    at, bytes, check_json, count, essentials, findings, only_finding, only_rule, outcome, pick,
    rules, TINY,
};

/// A layer-budget finding on tiny.docker.tar.
fn layer_finding(
    code: &str,
    severity: &str,
    rule: &str,
    layer: usize,
    actual: Value,
    limit: Value,
    location: Value,
) -> Value {
    json!({
        "code": code,
        "severity": severity,
        "rule": rule,
        "subject": format!("layer {layer}"),
        "actual": actual,
        "limit": limit,
        "layer": layer,
        "reason": null,
        "location": location,
        "paths": [],
        "more_paths": 0,
    })
}

/// The layers the findings of a report point at.
fn finding_layers(report: &Value) -> Vec<u64> {
    findings(report)
        .iter()
        .map(|f| f["layer"].as_u64().expect("layer"))
        .collect()
}

#[test]
fn layer_budget_by_index_within_budget_passes() {
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: 3}\n    max_size: 2068\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "layers[0]", "actual": bytes(2068), "limit": bytes(2068), "detail": "largest: layer 3", "status": "pass"})
    );
}

#[test]
fn layer_budget_by_index_over_budget_fails_naming_the_layer_and_its_instruction() {
    let (code, report) = check_json(TINY, "layers:\n  - select: {index: 3}\n    max_size: 2kB\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        layer_finding(
            "layer-over-budget",
            "error",
            "layers[0]",
            3,
            bytes(2068),
            bytes(2000),
            at(2, 5)
        )
    );
    assert_eq!(f["created_by"], CREATED_BY_3);
    assert_eq!(
        f["message"],
        "layer 3 size 2.07 kB is over the budget of 2 kB (3.4 % over)"
    );
}

#[test]
fn layer_budget_with_severity_warn_exits_0_with_a_warning_and_its_reason() {
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: 3}\n    max_size: 2kB\n    severity: warn\n    reason: conf edits stay small\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 1})
    );
    let f = only_finding(&report);
    assert_eq!(
        pick(f, &["code", "severity", "layer", "reason"]),
        json!({"code": "layer-over-budget", "severity": "warn", "layer": 3, "reason": "conf edits stay small"})
    );
    assert_eq!(only_rule(&report)["status"], "warn");
}

#[test]
fn layer_index_minus_1_selects_the_top_layer() {
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: -1}\n    max_size: 400\n",
    );
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        layer_finding(
            "layer-over-budget",
            "error",
            "layers[0]",
            5,
            bytes(414),
            bytes(400),
            at(2, 5)
        )
    );
    assert_eq!(f["created_by"], CREATED_BY_5);
}

#[test]
fn layer_index_open_range_from_1_skips_the_base_layer() {
    // Layers 1.. hold 4300, 3823, 2068, 0 and 414 bytes: all within 4300; the base (15377) is not
    // selected.
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"1..\"}\n    max_size: 4300\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report)["detail"],
        "largest: layer 1 of 5 selected"
    );
}

#[test]
fn layer_max_files_over_an_open_range_fails_on_each_layer_over_it() {
    // Files of layers 1..: 1, 5, 2, 0, 2.
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"1..\"}\n    max_files: 4\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        layer_finding(
            "layer-too-many-files",
            "error",
            "layers[0]",
            2,
            count(5),
            count(4),
            at(2, 5)
        )
    );
    assert_eq!(only_finding(&report)["created_by"], CREATED_BY_2);
}

#[test]
fn layer_max_files_rule_reports_the_layer_with_the_most_files() {
    // With only `max_files`, the rule's actual is the largest file count of the selected layers
    // (layer 2, 5 files), not the file count of the largest layer by bytes (layer 1, 1 file).
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"1..\"}\n    max_files: 4\n",
    );
    assert_eq!(code, 1);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "layers[0]", "actual": count(5), "limit": count(4), "detail": "largest: layer 2 of 5 selected", "status": "error"})
    );
}

#[test]
fn layer_index_range_up_to_3_excludes_layer_3() {
    // ..3 = layers 0, 1, 2 (15377, 4300, 3823 bytes).
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"..3\"}\n    max_size: 4000\n",
    );
    assert_eq!(code, 1);
    assert_eq!(finding_layers(&report), [0, 1]);
    assert_eq!(
        essentials(&findings(&report)[0]),
        layer_finding(
            "layer-over-budget",
            "error",
            "layers[0]",
            0,
            bytes(15377),
            bytes(4000),
            at(2, 5)
        )
    );
    assert_eq!(findings(&report)[0]["created_by"], CREATED_BY_0);
    assert_eq!(findings(&report)[1]["actual"], bytes(4300));
    assert_eq!(findings(&report)[1]["created_by"], CREATED_BY_1);
    assert_eq!(
        only_rule(&report)["detail"],
        "largest: layer 0 of 3 selected"
    );
}

#[test]
fn layer_index_range_2_to_5_excludes_its_end() {
    // 2..5 = layers 2, 3, 4 (5, 2, 0 files); layer 5 (2 files) is not selected.
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"2..5\"}\n    max_files: 1\n",
    );
    assert_eq!(code, 1);
    assert_eq!(finding_layers(&report), [2, 3]);
    assert_eq!(
        essentials(&findings(&report)[1]),
        layer_finding(
            "layer-too-many-files",
            "error",
            "layers[0]",
            3,
            count(2),
            count(1),
            at(2, 5)
        )
    );
    assert_eq!(
        only_rule(&report)["detail"],
        "largest: layer 2 of 3 selected"
    );
}

#[test]
fn layer_index_range_2_to_inclusive_5_includes_its_end() {
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"2..=5\"}\n    max_files: 1\n",
    );
    assert_eq!(code, 1);
    assert_eq!(finding_layers(&report), [2, 3, 5]);
    assert_eq!(
        essentials(&findings(&report)[2]),
        layer_finding(
            "layer-too-many-files",
            "error",
            "layers[0]",
            5,
            count(2),
            count(1),
            at(2, 5)
        )
    );
    assert_eq!(
        only_rule(&report)["detail"],
        "largest: layer 2 of 4 selected"
    );
}

#[test]
fn layer_select_by_created_by_glob_matches_across_slashes() {
    // *COPY* = layers 1, 2 and 5 (4300, 3823, 414 bytes).
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {created_by: \"*COPY*\"}\n    max_size: 4kB\n",
    );
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        layer_finding(
            "layer-over-budget",
            "error",
            "layers[0]",
            1,
            bytes(4300),
            bytes(4000),
            at(2, 5)
        )
    );
    assert_eq!(f["created_by"], CREATED_BY_1);
    assert_eq!(
        only_rule(&report)["detail"],
        "largest: layer 1 of 3 selected"
    );
}

#[test]
fn layer_select_by_created_by_glob_within_budget_passes() {
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {created_by: \"*buildkit*\"}\n    max_size: 414\n    max_files: 2\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "layers[0]", "actual": bytes(414), "limit": bytes(414), "detail": "largest: layer 5 of 2 selected", "status": "pass"})
    );
}

#[test]
fn layer_select_by_index_and_created_by_needs_both_to_match() {
    // *COPY* alone is 1, 2, 5; with index 2.. only 2 and 5 (3823 and 414 bytes).
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"2..\", created_by: \"*COPY*\"}\n    max_size: 400\n",
    );
    assert_eq!(code, 1);
    assert_eq!(finding_layers(&report), [2, 5]);
    assert_eq!(findings(&report)[0]["actual"], bytes(3823));
    assert_eq!(findings(&report)[1]["actual"], bytes(414));
    assert_eq!(
        only_rule(&report)["detail"],
        "largest: layer 2 of 2 selected"
    );
}

#[test]
fn layer_select_matching_no_layer_is_a_warning_even_at_severity_error() {
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: 9}\n    max_size: 1\n  - select: {created_by: \"*apt-get install*\"}\n    max_files: 1\n    severity: error\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 2})
    );
    let f = findings(&report);
    assert_eq!(f.len(), 2);
    assert_eq!(
        essentials(&f[0]),
        json!({
            "code": "layer-select-unmatched",
            "severity": "warn",
            "rule": "layers[0]",
            "subject": TINY_NAME,
            "actual": null,
            "limit": null,
            "layer": null,
            "reason": null,
            "location": at(2, 5),
            "paths": [],
            "more_paths": 0,
        })
    );
    assert_eq!(
        f[0]["message"],
        "`layers[0]` selects no layer of the image (6 layers), so it checks nothing"
    );
    assert_eq!(
        pick(&f[1], &["code", "severity", "rule", "location"]),
        json!({"code": "layer-select-unmatched", "severity": "warn", "rule": "layers[1]", "location": at(4, 5)})
    );
    assert_eq!(
        rules(&report),
        &vec![
            json!({"rule": "layers[0]", "actual": null, "limit": bytes(1), "detail": "no layer selected", "status": "warn"}),
            json!({"rule": "layers[1]", "actual": null, "limit": count(1), "detail": "no layer selected", "status": "warn"}),
        ]
    );
}

#[test]
fn layer_index_at_the_largest_integer_selects_nothing_instead_of_overflowing() {
    // `index: N` means N..N+1 and `..=N` means ..N+1: at i64::MAX these must not overflow.
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: 9223372036854775807}\n    max_size: 0\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        pick(only_finding(&report), &["code", "severity"]),
        json!({"code": "layer-select-unmatched", "severity": "warn"})
    );
    let (code, report) = check_json(
        TINY,
        "layers:\n  - select: {index: \"..=9223372036854775807\"}\n    max_files: 4\n",
    );
    assert_eq!(code, 1, "every layer is selected");
    assert_eq!(finding_layers(&report), [0, 2]);
}
