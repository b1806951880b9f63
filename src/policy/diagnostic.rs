//! Problems found in a policy file: each at a `file:line:column`, rendered like compiler errors with
//! the offending text underlined.

use std::fmt;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::yaml::Pos;

/// One problem in a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
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
    pub file: String,
    /// Its text, to show the lines at fault.
    pub text: String,
    /// The problems, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl PolicyErrors {
    /// Renders every problem with the line it is on and the bad part underlined.
    pub fn render(&self, styled: bool) -> String {
        let renderer = if styled {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let mut out = String::new();
        for d in &self.diagnostics {
            let heading = format!(
                "{}:{}:{}: {}",
                self.file, d.pos.line, d.pos.column, d.message
            );
            let span = self.span_of(d.pos);
            let mut annotation = AnnotationKind::Primary.span(span);
            if let Some(label) = &d.label {
                annotation = annotation.label(label.as_str());
            }
            let mut group = Level::ERROR.primary_title(heading).element(
                Snippet::source(self.text.as_str())
                    .path(self.file.as_str())
                    .annotation(annotation),
            );
            if let Some(help) = &d.help {
                group = group.element(Level::HELP.message(help.as_str()));
            }
            let report: [Group<'_>; 1] = [group];
            out.push_str(&renderer.render(&report));
            out.push_str("\n\n");
        }
        let n = self.diagnostics.len();
        out.push_str(&format!(
            "{}: {n} problem{} in the policy",
            self.file,
            if n == 1 { "" } else { "s" }
        ));
        out
    }

    /// The byte range to underline: the value's own text, or the rest of its line when the parser
    /// gave no length (the end of the line for a missing value).
    fn span_of(&self, pos: Pos) -> std::ops::Range<usize> {
        let start = pos.start.min(self.text.len());
        if pos.len > 0 {
            return start..(start + pos.len).min(self.text.len());
        }
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        if line_end > start {
            start..line_end
        } else {
            start..start
        }
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
}

impl Diagnostics {
    /// Records a problem.
    pub(crate) fn error(&mut self, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        self.list.push(Diagnostic {
            pos,
            message: message.into(),
            label: None,
            help: None,
        });
        let last = self.list.len() - 1;
        &mut self.list[last]
    }
}

impl Diagnostic {
    /// Adds a note under the underlined text.
    pub fn label(&mut self, label: impl Into<String>) -> &mut Self {
        self.label = Some(label.into());
        self
    }

    /// Adds a hint on how to fix it.
    pub fn help(&mut self, help: impl Into<String>) -> &mut Self {
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
