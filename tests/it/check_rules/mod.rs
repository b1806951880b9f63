//! `sizegate check` end to end: the real binary applies policies written to a temporary directory to
//! the real fixtures in tests/fixtures, and every rule kind is pinned in its three outcomes — pass
//! (exit 0, no finding), fail (severity error: exit 1) and warn-only (severity warn: exit 0 with the
//! finding as a warning) — with the exact rule rows and findings of the JSON report.
//!
//! Most rule kinds are tables of [`Case`]s: a policy and the report it must give, checked by
//! [`assert_case`], which names the case in every failed assertion.
//!
//! The numbers of tiny.docker.tar (tests/fixtures/README.md): image_size 25982, final_size 11856,
//! wasted 14126, final_files 18, 6 layers of 15377/4300/3823/2068/0/414 bytes and 22/1/5/2/0/2
//! files; dive efficiency 0.48808419550481624, wasted 20647, user wasted 1.946911834040547.
//! tiny.oci is the same image with gzip layers (compressed_size 29163), named `latest`.

mod baseline;
mod discovery;
mod dive;
mod dive_ci;
mod fail_on;
mod forbid;
mod image;
mod init;
mod layers;
mod multi_image;
mod paths;
mod presets;
mod report;

use serde_json::{json, Value};

use crate::support::{
    at, check_in, essentials, findings, outcome, rules, workdir, Run, POLICY, TINY,
};

/// The name tiny.docker.tar's image reports.
const TINY_NAME: &str = "docker.io/tiny/tiny:latest";

/// `created_by` of each layer of tiny.docker.tar, bottom first.
const CREATED_BY: [&str; 6] = [
    "/bin/sh -c #(nop) ADD file:04ebb88f27f54d13f383c4bd1b617defbaf069a96c00d0b6ad1094e6a85c199b in /",
    "/bin/sh -c #(nop) COPY file:2678f27a9f06a25fe942c92d65aa2fbe3f3bbb4e0814c468ec20ef8a66157a92 in /usr/lib/libfoo.so.1.2.3 ",
    "/bin/sh -c #(nop) COPY dir:521420286f378c8d5126bed3464c8f5e18b855acafa1a85e2917911bd1513347 in / ",
    r"/bin/sh -c rm -rf /opt/app/conf && mkdir /opt/app/conf && printf 'mode=prod\nworkers=2\n' > /opt/app/conf/app.conf && chmod 0700 /usr/bin/foo",
    "RUN /bin/sh -c rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb /usr/share/doc/foo/examples /opt/app/data /root/.cache/pip/wheel.bin # buildkit",
    "COPY app/ /opt/app/ # buildkit",
];

/// dive's efficiency of tiny.docker.tar.
const DIVE_EFFICIENCY: f64 = 0.48808419550481624;
/// dive's user wasted share of tiny.docker.tar.
const DIVE_USER_WASTED: f64 = 1.946911834040547;

/// The name a `.dive-ci` is written under beside the policy.
const DIVE_CI: &str = ".dive-ci";

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

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

/// One `check --format json` of a fixture with a policy (and/or a `.dive-ci`), and the report it
/// must give. The verdict, error and warning totals and the `policy` list follow from the fields.
struct Case {
    /// What the case pins; every failed assertion names it.
    name: &'static str,
    /// The fixture checked.
    image: &'static str,
    /// policy.yml, passed with `--policy`; none when empty.
    policy: &'static str,
    /// .dive-ci, passed with `--dive-ci`.
    dive_ci: Option<&'static str>,
    /// The exit code: 1 when a finding is an error, else 0.
    code: i32,
    /// Every rule row of the image, in order (see [`rule_row`]).
    rules: Vec<Value>,
    /// Every finding, in order, as [`pinned`] reads it.
    findings: Vec<Value>,
    /// The messages of the first findings, in order.
    messages: &'static [&'static str],
    /// The `over_percent` of the first finding, when the case pins it.
    over_percent: Option<f64>,
}

impl Default for Case {
    fn default() -> Case {
        Case {
            name: "",
            image: TINY,
            policy: "",
            dive_ci: None,
            code: 0,
            rules: Vec::new(),
            findings: Vec::new(),
            messages: &[],
            over_percent: None,
        }
    }
}

/// Runs `check FIXTURE [--policy policy.yml] [--dive-ci .dive-ci] ARGS` in a temporary directory
/// holding the given files.
fn check_files(image: &str, policy: &str, dive_ci: Option<&str>, args: &[&str]) -> Run {
    let mut files = Vec::new();
    let mut all = Vec::new();
    if !policy.is_empty() {
        files.push((POLICY, policy));
        all.extend(["--policy", POLICY]);
    }
    if let Some(text) = dive_ci {
        files.push((DIVE_CI, text));
        all.extend(["--dive-ci", DIVE_CI]);
    }
    all.extend_from_slice(args);
    let dir = workdir(&files);
    check_in(dir.path(), image, &all)
}

/// Runs the case and checks its exit code, verdict and totals, policy files, rule rows, findings
/// and the pinned messages.
fn assert_case(case: &Case) {
    let name = case.name;
    let run = check_files(case.image, case.policy, case.dive_ci, &["--format", "json"]);
    assert_eq!(
        run.code, case.code,
        "{name}: exit code; stderr: {}",
        run.stderr
    );
    let report = run.json();
    assert_verdict(&report, case.code, &case.findings, name);
    let mut policies = Vec::new();
    if !case.policy.is_empty() {
        policies.push(POLICY);
    }
    if case.dive_ci.is_some() {
        policies.push(DIVE_CI);
    }
    assert_eq!(report["policy"], json!(policies), "{name}: policy files");
    assert_eq!(rules(&report), &case.rules, "{name}: rule rows");
    let found = findings(&report);
    let got: Vec<Value> = found.iter().map(pinned).collect();
    assert_eq!(got, case.findings, "{name}: findings");
    for (i, message) in case.messages.iter().enumerate() {
        assert_eq!(found[i]["message"], *message, "{name}: message {i}");
    }
    if let Some(over) = case.over_percent {
        assert_eq!(found[0]["over_percent"], over, "{name}: over_percent");
    }
}

/// The fields a case pins of a finding: all but the message, hint and over_percent.
/// The report's verdict and totals are those of an exit `code` with these `findings`.
fn assert_verdict(report: &Value, code: i32, findings: &[Value], name: &str) {
    let errors = findings.iter().filter(|f| f["severity"] == "error").count();
    assert_eq!(
        outcome(report),
        json!({
            "verdict": if code == 0 { "pass" } else { "fail" },
            "errors": errors,
            "warnings": findings.len() - errors,
        }),
        "{name}: verdict and totals"
    );
}

fn pinned(f: &Value) -> Value {
    let mut v = essentials(f);
    v["created_by"] = f["created_by"].clone();
    v
}

// ---------------------------------------------------------------------------------------------
// Expected rule rows and findings
// ---------------------------------------------------------------------------------------------

/// A rule row of the report with no detail.
fn rule_row(rule: &str, actual: Value, limit: Value, status: &str) -> Value {
    json!({"rule": rule, "actual": actual, "limit": limit, "detail": null, "status": status})
}

/// A rule row with a detail (`largest: layer 3`, `4 files`, `2 paths` …).
fn rule_row_detail(rule: &str, actual: Value, limit: Value, detail: &str, status: &str) -> Value {
    json!({"rule": rule, "actual": actual, "limit": limit, "detail": detail, "status": status})
}

/// `v` with `key` set to `value`, for the few findings that differ from their builder's default.
fn with(mut v: Value, key: &str, value: impl Into<Value>) -> Value {
    v[key] = value.into();
    v
}

/// An image-limit finding on tiny.docker.tar: no layer, reason or paths.
fn image_finding(
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
        "subject": TINY_NAME,
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

/// A finding of the policy's first layer budget (`layers[0]`, policy.yml:2:5) on `layer` of
/// tiny.docker.tar.
fn layer_finding(code: &str, severity: &str, layer: usize, actual: Value, limit: Value) -> Value {
    json!({
        "code": code,
        "severity": severity,
        "rule": "layers[0]",
        "subject": format!("layer {layer}"),
        "actual": actual,
        "limit": limit,
        "layer": layer,
        "created_by": CREATED_BY[layer],
        "reason": null,
        "location": at(2, 5),
        "paths": [],
        "more_paths": 0,
    })
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
