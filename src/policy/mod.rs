//! The YAML policy (`sizegate.yml`): reading it with a position for every value, checking every
//! key and value (all problems reported at once, each at `file:line:column`), the built-in presets,
//! dive's `.dive-ci` format, and the policy's JSON Schema.

pub(crate) mod diagnostic;
pub(crate) mod dive_ci;
pub(crate) mod metric;
mod parse;
pub(crate) mod preset;
mod read;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod starter;
pub(crate) mod yaml;

pub use diagnostic::PolicyErrors;

use diagnostic::{Diagnostic, Diagnostics};
use rules::Rule;

/// A checked policy: the rules to apply, in file order, preset rules last.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The file the rules come from, as the user named it (`sizegate.yml`, `.dive-ci`).
    pub(crate) file: String,
    /// The rules.
    pub(crate) rules: Vec<Rule>,
    /// Valid values that are likely mistakes, in file order.
    warnings: Vec<Diagnostic>,
    /// The file's text, kept to show the lines of the warnings (empty when there are none).
    text: String,
}

impl Policy {
    /// Reads a `sizegate.yml` from its text. Every problem is returned at once.
    pub fn parse(file: &str, text: &str) -> Result<Policy, PolicyErrors> {
        Policy::read(file, text, parse::rules)
    }

    /// Reads dive's CI rules (a `.dive-ci` file) as a policy that applies them as dive does.
    pub fn parse_dive_ci(file: &str, text: &str) -> Result<Policy, PolicyErrors> {
        dive_ci::parse(file, text)
    }

    /// The same policy, its findings shown at `file` rather than at the name it was read under
    /// (which its errors and warnings keep): the binary names files in reports from the
    /// repository root, and on stderr as the user typed them.
    pub fn reported_as(mut self, file: impl Into<String>) -> Policy {
        self.file = file.into();
        self
    }

    /// Whether a rule needs the files of the image's layers; `false` when every rule is answered
    /// by the manifest and config alone (`image.max_compressed_size`, `image.max_layers`), so
    /// that a registry image's layers need not be downloaded.
    pub fn needs_files(&self) -> bool {
        self.rules.iter().any(|r| r.kind.needs_files())
    }

    /// The policy's warnings (valid values that are likely mistakes, such as `max_layers: 0` or
    /// a misspelled `.dive-ci` key), rendered like its errors; `None` when there are none.
    pub fn render_warnings(&self, styled: bool) -> Option<String> {
        (!self.warnings.is_empty())
            .then(|| diagnostic::render_warnings(&self.file, &self.text, &self.warnings, styled))
    }

    /// Parses `text` as YAML and reads its rules with `read`; the problems `read` records are
    /// returned together, in file order.
    fn read(
        file: &str,
        text: &str,
        read: impl FnOnce(&yaml::Node, &mut Diagnostics) -> Vec<Rule>,
    ) -> Result<Policy, PolicyErrors> {
        let fail = |diagnostics: Vec<Diagnostic>| PolicyErrors {
            file: file.to_string(),
            text: text.to_string(),
            diagnostics,
        };
        let root = yaml::parse(text).map_err(|e| {
            fail(vec![Diagnostic {
                pos: e.pos,
                message: format!("invalid YAML: {}", e.message),
                label: None,
                help: None,
            }])
        })?;
        let mut diags = Diagnostics::default();
        let rules = read(&root, &mut diags);
        if !diags.list.is_empty() {
            let mut list = diags.list;
            list.sort_by_key(|d| (d.pos.line, d.pos.column));
            return Err(fail(list));
        }
        let mut warnings = diags.warnings;
        warnings.sort_by_key(|d| (d.pos.line, d.pos.column));
        Ok(Policy {
            file: file.to_string(),
            rules,
            text: match warnings.is_empty() {
                true => String::new(),
                false => text.to_string(),
            },
            warnings,
        })
    }
}
