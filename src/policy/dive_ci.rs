//! dive's CI rules file (`.dive-ci`), read as dive reads it, so a team can switch with no edits:
//! `rules.lowestEfficiency`, `rules.highestWastedBytes`, `rules.highestUserWastedPercent`; a rule
//! left out takes dive's default (0.9, disabled, 0.1); `disabled` (or `off`) turns one off; sizes
//! use decimal units (`20MB` and `20Mb` are 20,000,000 bytes); other keys are ignored, as dive does.

use super::diagnostic::{Diagnostics, PolicyErrors};
use super::metric::DiveMetric;
use super::read::limit;
use super::rules::{Rule, RuleKind};
use super::yaml::{Node, Value};
use super::Policy;
use crate::severity::Severity;
use crate::units::Measure;

/// dive's defaults for rules a `.dive-ci` leaves out.
fn default_limit(metric: DiveMetric) -> Option<Measure> {
    match metric {
        DiveMetric::MinEfficiency => Some(Measure::Ratio(0.9)),
        DiveMetric::MaxWastedBytes => None,
        DiveMetric::MaxUserWastedPercent => Some(Measure::Ratio(0.1)),
    }
}

/// Reads a `.dive-ci` file into dive's three rules (severity error, as dive fails the run).
pub fn parse(file: &str, text: &str) -> Result<Policy, PolicyErrors> {
    Policy::read(file, text, rules)
}

/// dive's three rules from the tree of a `.dive-ci`.
fn rules(root: &Node, diags: &mut Diagnostics) -> Vec<Rule> {
    let rules_node = find(root, "rules");
    let mut rules = Vec::new();
    for &metric in DiveMetric::ALL {
        let name = format!("dive-ci.{}", metric.dive_key());
        let given = rules_node.and_then(|r| find(r, metric.dive_key()));
        let limit = match given {
            None => default_limit(metric),
            Some(node) if is_disabled(node) => None,
            Some(node) => limit(
                diags,
                &as_dive_reads(node),
                &format!("rules.{}", metric.dive_key()),
                metric.unit(),
            ),
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

fn find<'n>(node: &'n Node, key: &str) -> Option<&'n Node> {
    match &node.value {
        Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
        _ => None,
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
}
