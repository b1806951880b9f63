//! The change that removes a source of wasted bytes, named only when the evidence supports it: the
//! instructions that added and removed the bytes (from the layers' `created_by`), how they went,
//! and what they are (archives, a preset's cache or list, a file rewritten for its mode alone).
//! A file overwritten with other content says nothing more about its fix: it gets no hint, rather
//! than generic advice. Bytes the base image added cannot be spared by any change of the
//! Dockerfile's own steps, and their hint says so.

use std::sync::OnceLock;

use super::origin::LayerOrigin;
use crate::analysis::waste::{How, WasteSource};
use crate::dockerfile::instruction_keyword;
use crate::image::is_below;
use crate::image::Image;
use crate::policy::preset::{PresetRule, RECOMMENDED};
use crate::policy::rules::Glob;

/// Files a RUN made and a later RUN removed.
const ONE_RUN: &str = "create, use and delete them in one RUN, or keep them out of the layers with `RUN --mount=type=cache` or `--mount=type=bind`, or make them in a build stage and `COPY --from` only the result";

/// Archives or packages a COPY or ADD brought in and a later RUN removed (after installing them).
const BIND_ARCHIVES: &str = "bind-mount them for the RUN that installs them instead of copying them into a layer: `RUN --mount=type=bind,source=…,target=… pip install …`";

/// Other files a COPY or ADD brought in and a later RUN removed.
const NOT_COPIED: &str = "do not COPY what a later step deletes: leave it out with `.dockerignore`, or bind-mount it for the RUN that needs it (`RUN --mount=type=bind,source=…,target=…`)";

/// A copied file written again by a later RUN only to change its mode or owner.
const COPY_CHMOD: &str = "copy it with the mode or owner it needs, `COPY --chmod=…` or `--chown=…` (or set the mode in the build context), instead of a later `RUN chmod`/`chown` that ships it twice";

/// A file a RUN made and a later RUN wrote again only to change its mode or owner.
const RUN_CHMOD: &str = "set the mode or owner in the RUN that writes the file, not in a later `RUN chmod`/`chown` that ships it twice";

/// Files of the base image that a later RUN removed.
const FROM_BASE: &str = "the base image ships them, and removing them later saves nothing: use a base image without them, or a final stage that copies only what the image needs";

/// What made a layer, as far as the hints are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// `RUN` (a classic builder's command line too).
    Run,
    /// `COPY` or `ADD`: files from the build context (or another stage, or a URL).
    Copy,
    /// A base image's root filesystem: an `ADD` of a tree at `/` (`ADD file:… in /`, as Docker's
    /// official images start), or a note a build tool wrote (`# debian.sh --arch amd64 …`).
    Base,
    /// Anything else (`WORKDIR`, …).
    Other,
}

impl Step {
    /// The step of a layer, from its `created_by`; `None` when the history does not say.
    fn of(created_by: Option<&str>) -> Option<Step> {
        let created_by = created_by?;
        // BuildKit and kaniko start with the keyword, the classic builder with the shell: only a
        // tool's note starts with `#`.
        if created_by.trim_start().starts_with('#') {
            return Some(Step::Base);
        }
        let text = created_by
            .trim_end()
            .trim_end_matches("# buildkit")
            .trim_end();
        Some(match instruction_keyword(created_by).as_str() {
            "RUN" => Step::Run,
            "ADD" if text.ends_with(" /") => Step::Base,
            "COPY" | "ADD" => Step::Copy,
            _ => Step::Other,
        })
    }
}

/// The change that would spare the bytes of `source`, one of `image`'s waste sources, read from
/// the `created_by` of its layers; `origins` (`layer_origins`, empty without `--dockerfile`) tell
/// the base image's layers, whatever their steps.
pub(crate) fn source_hint(
    image: &Image,
    source: &WasteSource,
    origins: &[LayerOrigin],
) -> Option<String> {
    let created_by = |layer: usize| image.layers.get(layer)?.created_by.as_deref();
    let removed_by = created_by(source.removed_layer);
    match origins.get(source.added_layer) {
        Some(LayerOrigin::BaseImage { .. }) => base_image_hint(source, removed_by),
        _ => waste_hint(source, created_by(source.added_layer), removed_by),
    }
}

/// The change that would spare `source`'s bytes, given the `created_by` of the layer that added
/// them (`added_by`) and of the layer that removed them (`removed_by`); `None` when the evidence
/// names none.
pub(crate) fn waste_hint(
    source: &WasteSource,
    added_by: Option<&str>,
    removed_by: Option<&str>,
) -> Option<String> {
    let (added, removed) = (Step::of(added_by), Step::of(removed_by));
    if added == Some(Step::Base) {
        return base_image_hint(source, removed_by);
    }
    // A rewrite for the mode alone says more than its path: it goes first.
    if source.metadata_only {
        let hint = match (added?, removed?) {
            (Step::Copy, Step::Run) => COPY_CHMOD,
            (Step::Run, Step::Run) => RUN_CHMOD,
            _ => return None,
        };
        return Some(hint.to_string());
    }
    // Only a RUN deletes files or empties a directory (a whiteout or an opaque marker).
    let removed_by_run = source.how != How::Overwritten && removed == Some(Step::Run);
    // What was copied in only to be removed should not have been copied, whatever it is.
    if added == Some(Step::Copy) {
        let hint = match (removed_by_run, source.archives) {
            (false, _) => return None,
            (true, true) => BIND_ARCHIVES,
            (true, false) => NOT_COPIED,
        };
        return Some(hint.to_string());
    }
    // A package manager's cache or lists, made by a RUN (or a step the history does not name):
    // the preset knows their fix.
    if let Some(rule) = preset_rule(&source.path, source.is_file) {
        return Some(rule.hint.to_string());
    }
    // A file overwritten with other content says nothing of its fix.
    (removed_by_run && added == Some(Step::Run)).then(|| ONE_RUN.to_string())
}

/// The hint for `source` when its bytes come with the base image (its layer is below the built
/// stage's first instruction, or an `ADD` of a root filesystem), given the `created_by` of the
/// layer that removed them: removing them saved nothing. A file of the base rewritten or
/// overwritten by a later layer gets none: that is what images built on a base do.
pub(crate) fn base_image_hint(source: &WasteSource, removed_by: Option<&str>) -> Option<String> {
    let removed = source.how != How::Overwritten && Step::of(removed_by) == Some(Step::Run);
    (removed && !source.metadata_only).then(|| FROM_BASE.to_string())
}

/// A preset rule with its globs compiled.
struct Compiled {
    rule: &'static PresetRule,
    globs: Vec<Glob>,
    except: Vec<Glob>,
}

/// The `recommended` preset's rules, compiled once (their globs are known to compile: a test of
/// `preset.rs` says so).
fn compiled() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let compile = |globs: &[&str]| globs.iter().filter_map(|g| Glob::path(g).ok()).collect();
        RECOMMENDED
            .iter()
            .map(|rule| Compiled {
                rule,
                globs: compile(rule.globs),
                except: compile(rule.except),
            })
            .collect()
    })
}

/// The first rule of the `recommended` preset that the source's path falls under, whether the
/// policy extends it or not: the hint is about what the bytes are. A file matches as the rule
/// matches it. A directory matches when it is at or below the fixed part of one of the rule's
/// globs (`/var/cache/apt` for `/var/cache/apt/*.bin`) or when the glob takes any name in it
/// (`**/.cache/pip/**`), and no exception takes any name in it.
fn preset_rule(path: &[u8], is_file: bool) -> Option<&'static PresetRule> {
    if is_file {
        return compiled()
            .iter()
            .find(|c| {
                c.globs.iter().any(|g| g.matches_path(path))
                    && !c.except.iter().any(|g| g.matches_path(path))
            })
            .map(|c| c.rule);
    }
    // A name no file has (NUL): only a glob that takes every name in the directory matches it.
    let any_name = [path, b"/\0"].concat();
    let holds = |g: &Glob| {
        fixed_dir(&g.pattern).is_some_and(|dir| path == dir || is_below(dir, path))
            || g.matches_path(&any_name)
    };
    compiled()
        .iter()
        .find(|c| c.globs.iter().any(holds) && !c.except.iter().any(|g| g.matches_path(&any_name)))
        .map(|c| c.rule)
}

/// The directory a glob's fixed start names: `/var/cache/apt` for `/var/cache/apt/*.bin`; `None`
/// when the glob starts with a wildcard or names no directory below the root.
fn fixed_dir(pattern: &str) -> Option<&[u8]> {
    let fixed = pattern
        .find(['*', '?', '[', '{', '\\'])
        .map_or(pattern, |i| &pattern[..i]);
    let dir = &fixed[..fixed.rfind('/')?];
    (!dir.is_empty()).then_some(dir.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: Option<&str> = Some("RUN /bin/sh -c rm -rf /tmp/x # buildkit");
    const COPY: Option<&str> = Some("COPY wheels/ /tmp/wheels/ # buildkit");
    const ADD: Option<&str> = Some("/bin/sh -c #(nop) ADD file:ab in /tmp/x.tar.gz ");
    const WORKDIR: Option<&str> = Some("WORKDIR /app");

    fn source(path: &str, how: How) -> WasteSource {
        WasteSource {
            path: path.as_bytes().to_vec(),
            is_file: false,
            bytes: 100,
            files: 2,
            how,
            added_layer: 1,
            removed_layer: 2,
            metadata_only: false,
            archives: false,
        }
    }

    fn hint(s: &WasteSource, added: Option<&str>, removed: Option<&str>) -> Option<String> {
        waste_hint(s, added, removed)
    }

    #[test]
    fn added_by_a_run_and_removed_by_a_later_run_is_one_run() {
        let deleted = source("/opt/build", How::Deleted);
        assert_eq!(hint(&deleted, RUN, RUN).as_deref(), Some(ONE_RUN));
        // A classic builder's command line is a RUN too.
        let classic = Some("/bin/sh -c make");
        assert_eq!(hint(&deleted, classic, RUN).as_deref(), Some(ONE_RUN));
        let emptied = source("/srv/conf", How::Opaque);
        assert_eq!(hint(&emptied, RUN, RUN).as_deref(), Some(ONE_RUN));
    }

    #[test]
    fn copied_archives_removed_later_are_bind_mounted() {
        let mut wheels = source("/tmp/wheels", How::Deleted);
        wheels.archives = true;
        assert_eq!(hint(&wheels, COPY, RUN).as_deref(), Some(BIND_ARCHIVES));
        assert_eq!(hint(&wheels, ADD, RUN).as_deref(), Some(BIND_ARCHIVES));
        // Archives a RUN downloaded are files made and removed by RUNs.
        assert_eq!(hint(&wheels, RUN, RUN).as_deref(), Some(ONE_RUN));
    }

    #[test]
    fn other_copied_files_removed_later_are_not_copied() {
        let data = source("/opt/app/testdata", How::Deleted);
        assert_eq!(hint(&data, COPY, RUN).as_deref(), Some(NOT_COPIED));
    }

    #[test]
    fn a_rewrite_for_the_mode_alone_is_a_chmod_at_the_copy_or_in_the_run() {
        let mut run_sh = source("/opt/app/run.sh", How::Overwritten);
        (run_sh.metadata_only, run_sh.is_file) = (true, true);
        assert_eq!(hint(&run_sh, COPY, RUN).as_deref(), Some(COPY_CHMOD));
        assert_eq!(hint(&run_sh, RUN, RUN).as_deref(), Some(RUN_CHMOD));
        // Copied twice with two modes, or from an unknown history: no chmod to move.
        assert_eq!(hint(&run_sh, COPY, COPY), None);
        assert_eq!(hint(&run_sh, None, RUN), None);
        assert_eq!(hint(&run_sh, COPY, None), None);
    }

    #[test]
    fn caches_and_lists_of_a_preset_get_its_fix() {
        let preset = |name: &str| RECOMMENDED.iter().find(|r| r.name == name).map(|r| r.hint);
        let lists = source("/var/lib/apt/lists", How::Deleted);
        assert_eq!(hint(&lists, RUN, RUN).as_deref(), preset("apt-lists"));
        // The fixed part of `/var/cache/apt/*.bin` holds the cache, wherever it went.
        let cache = source("/var/cache/apt", How::Overwritten);
        assert_eq!(hint(&cache, None, None).as_deref(), preset("apt-cache"));
        let archives = source("/var/cache/apt/archives", How::Deleted);
        assert_eq!(hint(&archives, RUN, COPY).as_deref(), preset("apt-cache"));
        // Copied in, the cache should not have been copied.
        assert_eq!(hint(&archives, COPY, RUN).as_deref(), Some(NOT_COPIED));
        // A glob that takes any name in the directory.
        let pip = source("/home/me/.cache/pip", How::Deleted);
        assert_eq!(hint(&pip, RUN, RUN).as_deref(), preset("pip-cache"));
        // A file, as the rule matches it.
        let mut deb = source("/var/cache/apt/archives/curl.deb", How::Overwritten);
        deb.is_file = true;
        assert_eq!(hint(&deb, RUN, RUN).as_deref(), preset("apt-cache"));
    }

    #[test]
    fn a_preset_exception_or_a_directory_holding_more_is_not_the_preset() {
        let partial = source("/var/lib/apt/lists/partial", How::Deleted);
        assert_eq!(hint(&partial, RUN, RUN).as_deref(), Some(ONE_RUN));
        // `/var` holds the cache, and more: its files are not known to be the cache.
        let var = source("/var", How::Deleted);
        assert_eq!(hint(&var, RUN, RUN).as_deref(), Some(ONE_RUN));
        let mut lock = source("/var/lib/apt/lists/lock", How::Overwritten);
        lock.is_file = true;
        assert_eq!(hint(&lock, RUN, RUN), None);
    }

    #[test]
    fn an_overwrite_with_other_content_or_an_unknown_step_gets_no_hint() {
        let conf = source("/opt/app/app.conf", How::Overwritten);
        assert_eq!(hint(&conf, COPY, RUN), None);
        assert_eq!(hint(&conf, RUN, RUN), None);
        let deleted = source("/opt/build", How::Deleted);
        assert_eq!(hint(&deleted, None, RUN), None);
        assert_eq!(hint(&deleted, RUN, None), None);
        assert_eq!(hint(&deleted, WORKDIR, RUN), None);
        // Removed by something other than a RUN (an ADDed tar's whiteouts).
        assert_eq!(hint(&deleted, RUN, COPY), None);
    }

    #[test]
    fn what_the_base_image_added_and_a_run_removed_saved_nothing() {
        let mut cache = source("/var/cache/apt/archives", How::Deleted);
        let rootfs = Some("/bin/sh -c #(nop) ADD file:04eb in / ");
        for base in [
            rootfs,
            Some("ADD rootfs.tar.xz / # buildkit"),
            Some("# debian.sh --arch 'amd64' out/ 'bookworm'"),
        ] {
            assert_eq!(
                hint(&cache, base, RUN).as_deref(),
                Some(FROM_BASE),
                "{base:?}"
            );
        }
        // Known from the Dockerfile whatever the layer's step.
        assert_eq!(base_image_hint(&cache, RUN).as_deref(), Some(FROM_BASE));
        assert_eq!(base_image_hint(&cache, COPY), None);
        cache.how = How::Overwritten;
        assert_eq!(hint(&cache, rootfs, RUN), None);
        let mut run_sh = source("/usr/bin/tool", How::Overwritten);
        run_sh.metadata_only = true;
        assert_eq!(hint(&run_sh, rootfs, RUN), None);
        // An ADD into a directory is the Dockerfile's own.
        let tar = Some("ADD vendor.tar /opt/ # buildkit");
        assert_eq!(
            hint(&source("/opt/vendor", How::Deleted), tar, RUN).as_deref(),
            Some(NOT_COPIED)
        );
    }

    #[test]
    fn a_globs_fixed_directory_is_before_its_first_wildcard() {
        assert_eq!(
            fixed_dir("/var/cache/apt/*.bin"),
            Some(&b"/var/cache/apt"[..])
        );
        assert_eq!(
            fixed_dir("/var/lib/apt/lists/**"),
            Some(&b"/var/lib/apt/lists"[..])
        );
        assert_eq!(fixed_dir("**/.cache/pip/**"), None);
        assert_eq!(fixed_dir("/*.txt"), None);
    }
}
