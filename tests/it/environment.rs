//! The options CI users set once per job, as `SIZEGATE_*` variables (clap's `env`): each sets its
//! option, the flag on the command line wins, an empty variable counts as unset, a bad value is
//! exit 2 naming the variable, and `--help` lists them.

use serde_json::json;

use crate::support::{fixture_arg, root, run_in, run_in_env, workdir, TINY};

/// A policy tiny.docker.tar passes, and one it fails.
const PASS: &str = "image:\n  max_layers: 6\n";
const FAIL: &str = "image:\n  max_layers: 5\n";

#[test]
fn sizegate_policy_names_the_policy_and_the_flag_wins() {
    let dir = workdir(&[("pass.yml", PASS), ("fail.yml", FAIL)]);
    let image = fixture_arg(TINY);
    let check = ["check", image.as_str(), "--format", "json"];
    let run = run_in_env(dir.path(), &check, &[("SIZEGATE_POLICY", "fail.yml")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["policy"], json!(["fail.yml"]));
    let mut flag = check.to_vec();
    flag.extend(["--policy", "pass.yml"]);
    let run = run_in_env(dir.path(), &flag, &[("SIZEGATE_POLICY", "fail.yml")]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["policy"], json!(["pass.yml"]));
}

#[test]
fn sizegate_dive_ci_names_the_dive_rules() {
    let dir = workdir(&[("dive.yml", "rules:\n  lowestEfficiency: 0.95\n")]);
    let image = fixture_arg(TINY);
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str(), "--format", "json"],
        &[("SIZEGATE_DIVE_CI", "dive.yml")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.json()["policy"], json!(["dive.yml"]));
}

#[test]
fn sizegate_format_sets_checks_format_and_the_flag_wins() {
    let dir = workdir(&[("sizegate.yml", PASS)]);
    let image = fixture_arg(TINY);
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str()],
        &[("SIZEGATE_FORMAT", "json")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["verdict"], "pass");
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str(), "--format", "table"],
        &[("SIZEGATE_FORMAT", "json")],
    );
    assert_eq!(
        run.verdict_line(),
        "PASS: 0 errors, 0 warnings (image 25.98 kB)"
    );
    // Only check's: `layers` has other formats, and keeps its table.
    let run = run_in_env(
        dir.path(),
        &["layers", image.as_str()],
        &[("SIZEGATE_FORMAT", "sarif")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("created_by"), "{}", run.stdout);
}

#[test]
fn sizegate_output_is_a_comma_separated_list_of_outputs() {
    let dir = workdir(&[("sizegate.yml", FAIL)]);
    let image = fixture_arg(TINY);
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str()],
        // The blank after the comma, as YAML users write it, is no part of the format.
        &[("SIZEGATE_OUTPUT", "json=report.json, junit=junit.xml")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for file in ["report.json", "junit.xml"] {
        assert!(dir.path().join(file).is_file(), "{file} written");
    }
    // The flag replaces the variable's list, it does not add to it.
    let other = workdir(&[("sizegate.yml", FAIL)]);
    let run = run_in_env(
        other.path(),
        &["check", image.as_str(), "--output", "sarif=report.sarif"],
        &[("SIZEGATE_OUTPUT", "json=report.json")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(other.path().join("report.sarif").is_file());
    assert!(!other.path().join("report.json").exists());
}

#[test]
fn sizegate_dockerfile_and_target_trace_the_layers() {
    let image = fixture_arg(TINY);
    let run = run_in_env(
        root(),
        &["check", image.as_str(), "--format", "json"],
        &[
            ("SIZEGATE_POLICY", "examples/pass.yml"),
            ("SIZEGATE_DOCKERFILE", "examples/Dockerfile"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let origins = run.json()["images"][0]["origins"].clone();
    assert!(
        origins.as_array().is_some_and(|o| o.len() == 6),
        "{origins}"
    );
    let run = run_in_env(
        root(),
        &["check", image.as_str()],
        &[
            ("SIZEGATE_POLICY", "examples/pass.yml"),
            ("SIZEGATE_DOCKERFILE", "examples/Dockerfile"),
            ("SIZEGATE_TARGET", "no-such-stage"),
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: examples/Dockerfile: no stage named `no-such-stage` (--target)"),
        "{}",
        run.stderr
    );
}

#[test]
fn sizegate_baseline_compares_with_the_base() {
    let dir = workdir(&[("sizegate.yml", PASS)]);
    let image = fixture_arg(TINY);
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str(), "--format", "json"],
        &[("SIZEGATE_BASELINE", image.as_str())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["images"][0]["diff"]["status"], "compared");
}

#[test]
fn sizegate_platform_picks_the_platform_of_an_index() {
    let image = fixture_arg("tiny-index.oci");
    let run = run_in_env(
        root(),
        &["layers", image.as_str(), "--format", "json"],
        &[("SIZEGATE_PLATFORM", "linux/arm64")],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["images"][0]["platform"], "linux/arm64");
    let run = run_in_env(
        root(),
        &[
            "layers",
            image.as_str(),
            "--format",
            "json",
            "--platform",
            "linux/amd64",
        ],
        &[("SIZEGATE_PLATFORM", "linux/arm64")],
    );
    assert_eq!(run.json()["images"][0]["platform"], "linux/amd64");
}

#[test]
fn an_empty_variable_counts_as_unset() {
    let dir = workdir(&[("sizegate.yml", PASS)]);
    let image = fixture_arg(TINY);
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str()],
        &[
            ("SIZEGATE_FORMAT", ""),
            ("SIZEGATE_POLICY", ""),
            ("SIZEGATE_FAIL_ON", ""),
            ("SIZEGATE_OUTPUT", ""),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.verdict_line(),
        "PASS: 0 errors, 0 warnings (image 25.98 kB)"
    );
}

#[test]
fn a_bad_value_in_a_variable_is_exit_2_naming_the_variable() {
    let dir = workdir(&[("sizegate.yml", PASS)]);
    let image = fixture_arg(TINY);
    for (var, value, first_line) in [
        (
            "SIZEGATE_FORMAT",
            "jsn",
            "error: invalid value 'jsn' for '--format <FORMAT>' (from the environment variable \
             SIZEGATE_FORMAT)",
        ),
        (
            "SIZEGATE_FAIL_ON",
            "sometimes",
            "error: invalid value 'sometimes' for '--fail-on <WHEN>' (from the environment \
             variable SIZEGATE_FAIL_ON)",
        ),
        (
            "SIZEGATE_OUTPUT",
            "json=r.json,sarif",
            "error: invalid value 'sarif' for '--output <F=PATH>': expected FORMAT=PATH, such as \
             sarif=sizegate.sarif (formats: table, json, csv, markdown, github, sarif, junit, \
             gitlab, html) (from the environment variable SIZEGATE_OUTPUT)",
        ),
    ] {
        let run = run_in_env(dir.path(), &["check", image.as_str()], &[(var, value)]);
        assert_eq!(run.code, 2, "{var}");
        assert_eq!(run.stdout, "", "{var}");
        assert_eq!(run.stderr.lines().next(), Some(first_line), "{var}");
    }
    // A variable whose option needs another that is not given says so.
    let run = run_in_env(
        dir.path(),
        &["check", image.as_str()],
        &[("SIZEGATE_TARGET", "build")],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with(
            "error: the following required arguments were not provided:\n  --dockerfile \
             <FILE>\nnote: options set by the environment: SIZEGATE_TARGET\n"
        ),
        "{}",
        run.stderr
    );
    // The same bad value on the command line is clap's own message, naming no variable.
    let run = run_in(
        dir.path(),
        &["check", image.as_str(), "--fail-on", "sometimes"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr.lines().next(),
        Some("error: invalid value 'sometimes' for '--fail-on <WHEN>'")
    );
}

#[test]
fn help_lists_the_variables() {
    let run = run_in(root(), &["check", "--help"]);
    assert_eq!(run.code, 0);
    for var in [
        "SIZEGATE_POLICY",
        "SIZEGATE_DIVE_CI",
        "SIZEGATE_DOCKERFILE",
        "SIZEGATE_TARGET",
        "SIZEGATE_FORMAT",
        "SIZEGATE_OUTPUT",
        "SIZEGATE_BASELINE",
        "SIZEGATE_FAIL_ON",
        "SIZEGATE_PLATFORM",
    ] {
        assert!(
            run.stdout.contains(&format!("[env: {var}=]")),
            "{var} in check --help:\n{}",
            run.stdout
        );
    }
}

#[test]
fn an_error_that_stops_the_run_names_the_options_the_environment_set() {
    // `--platform "bogus" is not …` on a command line without `--platform`: the note says where
    // it came from.
    let dir = workdir(&[]);
    let image = fixture_arg(TINY);
    let run = run_in_env(
        dir.path(),
        &["layers", image.as_str()],
        &[("SIZEGATE_PLATFORM", "bogus")],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--platform"), "{}", run.stderr);
    assert!(
        run.stderr
            .ends_with("\nnote: options set by the environment: SIZEGATE_PLATFORM\n"),
        "{}",
        run.stderr
    );
    // Given on the command line, it is the user's own: no note.
    let run = run_in_env(
        dir.path(),
        &["layers", image.as_str(), "--platform", "bogus"],
        &[("SIZEGATE_PLATFORM", "bogus")],
    );
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("note:"), "{}", run.stderr);
    // A value of any length is not echoed whole.
    let huge = format!("linux/{}", "x".repeat(100_000));
    let run = run_in_env(
        dir.path(),
        &["layers", image.as_str()],
        &[("SIZEGATE_PLATFORM", huge.as_str())],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.len() < 4000, "{} bytes", run.stderr.len());
}
