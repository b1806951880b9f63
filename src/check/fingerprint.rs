//! What a finding is, across runs: the fingerprints SARIF (`partialFingerprints`) and GitLab Code
//! Quality (`fingerprint`) carry, so that a finding that stays is one alert or issue, and the
//! identity of each image checked they are made with. Neither may change when only the image's
//! tag, digest or numbers change, nor from build to build of one Dockerfile: CI tags every build
//! anew, and builders write content digests and build arguments into a layer's `created_by`.

use std::borrow::Cow;
use std::collections::HashMap;

use super::origin::LayerOrigin;
use super::report::{CheckReport, Finding, ImageCheck};
use crate::code::Code;
use crate::source::repository_path;

impl ImageCheck {
    /// The repository the image's tags name, as reports tell images apart ([`repository_path`]:
    /// `team/app`, without registry host, tag or digest): from the first tag that names one;
    /// `None` for an untagged image, or one whose only tag is a tag alone (an OCI layout's
    /// `ref.name` of `1.0.0`).
    pub(crate) fn repository(&self) -> Option<String> {
        self.summary
            .tags
            .iter()
            .find_map(|tag| repository_path(tag))
    }
}

impl CheckReport {
    /// A stable fingerprint of every finding, `[image][finding]`: 32 hex digits hashed from what
    /// identifies the problem, never from the numbers nor from the image's tag or digest (CI tags
    /// each build anew), so a finding keeps its fingerprint while the image grows, shrinks or is
    /// retagged:
    ///
    /// - the code and the rule;
    /// - what it is about: nothing more for a finding about the whole image; for a finding about a
    ///   layer, the layer's instruction (its Dockerfile text when `--dockerfile` traced it, else
    ///   its `created_by` without what changes from build to build, see [`stable_created_by`])
    ///   rather than its index, which shifts when a base image gains a layer; else the subject
    ///   (the globs of a path rule);
    /// - the file the finding is shown in (the Dockerfile, else the policy), as the report names
    ///   it: relative to the repository root, so the same wherever sizegate was started;
    /// - the image's [identity](CheckReport::image_identities).
    ///
    /// Findings that would share one (the same rule in two policy files) are told apart by their
    /// order.
    pub(crate) fn fingerprints(&self) -> Vec<Vec<String>> {
        let identities = self.image_identities();
        let fallback = self.fallback_file();
        let mut seen = HashMap::<String, usize>::new();
        self.images
            .iter()
            .zip(&identities)
            .map(|(check, identity)| {
                check
                    .findings
                    .iter()
                    .map(|f| {
                        let file = f
                            .dockerfile
                            .as_ref()
                            .or(f.location.as_ref())
                            .map_or(fallback, |l| l.file.as_str());
                        let subject = fingerprint_subject(check, f);
                        let parts = [
                            f.code.as_str(),
                            f.rule.as_str(),
                            &subject,
                            file,
                            identity.as_str(),
                        ];
                        let base = fnv1a_128(&parts);
                        let n = seen.entry(base.clone()).or_insert(0);
                        *n += 1;
                        if *n == 1 {
                            base
                        } else {
                            fnv1a_128(&[&base, &n.to_string()])
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// What tells each image checked apart in a fingerprint, in image order, never its tag or
    /// digest: its [repository](ImageCheck::repository) (none for an OCI layout whose `ref.name`
    /// is only a tag) and its platform, as far as they are known. Even one image checked has
    /// one: GitLab merges the Code Quality reports of every job of a pipeline into one, with no
    /// notion of which job wrote which, so the jobs that check two images, or two platforms of
    /// one, must not share fingerprints. Images that would still share one (two tags of one
    /// repository and platform, or two images without a repository) are told apart by their
    /// rank among them from the second on (`#2`), so the first keeps its identity when a second
    /// one joins.
    pub(crate) fn image_identities(&self) -> Vec<String> {
        ranked(self.images.iter().map(|check| {
            let repository = check.repository().unwrap_or_default();
            let platform = check.summary.platform.as_deref().unwrap_or_default();
            format!("{repository} {platform}").trim().to_string()
        }))
    }

    /// The fingerprint of the note that says which rules were skipped on the `index`th image:
    /// from its [identity](CheckReport::image_identities) alone, so the note stays one issue
    /// across runs and tags however many rules it names. No finding's fingerprint can equal it:
    /// theirs start from a finding code, and `skipped` is none.
    pub(crate) fn skipped_fingerprint(&self, index: usize) -> String {
        let identities = self.image_identities();
        let identity = identities.get(index).map_or("", String::as_str);
        fnv1a_128(&["skipped", identity])
    }
}

/// `names`, each one that repeats an earlier one followed by its rank among them from the second
/// on (`app`, `app #2`), so that the first keeps its name when a second one joins.
pub(crate) fn ranked(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashMap::<String, usize>::new();
    names
        .into_iter()
        .map(|name| {
            let n = seen.entry(name.clone()).or_insert(0);
            *n += 1;
            match *n {
                1 => name,
                n => format!("{name} #{n}"),
            }
        })
        .collect()
}

/// What a finding is about, for its fingerprint (see [`CheckReport::fingerprints`]).
fn fingerprint_subject<'a>(check: &'a ImageCheck, f: &'a Finding) -> Cow<'a, str> {
    if f.subject == check.summary.name {
        // The whole image: its name holds the tag, and the identity names the image already.
        return Cow::Borrowed("");
    }
    let about_a_layer = matches!(
        f.code,
        Code::LayerOverBudget | Code::LayerTooManyFiles | Code::LayerGrew
    );
    let Some(layer) = f.layer.filter(|_| about_a_layer) else {
        return Cow::Borrowed(&f.subject);
    };
    let traced = check.origins.iter().find_map(|o| match o {
        LayerOrigin::Instruction {
            layer: l,
            instruction,
            ..
        } if *l == layer => Some(instruction.as_str()),
        _ => None,
    });
    match (traced, &f.created_by) {
        (Some(instruction), _) => Cow::Borrowed(instruction),
        (None, Some(created_by)) => Cow::Owned(stable_created_by(created_by)),
        (None, None) => Cow::Borrowed(&f.subject),
    }
}

/// A layer's `created_by` without what changes from build to build of one instruction, so that
/// its findings keep their fingerprints without `--dockerfile`:
///
/// - white space collapsed to single spaces, and BuildKit's ` # buildkit` suffix dropped;
/// - the classic builder's (and buildah's) `/bin/sh -c #(nop) ` before an instruction that runs
///   nothing dropped, shell and marker (only right after a shell's `-c`, `/C` or `-Command`:
///   elsewhere `#(nop)` is part of a command);
/// - the content digest of a copied file or directory (`COPY file:<hex> in /app`, `dir:<hex>`,
///   `multi:<hex>`) reduced to its kind (`file:`), as it changes with every change of the files;
/// - the build arguments before a `RUN` command (`|2 GIT_SHA=0f3a VERSION=1.2 /bin/sh -c make`,
///   after `RUN` for BuildKit) dropped, count and pairs: their values are often the commit.
///
/// Written here rather than with the Dockerfile attribution's reading of `created_by`
/// (`dockerfile/history.rs`), so that this recipe, which fingerprints depend on, changes only
/// when the fingerprint key does.
fn stable_created_by(created_by: &str) -> String {
    let all: Vec<&str> = created_by.split_whitespace().collect();
    let mut words = all.as_slice();
    if let [rest @ .., "#", "buildkit"] = words {
        words = rest;
    }
    // `/bin/sh -c #(nop) COPY …`, `cmd /S /C #(nop) COPY …`, `/bin/bash -o pipefail -c #(nop) …`.
    if let Some(at) = words.iter().take(5).position(|w| *w == "#(nop)") {
        if at >= 2 && is_shell_flag(words[at - 1]) {
            words = &words[at + 1..];
        }
    }
    let (keyword, command) = match words {
        ["RUN", rest @ ..] => (Some("RUN"), rest),
        _ => (None, words),
    };
    let command = without_build_args(command);
    keyword
        .into_iter()
        .chain(command.iter().map(|w| without_digest(w)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether a word is the flag after which a shell takes its command: `-c` (`sh`, `bash`), `/C`
/// (Windows' `cmd`), `-Command` (PowerShell).
fn is_shell_flag(word: &str) -> bool {
    ["-c", "/c", "-command"]
        .iter()
        .any(|flag| word.eq_ignore_ascii_case(flag))
}

/// A command without the build arguments the builder wrote before it: `|N` and N `NAME=value`
/// pairs. A value with spaces is written unquoted, so a word that is no `NAME=` is taken as part
/// of the value before it (the last value cannot be told from the command: its first word
/// ends it). A count without as many pairs is no prefix: the words stay as they are.
fn without_build_args<'a>(words: &'a [&'a str]) -> &'a [&'a str] {
    let Some(count) = words
        .first()
        .and_then(|w| w.strip_prefix('|'))
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return words;
    };
    let mut pairs = 0;
    let mut at = 1;
    while pairs < count {
        match words.get(at) {
            Some(w) if is_build_arg(w) => pairs += 1,
            // The rest of a value with spaces.
            Some(_) if pairs > 0 => {}
            _ => return words,
        }
        at += 1;
    }
    &words[at..]
}

/// `NAME=value`, as a build argument is written: a name of letters, digits and `_`.
fn is_build_arg(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// `file:` for `file:<hex>` (and alike for `dir:` and `multi:`, the classic builder's names of
/// what it copied); any other word as it is.
fn without_digest(word: &str) -> &str {
    for kind in ["file:", "dir:", "multi:"] {
        if let Some(hex) = word.strip_prefix(kind) {
            if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                return kind;
            }
        }
    }
    word
}

/// FNV-1a, 128 bits, over the parts separated by NUL, as 32 hex digits. Chosen over std's
/// `DefaultHasher` because its result is fixed by its published constants, so fingerprints stay the
/// same across Rust versions and platforms; it is not meant to resist forgery, only to tell
/// findings apart.
fn fnv1a_128(parts: &[&str]) -> String {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let separated = parts.iter().enumerate().flat_map(|(i, part)| {
        let sep: &[u8] = if i == 0 { b"" } else { b"\0" };
        sep.iter().chain(part.as_bytes())
    });
    let hash = separated.fold(OFFSET, |hash, &b| {
        (hash ^ u128::from(b)).wrapping_mul(PRIME)
    });
    format!("{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::report::tests::{finding, report};
    use crate::check::report::Location;
    use crate::severity::Severity;
    use crate::units::Measure;

    #[test]
    fn fingerprints_ignore_numbers_and_tell_twins_apart() {
        let a = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "x");
        let mut b = a.clone();
        b.actual = Some(Measure::Bytes(9999));
        b.message = "other words".into();
        let one = report(vec![], vec![a.clone()]).fingerprints();
        let other = report(vec![], vec![b]).fingerprints();
        assert_eq!(
            one, other,
            "numbers and wording do not change a fingerprint"
        );
        assert_eq!(one[0][0].len(), 32);
        let twins = report(vec![], vec![a.clone(), a]).fingerprints();
        assert_eq!(twins[0][0], one[0][0]);
        assert_ne!(twins[0][0], twins[0][1]);
    }

    /// `report`'s image renamed: its name, tags and the subject of its image-wide findings.
    fn retagged(mut r: CheckReport, tag: &str) -> CheckReport {
        for check in &mut r.images {
            let old = std::mem::replace(&mut check.summary.name, tag.to_string());
            check.summary.tags = vec![tag.to_string()];
            for f in check.findings.iter_mut().filter(|f| f.subject == old) {
                f.subject = tag.to_string();
            }
        }
        r
    }

    /// `one`'s image twice, tagged `tags`.
    fn two_images(one: &CheckReport, tags: [&str; 2]) -> CheckReport {
        let mut r = retagged(one.clone(), tags[0]);
        let other = retagged(one.clone(), tags[1]).images.remove(0);
        r.images.push(other);
        r
    }

    /// Findings of every kind of subject: the image, a layer, a glob.
    fn findings_of_every_kind() -> Vec<Finding> {
        let image = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "x");
        let mut layer = finding(Code::LayerOverBudget, Severity::Error, "layers[0]", "x");
        (layer.subject, layer.layer) = ("layer 0".into(), Some(0));
        layer.created_by = Some("COPY . /app".into());
        let mut glob = finding(Code::ForbiddenPath, Severity::Warn, "forbid[0]", "x");
        (glob.subject, glob.layer) = ("/**/*.pem".into(), Some(0));
        vec![image, layer, glob]
    }

    #[test]
    fn retagging_or_pushing_the_image_keeps_every_fingerprint() {
        let one = report(vec![], findings_of_every_kind());
        let before = one.fingerprints();
        assert_eq!(before, retagged(one.clone(), "app:2").fingerprints());
        for pushed in [
            "registry.example/app@sha256:ab",
            "localhost:5000/app:3",
            "library/app:4",
        ] {
            let after = retagged(one.clone(), pushed).fingerprints();
            assert_eq!(
                before, after,
                "{pushed}: nor a digest, a registry, Hub's library/"
            );
        }
        // With two images, each is told by its repository: still not by its tag.
        let two = |tags| two_images(&one, tags).fingerprints();
        assert_eq!(two(["app:1", "worker:1"]), two(["app:2", "worker:7"]));
        let pair = two(["app:1", "worker:1"]);
        assert_ne!(
            pair[0], pair[1],
            "two repositories, two sets of fingerprints"
        );
        assert_eq!(
            pair[0], before[0],
            "a second image leaves the first's alone"
        );
        // One repository twice (two tags of one image): its findings are twins, told apart.
        let twins: Vec<String> = two(["app:1", "app:2"]).concat();
        let mut unique = twins.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), twins.len());
    }

    #[test]
    fn one_image_checked_is_still_told_by_its_repository_and_platform() {
        // Two GitLab jobs, each checking one image: their reports are merged into one.
        let one = report(vec![], findings_of_every_kind());
        let app = retagged(one.clone(), "registry.example/team/app:1");
        let worker = retagged(one.clone(), "registry.example/team/worker:1");
        assert_eq!(app.image_identities(), ["team/app linux/amd64"]);
        let (a, w) = (app.fingerprints(), worker.fingerprints());
        assert!(a[0].iter().all(|p| !w[0].contains(p)), "{a:?} {w:?}");
        assert_ne!(app.skipped_fingerprint(0), worker.skipped_fingerprint(0));
        // A job per platform of one image.
        let mut arm = app.clone();
        arm.images[0].summary.platform = Some("linux/arm64".into());
        let arm = arm.fingerprints();
        assert!(a[0].iter().all(|p| !arm[0].contains(p)));
    }

    #[test]
    fn an_oci_ref_name_that_is_only_a_tag_names_no_repository() {
        let one = report(vec![], findings_of_every_kind());
        let v1 = retagged(one.clone(), "1.0.0");
        assert_eq!(v1.image_identities(), ["linux/amd64"]);
        assert_eq!(v1.fingerprints(), retagged(one, "2.0.0").fingerprints());
    }

    #[test]
    fn one_repository_for_two_platforms_is_told_apart_by_the_platform() {
        let mut r = retagged(
            report(vec![], findings_of_every_kind()),
            "registry.example/org/app:1",
        );
        let mut arm = r.images[0].clone();
        arm.summary.platform = Some("linux/arm64".into());
        r.images.push(arm);
        assert_eq!(
            r.image_identities(),
            ["org/app linux/amd64", "org/app linux/arm64"]
        );
        let prints = r.fingerprints();
        assert!(prints[0].iter().all(|p| !prints[1].contains(p)));
        assert_ne!(r.skipped_fingerprint(0), r.skipped_fingerprint(1));
        for check in &mut r.images {
            check.summary.tags.clear();
            check.summary.platform = None;
        }
        assert_eq!(r.image_identities(), ["", " #2"]);
        assert_ne!(r.skipped_fingerprint(0), r.skipped_fingerprint(1));
    }

    #[test]
    fn a_layer_finding_is_named_by_its_instruction_and_file_not_its_index() {
        let r = report(vec![], findings_of_every_kind());
        let before = r.fingerprints();
        let mut moved = r.clone();
        // A base image gained a layer: the same instruction is now layer 1.
        moved.images[0].findings[1].layer = Some(1);
        moved.images[0].findings[1].subject = "layer 1".into();
        assert_eq!(moved.fingerprints(), before);
        // Traced to the Dockerfile, the finding is the Dockerfile's text, at the Dockerfile.
        let mut traced = r.clone();
        traced.images[0].findings[1].dockerfile = Some(Location {
            file: "Dockerfile".into(),
            line: 4,
            column: 1,
        });
        let at_dockerfile = traced.fingerprints();
        assert_ne!(at_dockerfile[0][1], before[0][1], "another file");
        traced.images[0].origins = vec![LayerOrigin::Instruction {
            layer: 0,
            location: Location {
                file: "Dockerfile".into(),
                line: 4,
                column: 1,
            },
            instruction: "COPY . /app".into(),
        }];
        traced.images[0].findings[1].created_by = Some("COPY dir:0f3a in /app".into());
        assert_eq!(traced.fingerprints(), at_dockerfile);
        // The policy moved to another file: another finding.
        let mut elsewhere = r.clone();
        for f in &mut elsewhere.images[0].findings {
            if let Some(l) = &mut f.location {
                l.file = "ci/sizegate.yml".into();
            }
        }
        let other = elsewhere.fingerprints();
        assert!(other[0].iter().all(|p| !before[0].contains(p)));
    }

    #[test]
    fn a_layer_rebuilt_from_other_files_or_build_args_keeps_its_fingerprint() {
        let built = |created_by: &str| {
            let mut findings = findings_of_every_kind();
            findings[1].created_by = Some(created_by.into());
            report(vec![], findings).fingerprints()
        };
        let hex = |c: char| c.to_string().repeat(64);
        assert_eq!(
            built(&format!(
                "/bin/sh -c #(nop) COPY file:{} in /app ",
                hex('a')
            )),
            built(&format!(
                "/bin/sh -c #(nop) COPY file:{} in /app ",
                hex('b')
            )),
        );
        assert_eq!(
            built("RUN |1 GIT_SHA=0f3a9c1 /bin/sh -c make # buildkit"),
            built("RUN |1 GIT_SHA=77be0d2 /bin/sh -c make # buildkit"),
        );
        assert_ne!(
            built("RUN /bin/sh -c make # buildkit"),
            built("RUN /bin/sh -c make install # buildkit"),
            "another command is another layer"
        );
    }

    #[test]
    fn classic_builder_created_by_loses_its_digests_and_build_args() {
        let digest = "2678f27a9f06a25fe942c92d65aa2fbe3f3bbb4e0814c468ec20ef8a66157a92";
        for (created_by, stable) in [
            (
                format!("/bin/sh -c #(nop) COPY file:{digest} in /app "),
                "COPY file: in /app",
            ),
            (
                format!("/bin/sh -c #(nop) ADD dir:{digest} in /root/.data/ "),
                "ADD dir: in /root/.data/",
            ),
            (
                format!("/bin/sh -c #(nop) COPY multi:{digest} in /app/ "),
                "COPY multi: in /app/",
            ),
            (
                "/bin/sh -c #(nop)  CMD [\"sh\"]".to_string(),
                "CMD [\"sh\"]",
            ),
            (
                "|1 GIT_SHA=0f3a9c1d /bin/sh -c make".to_string(),
                "/bin/sh -c make",
            ),
            (
                "|2 GIT_SHA=0f3a9c1d VERSION=1.4.2 /bin/sh -c make   install".to_string(),
                "/bin/sh -c make install",
            ),
            (
                "/bin/sh -c apt-get update &&     apt-get install -y curl".to_string(),
                "/bin/sh -c apt-get update && apt-get install -y curl",
            ),
            (
                format!("cmd /S /C #(nop) COPY file:{digest} in C:\\app "),
                "COPY file: in C:\\app",
            ),
        ] {
            assert_eq!(stable_created_by(&created_by), stable, "{created_by}");
        }
    }

    #[test]
    fn buildkit_created_by_loses_its_suffix_and_build_args() {
        for (created_by, stable) in [
            ("COPY . /app # buildkit", "COPY . /app"),
            (
                "COPY --from=build /out/app /usr/local/bin/ # buildkit",
                "COPY --from=build /out/app /usr/local/bin/",
            ),
            (
                "RUN |1 GIT_SHA=0f3a9c1d /bin/sh -c make # buildkit",
                "RUN /bin/sh -c make",
            ),
            (
                "RUN |3 A=1 B=2 C=3 /bin/sh -c pip install -r requirements.txt # buildkit",
                "RUN /bin/sh -c pip install -r requirements.txt",
            ),
            (
                "RUN /bin/sh -c apt-get update &&     apt-get install -y curl # buildkit",
                "RUN /bin/sh -c apt-get update && apt-get install -y curl",
            ),
            ("WORKDIR /app", "WORKDIR /app"),
        ] {
            assert_eq!(stable_created_by(created_by), stable, "{created_by}");
        }
    }

    #[test]
    fn buildah_created_by_loses_its_digests_and_build_args() {
        let digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        for (created_by, stable) in [
            (
                format!("/bin/sh -c #(nop) COPY dir:{digest} in /usr/src/app "),
                "COPY dir: in /usr/src/app",
            ),
            (
                format!("/bin/sh -c #(nop) ADD file:{digest} in / "),
                "ADD file: in /",
            ),
            (
                "|1 GIT_SHA=0f3a9c1d /bin/sh -c npm ci".to_string(),
                "/bin/sh -c npm ci",
            ),
            ("/bin/sh -c npm ci".to_string(), "/bin/sh -c npm ci"),
        ] {
            assert_eq!(stable_created_by(&created_by), stable, "{created_by}");
        }
    }

    #[test]
    fn what_only_looks_like_a_marker_or_build_args_stays() {
        for (created_by, stable) in [
            // `#(nop)` in a command, not after the shell's flag.
            ("/bin/sh -c echo #(nop) x", "/bin/sh -c echo #(nop) x"),
            // A count without its pairs, or no count at all.
            ("|2 A=1 /bin/sh -c make", "|2 A=1 /bin/sh -c make"),
            ("|x A=1 make", "|x A=1 make"),
            ("|0 /bin/sh -c make", "/bin/sh -c make"),
            // A value with spaces is the value's, up to the next pair.
            (
                "|2 MSG=hello world GIT_SHA=ab /bin/sh -c make",
                "/bin/sh -c make",
            ),
            // Not hex: a file name, not a digest.
            (
                "COPY file:app.tar /app # buildkit",
                "COPY file:app.tar /app",
            ),
            ("", ""),
        ] {
            assert_eq!(stable_created_by(created_by), stable, "{created_by}");
        }
    }

    #[test]
    fn fnv1a_128_matches_the_published_test_vector() {
        // FNV-1a 128 of "a" (draft-eastlake-fnv test vectors).
        assert_eq!(fnv1a_128(&["a"]), "d228cb696f1a8caf78912b704e4a8964");
        assert_ne!(fnv1a_128(&["ab", "c"]), fnv1a_128(&["a", "bc"]));
    }
}
