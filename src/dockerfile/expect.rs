//! What a layer-making instruction leaves in the image history, for every builder, and whether
//! a history entry is that trace.
//!
//! Only `RUN`, `COPY`, `ADD` and `WORKDIR` make layers. What is compared differs per keyword,
//! because builders rewrite different parts:
//!
//! - `RUN`: the command. Builders prefix it with the shell (`/bin/sh -c`, or what `SHELL` set) and
//!   with the build args in scope (`|2 A=1 B=2`); the exec form is joined with spaces.
//! - `COPY`/`ADD`: the destination only. The classic builder replaces the sources with a content
//!   hash (`file:…`, `dir:…`), and neither builder records the flags (`--from`, `--chown`).
//! - `WORKDIR`: the absolute directory, resolved against the previous `WORKDIR`. BuildKit writes
//!   a layer for it (the directory is created); the classic builder one when it made the dir.

use super::expand::{expand, wildcard_match, Vars, ANY};
use super::history::{ends_with_shell_flag, Entry};
use super::words::{heredoc_marker, json_args, split_flags, squash, word_spans};
use super::{Dockerfile, Heredoc, Instruction};
use crate::image::normalize_path;

/// The history trace of one layer-making instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Expect {
    /// A `RUN`: the forms its command may take (as written, or as BuildKit rewrites a heredoc),
    /// whitespace squashed; whether it is the exec form; the shell in effect.
    Run {
        exec: bool,
        commands: Vec<String>,
        shell: String,
    },
    /// A `COPY` or `ADD`: its keyword and its destination (a pattern: unknown variables are
    /// [`ANY`]).
    Copy { keyword: String, dest: String },
    /// A `WORKDIR`: the resolved directory, and the path as written (Kaniko keeps that).
    Workdir { resolved: String, written: String },
}

impl Expect {
    /// Whether the history entry is the trace of this instruction.
    pub(super) fn matches(&self, entry: &Entry) -> bool {
        match self {
            Expect::Run {
                exec,
                commands,
                shell,
            } => {
                entry.keyword == "RUN"
                    && !entry.nop
                    && commands
                        .iter()
                        .any(|c| run_matches(*exec, c, shell, &entry.text))
            }
            Expect::Copy { keyword, dest } if entry.keyword == *keyword => match entry.nop {
                true => entry
                    .nop_destination()
                    .is_some_and(|d| wildcard_match(dest, d)),
                // BuildKit and Kaniko: the sources, then the destination last.
                false => wildcard_match(&format!("{ANY} {dest}"), &entry.text),
            },
            Expect::Workdir { resolved, written } => {
                entry.keyword == "WORKDIR"
                    && (wildcard_match(resolved, &entry.text)
                        || wildcard_match(written, &entry.text))
            }
            Expect::Copy { .. } => false,
        }
    }
}

/// Whether a `RUN` history text (`payload`, after the `RUN` keyword if any) runs `command`.
fn run_matches(exec: bool, command: &str, shell: &str, payload: &str) -> bool {
    if command.is_empty() {
        return false;
    }
    // Kaniko writes the command as written; BuildKit the exec form without build args.
    if payload == command {
        return true;
    }
    let Some(prefix) = payload
        .strip_suffix(command)
        .and_then(|p| p.strip_suffix(' '))
    else {
        return false;
    };
    let after_args = strip_build_args(prefix);
    if exec {
        // Nothing but build args may come before an exec-form command.
        return after_args == Some("");
    }
    // What is left must be a shell taking the command: `… make` is not `make`.
    let rest = after_args.unwrap_or(prefix);
    rest == shell || ends_with_shell_flag(rest)
}

/// Removes the build args that builders put before a `RUN` command (`|2 A=1 B=2 `): `|N`, then N
/// `NAME=value` words. `None` when the text does not start that way (or a value holds a space,
/// which cannot be told apart from the command).
fn strip_build_args(prefix: &str) -> Option<&str> {
    let rest = prefix.strip_prefix('|')?;
    let (count, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let count: usize = count.parse().ok()?;
    for _ in 0..count {
        let (pair, after) = rest.split_once(' ').unwrap_or((rest, ""));
        if !pair.contains('=') {
            return None;
        }
        rest = after;
    }
    Some(rest)
}

/// The trace of every layer-making instruction of a chain of stages (each built on the one
/// before), with the instruction's index, in file order. The chain is walked as the builder walks
/// it, keeping `ARG`, `ENV`, `SHELL` and `WORKDIR` as they change.
pub(super) fn expectations(df: &Dockerfile, chain: &[usize]) -> Vec<(usize, Expect)> {
    let escape = df.escape;
    let globals = global_args(&df.instructions, escape);
    let scratch = chain
        .first()
        .is_some_and(|&s| df.stages[s].from.eq_ignore_ascii_case("scratch"));
    // The base image's working directory is not known (unless there is no base image).
    let mut workdir = if scratch {
        "/".to_string()
    } else {
        ANY.to_string()
    };
    let mut shell = "/bin/sh -c".to_string();
    let mut vars = Vars::default();
    let mut out = Vec::new();
    for &stage in chain {
        vars.clear_args();
        // The first instruction of a stage is its FROM.
        for index in df.stages[stage].instructions.clone().skip(1) {
            let ins = &df.instructions[index];
            let expect = match ins.keyword.as_str() {
                "ARG" => {
                    for (name, default) in arg_pairs(&ins.args) {
                        let value = match default {
                            Some(d) => Some(expand(d, escape, &vars)),
                            // `ARG NAME` brings a global ARG (and its default) into the stage.
                            None => globals.get(name).map(String::from),
                        };
                        vars.set_arg(name, value);
                    }
                    continue;
                }
                "ENV" => {
                    // Every value is expanded with the variables from before the instruction.
                    let pairs: Vec<(&str, String)> = env_pairs(&ins.args)
                        .into_iter()
                        .map(|(name, value)| (name, expand(value, escape, &vars)))
                        .collect();
                    for (name, value) in pairs {
                        vars.set_env(name, value);
                    }
                    continue;
                }
                "SHELL" => {
                    if let Some(argv) = json_args(&ins.args) {
                        shell = squash(&argv.join(" "));
                    }
                    continue;
                }
                "WORKDIR" => {
                    let written = squash(&expand(&ins.args, escape, &vars));
                    workdir = resolve(&workdir, &written);
                    Expect::Workdir {
                        resolved: workdir.clone(),
                        written,
                    }
                }
                "RUN" => {
                    let (exec, commands) = run_commands(ins);
                    Expect::Run {
                        exec,
                        commands,
                        shell: shell.clone(),
                    }
                }
                "COPY" | "ADD" => match copy_destination(ins, escape, &vars) {
                    Some(dest) => Expect::Copy {
                        keyword: ins.keyword.clone(),
                        dest,
                    },
                    None => continue,
                },
                _ => continue,
            };
            out.push((index, expect));
        }
    }
    out
}

/// The forms a `RUN`'s command may take in the history, and whether it is the exec form.
fn run_commands(ins: &Instruction) -> (bool, Vec<String>) {
    let (_, rest) = split_flags(&ins.args);
    if let Some(argv) = json_args(rest) {
        return (true, vec![squash(&argv.join(" "))]);
    }
    let mut commands = vec![squash(rest)];
    if !ins.heredocs.is_empty() {
        commands.push(squash(&heredoc_command(rest, &ins.heredocs)));
    }
    (false, commands)
}

/// What BuildKit hands the shell for a `RUN` with heredocs (`dispatchRun`): a lone `<<EOF` runs
/// the heredoc's content, or, when it starts with `#!`, the file BuildKit mounts for it at
/// `/dev/pipes/NAME`; otherwise each heredoc is appended to the command line with its terminator.
fn heredoc_command(rest: &str, heredocs: &[Heredoc]) -> String {
    if let (Some(_), Some(doc)) = (heredoc_marker(rest), heredocs.first()) {
        return match doc.content.starts_with("#!") {
            true => format!("/dev/pipes/{}", doc.name),
            false => doc.content.clone(),
        };
    }
    let mut full = rest.to_string();
    for doc in heredocs {
        full.push('\n');
        full.push_str(&doc.content);
        full.push_str(&doc.name);
    }
    full
}

/// The destination of a `COPY` or `ADD`: its last argument, variables expanded.
fn copy_destination(ins: &Instruction, escape: char, vars: &Vars) -> Option<String> {
    let (_, rest) = split_flags(&ins.args);
    let dest = match json_args(rest) {
        Some(list) => list.last()?.clone(),
        None => {
            let last = word_spans(rest).pop()?;
            rest[last.start..last.end].to_string()
        }
    };
    Some(squash(&expand(&dest, escape, vars)))
}

/// The new working directory after `WORKDIR path`. A leading [`ANY`] (the base image's unknown
/// directory) is kept in front.
fn resolve(workdir: &str, path: &str) -> String {
    let joined = match path.starts_with('/') {
        true => path.to_string(),
        false => format!("{workdir}/{path}"),
    };
    let (lead, body) = match joined.strip_prefix(ANY) {
        Some(body) => (ANY.to_string(), body),
        None => (String::new(), joined.as_str()),
    };
    lead + &String::from_utf8_lossy(&normalize_path(body.as_bytes()))
}

/// The `ARG`s declared before the first `FROM`, with their defaults: they are in scope for the
/// `FROM` lines.
pub(super) fn global_args(instructions: &[Instruction], escape: char) -> Vars {
    let mut globals = Vars::default();
    for ins in instructions
        .iter()
        .filter(|i| i.stage.is_none() && i.keyword == "ARG")
    {
        for (name, default) in arg_pairs(&ins.args) {
            let value = default.map(|d| expand(d, escape, &globals));
            globals.set_arg(name, value);
        }
    }
    globals
}

/// The names of an `ARG` and their raw defaults (`ARG A=1 B` → `A`, `Some("1")`; `B`, `None`).
pub(super) fn arg_pairs(args: &str) -> Vec<(&str, Option<&str>)> {
    word_spans(args)
        .into_iter()
        .map(|s| {
            let word = &args[s.start..s.end];
            match word.split_once('=') {
                Some((name, default)) => (name, Some(default)),
                None => (word, None),
            }
        })
        .collect()
}

/// The names and raw values of an `ENV`: `ENV A=1 B="x y"`, or the old `ENV NAME the value`.
fn env_pairs(args: &str) -> Vec<(&str, &str)> {
    let spans = word_spans(args);
    let Some(first) = spans.first() else {
        return Vec::new();
    };
    if !args[first.start..first.end].contains('=') {
        return vec![(&args[first.start..first.end], args[first.end..].trim())];
    }
    spans
        .iter()
        .filter_map(|s| args[s.start..s.end].split_once('='))
        .collect()
}

#[cfg(test)]
mod tests;
