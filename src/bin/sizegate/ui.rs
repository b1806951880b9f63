//! How the binary speaks to people: whether it colours, how wide its tables are, and whether it
//! keeps quiet. The global flags (`--color`, `--quiet`) are read once, before any command runs,
//! and kept here for the whole process, so that every command and the error path of `main` see
//! the same choice without each signature carrying it.

use std::ffi::{OsStr, OsString};
use std::io::{self, IsTerminal};
use std::sync::OnceLock;

// What `terminal_size` asks of a stream on this system.
#[cfg(unix)]
use std::os::fd::AsFd as AsTerminal;
#[cfg(windows)]
use std::os::windows::io::AsHandle as AsTerminal;

use clap::ValueEnum;

/// The width of tables that go neither to a terminal nor under a valid `COLUMNS`: what a CI log
/// shows without a scroll bar on a laptop's screen.
pub(crate) const DEFAULT_WIDTH: usize = 120;

/// `--color WHEN`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set or `TERM=dumb`; anywhere with `CLICOLOR_FORCE`.
    #[default]
    Auto,
    /// Always, in a pipe or a CI log too.
    Always,
    /// Never.
    Never,
}

/// The global flags, as `main` read them.
#[derive(Debug, Clone, Copy, Default)]
struct Settings {
    color: ColorChoice,
    quiet: bool,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// Keeps the global flags for the rest of the process; only the first call counts.
pub(crate) fn init(color: ColorChoice, quiet: bool) {
    let _ = SETTINGS.set(Settings { color, quiet });
}

fn settings() -> Settings {
    SETTINGS.get().copied().unwrap_or_default()
}

/// Whether this runs as a GitHub Actions step (`GITHUB_ACTIONS=true`, as the runner sets it).
pub(crate) fn under_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// `--quiet`: no notes, warnings nor progress on stderr, and `check`'s table only its verdict.
pub(crate) fn quiet() -> bool {
    settings().quiet
}

/// The variables of the environment that bear on colour (no-color.org, bixense.com/clicolors).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ColorEnv {
    /// `NO_COLOR` set and not empty.
    no_color: bool,
    /// `CLICOLOR_FORCE` set, not empty and not `0`.
    force: bool,
    /// `TERM=dumb`: a terminal that shows escape sequences as text.
    dumb: bool,
}

impl ColorEnv {
    fn read() -> ColorEnv {
        ColorEnv::from_vars(|name| std::env::var_os(name))
    }

    /// The variables as `lookup` gives them; an empty one counts as unset.
    fn from_vars(lookup: impl Fn(&str) -> Option<OsString>) -> ColorEnv {
        let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
        ColorEnv {
            no_color: var("NO_COLOR").is_some(),
            force: var("CLICOLOR_FORCE").is_some_and(|v| v != "0"),
            dumb: var("TERM").is_some_and(|v| v == "dumb"),
        }
    }
}

/// Whether to colour a stream, by `choice`, the environment and whether the stream is a
/// terminal. The flag wins over the environment; in `auto`, `NO_COLOR` wins over
/// `CLICOLOR_FORCE`, which wins over the terminal (as anstream decides).
fn decide(choice: ColorChoice, env: ColorEnv, terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto if env.no_color => false,
        ColorChoice::Auto if env.force => true,
        ColorChoice::Auto => terminal && !env.dumb,
    }
}

/// Whether to colour what goes to `stream`.
pub(crate) fn colour(stream: &impl IsTerminal) -> bool {
    decide(settings().color, ColorEnv::read(), stream.is_terminal())
}

/// The width of the tables: the terminal's when there is one, else `COLUMNS` when it is a
/// positive number, else [`DEFAULT_WIDTH`].
fn decide_width(terminal: Option<u16>, columns: Option<&OsStr>) -> usize {
    let columns = || {
        columns
            .and_then(OsStr::to_str)
            .and_then(|c| c.trim().parse::<usize>().ok())
    };
    terminal
        .map(usize::from)
        .filter(|w| *w > 0)
        .or_else(|| columns().filter(|w| *w > 0))
        .unwrap_or(DEFAULT_WIDTH)
}

/// Where a report for people goes, for its colour and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sink {
    /// Standard output.
    Stdout,
    /// Standard error: where `check --format`'s output goes when `--output F=-` takes stdout.
    Stderr,
    /// A file (`--output table=PATH`): never coloured, and as wide as a log.
    File,
}

/// How a report for people looks where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Look {
    /// ANSI colours.
    pub colour: bool,
    /// The widest a line of a table may be.
    pub width: usize,
}

impl Look {
    /// The look of what goes to `sink`.
    pub(crate) fn of(sink: Sink) -> Look {
        let (terminal, colour) = match sink {
            Sink::Stdout => terminal(io::stdout()),
            Sink::Stderr => terminal(io::stderr()),
            Sink::File => (None, false),
        };
        let columns = std::env::var_os("COLUMNS");
        Look {
            colour,
            width: decide_width(terminal, columns.as_deref()),
        }
    }
}

/// A stream's width when it is a terminal, and whether to colour what goes to it.
fn terminal(stream: impl IsTerminal + AsTerminal) -> (Option<u16>, bool) {
    let size = stream
        .is_terminal()
        .then(|| terminal_size::terminal_size_of(&stream))
        .flatten();
    (size.map(|(width, _)| width.0), colour(&stream))
}

/// The width of the tables printed on stdout.
pub(crate) fn stdout_width() -> usize {
    Look::of(Sink::Stdout).width
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: ColorEnv = ColorEnv {
        no_color: false,
        force: false,
        dumb: false,
    };

    #[test]
    fn the_flag_wins_over_the_environment() {
        let all = ColorEnv {
            no_color: true,
            force: true,
            dumb: true,
        };
        for env in [NONE, all] {
            for terminal in [false, true] {
                assert!(decide(ColorChoice::Always, env, terminal));
                assert!(!decide(ColorChoice::Never, env, terminal));
            }
        }
    }

    #[test]
    fn auto_colours_a_terminal_unless_the_environment_says_otherwise() {
        use ColorChoice::Auto;
        assert!(decide(Auto, NONE, true));
        assert!(!decide(Auto, NONE, false));
        let no_color = ColorEnv {
            no_color: true,
            ..NONE
        };
        assert!(!decide(Auto, no_color, true));
        let dumb = ColorEnv { dumb: true, ..NONE };
        assert!(!decide(Auto, dumb, true));
        let force = ColorEnv {
            force: true,
            ..NONE
        };
        assert!(decide(Auto, force, false), "CLICOLOR_FORCE colours a pipe");
        assert!(decide(
            Auto,
            ColorEnv {
                dumb: true,
                ..force
            },
            true
        ));
        assert!(
            !decide(
                Auto,
                ColorEnv {
                    no_color: true,
                    ..force
                },
                true
            ),
            "NO_COLOR wins over CLICOLOR_FORCE"
        );
    }

    /// The colour variables of an environment holding `vars`.
    fn env(vars: &[(&str, &str)]) -> ColorEnv {
        ColorEnv::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn empty_variables_and_a_zero_force_do_not_count() {
        assert_eq!(env(&[]), NONE);
        assert_eq!(
            env(&[("NO_COLOR", ""), ("CLICOLOR_FORCE", "0"), ("TERM", "xterm")]),
            NONE
        );
        assert_eq!(
            env(&[
                ("NO_COLOR", "1"),
                ("CLICOLOR_FORCE", "yes"),
                ("TERM", "dumb")
            ]),
            ColorEnv {
                no_color: true,
                force: true,
                dumb: true
            }
        );
    }

    #[test]
    fn width_is_the_terminal_then_columns_then_120() {
        let columns = |c: &str| Some(OsStr::new(c).to_owned());
        assert_eq!(decide_width(Some(97), columns("80").as_deref()), 97);
        assert_eq!(decide_width(None, columns("80").as_deref()), 80);
        assert_eq!(decide_width(None, columns(" 200\n").as_deref()), 200);
        assert_eq!(decide_width(None, None), DEFAULT_WIDTH);
        for garbage in [
            "",
            "0",
            "-5",
            "wide",
            "80x",
            "1e3",
            "99999999999999999999999",
        ] {
            assert_eq!(
                decide_width(None, columns(garbage).as_deref()),
                DEFAULT_WIDTH,
                "{garbage:?}"
            );
        }
        // A terminal that reports no width (some serial consoles) is not one.
        assert_eq!(decide_width(Some(0), columns("70").as_deref()), 70);
    }
}
