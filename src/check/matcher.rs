//! Matching every glob of the policies against every path of an image, fast.
//!
//! The globs are compiled together into one lazy DFA (regex-automata's hybrid DFA, from the regexes
//! globset writes for them, so the semantics are globset's). A path is its directory and its name,
//! and the entries of a layer share few directories: the DFA's state after each directory is kept,
//! so matching a path walks its name only. Against a `GlobSet` per path this cut the matching of
//! the benchmark's 291k entries by about four (bench/RESULTS.md). Should the DFA not build, or
//! give up on a path, the globs are matched one by one: slower, never different.

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson;
use regex_automata::util::{start, syntax};
use regex_automata::{Anchored, MatchKind};
use rustc_hash::FxHashMap;

use crate::policy::rules::Glob;

/// Size limit of the automaton and of each thread's DFA cache, as globset sets them.
const LIMIT: usize = 10 * (1 << 20);

/// The globs of a group of rules, and for each glob its rule and whether it excepts.
pub(crate) struct Matcher<'g> {
    dfa: Option<DFA>,
    globs: Vec<&'g Glob>,
    owner: Vec<(usize, bool)>,
}

/// Per-thread state of a [`Matcher`]: the DFA's cache and the states after the directories seen.
pub(crate) struct Scratch<'p> {
    cache: Option<Cache>,
    /// The DFA state after each directory (with its trailing `/`) seen so far.
    dirs: FxHashMap<&'p [u8], LazyStateID>,
    /// How often the cache had been cleared when `dirs` was filled: clearing it invalidates the
    /// states kept.
    clears: usize,
    /// The globs that matched the last path.
    globs: Vec<usize>,
}

/// The globs of one rule, and the globs excepted from it.
pub(crate) type RuleGlobs<'g> = (Vec<&'g Glob>, Vec<&'g Glob>);

impl<'g> Matcher<'g> {
    /// Compiles `rules`.
    pub(crate) fn build(rules: &[RuleGlobs<'g>]) -> Matcher<'g> {
        let mut globs = Vec::new();
        let mut owner = Vec::new();
        for (i, (matching, except)) in rules.iter().enumerate() {
            for (list, excepts) in [(matching, false), (except, true)] {
                for g in list {
                    globs.push(*g);
                    owner.push((i, excepts));
                }
            }
        }
        let regexes: Vec<&str> = globs.iter().map(|g| g.matcher.glob().regex()).collect();
        // The syntax and limits globset compiles its regexes with: bytes, not UTF-8; `.` matches
        // `\n`; 10 MiB for the automaton and for the DFA's cache (thousands of globs may not
        // build here: then they are matched one by one).
        let dfa = DFA::builder()
            .syntax(syntax::Config::new().utf8(false).dot_matches_new_line(true))
            .thompson(thompson::Config::new().nfa_size_limit(Some(LIMIT)))
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(LIMIT),
            )
            .build_many(&regexes)
            .ok();
        Matcher { dfa, globs, owner }
    }

    /// A scratch space for one thread.
    pub(crate) fn scratch<'p>(&self) -> Scratch<'p> {
        Scratch {
            cache: self.dfa.as_ref().map(DFA::create_cache),
            dirs: FxHashMap::default(),
            clears: 0,
            globs: Vec::new(),
        }
    }

    /// The rules that `path` is matched by and not excepted from, into `rules`.
    pub(crate) fn matching<'p>(
        &self,
        path: &'p [u8],
        scratch: &mut Scratch<'p>,
        rules: &mut Vec<usize>,
    ) {
        rules.clear();
        scratch.globs.clear();
        let found = match (&self.dfa, &mut scratch.cache) {
            (Some(dfa), Some(cache)) => dfa_matches(
                dfa,
                cache,
                &mut scratch.dirs,
                &mut scratch.clears,
                path,
                &mut scratch.globs,
            ),
            _ => None,
        };
        if found.is_none() {
            scratch.globs.clear();
            scratch
                .globs
                .extend((0..self.globs.len()).filter(|&i| self.globs[i].matches_path(path)));
        }
        let hits = &scratch.globs;
        let excepted = |r: usize| hits.iter().any(|&i| self.owner[i] == (r, true));
        for &i in hits {
            let (r, except) = self.owner[i];
            if !except && !rules.contains(&r) && !excepted(r) {
                rules.push(r);
            }
        }
    }
}

/// The globs matching `path`, by the DFA, into `globs`; `None` when the DFA gave up.
fn dfa_matches<'p>(
    dfa: &DFA,
    cache: &mut Cache,
    dirs: &mut FxHashMap<&'p [u8], LazyStateID>,
    clears: &mut usize,
    path: &'p [u8],
    globs: &mut Vec<usize>,
) -> Option<()> {
    let split = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let (dir, name) = path.split_at(split);
    if cache.clear_count() != *clears {
        dirs.clear();
        *clears = cache.clear_count();
    }
    let mut state = match dirs.get(dir) {
        Some(&state) => state,
        None => {
            let start = dfa
                .start_state(cache, &start::Config::new().anchored(Anchored::Yes))
                .ok()?;
            let state = walk(dfa, cache, start, dir)?;
            if cache.clear_count() != *clears {
                dirs.clear();
                *clears = cache.clear_count();
            }
            dirs.insert(dir, state);
            state
        }
    };
    state = walk(dfa, cache, state, name)?;
    state = dfa.next_eoi_state(cache, state).ok()?;
    if state.is_match() {
        for i in 0..dfa.match_len(cache, state) {
            globs.push(dfa.match_pattern(cache, state, i).as_usize());
        }
    }
    Some(())
}

/// The state after `bytes` from `state`; a dead state stays dead.
fn walk(dfa: &DFA, cache: &mut Cache, mut state: LazyStateID, bytes: &[u8]) -> Option<LazyStateID> {
    for &b in bytes {
        if state.is_dead() {
            break;
        }
        state = dfa.next_state(cache, state, b).ok()?;
    }
    (!state.is_quit()).then_some(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::preset::RECOMMENDED;

    /// The DFA and globset agree on every glob and path, whatever order the paths come in.
    #[test]
    fn dfa_matches_exactly_what_globset_matches() {
        let mut patterns: Vec<String> = RECOMMENDED
            .iter()
            .flat_map(|r| r.globs.iter().chain(r.except))
            .map(|g| g.to_string())
            .collect();
        patterns.extend(
            [
                "/**",
                "**",
                "/usr/lib/pkg1*/**",
                "/opt/vendor1/**/*.bak",
                "**/debug1/*.map",
                "/app/*.{js,map}",
                "/etc/[!a-m]*",
                "**/secrets.y*ml",
                "/tmp/**/*.core",
                "**/a?c",
                "/x/\\*",
                "**/café/**",
            ]
            .map(String::from),
        );
        let globs: Vec<Glob> = patterns
            .iter()
            .map(|p| Glob::path(p).expect("glob"))
            .collect();
        let rules: Vec<RuleGlobs<'_>> = globs.iter().map(|g| (vec![g], Vec::new())).collect();
        let mut matcher = Matcher::build(&rules);
        assert!(matcher.dfa.is_some());
        let paths: Vec<&[u8]> = [
            "/var/lib/apt/lists/x",
            "/var/lib/apt/lists/lock",
            "/var/lib/apt/lists/partial/y",
            "/var/lib/apt/listsx",
            "/root/.cache/pip/wheels/a.whl",
            "/home/u/.cache/pip/x",
            "/usr/lib/python3/__pycache__/m.cpython-311.pyc",
            "/app/m.pyc",
            "/core",
            "/srv/core.1234",
            "/srv/core.x",
            "/usr/lib/pkg1/sub/a.so",
            "/usr/lib/pkg10/a",
            "/usr/lib/pkg2/a",
            "/opt/vendor1/a/b/c.bak",
            "/opt/vendor1/c.bak",
            "/x/debug1/a.map",
            "/x/y/debug1/b/a.map",
            "/app/main.js",
            "/app/main.map",
            "/app/sub/main.js",
            "/etc/passwd",
            "/etc/apt",
            "/etc/secrets.yaml",
            "/etc/secrets.yml",
            "/tmp/a/b/x.core",
            "/abc",
            "/q/a-c",
            "/x/*",
            "/x/y",
            "/srv/café/menu",
            "/srv/cafe/menu",
            "/usr/share/doc/x/copyright",
            "/usr/share/man/man1/ls.1.gz",
            "/.git/config",
            "/src/.git/objects/ab/cd",
            "/",
            "/a\nb",
        ]
        .iter()
        .map(|p| p.as_bytes())
        .chain([&b"/bin/\xff\xfe"[..], &b"/usr/share/doc/\xff/x"[..]])
        .collect();
        let mut rules = Vec::new();
        // Twice, so that the second round starts from the directory states kept; then without
        // the DFA, as when it does not build.
        let mut scratch = matcher.scratch();
        for round in 0..3 {
            if round == 2 {
                matcher.dfa = None;
                scratch = matcher.scratch();
            }
            for path in &paths {
                matcher.matching(path, &mut scratch, &mut rules);
                rules.sort_unstable();
                let want: Vec<usize> = (0..globs.len())
                    .filter(|&i| globs[i].matches_path(path))
                    .collect();
                assert_eq!(rules, want, "{}", String::from_utf8_lossy(path));
            }
        }
    }

    #[test]
    fn an_excepted_path_is_not_matched_by_its_rule() {
        let (apt, lock) = (
            Glob::path("/var/lib/apt/lists/**").expect("glob"),
            Glob::path("/var/lib/apt/lists/lock").expect("glob"),
        );
        let matcher = Matcher::build(&[(vec![&apt], vec![&lock])]);
        let mut scratch = matcher.scratch();
        let mut rules = Vec::new();
        matcher.matching(b"/var/lib/apt/lists/lock", &mut scratch, &mut rules);
        assert!(rules.is_empty());
        matcher.matching(b"/var/lib/apt/lists/x", &mut scratch, &mut rules);
        assert_eq!(rules, [0]);
    }
}
