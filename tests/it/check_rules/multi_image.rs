//! Several images in one archive.

use serde_json::json;

use super::assert_all_pass;
use crate::support::{
    bytes, check_in, check_json, check_table, image, outcome, pick, workdir, POLICY,
};

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
