//! sizegate: reads a container image (docker-archive, OCI archive or layout, from a file or stdin)
//! into a per-file inventory and the size numbers a CI gate checks.
//!
//! Data flows one way: `source` (bytes to the `image` model) → `analysis` (union filesystem,
//! totals, dive metrics, the inventory) → `check` (the policies applied: results, findings, the
//! verdict) → [`report`] (tables, JSON, CSV, the formats of `check`, and the GitHub Actions step
//! files). `policy` reads what `check` applies, `dockerfile` what findings point at.
//! The library never prints, never reads the environment and never exits; the `sizegate` binary
//! does.
//!
//! The public surface is the facade below, what that binary needs and no more: everything else is
//! `pub(crate)` (the `unreachable_pub` lint keeps it so). It is not a stable API.

#![warn(clippy::print_stdout, clippy::print_stderr)]

mod analysis;
mod check;
mod code;
mod diff;
mod dockerfile;
mod error;
mod explain;
// The fuzz targets' entry points (`fuzz/`): public only with the `fuzzing` feature, off by
// default; the unit tests run the seed corpus through them without it.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod fuzzing;
mod image;
mod input;
mod policy;
pub mod report;
mod severity;
mod source;
mod text;
mod units;

// The facade: reading an image, the policies, the check, and the numbers `init`, `layers`,
// `inventory` and `top` are made of. The writers of every output are in [`report`].
pub use analysis::inventory::Inventory;
pub use analysis::summary::ImageSummary;
pub use analysis::top::{largest, TopItem};
pub use check::{run as check, CheckOptions, CheckReport, FailOn, Verdict};
pub use code::Code;
pub use diff::{diff, Diff, Snapshot, CHANGED_PATHS};
pub use dockerfile::{Dockerfile, ParseError};
pub use error::{Error, Result};
pub use explain::{explain, ExplainOptions, Explanation, LARGEST};
pub use image::Image;
pub use input::{read_input, Input, InputError};
pub use policy::schema::policy_schema;
pub use policy::starter::starter_policy;
pub use policy::{Policy, PolicyErrors};
pub use source::{
    load, DataSource, ImageSource, Loaded, Progress, RegistryOptions, Selection, Transport,
};
pub use units::parse_headroom;
