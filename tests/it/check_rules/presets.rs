//! `extends: [recommended]`, with `disable` and `severity`.

use serde_json::{json, Value};

use super::CREATED_BY;
use crate::support::{at, bytes, check_json, findings, outcome, rules, TINY};

/// A forbidden path: (path, size, layer).
type PathRow = (String, u64, u64);
/// A preset finding: (rule, severity, its paths).
type PresetFinding = (String, String, Vec<PathRow>);
/// A preset rule with the paths it finds: (rule, [(path, size, layer)]).
type PresetHits = (&'static str, Vec<(&'static str, u64, u64)>);

/// The preset rules that fire on tiny.docker.tar, with their paths (path, size, layer).
fn recommended_on_tiny() -> Vec<PresetHits> {
    vec![
        (
            "recommended/apt-lists",
            vec![
                ("/var/lib/apt/lists/ftp.example.org_debian_dists_bookworm_InRelease", 700, 2),
                ("/var/lib/apt/lists/ftp.example.org_debian_dists_bookworm_main_binary-amd64_Packages", 2500, 2),
            ],
        ),
        (
            "recommended/apt-cache",
            vec![("/var/cache/apt/archives/foo_1.0-1_amd64.deb", 3072, 0)],
        ),
        (
            "recommended/pip-cache",
            vec![("/root/.cache/pip/wheel.bin", 1536, 0)],
        ),
        (
            "recommended/pycache",
            vec![
                ("/usr/lib/python3/dist-packages/foo/__pycache__/mod.cpython-311.pyc", 600, 0),
                ("/opt/app/__pycache__/app.cpython-311.pyc", 350, 5),
            ],
        ),
        (
            "recommended/docs",
            vec![
                ("/usr/share/doc/foo/README", 700, 0),
                ("/usr/share/doc/foo/examples/a-very-long-file-name-that-does-not-fit-in-the-100-byte-name-field-of-a-ustar-header-so-gnu-longlink-or-pax-path-records-carry-it.txt", 512, 0),
                ("/usr/share/doc/foo/examples/example.link", 0, 0),
                ("/usr/share/doc/foo/examples/latest-example.txt", 0, 0),
                ("/usr/share/doc/foo/notes-naïve-café-日本語.txt", 256, 0),
            ],
        ),
        (
            "recommended/man",
            vec![("/usr/share/man/man1/foo.1.gz", 450, 2)],
        ),
    ]
}

/// (rule, severity, [(path, size, layer)]) of every finding.
fn preset_findings(report: &Value) -> Vec<PresetFinding> {
    findings(report)
        .iter()
        .map(|f| {
            assert_eq!(f["code"], "forbidden-path");
            assert!(f["hint"].as_str().is_some_and(|h| !h.is_empty()), "{f}");
            assert_eq!(f["location"], at(1, 11), "the `extends` entry");
            let paths = f["paths"]
                .as_array()
                .expect("paths")
                .iter()
                .map(|p| {
                    (
                        p["path"].as_str().expect("path").to_string(),
                        p["size"].as_u64().expect("size"),
                        p["layer"].as_u64().expect("layer"),
                    )
                })
                .collect();
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["severity"].as_str().expect("severity").to_string(),
                paths,
            )
        })
        .collect()
}

/// The expected preset findings, all at `severity` except those named in `errors`, without those
/// named in `disabled`.
fn expected_presets(disabled: &[&str], errors: &[&str]) -> Vec<PresetFinding> {
    recommended_on_tiny()
        .into_iter()
        .filter(|(rule, _)| !disabled.contains(rule))
        .map(|(rule, paths)| {
            let severity = if errors.contains(&rule) {
                "error"
            } else {
                "warn"
            };
            (
                rule.to_string(),
                severity.to_string(),
                paths
                    .into_iter()
                    .map(|(p, s, l)| (p.to_string(), s, l))
                    .collect(),
            )
        })
        .collect()
}

/// Every rule of the `recommended` preset, in the order the report lists them.
const PRESET_RULES: [&str; 13] = [
    "recommended/apt-lists",
    "recommended/apt-cache",
    "recommended/apk-cache",
    "recommended/yum-cache",
    "recommended/pip-cache",
    "recommended/npm-cache",
    "recommended/yarn-cache",
    "recommended/pycache",
    "recommended/docs",
    "recommended/man",
    "recommended/git",
    "recommended/core-dumps",
    "recommended/build-caches",
];

/// `extends: [recommended]` with some of its rules disabled or made errors, and what it must give.
struct PresetCase {
    name: &'static str,
    policy: &'static str,
    /// Preset rules the policy disables: neither checked nor reported.
    disabled: &'static [&'static str],
    /// Preset rules the policy makes errors; the others that fire are warnings.
    errors: &'static [&'static str],
    code: i32,
    warnings: usize,
}

#[test]
fn recommended_preset_warns_on_six_rules_and_disable_and_severity_adjust_it() {
    let cases = [
        PresetCase {
            name: "recommended preset warns on exactly six rules and exits 0",
            policy: "extends: [recommended]\n",
            disabled: &[],
            errors: &[],
            code: 0,
            warnings: 6,
        },
        PresetCase {
            name: "recommended preset with docs disabled drops that rule",
            policy: "extends: [recommended]\ndisable: [docs]\n",
            disabled: &["recommended/docs"],
            errors: &[],
            code: 0,
            warnings: 5,
        },
        PresetCase {
            name: "recommended preset with pycache at severity error exits 1",
            policy: "extends: [recommended]\nseverity: {pycache: error}\n",
            disabled: &[],
            errors: &["recommended/pycache"],
            code: 1,
            warnings: 5,
        },
    ];
    let fire: Vec<&str> = recommended_on_tiny()
        .iter()
        .map(|(rule, _)| *rule)
        .collect();
    for case in &cases {
        let name = case.name;
        let (code, report) = check_json(TINY, case.policy);
        assert_eq!(code, case.code, "{name}: exit code");
        assert_eq!(
            outcome(&report),
            json!({
                "verdict": if case.code == 0 { "pass" } else { "fail" },
                "errors": case.errors.len(),
                "warnings": case.warnings,
            }),
            "{name}: verdict and totals"
        );
        assert_eq!(
            preset_findings(&report),
            expected_presets(case.disabled, case.errors),
            "{name}: findings"
        );
        // A disabled rule is not checked at all; the others pass, warn, or fail as errors.
        let statuses: Vec<(&str, &str)> = rules(&report)
            .iter()
            .map(|r| {
                (
                    r["rule"].as_str().expect("rule"),
                    r["status"].as_str().expect("status"),
                )
            })
            .collect();
        let expected: Vec<(&str, &str)> = PRESET_RULES
            .iter()
            .filter(|rule| !case.disabled.contains(rule))
            .map(|&rule| {
                let status = if !fire.contains(&rule) {
                    "pass"
                } else if case.errors.contains(&rule) {
                    "error"
                } else {
                    "warn"
                };
                (rule, status)
            })
            .collect();
        assert_eq!(statuses, expected, "{name}: rule statuses");
    }
}

#[test]
fn recommended_preset_apt_lists_keeps_the_lock_file_out() {
    let (_, report) = check_json(TINY, "extends: [recommended]\n");
    let apt = &findings(&report)[0];
    assert_eq!(apt["rule"], "recommended/apt-lists");
    assert_eq!(apt["subject"], "/var/lib/apt/lists/**");
    assert_eq!(apt["actual"], bytes(3200));
    assert_eq!(apt["layer"], 2);
    assert_eq!(apt["created_by"], CREATED_BY[2]);
}

#[test]
fn policy_rules_come_first_and_preset_rules_last() {
    let (code, report) = check_json(
        TINY,
        "extends: [recommended]\nimage:\n  max_layers: 6\nforbid:\n  - glob: /etc/passwd\n    severity: warn\n",
    );
    assert_eq!(code, 0);
    let names: Vec<&str> = rules(&report)
        .iter()
        .map(|r| r["rule"].as_str().expect("rule"))
        .collect();
    assert_eq!(
        &names[..3],
        ["image.max_layers", "forbid[0]", "recommended/apt-lists"]
    );
    assert_eq!(
        outcome(&report),
        json!({"verdict": "pass", "errors": 0, "warnings": 7})
    );
}
