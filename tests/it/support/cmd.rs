//! Running the real `sizegate` binary and reading what it printed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use super::http::no_proxy;
use super::path_str;

/// The variables of GitHub Actions the binary reads.
pub(crate) const GITHUB_VARS: [&str; 4] = [
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "RUNNER_TEMP",
];

/// Removes the `SIZEGATE_*` variables of the test's own environment from `cmd`'s (they set
/// options: a developer's `SIZEGATE_FORMAT=json` must not change what a test sees); a test that
/// wants one sets it again.
pub(crate) fn without_sizegate_vars(cmd: &mut std::process::Command) {
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(|n| n.starts_with("SIZEGATE_")) {
            cmd.env_remove(name);
        }
    }
}
/// The variables the binary reads to name files from the repository root and to link them to a
/// commit: unset in every run (a CI running the tests sets them), set again by the tests of them.
pub(crate) const REPOSITORY_VARS: [&str; 5] = [
    "GITHUB_WORKSPACE",
    "CI_PROJECT_DIR",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_SHA",
];

/// The path of the `sizegate` binary of this package, for scripts that run it themselves.
pub(crate) fn sizegate_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("sizegate")
}

/// The variables of the terminal and of sizegate's own options that change how the tables look:
/// removed, so that every run prints as a pipe does (120 columns, no colour, not quiet).
pub(crate) const LOOK_VARS: [&str; 4] = [
    "COLUMNS",
    "CLICOLOR_FORCE",
    "SIZEGATE_COLOR",
    "SIZEGATE_QUIET",
];

/// Makes the environment `cmd` passes on (to sizegate, or to a script or terminal that runs it)
/// the tests' own, whatever the machine's: no colour, 120 columns, outside GitHub Actions even
/// when the tests run there (so that no run appends to the real step summary), none of the
/// developer's `SIZEGATE_*` options, no repository to link to, no Docker daemon or podman
/// service, and none of the user's registry settings (see [`without_user_registry_settings`]).
/// A test that wants a runner, another look, a daemon or credentials sets the variables again.
pub(crate) fn isolate(cmd: &mut std::process::Command) -> &mut std::process::Command {
    cmd.env("NO_COLOR", "1");
    for var in GITHUB_VARS.iter().chain(&LOOK_VARS).chain(&REPOSITORY_VARS) {
        cmd.env_remove(var);
    }
    without_sizegate_vars(cmd);
    // No Docker daemon the machine may have answers an image name: a test that wants one starts
    // its own and points DOCKER_HOST at it.
    cmd.env("DOCKER_HOST", NO_DAEMON)
        .env_remove("DOCKER_TLS_VERIFY")
        .env("CONTAINER_HOST", NO_PODMAN);
    without_user_registry_settings(cmd);
    cmd
}

/// The `sizegate` binary in an [`isolate`]d environment.
pub(crate) fn sizegate() -> Command {
    let mut cmd = std::process::Command::new(sizegate_bin());
    isolate(&mut cmd);
    Command::from_std(cmd)
}

/// Where the tests' `sizegate` looks for docker's `config.json` and for podman's runtime
/// directory (`containers/auth.json`) unless told otherwise: nowhere.
pub(crate) const NO_DOCKER_CONFIG: &str = "/nonexistent/sizegate-tests/docker-config";
/// See [`NO_DOCKER_CONFIG`].
pub(crate) const NO_RUNTIME_DIR: &str = "/nonexistent/sizegate-tests/run";

/// The variables that point sizegate at credentials, at trusted CAs or at a proxy for a registry.
/// Removed or pointed nowhere, so that no test sends the developer's credentials to a test
/// registry, and none passes only because the developer's machine trusts or reaches something;
/// a test that wants one sets it again.
fn without_user_registry_settings(cmd: &mut std::process::Command) {
    cmd.env("DOCKER_CONFIG", NO_DOCKER_CONFIG)
        .env("XDG_RUNTIME_DIR", NO_RUNTIME_DIR)
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR");
    // The test registries listen on 127.0.0.1: a proxy of the machine must not be asked.
    no_proxy(cmd);
}

/// Where the tests' `sizegate` looks for podman's socket unless told otherwise: nowhere.
pub(crate) const NO_PODMAN: &str = "unix:///nonexistent/sizegate-tests/podman.sock";

/// Where the tests' `sizegate` looks for a Docker daemon unless told otherwise: nowhere.
pub(crate) const NO_DAEMON: &str = "unix:///nonexistent/sizegate-tests/docker.sock";

/// [`sizegate`] run from `dir`, so that relative paths print as written.
pub(crate) fn sizegate_in(dir: &Path) -> Command {
    let mut cmd = sizegate();
    cmd.current_dir(dir);
    cmd
}

/// What one run of the binary gave.
pub(crate) struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout parsed as JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The last line of stdout: the table's verdict line.
    pub(crate) fn verdict_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or_default()
    }
}

/// Runs `cmd`; its stdout must be UTF-8.
pub(crate) fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("sizegate runs");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `sizegate ARGS` in `dir`.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Run {
    run(sizegate_in(dir).args(args))
}

/// No variables, for [`run_in_env`] and [`run_in_env_without`] (an empty `&[]` names no value type).
pub(crate) const NO_VARS: &[(&str, &str)] = &[];

/// Runs `sizegate ARGS` in `dir` with the variables `env` set over its [`isolate`]d environment:
/// the options, credentials, certificates or repository a test gives sizegate through variables.
pub(crate) fn run_in_env<V: AsRef<OsStr>>(dir: &Path, args: &[&str], env: &[(&str, V)]) -> Run {
    run_in_env_without(dir, args, &[], env)
}

/// [`run_in_env`] with the variables `unset` removed before `env` is set: for a test of a
/// variable the isolation itself sets (`NO_COLOR`), whose absence is then a case of its own.
pub(crate) fn run_in_env_without<V: AsRef<OsStr>>(
    dir: &Path,
    args: &[&str],
    unset: &[&str],
    env: &[(&str, V)],
) -> Run {
    let mut cmd = sizegate_in(dir);
    cmd.args(args);
    for name in unset {
        cmd.env_remove(name);
    }
    for (name, value) in env {
        cmd.env(name, value);
    }
    run(&mut cmd)
}

/// `sizegate layers ARGS --format json`, to run (or to give stdin first).
pub(crate) fn layers_cmd(args: &[&str]) -> Command {
    let mut cmd = sizegate();
    cmd.arg("layers").args(args).args(["--format", "json"]);
    cmd
}

/// Runs `cmd`, checks that it succeeded, and returns its stdout parsed as JSON.
pub(crate) fn json_of(cmd: &mut Command) -> Value {
    let run = run(cmd);
    assert_eq!(
        run.code, 0,
        "sizegate failed: {cmd:?}\nstderr: {}",
        run.stderr
    );
    run.json()
}

/// `sizegate layers ARGS --format json`, which must succeed: the report.
pub(crate) fn layers_json(args: &[&str]) -> Value {
    json_of(&mut layers_cmd(args))
}

/// `layers --format json` of a file or directory.
pub(crate) fn layers_of(path: &Path) -> Value {
    layers_json(&[path_str(path)])
}

/// `layers --format json` of an archive piped on stdin.
pub(crate) fn layers_of_stdin(archive: Vec<u8>) -> Value {
    json_of(layers_cmd(&["-"]).write_stdin(archive))
}

/// Runs `sizegate inventory <path>`, checks that it succeeded, and returns the raw CSV bytes (names
/// need not be UTF-8).
pub(crate) fn inventory_of(path: &Path) -> Vec<u8> {
    let out = sizegate()
        .arg("inventory")
        .arg(path)
        .output()
        .expect("sizegate runs");
    assert!(
        out.status.success(),
        "sizegate inventory failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Asserts that `run` failed as sizegate fails on a bad input or a refusal: exit code 2, nothing
/// on stdout, no panic, and one `error: …` line on stderr; returns that stderr. Each failed
/// assertion names `what`: the case or the run it checks.
#[track_caller]
pub(crate) fn assert_failed(run: &Run, what: &str) -> String {
    let stderr = &run.stderr;
    assert_eq!(
        run.code, 2,
        "{what}: expected exit code 2; stderr: {stderr}"
    );
    assert!(
        !stderr.contains("panicked"),
        "{what}: sizegate panicked: {stderr}"
    );
    assert!(
        run.stdout.is_empty(),
        "{what}: nothing is printed on stdout on error: {}",
        run.stdout
    );
    assert!(
        stderr.starts_with("error: ") && stderr.ends_with('\n') && stderr.lines().count() == 1,
        "{what}: one error line expected: {stderr:?}"
    );
    stderr.clone()
}

/// Runs `sizegate` with `args` (and `stdin` when given), which must fail (see [`assert_failed`]);
/// returns its stderr.
#[track_caller]
pub(crate) fn fails(what: &str, args: &[&str], stdin: Option<Vec<u8>>) -> String {
    let mut cmd = sizegate();
    cmd.args(args);
    if let Some(data) = stdin {
        cmd.write_stdin(data);
    }
    assert_failed(&run(&mut cmd), &format!("{what} ({args:?})"))
}

/// [`fails`] for `sizegate layers <path>` plus extra arguments.
pub(crate) fn layers_fails(what: &str, path: &Path, extra: &[&str]) -> String {
    let mut args = vec!["layers", path_str(path)];
    args.extend_from_slice(extra);
    fails(what, &args, None)
}

/// [`fails`] for `sizegate layers -` plus extra arguments, with `archive` on stdin.
pub(crate) fn layers_fails_stdin(what: &str, archive: Vec<u8>, extra: &[&str]) -> String {
    let mut args = vec!["layers", "-"];
    args.extend_from_slice(extra);
    fails(what, &args, Some(archive))
}

/// The path as sizegate prints it in messages.
pub(crate) fn shown(path: &Path) -> String {
    path.display().to_string()
}

/// What a run under [`bounded`] gave: the run, and how long it took.
pub(crate) struct BoundedRun {
    pub run: Run,
    pub elapsed: std::time::Duration,
}

/// Runs `sizegate ARGS` (with `stdin` piped in when given) with its address space capped at
/// `max_mib` MiB and its time at `max_secs` seconds, so that a run that would eat memory fails
/// instead of swapping and one that would hang is killed (exit 124, from `timeout`). Needs `sh`
/// (for `ulimit -v`) and coreutils' `timeout`.
pub(crate) fn bounded(
    args: &[&str],
    stdin: Option<Vec<u8>>,
    max_mib: u64,
    max_secs: u64,
) -> BoundedRun {
    bounded_in(None, args, stdin, max_mib, max_secs)
}

/// [`bounded`] run from `dir` when given, so that the files sizegate looks for by default (such
/// as `sizegate.yml`) are the test's.
pub(crate) fn bounded_in(
    dir: Option<&Path>,
    args: &[&str],
    stdin: Option<Vec<u8>>,
    max_mib: u64,
    max_secs: u64,
) -> BoundedRun {
    let script = format!(
        "ulimit -v {}; exec timeout -s KILL {max_secs} \"$0\" \"$@\"",
        max_mib * 1024
    );
    let mut sh = std::process::Command::new("sh");
    sh.arg("-c").arg(script).arg(sizegate_bin()).args(args);
    if let Some(dir) = dir {
        sh.current_dir(dir);
    }
    isolate(&mut sh);
    let mut cmd = Command::from_std(sh);
    if let Some(data) = stdin {
        cmd.write_stdin(data);
    }
    let start = std::time::Instant::now();
    let out = cmd.output().expect("sh runs");
    BoundedRun {
        elapsed: start.elapsed(),
        run: Run {
            // Killed by a signal (no code): report it as 128 + the signal, as a shell would.
            code: out.status.code().unwrap_or(137),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
    }
}
