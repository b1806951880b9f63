//! `dive:` limits in a policy (min_efficiency, max_wasted_bytes, max_user_wasted_percent): dive's
//! own numbers, compared strictly as dive does, each failing and warning.

use super::{assert_case, image_finding, rule_row, with, Case, DIVE_EFFICIENCY, DIVE_USER_WASTED};
use crate::support::{at, bytes, ratio};

#[test]
fn dive_limits_fail_or_warn_past_dives_numbers_and_pass_at_them() {
    let efficiency = |severity, limit| {
        image_finding(
            "dive-lowest-efficiency",
            severity,
            "dive.min_efficiency",
            ratio(DIVE_EFFICIENCY),
            ratio(limit),
            at(2, 19),
        )
    };
    let wasted = |severity, limit| {
        image_finding(
            "dive-highest-wasted-bytes",
            severity,
            "dive.max_wasted_bytes",
            bytes(20647),
            bytes(limit),
            at(2, 21),
        )
    };
    let user_wasted = |severity, limit| {
        image_finding(
            "dive-highest-user-wasted-percent",
            severity,
            "dive.max_user_wasted_percent",
            ratio(DIVE_USER_WASTED),
            ratio(limit),
            at(2, 28),
        )
    };
    let cases = [
        Case {
            name: "dive limits equal to dive's numbers pass because dive compares strictly",
            policy: "dive:
  min_efficiency: 0.48808419550481624
  max_wasted_bytes: 20647
  max_user_wasted_percent: 1.946911834040547
",
            rules: vec![
                rule_row(
                    "dive.min_efficiency",
                    ratio(DIVE_EFFICIENCY),
                    ratio(DIVE_EFFICIENCY),
                    "pass",
                ),
                rule_row("dive.max_wasted_bytes", bytes(20647), bytes(20647), "pass"),
                rule_row(
                    "dive.max_user_wasted_percent",
                    ratio(DIVE_USER_WASTED),
                    ratio(DIVE_USER_WASTED),
                    "pass",
                ),
            ],
            ..Case::default()
        },
        Case {
            name: "min_efficiency above the efficiency fails",
            policy: "dive:\n  min_efficiency: 50%\n",
            code: 1,
            rules: vec![rule_row(
                "dive.min_efficiency",
                ratio(DIVE_EFFICIENCY),
                ratio(0.5),
                "error",
            )],
            findings: vec![efficiency("error", 0.5)],
            messages: &[
                "dive's efficiency 48.81 % is below the limit of 50.00 % (lowestEfficiency)",
            ],
            ..Case::default()
        },
        Case {
            name: "min_efficiency with severity warn exits 0 with a warning",
            policy: "dive:\n  min_efficiency: {limit: 0.9, severity: warn}\n",
            rules: vec![rule_row(
                "dive.min_efficiency",
                ratio(DIVE_EFFICIENCY),
                ratio(0.9),
                "warn",
            )],
            findings: vec![efficiency("warn", 0.9)],
            ..Case::default()
        },
        Case {
            name: "max_wasted_bytes one below dive's wasted bytes fails",
            policy: "dive:\n  max_wasted_bytes: 20646\n",
            code: 1,
            rules: vec![rule_row(
                "dive.max_wasted_bytes",
                bytes(20647),
                bytes(20646),
                "error",
            )],
            findings: vec![wasted("error", 20646)],
            ..Case::default()
        },
        Case {
            name: "max_wasted_bytes with severity warn exits 0 with a warning",
            policy: "dive:\n  max_wasted_bytes: {limit: 20kB, severity: warn}\n",
            rules: vec![rule_row(
                "dive.max_wasted_bytes",
                bytes(20647),
                bytes(20000),
                "warn",
            )],
            findings: vec![wasted("warn", 20000)],
            ..Case::default()
        },
        Case {
            name: "max_user_wasted_percent below the user share fails",
            policy: "dive:\n  max_user_wasted_percent: 190%\n",
            code: 1,
            rules: vec![rule_row(
                "dive.max_user_wasted_percent",
                ratio(DIVE_USER_WASTED),
                ratio(1.9),
                "error",
            )],
            findings: vec![user_wasted("error", 1.9)],
            ..Case::default()
        },
        Case {
            name: "max_user_wasted_percent with severity warn exits 0 with a warning",
            policy: "dive:\n  max_user_wasted_percent: {limit: 0.1, severity: warn, reason: as \
                dive's default}\n",
            rules: vec![rule_row(
                "dive.max_user_wasted_percent",
                ratio(DIVE_USER_WASTED),
                ratio(0.1),
                "warn",
            )],
            findings: vec![with(
                user_wasted("warn", 0.1),
                "reason",
                "as dive's default",
            )],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}
