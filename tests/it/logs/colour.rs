//! `--color auto|always|never` (or `SIZEGATE_COLOR`): the flag wins; in `auto`, a pipe gets no
//! colour unless `CLICOLOR_FORCE` says so, and `NO_COLOR` wins over that.

use crate::support::{check_example_in_env, run, sizegate_in, Run};

/// `check` of the example image with its failing policy (a table, a verdict line), from the
/// repository root, with `NO_COLOR` unset (the tests' isolation sets it, and whether it is set is
/// what these tests vary) and the variables `env` gives.
fn check(args: &[&str], env: &[(&str, &str)]) -> Run {
    check_example_in_env("examples/fail.yml", args, &["NO_COLOR"], env)
}

/// Whether `text` holds an ANSI sequence.
fn coloured(text: &str) -> bool {
    text.contains("\x1b[")
}

#[test]
fn always_colours_a_pipe_and_never_does_not() {
    let always = check(&["--color", "always"], &[]);
    assert_eq!(always.code, 1, "{}", always.stderr);
    assert!(coloured(&always.stdout), "{}", always.stdout);
    assert!(
        always
            .stdout
            .ends_with("\x1b[1;31mFAIL: 3 errors, 0 warnings (image 25.98 kB of 20 kB)\x1b[0m\n"),
        "{:?}",
        always.stdout
    );
    let never = check(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(never.code, 1);
    assert!(!coloured(&never.stdout), "{}", never.stdout);
    // The same table, without its colours.
    let plain = check(&[], &[]);
    assert_eq!(never.stdout, plain.stdout);
}

#[test]
fn auto_leaves_a_pipe_plain_unless_clicolor_force_and_no_color_wins() {
    for (env, expected) in [
        (&[][..], false),
        (&[("CLICOLOR_FORCE", "1")][..], true),
        (&[("CLICOLOR_FORCE", "0")][..], false),
        (&[("CLICOLOR_FORCE", "")][..], false),
        (&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")][..], false),
        (&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")][..], true),
    ] {
        let run = check(&["--color", "auto"], env);
        assert_eq!(coloured(&run.stdout), expected, "{env:?}");
    }
}

#[test]
fn the_environment_variable_sets_the_flag_and_the_flag_wins() {
    let env = [("SIZEGATE_COLOR", "always")];
    assert!(coloured(&check(&[], &env).stdout));
    assert!(!coloured(&check(&["--color", "never"], &env).stdout));
    // Explicit, so NO_COLOR does not turn it off.
    assert!(coloured(
        &check(&[], &[("SIZEGATE_COLOR", "always"), ("NO_COLOR", "1")]).stdout
    ));
    let bad = check(&[], &[("SIZEGATE_COLOR", "sometimes")]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("invalid value 'sometimes' for '--color <WHEN>'"),
        "{}",
        bad.stderr
    );
}

#[test]
fn policy_diagnostics_follow_the_flag_and_files_are_never_coloured() {
    let dir = crate::support::workdir(&[("sizegate.yml", "image:\n  max_szie: 1MB\n")]);
    let mut cmd = sizegate_in(dir.path());
    cmd.args(["check", "-", "--color", "always"])
        .env_remove("NO_COLOR");
    let broken = run(&mut cmd);
    assert_eq!(broken.code, 2);
    assert!(coloured(&broken.stderr), "{}", broken.stderr);

    let out = crate::support::tempdir();
    let table = out.path().join("table.txt");
    let spec = format!("table={}", table.display());
    let run = check(&["--color", "always", "--output", &spec], &[]);
    assert!(coloured(&run.stdout));
    let written = std::fs::read_to_string(&table).expect("table written");
    assert!(!coloured(&written), "{written}");
}

#[cfg(target_os = "linux")]
#[test]
fn auto_colours_a_terminal_unless_no_color_or_a_dumb_one() {
    let args = [
        "check",
        "examples/tiny.docker.tar",
        "--policy",
        "examples/fail.yml",
    ];
    let plain = super::on_a_terminal(&args, &[]);
    assert!(coloured(&plain), "{plain}");
    for env in [("NO_COLOR", "1"), ("TERM", "dumb")] {
        let out = super::on_a_terminal(&args, &[env]);
        // Printed, only without colour: an empty output would pass the check below.
        assert!(out.contains("FAIL"), "{env:?}: {out}");
        assert!(!coloured(&out), "{env:?}: {out}");
    }
    let never = super::on_a_terminal(
        &["--color", "never", args[0], args[1], args[2], args[3]],
        &[],
    );
    assert!(never.contains("FAIL") && !coloured(&never), "{never}");
}
