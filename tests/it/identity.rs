//! A finding stays the same finding across builds: the SARIF category, the fingerprints of SARIF
//! and GitLab Code Quality, and the JUnit suite and classname do not change when only what a build
//! changes does (the tag, an OCI layout's tag-only `ref.name`, the registry it was pushed to, the
//! content digests and build arguments in `created_by`), and do change between two images that
//! two jobs of one pipeline check.

use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::support::{fixture, root, run, sizegate_in, tempdir, write_file, DockerArchive, Layer};

/// What identifies the findings of one check, in every format that carries an identity.
#[derive(Debug, PartialEq)]
struct Identity {
    /// SARIF's `automationDetails.id`.
    category: String,
    /// SARIF's `partialFingerprints`, in result order.
    sarif: Vec<String>,
    /// GitLab's `fingerprint`, in issue order.
    gitlab: Vec<String>,
    /// The JUnit suites' opening tags and their cases' classnames.
    junit: Vec<String>,
}

/// `check IMAGE --policy POLICY` in every format that carries an identity; `dir` is the current
/// directory, `POLICY` relative to it. The check must fail the gate.
fn identity(dir: &Path, image: &Path, policy: &str) -> Identity {
    let format = |format: &str| {
        let mut cmd = sizegate_in(dir);
        cmd.arg("check")
            .arg(image)
            .args(["--policy", policy, "--format", format]);
        let out = run(&mut cmd);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        out.stdout
    };
    let sarif: Value = serde_json::from_str(&format("sarif")).expect("SARIF");
    let run0 = &sarif["runs"][0];
    let results = run0["results"].as_array().expect("results");
    let gitlab: Value = serde_json::from_str(&format("gitlab")).expect("JSON");
    let junit = format("junit")
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            match l.split_once(" classname=") {
                Some((_, classname)) => Some(classname.to_string()),
                None => l.starts_with("<testsuite ").then(|| l.to_string()),
            }
        })
        .collect();
    Identity {
        category: run0["automationDetails"]["id"]
            .as_str()
            .expect("id")
            .to_string(),
        sarif: results
            .iter()
            .map(|r| r["partialFingerprints"]["sizegateFinding/v2"].to_string())
            .collect(),
        gitlab: gitlab
            .as_array()
            .expect("issues")
            .iter()
            .map(|i| i["fingerprint"].to_string())
            .collect(),
        junit,
    }
}

/// A copy of tests/fixtures/tiny.oci at `to`, its one image's annotations `annotations` (JSON).
fn oci_layout(to: &Path, annotations: &str) {
    let from = fixture("tiny.oci");
    copy_dir(&from, to);
    let index = fs::read_to_string(from.join("index.json")).expect("index.json");
    let old = r#""annotations":{"org.opencontainers.image.ref.name":"latest"}"#;
    assert!(index.contains(old), "{index}");
    let index = index.replace(old, &format!(r#""annotations":{annotations}"#));
    fs::write(to.join("index.json"), index).expect("index.json written");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("directory");
    for entry in fs::read_dir(from).expect("readable") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copied");
        }
    }
}

#[test]
fn an_oci_layout_whose_ref_name_is_a_tag_keeps_its_category_fingerprints_and_suite() {
    // `skopeo copy … oci:v1:1.0.0`, then the next release into `oci:v2:2.0.0`.
    let dir = tempdir();
    let policy = root().join("examples/fail.yml");
    let policy = policy.to_str().expect("UTF-8 path");
    let check = |name: &str, annotations: &str| {
        oci_layout(&dir.path().join(name), annotations);
        identity(dir.path(), &dir.path().join(name), policy)
    };
    let ref_name = |tag: &str| format!(r#"{{"org.opencontainers.image.ref.name":"{tag}"}}"#);
    let v1 = check("v1", &ref_name("1.0.0"));
    assert_eq!(v1.category, "sizegate/", "a tag names no repository");
    assert!(
        v1.junit[0].starts_with(r#"<testsuite name="image" "#),
        "{:?}",
        v1.junit
    );
    assert_eq!(check("v2", &ref_name("2.0.0")), v1);
    // containerd's name of the image, when the layout has it, is its repository.
    let named = |tag: &str| {
        format!(
            r#"{{"io.containerd.image.name":"registry.example/team/app:{tag}","org.opencontainers.image.ref.name":"{tag}"}}"#
        )
    };
    let n1 = check("n1", &named("1.0.0"));
    assert_eq!(n1.category, "sizegate/team/app/");
    assert!(
        n1.junit[0].starts_with(r#"<testsuite name="team/app" "#),
        "{:?}",
        n1.junit
    );
    assert_eq!(check("n2", &named("2.0.0")), n1);
    assert!(n1.gitlab.iter().all(|p| !v1.gitlab.contains(p)));
}

/// An archive of two layers, tagged `tag`, whose layers were made by `created_by`.
fn archive(dir: &Path, file: &str, tag: &str, created_by: &[&str]) {
    let layer = |path: &str| Layer::new().dir("opt/").file(path, 5_000).tar();
    DockerArchive::new()
        .layer(layer("opt/a.pem"))
        .layer(layer("opt/b.bin"))
        .history(created_by)
        .tags(&[tag])
        .write(dir, file);
}

/// A policy that every layer of [`archive`] fails: the image, each layer, the forbidden path.
const POLICY: &[u8] = b"image:\n  max_size: 1kB\nlayers:\n  - select: { index: \"0..\" }\n    max_size: 1kB\nforbid:\n  - glob: \"/**/*.pem\"\n";

#[test]
fn two_jobs_checking_two_images_have_their_own_code_quality_fingerprints() {
    // GitLab merges the reports of every job of a pipeline: a job per image must not collide,
    // even though each checks a single image with the same policy and the same layers.
    let dir = tempdir();
    write_file(dir.path(), "size.yml", POLICY);
    let history = ["COPY a.pem /opt/ # buildkit", "COPY b.bin /opt/ # buildkit"];
    archive(
        dir.path(),
        "app.tar",
        "registry.example/team/app:7",
        &history,
    );
    archive(
        dir.path(),
        "worker.tar",
        "registry.example/team/worker:7",
        &history,
    );
    archive(
        dir.path(),
        "pushed.tar",
        "localhost:5000/team/app:8",
        &history,
    );
    let check = |file: &str| identity(dir.path(), &dir.path().join(file), "size.yml");
    let (app, worker) = (check("app.tar"), check("worker.tar"));
    assert_eq!(
        app.gitlab.len(),
        4,
        "the image, two layers, the forbidden path"
    );
    assert!(
        app.gitlab.iter().all(|p| !worker.gitlab.contains(p)),
        "{app:?}\n{worker:?}"
    );
    assert!(app.sarif.iter().all(|p| !worker.sarif.contains(p)));
    assert_eq!(
        (app.category.as_str(), worker.category.as_str()),
        ("sizegate/team/app/", "sizegate/team/worker/")
    );
    // The registry is no part of the repository: pushed elsewhere, it is the same image.
    assert_eq!(check("pushed.tar"), app);
}

#[test]
fn layer_findings_keep_their_fingerprints_across_builds_without_a_dockerfile() {
    // Each build copies other bytes (another content digest) and passes the commit as a build
    // argument, and is tagged anew.
    let dir = tempdir();
    write_file(dir.path(), "size.yml", POLICY);
    let build = |n: char, builder: &str| {
        let digest = n.to_string().repeat(64);
        let sha = n.to_string().repeat(40);
        let history = match builder {
            "classic" => [
                format!("/bin/sh -c #(nop) COPY file:{digest} in /opt/ "),
                format!("|1 GIT_SHA={sha} /bin/sh -c make   install"),
            ],
            _ => [
                "COPY a.pem /opt/ # buildkit".to_string(),
                format!("RUN |1 GIT_SHA={sha} /bin/sh -c make install # buildkit"),
            ],
        };
        let history: Vec<&str> = history.iter().map(String::as_str).collect();
        let file = format!("{builder}-{n}.tar");
        archive(dir.path(), &file, &format!("app:build-{n}"), &history);
        identity(dir.path(), &dir.path().join(&file), "size.yml")
    };
    for builder in ["classic", "buildkit"] {
        let first = build('a', builder);
        assert_eq!(first.sarif.len(), 4);
        assert_eq!(build('b', builder), first, "{builder}");
    }
}
