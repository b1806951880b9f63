//! sizegate: reads a container image (docker-archive, OCI archive or layout, from a file or stdin)
//! into a per-file inventory and the size numbers a CI gate checks.
//!
//! Data flows one way: [`source`] (bytes to [`image`] model) → [`analysis`] (union filesystem,
//! totals, dive metrics) → [`summary`] (the JSON contract) → [`report`] (tables, JSON, CSV).
//! The library never prints and never exits; the `sizegate` binary does.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod analysis;
pub mod check;
pub mod error;
pub mod image;
pub mod init;
pub mod policy;
pub mod report;
pub mod source;
pub mod summary;

pub use error::{Error, ErrorKind, Result};
