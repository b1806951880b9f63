//! What the outputs for people show alike, worked out once: the row of each rule with its
//! findings, the lines of a finding, the layer and the place it points at. The table, markdown,
//! JUnit, workflow-command and SARIF formats differ in how they mark these up, not in what they say.

use crate::analysis::summary::ImageSummary;
use crate::check::{Finding, ImageCheck, Location, Outcome, RuleResult};
use crate::units::human_size;

/// One rule as the rules tables show it, with the findings it gave.
pub(crate) struct RuleRow<'a> {
    /// The rule's result.
    pub rule: &'a RuleResult,
    /// The actual value and the detail: `12 MB (largest: layer 3 of 4 selected)`, or `n/a`.
    pub actual: String,
    /// The limit, or `none`.
    pub limit: String,
    /// The findings, in the order the rule gave them.
    pub findings: Vec<&'a Finding>,
}

impl RuleRow<'_> {
    /// How the rule came out.
    pub(crate) fn outcome(&self) -> Outcome {
        self.rule.status
    }
}

/// Every rule checked on an image, in policy order, each with its findings.
pub(crate) fn rule_rows(check: &ImageCheck) -> Vec<RuleRow<'_>> {
    check
        .rules
        .iter()
        .map(|r| RuleRow {
            rule: r,
            actual: match (&r.actual, &r.detail) {
                (Some(a), Some(d)) => format!("{a} ({d})"),
                (Some(a), None) => a.to_string(),
                (None, Some(d)) => d.clone(),
                (None, None) => "n/a".into(),
            },
            limit: r.limit.map_or_else(|| "none".into(), |l| l.to_string()),
            findings: check.findings_of(r).collect(),
        })
        .collect()
}

/// The text of a finding: sizegate's words (the message, the reason, the fix), then the image's
/// (the paths found, which a format may have to escape differently).
pub(crate) struct FindingLines {
    /// The message, then `reason: …` and `fix: …` when the rule has them.
    pub words: Vec<String>,
    /// `  /path (size, layer N)` per listed path, then `  … and N more`.
    pub paths: Vec<String>,
}

impl FindingLines {
    /// The lines of `f`.
    pub(crate) fn of(f: &Finding) -> FindingLines {
        let mut words = vec![f.message.clone()];
        if let Some(reason) = &f.reason {
            words.push(format!("reason: {reason}"));
        }
        if let Some(hint) = &f.hint {
            words.push(format!("fix: {hint}"));
        }
        let mut paths: Vec<String> = f
            .paths
            .iter()
            .map(|p| format!("  {} ({}, layer {})", p.path, human_size(p.size), p.layer))
            .collect();
        if f.more_paths > 0 {
            paths.push(format!("  … and {} more", f.more_paths));
        }
        FindingLines { words, paths }
    }

    /// Every line: the words, then the paths.
    pub(crate) fn all(self) -> Vec<String> {
        let mut lines = self.words;
        lines.extend(self.paths);
        lines
    }
}

/// `layer 1: COPY …` for a finding about a layer.
pub(crate) fn layer_line(f: &Finding) -> Option<String> {
    f.layer.map(|layer| {
        let created_by = f.created_by.as_deref().unwrap_or("(unknown)");
        format!("layer {layer}: {}", created_by.trim())
    })
}

/// Where a finding is shown: the Dockerfile line that made its layer when known, else the rule in
/// the policy; `None` when neither is known.
pub(crate) fn place(finding: &Finding) -> Option<&Location> {
    finding.dockerfile.as_ref().or(finding.location.as_ref())
}

/// An image's name, with its platform when the archive says: `app:1 (linux/amd64)`.
pub(crate) fn image_heading(image: &ImageSummary) -> String {
    match &image.platform {
        Some(p) => format!("{} ({p})", image.name),
        None => image.name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule};
    use crate::check::{Code, PathHit};
    use crate::severity::Severity;

    #[test]
    fn rows_carry_their_rules_findings_and_cells() {
        let rules = vec![
            rule("image.max_size", Outcome::Error),
            rule("layers[0]", Outcome::Pass),
            rule("layers[1]", Outcome::Error),
        ];
        let f1 = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "1");
        let f2 = finding(Code::LayerOverBudget, Severity::Error, "layers[1]", "2");
        let f3 = finding(Code::LayerTooManyFiles, Severity::Error, "layers[1]", "3");
        let r = report(rules, vec![f1, f2, f3]);
        let rows = rule_rows(&r.images[0]);
        let grouped: Vec<(&str, Vec<&str>)> = rows
            .iter()
            .map(|row| {
                let found = row.findings.iter().map(|f| f.message.as_str()).collect();
                (row.rule.rule.as_str(), found)
            })
            .collect();
        assert_eq!(
            grouped,
            [
                ("image.max_size", vec!["1"]),
                ("layers[0]", vec![]),
                ("layers[1]", vec!["2", "3"])
            ]
        );
        assert_eq!(
            (rows[0].actual.as_str(), rows[0].limit.as_str()),
            ("2 kB", "1 kB")
        );
    }

    #[test]
    fn details_list_reason_fix_and_paths() {
        let mut f = finding(
            Code::ForbiddenPath,
            Severity::Warn,
            "forbid[0]",
            "1 forbidden path",
        );
        f.reason = Some("no keys".into());
        f.hint = Some("delete it".into());
        f.paths = vec![PathHit {
            path: "/k.pem".into(),
            size: 1000,
            layer: 2,
            created_by: None,
        }];
        f.more_paths = 3;
        assert_eq!(
            FindingLines::of(&f).all(),
            [
                "1 forbidden path",
                "reason: no keys",
                "fix: delete it",
                "  /k.pem (1 kB, layer 2)",
                "  … and 3 more"
            ]
        );
    }
}
