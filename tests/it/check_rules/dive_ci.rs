//! `--dive-ci`: dive's own CI rules file, with dive's defaults and keywords, alone or with a
//! policy.

use serde_json::{json, Value};

use super::{
    assert_case, image_finding, rule_row, Case, DIVE_CI, DIVE_EFFICIENCY, DIVE_EXAMPLE,
    DIVE_USER_WASTED, TINY_NAME,
};
use crate::support::{at, bytes, ratio};

/// A finding of a .dive-ci rule (always an error, as in dive); `location` is null for a rule the
/// file leaves to dive's default.
fn finding(code: &str, rule: &str, actual: Value, limit: Value, location: Value) -> Value {
    json!({
        "code": code,
        "severity": "error",
        "rule": rule,
        "subject": TINY_NAME,
        "actual": actual,
        "limit": limit,
        "layer": null,
        "created_by": null,
        "reason": null,
        "location": location,
        "paths": [],
        "more_paths": 0,
    })
}

/// A place in .dive-ci.
fn dive_ci_at(line: u64, column: u64) -> Value {
    json!({"file": DIVE_CI, "line": line, "column": column})
}

#[test]
fn dive_ci_rules_give_dives_verdict_with_its_defaults_and_keywords() {
    let efficiency = |limit, location| {
        finding(
            "dive-lowest-efficiency",
            "dive-ci.lowestEfficiency",
            ratio(DIVE_EFFICIENCY),
            ratio(limit),
            location,
        )
    };
    let user_wasted = |limit, location| {
        finding(
            "dive-highest-user-wasted-percent",
            "dive-ci.highestUserWastedPercent",
            ratio(DIVE_USER_WASTED),
            ratio(limit),
            location,
        )
    };
    let cases = [
        // dive: lowestEfficiency fails (0.488 < 0.95), highestWastedBytes passes (20647 <= 20 MB),
        // highestUserWastedPercent fails (1.947 > 0.5).
        Case {
            name: "dive's own example .dive-ci gives dive's verdict",
            dive_ci: Some(DIVE_EXAMPLE),
            code: 1,
            rules: vec![
                rule_row(
                    "dive-ci.lowestEfficiency",
                    ratio(DIVE_EFFICIENCY),
                    ratio(0.95),
                    "error",
                ),
                rule_row(
                    "dive-ci.highestWastedBytes",
                    bytes(20647),
                    bytes(20_000_000),
                    "pass",
                ),
                rule_row(
                    "dive-ci.highestUserWastedPercent",
                    ratio(DIVE_USER_WASTED),
                    ratio(0.5),
                    "error",
                ),
            ],
            findings: vec![
                efficiency(0.95, dive_ci_at(7, 21)),
                user_wasted(0.5, dive_ci_at(13, 29)),
            ],
            messages: &[
                "dive's efficiency 48.81 % is below the limit of 95.00 % (lowestEfficiency)",
                "dive's user wasted share 194.69 % is over the limit of 50.00 % \
                    (highestUserWastedPercent)",
            ],
            ..Case::default()
        },
        // dive's defaults: lowestEfficiency 0.9, highestUserWastedPercent 0.1, highestWastedBytes
        // off.
        Case {
            name: ".dive-ci with empty rules applies dive's defaults",
            dive_ci: Some("rules: {}\n"),
            code: 1,
            rules: vec![
                rule_row(
                    "dive-ci.lowestEfficiency",
                    ratio(DIVE_EFFICIENCY),
                    ratio(0.9),
                    "error",
                ),
                rule_row(
                    "dive-ci.highestUserWastedPercent",
                    ratio(DIVE_USER_WASTED),
                    ratio(0.1),
                    "error",
                ),
            ],
            findings: vec![efficiency(0.9, Value::Null), user_wasted(0.1, Value::Null)],
            ..Case::default()
        },
        Case {
            name: ".dive-ci `disabled` turns a rule off and limits met exactly pass",
            dive_ci: Some(
                "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: 20647\
                \n  highestUserWastedPercent: \"1.946911834040547\"\n",
            ),
            rules: vec![
                rule_row(
                    "dive-ci.highestWastedBytes",
                    bytes(20647),
                    bytes(20647),
                    "pass",
                ),
                rule_row(
                    "dive-ci.highestUserWastedPercent",
                    ratio(DIVE_USER_WASTED),
                    ratio(DIVE_USER_WASTED),
                    "pass",
                ),
            ],
            ..Case::default()
        },
        Case {
            name: ".dive-ci highestWastedBytes below dive's waste fails",
            dive_ci: Some(
                "rules:\n  lowestEfficiency: off\n  highestWastedBytes: 20KB\
                \n  highestUserWastedPercent: disabled\n",
            ),
            code: 1,
            rules: vec![rule_row(
                "dive-ci.highestWastedBytes",
                bytes(20647),
                bytes(20000),
                "error",
            )],
            findings: vec![finding(
                "dive-highest-wasted-bytes",
                "dive-ci.highestWastedBytes",
                bytes(20647),
                bytes(20000),
                dive_ci_at(3, 23),
            )],
            ..Case::default()
        },
        Case {
            name: ".dive-ci combined with a policy applies both, the policy first",
            policy: "image:\n  max_size: {limit: 20kB, severity: warn}\n",
            dive_ci: Some(DIVE_EXAMPLE),
            code: 1,
            rules: vec![
                rule_row("image.max_size", bytes(25982), bytes(20000), "warn"),
                rule_row(
                    "dive-ci.lowestEfficiency",
                    ratio(DIVE_EFFICIENCY),
                    ratio(0.95),
                    "error",
                ),
                rule_row(
                    "dive-ci.highestWastedBytes",
                    bytes(20647),
                    bytes(20_000_000),
                    "pass",
                ),
                rule_row(
                    "dive-ci.highestUserWastedPercent",
                    ratio(DIVE_USER_WASTED),
                    ratio(0.5),
                    "error",
                ),
            ],
            findings: vec![
                image_finding(
                    "image-too-large",
                    "warn",
                    "image.max_size",
                    bytes(25982),
                    bytes(20000),
                    at(2, 13),
                ),
                efficiency(0.95, dive_ci_at(7, 21)),
                user_wasted(0.5, dive_ci_at(13, 29)),
            ],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}
