//! Parsing the command line, with the one thing clap's errors leave out: which of the options it
//! complains about came from an environment variable (`SIZEGATE_FAIL_ON=sometimes`). A CI job sets
//! these once for every step, far from the command that fails, and "invalid value for --fail-on"
//! on a command line without `--fail-on` would send the user looking in vain.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

use crate::args::Cli;

/// The parsed command line; exits as clap does (2 on a usage error, 0 for `--help`) when it
/// cannot be parsed, after handing the text of a usage error to `on_error` (`--help` and
/// `--version` are none).
pub(crate) fn cli(on_error: impl FnOnce(&str)) -> Cli {
    unset_empty_variables();
    let args: Vec<OsString> = std::env::args_os().collect();
    let e = match Cli::try_parse_from(&args) {
        Ok(cli) => return cli,
        Err(e) => e,
    };
    let message = e.render().to_string();
    let message = match env_note(&e, &args, |var| std::env::var_os(var).is_some()) {
        Some(note) => with_note(&message, &note),
        None => message,
    };
    if e.use_stderr() {
        on_error(&message);
        #[allow(clippy::print_stderr)]
        {
            eprint!("{message}");
        }
        std::process::exit(e.exit_code());
    }
    e.exit()
}

/// Removes the options' variables that are set but empty: CI systems pass an unset input on as an
/// empty variable (`SIZEGATE_FAIL_ON: ${{ inputs.fail-on }}`), and that means "not given", as an
/// empty `NO_COLOR` does; clap would take it for an empty value. Runs before any thread starts.
fn unset_empty_variables() {
    let command = Cli::command();
    for (_, var) in options_with_env(&command, None) {
        if std::env::var_os(&var).is_some_and(|v| v.is_empty()) {
            std::env::remove_var(&var);
        }
    }
}

/// The options that take a variable, `(long name, variable)`: of every command, or only of the
/// subcommand `only` (and the global ones).
fn options_with_env(command: &clap::Command, only: Option<&str>) -> Vec<(String, String)> {
    std::iter::once(command)
        .chain(
            command
                .get_subcommands()
                .filter(|c| only.is_none_or(|name| c.get_name() == name)),
        )
        .flat_map(|c| c.get_arguments())
        .filter_map(|a| {
            let env = a.get_env()?.to_str()?.to_string();
            Some((a.get_long()?.to_string(), env))
        })
        .collect()
}

/// Whether `--long` (or `--long=…`) is on the command line `args`.
pub(crate) fn on_command_line(args: &[OsString], long: &str) -> bool {
    args.iter().skip(1).any(|a| {
        a.to_str()
            .and_then(|a| a.strip_prefix("--"))
            .is_some_and(|a| a == long || a.starts_with(&format!("{long}=")))
    })
}

/// What to add to clap's message when options it is about came from the environment (`is_set`
/// says which variables are): the variable of a rejected value, or, when a required option is
/// missing, the variables that gave options needing it (`SIZEGATE_TARGET` needs `--dockerfile`).
fn env_note(
    error: &clap::Error,
    args: &[OsString],
    is_set: impl Fn(&str) -> bool,
) -> Option<String> {
    let command = Cli::command();
    match error.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            // `--fail-on <WHEN>`: the option's long name is the first word.
            let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
                return None;
            };
            let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
            let (_, var) = options_with_env(&command, None)
                .into_iter()
                .find(|(name, var)| name == long && from_env(args, name, var, &is_set))?;
            Some(format!("from the environment variable {var}"))
        }
        ErrorKind::MissingRequiredArgument => set_by(args, is_set),
        _ => None,
    }
}

/// Whether option `--long` of the command line `args` comes from its variable `var`: not on the
/// line, and the variable set.
fn from_env(args: &[OsString], long: &str, var: &str, is_set: &impl Fn(&str) -> bool) -> bool {
    !on_command_line(args, long) && is_set(var)
}

/// The note that says which options of the command line `args` came from the environment
/// (`is_set` says which variables are): `options set by the environment: SIZEGATE_PLATFORM`, or
/// none. An error that stops the run names an option (`--platform "bogus" is not …`) that the
/// user may never have typed.
fn set_by(args: &[OsString], is_set: impl Fn(&str) -> bool) -> Option<String> {
    let command = Cli::command();
    let subcommand = args.iter().skip(1).find_map(|a| {
        let a = a.to_str()?;
        command.find_subcommand(a).map(|c| c.get_name().to_string())
    });
    let mut vars: Vec<String> = options_with_env(&command, subcommand.as_deref())
        .into_iter()
        .filter(|(long, var)| from_env(args, long, var, &is_set))
        .map(|(_, var)| var)
        .collect();
    vars.dedup();
    (!vars.is_empty()).then(|| format!("options set by the environment: {}", vars.join(", ")))
}

/// The note for an error of this run: which of its options came from the environment.
pub(crate) fn environment_note() -> Option<String> {
    let args: Vec<OsString> = std::env::args_os().collect();
    set_by(&args, |var| std::env::var_os(var).is_some())
}

/// clap's message with the note: after its first line (`error: invalid value 'x' for '--fail-on
/// <WHEN>' (from the environment variable SIZEGATE_FAIL_ON)`), or as a line of its own after the
/// list a first line ending in `:` introduces (the required options not given).
fn with_note(message: &str, note: &str) -> String {
    let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
    if !first.ends_with(':') {
        return format!("{first} ({note})\n{rest}");
    }
    let list_len: usize = rest
        .split_inclusive('\n')
        .take_while(|l| l.starts_with("  "))
        .map(str::len)
        .sum();
    let (list, after) = rest.split_at(list_len);
    format!("{first}\n{list}note: {note}\n{after}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    /// clap's error for `bad` (a value read from the environment gives the same error as on the
    /// line), and the note for a run whose command line is `line` with only `set` variables.
    fn note(bad: &[&str], line: &[&str], set: &[&str]) -> Option<String> {
        let e = Cli::try_parse_from(os(bad)).expect_err("the arguments are bad");
        env_note(&e, &os(line), |var| set.contains(&var))
    }

    #[test]
    fn a_bad_value_not_on_the_command_line_names_its_variable() {
        let bad = ["sizegate", "check", "app.tar", "--fail-on", "sometimes"];
        let line = ["sizegate", "check", "app.tar"];
        assert_eq!(
            note(&bad, &line, &["SIZEGATE_FAIL_ON"]).as_deref(),
            Some("from the environment variable SIZEGATE_FAIL_ON")
        );
        assert_eq!(note(&bad, &bad, &["SIZEGATE_FAIL_ON"]), None, "on the line");
        assert_eq!(note(&bad, &line, &[]), None, "the variable is not set");
        let bad = ["sizegate", "check", "app.tar", "--output=bogus"];
        assert_eq!(
            note(&bad, &bad, &["SIZEGATE_OUTPUT"]),
            None,
            "`--output=…` too"
        );
    }

    #[test]
    fn a_missing_option_names_the_variables_that_needed_it() {
        let bad = ["sizegate", "check", "app.tar", "--target", "build"];
        let line = ["sizegate", "check", "app.tar"];
        assert_eq!(
            note(&bad, &line, &["SIZEGATE_TARGET", "SIZEGATE_FORMAT"]).as_deref(),
            Some("options set by the environment: SIZEGATE_TARGET, SIZEGATE_FORMAT")
        );
        assert_eq!(note(&bad, &bad, &["SIZEGATE_TARGET"]), None, "on the line");
    }

    #[test]
    fn the_note_goes_on_the_first_line() {
        assert_eq!(
            with_note(
                "error: invalid value 'x' for '--fail-on <WHEN>'\n  [possible values: error]\n",
                "from the environment variable SIZEGATE_FAIL_ON"
            ),
            "error: invalid value 'x' for '--fail-on <WHEN>' (from the environment variable \
             SIZEGATE_FAIL_ON)\n  [possible values: error]\n"
        );
        assert_eq!(
            with_note(
                "error: not provided:\n  --dockerfile <FILE>\n\nUsage: x\n",
                "options set by the environment: SIZEGATE_TARGET"
            ),
            "error: not provided:\n  --dockerfile <FILE>\nnote: options set by the environment: \
             SIZEGATE_TARGET\n\nUsage: x\n"
        );
    }
}
