//! The archives release.yml publishes, and the asset names every place spells.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use super::*;
use crate::support::path_str;

#[test]
fn install_script_names_the_archive_of_every_release_target() {
    let names: Vec<String> = TARGETS
        .iter()
        .map(|t| install_sh(&["--asset", "v1.2.3", t]))
        .collect();
    assert_eq!(
        names,
        [
            "sizegate-v1.2.3-x86_64-unknown-linux-musl.tar.gz",
            "sizegate-v1.2.3-aarch64-unknown-linux-musl.tar.gz",
            "sizegate-v1.2.3-x86_64-apple-darwin.tar.gz",
            "sizegate-v1.2.3-aarch64-apple-darwin.tar.gz",
            "sizegate-v1.2.3-x86_64-pc-windows-msvc.zip",
        ]
    );
    assert_eq!(install_sh(&["--target"]), host_target());
    // A tag is a tag: it becomes a URL.
    for bad in ["1.2.3", "v1.2.3/../x", "latest"] {
        let out = Command::new("sh")
            .arg(root().join("action/install.sh"))
            .args(["--asset", bad, "x86_64-unknown-linux-musl"])
            .output()
            .expect("sh runs");
        assert_eq!(out.status.code(), Some(1), "{bad}");
    }
}

/// The paths of an archive, sorted.
fn archive_listing(path: &Path) -> Vec<String> {
    let out = if path_str(path).ends_with(".zip") {
        Command::new("unzip").arg("-Z1").arg(path).output()
    } else {
        Command::new("tar").arg("-tzf").arg(path).output()
    }
    .expect("the archive is listed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

#[test]
fn release_archives_hold_the_binary_readme_licences_man_page_and_completions() {
    crate::support::ci::require_tools(&["zip", "unzip"]);
    let release = Release::pack(
        TAG,
        &["x86_64-unknown-linux-musl", "x86_64-pc-windows-msvc"],
    );
    let dir = tempdir();
    for (target, exe) in [
        ("x86_64-unknown-linux-musl", "sizegate"),
        ("x86_64-pc-windows-msvc", "sizegate.exe"),
    ] {
        let name = release.asset(target);
        let path = dir.path().join(&name);
        std::fs::write(&path, &release.assets[&name]).expect("archive");
        let top = format!("sizegate-{TAG}-{target}/");
        let mut want: Vec<String> = [
            "",
            "LICENSE-APACHE",
            "LICENSE-MIT",
            "README.md",
            "completions/",
            "completions/_sizegate",
            "completions/_sizegate.ps1",
            "completions/sizegate.bash",
            "completions/sizegate.fish",
            exe,
            "sizegate.1",
        ]
        .iter()
        .map(|f| format!("{top}{f}"))
        .collect();
        want.sort();
        assert_eq!(archive_listing(&path), want, "{name}");
    }
    // The list covers every archive, in sha256sum's own format.
    let sums = String::from_utf8_lossy(&release.assets["SHA256SUMS"]).into_owned();
    let listed: Vec<&str> = sums
        .lines()
        .filter_map(|l| l.split_once("  ").map(|(_, n)| n))
        .collect();
    assert_eq!(
        listed,
        [
            release.asset("x86_64-pc-windows-msvc"),
            release.asset("x86_64-unknown-linux-musl")
        ]
    );
}

/// The text of a TOML string key `key = "…"` in the lines after `section`'s header.
fn toml_string(text: &str, section: &str, key: &str) -> String {
    let header = format!("[{section}]");
    text.lines()
        .skip_while(|l| l.trim() != header)
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| l.strip_prefix(&format!("{key} = \"")))
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{section}.{key} in Cargo.toml"))
        .to_string()
}

#[test]
fn every_place_that_names_the_assets_names_them_as_install_sh_does() {
    // release.yml builds the documented targets and packs them with package.sh.
    let release: Value =
        serde_saphyr::from_str(&read(&root().join(".github/workflows/release.yml")))
            .expect("release.yml is YAML");
    let built: Vec<&str> = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix")
        .iter()
        .filter_map(|t| t["target"].as_str())
        .collect();
    assert_eq!(built, TARGETS);
    assert!(read(&root().join(".github/workflows/release.yml"))
        .contains(".github/scripts/package.sh \"$TAG\" \"$target\""));

    // cargo binstall: the same URL and the same directory inside the archive.
    let cargo = read(&root().join("Cargo.toml"));
    let version = cargo_version();
    let expand = |template: &str, target: &str| {
        template
            .replace("{ repo }", "https://github.com/sizegate/sizegate")
            .replace("{ version }", &version)
            .replace("{ name }", "sizegate")
            .replace("{ bin }", "sizegate")
            .replace("{ target }", target)
            .replace(
                "{ binary-ext }",
                if target.contains("windows") {
                    ".exe"
                } else {
                    ""
                },
            )
    };
    let binstall = "package.metadata.binstall";
    let windows = format!("{binstall}.overrides.x86_64-pc-windows-msvc");
    for target in TARGETS {
        let section = if target.contains("windows") {
            windows.as_str()
        } else {
            binstall
        };
        let asset = install_sh(&["--asset", &format!("v{version}"), target]);
        assert_eq!(
            expand(&toml_string(&cargo, section, "pkg-url"), target),
            format!("https://github.com/sizegate/sizegate/releases/download/v{version}/{asset}")
        );
        let top = asset.trim_end_matches(".zip").trim_end_matches(".tar.gz");
        let exe = if target.contains("windows") {
            "sizegate.exe"
        } else {
            "sizegate"
        };
        assert_eq!(
            expand(&toml_string(&cargo, binstall, "bin-dir"), target),
            format!("{top}/{exe}")
        );
    }
    assert_eq!(toml_string(&cargo, &windows, "pkg-fmt"), "zip");

    // The recipes pin the release of this version, never a branch.
    let pin = format!("sizegate/sizegate@v{version}");
    for file in ["README.md", "examples/ci/github-baseline.yml"] {
        let text = read(&root().join(file));
        assert!(text.contains(&pin), "{file} pins {pin}");
        assert!(!text.contains("sizegate@main"), "{file} pins a branch");
    }
}
