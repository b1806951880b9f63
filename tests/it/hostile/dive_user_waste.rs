//! dive's user wasted share when the layers above the first add no bytes: dive divides by zero in
//! floats, so a layer that only deletes or empties files (bytes wasted, none added) gives +Inf,
//! which fails every `highestUserWastedPercent`, and an image that adds and wastes nothing above
//! its base gives NaN, which passes every one. sizegate's verdict is dive's, and its JSON says
//! which of the two it met.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{path_str, run, run_in, sizegate_in, workdir, DockerArchive, Layer, Run};

/// A `.dive-ci` with only dive's user-waste rule on.
const DIVE_CI: &str = "rules:\n  lowestEfficiency: disabled\n  highestWastedBytes: disabled\n  \
                       highestUserWastedPercent: 0.5\n";

/// A policy with only the same rule.
const POLICY: &str = "dive:\n  max_user_wasted_percent: 10%\n";

/// A base layer with a 1000-byte file, and a layer above it that deletes the file: 1000 bytes
/// wasted (both copies of the path), none added above the base.
fn deletes_only(dir: &Path) -> PathBuf {
    DockerArchive::new()
        .layer(Layer::new().dir("opt/").file("opt/a", 1000).tar())
        .layer(Layer::new().whiteout("opt/.wh.a").tar())
        .write(dir, "deletes.tar")
}

/// A base layer with a 1000-byte file, and a layer above it that holds an empty directory:
/// nothing wasted, nothing added.
fn adds_nothing(dir: &Path) -> PathBuf {
    DockerArchive::new()
        .layer(Layer::new().dir("opt/").file("opt/a", 1000).tar())
        .layer(Layer::new().dir("tmp/").tar())
        .write(dir, "nothing.tar")
}

/// `sizegate check IMAGE ARGS` in `dir`.
fn check(dir: &Path, image: &Path, args: &[&str]) -> Run {
    let mut all = vec!["check", path_str(image)];
    all.extend_from_slice(args);
    run_in(dir, &all)
}

/// The dive numbers of the only image of a JSON report.
fn dive(report: &Value) -> &Value {
    &report["images"][0]["dive"]
}

#[test]
fn waste_without_user_bytes_fails_dive_ci_as_dive_does() {
    let dir = workdir(&[(".dive-ci", DIVE_CI)]);
    let image = deletes_only(dir.path());
    let run = check(
        dir.path(),
        &image,
        &["--dive-ci", ".dive-ci", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        dive(&report),
        &json!({"efficiency": 0.0, "wasted_bytes": 1000, "user_wasted_percent": null,
            "user_wasted_percent_infinite": true})
    );
    let img = &report["images"][0];
    assert_eq!(
        img["rules"],
        json!([{"rule": "dive-ci.highestUserWastedPercent", "actual": null,
            "limit": {"unit": "ratio", "value": 0.5},
            "detail": "infinite: 1 kB wasted, no bytes above layer 0", "status": "error"}])
    );
    let findings = img["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["code"], "dive-highest-user-wasted-percent");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["actual"], Value::Null);
    assert_eq!(f["over_percent"], Value::Null);
    assert_eq!(f["limit"], json!({"unit": "ratio", "value": 0.5}));
    assert_eq!(
        f["message"],
        "dive's user wasted share is infinite (1 kB wasted, but the layers above the first add \
         no bytes), over the limit of 50.00 % (highestUserWastedPercent)"
    );
    assert_eq!(
        f["location"],
        json!({"file": ".dive-ci", "line": 4, "column": 29})
    );
}

#[test]
fn waste_without_user_bytes_fails_the_policy_rule_in_the_table() {
    let dir = workdir(&[("sizegate.yml", POLICY)]);
    let image = deletes_only(dir.path());
    // Wide enough for the finding's sentence to stay on one line.
    let mut cmd = sizegate_in(dir.path());
    cmd.args(["check", path_str(&image)]).env("COLUMNS", "300");
    let run = run(&mut cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "│ dive.max_user_wasted_percent ┆ infinite: 1 kB wasted, no bytes above layer 0 ┆ \
             10.00 % ┆ error  │"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "dive's user wasted share is infinite (1 kB wasted, but the layers above the first \
             add no bytes), over the limit of 10.00 % (highestUserWastedPercent)"
        ),
        "{}",
        run.stdout
    );
    assert_eq!(run.verdict_line(), "FAIL: 1 error, 0 warnings (image 1 kB)");
}

#[test]
fn nothing_added_and_nothing_wasted_passes_as_dive_does() {
    let dir = workdir(&[(".dive-ci", DIVE_CI), ("sizegate.yml", POLICY)]);
    let image = adds_nothing(dir.path());
    for args in [["--dive-ci", ".dive-ci"], ["--policy", "sizegate.yml"]] {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let run = check(dir.path(), &image, &all);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        let report = run.json();
        assert_eq!(
            dive(&report),
            &json!({"efficiency": 1.0, "wasted_bytes": 0, "user_wasted_percent": null,
                "user_wasted_percent_infinite": false}),
            "{args:?}"
        );
        let rule = &report["images"][0]["rules"][0];
        assert_eq!(
            (&rule["actual"], &rule["detail"], &rule["status"]),
            (
                &Value::Null,
                &json!("undefined: nothing wasted, no bytes above layer 0"),
                &json!("pass")
            ),
            "{args:?}"
        );
        assert_eq!(report["images"][0]["findings"], json!([]), "{args:?}");
    }
}

#[test]
fn layers_says_which_and_keeps_the_finite_share_a_number() {
    let dir = workdir(&[]);
    let deletes = deletes_only(dir.path());
    let run = run_in(dir.path(), &["layers", path_str(&deletes)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout.lines().last(),
        Some(
            "dive: efficiency 0.0000 %, wasted 1 kB, user wasted infinite (no bytes above layer 0)"
        )
    );
    let nothing = adds_nothing(dir.path());
    let run = run_in(
        dir.path(),
        &["layers", path_str(&nothing), "--format", "json"],
    );
    assert_eq!(
        run.json()["images"][0]["dive"]["user_wasted_percent_infinite"],
        false
    );
    // A share over real user bytes is a number, with no new key beside it.
    let grows = DockerArchive::new()
        .layer(Layer::new().file("a", 100).tar())
        .layer(Layer::new().file("a", 50).tar())
        .write(dir.path(), "grows.tar");
    let run = run_in(
        dir.path(),
        &["layers", path_str(&grows), "--format", "json"],
    );
    assert_eq!(
        run.json()["images"][0]["dive"],
        json!({"efficiency": 50.0 / 150.0, "wasted_bytes": 150, "user_wasted_percent": 3.0})
    );
}
