//! `sizegate init`: a commented starter policy from what an image is today, plus headroom, so that
//! the gate passes now and catches growth from here on.

use std::fmt::Write;

use crate::analysis::summary::ImageSummary;
use crate::text::printable;
use crate::units::{human_size, short_ratio};

/// The starter policy of the images of one archive, with limits `headroom` (0.1 = 10 %) above
/// today's numbers: one policy for them all, as `check` applies one policy to every image; `None`
/// for no image.
pub fn starter_policy(images: &[ImageSummary], headroom: f64) -> Option<String> {
    covering(images).map(|all| policy_for(&all, headroom))
}

/// Writes the starter policy for `summary` with limits `headroom` (0.1 = 10 %) above today.
fn policy_for(summary: &ImageSummary, headroom: f64) -> String {
    let grow = |n: u64| (n as f64 * (1.0 + headroom)).ceil() as u64;
    let mut out = String::new();
    let pct = short_ratio(headroom);
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        "# sizegate policy for {}: today's numbers plus {pct} headroom, written by `sizegate init`.\n\
         # Every key is documented in the README. For completion and checks in editors:\n\
         #   sizegate schema > sizegate.schema.json\n\
         # yaml-language-server: $schema=sizegate.schema.json\n\
         version: 1\n\nimage:",
        // The names come from the archive: a line break in one would end the comment.
        printable(&summary.name)
    );
    let mut limit = |key: &str, limit: String, today: String| {
        let _ = writeln!(out, "  {:<26} # today {today}", format!("{key}: {limit}"));
    };
    limit(
        "max_size",
        size(grow(summary.image_size)),
        human_size(summary.image_size),
    );
    if let Some(c) = summary.compressed_size {
        limit("max_compressed_size", size(grow(c)), human_size(c));
    }
    limit(
        "max_final_size",
        size(grow(summary.final_size)),
        human_size(summary.final_size),
    );
    limit(
        "max_layers",
        grow(summary.layer_count as u64).to_string(),
        summary.layer_count.to_string(),
    );
    limit(
        "max_wasted",
        size(grow(summary.wasted_bytes)),
        human_size(summary.wasted_bytes),
    );
    limit(
        "max_files",
        grow(summary.final_files).to_string(),
        summary.final_files.to_string(),
    );
    out.push_str(EXAMPLES);
    out
}

/// The numbers of every image of an archive in one summary: each the largest of the images' (the
/// names joined; a compressed size only when every image has one). `check` applies one policy to
/// every image, so the starter policy must cover each of them.
fn covering(summaries: &[ImageSummary]) -> Option<ImageSummary> {
    let (first, rest) = summaries.split_first()?;
    let mut all = first.clone();
    for s in rest {
        all.name = format!("{}, {}", all.name, s.name);
        all.image_size = all.image_size.max(s.image_size);
        all.compressed_size = all
            .compressed_size
            .zip(s.compressed_size)
            .map(|(a, b)| a.max(b));
        all.final_size = all.final_size.max(s.final_size);
        all.layer_count = all.layer_count.max(s.layer_count);
        all.wasted_bytes = all.wasted_bytes.max(s.wasted_bytes);
        all.final_files = all.final_files.max(s.final_files);
    }
    Some(all)
}

/// One commented example of each other rule kind.
const EXAMPLES: &str = r#"
# A limit may also carry a severity and a reason:
#   max_size: { limit: 500MB, severity: warn, reason: "the base image grows on its own" }

# dive's CI rules, with dive's semantics (efficiency below, or waste above, the limit fails):
# dive:
#   min_efficiency: 95%
#   max_wasted_bytes: 20MB
#   max_user_wasted_percent: 10%

# Growth budgets against a baseline (`check --baseline BASE`: the main branch's image, or the
# JSON report saved from it); without one, these rules are reported as skipped:
# baseline:
#   max_growth: 5%             # the image size, as a share of the base's (or a size: 20MB)
#   max_final_growth: 10MB     # the bytes of the final filesystem
#   max_wasted_growth: 1MB     # bytes overwritten or deleted by a later layer
#   max_layer_growth: { limit: 20MB, severity: warn }  # any one layer; an added one counts whole
#   max_new_files: 500         # files added less files removed (or a share: 10%)

# Budgets for layers, each selected layer on its own; select by index (3, -1, "1..", "2..5")
# and/or by a glob on the build instruction:
# layers:
#   - select: { created_by: "*apt-get install*" }
#     max_size: 120MB
#   - select: { index: "1.." }
#     max_files: 5000

# Budgets on the final filesystem: the files a glob matches, summed (* stays in a directory,
# ** crosses directories):
# paths:
#   - glob: "/usr/lib/python3*/site-packages/**"
#     max_size: 300MB

# Paths that must not ship in any layer, even if a later layer deletes them:
# forbid:
#   - glob: ["**/*.pem", "**/id_rsa"]
#     except: ["/etc/ssl/certs/**"]
#     reason: keys do not belong in images

# Package caches and lists, bytecode, docs, man pages, .git, core dumps, build caches (warnings):
extends: [recommended]
# disable: [docs]            # turn a preset rule off
# severity: { pycache: error } # or make it fail the check
"#;

/// A size limit rounded up to three significant digits, in the largest decimal unit that fits.
fn size(bytes: u64) -> String {
    const UNITS: [(&str, u64); 4] = [
        ("GB", 1_000_000_000),
        ("MB", 1_000_000),
        ("kB", 1_000),
        ("B", 1),
    ];
    let (unit, factor) = UNITS
        .iter()
        .find(|(_, f)| bytes >= *f)
        .copied()
        .unwrap_or(("B", 1));
    if factor == 1 {
        return format!("{bytes}B");
    }
    let value = bytes as f64 / factor as f64;
    let decimals = match value {
        v if v >= 100.0 => 0,
        v if v >= 10.0 => 1,
        _ => 2,
    };
    let scale = 10f64.powi(decimals);
    let rounded = (value * scale).ceil() / scale;
    format!("{rounded:.prec$}{unit}", prec = decimals as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::parse_size;

    #[test]
    fn the_commented_baseline_example_is_a_valid_policy_once_uncommented() {
        let start = EXAMPLES.find("# baseline:").expect("a baseline example");
        let block: String = EXAMPLES[start..]
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{}\n", l.trim_start_matches("# ")))
            .collect();
        let policy = crate::policy::Policy::parse("starter.yml", &block)
            .unwrap_or_else(|e| panic!("{}", e.render(false)));
        let names: Vec<&str> = policy.rules.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "baseline.max_growth",
                "baseline.max_final_growth",
                "baseline.max_wasted_growth",
                "baseline.max_layer_growth",
                "baseline.max_new_files"
            ]
        );
    }

    #[test]
    fn size_limits_round_up_and_parse_back_at_least_as_large() {
        for bytes in [
            0,
            7,
            999,
            1000,
            28_580,
            123_456_789,
            9_999_999_999,
            1_610_612_736,
        ] {
            let text = size(bytes);
            let back = parse_size(&text).expect("parses");
            assert!(back >= bytes, "{bytes} -> {text} -> {back}");
            assert!(
                back as f64 <= bytes as f64 * 1.01 + 10.0,
                "{bytes} -> {text}"
            );
        }
        assert_eq!(size(28_580), "28.6kB");
        assert_eq!(size(450_000_000), "450MB");
    }
}
