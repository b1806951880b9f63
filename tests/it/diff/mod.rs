//! `sizegate diff BASE NEW`: image pairs built in the test with known differences, every delta
//! pinned to the byte, from an image base and from a saved report base (`layers --format json`,
//! `check --output json=…`), in every format (table, json, markdown).
//!
//! - [`changes`]: a layer added, files deleted, grown and shrunk, layers reordered, layers
//!   changed (paired by instruction and by position), multi-image archives;
//! - [`paths`]: how path rows collapse, `--top` and `more_paths`, hard links, what a report's
//!   depth allows;
//! - [`errors`]: exit codes and messages for inputs that cannot be read, and stdin;
//! - [`hostile`]: reports that are huge, overflow-prone or carry terminal commands;
//! - [`property`]: random pairs checked against a model of their files.

mod changes;
mod errors;
mod hostile;
mod paths;
mod property;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::{
    fake_digest, path_str, run, sizegate, tempdir, write_file, DockerArchive, Layer, Run,
};

/// The policy `check` writes a base report with: it passes on every image here.
const PASSING_POLICY: &str = "image:\n  max_size: 1GB\n";

/// A layer of a test image: its `diff_id` number (for [`fake_digest`]), its build instruction and
/// its tar.
pub(crate) struct L(pub u64, pub &'static str, pub Layer);

/// An image tagged `tag` with these layers, each with its own `diff_id` and instruction.
pub(crate) fn image(tag: &str, layers: Vec<L>) -> DockerArchive {
    let ids: Vec<String> = layers.iter().map(|l| fake_digest(l.0)).collect();
    let history: Vec<&str> = layers.iter().map(|l| l.1).collect();
    let mut archive = DockerArchive::new()
        .tags(&[tag])
        .history(&history)
        .diff_ids(&ids);
    for l in layers {
        archive = archive.layer(l.2.tar());
    }
    archive
}

/// How the base of a comparison is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// The image itself.
    Image,
    /// `sizegate layers BASE --format json > base.json`.
    Layers,
    /// `sizegate check BASE --policy P --output json=base.json`.
    Check,
}

impl Base {
    /// Every way of giving a base.
    pub(crate) const ALL: [Base; 3] = [Base::Image, Base::Layers, Base::Check];

    /// Whether the base is a saved report.
    pub(crate) fn is_report(self) -> bool {
        self != Base::Image
    }
}

/// Two images written to a temporary directory, and the saved reports of the base.
pub(crate) struct Pair {
    pub dir: TempDir,
    pub base: PathBuf,
    pub new: PathBuf,
}

impl Pair {
    /// Writes `base` as base.tar and `new` as new.tar.
    pub(crate) fn new(base: &DockerArchive, new: &DockerArchive) -> Pair {
        Pair::of_bytes(&base.build(), &new.build())
    }

    /// Writes two archives given as bytes.
    pub(crate) fn of_bytes(base: &[u8], new: &[u8]) -> Pair {
        let dir = tempdir();
        let base = write_file(dir.path(), "base.tar", base);
        let new = write_file(dir.path(), "new.tar", new);
        Pair { dir, base, new }
    }

    /// The base as `how` gives it: the image, or a report saved from it.
    pub(crate) fn base_arg(&self, how: Base) -> PathBuf {
        match how {
            Base::Image => self.base.clone(),
            Base::Layers => layers_report(&self.base, self.dir.path()),
            Base::Check => check_report(&self.base, self.dir.path()),
        }
    }

    /// `sizegate diff BASE NEW EXTRA` with the base given as `how`.
    pub(crate) fn diff(&self, how: Base, extra: &[&str]) -> Run {
        diff_run(&self.base_arg(how), &self.new, extra)
    }

    /// The JSON diff with the base given as `how`; it must exit 0.
    pub(crate) fn json(&self, how: Base, extra: &[&str]) -> Value {
        let mut args = extra.to_vec();
        args.extend(["--format", "json"]);
        ok(self.diff(how, &args)).json()
    }
}

/// Saves `layers IMAGE --format json` as `dir/layers.json`.
pub(crate) fn layers_report(image: &Path, dir: &Path) -> PathBuf {
    let r = ok(run(sizegate()
        .args(["layers", path_str(image), "--format", "json"])
        .current_dir(dir)));
    write_file(dir, "layers.json", r.stdout.as_bytes())
}

/// Saves `check IMAGE --policy P --output json=check.json` in `dir`.
pub(crate) fn check_report(image: &Path, dir: &Path) -> PathBuf {
    let policy = write_file(dir, "policy.yml", PASSING_POLICY.as_bytes());
    let out = dir.join("check.json");
    let output = format!("json={}", path_str(&out));
    ok(run(sizegate().args([
        "check",
        path_str(image),
        "--policy",
        path_str(&policy),
        "--output",
        &output,
    ])));
    out
}

/// Runs `sizegate diff BASE NEW EXTRA`.
pub(crate) fn diff_run(base: &Path, new: &Path, extra: &[&str]) -> Run {
    run(sizegate()
        .args(["diff", path_str(base), path_str(new)])
        .args(extra))
}

/// `run`, which must have exited 0 with nothing on stderr.
pub(crate) fn ok(run: Run) -> Run {
    assert_eq!(run.code, 0, "exit 0 expected; stderr: {}", run.stderr);
    assert_eq!(run.stderr, "", "nothing on stderr");
    run
}

/// The parts of one image's comparison the tests pin: everything but the two summaries.
pub(crate) fn changes(d: &Value) -> Value {
    json!({
        "status": d["status"],
        "delta": d["delta"],
        "path_depth": d["path_depth"],
        "layers": d["layers"],
        "paths": d["paths"],
        "more_paths": d["more_paths"],
    })
}

/// A layer row of the JSON contract.
pub(crate) fn layer(
    status: &str,
    base_index: Option<usize>,
    new_index: Option<usize>,
    id: u64,
    created_by: &str,
    sizes: (Option<u64>, Option<u64>),
) -> Value {
    let delta = i128::from(sizes.1.unwrap_or(0)) - i128::from(sizes.0.unwrap_or(0));
    json!({
        "status": status,
        "base_index": base_index,
        "new_index": new_index,
        "digest": fake_digest(id),
        "created_by": created_by,
        "base_size": sizes.0,
        "new_size": sizes.1,
        "size_delta": delta as i64,
    })
}

/// A path row of the JSON contract; `kind` is `file` or `directory`.
pub(crate) fn path(path: &str, kind: &str, status: &str, base_size: u64, new_size: u64) -> Value {
    json!({
        "path": path,
        "kind": kind,
        "status": status,
        "base_size": base_size,
        "new_size": new_size,
        "delta": new_size as i64 - base_size as i64,
    })
}

/// The `delta` object: image, compressed (always null here: the layers are plain tars), final,
/// wasted, files, layers.
pub(crate) fn delta(image: i64, final_size: i64, wasted: i64, files: i64, layers: i64) -> Value {
    json!({
        "image_size": image,
        "compressed_size": null,
        "final_size": final_size,
        "wasted_bytes": wasted,
        "final_files": files,
        "layer_count": layers,
    })
}

/// The line the table and the markdown print under a report base, before the paths.
pub(crate) const REPORT_NOTE: &str =
    "paths compared against a saved report: directories to depth 3 and its largest files";

/// The cells of every table of a `diff` table output, in order, each with its header row first.
pub(crate) fn table_cells(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for line in text.lines() {
        if line.starts_with('┌') {
            rows = Vec::new();
        } else if line.starts_with('└') {
            tables.push(std::mem::take(&mut rows));
        } else if let Some(inner) = line.strip_prefix('│') {
            let inner = inner.strip_suffix('│').expect("a row ends with │");
            rows.push(inner.split('┆').map(|c| c.trim().to_string()).collect());
        }
    }
    tables
}

/// The cells of every table of a markdown output, in order, header first, without the
/// alignment row; a `\|` inside a cell is not a column break.
pub(crate) fn markdown_cells(text: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables = Vec::new();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for line in text.lines().chain([""]) {
        if let Some(inner) = line.strip_prefix('|') {
            if line.starts_with("|---") {
                continue;
            }
            let inner = inner.strip_suffix('|').expect("a row ends with |");
            let mut cells = vec![String::new()];
            let mut last = ' ';
            for c in inner.chars() {
                if c == '|' && last != '\\' {
                    cells.push(String::new());
                } else if let Some(cell) = cells.last_mut() {
                    cell.push(c);
                }
                last = c;
            }
            rows.push(cells.iter().map(|c| c.trim().to_string()).collect());
        } else if !rows.is_empty() {
            tables.push(std::mem::take(&mut rows));
        }
    }
    tables
}

/// What the table format shows of one compared pair, cell by cell: the totals
/// (`name, base, new, Δ`), every layer (`#, status, base, new, Δ, created_by`) and the paths
/// (`status, base, new, Δ, path`); the markdown shows the same with ▲/▼ markers, only the layers
/// that are not `same`, and paths as `Δ, status, path`.
pub(crate) struct Shown<'a> {
    pub totals: &'a [[&'a str; 4]],
    pub layers: &'a [[&'a str; 6]],
    pub paths: &'a [[&'a str; 5]],
    /// The `… and N more changed paths` line.
    pub more_paths: usize,
}

fn rows<const N: usize>(header: [&str; N], body: &[[&str; N]]) -> Vec<Vec<String>> {
    std::iter::once(&header)
        .chain(body)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// ▲ or ▼ before a signed change, as the markdown shows it.
fn arrow(change: &str) -> String {
    match change.chars().next() {
        Some('+') => format!("▲ {change}"),
        Some('-') => format!("▼ {change}"),
        _ => change.to_string(),
    }
}

fn code(s: &str) -> String {
    format!("`{s}`")
}

/// Checks the table and the markdown of `pair` (base given as `how`, `extra` arguments) cell by
/// cell against `shown`.
pub(crate) fn assert_shown(pair: &Pair, how: Base, extra: &[&str], shown: &Shown<'_>) {
    let what = format!("{how:?} base, {extra:?}");
    let mut args = extra.to_vec();
    args.extend(["--format", "json"]);
    // The note on paths compared against a saved report's directories.
    let note_shown = !ok(pair.diff(how, &args)).json()["path_depth"].is_null();
    let table = ok(pair.diff(how, extra)).stdout;
    let mut want = vec![
        rows(["", "base", "new", "Δ"], shown.totals),
        rows(
            ["#", "status", "base", "new", "Δ", "created_by"],
            shown.layers,
        ),
    ];
    if !shown.paths.is_empty() {
        want.push(rows(["status", "base", "new", "Δ", "path"], shown.paths));
    }
    assert_eq!(table_cells(&table), want, "{what}: table\n{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines.contains(&REPORT_NOTE),
        note_shown,
        "{what}: the table says when paths come from a report\n{table}"
    );
    assert_eq!(
        lines.contains(&"no path changed"),
        shown.paths.is_empty() && shown.more_paths == 0,
        "{what}: table\n{table}"
    );
    let more = format!("… and {} more changed paths", shown.more_paths);
    assert_eq!(
        lines.contains(&more.as_str()),
        shown.more_paths > 0,
        "{what}: {table}"
    );

    let mut args = extra.to_vec();
    args.extend(["--format", "markdown"]);
    let markdown = ok(pair.diff(how, &args)).stdout;
    let totals: Vec<[String; 4]> = shown
        .totals
        .iter()
        .map(|[n, b, v, d]| [n.to_string(), b.to_string(), v.to_string(), arrow(d)])
        .collect();
    let mut want = vec![to_rows(["", "base", "new", "Δ"], &totals)];
    let changed: Vec<[String; 4]> = shown
        .layers
        .iter()
        .filter(|l| l[1] != "same")
        .map(|[i, s, _, _, d, c]| [i.to_string(), s.to_string(), arrow(d), code(c)])
        .collect();
    if !changed.is_empty() {
        want.push(to_rows(["#", "status", "Δ", "created_by"], &changed));
    }
    let paths: Vec<[String; 3]> = shown
        .paths
        .iter()
        .map(|[s, _, _, d, p]| [arrow(d), s.to_string(), code(p)])
        .collect();
    if !paths.is_empty() {
        want.push(to_rows(["Δ", "status", "path"], &paths));
    }
    let got = markdown_cells(&markdown);
    assert_eq!(got, want, "{what}: markdown\n{markdown}");
    let note = format!("_{REPORT_NOTE}_");
    assert_eq!(
        markdown.lines().any(|l| l == note),
        note_shown,
        "{what}: markdown\n{markdown}"
    );
    assert_eq!(
        markdown.lines().any(|l| l == "No path changed."),
        shown.paths.is_empty() && shown.more_paths == 0,
        "{what}: markdown\n{markdown}"
    );
    let more = format!("… and {} more changed paths.", shown.more_paths);
    assert_eq!(
        markdown.lines().any(|l| l == more),
        shown.more_paths > 0,
        "{what}: markdown\n{markdown}"
    );
}

fn to_rows<const N: usize>(header: [&str; N], body: &[[String; N]]) -> Vec<Vec<String>> {
    std::iter::once(header.map(String::from))
        .chain(body.iter().cloned())
        .map(|r| r.to_vec())
        .collect()
}
