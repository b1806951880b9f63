//! The integration tests, as one test binary: each module runs the real `sizegate` binary on real
//! fixtures (tests/fixtures) or on images built in the test, and pins exact output and exit codes.
//! One binary links the library once, where one crate per file linked it once per file.
//!
//! Shared helpers (running the binary, fixture paths, synthetic image builders) are in [`support`].

mod baseline_formats;
mod check_rules;
#[cfg(unix)]
mod ci_recipes;
mod diff;
mod dockerfile_attribution;
mod docs_and_examples;
mod environment;
mod explain;
mod formats;
mod hostile;
mod html_report;
mod identity;
mod logs;
mod not_an_image;
mod oci_index;
mod output_stdout;
mod policy_errors;
#[cfg(unix)]
mod pr_comment;
mod real_fixtures;
#[cfg(unix)]
mod registry;
mod regressions;
#[cfg(unix)]
mod release_binaries;
mod repo_paths;
mod shell_docs;
mod support;
mod synthetic_errors;
mod synthetic_layers;
mod transports;
mod waste_sources;
