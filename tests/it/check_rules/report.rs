//! The report of `check`: the JSON report's versioned shape (image summary, rules, findings), and
//! the table's verdict line.

use serde_json::json;

use super::{check_files, DIVE_EXAMPLE, TINY_NAME};
use crate::support::{
    assert_close, bytes, check_json, image, only_finding, only_rule, pick, POLICY, TINY,
};

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

/// A check in the table format and the lines it must print.
struct TableCase {
    name: &'static str,
    policy: &'static str,
    dive_ci: Option<&'static str>,
    code: i32,
    /// The last line of stdout.
    verdict_line: &'static str,
    /// Fragments stdout must hold.
    contains: &'static [&'static str],
}

#[test]
fn table_format_ends_with_the_verdict_line_and_shows_codes_places_reasons_and_fixes() {
    let cases = [
        TableCase {
            name: "image max_size failure prints the fail verdict line",
            policy: "image:\n  max_size: 20kB\n",
            dive_ci: None,
            code: 1,
            verdict_line: "FAIL: 1 error, 0 warnings (image 25.98 kB of 20 kB)",
            contains: &["image-too-large", "policy.yml:2:13"],
        },
        TableCase {
            name: "image max_size at severity warn passes with the reason in the warning",
            policy: "image:\n  max_size: {limit: 20kB, severity: warn, reason: \"the base image \
                grows on its own\"}\n",
            dive_ci: None,
            code: 0,
            verdict_line: "PASS: 0 errors, 1 warning (image 25.98 kB of 20 kB)",
            contains: &["reason: the base image grows on its own"],
        },
        TableCase {
            name: "recommended preset prints a pass verdict with its warnings and their fixes",
            policy: "extends: [recommended]\n",
            dive_ci: None,
            code: 0,
            verdict_line: "PASS: 0 errors, 6 warnings (image 25.98 kB)",
            contains: &["fix: use `pip install --no-cache-dir`"],
        },
        TableCase {
            name: "dive's own example .dive-ci prints the fail verdict line",
            policy: "",
            dive_ci: Some(DIVE_EXAMPLE),
            code: 1,
            verdict_line: "FAIL: 2 errors, 0 warnings (image 25.98 kB)",
            contains: &[],
        },
    ];
    for case in &cases {
        let name = case.name;
        let run = check_files(TINY, case.policy, case.dive_ci, &[]);
        assert_eq!(
            run.code, case.code,
            "{name}: exit code; stderr: {}",
            run.stderr
        );
        assert_eq!(
            run.verdict_line(),
            case.verdict_line,
            "{name}: verdict line"
        );
        for fragment in case.contains {
            assert!(
                run.stdout.contains(fragment),
                "{name}: stdout lacks {fragment:?}:\n{}",
                run.stdout
            );
        }
    }
}
