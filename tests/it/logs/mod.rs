//! Logs people can read: every table fits the log's width (`widths`), colour follows `--color`
//! and the environment (`colour`), `--quiet` leaves the verdict alone (`quiet`), and GitHub gets
//! no more annotations than it shows, plus one for an error that stops the run
//! (`annotations`).

mod annotations;
mod colour;
mod quiet;
mod widths;

use std::path::{Path, PathBuf};

use crate::support::{DockerArchive, Layer};

/// A directory deep enough that a path through it is longer than any column.
const DEEP: &str = "usr/lib/x86_64-linux-gnu/a-directory-with-a-long-name/another-directory-with-a-longer-name/and-one-more-level-below-it";

/// A build instruction longer than any log is wide.
fn long_run(what: &str) -> String {
    format!(
        "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends {what} {} && rm -rf /var/lib/apt/lists/* # buildkit",
        "package-with-a-long-name ".repeat(12).trim_end()
    )
}

/// An image reference longer than any log is wide (a tag made of build metadata): the headings
/// above the tables must fit the log too.
fn long_name() -> String {
    format!(
        "team/a-service-with-a-long-name:{}",
        "v1.2.3-build.".repeat(30)
    )
}

/// An image whose name, paths and build instructions are longer than any log is wide: a large library
/// deep in the tree, a key and a package cache that the policy forbids, a deleted download (waste
/// with a source), and `extra` more bytes in a file of the last layer (so that two images built
/// with different `extra` differ).
fn long_image(dir: &Path, name: &str, extra: usize) -> PathBuf {
    let base = Layer::new()
        .pax_file(&format!("{DEEP}/libLLVM.so.17"), 6000)
        .pax_file(&format!("{DEEP}/private/server-key.pem"), 1200)
        .pax_file(
            "var/cache/apt/archives/a-package-with-a-very-long-name-indeed_1.0.0-1+deb12u1_amd64.deb",
            3000,
        )
        .tar();
    let download = Layer::new()
        .pax_file(
            &format!("{DEEP}/downloads/installer-archive-of-the-tool.tar.gz"),
            4000,
        )
        .tar();
    let cleanup = Layer::new()
        .pax_file(
            &format!("{DEEP}/downloads/.wh.installer-archive-of-the-tool.tar.gz"),
            0,
        )
        .tar();
    let app = Layer::new()
        .pax_file(&format!("{DEEP}/app/the-application-binary"), 500 + extra)
        .tar();
    DockerArchive::new()
        .tags(&[&long_name()])
        .layer(base)
        .layer(download)
        .layer(cleanup)
        .layer(app)
        .history(&[
            &long_run("base"),
            &long_run("download"),
            &long_run("cleanup"),
            "COPY --chown=app:app build/output/the-application-binary /usr/lib/x86_64-linux-gnu/a-directory-with-a-long-name/ # buildkit",
        ])
        .write(dir, name)
}

/// A policy the long image breaks in every way a finding can be long: sizes, a layer budget with
/// a long reason, forbidden paths, wasted bytes with their sources, and the preset.
const LONG_POLICY: &str = r#"image:
  max_size: 1kB
  max_wasted: 1B
layers:
  - select: { index: "0.." }
    max_size: 1kB
    reason: "every layer of this image should stay small enough to download on a slow link, which none of them does"
forbid:
  - glob: "**/*.pem"
    reason: keys do not belong in images
extends: [recommended]
"#;

/// `sizegate ARGS` (run from the repository root, with the variables `env` gives and `NO_COLOR`
/// unset) on a pseudo-terminal 70 columns wide, through util-linux's `script`: what it printed.
/// Fails the test where `script` is not installed.
#[cfg(target_os = "linux")]
fn on_a_terminal(args: &[&str], env: &[(&str, &str)]) -> String {
    crate::support::ci::require_tools(&["script"]);
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = String::from("stty cols 70 rows 40; exec env -u NO_COLOR");
    for (name, value) in env {
        line.push_str(&format!(" {name}={}", quote(value)));
    }
    line.push_str(&format!(
        " {}",
        quote(crate::support::path_str(&crate::support::sizegate_bin()))
    ));
    for arg in args {
        line.push_str(&format!(" {}", quote(arg)));
    }
    // The terminal's sizegate gets the tests' environment, but for NO_COLOR (unset above).
    let mut script = std::process::Command::new("script");
    let out = crate::support::isolate(&mut script)
        .args(["-qec", &line, "/dev/null"])
        .current_dir(crate::support::root())
        .env("CI", "true")
        .output()
        .expect("script runs");
    // The terminal turns each line break into CR LF.
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}
