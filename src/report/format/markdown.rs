//! `--format markdown`: a summary for `$GITHUB_STEP_SUMMARY` or a merge-request comment. It starts
//! with a fixed HTML comment, `MARKER`, so a bot can find its earlier comment and update it in
//! place; then the verdict, and for each image its totals, layers, findings, the rules checked and
//! its largest files. With `--baseline`, each total and layer carries its change against the base
//! (`▲ +5 MB (+43.8 %)`), and the layers that changed and what grew follow the layers. Past
//! `LIMIT` bytes it stops, with a note (GitHub refuses step summaries over 1 MiB).
//!
//! A finding fits the page: long paths (of findings, of waste sources, of the largest files) are
//! cut in the middle, keeping the file name, and more than a few paths, or sources of waste, are
//! folded in `<details>`. With [`SourceLinks`] (under
//! GitHub Actions), each place (`sizegate.yml:8:13`, `Dockerfile:6`) links to its line at the
//! commit checked.

use std::io::{self, Write};

use super::Render;
use crate::check::Location;
use crate::check::{CheckReport, Finding, ImageCheck, Outcome, Verdict};
use crate::diff::{ImageDiff, LayerDelta, LayerStatus};
use crate::report::diff::{
    layer_status, markdown_changes, marked_size, total_rows, Listed, TotalRow,
};
use crate::report::source_links::SourceLinks;
use crate::report::view::{rule_rows, source_lines, FindingLines};
use crate::report::{ellipsize, human_size, printable};
use crate::severity::Severity;

/// The first line of every markdown report.
pub(crate) const MARKER: &str = "<!-- sizegate-report -->";

/// Bytes after which the report is cut: below GitHub's 1 MiB step-summary limit, with room left
/// for other steps' summaries.
pub(crate) const LIMIT: usize = 900 * 1024;

/// Largest files listed per image: what a run that writes this format asks `check::run` for.
pub const LARGEST_FILES: usize = 10;

/// Longest `created_by` shown in the layer table.
const CREATED_BY_WIDTH: usize = 80;

/// A number of a registry image checked from its manifest alone, whose files were not read.
const NOT_READ: &str = "not read";

/// Longest path shown in a finding (cut in the middle beyond): a page's table has room for about
/// this many characters of code font in the finding's cell.
const PATH_WIDTH: usize = 60;

/// Lines of paths (or of what grew) a finding shows before they are folded.
const UNFOLDED_PATHS: usize = 3;

/// The markdown summary, cut at `limit` bytes.
#[derive(Debug, Clone)]
pub struct Markdown {
    /// Bytes the report may take, the truncation note included.
    pub(crate) limit: usize,
    /// Links from the places findings point at to the files at the commit, when known.
    pub(crate) links: Option<SourceLinks>,
}

impl Default for Markdown {
    fn default() -> Self {
        Markdown {
            limit: LIMIT,
            links: None,
        }
    }
}

impl Markdown {
    /// The summary whose places link to the files at the commit (`links`), when known.
    pub fn with_links(links: Option<SourceLinks>) -> Markdown {
        Markdown {
            links,
            ..Markdown::default()
        }
    }
}

impl Render for Markdown {
    fn render(&self, report: &CheckReport, out: &mut dyn Write) -> io::Result<()> {
        let reserve = TRUNCATED.len() + DETAILS_END.len() + 2;
        let mut page = Page::new(self.limit.saturating_sub(reserve));
        page.line(MARKER);
        let mark = match report.verdict {
            Verdict::Pass => "✅",
            Verdict::Fail => "❌",
        };
        page.line(&format!(
            "## {mark} sizegate {}",
            text(&report.verdict_line())
        ));
        page.line("");
        let links = self.links.as_ref();
        let policies: Vec<String> = report
            .policy
            .iter()
            .map(|p| linked(code(&cut_path(p)), links.and_then(|l| l.url(p, None))))
            .collect();
        page.line(&format!("Policy: {}", policies.join(", ")));
        for check in &report.images {
            image_section(&mut page, check, links);
        }
        let mut doc = page.text;
        if page.truncated {
            if page.in_details {
                doc.push('\n');
                doc.push_str(DETAILS_END);
                doc.push('\n');
            }
            doc.push_str(TRUNCATED);
        }
        out.write_all(doc.as_bytes())
    }
}

/// Closes the folded table of rules.
const DETAILS_END: &str = "</details>";

/// Closes a report that was cut short.
const TRUNCATED: &str = "\n> [!NOTE]\n> This summary was cut short to stay under GitHub's 1 MiB limit: the JSON report (`--output json=PATH`) has everything.\n";

fn image_section(page: &mut Page, check: &ImageCheck, links: Option<&SourceLinks>) {
    let s = &check.summary;
    let platform = s
        .platform
        .as_deref()
        .map(|p| format!(" ({})", text(p)))
        .unwrap_or_default();
    page.line("");
    page.line(&format!("### {}{platform}", code(&s.name)));
    page.line("");
    let diff = check.diff.as_ref();
    if let Some(base) = diff.and_then(|d| d.base.as_ref()) {
        page.line(&format!("Δ against the base {}.", code(&base.name)));
        page.line("");
    }
    let changes = total_changes(diff);
    let change = |total: &str| total_change(&changes, total);
    page.line(
        "| image size | compressed | final size | wasted | layers | files | dive efficiency |",
    );
    page.line("|---:|---:|---:|---:|---:|---:|---:|");
    // A registry image checked from its manifest: what comes from its files is not known.
    let read = |text: String| match s.files_read {
        true => text,
        false => NOT_READ.to_string(),
    };
    page.line(&format!(
        "| {}{} | {}{} | {}{} | {}{} | {}{} | {}{} | {} |",
        read(human_size(s.image_size)),
        change("image"),
        s.compressed_size.map_or_else(|| "n/a".into(), human_size),
        change("compressed"),
        read(human_size(s.final_size)),
        change("final"),
        read(human_size(s.wasted_bytes)),
        change("wasted"),
        s.layer_count,
        change("layers"),
        read(s.final_files.to_string()),
        change("files"),
        read(format!("{:.1} %", s.dive.efficiency * 100.0)),
    ));

    page.line("");
    page.line("#### Layers");
    page.line("");
    if diff.is_some() {
        page.line("| # | size | files | Δ | created_by |");
        page.line("|---:|---:|---:|---:|---|");
    } else {
        page.line("| # | size | files | created_by |");
        page.line("|---:|---:|---:|---|");
    }
    // Each new layer's row of the comparison, found once: not a search per layer.
    let mut changes: Vec<Option<&LayerDelta>> = vec![None; s.layers.len()];
    for l in diff.iter().flat_map(|d| &d.layers) {
        if let Some(slot) = l.new_index.and_then(|i| changes.get_mut(i)) {
            *slot = Some(l);
        }
    }
    for l in &s.layers {
        let created_by = l.created_by.as_deref().map_or_else(
            || "(unknown)".into(),
            |c| code(&ellipsize(c, CREATED_BY_WIDTH)),
        );
        // The Δ cell with its separator: without a base the row stays as it always was.
        let delta = diff
            .map(|_| {
                format!(
                    " {} |",
                    layer_change(changes.get(l.index).copied().flatten())
                )
            })
            .unwrap_or_default();
        page.line(&format!(
            "| {} | {} | {} |{delta} {created_by} |",
            l.index,
            read(human_size(l.size)),
            read(l.files.to_string())
        ));
    }
    if let Some(d) = diff {
        page.line("");
        for line in markdown_changes(d, Listed::Grown) {
            page.line(&line);
        }
    }

    page.line("");
    page.line("#### Findings");
    page.line("");
    if check.findings.is_empty() {
        page.line("None.");
    } else {
        page.line("| severity | code | rule | finding | where |");
        page.line("|---|---|---|---|---|");
        for f in &check.findings {
            let severity = match f.severity {
                Severity::Error => "❌ error",
                Severity::Warn => "⚠️ warn",
            };
            page.line(&format!(
                "| {severity} | {} | {} | {} | {} |",
                code(f.code.as_str()),
                code(&f.rule),
                finding_cell(f, links),
                place_lines(f, links).join("<br>"),
            ));
        }
    }

    page.line("");
    page.line(&format!(
        "<details><summary>Rules checked ({})</summary>",
        check.rules.len()
    ));
    page.in_details = !page.truncated;
    page.line("");
    page.line("| rule | actual | limit | status |");
    page.line("|---|---|---|---|");
    for row in rule_rows(check) {
        let status = match row.outcome() {
            Outcome::Pass => "pass",
            Outcome::Error => "❌ error",
            Outcome::Warn => "⚠️ warn",
            Outcome::Skipped => "⏭️ skipped",
        };
        page.line(&format!(
            "| {} | {} | {} | {status} |",
            code(&row.rule.rule),
            text(&row.actual),
            text(&row.limit)
        ));
    }
    page.line("");
    page.line(DETAILS_END);
    // Still open if the cut came first: the render closes it then.
    page.in_details &= page.truncated;

    if !check.largest_files.is_empty() {
        page.line("");
        page.line("#### Largest files");
        page.line("");
        page.line("| size | layer | path |");
        page.line("|---:|---:|---|");
        for item in &check.largest_files {
            let layer = item.layer.map(|l| l.to_string()).unwrap_or_default();
            page.line(&format!(
                "| {} | {layer} | {} |",
                human_size(item.size),
                code(&cut_path(&printable(&String::from_utf8_lossy(&item.path))))
            ));
        }
    }
}

/// The totals of an image and its base, each with its change (none without a base).
fn total_changes(diff: Option<&ImageDiff>) -> Vec<TotalRow> {
    diff.and_then(|d| d.base.as_ref().zip(d.new.as_ref()))
        .map_or_else(Vec::new, |(base, new)| total_rows(base, new))
}

/// `<br>▲ +5 MB (+43.8 %)`: the change of a total (named as `total_rows` names it), under the
/// value in its cell; `<br>±0 B` when it did not change (a bare `0 B` under `0 B` would read as a
/// second value); nothing when the total has no change to show (no base, or a compressed size
/// only one image has).
fn total_change(changes: &[TotalRow], total: &str) -> String {
    match changes.iter().find(|row| row.name == total) {
        Some(row) if row.sign == 0 => format!("<br>±{}", row.change),
        Some(row) => format!("<br>{}", row.marked()),
        None => String::new(),
    }
}

/// The change of a new image's layer against its base: `▲ +5 MB (added)`, `same`.
fn layer_change(change: Option<&LayerDelta>) -> String {
    match change {
        Some(l) if l.status == LayerStatus::Same => layer_status(l).to_string(),
        Some(l) => format!("{} ({})", marked_size(l.size_delta), layer_status(l)),
        None => String::new(),
    }
}

/// The message, reason and fix of a finding (sizegate's words, whose backticks are code spans),
/// then its paths (the image's words: every character literal), each cut to [`PATH_WIDTH`] in its
/// middle and folded past [`UNFOLDED_PATHS`], then what grew (folded alike), then where its waste
/// comes from (its Dockerfile lines linked to the commit when `links` are known), as one table
/// cell. `FindingLines` has escaped them already.
fn finding_cell(f: &Finding, links: Option<&SourceLinks>) -> String {
    let lines = FindingLines::of(f);
    let mut cell = lines
        .words
        .iter()
        .map(|l| text(l))
        .collect::<Vec<_>>()
        .join("<br>");
    // `FindingLines` lists the paths found first (one line each, then the count of the rest), then
    // what grew: the paths are made again here from the finding, to be cut.
    let mut found: Vec<String> = f
        .paths
        .iter()
        .map(|p| {
            let path = cut_path(&printable(&p.path));
            let size = human_size(p.size);
            escape_text(&format!("  {path} ({size}, layer {})", p.layer))
        })
        .collect();
    if f.more_paths > 0 {
        found.push(escape_text(&format!("  … and {} more", f.more_paths)));
    }
    let shown = f.paths.len() + usize::from(f.more_paths > 0);
    let grew: Vec<String> = lines
        .paths
        .iter()
        .skip(shown)
        .map(|l| escape_text(l))
        .collect();
    let total = f.paths.len() + f.more_paths;
    let noun = if total == 1 { "path" } else { "paths" };
    cell.push_str(&folded(&found, &format!("{total} {noun}")));
    cell.push_str(&folded(&grew, "what grew most"));
    cell.push_str(&sources_list(f, links));
    cell
}

/// Lines of a cell after `<br>`, or folded under `summary` when there are more than
/// [`UNFOLDED_PATHS`]; nothing for none.
fn folded(lines: &[String], summary: &str) -> String {
    match lines.len() {
        0 => String::new(),
        n if n <= UNFOLDED_PATHS => format!("<br>{}", lines.join("<br>")),
        _ => format!(
            "<details><summary>{summary}</summary>{}</details>",
            lines.join("<br>")
        ),
    }
}

/// A path of at most [`PATH_WIDTH`] columns, cut in the middle as the tables cut it: the file
/// name stays (`/usr/lib/…/site-packages/x.py`).
fn cut_path(path: &str) -> String {
    crate::report::fit::cut_middle(path, PATH_WIDTH)
}

/// `label` as a link to `url`, or as it is without one.
fn linked(label: String, url: Option<String>) -> String {
    match url {
        Some(url) => format!("[{label}]({url})"),
        None => label,
    }
}

/// Sources listed in a finding's cell before the list is folded.
const UNFOLDED_SOURCES: usize = 2;

/// Where a waste finding's bytes come from, as a list in its cell (folded when long): each source
/// with its path (cut to [`PATH_WIDTH`] in its middle) and Dockerfile lines as code spans (the lines linked as the finding's places are,
/// when `links` are known), then its fix; nothing for other findings.
fn sources_list(f: &Finding, links: Option<&SourceLinks>) -> String {
    let (shown, more) = source_lines(f);
    if shown.is_empty() {
        return String::new();
    }
    let mut items: Vec<String> = shown
        .iter()
        .map(|s| {
            let fix = s
                .fix
                .as_deref()
                .map(|fix| format!("<br>fix: {}", text(fix)))
                .unwrap_or_default();
            let place = |text: &str, at: Option<&Location>| {
                linked(code(text), at.and_then(|l| link(links, l)))
            };
            // The path is cut as the findings' paths are; the places are short.
            let path = |path: &str| code(&cut_path(path));
            format!("<li>{}{fix}</li>", s.evidence_placed(path, place))
        })
        .collect();
    if more > 0 {
        items.push(format!("<li>… and {more} more</li>"));
    }
    let list = format!("<ul>{}</ul>", items.concat());
    let total = shown.len() + more;
    if shown.len() <= UNFOLDED_SOURCES && more == 0 {
        format!("<br>where the waste comes from:{list}")
    } else {
        format!("<details><summary>where the waste comes from ({total} sources)</summary>{list}</details>")
    }
}

/// The layer, the policy rule and the Dockerfile line of a finding, as code spans (the file's path
/// cut as in findings), each linked to its line when `links` are known.
fn place_lines(f: &Finding, links: Option<&SourceLinks>) -> Vec<String> {
    let place = |loc: &Location, column: bool| {
        let at = match column {
            true => format!("{}:{}:{}", cut_path(&loc.file), loc.line, loc.column),
            false => format!("{}:{}", cut_path(&loc.file), loc.line),
        };
        linked(code(&at), link(links, loc))
    };
    let mut lines = Vec::new();
    if let Some(layer) = f.layer {
        lines.push(format!("layer {layer}"));
    }
    if let Some(loc) = &f.location {
        lines.push(place(loc, true));
    }
    if let Some(loc) = &f.dockerfile {
        lines.push(place(loc, false));
    }
    lines
}

/// The link to a place's line at the commit, when `links` are known and the file is in the
/// repository.
fn link(links: Option<&SourceLinks>, loc: &Location) -> Option<String> {
    links.and_then(|l| l.url(&loc.file, Some(loc.line)))
}

/// The report as it grows, line by line, up to a byte budget; once a line does not fit, nothing
/// more is added (tables end at a whole row).
struct Page {
    text: String,
    budget: usize,
    truncated: bool,
    /// A `<details>` block is open: a cut must close it, or the note would be folded away.
    in_details: bool,
}

impl Page {
    fn new(budget: usize) -> Page {
        Page {
            text: String::new(),
            budget,
            truncated: false,
            in_details: false,
        }
    }

    fn line(&mut self, line: &str) {
        if self.truncated {
            return;
        }
        if self.text.len() + line.len() + 1 > self.budget {
            self.truncated = true;
            return;
        }
        self.text.push_str(line);
        self.text.push('\n');
    }
}

/// Text for a table cell or a heading: [`printable`] (control characters as escapes, so no line
/// break ends the row), then markdown punctuation backslash-escaped (so globs such as `**/*.pem`
/// stay literal and `|` does not end the cell); text between a pair of backticks stays a code
/// span.
pub(crate) fn text(s: &str) -> String {
    let s = printable(s);
    let parts: Vec<&str> = s.split('`').collect();
    // An odd number of parts means the backticks pair up.
    let spans = parts.len() % 2 == 1;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && !spans {
            out.push_str("\\`");
        }
        if spans && i % 2 == 1 {
            out.push('`');
            out.push_str(&code_body(part));
            out.push('`');
        } else {
            out.push_str(&escape_text(part));
        }
    }
    out
}

/// Markdown punctuation backslash-escaped, in text that is already [`printable`]; an `@` is
/// followed by a word joiner (U+2060, invisible), so that `@org/team` in a path or an instruction
/// does not notify anyone when the summary is posted as a comment.
fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '@' => out.push_str("@\u{2060}"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A code span (paths, commands, rule names) for a table cell: [`printable`], fenced with more
/// backticks than it holds, `|` escaped as GitHub's tables require.
pub(crate) fn code(s: &str) -> String {
    if s.is_empty() {
        return String::new();
    }
    let s = &*printable(s);
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", code_body(s))
}

/// The inside of a code span, in text that is already [`printable`].
fn code_body(s: &str) -> String {
    s.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule};
    use crate::check::Code;

    #[test]
    fn text_mentions_nobody() {
        assert_eq!(text("/opt/@octocat"), "/opt/@\u{2060}octocat");
        // In a code span a mention is inert already.
        assert_eq!(code("@octocat"), "`@octocat`");
    }

    #[test]
    fn text_escapes_pipes_markup_and_control_characters() {
        assert_eq!(text("a | b"), "a \\| b");
        // A line break is shown as its escape (whose backslash markdown needs escaped in turn),
        // never as a break: the text is the image's, and its breaks would be a lie.
        assert_eq!(
            text("one\ntwo\r\nthree\x1b[1m"),
            "one\\\\ntwo\\\\r\\\\nthree\\\\u{1b}\\[1m"
        );
        assert_eq!(text("**/*.pem <b>"), "\\*\\*/\\*.pem \\<b\\>");
        assert_eq!(text("$HOME & co"), "\\$HOME \\& co");
    }

    #[test]
    fn text_keeps_paired_backticks_as_code_and_escapes_a_lone_one() {
        assert_eq!(text("drop `max_size` now"), "drop `max_size` now");
        assert_eq!(text("glob `/a/**|b`"), "glob `/a/**\\|b`");
        assert_eq!(text("it`s"), "it\\`s");
    }

    #[test]
    fn code_spans_escape_pipes_and_outgrow_inner_backticks() {
        assert_eq!(code("/usr/bin/a|b"), "`/usr/bin/a\\|b`");
        assert_eq!(code("echo `x`"), "`` echo `x` ``");
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a\nb"), "`a\\nb`");
        assert_eq!(code("::error::x"), "`\\u{3a}:error::x`");
        assert_eq!(code(""), "");
    }

    #[test]
    fn a_fix_without_a_reason_is_labelled_fix() {
        // A preset rule carries a fix but no reason: the fix once came out labelled `reason:`.
        let mut f = finding(
            Code::ForbiddenPath,
            Severity::Warn,
            "recommended/man",
            "1 path",
        );
        f.hint = Some("remove the `man` pages".into());
        assert_eq!(
            finding_cell(&f, None),
            "1 path<br>fix: remove the `man` pages"
        );
        f.reason = Some("small images".into());
        assert_eq!(
            finding_cell(&f, None),
            "1 path<br>reason: small images<br>fix: remove the `man` pages"
        );
    }

    #[test]
    fn two_sources_are_listed_unfolded_and_more_are_folded() {
        use crate::check::Sources;
        use crate::report::view::tests::source_row;
        let mut f = finding(Code::TooMuchWaste, Severity::Error, "image.max_wasted", "w");
        f.waste = Some(Sources {
            sources: vec![source_row("/a|b", Some("use `x`")), source_row("/c", None)],
            more_sources: 0,
        });
        assert_eq!(
            finding_cell(&f, None),
            "w<br>where the waste comes from:<ul>\
             <li>1.50 kB `/a\\|b` (1 file): added by layer 1 (`Dockerfile:3`), emptied by layer 2<br>fix: use `x`</li>\
             <li>1.50 kB `/c` (1 file): added by layer 1 (`Dockerfile:3`), emptied by layer 2</li></ul>"
        );
        f.waste = f.waste.map(|w| Sources {
            more_sources: 1,
            ..w
        });
        let cell = finding_cell(&f, None);
        assert!(
            cell.starts_with(
                "w<details><summary>where the waste comes from (3 sources)</summary><ul><li>"
            ),
            "{cell}"
        );
        assert!(
            cell.ends_with("<li>… and 1 more</li></ul></details>"),
            "{cell}"
        );
    }

    #[test]
    fn a_long_source_path_is_cut_like_a_finding_path() {
        use crate::check::Sources;
        use crate::report::view::tests::source_row;
        let mut f = finding(Code::TooMuchWaste, Severity::Error, "image.max_wasted", "w");
        let deep = format!("/opt/{}libfoo.so.1", "a-long-directory/".repeat(60));
        f.waste = Some(Sources {
            sources: vec![source_row(&deep, None)],
            more_sources: 0,
        });
        let cell = finding_cell(&f, None);
        let path = cut_path(&deep);
        assert!(path.ends_with("…/libfoo.so.1"), "{path}");
        assert!(
            cell.contains(&format!("<li>1.50 kB `{path}` (1 file)")),
            "{cell}"
        );
    }

    #[test]
    fn the_dockerfile_lines_of_waste_sources_link_to_the_commit_as_every_place_does() {
        use crate::check::Sources;
        use crate::report::view::tests::source_row;
        let mut f = finding(Code::TooMuchWaste, Severity::Error, "image.max_wasted", "w");
        let mut row = source_row("/tmp/wheels", None);
        row.removed_by = Some(Location {
            file: "docker/my file".into(),
            line: 9,
            column: 1,
        });
        let mut outside = source_row("/tmp/x", None);
        if let Some(l) = &mut outside.added_by {
            l.file = "../Dockerfile".into();
        }
        f.waste = Some(Sources {
            sources: vec![row, outside],
            more_sources: 0,
        });
        let links = SourceLinks::new("https://github.com", "o/r", "0123abcd");
        let blob = "https://github.com/o/r/blob/0123abcd";
        assert_eq!(
            finding_cell(&f, links.as_ref()),
            format!(
                "w<br>where the waste comes from:<ul>\
                 <li>1.50 kB `/tmp/wheels` (1 file): added by layer 1 \
                 ([`Dockerfile:3`]({blob}/Dockerfile#L3)), emptied by layer 2 \
                 ([`docker/my file:9`]({blob}/docker/my%20file#L9))</li>\
                 <li>1.50 kB `/tmp/x` (1 file): added by layer 1 (`../Dockerfile:3`), \
                 emptied by layer 2</li></ul>"
            ),
            "a file outside the repository has no link"
        );
    }

    #[test]
    fn long_paths_are_cut_in_the_middle_keeping_the_file_name() {
        let short = "/usr/lib/x.so";
        assert_eq!(cut_path(short), short);
        let long = format!(
            "/usr/lib/python3/{}/site-packages/module.py",
            "d".repeat(80)
        );
        let cut = cut_path(&long);
        assert_eq!(cut.chars().count(), PATH_WIDTH);
        assert!(cut.starts_with("/usr/lib/python3/ddd"), "{cut}");
        assert!(cut.ends_with("…/module.py"), "{cut}");
        let name = format!("/opt/{}.bin", "n".repeat(100));
        let cut = cut_path(&name);
        assert_eq!(cut.chars().count(), PATH_WIDTH);
        // A file name too long for the room keeps both of its ends.
        assert!(
            cut.starts_with("/opt/n") && cut.ends_with("nnn.bin"),
            "{cut}"
        );
    }

    #[test]
    fn more_than_three_paths_are_folded_and_each_is_cut() {
        let path = |p: String| crate::check::PathHit {
            path: p,
            size: 1000,
            layer: 2,
            created_by: None,
        };
        let mut f = finding(Code::ForbiddenPath, Severity::Warn, "forbid[0]", "found");
        f.paths = vec![path("/a.pem".into()), path("/b.pem".into())];
        assert_eq!(
            finding_cell(&f, None),
            "found<br>  /a.pem (1 kB, layer 2)<br>  /b.pem (1 kB, layer 2)"
        );
        f.paths.push(path(format!("/{}/k.pem", "x".repeat(100))));
        f.more_paths = 7;
        let cell = finding_cell(&f, None);
        assert!(
            cell.starts_with(
                "found<details><summary>10 paths</summary>  /a.pem (1 kB, layer 2)<br>"
            ),
            "{cell}"
        );
        assert!(
            cell.contains("xxx…/k.pem (1 kB, layer 2)<br>  … and 7 more</details>"),
            "{cell}"
        );
    }

    #[test]
    fn places_link_to_their_line_at_the_commit_when_known() {
        let mut f = finding(Code::LayerOverBudget, Severity::Error, "layers[0]", "big");
        f.layer = Some(1);
        f.dockerfile = Some(Location {
            file: "docker/Dockerfile".into(),
            line: 6,
            column: 1,
        });
        assert_eq!(
            place_lines(&f, None),
            ["layer 1", "`sizegate.yml:3:13`", "`docker/Dockerfile:6`"]
        );
        let links = SourceLinks::new("https://github.com", "org/app", "abcdef0");
        let url = "https://github.com/org/app/blob/abcdef0";
        assert_eq!(
            place_lines(&f, links.as_ref()),
            [
                "layer 1".to_string(),
                format!("[`sizegate.yml:3:13`]({url}/sizegate.yml#L3)"),
                format!("[`docker/Dockerfile:6`]({url}/docker/Dockerfile#L6)")
            ]
        );
        // A file outside the repository has no link.
        f.location = f.location.map(|l| Location {
            file: "/etc/size.yml".into(),
            ..l
        });
        assert_eq!(place_lines(&f, links.as_ref())[1], "`/etc/size.yml:3:13`");
        let r = report(vec![], vec![]);
        let mut out = Vec::new();
        Markdown::with_links(links)
            .render(&r, &mut out)
            .expect("memory");
        let md = String::from_utf8_lossy(&out);
        assert!(
            md.contains(&format!("\nPolicy: [`sizegate.yml`]({url}/sizegate.yml)\n")),
            "{md}"
        );
    }

    #[test]
    fn starts_with_the_marker_and_the_verdict() {
        let r = report(
            vec![rule("image.max_size", Outcome::Error)],
            vec![finding(
                Code::ImageTooLarge,
                Severity::Error,
                "image.max_size",
                "big | wide",
            )],
        );
        let mut out = Vec::new();
        Markdown::default().render(&r, &mut out).expect("memory");
        let md = String::from_utf8_lossy(&out);
        let mut lines = md.lines();
        assert_eq!(lines.next(), Some(MARKER));
        assert_eq!(
            lines.next(),
            Some("## ❌ sizegate FAIL: 1 error, 0 warnings (image 2 kB of 1 kB)")
        );
        assert!(md.contains("| big \\| wide |"), "{md}");
    }

    #[test]
    fn long_report_is_cut_at_a_row_with_a_note() {
        let findings: Vec<_> = (0..2000)
            .map(|i| {
                finding(
                    Code::ForbiddenPath,
                    Severity::Warn,
                    "forbid[0]",
                    &format!("finding {i} {}", "x".repeat(100)),
                )
            })
            .collect();
        let r = report(vec![rule("forbid[0]", Outcome::Warn)], findings);
        let limit = 20_000;
        let mut out = Vec::new();
        Markdown { limit, links: None }
            .render(&r, &mut out)
            .expect("memory");
        let md = String::from_utf8(out).expect("UTF-8");
        assert!(md.len() <= limit, "{} bytes", md.len());
        assert!(md.starts_with(MARKER));
        assert!(md.ends_with(TRUNCATED), "{md}");
        let before_note = md.trim_end_matches(TRUNCATED);
        let last = before_note.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("| ⚠️ warn |") && last.ends_with(" |"),
            "{last}"
        );
        let mut whole = Vec::new();
        Markdown::default().render(&r, &mut whole).expect("memory");
        assert!(!String::from_utf8_lossy(&whole).contains("cut short"));
    }

    #[test]
    fn a_cut_inside_the_folded_rules_closes_the_fold_before_the_note() {
        let rules: Vec<_> = (0..5000)
            .map(|i| rule(&format!("forbid[{i}]"), Outcome::Pass))
            .collect();
        let r = report(rules, vec![]);
        let mut out = Vec::new();
        Markdown {
            limit: 20_000,
            links: None,
        }
        .render(&r, &mut out)
        .expect("memory");
        let md = String::from_utf8_lossy(&out);
        assert!(md.len() <= 20_000, "{}", md.len());
        assert_eq!(
            md.matches("<details>").count(),
            md.matches(DETAILS_END).count()
        );
        let end = md.rfind(DETAILS_END).expect("closed");
        assert!(md[end..].contains("cut short"), "the note follows the fold");
    }

    #[test]
    fn backticks_in_paths_stay_literal() {
        let mut f = finding(
            Code::ForbiddenPath,
            Severity::Warn,
            "forbid[0]",
            "2 forbidden paths",
        );
        f.paths = ["x/a`b | c.deb", "x/d`e.deb"]
            .iter()
            .map(|p| crate::check::PathHit {
                path: p.to_string(),
                size: 1,
                layer: 0,
                created_by: None,
            })
            .collect();
        let cell = finding_cell(&f, None);
        assert!(cell.contains("x/a\\`b \\| c.deb"), "{cell}");
        assert!(cell.contains("x/d\\`e.deb"), "{cell}");
    }

    /// `report`'s image with a base: `base` changes the base's summary, `layers` are the rows of
    /// the layer comparison.
    fn with_base(
        r: &mut CheckReport,
        base: impl FnOnce(&mut crate::analysis::summary::ImageSummary),
        layers: Vec<crate::diff::LayerDelta>,
    ) {
        let check = &mut r.images[0];
        let mut b = check.summary.clone();
        base(&mut b);
        check.diff = Some(ImageDiff {
            name: check.summary.name.clone(),
            status: crate::diff::ImageStatus::Compared,
            base: Some(b),
            new: Some(check.summary.clone()),
            delta: None,
            path_depth: None,
            layers,
            paths: Vec::new(),
            more_paths: 0,
            grown: Vec::new(),
            more_grown: 0,
            paths_compared: true,
        });
    }

    /// A layer of 2 kB that only the new image has, at `new_index`.
    fn added_layer(new_index: usize) -> crate::diff::LayerDelta {
        crate::diff::LayerDelta {
            status: LayerStatus::Added,
            base_index: None,
            new_index: Some(new_index),
            digest: "sha256:00".into(),
            created_by: Some("COPY . /app".into()),
            base_size: None,
            new_size: Some(2000),
            size_delta: 2000,
        }
    }

    #[test]
    fn a_total_only_one_side_has_shows_no_change() {
        let mut r = report(vec![], vec![]);
        // Only the base was compressed: its compressed size has nothing to compare with.
        with_base(
            &mut r,
            |b| {
                (b.image_size, b.final_size) = (1000, 1500);
                b.compressed_size = Some(700);
            },
            vec![added_layer(0)],
        );
        let mut out = Vec::new();
        Markdown::default().render(&r, &mut out).expect("memory");
        let md = String::from_utf8_lossy(&out);
        assert!(
            md.contains(
                "| 2 kB<br>▲ +1 kB (+100.0 %) | n/a | 1.50 kB<br>±0 B | 500 B<br>±0 B \
                 | 1<br>±0 | 3<br>±0 | 75.0 % |"
            ),
            "{md}"
        );
        assert!(
            md.contains("| 0 | 2 kB | 3 | ▲ +2 kB (added) | `COPY . /app` |"),
            "{md}"
        );
    }

    #[test]
    fn the_changes_are_cut_at_a_row_like_the_rest() {
        let mut r = report(vec![], vec![]);
        with_base(&mut r, |_| {}, (0..2000).map(added_layer).collect());
        let limit = 20_000;
        let mut out = Vec::new();
        Markdown { limit, links: None }
            .render(&r, &mut out)
            .expect("memory");
        let md = String::from_utf8(out).expect("UTF-8");
        assert!(md.len() <= limit, "{} bytes", md.len());
        assert!(md.ends_with(TRUNCATED), "{md}");
        let last = md
            .trim_end_matches(TRUNCATED)
            .lines()
            .last()
            .unwrap_or_default();
        assert!(
            last.starts_with("| +") && last.ends_with("| `COPY . /app` |"),
            "{last}"
        );
    }
}
