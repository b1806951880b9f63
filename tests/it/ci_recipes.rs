//! The GitHub Action's script, the git hook and the CI recipes in examples/, run as CI would run
//! them: with a GitHub-like environment, or with a stand-in `docker` that serves a fixture image.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::ci::{fake_tools, input_var, path_with, project, read, run_action};
use crate::support::{fixture, path_str, root, sizegate_bin, tempdir, write_file};

#[test]
fn action_script_sets_outputs_summary_annotations_and_fails_on_errors() {
    let run = run_action(&[
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/fail.yml"),
        ("format", "sarif, junit"),
    ]);
    let stdout = String::from_utf8_lossy(&run.out.stdout);
    assert_eq!(run.out.status.code(), Some(1), "{stdout}");
    for line in ["verdict=fail", "errors=3", "warnings=0", "image-size=25982"] {
        assert!(
            run.outputs.lines().any(|l| l == line),
            "{line} in {}",
            run.outputs
        );
    }
    let report = run
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("report="))
        .expect("report output");
    assert!(Path::new(report).is_file(), "{report}");
    let sarif = run
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("sarif="))
        .map(PathBuf::from)
        .expect("sarif output");
    assert!(sarif.starts_with(run.temp.path()), "{}", sarif.display());
    assert!(sarif.is_file() && sarif.with_file_name("sizegate.junit.xml").is_file());
    assert!(
        run.summary.starts_with("<!-- sizegate-report -->"),
        "{}",
        run.summary
    );
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 3, "{stdout}");
    assert!(stdout.contains("FAIL: 3 errors, 0 warnings"), "{stdout}");
}

#[test]
fn action_fail_on_decides_what_fails_the_step() {
    let pass = [
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/pass.yml"),
    ];
    assert_eq!(run_action(&pass).out.status.code(), Some(0));
    let mut warning = pass.to_vec();
    warning.push(("fail-on", "warning"));
    assert_eq!(
        run_action(&warning).out.status.code(),
        Some(1),
        "6 warnings fail"
    );
    let never = [
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/fail.yml"),
        ("fail-on", "never"),
    ];
    assert_eq!(run_action(&never).out.status.code(), Some(0));
}

#[test]
fn action_refuses_stdin_and_unknown_inputs() {
    let run = run_action(&[("image", "-")]);
    assert_eq!(run.out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.out.stdout)
        .contains("::error title=sizegate action::'image' must be a path"));
    let run = run_action(&[
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("format", "pdf"),
    ]);
    assert_eq!(run.out.status.code(), Some(2));
    let run = run_action(&[
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("fail-on", "sometimes"),
    ]);
    assert_eq!(run.out.status.code(), Some(2));
}

#[test]
fn pre_push_hook_builds_saves_and_checks() {
    for (policy, code) in [("examples/pass.yml", 0), ("examples/fail.yml", 1)] {
        let dir = project(policy);
        let bin = fake_tools(dir.path());
        let out = Command::new(root().join("examples/hooks/pre-push"))
            .current_dir(dir.path())
            .env("PATH", path_with(&bin))
            .env("NO_COLOR", "1")
            .output()
            .expect("hook runs");
        assert_eq!(
            out.status.code(),
            Some(code),
            "{policy}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn generic_shell_recipe_streams_the_image_and_keeps_reports() {
    let dir = project("examples/fail.yml");
    let bin = fake_tools(dir.path());
    let out = Command::new(root().join("examples/ci/check.sh"))
        .current_dir(dir.path())
        .env("PATH", path_with(&bin))
        .env("IMAGE", "app:1")
        .output()
        .expect("recipe runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("reports/sizegate.json").is_file());
    assert!(dir.path().join("reports/sizegate.junit.xml").is_file());
}

/// Runs the shell commands of a CI file that mention `docker` or `sizegate`, in order, with the
/// stand-in tools; returns the exit code of the first that fails (or 0).
fn run_commands(commands: &[String], dir: &Path, env: &[(&str, &str)]) -> i32 {
    let bin = fake_tools(dir);
    for command in commands {
        let out = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(dir)
            .env("PATH", path_with(&bin))
            .envs(env.iter().copied())
            .output()
            .expect("sh runs");
        let code = out.status.code().unwrap_or(-1);
        if code != 0 {
            return code;
        }
    }
    0
}

#[test]
fn gitlab_job_script_writes_code_quality_junit_and_summary() {
    let text = read(&root().join("examples/ci/gitlab-ci.yml"));
    let commands: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("- "))
        .filter(|l| l.starts_with("docker ") || l.starts_with("sizegate "))
        .map(str::to_string)
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    let dir = project("examples/fail.yml");
    let code = run_commands(
        &commands,
        dir.path(),
        &[("IMAGE_TAR", "app.tar"), ("CI_COMMIT_SHORT_SHA", "abc123")],
    );
    assert_eq!(code, 1, "the policy fails, so the job fails");
    for artifact in ["gl-code-quality.json", "sizegate.junit.xml", "sizegate.md"] {
        assert!(dir.path().join(artifact).is_file(), "{artifact}");
    }
}

#[test]
fn jenkins_stage_commands_write_junit_and_json() {
    let text = read(&root().join("examples/ci/Jenkinsfile"));
    let commands: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("sh '"))
        .filter_map(|l| l.strip_suffix('\''))
        .map(str::to_string)
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    let dir = project("examples/pass.yml");
    let code = run_commands(
        &commands,
        dir.path(),
        &[("IMAGE_TAR", "app.tar"), ("BUILD_NUMBER", "7")],
    );
    assert_eq!(code, 0);
    assert!(dir.path().join("sizegate.junit.xml").is_file());
    assert!(dir.path().join("sizegate.json").is_file());
}

#[test]
fn action_uses_the_binary_built_into_its_own_directory() {
    let home = tempdir();
    let bin_dir = home.path().join(".sizegate-action/bin");
    std::fs::create_dir_all(&bin_dir).expect("dir");
    std::os::unix::fs::symlink(sizegate_bin(), bin_dir.join("sizegate")).expect("symlink");
    let out = Command::new("bash")
        .arg(root().join("action/run.sh"))
        .current_dir(root())
        .env_remove("SIZEGATE_BIN")
        .env_remove("GITHUB_ACTIONS")
        .env("HOME", home.path())
        .env("RUNNER_TEMP", home.path())
        .env("GITHUB_ACTION_PATH", root())
        .env("INPUT_IMAGE", "tests/fixtures/tiny.docker.tar")
        .env("INPUT_POLICY", "examples/pass.yml")
        .output()
        .expect("bash runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn action_runs_do_not_replay_each_others_reports_and_crashes_fail() {
    let temp = tempdir();
    let run = |inputs: &[(&str, &str)], bin: &Path| {
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("action/run.sh"))
            .current_dir(root())
            .env_remove("GITHUB_ACTIONS")
            .env("RUNNER_TEMP", temp.path())
            .env("SIZEGATE_BIN", bin);
        for (k, v) in inputs {
            cmd.env(input_var(k), v);
        }
        cmd.output().expect("bash runs")
    };
    let fixture = ("image", "tests/fixtures/tiny.docker.tar");
    let first = run(&[fixture, ("policy", "examples/pass.yml")], &sizegate_bin());
    assert_eq!(first.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(stdout.contains("::warning "), "{stdout}");
    // A broken policy: exit 2, and none of the first run's annotations.
    let broken = write_file(temp.path(), "broken.yml", b"image: [\n");
    let second = run(&[fixture, ("policy", path_str(&broken))], &sizegate_bin());
    assert_eq!(second.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&second.stdout).contains("::warning "));
    // A binary that crashes (exit 101) fails the step even with fail-on: never.
    let crash = write_file(temp.path(), "crash", b"#!/bin/sh\nexit 101\n");
    std::fs::set_permissions(&crash, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let third = run(&[fixture, ("fail-on", "never")], &crash);
    assert_eq!(third.status.code(), Some(101));
}

#[test]
fn action_with_an_empty_policy_input_takes_its_rules_from_args() {
    let dir = tempdir();
    write_file(
        dir.path(),
        ".dive-ci",
        b"rules:\n  lowestEfficiency: 0.95\n",
    );
    let out = Command::new("bash")
        .arg(root().join("action/run.sh"))
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .env("RUNNER_TEMP", dir.path())
        .env("SIZEGATE_BIN", sizegate_bin())
        .env("INPUT_IMAGE", fixture("tiny.docker.tar"))
        .env("INPUT_POLICY", "")
        .env("INPUT_ARGS", "--dive-ci .dive-ci --no-github")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("dive-lowest-efficiency"), "{stdout}");
}

#[test]
fn action_args_are_shell_words_on_every_line() {
    // A file name with a space, quoted, on the first line; an option on the second: before, the
    // second line was dropped and the name split in two.
    let dir = tempdir();
    write_file(
        dir.path(),
        "dive rules",
        b"rules:\n  lowestEfficiency: 0.95\n",
    );
    let out = Command::new("bash")
        .arg(root().join("action/run.sh"))
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .env("RUNNER_TEMP", dir.path())
        .env("SIZEGATE_BIN", sizegate_bin())
        .env("INPUT_IMAGE", fixture("tiny.docker.tar"))
        .env("INPUT_POLICY", "")
        .env("INPUT_ARGS", "--dive-ci 'dive rules'\n--format junit\n")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("<?xml"), "{stdout}");
    assert!(stdout.contains("dive-lowest-efficiency"), "{stdout}");
}

#[test]
fn action_yml_declares_the_documented_inputs_and_outputs() {
    let action: serde_json::Value =
        serde_saphyr::from_str(&read(&root().join("action.yml"))).expect("action.yml is YAML");
    let keys = |v: &serde_json::Value| -> Vec<String> {
        let mut k: Vec<String> = v
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    };
    assert_eq!(
        keys(&action["inputs"]),
        [
            "args",
            "baseline",
            "comment",
            "dockerfile",
            "fail-on",
            "format",
            "github-token",
            "image",
            "policy",
            "version"
        ]
    );
    assert_eq!(
        keys(&action["outputs"]),
        [
            "errors",
            "image-size",
            "report",
            "sarif",
            "verdict",
            "warnings"
        ]
    );
    assert_eq!(action["runs"]["using"], "composite");
    let script = read(&root().join("action/run.sh"));
    for input in keys(&action["inputs"]) {
        let var = input_var(&input);
        assert!(script.contains(&var), "run.sh reads {var}");
    }
}
