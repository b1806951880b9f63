//! The release binaries and everything that fetches them, run against a release-like layout
//! served on 127.0.0.1: the archives that .github/scripts/package.sh packs (as release.yml does),
//! their SHA256SUMS, and the action (action/run.sh with action/install.sh), the pre-commit hook
//! and the GitLab recipe downloading, verifying and running them; a wrong checksum stops each,
//! a missing asset sends the action and the hook to a build from source (a stand-in cargo).
//! Also: every place that spells an asset name spells the one action/install.sh gives.
//!
//! - [`action`]: the action's script fetching, verifying and running its release, or building;
//! - [`hooks`]: the pre-commit hook and the GitLab recipe doing the same;
//! - [`assets`]: what an archive holds, and the names every place gives the assets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::ci::{calls, read, record_to, recording_script, write_script};
use crate::support::http::{Response, Server};
use crate::support::{root, sizegate_bin, tempdir, without_sizegate_vars};

mod action;
mod assets;
mod hooks;

/// The targets release.yml builds, in its order.
const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

/// The tag of the releases the action tests serve (any release tag will do).
const TAG: &str = "v9.8.7";

/// A PATH with the system's tools but not a developer's cargo or sizegate: `dir` first.
fn bare_path(dir: &Path) -> String {
    format!("{}:/usr/local/bin:/usr/bin:/bin", dir.display())
}

/// The target of this machine, as release.yml names it.
fn host_target() -> String {
    let arch = match std::env::consts::ARCH {
        "aarch64" => "aarch64",
        _ => "x86_64",
    };
    match std::env::consts::OS {
        "macos" => format!("{arch}-apple-darwin"),
        _ => format!("{arch}-unknown-linux-musl"),
    }
}

/// The version in Cargo.toml, which the pre-commit hook's release is.
fn cargo_version() -> String {
    read(&root().join("Cargo.toml"))
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml has a version")
        .to_string()
}

/// Runs action/install.sh with `args` and the variables `env`, and without the `SIZEGATE_*` of
/// the test's own environment (install.sh must not read sizegate's options as its own).
fn run_install_sh(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new("sh");
    without_sizegate_vars(&mut cmd);
    cmd.arg(root().join("action/install.sh"))
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("sh runs")
}

/// Runs action/install.sh with `args` and returns its stdout, asserting that it succeeded.
fn install_sh(args: &[&str]) -> String {
    let out = run_install_sh(args, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_string()
}

/// A release as release.yml publishes it: the archives of `targets` packed by package.sh, each
/// holding the same stand-in `sizegate`, and SHA256SUMS made by `sha256sum`.
struct Release {
    tag: String,
    /// Name -> bytes of every asset, SHA256SUMS included.
    assets: BTreeMap<String, Vec<u8>>,
    /// Where the stand-in records its arguments (see [`record_to`]).
    calls: PathBuf,
    _dir: tempfile::TempDir,
}

impl Release {
    /// Packs the release `tag` for `targets`. The stand-in binary answers `man` and `completions`
    /// as sizegate does (text on stdout) and runs every other command with the real binary,
    /// after noting its arguments: a test then knows that the downloaded binary is what ran.
    fn pack(tag: &str, targets: &[&str]) -> Release {
        let dir = tempdir();
        let calls = dir.path().join("release-sizegate.calls");
        let stand_in = write_script(
            dir.path(),
            "sizegate",
            &format!(
                "#!/bin/sh\ncase \"$1\" in\n  man) echo '.TH SIZEGATE 1'; exit 0 ;;\n  completions) echo \"# $2 completions\"; exit 0 ;;\nesac\n{}\nexec '{}' \"$@\"\n",
                record_to(&calls),
                sizegate_bin().display()
            ),
        );
        let out_dir = dir.path().join("dist");
        for target in targets {
            let out = Command::new(root().join(".github/scripts/package.sh"))
                .args([tag, target])
                .arg(&stand_in)
                .arg(&stand_in)
                .arg(&out_dir)
                .output()
                .expect("package.sh runs");
            assert!(
                out.status.success(),
                "package.sh {target}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // release.yml's own line.
        let status = Command::new("sh")
            .args(["-c", "sha256sum -- * > SHA256SUMS"])
            .current_dir(&out_dir)
            .status()
            .expect("sha256sum runs");
        assert!(status.success());
        let assets = std::fs::read_dir(&out_dir)
            .expect("dist")
            .filter_map(Result::ok)
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                (name, std::fs::read(e.path()).expect("asset"))
            })
            .collect();
        Release {
            tag: tag.to_string(),
            assets,
            calls,
            _dir: dir,
        }
    }

    /// The name of this release's archive for `target`.
    fn asset(&self, target: &str) -> String {
        install_sh(&["--asset", &self.tag, target])
    }

    /// The request lines of one download of this release's binary for this machine from the
    /// releases of `repo`: its archive, then SHA256SUMS to verify it.
    fn downloads(&self, repo: &str) -> [String; 2] {
        let base = format!("GET /{repo}/releases/download/{}", self.tag);
        [
            format!("{base}/{}", self.asset(&host_target())),
            format!("{base}/SHA256SUMS"),
        ]
    }

    /// SHA256SUMS with the line of `asset` replaced by another file's checksum.
    fn with_wrong_checksum_for(mut self, asset: &str) -> Release {
        let wrong = "0".repeat(64);
        let sums = String::from_utf8_lossy(&self.assets["SHA256SUMS"])
            .lines()
            .map(|l| match l.split_once("  ") {
                Some((_, name)) if name == asset => format!("{wrong}  {name}\n"),
                _ => format!("{l}\n"),
            })
            .collect::<String>();
        self.assets.insert("SHA256SUMS".into(), sums.into_bytes());
        self
    }

    /// The stand-in's calls so far, each as its arguments.
    fn calls(&self) -> Vec<Vec<String>> {
        calls(&self.calls)
    }

    /// Serves the release as GitHub does, under `/REPO/releases/download/TAG/`; 404 elsewhere.
    fn serve(&self, repo: &str) -> Server {
        let prefix = format!("/{repo}/releases/download/{}/", self.tag);
        let assets = self.assets.clone();
        Server::start(move |request| {
            match request
                .path
                .strip_prefix(&prefix)
                .and_then(|name| assets.get(name))
            {
                Some(bytes) => Response::bytes(200, bytes.clone()),
                None => Response::new(404, "Not Found"),
            }
        })
    }
}

/// A stand-in `cargo` in `dir` that records its arguments in `dir/cargo.calls` and, for
/// `install … --root ROOT …`, puts the real sizegate in ROOT/bin as a build would.
fn stand_in_cargo(dir: &Path) {
    recording_script(
        dir,
        "cargo",
        &format!(
            "root=\nwhile [ $# -gt 0 ]; do\n  [ \"$1\" != --root ] || root=$2\n  shift\ndone\nmkdir -p \"$root/bin\"\nln -sf '{}' \"$root/bin/sizegate\"\n",
            sizegate_bin().display()
        ),
    );
}

/// The stand-in cargo's calls, each as its arguments.
fn cargo_calls(dir: &Path) -> Vec<Vec<String>> {
    calls(&dir.join("cargo.calls"))
}
