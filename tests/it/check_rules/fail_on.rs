//! `check --fail-on error|warning|never` (and `SIZEGATE_FAIL_ON`): which findings fail the gate,
//! and the verdict every output gives then: the exit code, the verdict line, the JSON `verdict`,
//! the GitHub step output `verdict`, the markdown summary's mark and the JUnit failures.

use std::fs;

use serde_json::Value;

use crate::support::{fixture_arg, run, sizegate_in, workdir, Run, TINY};

/// A rule tiny.docker.tar (6 layers) breaks as a warning.
const WARNING: &str = "  max_layers: { limit: 5, severity: warn }\n";
/// A rule it breaks as an error (25982 bytes).
const ERROR: &str = "  max_size: 20kB\n";
/// A rule it passes.
const PASSING: &str = "  max_files: 100\n";

/// What one run gave, in every output.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    code: i32,
    verdict_line: String,
    json_verdict: String,
    json_fail_on: String,
    step_verdict: String,
    markdown_mark: char,
    junit_failures: usize,
}

/// `check TINY --fail-on WHEN` (none: the default) on a policy with `rules`, under a stand-in
/// GitHub Actions runner, writing the JSON, markdown and JUnit reports too.
fn check(rules: &str, fail_on: Option<&str>, env: Option<&str>) -> (Outcome, Run) {
    let dir = workdir(&[("policy.yml", &format!("image:\n{rules}")), ("output", "")]);
    let image = fixture_arg(TINY);
    let mut args = vec![
        "check",
        image.as_str(),
        "--policy",
        "policy.yml",
        "--output",
        "json=report.json",
        "--output",
        "markdown=summary.md",
        "--output",
        "junit=junit.xml",
    ];
    if let Some(when) = fail_on {
        args.extend(["--fail-on", when]);
    }
    let mut cmd = sizegate_in(dir.path());
    cmd.args(&args)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", dir.path().join("output"));
    if let Some(value) = env {
        cmd.env("SIZEGATE_FAIL_ON", value);
    }
    let run = run(&mut cmd);
    let read = |name: &str| fs::read_to_string(dir.path().join(name)).expect("written");
    let json: Value = serde_json::from_str(&read("report.json")).expect("JSON report");
    let step = read("output");
    let step_verdict = step
        .lines()
        .find_map(|l| l.strip_prefix("verdict="))
        .expect("a verdict output")
        .to_string();
    let markdown = read("summary.md");
    let title = markdown.lines().nth(1).expect("a title line");
    let markdown_mark = title
        .strip_prefix("## ")
        .and_then(|t| t.chars().next())
        .expect("a mark");
    let outcome = Outcome {
        code: run.code,
        verdict_line: run.verdict_line().to_string(),
        json_verdict: json["verdict"].as_str().expect("verdict").to_string(),
        json_fail_on: json["fail_on"].as_str().expect("fail_on").to_string(),
        step_verdict,
        markdown_mark,
        junit_failures: read("junit.xml").matches("<failure ").count(),
    };
    (outcome, run)
}

/// The outcome every output must agree on.
fn expected(pass: bool, fail_on: &str, line: &str, failures: usize) -> Outcome {
    let verdict = if pass { "pass" } else { "fail" };
    Outcome {
        code: if pass { 0 } else { 1 },
        verdict_line: line.to_string(),
        json_verdict: verdict.to_string(),
        json_fail_on: fail_on.to_string(),
        step_verdict: verdict.to_string(),
        markdown_mark: if pass { '✅' } else { '❌' },
        junit_failures: failures,
    }
}

#[test]
fn every_output_follows_fail_on_for_every_mix_of_warning_and_error() {
    let both = format!("{WARNING}{ERROR}");
    // (policy, --fail-on, passes, verdict line, JUnit failures)
    let cases: [(&str, Option<&str>, bool, &str, usize); 16] = [
        (
            PASSING,
            None,
            true,
            "PASS: 0 errors, 0 warnings (image 25.98 kB)",
            0,
        ),
        (
            PASSING,
            Some("error"),
            true,
            "PASS: 0 errors, 0 warnings (image 25.98 kB)",
            0,
        ),
        (
            PASSING,
            Some("warning"),
            true,
            "PASS: 0 errors, 0 warnings, --fail-on warning (image 25.98 kB)",
            0,
        ),
        (
            PASSING,
            Some("never"),
            true,
            "PASS: 0 errors, 0 warnings, --fail-on never (image 25.98 kB)",
            0,
        ),
        (
            WARNING,
            None,
            true,
            "PASS: 0 errors, 1 warning (image 25.98 kB)",
            0,
        ),
        (
            WARNING,
            Some("error"),
            true,
            "PASS: 0 errors, 1 warning (image 25.98 kB)",
            0,
        ),
        (
            WARNING,
            Some("warning"),
            false,
            "FAIL: 0 errors, 1 warning, --fail-on warning (image 25.98 kB)",
            1,
        ),
        (
            WARNING,
            Some("never"),
            true,
            "PASS: 0 errors, 1 warning, --fail-on never (image 25.98 kB)",
            0,
        ),
        (
            ERROR,
            None,
            false,
            "FAIL: 1 error, 0 warnings (image 25.98 kB of 20 kB)",
            1,
        ),
        (
            ERROR,
            Some("error"),
            false,
            "FAIL: 1 error, 0 warnings (image 25.98 kB of 20 kB)",
            1,
        ),
        (
            ERROR,
            Some("warning"),
            false,
            "FAIL: 1 error, 0 warnings, --fail-on warning (image 25.98 kB of 20 kB)",
            1,
        ),
        (
            ERROR,
            Some("never"),
            true,
            "PASS: 1 error, 0 warnings, --fail-on never (image 25.98 kB of 20 kB)",
            0,
        ),
        (
            &both,
            None,
            false,
            "FAIL: 1 error, 1 warning (image 25.98 kB of 20 kB)",
            1,
        ),
        (
            &both,
            Some("error"),
            false,
            "FAIL: 1 error, 1 warning (image 25.98 kB of 20 kB)",
            1,
        ),
        (
            &both,
            Some("warning"),
            false,
            "FAIL: 1 error, 1 warning, --fail-on warning (image 25.98 kB of 20 kB)",
            2,
        ),
        (
            &both,
            Some("never"),
            true,
            "PASS: 1 error, 1 warning, --fail-on never (image 25.98 kB of 20 kB)",
            0,
        ),
    ];
    for (rules, fail_on, pass, line, failures) in cases {
        let (got, run) = check(rules, fail_on, None);
        let want = expected(pass, fail_on.unwrap_or("error"), line, failures);
        assert_eq!(
            got, want,
            "{rules:?} --fail-on {fail_on:?}; stderr: {}",
            run.stderr
        );
    }
}

#[test]
fn sizegate_fail_on_sets_it_and_the_flag_wins() {
    let (got, _) = check(WARNING, None, Some("warning"));
    assert_eq!((got.code, got.json_fail_on.as_str()), (1, "warning"));
    let (got, _) = check(WARNING, Some("error"), Some("warning"));
    assert_eq!(
        (got.code, got.json_fail_on.as_str()),
        (0, "error"),
        "the flag wins"
    );
    let (got, _) = check(ERROR, None, Some("never"));
    assert_eq!((got.code, got.step_verdict.as_str()), (0, "pass"));
}

#[test]
fn fail_on_never_still_exits_2_when_the_check_cannot_run() {
    let dir = workdir(&[("policy.yml", "image:\n  max_szie: 1MB\n")]);
    let image = fixture_arg(TINY);
    let run = run(sizegate_in(dir.path()).args([
        "check",
        image.as_str(),
        "--policy",
        "policy.yml",
        "--fail-on",
        "never",
    ]));
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = crate::support::run_in(
        dir.path(),
        &[
            "check",
            "missing.tar",
            "--policy",
            "policy.yml",
            "--fail-on",
            "never",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
}
