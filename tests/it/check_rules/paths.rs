//! `paths:` budgets on the visible files a glob matches: sums, glob depth, and what later layers
//! deleted.

use serde_json::{json, Value};

use super::{assert_case, layer_finding, rule_row_detail, with, Case};
use crate::support::{at, bytes, count};

/// The row of the policy's first path budget.
fn row(actual: Value, limit: Value, detail: &str, status: &str) -> Value {
    rule_row_detail("paths[0]", actual, limit, detail, status)
}

/// A finding of the policy's first path budget (`paths[0]`, policy.yml:2:5), whose subject is its
/// glob.
fn path_finding(code: &str, severity: &str, glob: &str, actual: Value, limit: Value) -> Value {
    json!({
        "code": code,
        "severity": severity,
        "rule": "paths[0]",
        "subject": glob,
        "actual": actual,
        "limit": limit,
        "layer": null,
        "created_by": null,
        "reason": null,
        "location": at(2, 5),
        "paths": [],
        "more_paths": 0,
    })
}

#[test]
fn path_budgets_sum_the_visible_files_a_glob_matches() {
    let cases = [
        // /etc: .pwd.lock 0 + group 27 + os-release 173 (layer 2's copy) + passwd 89.
        Case {
            name: "path budget sums the visible files and passes at the sum",
            policy: "paths:\n  - glob: /etc/*\n    max_size: 289\n    max_files: 4\n",
            rules: vec![row(bytes(289), bytes(289), "4 files", "pass")],
            ..Case::default()
        },
        Case {
            name: "path budget over max_size fails",
            policy: "paths:\n  - glob: /etc/*\n    max_size: 288\n",
            code: 1,
            rules: vec![row(bytes(289), bytes(288), "4 files", "error")],
            findings: vec![path_finding(
                "path-over-budget",
                "error",
                "/etc/*",
                bytes(289),
                bytes(288),
            )],
            messages: &[
                "files matching `/etc/*`: size 289 B is over the budget of 288 B (0.3 % \
                over)",
            ],
            ..Case::default()
        },
        Case {
            name: "path budget over max_files fails",
            policy: "paths:\n  - glob: /etc/*\n    max_files: 3\n",
            code: 1,
            rules: vec![row(count(4), count(3), "4 files", "error")],
            findings: vec![path_finding(
                "path-too-many-files",
                "error",
                "/etc/*",
                count(4),
                count(3),
            )],
            ..Case::default()
        },
        // /usr/bin/foo (layer 3's copy-up) and /usr/bin/foo-compat (still the layer-0 inode) are
        // two distinct files of 2048 bytes each.
        Case {
            name: "path budget with severity warn exits 0 with a warning and its reason",
            policy: "paths:\n  - glob: /usr/bin/*\n    max_size: 2047\n    max_files: 1\
                \n    severity: warn\n    reason: one binary\n",
            rules: vec![row(bytes(4096), bytes(2047), "2 files", "warn")],
            findings: vec![
                with(
                    path_finding(
                        "path-over-budget",
                        "warn",
                        "/usr/bin/*",
                        bytes(4096),
                        bytes(2047),
                    ),
                    "reason",
                    "one binary",
                ),
                with(
                    path_finding(
                        "path-too-many-files",
                        "warn",
                        "/usr/bin/*",
                        count(2),
                        count(1),
                    ),
                    "reason",
                    "one binary",
                ),
            ],
            ..Case::default()
        },
        // /usr/lib/* is libfoo.so.1.2.3 only (layer 1's 4300 bytes): the symlinks are not files
        // and python3/… is one level down.
        Case {
            name: "path glob single star does not cross a slash",
            policy: "paths:\n  - glob: /usr/lib/*\n    max_size: 4300\n    max_files: 1\n",
            rules: vec![row(bytes(4300), bytes(4300), "1 file", "pass")],
            ..Case::default()
        },
        // /usr/lib/** adds __init__.py 31, mod.cpython-311.pyc 600 and mod.py 400.
        Case {
            name: "path glob double star crosses slashes",
            policy: "paths:\n  - glob: /usr/lib/**\n    max_size: 4300\n    max_files: 1\n",
            code: 1,
            rules: vec![row(bytes(5331), bytes(4300), "4 files", "error")],
            findings: vec![
                path_finding(
                    "path-over-budget",
                    "error",
                    "/usr/lib/**",
                    bytes(5331),
                    bytes(4300),
                ),
                path_finding(
                    "path-too-many-files",
                    "error",
                    "/usr/lib/**",
                    count(4),
                    count(1),
                ),
            ],
            ..Case::default()
        },
        // The apt lists ship in layer 2 but layer 4 deletes them: their visible sum is 0.
        Case {
            name: "path budget counts nothing that a later layer deleted",
            policy: "paths:\n  - glob: /var/lib/apt/lists/**\n    max_size: 0\n    max_files: 0\n",
            rules: vec![row(bytes(0), bytes(0), "0 files", "pass")],
            ..Case::default()
        },
        // /opt: data/ is deleted (layer 4), conf/ is made opaque (layer 3): app.conf 20 (layer 3),
        // app.py 64 and __pycache__/app.cpython-311.pyc 350 (layer 5) remain.
        Case {
            name: "path budget counts only what survives whiteouts and opaque directories",
            policy: "paths:\n  - glob: /opt/**\n    max_size: 433\n",
            code: 1,
            rules: vec![row(bytes(434), bytes(433), "3 files", "error")],
            findings: vec![path_finding(
                "path-over-budget",
                "error",
                "/opt/**",
                bytes(434),
                bytes(433),
            )],
            ..Case::default()
        },
        Case {
            name: "budgets failing only on their file count show the file count in their rows",
            policy: "layers:\n  - select: { index: \"1..\" }\n    max_size: 1MB\n    max_files: 4\
                \npaths:\n  - glob: \"/opt/**\"\n    max_size: 1MB\n    max_files: 1\n",
            code: 1,
            rules: vec![
                rule_row_detail(
                    "layers[0]",
                    count(5),
                    count(4),
                    "largest: layer 2 of 5 selected",
                    "error",
                ),
                row(count(3), count(1), "3 files", "error"),
            ],
            findings: vec![
                layer_finding("layer-too-many-files", "error", 2, count(5), count(4)),
                with(
                    path_finding(
                        "path-too-many-files",
                        "error",
                        "/opt/**",
                        count(3),
                        count(1),
                    ),
                    "location",
                    at(6, 5),
                ),
            ],
            ..Case::default()
        },
    ];
    cases.iter().for_each(assert_case);
}
