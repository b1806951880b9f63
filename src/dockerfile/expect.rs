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

use std::collections::HashMap;

use super::expand::{
    expand, named, wildcard_match, Budget, Overflow, Stopped, Vars, ANY, MAX_VALUE,
};
use super::history::{ends_with_shell_flag, Entry};
use super::words::{heredoc_marker, json_args, split_flags, squash, word_spans};
use super::{Dockerfile, Heredoc, Instruction, Stage};
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
/// before), with the instruction's index, in file order: the traces [`trace_stages`] made, one
/// stage after the other.
pub(super) fn expectations(df: &Dockerfile, chain: &[usize]) -> Vec<(usize, Expect)> {
    chain
        .iter()
        .filter_map(|&stage| df.traces.get(stage))
        .flatten()
        .cloned()
        .collect()
}

/// The stage each stage is built on: `FROM build` continues the nearest earlier stage named
/// `build` (names are case-insensitive); `None` for a stage that starts from an image.
pub(super) fn parent_stages(stages: &[Stage]) -> Vec<Option<usize>> {
    // One lookup per stage, so that thousands of stages cost no more than their text.
    let mut named: HashMap<String, usize> = HashMap::new();
    let mut parents = Vec::with_capacity(stages.len());
    for (i, stage) in stages.iter().enumerate() {
        parents.push(named.get(&stage.from.to_ascii_lowercase()).copied());
        if let Some(name) = &stage.name {
            named.insert(name.to_ascii_lowercase(), i);
        }
    }
    parents
}

/// What the builder keeps while it walks a stage, and hands on to a stage built on it.
#[derive(Debug, Clone)]
struct Walk {
    vars: Vars,
    shell: String,
    workdir: String,
}

impl Walk {
    /// The start of a stage built from an image: its working directory is not known (unless
    /// there is no base image), nor its environment.
    fn from_image(from: &str) -> Walk {
        let workdir = match from.eq_ignore_ascii_case("scratch") {
            true => "/".to_string(),
            false => ANY.to_string(),
        };
        Walk {
            vars: Vars::default(),
            shell: "/bin/sh -c".to_string(),
            workdir,
        }
    }

    /// What a copy costs.
    fn bytes(&self) -> usize {
        self.vars.bytes() + self.shell.len() + self.workdir.len()
    }
}

/// The trace of every layer-making instruction of every stage (the instruction's index with
/// it), each stage walked as the builder walks it: from where the stage it is built on ended
/// (`parents`, from [`parent_stages`]), keeping `ARG`, `ENV`, `SHELL` and `WORKDIR` as they
/// change. Done once for the whole file, so that a deep chain of stages costs its length, and
/// every expansion counts against `budget`.
pub(super) fn trace_stages(
    instructions: &[Instruction],
    stages: &[Stage],
    parents: &[Option<usize>],
    escape: char,
    globals: &Vars,
    budget: &mut Budget,
) -> Result<Vec<Vec<(usize, Expect)>>, Stopped> {
    // How many later stages still start from each stage's end: the last one takes it, the
    // others copy it.
    let mut children = vec![0usize; stages.len()];
    for parent in parents.iter().flatten() {
        children[*parent] += 1;
    }
    let mut ends: Vec<Option<Walk>> = vec![None; stages.len()];
    let mut traces = Vec::with_capacity(stages.len());
    for (i, stage) in stages.iter().enumerate() {
        let inherited = match parents.get(i).copied().flatten() {
            Some(p) => {
                children[p] -= 1;
                match children[p] {
                    0 => ends[p].take(),
                    _ => ends[p].clone(),
                }
            }
            None => None,
        };
        let mut walk = match inherited {
            Some(walk) => {
                budget
                    .spend(walk.bytes())
                    .map_err(|o| o.at(stage.line, "FROM"))?;
                walk
            }
            None => Walk::from_image(&stage.from),
        };
        walk.vars.clear_args();
        let mut trace = Vec::new();
        // The first instruction of a stage is its FROM.
        for index in stage.instructions.clone().skip(1) {
            if let Some(ins) = instructions.get(index) {
                if let Some(expect) = step(ins, &mut walk, escape, globals, budget)? {
                    trace.push((index, expect));
                }
            }
        }
        if children[i] > 0 {
            ends[i] = Some(walk);
        }
        traces.push(trace);
    }
    Ok(traces)
}

/// Walks one instruction: updates what the builder keeps, and gives the trace of a
/// layer-making instruction.
fn step(
    ins: &Instruction,
    walk: &mut Walk,
    escape: char,
    globals: &Vars,
    budget: &mut Budget,
) -> Result<Option<Expect>, Stopped> {
    let line = ins.line;
    let expect = match ins.keyword.as_str() {
        "ARG" => {
            for (name, default) in arg_pairs(&ins.args) {
                let stop = |o: Overflow| o.at(line, named("ARG", name));
                let value = match default {
                    Some(d) => Some(expand(d, escape, &walk.vars, budget).map_err(stop)?),
                    // `ARG NAME` brings a global ARG (and its default) into the stage.
                    None => match globals.get(name) {
                        Some(v) => {
                            budget.spend(v.len()).map_err(stop)?;
                            Some(v.to_string())
                        }
                        None => None,
                    },
                };
                walk.vars.set_arg(name, value);
            }
            return Ok(None);
        }
        "ENV" => {
            // Every value is expanded with the variables from before the instruction.
            let mut pairs = Vec::new();
            for (name, value) in env_pairs(&ins.args) {
                let value = expand(value, escape, &walk.vars, budget)
                    .map_err(|o| o.at(line, named("ENV", name)))?;
                pairs.push((name, value));
            }
            for (name, value) in pairs {
                walk.vars.set_env(name, value);
            }
            return Ok(None);
        }
        "SHELL" => {
            if let Some(argv) = json_args(&ins.args) {
                walk.shell = squash(&argv.join(" "));
            }
            return Ok(None);
        }
        "WORKDIR" => {
            let stop = |o: Overflow| o.at(line, "WORKDIR");
            let written = squash(&expand(&ins.args, escape, &walk.vars, budget).map_err(stop)?);
            // A relative WORKDIR adds to the one before: a long run of them grows the path.
            let resolved = resolve(&walk.workdir, &written);
            if resolved.len() > MAX_VALUE {
                return Err(stop(Overflow::Value));
            }
            budget.spend(resolved.len()).map_err(stop)?;
            walk.workdir = resolved.clone();
            Expect::Workdir { resolved, written }
        }
        "RUN" => {
            let (exec, commands) = run_commands(ins);
            // Each RUN keeps its own copy of the shell.
            budget
                .spend(walk.shell.len())
                .map_err(|o| o.at(line, "RUN"))?;
            Expect::Run {
                exec,
                commands,
                shell: walk.shell.clone(),
            }
        }
        "COPY" | "ADD" => {
            let what = format!("the destination of {}", ins.keyword);
            match copy_destination(ins, escape, &walk.vars, budget).map_err(|o| o.at(line, what))? {
                Some(dest) => Expect::Copy {
                    keyword: ins.keyword.clone(),
                    dest,
                },
                None => return Ok(None),
            }
        }
        _ => return Ok(None),
    };
    Ok(Some(expect))
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

/// The destination of a `COPY` or `ADD`: its last argument, variables expanded; `None` when it
/// has no argument.
fn copy_destination(
    ins: &Instruction,
    escape: char,
    vars: &Vars,
    budget: &mut Budget,
) -> Result<Option<String>, Overflow> {
    let (_, rest) = split_flags(&ins.args);
    let dest = match json_args(rest) {
        Some(list) => list.last().cloned(),
        None => word_spans(rest)
            .pop()
            .map(|last| rest[last.start..last.end].to_string()),
    };
    match dest {
        Some(dest) => Ok(Some(squash(&expand(&dest, escape, vars, budget)?))),
        None => Ok(None),
    }
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
pub(super) fn global_args(
    instructions: &[Instruction],
    escape: char,
    budget: &mut Budget,
) -> Result<Vars, Stopped> {
    let mut globals = Vars::default();
    for ins in instructions
        .iter()
        .filter(|i| i.stage.is_none() && i.keyword == "ARG")
    {
        for (name, default) in arg_pairs(&ins.args) {
            let value = match default {
                Some(d) => Some(
                    expand(d, escape, &globals, budget)
                        .map_err(|o| o.at(ins.line, named("ARG", name)))?,
                ),
                None => None,
            };
            globals.set_arg(name, value);
        }
    }
    Ok(globals)
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
