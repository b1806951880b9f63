//! The `sizegate` binary: parses arguments, runs the subcommand, and maps the outcome to an exit
//! code: 0 done (the policy passed), 1 the policy was violated, 2 could not run.

mod args;
mod commands;
mod docs;
mod parse;
mod progress;
mod repo_path;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use args::{Cli, Command};
use sizegate::{PolicyErrors, Verdict};

/// The policy was violated: a rule with severity error failed (or any, with `--fail-on warning`).
const EXIT_VIOLATION: u8 = 1;
/// The run could not be done: bad arguments, unreadable or malformed image, invalid policy.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = parse::cli();
    match run(cli) {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(EXIT_VIOLATION),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            match e.downcast_ref::<PolicyErrors>() {
                Some(policy) => eprintln!("{}", policy.render(colour(&io::stderr()))),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Runs one subcommand; only `check` can fail the gate.
fn run(cli: Cli) -> anyhow::Result<Verdict> {
    match cli.command {
        Command::Check(args) => return commands::check(args),
        Command::Init { image, headroom } => commands::init(&image, &headroom)?,
        Command::Schema => commands::schema()?,
        Command::Layers { image, format } => commands::layers(&image, format)?,
        Command::Diff(args) => commands::diff(&args)?,
        Command::Explain(args) => commands::explain(&args)?,
        Command::Inventory { image, csv } => commands::inventory(&image, &csv)?,
        Command::Top {
            image,
            count,
            dirs,
            format,
        } => commands::top(&image, count, dirs, format)?,
        Command::Completions { shell } => print(|out| docs::completions(shell, out))?,
        Command::Man => print(|out| out.write_all(docs::man_page()?.as_bytes()))?,
    }
    Ok(Verdict::Pass)
}

/// Writes what `write` makes to stdout.
fn print(write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    write(&mut out)?;
    out.flush()
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn colour(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `sizegate … | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}
