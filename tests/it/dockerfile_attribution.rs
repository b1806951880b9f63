//! `check --dockerfile`: each layer is traced to the instruction of the final stage that made it
//! (or to the base image of its FROM), and findings about a layer point at that line.

use serde_json::{json, Value};

use crate::support::{check_example, path_str, root, run, sizegate_in, tempdir, write_file, Run};

/// Runs `check` on the example image with the example failing policy, from the repository root.
fn check(args: &[&str]) -> Run {
    check_example("examples/fail.yml", args)
}

#[test]
fn every_layer_is_traced_to_its_instruction_or_the_base_image() {
    let run = check(&["--dockerfile", "examples/Dockerfile", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
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
    let run = check(&["--dockerfile", "examples/Dockerfile", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let files: Vec<&str> = run
        .stdout
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
    let text = check(&["--dockerfile", "examples/Dockerfile"]).stdout;
    // The label is prose: wrapped in the `where` column of a 120-column table.
    assert!(
        text.contains("┆ base image debian:12-slim ")
            && text.contains("┆ (examples/Dockerfile:4) "),
        "{text}"
    );
    assert!(text.contains("examples/Dockerfile:6 "), "{text}");
}

#[test]
fn a_broken_dockerfile_is_an_error_naming_its_line() {
    let dir = tempdir();
    let df = write_file(dir.path(), "Dockerfile", b"RUN echo before any FROM\n");
    let run = check(&["--dockerfile", path_str(&df)]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .starts_with(&format!("error: {}:1: ", df.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn target_picks_the_stage_the_image_was_built_from() {
    let dir = tempdir();
    // The example's instructions in a `runtime` stage, followed by a test stage that is not built.
    let text = std::fs::read_to_string(root().join("examples/Dockerfile")).expect("example");
    let staged = format!(
        "{}\nFROM runtime-base AS tests\nRUN make test\n",
        text.replace("FROM debian:12-slim", "FROM debian:12-slim AS runtime")
    );
    let df = write_file(dir.path(), "Dockerfile", staged.as_bytes());
    let path = path_str(&df);
    let run = check(&[
        "--dockerfile",
        path,
        "--target",
        "runtime",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["images"][0]["origins"][1]["location"]["line"], 6);
    let run = check(&["--dockerfile", path, "--target", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("no stage named `nope` (--target); named stages: runtime, tests"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_dockerfile_that_is_not_utf8_is_read_and_paths_lose_their_dot_slash() {
    let dir = tempdir();
    let mut text = std::fs::read(root().join("examples/Dockerfile")).expect("example");
    text.extend_from_slice(b"LABEL note=caf\xe9\n");
    write_file(dir.path(), "Dockerfile", &text);
    std::fs::copy(
        root().join("examples/fail.yml"),
        dir.path().join("sizegate.yml"),
    )
    .expect("copy");
    let run = run(sizegate_in(dir.path())
        .args([
            "check",
            "--dockerfile",
            "./Dockerfile",
            "--policy",
            "./sizegate.yml",
            "--format",
            "github",
        ])
        .arg(root().join("examples/tiny.docker.tar")));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = run.stdout;
    assert!(text.contains("file=Dockerfile,line=6,"), "{text}");
    assert!(text.contains("file=sizegate.yml,line=8,"), "{text}");
}
