//! GitHub shows at most 10 error and 10 warning annotations per step: `--format github` writes
//! the most important ones and one notice for the rest. An error that stops the run (exit 2) is
//! an `::error` annotation too under GitHub Actions.

use crate::support::{fixture_arg, run, sizegate_in, workdir, DockerArchive, Layer, Run};

/// 30 layers of 1 file each, layer `i` of `1000 + 100 i` bytes.
fn thirty_layers(dir: &std::path::Path) -> std::path::PathBuf {
    let mut image = DockerArchive::new();
    for i in 0..30 {
        image = image.layer(Layer::new().file(format!("opt/f{i}"), 1000 + 100 * i).tar());
    }
    image.write(dir, "app.tar")
}

/// A policy that each of the 30 layers breaks twice: an error for its size, a warning for its
/// file.
const SIXTY: &str = r#"layers:
  - select: { index: "0.." }
    max_size: 100B
  - select: { index: "0.." }
    max_files: 0
    severity: warn
"#;

/// The command (`::error`, `::warning`, `::notice`) and the first line of the message of each
/// line of `text`.
fn annotations(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| {
            let command = l
                .split([' ', ':'])
                .find(|w| !w.is_empty())
                .unwrap_or_default();
            let message = l.rsplit_once("::").map(|(_, m)| m).unwrap_or_default();
            let first = message.split("%0A").next().unwrap_or_default();
            (command.to_string(), first.to_string())
        })
        .collect()
}

#[test]
fn sixty_findings_are_ten_errors_ten_warnings_and_a_notice() {
    let dir = workdir(&[("sizegate.yml", SIXTY)]);
    let image = thirty_layers(dir.path());
    let github = run(sizegate_in(dir.path()).args([
        "check",
        image.to_str().expect("UTF-8"),
        "--format",
        "github",
    ]));
    assert_eq!(github.code, 1, "{}", github.stderr);
    let found = annotations(&github.stdout);
    assert_eq!(found.len(), 21, "{}", github.stdout);
    // The errors, the largest layer (the largest excess) first.
    for (n, (command, message)) in found[..10].iter().enumerate() {
        let layer = 29 - n;
        assert_eq!(command, "error");
        assert!(
            message.starts_with(&format!("layer {layer} size ")),
            "{message}"
        );
    }
    // The warnings are all one file over: in the report's order.
    for (n, (command, message)) in found[10..20].iter().enumerate() {
        assert_eq!(command, "warning");
        let expected = format!("layer {n} file count 1 is over the budget of 0");
        assert_eq!(message, &expected);
    }
    assert_eq!(
        found[20],
        (
            "notice".to_string(),
            "20 more errors and 20 more warnings than GitHub shows as annotations (10 of each kind per step): every finding is in the step summary and in sizegate's table and reports".to_string()
        )
    );
    // The table still has all sixty.
    let table = run(sizegate_in(dir.path()).args(["check", image.to_str().expect("UTF-8")]));
    let table = table.stdout;
    assert!(
        table.ends_with("FAIL: 30 errors, 30 warnings (image 73.50 kB)\n"),
        "{table}"
    );
}

/// `sizegate ARGS` in a directory holding `sizegate.yml` = `policy`, under GitHub Actions (with
/// no step files) unless `actions` is false.
fn broken(policy: &str, args: &[&str], actions: bool) -> Run {
    let dir = workdir(&[("sizegate.yml", policy)]);
    let mut cmd = sizegate_in(dir.path());
    cmd.args(args);
    if actions {
        cmd.env("GITHUB_ACTIONS", "true");
    }
    run(&mut cmd)
}

/// The lines of `text` that are `::error` workflow commands.
fn errors(text: &str) -> Vec<&str> {
    text.lines().filter(|l| l.starts_with("::error")).collect()
}

#[test]
fn an_invalid_policy_is_one_error_annotation_at_its_first_problem() {
    let image = fixture_arg("tiny.docker.tar");
    let policy = "image:\n  max_szie: 1MB\n  max_layers: many\n";
    let run = broken(policy, &["check", &image], true);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: sizegate.yml:2:3: unknown key `max_szie`"),
        "{}",
        run.stderr
    );
    assert_eq!(
        errors(&run.stderr),
        ["::error file=sizegate.yml,line=2,col=3,title=sizegate could not run%3A invalid policy::\
          sizegate.yml:2:3: unknown key `max_szie` in `image`%0A\
          sizegate.yml:3:15: `image.max_layers` must be a whole number, found the string `many`"]
    );
}

#[test]
fn other_errors_that_stop_the_run_are_an_annotation_too() {
    let missing = broken("image:\n  max_size: 1MB\n", &["check", "missing.tar"], true);
    assert_eq!(missing.code, 2);
    let annotations = errors(&missing.stderr);
    assert_eq!(annotations.len(), 1, "{}", missing.stderr);
    assert!(
        annotations[0].starts_with("::error title=sizegate could not run::missing.tar"),
        "{}",
        annotations[0]
    );
    // A bad argument stops the run as well.
    let usage = broken("", &["check", "x.tar", "--format", "yaml"], true);
    assert_eq!(usage.code, 2);
    let annotations = errors(&usage.stderr);
    assert_eq!(annotations.len(), 1, "{}", usage.stderr);
    assert!(
        annotations[0].starts_with(
            "::error title=sizegate could not run::invalid value 'yaml' for '--format <FORMAT>'%0A"
        ),
        "{}",
        annotations[0]
    );
    // `--help` is no error.
    let help = broken("", &["check", "--help"], true);
    assert_eq!(help.code, 0);
    assert!(errors(&help.stderr).is_empty() && errors(&help.stdout).is_empty());
}

#[test]
fn no_annotation_outside_github_actions_or_with_no_github() {
    let image = fixture_arg("tiny.docker.tar");
    let policy = "image:\n  max_szie: 1MB\n";
    for (args, actions) in [
        (vec!["check", image.as_str()], false),
        (vec!["check", image.as_str(), "--no-github"], true),
        (
            vec!["check", "--no-github", "x.tar", "--format", "yaml"],
            true,
        ),
    ] {
        let run = broken(policy, &args, actions);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(errors(&run.stderr).is_empty(), "{args:?}: {}", run.stderr);
    }
}
