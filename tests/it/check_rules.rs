//! `sizegate check` end to end: the real binary applies policies written to a temporary directory to
//! the real fixtures in tests/fixtures, and every rule kind is pinned in its three outcomes — pass
//! (exit 0, no finding), fail (severity error: exit 1) and warn-only (severity warn: exit 0 with the
//! finding as a warning) — with the exact findings of the JSON report.
//!
//! The numbers of tiny.docker.tar (tests/fixtures/README.md): image_size 25982, final_size 11856,
//! wasted 14126, final_files 18, 6 layers of 15377/4300/3823/2068/0/414 bytes and 22/1/5/2/0/2
//! files; dive efficiency 0.48808419550481624, wasted 20647, user wasted 1.946911834040547.
//! tiny.oci is the same image with gzip layers (compressed_size 29163).

use serde_json::{json, Value};

use crate::support::{
    assert_close, at, bytes, check_in, check_json, check_table, count, essentials, findings,
    fixture_arg, image, only_finding, only_rule, outcome, pick, ratio, rules, run_in, workdir,
    write_file, POLICY, TINY, TINY_OCI,
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The name tiny.docker.tar's image reports.
const TINY_NAME: &str = "docker.io/tiny/tiny:latest";

/// `created_by` of each layer of tiny.docker.tar (layer 4 is only named by `CREATED_BY_4`).
const CREATED_BY_0: &str =
    "/bin/sh -c #(nop) ADD file:04ebb88f27f54d13f383c4bd1b617defbaf069a96c00d0b6ad1094e6a85c199b in /";
const CREATED_BY_1: &str = "/bin/sh -c #(nop) COPY file:2678f27a9f06a25fe942c92d65aa2fbe3f3bbb4e0814c468ec20ef8a66157a92 in /usr/lib/libfoo.so.1.2.3 ";
const CREATED_BY_2: &str = "/bin/sh -c #(nop) COPY dir:521420286f378c8d5126bed3464c8f5e18b855acafa1a85e2917911bd1513347 in / ";
const CREATED_BY_3: &str = r"/bin/sh -c rm -rf /opt/app/conf && mkdir /opt/app/conf && printf 'mode=prod\nworkers=2\n' > /opt/app/conf/app.conf && chmod 0700 /usr/bin/foo";
const CREATED_BY_5: &str = "COPY app/ /opt/app/ # buildkit";

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

/// A forbidden path as a finding lists it.
fn hit(path: &str, size: u64, layer: usize, created_by: &str) -> Value {
    json!({"path": path, "size": size, "layer": layer, "created_by": created_by})
}

/// Asserts a passing run: exit 0, no finding, every rule passed.
fn assert_all_pass(code: i32, report: &Value) {
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        outcome(report),
        json!({"verdict": "pass", "errors": 0, "warnings": 0})
    );
    assert_eq!(findings(report), &Vec::<Value>::new());
    for r in rules(report) {
        assert_eq!(r["status"], "pass", "{r}");
    }
}

/// An image-limit finding on tiny.docker.tar with no layer, reason or paths.
fn image_finding(
    code: &str,
    severity: &str,
    rule: &str,
    actual: Value,
    limit: Value,
    reason: Value,
    location: Value,
) -> Value {
    json!({
        "code": code,
        "severity": severity,
        "rule": rule,
        "subject": TINY_NAME,
        "actual": actual,
        "limit": limit,
        "layer": null,
        "reason": reason,
        "location": location,
        "paths": [],
        "more_paths": 0,
    })
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

#[test]
fn json_report_has_the_versioned_shape_with_the_image_summary_rules_and_findings() {
    let (code, report) = check_json(TINY, "image:\n  max_size: 20kB\n");
    assert_eq!(code, 1);
    assert_eq!(
        pick(
            &report,
            &["schema_version", "policy", "verdict", "errors", "warnings"]
        ),
        json!({"schema_version": 1, "policy": [POLICY], "verdict": "fail", "errors": 1, "warnings": 0})
    );
    let img = image(&report);
    assert_eq!(
        pick(
            img,
            &[
                "name",
                "tags",
                "platform",
                "image_size",
                "compressed_size",
                "final_size",
                "wasted_bytes",
                "final_files",
                "layer_count",
                "dive"
            ]
        ),
        json!({
            "name": TINY_NAME,
            "tags": [TINY_NAME],
            "platform": "linux/amd64",
            "image_size": 25982,
            "compressed_size": null,
            "final_size": 11856,
            "wasted_bytes": 14126,
            "final_files": 18,
            "layer_count": 6,
            "dive": {
                "efficiency": 0.48808419550481624,
                "wasted_bytes": 20647,
                "user_wasted_percent": 1.946911834040547
            }
        })
    );
    let sizes: Vec<u64> = img["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["size"].as_u64().expect("size"))
        .collect();
    assert_eq!(sizes, [15377, 4300, 3823, 2068, 0, 414]);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "image.max_size", "actual": bytes(25982), "limit": bytes(20000), "detail": null, "status": "error"})
    );
    let f = only_finding(&report);
    // Every key of the contract is there, even when null or empty (later versions may add keys).
    for key in [
        "code",
        "severity",
        "rule",
        "subject",
        "actual",
        "limit",
        "over_percent",
        "layer",
        "created_by",
        "reason",
        "hint",
        "location",
        "paths",
        "more_paths",
        "message",
    ] {
        assert!(f.get(key).is_some(), "finding has `{key}`: {f}");
    }
    assert_eq!(
        f["message"],
        "image size 25.98 kB is over the limit of 20 kB (29.9 % over)"
    );
    assert_close(&f["over_percent"], 29.91);
    assert_eq!(
        pick(f, &["created_by", "hint"]),
        json!({"created_by": null, "hint": null})
    );
}

// ---------------------------------------------------------------------------------------------
// image: max_size (short and long form)
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// dive: min_efficiency, max_wasted_bytes, max_user_wasted_percent
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// layers: select by index, by created_by, both; max_size and max_files
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// paths: budgets on the visible files a glob matches
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// forbid: paths that must not ship in any layer
// ---------------------------------------------------------------------------------------------

#[test]
fn forbid_finds_a_file_that_a_later_layer_deletes() {
    // The .deb ships in layer 0; layer 4 deletes it, but its bytes are still in the image.
    let (code, report) = check_json(TINY, "forbid:\n  - glob: /var/cache/apt/archives/*.deb\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        essentials(f),
        json!({
            "code": "forbidden-path",
            "severity": "error",
            "rule": "forbid[0]",
            "subject": "/var/cache/apt/archives/*.deb",
            "actual": bytes(3072),
            "limit": null,
            "layer": 0,
            "reason": null,
            "location": at(2, 5),
            "paths": [hit("/var/cache/apt/archives/foo_1.0-1_amd64.deb", 3072, 0, CREATED_BY_0)],
            "more_paths": 0,
        })
    );
    assert_eq!(f["created_by"], CREATED_BY_0);
    assert_eq!(
        f["message"],
        "1 forbidden path (3.07 kB) matches /var/cache/apt/archives/*.deb"
    );
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "forbid[0]", "actual": bytes(3072), "limit": null, "detail": "1 path", "status": "error"})
    );
}

#[test]
fn forbid_matching_nothing_passes() {
    let (code, report) = check_json(
        TINY,
        "forbid:\n  - glob: [\"**/*.pem\", \"**/id_rsa\", \"**/.git/**\"]\n",
    );
    assert_all_pass(code, &report);
    assert_eq!(
        only_rule(&report),
        &json!({"rule": "forbid[0]", "actual": bytes(0), "limit": null, "detail": "0 paths", "status": "pass"})
    );
}

#[test]
fn forbid_glob_list_with_except_reason_and_severity_warn_exits_0_with_a_warning() {
    // **/*.pyc matches layer 0's mod.cpython-311.pyc and layer 5's app.cpython-311.pyc; the
    // except drops the /opt one. /root/** matches the pip wheel (deleted by layer 4).
    let policy = "forbid:
  - glob: [\"**/*.pyc\", /root/**]
    except: /opt/**
    reason: no bytecode, nothing of root's
    severity: warn
";
    let (code, report) = check_json(TINY, policy);
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 1})
    );
    assert_eq!(
        essentials(only_finding(&report)),
        json!({
            "code": "forbidden-path",
            "severity": "warn",
            "rule": "forbid[0]",
            "subject": "**/*.pyc, /root/**",
            "actual": bytes(2136),
            "limit": null,
            "layer": 0,
            "reason": "no bytecode, nothing of root's",
            "location": at(2, 5),
            "paths": [
                hit("/root/.cache/pip/wheel.bin", 1536, 0, CREATED_BY_0),
                hit("/usr/lib/python3/dist-packages/foo/__pycache__/mod.cpython-311.pyc", 600, 0, CREATED_BY_0),
            ],
            "more_paths": 0,
        })
    );
}

#[test]
fn forbid_except_list_spares_each_listed_path_in_every_layer() {
    // /etc/* ships .pwd.lock, group, os-release, passwd in layer 0 and os-release again in layer 2.
    let (code, report) = check_json(
        TINY,
        "forbid:\n  - glob: /etc/*\n    except: [/etc/passwd, /etc/group]\n",
    );
    assert_eq!(code, 1);
    let f = only_finding(&report);
    assert_eq!(
        f["paths"],
        json!([
            hit("/etc/.pwd.lock", 0, 0, CREATED_BY_0),
            hit("/etc/os-release", 145, 0, CREATED_BY_0),
            hit("/etc/os-release", 173, 2, CREATED_BY_2),
        ])
    );
    assert_eq!(f["actual"], bytes(318));
}

#[test]
fn forbid_lists_the_first_20_paths_and_counts_the_rest() {
    // ** matches every non-directory entry of every layer: 25 + 1 + 5 + 2 + 0 + 2 = 35.
    let (code, report) = check_json(TINY, "forbid:\n  - glob: \"**\"\n");
    assert_eq!(code, 1);
    let f = only_finding(&report);
    let paths = f["paths"].as_array().expect("paths");
    assert_eq!(paths.len(), 20);
    assert_eq!(f["more_paths"], 15);
    assert_eq!(f["actual"], bytes(25982));
    assert_eq!(paths[0], hit("/etc/.pwd.lock", 0, 0, CREATED_BY_0));
    assert_eq!(
        paths[19],
        hit(
            "/usr/share/doc/foo/examples/a-very-long-file-name-that-does-not-fit-in-the-100-byte-name-field-of-a-ustar-header-so-gnu-longlink-or-pax-path-records-carry-it.txt",
            512,
            0,
            CREATED_BY_0
        )
    );
    assert_eq!(f["message"], "35 forbidden paths (25.98 kB) match **");
    assert_eq!(only_rule(&report)["detail"], "35 paths");

    let run = check_table(TINY, "forbid:\n  - glob: \"**\"\n");
    assert!(run.stdout.contains("… and 15 more"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------------
// extends: [recommended], disable, severity
// ---------------------------------------------------------------------------------------------

/// A forbidden path: (path, size, layer).
type PathRow = (String, u64, u64);
/// A preset finding: (rule, severity, its paths).
type PresetFinding = (String, String, Vec<PathRow>);
/// A preset rule with the paths it finds: (rule, [(path, size, layer)]).
type PresetHits = (&'static str, Vec<(&'static str, u64, u64)>);

/// The preset rules that fire on tiny.docker.tar, with their paths (path, size, layer).
fn recommended_on_tiny() -> Vec<PresetHits> {
    vec![
        (
            "recommended/apt-lists",
            vec![
                ("/var/lib/apt/lists/ftp.example.org_debian_dists_bookworm_InRelease", 700, 2),
                ("/var/lib/apt/lists/ftp.example.org_debian_dists_bookworm_main_binary-amd64_Packages", 2500, 2),
            ],
        ),
        (
            "recommended/apt-cache",
            vec![("/var/cache/apt/archives/foo_1.0-1_amd64.deb", 3072, 0)],
        ),
        (
            "recommended/pip-cache",
            vec![("/root/.cache/pip/wheel.bin", 1536, 0)],
        ),
        (
            "recommended/pycache",
            vec![
                ("/usr/lib/python3/dist-packages/foo/__pycache__/mod.cpython-311.pyc", 600, 0),
                ("/opt/app/__pycache__/app.cpython-311.pyc", 350, 5),
            ],
        ),
        (
            "recommended/docs",
            vec![
                ("/usr/share/doc/foo/README", 700, 0),
                ("/usr/share/doc/foo/examples/a-very-long-file-name-that-does-not-fit-in-the-100-byte-name-field-of-a-ustar-header-so-gnu-longlink-or-pax-path-records-carry-it.txt", 512, 0),
                ("/usr/share/doc/foo/examples/example.link", 0, 0),
                ("/usr/share/doc/foo/examples/latest-example.txt", 0, 0),
                ("/usr/share/doc/foo/notes-naïve-café-日本語.txt", 256, 0),
            ],
        ),
        (
            "recommended/man",
            vec![("/usr/share/man/man1/foo.1.gz", 450, 2)],
        ),
    ]
}

/// (rule, severity, [(path, size, layer)]) of every finding.
fn preset_findings(report: &Value) -> Vec<PresetFinding> {
    findings(report)
        .iter()
        .map(|f| {
            assert_eq!(f["code"], "forbidden-path");
            assert!(f["hint"].as_str().is_some_and(|h| !h.is_empty()), "{f}");
            assert_eq!(f["location"], at(1, 11), "the `extends` entry");
            let paths = f["paths"]
                .as_array()
                .expect("paths")
                .iter()
                .map(|p| {
                    (
                        p["path"].as_str().expect("path").to_string(),
                        p["size"].as_u64().expect("size"),
                        p["layer"].as_u64().expect("layer"),
                    )
                })
                .collect();
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["severity"].as_str().expect("severity").to_string(),
                paths,
            )
        })
        .collect()
}

/// The expected preset findings, all at `severity` except those named in `errors`, without those
/// named in `disabled`.
fn expected_presets(disabled: &[&str], errors: &[&str]) -> Vec<PresetFinding> {
    recommended_on_tiny()
        .into_iter()
        .filter(|(rule, _)| !disabled.contains(rule))
        .map(|(rule, paths)| {
            let severity = if errors.contains(&rule) {
                "error"
            } else {
                "warn"
            };
            (
                rule.to_string(),
                severity.to_string(),
                paths
                    .into_iter()
                    .map(|(p, s, l)| (p.to_string(), s, l))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn recommended_preset_warns_on_exactly_six_rules_and_exits_0() {
    let (code, report) = check_json(TINY, "extends: [recommended]\n");
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 6})
    );
    assert_eq!(preset_findings(&report), expected_presets(&[], &[]));
    let statuses: Vec<(&str, &str)> = rules(&report)
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().expect("rule"),
                r["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("recommended/apt-lists", "warn"),
            ("recommended/apt-cache", "warn"),
            ("recommended/apk-cache", "pass"),
            ("recommended/yum-cache", "pass"),
            ("recommended/pip-cache", "warn"),
            ("recommended/npm-cache", "pass"),
            ("recommended/yarn-cache", "pass"),
            ("recommended/pycache", "warn"),
            ("recommended/docs", "warn"),
            ("recommended/man", "warn"),
            ("recommended/git", "pass"),
            ("recommended/core-dumps", "pass"),
            ("recommended/build-caches", "pass"),
        ]
    );
}

#[test]
fn recommended_preset_prints_a_pass_verdict_with_its_warnings() {
    let run = check_table(TINY, "extends: [recommended]\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.verdict_line(),
        "PASS: 0 errors, 6 warnings (image 25.98 kB)"
    );
    assert!(
        run.stdout.contains("fix: use `pip install --no-cache-dir`"),
        "{}",
        run.stdout
    );
}

#[test]
fn recommended_preset_apt_lists_keeps_the_lock_file_out() {
    let (_, report) = check_json(TINY, "extends: [recommended]\n");
    let apt = &findings(&report)[0];
    assert_eq!(apt["rule"], "recommended/apt-lists");
    assert_eq!(apt["subject"], "/var/lib/apt/lists/**");
    assert_eq!(apt["actual"], bytes(3200));
    assert_eq!(apt["layer"], 2);
    assert_eq!(apt["created_by"], CREATED_BY_2);
}

#[test]
fn recommended_preset_with_docs_disabled_drops_that_rule() {
    let (code, report) = check_json(TINY, "extends: [recommended]\ndisable: [docs]\n");
    assert_eq!(code, 0);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 5})
    );
    assert_eq!(
        preset_findings(&report),
        expected_presets(&["recommended/docs"], &[])
    );
    assert!(
        rules(&report)
            .iter()
            .all(|r| r["rule"] != "recommended/docs"),
        "docs is not checked at all"
    );
    assert_eq!(rules(&report).len(), 12);
}

#[test]
fn recommended_preset_with_pycache_at_severity_error_exits_1() {
    let (code, report) = check_json(TINY, "extends: [recommended]\nseverity: {pycache: error}\n");
    assert_eq!(code, 1);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "fail", "errors": 1, "warnings": 5})
    );
    assert_eq!(
        preset_findings(&report),
        expected_presets(&[], &["recommended/pycache"])
    );
}

#[test]
fn policy_rules_come_first_and_preset_rules_last() {
    let (code, report) = check_json(
        TINY,
        "extends: [recommended]\nimage:\n  max_layers: 6\nforbid:\n  - glob: /etc/passwd\n    severity: warn\n",
    );
    assert_eq!(code, 0);
    let names: Vec<&str> = rules(&report)
        .iter()
        .map(|r| r["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(
        &names[..3],
        ["image.max_layers", "forbid[0]", "recommended/apt-lists"]
    );
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 7})
    );
}

// ---------------------------------------------------------------------------------------------
// --dive-ci
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Policy discovery
// ---------------------------------------------------------------------------------------------

#[test]
fn check_without_policy_reads_sizegate_yml_of_the_current_directory() {
    let dir = workdir(&[("sizegate.yml", "image:\n  max_layers: 5\n")]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["policy"], json!(["sizegate.yml"]));
    assert_eq!(
        only_finding(&report)["location"],
        json!({"file": "sizegate.yml", "line": 2, "column": 15})
    );
}

#[test]
fn check_without_policy_falls_back_to_dot_sizegate_yml() {
    let dir = workdir(&[(".sizegate.yml", "image:\n  max_layers: 6\n")]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["policy"], json!([".sizegate.yml"]));
    assert_eq!(only_rule(&report)["status"], "pass");
}

#[test]
fn check_without_policy_prefers_sizegate_yml_over_dot_sizegate_yml() {
    let dir = workdir(&[
        ("sizegate.yml", "image:\n  max_layers: 6\n"),
        (".sizegate.yml", "image:\n  max_layers: 1\n"),
    ]);
    let run = check_in(dir.path(), TINY, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["policy"], json!(["sizegate.yml"]));
}

#[test]
fn check_without_any_policy_exits_2_and_points_at_sizegate_init() {
    let dir = workdir(&[]);
    let run = check_in(dir.path(), TINY, &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("sizegate init"), "{}", run.stderr);
    assert!(run.stderr.contains("sizegate.yml"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// init then check
// ---------------------------------------------------------------------------------------------

/// Every image fixture of tests/fixtures.
const ALL_FIXTURES: &[&str] = &[
    "tiny.docker.tar",
    "tiny.docker25.tar",
    "tiny.containerd.tar",
    "tiny.oci",
    "tiny.oci-zstd",
    "tiny.oci-uncompressed",
    "tiny.oci-mislabeled-gzip",
    "tiny.oci-archive.tar",
    "tiny-multitag.docker.tar",
    "tiny-multi.docker.tar",
    "tiny-umoci-insert.docker.tar",
    "tiny-index.oci",
];

/// `sizegate init FIXTURE ARGS > sizegate.yml`, then `sizegate check FIXTURE --policy
/// sizegate.yml --format json`: the report.
fn init_then_check(name: &str, init_args: &[&str]) -> Value {
    let dir = workdir(&[]);
    let image = fixture_arg(name);
    let mut args = vec!["init", image.as_str()];
    args.extend_from_slice(init_args);
    let init = run_in(dir.path(), &args);
    assert_eq!(init.code, 0, "{name}: init: {}", init.stderr);
    write_file(dir.path(), "sizegate.yml", init.stdout.as_bytes());
    let run = check_in(
        dir.path(),
        name,
        &["--policy", "sizegate.yml", "--format", "json"],
    );
    assert_eq!(
        run.code, 0,
        "{name}: check of its own init policy:\n{}\n{}\n{}",
        init.stdout, run.stdout, run.stderr
    );
    let report = run.json();
    assert_eq!(report["verdict"], "pass", "{name}");
    assert_eq!(report["errors"], 0, "{name}");
    report
}

#[test]
fn init_policy_passes_check_on_every_fixture_image() {
    for name in ALL_FIXTURES {
        let report = init_then_check(name, &[]);
        for img in report["images"].as_array().expect("images") {
            for rule in img["rules"].as_array().expect("rules") {
                let name_of = rule["rule"].as_str().expect("rule");
                if name_of.starts_with("image.") {
                    assert_eq!(rule["status"], "pass", "{name}: {rule}");
                }
            }
        }
    }
}

#[test]
fn init_policy_with_no_headroom_still_passes_check_on_every_fixture_image() {
    for name in ALL_FIXTURES {
        let report = init_then_check(name, &["--headroom", "0%"]);
        for img in report["images"].as_array().expect("images") {
            for rule in img["rules"].as_array().expect("rules") {
                if rule["rule"].as_str().expect("rule").starts_with("image.") {
                    assert_eq!(rule["status"], "pass", "{name}: {rule}");
                }
            }
        }
    }
}

#[test]
fn init_policy_with_no_headroom_sets_count_limits_to_todays_numbers() {
    let report = init_then_check(TINY, &["--headroom", "0%"]);
    let rules = rules(&report);
    let find = |name: &str| {
        rules
            .iter()
            .find(|r| r["rule"] == name)
            .unwrap_or_else(|| panic!("{name} in {rules:#?}"))
    };
    assert_eq!(
        find("image.max_layers"),
        &json!({"rule": "image.max_layers", "actual": count(6), "limit": count(6), "detail": null, "status": "pass"})
    );
    assert_eq!(
        find("image.max_files"),
        &json!({"rule": "image.max_files", "actual": count(18), "limit": count(18), "detail": null, "status": "pass"})
    );
    for (name, today) in [
        ("image.max_size", 25982),
        ("image.max_final_size", 11856),
        ("image.max_wasted", 14126),
    ] {
        let limit = find(name)["limit"]["value"].as_u64().expect("limit");
        assert!(
            (today..today + 100).contains(&limit),
            "{name}: {limit} rounds {today} up"
        );
    }
    // Plain-tar layers: no compressed limit is written, so none can be unknown.
    assert!(rules
        .iter()
        .all(|r| r["rule"] != "image.max_compressed_size"));
}

#[test]
fn init_policy_limits_the_compressed_size_of_compressed_images() {
    let report = init_then_check(TINY_OCI, &[]);
    let rule = rules(&report)
        .iter()
        .find(|r| r["rule"] == "image.max_compressed_size")
        .expect("max_compressed_size written for gzip layers");
    assert_eq!(rule["actual"], bytes(29163));
    assert_eq!(rule["status"], "pass");
}

// ---------------------------------------------------------------------------------------------
// Several images in one archive
// ---------------------------------------------------------------------------------------------

#[test]
fn multi_image_archive_checks_every_image() {
    let (code, report) = check_json("tiny-multi.docker.tar", "image:\n  max_size: 20kB\n");
    assert_eq!(code, 1);
    assert_eq!(
        outcome(&report),
        json!({"verdict": "fail", "errors": 1, "warnings": 0})
    );
    let images = report["images"].as_array().expect("images");
    assert_eq!(images.len(), 2);
    assert_eq!(
        pick(&images[0], &["name", "image_size"]),
        json!({"name": "localhost/tiny:latest", "image_size": 25982})
    );
    assert_eq!(
        pick(&images[1], &["name", "image_size"]),
        json!({"name": "localhost/tiny-app:latest", "image_size": 15791})
    );
    assert_eq!(
        pick(
            &images[0]["findings"][0],
            &["code", "severity", "subject", "actual", "limit"]
        ),
        json!({"code": "image-too-large", "severity": "error", "subject": "localhost/tiny:latest", "actual": bytes(25982), "limit": bytes(20000)})
    );
    assert_eq!(images[0]["findings"].as_array().map(Vec::len), Some(1));
    assert_eq!(images[1]["findings"], json!([]));
    assert_eq!(images[1]["rules"][0]["status"], "pass");

    let run = check_table("tiny-multi.docker.tar", "image:\n  max_size: 20kB\n");
    assert_eq!(run.code, 1);
    assert_eq!(run.verdict_line(), "FAIL: 1 error, 0 warnings (2 images)");
}

#[test]
fn multi_image_archive_with_image_flag_checks_only_that_image() {
    let dir = workdir(&[(POLICY, "image:\n  max_size: 20kB\n")]);
    let run = check_in(
        dir.path(),
        "tiny-multi.docker.tar",
        &[
            "--image", "tiny-app", "--policy", POLICY, "--format", "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(image(&report)["name"], "localhost/tiny-app:latest");
    assert_all_pass(run.code, &report);

    let run = check_in(
        dir.path(),
        "tiny-multi.docker.tar",
        &["--image", "tiny-app", "--policy", POLICY],
    );
    assert_eq!(
        run.verdict_line(),
        "PASS: 0 errors, 0 warnings (image 15.79 kB of 20 kB)"
    );

    let run = check_in(
        dir.path(),
        "tiny-multi.docker.tar",
        &["--image", "tiny", "--policy", POLICY, "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(image(&run.json())["name"], "localhost/tiny:latest");
}

#[test]
fn init_on_a_multi_image_archive_writes_one_policy_covering_every_image() {
    let dir = workdir(&[]);
    let image = fixture_arg("tiny-multi.docker.tar");
    let init = run_in(dir.path(), &["init", image.as_str()]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert_eq!(
        init.stdout.matches("\nversion: 1\n").count(),
        1,
        "one policy document:\n{}",
        init.stdout
    );
    let report = init_then_check("tiny-multi.docker.tar", &["--headroom", "0%"]);
    let images = report["images"].as_array().expect("images");
    assert_eq!(images.len(), 2);
    // tiny has the most layers and waste, tiny-app the largest final filesystem and most files:
    // the limits are the largest of each.
    let limit = |img: &Value, rule: &str| -> Value {
        img["rules"]
            .as_array()
            .expect("rules")
            .iter()
            .find(|r| r["rule"] == rule)
            .map(|r| r["limit"].clone())
            .unwrap_or_else(|| panic!("{rule}"))
    };
    for img in images {
        assert_eq!(limit(img, "image.max_layers"), count(6));
        assert_eq!(limit(img, "image.max_files"), count(24));
    }
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
