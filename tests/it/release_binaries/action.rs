//! The action's script (action/run.sh with action/install.sh) with no binary given: its
//! release's, downloaded and verified, or a build from source.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use super::*;
use crate::support::ci::{run_action_in, ActionRun};
use crate::support::http::no_proxy;

/// The action's step as a runner runs it with no SIZEGATE_BIN: its ref `action_ref`, its
/// repository sizegate/sizegate, and the rest as [`run_action_step`] gives.
fn run_released_action(
    inputs: &[(&str, &str)],
    action_ref: &str,
    server_url: &str,
    tools: &Path,
    home: &Path,
) -> ActionRun {
    let env = [
        ("SIZEGATE_ACTION_REF", OsStr::new(action_ref)),
        (
            "SIZEGATE_ACTION_REPOSITORY",
            OsStr::new("sizegate/sizegate"),
        ),
    ];
    run_action_step(inputs, &env, server_url, tools, home)
}

/// The action's step as a runner runs it with no SIZEGATE_BIN: the variables `env` (which action
/// it is: its ref, its repository, the runner's path to it; and any the job sets), the server at
/// `server_url` as GITHUB_SERVER_URL, a fresh HOME, and `tools` (with or without a stand-in
/// cargo) first on a PATH without the developer's own.
fn run_action_step(
    inputs: &[(&str, &str)],
    env: &[(&str, &OsStr)],
    server_url: &str,
    tools: &Path,
    home: &Path,
) -> ActionRun {
    run_action_in(root(), inputs, |cmd| {
        cmd.env_remove("SIZEGATE_BIN")
            .envs(env.iter().copied())
            .env("GITHUB_SERVER_URL", server_url)
            .env("HOME", home)
            .env("PATH", bare_path(tools));
        no_proxy(cmd);
    })
}

/// Where a runner checks out the action of `repo` at [`TAG`], below `actions`:
/// `_actions/OWNER/REPO/TAG`, here a link to this repository. The script reads its ref and
/// repository from that path.
fn runner_checkout(actions: &Path, repo: &str) -> PathBuf {
    let dir = actions.join("_actions").join(repo);
    std::fs::create_dir_all(&dir).expect("dirs");
    let path = dir.join(TAG);
    std::os::unix::fs::symlink(root(), &path).expect("symlink");
    path
}

const PASSING: [(&str, &str); 2] = [
    ("image", "tests/fixtures/tiny.docker.tar"),
    ("policy", "examples/pass.yml"),
];

#[test]
fn action_runs_the_verified_binary_of_its_release_tag() {
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let (tools, home) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    let run = run_released_action(&PASSING, TAG, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    assert_eq!(
        server.request_lines(),
        release.downloads("sizegate/sizegate")
    );
    let calls = release.calls();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0][..2] == ["check", "--output"] && calls[0][2].starts_with("json="),
        "{calls:?}"
    );
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
        [vec![
            "install".to_string(),
            "--locked".to_string(),
            "--quiet".to_string(),
            "--root".to_string(),
            root_dir.display().to_string(),
            "--path".to_string(),
            root().display().to_string(),
        ]]
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
        server.request_lines().len(),
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
    let path = runner_checkout(actions.path(), "acme/sizegate-fork");
    let env = [("GITHUB_ACTION_PATH", path.as_os_str())];
    let run = run_action_step(&PASSING, &env, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    assert_eq!(release.calls().len(), 1);
    assert_eq!(
        server.request_lines(),
        release.downloads("acme/sizegate-fork")
    );
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

#[test]
fn a_job_s_sizegate_target_is_the_dockerfile_stage_not_the_runner_s_target() {
    // Regression: install.sh read SIZEGATE_TARGET as the machine's target triple, while sizegate
    // reads it as the Dockerfile stage (`--target`): a job-level SIZEGATE_TARGET=build fetched
    // sizegate-v9.8.7-build.tar.gz (a 404) and built from source. The installer's is
    // SIZEGATE_INSTALL_TARGET; the stage still reaches sizegate.
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let (tools, home, work) = (tempdir(), tempdir(), tempdir());
    stand_in_cargo(tools.path());
    // examples/Dockerfile's stage as `build`, then a release stage the image was not built from.
    let example = read(&root().join("examples/Dockerfile"));
    let dockerfile = crate::support::write_file(
        work.path(),
        "Dockerfile",
        format!(
            "{}FROM scratch AS release\nCOPY --from=build /usr/bin/foo /foo\n",
            example.replace("FROM debian:12-slim", "FROM debian:12-slim AS build")
        )
        .as_bytes(),
    );
    let mut inputs = PASSING.to_vec();
    inputs.push(("dockerfile", crate::support::path_str(&dockerfile)));
    let env = [
        ("SIZEGATE_TARGET", OsStr::new("build")),
        ("SIZEGATE_ACTION_REF", OsStr::new(TAG)),
        (
            "SIZEGATE_ACTION_REPOSITORY",
            OsStr::new("sizegate/sizegate"),
        ),
        ("COLUMNS", OsStr::new("200")),
    ];
    let run = run_action_step(&inputs, &env, server.url(), tools.path(), home.path());
    let stdout = run.stdout();
    assert_eq!(run.code(), Some(0), "{stdout}{}", run.stderr());
    assert_eq!(
        server.request_lines(),
        release.downloads("sizegate/sizegate")
    );
    assert_eq!(release.calls().len(), 1, "the release's binary ran");
    assert!(cargo_calls(tools.path()).is_empty(), "nothing is built");
    // The stage `build` matched the image's layers to its lines.
    assert!(stdout.contains("Dockerfile:4"), "{stdout}");
    assert!(!stdout.contains("no matching instruction"), "{stdout}");
}

#[test]
fn action_nested_in_another_composite_action_fetches_its_own_release() {
    // Regression (actions/runner#2473): nested in a wrapper action, github.action_ref and
    // github.action_repository name the wrapper, which the script trusted over the runner's path
    // to the action itself, and fetched the wrapper's v2.0.0 from the wrapper's repository.
    let release = Release::pack(TAG, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let (tools, home, actions) = (tempdir(), tempdir(), tempdir());
    let path = runner_checkout(actions.path(), "sizegate/sizegate");
    let env = [
        ("SIZEGATE_ACTION_REF", OsStr::new("v2.0.0")),
        ("SIZEGATE_ACTION_REPOSITORY", OsStr::new("myorg/ci-wrapper")),
        ("GITHUB_ACTION_PATH", path.as_os_str()),
    ];
    let run = run_action_step(&PASSING, &env, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    assert_eq!(
        server.request_lines(),
        release.downloads("sizegate/sizegate")
    );
    assert_eq!(release.calls().len(), 1);
    // Where the path does not tell (`uses: ./`, a checkout of the action), the variables do.
    let (tools, home) = (tempdir(), tempdir());
    let checkout = root().join(".");
    let env = [
        ("SIZEGATE_ACTION_REF", OsStr::new(TAG)),
        (
            "SIZEGATE_ACTION_REPOSITORY",
            OsStr::new("sizegate/sizegate"),
        ),
        ("GITHUB_ACTION_PATH", checkout.as_os_str()),
    ];
    let run = run_action_step(&PASSING, &env, server.url(), tools.path(), home.path());
    assert_eq!(run.code(), Some(0), "{}{}", run.stdout(), run.stderr());
    assert_eq!(release.calls().len(), 2);
}
