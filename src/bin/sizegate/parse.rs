//! Parsing the command line, with the one thing clap's errors leave out: when a bad value came
//! from an environment variable (`SIZEGATE_FAIL_ON=sometimes`), the message names the variable.
//! A CI job sets these once for every step, far from the command that fails, and "invalid value
//! for --fail-on" on a command line without `--fail-on` would send the user looking in vain.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

use crate::args::Cli;

/// The parsed command line; exits as clap does (2 on a usage error, 0 for `--help`) when it
/// cannot be parsed.
pub(crate) fn cli() -> Cli {
    unset_empty_variables();
    let args: Vec<OsString> = std::env::args_os().collect();
    match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => match from_env(&e, &args, |var| std::env::var_os(var)) {
            Some(var) => {
                let message = e.render().to_string();
                #[allow(clippy::print_stderr)]
                {
                    eprint!("{}", name_variable(&message, &var));
                }
                std::process::exit(e.exit_code());
            }
            None => e.exit(),
        },
    }
}

/// Removes the options' variables that are set but empty: CI systems pass an unset input on as an
/// empty variable (`SIZEGATE_FAIL_ON: ${{ inputs.fail-on }}`), and that means "not given", as an
/// empty `NO_COLOR` does; clap would take it for an empty value. Runs before any thread starts.
fn unset_empty_variables() {
    let command = Cli::command();
    let vars: Vec<OsString> = std::iter::once(&command)
        .chain(command.get_subcommands())
        .flat_map(|c| c.get_arguments())
        .filter_map(|a| a.get_env().map(ToOwned::to_owned))
        .collect();
    for var in vars {
        if std::env::var_os(&var).is_some_and(|v| v.is_empty()) {
            std::env::remove_var(&var);
        }
    }
}

/// The environment variable a rejected value came from: the variable of the option the error is
/// about, when it is set and the option is not on the command line `args`.
fn from_env(
    error: &clap::Error,
    args: &[OsString],
    var: impl Fn(&str) -> Option<OsString>,
) -> Option<String> {
    if !matches!(
        error.kind(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation
    ) {
        return None;
    }
    // `--fail-on <WHEN>`: the option's long name is the first word.
    let Some(ContextValue::String(arg)) = error.get(ContextKind::InvalidArg) else {
        return None;
    };
    let long = arg.strip_prefix("--")?.split([' ', '=']).next()?;
    let on_command_line = args.iter().skip(1).any(|a| {
        a.to_str().is_some_and(|a| {
            a.strip_prefix("--")
                .is_some_and(|a| a == long || a.starts_with(&format!("{long}=")))
        })
    });
    if on_command_line {
        return None;
    }
    let command = Cli::command();
    let env = std::iter::once(&command)
        .chain(command.get_subcommands())
        .flat_map(|c| c.get_arguments())
        .filter(|a| a.get_long() == Some(long))
        .find_map(|a| a.get_env())?
        .to_str()?
        .to_string();
    var(&env).is_some().then_some(env)
}

/// clap's message with the variable named after the option: `error: invalid value 'x' for
/// '--fail-on <WHEN>' (from the environment variable SIZEGATE_FAIL_ON)`.
fn name_variable(message: &str, var: &str) -> String {
    let (first, rest) = message.split_once('\n').unwrap_or((message, ""));
    format!("{first} (from the environment variable {var})\n{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_bad_value_not_on_the_command_line_names_its_variable() {
        // clap reads a value from the environment as from the line: the error is the same, and
        // a line without the option says where it came from.
        let bad = ["sizegate", "check", "app.tar", "--fail-on", "sometimes"];
        let args = os(&bad);
        let e = Cli::try_parse_from(&args).expect_err("bad value");
        let set = |name: &str| (name == "SIZEGATE_FAIL_ON").then(|| OsString::from("sometimes"));
        assert_eq!(
            from_env(&e, &os(&["sizegate", "check", "app.tar"]), set),
            Some("SIZEGATE_FAIL_ON".to_string())
        );
        assert_eq!(from_env(&e, &args, set), None, "the flag is on the line");
        let line = os(&["sizegate", "check", "app.tar", "--output=bogus"]);
        let e = Cli::try_parse_from(&line).expect_err("bad value");
        let set = |name: &str| (name == "SIZEGATE_OUTPUT").then(|| OsString::from("bogus"));
        assert_eq!(
            from_env(&e, &line, set),
            None,
            "`--output=…` is on the line too"
        );
    }

    #[test]
    fn an_unset_variable_is_not_named() {
        let args = os(&["sizegate", "check", "app.tar", "--fail-on", "sometimes"]);
        let e = Cli::try_parse_from(&args).expect_err("bad value");
        assert_eq!(
            from_env(&e, &os(&["sizegate", "check", "app.tar"]), |_| None),
            None
        );
    }

    #[test]
    fn the_variable_is_named_on_the_first_line() {
        assert_eq!(
            name_variable(
                "error: invalid value 'x' for '--fail-on <WHEN>'\n  [possible values: error]\n",
                "SIZEGATE_FAIL_ON"
            ),
            "error: invalid value 'x' for '--fail-on <WHEN>' (from the environment variable \
             SIZEGATE_FAIL_ON)\n  [possible values: error]\n"
        );
    }
}
