//! Attribution: which Dockerfile instruction made each layer of an image.
//!
//! The layers' history entries are matched to the layer-making instructions of the stage that was
//! built, walking both from the top: the last layer was made by the last instruction that made a
//! layer, and so on down. Texts, not counts, decide: an instruction may have made no layer
//! (a `WORKDIR` whose directory existed, a step an older builder skipped), and an image may have
//! layers that no instruction explains (a squash, `buildah commit`, `ONBUILD` triggers).

use super::expect::{expectations, Expect};
use super::history::Entry;
use super::Dockerfile;

/// Where one layer of an image comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Attribution {
    /// Made by this instruction of the Dockerfile.
    Instruction {
        /// The 1-based line the instruction starts on.
        line: usize,
        /// The 1-based column of its keyword.
        column: usize,
        /// Its keyword, upper-cased (`RUN`, `COPY`, `ADD`, `WORKDIR`).
        keyword: String,
        /// Its arguments, as in [`Instruction::args`](super::Instruction::args).
        text: String,
    },
    /// Part of the base image: below the lowest layer the Dockerfile explains.
    BaseImage {
        /// The image the built stage starts from, as written after `FROM`.
        from: String,
    },
    /// Above the base image, but no instruction matches it (or its history is missing).
    Unknown,
}

/// Attributes each layer of an image built from `stage` of the Dockerfile (its final stage, or the
/// `docker build --target`). `layers` holds each layer's `created_by` (`None` when the history does
/// not say), bottom layer first; the result has one [`Attribution`] per layer, in the same order.
/// A stage built `FROM` an earlier stage takes that stage's instructions too, down to the stage that starts
/// from an image. An index past the last stage attributes nothing: every layer is `Unknown`.
pub(crate) fn attribute_stage(
    dockerfile: &Dockerfile,
    stage: usize,
    layers: &[Option<&str>],
) -> Vec<Attribution> {
    if stage >= dockerfile.stages.len() {
        return vec![Attribution::Unknown; layers.len()];
    }
    let chain = chain(dockerfile, stage);
    let expected = expectations(dockerfile, &chain);
    let matched = walk(&expected, layers);
    let root = &dockerfile.stages[chain[0]];
    // With no base image, no layer can be the base image's.
    let base = match root.from.eq_ignore_ascii_case("scratch") {
        true => Attribution::Unknown,
        false => Attribution::BaseImage {
            from: root.from.clone(),
        },
    };
    // Layers below the lowest match are the base image's. When nothing matched, the layers are
    // all the base image's only if the stage makes no layer of its own.
    let lowest = match matched.iter().position(Option::is_some) {
        Some(lowest) => lowest,
        None if expected.is_empty() => layers.len(),
        None => 0,
    };
    matched
        .into_iter()
        .enumerate()
        .map(|(layer, found)| match found {
            Some(index) => {
                let ins = &dockerfile.instructions[index];
                Attribution::Instruction {
                    line: ins.line,
                    column: ins.column,
                    keyword: ins.keyword.clone(),
                    text: ins.args.clone(),
                }
            }
            None if layer < lowest => base.clone(),
            None => Attribution::Unknown,
        })
        .collect()
}

/// The stages an image built from `stage` goes through, the one that starts from an image first:
/// `FROM build` continues the earlier stage named `build`.
pub(super) fn chain(dockerfile: &Dockerfile, stage: usize) -> Vec<usize> {
    let mut chain = vec![stage];
    let mut current = stage;
    // A stage is only ever built on an earlier one, so this ends.
    while let Some(parent) = dockerfile.parents.get(current).copied().flatten() {
        chain.push(parent);
        current = parent;
    }
    chain.reverse();
    chain
}

/// Matches layers to instructions from the top: each layer takes the nearest instruction below
/// the last one taken whose trace it is. A layer that matches none is left unmatched and the
/// instructions stay available for the layers below it. Gives, per layer, the instruction index.
fn walk(expected: &[(usize, Expect)], layers: &[Option<&str>]) -> Vec<Option<usize>> {
    let mut matched = vec![None; layers.len()];
    let mut available = expected.len();
    for (layer, created_by) in layers.iter().enumerate().rev() {
        let Some(created_by) = created_by else {
            continue;
        };
        let entry = Entry::parse(created_by);
        if let Some(pos) = expected[..available]
            .iter()
            .rposition(|(_, expect)| expect.matches(&entry))
        {
            matched[layer] = Some(expected[pos].0);
            available = pos;
        }
    }
    matched
}

#[cfg(test)]
mod tests;
