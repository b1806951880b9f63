//! The checked form of a policy: a flat list of rules, each with what it measures, its limit, its
//! severity, its reason and the place it was written.

use super::metric::{BaselineMetric, DiveMetric, ImageMetric};
use super::yaml::Pos;
use crate::severity::Severity;
use crate::units::Measure;
use globset::{GlobBuilder, GlobMatcher};

/// A rule's identity within one run: its index across all the policies applied, in the order they
/// are given (a `sizegate.yml`, then a `.dive-ci`). Scans, results and findings are joined to their
/// rule by it, never by position or by name, which two policy files may share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub(crate) struct RuleId(pub(crate) u32);

/// One rule of a policy.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    /// Stable name shown in reports: `image.max_size`, `layers[1]`, `forbid[0]`,
    /// `recommended/apt-lists`.
    pub name: String,
    /// What is checked.
    pub kind: RuleKind,
    /// What a failure means.
    pub severity: Severity,
    /// Why the rule exists, printed with its findings.
    pub reason: Option<String>,
    /// Where the rule is written in the policy file (for preset rules: the `extends` entry).
    pub pos: Option<Pos>,
}

/// What a rule checks.
#[derive(Debug, Clone)]
pub(crate) enum RuleKind {
    /// An image total must not exceed a limit.
    Image {
        /// Which total.
        metric: ImageMetric,
        /// The largest value that passes.
        limit: Measure,
    },
    /// One of dive's three rules, with dive's strict comparisons.
    Dive {
        /// Which metric.
        metric: DiveMetric,
        /// dive's threshold.
        limit: Measure,
    },
    /// How much a number may grow against the baseline (`check --baseline BASE`); skipped, not
    /// passed, when there is no base image to compare with.
    Baseline {
        /// What grew.
        metric: BaselineMetric,
        /// The most it may grow: bytes or a count (`Measure::Bytes`, `Measure::Count`), or a
        /// share of the base's value (`Measure::Ratio`, 0.05 = 5 %).
        limit: Measure,
    },
    /// A budget for the layers a selector picks, each layer on its own.
    Layer {
        /// Which layers.
        select: LayerSelect,
        /// Largest layer size that passes.
        max_size: Option<u64>,
        /// Most files a layer may hold.
        max_files: Option<u64>,
    },
    /// A budget for the files of the final filesystem that a glob matches, summed.
    Path {
        /// The files counted.
        glob: Glob,
        /// Largest sum that passes.
        max_size: Option<u64>,
        /// Most files that pass.
        max_files: Option<u64>,
    },
    /// Paths that must not ship in any layer, even when a later layer deletes them.
    Forbid {
        /// Any of these matches.
        globs: Vec<Glob>,
        /// Except these.
        except: Vec<Glob>,
        /// How to fix it (preset rules carry one).
        hint: Option<String>,
    },
}

impl RuleKind {
    /// Whether the rule needs the files of the layers, or only what the manifest and config
    /// say: the layer count and the stored (compressed) size.
    pub(crate) fn needs_files(&self) -> bool {
        !matches!(
            self,
            RuleKind::Image {
                metric: ImageMetric::CompressedSize | ImageMetric::Layers,
                ..
            }
        )
    }
}

/// Which layers a budget applies to: by index, by `created_by` glob, or both.
#[derive(Debug, Clone)]
pub(crate) struct LayerSelect {
    /// Indexes; negative ones count from the top (`-1` is the top layer).
    pub index: Option<IndexRange>,
    /// A glob on the build instruction (`*` matches anything, `/` included).
    pub created_by: Option<Glob>,
}

impl LayerSelect {
    /// Whether the layer at `index` of `count`, made by `created_by`, is selected.
    pub(crate) fn matches(&self, index: usize, count: usize, created_by: Option<&str>) -> bool {
        self.index.as_ref().is_none_or(|r| r.contains(index, count))
            && self
                .created_by
                .as_ref()
                .is_none_or(|g| g.matcher.is_match(created_by.unwrap_or("")))
    }
}

/// Layer indexes as written: `3`, `-1`, `1..`, `..3`, `2..5`, `2..=5` (ends exclusive unless `=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IndexRange {
    /// First index, inclusive; `None` from the bottom.
    pub start: Option<i64>,
    /// Last index, exclusive; `None` to the top.
    pub end: Option<i64>,
}

impl IndexRange {
    /// Just the layer at `i` (negative: counted from the top).
    pub(crate) fn single(i: i64) -> IndexRange {
        IndexRange {
            start: Some(i),
            // -1 is the top layer: its end is past every index.
            end: Some(if i == -1 {
                i64::MAX
            } else {
                i.saturating_add(1)
            }),
        }
    }

    /// Whether `index` of `count` layers falls in the range.
    pub(crate) fn contains(&self, index: usize, count: usize) -> bool {
        let resolve = |i: i64| if i < 0 { count as i64 + i } else { i };
        let i = index as i64;
        self.start.is_none_or(|s| i >= resolve(s)) && self.end.is_none_or(|e| i < resolve(e))
    }
}

/// A compiled glob and the text it was written as.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    /// As written in the policy.
    pub pattern: String,
    /// Compiled.
    pub matcher: GlobMatcher,
}

impl Glob {
    /// A glob on absolute paths: `*` stays within one path component, `**` crosses them.
    pub(crate) fn path(pattern: &str) -> Result<Glob, String> {
        if !(pattern.starts_with('/') || pattern.starts_with("**")) {
            return Err(format!(
                "path globs are absolute: write `/{pattern}`, or `**/{pattern}` to match at any depth"
            ));
        }
        Self::build(pattern, true)
    }

    /// A glob on free text such as a build instruction: `*` matches anything.
    pub(crate) fn text(pattern: &str) -> Result<Glob, String> {
        Self::build(pattern, false)
    }

    fn build(pattern: &str, literal_separator: bool) -> Result<Glob, String> {
        let glob = GlobBuilder::new(pattern)
            .literal_separator(literal_separator)
            .backslash_escape(true)
            .build()
            .map_err(|e| e.kind().to_string())?;
        Ok(Glob {
            pattern: pattern.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether an image path (raw bytes) matches.
    pub(crate) fn matches_path(&self, path: &[u8]) -> bool {
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            self.matcher
                .is_match(std::path::Path::new(std::ffi::OsStr::from_bytes(path)))
        }
        #[cfg(not(unix))]
        {
            self.matcher.is_match(&*String::from_utf8_lossy(path))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_ranges_count_negative_from_the_top() {
        let r = |start, end| IndexRange { start, end };
        assert!(r(Some(-1), None).contains(5, 6));
        assert!(!r(Some(-1), None).contains(4, 6));
        assert!(r(Some(1), None).contains(1, 6));
        assert!(!r(Some(1), None).contains(0, 6));
        assert!(r(None, Some(3)).contains(2, 6));
        assert!(!r(None, Some(3)).contains(3, 6));
        assert!(r(Some(2), Some(5)).contains(4, 6));
        assert!(r(Some(3), Some(4)).contains(3, 6));
    }

    #[test]
    fn path_globs_keep_star_within_a_component() {
        let g = Glob::path("/usr/lib/*.so").expect("glob");
        assert!(g.matches_path(b"/usr/lib/libfoo.so"));
        assert!(!g.matches_path(b"/usr/lib/x/libfoo.so"));
        let g = Glob::path("**/__pycache__/**").expect("glob");
        assert!(g.matches_path(b"/opt/app/__pycache__/app.cpython-311.pyc"));
        assert!(Glob::path("usr/lib")
            .expect_err("must fail")
            .contains("absolute"));
        assert!(Glob::path("/usr/[lib").is_err());
    }

    #[test]
    fn text_globs_cross_slashes() {
        let g = Glob::text("*apt-get install*").expect("glob");
        assert!(g.matcher.is_match("/bin/sh -c apt-get install -y curl"));
    }
}
