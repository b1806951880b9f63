//! Every table fits the log: `COLUMNS` when set (these runs have no terminal), else 120 columns;
//! a path keeps its file name, an instruction its start; a width too small degrades, never
//! panics.

use unicode_width::UnicodeWidthStr;

use super::{long_image, LONG_POLICY};
use crate::support::{run, sizegate_in, workdir, Run};

/// The commands that print tables, with the exit code each gives on the long image (the check
/// fails, the others are reports) and a cell that stays whole however narrow the log.
const COMMANDS: [(&[&str], i32, &str); 7] = [
    (
        &["check", "new.tar", "--policy", "policy.yml"],
        1,
        "┆ forbidden-path ",
    ),
    (
        &[
            "check",
            "new.tar",
            "--policy",
            "policy.yml",
            "--baseline",
            "base.tar",
        ],
        1,
        "┆ +2 kB ",
    ),
    (&["layers", "new.tar"], 0, "┆ created_by "),
    (&["top", "new.tar"], 0, "┆ layer ┆ "),
    (&["top", "new.tar", "--dirs"], 0, "┆ directory "),
    (&["diff", "base.tar", "new.tar"], 0, "│ grown  ┆"),
    (&["explain", "new.tar"], 0, "┆ layers ┆ "),
];

/// A directory with the long image (`new.tar`), a smaller base of it (`base.tar`) and the
/// policy; `sizegate ARGS` run there with `COLUMNS` set to `columns` (or unset).
struct Workspace(tempfile::TempDir);

impl Workspace {
    fn new() -> Workspace {
        let dir = workdir(&[("policy.yml", LONG_POLICY)]);
        long_image(dir.path(), "base.tar", 0);
        long_image(dir.path(), "new.tar", 2000);
        Workspace(dir)
    }

    fn run(&self, args: &[&str], columns: Option<&str>) -> Run {
        let mut cmd = sizegate_in(self.0.path());
        cmd.args(args);
        if let Some(columns) = columns {
            cmd.env("COLUMNS", columns);
        }
        run(&mut cmd)
    }
}

/// The lines of `text` wider than `limit`, with their widths.
fn too_wide(text: &str, limit: usize) -> Vec<(usize, &str)> {
    text.lines()
        .map(|l| (UnicodeWidthStr::width(l), l))
        .filter(|(w, _)| *w > limit)
        .collect()
}

#[test]
fn every_table_fits_80_and_120_columns_and_120_by_default() {
    let ws = Workspace::new();
    for (columns, limit) in [(Some("80"), 80), (Some("120"), 120), (None, 120)] {
        for (args, code, _) in COMMANDS {
            let what = format!("COLUMNS={columns:?} sizegate {}", args.join(" "));
            let run = ws.run(args, columns);
            assert_eq!(run.code, code, "{what}: {}", run.stderr);
            assert!(run.stdout.contains('┌'), "{what}: a table\n{}", run.stdout);
            let wide = too_wide(&run.stdout, limit);
            assert!(wide.is_empty(), "{what}: lines too wide: {wide:#?}");
            // The log is used: the widest table takes the width, not a fixed cap (comfy-table
            // may leave a wrapped column a few characters short of it).
            let widest = run.stdout.lines().map(UnicodeWidthStr::width).max();
            assert!(widest >= Some(limit - 4), "{what}\n{}", run.stdout);
        }
    }
}

#[test]
fn paths_keep_their_file_name_and_instructions_their_start() {
    let ws = Workspace::new();
    let top = ws.run(&["top", "new.tar"], Some("80")).stdout;
    assert!(top.contains("…/libLLVM.so.17 "), "{top}");
    assert!(top.contains("┆ RUN /bin/sh -c apt-get"), "{top}");
    assert!(!top.contains("package-with-a-long-name #"), "{top}");
    let layers = ws.run(&["layers", "new.tar"], Some("80")).stdout;
    assert!(
        layers.contains("┆ RUN /bin/sh -c apt-get update && apt-get"),
        "{layers}"
    );
    assert!(
        layers.contains("┆ COPY --chown=app:app build/output/"),
        "{layers}"
    );
    let check = ws.run(&["check", "new.tar", "--policy", "policy.yml"], Some("80"));
    // A forbidden path keeps its file name, and its size goes to the next line.
    assert!(
        check.stdout.contains("…/server-key.pem "),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("┆   (1.20 kB, layer 0) "),
        "{}",
        check.stdout
    );
}

#[test]
fn a_width_too_small_still_gives_every_table_and_no_panic() {
    let ws = Workspace::new();
    for columns in ["1", "20", "39"] {
        for (args, code, whole) in COMMANDS {
            let what = format!("COLUMNS={columns} sizegate {}", args.join(" "));
            let run = ws.run(args, Some(columns));
            assert_eq!(run.code, code, "{what}: {}", run.stderr);
            assert!(!run.stderr.contains("panicked"), "{what}: {}", run.stderr);
            // Wider than asked, but no column shrinks to a letter a line.
            assert!(run.stdout.contains(whole), "{what}\n{}", run.stdout);
        }
    }
}

#[test]
fn columns_that_is_not_a_positive_number_is_ignored() {
    let ws = Workspace::new();
    let default = ws.run(&["layers", "new.tar"], None).stdout;
    for garbage in ["", "0", "-80", "eighty", "80x", "1e2"] {
        let run = ws.run(&["layers", "new.tar"], Some(garbage));
        assert_eq!(run.code, 0, "{garbage:?}: {}", run.stderr);
        assert_eq!(
            run.stdout, default,
            "COLUMNS={garbage:?} is the default 120"
        );
    }
    let wide = ws.run(&["layers", "new.tar"], Some("200")).stdout;
    assert!(
        wide.lines().any(|l| UnicodeWidthStr::width(l) > 120),
        "a wider log gets wider tables: {wide}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn on_a_terminal_the_tables_fit_it_whatever_columns_says() {
    let args = ["layers", "examples/tiny.docker.tar"];
    let Some(out) = super::on_a_terminal(&args, &[("COLUMNS", "200")]) else {
        return;
    };
    let widest = out.lines().map(UnicodeWidthStr::width).max();
    assert_eq!(widest, Some(70), "{out}");
}
