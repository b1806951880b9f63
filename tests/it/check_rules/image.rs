//! `image:` limits (max_size, max_compressed_size, max_final_size, max_layers, max_wasted,
//! max_wasted_percent, max_files) in their short and long forms.

use serde_json::{json, Value};

use super::{assert_all_pass, image_finding};
use crate::support::{
    at, bytes, check_json, check_table, count, essentials, image, only_finding, only_rule, outcome,
    pick, ratio, rules, TINY, TINY_OCI,
};

#[test]
fn image_max_size_above_the_image_size_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_size: 26kB\n");
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "image.max_size", "actual": bytes(25982), "limit": bytes(26000), "detail": null, "status": "pass"})
    );
}

#[test]
fn image_max_size_equal_to_the_image_size_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_size: 25982\n");
    assert_all_pass(code, &report);
}

#[test]
fn image_max_size_short_form_below_the_image_size_fails_with_exit_1() {
    let (code, report) = check_json(TINY, "image:\n  max_size: 20kB\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "image-too-large",
            "error",
            "image.max_size",
            bytes(25982),
            bytes(20000),
            Value::Null,
            at(2, 13)
        )
    );
}

#[test]
fn image_max_size_failure_prints_the_fail_verdict_line() {
    let run = check_table(TINY, "image:\n  max_size: 20kB\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.verdict_line(),
        "FAIL: 1 error, 0 warnings (image 25.98 kB of 20 kB)"
    );
    assert!(run.stdout.contains("image-too-large"), "{}", run.stdout);
    assert!(run.stdout.contains("policy.yml:2:13"), "{}", run.stdout);
}

#[test]
fn image_max_size_long_form_with_severity_warn_exits_0_with_the_reason_in_the_warning() {
    let policy = "image:\n  max_size: {limit: 20kB, severity: warn, reason: \"the base image grows on its own\"}\n";
    let (code, report) = check_json(TINY, policy);
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 1})
    );
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "image-too-large",
            "warn",
            "image.max_size",
            bytes(25982),
            bytes(20000),
            json!("the base image grows on its own"),
            at(2, 13)
        )
    );
    assert_eq!(only_rule(&report)["status"], "warn");

    let run = check_table(TINY, policy);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.verdict_line(),
        "PASS: 0 errors, 1 warning (image 25.98 kB of 20 kB)"
    );
    assert!(
        run.stdout
            .contains("reason: the base image grows on its own"),
        "{}",
        run.stdout
    );
}

#[test]
fn image_max_size_long_form_defaults_to_severity_error() {
    let (code, report) = check_json(TINY, "image:\n  max_size:\n    limit: 20kB\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        pick(f, &["code", "severity", "location"]),
        json!({"code": "image-too-large", "severity": "error", "location": at(3, 5)})
    );
}

// ---------------------------------------------------------------------------------------------
// image: max_compressed_size
// ---------------------------------------------------------------------------------------------

#[test]
fn image_max_compressed_size_equal_to_the_stored_size_passes_on_gzip_layers() {
    let (code, report) = check_json(TINY_OCI, "image:\n  max_compressed_size: 29163\n");
    assert_all_pass(code, &report);
    assert_eq!(image(&report)["compressed_size"], 29163);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "image.max_compressed_size", "actual": bytes(29163), "limit": bytes(29163), "detail": null, "status": "pass"})
    );
}

#[test]
fn image_max_compressed_size_below_the_stored_size_fails() {
    let (code, report) = check_json(TINY_OCI, "image:\n  max_compressed_size: 29kB\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        pick(
            f,
            &["code", "severity", "rule", "actual", "limit", "layer", "location"]
        ),
        json!({
            "code": "compressed-too-large",
            "severity": "error",
            "rule": "image.max_compressed_size",
            "actual": bytes(29163),
            "limit": bytes(29000),
            "layer": null,
            "location": at(2, 24),
        })
    );
    assert_eq!(
        f["message"],
        "compressed size 29.16 kB is over the limit of 29 kB (0.6 % over)"
    );
}

#[test]
fn image_max_compressed_size_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY_OCI,
        "image:\n  max_compressed_size: {limit: 29kB, severity: warn}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 1})
    );
    assert_eq!(
        pick(
            only_finding(&report),
            &["code", "severity", "actual", "limit"]
        ),
        json!({"code": "compressed-too-large", "severity": "warn", "actual": bytes(29163), "limit": bytes(29000)})
    );
}

#[test]
fn image_max_compressed_size_on_plain_tar_layers_is_compressed_size_unknown_at_the_rules_severity()
{
    let (code, report) = check_json(TINY, "image:\n  max_compressed_size: 1GB\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "compressed-size-unknown",
            "error",
            "image.max_compressed_size",
            Value::Null,
            Value::Null,
            Value::Null,
            at(2, 24)
        )
    );
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "image.max_compressed_size", "actual": null, "limit": bytes(1_000_000_000), "detail": "no compressed size", "status": "error"})
    );

    let (code, report) = check_json(
        TINY,
        "image:\n  max_compressed_size: {limit: 1GB, severity: warn}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        pick(only_finding(&report), &["code", "severity"]),
        json!({"code": "compressed-size-unknown", "severity": "warn"})
    );
}

// ---------------------------------------------------------------------------------------------
// image: max_final_size, max_layers, max_wasted, max_wasted_percent, max_files
// ---------------------------------------------------------------------------------------------

#[test]
fn image_max_final_size_equal_to_the_final_size_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_final_size: 11856\n");
    assert_all_pass(code, &report);
    assert_eq!(only_rule(&report)["actual"], bytes(11856));
}

#[test]
fn image_max_final_size_one_byte_below_fails() {
    let (code, report) = check_json(TINY, "image:\n  max_final_size: 11855\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "final-too-large",
            "error",
            "image.max_final_size",
            bytes(11856),
            bytes(11855),
            Value::Null,
            at(2, 19)
        )
    );
}

#[test]
fn image_max_final_size_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY,
        "image:\n  max_final_size: {limit: 10kB, severity: warn, reason: keep it lean}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "final-too-large",
            "warn",
            "image.max_final_size",
            bytes(11856),
            bytes(10000),
            json!("keep it lean"),
            at(2, 19)
        )
    );
}

#[test]
fn image_max_layers_equal_to_the_layer_count_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_layers: 6\n");
    assert_all_pass(code, &report);
    assert_eq!(only_rule(&report)["actual"], count(6));
}

#[test]
fn image_max_layers_below_the_layer_count_fails() {
    let (code, report) = check_json(TINY, "image:\n  max_layers: 5\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        image_finding(
            "too-many-layers",
            "error",
            "image.max_layers",
            count(6),
            count(5),
            Value::Null,
            at(2, 15)
        )
    );
    assert_eq!(f["over_percent"], 20.0);
    assert_eq!(
        f["message"],
        "layer count 6 is over the limit of 5 (20.0 % over)"
    );
}

#[test]
fn image_max_layers_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(TINY, "image:\n  max_layers: {limit: 3, severity: warn}\n");
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "too-many-layers",
            "warn",
            "image.max_layers",
            count(6),
            count(3),
            Value::Null,
            at(2, 15)
        )
    );
}

#[test]
fn image_max_wasted_equal_to_the_wasted_bytes_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_wasted: 14126\n");
    assert_all_pass(code, &report);
    assert_eq!(only_rule(&report)["actual"], bytes(14126));
}

#[test]
fn image_max_wasted_below_the_wasted_bytes_fails() {
    let (code, report) = check_json(TINY, "image:\n  max_wasted: 14kB\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "too-much-waste",
            "error",
            "image.max_wasted",
            bytes(14126),
            bytes(14000),
            Value::Null,
            at(2, 15)
        )
    );
}

#[test]
fn image_max_wasted_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY,
        "image:\n  max_wasted: {limit: 10KiB, severity: warn}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "too-much-waste",
            "warn",
            "image.max_wasted",
            bytes(14126),
            bytes(10240),
            Value::Null,
            at(2, 15)
        )
    );
}

#[test]
fn image_max_wasted_percent_above_the_wasted_share_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_wasted_percent: 55%\n");
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report)["actual"],
        ratio(14126.0 / 25982.0),
        "wasted over image size"
    );
}

#[test]
fn image_max_wasted_percent_below_the_wasted_share_fails() {
    let (code, report) = check_json(TINY, "image:\n  max_wasted_percent: 54%\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        image_finding(
            "too-much-waste-percent",
            "error",
            "image.max_wasted_percent",
            ratio(14126.0 / 25982.0),
            ratio(0.54),
            Value::Null,
            at(2, 23)
        )
    );
    assert_eq!(
        f["message"],
        "wasted share 54.37 % is over the limit of 54.00 % (0.7 % over)"
    );
}

#[test]
fn image_max_wasted_percent_as_a_fraction_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(
        TINY,
        "image:\n  max_wasted_percent: {limit: 0.5, severity: warn}\n",
    );
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "too-much-waste-percent",
            "warn",
            "image.max_wasted_percent",
            ratio(14126.0 / 25982.0),
            ratio(0.5),
            Value::Null,
            at(2, 23)
        )
    );
}

#[test]
fn image_max_files_equal_to_the_final_file_count_passes() {
    let (code, report) = check_json(TINY, "image:\n  max_files: 18\n");
    assert_all_pass(code, &report);
    assert_eq!(only_rule(&report)["actual"], count(18));
}

#[test]
fn image_max_files_below_the_final_file_count_fails() {
    let (code, report) = check_json(TINY, "image:\n  max_files: 17\n");
    assert_eq!(code, 1);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "too-many-files",
            "error",
            "image.max_files",
            count(18),
            count(17),
            Value::Null,
            at(2, 14)
        )
    );
}

#[test]
fn image_max_files_with_severity_warn_exits_0_with_a_warning() {
    let (code, report) = check_json(TINY, "image:\n  max_files: {limit: 10, severity: warn}\n");
    assert_eq!(code, 0);
    assert_eq!(
        essentials(only_finding(&report)),
        image_finding(
            "too-many-files",
            "warn",
            "image.max_files",
            count(18),
            count(10),
            Value::Null,
            at(2, 14)
        )
    );
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
