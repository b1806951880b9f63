//! Problems found in a policy file: each at a `file:line:column`, rendered like compiler errors with
//! the offending text underlined.

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::yaml::Pos;
use crate::text::printable;

/// One problem in a policy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Diagnostic {
    /// Where it is.
    pub pos: Pos,
    /// What is wrong, in one sentence.
    pub message: String,
    /// A short note under the underlined text.
    pub label: Option<String>,
    /// How to fix it, when that is not obvious from the message.
    pub help: Option<String>,
}

/// Every problem of one policy file. The CLI exits with code 2 when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyErrors {
    /// The policy file as the user named it.
    pub(crate) file: String,
    /// Its text, to show the lines at fault.
    pub(crate) text: String,
    /// The problems, in file order.
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl PolicyErrors {
    /// Renders every problem with the line it is on and the bad part underlined.
    pub fn render(&self, styled: bool) -> String {
        let mut out = render_each(
            &self.file,
            &self.text,
            &self.diagnostics,
            Level::ERROR,
            styled,
        );
        let n = self.diagnostics.len();
        out.push_str(&format!(
            "{}: {n} problem{} in the policy",
            self.file,
            if n == 1 { "" } else { "s" }
        ));
        out
    }

    /// The policy file as the user named it (not escaped).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Each problem's line, column and message (not escaped), in file order: for a CI
    /// annotation, which shows text rather than the underlined source.
    pub fn problems(&self) -> impl Iterator<Item = (u64, u64, &str)> + '_ {
        self.diagnostics
            .iter()
            .map(|d| (d.pos.line, d.pos.column, d.message.as_str()))
    }
}

/// Renders warnings as [`PolicyErrors::render`] renders errors (`warning: file:line:col: …`, the
/// line, the underline, the help), one after the other, without a closing count: they do not
/// stop the check.
pub(crate) fn render_warnings(
    file: &str,
    text: &str,
    warnings: &[Diagnostic],
    styled: bool,
) -> String {
    let out = render_each(file, text, warnings, Level::WARNING, styled);
    out.trim_end().to_string()
}

/// Each diagnostic at `level`, followed by a blank line.
fn render_each(
    file: &str,
    text: &str,
    diagnostics: &[Diagnostic],
    level: Level<'_>,
    styled: bool,
) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    // The file's name, its lines and the words quoted from it (keys, values) come from the pull
    // request: escaped as in every output, so that none reaches the log as a workflow command or
    // the terminal as a control sequence.
    let file = printable(file);
    let shown = shown_source(text);
    let text: &str = &shown;
    let mut out = String::new();
    for d in diagnostics {
        let heading = format!(
            "{file}:{}:{}: {}",
            d.pos.line,
            d.pos.column,
            printable(&d.message)
        );
        let span = span_of(text, d.pos);
        let mut annotation = AnnotationKind::Primary.span(span);
        let label = d.label.as_deref().map(printable);
        if let Some(label) = &label {
            annotation = annotation.label(label.as_ref());
        }
        let mut group = level.clone().primary_title(heading).element(
            Snippet::source(text)
                .path(file.as_ref())
                .annotation(annotation),
        );
        let help = d.help.as_deref().map(printable);
        if let Some(help) = &help {
            group = group.element(Level::HELP.message(help.as_ref()));
        }
        let report: [Group<'_>; 1] = [group];
        out.push_str(&renderer.render(&report));
        out.push_str("\n\n");
    }
    out
}

/// The policy's text as its lines are shown: every control character but a line break and a tab
/// becomes as many `?` as it has bytes, so that the positions of the diagnostics still fall on the
/// same bytes.
fn shown_source(text: &str) -> std::borrow::Cow<'_, str> {
    let shown = |c: char| !c.is_control() || c == '\n' || c == '\t';
    if text.chars().all(shown) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if shown(c) || (c == '\r' && chars.peek() == Some(&'\n')) {
            out.push(c);
        } else {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The byte range to underline: the value's own text, or the rest of its line when the parser
/// gave no length (the end of the line for a missing value).
fn span_of(text: &str, pos: Pos) -> std::ops::Range<usize> {
    let start = pos.start.min(text.len());
    if pos.len > 0 {
        return start..(start + pos.len).min(text.len());
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if line_end > start {
        start..line_end
    } else {
        start..start
    }
}

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for PolicyErrors {}

/// Collects problems while a policy is read, so that all of them are reported at once.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    /// What was found so far.
    pub list: Vec<Diagnostic>,
    /// Values that are valid but likely not what was meant (`max_layers: 0`, a misspelled key
    /// dive ignores): shown, and the check goes on.
    pub warnings: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a problem.
    pub(crate) fn error(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        push(&mut self.list, pos, message.into())
    }

    /// Records a warning.
    pub(crate) fn warn(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        push(&mut self.warnings, pos, message.into())
    }
}

fn push(list: &mut Vec<Diagnostic>, pos: Pos, message: String) -> &mut Diagnostic {
    list.push(Diagnostic {
        pos,
        message,
        label: None,
        help: None,
    });
    let last = list.len() - 1;
    &mut list[last]
}

impl Diagnostic {
    /// Adds a note under the underlined text.
    pub(crate) fn label(&mut self, label: impl Into<String>) -> &mut Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a hint on how to fix it.
    pub(crate) fn help(&mut self, help: impl Into<String>) -> &mut Self {
        self.help = Some(help.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_place_line_and_underline() {
        let text = "image:\n  max_szie: 450MB\n".to_string();
        let errors = PolicyErrors {
            file: "sizegate.yml".into(),
            text,
            diagnostics: vec![Diagnostic {
                pos: Pos {
                    line: 2,
                    column: 3,
                    start: 9,
                    len: 8,
                },
                message: "unknown key `max_szie` in `image`".into(),
                label: Some("did you mean `max_size`?".into()),
                help: Some("valid keys: max_size, max_layers".into()),
            }],
        };
        let out = errors.render(false);
        assert!(
            out.starts_with("error: sizegate.yml:2:3: unknown key `max_szie` in `image`"),
            "{out}"
        );
        assert!(out.contains("2 |   max_szie: 450MB"), "{out}");
        assert!(out.contains("^^^^^^^^ did you mean `max_size`?"), "{out}");
        assert!(
            out.contains("help: valid keys: max_size, max_layers"),
            "{out}"
        );
        assert!(
            out.ends_with("sizegate.yml: 1 problem in the policy"),
            "{out}"
        );
    }
}
