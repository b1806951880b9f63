//! The JSON report of `check`: its versioned shape, the image summary, rules and findings.

use serde_json::json;

use super::TINY_NAME;
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
