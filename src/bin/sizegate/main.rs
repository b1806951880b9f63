//! The `sizegate` binary: parses arguments, runs the subcommand, and maps the outcome to an exit
//! code: 0 done (the policy passed), 1 the policy was violated, 2 could not run.

mod args;
mod commands;
mod docs;
mod parse;
mod progress;
mod repo_path;
mod ui;

use std::io::{self, Write};
use std::process::ExitCode;

use args::{Cli, Command};
use sizegate::report::format::github::workflow_command;
use sizegate::report::printable;
use sizegate::{PolicyErrors, Verdict};

pub(crate) use ui::colour;

/// The policy was violated: a rule with severity error failed (or any, with `--fail-on warning`).
const EXIT_VIOLATION: u8 = 1;
/// The run could not be done: bad arguments, unreadable or malformed image, invalid policy.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = parse::cli(|message| {
        // A bad argument stops the run too.
        // The raw arguments, as they could not be parsed.
        let args: Vec<_> = std::env::args_os().collect();
        if annotates(parse::on_command_line(&args, "no-github")) {
            let text = message.trim();
            annotate(&error_annotation(
                text.strip_prefix("error: ").unwrap_or(text),
            ));
        }
    });
    ui::init(cli.color, cli.quiet);
    commands::init_registry(cli.registry.options());
    let annotate_errors = annotates(matches!(&cli.command, Command::Check(a) if a.no_github));
    match run(cli) {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(EXIT_VIOLATION),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            let policy = e.downcast_ref::<PolicyErrors>();
            let message = bounded(&format!("{e:#}"));
            let note = parse::environment_note();
            #[allow(clippy::print_stderr)]
            {
                match policy {
                    Some(policy) => eprintln!("{}", policy.render(colour(&io::stderr()))),
                    None => eprintln!("error: {message}"),
                }
                if let Some(note) = &note {
                    eprintln!("note: {note}");
                }
            }
            if annotate_errors {
                annotate(&match policy {
                    Some(policy) => policy_annotation(policy),
                    None => error_annotation(&match &note {
                        Some(note) => format!("{message}\n{note}"),
                        None => message,
                    }),
                });
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

/// The longest error message printed whole, in characters.
const MESSAGE_CHARS: usize = 2000;

/// `message`, its middle left out when it is longer than [`MESSAGE_CHARS`]: it may quote a value
/// of any length (a 130 kB environment variable), and a log line of that size helps nobody.
fn bounded(message: &str) -> String {
    let chars = message.chars().count();
    if chars <= MESSAGE_CHARS {
        return message.to_string();
    }
    let head: String = message.chars().take(MESSAGE_CHARS / 2).collect();
    let tail: String = message.chars().skip(chars - MESSAGE_CHARS / 4).collect();
    let left_out = chars - MESSAGE_CHARS / 2 - MESSAGE_CHARS / 4;
    format!("{head}… ({left_out} characters left out) …{tail}")
}

/// Whether an error that stops the run is also a GitHub annotation: under GitHub Actions
/// (`GITHUB_ACTIONS=true`), unless `check --no-github` turned sizegate's GitHub output off.
fn annotates(no_github: bool) -> bool {
    !no_github && ui::under_github_actions()
}

/// `::error title=sizegate could not run::MESSAGE`: each line of the message made [`printable`]
/// (it may quote an argument), then the lines joined into one workflow command as the runner
/// requires.
fn error_annotation(message: &str) -> String {
    let title = [("title", "sizegate could not run".to_string())];
    let lines: Vec<_> = message.lines().map(printable).collect();
    workflow_command("error", &title, &lines.join("\n"))
}

/// The annotation of an invalid policy: at its first problem, and every problem in its text (one
/// `file:line:column: message` each; the underlined source is for the log, not an annotation).
fn policy_annotation(policy: &PolicyErrors) -> String {
    let file = printable(policy.file());
    let lines: Vec<String> = policy
        .problems()
        .map(|(line, column, message)| format!("{file}:{line}:{column}: {}", printable(message)))
        .collect();
    let mut properties = Vec::new();
    if let Some((line, column, _)) = policy.problems().next() {
        // The annotation's file is the repository's, as in every report; the log's text keeps
        // the path as typed.
        let file = repo_path::RepoRoot::discover().name(std::path::Path::new(policy.file()));
        properties.push(("file", file));
        properties.push(("line", line.to_string()));
        properties.push(("col", column.to_string()));
    }
    properties.push((
        "title",
        "sizegate could not run: invalid policy".to_string(),
    ));
    workflow_command("error", &properties, &lines.join("\n"))
}

/// Prints a workflow command on stderr, beside the error it repeats (the runner reads commands on
/// both streams, and stdout may be a report redirected to a file).
fn annotate(command: &str) {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{command}");
    }
}

/// `sizegate … | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_message_loses_its_middle() {
        assert_eq!(super::bounded("short"), "short");
        let long = format!("start{}end", "x".repeat(5000));
        let cut = super::bounded(&long);
        assert!(
            cut.starts_with("startxx") && cut.ends_with("xxend"),
            "{cut}"
        );
        assert!(cut.contains("… (3508 characters left out) …"), "{cut}");
        assert!(cut.chars().count() < 1600);
    }

    use super::*;

    #[test]
    fn an_error_is_one_annotation_line_whatever_its_message() {
        let annotation = error_annotation("cannot read x.tar: 100% broken\nsecond\x1b[31m line\r");
        assert_eq!(
            annotation,
            "::error title=sizegate could not run::cannot read x.tar: 100%25 broken%0Asecond\\u{1b}[31m line\\r"
        );
        let forged = error_annotation("a\n::error::forged");
        assert_eq!(
            forged,
            "::error title=sizegate could not run::a%0A\\u{3a}:error::forged"
        );
    }

    #[test]
    fn a_property_cannot_end_early() {
        let annotation = workflow_command("error", &[("file", "a::b,c".to_string())], "m");
        assert_eq!(annotation, "::error file=a%3A%3Ab%2Cc::m");
    }
}
