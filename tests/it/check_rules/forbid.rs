//! `forbid:` paths that must not ship in any layer.

use serde_json::{json, Value};

use super::{assert_all_pass, CREATED_BY_0, CREATED_BY_2};
use crate::support::{
    at, bytes, check_json, check_table, essentials, only_finding, only_rule, outcome, TINY,
};

/// A forbidden path as a finding lists it.
fn hit(path: &str, size: u64, layer: usize, created_by: &str) -> Value {
    json!({"path": path, "size": size, "layer": layer, "created_by": created_by})
}

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
