//! sizegate: reads a container image (docker-archive, OCI archive or layout, from a file or stdin)
//! into a per-file inventory and the size numbers a CI gate checks.
//!
//! Data flows one way: [`source`] (bytes to [`image`] model) → [`analysis`] (union filesystem,
//! totals, dive metrics) → [`check`] (a policy applied) → [`report`] (tables, JSON, CSV and the
//! CI formats of `check`); [`github`] writes the step summary and outputs under GitHub Actions.
//! The library never prints, never reads the environment and never exits; the `sizegate` binary
//! does.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod check;
pub mod code;
pub mod dockerfile;
pub mod error;
pub mod image;
pub mod policy;
pub mod report;
pub mod severity;
pub mod source;
pub mod units;

pub use error::{Error, ErrorKind, Result};
