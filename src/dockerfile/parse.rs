//! The Dockerfile parser. It follows BuildKit's frontend (`frontend/dockerfile/parser`) line by
//! line, so that instruction texts and line numbers are the ones `docker build` works with.

use std::fmt;

use super::expand::{expand, Budget, Overflow, Stopped, ANY, MAX_NESTING, MAX_TOTAL, MAX_VALUE};
use super::expect::{global_args, parent_stages, trace_stages};
use super::words::{heredoc_markers, json_args, split_flags, Marker};
use super::{Dockerfile, Heredoc, Instruction, Stage};

/// The instructions BuildKit knows; `docker build` rejects any other word.
const KEYWORDS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The most instructions a Dockerfile may hold: 10,000. Matching an image's history costs its
/// layers times the layer-making instructions, and a real Dockerfile has tens to hundreds (an
/// image holds at most 127 layers).
const MAX_INSTRUCTIONS: usize = 10_000;

/// A Dockerfile that cannot be read, with the line at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file, as the user named it.
    pub file: String,
    /// The 1-based line: where the faulty instruction or directive starts.
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong with a Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// No instruction at all: the file is empty or holds only comments and blank lines.
    Empty,
    /// Instructions but no `FROM`, so no build stage.
    NoFrom,
    /// An instruction other than `ARG` before the first `FROM`.
    BeforeFrom {
        /// The instruction, upper-cased.
        keyword: String,
    },
    /// A word that is not an instruction where an instruction must start.
    UnknownInstruction {
        /// The word, as written.
        keyword: String,
    },
    /// A `FROM` that is not `[--platform=…] IMAGE [AS NAME]`.
    BadFrom {
        /// Its arguments.
        args: String,
    },
    /// A heredoc whose terminator line never comes.
    UnterminatedHeredoc {
        /// The terminator word.
        name: String,
    },
    /// `# escape=` with something other than `\` or `` ` ``.
    InvalidEscape {
        /// The value given.
        value: String,
    },
    /// The same parser directive twice.
    DuplicateDirective {
        /// The directive, lower-cased.
        name: String,
    },
    /// A value or word grows past 1 MiB once its variables are expanded (`ARG B=$A$A$A$A` …).
    ExpandsTooFar {
        /// What was expanded: `ARG C`, `ENV PATH`, `WORKDIR`, `the destination of COPY`, `FROM`.
        what: String,
    },
    /// The expansions of the whole Dockerfile add up to more than 64 MiB.
    ExpansionsTooLarge {
        /// What was being expanded when the total was crossed.
        what: String,
    },
    /// `${A:-${B:-…}}` nested more than 32 deep.
    NestedTooDeep {
        /// What was expanded.
        what: String,
    },
    /// More instructions than sizegate reads.
    TooManyInstructions,
}

impl ParseErrorKind {
    /// The error for an expansion stopped at a bound.
    fn stopped(overflow: Overflow, what: String) -> ParseErrorKind {
        match overflow {
            Overflow::Value => ParseErrorKind::ExpandsTooFar { what },
            Overflow::Total => ParseErrorKind::ExpansionsTooLarge { what },
            Overflow::Nesting => ParseErrorKind::NestedTooDeep { what },
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        // Words from the file are escaped so that a message stays on one line.
        match &self.kind {
            ParseErrorKind::Empty => {
                write!(f, "no instructions (the file is empty or all comments)")
            }
            ParseErrorKind::NoFrom => write!(f, "no `FROM` instruction, so no build stage"),
            ParseErrorKind::BeforeFrom { keyword } => write!(
                f,
                "`{}` before the first `FROM` (only `ARG` may come first)",
                keyword.escape_debug()
            ),
            ParseErrorKind::UnknownInstruction { keyword } => {
                write!(f, "unknown instruction `{}`", keyword.escape_debug())
            }
            ParseErrorKind::BadFrom { args } => write!(
                f,
                "`FROM {}`: expected `FROM [--platform=…] IMAGE [AS NAME]`",
                args.escape_debug()
            ),
            ParseErrorKind::UnterminatedHeredoc { name } => write!(
                f,
                "unterminated heredoc: no line `{}` ends it",
                name.escape_debug()
            ),
            ParseErrorKind::InvalidEscape { value } => write!(
                f,
                "invalid escape character `{}` (it must be `\\` or `` ` ``)",
                value.escape_debug()
            ),
            ParseErrorKind::DuplicateDirective { name } => {
                write!(f, "the `{name}` parser directive is given twice")
            }
            // `what` is escaped where it is made (`expand::named`).
            ParseErrorKind::ExpandsTooFar { what } => write!(
                f,
                "{what} expands to more than {} MiB; sizegate stops there",
                MAX_VALUE >> 20
            ),
            ParseErrorKind::ExpansionsTooLarge { what } => write!(
                f,
                "{what}: the Dockerfile's expanded values add up to more than {} MiB; sizegate stops there",
                MAX_TOTAL >> 20
            ),
            ParseErrorKind::NestedTooDeep { what } => write!(
                f,
                "{what} nests `${{…}}` more than {MAX_NESTING} deep; sizegate stops there"
            ),
            ParseErrorKind::TooManyInstructions => write!(
                f,
                "more than {MAX_INSTRUCTIONS} instructions; sizegate stops there"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

/// Parses the text of a Dockerfile (see [`Dockerfile::parse`]).
pub(super) fn parse(file: &str, text: &str) -> Result<Dockerfile, ParseError> {
    let fail = |line: usize, kind| ParseError {
        file: file.to_string(),
        line,
        kind,
    };
    // A byte-order mark is not part of the first line (editors on Windows write one).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = split_lines(text);
    let mut directives = Directives::default();
    let mut instructions = Vec::new();
    let mut next = 0;
    while next < lines.len() {
        let start = next;
        next += 1;
        let first = lines[start].trim_start();
        directives.read(first).map_err(|k| fail(start + 1, k))?;
        if first.is_empty() || first.starts_with('#') {
            continue;
        }
        let column = lines[start][..lines[start].len() - first.len()]
            .chars()
            .count()
            + 1;
        let escape = directives.escape;
        let (part, mut more) = continued(first, escape);
        let mut joined = part.to_string();
        while more && next < lines.len() {
            let line = lines[next];
            next += 1;
            // BuildKit drops comment lines and blank lines inside a continued instruction.
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            // Continuation lines keep their indentation: BuildKit joins them as they are.
            let (part, m) = continued(line, escape);
            joined.push_str(part);
            more = m;
        }
        let joined = joined.trim();
        if joined.is_empty() {
            continue;
        }
        let (word, args) = joined
            .split_once([' ', '\t', '\x0b', '\x0c', '\r'])
            .map_or((joined, ""), |(k, a)| (k, a.trim()));
        if instructions.len() == MAX_INSTRUCTIONS {
            return Err(fail(start + 1, ParseErrorKind::TooManyInstructions));
        }
        let keyword = word.to_ascii_uppercase();
        if !KEYWORDS.contains(&keyword.as_str()) {
            let keyword = word.to_string();
            return Err(fail(
                start + 1,
                ParseErrorKind::UnknownInstruction { keyword },
            ));
        }
        let mut heredocs = Vec::new();
        if takes_heredocs(&keyword, args) && joined.contains("<<") {
            // The bodies follow the instruction's last line, one after the other.
            for marker in heredoc_markers(joined) {
                let (heredoc, after) = read_heredoc(&lines, next, marker).map_err(|name| {
                    fail(start + 1, ParseErrorKind::UnterminatedHeredoc { name })
                })?;
                heredocs.push(heredoc);
                next = after;
            }
        }
        instructions.push(Instruction {
            keyword,
            args: args.to_string(),
            line: start + 1,
            column,
            stage: None,
            heredocs,
        });
    }
    let mut stages = assign_stages(&mut instructions).map_err(|(line, k)| fail(line, k))?;
    let escape = directives.escape;
    let stopped =
        |stop: Stopped| fail(stop.line, ParseErrorKind::stopped(stop.overflow, stop.what));
    // Every expansion of the file draws on one budget.
    let mut budget = Budget::default();
    // `ARG BASE=python:3.12-slim` then `FROM ${BASE}`: the global ARGs' defaults name the image
    // (or the earlier stage); a value that cannot be known leaves the text as written.
    let globals = global_args(&instructions, escape, &mut budget).map_err(stopped)?;
    for stage in &mut stages {
        let from = expand(&stage.from, escape, &globals, &mut budget)
            .map_err(|o| stopped(o.at(stage.line, "FROM")))?;
        if !from.contains(ANY) {
            stage.from = from;
        }
    }
    let parents = parent_stages(&stages);
    let traces = trace_stages(
        &instructions,
        &stages,
        &parents,
        escape,
        &globals,
        &mut budget,
    )
    .map_err(stopped)?;
    Ok(Dockerfile {
        file: file.to_string(),
        syntax: directives.syntax,
        escape,
        instructions,
        stages,
        parents,
        traces,
    })
}

/// The lines of the text without their line breaks (`\n` or `\r\n`).
fn split_lines(text: &str) -> Vec<&str> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

/// A line without its trailing escape character (and the blanks after it), and whether it had
/// one: BuildKit's `\[ \t]*$` rule.
fn continued(line: &str, escape: char) -> (&str, bool) {
    match line.trim_end_matches([' ', '\t']).strip_suffix(escape) {
        Some(body) => (body, true),
        None => (line, false),
    }
}

/// Only RUN, COPY and ADD read heredocs, and only in the shell form: in the exec form `<<EOF`
/// is a plain argument.
fn takes_heredocs(keyword: &str, args: &str) -> bool {
    matches!(keyword, "RUN" | "COPY" | "ADD") && json_args(split_flags(args).1).is_none()
}

/// Reads one heredoc body from line `from` on. Gives the heredoc and the line after its
/// terminator, or the terminator's name when the file ends first.
fn read_heredoc(lines: &[&str], from: usize, marker: Marker) -> Result<(Heredoc, usize), String> {
    let mut content = String::new();
    for (i, line) in lines.iter().enumerate().skip(from) {
        let end = if marker.chomp {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if end == marker.name {
            let heredoc = Heredoc {
                name: marker.name,
                content,
                chomp: marker.chomp,
                expand: marker.expand,
            };
            return Ok((heredoc, i + 1));
        }
        content.push_str(line);
        content.push('\n');
    }
    Err(marker.name)
}

/// Parser directives, read from the top of the file until the first line that is not one.
#[derive(Debug)]
struct Directives {
    done: bool,
    seen: Vec<String>,
    syntax: Option<String>,
    escape: char,
}

impl Default for Directives {
    fn default() -> Self {
        Directives {
            done: false,
            seen: Vec::new(),
            syntax: None,
            escape: '\\',
        }
    }
}

impl Directives {
    /// Looks at one line (leading blanks removed). The first line that is not a known directive
    /// (an instruction, a blank line, any other comment) ends the directives for good.
    fn read(&mut self, line: &str) -> Result<(), ParseErrorKind> {
        if self.done {
            return Ok(());
        }
        let Some((name, value)) = directive(line) else {
            self.done = true;
            return Ok(());
        };
        if self.seen.contains(&name) {
            return Err(ParseErrorKind::DuplicateDirective { name });
        }
        match name.as_str() {
            "escape" => {
                self.escape = match value.as_str() {
                    "\\" => '\\',
                    "`" => '`',
                    _ => return Err(ParseErrorKind::InvalidEscape { value }),
                }
            }
            "syntax" => self.syntax = Some(value),
            _ => {}
        }
        self.seen.push(name);
        Ok(())
    }
}

/// `# name=value` for the directives BuildKit knows (`syntax`, `escape`, `check`), name
/// lower-cased: BuildKit's `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$`.
fn directive(line: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix('#')?.trim_start();
    let len = rest
        .find(|c: char| !c.is_ascii_alphanumeric())
        .unwrap_or(rest.len());
    let name = rest[..len].to_ascii_lowercase();
    let value = rest[len..].trim_start().strip_prefix('=')?.trim();
    let known = matches!(name.as_str(), "syntax" | "escape" | "check");
    (known && !value.is_empty()).then(|| (name, value.to_string()))
}

/// Splits the instructions into stages, one per `FROM`. Only `ARG` may come before the first.
fn assign_stages(instructions: &mut [Instruction]) -> Result<Vec<Stage>, (usize, ParseErrorKind)> {
    let mut stages: Vec<Stage> = Vec::new();
    let count = instructions.len();
    for (i, ins) in instructions.iter_mut().enumerate() {
        if ins.keyword == "FROM" {
            if let Some(last) = stages.last_mut() {
                last.instructions.end = i;
            }
            stages.push(stage(ins, i).map_err(|k| (ins.line, k))?);
        } else if stages.is_empty() && ins.keyword != "ARG" {
            let keyword = ins.keyword.clone();
            return Err((ins.line, ParseErrorKind::BeforeFrom { keyword }));
        }
        ins.stage = stages.len().checked_sub(1);
    }
    match stages.last_mut() {
        Some(last) => last.instructions.end = count,
        None if count == 0 => return Err((1, ParseErrorKind::Empty)),
        None => return Err((instructions[0].line, ParseErrorKind::NoFrom)),
    }
    Ok(stages)
}

/// The stage a `FROM` at index `index` starts.
fn stage(from: &Instruction, index: usize) -> Result<Stage, ParseErrorKind> {
    let (flags, rest) = split_flags(&from.args);
    let platform = flags
        .iter()
        .find_map(|f| f.strip_prefix("--platform="))
        .map(String::from);
    let (image, name) = match rest.split_whitespace().collect::<Vec<_>>()[..] {
        [image] => (image, None),
        [image, as_, name] if as_.eq_ignore_ascii_case("as") => (image, Some(name.to_string())),
        _ => {
            let args = from.args.clone();
            return Err(ParseErrorKind::BadFrom { args });
        }
    };
    Ok(Stage {
        from: image.to_string(),
        name,
        platform,
        line: from.line,
        instructions: index..index + 1,
    })
}

#[cfg(test)]
mod bounds;
#[cfg(test)]
mod tests;
