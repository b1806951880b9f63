//! CI as the recipes meet it: the action's script run with a GitHub-like environment, stand-in
//! `docker` and `sizegate` on the PATH, a project directory with a policy and a Dockerfile, and
//! the tools the scripts need (`curl`, `jq`).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::http::no_proxy;
use super::{fixture, root, sizegate_bin, tempdir, write_file};

/// The text of `path`, or "" when it does not exist.
pub(crate) fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Writes an executable script `dir/name`.
pub(crate) fn write_script(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = write_file(dir, name, text.as_bytes());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// A directory `dir/bin` with a stand-in `docker` (build: nothing; save: the fixture image) and a
/// `sizegate` that records its arguments in `dir/bin/sizegate.calls` (see [`calls`]) and runs the
/// real binary.
pub(crate) fn fake_tools(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    let docker = format!(
        "#!/bin/sh\ncase \"$1\" in\n  build) exit 0 ;;\n  save)\n    shift\n    if [ \"$1\" = \"-o\" ]; then cp '{0}' \"$2\"; else cat '{0}'; fi ;;\n  *) echo \"fake docker: $*\" >&2; exit 1 ;;\nesac\n",
        fixture("tiny.docker.tar").display()
    );
    write_script(&bin, "docker", &docker);
    let sizegate = format!("exec '{}' \"$@\"\n", sizegate_bin().display());
    recording_script(&bin, "sizegate", &sizegate);
    bin
}

/// What ends one call in a recording of [`record_to`]: the ASCII record separator, which no test
/// passes in an argument (a newline can be one).
const CALL_END: char = '\x1e';

/// The shell line that appends the arguments of the script it is in to `calls` as one call: each
/// argument ended by a NUL, so that one with spaces stays one, then [`CALL_END`]. Read by
/// [`calls`].
pub(crate) fn record_to(calls: &Path) -> String {
    format!(
        "{{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; printf '\\036'; }} >> '{}'",
        calls.display()
    )
}

/// Writes an executable `dir/name` that records its arguments in `dir/name.calls` (see
/// [`record_to`]), then runs the shell lines `tail`.
pub(crate) fn recording_script(dir: &Path, name: &str, tail: &str) -> PathBuf {
    let calls = dir.join(format!("{name}.calls"));
    write_script(
        dir,
        name,
        &format!("#!/bin/sh\n{}\n{tail}", record_to(&calls)),
    )
}

/// The calls recorded in `path` (by [`recording_script`] or [`record_to`]), in order, each as
/// its arguments; none when nothing ran.
pub(crate) fn calls(path: &Path) -> Vec<Vec<String>> {
    read(path)
        .split_terminator(CALL_END)
        .map(|call| call.split_terminator('\0').map(str::to_string).collect())
        .collect()
}

/// Whether `call` holds `args` one after the other, each as one argument.
pub(crate) fn has_args(call: &[String], args: &[&str]) -> bool {
    call.windows(args.len()).any(|w| w.iter().eq(args))
}

/// The lines of a stand-in `sizegate` for the action's script that create the report files it
/// is asked for (`--output json=FILE`, `--output github=FILE`), empty, as the script reads them.
pub(crate) const WRITES_REPORTS: &str =
    "for a in \"$@\"; do\n  case \"$a\" in json=*|github=*) : > \"${a#*=}\" ;; esac\ndone\n";

/// `$PATH` with `bin` first.
pub(crate) fn path_with(bin: &Path) -> String {
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A work directory with `policy` (a path from the repository root) as `sizegate.yml` and a
/// Dockerfile, as a project would have.
pub(crate) fn project(policy: &str) -> tempfile::TempDir {
    let dir = tempdir();
    std::fs::copy(root().join(policy), dir.path().join("sizegate.yml")).expect("policy");
    write_file(
        dir.path(),
        "Dockerfile",
        b"FROM scratch\nCOPY app/ /opt/app/\n",
    );
    dir
}

/// Fails the test, saying what to install, when a tool that it (or the scripts under test) runs
/// is missing: such a test must not pass by skipping what it is about.
#[track_caller]
pub(crate) fn require_tools(tools: &[&str]) {
    for tool in tools {
        let found = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "`{tool}` is not installed, and this test runs it: .ci/run installs it (apt-get install {})",
            debian_package(tool)
        );
    }
}

/// The Debian package that installs `tool`, where its name is not the tool's (as .ci/run maps
/// them).
fn debian_package(tool: &str) -> &str {
    match tool {
        "htpasswd" => "apache2-utils",
        "man" => "man-db",
        "xmllint" => "libxml2-utils",
        "script" => "bsdutils",
        tool => tool,
    }
}

/// The variable the action's script reads input `name` from (`fail-on` is `INPUT_FAIL_ON`).
pub(crate) fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.to_uppercase().replace('-', "_"))
}

/// The variables of a runner that say which pull request, repository and API a run is for: unset
/// in every run of the action, so that a test run on a real runner never reaches its API.
const RUNNER_CONTEXT: [&str; 5] = [
    "GITHUB_API_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_EVENT_PATH",
    "GITHUB_EVENT_NAME",
    "GITHUB_TOKEN",
];

/// One run of the action's script.
pub(crate) struct ActionRun {
    pub out: Output,
    /// What it wrote to `$GITHUB_OUTPUT`.
    pub outputs: String,
    /// What it wrote to `$GITHUB_STEP_SUMMARY`.
    pub summary: String,
    /// Its `$RUNNER_TEMP`.
    pub temp: tempfile::TempDir,
}

impl ActionRun {
    pub(crate) fn code(&self) -> Option<i32> {
        self.out.status.code()
    }

    pub(crate) fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.stdout).into_owned()
    }

    pub(crate) fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
}

/// action/run.sh from the repository root with `inputs`, as a runner runs it.
pub(crate) fn run_action(inputs: &[(&str, &str)]) -> ActionRun {
    run_action_in(root(), inputs, |_| {})
}

/// action/run.sh from `cwd` with `inputs`, as a runner runs it (the real binary, a fresh
/// `$RUNNER_TEMP`, its own output and summary files); `setup` adds to the environment.
pub(crate) fn run_action_in(
    cwd: &Path,
    inputs: &[(&str, &str)],
    setup: impl FnOnce(&mut Command),
) -> ActionRun {
    let temp = tempdir();
    let outputs = temp.path().join("github_output");
    let summary = temp.path().join("step_summary");
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .current_dir(cwd)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_ACTION_PATH", root())
        .env("RUNNER_TEMP", temp.path())
        .env("SIZEGATE_BIN", sizegate_bin())
        .env("NO_COLOR", "1");
    for var in RUNNER_CONTEXT {
        cmd.env_remove(var);
    }
    for (k, v) in inputs {
        cmd.env(input_var(k), v);
    }
    setup(&mut cmd);
    let out = cmd.output().expect("bash runs");
    ActionRun {
        outputs: read(&outputs),
        summary: read(&summary),
        out,
        temp,
    }
}

/// The variables that would point git at another repository than the one of its work directory
/// (as when the tests themselves run from a git hook): removed from every git and hook a test
/// runs.
pub(crate) const GIT_VARS: [&str; 3] = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"];

/// Runs git in `dir` with an identity of its own and no signing (the developer's config must not
/// be needed) and returns its stdout, trimmed; it must succeed.
pub(crate) fn git(dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    for var in GIT_VARS {
        cmd.env_remove(var);
    }
    let out = cmd
        .args([
            "-c",
            "user.name=sizegate tests",
            "-c",
            "user.email=tests@sizegate.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// examples/ci/gitlab-ci.yml, parsed.
pub(crate) fn gitlab_ci() -> Value {
    serde_saphyr::from_str(&read(&root().join("examples/ci/gitlab-ci.yml")))
        .expect("gitlab-ci.yml is YAML")
}

/// The strings of a YAML list (empty when it is not one).
pub(crate) fn strings(list: &Value) -> Vec<&str> {
    list.as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The lines of a GitLab job's `before_script` or `script`, as one shell script ("" when it has
/// none).
pub(crate) fn job_script(job: &Value, key: &str) -> String {
    strings(&job[key]).join("\n")
}

/// Runs `script` of the GitLab job `job` in `dir` as a runner would: in one shell that stops at
/// the first failing line, with `PATH` set to `path`, the job's `variables`, then `env` (the
/// pipeline's), and no proxy between it and the tests' stand-in servers.
pub(crate) fn run_gitlab_job(
    job: &Value,
    script: &str,
    dir: &Path,
    path: &str,
    env: &[(&str, &str)],
) -> Output {
    let mut cmd = Command::new("sh");
    cmd.args(["-e", "-c", script])
        .current_dir(dir)
        .env("PATH", path);
    if let Some(vars) = job["variables"].as_object() {
        for (name, value) in vars {
            cmd.env(name, value.as_str().unwrap_or_default());
        }
    }
    cmd.envs(env.iter().copied());
    no_proxy(&mut cmd);
    cmd.output().expect("sh runs")
}
