//! The action's inputs (`action.yml` → `action/run.sh`): a pull request that edits the workflow
//! controls them. Each case runs the script with a stand-in `sizegate` that records the arguments
//! it receives, and asserts exactly those arguments (or that it never ran), the exit code and the
//! annotation; the hostile cases also check that nothing they try to run has run.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::ci::{calls, recording_script, WRITES_REPORTS};
use crate::support::{path_str, root, tempdir, write_file};

/// One run of the action's script with the stand-in `sizegate`, which records its arguments and
/// creates the report files that the script reads after the check.
struct ActionRun {
    code: Option<i32>,
    stdout: String,
    /// The arguments sizegate received, with `$OUT` for the run's report directory; `None` when
    /// it never ran.
    argv: Option<Vec<String>>,
    /// The names in the work directory after the run, sorted.
    files: Vec<String>,
}

/// Runs action/run.sh in a work directory holding the (empty) files `cwd_files`, with only the
/// given inputs set: the environment is cleared, so the test's own cannot leak in.
fn run_action(cwd_files: &[&str], inputs: &[(&str, &str)]) -> ActionRun {
    let work = tempdir();
    for name in cwd_files {
        write_file(work.path(), name, b"");
    }
    let temp = tempdir();
    let fake = recording_script(temp.path(), "fake-sizegate", WRITES_REPORTS);
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("action/run.sh"))
        .current_dir(work.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", temp.path())
        .env("RUNNER_TEMP", temp.path())
        .env("SIZEGATE_BIN", &fake);
    for (name, value) in inputs {
        cmd.env(
            format!("INPUT_{}", name.to_uppercase().replace('-', "_")),
            value,
        );
    }
    let out = cmd.output().expect("bash runs");
    let out_dir = std::fs::read_dir(temp.path())
        .expect("temp dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("sizegate."))
        });
    let out_dir = out_dir
        .as_deref()
        .map(path_str)
        .unwrap_or("no report directory");
    let calls = calls(&temp.path().join("fake-sizegate.calls"));
    assert!(calls.len() <= 1, "sizegate ran at most once: {calls:?}");
    let argv = calls
        .into_iter()
        .next()
        .map(|argv| argv.iter().map(|a| a.replace(out_dir, "$OUT")).collect());
    let mut files: Vec<String> = std::fs::read_dir(work.path())
        .expect("work dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    ActionRun {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        argv,
        files,
    }
}

/// What sizegate receives with the default inputs (image `app.tar`), `extra` being `args`.
fn received(extra: &[&str]) -> Vec<String> {
    let mut argv = vec![
        "check",
        "--output",
        "json=$OUT/sizegate.json",
        "--output",
        "sarif=$OUT/sizegate.sarif",
        "--output",
        "github=$OUT/sizegate.annotations",
    ];
    argv.extend_from_slice(extra);
    argv.extend_from_slice(&["--", "app.tar"]);
    argv.into_iter().map(str::to_string).collect()
}

/// Asserts a refused input: exit 2, exactly this annotation and nothing else, sizegate never
/// ran, and the work directory holds only `cwd_files`.
fn assert_refused(run: &ActionRun, cwd_files: &[&str], message: &str) {
    assert_eq!(run.code, Some(2), "{}", run.stdout);
    assert_eq!(
        run.stdout,
        format!("::error title=sizegate action::{message}\n")
    );
    assert_eq!(run.argv, None, "sizegate must not run");
    assert_eq!(run.files, cwd_files, "nothing was created");
}

#[test]
fn multi_line_args_keep_every_line() {
    let args = "--dive-ci .dive-ci\n--target \"my stage\"\r\n\n   --image café:1\n";
    let run = run_action(&[], &[("image", "app.tar"), ("args", args)]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        run.argv,
        Some(received(&[
            "--dive-ci",
            ".dive-ci",
            "--target",
            "my stage",
            "--image",
            "café:1"
        ]))
    );
}

#[test]
fn quotes_and_backslashes_in_args_keep_spaces_and_literal_text() {
    let args = r#"--policy 'my policy.yml' --target "my stage" --image my\ app
# a comment, not arguments: $(touch pwned) ; `touch pwned`
"say \"hi\" \\ \q \$HOME" '' '$(touch pwned) `touch pwned` *.tar ~ ;' \*.tar *.tar ab\
cd"#;
    let run = run_action(&["a.tar"], &[("image", "app.tar"), ("args", args)]);
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    assert_eq!(
        run.argv,
        Some(received(&[
            "--policy",
            "my policy.yml",
            "--target",
            "my stage",
            "--image",
            "my app",
            r#"say "hi" \ \q $HOME"#,
            "",
            "$(touch pwned) `touch pwned` *.tar ~ ;",
            "*.tar",
            "*.tar",
            "abcd",
        ]))
    );
    assert_eq!(run.files, ["a.tar"], "nothing was run");
}

#[test]
fn expansions_in_args_are_refused_and_nothing_runs() {
    let dollar = "the 'args' input, line 1: '$' is not expanded (no variables, no command \
                  substitution); write \\$ or single-quote it to pass a literal '$'";
    let backquote = "the 'args' input, line 1: '`' is not run (no command substitution); write \
                     \\` or single-quote it to pass a literal '`'";
    for (args, message) in [
        ("--image $(touch pwned)", dollar.to_string()),
        ("--image \"$(touch pwned)\"", dollar.to_string()),
        ("--policy $HOME/p.yml", dollar.to_string()),
        ("--policy ${HOME}", dollar.to_string()),
        ("--image `touch pwned`", backquote.to_string()),
        ("--image \"`touch pwned`\"", backquote.to_string()),
        (
            "--image app\n--target $(touch pwned)",
            dollar.replace("line 1", "line 2"),
        ),
    ] {
        let run = run_action(&[], &[("image", "app.tar"), ("args", args)]);
        assert_refused(&run, &[], &message);
    }
}

#[test]
fn shell_syntax_in_args_is_refused() {
    for (args, c) in [
        ("--image app; touch pwned", ';'),
        ("--image app && touch pwned", '&'),
        ("--image app | tee pwned", '|'),
        ("--image app > pwned", '>'),
        ("--image app < /etc/passwd", '<'),
        ("--image (app)", '('),
    ] {
        let run = run_action(&[], &[("image", "app.tar"), ("args", args)]);
        let message = format!(
            "the 'args' input, line 1: '{c}' is shell syntax, and 'args' holds arguments, not \
             commands; write \\{c} or quote it to pass a literal '{c}'"
        );
        assert_refused(&run, &[], &message);
    }
}

#[test]
fn an_unclosed_quote_or_a_final_backslash_in_args_is_refused() {
    for (args, message) in [
        (
            "--target 'my stage",
            "the 'args' input, line 1: the single quote (') opened on this line is never closed",
        ),
        (
            "--image app\n--target \"my stage\n--no-github\n",
            "the 'args' input, line 2: the double quote (\") opened on this line is never closed",
        ),
        (
            "--target \"my stage\\\"",
            "the 'args' input, line 1: the double quote (\") opened on this line is never closed",
        ),
        (
            "--no-github\n--image app\\",
            "the 'args' input, line 2: it ends with a backslash, which escapes nothing",
        ),
    ] {
        let run = run_action(&[], &[("image", "app.tar"), ("args", args)]);
        assert_refused(&run, &[], message);
    }
}

#[test]
fn format_names_are_not_globbed() {
    // Before, `*` expanded to the work directory's names, so the step failed on `a.tar`, or ran
    // with whatever report names the directory happened to hold.
    let cwd = ["a.tar", "csv", "junit"];
    let run = run_action(&cwd, &[("image", "app.tar"), ("format", "sarif,*")]);
    assert_refused(
        &run,
        &cwd,
        "unknown format '*' (json, sarif, junit, gitlab, markdown, csv, html)",
    );
    let run = run_action(&cwd, &[("image", "app.tar"), ("format", "junit,[cj]*")]);
    assert_refused(
        &run,
        &cwd,
        "unknown format '[cj]*' (json, sarif, junit, gitlab, markdown, csv, html)",
    );
    // Commas, blanks and newlines separate names; empty fields are nothing.
    let run = run_action(
        &cwd,
        &[
            ("image", "app.tar"),
            ("format", ",sarif, junit\ncsv,,json "),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let want = [
        "check",
        "--output",
        "json=$OUT/sizegate.json",
        "--output",
        "sarif=$OUT/sizegate.sarif",
        "--output",
        "junit=$OUT/sizegate.junit.xml",
        "--output",
        "csv=$OUT/sizegate.csv",
        "--output",
        "github=$OUT/sizegate.annotations",
        "--",
        "app.tar",
    ];
    assert_eq!(run.argv, Some(want.map(str::to_string).to_vec()));
}

#[test]
fn path_inputs_are_single_arguments_never_split_expanded_or_read_as_options() {
    let image = "-x my *.tar $(touch pwned) `touch pwned`";
    let policy = "--help me.yml; touch pwned";
    let dockerfile = "docker/$HOME Dockerfile\n--target x";
    let baseline = "-base *.json $(touch pwned)\n--no-github";
    let run = run_action(
        &["a.tar"],
        &[
            ("image", image),
            ("policy", policy),
            ("dockerfile", dockerfile),
            ("baseline", baseline),
            ("format", "json"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let want = [
        "check",
        "--output",
        "json=$OUT/sizegate.json",
        &format!("--policy={policy}"),
        &format!("--dockerfile={dockerfile}"),
        &format!("--baseline={baseline}"),
        "--output",
        "github=$OUT/sizegate.annotations",
        "--",
        image,
    ];
    assert_eq!(run.argv, Some(want.map(str::to_string).to_vec()));
    assert_eq!(run.files, ["a.tar"], "nothing was run");
}

#[test]
fn fail_on_and_version_are_validated_before_anything_runs() {
    let run = run_action(&[], &[("image", "app.tar"), ("fail-on", "sometimes")]);
    assert_refused(
        &run,
        &[],
        "'fail-on' must be error, warning or never, not 'sometimes'",
    );
    // A release, which becomes part of a URL: nothing else, not even a version requirement.
    for version in [
        "--path=.",
        "1.2.3; touch pwned",
        "$(touch pwned)",
        "1.2\n3",
        "^1.2",
        "v1.2.3/../../x",
        "1.2.3?x=1",
    ] {
        let run = run_action(&[], &[("image", "app.tar"), ("version", version)]);
        let shown = version.replace('\n', "%0A");
        assert_refused(
            &run,
            &[],
            &format!("'version' must be a sizegate release (v1.2.3), not '{shown}'"),
        );
    }
    for comment in ["yes", "True", "true; touch pwned"] {
        let run = run_action(&[], &[("image", "app.tar"), ("comment", comment)]);
        assert_refused(
            &run,
            &[],
            &format!("'comment' must be true or false, not '{comment}'"),
        );
    }
    // A release is a release (with a given binary, nothing is downloaded): the stand-in then
    // runs as given.
    // The grammar is install.sh's (`--is-release-tag`), build metadata included: run.sh had a
    // grammar of its own that refused `v1.2.3+meta`, which install.sh took.
    for version in ["1.2.3", "v1.2.3-rc.1", "v1.2.3+musl.1", "1.2.3-rc.1+b5"] {
        let run = run_action(&[], &[("image", "app.tar"), ("version", version)]);
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        assert_eq!(run.argv, Some(received(&[])));
    }
}

#[test]
fn a_comment_asks_for_the_markdown_summary_once() {
    crate::support::ci::require_tools(&["jq"]);
    let markdown = ["--output", "markdown=$OUT/sizegate.md"];
    for format in ["sarif", "sarif,markdown", "markdown sarif markdown"] {
        let run = run_action(
            &[],
            &[
                ("image", "app.tar"),
                ("format", format),
                ("comment", "true"),
            ],
        );
        // Outside a pull request (no event here): a notice, and the check's own exit code.
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        assert!(
            run.stdout.contains("::notice title=sizegate comment::"),
            "{}",
            run.stdout
        );
        let argv = run.argv.expect("sizegate ran");
        let count = argv.windows(2).filter(|w| *w == markdown).count();
        assert_eq!(count, 1, "{format}: {argv:?}");
    }
}

#[test]
fn an_input_quoted_in_an_annotation_cannot_forge_a_workflow_command() {
    let run = run_action(
        &[],
        &[
            ("image", "app.tar"),
            ("fail-on", "x\n::warning::forged\r%0A"),
        ],
    );
    assert_refused(
        &run,
        &[],
        "'fail-on' must be error, warning or never, not 'x%0A::warning::forged%0D%250A'",
    );
}

#[test]
fn a_long_args_input_is_split_in_linear_time() {
    // Linux caps one environment variable at 128 KiB, so this is about the longest `args` a
    // runner can pass. Split a character at a time by indexing the string, it takes bash tens of
    // seconds (the cost of each index grows with the string); read a byte at a time, about one.
    let words: Vec<String> = (0..12_000).map(|i| format!("--x{i:05}")).collect();
    let args = words.join(" ");
    assert!(args.len() > 100_000);
    let start = Instant::now();
    let run = run_action(&[], &[("image", "app.tar"), ("args", &args)]);
    let elapsed = start.elapsed();
    assert_eq!(run.code, Some(0), "{}", run.stdout);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    assert_eq!(run.argv, Some(received(&words)));
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
}

#[test]
fn fail_on_is_said_once_by_the_input_or_by_args() {
    // Regression: the input became `--fail-on=…` and a `--fail-on` in `args` a second one, which
    // clap refuses as a usage error (exit 2) with no word of the input.
    for (input, args, word) in [
        ("warning", "--fail-on never", "--fail-on"),
        (
            "error",
            "--dive-ci .dive-ci --fail-on=warning",
            "--fail-on=warning",
        ),
        ("never", "'--fail-on=never'", "--fail-on=never"),
    ] {
        let run = run_action(
            &[],
            &[("image", "app.tar"), ("fail-on", input), ("args", args)],
        );
        assert_refused(
            &run,
            &[],
            &format!(
                "the 'fail-on' input ('{input}') and '{word}' in 'args' both say which findings fail the step: keep one"
            ),
        );
    }
    // Either alone: the input (the default `error` is sizegate's own, not repeated), or args.
    for (input, args, extra) in [
        ("warning", "", vec!["--fail-on=warning"]),
        ("error", "", vec![]),
        ("", "--fail-on warning", vec!["--fail-on", "warning"]),
        ("", "--fail-on=never", vec!["--fail-on=never"]),
    ] {
        let run = run_action(
            &[],
            &[("image", "app.tar"), ("fail-on", input), ("args", args)],
        );
        assert_eq!(run.code, Some(0), "{}", run.stdout);
        let mut want = received(&[]);
        // The input's flag comes before the report outputs; args' after them, before `--`.
        let at = if args.is_empty() { 3 } else { want.len() - 2 };
        for (i, word) in extra.iter().enumerate() {
            want.insert(at + i, (*word).to_string());
        }
        assert_eq!(run.argv, Some(want), "{input:?} {args:?}");
    }
    // After a `--` of args, `--fail-on` is no option but a name.
    let run = run_action(
        &[],
        &[
            ("image", "app.tar"),
            ("fail-on", "warning"),
            ("args", "-- --fail-on"),
        ],
    );
    assert_eq!(run.code, Some(0), "{}", run.stdout);
}
