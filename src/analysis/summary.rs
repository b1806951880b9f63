//! The numbers of an image in the shape of sizegate's JSON contract (`schema_version` 1, documented
//! in the README). Later outputs embed these same structs, so the contract has one definition.

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::analysis::dive::DiveMetrics;
use crate::analysis::paths::SavedPaths;
use crate::analysis::{analyze_with_dive, Analysis};
use crate::image::{Compression, Image};

/// Version of the JSON contract; bumped only on breaking changes.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// The top-level JSON document of `sizegate layers --format json`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// One entry per image read.
    pub images: Vec<ImageSummary>,
}

/// The totals of one image. It is read back from a saved report (`diff`, `check --baseline`):
/// the keys added since schema 1 began are optional there. An image whose files were not read
/// (a registry image checked from its manifest) is written with `files_read: false` and `null`
/// for every number that comes from its files.
#[derive(Debug, Clone, Deserialize)]
pub struct ImageSummary {
    /// Display name (first tag, or short config digest).
    pub(crate) name: String,
    /// Every tag.
    pub(crate) tags: Vec<String>,
    /// `os/arch[/variant]`, when known.
    pub(crate) platform: Option<String>,
    /// Sum of the layer sizes (uncompressed, regular-file bytes), as `docker images` shows.
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) image_size: u64,
    /// Sum of the stored layer blob sizes; `null` when the layers are stored uncompressed.
    pub(crate) compressed_size: Option<u64>,
    /// Bytes of the distinct files visible in the final filesystem.
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) final_size: u64,
    /// `image_size - final_size`: bytes shipped but overwritten or deleted by a later layer.
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) wasted_bytes: u64,
    /// Files (regular files and hard links) visible in the final filesystem.
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) final_files: u64,
    /// Number of layers.
    pub(crate) layer_count: usize,
    /// dive-compatible metrics.
    #[serde(deserialize_with = "null_as_default")]
    pub(crate) dive: DiveSummary,
    /// One entry per layer, bottom first.
    pub(crate) layers: Vec<LayerSummary>,
    /// Directory totals to a bounded depth and the largest files: what a saved report needs for
    /// path deltas.
    #[serde(flatten, default)]
    pub(crate) paths: SavedPaths,
    /// The files of the layers were read; `false` when only the manifest and config were (then
    /// the sizes, file counts and dive's metrics above are unknown, and zero).
    #[serde(default = "files_were_read")]
    pub(crate) files_read: bool,
}

/// Reports saved before `files_read` existed always read the files.
fn files_were_read() -> bool {
    true
}

/// A number only the files tell, read back from a report: `null` (the files were not read) is
/// the default, which `files_read: false` marks as unknown.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// The JSON of an [`ImageSummary`]: its totals, its layers, its paths, and `files_read: false`
/// when the files were not read (then every number of them is `null`, so that no consumer takes
/// an unknown size for a zero one).
impl Serialize for ImageSummary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            #[serde(flatten)]
            totals: ImageTotals<'a>,
            layers: Vec<LayerJson<'a>>,
            #[serde(flatten)]
            paths: &'a SavedPaths,
            #[serde(skip_serializing_if = "Clone::clone")]
            files_read: bool,
        }
        #[derive(Serialize)]
        struct LayerJson<'a> {
            index: usize,
            digest: &'a str,
            size: Option<u64>,
            files: Option<u64>,
            created_by: Option<&'a str>,
        }
        let known = |n: u64| self.files_read.then_some(n);
        Json {
            totals: self.totals(),
            layers: self
                .layers
                .iter()
                .map(|l| LayerJson {
                    index: l.index,
                    digest: &l.digest,
                    size: known(l.size),
                    files: known(l.files),
                    created_by: l.created_by.as_deref(),
                })
                .collect(),
            paths: &self.paths,
            files_read: self.files_read,
        }
        .serialize(serializer)
    }
}

/// An image's totals: the per-image object of the `layers` contract without its lists (layers,
/// directories, largest files), as `diff` and `explain` show each image; what only the files
/// tell is `null` when they were not read.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ImageTotals<'a> {
    name: &'a str,
    tags: &'a [String],
    platform: Option<&'a str>,
    image_size: Option<u64>,
    compressed_size: Option<u64>,
    final_size: Option<u64>,
    wasted_bytes: Option<u64>,
    final_files: Option<u64>,
    layer_count: usize,
    dive: Option<&'a DiveSummary>,
}

impl ImageSummary {
    /// The totals, without the lists.
    pub(crate) fn totals(&self) -> ImageTotals<'_> {
        let known = |n: u64| self.files_read.then_some(n);
        ImageTotals {
            name: &self.name,
            tags: &self.tags,
            platform: self.platform.as_deref(),
            image_size: known(self.image_size),
            compressed_size: self.compressed_size,
            final_size: known(self.final_size),
            wasted_bytes: known(self.wasted_bytes),
            final_files: known(self.final_files),
            layer_count: self.layer_count,
            dive: self.files_read.then_some(&self.dive),
        }
    }
}

/// dive's three metrics, named as in sizegate's contract.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DiveSummary {
    /// dive's efficiency score, 0..1.
    pub efficiency: f64,
    /// dive's wastedBytes.
    pub wasted_bytes: u64,
    /// dive's userWastedPercent as a ratio (1.0 = 100 %): `+∞` when no layer above the first adds
    /// bytes but some were wasted, `None` (dive's NaN) when neither.
    pub user_wasted_percent: Option<f64>,
}

/// `{"efficiency", "wasted_bytes", "user_wasted_percent"}`, as schema 1 always had them; JSON has
/// no infinity, so dive's +Inf is `null` there, as its NaN always was, and a
/// `user_wasted_percent_infinite` key, present exactly when `user_wasted_percent` is `null`, says
/// which of the two it is (`true`: +Inf, which fails every limit; `false`: NaN, which passes).
impl Serialize for DiveSummary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let finite = self.user_wasted_percent.filter(|p| p.is_finite());
        let fields = if finite.is_some() { 3 } else { 4 };
        let mut s = serializer.serialize_struct("DiveSummary", fields)?;
        s.serialize_field("efficiency", &self.efficiency)?;
        s.serialize_field("wasted_bytes", &self.wasted_bytes)?;
        s.serialize_field("user_wasted_percent", &finite)?;
        if finite.is_none() {
            let infinite = self.user_wasted_percent.is_some();
            s.serialize_field("user_wasted_percent_infinite", &infinite)?;
        }
        s.end()
    }
}

/// Reads what [`Serialize`] wrote: a `null` share is +Inf when `user_wasted_percent_infinite`
/// says so, dive's NaN otherwise.
impl<'de> Deserialize<'de> for DiveSummary {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Saved {
            efficiency: f64,
            wasted_bytes: u64,
            user_wasted_percent: Option<f64>,
            #[serde(default)]
            user_wasted_percent_infinite: bool,
        }
        let saved = Saved::deserialize(deserializer)?;
        Ok(DiveSummary {
            efficiency: saved.efficiency,
            wasted_bytes: saved.wasted_bytes,
            user_wasted_percent: saved
                .user_wasted_percent
                .or(saved.user_wasted_percent_infinite.then_some(f64::INFINITY)),
        })
    }
}

impl From<DiveMetrics> for DiveSummary {
    fn from(m: DiveMetrics) -> Self {
        DiveSummary {
            efficiency: m.efficiency,
            wasted_bytes: m.wasted_bytes,
            user_wasted_percent: m.user_wasted_percent,
        }
    }
}

/// The numbers of one layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct LayerSummary {
    /// 0 = bottom layer.
    pub index: usize,
    /// The layer's `diff_id` (or blob digest when the config has none).
    pub digest: String,
    /// Bytes of regular files.
    #[serde(deserialize_with = "null_as_default")]
    pub size: u64,
    /// Regular files plus hard links.
    #[serde(deserialize_with = "null_as_default")]
    pub files: u64,
    /// The build instruction; `null` when the history does not say.
    pub created_by: Option<String>,
}

impl ImageSummary {
    /// Analyzes an image and summarizes it: its totals and layers.
    pub fn of(image: &Image) -> ImageSummary {
        let (analysis, dive) = analyze_with_dive(image);
        Self::without_paths(image, &analysis, &dive)
    }

    /// The same with the paths a saved report keeps, for the JSON a later `diff` or
    /// `check --baseline` reads.
    pub fn for_report(image: &Image) -> ImageSummary {
        let (analysis, dive) = analyze_with_dive(image);
        Self::from_parts(image, &analysis, &dive)
    }

    /// Summarizes an image whose dive metrics are already computed.
    pub fn from_parts(image: &Image, analysis: &Analysis, dive: &DiveMetrics) -> ImageSummary {
        ImageSummary {
            paths: SavedPaths::of(image, analysis),
            ..Self::without_paths(image, analysis, dive)
        }
    }

    /// The same without the paths a saved report keeps (they stay empty), for outputs that show
    /// the totals and layers only: finding them is a pass over every file.
    pub(crate) fn without_paths(
        image: &Image,
        analysis: &Analysis,
        dive: &DiveMetrics,
    ) -> ImageSummary {
        let compressed = image
            .layers
            .iter()
            .any(|l| l.contents.compression != Compression::None);
        ImageSummary {
            name: image.name.clone(),
            tags: image.tags.clone(),
            platform: image.platform.clone(),
            image_size: analysis.image_size,
            compressed_size: compressed
                .then(|| image.layers.iter().map(|l| l.contents.stored_size).sum()),
            final_size: analysis.final_size,
            wasted_bytes: analysis.wasted_bytes(),
            final_files: analysis.final_files(),
            layer_count: image.layers.len(),
            dive: (*dive).into(),
            layers: image
                .layers
                .iter()
                .map(|l| LayerSummary {
                    index: l.index,
                    digest: l.digest.clone(),
                    size: l.size(),
                    files: l.files(),
                    created_by: l.created_by.clone(),
                })
                .collect(),
            paths: SavedPaths::default(),
            files_read: image.files_read(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(user_wasted_percent: Option<f64>) -> serde_json::Value {
        serde_json::to_value(DiveSummary {
            efficiency: 0.5,
            wasted_bytes: 10,
            user_wasted_percent,
        })
        .expect("serializes")
    }

    #[test]
    fn a_finite_user_share_is_a_number_as_schema_1_had_it() {
        assert_eq!(
            json(Some(0.25)),
            serde_json::json!({"efficiency": 0.5, "wasted_bytes": 10, "user_wasted_percent": 0.25})
        );
    }

    #[test]
    fn infinite_and_undefined_user_shares_are_null_and_told_apart() {
        assert_eq!(
            json(Some(f64::INFINITY)),
            serde_json::json!({"efficiency": 0.5, "wasted_bytes": 10,
                "user_wasted_percent": null, "user_wasted_percent_infinite": true})
        );
        assert_eq!(
            json(None),
            serde_json::json!({"efficiency": 0.5, "wasted_bytes": 10,
                "user_wasted_percent": null, "user_wasted_percent_infinite": false})
        );
    }
}
