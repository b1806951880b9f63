//! The numbers rules compare ([`Measure`]: bytes, counts, ratios): how a policy writes them (`450MB`,
//! `450 MiB`, `1.5GiB`, `300kb`, plain byte counts; `95%`, `0.95`) and how reports show them
//! (`25.98 kB`, `48.81 %`).

use std::fmt;

use serde::Serialize;

/// A number a rule compares: bytes, a count, or a ratio; or how much bytes or a count changed
/// against a baseline, which may be less than nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Measure {
    /// Bytes.
    Bytes(u64),
    /// A count (layers, files).
    Count(u64),
    /// A ratio (1.0 = 100 %).
    Ratio(f64),
    /// A change of bytes against the baseline: negative when they shrank.
    ByteChange(i128),
    /// A change of a count against the baseline: negative when it fell.
    CountChange(i128),
}

impl Measure {
    /// The value as a float, to compare and to compute how far over the limit it is.
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Measure::Bytes(b) | Measure::Count(b) => b as f64,
            Measure::Ratio(r) => r,
            Measure::ByteChange(d) | Measure::CountChange(d) => d as f64,
        }
    }
}

/// `{"unit": "bytes"|"count"|"ratio", "value": N}`: a change is written in the unit of what
/// changed, with its sign, so that a reader of the JSON needs no new unit for it.
impl Serialize for Measure {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Tagged<T> {
            unit: &'static str,
            value: T,
        }
        match *self {
            Measure::Bytes(value) => Tagged {
                unit: "bytes",
                value,
            }
            .serialize(s),
            Measure::Count(value) => Tagged {
                unit: "count",
                value,
            }
            .serialize(s),
            Measure::Ratio(value) => Tagged {
                unit: "ratio",
                value,
            }
            .serialize(s),
            Measure::ByteChange(value) => Tagged {
                unit: "bytes",
                value,
            }
            .serialize(s),
            Measure::CountChange(value) => Tagged {
                unit: "count",
                value,
            }
            .serialize(s),
        }
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Measure::Bytes(b) => f.write_str(&human_size(*b)),
            Measure::Count(c) => write!(f, "{c}"),
            Measure::Ratio(r) => f.write_str(&human_ratio(*r)),
            Measure::ByteChange(d) => f.write_str(&signed_size(*d)),
            Measure::CountChange(d) => f.write_str(&signed_count(*d)),
        }
    }
}

/// The kinds of limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    /// A size.
    Bytes,
    /// A whole number.
    Count,
    /// A percentage or fraction.
    Ratio,
    /// How much a size may grow against the baseline: a size with its unit (`20MB`), or a
    /// percentage of the base's value (`5%`).
    SizeOrShare,
    /// How much a count may grow against the baseline: a whole number, or a percentage of the
    /// base's count (`10%`).
    CountOrShare,
}

/// Units a size may carry, lower-cased, with their factor. SI units are powers of 1000 and IEC
/// units powers of 1024; `k`, `m`, `g`, `t` alone are SI, as in dive's `.dive-ci`.
const UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("k", 1_000),
    ("kb", 1_000),
    ("m", 1_000_000),
    ("mb", 1_000_000),
    ("g", 1_000_000_000),
    ("gb", 1_000_000_000),
    ("t", 1_000_000_000_000),
    ("tb", 1_000_000_000_000),
    ("kib", 1 << 10),
    ("mib", 1 << 20),
    ("gib", 1 << 30),
    ("tib", 1 << 40),
];

/// Parses a size with an optional unit (any case, optional space) into bytes. Fractions are
/// allowed with a unit (`1.5GiB`) and rounded to the nearest byte.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(text.len());
    let (number, unit) = (text[..split].trim(), text[split..].trim());
    if number.is_empty() {
        return Err(format!(
            "`{text}` is not a size: it must start with a number, e.g. 450MB"
        ));
    }
    let factor = if unit.is_empty() {
        1
    } else {
        let lower = unit.to_ascii_lowercase();
        UNITS
            .iter()
            .find(|(u, _)| *u == lower)
            .map(|(_, f)| *f)
            .ok_or_else(|| {
                format!("unknown size unit `{unit}`: use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)")
            })?
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{number}` is not a number"))?;
    if !value.is_finite() {
        return Err(format!("`{text}` is not a finite size"));
    }
    if value < 0.0 {
        return Err(format!("`{text}` is negative: sizes are 0 or more"));
    }
    if unit.is_empty() && number.contains('.') {
        return Err(format!(
            "`{text}` is a fraction of a byte: give whole bytes or a unit"
        ));
    }
    let bytes = (value * factor as f64).round();
    if bytes >= u64::MAX as f64 {
        return Err(format!("`{text}` is too large"));
    }
    Ok(bytes as u64)
}

/// The largest headroom `init` takes: limits ten times today's numbers are no gate at all.
const MAX_HEADROOM: f64 = 10.0;

/// Parses `init --headroom`: a percentage (`20%`), or a bare number that is a percentage when it
/// is 1 or more (`20`: people write headroom in percent) and a fraction below 1 (`0.2`). Both
/// readings give 20 %; `1` is 1 %, for 100 % write `100%`. Negative, non-finite and absurd values
/// (over 1000 %) are refused.
pub fn parse_headroom(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, percent) = match text.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (text, false),
    };
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a headroom: write a percentage (20%, or 20) or a fraction (0.2)")
    })?;
    if !value.is_finite() {
        return Err(format!("`{text}` is not a finite number"));
    }
    if value < 0.0 {
        return Err(format!(
            "`{text}` is negative: the limits go at or above today's numbers (0% or more)"
        ));
    }
    let ratio = if percent || value >= 1.0 {
        value / 100.0
    } else {
        value
    };
    if ratio > MAX_HEADROOM {
        return Err(format!(
            "`{text}` is over {}: limits that far above today's numbers would catch no growth",
            short_ratio(MAX_HEADROOM)
        ));
    }
    Ok(ratio)
}

/// Parses a ratio: a percentage (`95%`, `12.5 %`) or a plain number (`0.95`).
pub(crate) fn parse_ratio(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n.trim(), 100.0),
        None => (text, 1.0),
    };
    let value: f64 = number.parse().map_err(|_| {
        format!("`{text}` is not a ratio: write a percentage (95%) or a number (0.95)")
    })?;
    check_ratio(value / scale).map_err(|e| format!("`{text}` {e}"))
}

/// Checks a ratio given as a number.
pub(crate) fn check_ratio(value: f64) -> Result<f64, String> {
    if !value.is_finite() {
        Err("is not a finite number".into())
    } else if value < 0.0 {
        Err("is negative: ratios are 0 or more".into())
    } else {
        Ok(value)
    }
}

/// Sizes as people read them: decimal units like `docker images` (`25.98 kB`).
pub(crate) fn human_size(bytes: u64) -> String {
    humansize::format_size(bytes, humansize::DECIMAL)
}

/// Shows a ratio as a percentage (`48.81 %`).
pub(crate) fn human_ratio(ratio: f64) -> String {
    format!("{:.2} %", ratio * 100.0)
}

/// Shows a ratio as a policy would write it: a percentage without trailing zeros (`150 %`,
/// `194.69 %`).
pub(crate) fn short_ratio(ratio: f64) -> String {
    let fixed = format!("{:.2}", ratio * 100.0);
    let trimmed = match fixed.contains('.') {
        true => fixed.trim_end_matches('0').trim_end_matches('.'),
        false => &fixed,
    };
    format!("{trimmed} %")
}

/// A signed change of bytes as people read it: `+5.00 MB`, `-25.98 kB`, `0 B`.
pub(crate) fn signed_size(delta: i128) -> String {
    let magnitude = u64::try_from(delta.unsigned_abs()).unwrap_or(u64::MAX);
    match delta.signum() {
        1 => format!("+{}", human_size(magnitude)),
        -1 => format!("-{}", human_size(magnitude)),
        _ => human_size(0),
    }
}

/// A signed change of a count: `+3`, `-1`, `0`.
pub(crate) fn signed_count(delta: i128) -> String {
    if delta > 0 {
        format!("+{delta}")
    } else {
        delta.to_string()
    }
}

/// A change relative to its base, `+43.8 %`; `None` when the base is 0.
pub(crate) fn signed_percent(base: u64, delta: i128) -> Option<String> {
    // f64 keeps three significant digits of any u64.
    #[allow(clippy::cast_precision_loss)]
    let percent = (base > 0).then(|| delta as f64 / base as f64 * 100.0)?;
    // A change too small for one decimal still shows its sign: never `+0.0 %` for a growth.
    if delta != 0 && percent.abs() < 0.05 {
        return Some(format!("{}<0.1 %", if delta > 0 { "+" } else { "-" }));
    }
    Some(format!("{percent:+.1} %"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_si_and_iec_units_in_any_case() {
        assert_eq!(parse_size("450MB"), Ok(450_000_000));
        assert_eq!(parse_size("450 MiB"), Ok(450 * 1024 * 1024));
        assert_eq!(parse_size("1.5GiB"), Ok(1_610_612_736));
        assert_eq!(parse_size("300kb"), Ok(300_000));
        assert_eq!(parse_size("20Mb"), Ok(20_000_000));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("7 B"), Ok(7));
    }

    #[test]
    fn bad_sizes_say_what_is_wrong() {
        assert!(parse_size("-5MB")
            .expect_err("must fail")
            .contains("negative"));
        assert!(parse_size("5 parsecs")
            .expect_err("must fail")
            .contains("unknown size unit `parsecs`"));
        assert!(parse_size("MB")
            .expect_err("must fail")
            .contains("must start with a number"));
        assert!(parse_size("99999999999TB")
            .expect_err("must fail")
            .contains("too large"));
        assert!(parse_size("1.5")
            .expect_err("must fail")
            .contains("fraction"));
        assert!(parse_size("1.2.3MB")
            .expect_err("must fail")
            .contains("not a number"));
    }

    #[test]
    fn short_ratios_drop_trailing_zeros() {
        assert_eq!(short_ratio(1.5), "150 %");
        assert_eq!(short_ratio(95.0), "9500 %");
        assert_eq!(short_ratio(1.946911834040547), "194.69 %");
        assert_eq!(short_ratio(0.125), "12.5 %");
        assert_eq!(short_ratio(0.0), "0 %");
    }

    #[test]
    fn ratios_as_percent_or_number() {
        assert_eq!(parse_ratio("95%"), Ok(0.95));
        assert_eq!(parse_ratio("12.5 %"), Ok(0.125));
        assert_eq!(parse_ratio("0.5"), Ok(0.5));
        assert!(parse_ratio("-1%")
            .expect_err("must fail")
            .contains("negative"));
        assert!(parse_ratio("NaN")
            .expect_err("must fail")
            .contains("finite"));
        assert!(parse_ratio("lots")
            .expect_err("must fail")
            .contains("not a ratio"));
    }

    #[test]
    fn headroom_is_a_percentage_or_a_fraction_below_one() {
        let close = |text: &str, want: f64| {
            let got = parse_headroom(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert!((got - want).abs() < 1e-12, "{text}: {got} != {want}");
        };
        close("20%", 0.2);
        close("20 %", 0.2);
        close("20", 0.2);
        close("0.2", 0.2);
        close(" 12.5 ", 0.125);
        close("0", 0.0);
        close("0%", 0.0);
        close("1", 0.01);
        close("0.999", 0.999);
        close("100%", 1.0);
        close("1000%", 10.0);
        close("1000", 10.0);
    }

    #[test]
    fn headroom_refuses_what_is_no_headroom() {
        let refused = |text: &str, why: &str| {
            let e = parse_headroom(text).expect_err(text);
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.starts_with(&format!("`{}`", text.trim())), "{text}: {e}");
        };
        refused("-5%", "negative");
        refused("-0.1", "negative");
        refused("NaN", "finite");
        refused("inf", "finite");
        refused("-inf%", "finite");
        refused("1001%", "over 1000 %");
        refused("1e9", "over 1000 %");
        refused("lots", "not a headroom");
        refused("", "not a headroom");
        refused("%", "not a headroom");
        refused("20%%", "not a headroom");
    }

    #[test]
    fn changes_carry_their_sign() {
        assert_eq!(signed_size(5_000_000), "+5 MB");
        assert_eq!(signed_size(-25982), "-25.98 kB");
        assert_eq!(signed_size(0), "0 B");
        assert_eq!(signed_count(3), "+3");
        assert_eq!(signed_count(-1), "-1");
        assert_eq!(
            signed_percent(11_420_000, 5_000_000).as_deref(),
            Some("+43.8 %")
        );
        assert_eq!(signed_percent(200, -50).as_deref(), Some("-25.0 %"));
        assert_eq!(signed_percent(0, 5), None);
        assert_eq!(signed_percent(25_982, 12).as_deref(), Some("+<0.1 %"));
        assert_eq!(signed_percent(25_982, -12).as_deref(), Some("-<0.1 %"));
        assert_eq!(signed_percent(25_982, 0).as_deref(), Some("+0.0 %"));
    }

    #[test]
    fn changes_are_written_in_the_unit_of_what_changed_with_their_sign() {
        let json = |m: Measure| serde_json::to_value(m).ok();
        assert_eq!(
            json(Measure::ByteChange(-5000)),
            Some(serde_json::json!({"unit": "bytes", "value": -5000}))
        );
        assert_eq!(
            json(Measure::CountChange(3)),
            Some(serde_json::json!({"unit": "count", "value": 3}))
        );
        assert_eq!(
            json(Measure::Bytes(7)),
            Some(serde_json::json!({"unit": "bytes", "value": 7}))
        );
        assert_eq!(Measure::ByteChange(5_000_000).to_string(), "+5 MB");
        assert_eq!(Measure::CountChange(-2).to_string(), "-2");
    }
}
