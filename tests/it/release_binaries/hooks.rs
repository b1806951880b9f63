//! The pre-commit hook and the GitLab recipe: the release binary fetched once, verified, cached
//! and run; a wrong checksum stops them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use super::*;
use crate::support::ci::{git, gitlab_ci, job_script, project, run_gitlab_job, GIT_VARS};
use crate::support::http::no_proxy;
use crate::support::{fixture, path_str, write_file};

/// The files the hook runs from its checkout: the hooks' list, its entry, the installer and the
/// Cargo.toml whose version names the release.
const HOOK_FILES: [&str; 4] = [
    ".pre-commit-hooks.yaml",
    "examples/hooks/sizegate-prebuilt",
    "action/install.sh",
    "Cargo.toml",
];

/// The hook's repository as its users' pre-commit finds it: [`HOOK_FILES`] committed and tagged
/// `v` + Cargo.toml's version (an annotated tag, as releases are), then one more commit, the
/// branch's head, which still has that version.
struct Upstream {
    dir: tempfile::TempDir,
    /// The commit of the release tag.
    release: String,
    /// The commit after it.
    head: String,
}

impl Upstream {
    fn new() -> Upstream {
        let dir = tempdir();
        for file in HOOK_FILES {
            let to = dir.path().join(file);
            std::fs::create_dir_all(to.parent().expect("a parent")).expect("dirs");
            std::fs::copy(root().join(file), &to).expect("copied with its mode");
        }
        let tag = format!("v{}", cargo_version());
        git(dir.path(), &["init", "--quiet", "--initial-branch=main"]);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "--quiet", "-m", "release"]);
        git(dir.path(), &["tag", "-a", &tag, "-m", &tag]);
        let release = git(dir.path(), &["rev-parse", "HEAD"]);
        write_file(dir.path(), "CHANGES", b"after the release\n");
        git(dir.path(), &["add", "."]);
        git(
            dir.path(),
            &["commit", "--quiet", "-m", "after the release"],
        );
        let head = git(dir.path(), &["rev-parse", "HEAD"]);
        Upstream { dir, release, head }
    }

    /// pre-commit's clone at `rev` (pre_commit/store.py): `git init` and `git remote add origin`,
    /// then its shallow clone, `git fetch origin REV --depth=1` and `git checkout FETCH_HEAD`,
    /// which leaves no tag behind, or (`complete`) its fallback, `git fetch origin --tags` and
    /// `git checkout REV`.
    fn clone_at(&self, rev: &str, complete: bool) -> tempfile::TempDir {
        let dir = tempdir();
        let origin = path_str(self.dir.path());
        git(dir.path(), &["init", "--quiet"]);
        git(dir.path(), &["remote", "add", "origin", origin]);
        if complete {
            git(dir.path(), &["fetch", "--quiet", "origin", "--tags"]);
            git(dir.path(), &["checkout", "--quiet", rev]);
        } else {
            git(
                dir.path(),
                &[
                    "-c",
                    "protocol.version=2",
                    "fetch",
                    "--quiet",
                    "origin",
                    rev,
                    "--depth=1",
                ],
            );
            git(dir.path(), &["checkout", "--quiet", "FETCH_HEAD"]);
        }
        dir
    }
}

/// The pre-commit hook's entry with the hook's arguments, as pre-commit runs a `script` hook:
/// the entry's path taken from the hook's `checkout`, in the project `dir`, with `env` last.
fn run_pre_commit_hook(
    checkout: &Path,
    dir: &Path,
    args: &[&str],
    releases: &str,
    cache: &Path,
    tools: &Path,
    env: &[(&str, &str)],
) -> Output {
    let hooks: Value = serde_saphyr::from_str(&read(&checkout.join(".pre-commit-hooks.yaml")))
        .expect(".pre-commit-hooks.yaml is YAML");
    let hook = &hooks[0];
    assert_eq!(hook["id"], "sizegate");
    assert_eq!(hook["language"], "script");
    let entry: Vec<&str> = hook["entry"]
        .as_str()
        .expect("an entry")
        .split_whitespace()
        .collect();
    let mut cmd = Command::new(checkout.join(entry[0]));
    for var in GIT_VARS {
        cmd.env_remove(var);
    }
    cmd.args(&entry[1..])
        .args(args)
        .current_dir(dir)
        .env("XDG_CACHE_HOME", cache)
        .env("SIZEGATE_RELEASES", releases)
        .env("PATH", bare_path(tools))
        .env("NO_COLOR", "1")
        .envs(env.iter().copied());
    no_proxy(&mut cmd);
    cmd.output().expect("the hook runs")
}

/// The physical path of `dir`, as the hook names its checkout.
fn real(dir: &Path) -> String {
    path_str(&dir.canonicalize().expect("the path exists")).to_string()
}

#[test]
fn pre_commit_hook_at_its_release_tag_fetches_that_release_once_and_runs_it() {
    let tag = format!("v{}", cargo_version());
    let release = Release::pack(&tag, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let releases = format!("{}/sizegate/sizegate/releases/download", server.url());
    let (cache, tools) = (tempdir(), tempdir());
    stand_in_cargo(tools.path());
    let upstream = Upstream::new();
    let dir = project("examples/pass.yml");
    write_file(
        dir.path(),
        "Dockerfile",
        b"FROM scratch AS build\nCOPY app/ /opt/app/\n",
    );
    let image = fixture("tiny.docker.tar");
    let args = [path_str(&image), "--dockerfile", "Dockerfile"];
    // Under git's pre-push hook, GIT_DIR names the project's repository (here, one whose HEAD is
    // not the release): the hook asks about its own checkout all the same. A job's
    // SIZEGATE_TARGET is the Dockerfile stage, not this machine's target.
    let user_git = upstream.dir.path().join(".git");
    let env = [
        ("GIT_DIR", path_str(&user_git)),
        ("SIZEGATE_TARGET", "build"),
    ];
    // The tag in pre-commit's shallow clone (no tag in it: the origin says which commit it is),
    // then in its complete clone, then the release's commit by its hash: one download.
    let checkouts = [
        upstream.clone_at(&tag, false),
        upstream.clone_at(&tag, false),
        upstream.clone_at(&tag, true),
        upstream.clone_at(&upstream.release, false),
    ];
    for (i, checkout) in checkouts.iter().enumerate() {
        let out = run_pre_commit_hook(
            checkout.path(),
            dir.path(),
            &args,
            &releases,
            cache.path(),
            tools.path(),
            &env,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "run {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let check = [
        "check",
        &image.display().to_string(),
        "--dockerfile",
        "Dockerfile",
    ]
    .map(String::from);
    assert_eq!(release.calls(), vec![check.to_vec(); checkouts.len()]);
    assert_eq!(
        server.request_lines(),
        release.downloads("sizegate/sizegate"),
        "fetched once, then cached"
    );
    assert!(cache
        .path()
        .join(format!("sizegate/{tag}/sizegate"))
        .is_file());
    assert!(cargo_calls(tools.path()).is_empty());
}

#[test]
fn pre_commit_hook_at_another_rev_builds_that_rev_not_the_release_of_its_version() {
    // Regression: the hook ran the release named by Cargo.toml's version whatever `rev` was, so
    // `rev: HEAD` (or a branch, or a commit after the release) ran the old release's code.
    let tag = format!("v{}", cargo_version());
    let release = Release::pack(&tag, &[&host_target()]);
    let server = release.serve("sizegate/sizegate");
    let releases = format!("{}/sizegate/sizegate/releases/download", server.url());
    let upstream = Upstream::new();
    let dir = project("examples/pass.yml");
    let image = fixture("tiny.docker.tar");
    let args = [path_str(&image)];
    let (cache, tools, no_cargo) = (tempdir(), tempdir(), tempdir());
    stand_in_cargo(tools.path());
    // A copy with no git in it cannot say which commit it is: built too.
    let copy = tempdir();
    for file in HOOK_FILES {
        let to = copy.path().join(file);
        std::fs::create_dir_all(to.parent().expect("a parent")).expect("dirs");
        std::fs::copy(root().join(file), &to).expect("copied");
    }
    // A clone of the tag whose origin is gone (offline, say) cannot tell either.
    let offline = upstream.clone_at(&tag, false);
    git(
        offline.path(),
        &["remote", "set-url", "origin", "/nonexistent/sizegate"],
    );
    let not_the_release = format!(
        "the hook's rev is not the release {tag} (its commit is {})",
        upstream.head
    );
    let copy_why = format!(
        "git cannot tell which commit the hook's checkout {} is",
        real(copy.path())
    );
    // The offline clone first: once the origin has said which commit the tag is, the answer is
    // kept, and then even an offline clone of the tag could tell.
    let checkouts = [
        (
            offline,
            format!("no tag {tag} in the hook's checkout, and its origin did not say which commit it is"),
        ),
        (upstream.clone_at("HEAD", false), not_the_release.clone()),
        (upstream.clone_at("main", true), not_the_release.clone()),
        (upstream.clone_at(&upstream.head, false), not_the_release),
        (copy, copy_why),
    ];
    for (checkout, why) in &checkouts {
        let out = run_pre_commit_hook(
            checkout.path(),
            dir.path(),
            &args,
            &releases,
            cache.path(),
            no_cargo.path(),
            &[],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert_eq!(
            stderr,
            format!("sizegate hook: {why}, and cargo is not installed to build sizegate from source: set the hook's rev to a release tag (v1.2.3), or install Rust\n")
        );
        for run in ["first", "second"] {
            let out = run_pre_commit_hook(
                checkout.path(),
                dir.path(),
                &args,
                &releases,
                cache.path(),
                tools.path(),
                &[],
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(0), "{run}: {stderr}");
            let building = format!("sizegate hook: {why}; building sizegate from source (once)\n");
            assert_eq!(
                stderr,
                if run == "first" {
                    building.as_str()
                } else {
                    ""
                }
            );
        }
    }
    let builds = cargo_calls(tools.path());
    let want: Vec<String> = checkouts
        .iter()
        .map(|(checkout, _)| real(checkout.path()))
        .collect();
    assert_eq!(builds.len(), want.len(), "each built once: {builds:?}");
    for (build, want) in builds.iter().zip(&want) {
        assert!(
            build.ends_with(&["--path".to_string(), want.clone()]),
            "{build:?} ends with --path {want}"
        );
    }
    assert!(server.request_lines().is_empty(), "no release was fetched");
    assert!(release.calls().is_empty(), "the release's binary never ran");
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
    let upstream = Upstream::new();
    let checkout = upstream.clone_at(&tag, false);
    let dir = project("examples/pass.yml");
    let image = fixture("tiny.docker.tar");
    let args = [path_str(&image)];
    let out = run_pre_commit_hook(
        checkout.path(),
        dir.path(),
        &args,
        &releases,
        cache.path(),
        tools.path(),
        &[],
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
        checkout.path(),
        dir.path(),
        &args,
        &releases,
        cache.path(),
        no_cargo.path(),
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.ends_with(&format!("sizegate hook: no {tag} binary for this machine, and cargo is not installed to build sizegate from source: set the hook's rev to a release tag (v1.2.3), or install Rust\n")),
        "{stderr}"
    );
    for _ in 0..2 {
        let out = run_pre_commit_hook(
            checkout.path(),
            dir.path(),
            &args,
            &releases,
            cache.path(),
            tools.path(),
            &[],
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
        builds[0].ends_with(&["--path".to_string(), real(checkout.path())]),
        "{builds:?}"
    );
}

/// Runs the `sizegate` job of the GitLab recipe in `dir` as a runner would, `before_script`
/// (which installs sizegate) and `script` in one shell, with a PATH with a stand-in docker but no
/// sizegate.
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
    run_gitlab_job(job, &script, dir, &bare_path(&bin), env)
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
        server.request_lines(),
        release.downloads("sizegate/sizegate"),
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
