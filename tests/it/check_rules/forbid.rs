//! `forbid:` paths that must not ship in any layer, even when a later layer deletes them.

use serde_json::{json, Value};

use super::{assert_case, rule_row_detail, Case, CREATED_BY};
use crate::support::{at, bytes, check_json, check_table, only_finding, only_rule, TINY};

/// A forbidden path as a finding lists it.
fn hit(path: &str, size: u64, layer: usize) -> Value {
    json!({"path": path, "size": size, "layer": layer, "created_by": CREATED_BY[layer]})
}

/// The row of the policy's first forbid rule.
fn row(actual: u64, detail: &str, status: &str) -> Value {
    rule_row_detail("forbid[0]", bytes(actual), Value::Null, detail, status)
}

/// A `forbidden-path` finding of the policy's first forbid rule (policy.yml:2:5), on the layer of
/// its first path.
fn forbidden(
    severity: &str,
    subject: &str,
    actual: u64,
    reason: Value,
    paths: Vec<Value>,
) -> Value {
    let layer = paths[0]["layer"].as_u64().expect("layer") as usize;
    json!({
        "code": "forbidden-path",
        "severity": severity,
        "rule": "forbid[0]",
        "subject": subject,
        "actual": bytes(actual),
        "limit": null,
        "layer": layer,
        "created_by": CREATED_BY[layer],
        "reason": reason,
        "location": at(2, 5),
        "paths": paths,
        "more_paths": 0,
    })
}

#[test]
fn forbid_reports_every_path_a_glob_matches_in_any_layer() {
    let cases = [
        // The .deb ships in layer 0; layer 4 deletes it, but its bytes are still in the image.
        Case {
            name: "forbid finds a file that a later layer deletes",
            policy: "forbid:\n  - glob: /var/cache/apt/archives/*.deb\n",
            code: 1,
            rules: vec![row(3072, "1 path", "error")],
            findings: vec![forbidden(
                "error",
                "/var/cache/apt/archives/*.deb",
                3072,
                Value::Null,
                vec![hit("/var/cache/apt/archives/foo_1.0-1_amd64.deb", 3072, 0)],
            )],
            messages: &["1 forbidden path (3.07 kB) matches /var/cache/apt/archives/*.deb"],
            ..Case::default()
        },
        Case {
            name: "forbid matching nothing passes",
            policy: "forbid:\n  - glob: [\"**/*.pem\", \"**/id_rsa\", \"**/.git/**\"]\n",
            rules: vec![row(0, "0 paths", "pass")],
            ..Case::default()
        },
        // **/*.pyc matches layer 0's mod.cpython-311.pyc and layer 5's app.cpython-311.pyc; the
        // except drops the /opt one. /root/** matches the pip wheel (deleted by layer 4).
        Case {
            name: "forbid glob list with except, reason and severity warn exits 0 with a warning",
            policy: "forbid:
  - glob: [\"**/*.pyc\", /root/**]
    except: /opt/**
    reason: no bytecode, nothing of root's
    severity: warn
",
            rules: vec![row(2136, "2 paths", "warn")],
            findings: vec![forbidden(
                "warn",
                "**/*.pyc, /root/**",
                2136,
                json!("no bytecode, nothing of root's"),
                vec![
                    hit("/root/.cache/pip/wheel.bin", 1536, 0),
                    hit(
                        "/usr/lib/python3/dist-packages/foo/__pycache__/mod.cpython-311.pyc",
                        600,
                        0,
                    ),
                ],
            )],
            ..Case::default()
        },
        // /etc/* ships .pwd.lock, group, os-release, passwd in layer 0 and os-release again in
        // layer 2.
        Case {
            name: "forbid except list spares each listed path in every layer",
            policy: "forbid:\n  - glob: /etc/*\n    except: [/etc/passwd, /etc/group]\n",
            code: 1,
            rules: vec![row(318, "3 paths", "error")],
            findings: vec![forbidden(
                "error",
                "/etc/*",
                318,
                Value::Null,
                vec![
                    hit("/etc/.pwd.lock", 0, 0),
                    hit("/etc/os-release", 145, 0),
                    hit("/etc/os-release", 173, 2),
                ],
            )],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
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
    assert_eq!(paths[0], hit("/etc/.pwd.lock", 0, 0));
    assert_eq!(
        paths[19],
        hit(
            "/usr/share/doc/foo/examples/a-very-long-file-name-that-does-not-fit-in-the-100-byte-name-field-of-a-ustar-header-so-gnu-longlink-or-pax-path-records-carry-it.txt",
            512,
            0,
        )
    );
    assert_eq!(f["message"], "35 forbidden paths (25.98 kB) match **");
    assert_eq!(only_rule(&report)["detail"], "35 paths");

    let run = check_table(TINY, "forbid:\n  - glob: \"**\"\n");
    assert!(run.stdout.contains("… and 15 more"), "{}", run.stdout);
}
