//! Readers for the values of a policy: each checks the type and the contents of one YAML node and
//! records a diagnostic at its position when it is wrong, so reading goes on and every problem of
//! the file is reported together.

use super::diagnostic::Diagnostics;
use super::rules::{Glob, IndexRange};
use super::yaml::{Key, Node, Pos, Value};
use crate::severity::Severity;
use crate::units::{check_ratio, parse_ratio, parse_size, short_ratio};
use crate::units::{Measure, Unit};

/// The entries of a mapping whose keys were checked against the allowed ones.
pub(super) struct Fields<'n> {
    entries: Vec<&'n (Key, Node)>,
}

impl<'n> Fields<'n> {
    /// The value of `key`, when present.
    pub(super) fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }
}

/// Reads a mapping named `what` (`image`, `layers[2]`) whose keys must be among `keys`. Unknown
/// keys are reported with the closest valid key and the full list (the YAML parser already
/// refuses a repeated key).
pub(super) fn fields<'n>(
    diags: &mut Diagnostics,
    node: &'n Node,
    what: &str,
    keys: &[&str],
) -> Option<Fields<'n>> {
    let Value::Map(entries) = &node.value else {
        diags
            .error(
                node.pos,
                format!("`{what}` must be a mapping, found {}", node.value.found()),
            )
            .help(format!("keys of `{what}`: {}", keys.join(", ")));
        return None;
    };
    let mut kept: Vec<&(Key, Node)> = Vec::new();
    for entry in entries {
        let key = &entry.0;
        if !keys.contains(&key.name.as_str()) {
            let d = diags.error(key.pos, format!("unknown key `{}` in `{what}`", key.name));
            match did_you_mean(&key.name, keys) {
                Some(s) => d.label(format!("did you mean `{s}`?")),
                None => d.label(format!("not a key of `{what}`")),
            };
            d.help(format!("valid keys: {}", keys.join(", ")));
        } else {
            kept.push(entry);
        }
    }
    Some(Fields { entries: kept })
}

/// The closest of `candidates` to a misspelled `word`, when one is close enough to be meant.
pub(super) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// The items of a list named `what`.
pub(super) fn list<'n>(diags: &mut Diagnostics, node: &'n Node, what: &str) -> Option<&'n [Node]> {
    match &node.value {
        Value::Seq(items) => Some(items),
        other => {
            diags.error(
                node.pos,
                format!("`{what}` must be a list, found {}", other.found()),
            );
            None
        }
    }
}

/// A string.
pub(super) fn string(diags: &mut Diagnostics, node: &Node, what: &str) -> Option<String> {
    match &node.value {
        Value::Str(s) => Some(s.clone()),
        other => {
            diags.error(
                node.pos,
                format!("`{what}` must be a string, found {}", other.found()),
            );
            None
        }
    }
}

/// One string or a list of strings, each with its position.
pub(super) fn strings(
    diags: &mut Diagnostics,
    node: &Node,
    what: &str,
) -> Option<Vec<(Pos, String)>> {
    match &node.value {
        Value::Str(s) => Some(vec![(node.pos, s.clone())]),
        Value::Seq(items) => {
            let mut out = Vec::new();
            for item in items {
                out.push((item.pos, string(diags, item, what)?));
            }
            if out.is_empty() {
                diags.error(node.pos, format!("`{what}` is an empty list"));
                return None;
            }
            Some(out)
        }
        other => {
            diags.error(
                node.pos,
                format!(
                    "`{what}` must be a string or a list of strings, found {}",
                    other.found()
                ),
            );
            None
        }
    }
}

/// `error` or `warn` (`warning` is accepted too).
pub(super) fn severity(diags: &mut Diagnostics, node: &Node, what: &str) -> Option<Severity> {
    match &node.value {
        Value::Str(s) if s == "error" => Some(Severity::Error),
        Value::Str(s) if s == "warn" || s == "warning" => Some(Severity::Warn),
        other => {
            let found = match other {
                Value::Str(s) => format!("`{s}`"),
                v => v.found(),
            };
            diags
                .error(
                    node.pos,
                    format!("`{what}` must be `error` or `warn`, found {found}"),
                )
                .label("not a severity");
            None
        }
    }
}

/// A limit of the given unit: a size (`450MB`, `1.5GiB`, bytes), a count, or a ratio (`95%`, 0.95).
pub(super) fn limit(
    diags: &mut Diagnostics,
    node: &Node,
    what: &str,
    unit: Unit,
) -> Option<Measure> {
    let bad = |diags: &mut Diagnostics, message: String| {
        diags.error(node.pos, message);
        None
    };
    match (unit, &node.value) {
        (Unit::Bytes, Value::Int(i)) if *i >= 0 => Some(Measure::Bytes(*i as u64)),
        (Unit::Bytes, Value::Int(_)) => {
            bad(diags, format!("`{what}` is negative: sizes are 0 or more"))
        }
        // YAML reads an integer too large for 64 bits as a float: say so rather than "must be a
        // whole number, found `100000000000000000000`".
        (Unit::Bytes | Unit::Count, Value::Float(f)) if *f >= i64::MAX as f64 => bad(
            diags,
            format!("`{what}` is too large: the largest limit is {}", i64::MAX),
        ),
        (Unit::Bytes | Unit::Count, Value::Float(f)) if *f <= i64::MIN as f64 => {
            bad(diags, format!("`{what}` is negative: limits are 0 or more"))
        }
        (Unit::Bytes, Value::Str(s)) => match parse_size(s) {
            Ok(b) => Some(Measure::Bytes(b)),
            Err(e) => bad(diags, format!("`{what}`: {e}")),
        },
        (Unit::Bytes, other) => bad(
            diags,
            format!(
                "`{what}` must be a size such as 450MB, 1.5GiB or a byte count, found {}",
                other.found()
            ),
        ),
        (Unit::Count, Value::Int(i)) if *i >= 0 => Some(Measure::Count(*i as u64)),
        (Unit::Count, Value::Int(_)) => {
            bad(diags, format!("`{what}` is negative: counts are 0 or more"))
        }
        (Unit::Count, other) => bad(
            diags,
            format!("`{what}` must be a whole number, found {}", other.found()),
        ),
        (Unit::Ratio, Value::Int(i)) => match check_ratio(*i as f64) {
            Ok(r) => Some(Measure::Ratio(r)),
            Err(e) => bad(diags, format!("`{what}` {e}")),
        },
        (Unit::Ratio, Value::Float(f)) => match check_ratio(*f) {
            Ok(r) => Some(Measure::Ratio(r)),
            Err(e) => bad(diags, format!("`{what}` {e}")),
        },
        (Unit::Ratio, Value::Str(s)) => match parse_ratio(s) {
            Ok(r) => Some(Measure::Ratio(r)),
            Err(e) => bad(diags, format!("`{what}`: {e}")),
        },
        (Unit::Ratio, other) => bad(
            diags,
            format!(
                "`{what}` must be a percentage (95%) or a fraction (0.95), found {}",
                other.found()
            ),
        ),
        (Unit::SizeOrShare | Unit::CountOrShare, _) => growth(diags, node, what, unit),
    }
}

/// A growth limit: a size or a count, or a percentage of the base's value (`Measure::Ratio`).
/// A bare number is refused where it could mean either: is `max_growth: 5` five bytes or 5 %,
/// and `max_new_files: 0.1` a tenth of a file or 10 %? Only 0 means the same both ways.
fn growth(diags: &mut Diagnostics, node: &Node, what: &str, unit: Unit) -> Option<Measure> {
    let sizes = unit == Unit::SizeOrShare;
    let expected = match sizes {
        true => "a size with its unit (20MB) or a percentage of the base (5%)",
        false => "a whole number of files (500) or a percentage of the base's files (10%)",
    };
    let share_or = |diags: &mut Diagnostics, text: &str| -> Option<Measure> {
        match parse_ratio(text) {
            Ok(r) => Some(Measure::Ratio(r)),
            Err(e) => {
                diags.error(node.pos, format!("`{what}`: {e}"));
                None
            }
        }
    };
    match &node.value {
        Value::Str(s) if s.trim_end().ends_with('%') => share_or(diags, s),
        Value::Int(i) if *i < 0 => {
            diags.error(
                node.pos,
                format!("`{what}` is negative: a growth limit is 0 or more"),
            );
            None
        }
        Value::Int(0) if sizes => Some(Measure::Bytes(0)),
        Value::Int(i) if !sizes => Some(Measure::Count(*i as u64)),
        Value::Int(i) => {
            diags
                .error(node.pos, format!("`{what}: {i}` has no unit"))
                .label("bytes or percent?")
                .help(format!(
                    "write `{i}B` for bytes, `{i}MB`, or `{i}%` of the base"
                ));
            None
        }
        Value::Str(s) if sizes => {
            let text = s.trim();
            if text.ends_with(|c: char| c.is_ascii_digit()) && !text.starts_with('-') {
                diags
                    .error(node.pos, format!("`{what}: {text}` has no unit"))
                    .label("bytes or percent?")
                    .help(format!(
                        "write `{text}B` for bytes, `{text}MB`, or `{text}%` of the base"
                    ));
                return None;
            }
            match parse_size(text) {
                Ok(b) => Some(Measure::Bytes(b)),
                Err(e) => {
                    diags.error(node.pos, format!("`{what}`: {e}"));
                    None
                }
            }
        }
        Value::Float(f) => {
            diags
                .error(
                    node.pos,
                    format!("`{what}` must be {expected}, found `{f}`"),
                )
                .help("a share of the base is written as a percentage: `5%`, not 0.05");
            None
        }
        other => {
            diags.error(
                node.pos,
                format!("`{what}` must be {expected}, found {}", other.found()),
            );
            None
        }
    }
}

/// Refuses a ratio over 100 % for a metric that can never pass 100 % (`because` says why): a
/// minimum there fails every image, a maximum none. Returns whether the limit is within reach.
pub(super) fn within_ceiling(
    diags: &mut Diagnostics,
    node: &Node,
    what: &str,
    ratio: f64,
    because: &str,
    minimum: bool,
) -> bool {
    if ratio <= 1.0 {
        return true;
    }
    let outcome = match minimum {
        true => "no image can pass",
        false => "no image can fail it",
    };
    diags
        .error(
            node.pos,
            format!(
                "`{what}` is {}, but {because}: {outcome}",
                short_ratio(ratio)
            ),
        )
        .label("over 100 %")
        .help("a ratio is a percentage (95%) or a fraction (0.95); a plain 95 means 9500 %");
    false
}

/// A glob on image paths (`*` within a component, `**` across).
pub(super) fn path_glob(
    diags: &mut Diagnostics,
    pos: Pos,
    pattern: &str,
    what: &str,
) -> Option<Glob> {
    match Glob::path(pattern) {
        Ok(g) => Some(g),
        Err(e) => {
            diags.error(pos, format!("`{what}`: bad glob `{pattern}`: {e}"));
            None
        }
    }
}

/// Layer indexes: an integer (`3`, `-1`) or a range string (`1..`, `..3`, `2..5`, `2..=5`).
pub(super) fn index_range(diags: &mut Diagnostics, node: &Node, what: &str) -> Option<IndexRange> {
    let parsed = match &node.value {
        Value::Int(i) => Ok(IndexRange::single(*i)),
        Value::Str(s) => parse_range(s).map_err(|e| format!("`{what}`: {e}")),
        other => Err(format!(
            "`{what}` must be an index (3, -1) or a range (\"1..\", \"..3\", \"2..5\"), found {}",
            other.found()
        )),
    };
    match parsed {
        Ok(r) => Some(r),
        Err(e) => {
            diags.error(node.pos, e);
            None
        }
    }
}

fn parse_range(text: &str) -> Result<IndexRange, String> {
    let text = text.trim();
    let number = |s: &str| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse()
            .map(Some)
            .map_err(|_| format!("`{text}`: `{s}` is not a layer index"))
    };
    let Some((start, end)) = text.split_once("..") else {
        let i = number(text)?.ok_or_else(|| "the index is empty".to_string())?;
        return Ok(IndexRange::single(i));
    };
    let (end, inclusive) = match end.strip_prefix('=') {
        Some(e) => (e, true),
        None => (end, false),
    };
    let start = number(start)?;
    let mut end = number(end)?;
    if inclusive {
        end = match end {
            Some(-1) => None,
            Some(e) => Some(e.saturating_add(1)),
            None => return Err(format!("`{text}`: `..=` needs an end")),
        };
    }
    // Ranges whose ends have the same sign can be checked now (no start is 0, so `..0` selects
    // nothing either); mixed signs depend on the image.
    if let (s, Some(e)) = (start.unwrap_or(0), end) {
        if (s >= 0) == (e >= 0) && e <= s {
            return Err(format!("`{text}` is an empty range: the end must be above the start (ends are exclusive; `..=` includes the end)"));
        }
    }
    Ok(IndexRange { start, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_like_rust() {
        let r = |s, e| Ok(IndexRange { start: s, end: e });
        assert_eq!(parse_range("1.."), r(Some(1), None));
        assert_eq!(parse_range("..3"), r(None, Some(3)));
        assert_eq!(parse_range("2..5"), r(Some(2), Some(5)));
        assert_eq!(parse_range("2..=5"), r(Some(2), Some(6)));
        assert_eq!(parse_range("-3.."), r(Some(-3), None));
        assert!(parse_range("5..2")
            .expect_err("must fail")
            .contains("empty range"));
        assert!(parse_range("3..3")
            .expect_err("must fail")
            .contains("empty range"));
        for empty in ["..0", "2..=1", "-1..-3"] {
            assert!(
                parse_range(empty)
                    .expect_err("must fail")
                    .contains("empty range"),
                "{empty}"
            );
        }
        assert_eq!(parse_range("..=-1"), r(None, None));
        // Mixed signs depend on the image: `..-1` is every layer but the last.
        assert_eq!(parse_range("..-1"), r(None, Some(-1)));
        assert_eq!(parse_range("..=-2"), r(None, Some(-1)));
        assert!(parse_range("a..3")
            .expect_err("must fail")
            .contains("not a layer index"));
    }

    /// What `growth` reads from the YAML value `yaml`, or the message of its error.
    fn growth_of(yaml: &str, unit: Unit) -> Result<Measure, String> {
        let node = crate::policy::yaml::parse(&format!("v: {yaml}\n")).expect("YAML");
        let Value::Map(entries) = node.value else {
            panic!("a mapping")
        };
        let mut diags = Diagnostics::default();
        let read = limit(&mut diags, &entries[0].1, "baseline.x", unit);
        match (read, diags.list.first()) {
            (Some(m), None) => Ok(m),
            (_, Some(d)) => Err(d.message.clone()),
            (None, None) => Err("refused without a diagnostic".into()),
        }
    }

    #[test]
    fn growth_limits_are_sizes_with_units_or_percentages_never_bare_numbers() {
        let size = |y| growth_of(y, Unit::SizeOrShare);
        assert_eq!(size("20MB"), Ok(Measure::Bytes(20_000_000)));
        assert_eq!(size("\"1.5 KiB\""), Ok(Measure::Bytes(1536)));
        assert_eq!(size("5%"), Ok(Measure::Ratio(0.05)));
        assert_eq!(size("150 %"), Ok(Measure::Ratio(1.5)));
        assert_eq!(size("0"), Ok(Measure::Bytes(0)));
        assert_eq!(size("5"), Err("`baseline.x: 5` has no unit".into()));
        assert_eq!(size("\"5\""), Err("`baseline.x: 5` has no unit".into()));
        assert_eq!(
            size("-5"),
            Err("`baseline.x` is negative: a growth limit is 0 or more".into())
        );
        assert!(size("-5MB").expect_err("negative").contains("negative"));
        assert!(size("-5%").expect_err("negative").contains("negative"));
        assert!(size("5 parsecs")
            .expect_err("unit")
            .contains("unknown size unit"));
        assert!(size("0.05").expect_err("float").contains("found `0.05`"));
        assert!(size("[1]").expect_err("list").contains("found a list"));
    }

    #[test]
    fn file_growth_limits_are_counts_or_percentages() {
        let files = |y| growth_of(y, Unit::CountOrShare);
        assert_eq!(files("500"), Ok(Measure::Count(500)));
        assert_eq!(files("0"), Ok(Measure::Count(0)));
        assert_eq!(files("10%"), Ok(Measure::Ratio(0.1)));
        assert!(files("-1").expect_err("negative").contains("negative"));
        assert!(files("1.5")
            .expect_err("float")
            .contains("a whole number of files"));
        assert!(files("5MB").expect_err("size").contains("found the string"));
    }

    #[test]
    fn did_you_mean_finds_close_keys_only() {
        let keys = ["max_size", "max_files", "max_layers"];
        assert_eq!(did_you_mean("max_szie", &keys), Some("max_size"));
        assert_eq!(did_you_mean("max_layer", &keys), Some("max_layers"));
        assert_eq!(did_you_mean("colour", &keys), None);
    }
}
