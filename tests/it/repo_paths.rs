//! The files reports point at are named from the repository root, wherever sizegate was started:
//! `GITHUB_WORKSPACE`, else `CI_PROJECT_DIR`, else the nearest `.git` above, else the current
//! directory. Errors on stderr keep the path as typed.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tempfile::TempDir;

use crate::support::{
    fixture, fixture_arg, path_str, root, run, run_in_env, sizegate_in, tempdir, write_file, Run,
};

/// A repository: `.git/`, `size.yml` (the formats policy), `docker/Dockerfile`, and `sub/`.
struct Repo {
    dir: TempDir,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempdir();
        fs::create_dir_all(dir.path().join(".git")).expect(".git");
        fs::create_dir_all(dir.path().join("sub")).expect("sub");
        fs::create_dir_all(dir.path().join("docker")).expect("docker");
        let policy = fs::read(fixture("formats.yml")).expect("policy");
        write_file(dir.path(), "size.yml", &policy);
        let dockerfile = fs::read(root().join("examples/Dockerfile")).expect("Dockerfile");
        write_file(&dir.path().join("docker"), "Dockerfile", &dockerfile);
        Repo { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `check` of the fixture from `cwd` (a directory of the repository) with `args`.
    fn check(&self, cwd: &str, args: &[&str], env: &[(&str, &Path)]) -> Run {
        let image = fixture_arg("tiny.docker.tar");
        let mut all = vec!["check", image.as_str()];
        all.extend_from_slice(args);
        let out = run_in_env(&self.path(cwd), &all, env);
        assert_eq!(out.code, 1, "{}", out.stderr);
        out
    }
}

/// From `sub/`, the files as typed there.
const FROM_SUB: [&str; 4] = [
    "--policy",
    "../size.yml",
    "--dockerfile",
    "../docker/Dockerfile",
];

/// Every file a SARIF log points at.
fn sarif_uris(log: &Value) -> Vec<String> {
    let mut uris = Vec::new();
    for result in log["runs"][0]["results"].as_array().expect("results") {
        let locations = result["locations"].as_array().into_iter().flatten();
        let related = result["relatedLocations"].as_array().into_iter().flatten();
        for l in locations.chain(related) {
            let uri = l["physicalLocation"]["artifactLocation"]["uri"].as_str();
            uris.push(uri.expect("uri").to_string());
        }
    }
    uris.sort();
    uris.dedup();
    uris
}

#[test]
fn run_from_a_subdirectory_every_format_names_the_files_from_the_repository_root() {
    let repo = Repo::new();
    let format = |f: &str| {
        let mut args = FROM_SUB.to_vec();
        args.extend(["--format", f]);
        repo.check("sub", &args, &[]).stdout
    };
    let sarif: Value = serde_json::from_str(&format("sarif")).expect("SARIF");
    assert_eq!(sarif_uris(&sarif), ["docker/Dockerfile", "size.yml"]);
    let gitlab: Value = serde_json::from_str(&format("gitlab")).expect("JSON");
    let mut paths: Vec<&str> = gitlab
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["location"]["path"].as_str().expect("path"))
        .collect();
    paths.sort_unstable();
    paths.dedup();
    assert_eq!(paths, ["docker/Dockerfile", "size.yml"]);
    let junit = format("junit");
    assert!(junit.contains("\npolicy: size.yml:8:13"), "{junit}");
    assert!(
        junit.contains("\nDockerfile: docker/Dockerfile:6:1"),
        "{junit}"
    );
    let markdown = format("markdown");
    assert!(markdown.contains("\nPolicy: `size.yml`\n"), "{markdown}");
    assert!(markdown.contains("`docker/Dockerfile:6`"), "{markdown}");
    let json: Value = serde_json::from_str(&format("json")).expect("JSON");
    assert_eq!(json["policy"], serde_json::json!(["size.yml"]));
    for out in [&junit, &markdown, &json.to_string()] {
        assert!(!out.contains("../"), "{out}");
    }
}

#[test]
fn fingerprints_are_the_same_from_the_root_and_from_a_subdirectory() {
    let repo = Repo::new();
    let prints = |cwd: &str, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--format", "gitlab"]);
        let issues: Value = serde_json::from_str(&repo.check(cwd, &all, &[]).stdout).expect("JSON");
        issues
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| i["fingerprint"].to_string())
            .collect::<Vec<_>>()
    };
    let from_root = prints(
        ".",
        &["--policy", "size.yml", "--dockerfile", "docker/Dockerfile"],
    );
    assert_eq!(from_root.len(), 4);
    assert_eq!(prints("sub", &FROM_SUB), from_root);
    let absolute = path_str(&repo.path("size.yml")).to_string();
    assert_eq!(
        prints(
            "docker",
            &["--policy", &absolute, "--dockerfile", "./Dockerfile"]
        ),
        from_root
    );
}

#[test]
fn the_ci_workspace_is_the_root_before_any_git_directory() {
    let repo = Repo::new();
    fs::create_dir_all(repo.path("sub/.git")).expect("a nested .git");
    let policy = |env: &[(&str, &Path)]| {
        let out = repo.check("sub", &["--policy", "../size.yml", "--format", "json"], env);
        serde_json::from_str::<Value>(&out.stdout).expect("JSON")["policy"].clone()
    };
    // The nearest .git is sub/'s own: the policy is outside it, and keeps its path as given.
    assert_eq!(policy(&[]), serde_json::json!(["../size.yml"]));
    let top = repo.path(".");
    assert_eq!(
        policy(&[("GITHUB_WORKSPACE", &top)]),
        serde_json::json!(["size.yml"])
    );
    assert_eq!(
        policy(&[("CI_PROJECT_DIR", &top)]),
        serde_json::json!(["size.yml"])
    );
    let sub = repo.path("sub");
    assert_eq!(
        policy(&[("GITHUB_WORKSPACE", &sub), ("CI_PROJECT_DIR", &top)]),
        serde_json::json!(["../size.yml"]),
        "GITHUB_WORKSPACE first"
    );
}

#[test]
fn errors_on_stderr_keep_the_path_as_typed() {
    let repo = Repo::new();
    write_file(&repo.path("."), "bad.yml", b"image:\n  max_szie: 1kB\n");
    let mut cmd = sizegate_in(&repo.path("sub"));
    cmd.arg("check")
        .arg(fixture("tiny.docker.tar"))
        .args(["--policy", "../bad.yml"]);
    let out = run(&mut cmd);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: ../bad.yml:2:3: unknown key `max_szie`"),
        "{}",
        out.stderr
    );
}
