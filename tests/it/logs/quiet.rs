//! `--quiet`/`-q` (or `SIZEGATE_QUIET`): `check` prints its verdict line instead of the table,
//! and still writes its reports, step summary and outputs; no command prints notes or warnings
//! on stderr; errors are still printed.

use std::fs;

use crate::support::{check_example_in_env, root, run, sizegate_in, tempdir, workdir, Run};

/// The verdict line of the example image with its failing policy.
const VERDICT: &str = "FAIL: 3 errors, 0 warnings (image 25.98 kB of 20 kB)\n";

/// `check` of the example image with its failing policy from the repository root, with `args`
/// and the variables `env` gives.
fn check(args: &[&str], env: &[(&str, &str)]) -> Run {
    check_example_in_env("examples/fail.yml", args, &[], env)
}

#[test]
fn check_prints_only_its_verdict_line_and_still_writes_its_reports() {
    let dir = tempdir();
    let json = dir.path().join("report.json");
    let spec = format!("json={}", json.display());
    for quiet in [&["-q"][..], &["--quiet"]] {
        let mut args = quiet.to_vec();
        args.extend(["--output", &spec]);
        let run = check(&args, &[]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert_eq!(run.stdout, VERDICT);
        assert_eq!(run.stderr, "");
        let report = fs::read_to_string(&json).expect("the report is written");
        assert!(report.contains("\"verdict\": \"fail\""), "{report}");
        fs::remove_file(&json).expect("removed");
    }
}

#[test]
fn the_environment_variable_is_the_flag() {
    assert_eq!(check(&[], &[("SIZEGATE_QUIET", "1")]).stdout, VERDICT);
    assert_eq!(check(&[], &[("SIZEGATE_QUIET", "true")]).stdout, VERDICT);
    for off in ["0", "false", ""] {
        let run = check(&[], &[("SIZEGATE_QUIET", off)]);
        assert!(
            run.stdout.contains('┌'),
            "SIZEGATE_QUIET={off:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn the_formats_that_are_data_are_printed_whole() {
    let run = check(&["-q", "--format", "json"], &[]);
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["verdict"], "fail");
    let github = check(&["-q", "--format", "github"], &[]);
    assert_eq!(github.stdout.lines().count(), 3, "{}", github.stdout);
}

#[test]
fn under_github_actions_the_summary_and_outputs_are_still_written() {
    let dir = tempdir();
    let (summary, output) = (dir.path().join("summary.md"), dir.path().join("output"));
    let run = check(
        &["--quiet"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", summary.to_str().expect("UTF-8")),
            ("GITHUB_OUTPUT", output.to_str().expect("UTF-8")),
            ("RUNNER_TEMP", dir.path().to_str().expect("UTF-8")),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, VERDICT);
    let summary = fs::read_to_string(&summary).expect("summary written");
    assert!(summary.contains("<!-- sizegate-report -->"), "{summary}");
    let output = fs::read_to_string(&output).expect("outputs written");
    assert!(output.starts_with("verdict=fail\n"), "{output}");
}

#[test]
fn policy_warnings_are_left_out_and_errors_are_not() {
    let dir = workdir(&[
        ("warn.yml", "image:\n  max_layers: 0\n"),
        ("broken.yml", "image:\n  max_szie: 1MB\n"),
    ]);
    let image = crate::support::fixture_arg("tiny.docker.tar");
    let run_policy = |policy: &str, quiet: bool| {
        let mut cmd = sizegate_in(dir.path());
        cmd.args(["check", &image, "--policy", policy]);
        if quiet {
            cmd.arg("-q");
        }
        run(&mut cmd)
    };
    let loud = run_policy("warn.yml", false);
    assert!(
        loud.stderr.contains("warning: warn.yml:2:15"),
        "{}",
        loud.stderr
    );
    let quiet = run_policy("warn.yml", true);
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.code, 1);
    let broken = run_policy("broken.yml", true);
    assert_eq!(broken.code, 2);
    assert!(
        broken
            .stderr
            .starts_with("error: broken.yml:2:3: unknown key `max_szie`"),
        "{}",
        broken.stderr
    );
}

#[test]
fn other_commands_keep_their_output() {
    let image = crate::support::fixture_arg("tiny.docker.tar");
    for args in [
        &["layers", image.as_str()][..],
        &["top", image.as_str()],
        &["explain", image.as_str()],
        &["init", image.as_str()],
    ] {
        let loud = run(sizegate_in(root()).args(args));
        let quiet = run(sizegate_in(root()).args(args).arg("--quiet"));
        assert_eq!(quiet.code, 0, "{args:?}: {}", quiet.stderr);
        assert_eq!(quiet.stdout, loud.stdout, "{args:?}");
    }
}
