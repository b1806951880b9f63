//! Dockerfiles: parsed as BuildKit's frontend reads them, and matched to an image's layers so that
//! a finding about a layer can name the Dockerfile line that made it.
//!
//! [`Dockerfile::parse`] handles parser directives (`# syntax=`, `# escape=`), line continuations,
//! comments, heredocs and multi-stage builds. [`attribute_stage`] takes the `created_by` of every layer
//! (bottom first) and says, for each, which instruction of the built stage made it, or that it
//! comes from the base image, or that nothing in the Dockerfile explains it.

mod attribute;
mod expand;
mod expect;
mod history;
mod parse;
mod words;

use std::ops::Range;

pub(crate) use attribute::{attribute_stage, Attribution};
use expect::Expect;
pub use parse::ParseError;

/// A parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dockerfile {
    /// The file, as the user named it.
    pub(crate) file: String,
    /// The `# syntax=` parser directive (the frontend image), when there is one.
    pub(crate) syntax: Option<String>,
    /// The escape character: `\` unless a `# escape=` directive says `` ` ``.
    pub(crate) escape: char,
    /// Every instruction, in file order.
    pub(crate) instructions: Vec<Instruction>,
    /// The build stages, in file order; never empty in a parsed Dockerfile. The last one is the
    /// final stage: the image a plain `docker build` produces.
    pub(crate) stages: Vec<Stage>,
    /// For each stage, the stage it is built on (`FROM build`), `None` when it starts from an
    /// image.
    parents: Vec<Option<usize>>,
    /// For each stage, the history trace of each of its layer-making instructions, with the
    /// instruction's index: worked out once, when the file is read, so that a value too large to
    /// expand is a parse error.
    traces: Vec<Vec<(usize, Expect)>>,
}

/// One instruction, after its continuation lines are joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Instruction {
    /// The instruction, upper-cased: `RUN`, `COPY`, `FROM`, …
    pub keyword: String,
    /// Everything after the keyword, flags included (`--from=build /app /app`), with continuation
    /// lines joined as BuildKit joins them: the escape character and the line break removed,
    /// comment lines dropped, the next line's indentation kept.
    pub args: String,
    /// The 1-based line the instruction starts on.
    pub line: usize,
    /// The 1-based column of its keyword (instructions may be indented).
    pub column: usize,
    /// The stage it belongs to (an index into [`Dockerfile::stages`]); `None` for the `ARG`s
    /// before the first `FROM`.
    pub stage: Option<usize>,
    /// The here-documents it reads (`RUN <<EOF`, `COPY <<EOF /dst`), in order.
    pub heredocs: Vec<Heredoc>,
}

/// A here-document of a `RUN`, `COPY` or `ADD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Heredoc {
    /// The terminator word, quotes removed (`EOF` for `<<"EOF"`).
    pub name: String,
    /// The lines between the instruction and the terminator, each ending in `\n`.
    pub content: String,
    /// `<<-EOF`: leading tabs are stripped from the lines and from the terminator.
    pub chomp: bool,
    /// Whether variables in the content are expanded (the terminator word was not quoted).
    pub expand: bool,
}

/// A build stage: one `FROM` and the instructions up to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stage {
    /// What it starts from: an image reference, an earlier stage's name, or `scratch`.
    pub from: String,
    /// The name after `AS`, as written.
    pub name: Option<String>,
    /// The `--platform=` flag of its `FROM`.
    pub platform: Option<String>,
    /// The line of its `FROM`.
    pub line: usize,
    /// Its instructions, as indices into [`Dockerfile::instructions`], the `FROM` first.
    pub instructions: Range<usize>,
}

/// The instruction that wrote a layer, read from its `created_by` as every builder writes it:
/// `RUN`, `COPY`, `ADD`, `WORKDIR` (a classic builder's command line is a `RUN`).
pub(crate) fn instruction_keyword(created_by: &str) -> String {
    history::Entry::parse(created_by).keyword
}

impl Dockerfile {
    /// Parses a Dockerfile from its text. `file` is the name used in errors. A file whose
    /// variables expand past sizegate's bounds (one value over 1 MiB, all of them over 64 MiB,
    /// `${…}` nested over 32 deep) or that holds over 10,000 instructions is an error at the
    /// line that crosses the bound.
    pub fn parse(file: &str, text: &str) -> Result<Dockerfile, ParseError> {
        parse::parse(file, text)
    }

    /// The same Dockerfile, the layers it made shown at `file` rather than at the name it was
    /// read under (see [`Policy::reported_as`](crate::Policy::reported_as)).
    pub fn reported_as(mut self, file: impl Into<String>) -> Dockerfile {
        self.file = file.into();
        self
    }

    /// The final stage: the one a plain `docker build` (no `--target`) builds.
    pub fn final_stage(&self) -> usize {
        self.stages.len().saturating_sub(1)
    }

    /// The names of the named stages (`FROM … AS name`), in file order.
    pub fn stage_names(&self) -> Vec<&str> {
        self.stages
            .iter()
            .filter_map(|s| s.name.as_deref())
            .collect()
    }

    /// The stage with this name (stage names are case-insensitive), for `--target`.
    pub fn stage_named(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}
