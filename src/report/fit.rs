//! Tables that fit the log: every table sizegate prints for people is at most as wide as the
//! terminal or the CI log it goes to (the width is the caller's: the binary decides it).
//!
//! comfy-table arranges the columns in that width; what it cannot do is cut a path in the middle
//! so that its file name stays, keep the start of a build instruction on one line, or wrap a line
//! of prose without dropping the indent that shows it belongs to the line above. So a
//! [`FitTable`] is drawn once, the widths comfy-table gave its columns are read off the top border
//! (it does not expose them), the lines wider than their column are cut or wrapped to it, and the
//! table is drawn again with those widths fixed.
//! Columns of numbers, statuses and codes keep their content's width, and every other column
//! keeps a few characters at least: when the width is too small for that, the table is wider
//! than asked rather than a column of one letter per line.

use std::io::{self, Write};

use comfy_table::{
    presets, Cell as Styled, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table,
    Width,
};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

mod heading;

pub(crate) use heading::Heading;

/// How the long lines of a column give way when the table would be wider than its width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// Never cut nor wrapped: numbers, sizes, statuses, codes, rule names (short by nature).
    Whole,
    /// Wrapped on blanks, each piece keeping the line's indent: prose.
    Wrap,
    /// Cut in the middle, keeping the file name: paths, and lines that end with one's place.
    Middle,
    /// A path and words about it (`/etc/key.pem (3 kB, layer 2)`): the path cut as
    /// [`Fit::Middle`] cuts it, the words moved to the next line when both cannot fit.
    PathFirst,
    /// The start kept and the end cut with `…`, on one line: build instructions.
    Start,
    /// Prose that holds a path, at these byte offsets of the line (`150 kB /tmp/wheels (2 files):
    /// added by …`): wrapped on blanks as [`Fit::Wrap`] wraps it, the path kept on one line and
    /// cut in the middle to the room, not broken letter by letter (its file name stays). Offsets
    /// that are not the line's boundaries make it plain [`Fit::Wrap`].
    WrapAround(usize, usize),
}

impl Fit {
    /// The narrowest a column of this kind gets (padding aside), unless its content is narrower.
    fn least(self) -> usize {
        match self {
            Fit::Whole => 0,
            Fit::Wrap | Fit::WrapAround(..) => 12,
            Fit::Middle | Fit::PathFirst | Fit::Start => 16,
        }
    }

    /// `line` made to fit `width` columns as this kind does it; `None` when it already fits
    /// (or is [`Fit::Whole`]).
    fn fit(self, line: &str, width: usize) -> Option<Vec<String>> {
        if text_width(line) <= width {
            return None;
        }
        match self {
            Fit::Whole => None,
            Fit::Wrap => Some(wrap(line, width)),
            Fit::Middle => Some(vec![cut_middle(line, width)]),
            Fit::PathFirst => Some(fit_path(line, width)),
            Fit::Start => Some(vec![cut_end(line, width)]),
            Fit::WrapAround(start, end) => Some(wrap_around(line, start..end, width)),
        }
    }

    /// How a line this kind made is fitted again: its offsets are the whole line's, not a piece's.
    fn of_piece(self) -> Fit {
        match self {
            Fit::WrapAround(..) => Fit::Wrap,
            other => other,
        }
    }
}

/// One cell: its lines, each cut as its column's [`Fit`] says unless the line says otherwise,
/// and a colour (shown only when the table is styled).
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    lines: Vec<(String, Option<Fit>)>,
    colour: Option<Color>,
}

impl Cell {
    /// A cell of `text`, a line break starting a new line.
    pub(crate) fn new(text: impl AsRef<str>) -> Cell {
        Cell {
            lines: text
                .as_ref()
                .split('\n')
                .map(|l| (l.to_string(), None))
                .collect(),
            colour: None,
        }
    }

    /// A cell whose lines give way each in its own way (a finding's prose and its paths).
    pub(crate) fn lines(lines: impl IntoIterator<Item = (String, Fit)>) -> Cell {
        Cell {
            lines: lines.into_iter().map(|(l, fit)| (l, Some(fit))).collect(),
            colour: None,
        }
    }

    /// The same cell in `colour`.
    pub(crate) fn fg(mut self, colour: Color) -> Cell {
        self.colour = Some(colour);
        self
    }

    /// The cell with its lines wider than `width` cut or wrapped to it, and whether any was.
    fn fit(&self, fit: Fit, width: usize) -> (Cell, bool) {
        let mut changed = false;
        let mut lines = Vec::with_capacity(self.lines.len());
        for (line, own) in &self.lines {
            match own.unwrap_or(fit).fit(line, width) {
                Some(fitted) => {
                    changed = true;
                    let own = own.map(Fit::of_piece);
                    lines.extend(fitted.into_iter().map(|l| (l, own)));
                }
                None => lines.push((line.clone(), *own)),
            }
        }
        let colour = self.colour;
        (Cell { lines, colour }, changed)
    }

    /// The cell as comfy-table draws it.
    fn styled(&self) -> Styled {
        let text: Vec<&str> = self.lines.iter().map(|(l, _)| l.as_str()).collect();
        let cell = Styled::new(text.join("\n"));
        match self.colour {
            Some(colour) => cell.fg(colour),
            None => cell,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::new(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::new(text)
    }
}

/// A table in sizegate's style that fits a width: see the module's documentation.
#[derive(Debug, Clone)]
pub(crate) struct FitTable {
    header: Vec<String>,
    fits: Vec<Fit>,
    right: Vec<bool>,
    widest: Vec<Option<Width>>,
    least: Vec<u16>,
    rows: Vec<Vec<Cell>>,
    styled: bool,
}

impl FitTable {
    /// A table of these columns (header, fit), with no rows yet.
    pub(crate) fn new(columns: &[(&str, Fit)]) -> FitTable {
        FitTable {
            header: columns.iter().map(|(h, _)| h.to_string()).collect(),
            fits: columns.iter().map(|(_, f)| *f).collect(),
            right: vec![false; columns.len()],
            widest: vec![None; columns.len()],
            least: vec![0; columns.len()],
            rows: Vec::new(),
            styled: false,
        }
    }

    /// Right-aligns these columns (numbers), so that their digits line up.
    pub(crate) fn right_align(&mut self, columns: &[usize]) -> &mut FitTable {
        for c in columns {
            if let Some(right) = self.right.get_mut(*c) {
                *right = true;
            }
        }
        self
    }

    /// Keeps `column` at most `width` wide, padding included: a number of characters (prose
    /// reads better in short lines), or a share of the table's width (so that the column leaves
    /// the rest to others). Never narrower than the column's least, though.
    pub(crate) fn at_most(&mut self, column: usize, width: Width) -> &mut FitTable {
        if let Some(widest) = self.widest.get_mut(column) {
            *widest = Some(width);
        }
        self
    }

    /// Keeps `column` at least `width` wide, padding included, whatever [`Self::at_most`] says
    /// (the room a place needs to keep its file name); never wider than its content, though.
    pub(crate) fn at_least(&mut self, column: usize, width: u16) -> &mut FitTable {
        if let Some(least) = self.least.get_mut(column) {
            *least = width;
        }
        self
    }

    /// Colours the cells that have a colour (ANSI sequences: for a terminal that shows them).
    pub(crate) fn styled(&mut self, styled: bool) -> &mut FitTable {
        self.styled = styled;
        self
    }

    /// Adds a row.
    pub(crate) fn add_row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The table drawn at most `width` columns wide (wider only when its narrowest layout is).
    pub(crate) fn render(&self, width: usize) -> String {
        let width = u16::try_from(width).unwrap_or(u16::MAX);
        let first = self.draw(&self.rows, width, None).to_string();
        let Some(columns) = arranged_widths(&first, self.fits.len()) else {
            return first;
        };
        let mut changed = false;
        let rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, cell)| {
                        let fit = self.fits.get(i).copied().unwrap_or(Fit::Wrap);
                        let inner = columns.get(i).map_or(usize::MAX, |w| usize::from(*w));
                        // The arranged width counts the padding, one blank each side.
                        let (cell, fitted) = cell.fit(fit, inner.saturating_sub(2).max(1));
                        changed |= fitted;
                        cell
                    })
                    .collect()
            })
            .collect();
        if !changed {
            return first;
        }
        self.draw(&rows, width, Some(&columns)).to_string()
    }

    /// The comfy-table of `rows`, arranged in `width`, or with the columns' widths `fixed`.
    fn draw(&self, rows: &[Vec<Cell>], width: u16, fixed: Option<&[u16]>) -> Table {
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width)
            .set_header(self.header.clone());
        if self.styled {
            table.enforce_styling();
        } else {
            table.force_no_tty();
        }
        for row in rows {
            table.add_row(row.iter().map(Cell::styled).collect::<Vec<_>>());
        }
        let content = table.column_max_content_widths();
        // What the borders leave of the width, which a share of it is of.
        let inner = width.saturating_sub(u16::try_from(self.fits.len() + 1).unwrap_or(u16::MAX));
        for (i, column) in table.column_iter_mut().enumerate() {
            if self.right.get(i).copied().unwrap_or(false) {
                column.set_cell_alignment(CellAlignment::Right);
            }
            let fit = self.fits.get(i).copied().unwrap_or(Fit::Wrap);
            if matches!(fit, Fit::Middle | Fit::PathFirst | Fit::Start) {
                // Lines that are cut, not wrapped, are one word to comfy-table: else it narrows
                // the column to where their words would wrap, and the cut leaves room unused.
                column.set_delimiter(UNSPLIT);
            }
            let constraint = match fixed.and_then(|f| f.get(i)) {
                Some(w) => ColumnConstraint::Absolute(Width::Fixed(*w)),
                None => {
                    let content = content.get(i).copied().unwrap_or(1);
                    let widest = self.widest.get(i).copied().flatten().map(|w| match w {
                        Width::Fixed(w) => w,
                        Width::Percentage(p) => {
                            let share = u32::from(inner) * u32::from(p.min(100)) / 100;
                            u16::try_from(share).unwrap_or(u16::MAX)
                        }
                    });
                    let least = self.least.get(i).copied().unwrap_or(0);
                    constraint(fit, content, widest, least)
                }
            };
            column.set_constraint(constraint);
        }
        table
    }
}

/// A delimiter no cell holds: every control character is escaped before it reaches a table.
const UNSPLIT: char = '\0';

/// The constraint of a column of `fit` whose widest line is `content` wide: [`Fit::Whole`] keeps
/// it, the others keep [`Fit::least`] or `least` (padding included), whichever is more, or the
/// content's width when narrower, and stay under `widest` unless that is less, padding included.
fn constraint(fit: Fit, content: u16, widest: Option<u16>, least: u16) -> ColumnConstraint {
    if fit == Fit::Whole {
        return ColumnConstraint::ContentWidth;
    }
    let own = u16::try_from(fit.least()).unwrap_or(u16::MAX);
    let lower = content
        .min(own)
        .saturating_add(2)
        .max(least.min(content.saturating_add(2)));
    match widest {
        Some(upper) => ColumnConstraint::Boundaries {
            lower: Width::Fixed(lower),
            upper: Width::Fixed(upper.max(lower)),
        },
        None => ColumnConstraint::LowerBoundary(Width::Fixed(lower)),
    }
}

/// The widths (padding included) of the `columns` columns of a drawn table, read off its top
/// border (`┌───┬─────┐`); `None` when the border is not that.
fn arranged_widths(drawn: &str, columns: usize) -> Option<Vec<u16>> {
    let top = drawn.lines().next()?;
    let inner = top.strip_prefix('┌')?.strip_suffix('┐')?;
    let widths: Vec<u16> = inner
        .split('┬')
        .map(|s| u16::try_from(s.chars().count()).unwrap_or(u16::MAX))
        .collect();
    (widths.len() == columns).then_some(widths)
}

/// How many columns `text` takes in a terminal.
pub(crate) fn text_width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// The longest start of `text` at most `max` columns wide.
fn head(text: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices() {
        used += c.width().unwrap_or(0);
        if used > max {
            return &text[..outside_escape(text, i).0];
        }
    }
    text
}

/// The longest end of `text` at most `max` columns wide.
fn tail(text: &str, max: usize) -> &str {
    let mut used = 0;
    for (i, c) in text.char_indices().rev() {
        used += c.width().unwrap_or(0);
        if used > max {
            return &text[outside_escape(text, i + c.len_utf8()).1..];
        }
    }
    text
}

/// The places to cut `text` at instead of `at` when `at` falls inside an escape of
/// `text::printable` (`\u{200b}`, `\n`): `(before it, after it)`, so that a cut keeps an escape
/// whole or leaves it out, never half of it (`/…{200b}wd`); `(at, at)` elsewhere.
fn outside_escape(text: &str, at: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < at {
        if bytes[i] != b'\\' || i + 1 >= bytes.len() {
            i += 1;
            continue;
        }
        let end = match bytes[i + 1] {
            b'u' if bytes.get(i + 2) == Some(&b'{') => bytes[i..]
                .iter()
                .position(|&b| b == b'}')
                .map_or(i + 2, |close| i + close + 1),
            _ => i + 2,
        };
        if at < end {
            return (i, end);
        }
        i = end;
    }
    (at, at)
}

/// Writes a line of text outside a table (a total, a note), wrapped as [`wrap`] does when wider
/// than `width`.
pub(crate) fn write_wrapped(out: &mut dyn Write, line: &str, width: usize) -> io::Result<()> {
    if text_width(line) <= width {
        return writeln!(out, "{line}");
    }
    for piece in wrap(line, width) {
        writeln!(out, "{piece}")?;
    }
    Ok(())
}

/// `line` wrapped on blanks into lines at most `width` columns wide, each starting with the
/// line's own indent (unless the indent would take half the width); a word wider than that is
/// broken where the width ends.
pub(crate) fn wrap(line: &str, width: usize) -> Vec<String> {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    fill(indent, words(body).map(|w| (w, false)), width)
}

/// `line` wrapped as [`wrap`] wraps it, but for the path at `path` (byte offsets), which is one
/// word however many blanks it holds, and which is cut in the middle to the room rather than
/// broken (so that its file name stays); offsets that are not the line's boundaries wrap it
/// whole.
fn wrap_around(line: &str, path: std::ops::Range<usize>, width: usize) -> Vec<String> {
    let (Some(before), Some(name), Some(after)) = (
        line.get(..path.start),
        line.get(path.clone()),
        line.get(path.end..),
    ) else {
        return wrap(line, width);
    };
    let body = before.trim_start_matches(' ');
    let indent = &before[..before.len() - body.len()];
    let pieces = words(body)
        .map(|w| (w, false))
        .chain(std::iter::once((name, true)).filter(|(n, _)| !n.is_empty()))
        .chain(words(after).map(|w| (w, false)));
    fill(indent, pieces, width)
}

/// The words of `text`, between its blanks.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(' ').filter(|w| !w.is_empty())
}

/// `words` laid out in lines at most `width` columns wide, each starting with `indent` (unless
/// the indent would take half the width), a blank between two words. A word wider than a line
/// is broken where the line ends, or, when it is marked as a path (`true`), cut in the middle to
/// the line: on the line where it starts when its file name fits there, else on a line of its
/// own.
fn fill<'a>(
    indent: &str,
    words: impl Iterator<Item = (&'a str, bool)>,
    width: usize,
) -> Vec<String> {
    let indent = if 2 * text_width(indent) > width {
        ""
    } else {
        indent
    };
    let room = width.saturating_sub(text_width(indent)).max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    for (word, path) in words {
        let mut word = word;
        while !word.is_empty() {
            let needed = match current.is_empty() {
                true => text_width(word),
                false => text_width(&current) + 1 + text_width(word),
            };
            if needed <= room {
                if !current.is_empty() {
                    current.push(' ');
                }
                current.push_str(word);
                break;
            }
            if !current.is_empty() {
                // A path whose file name fits in what is left of the line is cut to it there.
                let rest = room.saturating_sub(text_width(&current) + 1);
                if path && rest >= name_room(word) {
                    current.push(' ');
                    current.push_str(&cut_middle(word, rest));
                    break;
                }
                lines.push(std::mem::take(&mut current));
                continue;
            }
            if path {
                lines.push(cut_middle(word, room));
                break;
            }
            // A word wider than the room on a line of its own: as much as fits, then the rest;
            // at least one character, however wide, so that the loop ends.
            let mut piece = head(word, room);
            if piece.is_empty() {
                piece = word.chars().next().map_or(word, |c| &word[..c.len_utf8()]);
            }
            lines.push(piece.to_string());
            word = &word[piece.len()..];
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines.into_iter().map(|l| format!("{indent}{l}")).collect()
}

/// `text` at most `max` columns wide: its start, then `…` when it was longer (a build
/// instruction says what it does first); no blank before the `…`.
pub(crate) fn cut_end(text: &str, max: usize) -> String {
    if text_width(text) <= max {
        return text.to_string();
    }
    if max == 0 {
        return String::new();
    }
    format!("{}…", head(text, max - 1).trim_end())
}

/// The least of a path's start worth keeping on its line: with less room, what follows its file
/// name goes to the next line.
const LEAST_START: usize = 4;

/// Where the file name of a path (or of a line that holds one) starts: at its last `/` but the
/// first character's, a directory's trailing `/` belonging to its name.
fn name_start(text: &str) -> Option<usize> {
    text.trim_end_matches('/').rfind('/').filter(|at| *at > 0)
}

/// `line`, a path and what may follow it, in lines at most `width` columns wide: the path cut in
/// the middle as [`cut_middle`] cuts it; when its file name and what follows cannot both fit,
/// what follows it goes to the next lines, wrapped, with the line's indent.
fn fit_path(line: &str, width: usize) -> Vec<String> {
    if let Some(at) = name_start(line) {
        let name = &line[at..];
        let room = width.saturating_sub(1);
        if let Some(blank) = name
            .find(' ')
            .filter(|_| text_width(name) + LEAST_START > room)
        {
            let (path, rest) = line.split_at(at + blank);
            let indent = &line[..line.len() - line.trim_start_matches(' ').len()];
            let mut lines = vec![cut_middle(path, width)];
            lines.extend(wrap(&format!("{indent}{}", rest.trim_start()), width));
            return lines;
        }
    }
    vec![cut_middle(line, width)]
}

/// The fewest columns [`cut_middle`] needs to keep the file name of `text` whole (`…/name`), or
/// the width of `text` when that is less.
pub(crate) fn name_room(text: &str) -> usize {
    let whole = text_width(text);
    match name_start(text) {
        Some(at) => whole.min(1 + text_width(&text[at..])),
        None => whole,
    }
}

/// `text` at most `max` columns wide, cut in the middle so that its end stays: a path keeps its
/// file name whole, and as much of its start as the room leaves, up to a `/` when that leaves
/// most of it used (`/usr/lib/…/libLLVM.so.17`, `…/fail.yml:11:5`); a file name too long for that
/// keeps a third of the room for the start and the rest for the end.
pub(crate) fn cut_middle(text: &str, max: usize) -> String {
    if text_width(text) <= max {
        return text.to_string();
    }
    if max <= 1 {
        return "…".repeat(max);
    }
    let room = max - 1;
    if let Some(at) = name_start(text) {
        let name = &text[at..];
        let name_width = text_width(name);
        if name_width <= room {
            let budget = room - name_width;
            let start = head(text, budget);
            let start = match start.rfind('/') {
                Some(slash) if slash > 0 && 2 * (slash + 1) >= budget => &start[..=slash],
                _ => start,
            };
            return format!("{start}…{name}");
        }
    }
    // The end says more (an extension, a size): it gets two thirds.
    let start = head(text, room / 3);
    let end = tail(text, room - text_width(start));
    format!("{start}…{end}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The widest line of `text`.
    fn widest(text: &str) -> usize {
        text.lines().map(text_width).max().unwrap_or(0)
    }

    #[test]
    fn a_cut_never_splits_an_escape() {
        let path = r"/etc/pass\u{200b}wd-and-more/file";
        for max in 5..path.len() {
            let cut = cut_middle(path, max);
            // What is left of the escape is all of it, or nothing.
            let any_part = ["\\", "u{", "200b", "}"].iter().any(|p| cut.contains(p));
            assert_eq!(any_part, cut.contains(r"\u{200b}"), "{max}: {cut}");
        }
        assert_eq!(outside_escape(r"a\nb", 2), (1, 3));
        assert_eq!(outside_escape(r"a\u{1b}b", 4), (1, 7));
        assert_eq!(outside_escape(r"a\u{1b}b", 7), (7, 7));
        assert_eq!(outside_escape("plain", 3), (3, 3));
    }

    #[test]
    fn a_path_keeps_its_file_name_and_starts_at_a_directory() {
        let path = "/usr/lib/x86_64-linux-gnu/libLLVM.so.17";
        assert_eq!(cut_middle(path, 24), "/usr/lib/…/libLLVM.so.17");
        assert_eq!(cut_middle(path, 100), path);
        assert_eq!(cut_middle(path, 39), path);
        assert_eq!(text_width(&cut_middle(path, 38)), 38);
        // A directory keeps its trailing slash with its name.
        assert_eq!(cut_middle("/opt/some/long/dir/", 12), "/opt/…/dir/");
    }

    #[test]
    fn a_file_name_too_long_for_the_room_keeps_both_ends() {
        let path = "/srv/a-very-long-file-name-of-an-archive.tar.gz";
        let cut = cut_middle(path, 20);
        assert_eq!(cut, "/srv/a…rchive.tar.gz");
        assert_eq!(text_width(&cut), 20);
        assert_eq!(cut_middle(path, 1), "…");
        // A file name that just fits keeps no start at all.
        assert_eq!(cut_middle("examples/fail.yml:11:5", 15), "…/fail.yml:11:5");
        assert_eq!(cut_middle("examples/fail.yml:11:5", 16), "e…/fail.yml:11:5");
        assert_eq!(cut_middle(path, 0), "");
    }

    #[test]
    fn what_follows_a_file_name_moves_to_the_next_line_when_both_cannot_fit() {
        let line = "  /var/cache/apt/archives/foo_1.0-1_amd64.deb (3.07 kB, layer 0)";
        assert_eq!(
            fit_path(line, 34),
            ["  /var/cache/…/foo_1.0-1_amd64.deb", "  (3.07 kB, layer 0)"]
        );
        assert_eq!(
            fit_path(line, 50),
            ["  /var/…/foo_1.0-1_amd64.deb (3.07 kB, layer 0)"]
        );
        // A bare path has nothing to move.
        assert_eq!(fit_path("/a/very-long-name.tar.gz", 12), ["/a/…e.tar.gz"]);
    }

    #[test]
    fn cuts_count_columns_not_bytes() {
        // Each of these takes two columns.
        let wide = "/データ/ファイル名.txt";
        let cut = cut_middle(wide, 15);
        assert!(text_width(&cut) <= 15, "{cut}");
        assert!(cut.ends_with(".txt"), "{cut}");
        // `本` would take the eighth and ninth columns.
        assert_eq!(cut_end("RUN 日本語 apt-get install", 8), "RUN 日…");
        assert_eq!(cut_end("RUN apt-get install", 0), "");
    }

    #[test]
    fn wrapped_prose_keeps_its_indent() {
        assert_eq!(
            wrap("  3.20 kB /var/lib/apt/lists (2 files): added", 20),
            ["  3.20 kB", "  /var/lib/apt/lists", "  (2 files): added"]
        );
        assert_eq!(wrap("a b", 1), ["a", "b"]);
        assert_eq!(wrap("", 5), [""]);
    }

    #[test]
    fn a_word_wider_than_the_column_is_broken_where_it_ends() {
        assert_eq!(
            wrap("    fix: --mount=type=bind,source=x", 20),
            ["    fix:", "    --mount=type=bin", "    d,source=x"]
        );
        // A deep indent in a narrow column is dropped rather than leave no room.
        assert_eq!(wrap("        word", 10), ["word"]);
        // Two columns a character, in a column of one: a character a line.
        assert_eq!(wrap("日本", 1), ["日", "本"]);
    }

    #[test]
    fn a_path_in_prose_is_cut_in_the_middle_not_broken() {
        let path = format!("/opt/{}/libfoo.so.1", "deep/".repeat(40));
        let line = format!("  5 kB {path} (1 file): added by layer 0");
        let span = Fit::WrapAround(7, 7 + path.len());
        // Its file name fits after the size: it is cut to the rest of that line.
        assert_eq!(
            span.fit(&line, 30),
            Some(vec![
                "  5 kB /opt/deep/…/libfoo.so.1".to_string(),
                "  (1 file): added by layer 0".to_string()
            ])
        );
        assert_eq!(
            span.fit(&line, 22),
            Some(vec![
                "  5 kB /o…/libfoo.so.1".to_string(),
                "  (1 file): added by".to_string(),
                "  layer 0".to_string()
            ])
        );
        // It does not: on a line of its own, cut to the room.
        assert_eq!(
            span.fit(&line, 19),
            Some(vec![
                "  5 kB".to_string(),
                "  /opt…/libfoo.so.1".to_string(),
                "  (1 file): added".to_string(),
                "  by layer 0".to_string()
            ])
        );
        // A path with blanks stays one piece; offsets that do not fit the line wrap it whole.
        assert_eq!(
            wrap_around("  1 B /a b/c.txt (1 file)", 6..16, 12),
            ["  1 B", "  /a b/c.txt", "  (1 file)"]
        );
        assert_eq!(
            Fit::WrapAround(3, 900).fit("a b c d", 3),
            Some(wrap("a b c d", 3))
        );
        assert_eq!(
            Fit::WrapAround(2, 1).fit("a b c d", 3),
            Some(wrap("a b c d", 3))
        );
        assert_eq!(
            Fit::WrapAround(1, 3).fit("a漢字", 2),
            Some(wrap("a漢字", 2)),
            "not a character boundary"
        );
    }

    #[test]
    fn the_room_of_a_name_is_its_file_name_and_an_ellipsis() {
        assert_eq!(name_room("examples/sizegate.yml:16:24"), 20);
        assert_eq!(
            cut_middle("examples/sizegate.yml:16:24", 20),
            "…/sizegate.yml:16:24"
        );
        assert_eq!(name_room("policy.yml:2:15"), 15);
        assert_eq!(name_room("a/b"), 3, "the whole, when shorter");
    }

    #[test]
    fn a_column_kept_wide_enough_for_its_names_is_wider_than_its_share() {
        let mut table = FitTable::new(&[("finding", Fit::Wrap), ("where", Fit::Middle)]);
        table.add_row([
            "word ".repeat(40),
            "examples/sizegate.yml:16:24".to_string(),
        ]);
        table.at_most(1, Width::Percentage(10));
        let drawn = table.render(80);
        assert!(drawn.contains(" examp….yml:16:24 │"), "{drawn}");
        table.at_least(1, 22);
        let drawn = table.render(80);
        assert!(drawn.contains(" …/sizegate.yml:16:24 │"), "{drawn}");
        assert!(widest(&drawn) <= 80, "{drawn}");
        // Never wider than its content.
        assert_eq!(
            constraint(Fit::Middle, 10, Some(5), 40),
            ColumnConstraint::Boundaries {
                lower: Width::Fixed(12),
                upper: Width::Fixed(12)
            }
        );
    }

    #[test]
    fn an_instruction_keeps_its_start() {
        assert_eq!(cut_end("RUN apt-get update", 10), "RUN apt-g…");
        assert_eq!(cut_end("COPY . /app", 11), "COPY . /app");
        assert_eq!(cut_end("COPY . /app", 8), "COPY .…");
    }

    fn wide_table() -> FitTable {
        let mut table = FitTable::new(&[
            ("size", Fit::Whole),
            ("path", Fit::Middle),
            ("created_by", Fit::Start),
        ]);
        table.right_align(&[0]);
        table.add_row([
            "12.00 MB".to_string(),
            format!("/usr/lib/{}/libLLVM.so.17", "x".repeat(80)),
            format!("RUN apt-get install -y {}", "package ".repeat(20)),
        ]);
        table.add_row(["1 B", "/a", "COPY a /a"]);
        table
    }

    #[test]
    fn a_wide_table_fits_its_width_with_its_cells_cut() {
        for width in [60, 80, 120] {
            let drawn = wide_table().render(width);
            assert_eq!(widest(&drawn), width, "{drawn}");
            assert_eq!(drawn.lines().count(), 6, "one line a row:\n{drawn}");
            let row = drawn
                .lines()
                .find(|l| l.contains("12.00 MB"))
                .unwrap_or_default();
            let cells: Vec<&str> = row.trim_matches('│').split('┆').map(str::trim).collect();
            assert!(cells[1].ends_with("…/libLLVM.so.17"), "{drawn}");
            assert!(cells[2].starts_with("RUN apt-get install"), "{drawn}");
            let kept = cells[2].strip_suffix('…').expect("the instruction is cut");
            assert!(!kept.ends_with(' '), "no blank before the cut: {drawn}");
        }
    }

    #[test]
    fn a_narrow_table_keeps_its_natural_width() {
        let mut table = FitTable::new(&[("#", Fit::Whole), ("created_by", Fit::Start)]);
        table.add_row(["0", "COPY a /a"]);
        let drawn = table.render(120);
        assert_eq!(
            drawn,
            "┌───┬────────────┐\n\
             │ # ┆ created_by │\n\
             ╞═══╪════════════╡\n\
             │ 0 ┆ COPY a /a  │\n\
             └───┴────────────┘"
        );
    }

    #[test]
    fn prose_wraps_and_lines_cut_each_as_they_say() {
        let mut table = FitTable::new(&[("code", Fit::Whole), ("finding", Fit::Wrap)]);
        let path = format!("  /opt/{}/key.pem (1 kB, layer 2)", "d".repeat(60));
        table.add_row([
            Cell::new("forbidden-path"),
            Cell::lines([
                (
                    "a finding whose message is long enough to wrap".to_string(),
                    Fit::Wrap,
                ),
                (path, Fit::Middle),
            ]),
        ]);
        let drawn = table.render(50);
        assert_eq!(widest(&drawn), 50, "{drawn}");
        assert!(drawn.contains("┆ a finding whose "), "{drawn}");
        assert!(drawn.contains("┆   /…/key.pem (1 kB, layer 2) "), "{drawn}");
    }

    #[test]
    fn a_width_too_small_keeps_every_column_readable() {
        for width in [0, 1, 10, 30] {
            let drawn = wide_table().render(width);
            // Wider than asked, but no column narrower than its least: `size` whole, the path
            // and the instruction 16 wide.
            assert!(drawn.contains("│ 12.00 MB ┆ "), "{drawn}");
            assert_eq!(drawn.lines().count(), 6, "{drawn}");
            assert!(widest(&drawn) <= 2 + 8 + 3 + 16 + 3 + 16 + 2, "{drawn}");
        }
    }

    #[test]
    fn colour_is_only_shown_when_styled() {
        let mut table = FitTable::new(&[("status", Fit::Whole)]);
        table.add_row([Cell::new("error").fg(Color::Red)]);
        assert!(!table.render(80).contains('\x1b'));
        table.styled(true);
        assert!(table.render(80).contains("\x1b["));
    }

    #[test]
    fn widths_are_read_off_the_top_border() {
        assert_eq!(arranged_widths("┌──┬───┐\n│", 2), Some(vec![2, 3]));
        assert_eq!(arranged_widths("┌──┬───┐", 3), None);
        assert_eq!(arranged_widths("", 1), None);
    }
}
