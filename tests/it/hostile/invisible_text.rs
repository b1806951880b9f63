//! Characters that are not seen (zero-width spaces and joiners, the byte-order mark, the soft
//! hyphen, word joiners, tag characters): a path `/etc/pass\u{200b}wd` or a reason with them must
//! not read as something it is not. The outputs for people show them escaped, and a table cut to
//! a narrow log measures them as shown; the JSON outputs keep them exact.

use std::path::{Path, PathBuf};

use crate::support::{path_str, run, sizegate_in, workdir, DockerArchive, Layer, Run};

/// A file name that looks like `passwd`.
const PATH: &str = "etc/pass\u{200b}wd";

/// [`PATH`] as the outputs for people show it.
const PATH_SHOWN: &str = r"etc/pass\u{200b}wd";

/// The policy: `/etc/**` is forbidden, for a reason with a byte-order mark, a word joiner, a soft
/// hyphen and a tag character in it.
const POLICY: &str = "forbid:\n  - glob: \"/etc/**\"\n    reason: \"no\\uFEFF se\\u2060crets\\u00AD here\\U000E0041\"\n";

/// The reason as the outputs for people show it.
const REASON_SHOWN: &str = r"no\u{feff} se\u{2060}crets\u{ad} here\u{e0041}";

/// A docker-archive with [`PATH`] in its one layer.
fn image(dir: &Path) -> PathBuf {
    let layer = Layer::new().dir("etc/").file(PATH, 2000).tar();
    DockerArchive::new()
        .tags(&["app:1"])
        .layer(layer)
        .history(&["COPY passwd /etc/"])
        .write(dir, "app.tar")
}

/// `sizegate check app.tar ARGS` with [`POLICY`], in a log `columns` wide: it fails on the
/// forbidden path; no invisible character is in either stream.
fn check(columns: &str, args: &[&str]) -> Run {
    let dir = workdir(&[("sizegate.yml", POLICY)]);
    let image = image(dir.path());
    let run = run(sizegate_in(dir.path())
        .args(["check", path_str(&image)])
        .args(args)
        .env("COLUMNS", columns));
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        let raw = ['\u{200b}', '\u{feff}', '\u{2060}', '\u{ad}', '\u{e0041}'];
        assert!(
            !text.contains(raw),
            "{args:?} COLUMNS={columns}: an invisible character on {stream}:\n{text}"
        );
    }
    run
}

#[test]
fn table_shows_the_path_and_reason_escaped_and_fits_as_shown() {
    let wide = check("1000", &[]).stdout;
    assert!(
        wide.contains(&format!("/{PATH_SHOWN} (2 kB, layer 0)")),
        "{wide}"
    );
    assert!(wide.contains(&format!("reason: {REASON_SHOWN}")), "{wide}");
    // Cut to a narrow log, every line of a table is as wide as its border and no wider than the
    // log: the escapes were measured as what is printed, not as the zero width of the characters
    // they stand for.
    let narrow = check("70", &[]).stdout;
    let mut border = None;
    for line in narrow
        .lines()
        .filter(|l| l.starts_with(['┌', '│', '╞', '└']))
    {
        let width = unicode_width::UnicodeWidthStr::width(line);
        if line.starts_with('┌') {
            border = Some(width);
        }
        assert!(width <= 70, "{line:?} in\n{narrow}");
        assert_eq!(Some(width), border, "{line:?} in\n{narrow}");
    }
    assert!(border.is_some(), "{narrow}");
    // The path is cut in the middle, its file name kept with the escape whole.
    assert!(narrow.contains(r"/…/pass\u{200b}wd"), "{narrow}");
}

#[test]
fn markdown_shows_the_path_and_reason_escaped() {
    let out = check("1000", &["--format", "markdown"]).stdout;
    assert!(out.contains(r"pass\\u{200b}wd"), "{out}");
    assert!(
        out.contains(r"no\\u{feff} se\\u{2060}crets\\u{ad} here\\u{e0041}"),
        "{out}"
    );
}

#[test]
fn json_keeps_the_path_and_reason_exact() {
    let dir = workdir(&[("sizegate.yml", POLICY)]);
    let image = image(dir.path());
    let json =
        run(sizegate_in(dir.path()).args(["check", path_str(&image), "--format", "json"])).json();
    let finding = &json["images"][0]["findings"][0];
    assert_eq!(finding["paths"][0]["path"], format!("/{PATH}"));
    assert_eq!(
        finding["reason"],
        "no\u{feff} se\u{2060}crets\u{ad} here\u{e0041}"
    );
}
