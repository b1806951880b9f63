//! The GitHub Action's script, the git hook and the CI recipes in examples/, run as CI would run
//! them: with a GitHub-like environment, or with a stand-in `docker` that serves a fixture image.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::support::ci::{
    calls, fake_tools, git, gitlab_ci, has_args, input_var, job_script, path_with, project, read,
    recording_script, require_tools, run_action, run_action_in, run_gitlab_job, strings,
    write_script, GIT_VARS, WRITES_REPORTS,
};
use crate::support::http::{Response, Server};
use crate::support::{
    fixture, path_str, root, sizegate_bin, tempdir, without_sizegate_vars, write_file,
};

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

/// A stand-in `sizegate` in `dir` that records its arguments in `dir/sizegate.calls` and exits
/// with `code`, after writing the report files the action's script reads.
fn sizegate_exiting(dir: &Path, code: i32) -> PathBuf {
    recording_script(dir, "sizegate", &format!("{WRITES_REPORTS}exit {code}\n"))
}

/// The arguments of the one call of the stand-in of [`sizegate_exiting`] in `dir`.
fn the_call(dir: &Path) -> Vec<String> {
    let calls = calls(&dir.join("sizegate.calls"));
    assert_eq!(calls.len(), 1, "sizegate ran once: {calls:?}");
    calls.into_iter().next().unwrap_or_default()
}

#[test]
fn action_fail_on_is_sizegate_s_own_and_its_exit_code_the_step_s() {
    // Regression: with `fail-on: warning`, the script failed the step on warnings while
    // sizegate's `verdict` output said pass. Now sizegate decides both (`--fail-on`), and the
    // step ends as sizegate does, whatever the report holds.
    let pass = [
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/pass.yml"),
    ];
    for (fail_on, arg, code) in [
        ("", None, 0),
        ("error", None, 1),
        ("warning", Some("--fail-on=warning"), 1),
        ("warning", Some("--fail-on=warning"), 0),
        ("never", Some("--fail-on=never"), 0),
    ] {
        let dir = tempdir();
        let bin = sizegate_exiting(dir.path(), code);
        let mut inputs = pass.to_vec();
        if !fail_on.is_empty() {
            inputs.push(("fail-on", fail_on));
        }
        let run = run_action_in(root(), &inputs, |cmd| {
            // A job's own setting does not outvote the input.
            cmd.env("SIZEGATE_BIN", &bin)
                .env("SIZEGATE_FAIL_ON", "never");
        });
        assert_eq!(run.code(), Some(code), "{fail_on}: {}", run.stdout());
        let argv = the_call(dir.path());
        let given: Vec<&str> = argv
            .iter()
            .map(String::as_str)
            .filter(|a| a.starts_with("--fail-on"))
            .collect();
        assert_eq!(given, arg.into_iter().collect::<Vec<_>>(), "{fail_on}");
    }
    // The default needs no argument, and the job's SIZEGATE_* variables are not sizegate's to see:
    // the inputs decide (a job-wide SIZEGATE_FORMAT=github printed every annotation twice).
    let dir = tempdir();
    write_script(
        dir.path(),
        "sizegate",
        &format!(
            "#!/bin/sh\necho \"${{SIZEGATE_FAIL_ON-unset}} ${{SIZEGATE_FORMAT-unset}} ${{SIZEGATE_BASELINE-unset}}\" > '{}/env'\n{WRITES_REPORTS}",
            dir.path().display()
        ),
    );
    let run = run_action_in(root(), &pass, |cmd| {
        cmd.env("SIZEGATE_BIN", dir.path().join("sizegate"))
            .env("SIZEGATE_FAIL_ON", "never")
            .env("SIZEGATE_FORMAT", "github")
            .env("SIZEGATE_BASELINE", "main.json");
    });
    assert_eq!(run.code(), Some(0));
    assert_eq!(read(&dir.path().join("env")), "unset unset unset\n");
}

#[test]
fn action_fail_on_decides_what_fails_the_step_and_the_verdict_output_agrees() {
    let verdict = |run: &crate::support::ci::ActionRun| {
        run.outputs
            .lines()
            .find_map(|l| l.strip_prefix("verdict="))
            .map(str::to_string)
    };
    let pass = [
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/pass.yml"),
    ];
    let run = run_action(&pass);
    assert_eq!(run.code(), Some(0));
    assert_eq!(verdict(&run).as_deref(), Some("pass"));
    let mut warning = pass.to_vec();
    warning.push(("fail-on", "warning"));
    let run = run_action(&warning);
    assert_eq!(run.code(), Some(1), "6 warnings fail");
    // It used to fail the step and say `pass`.
    assert_eq!(verdict(&run).as_deref(), Some("fail"));
    assert!(
        run.stdout()
            .contains("FAIL: 0 errors, 6 warnings, --fail-on warning"),
        "the log's verdict line says why"
    );
    // Said in `args` instead (the input left empty, its default): the same.
    let mut in_args = pass.to_vec();
    in_args.push(("args", "--fail-on warning"));
    let run = run_action(&in_args);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert_eq!(verdict(&run).as_deref(), Some("fail"));
    let never = [
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/fail.yml"),
        ("fail-on", "never"),
    ];
    let run = run_action(&never);
    assert_eq!(run.code(), Some(0));
    assert_eq!(verdict(&run).as_deref(), Some("pass"));
}

#[test]
fn action_category_input_is_the_sarif_category() {
    let dir = tempdir();
    let bin = sizegate_exiting(dir.path(), 0);
    let run = run_action_in(
        root(),
        &[
            ("image", "tests/fixtures/tiny.docker.tar"),
            ("category", "sizegate/api image"),
        ],
        |cmd| {
            cmd.env("SIZEGATE_BIN", &bin);
        },
    );
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    // One argument, spaces and all.
    let argv = the_call(dir.path());
    assert!(
        has_args(&argv, &["--sarif-category=sizegate/api image"]),
        "{argv:?}"
    );
    // Empty (the default): sizegate's own category, so no argument for it.
    let dir = tempdir();
    let bin = sizegate_exiting(dir.path(), 0);
    let run = run_action_in(
        root(),
        &[("image", "tests/fixtures/tiny.docker.tar")],
        |cmd| {
            cmd.env("SIZEGATE_BIN", &bin);
        },
    );
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    let argv = the_call(dir.path());
    assert!(
        !argv.iter().any(|a| a.starts_with("--sarif-category")),
        "{argv:?}"
    );
    // And the real binary accepts what the script passes by default.
    let run = run_action(&[
        ("image", "tests/fixtures/tiny.docker.tar"),
        ("policy", "examples/pass.yml"),
    ]);
    assert_eq!(run.code(), Some(0));
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

/// A project (see [`project`]) that is also a git repository, as a hook's is.
fn git_project(policy: &str) -> tempfile::TempDir {
    let dir = project(policy);
    git(dir.path(), &["init", "--quiet"]);
    dir
}

/// examples/hooks/pre-push, to run in `dir` with `path` as PATH: without git's [`GIT_VARS`]
/// (which a push sets, and the test's own git may have), nor the test's `SIZEGATE_*` (the hook's
/// sizegate would read them as options).
fn pre_push_hook(dir: &Path, path: &str) -> Command {
    let mut hook = Command::new(root().join("examples/hooks/pre-push"));
    for var in GIT_VARS {
        hook.env_remove(var);
    }
    without_sizegate_vars(&mut hook);
    hook.current_dir(dir).env("PATH", path);
    hook
}

/// Runs [`pre_push_hook`] in `dir` with the stand-in tools of `bin` first on PATH, no colour,
/// and the variables `env` set.
fn run_pre_push(dir: &Path, bin: &Path, env: &[(&str, &str)]) -> std::process::Output {
    pre_push_hook(dir, &path_with(bin))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("hook runs")
}

const LAST_PUSH: &str = ".git/sizegate/last-push.json";

#[test]
fn pre_push_hook_builds_saves_and_checks() {
    for (policy, code) in [("examples/pass.yml", 0), ("examples/fail.yml", 1)] {
        let dir = git_project(policy);
        let bin = fake_tools(dir.path());
        let out = run_pre_push(dir.path(), &bin, &[]);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{policy}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The first push has no baseline; only a passing check leaves one for the next.
        let calls = calls(&bin.join("sizegate.calls"));
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(
            !calls[0].iter().any(|a| a.starts_with("--baseline")),
            "{calls:?}"
        );
        assert_eq!(dir.path().join(LAST_PUSH).is_file(), code == 0, "{policy}");
        assert!(!dir.path().join(".git/sizegate/this-push.json").exists());
    }
}

#[test]
fn pre_push_hook_without_sizegate_says_how_to_install_it_before_building() {
    let dir = git_project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    std::fs::remove_file(bin.join("sizegate")).expect("no sizegate");
    // A docker that notes every call: there must be none.
    write_script(
        &bin,
        "docker",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{}/docker.calls'\n",
            bin.display()
        ),
    );
    // The system's tools, not a developer's own sizegate.
    let out = pre_push_hook(dir.path(), &format!("{}:/usr/bin:/bin", bin.display()))
        .output()
        .expect("hook runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "sizegate: not installed, so the image cannot be checked and the push is stopped. Install it:\n  a prebuilt binary: https://github.com/sizegate/sizegate/releases"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("cargo install --locked --git https://github.com/sizegate/sizegate"));
    assert!(!bin.join("docker.calls").exists(), "nothing was built");
}

#[test]
fn pre_push_hook_and_shell_recipe_find_the_policy_as_sizegate_does() {
    // They passed `--policy sizegate.yml`, which defeats sizegate's own choice (sizegate.yml,
    // .sizegate.yml, a lone .dive-ci, or SIZEGATE_POLICY); the hook builds the stage that a
    // SIZEGATE_TARGET names, the one sizegate then matches the layers against.
    let dir = git_project("examples/fail.yml");
    std::fs::rename(
        dir.path().join("sizegate.yml"),
        dir.path().join(".sizegate.yml"),
    )
    .expect("renamed");
    write_file(
        dir.path(),
        "Dockerfile",
        b"FROM scratch AS build\nCOPY app/ /opt/app/\nFROM build\n",
    );
    let bin = fake_tools(dir.path());
    write_script(
        &bin,
        "docker",
        &format!(
            "#!/bin/sh\necho \"$*\" >> '{0}/docker.calls'\ncase \"$1\" in\n  save) cat '{1}' ;;\nesac\n",
            bin.display(),
            fixture("tiny.docker.tar").display()
        ),
    );
    // Nor a SIZEGATE_POLICY: the hook runs without the test's own (see pre_push_hook).
    let out = run_pre_push(dir.path(), &bin, &[("SIZEGATE_TARGET", "build")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("FAIL: 3 errors"), "{stdout}");
    let calls = calls(&bin.join("sizegate.calls"));
    assert!(
        !calls[0].iter().any(|a| a.starts_with("--policy")),
        "{calls:?}"
    );
    let docker = read(&bin.join("docker.calls"));
    // The tag is a name docker takes, though the directory's (`.tmpXXXX`) is not.
    let tag = format!(
        "{}:pre-push",
        dir.path()
            .file_name()
            .map(|n| n.to_string_lossy().trim_start_matches('.').to_lowercase())
            .unwrap_or_default()
    );
    assert_eq!(
        docker,
        format!("build --quiet --tag {tag} --file Dockerfile --target build .\nsave {tag}\n")
    );

    let dir = tempdir();
    write_file(
        dir.path(),
        ".dive-ci",
        b"rules:\n  lowestEfficiency: 0.95\n",
    );
    let bin = fake_tools(dir.path());
    let out = Command::new(root().join("examples/ci/check.sh"))
        .current_dir(dir.path())
        .env("PATH", path_with(&bin))
        .env("IMAGE", "app:1")
        .env_remove("SIZEGATE_POLICY")
        .output()
        .expect("recipe runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(read(&dir.path().join("reports/sizegate.json")).contains("dive-lowest-efficiency"));
}

/// Needs `check --baseline`.
#[test]
fn pre_push_hook_checks_against_the_last_push() {
    let dir = git_project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    for push in ["first", "second"] {
        let out = run_pre_push(dir.path(), &bin, &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{push} push: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let calls = calls(&bin.join("sizegate.calls"));
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(has_args(&calls[1], &["--baseline", LAST_PUSH]), "{calls:?}");
    let report: Value =
        serde_json::from_str(&read(&dir.path().join(LAST_PUSH))).expect("the report is JSON");
    assert_eq!(report["verdict"], "pass");
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

/// Runs the `script` of each GitLab job of `jobs` in `dir`, in order (see [`run_gitlab_job`]);
/// its `before_script` (installing sizegate) is left out, as the stand-in `sizegate` of `bin` is
/// on the PATH. Returns the exit code of the first job that fails, or 0.
fn run_gitlab_jobs(jobs: &[&str], dir: &Path, bin: &Path, env: &[(&str, &str)]) -> i32 {
    let ci = gitlab_ci();
    for job in jobs {
        let script = job_script(&ci[job], "script");
        assert!(!script.is_empty(), "job {job} has a script");
        let out = run_gitlab_job(&ci[job], &script, dir, &path_with(bin), env);
        let code = out.status.code().unwrap_or(-1);
        if code != 0 {
            return code;
        }
    }
    0
}

const GITLAB_TOKEN: &str = "gitlab-job-token-123";

/// The predefined variables of a GitLab pipeline for `branch`, its API at `api`.
fn gitlab_env<'a>(api: &'a str, branch: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("CI_COMMIT_SHORT_SHA", "abc123"),
        ("CI_COMMIT_REF_NAME", branch),
        ("CI_DEFAULT_BRANCH", "main"),
        ("CI_API_V4_URL", api),
        ("CI_PROJECT_ID", "42"),
        ("CI_JOB_TOKEN", GITLAB_TOKEN),
    ]
}

/// Where the merge-request job asks for the default branch's report.
const GITLAB_ARTIFACT: &str =
    "/api/v4/projects/42/jobs/artifacts/main/raw/sizegate.json?job=sizegate";

#[test]
fn gitlab_default_branch_job_keeps_its_report_and_downloads_nothing() {
    let server = Server::start(|_| Response::new(404, r#"{"message":"404 Not Found"}"#));
    let api = format!("{}/api/v4", server.url());
    let dir = project("examples/fail.yml");
    let bin = fake_tools(dir.path());
    let code = run_gitlab_jobs(
        &["image-archive", "sizegate"],
        dir.path(),
        &bin,
        &gitlab_env(&api, "main"),
    );
    assert_eq!(code, 1, "the policy fails, so the job fails");
    for artifact in [
        "gl-code-quality.json",
        "sizegate.junit.xml",
        "sizegate.md",
        "sizegate.json",
    ] {
        assert!(dir.path().join(artifact).is_file(), "{artifact}");
    }
    assert!(
        strings(&gitlab_ci()["sizegate"]["artifacts"]["paths"]).contains(&"sizegate.json"),
        "the report is kept as an artifact"
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    assert!(!calls(&bin.join("sizegate.calls"))
        .concat()
        .iter()
        .any(|a| a.starts_with("--baseline")));
}

#[test]
fn gitlab_first_merge_request_has_no_baseline_and_still_checks() {
    require_tools(&["curl"]);
    let server = Server::start(|_| Response::new(404, r#"{"message":"404 Not Found"}"#));
    let api = format!("{}/api/v4", server.url());
    let dir = project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    let code = run_gitlab_jobs(
        &["image-archive", "sizegate"],
        dir.path(),
        &bin,
        &gitlab_env(&api, "feature"),
    );
    assert_eq!(code, 0, "no baseline is no failure");
    assert_eq!(server.request_lines(), [format!("GET {GITLAB_ARTIFACT}")]);
    let requests = server.requests();
    assert_eq!(requests[0].header("job-token"), Some(GITLAB_TOKEN));
    assert!(!dir.path().join("sizegate-base.json").exists());
    let calls = calls(&bin.join("sizegate.calls"));
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        !calls[0].iter().any(|a| a.starts_with("--baseline")),
        "{calls:?}"
    );
}

/// Needs `check --baseline`.
#[test]
fn gitlab_merge_request_checks_against_the_default_branch_report() {
    require_tools(&["curl"]);
    // The default branch's pipeline: its report is the artifact the API serves.
    let main = project("examples/pass.yml");
    let bin = fake_tools(main.path());
    let none = Server::start(|_| Response::new(404, "{}"));
    let api = format!("{}/api/v4", none.url());
    let code = run_gitlab_jobs(
        &["image-archive", "sizegate"],
        main.path(),
        &bin,
        &gitlab_env(&api, "main"),
    );
    assert_eq!(code, 0);
    let report = read(&main.path().join("sizegate.json"));
    assert!(report.starts_with('{'), "{report}");

    let server = Server::start(move |request| {
        if request.path == GITLAB_ARTIFACT && request.header("job-token") == Some(GITLAB_TOKEN) {
            Response::new(200, report.clone())
        } else {
            Response::new(404, r#"{"message":"404 Not Found"}"#)
        }
    });
    let api = format!("{}/api/v4", server.url());
    let dir = project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    let code = run_gitlab_jobs(
        &["image-archive", "sizegate"],
        dir.path(),
        &bin,
        &gitlab_env(&api, "feature"),
    );
    let calls = calls(&bin.join("sizegate.calls"));
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        has_args(&calls[0], &["--baseline", "sizegate-base.json"]),
        "{calls:?}"
    );
    assert_eq!(code, 0, "{calls:?}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn gitlab_artifact_moved_to_object_storage_is_fetched_without_the_job_token() {
    require_tools(&["curl"]);
    let main = project("examples/pass.yml");
    let bin = fake_tools(main.path());
    let none = Server::start(|_| Response::new(404, "{}"));
    let api = format!("{}/api/v4", none.url());
    let code = run_gitlab_jobs(
        &["image-archive", "sizegate"],
        main.path(),
        &bin,
        &gitlab_env(&api, "main"),
    );
    assert_eq!(code, 0);
    let report = read(&main.path().join("sizegate.json"));
    // The API answers with a redirect, as GitLab does when artifacts live in object storage.
    let server = Server::start(move |request| match request.path.as_str() {
        GITLAB_ARTIFACT => Response::new(302, "").with_header("Location", "/storage/sizegate.json"),
        "/storage/sizegate.json" => Response::new(200, report.clone()),
        _ => Response::new(404, r#"{"message":"404 Not Found"}"#),
    });
    let api = format!("{}/api/v4", server.url());
    let dir = project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    let code = run_gitlab_jobs(
        &["image-archive", "sizegate"],
        dir.path(),
        &bin,
        &gitlab_env(&api, "feature"),
    );
    assert_eq!(code, 0);
    let calls = calls(&bin.join("sizegate.calls"));
    assert!(
        has_args(&calls[0], &["--baseline", "sizegate-base.json"]),
        "{calls:?}"
    );
    let requests = server.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, [GITLAB_ARTIFACT, "/storage/sizegate.json"]);
    assert_eq!(requests[0].header("job-token"), Some(GITLAB_TOKEN));
    assert_eq!(
        requests[1].header("job-token"),
        None,
        "the token stays with the API"
    );
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

/// examples/ci/github-baseline.yml, parsed.
fn github_workflow() -> Value {
    serde_saphyr::from_str(&read(&root().join("examples/ci/github-baseline.yml")))
        .expect("github-baseline.yml is YAML")
}

/// The value of a GitHub expression, as far as the recipe uses them: `a || b`, `a && b`, a
/// 'literal', or a name of `context` ('' and a missing step output are false).
fn eval(expr: &str, context: &BTreeMap<String, String>) -> String {
    let expr = expr.trim();
    if let Some((a, b)) = expr.split_once(" || ") {
        let a = eval(a, context);
        return if a.is_empty() { eval(b, context) } else { a };
    }
    if let Some((a, b)) = expr.split_once(" && ") {
        let a = eval(a, context);
        return if a.is_empty() { a } else { eval(b, context) };
    }
    if let Some(literal) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
        return literal.to_string();
    }
    match context.get(expr) {
        Some(value) => value.clone(),
        None if expr.starts_with("steps.") => String::new(),
        None => panic!("the test does not know the expression `{expr}`"),
    }
}

/// `text` with each `${{ … }}` replaced by its value.
fn expand(text: &str, context: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let (expr, after) = rest[start + 3..]
            .split_once("}}")
            .expect("an expression is closed");
        out.push_str(&eval(expr, context));
        rest = after;
    }
    out + rest
}

/// A `with:` value as the runner passes it: text, with `true` and numbers as written.
fn input_text(value: &Value) -> String {
    value
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| value.to_string())
}

/// Runs the steps of the workflow's job `job` in `dir` as a runner would, with the stand-in tools
/// of `bin`: `run:` in bash, this action through action/run.sh with its `with:` as inputs, and
/// actions/cache's save and restore on `cache`, a directory of files named by their key. A
/// restore sets `steps.ID.outputs.cache-matched-key` in `context`, which gives the values of the
/// expressions. Returns the exit code of the first step that fails, or 0.
fn run_github_job(
    job: &str,
    dir: &Path,
    bin: &Path,
    cache: &Path,
    context: &mut BTreeMap<String, String>,
) -> i32 {
    let workflow = github_workflow();
    let steps = workflow["jobs"][job]["steps"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!steps.is_empty(), "job {job} has steps");
    for step in steps {
        let with = |key: &str| expand(&input_text(&step["with"][key]), context);
        let uses = step["uses"].as_str().unwrap_or_default();
        let code = if let Some(run) = step["run"].as_str() {
            let out = Command::new("bash")
                .args(["-e", "-c", &expand(run, context)])
                .current_dir(dir)
                .env("PATH", path_with(bin))
                .output()
                .expect("bash runs");
            out.status.code().unwrap_or(-1)
        } else if uses.starts_with("actions/checkout@") {
            0 // the project is there already
        } else if uses.starts_with("actions/cache/save@") {
            std::fs::copy(dir.join(with("path")), cache.join(with("key"))).expect("cached");
            0
        } else if uses.starts_with("actions/cache/restore@") {
            let (key, prefix) = (with("key"), with("restore-keys"));
            let mut keys: Vec<String> = std::fs::read_dir(cache)
                .expect("cache dir")
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            keys.sort();
            let matched = if keys.contains(&key) {
                Some(key)
            } else {
                keys.into_iter().find(|k| k.starts_with(&prefix))
            };
            if let Some(matched) = &matched {
                std::fs::copy(cache.join(matched), dir.join(with("path"))).expect("restored");
            }
            let id = step["id"].as_str().expect("the restore step has an id");
            context.insert(
                format!("steps.{id}.outputs.cache-matched-key"),
                matched.unwrap_or_default(),
            );
            0
        } else if uses.starts_with("sizegate/sizegate@v") {
            let inputs: Vec<(String, String)> = step["with"]
                .as_object()
                .expect("the action step has inputs")
                .iter()
                .map(|(k, v)| (k.clone(), expand(&input_text(v), context)))
                .collect();
            let inputs: Vec<(&str, &str)> = inputs
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let run = run_action_in(dir, &inputs, |cmd| {
                cmd.env("PATH", path_with(bin))
                    .env("SIZEGATE_BIN", bin.join("sizegate"));
            });
            run.code().unwrap_or(-1)
        } else {
            panic!("the test does not know the step {step}");
        };
        if code != 0 {
            return code;
        }
    }
    0
}

/// The expressions of the recipe: a push of commit `sha` to main, or a pull request on it.
fn github_context(sha: &str, base_sha: &str) -> BTreeMap<String, String> {
    [
        ("github.sha", sha),
        ("github.event.pull_request.base.sha", base_sha),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn github_baseline_workflow_saves_main_s_report_and_restores_it_in_pull_requests() {
    let workflow = github_workflow();
    assert_eq!(
        workflow["on"]["push"]["branches"],
        serde_json::json!(["main"])
    );
    assert!(workflow["on"]
        .as_object()
        .is_some_and(|on| on.contains_key("pull_request")));
    let (base, pr) = (&workflow["jobs"]["base-report"], &workflow["jobs"]["size"]);
    assert_eq!(base["if"], "github.event_name == 'push'");
    assert_eq!(pr["if"], "github.event_name == 'pull_request'");
    assert_eq!(pr["permissions"]["pull-requests"], "write");
    let step = |job: &Value, uses: &str| -> Value {
        job["steps"]
            .as_array()
            .and_then(|s| {
                s.iter()
                    .find(|s| s["uses"].as_str().is_some_and(|u| u.contains(uses)))
            })
            .cloned()
            .unwrap_or_else(|| panic!("a step uses {uses}"))
    };
    let (save, restore) = (
        step(base, "actions/cache/save@"),
        step(pr, "actions/cache/restore@"),
    );
    let saved = save["with"]["path"].as_str().expect("path");
    assert_eq!(restore["with"]["path"], saved);
    assert_eq!(save["with"]["key"], "sizegate-base-${{ github.sha }}");
    assert_eq!(restore["with"]["restore-keys"], "sizegate-base-");
    // main's check writes the report that is saved; the pull request's takes it as its baseline.
    let check = step(base, "/sizegate@");
    assert_eq!(check["with"]["args"], format!("--output json={saved}"));
    assert_eq!(check["with"]["fail-on"], "never");
    let gate = step(pr, "/sizegate@");
    assert_eq!(gate["with"]["comment"], true);
    let baseline = gate["with"]["baseline"].as_str().expect("baseline");
    assert!(baseline.contains(&format!("'{saved}'")), "{baseline}");
}

#[test]
fn github_baseline_main_job_caches_its_report_even_over_a_limit() {
    let dir = project("examples/fail.yml");
    let bin = fake_tools(dir.path());
    let cache = tempdir();
    let mut context = github_context("aaa111", "");
    let code = run_github_job("base-report", dir.path(), &bin, cache.path(), &mut context);
    assert_eq!(code, 0, "fail-on: never");
    let report: Value = serde_json::from_str(&read(&cache.path().join("sizegate-base-aaa111")))
        .expect("the cached report is JSON");
    // Over its limits (errors), yet passed: fail-on never.
    assert_eq!(
        (
            &report["verdict"],
            &report["fail_on"],
            report["errors"].as_u64() > Some(0)
        ),
        (&json!("pass"), &json!("never"), true)
    );
}

#[test]
fn github_baseline_first_pull_request_has_no_base_and_still_checks() {
    let dir = project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    let cache = tempdir();
    let mut context = github_context("bbb222", "aaa111");
    let code = run_github_job("size", dir.path(), &bin, cache.path(), &mut context);
    assert_eq!(code, 0);
    let calls = calls(&bin.join("sizegate.calls"));
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        !calls[0].iter().any(|a| a.starts_with("--baseline")),
        "{calls:?}"
    );
}

/// Needs `check --baseline`.
#[test]
fn github_baseline_pull_request_checks_against_main_s_report() {
    let cache = tempdir();
    let main = project("examples/pass.yml");
    let main_bin = fake_tools(main.path());
    let mut context = github_context("aaa111", "");
    let code = run_github_job(
        "base-report",
        main.path(),
        &main_bin,
        cache.path(),
        &mut context,
    );
    assert_eq!(code, 0);
    // The pull request's base is an older commit of main, with no report: main's newest is taken.
    let dir = project("examples/pass.yml");
    let bin = fake_tools(dir.path());
    let mut context = github_context("bbb222", "000000");
    let code = run_github_job("size", dir.path(), &bin, cache.path(), &mut context);
    let calls = calls(&bin.join("sizegate.calls"));
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        has_args(&calls[0], &["--baseline=sizegate-base.json"]),
        "{calls:?}"
    );
    assert_eq!(code, 0, "{calls:?}");
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
fn action_without_a_policy_input_finds_the_policy_as_sizegate_does() {
    // Regression: the `policy` input defaulted to sizegate.yml, so a project with .sizegate.yml or
    // a lone .dive-ci (sizegate's own defaults) failed with "cannot read sizegate.yml".
    for (file, text, code, says) in [
        (
            ".dive-ci",
            "rules:\n  lowestEfficiency: 0.95\n".to_string(),
            1,
            "dive-lowest-efficiency",
        ),
        (
            ".sizegate.yml",
            read(&root().join("examples/fail.yml")),
            1,
            "FAIL: 3 errors, 0 warnings",
        ),
    ] {
        let dir = tempdir();
        write_file(dir.path(), file, text.as_bytes());
        let image = fixture("tiny.docker.tar");
        let run = run_action_in(dir.path(), &[("image", path_str(&image))], |_| {});
        let stdout = run.stdout();
        assert_eq!(run.code(), Some(code), "{file}: {stdout}{}", run.stderr());
        assert!(stdout.contains(says), "{file}: {says} in {stdout}");
    }
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
            "category",
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
