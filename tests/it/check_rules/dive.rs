//! `dive:` limits in a policy (min_efficiency, max_wasted_bytes, max_user_wasted_percent).

use serde_json::{json, Value};

use super::{assert_all_pass, image_finding};
use crate::support::{at, bytes, check_json, essentials, only_finding, ratio, rules, TINY};

#[test]
fn dive_limits_equal_to_dives_numbers_pass_because_dive_compares_strictly() {
    let policy = "dive:
  min_efficiency: 0.48808419550481624
  max_wasted_bytes: 20647
  max_user_wasted_percent: 1.946911834040547
";
    let (code, report) = check_json(TINY, policy);
    assert_all_pass(code, &report);
    assert_eq!(
        rules(&report),
        &vec![
            json!({"rule": "dive.min_efficiency", "actual": ratio(0.48808419550481624), "limit": ratio(0.48808419550481624), "detail": null, "status": "pass"}),
            json!({"rule": "dive.max_wasted_bytes", "actual": bytes(20647), "limit": bytes(20647), "detail": null, "status": "pass"}),
            json!({"rule": "dive.max_user_wasted_percent", "actual": ratio(1.946911834040547), "limit": ratio(1.946911834040547), "detail": null, "status": "pass"}),
        ]
    );
}

#[test]
fn dive_min_efficiency_above_the_efficiency_fails() {
    let (code, report) = check_json(TINY, "dive:\n  min_efficiency: 50%\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        image_finding(
            "dive-lowest-efficiency",
            "error",
            "dive.min_efficiency",
            ratio(0.48808419550481624),
            ratio(0.5),
            Value::Null,
            at(2, 19)
        )
    );
    assert_eq!(
        f["message"],
        "dive's efficiency 48.81 % is below the limit of 50.00 % (lowestEfficiency)"
    );
}

#[test]
fn dive_min_efficiency_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY,
        "dive:\n  min_efficiency: {limit: 0.9, severity: warn}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "dive-lowest-efficiency",
            "warn",
            "dive.min_efficiency",
            ratio(0.48808419550481624),
            ratio(0.9),
            Value::Null,
            at(2, 19)
        )
    );
}

#[test]
fn dive_max_wasted_bytes_one_below_dives_wasted_bytes_fails() {
    let (code, report) = check_json(TINY, "dive:\n  max_wasted_bytes: 20646\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "dive-highest-wasted-bytes",
            "error",
            "dive.max_wasted_bytes",
            bytes(20647),
            bytes(20646),
            Value::Null,
            at(2, 21)
        )
    );
}

#[test]
fn dive_max_wasted_bytes_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY,
        "dive:\n  max_wasted_bytes: {limit: 20kB, severity: warn}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "dive-highest-wasted-bytes",
            "warn",
            "dive.max_wasted_bytes",
            bytes(20647),
            bytes(20000),
            Value::Null,
            at(2, 21)
        )
    );
}

#[test]
fn dive_max_user_wasted_percent_below_the_user_share_fails() {
    let (code, report) = check_json(TINY, "dive:\n  max_user_wasted_percent: 190%\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "dive-highest-user-wasted-percent",
            "error",
            "dive.max_user_wasted_percent",
            ratio(1.946911834040547),
            ratio(1.9),
            Value::Null,
            at(2, 28)
        )
    );
}

#[test]
fn dive_max_user_wasted_percent_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY,
        "dive:\n  max_user_wasted_percent: {limit: 0.1, severity: warn, reason: as dive's default}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "dive-highest-user-wasted-percent",
            "warn",
            "dive.max_user_wasted_percent",
            ratio(1.946911834040547),
            ratio(0.1),
            json!("as dive's default"),
            at(2, 28)
        )
    );
}
