//! Turns the YAML tree of a `sizegate.yml` into checked [`Rule`]s, collecting every problem.

use super::diagnostic::Diagnostics;
use super::metric::{BaselineMetric, DiveMetric, ImageMetric, Metric};
use super::preset::{PresetRule, PRESETS, RECOMMENDED};
use super::read::{
    did_you_mean, fields, index_range, limit, list, path_glob, severity, string, strings,
    within_ceiling, Fields,
};
use super::rules::{Glob, LayerSelect, Rule, RuleKind};
use super::yaml::{Node, Pos, Value};
use crate::severity::Severity;
use crate::units::{Measure, Unit};

/// Keys of the top level.
pub(super) const TOP_KEYS: &[&str] = &[
    "version", "image", "dive", "baseline", "layers", "paths", "forbid", "extends", "disable",
    "severity",
];
/// Keys of the long form of an `image:`, `dive:` or `baseline:` limit.
pub(super) const LIMIT_KEYS: &[&str] = &["limit", "severity", "reason"];
/// Keys of a `layers:` entry.
pub(super) const LAYER_KEYS: &[&str] = &["select", "max_size", "max_files", "severity", "reason"];
/// Keys of a layer `select:`.
pub(super) const SELECT_KEYS: &[&str] = &["index", "created_by"];
/// Keys of a `paths:` entry.
pub(super) const PATH_KEYS: &[&str] = &["glob", "max_size", "max_files", "severity", "reason"];
/// Keys of a `forbid:` entry.
pub(super) const FORBID_KEYS: &[&str] = &["glob", "except", "reason", "severity"];

/// Reads the rules of a policy tree; problems go to `diags`.
pub(super) fn rules(root: &Node, diags: &mut Diagnostics) -> Vec<Rule> {
    let mut rules = Vec::new();
    if root.value == Value::Null {
        diags
            .error(root.pos, "the policy is empty")
            .help("start from `sizegate init IMAGE > sizegate.yml`");
        return rules;
    }
    let Some(top) = fields(diags, root, "policy", TOP_KEYS) else {
        return rules;
    };
    if let Some(v) = top.get("version") {
        if v.value != Value::Int(1) {
            diags
                .error(
                    v.pos,
                    "unsupported policy `version`: this sizegate reads `version: 1`",
                )
                .label("expected 1");
        }
    }
    if let Some(image) = top.get("image") {
        limit_section(image, "image", ImageMetric::ALL, diags, &mut rules);
    }
    if let Some(dive) = top.get("dive") {
        limit_section(dive, "dive", DiveMetric::ALL, diags, &mut rules);
    }
    if let Some(baseline) = top.get("baseline") {
        limit_section(baseline, "baseline", BaselineMetric::ALL, diags, &mut rules);
    }
    let lists: [(&str, EntryReader); 3] = [
        ("layers", layer_rule),
        ("paths", path_rule),
        ("forbid", forbid_rule),
    ];
    for (key, read) in lists {
        if let Some(node) = top.get(key) {
            for (i, entry) in list(diags, node, key)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                rules.extend(read(entry, i, diags));
            }
        }
    }
    preset_rules(&top, diags, &mut rules);
    rules
}

/// Reads the `i`-th entry of a rule list (`layers`, `paths`, `forbid`).
type EntryReader = fn(&Node, usize, &mut Diagnostics) -> Option<Rule>;

/// Reads a section of limits (`image:`, `dive:` or `baseline:`): one rule per key given, each
/// checking the metric behind that key.
fn limit_section<M: Metric>(
    node: &Node,
    section: &str,
    metrics: &[M],
    diags: &mut Diagnostics,
    rules: &mut Vec<Rule>,
) {
    let keys: Vec<&str> = metrics.iter().map(|m| m.key()).collect();
    let Some(f) = fields(diags, node, section, &keys) else {
        return;
    };
    for &metric in metrics {
        let name = format!("{section}.{}", metric.key());
        if let Some(v) = f.get(metric.key()) {
            if let Some((limit, severity, reason)) = limit_rule(v, &name, metric, diags) {
                rules.push(Rule {
                    name,
                    kind: metric.kind(limit),
                    severity,
                    reason,
                    pos: Some(v.pos),
                });
            }
        }
    }
}

/// A limit written short (`max_size: 450MB`) or long (`{limit: 450MB, severity: warn, reason: …}`),
/// within what the metric can be.
fn limit_rule(
    node: &Node,
    name: &str,
    metric: impl Metric,
    diags: &mut Diagnostics,
) -> Option<(Measure, Severity, Option<String>)> {
    if !matches!(node.value, Value::Map(_)) {
        return reachable(diags, node, name, metric).map(|l| (l, Severity::Error, None));
    }
    let f = fields(diags, node, name, LIMIT_KEYS)?;
    let (severity, reason) = severity_and_reason(&f, name, diags);
    let Some(value) = f.get("limit") else {
        diags
            .error(node.pos, format!("`{name}` has no `limit`"))
            .help(format!(
                "write `{name}: VALUE` or `{{limit: VALUE, severity: warn}}`"
            ));
        return None;
    };
    Some((reachable(diags, value, name, metric)?, severity?, reason))
}

/// The limit of `metric` in `node`: refused when no image could pass it (or none fail it),
/// warned about when only an empty image passes it.
fn reachable(
    diags: &mut Diagnostics,
    node: &Node,
    name: &str,
    metric: impl Metric,
) -> Option<Measure> {
    let measure = limit(diags, node, name, metric.unit())?;
    if let (Measure::Ratio(r), Some(because)) = (measure, metric.ceiling()) {
        if !within_ceiling(diags, node, name, r, because, metric.is_minimum()) {
            return None;
        }
    }
    if let (Some(empty), Measure::Bytes(0) | Measure::Count(0)) = (metric.zero_passes(), measure) {
        diags
            .warn(node.pos, format!("`{name}` is 0: only {empty} passes"))
            .help(format!("to set no limit, leave `{}` out", metric.key()));
    }
    Some(measure)
}

fn severity_and_reason(
    f: &Fields<'_>,
    name: &str,
    diags: &mut Diagnostics,
) -> (Option<Severity>, Option<String>) {
    let severity = match f.get("severity") {
        Some(v) => severity(diags, v, &format!("{name}.severity")),
        None => Some(Severity::Error),
    };
    let reason = f
        .get("reason")
        .and_then(|v| string(diags, v, &format!("{name}.reason")));
    (severity, reason)
}

fn layer_rule(node: &Node, i: usize, diags: &mut Diagnostics) -> Option<Rule> {
    let name = format!("layers[{i}]");
    let f = fields(diags, node, &name, LAYER_KEYS)?;
    let (severity, reason) = severity_and_reason(&f, &name, diags);
    let select = match f.get("select") {
        Some(s) => select(s, &format!("{name}.select"), diags),
        None => {
            diags
                .error(node.pos, format!("`{name}` has no `select`"))
                .help("pick layers with `select: {index: \"1..\"}` or `select: {created_by: \"*apt-get*\"}`");
            None
        }
    };
    let (max_size, max_files) = budget(&f, node, &name, diags)?;
    Some(Rule {
        name,
        kind: RuleKind::Layer {
            select: select?,
            max_size,
            max_files,
        },
        severity: severity?,
        reason,
        pos: Some(node.pos),
    })
}

/// The `max_size` and `max_files` of a budget rule, at least one of them; `None` when neither is
/// given or one is wrong (reported).
fn budget(
    f: &Fields<'_>,
    node: &Node,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<(Option<u64>, Option<u64>)> {
    let max_size = sized(f, "max_size", name, Unit::Bytes, diags);
    let max_files = sized(f, "max_files", name, Unit::Count, diags);
    if f.get("max_size").is_none() && f.get("max_files").is_none() {
        diags
            .error(node.pos, format!("`{name}` sets no budget"))
            .help("add `max_size` and/or `max_files`");
        return None;
    }
    Some((max_size?, max_files?))
}

/// An optional `max_size`/`max_files`: `Some(None)` when absent, `None` when wrong.
fn sized(
    f: &Fields<'_>,
    key: &str,
    name: &str,
    unit: Unit,
    diags: &mut Diagnostics,
) -> Option<Option<u64>> {
    match f.get(key) {
        None => Some(None),
        // The count itself, not through a float: a limit past 2^53 keeps every digit.
        Some(v) => match limit(diags, v, &format!("{name}.{key}"), unit)? {
            Measure::Bytes(n) | Measure::Count(n) => Some(Some(n)),
            // `limit` reads bytes and counts as such; nothing else is read for these units.
            other => Some(Some(other.as_f64() as u64)),
        },
    }
}

fn select(node: &Node, name: &str, diags: &mut Diagnostics) -> Option<LayerSelect> {
    let f = fields(diags, node, name, SELECT_KEYS)?;
    let index = match f.get("index") {
        Some(v) => Some(index_range(diags, v, &format!("{name}.index"))?),
        None => None,
    };
    let created_by = match f.get("created_by") {
        Some(v) => {
            let what = format!("{name}.created_by");
            let pattern = string(diags, v, &what)?;
            match Glob::text(&pattern) {
                Ok(g) => Some(g),
                Err(e) => {
                    diags.error(v.pos, format!("`{what}`: bad glob `{pattern}`: {e}"));
                    return None;
                }
            }
        }
        None => None,
    };
    if index.is_none() && created_by.is_none() {
        diags
            .error(node.pos, format!("`{name}` selects nothing"))
            .help("give `index` (3, -1, \"1..\", \"2..5\") and/or `created_by` (a glob on the instruction)");
        return None;
    }
    Some(LayerSelect { index, created_by })
}

fn path_rule(node: &Node, i: usize, diags: &mut Diagnostics) -> Option<Rule> {
    let name = format!("paths[{i}]");
    let f = fields(diags, node, &name, PATH_KEYS)?;
    let (severity, reason) = severity_and_reason(&f, &name, diags);
    let glob = match f.get("glob") {
        Some(v) => {
            let what = format!("{name}.glob");
            string(diags, v, &what).and_then(|p| path_glob(diags, v.pos, &p, &what))
        }
        None => {
            diags.error(node.pos, format!("`{name}` has no `glob`"));
            None
        }
    };
    let (max_size, max_files) = budget(&f, node, &name, diags)?;
    Some(Rule {
        name,
        kind: RuleKind::Path {
            glob: glob?,
            max_size,
            max_files,
        },
        severity: severity?,
        reason,
        pos: Some(node.pos),
    })
}

fn forbid_rule(node: &Node, i: usize, diags: &mut Diagnostics) -> Option<Rule> {
    let name = format!("forbid[{i}]");
    let f = fields(diags, node, &name, FORBID_KEYS)?;
    let (severity, reason) = severity_and_reason(&f, &name, diags);
    let globs = match f.get("glob") {
        Some(v) => glob_list(v, &format!("{name}.glob"), diags),
        None => {
            diags.error(node.pos, format!("`{name}` has no `glob`"));
            None
        }
    };
    let except = match f.get("except") {
        Some(v) => glob_list(v, &format!("{name}.except"), diags),
        None => Some(Vec::new()),
    };
    Some(Rule {
        name,
        kind: RuleKind::Forbid {
            globs: globs?,
            except: except?,
            hint: None,
        },
        severity: severity?,
        reason,
        pos: Some(node.pos),
    })
}

fn glob_list(node: &Node, what: &str, diags: &mut Diagnostics) -> Option<Vec<Glob>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (pos, pattern) in strings(diags, node, what)? {
        match path_glob(diags, pos, &pattern, what) {
            Some(g) => out.push(g),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `extends: [recommended]`, with `disable: [name, …]` and `severity: {name: error}`.
fn preset_rules(top: &Fields<'_>, diags: &mut Diagnostics, rules: &mut Vec<Rule>) {
    let names: Vec<&str> = RECOMMENDED.iter().map(|r| r.name).collect();
    let check_name = |diags: &mut Diagnostics, pos: Pos, name: &str, what: &str| -> bool {
        if names.contains(&name) {
            return true;
        }
        let d = diags.error(
            pos,
            format!("`{what}`: `{name}` is not a rule of the `recommended` preset"),
        );
        if let Some(s) = did_you_mean(name, &names) {
            d.label(format!("did you mean `{s}`?"));
        }
        d.help(format!("preset rules: {}", names.join(", ")));
        false
    };
    let mut disabled: Vec<String> = Vec::new();
    if let Some(v) = top.get("disable") {
        for (pos, name) in strings(diags, v, "disable").unwrap_or_default() {
            if check_name(diags, pos, &name, "disable") {
                disabled.push(name);
            }
        }
    }
    let mut severities: Vec<(String, Severity)> = Vec::new();
    if let Some(v) = top.get("severity") {
        match &v.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    let ok = check_name(diags, key.pos, &key.name, "severity");
                    if let Some(s) = severity(diags, value, &format!("severity.{}", key.name)) {
                        if ok {
                            severities.push((key.name.clone(), s));
                        }
                    }
                }
            }
            other => {
                diags.error(
                    v.pos,
                    format!(
                        "`severity` must map preset rule names to `error` or `warn`, found {}",
                        other.found()
                    ),
                );
            }
        }
    }
    let Some(extends) = top.get("extends") else {
        if let Some(v) = top.get("disable").or(top.get("severity")) {
            diags
                .error(
                    v.pos,
                    "`disable` and `severity` adjust a preset, but the policy `extends` none",
                )
                .help("add `extends: [recommended]`");
        }
        return;
    };
    for (pos, preset) in strings(diags, extends, "extends").unwrap_or_default() {
        if preset != "recommended" {
            let d = diags.error(pos, format!("unknown preset `{preset}`"));
            if let Some(s) = did_you_mean(&preset, PRESETS) {
                d.label(format!("did you mean `{s}`?"));
            }
            d.help(format!("presets: {}", PRESETS.join(", ")));
            continue;
        }
        for rule in RECOMMENDED {
            if disabled.iter().any(|d| d == rule.name) {
                continue;
            }
            let severity = severities
                .iter()
                .find(|(n, _)| n == rule.name)
                .map_or(Severity::Warn, |(_, s)| *s);
            rules.push(preset_rule(rule, severity, pos));
        }
    }
}

fn preset_rule(rule: &PresetRule, severity: Severity, pos: Pos) -> Rule {
    let (globs, except) = rule.compile();
    Rule {
        name: rule.qualified_name(),
        kind: RuleKind::Forbid {
            globs,
            except,
            hint: Some(rule.hint.to_string()),
        },
        severity,
        reason: None,
        pos: Some(pos),
    }
}
