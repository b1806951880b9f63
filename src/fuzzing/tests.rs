//! Every seed of `fuzz/corpus/<target>/` and every kept crash of `fuzz/regressions/<target>/` run
//! through its target on stable, so the corpus and the fixes stay in step with the code; and the
//! seeds are checked to reach the code they are for, not to stop at the first error.

use std::path::{Path, PathBuf};

use super::*;

/// A target's entry point.
type Target = fn(&[u8]);

/// The targets, by the name of their folder in `fuzz/corpus/` and `fuzz/regressions/`.
const TARGETS: [(&str, Target); 8] = [
    ("archive", archive),
    ("layer", layer),
    ("metadata", metadata),
    ("policy", policy),
    ("dive_ci", dive_ci),
    ("dockerfile", dockerfile),
    ("attribution", attribution),
    ("report", report),
];

fn files(dir: &str, target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(dir)
        .join(target);
    let Ok(read) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = read
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_seed_of_every_target_runs() {
    for (target, run) in TARGETS {
        let seeds = files("corpus", target);
        assert!(!seeds.is_empty(), "fuzz/corpus/{target}/ has no seeds");
        for seed in seeds {
            let data = read(&seed);
            assert!(
                data.len() <= 100 * 1024,
                "{}: seeds stay small",
                seed.display()
            );
            run(&data);
        }
    }
}

#[test]
fn every_kept_crash_of_every_target_runs() {
    for (target, run) in TARGETS {
        for input in files("regressions", target) {
            run(&read(&input));
        }
    }
}

/// The seeds named `*.tar*` are whole images that load as the binary loads them.
#[test]
fn archive_seeds_are_images_that_load() {
    let seeds: Vec<PathBuf> = files("corpus", "archive");
    for seed in seeds
        .iter()
        .filter(|p| p.to_string_lossy().contains(".tar"))
    {
        let file = TempFile::with(&read(seed)).expect("temp file");
        let loaded = load(
            &ImageSource::Path(file.path.clone()),
            &Selection::default(),
            &(),
        );
        let loaded = loaded.unwrap_or_else(|e| panic!("{}: {e}", seed.display()));
        assert!(!loaded.images.is_empty(), "{}", seed.display());
    }
}

/// The seeds named `*.tar*` are layers that scan, whatever the harness stores them as.
#[test]
fn layer_seeds_are_layers_that_scan() {
    for seed in files("corpus", "layer") {
        if !seed.to_string_lossy().contains(".tar") {
            continue;
        }
        let data = read(&seed);
        let (_, blob) = data.split_first().expect("a mode byte");
        let scanned = scan_seekable(Cursor::new(blob), blob.len() as u64);
        let contents = scanned.unwrap_or_else(|e| panic!("{}: {e:?}", seed.display()));
        assert!(!contents.entries.is_empty(), "{}", seed.display());
    }
}

/// Each `metadata` seed, as the archive and selection the target makes of it, plans and loads.
#[test]
fn metadata_seeds_plan_and_load() {
    for seed in files("corpus", "metadata") {
        let (archive, selection) = metadata_input(&read(&seed)).expect("an archive");
        let file = TempFile::with(&archive).expect("temp file");
        let loaded = load(&ImageSource::Path(file.path.clone()), &selection, &());
        let loaded = loaded.unwrap_or_else(|e| panic!("{}: {e}", seed.display()));
        assert!(!loaded.images.is_empty(), "{}", seed.display());
    }
}

#[test]
fn policy_and_dive_ci_seeds_read() {
    for seed in files("corpus", "policy") {
        let text = String::from_utf8(read(&seed)).expect("UTF-8");
        if let Err(e) = Policy::parse("sizegate.yml", &text) {
            panic!("{}: {e}", seed.display());
        }
    }
    for seed in files("corpus", "dive_ci") {
        let text = String::from_utf8(read(&seed)).expect("UTF-8");
        if let Err(e) = Policy::parse_dive_ci(".dive-ci", &text) {
            panic!("{}: {e}", seed.display());
        }
    }
}

#[test]
fn dockerfile_and_attribution_seeds_parse() {
    for seed in files("corpus", "dockerfile") {
        let text = String::from_utf8_lossy(&read(&seed)).into_owned();
        if let Err(e) = Dockerfile::parse("Dockerfile", &text) {
            panic!("{}: {e}", seed.display());
        }
    }
    for seed in files("corpus", "attribution") {
        let data = read(&seed);
        let text = data.split(|&b| b == 0).next().unwrap_or_default();
        let text = String::from_utf8_lossy(text).into_owned();
        let dockerfile = Dockerfile::parse("Dockerfile", &text)
            .unwrap_or_else(|e| panic!("{}: {e}", seed.display()));
        let layers = data.split(|&b| b == 0).count() - 1;
        let found = attribute_stage(&dockerfile, dockerfile.final_stage(), &vec![None; layers]);
        assert_eq!(found.len(), layers, "{}", seed.display());
    }
}

/// Each `report` seed reads as a base.
#[test]
fn report_seeds_read() {
    for seed in files("corpus", "report") {
        let read = Snapshot::read_report("base.json", &read(&seed));
        let images = read.unwrap_or_else(|e| panic!("{}: {e}", seed.display()));
        assert!(!images.is_empty(), "{}", seed.display());
    }
}

#[test]
fn the_fixed_image_has_the_files_the_policies_are_about() {
    let image = fixed_image();
    assert_eq!(image.layers.len(), 2);
    assert_eq!(image.layers[0].contents.entries.len(), base_files().len());
    assert_eq!(image.layers[1].contents.entries.len(), top_files().len());
}
