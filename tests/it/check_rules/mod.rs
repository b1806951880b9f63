//! `sizegate check` end to end: the real binary applies policies written to a temporary directory to
//! the real fixtures in tests/fixtures, and every rule kind is pinned in its three outcomes — pass
//! (exit 0, no finding), fail (severity error: exit 1) and warn-only (severity warn: exit 0 with the
//! finding as a warning) — with the exact findings of the JSON report.
//!
//! The numbers of tiny.docker.tar (tests/fixtures/README.md): image_size 25982, final_size 11856,
//! wasted 14126, final_files 18, 6 layers of 15377/4300/3823/2068/0/414 bytes and 22/1/5/2/0/2
//! files; dive efficiency 0.48808419550481624, wasted 20647, user wasted 1.946911834040547.
//! tiny.oci is the same image with gzip layers (compressed_size 29163).

mod discovery;
mod dive;
mod dive_ci;
mod forbid;
mod image;
mod init;
mod layers;
mod multi_image;
mod paths;
mod presets;
mod report;

use serde_json::{json, Value};

use crate::support::{findings, outcome, rules};

/// The name tiny.docker.tar's image reports.
const TINY_NAME: &str = "docker.io/tiny/tiny:latest";

/// `created_by` of each layer of tiny.docker.tar (layer 4 is only named by `CREATED_BY_4`).
const CREATED_BY_0: &str =
    "/bin/sh -c #(nop) ADD file:04ebb88f27f54d13f383c4bd1b617defbaf069a96c00d0b6ad1094e6a85c199b in /";
const CREATED_BY_1: &str = "/bin/sh -c #(nop) COPY file:2678f27a9f06a25fe942c92d65aa2fbe3f3bbb4e0814c468ec20ef8a66157a92 in /usr/lib/libfoo.so.1.2.3 ";
const CREATED_BY_2: &str = "/bin/sh -c #(nop) COPY dir:521420286f378c8d5126bed3464c8f5e18b855acafa1a85e2917911bd1513347 in / ";
const CREATED_BY_3: &str = r"/bin/sh -c rm -rf /opt/app/conf && mkdir /opt/app/conf && printf 'mode=prod\nworkers=2\n' > /opt/app/conf/app.conf && chmod 0700 /usr/bin/foo";
const CREATED_BY_5: &str = "COPY app/ /opt/app/ # buildkit";

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
