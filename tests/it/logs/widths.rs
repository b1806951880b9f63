//! Every table fits the log: `COLUMNS` when set (these runs have no terminal), else 120 columns;
//! a path keeps its file name, an instruction its start; a width too small degrades, never
//! panics.

use unicode_width::UnicodeWidthStr;

use super::{long_image, LONG_POLICY};
use crate::support::{root, run, sizegate, sizegate_in, workdir, DockerArchive, Layer, Run};

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
    // The image's name is cut in the middle: its repository and its tag's end stay.
    let heading = layers.lines().next().unwrap_or_default();
    assert!(heading.starts_with("team/a-service-"), "{layers}");
    assert!(heading.ends_with("v1.2.3-build. (linux/amd64)"), "{layers}");
    assert!(heading.contains('…'), "{layers}");
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
    let out = super::on_a_terminal(&args, &[("COLUMNS", "200")]);
    let widest = out.lines().map(UnicodeWidthStr::width).max();
    assert_eq!(widest, Some(70), "{out}");
}

/// The file name of the waste source of [`deep_waste`].
const DEEP_NAME: &str = "the-shared-library.so.1";

/// A directory holding `img.tar`, whose layer 1 overwrites a file of layer 0 at a path 950
/// characters long, and `policy.yml`, which counts that waste.
fn deep_waste() -> tempfile::TempDir {
    let dir = workdir(&[("policy.yml", "image:\n  max_wasted: 1B\n")]);
    let deep: String = (0..38)
        .map(|i| format!("a-long-directory-name{i:02}/"))
        .collect();
    let path = format!("opt/{deep}{DEEP_NAME}");
    assert!(path.len() > 900, "{}", path.len());
    DockerArchive::new()
        .layer(Layer::new().pax_file(&path, 5000).tar())
        .layer(Layer::new().pax_file(&path, 10).tar())
        .write(dir.path(), "img.tar");
    dir
}

#[test]
fn a_long_waste_source_keeps_its_file_name_in_every_format() {
    let dir = deep_waste();
    let check = |format: &str| {
        let mut cmd = sizegate_in(dir.path());
        cmd.args([
            "check",
            "img.tar",
            "--policy",
            "policy.yml",
            "--format",
            format,
        ]);
        let run = run(cmd.env("COLUMNS", "80"));
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        run.stdout
    };
    let table = check("table");
    assert!(too_wide(&table, 80).is_empty(), "{table}");
    // The path is cut in the middle on the source's line, not wrapped letter by letter.
    let cut = format!("…/{DEEP_NAME}");
    assert!(table.lines().any(|l| l.contains(&cut)), "{table}");
    assert!(!table.contains("name20"), "the middle is cut: {table}");
    assert!(table.lines().count() < 40, "{table}");
    // Markdown cuts it as a finding's path (60 columns).
    let markdown = check("markdown");
    let span = markdown
        .split('`')
        .find(|s| s.ends_with(&cut))
        .unwrap_or_else(|| panic!("the path keeps its file name: {markdown}"));
    assert!(span.chars().count() <= 60, "{span}");
    assert!(span.starts_with("/opt/a-long-directory-name00/"), "{span}");
    // An annotation keeps the file name too (the path cut to 400 characters).
    let github = check("github");
    assert!(github.contains(&cut), "{github}");
    assert!(!github.contains("name20"), "{github}");
}

#[test]
fn at_80_columns_every_place_keeps_its_file_name_and_line() {
    let mut cmd = sizegate();
    cmd.current_dir(root()).env("COLUMNS", "80").args([
        "check",
        "examples/tiny.docker.tar",
        "--policy",
        "examples/sizegate.yml",
    ]);
    let run = run(&mut cmd);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run
        .stdout
        .split_once("┆ where")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("a findings table: {}", run.stdout));
    let places: Vec<&str> = findings
        .lines()
        .filter_map(|l| l.strip_suffix('│')?.rsplit('┆').next())
        .map(str::trim)
        .filter(|p| !p.is_empty() && !p.starts_with("layer "))
        .collect();
    assert!(places.len() >= 5, "{}", run.stdout);
    for place in places {
        let (file, line) = place
            .rsplit_once("/sizegate.yml:")
            .unwrap_or_else(|| panic!("{place:?} keeps its file name: {}", run.stdout));
        assert!(file == "examples" || file.ends_with('…'), "{place}");
        let numbers: Vec<&str> = line.split(':').collect();
        assert_eq!(numbers.len(), 2, "{place}");
        assert!(numbers.iter().all(|n| n.parse::<u32>().is_ok()), "{place}");
    }
}

#[test]
fn the_largest_files_of_the_markdown_summary_are_cut_like_finding_paths() {
    let ws = Workspace::new();
    let run = ws.run(
        &[
            "check",
            "new.tar",
            "--policy",
            "policy.yml",
            "--format",
            "markdown",
        ],
        None,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let largest = run
        .stdout
        .split_once("#### Largest files")
        .map(|(_, rest)| rest)
        .unwrap_or_else(|| panic!("a list of the largest files: {}", run.stdout));
    let rows: Vec<&str> = largest
        .lines()
        .take_while(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with("| ") && l.contains('`'))
        .collect();
    assert!(!rows.is_empty(), "{largest}");
    for row in &rows {
        assert!(row.chars().count() <= 90, "{row}");
    }
    assert!(
        rows.iter().any(|r| r.contains("…/libLLVM.so.17`")),
        "{rows:#?}"
    );
}
