//! `sizegate completions SHELL` and `sizegate man`: made from the real command-line definitions,
//! so they name every subcommand; bash can load its script, and the man page is one roff page
//! that `man` renders.

use std::process::Command;

use crate::support::{root, run_in, sizegate_bin};

/// Every subcommand, as the scripts and the page must name it.
const SUBCOMMANDS: [&str; 10] = [
    "check",
    "init",
    "schema",
    "layers",
    "diff",
    "explain",
    "inventory",
    "top",
    "completions",
    "man",
];

/// Whether `word` is in `text` as a word of its own: not inside a longer name, as `man` is in
/// `subcommand` and `CommandName`, which every script holds.
fn has_word(text: &str, word: &str) -> bool {
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_name) && !after.is_some_and(is_name)
    })
}

#[test]
fn completions_of_every_shell_name_every_subcommand_and_the_new_options() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = run_in(root(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{shell}");
        for sub in SUBCOMMANDS {
            assert!(has_word(&run.stdout, sub), "{shell} names {sub}");
        }
        assert!(run.stdout.contains("fail-on"), "{shell} names --fail-on");
    }
}

#[test]
fn an_unknown_shell_is_exit_2_listing_the_shells() {
    let run = run_in(root(), &["completions", "tcsh"]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("[possible values: bash, elvish, fish, powershell, zsh]"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn bash_loads_its_completion_script() {
    let script = "source <(\"$0\" completions bash) && complete -p sizegate";
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(sizegate_bin())
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "complete -o bashdefault -o default -o nosort -F _sizegate sizegate\n"
    );
}

#[test]
fn the_man_page_is_one_roff_page_with_every_subcommand_and_variable() {
    let run = run_in(root(), &["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = &run.stdout;
    assert!(
        page.starts_with(&format!(
            ".TH sizegate 1  \"sizegate {}\" \n",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        &page[..page.len().min(200)]
    );
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!(".SH \"SIZEGATE {}\"\n", sub.to_uppercase())),
            "a section for {sub}"
        );
        assert!(
            page.contains(&format!("\\fBsizegate {sub}\\fR\n")),
            "{sub} in COMMANDS"
        );
    }
    assert!(page.contains("\\fBSIZEGATE_FAIL_ON\\fR environment variable"));
    assert!(
        !page.contains("sizegate\\-check(1)"),
        "no page of its own is referred to"
    );
}

/// `man` renders the page without a warning.
#[cfg(unix)]
#[test]
fn man_renders_the_page_without_warnings() {
    crate::support::ci::require_tools(&["man"]);
    let dir = crate::support::tempdir();
    let run = run_in(root(), &["man"]);
    let page = crate::support::write_file(dir.path(), "sizegate.1", run.stdout.as_bytes());
    let out = Command::new("man")
        .args(["--warnings", "-l"])
        .arg(&page)
        .env("MANWIDTH", "100")
        .output()
        .expect("man runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "no warnings");
    // Bold and underline are overstruck (`N\x08N`) when the output is no terminal.
    let mut text = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        match c {
            '\x08' => {
                text.pop();
            }
            c => text.push(c),
        }
    }
    assert!(text.contains("SIZEGATE CHECK"), "{text}");
    assert!(text.contains("--fail-on <WHEN>"), "{text}");
}
