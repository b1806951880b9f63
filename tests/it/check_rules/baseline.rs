//! `baseline:` growth budgets with `check --baseline BASE`, end to end: the real binary compares
//! synthetic images built in memory (tests/it/support/image.rs) with a base given as an image and
//! as its saved report (`layers --format json`), and every key is pinned passing at its limit,
//! failing just above it (exit 1) and warning (exit 0), in bytes or files and as a percentage;
//! without a base the rules are skipped, in every format; bad values are refused at their place.
//!
//! The base image has two layers: `COPY rootfs /` (/etc/os-release 1000 bytes, /bin/sh 3000) and
//! `COPY app /app` (/app/main 2000): 6000 bytes, 3 files, nothing wasted. The new images:
//!
//! - [`New::Added`]: the same layers plus `RUN … fetch blob` adding /opt/extra/blob.bin (5000):
//!   image and final size +5000 (+83.3 %), one file more (+33.3 %), layer 2 added.
//! - [`New::Grown`]: /app/main is 2600 bytes in a new layer 1 (another `diff_id`, the same
//!   instruction): image and final size +600 (+10 %), layer 1 changed +600 (+30 %), no file more.
//! - [`New::Overwritten`]: the same layers plus `RUN … rebuild app` writing /app/main anew (2500):
//!   image +2500, final size +500 (/app/main grew), 2000 bytes wasted where none were, layer 2
//!   added.

use serde_json::{json, Value};
use tempfile::TempDir;

use super::{assert_verdict, pinned, rule_row_detail, with};
use crate::policy_errors::{assert_case as assert_policy_error, Case as PolicyError};
use crate::support::{
    assert_close, at, bytes, count, diff_id, fixture_arg, outcome, ratio, run_in, workdir,
    write_file, DockerArchive, Layer, Run, POLICY,
};

/// The instruction of each layer of the base image, and of the layer [`New::Added`] adds.
const ROOTFS: &str = "COPY rootfs / # buildkit";
const APP: &str = "COPY app /app # buildkit";
const FETCH: &str = "RUN /bin/sh -c fetch blob # buildkit";
const REBUILD: &str = "RUN /bin/sh -c rebuild app # buildkit";

/// The Dockerfile the images were built from: `RUN fetch blob` is line 4.
const DOCKERFILE: &str = "FROM scratch\nCOPY rootfs /\nCOPY app /app\nRUN fetch blob\n";

/// The new image of a pair.
#[derive(Debug, Clone, Copy)]
enum New {
    /// A layer added on top, with a new 5000-byte file.
    Added,
    /// Layer 1 rebuilt with its file 600 bytes larger.
    Grown,
    /// A layer added on top that writes layer 1's file anew, larger.
    Overwritten,
}

/// What `--baseline` names.
#[derive(Debug, Clone, Copy)]
enum Base {
    /// base.tar, the image.
    Image,
    /// base.json, its saved `layers --format json` report.
    Report,
}

/// Both kinds of base, which every growth case must agree on.
const BASES: [Base; 2] = [Base::Image, Base::Report];

/// Layer 0 of every image: /etc/os-release (1000 bytes) and /bin/sh (3000).
fn rootfs() -> Vec<u8> {
    Layer::new()
        .dir("etc/")
        .file("etc/os-release", 1000)
        .dir("bin/")
        .file("bin/sh", 3000)
        .tar()
}

/// A layer holding /app/main of `size` bytes.
fn app(size: usize) -> Vec<u8> {
    Layer::new().dir("app/").file("app/main", size).tar()
}

/// The base image, `app:1`: rootfs and app, 6000 bytes in 3 files.
fn base_image() -> DockerArchive {
    DockerArchive::new()
        .history(&[ROOTFS, APP])
        .layer(rootfs())
        .layer(app(2000))
}

/// The new image, `app:1` too, so that it pairs with the base by name.
fn new_image(new: New) -> DockerArchive {
    match new {
        New::Added => DockerArchive::new()
            .history(&[ROOTFS, APP, FETCH])
            .layer(rootfs())
            .layer(app(2000))
            .layer(
                Layer::new()
                    .dir("opt/")
                    .dir("opt/extra/")
                    .file("opt/extra/blob.bin", 5000)
                    .tar(),
            ),
        New::Grown => {
            let image = DockerArchive::new()
                .history(&[ROOTFS, APP])
                .layer(rootfs())
                .layer(app(2600));
            // The builders number diff_ids by position: layer 1's contents changed, so must its.
            let mut config = image.config_json();
            config["rootfs"]["diff_ids"][1] = json!(diff_id(0xbeef));
            image.config_bytes(config.to_string().as_bytes())
        }
        New::Overwritten => DockerArchive::new()
            .history(&[ROOTFS, APP, REBUILD])
            .layer(rootfs())
            .layer(app(2000))
            .layer(app(2500)),
    }
}

/// A directory holding base.tar, base.json (the base's saved report), new.tar, the policy and the
/// Dockerfile.
fn pair(new: New, policy: &str) -> TempDir {
    let dir = workdir(&[(POLICY, policy), ("Dockerfile", DOCKERFILE)]);
    base_image().write(dir.path(), "base.tar");
    new_image(new).write(dir.path(), "new.tar");
    let report = run_in(dir.path(), &["layers", "base.tar", "--format", "json"]);
    assert_eq!(report.code, 0, "the base's report: {}", report.stderr);
    write_file(dir.path(), "base.json", report.stdout.as_bytes());
    dir
}

/// `check new.tar --policy policy.yml [--baseline base.tar|base.json] ARGS` in `dir`.
fn check(dir: &TempDir, base: Option<Base>, args: &[&str]) -> Run {
    let mut all = vec!["check", "new.tar", "--policy", POLICY, "--no-github"];
    match base {
        Some(Base::Image) => all.extend(["--baseline", "base.tar"]),
        Some(Base::Report) => all.extend(["--baseline", "base.json"]),
        None => {}
    }
    all.extend_from_slice(args);
    run_in(dir.path(), &all)
}

/// One policy on one image pair, and the report it must give from either base.
struct Case {
    /// What the case pins; every failed assertion names it.
    name: &'static str,
    /// The new image compared with the base.
    new: New,
    /// policy.yml.
    policy: &'static str,
    /// 1 when a finding is an error, else 0.
    code: i32,
    /// Every rule row, in order.
    rules: Vec<Value>,
    /// Every finding, as `pinned` reads it.
    findings: Vec<Value>,
    /// The messages of the first findings.
    messages: &'static [&'static str],
    /// The `grew` of the first finding, when the case pins it.
    grew: Option<Value>,
}

impl Default for Case {
    fn default() -> Case {
        Case {
            name: "",
            new: New::Added,
            policy: "",
            code: 0,
            rules: Vec::new(),
            findings: Vec::new(),
            messages: &[],
            grew: None,
        }
    }
}

/// Runs the case from the base image and from its saved report: the same exit code, verdict,
/// totals, rule rows, findings, messages and `grew`.
fn assert_case(case: &Case) {
    let dir = pair(case.new, case.policy);
    for base in BASES {
        let name = format!("{} (base: {base:?})", case.name);
        let run = check(&dir, Some(base), &["--format", "json"]);
        assert_eq!(run.code, case.code, "{name}: exit code; {}", run.stderr);
        let report = run.json();
        assert_verdict(&report, case.code, &case.findings, &name);
        let image = &report["images"][0];
        assert_eq!(image["rules"], json!(case.rules), "{name}: rule rows");
        let found = image["findings"].as_array().expect("findings");
        let got: Vec<Value> = found.iter().map(pinned).collect();
        assert_eq!(got, case.findings, "{name}: findings");
        for (i, message) in case.messages.iter().enumerate() {
            assert_eq!(found[i]["message"], *message, "{name}: message {i}");
        }
        if let Some(grew) = &case.grew {
            assert_eq!(&found[0]["grew"], grew, "{name}: grew");
        }
    }
}

/// A finding of a `baseline:` rule about the image `app:1`.
fn growth_finding(
    code: &str,
    severity: &str,
    rule: &str,
    actual: Value,
    limit: Value,
    location: Value,
) -> Value {
    json!({
        "code": code,
        "severity": severity,
        "rule": rule,
        "subject": "app:1",
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

/// A `layer-grew` finding of `baseline.max_layer_growth` (policy.yml:2:21) on `layer`.
fn layer_finding(
    severity: &str,
    layer: usize,
    created_by: &str,
    actual: Value,
    limit: Value,
) -> Value {
    json!({
        "code": "layer-grew",
        "severity": severity,
        "rule": "baseline.max_layer_growth",
        "subject": format!("layer {layer}"),
        "actual": actual,
        "limit": limit,
        "layer": layer,
        "created_by": created_by,
        "reason": null,
        "location": at(2, 21),
        "paths": [],
        "more_paths": 0,
    })
}

/// The layer [`New::Added`] adds, as a `grew` entry names it.
fn fetch_layer(dockerfile: Value) -> Value {
    json!({
        "status": "added", "base_index": null, "new_index": 2, "digest": diff_id(2),
        "created_by": FETCH, "base_size": null, "new_size": 5000, "size_delta": 5000,
        "dockerfile": dockerfile,
    })
}

/// The file [`New::Added`] adds, as a `grew` entry names it.
fn blob_path() -> Value {
    json!({
        "path": "/opt/extra/blob.bin", "kind": "file", "status": "added",
        "base_size": 0, "new_size": 5000, "delta": 5000,
    })
}

/// The share of the base [`New::Added`] adds to the image and final size.
const ADDED_SHARE: f64 = 5000.0 / 6000.0;

#[test]
fn max_growth_passes_at_the_growth_and_fails_or_warns_above_it_in_bytes_or_percent() {
    let rule = "baseline.max_growth";
    let grew_by = "+83.3 % of base 6 kB";
    let finding = |severity, actual, limit| {
        growth_finding("image-grew", severity, rule, actual, limit, at(2, 15))
    };
    let cases = [
        Case {
            name: "max_growth equal to the growth passes",
            policy: "baseline:\n  max_growth: 5kB\n",
            rules: vec![rule_row_detail(
                rule,
                bytes(5000),
                bytes(5000),
                grew_by,
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "max_growth below the growth fails, naming the layer and the path that grew",
            policy: "baseline:\n  max_growth: 4kB\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                bytes(5000),
                bytes(4000),
                grew_by,
                "error",
            )],
            findings: vec![finding("error", bytes(5000), bytes(4000))],
            messages: &[
                "image size grew by 5 kB (+83.3 %), over the limit of 4 kB (25.0 % over); \
                grew most: layer 2 (+5 kB), /opt/extra/blob.bin (+5 kB)",
            ],
            grew: Some(json!({"layers": [fetch_layer(Value::Null)], "paths": [blob_path()]})),
            ..Case::default()
        },
        Case {
            name: "max_growth 0 allows no growth at all",
            policy: "baseline:\n  max_growth: 0\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                bytes(5000),
                bytes(0),
                grew_by,
                "error",
            )],
            findings: vec![finding("error", bytes(5000), bytes(0))],
            ..Case::default()
        },
        Case {
            name: "max_growth long form with severity warn exits 0 with the reason",
            policy: "baseline:\n  max_growth: {limit: 4kB, severity: warn, reason: no blobs}\n",
            rules: vec![rule_row_detail(
                rule,
                bytes(5000),
                bytes(4000),
                grew_by,
                "warn",
            )],
            findings: vec![with(
                finding("warn", bytes(5000), bytes(4000)),
                "reason",
                "no blobs",
            )],
            ..Case::default()
        },
        Case {
            name: "max_growth as a percentage above the share passes",
            policy: "baseline:\n  max_growth: 84%\n",
            rules: vec![rule_row_detail(
                rule,
                ratio(ADDED_SHARE),
                ratio(0.84),
                "+5 kB of base 6 kB",
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "max_growth as a percentage below the share fails",
            policy: "baseline:\n  max_growth: 83%\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                ratio(ADDED_SHARE),
                ratio(0.83),
                "+5 kB of base 6 kB",
                "error",
            )],
            findings: vec![finding("error", ratio(ADDED_SHARE), ratio(0.83))],
            messages: &[
                "image size grew by 83.33 % (5 kB), over the limit of 83.00 % of the \
                base; grew most: layer 2 (+5 kB), /opt/extra/blob.bin (+5 kB)",
            ],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_final_growth_is_the_final_size_not_the_image_size() {
    let rule = "baseline.max_final_growth";
    let finding = |severity, actual, limit| {
        growth_finding("final-size-grew", severity, rule, actual, limit, at(2, 21))
    };
    let rebuild = json!({
        "status": "added", "base_index": null, "new_index": 2, "digest": diff_id(2),
        "created_by": REBUILD, "base_size": null, "new_size": 2500, "size_delta": 2500,
        "dockerfile": null,
    });
    let main = json!({
        "path": "/app/main", "kind": "file", "status": "grown",
        "base_size": 2000, "new_size": 2500, "delta": 500,
    });
    let cases = [
        Case {
            name: "max_final_growth equal to the final growth passes though the image grew more",
            new: New::Overwritten,
            policy: "baseline:\n  max_final_growth: 500B\n",
            rules: vec![rule_row_detail(
                rule,
                bytes(500),
                bytes(500),
                "+8.3 % of base 6 kB",
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "max_final_growth below the final growth fails",
            new: New::Overwritten,
            policy: "baseline:\n  max_final_growth: 499B\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                bytes(500),
                bytes(499),
                "+8.3 % of base 6 kB",
                "error",
            )],
            findings: vec![finding("error", bytes(500), bytes(499))],
            messages: &[
                "final size grew by 500 B (+8.3 %), over the limit of 499 B (0.2 % over); \
                grew most: layer 2 (+2.50 kB), /app/main (+500 B)",
            ],
            grew: Some(json!({"layers": [rebuild], "paths": [main]})),
        },
        Case {
            name: "max_final_growth as a percentage with severity warn",
            new: New::Overwritten,
            policy: "baseline:\n  max_final_growth: {limit: 8%, severity: warn}\n",
            rules: vec![rule_row_detail(
                rule,
                ratio(500.0 / 6000.0),
                ratio(0.08),
                "+500 B of base 6 kB",
                "warn",
            )],
            findings: vec![finding("warn", ratio(500.0 / 6000.0), ratio(0.08))],
            ..Case::default()
        },
        Case {
            name: "max_final_growth as a percentage above the share passes",
            new: New::Overwritten,
            policy: "baseline:\n  max_final_growth: 9%\n",
            rules: vec![rule_row_detail(
                rule,
                ratio(500.0 / 6000.0),
                ratio(0.09),
                "+500 B of base 6 kB",
                "pass",
            )],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_wasted_growth_counts_bytes_a_later_layer_overwrote_and_names_no_layer() {
    let rule = "baseline.max_wasted_growth";
    let finding = |severity, actual, limit| {
        growth_finding("waste-grew", severity, rule, actual, limit, at(2, 22))
    };
    let cases = [
        Case {
            name: "max_wasted_growth equal to the new waste passes",
            new: New::Overwritten,
            policy: "baseline:\n  max_wasted_growth: 2kB\n",
            rules: vec![rule_row_detail(
                rule,
                bytes(2000),
                bytes(2000),
                "base 0 B",
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "max_wasted_growth 0 fails on any new waste",
            new: New::Overwritten,
            policy: "baseline:\n  max_wasted_growth: 0\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                bytes(2000),
                bytes(0),
                "base 0 B",
                "error",
            )],
            findings: vec![finding("error", bytes(2000), bytes(0))],
            messages: &["wasted bytes grew by 2 kB from nothing, over the limit of 0 B"],
            // Wasted bytes are neither in the final filesystem nor in the layer that grew.
            grew: None,
        },
        Case {
            name: "max_wasted_growth as a percentage of a base that wasted nothing fails: no \
                   share of nothing allows any",
            new: New::Overwritten,
            policy: "baseline:\n  max_wasted_growth: {limit: 1000%, severity: warn}\n",
            rules: vec![rule_row_detail(
                rule,
                Value::Null,
                ratio(10.0),
                "+2 kB of base 0 B",
                "warn",
            )],
            findings: vec![finding("warn", Value::Null, ratio(10.0))],
            messages: &[
                "wasted bytes grew by 2 kB from nothing, over any share of the base (the \
                limit is 1000.00 %)",
            ],
            ..Case::default()
        },
        Case {
            name: "max_wasted_growth passes when nothing more is wasted",
            new: New::Added,
            policy: "baseline:\n  max_wasted_growth: 0\n",
            rules: vec![rule_row_detail(
                rule,
                bytes(0),
                bytes(0),
                "base 0 B",
                "pass",
            )],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_layer_growth_judges_each_layer_against_its_counterpart_and_an_added_one_whole() {
    let rule = "baseline.max_layer_growth";
    let cases = [
        Case {
            name: "an added layer equal to the limit passes",
            policy: "baseline:\n  max_layer_growth: 5kB\n",
            rules: vec![rule_row_detail(
                rule,
                bytes(5000),
                bytes(5000),
                "largest: layer 2 (added), base 0 B",
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "an added layer over the limit fails with its instruction",
            policy: "baseline:\n  max_layer_growth: 4kB\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                bytes(5000),
                bytes(4000),
                "largest: layer 2 (added), base 0 B",
                "error",
            )],
            findings: vec![layer_finding("error", 2, FETCH, bytes(5000), bytes(4000))],
            messages: &[
                "layer 2 (added) grew by 5 kB from nothing, over the limit of 4 kB \
                (25.0 % over)",
            ],
            ..Case::default()
        },
        Case {
            name: "an added layer is over every percentage",
            policy: "baseline:\n  max_layer_growth: {limit: 500%, severity: warn}\n",
            rules: vec![rule_row_detail(
                rule,
                Value::Null,
                ratio(5.0),
                "largest: layer 2 (added), +5 kB of base 0 B",
                "warn",
            )],
            findings: vec![layer_finding("warn", 2, FETCH, Value::Null, ratio(5.0))],
            messages: &[
                "layer 2 (added) grew by 5 kB from nothing, over any share of its base \
                (the limit is 500.00 %)",
            ],
            ..Case::default()
        },
        Case {
            name: "a changed layer at its percentage of its base size passes",
            new: New::Grown,
            policy: "baseline:\n  max_layer_growth: 30%\n",
            rules: vec![rule_row_detail(
                rule,
                ratio(0.3),
                ratio(0.3),
                "largest: layer 1 (changed), +600 B of base 2 kB",
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "a changed layer over its percentage fails",
            new: New::Grown,
            policy: "baseline:\n  max_layer_growth: 29%\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                ratio(0.3),
                ratio(0.29),
                "largest: layer 1 (changed), +600 B of base 2 kB",
                "error",
            )],
            findings: vec![layer_finding("error", 1, APP, ratio(0.3), ratio(0.29))],
            messages: &[
                "layer 1 (changed) grew by 30.00 % (600 B), over the limit of 29.00 % of \
                its base",
            ],
            ..Case::default()
        },
        Case {
            name: "a changed layer over a size fails",
            new: New::Grown,
            policy: "baseline:\n  max_layer_growth: 599B\n",
            code: 1,
            rules: vec![rule_row_detail(
                rule,
                bytes(600),
                bytes(599),
                "largest: layer 1 (changed), +30.0 % of base 2 kB",
                "error",
            )],
            findings: vec![layer_finding("error", 1, APP, bytes(600), bytes(599))],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn max_new_files_counts_files_added_less_files_removed_or_a_percentage() {
    let rule = "baseline.max_new_files";
    let finding = |severity, actual, limit| {
        growth_finding("files-grew", severity, rule, actual, limit, at(2, 18))
    };
    let one_more = "+33.3 % of base 3 files";
    let cases = [
        Case {
            name: "max_new_files equal to the files added passes",
            policy: "baseline:\n  max_new_files: 1\n",
            rules: vec![rule_row_detail(rule, count(1), count(1), one_more, "pass")],
            ..Case::default()
        },
        Case {
            name: "max_new_files 0 fails on a file added",
            policy: "baseline:\n  max_new_files: 0\n",
            code: 1,
            rules: vec![rule_row_detail(rule, count(1), count(0), one_more, "error")],
            findings: vec![finding("error", count(1), count(0))],
            messages: &[
                "final file count grew by 1 file (+33.3 %), over the limit of 0; grew \
                most: layer 2 (+5 kB), /opt/extra/blob.bin (+5 kB)",
            ],
            grew: Some(json!({"layers": [fetch_layer(Value::Null)], "paths": [blob_path()]})),
            ..Case::default()
        },
        Case {
            name: "max_new_files as a percentage above the share passes",
            policy: "baseline:\n  max_new_files: 34%\n",
            rules: vec![rule_row_detail(
                rule,
                ratio(1.0 / 3.0),
                ratio(0.34),
                "+1 of base 3 files",
                "pass",
            )],
            ..Case::default()
        },
        Case {
            name: "max_new_files as a percentage below the share warns",
            policy: "baseline:\n  max_new_files: {limit: 33%, severity: warn}\n",
            rules: vec![rule_row_detail(
                rule,
                ratio(1.0 / 3.0),
                ratio(0.33),
                "+1 of base 3 files",
                "warn",
            )],
            findings: vec![finding("warn", ratio(1.0 / 3.0), ratio(0.33))],
            ..Case::default()
        },
        Case {
            name: "a file that grew is no new file",
            new: New::Grown,
            policy: "baseline:\n  max_new_files: 0\n",
            rules: vec![rule_row_detail(
                rule,
                count(0),
                count(0),
                "base 3 files",
                "pass",
            )],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}

#[test]
fn a_smaller_image_passes_every_growth_budget_with_its_negative_change() {
    // The pair the other way round: new.tar is the base image, base.tar the larger one.
    let policy = "baseline:\n  max_growth: 0\n  max_final_growth: 0%\n  max_wasted_growth: 0\n  \
                  max_layer_growth: 0\n  max_new_files: 0\n";
    let dir = workdir(&[(POLICY, policy)]);
    new_image(New::Added).write(dir.path(), "base.tar");
    base_image().write(dir.path(), "new.tar");
    let run = check(&dir, Some(Base::Image), &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let rules = report["images"][0]["rules"].as_array().expect("rules");
    let rows: Vec<Value> = rules
        .iter()
        .map(|r| json!([r["rule"], r["actual"]["unit"], r["status"]]))
        .collect();
    assert_eq!(
        rows,
        [
            json!(["baseline.max_growth", "bytes", "pass"]),
            json!(["baseline.max_final_growth", "ratio", "pass"]),
            json!(["baseline.max_wasted_growth", "bytes", "pass"]),
            json!(["baseline.max_layer_growth", "bytes", "pass"]),
            json!(["baseline.max_new_files", "count", "pass"]),
        ]
    );
    assert_eq!(rules[0]["actual"]["value"], -5000);
    assert_close(&rules[1]["actual"]["value"], -5000.0 / 11000.0);
    assert_eq!(rules[2]["actual"]["value"], 0);
    // The two layers left are the base's own: neither grew (the third is gone).
    assert_eq!(rules[3]["actual"]["value"], 0);
    assert_eq!(rules[4]["actual"]["value"], -1);
}

#[test]
fn with_a_dockerfile_growth_findings_point_at_the_lines_that_made_the_layers() {
    let dir = pair(
        New::Added,
        "baseline:\n  max_growth: 1kB\n  max_layer_growth: 1kB\n",
    );
    let run = check(
        &dir,
        Some(Base::Report),
        &["--dockerfile", "Dockerfile", "--format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let findings = &report["images"][0]["findings"];
    let line_4 = json!({"file": "Dockerfile", "line": 4, "column": 1});
    assert_eq!(findings[0]["code"], "image-grew");
    assert_eq!(
        findings[0]["grew"]["layers"],
        json!([fetch_layer(line_4.clone())])
    );
    assert_eq!(
        findings[0]["dockerfile"],
        Value::Null,
        "the image is no layer"
    );
    assert_eq!(findings[1]["code"], "layer-grew");
    assert_eq!(findings[1]["dockerfile"], line_4);

    let run = check(
        &dir,
        Some(Base::Report),
        &["--dockerfile", "Dockerfile", "--format", "github"],
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=policy.yml,line=2,col=15,title=image-grew (baseline.max_growth)::"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[0].contains(&format!("%0A  layer 2 (added, +5 kB): {FETCH} (Dockerfile:4)%0A  /opt/extra/blob.bin (added, +5 kB)%0Aimage: app:1")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(
            "::error file=Dockerfile,line=4,col=1,title=layer-grew (baseline.max_layer_growth)::"
        ),
        "{}",
        lines[1]
    );
}

// ---------------------------------------------------------------------------------------------
// Skipped
// ---------------------------------------------------------------------------------------------

/// A policy whose image rule fails (exit 1) beside two `baseline:` rules (lines 4 and 5).
const WITH_IMAGE_RULE: &str = "image:\n  max_size: 10kB\nbaseline:\n  max_growth: 0\n  \
                               max_new_files: {limit: 0, severity: warn}\n";

#[test]
fn without_a_baseline_the_rules_are_skipped_and_the_rest_are_checked() {
    let dir = pair(New::Added, WITH_IMAGE_RULE);
    let run = check(&dir, None, &["--format", "json"]);
    assert_eq!(run.code, 1, "the image rule still fails: {}", run.stderr);
    let report = run.json();
    assert_eq!(
        outcome(&report),
        json!({"verdict": "fail", "errors": 1, "warnings": 0})
    );
    let image = &report["images"][0];
    let skipped = |rule: &str, limit| {
        rule_row_detail(rule, Value::Null, limit, "no --baseline given", "skipped")
    };
    assert_eq!(
        image["rules"],
        json!([
            {"rule": "image.max_size", "actual": bytes(11000), "limit": bytes(10000), "detail": null, "status": "error"},
            skipped("baseline.max_growth", bytes(0)),
            skipped("baseline.max_new_files", count(0)),
        ])
    );
    assert_eq!(image["findings"].as_array().map(Vec::len), Some(1));
    assert!(image.get("diff").is_none(), "no diff without a baseline");

    // Only skipped rules: the gate passes, and says what it did not check.
    let dir = pair(New::Added, "baseline:\n  max_growth: 0\n");
    let run = check(&dir, None, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.verdict_line(),
        "PASS: 0 errors, 0 warnings, 1 rule skipped (image 11 kB)"
    );
    assert!(
        run.stdout
            .contains("│ baseline.max_growth ┆ no --baseline given ┆ 0 B   ┆ skipped │"),
        "{}",
        run.stdout
    );
}

#[test]
fn skipped_rules_show_in_junit_sarif_gitlab_github_and_markdown() {
    let dir = pair(New::Added, WITH_IMAGE_RULE);
    let format = |f: &str| {
        let run = check(&dir, None, &["--format", f]);
        assert_eq!(run.code, 1, "{f}: {}", run.stderr);
        run.stdout
    };
    let note = "2 rules skipped (no --baseline given): baseline.max_growth, baseline.max_new_files";

    let junit = format("junit");
    assert!(
        junit.contains(r#"<testsuite name="app" tests="3" skipped="2" errors="0" failures="1">"#),
        "{junit}"
    );
    assert!(
        junit.contains(
            "<testcase name=\"baseline.max_growth\" classname=\"app\">\n            \
             <skipped message=\"no --baseline given\"/>\n        </testcase>"
        ),
        "{junit}"
    );

    let sarif: Value = serde_json::from_str(&format("sarif")).expect("SARIF is JSON");
    let run = &sarif["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        run["invocations"],
        json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": [{
                "level": "note",
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": "policy.yml"},
                    "region": {"startLine": 4, "startColumn": 15}
                }}],
                "message": {"text": format!("{note}\nimage: app:1")},
                "properties": {"image": "app:1"}
            }]
        }])
    );

    let gitlab: Value = serde_json::from_str(&format("gitlab")).expect("Code Quality is JSON");
    let info = &gitlab[1];
    assert_eq!(
        (&info["check_name"], &info["severity"], &info["description"]),
        (&json!("skipped"), &json!("info"), &json!(note))
    );
    assert_eq!(
        info["location"],
        json!({"path": "policy.yml", "lines": {"begin": 4}})
    );
    let fingerprint = info["fingerprint"].as_str().expect("a fingerprint");
    assert_eq!(fingerprint.len(), 32);
    assert_ne!(gitlab[0]["fingerprint"], info["fingerprint"]);
    // Stable: the same with other rules skipped, so the merge request keeps one issue.
    let other = pair(New::Added, "baseline:\n  max_final_growth: 1%\n");
    let again: Value =
        serde_json::from_str(&check(&other, None, &["--format", "gitlab"]).stdout).expect("JSON");
    assert_eq!(again[0]["fingerprint"].as_str(), Some(fingerprint));

    let github = format("github");
    assert_eq!(
        github.lines().last(),
        Some(
            format!(
                "::notice file=policy.yml,line=4,col=15,title=rules skipped::{note}%0Aimage: app:1"
            )
            .as_str()
        )
    );

    let markdown = format("markdown");
    assert!(
        markdown.contains("| `baseline.max_growth` | no --baseline given | 0 B | ⏭️ skipped |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("FAIL: 1 error, 0 warnings, 2 rules skipped (image 11 kB of 10 kB)"),
        "{markdown}"
    );
}

#[test]
fn an_image_no_base_image_pairs_with_skips_its_rules_naming_it() {
    // tiny-multi's two images are named neither app nor alike: neither pairs with app:1.
    let dir = pair(New::Added, "baseline:\n  max_growth: 0\n");
    let base = fixture_arg("tiny-multi.docker.tar");
    let run = run_in(
        dir.path(),
        &[
            "check",
            "new.tar",
            "--policy",
            POLICY,
            "--baseline",
            &base,
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        report["images"][0]["rules"],
        json!([rule_row_detail(
            "baseline.max_growth",
            Value::Null,
            bytes(0),
            "no image of the baseline pairs with app:1",
            "skipped"
        )])
    );
}

#[test]
fn a_baseline_that_cannot_be_read_is_exit_2() {
    let dir = pair(New::Added, "baseline:\n  max_growth: 0\n");
    write_file(dir.path(), "broken.json", b"{\"schema_version\": 1");
    for base in ["missing.tar", "broken.json"] {
        let run = run_in(
            dir.path(),
            &["check", "new.tar", "--policy", POLICY, "--baseline", base],
        );
        assert_eq!(run.code, 2, "{base}: {}", run.stderr);
        assert!(run.stderr.contains("--baseline"), "{base}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{base}: {}", run.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// Bad values
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_growth_limits_are_reported_at_their_place() {
    let cases = [
        PolicyError {
            name: "a bare number could be bytes or percent",
            policy: "baseline:\n  max_growth: 5\n",
            heading: "error: sizegate.yml:2:15: `baseline.max_growth: 5` has no unit",
            shows: &[
                "^ bytes or percent?",
                "help: write `5B` for bytes, `5MB`, or `5%` of the base",
            ],
        },
        PolicyError {
            name: "a quoted number without a unit too",
            policy: "baseline:\n  max_final_growth: \"20\"\n",
            heading: "error: sizegate.yml:2:21: `baseline.max_final_growth: 20` has no unit",
            shows: &[],
        },
        PolicyError {
            name: "a negative size",
            policy: "baseline:\n  max_wasted_growth: -5MB\n",
            heading: "error: sizegate.yml:2:22: `baseline.max_wasted_growth`: `-5MB` is \
                      negative: sizes are 0 or more",
            shows: &[],
        },
        PolicyError {
            name: "a negative percentage",
            policy: "baseline:\n  max_layer_growth: -5%\n",
            heading: "error: sizegate.yml:2:21: `baseline.max_layer_growth`: `-5%` is negative: \
                      ratios are 0 or more",
            shows: &[],
        },
        PolicyError {
            name: "a fraction is not read as a share",
            policy: "baseline:\n  max_growth: 0.05\n",
            heading: "error: sizegate.yml:2:15: `baseline.max_growth` must be a size with its \
                      unit (20MB) or a percentage of the base (5%), found `0.05`",
            shows: &["help: a share of the base is written as a percentage: `5%`, not 0.05"],
        },
        PolicyError {
            name: "a file count is whole",
            policy: "baseline:\n  max_new_files: 1.5\n",
            heading: "error: sizegate.yml:2:18: `baseline.max_new_files` must be a whole number \
                      of files (500) or a percentage of the base's files (10%), found `1.5`",
            shows: &[],
        },
        PolicyError {
            name: "a misspelled key suggests the closest and lists the keys",
            policy: "baseline:\n  max_grwth: 5%\n",
            heading: "error: sizegate.yml:2:3: unknown key `max_grwth` in `baseline`",
            shows: &[
                "^^^^^^^^^ did you mean `max_growth`?",
                "help: valid keys: max_growth, max_final_growth, max_wasted_growth, \
                 max_layer_growth, max_new_files",
            ],
        },
        PolicyError {
            name: "the long form needs its limit",
            policy: "baseline:\n  max_layer_growth: {severity: warn}\n",
            heading: "error: sizegate.yml:2:21: `baseline.max_layer_growth` has no `limit`",
            shows: &[],
        },
        PolicyError {
            name: "the long form's severity",
            policy: "baseline:\n  max_growth: {limit: 5%, severity: fatal}\n",
            heading: "error: sizegate.yml:2:37: `baseline.max_growth.severity` must be `error` \
                      or `warn`, found `fatal`",
            shows: &[],
        },
        PolicyError {
            name: "the section is a mapping",
            policy: "baseline: 5%\n",
            heading: "error: sizegate.yml:1:11: `baseline` must be a mapping, found the string \
                      `5%`",
            shows: &["help: keys of `baseline`: max_growth, max_final_growth"],
        },
    ];
    cases.iter().for_each(assert_policy_error);
}
