//! `--fail-on`: which findings fail the gate. The report's verdict carries the decision, so every
//! format (the verdict line, the JSON `verdict`, the step output, the JUnit failures) follows it
//! and none decides again.

use serde::Serialize;

use super::report::Outcome;
use crate::severity::Severity;

/// Which findings fail the gate (exit 1): `error` ones (the default), `warning` ones too, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Findings of severity `error` fail the gate; warnings are reported only.
    #[default]
    Error,
    /// Findings of severity `warn` fail the gate too.
    Warning,
    /// Nothing fails the gate: every finding is reported only (exit 0 unless the check cannot run).
    Never,
}

impl FailOn {
    /// `error`, `warning` or `never`, as the flag and the JSON report write it.
    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Error => "error",
            FailOn::Warning => "warning",
            FailOn::Never => "never",
        }
    }

    /// Whether a finding of `severity` fails the gate.
    pub(crate) fn fails(self, severity: Severity) -> bool {
        match self {
            FailOn::Error => severity == Severity::Error,
            FailOn::Warning => true,
            FailOn::Never => false,
        }
    }

    /// Whether a rule with this outcome fails the gate (a rule failed as `error` or `warn` fails
    /// with the severity of its findings; a rule passed or skipped never fails).
    pub(crate) fn fails_rule(self, outcome: Outcome) -> bool {
        match outcome {
            Outcome::Error => self.fails(Severity::Error),
            Outcome::Warn => self.fails(Severity::Warn),
            Outcome::Pass | Outcome::Skipped => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule};
    use crate::check::{Code, Verdict};

    #[test]
    fn each_setting_fails_on_the_severities_it_names() {
        let fails = |f: FailOn| [f.fails(Severity::Error), f.fails(Severity::Warn)];
        assert_eq!(fails(FailOn::Error), [true, false]);
        assert_eq!(fails(FailOn::Warning), [true, true]);
        assert_eq!(fails(FailOn::Never), [false, false]);
        assert_eq!(FailOn::default(), FailOn::Error, "today's gate by default");
    }

    #[test]
    fn passed_and_skipped_rules_never_fail() {
        for f in [FailOn::Error, FailOn::Warning, FailOn::Never] {
            assert!(!f.fails_rule(Outcome::Pass), "{f:?}");
            assert!(!f.fails_rule(Outcome::Skipped), "{f:?}");
        }
        assert!(FailOn::Warning.fails_rule(Outcome::Warn));
        assert!(!FailOn::Error.fails_rule(Outcome::Warn));
        assert!(!FailOn::Never.fails_rule(Outcome::Error));
    }

    /// A report of one warning and/or one error, with the verdict `fail_on` gives.
    fn verdict_of(warn: bool, error: bool, fail_on: FailOn) -> (Verdict, String) {
        let mut findings = Vec::new();
        let mut rules = Vec::new();
        if warn {
            rules.push(rule("forbid[0]", Outcome::Warn));
            findings.push(finding(
                Code::ForbiddenPath,
                Severity::Warn,
                "forbid[0]",
                "w",
            ));
        }
        if error {
            rules.push(rule("image.max_size", Outcome::Error));
            findings.push(finding(
                Code::ImageTooLarge,
                Severity::Error,
                "image.max_size",
                "e",
            ));
        }
        let r = report(rules, findings).with_fail_on(fail_on);
        (r.verdict(), r.verdict_line())
    }

    #[test]
    fn the_verdict_follows_fail_on_for_every_mix_of_findings() {
        use Verdict::{Fail, Pass};
        let cases = [
            // (warning, error, fail-on, verdict)
            (false, false, FailOn::Error, Pass),
            (false, false, FailOn::Warning, Pass),
            (false, false, FailOn::Never, Pass),
            (true, false, FailOn::Error, Pass),
            (true, false, FailOn::Warning, Fail),
            (true, false, FailOn::Never, Pass),
            (false, true, FailOn::Error, Fail),
            (false, true, FailOn::Warning, Fail),
            (false, true, FailOn::Never, Pass),
            (true, true, FailOn::Error, Fail),
            (true, true, FailOn::Warning, Fail),
            (true, true, FailOn::Never, Pass),
        ];
        for (warn, error, fail_on, want) in cases {
            let (verdict, _) = verdict_of(warn, error, fail_on);
            assert_eq!(verdict, want, "warning {warn}, error {error}, {fail_on:?}");
        }
    }

    #[test]
    fn the_verdict_line_names_a_fail_on_that_is_not_the_default() {
        let (_, line) = verdict_of(true, false, FailOn::Error);
        assert_eq!(line, "PASS: 0 errors, 1 warning (image 2 kB)");
        let (_, line) = verdict_of(true, false, FailOn::Warning);
        assert_eq!(
            line,
            "FAIL: 0 errors, 1 warning, --fail-on warning (image 2 kB)"
        );
        let (_, line) = verdict_of(false, true, FailOn::Never);
        assert_eq!(
            line,
            "PASS: 1 error, 0 warnings, --fail-on never (image 2 kB of 1 kB)"
        );
    }
}
