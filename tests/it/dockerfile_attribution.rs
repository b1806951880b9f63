//! `check --dockerfile`: each layer is traced to the instruction of the final stage that made it
//! (or to the base image of its FROM), and findings about a layer point at that line.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{json, Value};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `check` on the example image from the repository root, so paths print as written.
fn check(args: &[&str]) -> (i32, Vec<u8>, String) {
    let out = Command::cargo_bin("sizegate")
        .expect("binary")
        .current_dir(repo(""))
        .env_remove("GITHUB_ACTIONS")
        .args([
            "check",
            "examples/tiny.docker.tar",
            "--policy",
            "examples/fail.yml",
        ])
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_layer_is_traced_to_its_instruction_or_the_base_image() {
    let (code, stdout, _) = check(&["--dockerfile", "examples/Dockerfile", "--format", "json"]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_slice(&stdout).expect("JSON");
    let origins: Vec<Value> = report["images"][0]["origins"]
        .as_array()
        .expect("origins")
        .iter()
        .map(|o| json!([o["layer"], o["origin"], o["location"]["line"]]))
        .collect();
    assert_eq!(
        origins,
        [
            json!([0, "base-image", 4]),
            json!([1, "instruction", 6]),
            json!([2, "instruction", 7]),
            json!([3, "instruction", 8]),
            json!([4, "instruction", 10]),
            json!([5, "instruction", 11]),
        ]
    );
    assert_eq!(report["images"][0]["origins"][0]["from"], "debian:12-slim");
    let places: Vec<Value> = report["images"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| json!([f["code"], f["dockerfile"]["line"], f["location"]["line"]]))
        .collect();
    assert_eq!(
        places,
        [
            json!(["image-too-large", null, 8]),
            json!(["layer-over-budget", 6, 11]),
            json!(["forbidden-path", 4, 16]),
        ]
    );
}

#[test]
fn annotations_point_at_the_dockerfile_line_when_there_is_one() {
    let (code, stdout, _) = check(&["--dockerfile", "examples/Dockerfile", "--format", "github"]);
    assert_eq!(code, 1);
    let text = String::from_utf8(stdout).expect("UTF-8");
    let files: Vec<&str> = text
        .lines()
        .map(|l| l.split("::").nth(1).unwrap_or_default())
        .map(|props| props.split(",title=").next().unwrap_or_default())
        .collect();
    assert_eq!(
        files,
        [
            "error file=examples/fail.yml,line=8,col=13",
            "error file=examples/Dockerfile,line=6,col=1",
            "error file=examples/Dockerfile,line=4,col=1",
        ]
    );
}

#[test]
fn the_table_labels_base_image_layers() {
    let (_, stdout, _) = check(&["--dockerfile", "examples/Dockerfile"]);
    let text = String::from_utf8_lossy(&stdout);
    assert!(
        text.contains("base image debian:12-slim (examples/Dockerfile:4)"),
        "{text}"
    );
    assert!(text.contains("examples/Dockerfile:6 "), "{text}");
}

#[test]
fn a_broken_dockerfile_is_an_error_naming_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let df = dir.path().join("Dockerfile");
    std::fs::write(&df, "RUN echo before any FROM\n").expect("write");
    let (code, stdout, stderr) = check(&["--dockerfile", df.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(
        stderr.starts_with(&format!("error: {}:1: ", df.display())),
        "{stderr}"
    );
}

#[test]
fn target_picks_the_stage_the_image_was_built_from() {
    let dir = tempfile::tempdir().expect("tempdir");
    let df = dir.path().join("Dockerfile");
    // The example's instructions in a `runtime` stage, followed by a test stage that is not built.
    let text = std::fs::read_to_string(repo("examples/Dockerfile")).expect("example");
    std::fs::write(
        &df,
        format!(
            "{}\nFROM runtime-base AS tests\nRUN make test\n",
            text.replace("FROM debian:12-slim", "FROM debian:12-slim AS runtime")
        ),
    )
    .expect("write");
    let path = df.to_str().expect("utf-8");
    let (code, stdout, stderr) = check(&[
        "--dockerfile",
        path,
        "--target",
        "runtime",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let report: Value = serde_json::from_slice(&stdout).expect("JSON");
    assert_eq!(report["images"][0]["origins"][1]["location"]["line"], 6);
    let (code, _, stderr) = check(&["--dockerfile", path, "--target", "nope"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no stage named `nope` (--target); named stages: runtime, tests"),
        "{stderr}"
    );
}

#[test]
fn a_dockerfile_that_is_not_utf8_is_read_and_paths_lose_their_dot_slash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = std::fs::read(repo("examples/Dockerfile")).expect("example");
    text.extend_from_slice(b"LABEL note=caf\xe9\n");
    std::fs::write(dir.path().join("Dockerfile"), text).expect("write");
    std::fs::copy(repo("examples/fail.yml"), dir.path().join("sizegate.yml")).expect("copy");
    let out = Command::cargo_bin("sizegate")
        .expect("binary")
        .current_dir(dir.path())
        .env_remove("GITHUB_ACTIONS")
        .args([
            "check",
            "--dockerfile",
            "./Dockerfile",
            "--policy",
            "./sizegate.yml",
            "--format",
            "github",
        ])
        .arg(repo("examples/tiny.docker.tar"))
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("file=Dockerfile,line=6,"), "{text}");
    assert!(text.contains("file=sizegate.yml,line=8,"), "{text}");
}
