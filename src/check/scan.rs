//! One pass over the image for every glob rule of the policies: the `forbid` globs are compiled
//! into one `GlobSet` and matched once per layer entry, the `paths` globs into another, matched
//! once per visible file. Checking many glob rules then costs about as much as checking one.

use globset::{Candidate, GlobSet, GlobSetBuilder};
use rayon::prelude::*;
use rustc_hash::FxHashSet;

use super::{PathHit, LISTED_PATHS};
use crate::analysis::Analysis;
use crate::image::{EntryKind, Image};
use crate::policy::rules::{Check, Rule};

/// What a `forbid` rule found in every layer.
#[derive(Debug, Default)]
pub struct Forbidden {
    /// The first matches, in layer order.
    pub hits: Vec<PathHit>,
    /// All matches.
    pub count: usize,
    /// Their bytes.
    pub total: u64,
}

/// What a `paths` rule sums in the final filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct PathTotal {
    /// Bytes of the distinct files matched.
    pub size: u64,
    /// Visible paths matched.
    pub files: u64,
}

/// The results of every glob rule, in the order the rules come.
#[derive(Debug, Default)]
pub struct Scans {
    /// One per `forbid` rule.
    pub forbidden: std::collections::VecDeque<Forbidden>,
    /// One per `paths` rule.
    pub paths: std::collections::VecDeque<PathTotal>,
}

/// The matcher of a group of rules: the globs of all of them, and for each glob, its rule and
/// whether it excepts.
struct Matcher {
    globs: Globs,
    owner: Vec<(usize, bool)>,
}

/// The globs as one set, or one by one should the set not build (the regex engine's size limit,
/// with thousands of globs): slower, never wrong.
enum Globs {
    Set(GlobSet),
    Each(Vec<globset::GlobMatcher>),
}

impl Matcher {
    fn build(rules: &[RuleGlobs<'_>]) -> Matcher {
        let mut builder = GlobSetBuilder::new();
        let mut each = Vec::new();
        let mut owner = Vec::new();
        for (i, (globs, except)) in rules.iter().enumerate() {
            for (list, excepts) in [(globs, false), (except, true)] {
                for g in list {
                    builder.add((*g).clone());
                    each.push(g.compile_matcher());
                    owner.push((i, excepts));
                }
            }
        }
        let globs = match builder.build() {
            Ok(set) => Globs::Set(set),
            Err(_) => Globs::Each(each),
        };
        Matcher { globs, owner }
    }

    /// The rules that `path` is matched by and not excepted from.
    fn matching(&self, path: &[u8], scratch: &mut Vec<usize>, rules: &mut Vec<usize>) {
        rules.clear();
        let candidate = candidate(path);
        match &self.globs {
            Globs::Set(set) => set.matches_candidate_into(&candidate, scratch),
            Globs::Each(each) => {
                scratch.clear();
                scratch.extend((0..each.len()).filter(|&i| each[i].is_match_candidate(&candidate)));
            }
        }
        let excepted = |r: usize| scratch.iter().any(|&i| self.owner[i] == (r, true));
        for &i in scratch.iter() {
            let (r, except) = self.owner[i];
            if !except && !rules.contains(&r) && !excepted(r) {
                rules.push(r);
            }
        }
    }
}

fn candidate(path: &[u8]) -> Candidate<'_> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Candidate::new(std::path::Path::new(std::ffi::OsStr::from_bytes(path)))
    }
    #[cfg(not(unix))]
    {
        Candidate::new(String::from_utf8_lossy(path).into_owned())
    }
}

/// Runs every `forbid` and `paths` rule of `rules` over the image.
pub fn scan<'r>(
    image: &Image,
    analysis: &Analysis,
    rules: impl Iterator<Item = &'r Rule>,
) -> Scans {
    let (mut forbid, mut paths) = (Vec::new(), Vec::new());
    for rule in rules {
        match &rule.check {
            Check::Forbid { globs, except, .. } => forbid.push((
                globs.iter().map(|g| g.matcher.glob()).collect(),
                except.iter().map(|g| g.matcher.glob()).collect(),
            )),
            Check::Path { glob, .. } => paths.push((vec![glob.matcher.glob()], Vec::new())),
            _ => {}
        }
    }
    let (forbidden, paths) = rayon::join(
        || scan_forbidden(image, &forbid),
        || scan_paths(image, analysis, &paths),
    );
    Scans {
        forbidden: forbidden.into(),
        paths: paths.into(),
    }
}

type RuleGlobs<'g> = (Vec<&'g globset::Glob>, Vec<&'g globset::Glob>);

fn scan_forbidden(image: &Image, rules: &[RuleGlobs<'_>]) -> Vec<Forbidden> {
    if rules.is_empty() {
        return Vec::new();
    }
    let matcher = Matcher::build(rules);
    // Layers are matched in parallel, then merged in layer order (the listed paths are the first).
    let per_layer: Vec<Vec<Forbidden>> = image
        .layers
        .par_iter()
        .map(|layer| {
            let mut found: Vec<Forbidden> = rules.iter().map(|_| Forbidden::default()).collect();
            let (mut scratch, mut matched) = (Vec::new(), Vec::new());
            for e in &layer.contents.entries {
                if matches!(
                    e.kind,
                    EntryKind::Dir | EntryKind::Whiteout | EntryKind::Opaque
                ) {
                    continue;
                }
                matcher.matching(&e.path, &mut scratch, &mut matched);
                for &r in &matched {
                    let f = &mut found[r];
                    f.count += 1;
                    f.total = f.total.saturating_add(e.size);
                    if f.hits.len() < LISTED_PATHS {
                        f.hits.push(PathHit {
                            path: String::from_utf8_lossy(&e.path).into_owned(),
                            size: e.size,
                            layer: layer.index,
                            created_by: layer.created_by.clone(),
                        });
                    }
                }
            }
            found
        })
        .collect();
    let mut found: Vec<Forbidden> = rules.iter().map(|_| Forbidden::default()).collect();
    for layer in per_layer {
        for (all, part) in found.iter_mut().zip(layer) {
            all.count += part.count;
            all.total = all.total.saturating_add(part.total);
            let room = LISTED_PATHS.saturating_sub(all.hits.len());
            all.hits.extend(part.hits.into_iter().take(room));
        }
    }
    found
}

fn scan_paths(image: &Image, analysis: &Analysis, rules: &[RuleGlobs<'_>]) -> Vec<PathTotal> {
    let mut totals = vec![PathTotal::default(); rules.len()];
    if rules.is_empty() {
        return totals;
    }
    let matcher = Matcher::build(rules);
    // A file hard-linked under two matching names counts its bytes once per rule.
    let mut seen: Vec<FxHashSet<(u32, u32)>> = vec![FxHashSet::default(); rules.len()];
    let (mut scratch, mut matched) = (Vec::new(), Vec::new());
    for f in &analysis.visible_files {
        let path = &f.entry(image).path;
        matcher.matching(path, &mut scratch, &mut matched);
        for &r in &matched {
            totals[r].files += 1;
            if seen[r].insert(f.inode) {
                totals[r].size = totals[r].size.saturating_add(f.size);
            }
        }
    }
    totals
}
