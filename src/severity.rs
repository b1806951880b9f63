//! How bad a failed rule is: the word a policy writes and every report shows.

use serde::Serialize;

/// How bad a failed rule is: an error fails the gate (exit 1), a warning is reported only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    /// Fails the check.
    Error,
    /// Reported, does not fail the check.
    Warn,
}
