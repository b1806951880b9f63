//! sizegate: reads a container image (docker-archive, OCI archive or layout, from a file or stdin)
//! into a per-file inventory and the size numbers a CI gate checks.
//!
//! Data flows one way: [`source`] (bytes to [`image`] model) → [`analysis`] (union filesystem,
//! totals, dive metrics, the inventory) → [`check`] (the policies applied: results, findings, the
//! verdict) → [`report`] (tables, JSON, CSV, the formats of `check`, and the GitHub Actions step
//! files). [`policy`] reads what `check` applies, [`dockerfile`] what findings point at.
//! The library never prints, never reads the environment and never exits; the `sizegate` binary
//! does.
//!
//! The public surface is what that binary needs, and no more: everything else is `pub(crate)`
//! (the `unreachable_pub` lint keeps it so). It is not a stable API.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod check;
pub(crate) mod code;
pub mod dockerfile;
pub mod error;
pub mod image;
pub mod policy;
pub mod report;
pub(crate) mod severity;
pub mod source;
pub mod units;

pub use error::{Error, ErrorKind, Result};
pub use severity::Severity;
