//! How bad a failed rule is: the word a policy writes and every report shows.

use serde::Serialize;

/// How bad a failed rule is: an error fails the gate (exit 1), a warning is reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the check.
    Error,
    /// Reported, does not fail the check.
    Warn,
}

impl Severity {
    /// `error` or `warn`, as written in policies and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warn => "warn",
        }
    }
}
