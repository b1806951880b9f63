//! What changed between two images, or between a saved report and an image: the totals, each
//! layer, and the paths that grew (`sizegate diff`, and `check --baseline`). Either side is a
//! [`Snapshot`]: an image read now (every file known), or the JSON report of an earlier run
//! (`layers --format json`, `check --output json=…`), which keeps the totals, the layers,
//! directory totals a few levels deep and the largest files, so path deltas against it stop at
//! what it kept.

mod layers;
mod paths;

use std::collections::HashMap;

use serde::{Deserialize, Serialize, Serializer};

pub(crate) use layers::{LayerDelta, LayerStatus};
pub(crate) use paths::{PathDelta, PathKind};

use crate::analysis::paths::PathTree;
use crate::analysis::summary::{ImageSummary, SCHEMA_VERSION};
use crate::analysis::{analyze_with_dive, Analysis};
use crate::error::{Error, ErrorKind};
use crate::image::Image;
use crate::source::{full_reference, repository_of, tag_matches};

/// Changed paths listed per image when the caller does not say (`diff --top`).
pub const CHANGED_PATHS: usize = 20;

/// One side of a comparison: an image's totals and layers, and what is known of its paths.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The totals and layers (the `layers` contract).
    pub(crate) summary: ImageSummary,
    /// Its paths: all of them for an image, the saved part for a report.
    pub(crate) tree: PathTree,
}

impl Snapshot {
    /// Reads an image's totals and every path of its final filesystem.
    pub fn of(image: &Image) -> Snapshot {
        let (analysis, dive) = analyze_with_dive(image);
        Snapshot::from_parts(
            image,
            &analysis,
            // The tree has every path: the report's bounded part of it is not needed here.
            ImageSummary::without_paths(image, &analysis, &dive),
        )
    }

    /// The snapshot of an image already analyzed and summarized.
    pub(crate) fn from_parts(
        image: &Image,
        analysis: &Analysis,
        summary: ImageSummary,
    ) -> Snapshot {
        Snapshot {
            summary,
            tree: PathTree::of(image, analysis),
        }
    }

    /// Whether `bytes` look like a JSON report rather than an image archive: JSON starts with
    /// `{` (after blanks), a tar with a member name, gzip and zstd with their magic bytes.
    pub fn is_report(bytes: &[u8]) -> bool {
        bytes
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{')
    }

    /// Reads the images of a saved JSON report (`file` names it in errors).
    pub fn read_report(file: &str, bytes: &[u8]) -> Result<Vec<Snapshot>, Error> {
        #[derive(Deserialize)]
        struct Saved {
            images: Vec<ImageSummary>,
        }
        let error = |kind| Error {
            file: file.to_string(),
            member: None,
            kind,
        };
        // The version first: a report of another version is refused for it, whatever the shape
        // of its images.
        #[derive(Deserialize)]
        struct Version {
            schema_version: u32,
        }
        let json = |e| error(ErrorKind::Json(e));
        let version: Version = serde_json::from_slice(bytes).map_err(json)?;
        if version.schema_version != SCHEMA_VERSION {
            return Err(error(ErrorKind::Invalid(format!(
                "a report of schema_version {}; sizegate reads reports of schema_version {SCHEMA_VERSION}",
                version.schema_version
            ))));
        }
        let saved: Saved = serde_json::from_slice(bytes).map_err(json)?;
        // A report of a registry image checked from its manifest alone has no sizes to compare.
        if let Some(image) = saved.images.iter().find(|i| !i.files_read) {
            return Err(error(ErrorKind::Invalid(format!(
                "the report of {} was made from its manifest alone (files_read: false) and holds no sizes to compare with; save the base report from `sizegate layers --format json` or a check whose rules read the files",
                image.name
            ))));
        }
        if saved.images.is_empty() {
            return Err(error(ErrorKind::Invalid(
                "the report lists no image".to_string(),
            )));
        }
        Ok(saved
            .images
            .into_iter()
            .map(|summary| Snapshot {
                tree: PathTree::from_saved(&summary.paths, summary.final_files),
                summary,
            })
            .collect())
    }

    /// The image's display name.
    pub(crate) fn name(&self) -> &str {
        &self.summary.name
    }

    /// The image's `os/arch[/variant]`, when known.
    pub fn platform(&self) -> Option<&str> {
        self.summary.platform.as_deref()
    }

    /// Whether `--image NAME` names this image: one of its tags (completed as for an image, so
    /// that `app:1` names `docker.io/library/app:1`), or its repository.
    pub fn is_named(&self, name: &str) -> bool {
        self.summary.name == name
            || self
                .summary
                .tags
                .iter()
                .any(|t| t == name || repository_of(t) == name || tag_matches(t, name))
    }
}

/// Two images compared: the changes of every pair, with the images only one side has.
#[derive(Debug, Clone)]
pub struct Diff {
    /// One entry per image of either side, paired by name; the new side's order, then the gone.
    pub(crate) images: Vec<ImageDiff>,
}

/// Whether an image is in both sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ImageStatus {
    /// In both: compared.
    Compared,
    /// Only in the new side.
    Added,
    /// Only in the base.
    Removed,
}

/// The comparison of one image with its base. Serialized as the `diff` contract's per-image
/// object (in the README).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ImageDiff {
    /// The image's name (the new one's, else the base's).
    pub name: String,
    /// Compared, added or removed.
    pub status: ImageStatus,
    /// The base's totals; `null` for an added image.
    #[serde(serialize_with = "totals")]
    pub base: Option<ImageSummary>,
    /// The new image's totals; `null` for a removed image.
    #[serde(serialize_with = "totals")]
    pub new: Option<ImageSummary>,
    /// `new - base` of each total; `null` unless both are there.
    pub delta: Option<Delta>,
    /// How deep the paths were compared: `null` file by file (an image, or a saved report that
    /// lists every file), a number when a saved report kept directories to that depth (and its
    /// largest files).
    pub path_depth: Option<u32>,
    /// Every layer of either side, aligned.
    pub layers: Vec<LayerDelta>,
    /// The changed paths, largest absolute change first, cut at the top asked for.
    pub paths: Vec<PathDelta>,
    /// Changed paths beyond those listed.
    pub more_paths: usize,
    /// The paths that grew most (added or grown), largest first, taken before `paths` is cut:
    /// what "what grew" and the growth findings name, even when shrinkage outranks them.
    #[serde(skip)]
    pub grown: Vec<PathDelta>,
    /// Paths that grew beyond those in `grown`.
    #[serde(skip)]
    pub more_grown: usize,
    /// Whether paths were compared at all: not against a report saved before sizegate kept paths.
    #[serde(skip)]
    pub paths_compared: bool,
}

/// `new - base` of each total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) struct Delta {
    /// Of the image size.
    pub image_size: i128,
    /// Of the compressed size; `null` unless both sides are compressed.
    pub compressed_size: Option<i128>,
    /// Of the final size.
    pub final_size: i128,
    /// Of the wasted bytes.
    pub wasted_bytes: i128,
    /// Of the files in the final filesystem.
    pub final_files: i128,
    /// Of the layer count.
    pub layer_count: i128,
}

/// A summary in a diff: the `layers` contract's per-image object without the layers and paths,
/// which the diff lists as changes.
fn totals<S: Serializer>(summary: &Option<ImageSummary>, s: S) -> Result<S::Ok, S::Error> {
    summary.as_ref().map(ImageSummary::totals).serialize(s)
}

impl Delta {
    fn between(base: &ImageSummary, new: &ImageSummary) -> Delta {
        let d = |b: u64, n: u64| i128::from(n) - i128::from(b);
        let count = |c: usize| i128::try_from(c).unwrap_or(i128::MAX);
        Delta {
            image_size: d(base.image_size, new.image_size),
            compressed_size: base
                .compressed_size
                .zip(new.compressed_size)
                .map(|(b, n)| d(b, n)),
            final_size: d(base.final_size, new.final_size),
            wasted_bytes: d(base.wasted_bytes, new.wasted_bytes),
            final_files: d(base.final_files, new.final_files),
            layer_count: count(new.layer_count) - count(base.layer_count),
        }
    }
}

/// Compares one image with its base; `top` changed paths are listed.
pub(crate) fn compare(base: &Snapshot, new: &Snapshot, top: usize) -> ImageDiff {
    let mut paths = paths::changed_paths(&base.tree, &new.tree);
    let grew = paths.iter().filter(|p| p.delta > 0);
    let more_grown = grew.clone().count().saturating_sub(CHANGED_PATHS);
    let grown = grew.take(CHANGED_PATHS).cloned().collect();
    let more_paths = paths.len().saturating_sub(top);
    paths.truncate(top);
    let keeps_paths = |t: &PathTree| t.complete_to.is_none() || !t.nodes.is_empty();
    let path_depth = match (base.tree.complete_to, new.tree.complete_to) {
        (Some(b), Some(n)) => Some(b.min(n)),
        (b, n) => b.or(n),
    };
    ImageDiff {
        name: new.summary.name.clone(),
        status: ImageStatus::Compared,
        delta: Some(Delta::between(&base.summary, &new.summary)),
        path_depth,
        layers: layers::align(&base.summary.layers, &new.summary.layers),
        paths,
        more_paths,
        grown,
        more_grown,
        paths_compared: keeps_paths(&base.tree) && keeps_paths(&new.tree),
        base: Some(base.summary.clone()),
        new: Some(new.summary.clone()),
    }
}

/// An image only one side has: all its layers added (or removed).
fn alone(snapshot: &Snapshot, status: ImageStatus) -> ImageDiff {
    let none: &[crate::analysis::summary::LayerSummary] = &[];
    let (base, new, layers) = match status {
        ImageStatus::Removed => (
            Some(snapshot.summary.clone()),
            None,
            layers::align(&snapshot.summary.layers, none),
        ),
        _ => (
            None,
            Some(snapshot.summary.clone()),
            layers::align(none, &snapshot.summary.layers),
        ),
    };
    ImageDiff {
        name: snapshot.summary.name.clone(),
        status,
        base,
        new,
        delta: None,
        path_depth: None,
        layers,
        paths: Vec::new(),
        more_paths: 0,
        grown: Vec::new(),
        more_grown: 0,
        paths_compared: false,
    }
}

/// Compares the images of two sides, pairing them by name: the same name, else the same
/// repository (`app:1.0` with `app:1.1`), else, when each side has one image, those two.
pub fn diff(base: &[Snapshot], new: &[Snapshot], top: usize) -> Diff {
    fn names(side: &[Snapshot]) -> Vec<&str> {
        side.iter().map(Snapshot::name).collect()
    }
    let pairs = pair(&names(base), &names(new));
    let mut images: Vec<ImageDiff> = new
        .iter()
        .zip(&pairs)
        .map(|(n, p)| match p {
            Some(b) => compare(&base[*b], n, top),
            None => alone(n, ImageStatus::Added),
        })
        .collect();
    let mut paired = vec![false; base.len()];
    for j in pairs.iter().flatten() {
        paired[*j] = true;
    }
    images.extend(
        base.iter()
            .zip(paired)
            .filter(|(_, paired)| !paired)
            .map(|(b, _)| alone(b, ImageStatus::Removed)),
    );
    Diff { images }
}

/// For each new image (by name), the index of its base image, if any. Keys are looked up in
/// maps: two saved reports of many images each pair in linear time.
pub(crate) fn pair(base: &[&str], new: &[&str]) -> Vec<Option<usize>> {
    let mut pairs: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; base.len()];
    // Names completed as Docker completes them: `app:1` is `docker.io/library/app:1`.
    let keys: [fn(&str) -> String; 2] = [full_reference, repository_of];
    for key in keys {
        // Each key of the free base images, with the images that have it (a key two of them
        // share pairs with neither: the choice would be a guess).
        let mut free: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, name) in base.iter().enumerate().filter(|(j, _)| !taken[*j]) {
            free.entry(key(name)).or_default().push(j);
        }
        // The same on the new side: two new images of one key would both claim its base.
        let mut claims: HashMap<String, usize> = HashMap::new();
        for (_, name) in new.iter().enumerate().filter(|(i, _)| pairs[*i].is_none()) {
            *claims.entry(key(name)).or_default() += 1;
        }
        for (i, name) in new.iter().enumerate() {
            if pairs[i].is_some() {
                continue;
            }
            let k = key(name);
            if claims.get(&k) != Some(&1) {
                continue;
            }
            if let Some(&[j]) = free.get(&k).map(Vec::as_slice) {
                if !taken[j] {
                    pairs[i] = Some(j);
                    taken[j] = true;
                }
            }
        }
    }
    // One image on each side is the same image renamed; the one image left of several on each
    // side is another image (an archive that dropped `db` and gained `web`).
    if let ([None], [_]) = (pairs.as_slice(), base) {
        pairs[0] = Some(0);
    }
    pairs
}

/// `{"schema_version":1, …the first image's comparison…, "images":[…every one…]}`: one image
/// (the usual case) reads at the top level, several in `images`.
impl Serialize for Diff {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Doc<'a> {
            schema_version: u32,
            #[serde(flatten)]
            first: Option<&'a ImageDiff>,
            images: &'a [ImageDiff],
        }
        Doc {
            schema_version: SCHEMA_VERSION,
            first: self.images.first(),
            images: &self.images,
        }
        .serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_pair_by_name_then_repository_and_a_lone_pair_whatever_their_names() {
        assert_eq!(
            pair(&["app:1", "db:1"], &["web:1", "app:2"]),
            vec![None, Some(0)]
        );
        assert_eq!(pair(&["app:1"], &["other:2"]), vec![Some(0)]);
        assert_eq!(
            pair(&["app:1", "db:1"], &["db:1", "web:1"]),
            vec![Some(1), None]
        );
        assert_eq!(pair(&["app:1", "db:1"], &["web:1"]), vec![None]);
        assert_eq!(pair(&["db:1"], &["app:1", "web:1"]), vec![None, None]);
        // Two new images of one repository: neither takes the one base of it.
        assert_eq!(
            pair(&["app:main", "db:1"], &["app:a", "app:b", "db:1"]),
            vec![None, None, Some(1)]
        );
    }
}

#[cfg(test)]
mod report_tests {
    use super::*;

    /// An image of a `layers --format json` report, without the path keys (as schema 1 had it
    /// before they were added).
    fn image_json(name: &str, tags: &[&str]) -> serde_json::Value {
        serde_json::json!({
            "name": name, "tags": tags, "platform": "linux/amd64",
            "image_size": 10, "compressed_size": null, "final_size": 10, "wasted_bytes": 0,
            "final_files": 1, "layer_count": 1,
            "dive": {"efficiency": 1.0, "wasted_bytes": 0, "user_wasted_percent": 0.0},
            "layers": [{"index": 0, "digest": "sha256:a", "size": 10, "files": 1, "created_by": null}],
        })
    }

    fn read(doc: &serde_json::Value) -> Result<Vec<Snapshot>, String> {
        let bytes = serde_json::to_vec(doc).map_err(|e| e.to_string())?;
        Snapshot::read_report("base.json", &bytes).map_err(|e| e.to_string())
    }

    #[test]
    fn a_report_without_the_path_keys_is_read_and_knows_no_path() {
        let doc =
            serde_json::json!({"schema_version": 1, "images": [image_json("app:1", &["app:1"])]});
        let snapshots = read(&doc).expect("read");
        assert_eq!(snapshots.len(), 1);
        assert!(snapshots[0].tree.nodes.is_empty());
    }

    #[test]
    fn a_report_of_another_schema_version_is_refused_for_its_version_whatever_its_shape() {
        let doc =
            serde_json::json!({"schema_version": 2, "images": [{"name": "app:1", "new": true}]});
        let err = read(&doc).expect_err("refused");
        assert!(
            err.contains(
                "a report of schema_version 2; sizegate reads reports of schema_version 1"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_report_made_from_the_manifest_alone_is_refused_for_it() {
        let mut image = image_json("registry.example/app:1", &["registry.example/app:1"]);
        for key in [
            "image_size",
            "final_size",
            "wasted_bytes",
            "final_files",
            "dive",
        ] {
            image[key] = serde_json::Value::Null;
        }
        image["files_read"] = false.into();
        let doc = serde_json::json!({"schema_version": 1, "images": [image]});
        assert_eq!(
            read(&doc).expect_err("refused"),
            "base.json: the report of registry.example/app:1 was made from its manifest alone \
             (files_read: false) and holds no sizes to compare with; save the base report from \
             `sizegate layers --format json` or a check whose rules read the files"
        );
    }

    #[test]
    fn images_of_a_report_are_named_by_their_tags_as_images_are() {
        let doc = serde_json::json!({"schema_version": 1, "images": [
            image_json("docker.io/library/app:1", &["docker.io/library/app:1"]),
        ]});
        let snapshot = &read(&doc).expect("read")[0];
        for name in ["app:1", "docker.io/library/app:1", "docker.io/library/app"] {
            assert!(snapshot.is_named(name), "{name}");
        }
        for name in ["app:2", "other:1", "app"] {
            assert!(!snapshot.is_named(name), "{name}");
        }
    }
}
