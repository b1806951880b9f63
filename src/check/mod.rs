//! The gate: the rules of the policies applied to each image, giving the rules checked (each with
//! its actual value, its limit and its outcome) and the findings, each with a stable code. [`run`]
//! is the whole check of a run; the formats in `report::format` only render what it returns.
//!
//! Adding a rule kind: its variant in `policy/rules.rs` ([`RuleKind`]) and its reader in
//! `policy/parse.rs` (with its keys in `policy/schema.rs`); its arm in `evaluate.rs` (the compiler
//! leads there) and, for a glob rule, in `scan.rs`; its findings' constructor in `findings.rs` and
//! its codes in `src/code.rs`.

mod budget;
mod evaluate;
mod fail_on;
mod findings;
mod fingerprint;
mod growth;
pub(crate) mod hint;
pub(crate) mod matcher;
mod origin;
mod report;
mod scan;
mod sources;

pub(crate) use crate::code::Code;
pub use fail_on::FailOn;
pub(crate) use fingerprint::ranked;
pub(crate) use origin::{layer_origins, LayerOrigin};
pub use report::{CheckReport, Verdict};
pub(crate) use report::{Finding, ImageCheck, Location, Outcome, RuleResult};
pub(crate) use sources::{SourceRow, Sources};

use crate::analysis::dive::dive_metrics;
use crate::analysis::inventory::Inventory;
use crate::analysis::paths::{PathTree, SavedPaths};
use crate::analysis::summary::ImageSummary;
use crate::analysis::top::top_files;
use crate::analysis::waste::waste_sources;
use crate::analysis::{analyze, Analysis};
use crate::diff::{self, ImageDiff, Snapshot, CHANGED_PATHS};
use crate::dockerfile::Dockerfile;
use crate::image::Image;
use crate::policy::rules::{Rule, RuleId};
use crate::policy::Policy;
use evaluate::Base;

#[cfg(test)]
pub(crate) use report::{tests, PathHit};

/// Forbidden paths listed in a finding before the rest are only counted.
pub(crate) const LISTED_PATHS: usize = 20;

/// What a run gives beyond the verdict, for the formats that want it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions<'a> {
    /// The Dockerfile the images were built from and the index of the stage built: each layer is
    /// then traced to its instruction, and findings about a layer point at that line.
    pub dockerfile: Option<(&'a Dockerfile, usize)>,
    /// How many of each image's largest files to list (the markdown summary does); 0 spares the
    /// pass over every file that finding them takes.
    pub largest_files: usize,
    /// The images to compare with (`--baseline`): each checked image is paired with one by name
    /// (as `diff` pairs them), its changes reported and the policy's `baseline:` rules checked.
    pub baseline: Option<&'a [Snapshot]>,
    /// Whether each image's summary keeps the paths a saved report needs (directory totals and
    /// the largest files): for a JSON report, which a later `diff` or `--baseline` reads; they
    /// cost a pass over every file.
    pub saved_paths: bool,
    /// Which findings fail the gate (`--fail-on`): the report's verdict follows it.
    pub fail_on: FailOn,
}

/// Checks every image against every rule of `policies` (in order: a `sizegate.yml`, then a
/// `.dive-ci`). The report keeps each image's inventory, for the formats that list every entry.
pub fn run(policies: &[Policy], images: Vec<Image>, options: &CheckOptions<'_>) -> CheckReport {
    let rules = applied(policies);
    let bases: Vec<Option<&Snapshot>> = match options.baseline {
        Some(base) => {
            let names: Vec<&str> = images.iter().map(|i| i.name.as_str()).collect();
            let base_names: Vec<&str> = base.iter().map(Snapshot::name).collect();
            diff::pair(&base_names, &names)
                .into_iter()
                .map(|p| p.map(|j| &base[j]))
                .collect()
        }
        None => vec![None; images.len()],
    };
    let checks = images
        .into_iter()
        .zip(bases)
        .map(|(image, base)| {
            let given = options.baseline.is_some();
            let origins = options
                .dockerfile
                .map(|(dockerfile, stage)| layer_origins(&image, dockerfile, stage));
            let traced = origins.as_deref().unwrap_or_default();
            let (mut check, analysis) = check_image(&image, &rules, base, given, traced);
            if let Some(origins) = origins {
                origin::attribute_to_dockerfile(&mut check, origins);
            }
            if options.saved_paths {
                check.summary.paths = SavedPaths::of(&image, &analysis);
            }
            if options.largest_files > 0 {
                check.largest_files = top_files(&image, &analysis, options.largest_files);
            }
            check.inventory = Some(Inventory::from_parts(image, analysis));
            check
        })
        .collect();
    let files = policies.iter().map(|p| p.file.clone()).collect();
    CheckReport::new(files, checks, options.fail_on)
}

/// A rule as a run applies it: with its id and the policy file it is written in.
struct Applied<'p> {
    id: RuleId,
    file: &'p str,
    rule: &'p Rule,
}

/// Every rule of the policies, numbered across them in order.
fn applied(policies: &[Policy]) -> Vec<Applied<'_>> {
    policies
        .iter()
        .flat_map(|p| p.rules.iter().map(move |rule| (p.file.as_str(), rule)))
        .zip(0u32..)
        .map(|((file, rule), id)| Applied {
            id: RuleId(id),
            file,
            rule,
        })
        .collect()
}

/// Applies the rules to one image, compared with its base when it has one (`baseline_given`: the
/// run has a baseline, so an image without a base has none that pairs with it), its layers traced
/// to a Dockerfile by `origins` (empty without `--dockerfile`); returns the analysis of the image
/// too.
fn check_image(
    image: &Image,
    rules: &[Applied<'_>],
    base: Option<&Snapshot>,
    baseline_given: bool,
    origins: &[LayerOrigin],
) -> (ImageCheck, Analysis) {
    // The waste sources cost a pass over the hidden entries: only a rule about waste wants them.
    let wants_sources = rules.iter().any(|a| sources::about_waste(&a.rule.kind));
    // The glob scan and the waste sources need the analysis but not dive's metrics, and dive
    // takes longer: they run while dive finishes.
    let ((analysis, scans, sources), dive) = rayon::join(
        || {
            let analysis = analyze(image);
            let scans = scan::scan(image, &analysis, rules);
            let sources = wants_sources
                .then(|| Sources::of(image, &waste_sources(image, &analysis), origins));
            (analysis, scans, sources)
        },
        || dive_metrics(image),
    );
    let summary = ImageSummary::without_paths(image, &analysis, &dive);
    let diff = base.map(|base| compare(base, image, &analysis, &summary));
    let compared = match (&diff, baseline_given) {
        (Some(diff), _) => Base::Compared(diff),
        (None, true) => Base::Unpaired,
        (None, false) => Base::NotGiven,
    };
    let evaluated = evaluate::evaluate(
        image,
        &summary,
        &dive,
        scans,
        sources.as_ref(),
        compared,
        rules,
    );
    let check = ImageCheck {
        diff,
        rules: evaluated.rules,
        findings: evaluated.findings,
        summary,
        origins: Vec::new(),
        largest_files: Vec::new(),
        inventory: None,
    };
    (check, analysis)
}

/// The changes of an image against its base.
fn compare(
    base: &Snapshot,
    image: &Image,
    analysis: &Analysis,
    summary: &ImageSummary,
) -> ImageDiff {
    let new = Snapshot {
        summary: summary.clone(),
        tree: PathTree::of(image, analysis),
    };
    diff::compare(base, &new, CHANGED_PATHS)
}
