//! The pre-commit hook and the GitLab recipe: the release binary fetched once, verified, cached
//! and run; a wrong checksum stops them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use super::*;
use crate::support::ci::project;
use crate::support::http::no_proxy;
use crate::support::{fixture, path_str};

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
