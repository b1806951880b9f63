//! The JSON Schema of `sizegate.yml`, for editors (`# yaml-language-server: $schema=…`). These types
//! exist only to describe the file; the reader in `parse.rs` checks the same keys (a test keeps the
//! two in step).

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

/// The JSON Schema of the policy, pretty-printed.
pub fn policy_schema() -> String {
    let schema = schemars::schema_for!(PolicyDoc);
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A sizegate policy: size budgets and forbidden paths for container images.
#[derive(JsonSchema)]
#[schemars(title = "sizegate policy", deny_unknown_fields)]
#[allow(dead_code)]
struct PolicyDoc {
    /// Format version of this file: 1.
    version: Option<Version>,
    /// Limits on the image totals.
    image: Option<ImageDoc>,
    /// dive's three CI rules, with dive's semantics.
    dive: Option<DiveDoc>,
    /// Growth budgets against the baseline (`check --baseline BASE`); skipped without one.
    baseline: Option<BaselineDoc>,
    /// Budgets for layers picked by index or by build instruction; each picked layer on its own.
    layers: Option<Vec<LayerDoc>>,
    /// Budgets for the files of the final filesystem that a glob matches, summed.
    paths: Option<Vec<PathDoc>>,
    /// Paths that must not ship in any layer, even if a later layer deletes them.
    forbid: Option<Vec<ForbidDoc>>,
    /// Built-in presets to include: `recommended`.
    extends: Option<Vec<PresetName>>,
    /// Preset rules to turn off, by name.
    disable: Option<Vec<PresetRuleName>>,
    /// Severity of preset rules, by name (they default to warn).
    severity: Option<BTreeMap<String, SeverityDoc>>,
}

/// Limits on the image totals (sizegate's numbers: see the README).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ImageDoc {
    /// Largest image size (sum of the uncompressed layers).
    max_size: Option<LimitDoc<Size>>,
    /// Largest compressed size (sum of the stored compressed layer blobs).
    max_compressed_size: Option<LimitDoc<Size>>,
    /// Largest final size (bytes visible in the final filesystem).
    max_final_size: Option<LimitDoc<Size>>,
    /// Most layers.
    max_layers: Option<LimitDoc<u64>>,
    /// Most wasted bytes (overwritten or deleted by a later layer).
    max_wasted: Option<LimitDoc<Size>>,
    /// Largest wasted share of the image size.
    max_wasted_percent: Option<LimitDoc<Ratio>>,
    /// Most files in the final filesystem.
    max_files: Option<LimitDoc<u64>>,
}

/// dive's rules: efficiency below, or waste above, the limit fails.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct DiveDoc {
    /// dive's lowestEfficiency: fails when the efficiency is below this.
    min_efficiency: Option<LimitDoc<Ratio>>,
    /// dive's highestWastedBytes: fails when dive's wasted bytes are above this.
    max_wasted_bytes: Option<LimitDoc<Size>>,
    /// dive's highestUserWastedPercent: fails when dive's user wasted share is above this.
    max_user_wasted_percent: Option<LimitDoc<Ratio>>,
}

/// How much may grow against the base image (`check --baseline BASE`: an image, or the saved JSON
/// report of one). Each rule is skipped, and says so, when there is no base image to compare with.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct BaselineDoc {
    /// Most the image size may grow: a size (20MB) or a percentage of the base's (5%).
    max_growth: Option<LimitDoc<Growth>>,
    /// Most the final size (bytes visible in the final filesystem) may grow.
    max_final_growth: Option<LimitDoc<Growth>>,
    /// Most the wasted bytes may grow.
    max_wasted_growth: Option<LimitDoc<Growth>>,
    /// Most any one layer may grow against its counterpart in the base; a percentage is of that
    /// layer's base size, and an added layer grew by its whole size (over every percentage).
    max_layer_growth: Option<LimitDoc<Growth>>,
    /// Most the final file count may grow (files added less files removed): a count, or a
    /// percentage of the base's ("10%").
    max_new_files: Option<LimitDoc<FileGrowth>>,
}

/// A limit, short (`450MB`) or with a severity and a reason.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum LimitDoc<T> {
    /// The limit alone; a failure is an error.
    Short(T),
    /// The limit with options.
    Long(LongLimit<T>),
}

/// A limit with options.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct LongLimit<T> {
    /// The limit.
    limit: T,
    /// `error` (default) fails the check; `warn` only reports.
    severity: Option<SeverityDoc>,
    /// Printed with the finding.
    reason: Option<String>,
}

/// A layer budget.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct LayerDoc {
    /// Which layers: by index and/or by build instruction.
    select: SelectDoc,
    /// Largest size of each selected layer.
    max_size: Option<Size>,
    /// Most files in each selected layer.
    max_files: Option<u64>,
    /// `error` (default) or `warn`.
    severity: Option<SeverityDoc>,
    /// Printed with the finding.
    reason: Option<String>,
}

/// Picks layers; both keys given means both must match.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct SelectDoc {
    /// `3`, `-1` (the top layer), or a range: `"1.."`, `"..3"`, `"2..5"` (end exclusive), `"2..=5"`.
    index: Option<IndexDoc>,
    /// A glob on the layer's `created_by` text; `*` matches anything.
    created_by: Option<String>,
}

/// A budget on the final filesystem.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct PathDoc {
    /// Absolute glob: `*` stays within a directory, `**` crosses directories.
    glob: String,
    /// Largest sum of the matching files.
    max_size: Option<Size>,
    /// Most matching files.
    max_files: Option<u64>,
    /// `error` (default) or `warn`.
    severity: Option<SeverityDoc>,
    /// Printed with the finding.
    reason: Option<String>,
}

/// Forbidden paths.
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[allow(dead_code)]
struct ForbidDoc {
    /// One absolute glob or a list of them.
    glob: OneOrMany,
    /// Globs of paths that are allowed after all.
    except: Option<OneOrMany>,
    /// Printed with the finding.
    reason: Option<String>,
    /// `error` (default) or `warn`.
    severity: Option<SeverityDoc>,
}

/// One string or a list of strings.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum OneOrMany {
    /// One.
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// A layer index or range.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum IndexDoc {
    /// One layer; negative counts from the top.
    Index(i64),
    /// A range.
    Range(String),
}

/// How bad a failure is.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum SeverityDoc {
    /// Fails the check (exit 1).
    Error,
    /// Reported only.
    Warn,
}

/// A preset name.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum PresetName {
    /// Package-manager caches and lists, bytecode, docs, man pages, .git, core dumps, build caches.
    Recommended,
}

/// The format version.
struct Version;

impl JsonSchema for Version {
    fn schema_name() -> Cow<'static, str> {
        "Version".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "description": "Format version: 1.", "const": 1 })
    }
}

/// A preset rule name.
struct PresetRuleName;

impl JsonSchema for PresetRuleName {
    fn schema_name() -> Cow<'static, str> {
        "PresetRuleName".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let names: Vec<&str> = super::preset::RECOMMENDED.iter().map(|r| r.name).collect();
        json_schema!({ "description": "A rule of the recommended preset.", "enum": names })
    }
}

/// A percentage, as `parse_ratio` reads it: `5%`, `12.5 %`.
const PERCENT_PATTERN: &str = r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$";

/// A size as `parse_size` reads it, its unit optional when `unit_repeat` is `?` and required when
/// it is empty.
fn size_pattern(unit_repeat: &str) -> String {
    format!(r"^\s*[0-9]+(\.[0-9]+)?\s*([kKmMgGtT]([iI]?[bB])?|[bB]){unit_repeat}\s*$")
}

/// A size: bytes, or a number with a unit.
struct Size;

impl JsonSchema for Size {
    fn schema_name() -> Cow<'static, str> {
        "Size".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Bytes, or a number with a unit: B, kB, MB, GB, TB (powers of 1000), KiB, MiB, GiB, TiB (powers of 1024), any case: 450MB, 1.5GiB, \"300 kB\".",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": size_pattern("?") }
            ]
        })
    }
}

/// A growth of bytes: a size with its unit, or a percentage of the base.
struct Growth;

impl JsonSchema for Growth {
    fn schema_name() -> Cow<'static, str> {
        "Growth".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A size with its unit (20MB, 1.5GiB, 500kB; a bare number is refused, as it could be bytes or percent, except 0), or a percentage of the base's value (\"5%\").",
            "anyOf": [
                { "type": "integer", "const": 0 },
                { "type": "string", "pattern": size_pattern("") },
                { "type": "string", "pattern": PERCENT_PATTERN }
            ]
        })
    }
}

/// A growth of a count: a whole number, or a percentage of the base.
struct FileGrowth;

impl JsonSchema for FileGrowth {
    fn schema_name() -> Cow<'static, str> {
        "FileGrowth".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number of files (500), or a percentage of the base's file count (\"10%\").",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": PERCENT_PATTERN }
            ]
        })
    }
}

/// A ratio: a percentage or a fraction.
struct Ratio;

impl JsonSchema for Ratio {
    fn schema_name() -> Cow<'static, str> {
        "Ratio".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage (\"95%\") or a fraction (0.95).",
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": PERCENT_PATTERN }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::metric::{BaselineMetric, DiveMetric, ImageMetric};
    use super::super::parse::{
        FORBID_KEYS, LAYER_KEYS, LIMIT_KEYS, PATH_KEYS, SELECT_KEYS, TOP_KEYS,
    };
    use super::*;

    fn keys(schema: &serde_json::Value, def: Option<&str>) -> Vec<String> {
        let obj = match def {
            Some(d) => &schema["$defs"][d],
            None => schema,
        };
        let mut k: Vec<String> = obj["properties"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        k.sort();
        k
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn schema_and_reader_know_the_same_keys() {
        let schema: serde_json::Value =
            serde_json::from_str(&policy_schema()).expect("schema is JSON");
        assert_eq!(keys(&schema, None), sorted(TOP_KEYS));
        let image: Vec<&str> = ImageMetric::ALL.iter().map(|m| m.key()).collect();
        assert_eq!(keys(&schema, Some("ImageDoc")), sorted(&image));
        let dive: Vec<&str> = DiveMetric::ALL.iter().map(|m| m.key()).collect();
        assert_eq!(keys(&schema, Some("DiveDoc")), sorted(&dive));
        let baseline: Vec<&str> = BaselineMetric::ALL.iter().map(|m| m.key()).collect();
        assert_eq!(keys(&schema, Some("BaselineDoc")), sorted(&baseline));
        assert_eq!(keys(&schema, Some("LayerDoc")), sorted(LAYER_KEYS));
        assert_eq!(keys(&schema, Some("SelectDoc")), sorted(SELECT_KEYS));
        assert_eq!(keys(&schema, Some("PathDoc")), sorted(PATH_KEYS));
        assert_eq!(keys(&schema, Some("ForbidDoc")), sorted(FORBID_KEYS));
        let defs = schema["$defs"].as_object().expect("$defs");
        let long = defs
            .keys()
            .find(|k| k.starts_with("LongLimit"))
            .expect("a LongLimit definition");
        assert_eq!(keys(&schema, Some(long)), sorted(LIMIT_KEYS));
    }
}
