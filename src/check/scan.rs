//! One pass over the image for every glob rule of the policies: the `forbid` and `paths` globs
//! are compiled together (`matcher`) and matched once per layer entry; a `forbid` rule counts every
//! entry it matches, a `paths` rule only the files visible at the end. Checking many glob rules
//! then costs about as much as checking one, and the entries are matched in parallel chunks.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::matcher::{Matcher, RuleGlobs};
use super::report::PathHit;
use super::{Applied, LISTED_PATHS};
use crate::analysis::{Analysis, Status};
use crate::image::{EntryKind, Image};
use crate::policy::rules::{RuleId, RuleKind};

/// What a `forbid` rule found in every layer.
#[derive(Debug, Default)]
pub(super) struct Forbidden {
    /// The first matches, in layer order.
    pub hits: Vec<PathHit>,
    /// All matches.
    pub count: usize,
    /// Their bytes.
    pub total: u64,
}

/// What a `paths` rule sums in the final filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct PathTotal {
    /// Bytes of the distinct files matched.
    pub size: u64,
    /// Visible paths matched.
    pub files: u64,
}

/// What the scan found for one glob rule.
#[derive(Debug)]
enum Scanned {
    Forbidden(Forbidden),
    Paths(PathTotal),
}

/// The results of every glob rule, by rule id.
#[derive(Debug, Default)]
pub(super) struct Scans {
    by_rule: Vec<Option<Scanned>>,
}

impl Scans {
    fn take(&mut self, id: RuleId) -> Option<Scanned> {
        self.by_rule.get_mut(id.0 as usize).and_then(Option::take)
    }

    /// What the `forbid` rule `id` found. Every `forbid` rule is scanned, so the default (nothing
    /// found) is never reached.
    pub(super) fn forbidden(&mut self, id: RuleId) -> Forbidden {
        match self.take(id) {
            Some(Scanned::Forbidden(found)) => found,
            other => {
                debug_assert!(
                    matches!(other, Some(Scanned::Forbidden(_))),
                    "forbid rule {id:?} was not scanned as one"
                );
                Forbidden::default()
            }
        }
    }

    /// What the `paths` rule `id` sums. Every `paths` rule is scanned, so the default (no files)
    /// is never reached.
    pub(super) fn path_total(&mut self, id: RuleId) -> PathTotal {
        match self.take(id) {
            Some(Scanned::Paths(total)) => total,
            other => {
                debug_assert!(
                    matches!(other, Some(Scanned::Paths(_))),
                    "paths rule {id:?} was not scanned as one"
                );
                PathTotal::default()
            }
        }
    }
}

/// Runs every `forbid` and `paths` rule of `rules` over the image.
pub(super) fn scan(image: &Image, analysis: &Analysis, rules: &[Applied<'_>]) -> Scans {
    // The matcher numbers its rules `forbid` first, then `paths`; these map them back to ids.
    let (mut forbid, mut paths) = (Vec::new(), Vec::new());
    let (mut forbid_ids, mut path_ids) = (Vec::new(), Vec::new());
    for a in rules {
        // Every kind is named, so that a new glob rule kind cannot be left out of the scan.
        match &a.rule.kind {
            RuleKind::Forbid { globs, except, .. } => {
                forbid.push((globs.iter().collect(), except.iter().collect()));
                forbid_ids.push(a.id);
            }
            RuleKind::Path { glob, .. } => {
                paths.push((vec![glob], Vec::new()));
                path_ids.push(a.id);
            }
            RuleKind::Image { .. }
            | RuleKind::Dive { .. }
            | RuleKind::Layer { .. }
            | RuleKind::Baseline { .. } => {}
        }
    }
    if forbid.is_empty() && paths.is_empty() {
        return Scans::default();
    }
    let forbid_rules = forbid.len();
    let all: Vec<RuleGlobs<'_>> = forbid.into_iter().chain(paths).collect();
    let scanner = Scanner {
        image,
        analysis,
        files: VisibleFiles::of(analysis),
        matcher: Matcher::build(&all),
        forbid_rules,
        paths_rules: all.len() - forbid_rules,
    };
    // Chunks of a layer's entries, matched in parallel and merged in order: the base layer often
    // holds most entries, so layers alone would leave a core idle.
    let chunks: Vec<(usize, usize)> = image
        .layers
        .iter()
        .enumerate()
        .flat_map(|(li, l)| {
            (0..l.contents.entries.len())
                .step_by(CHUNK)
                .map(move |start| (li, start))
        })
        .collect();
    let parts: Vec<Part> = chunks
        .par_iter()
        .map(|&(li, start)| scanner.chunk(li, start))
        .collect();
    let mut forbidden: Vec<Forbidden> = (0..forbid_rules).map(|_| Forbidden::default()).collect();
    let mut totals = vec![PathTotal::default(); scanner.paths_rules];
    // A file hard-linked under two matching names counts its bytes once per rule.
    let mut shared: FxHashSet<(usize, (u32, u32))> = FxHashSet::default();
    for part in parts {
        for (all, found) in forbidden.iter_mut().zip(part.forbidden) {
            all.count += found.count;
            all.total = all.total.saturating_add(found.total);
            let room = LISTED_PATHS.saturating_sub(all.hits.len());
            all.hits.extend(found.hits.into_iter().take(room));
        }
        for (all, found) in totals.iter_mut().zip(part.totals) {
            all.files += found.files;
            all.size = all.size.saturating_add(found.size);
        }
        for (r, inode, size) in part.shared {
            if shared.insert((r, inode)) {
                totals[r].size = totals[r].size.saturating_add(size);
            }
        }
    }
    let mut by_rule: Vec<Option<Scanned>> = (0..rules.len()).map(|_| None).collect();
    let found = forbid_ids
        .into_iter()
        .zip(forbidden.into_iter().map(Scanned::Forbidden));
    let summed = path_ids
        .into_iter()
        .zip(totals.into_iter().map(Scanned::Paths));
    for (id, scanned) in found.chain(summed) {
        if let Some(slot) = by_rule.get_mut(id.0 as usize) {
            *slot = Some(scanned);
        }
    }
    Scans { by_rule }
}

/// Entries matched per parallel task.
const CHUNK: usize = 8192;

/// What the visible files of the final filesystem are, by (layer, entry): a regular file is one
/// when its entry is visible; a hard link when it names a file, which `links` says.
struct VisibleFiles {
    /// The inode and bytes of every visible hard link that names a file.
    links: FxHashMap<(u32, u32), ((u32, u32), u64)>,
    /// Inodes named by more than one visible path: their bytes must be counted once per rule.
    shared: FxHashSet<(u32, u32)>,
}

impl VisibleFiles {
    fn of(analysis: &Analysis) -> VisibleFiles {
        let links: FxHashMap<(u32, u32), ((u32, u32), u64)> = analysis
            .visible_files
            .iter()
            .filter(|f| (f.layer, f.entry) != f.inode)
            .map(|f| ((f.layer, f.entry), (f.inode, f.size)))
            .collect();
        // Every link's inode is shared (with the file itself or another link), or not visible
        // under its own name: counting it as shared is right in both cases.
        let shared = links.values().map(|(inode, _)| *inode).collect();
        VisibleFiles { links, shared }
    }
}

/// What one chunk of entries contributed.
struct Part {
    forbidden: Vec<Forbidden>,
    totals: Vec<PathTotal>,
    /// `paths` matches of files with a shared inode: (rule, inode, bytes).
    shared: Vec<(usize, (u32, u32), u64)>,
}

/// What every chunk of entries is matched with.
struct Scanner<'a> {
    image: &'a Image,
    analysis: &'a Analysis,
    files: VisibleFiles,
    matcher: Matcher<'a>,
    /// The first `forbid_rules` rules of the matcher are `forbid` rules, the rest `paths` rules.
    forbid_rules: usize,
    paths_rules: usize,
}

impl Scanner<'_> {
    /// Matches the entries of layer `li` from `start`, [`CHUNK`] of them at most.
    fn chunk(&self, li: usize, start: usize) -> Part {
        let (files, matcher, forbid_rules) = (&self.files, &self.matcher, self.forbid_rules);
        let layer = &self.image.layers[li];
        let entries = &layer.contents.entries;
        let end = (start + CHUNK).min(entries.len());
        let mut part = Part {
            forbidden: (0..forbid_rules).map(|_| Forbidden::default()).collect(),
            totals: vec![PathTotal::default(); self.paths_rules],
            shared: Vec::new(),
        };
        let (mut scratch, mut matched) = (matcher.scratch(), Vec::new());
        for (ei, e) in entries.iter().enumerate().take(end).skip(start) {
            if matches!(
                e.kind,
                EntryKind::Dir | EntryKind::Whiteout | EntryKind::Opaque
            ) {
                continue;
            }
            let path = layer.contents.path(e);
            matcher.matching(path, &mut scratch, &mut matched);
            if matched.is_empty() {
                continue;
            }
            let key = (li as u32, ei as u32);
            let visible = self.analysis.statuses[li][ei] == Status::Visible;
            let file = match e.kind {
                EntryKind::File if visible => Some((key, e.size)),
                EntryKind::Hardlink if visible => files.links.get(&key).copied(),
                _ => None,
            };
            for &r in &matched {
                if r < forbid_rules {
                    let f = &mut part.forbidden[r];
                    f.count += 1;
                    f.total = f.total.saturating_add(e.size);
                    if f.hits.len() < LISTED_PATHS {
                        f.hits.push(PathHit {
                            path: String::from_utf8_lossy(path).into_owned(),
                            size: e.size,
                            layer: layer.index,
                            created_by: layer.created_by.clone(),
                        });
                    }
                } else if let Some((inode, size)) = file {
                    let p = r - forbid_rules;
                    part.totals[p].files += 1;
                    if files.shared.contains(&inode) {
                        part.shared.push((p, inode, size));
                    } else {
                        part.totals[p].size = part.totals[p].size.saturating_add(size);
                    }
                }
            }
        }
        part
    }
}
