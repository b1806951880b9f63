//! dive's CI rules file (`.dive-ci`), read as dive 0.13 reads it, so a team can switch with no
//! edits: `rules.lowestEfficiency`, `rules.highestWastedBytes`, `rules.highestUserWastedPercent`;
//! a rule left out takes dive's default (0.9, disabled, 0.1); `disabled` (or `off`) turns one off;
//! sizes use decimal units (`20MB` and `20Mb` are 20,000,000 bytes). Other keys are ignored, as
//! dive does, with a warning when one looks like a misspelled rule (a rule's key in another case
//! too: older dive releases read keys in any case, 0.13 does not). A file or a `rules` that is not
//! a mapping is an error (dive 0.13 refuses it; older releases silently applied the defaults), and
//! so is a `lowestEfficiency` over 1, which no image can reach (dive refuses it too).

use super::diagnostic::{Diagnostics, PolicyErrors};
use super::metric::DiveMetric;
use super::metric::Metric;
use super::read::{did_you_mean, limit, within_ceiling};
use super::rules::{Rule, RuleKind};
use super::yaml::{Key, Node, Value};
use super::Policy;
use crate::severity::Severity;
use crate::units::{short_ratio, Measure};

/// dive's defaults for rules a `.dive-ci` leaves out.
fn default_limit(metric: DiveMetric) -> Option<Measure> {
    match metric {
        DiveMetric::MinEfficiency => Some(Measure::Ratio(0.9)),
        DiveMetric::MaxWastedBytes => None,
        DiveMetric::MaxUserWastedPercent => Some(Measure::Ratio(0.1)),
    }
}

/// Reads a `.dive-ci` file into dive's three rules (severity error, as dive fails the run).
pub(crate) fn parse(file: &str, text: &str) -> Result<Policy, PolicyErrors> {
    Policy::read(file, text, rules)
}

/// dive's three rules from the tree of a `.dive-ci`.
fn rules(root: &Node, diags: &mut Diagnostics) -> Vec<Rule> {
    let keys: Vec<&str> = DiveMetric::ALL.iter().map(|m| m.dive_key()).collect();
    let rules_node = match &root.value {
        // An empty file: dive's defaults.
        Value::Null => None,
        Value::Map(entries) => {
            warn_misspelled(diags, entries, &["rules"], "the file");
            entry(entries, "rules")
        }
        other => {
            diags
                .error(
                    root.pos,
                    format!(
                        "a dive CI file must be a mapping with a `rules` section, found {}",
                        other.found()
                    ),
                )
                .help(format!("write `rules:` and under it {}", keys.join(", ")));
            return Vec::new();
        }
    };
    let rule_entries = match rules_node.map(|n| (n, &n.value)) {
        None | Some((_, Value::Null)) => &[][..],
        Some((_, Value::Map(entries))) => entries.as_slice(),
        Some((node, other)) => {
            diags
                .error(
                    node.pos,
                    format!(
                        "`rules` must be a mapping of dive's rules, found {}",
                        other.found()
                    ),
                )
                .help(format!(
                    "dive's rules: {}; a list or a scalar sets none of them",
                    keys.join(", ")
                ));
            return Vec::new();
        }
    };
    warn_misspelled(diags, rule_entries, &keys, "`rules`");
    let mut rules = Vec::new();
    for &metric in DiveMetric::ALL {
        let name = format!("dive-ci.{}", metric.dive_key());
        let given = entry(rule_entries, metric.dive_key());
        let limit = match given {
            None => default_limit(metric),
            Some(node) if is_disabled(node) => None,
            Some(node) => rule_limit(diags, node, metric),
        };
        if let Some(limit) = limit {
            rules.push(Rule {
                name,
                kind: RuleKind::Dive { metric, limit },
                severity: Severity::Error,
                reason: None,
                pos: given.map(|n| n.pos),
            });
        }
    }
    rules
}

/// The limit of one of dive's rules, as dive reads it and within what its metric can be.
fn rule_limit(diags: &mut Diagnostics, node: &Node, metric: DiveMetric) -> Option<Measure> {
    let what = format!("rules.{}", metric.dive_key());
    let measure = limit(diags, &as_dive_reads(node), &what, metric.unit())?;
    let Measure::Ratio(r) = measure else {
        return Some(measure);
    };
    if let Some(because) = metric.ceiling() {
        if !within_ceiling(diags, node, &what, r, because, metric.is_minimum()) {
            return None;
        }
    }
    // dive's user wasted percent can pass 100 % (it sets all wasted bytes against the bytes above
    // the base layer), so such a limit means something; dive itself refuses it, though.
    if r > 1.0 {
        diags
            .warn(
                node.pos,
                format!(
                    "`{what}` is {}: dive itself refuses a value over 1 (its range is 0 to 1)",
                    short_ratio(r)
                ),
            )
            .label("sizegate applies it")
            .help("dive's user wasted percent can pass 100 %, so the limit is kept; dive would stop with `CI Misconfigured`");
    }
    Some(measure)
}

/// The value of `key` among `entries`. Keys are compared exactly, as dive 0.13 reads the file
/// (with yaml.v3, into fields named `rules`, `lowestEfficiency`, …).
fn entry<'n>(entries: &'n [(Key, Node)], key: &str) -> Option<&'n Node> {
    entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v)
}

/// Warns about keys that are not among `known` but look like a misspelling of one (or are one
/// in another case, which older dive releases read and 0.13 does not): dive ignores them, and so
/// the rule they were meant to set keeps its default.
fn warn_misspelled(diags: &mut Diagnostics, entries: &[(Key, Node)], known: &[&str], what: &str) {
    let lower: Vec<String> = known.iter().map(|k| k.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    for (key, _) in entries {
        if known.contains(&key.name.as_str()) {
            continue;
        }
        let name = key.name.to_ascii_lowercase();
        let Some(close) = did_you_mean(&name, &lower) else {
            continue;
        };
        let meant = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(close))
            .unwrap_or(&close);
        diags
            .warn(
                key.pos,
                format!("unknown key `{}` in {what}: dive ignores it", key.name),
            )
            .label(format!("did you mean `{meant}`?"))
            .help(format!("known keys: {}", known.join(", ")));
    }
}

fn is_disabled(node: &Node) -> bool {
    matches!(&node.value, Value::Str(s) if s.eq_ignore_ascii_case("disabled") || s.eq_ignore_ascii_case("off"))
        || node.value == Value::Bool(false)
}

/// dive reads every value as text (`0.95`, `"0.95"` and `20Mb` alike); numbers written as strings
/// become numbers here so that the common readers accept them.
fn as_dive_reads(node: &Node) -> Node {
    let value = match &node.value {
        Value::Str(s) => match s.trim().parse::<f64>() {
            Ok(f) => Value::Float(f),
            Err(_) => node.value.clone(),
        },
        other => other.clone(),
    };
    Node {
        pos: node.pos,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(policy: &Policy) -> Vec<(String, Measure)> {
        policy
            .rules
            .iter()
            .filter_map(|r| match &r.kind {
                RuleKind::Dive { limit, .. } => Some((r.name.clone(), *limit)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn dives_own_example_file() {
        let text = "---\nplugins:\n  - plugin1\n\nrules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20Mb\n  highestUserWastedPercent: 0.5\n  plugin1/rule1: error\n";
        let p = parse(".dive-ci", text).expect("parses");
        assert_eq!(
            limits(&p),
            vec![
                ("dive-ci.lowestEfficiency".to_string(), Measure::Ratio(0.95)),
                (
                    "dive-ci.highestWastedBytes".to_string(),
                    Measure::Bytes(20_000_000)
                ),
                (
                    "dive-ci.highestUserWastedPercent".to_string(),
                    Measure::Ratio(0.5)
                ),
            ]
        );
    }

    #[test]
    fn missing_rules_take_dives_defaults_and_disabled_turns_off() {
        let p = parse(".dive-ci", "rules:\n  lowestEfficiency: disabled\n").expect("parses");
        assert_eq!(
            limits(&p),
            vec![(
                "dive-ci.highestUserWastedPercent".to_string(),
                Measure::Ratio(0.1)
            )]
        );
        let p = parse(".dive-ci", "rules:\n  highestWastedBytes: \"1KB\"\n  highestUserWastedPercent: off\n  lowestEfficiency: \"0.8\"\n").expect("parses");
        assert_eq!(
            limits(&p),
            vec![
                ("dive-ci.lowestEfficiency".to_string(), Measure::Ratio(0.8)),
                (
                    "dive-ci.highestWastedBytes".to_string(),
                    Measure::Bytes(1000)
                ),
            ]
        );
    }

    #[test]
    fn bad_value_points_at_it() {
        let e = parse(".dive-ci", "rules:\n  highestWastedBytes: 20 parsecs\n").expect_err("bad");
        assert_eq!(e.diagnostics[0].pos.line, 2);
        assert!(e.diagnostics[0]
            .message
            .contains("unknown size unit `parsecs`"));
    }

    fn messages(e: &PolicyErrors) -> Vec<(u64, u64, &str)> {
        e.diagnostics
            .iter()
            .map(|d| (d.pos.line, d.pos.column, d.message.as_str()))
            .collect()
    }

    #[test]
    fn rules_that_are_not_a_mapping_are_errors_not_defaults() {
        let e = parse(".dive-ci", "rules:\n  - lowestEfficiency: 0.99\n").expect_err("a list");
        assert_eq!(
            messages(&e),
            [(
                2,
                3,
                "`rules` must be a mapping of dive's rules, found a list"
            )]
        );
        let e = parse(".dive-ci", "rules: 0.99\n").expect_err("a scalar");
        assert_eq!(
            messages(&e),
            [(
                1,
                8,
                "`rules` must be a mapping of dive's rules, found `0.99`"
            )]
        );
        let e = parse(".dive-ci", "- rules\n").expect_err("a list at the top");
        assert_eq!(
            messages(&e),
            [(
                1,
                1,
                "a dive CI file must be a mapping with a `rules` section, found a list"
            )]
        );
        // An empty file, or an empty `rules`, is dive's defaults.
        for text in ["", "rules:\n", "plugins: [a]\n"] {
            let p = parse(".dive-ci", text).expect("parses");
            assert_eq!(limits(&p).len(), 2, "{text:?}");
        }
    }

    #[test]
    fn an_efficiency_over_one_is_refused_and_a_user_wasted_percent_over_one_warned() {
        let e = parse(".dive-ci", "rules:\n  lowestEfficiency: 1.5\n").expect_err("over 1");
        assert_eq!(
            messages(&e),
            [(
                2,
                21,
                "`rules.lowestEfficiency` is 150 %, but dive's efficiency is at most 100 %: no image can pass"
            )]
        );
        let p = parse(".dive-ci", "rules:\n  highestUserWastedPercent: 2\n").expect("kept");
        assert_eq!(
            limits(&p)[1],
            (
                "dive-ci.highestUserWastedPercent".to_string(),
                Measure::Ratio(2.0)
            )
        );
        let warnings: Vec<&str> = p.warnings.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            warnings,
            ["`rules.highestUserWastedPercent` is 200 %: dive itself refuses a value over 1 (its range is 0 to 1)"]
        );
    }

    #[test]
    fn misspelled_keys_are_ignored_as_dive_does_with_a_warning() {
        let text = "Rule:\n  x: 1\nrules:\n  lowestEfficency: 0.99\n  LowestEfficiency: 0.98\n  plugin1/rule1: error\n";
        let p = parse(".dive-ci", text).expect("parses");
        // Both misspellings leave lowestEfficiency at dive's default.
        assert_eq!(
            limits(&p)[0],
            ("dive-ci.lowestEfficiency".to_string(), Measure::Ratio(0.9))
        );
        let warnings: Vec<(u64, &str, Option<&str>)> = p
            .warnings
            .iter()
            .map(|d| (d.pos.line, d.message.as_str(), d.label.as_deref()))
            .collect();
        assert_eq!(
            warnings,
            [
                (
                    1,
                    "unknown key `Rule` in the file: dive ignores it",
                    Some("did you mean `rules`?")
                ),
                (
                    4,
                    "unknown key `lowestEfficency` in `rules`: dive ignores it",
                    Some("did you mean `lowestEfficiency`?")
                ),
                (
                    5,
                    "unknown key `LowestEfficiency` in `rules`: dive ignores it",
                    Some("did you mean `lowestEfficiency`?")
                ),
            ]
        );
    }
}
