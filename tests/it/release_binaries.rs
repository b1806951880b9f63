//! The release binaries and everything that fetches them, run against a release-like layout
//! served on 127.0.0.1: the archives that .github/scripts/package.sh packs (as release.yml does),
//! their SHA256SUMS, and the action (action/run.sh with action/install.sh), the pre-commit hook
//! and the GitLab recipe downloading, verifying and running them; a wrong checksum stops each,
//! a missing asset sends the action and the hook to a build from source (a stand-in cargo).
//! Also: every place that spells an asset name spells the one action/install.sh gives.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::ci::{project, read, run_action_in, write_script, ActionRun};
use crate::support::http::{no_proxy, Response, Server};
use crate::support::{fixture, path_str, root, sizegate_bin, tempdir};

/// The targets release.yml builds, in its order.
const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

/// The tag of the releases the action tests serve (any release tag will do).
const TAG: &str = "v9.8.7";

/// A PATH with the system's tools but not a developer's cargo or sizegate: `dir` first.
fn bare_path(dir: &Path) -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", dir.display())
}

/// The target of this machine, as release.yml names it.
fn host_target() -> String {
    let arch = match std::env::consts::ARCH {
        "aarch64" => "aarch64",
        _ => "x86_64",
    };
    match std::env::consts::OS {
        "macos" => format!("{arch}-apple-darwin"),
        _ => format!("{arch}-unknown-linux-musl"),
    }
}

/// The version in Cargo.toml, which the pre-commit hook's release is.
fn cargo_version() -> String {
    read(&root().join("Cargo.toml"))
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml has a version")
        .to_string()
}

/// Runs action/install.sh with `args` and returns its stdout, asserting that it succeeded.
fn install_sh(args: &[&str]) -> String {
    let out = Command::new("sh")
        .arg(root().join("action/install.sh"))
        .args(args)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// A release as release.yml publishes it: the archives of `targets` packed by package.sh, each
/// holding the same stand-in `sizegate`, and SHA256SUMS made by `sha256sum`.
struct Release {
    tag: String,
    /// Name -> bytes of every asset, SHA256SUMS included.
    assets: BTreeMap<String, Vec<u8>>,
    /// Where the stand-in appends its arguments, one call a line.
    calls: PathBuf,
    _dir: tempfile::TempDir,
}

impl Release {
    /// Packs the release `tag` for `targets`. The stand-in binary answers `man` and `completions`
    /// as sizegate does (text on stdout) and runs every other command with the real binary,
    /// after noting its arguments: a test then knows that the downloaded binary is what ran.
    fn pack(tag: &str, targets: &[&str]) -> Release {
        let dir = tempdir();
        let calls = dir.path().join("release-sizegate.calls");
        let stand_in = write_script(
            dir.path(),
            "sizegate",
            &format!(
                "#!/bin/sh\ncase \"$1\" in\n  man) echo '.TH SIZEGATE 1'; exit 0 ;;\n  completions) echo \"# $2 completions\"; exit 0 ;;\nesac\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                calls.display(),
                sizegate_bin().display()
            ),
        );
        let out_dir = dir.path().join("dist");
        for target in targets {
            let out = Command::new(root().join(".github/scripts/package.sh"))
                .args([tag, target])
                .arg(&stand_in)
                .arg(&stand_in)
                .arg(&out_dir)
                .output()
                .expect("package.sh runs");
            assert!(
                out.status.success(),
                "package.sh {target}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // release.yml's own line.
        let status = Command::new("sh")
            .args(["-c", "sha256sum -- * > SHA256SUMS"])
            .current_dir(&out_dir)
            .status()
            .expect("sha256sum runs");
        assert!(status.success());
        let assets = std::fs::read_dir(&out_dir)
            .expect("dist")
            .filter_map(Result::ok)
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).expect("asset"))
            })
            .collect();
        Release {
            tag: tag.to_string(),
            assets,
            calls,
            _dir: dir,
        }
    }

    /// The name of this release's archive for `target`.
    fn asset(&self, target: &str) -> String {
        install_sh(&["--asset", &self.tag, target])
    }

    /// SHA256SUMS with the line of `asset` replaced by another file's checksum.
    fn with_wrong_checksum_for(mut self, asset: &str) -> Release {
        let wrong = "0".repeat(64);
        let sums = String::from_utf8_lossy(&self.assets["SHA256SUMS"])
            .lines()
            .map(|l| match l.split_once("  ") {
                Some((_, name)) if name == asset => format!("{wrong}  {name}\n"),
                _ => format!("{l}\n"),
            })
            .collect::<String>();
        self.assets.insert("SHA256SUMS".into(), sums.into_bytes());
        self
    }

    /// The stand-in's calls so far.
    fn calls(&self) -> Vec<String> {
        read(&self.calls).lines().map(str::to_string).collect()
    }

    /// Serves the release as GitHub does, under `/REPO/releases/download/TAG/`; 404 elsewhere.
    fn serve(&self, repo: &str) -> Server {
        let prefix = format!("/{repo}/releases/download/{}/", self.tag);
        let assets = self.assets.clone();
        Server::start(move |request| {
            match request
                .path
                .strip_prefix(&prefix)
                .and_then(|name| assets.get(name))
            {
                Some(bytes) => Response::bytes(200, bytes.clone()),
                None => Response::new(404, "Not Found"),
            }
        })
    }
}

/// The request lines a server answered.
fn request_lines(server: &Server) -> Vec<String> {
    server.requests().iter().map(|r| r.line()).collect()
}

/// A stand-in `cargo` in `dir` that notes its arguments in `dir/cargo.calls` and, for
/// `install … --root ROOT …`, puts the real sizegate in ROOT/bin as a build would.
fn stand_in_cargo(dir: &Path) {
    write_script(
        dir,
        "cargo",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{0}/cargo.calls'\nroot=\nwhile [ $# -gt 0 ]; do\n  [ \"$1\" != --root ] || root=$2\n  shift\ndone\nmkdir -p \"$root/bin\"\nln -sf '{1}' \"$root/bin/sizegate\"\n",
            dir.display(),
            sizegate_bin().display()
        ),
    );
}

/// The stand-in cargo's calls.
fn cargo_calls(dir: &Path) -> Vec<String> {
    read(&dir.join("cargo.calls"))
        .lines()
        .map(str::to_string)
        .collect()
}

/// The action's step as a runner runs it with no SIZEGATE_BIN: its ref `action_ref`, its
/// repository sizegate/sizegate, the server at `server_url` as GITHUB_SERVER_URL, a fresh HOME,
/// and `tools` (with or without a stand-in cargo) first on a PATH without the developer's own.
fn run_released_action(
    inputs: &[(&str, &str)],
    action_ref: &str,
    server_url: &str,
    tools: &Path,
    home: &Path,
) -> ActionRun {
    run_action_in(root(), inputs, |cmd| {
        cmd.env_remove("SIZEGATE_BIN")
            .env("SIZEGATE_ACTION_REF", action_ref)
            .env("SIZEGATE_ACTION_REPOSITORY", "sizegate/sizegate")
            .env("GITHUB_SERVER_URL", server_url)
            .env("HOME", home)
            .env("PATH", bare_path(tools));
        no_proxy(cmd);
    })
}

const PASSING: [(&str, &str); 2] = [
    ("image", "tests/fixtures/tiny.docker.tar"),
    ("policy", "examples/pass.yml"),
];

#[test]
fn install_script_names_the_archive_of_every_release_target() {
    let names: Vec<String> = TARGETS
        .iter()
        .map(|t| install_sh(&["--asset", "v1.2.3", t]))
        .collect();
    assert_eq!(
        names,
        [
            "sizegate-v1.2.3-x86_64-unknown-linux-musl.tar.gz",
            "sizegate-v1.2.3-aarch64-unknown-linux-musl.tar.gz",
            "sizegate-v1.2.3-x86_64-apple-darwin.tar.gz",
            "sizegate-v1.2.3-aarch64-apple-darwin.tar.gz",
            "sizegate-v1.2.3-x86_64-pc-windows-msvc.zip",
        ]
    );
    assert_eq!(install_sh(&["--target"]), host_target());
    // A tag is a tag: it becomes a URL.
    for bad in ["1.2.3", "v1.2.3/../x", "latest"] {
        let out = Command::new("sh")
            .arg(root().join("action/install.sh"))
            .args(["--asset", bad, "x86_64-unknown-linux-musl"])
            .output()
            .expect("sh runs");
        assert_eq!(out.status.code(), Some(1), "{bad}");
    }
}

/// The paths of an archive, sorted.
fn archive_listing(path: &Path) -> Vec<String> {
    let out = if path_str(path).ends_with(".zip") {
        Command::new("unzip").arg("-Z1").arg(path).output()
    } else {
        Command::new("tar").arg("-tzf").arg(path).output()
    }
    .expect("the archive is listed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[test]
fn release_archives_hold_the_binary_readme_licences_man_page_and_completions() {
    crate::support::ci::require_tools(&["zip", "unzip"]);
    let release = Release::pack(
        TAG,
        &["x86_64-unknown-linux-musl", "x86_64-pc-windows-msvc"],
    );
    let dir = tempdir();
    for (target, exe) in [
        ("x86_64-unknown-linux-musl", "sizegate"),
        ("x86_64-pc-windows-msvc", "sizegate.exe"),
    ] {
        let name = release.asset(target);
        let path = dir.path().join(&name);
        std::fs::write(&path, &release.assets[&name]).expect("archive");
        let top = format!("sizegate-{TAG}-{target}/");
        let mut want: Vec<String> = [
            "",
            "LICENSE-APACHE",
            "LICENSE-MIT",
            "README.md",
            "completions/",
            "completions/_sizegate",
            "completions/_sizegate.ps1",
            "completions/sizegate.bash",
            "completions/sizegate.fish",
            exe,
            "sizegate.1",
        ]
        .iter()
        .map(|f| format!("{top}{f}"))
        .collect();
        want.sort();
        assert_eq!(archive_listing(&path), want, "{name}");
    }
    // The list covers every archive, in sha256sum's own format.
    let sums = String::from_utf8_lossy(&release.assets["SHA256SUMS"]).into_owned();
    let listed: Vec<&str> = sums
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(_, n)| n))
        .collect();
    assert_eq!(
        listed,
        [
            release.asset("x86_64-pc-windows-msvc"),
            release.asset("x86_64-unknown-linux-musl")
        ]
    );
}

#[test]
fn action_runs_the_verified_binary_of_its_release_tag() {
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let (tools, home) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    let run = run_released_action(&PASSING, TAG, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    let asset = release.asset(&host_target());
    let base = format!("GET /sizegate/sizegate/releases/download/{TAG}");
    assert_eq!(
        request_lines(&server),
        [format!("{base}/{asset}"), format!("{base}/SHA256SUMS")]
    );
    let calls = release.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].starts_with("check --output json="), "{calls:?}");
    assert!(cargo_calls(tools.path()).is_empty(), "nothing is built");
    assert!(!run.outputs.contains("built=true"), "{}", run.outputs);
}

#[test]
fn action_fails_on_a_binary_its_release_does_not_vouch_for() {
    let asset = Release::pack(TAG, &[&host_target()]).asset(&host_target());
    let wrong = Release::pack(TAG, &[&host_target()]).with_wrong_checksum_for(&asset);
    let mut unlisted = Release::pack(TAG, &[&host_target()]);
    unlisted.assets.insert("SHA256SUMS".into(), Vec::new());
    let mut no_sums = Release::pack(TAG, &[&host_target()]);
    no_sums.assets.remove("SHA256SUMS");
    let base = "/sizegate/sizegate/releases/download/v9.8.7";
    for (release, message) in [
        (
            &wrong,
            format!(
                "checksum mismatch for {asset}: SHA256SUMS says {}, the download is ",
                "0".repeat(64)
            ),
        ),
        (
            &unlisted,
            format!("{base}/SHA256SUMS does not list {asset}: the binary cannot be verified"),
        ),
        (
            &no_sums,
            format!("{base}/SHA256SUMS (HTTP 404): the binary cannot be verified"),
        ),
    ] {
        let server = release.serve("sizegate/sizegate");
        let (tools, home) = (tempdir(), tempdir());
        stand_in_cargo(tools.path());
        let run = run_released_action(&PASSING, TAG, server.url(), tools.path(), home.path());
        let stdout = run.stdout();
        assert_eq!(run.code(), Some(2), "{stdout}");
        assert!(
            stdout.starts_with(&format!("::error title=sizegate action::sizegate {TAG}: ")),
            "{stdout}"
        );
        assert!(stdout.contains(&message), "{message} in {stdout}");
        assert!(release.calls().is_empty(), "the binary never ran");
        assert!(cargo_calls(tools.path()).is_empty(), "no build instead");
    }
}

#[test]
fn action_builds_from_source_when_its_release_has_no_binary_for_the_runner() {
    // The release exists, but only for another machine: the asset for this one is a 404.
    let release = Release::pack(TAG, &["x86_64-pc-windows-msvc"]);
    let server = release.serve("sizegate/sizegate");
    let (tools, home) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    let run = run_released_action(&PASSING, TAG, server.url(), tools.path(), home.path());
    let stdout = run.stdout();
    assert_eq!(run.code(), Some(0), "{stdout}{}", run.stderr());
    let root_dir = home.path().join(".sizegate-action");
    assert_eq!(
        cargo_calls(tools.path()),
        [format!(
            "install --locked --quiet --root {} --path {}",
            root_dir.display(),
            root().display()
        )]
    );
    assert!(
        stdout.contains(&format!(
            "::notice title=sizegate action::release {TAG} has no sizegate binary for this runner: building sizegate from source"
        )),
        "{stdout}"
    );
    assert!(
        run.outputs.lines().any(|l| l == "built=true"),
        "{}",
        run.outputs
    );
    assert_eq!(
        request_lines(&server).len(),
        1,
        "no SHA256SUMS without an asset"
    );
}

#[test]
fn action_on_a_branch_builds_from_source_and_says_so_when_cargo_is_missing() {
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let (no_cargo, home) = (tempdir(), tempdir());
    let run = run_released_action(&PASSING, "main", server.url(), no_cargo.path(), home.path());
    assert_eq!(run.code(), Some(2), "{}", run.stdout());
    assert_eq!(
        run.stdout(),
        "::error title=sizegate action::no sizegate release matches this action's ref 'main', and cargo is not installed to build it from source: pin a release (uses: sizegate/sizegate@v1.2.3, or set the 'version' input) or install Rust before this step\n"
    );
    assert!(server.requests().is_empty(), "a branch has no release");
    // With cargo, the branch is built, and the build is for action.yml to cache.
    let tools = tempdir();
    stand_in_cargo(tools.path());
    let run = run_released_action(&PASSING, "main", server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    assert_eq!(cargo_calls(tools.path()).len(), 1);
    assert!(run.outputs.lines().any(|l| l == "built=true"));
    // The next run finds the (restored) build and builds nothing.
    let run = run_released_action(&PASSING, "main", server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    assert_eq!(cargo_calls(tools.path()).len(), 1);
    assert!(!run.outputs.contains("built=true"));
    assert!(server.requests().is_empty());
}

#[test]
fn action_version_input_names_the_release_and_never_builds_another() {
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let (tools, home) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    // Pinned by commit, with the release named: that release's binary.
    let mut inputs = PASSING.to_vec();
    inputs.push(("version", "9.8.7"));
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let run = run_released_action(&inputs, sha, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    assert_eq!(release.calls().len(), 1);
    // A release named by the input that has no binary here is an error, not a build of the
    // action's source, which is another version.
    let mut inputs = PASSING.to_vec();
    inputs.push(("version", "v1.0.0"));
    let run = run_released_action(&inputs, sha, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(2), "{}", run.stdout());
    assert!(
        run.stdout().starts_with(&format!(
            "::error title=sizegate action::release v1.0.0 has no {}",
            install_sh(&["--asset", "v1.0.0", &host_target()])
        )),
        "{}",
        run.stdout()
    );
    assert!(cargo_calls(tools.path()).is_empty());
}

#[test]
fn action_finds_its_ref_and_repository_where_the_runner_put_it() {
    // A fork's action, checked out by the runner at _actions/OWNER/REPO/REF, without the
    // github.action_* values that composite actions do not always get.
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("acme/sizegate-fork");
    let (tools, home) = (tempdir(), tempdir());
    let actions = tempdir();
    let path = actions.path().join("_actions/acme/sizegate-fork");
    std::fs::create_dir_all(&path).expect("dirs");
    let path = path.join(TAG);
    std::os::unix::fs::symlink(root(), &path).expect("symlink");
    let run = run_action_in(root(), &PASSING, |cmd| {
        cmd.env_remove("SIZEGATE_BIN")
            .env("GITHUB_ACTION_PATH", &path)
            .env("GITHUB_SERVER_URL", server.url())
            .env("HOME", home.path())
            .env("PATH", bare_path(tools.path()));
        no_proxy(cmd);
    });
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    assert_eq!(release.calls().len(), 1);
    assert!(
        request_lines(&server)[0].starts_with("GET /acme/sizegate-fork/releases/download/v9.8.7/")
    );
}

/// The pre-commit hook's entry with the hook's arguments, as pre-commit runs a `script` hook:
/// the entry's path taken from the hook repository (here, this one), in the project `dir`.
fn run_pre_commit_hook(
    dir: &Path,
    args: &[&str],
    releases: &str,
    cache: &Path,
    tools: &Path,
) -> Output {
    let hooks: Value = serde_saphyr::from_str(&read(&root().join(".pre-commit-hooks.yaml")))
        .expect(".pre-commit-hooks.yaml is YAML");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "sizegate");
    assert_eq!(hook["language"], "script");
    let entry: Vec<&str> = hook["entry"]
        .as_str()
        .expect("an entry")
        .split_whitespace()
        .collect();
    let mut cmd = Command::new(root().join(entry[0]));
    cmd.args(&entry[1..])
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", cache)
        .env("SIZEGATE_RELEASES", releases)
        .env("PATH", bare_path(tools))
        .env("NO_COLOR", "1");
    no_proxy(&mut cmd);
    cmd.output().expect("the hook runs")
}

#[test]
fn pre_commit_hook_fetches_the_release_of_its_rev_once_and_runs_it() {
    let tag = format!("v{}", cargo_version());
    let release = Release::pack(&tag, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let releases = format!("{}/sizegate/sizegate/releases/download", server.url());
    let (cache, tools) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    let dir = project("examples/pass.yml");
    let image = fixture("tiny.docker.tar");
    let args = [path_str(&image)];
    for run in ["first", "second"] {
        let out = run_pre_commit_hook(dir.path(), &args, &releases, cache.path(), tools.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        release.calls(),
        [
            format!("check {}", image.display()),
            format!("check {}", image.display())
        ]
    );
    assert_eq!(request_lines(&server).len(), 2, "fetched once, then cached");
    assert!(cache
        .path()
        .join(format!("sizegate/{tag}/sizegate"))
        .is_file());
    assert!(cargo_calls(tools.path()).is_empty());
}

#[test]
fn pre_commit_hook_refuses_a_wrong_checksum_and_builds_only_without_a_release() {
    let tag = format!("v{}", cargo_version());
    let asset = install_sh(&["--asset", &tag, &host_target()]);
    let wrong = Release::pack(&tag, &[&host_target()]).with_wrong_checksum_for(&asset);
    let server = wrong.serve("sizegate/sizegate");
    let releases = format!("{}/sizegate/sizegate/releases/download", server.url());
    let (cache, tools) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    let dir = project("examples/pass.yml");
    let image = fixture("tiny.docker.tar");
    let out = run_pre_commit_hook(
        dir.path(),
        &[path_str(&image)],
        &releases,
        cache.path(),
        tools.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("checksum mismatch for {asset}")),
        "{stderr}"
    );
    assert!(wrong.calls().is_empty() && cargo_calls(tools.path()).is_empty());
    assert!(!cache
        .path()
        .join(format!("sizegate/{tag}"))
        .join("sizegate")
        .exists());

    // No release at all: without cargo, a message saying what to do; with it, one build.
    let none = Server::start(|_| Response::new(404, "Not Found"));
    let releases = format!("{}/sizegate/sizegate/releases/download", none.url());
    let no_cargo = tempdir();
    let out = run_pre_commit_hook(
        dir.path(),
        &[path_str(&image)],
        &releases,
        cache.path(),
        no_cargo.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("sizegate hook: no {tag} binary for this machine, and cargo is not installed to build one: set the hook's rev to a release tag (v1.2.3), or install Rust")),
        "{stderr}"
    );
    for _ in 0..2 {
        let out = run_pre_commit_hook(
            dir.path(),
            &[path_str(&image)],
            &releases,
            cache.path(),
            tools.path(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let builds = cargo_calls(tools.path());
    assert_eq!(builds.len(), 1, "built once: {builds:?}");
    assert!(
        builds[0].ends_with(&format!("--path {}", root().display())),
        "{builds:?}"
    );
}

/// examples/ci/gitlab-ci.yml, parsed.
fn gitlab_ci() -> Value {
    serde_saphyr::from_str(&read(&root().join("examples/ci/gitlab-ci.yml")))
        .expect("gitlab-ci.yml is YAML")
}

/// The lines of a job's `before_script` or `script`, as one shell script.
fn job_script(job: &Value, key: &str) -> String {
    job[key]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default()
        .join("\n")
}

/// Runs the `sizegate` job of the GitLab recipe in `dir` as a runner would, `before_script`
/// (which installs sizegate) and `script` in one shell stopped by the first failing line, with
/// the job's variables, then `env`, and a PATH with a stand-in docker but no sizegate.
fn run_gitlab_sizegate_job(dir: &Path, env: &[(&str, &str)]) -> Output {
    let job = &gitlab_ci()["sizegate"];
    let script = format!(
        "{}\n{}",
        job_script(job, "before_script"),
        job_script(job, "script")
    );
    let bin = crate::support::ci::fake_tools(dir);
    std::fs::remove_file(bin.join("sizegate")).expect("no stand-in sizegate");
    std::fs::copy(fixture("tiny.docker.tar"), dir.join("app.tar")).expect("the saved image");
    let mut cmd = Command::new("sh");
    cmd.args(["-e", "-c", &script])
        .current_dir(dir)
        .env("PATH", bare_path(&bin));
    if let Some(vars) = job["variables"].as_object() {
        for (name, value) in vars {
            cmd.env(name, value.as_str().unwrap_or_default());
        }
    }
    cmd.envs(env.iter().copied());
    no_proxy(&mut cmd);
    cmd.output().expect("sh runs")
}

#[test]
fn gitlab_job_installs_the_verified_release_binary_once_and_checks_with_it() {
    let job = &gitlab_ci()["sizegate"];
    let tag = job["variables"]["SIZEGATE_VERSION"]
        .as_str()
        .expect("SIZEGATE_VERSION")
        .to_string();
    assert_eq!(
        tag,
        format!("v{}", cargo_version()),
        "the recipe pins this version"
    );
    assert_eq!(job["cache"]["key"], "sizegate-$SIZEGATE_VERSION");
    // The Linux binaries: GitLab's runners are Linux, on either arch.
    let release = Release::pack(&tag, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let releases = format!("{}/sizegate/sizegate/releases/download", server.url());
    let env = [
        ("SIZEGATE_RELEASES", releases.as_str()),
        ("CI_COMMIT_REF_NAME", "main"),
        ("CI_DEFAULT_BRANCH", "main"),
    ];
    let dir = project("examples/pass.yml");
    for run in ["first", "second"] {
        let out = run_gitlab_sizegate_job(dir.path(), &env);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{run}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(release.calls().len(), 2, "{:?}", release.calls());
    assert_eq!(
        request_lines(&server).len(),
        2,
        "the cache keeps the binary"
    );
    assert!(dir.path().join("sizegate.json").is_file());

    let asset = release.asset(&host_target());
    let wrong = Release::pack(&tag, &[&host_target()]).with_wrong_checksum_for(&asset);
    let server = wrong.serve("sizegate/sizegate");
    let releases = format!("{}/sizegate/sizegate/releases/download", server.url());
    let dir = project("examples/pass.yml");
    let out = run_gitlab_sizegate_job(
        dir.path(),
        &[
            ("SIZEGATE_RELEASES", releases.as_str()),
            ("CI_COMMIT_REF_NAME", "main"),
        ],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        wrong.calls().is_empty(),
        "a binary that fails its checksum never runs"
    );
    assert!(!dir
        .path()
        .join(".sizegate")
        .join(&tag)
        .join("sizegate")
        .exists());
}

/// The text of a TOML string key `key = "…"` in the lines after `section`'s header.
fn toml_string(text: &str, section: &str, key: &str) -> String {
    let header = format!("[{section}]");
    text.lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{section}.{key} in Cargo.toml"))
        .to_string()
}

#[test]
fn every_place_that_names_the_assets_names_them_as_install_sh_does() {
    // release.yml builds the documented targets and packs them with package.sh.
    let release: Value =
        serde_saphyr::from_str(&read(&root().join(".github/workflows/release.yml")))
            .expect("release.yml is YAML");
    let built: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix")
        .iter()
        .filter_map(|t| t["target"].as_str())
        .collect();
    assert_eq!(built, TARGETS);
    assert!(read(&root().join(".github/workflows/release.yml"))
        .contains(".github/scripts/package.sh \"$TAG\" \"$target\""));

    // cargo binstall: the same URL and the same directory inside the archive.
    let cargo = read(&root().join("Cargo.toml"));
    let version = cargo_version();
    let expand = |template: &str, target: &str| {
        template
            .replace("{ repo }", "https://github.com/sizegate/sizegate")
            .replace("{ version }", &version)
            .replace("{ name }", "sizegate")
            .replace("{ bin }", "sizegate")
            .replace("{ target }", target)
            .replace(
                "{ binary-ext }",
                if target.contains("windows") {
                    ".exe"
                } else {
                    ""
                },
            )
    };
    let binstall = "package.metadata.binstall";
    let windows = format!("{binstall}.overrides.x86_64-pc-windows-msvc");
    for target in TARGETS {
        let section = if target.contains("windows") {
            windows.as_str()
        } else {
            binstall
        };
        let asset = install_sh(&["--asset", &format!("v{version}"), target]);
        assert_eq!(
            expand(&toml_string(&cargo, section, "pkg-url"), target),
            format!("https://github.com/sizegate/sizegate/releases/download/v{version}/{asset}")
        );
        let top = asset.trim_end_matches(".zip").trim_end_matches(".tar.gz");
        let exe = if target.contains("windows") {
            "sizegate.exe"
        } else {
            "sizegate"
        };
        assert_eq!(
            expand(&toml_string(&cargo, binstall, "bin-dir"), target),
            format!("{top}/{exe}")
        );
    }
    assert_eq!(toml_string(&cargo, &windows, "pkg-fmt"), "zip");

    // The recipes pin the release of this version, never a branch.
    let pin = format!("sizegate/sizegate@v{version}");
    for file in ["README.md", "examples/ci/github-baseline.yml"] {
        let text = read(&root().join(file));
        assert!(text.contains(&pin), "{file} pins {pin}");
        assert!(!text.contains("sizegate@main"), "{file} pins a branch");
    }
}

#[test]
fn a_ref_that_is_more_than_a_release_tag_names_no_release() {
    // Refs are the workflow author's text: only a plain tag becomes part of a URL, and one that
    // tries to end the annotation's line stays inside it.
    let server = Server::start(|_| Response::new(404, "Not Found"));
    let home = tempdir();
    let no_cargo = tempdir();
    for (action_ref, shown) in [
        ("v1.2.3/../../../evil", "v1.2.3/../../../evil"),
        ("v1.2.3\n::warning::forged", "v1.2.3%0A::warning::forged"),
        ("v1.2", "v1.2"),
    ] {
        let run = run_released_action(
            &PASSING,
            action_ref,
            server.url(),
            no_cargo.path(),
            home.path(),
        );
        assert_eq!(run.code(), Some(2), "{}", run.stdout());
        assert!(
            run.stdout().starts_with(&format!(
                "::error title=sizegate action::no sizegate release matches this action's ref '{shown}', and cargo is not installed"
            )),
            "{}",
            run.stdout()
        );
        assert_eq!(run.stdout().lines().count(), 1, "{}", run.stdout());
    }
    assert!(server.requests().is_empty());
}
