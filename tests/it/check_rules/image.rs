//! `image:` limits (max_size, max_compressed_size, max_final_size, max_layers, max_wasted,
//! max_wasted_percent, max_files) in their short and long forms, each passing, failing and
//! warning.

use serde_json::Value;

use super::{assert_all_pass, assert_case, image_finding, rule_row, rule_row_detail, with, Case};
use crate::support::{at, bytes, check_json, count, image, ratio, rules, TINY_OCI};

/// The wasted share of tiny.docker.tar: wasted bytes over image size.
const WASTED_SHARE: f64 = 14126.0 / 25982.0;

#[test]
fn max_size_passes_at_or_above_the_image_size_and_fails_or_warns_below_it() {
    let rule = "image.max_size";
    let finding = |severity, limit, location| {
        image_finding(
            "image-too-large",
            severity,
            rule,
            bytes(25982),
            bytes(limit),
            location,
        )
    };
    let cases = [
        Case {
            name: "max_size above the image size passes",
            policy: "image:\n  max_size: 26kB\n",
            rules: vec![rule_row(rule, bytes(25982), bytes(26000), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_size equal to the image size passes",
            policy: "image:\n  max_size: 25982\n",
            rules: vec![rule_row(rule, bytes(25982), bytes(25982), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_size short form below the image size fails with exit 1",
            policy: "image:\n  max_size: 20kB\n",
            code: 1,
            rules: vec![rule_row(rule, bytes(25982), bytes(20000), "error")],
            findings: vec![finding("error", 20000, at(2, 13))],
            ..Case::default()
        },
        Case {
            name: "max_size long form with severity warn exits 0 with the reason in the warning",
            policy: "image:\n  max_size: {limit: 20kB, severity: warn, reason: \"the base image \
                grows on its own\"}\n",
            rules: vec![rule_row(rule, bytes(25982), bytes(20000), "warn")],
            findings: vec![with(
                finding("warn", 20000, at(2, 13)),
                "reason",
                "the base image grows on its own",
            )],
            ..Case::default()
        },
        Case {
            name: "max_size long form defaults to severity error",
            policy: "image:\n  max_size:\n    limit: 20kB\n",
            code: 1,
            rules: vec![rule_row(rule, bytes(25982), bytes(20000), "error")],
            findings: vec![finding("error", 20000, at(3, 5))],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_compressed_size_is_the_stored_size_and_unknown_on_plain_tar_layers() {
    let rule = "image.max_compressed_size";
    // tiny.oci's image is named after its tag only.
    let too_large = |severity, limit| {
        with(
            image_finding(
                "compressed-too-large",
                severity,
                rule,
                bytes(29163),
                bytes(limit),
                at(2, 24),
            ),
            "subject",
            "latest",
        )
    };
    let unknown = |severity| {
        image_finding(
            "compressed-size-unknown",
            severity,
            rule,
            Value::Null,
            Value::Null,
            at(2, 24),
        )
    };
    let no_size = "no compressed size";
    let cases = [
        Case {
            name: "max_compressed_size equal to the stored size passes on gzip layers",
            image: TINY_OCI,
            policy: "image:\n  max_compressed_size: 29163\n",
            rules: vec![rule_row(rule, bytes(29163), bytes(29163), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_compressed_size below the stored size fails",
            image: TINY_OCI,
            policy: "image:\n  max_compressed_size: 29kB\n",
            code: 1,
            rules: vec![rule_row(rule, bytes(29163), bytes(29000), "error")],
            findings: vec![too_large("error", 29000)],
            messages: &["compressed size 29.16 kB is over the limit of 29 kB (0.6 % over)"],
            ..Case::default()
        },
        Case {
            name: "max_compressed_size with severity warn exits 0 with a warning",
            image: TINY_OCI,
            policy: "image:\n  max_compressed_size: {limit: 29kB, severity: warn}\n",
            rules: vec![rule_row(rule, bytes(29163), bytes(29000), "warn")],
            findings: vec![too_large("warn", 29000)],
            ..Case::default()
        },
        Case {
            name: "plain tar layers: compressed-size-unknown, at the rule's severity error",
            policy: "image:\n  max_compressed_size: 1GB\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                Value::Null,
                bytes(1_000_000_000),
                no_size,
                "error",
            )],
            findings: vec![unknown("error")],
            ..Case::default()
        },
        Case {
            name: "plain tar layers: compressed-size-unknown, at the rule's severity warn",
            policy: "image:\n  max_compressed_size: {limit: 1GB, severity: warn}\n",
            rules: vec![rule_row_detail(
                rule,
                Value::Null,
                bytes(1_000_000_000),
                no_size,
                "warn",
            )],
            findings: vec![unknown("warn")],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_final_size_passes_at_the_final_size_and_fails_or_warns_below_it() {
    let rule = "image.max_final_size";
    let finding = |severity, limit| {
        image_finding(
            "final-too-large",
            severity,
            rule,
            bytes(11856),
            bytes(limit),
            at(2, 19),
        )
    };
    let cases = [
        Case {
            name: "max_final_size equal to the final size passes",
            policy: "image:\n  max_final_size: 11856\n",
            rules: vec![rule_row(rule, bytes(11856), bytes(11856), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_final_size one byte below fails",
            policy: "image:\n  max_final_size: 11855\n",
            code: 1,
            rules: vec![rule_row(rule, bytes(11856), bytes(11855), "error")],
            findings: vec![finding("error", 11855)],
            ..Case::default()
        },
        Case {
            name: "max_final_size with severity warn exits 0 with a warning",
            policy:
                "image:\n  max_final_size: {limit: 10kB, severity: warn, reason: keep it lean}\n",
            rules: vec![rule_row(rule, bytes(11856), bytes(10000), "warn")],
            findings: vec![with(finding("warn", 10000), "reason", "keep it lean")],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_layers_passes_at_the_layer_count_and_fails_or_warns_below_it() {
    let rule = "image.max_layers";
    let finding = |severity, limit| {
        image_finding(
            "too-many-layers",
            severity,
            rule,
            count(6),
            count(limit),
            at(2, 15),
        )
    };
    let cases = [
        Case {
            name: "max_layers equal to the layer count passes",
            policy: "image:\n  max_layers: 6\n",
            rules: vec![rule_row(rule, count(6), count(6), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_layers below the layer count fails",
            policy: "image:\n  max_layers: 5\n",
            code: 1,
            rules: vec![rule_row(rule, count(6), count(5), "error")],
            findings: vec![finding("error", 5)],
            messages: &["layer count 6 is over the limit of 5 (20.0 % over)"],
            over_percent: Some(20.0),
            ..Case::default()
        },
        Case {
            name: "max_layers with severity warn exits 0 with a warning",
            policy: "image:\n  max_layers: {limit: 3, severity: warn}\n",
            rules: vec![rule_row(rule, count(6), count(3), "warn")],
            findings: vec![finding("warn", 3)],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_wasted_passes_at_the_wasted_bytes_and_fails_or_warns_below_them() {
    let rule = "image.max_wasted";
    let finding = |severity, limit| {
        image_finding(
            "too-much-waste",
            severity,
            rule,
            bytes(14126),
            bytes(limit),
            at(2, 15),
        )
    };
    let cases = [
        Case {
            name: "max_wasted equal to the wasted bytes passes",
            policy: "image:\n  max_wasted: 14126\n",
            rules: vec![rule_row(rule, bytes(14126), bytes(14126), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_wasted below the wasted bytes fails",
            policy: "image:\n  max_wasted: 14kB\n",
            code: 1,
            rules: vec![rule_row(rule, bytes(14126), bytes(14000), "error")],
            findings: vec![finding("error", 14000)],
            ..Case::default()
        },
        Case {
            name: "max_wasted with severity warn exits 0 with a warning",
            policy: "image:\n  max_wasted: {limit: 10KiB, severity: warn}\n",
            rules: vec![rule_row(rule, bytes(14126), bytes(10240), "warn")],
            findings: vec![finding("warn", 10240)],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_wasted_percent_is_wasted_over_image_size_and_passes_fails_or_warns() {
    let rule = "image.max_wasted_percent";
    let finding = |severity, limit| {
        image_finding(
            "too-much-waste-percent",
            severity,
            rule,
            ratio(WASTED_SHARE),
            ratio(limit),
            at(2, 23),
        )
    };
    let cases = [
        Case {
            name: "max_wasted_percent above the wasted share passes",
            policy: "image:\n  max_wasted_percent: 55%\n",
            rules: vec![rule_row(rule, ratio(WASTED_SHARE), ratio(0.55), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_wasted_percent below the wasted share fails",
            policy: "image:\n  max_wasted_percent: 54%\n",
            code: 1,
            rules: vec![rule_row(rule, ratio(WASTED_SHARE), ratio(0.54), "error")],
            findings: vec![finding("error", 0.54)],
            messages: &["wasted share 54.37 % is over the limit of 54.00 % (0.7 % over)"],
            ..Case::default()
        },
        Case {
            name: "max_wasted_percent as a fraction with severity warn exits 0 with a warning",
            policy: "image:\n  max_wasted_percent: {limit: 0.5, severity: warn}\n",
            rules: vec![rule_row(rule, ratio(WASTED_SHARE), ratio(0.5), "warn")],
            findings: vec![finding("warn", 0.5)],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_files_passes_at_the_final_file_count_and_fails_or_warns_below_it() {
    let rule = "image.max_files";
    let finding = |severity, limit| {
        image_finding(
            "too-many-files",
            severity,
            rule,
            count(18),
            count(limit),
            at(2, 14),
        )
    };
    let cases = [
        Case {
            name: "max_files equal to the final file count passes",
            policy: "image:\n  max_files: 18\n",
            rules: vec![rule_row(rule, count(18), count(18), "pass")],
            ..Case::default()
        },
        Case {
            name: "max_files below the final file count fails",
            policy: "image:\n  max_files: 17\n",
            code: 1,
            rules: vec![rule_row(rule, count(18), count(17), "error")],
            findings: vec![finding("error", 17)],
            ..Case::default()
        },
        Case {
            name: "max_files with severity warn exits 0 with a warning",
            policy: "image:\n  max_files: {limit: 10, severity: warn}\n",
            rules: vec![rule_row(rule, count(18), count(10), "warn")],
            findings: vec![finding("warn", 10)],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn every_image_limit_at_todays_numbers_passes_together() {
    let policy = "image:
  max_size: 25982
  max_compressed_size: 29163
  max_final_size: 11856
  max_layers: 6
  max_wasted: 14126
  max_wasted_percent: 1
  max_files: 18
";
    let (code, report) = check_json(TINY_OCI, policy);
    assert_all_pass(code, &report);
    assert_eq!(image(&report)["compressed_size"], 29163);
    let names: Vec<&str> = rules(&report)
        .iter()
        .map(|r| r["rule"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "image.max_size",
            "image.max_compressed_size",
            "image.max_final_size",
            "image.max_layers",
            "image.max_wasted",
            "image.max_wasted_percent",
            "image.max_files"
        ]
    );
}
