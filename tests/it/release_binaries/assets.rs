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

#[test]
fn install_target_has_a_variable_of_its_own_and_ignores_sizegate_s() {
    // SIZEGATE_TARGET is sizegate's `--target`, the Dockerfile stage.
    let out = run_install_sh(&["--target"], &[("SIZEGATE_TARGET", "build")]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        host_target()
    );
    let out = run_install_sh(
        &["--target"],
        &[("SIZEGATE_INSTALL_TARGET", "aarch64-apple-darwin")],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "aarch64-apple-darwin\n"
    );
    // It becomes part of a URL: a triple's characters only, else an error (not "no binary",
    // which would send the caller to a build).
    let out = run_install_sh(
        &["v1.2.3", "unused"],
        &[("SIZEGATE_INSTALL_TARGET", "../x")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "SIZEGATE_INSTALL_TARGET must be a target triple, not '../x'\n"
    );
}

#[test]
fn install_script_is_the_one_grammar_of_release_tags() {
    // Regression: run.sh refused `v1.2.3+meta`, which install.sh took; now run.sh asks this.
    for tag in [
        "v1.2.3",
        "v10.20.30",
        "v1.2.3-rc.1",
        "v1.2.3-alpha-2",
        "v1.2.3+meta",
        "v1.2.3-rc.1+build.5",
    ] {
        let out = run_install_sh(&["--is-release-tag", tag], &[]);
        assert_eq!(out.status.code(), Some(0), "{tag}");
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{tag}");
    }
    for tag in [
        "",
        "1.2.3",
        "v1.2",
        "v1.2.3.4",
        "v1..2.3",
        "v1.2.3-",
        "v1.2.3+",
        "v1.2.3-rc/1",
        "v1.2.3/../../x",
        "v1.2.3\n::warning::forged",
        "v1.2.3 ",
        "V1.2.3",
        "latest",
        "main",
    ] {
        let out = run_install_sh(&["--is-release-tag", tag], &[]);
        assert_eq!(out.status.code(), Some(1), "{tag:?}");
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{tag:?}");
    }
    // No other copy of it: the action's script asks install.sh.
    let run_sh = read(&root().join("action/run.sh"));
    assert!(run_sh.contains("--is-release-tag"));
    assert!(
        !run_sh.contains("[0-9]+"),
        "run.sh has a tag regex of its own"
    );
}

#[test]
fn install_script_reads_the_release_tag_of_a_cargo_toml() {
    assert_eq!(
        install_sh(&["--cargo-tag"]),
        format!("v{}", cargo_version())
    );
    let dir = tempdir();
    // The [package] version, not a dependency's that comes first.
    let toml = crate::support::write_file(
        dir.path(),
        "Cargo.toml",
        b"[workspace]\nversion = \"9.9.9\"\n\n[package]\nname = \"x\"\nversion = \"2.0.0-rc.1\"\n\n[dependencies]\nfoo = { version = \"1\" }\n",
    );
    assert_eq!(install_sh(&["--cargo-tag", path_str(&toml)]), "v2.0.0-rc.1");
    let none = crate::support::write_file(dir.path(), "none.toml", b"[package]\nname = \"x\"\n");
    let out = run_install_sh(&["--cargo-tag", path_str(&none)], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("{} has no [package] version\n", none.display())
    );
    // The one reading: release.yml's check and the hook call it, neither reads Cargo.toml itself.
    for file in [
        ".github/workflows/release.yml",
        "examples/hooks/sizegate-prebuilt",
    ] {
        let text = read(&root().join(file));
        assert!(
            text.contains("install.sh\" --cargo-tag") || text.contains("install.sh --cargo-tag"),
            "{file}"
        );
        assert!(
            !text.contains("version = "),
            "{file} reads the version itself"
        );
    }
}

#[test]
fn release_workflow_refuses_a_tag_that_is_not_cargo_toml_s_version() {
    let release: Value =
        serde_saphyr::from_str(&read(&root().join(".github/workflows/release.yml")))
            .expect("release.yml is YAML");
    // Its own job, which every build waits for: a wrong tag costs no build.
    assert_eq!(release["jobs"]["build"]["needs"], "tag");
    let script = release["jobs"]["tag"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["name"] == "The tag is Cargo.toml's version")
        .and_then(|s| s["run"].as_str())
        .expect("the step")
        .to_string();
    let run = |tag: &str| {
        Command::new("bash")
            .args(["-e", "-c", &script])
            .current_dir(root())
            .env("TAG", tag)
            .output()
            .expect("bash runs")
    };
    let tag = format!("v{}", cargo_version());
    let out = run(&tag);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run("v99.0.0");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("::error title=release::the tag v99.0.0 is not {tag}, the version in Cargo.toml\n")
    );
}

#[test]
fn action_cache_key_is_made_with_install_sh_s_sha256() {
    // One SHA-256 helper (sha256sum, else shasum): install.sh's.
    let out = run_install_sh(&["--sha256", "-"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
        "the SHA-256 of nothing"
    );
    let text = read(&root().join("action.yml"));
    assert!(
        !text.contains("sha256sum") && !text.contains("shasum -a"),
        "action.yml has its own"
    );
    let action: Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
    let script = action["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["id"] == "key")
        .and_then(|s| s["run"].as_str())
        .expect("the key step")
        .to_string();
    let key = || {
        let dir = tempdir();
        let output = dir.path().join("output");
        let out = Command::new("bash")
            .args(["-e", "-o", "pipefail", "-c", &script])
            .current_dir(dir.path())
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_OUTPUT", &output)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env_remove("ImageOS")
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        read(&output)
    };
    let first = key();
    let hash = first
        .strip_prefix("key=sizegate-Linux-unknown-X64-")
        .and_then(|h| h.strip_suffix('\n'))
        .unwrap_or_else(|| panic!("{first}"));
    assert_eq!(hash.len(), 16, "{first}");
    assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{first}");
    assert_eq!(key(), first, "the same source, the same key");
}

/// The names of the variables sizegate reads (`env = "SIZEGATE_…"` in args.rs).
fn sizegate_variables() -> Vec<String> {
    let args = read(&root().join("src/bin/sizegate/args.rs"));
    let mut names: Vec<String> = args
        .split("env = \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The SIZEGATE_* names a script or YAML file mentions outside its comment lines.
fn variables_in(text: &str) -> Vec<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n");
    let text = code.as_str();
    let mut names: Vec<String> = text
        .match_indices("SIZEGATE_")
        .map(|(at, _)| {
            text[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect()
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn the_scripts_own_variables_never_collide_with_sizegate_s() {
    // Regression: install.sh read SIZEGATE_TARGET, sizegate's `--target` (a Dockerfile stage),
    // as the machine's target triple. A script's own setting must not be a name sizegate reads;
    // the only ones mentioned are those handed to sizegate for what they mean to it.
    let sizegate = sizegate_variables();
    assert!(
        sizegate.contains(&"SIZEGATE_TARGET".to_string()),
        "{sizegate:?}"
    );
    for (file, handed_on) in [
        ("action/install.sh", &[][..]),
        // Unset: what the inputs say, the inputs decide.
        (
            "action/run.sh",
            &[
                "SIZEGATE_BASELINE",
                "SIZEGATE_DOCKERFILE",
                "SIZEGATE_FAIL_ON",
                "SIZEGATE_FORMAT",
                "SIZEGATE_OUTPUT",
                "SIZEGATE_POLICY",
                "SIZEGATE_SARIF_CATEGORY",
            ][..],
        ),
        ("action/comment.sh", &[][..]),
        ("action.yml", &[][..]),
        ("examples/hooks/sizegate-prebuilt", &[][..]),
        (".github/scripts/package.sh", &[][..]),
        ("examples/ci/gitlab-ci.yml", &["SIZEGATE_BASELINE"][..]), // exported for sizegate
    ] {
        let clashes: Vec<String> = variables_in(&read(&root().join(file)))
            .into_iter()
            .filter(|v| sizegate.contains(v))
            .collect();
        assert_eq!(clashes, handed_on, "{file}");
    }
}
