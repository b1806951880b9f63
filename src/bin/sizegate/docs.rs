//! `sizegate completions SHELL` and `sizegate man`: shell completions and the man page, made from
//! the clap definitions of `args.rs` so that they list every subcommand, option and value the
//! binary takes, and never drift from it.

use std::io::{self, Write};

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;

use crate::args::Cli;

/// Writes the completion script of `shell` to `out`.
pub(crate) fn completions(shell: Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    clap_complete::generate(shell, &mut command, name, out);
    Ok(())
}

/// The man page, sizegate(1), as roff: the page of the command, then a section per subcommand
/// with its synopsis, description and options (environment variables included), so that one
/// `man sizegate` shows every option, as the release ships one page.
pub(crate) fn man_page() -> io::Result<String> {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    let man = Man::new(command.clone());
    let mut page = String::new();
    for section in [
        Man::render_title,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ] {
        page.push_str(&render(|w| section(&man, w))?);
    }
    // The subcommands in this page, not in pages of their own (sizegate-check(1)) as
    // clap_mangen's list would point to.
    let subcommands: Vec<&clap::Command> = command
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .collect();
    page.push_str(".SH COMMANDS\n");
    for sub in &subcommands {
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        page.push_str(&format!(
            ".TP\n\\fB{} {}\\fR\n{}\n",
            command.get_name(),
            sub.get_name(),
            roff_text(&about)
        ));
    }
    for sub in subcommands {
        let name = format!("{} {}", command.get_name(), sub.get_name());
        let man = Man::new(sub.clone().display_name(&name));
        page.push_str(&format!(".SH \"{}\"\n", name.to_uppercase()));
        page.push_str(&body(render(|w| man.render_synopsis_section(w))?));
        page.push_str(".PP\n");
        page.push_str(&body(render(|w| man.render_description_section(w))?));
        let options = body(render(|w| man.render_options_section(w))?);
        if !options.trim().is_empty() {
            page.push_str(".SS Options\n");
            page.push_str(&options);
        }
    }
    page.push_str(&render(|w| man.render_version_section(w))?);
    Ok(tidy(&page))
}

/// Text as a roff text line: backslashes and dashes escaped, and a leading `.` or `'` (a
/// control character there) guarded, as clap_mangen writes its own text.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.starts_with(['.', '\'']) {
        true => format!("\\&{escaped}"),
        false => escaped,
    }
}

/// What `section` writes, as text (roff is UTF-8 text here: every input is).
fn render(section: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<String> {
    let mut out = Vec::new();
    section(&mut out)?;
    String::from_utf8(out).map_err(io::Error::other)
}

/// A rendered section without roff's preamble and its own `.SH` heading: its lines after the
/// heading.
fn body(section: String) -> String {
    let mut lines = section.lines().skip_while(|l| !l.starts_with(".SH"));
    lines.next();
    lines.map(|l| format!("{l}\n")).collect()
}

/// The page with its `.TH` line first, then roff's apostrophe preamble once: man pages begin with
/// the title (whatis and lexgrog read the name from there), and every section clap_mangen renders
/// repeats the preamble before its own lines.
fn tidy(page: &str) -> String {
    const PREAMBLE: [&str; 2] = [".ie \\n(.g .ds Aq \\(aq", ".el .ds Aq '"];
    let title = page.lines().find(|l| l.starts_with(".TH "));
    let rest = page
        .lines()
        .filter(|l| Some(*l) != title && !PREAMBLE.contains(l));
    title
        .into_iter()
        .chain(PREAMBLE)
        .chain(rest)
        .map(|l| format!("{l}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_man_page_starts_with_its_title_and_has_a_section_per_subcommand() {
        let page = man_page().expect("rendered");
        assert!(page.starts_with(".TH sizegate 1 "), "{}", &page[..80]);
        assert_eq!(page.matches("\n.TH ").count(), 0, "one title");
        for sub in ["CHECK", "INIT", "LAYERS", "DIFF", "COMPLETIONS", "MAN"] {
            assert!(page.contains(&format!(".SH \"SIZEGATE {sub}\"\n")), "{sub}");
        }
        assert!(
            page.contains("SIZEGATE_FAIL_ON"),
            "env variables are listed"
        );
    }

    #[test]
    fn a_section_body_drops_the_preamble_and_heading() {
        let section = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH OPTIONS\n.TP\n\\-\\-x\n";
        assert_eq!(body(section.to_string()), ".TP\n\\-\\-x\n");
        let page = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH x 1\n.SH A\n\
                    .ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH B\n";
        assert_eq!(
            tidy(page),
            ".TH x 1\n.ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.SH A\n.SH B\n"
        );
        assert_eq!(roff_text(".dot a-b \\"), "\\&.dot a\\-b \\e");
    }
}
