//! `layers:` budgets: layers selected by index (one, from the top, ranges), by created_by glob, or
//! both; max_size and max_files; and selections that match no layer.

use serde_json::{json, Value};

use super::{assert_case, layer_finding, rule_row_detail, with, Case, TINY_NAME};
use crate::support::{at, bytes, count};

/// The row of the policy's first layer budget.
fn row(actual: Value, limit: Value, detail: &str, status: &str) -> Value {
    rule_row_detail("layers[0]", actual, limit, detail, status)
}

/// A `layer-over-budget` error on `layer` of `size` bytes.
fn over(layer: usize, size: u64, limit: u64) -> Value {
    layer_finding(
        "layer-over-budget",
        "error",
        layer,
        bytes(size),
        bytes(limit),
    )
}

/// A `layer-too-many-files` error on `layer` with `files` files.
fn too_many(layer: usize, files: u64, limit: u64) -> Value {
    layer_finding(
        "layer-too-many-files",
        "error",
        layer,
        count(files),
        count(limit),
    )
}

/// The warning of a layer budget (`rule` at `location`) that selects no layer.
fn unmatched(rule: &str, location: Value) -> Value {
    json!({
        "code": "layer-select-unmatched",
        "severity": "warn",
        "rule": rule,
        "subject": TINY_NAME,
        "actual": null,
        "limit": null,
        "layer": null,
        "created_by": null,
        "reason": null,
        "location": location,
        "paths": [],
        "more_paths": 0,
    })
}

#[test]
fn layer_budgets_select_by_index_and_check_each_selected_layer() {
    let cases = [
        Case {
            name: "layer budget by index within budget passes",
            policy: "layers:\n  - select: {index: 3}\n    max_size: 2068\n",
            rules: vec![row(bytes(2068), bytes(2068), "largest: layer 3", "pass")],
            ..Case::default()
        },
        Case {
            name: "layer budget by index over budget fails naming the layer and its instruction",
            policy: "layers:\n  - select: {index: 3}\n    max_size: 2kB\n",
            code: 1,
            rules: vec![row(bytes(2068), bytes(2000), "largest: layer 3", "error")],
            findings: vec![over(3, 2068, 2000)],
            messages: &["layer 3 size 2.07 kB is over the budget of 2 kB (3.4 % over)"],
            ..Case::default()
        },
        Case {
            name: "layer budget with severity warn exits 0 with a warning and its reason",
            policy: "layers:\n  - select: {index: 3}\n    max_size: 2kB\n    severity: warn\
                \n    reason: conf edits stay small\n",
            rules: vec![row(bytes(2068), bytes(2000), "largest: layer 3", "warn")],
            findings: vec![with(
                with(over(3, 2068, 2000), "severity", "warn"),
                "reason",
                "conf edits stay small",
            )],
            ..Case::default()
        },
        Case {
            name: "index -1 selects the top layer",
            policy: "layers:\n  - select: {index: -1}\n    max_size: 400\n",
            code: 1,
            rules: vec![row(bytes(414), bytes(400), "largest: layer 5", "error")],
            findings: vec![over(5, 414, 400)],
            ..Case::default()
        },
        // Layers 1.. hold 4300, 3823, 2068, 0 and 414 bytes: all within 4300; the base (15377) is
        // not selected.
        Case {
            name: "index open range from 1 skips the base layer",
            policy: "layers:\n  - select: {index: \"1..\"}\n    max_size: 4300\n",
            rules: vec![row(
                bytes(4300),
                bytes(4300),
                "largest: layer 1 of 5 selected",
                "pass",
            )],
            ..Case::default()
        },
        // Files of layers 1..: 1, 5, 2, 0, 2. With only `max_files`, the rule's actual is the
        // largest file count of the selected layers (layer 2, 5 files), not the file count of the
        // largest layer by bytes (layer 1, 1 file).
        Case {
            name: "max_files over 1.. fails on each layer over it; the row shows the most files",
            policy: "layers:\n  - select: {index: \"1..\"}\n    max_files: 4\n",
            code: 1,
            rules: vec![row(
                count(5),
                count(4),
                "largest: layer 2 of 5 selected",
                "error",
            )],
            findings: vec![too_many(2, 5, 4)],
            ..Case::default()
        },
        // ..3 = layers 0, 1, 2 (15377, 4300, 3823 bytes).
        Case {
            name: "index range up to 3 excludes layer 3",
            policy: "layers:\n  - select: {index: \"..3\"}\n    max_size: 4000\n",
            code: 1,
            rules: vec![row(
                bytes(15377),
                bytes(4000),
                "largest: layer 0 of 3 selected",
                "error",
            )],
            findings: vec![over(0, 15377, 4000), over(1, 4300, 4000)],
            ..Case::default()
        },
        // 2..5 = layers 2, 3, 4 (5, 2, 0 files); layer 5 (2 files) is not selected.
        Case {
            name: "index range 2..5 excludes its end",
            policy: "layers:\n  - select: {index: \"2..5\"}\n    max_files: 1\n",
            code: 1,
            rules: vec![row(
                count(5),
                count(1),
                "largest: layer 2 of 3 selected",
                "error",
            )],
            findings: vec![too_many(2, 5, 1), too_many(3, 2, 1)],
            ..Case::default()
        },
        Case {
            name: "index range 2..=5 includes its end",
            policy: "layers:\n  - select: {index: \"2..=5\"}\n    max_files: 1\n",
            code: 1,
            rules: vec![row(
                count(5),
                count(1),
                "largest: layer 2 of 4 selected",
                "error",
            )],
            findings: vec![too_many(2, 5, 1), too_many(3, 2, 1), too_many(5, 2, 1)],
            ..Case::default()
        },
        // `index: N` means N..N+1 and `..=N` means ..N+1: at i64::MAX these must not overflow.
        Case {
            name: "index at the largest integer selects nothing instead of overflowing",
            policy: "layers:\n  - select: {index: 9223372036854775807}\n    max_size: 0\n",
            rules: vec![row(Value::Null, bytes(0), "no layer selected", "warn")],
            findings: vec![unmatched("layers[0]", at(2, 5))],
            ..Case::default()
        },
        Case {
            name: "index range up to and including the largest integer selects every layer",
            policy: "layers:\n  - select: {index: \"..=9223372036854775807\"}\n    max_files: 4\n",
            code: 1,
            rules: vec![row(
                count(22),
                count(4),
                "largest: layer 0 of 6 selected",
                "error",
            )],
            findings: vec![too_many(0, 22, 4), too_many(2, 5, 4)],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn layer_budgets_select_by_created_by_glob_or_by_both_and_warn_when_nothing_matches() {
    let cases = [
        // *COPY* = layers 1, 2 and 5 (4300, 3823, 414 bytes).
        Case {
            name: "created_by glob matches across slashes",
            policy: "layers:\n  - select: {created_by: \"*COPY*\"}\n    max_size: 4kB\n",
            code: 1,
            rules: vec![row(
                bytes(4300),
                bytes(4000),
                "largest: layer 1 of 3 selected",
                "error",
            )],
            findings: vec![over(1, 4300, 4000)],
            ..Case::default()
        },
        Case {
            name: "created_by glob within budget passes",
            policy: "layers:\n  - select: {created_by: \"*buildkit*\"}\n    max_size: 414\
                \n    max_files: 2\n",
            rules: vec![row(
                bytes(414),
                bytes(414),
                "largest: layer 5 of 2 selected",
                "pass",
            )],
            ..Case::default()
        },
        // *COPY* alone is 1, 2, 5; with index 2.. only 2 and 5 (3823 and 414 bytes).
        Case {
            name: "select by index and created_by needs both to match",
            policy: "layers:\n  - select: {index: \"2..\", created_by: \"*COPY*\"}\
                \n    max_size: 400\n",
            code: 1,
            rules: vec![row(
                bytes(3823),
                bytes(400),
                "largest: layer 2 of 2 selected",
                "error",
            )],
            findings: vec![over(2, 3823, 400), over(5, 414, 400)],
            ..Case::default()
        },
        Case {
            name: "select matching no layer is a warning even at severity error",
            policy: "layers:\n  - select: {index: 9}\n    max_size: 1\
                \n  - select: {created_by: \"*apt-get install*\"}\n    max_files: 1\
                \n    severity: error\n",
            rules: vec![
                row(Value::Null, bytes(1), "no layer selected", "warn"),
                rule_row_detail(
                    "layers[1]",
                    Value::Null,
                    count(1),
                    "no layer selected",
                    "warn",
                ),
            ],
            findings: vec![
                unmatched("layers[0]", at(2, 5)),
                unmatched("layers[1]", at(4, 5)),
            ],
            messages: &[
                "`layers[0]` selects no layer of the image (6 layers), so it checks nothing",
            ],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}
