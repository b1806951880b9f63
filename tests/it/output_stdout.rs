//! `check --output F=-`: format F on stdout, for a tool that reads it (`… | jq`, an upload step),
//! while `--format` goes to stderr so the log still shows the table. It used to write a file
//! named `-`.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::formats::snapshot;
use crate::support::{root, run, sizegate_in, tempdir, Run};

/// The fixtures of the format snapshots, copied under the same relative paths into a fresh
/// directory: runs there print what the snapshots hold, and a stray file `-` would show.
fn fixtures_dir() -> TempDir {
    let dir = tempdir();
    fs::create_dir_all(dir.path().join("tests/fixtures")).expect("fixtures dir");
    for name in ["tiny.docker.tar", "formats.yml", "formats.dive-ci"] {
        let from = root().join("tests/fixtures").join(name);
        fs::copy(from, dir.path().join("tests/fixtures").join(name)).expect("fixture copied");
    }
    dir
}

/// `check` on the snapshots' fixture and policies, run in `dir`, with `extra` arguments.
fn check_in(dir: &Path, extra: &[&str]) -> Run {
    let mut cmd = sizegate_in(dir);
    cmd.args([
        "check",
        "tests/fixtures/tiny.docker.tar",
        "--policy",
        "tests/fixtures/formats.yml",
        "--dive-ci",
        "tests/fixtures/formats.dive-ci",
    ])
    .args(extra);
    run(&mut cmd)
}

/// The files `dir` holds besides the fixtures.
fn written(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n != "tests")
        .collect();
    names.sort();
    names
}

#[test]
fn output_to_dash_writes_stdout_and_the_table_goes_to_stderr() {
    let dir = fixtures_dir();
    let run = check_in(dir.path(), &["--output", "sarif=-"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, snapshot("check.sarif"));
    assert_eq!(run.stderr, snapshot("check.table.txt"));
    assert_eq!(
        written(dir.path()),
        Vec::<String>::new(),
        "no file named `-`"
    );
}

#[test]
fn output_to_dash_takes_stdout_from_any_format_and_files_are_still_written() {
    let dir = fixtures_dir();
    let run = check_in(
        dir.path(),
        &[
            "--format",
            "junit",
            "--output",
            "json=-",
            "--output",
            "gitlab=gl-code-quality.json",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, snapshot("check.json"));
    assert_eq!(run.stderr, snapshot("check.junit.xml"));
    assert_eq!(written(dir.path()), ["gl-code-quality.json"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("gl-code-quality.json")).expect("written"),
        snapshot("check.gitlab.json")
    );
}

#[test]
fn output_to_dash_of_the_format_itself_is_written_once() {
    let dir = fixtures_dir();
    let run = check_in(dir.path(), &["--format", "json", "--output", "json=-"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, snapshot("check.json"));
    assert_eq!(run.stderr, "", "not a second copy in the log");
}

#[test]
fn two_outputs_to_dash_are_an_error_naming_both_before_anything_is_read_or_written() {
    let dir = fixtures_dir();
    let run = check_in(
        dir.path(),
        &[
            "--output",
            "json=-",
            "--output",
            "junit=junit.xml",
            "--output",
            "sarif=-",
        ],
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "error: --output json=- and --output sarif=- both write to stdout; give one of them a \
         file\n"
    );
    assert_eq!(written(dir.path()), Vec::<String>::new());
}

#[test]
fn under_github_actions_the_report_output_is_never_stdout() {
    let dir = fixtures_dir();
    fs::create_dir(dir.path().join("temp")).expect("temp");
    let mut cmd = sizegate_in(dir.path());
    cmd.args([
        "check",
        "tests/fixtures/tiny.docker.tar",
        "--policy",
        "tests/fixtures/formats.yml",
        "--dive-ci",
        "tests/fixtures/formats.dive-ci",
        "--output",
        "json=-",
    ])
    .env("GITHUB_ACTIONS", "true")
    .env("GITHUB_OUTPUT", dir.path().join("output"))
    .env("RUNNER_TEMP", dir.path().join("temp"));
    let run = run(&mut cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, snapshot("check.json"));
    let output = fs::read_to_string(dir.path().join("output")).expect("step outputs");
    let report = output
        .lines()
        .find_map(|l| l.strip_prefix("report="))
        .expect("a report output");
    assert!(
        Path::new(report).starts_with(dir.path().join("temp")),
        "a report of its own, not `-`: {report}"
    );
    assert_eq!(
        fs::read_to_string(report).expect("JSON report"),
        snapshot("check.json")
    );
}

#[test]
fn a_reader_that_stops_early_does_not_turn_a_failed_gate_into_a_pass() {
    // `sizegate check … | head` under `set -o pipefail`: the pipe closes before sizegate writes,
    // and its exit code must still be the verdict's.
    let dir = fixtures_dir();
    let extras: [&[&str]; 3] = [&[], &["--format", "sarif"], &["--output", "json=-"]];
    for extra in extras {
        let mut cmd = std::process::Command::new(crate::support::sizegate_bin());
        crate::support::isolate(&mut cmd)
            .current_dir(dir.path())
            .args([
                "check",
                "tests/fixtures/tiny.docker.tar",
                "--policy",
                "tests/fixtures/formats.yml",
            ])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().expect("sizegate starts");
        drop(child.stdout.take());
        let status = child.wait().expect("sizegate ends");
        assert_eq!(status.code(), Some(1), "{extra:?}");
    }
}
