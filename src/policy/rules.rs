//! The checked form of a policy: a flat list of rules, each with what it measures, its limit, its
//! severity, its reason and the place it was written.

use super::yaml::Pos;
use crate::severity::Severity;
use crate::units::{Measure, Unit};
use globset::{GlobBuilder, GlobMatcher};

/// One rule of a policy.
#[derive(Debug, Clone)]
pub struct Rule {
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
pub enum RuleKind {
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

/// The image totals a policy can limit (`image:` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageMetric {
    /// `max_size`: the image size.
    Size,
    /// `max_compressed_size`: the stored size of compressed layers.
    CompressedSize,
    /// `max_final_size`: bytes visible in the final filesystem.
    FinalSize,
    /// `max_layers`: the layer count.
    Layers,
    /// `max_wasted`: bytes overwritten or deleted by later layers.
    Wasted,
    /// `max_wasted_percent`: wasted bytes over the image size.
    WastedPercent,
    /// `max_files`: files of the final filesystem.
    Files,
}

impl ImageMetric {
    /// Every metric, in the order the `image:` section documents them.
    pub const ALL: [ImageMetric; 7] = [
        ImageMetric::Size,
        ImageMetric::CompressedSize,
        ImageMetric::FinalSize,
        ImageMetric::Layers,
        ImageMetric::Wasted,
        ImageMetric::WastedPercent,
        ImageMetric::Files,
    ];

    /// The policy key.
    pub fn key(self) -> &'static str {
        match self {
            ImageMetric::Size => "max_size",
            ImageMetric::CompressedSize => "max_compressed_size",
            ImageMetric::FinalSize => "max_final_size",
            ImageMetric::Layers => "max_layers",
            ImageMetric::Wasted => "max_wasted",
            ImageMetric::WastedPercent => "max_wasted_percent",
            ImageMetric::Files => "max_files",
        }
    }

    /// What the metric is, for messages.
    pub fn noun(self) -> &'static str {
        match self {
            ImageMetric::Size => "image size",
            ImageMetric::CompressedSize => "compressed size",
            ImageMetric::FinalSize => "final size",
            ImageMetric::Layers => "layer count",
            ImageMetric::Wasted => "wasted bytes",
            ImageMetric::WastedPercent => "wasted share",
            ImageMetric::Files => "final file count",
        }
    }

    /// The kind of limit the key takes.
    pub fn unit(self) -> Unit {
        match self {
            ImageMetric::Layers | ImageMetric::Files => Unit::Count,
            ImageMetric::WastedPercent => Unit::Ratio,
            _ => Unit::Bytes,
        }
    }
}

/// dive's three CI rules (`dive:` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiveMetric {
    /// `min_efficiency` (dive: `lowestEfficiency`): fails when efficiency < limit.
    MinEfficiency,
    /// `max_wasted_bytes` (dive: `highestWastedBytes`): fails when wasted > limit.
    MaxWastedBytes,
    /// `max_user_wasted_percent` (dive: `highestUserWastedPercent`): fails when percent > limit.
    MaxUserWastedPercent,
}

impl DiveMetric {
    /// Every dive rule.
    pub const ALL: [DiveMetric; 3] = [
        DiveMetric::MinEfficiency,
        DiveMetric::MaxWastedBytes,
        DiveMetric::MaxUserWastedPercent,
    ];

    /// The policy key.
    pub fn key(self) -> &'static str {
        match self {
            DiveMetric::MinEfficiency => "min_efficiency",
            DiveMetric::MaxWastedBytes => "max_wasted_bytes",
            DiveMetric::MaxUserWastedPercent => "max_user_wasted_percent",
        }
    }

    /// dive's own name for the rule, as in a `.dive-ci` file.
    pub fn dive_key(self) -> &'static str {
        match self {
            DiveMetric::MinEfficiency => "lowestEfficiency",
            DiveMetric::MaxWastedBytes => "highestWastedBytes",
            DiveMetric::MaxUserWastedPercent => "highestUserWastedPercent",
        }
    }

    /// The kind of limit the key takes.
    pub fn unit(self) -> Unit {
        match self {
            DiveMetric::MaxWastedBytes => Unit::Bytes,
            _ => Unit::Ratio,
        }
    }
}

/// A total that a section of limits names by key (`image.max_size`, `dive.min_efficiency`).
pub trait Metric: Copy {
    /// The policy key.
    fn key(self) -> &'static str;
    /// The kind of limit the key takes.
    fn unit(self) -> Unit;
    /// The rule kind that limits this metric to `limit`.
    fn kind(self, limit: Measure) -> RuleKind;
}

impl Metric for ImageMetric {
    fn key(self) -> &'static str {
        ImageMetric::key(self)
    }
    fn unit(self) -> Unit {
        ImageMetric::unit(self)
    }
    fn kind(self, limit: Measure) -> RuleKind {
        RuleKind::Image {
            metric: self,
            limit,
        }
    }
}

impl Metric for DiveMetric {
    fn key(self) -> &'static str {
        DiveMetric::key(self)
    }
    fn unit(self) -> Unit {
        DiveMetric::unit(self)
    }
    fn kind(self, limit: Measure) -> RuleKind {
        RuleKind::Dive {
            metric: self,
            limit,
        }
    }
}

/// Which layers a budget applies to: by index, by `created_by` glob, or both.
#[derive(Debug, Clone)]
pub struct LayerSelect {
    /// Indexes; negative ones count from the top (`-1` is the top layer).
    pub index: Option<IndexRange>,
    /// A glob on the build instruction (`*` matches anything, `/` included).
    pub created_by: Option<Glob>,
}

impl LayerSelect {
    /// Whether the layer at `index` of `count`, made by `created_by`, is selected.
    pub fn matches(&self, index: usize, count: usize, created_by: Option<&str>) -> bool {
        self.index.as_ref().is_none_or(|r| r.contains(index, count))
            && self
                .created_by
                .as_ref()
                .is_none_or(|g| g.matcher.is_match(created_by.unwrap_or("")))
    }
}

/// Layer indexes as written: `3`, `-1`, `1..`, `..3`, `2..5`, `2..=5` (ends exclusive unless `=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexRange {
    /// First index, inclusive; `None` from the bottom.
    pub start: Option<i64>,
    /// Last index, exclusive; `None` to the top.
    pub end: Option<i64>,
}

impl IndexRange {
    /// Just the layer at `i` (negative: counted from the top).
    pub fn single(i: i64) -> IndexRange {
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
    pub fn contains(&self, index: usize, count: usize) -> bool {
        let resolve = |i: i64| if i < 0 { count as i64 + i } else { i };
        let i = index as i64;
        self.start.is_none_or(|s| i >= resolve(s)) && self.end.is_none_or(|e| i < resolve(e))
    }
}

/// A compiled glob and the text it was written as.
#[derive(Debug, Clone)]
pub struct Glob {
    /// As written in the policy.
    pub pattern: String,
    /// Compiled.
    pub matcher: GlobMatcher,
}

impl Glob {
    /// A glob on absolute paths: `*` stays within one path component, `**` crosses them.
    pub fn path(pattern: &str) -> Result<Glob, String> {
        if !(pattern.starts_with('/') || pattern.starts_with("**")) {
            return Err(format!(
                "path globs are absolute: write `/{pattern}`, or `**/{pattern}` to match at any depth"
            ));
        }
        Self::build(pattern, true)
    }

    /// A glob on free text such as a build instruction: `*` matches anything.
    pub fn text(pattern: &str) -> Result<Glob, String> {
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
    pub fn matches_path(&self, path: &[u8]) -> bool {
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
