//! Savings from the `recommended` preset: files of the final filesystem that package managers,
//! language tools and builds leave behind (package caches, apt lists, docs, man pages,
//! `__pycache__`, `.git`, core dumps, build caches). One saving per rule and per layer holding
//! the bytes, at the deepest directory that holds all its files, with the preset's fix.
//!
//! The globs are matched as `check` matches them (one lazy DFA resumed from each directory), in
//! parallel chunks of the visible files.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashSet as HashSet;

use super::{common_len, common_path, Saving, SavingKind};
use crate::analysis::{Analysis, VisibleFile};
use crate::check::matcher::{Matcher, RuleGlobs};
use crate::image::Image;
use crate::policy::preset::RECOMMENDED;
use crate::policy::rules::Glob;

/// Visible files matched per parallel task.
const CHUNK: usize = 8192;

/// The preset's savings, and the files they hold.
#[derive(Debug, Default)]
pub(super) struct PresetSavings {
    /// One per rule and layer.
    pub savings: Vec<Saving>,
    /// The files (inodes) matched: no other saving counts their bytes.
    pub claimed: HashSet<(u32, u32)>,
}

/// What one rule matched in one layer.
struct Group<'i> {
    /// The first path matched, and the length of its prefix that every path matched shares.
    first: &'i [u8],
    common: usize,
    bytes: u64,
    files: u64,
}

/// The preset's matches in the final filesystem of `image`.
pub(super) fn preset_savings(image: &Image, analysis: &Analysis) -> PresetSavings {
    let compiled: Vec<(Vec<Glob>, Vec<Glob>)> = RECOMMENDED.iter().map(|r| r.compile()).collect();
    let rules: Vec<RuleGlobs<'_>> = compiled
        .iter()
        .map(|(globs, except)| (globs.iter().collect(), except.iter().collect()))
        .collect();
    let matcher = Matcher::build(&rules);
    // Each file goes to the first rule that matches it, so that no byte counts twice.
    let hits: Vec<(usize, &VisibleFile)> = analysis
        .visible_files
        .par_chunks(CHUNK)
        .flat_map_iter(|chunk| {
            let (mut scratch, mut matched) = (matcher.scratch(), Vec::new());
            let mut hits = Vec::new();
            for f in chunk {
                matcher.matching(f.path(image), &mut scratch, &mut matched);
                if let Some(&rule) = matched.iter().min() {
                    hits.push((rule, f));
                }
            }
            hits
        })
        .collect();
    let mut groups: BTreeMap<(usize, u32), Group<'_>> = BTreeMap::new();
    let mut claimed = HashSet::default();
    // A file hard-linked under two matched names counts its bytes once, for the first rule that
    // matches it: no byte is in two savings.
    let mut counted: HashSet<(u32, u32)> = HashSet::default();
    for (rule, f) in hits {
        let path = f.path(image);
        let bytes = if counted.insert(f.inode) { f.size } else { 0 };
        claimed.insert(f.inode);
        let g = groups.entry((rule, f.inode.0)).or_insert(Group {
            first: path,
            common: path.len(),
            bytes: 0,
            files: 0,
        });
        g.common = g.common.min(common_len(g.first, path));
        g.bytes = g.bytes.saturating_add(bytes);
        g.files += 1;
    }
    let savings = groups
        .into_iter()
        .filter_map(|((rule, layer), g)| {
            let preset = RECOMMENDED.get(rule)?;
            Some(Saving {
                added_layer: Some(layer as usize),
                hint: Some(preset.hint.to_string()),
                rule: Some(preset.qualified_name()),
                ..Saving::new(
                    SavingKind::Preset,
                    common_path(g.first, g.common),
                    g.bytes,
                    g.files,
                )
            })
        })
        .collect();
    PresetSavings { savings, claimed }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::analysis::tests::{entry, image};

    /// Path, bytes, files, layer, rule.
    type Row = (String, u64, u64, Option<usize>, Option<String>);

    #[test]
    fn matches_gather_per_rule_and_layer_under_their_deepest_directory() {
        let img = image(vec![
            vec![
                entry('f', "/var/lib/apt/lists/deb.debian.org_a", 300, None),
                entry('f', "/var/lib/apt/lists/deb.debian.org_b", 200, None),
                entry('f', "/var/lib/apt/lists/lock", 0, None),
                entry('f', "/usr/bin/app", 1000, None),
            ],
            vec![
                entry('f', "/app/__pycache__/m.cpython-311.pyc", 40, None),
                entry('f', "/app/lib/__pycache__/n.cpython-311.pyc", 60, None),
                entry('f', "/usr/share/doc/x/copyright", 5, None),
                entry('f', "/usr/share/doc/x/README", 7, None),
            ],
        ]);
        let found = preset_savings(&img, &analyze(&img));
        let rows: Vec<Row> = found
            .savings
            .iter()
            .map(|s| {
                (
                    s.path.clone(),
                    s.bytes,
                    s.files,
                    s.added_layer,
                    s.rule.clone(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                (
                    "/var/lib/apt/lists".into(),
                    500,
                    2,
                    Some(0),
                    Some("recommended/apt-lists".into())
                ),
                (
                    "/app".into(),
                    100,
                    2,
                    Some(1),
                    Some("recommended/pycache".into())
                ),
                (
                    "/usr/share/doc/x/README".into(),
                    7,
                    1,
                    Some(1),
                    Some("recommended/docs".into())
                ),
            ]
        );
        assert_eq!(found.claimed.len(), 5);
    }
}
