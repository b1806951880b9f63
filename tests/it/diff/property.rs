//! Random pairs of images (a small deterministic PRNG, no dependency), each compared from the
//! image and from its saved report, checked against a model of their files: the totals' delta is
//! the difference of the totals, every row says the truth about both sides and its delta is
//! `new_size - base_size`, rows are largest change first, none sits below an added or removed
//! directory row, and from an image base every file that changed is a row or below one.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{layers_report, ok, Pair};
use crate::support::{fake_digest, DockerArchive, Layer};

/// xorshift64*: the same sequence on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Directories files go in: nested ones, and names that sort between a directory and its
/// contents (`a-x`, and the file `a.conf`).
const DIRS: [&str; 7] = ["a", "a/b", "a/b/c", "a-x", "d", "d/e", "d/e/f/g"];
const NAMES: [&str; 3] = ["f1", "f2", "f3"];

/// The files of a final filesystem: path (without the leading `/`) to size.
type Files = BTreeMap<String, u64>;

/// A random image of 1 to 4 layers, and its final files. Each layer deletes some of what is
/// below it (files, directories, opaque directories), then writes files of 0 to 5,000 bytes
/// (some over the ones below). When `padded`, a first layer holds 100 files of 6,000 bytes in
/// /pad: the image's report then lists only those as its largest files, and compares the rest
/// by directory.
fn random_image(rng: &mut Rng, padded: bool) -> (DockerArchive, Files) {
    let mut files = Files::new();
    let mut archive = DockerArchive::new().tags(&["app:1"]);
    let layers = 1 + rng.below(4);
    let mut ids = Vec::new();
    let mut history = Vec::new();
    if padded {
        let mut layer = Layer::new();
        for i in 0..100 {
            let path = format!("pad/f{i:03}");
            layer = layer.file(&path, 6000);
            files.insert(path, 6000);
        }
        archive = archive.layer(layer.tar());
        ids.push(fake_digest(0x9ad));
        history.push("COPY pad /pad".to_string());
    }
    for _ in 0..layers {
        let mut layer = Layer::new();
        let mut touched: Vec<String> = Vec::new();
        if !files.is_empty() {
            for _ in 0..rng.below(3) {
                let existing: Vec<String> = files
                    .keys()
                    .filter(|p| !p.starts_with("pad/"))
                    .cloned()
                    .collect();
                if existing.is_empty() {
                    break;
                }
                let file = existing[rng.below(existing.len())].clone();
                match (rng.below(3), file.rsplit_once('/')) {
                    (0, Some((dir, _))) => {
                        let (parent, name) = match dir.rsplit_once('/') {
                            Some((p, n)) => (format!("{p}/"), n),
                            None => (String::new(), dir),
                        };
                        layer = layer.whiteout(format!("{parent}.wh.{name}"));
                        files.retain(|p, _| !p.starts_with(&format!("{dir}/")));
                        touched.push(format!("{dir}/"));
                    }
                    (1, Some((dir, _))) => {
                        layer = layer.whiteout(format!("{dir}/.wh..wh..opq"));
                        files.retain(|p, _| !p.starts_with(&format!("{dir}/")));
                    }
                    _ => {
                        let whiteout = match file.rsplit_once('/') {
                            Some((dir, name)) => format!("{dir}/.wh.{name}"),
                            None => format!(".wh.{file}"),
                        };
                        layer = layer.whiteout(whiteout);
                        files.remove(&file);
                        touched.push(file);
                    }
                }
            }
        }
        let mut written = Vec::new();
        for _ in 0..1 + rng.below(6) {
            let path = match rng.below(8) {
                0 => "a.conf".to_string(),
                _ => format!("{}/{}", rng.pick(&DIRS), rng.pick(&NAMES)),
            };
            // A path is written once per layer, never where this layer deleted.
            if written.contains(&path)
                || touched
                    .iter()
                    .any(|t| path == *t || path.starts_with(t.as_str()))
            {
                continue;
            }
            let size = match rng.below(5) {
                0 => 0,
                _ => 1 + rng.below(5000) as u64,
            };
            layer = layer.file(&path, size as usize);
            files.insert(path.clone(), size);
            written.push(path);
        }
        ids.push(fake_digest(rng.next() >> 16));
        history.push(format!("RUN step {}", rng.below(3)));
        archive = archive.layer(layer.tar());
    }
    let history: Vec<&str> = history.iter().map(String::as_str).collect();
    (archive.diff_ids(&ids).history(&history), files)
}

/// The size of every file and directory (the bytes below it) of `files`, by absolute path.
fn sizes(files: &Files) -> BTreeMap<String, u64> {
    let mut all = BTreeMap::new();
    for (path, size) in files {
        all.insert(format!("/{path}"), *size);
        let mut dir = String::new();
        for part in path
            .split('/')
            .collect::<Vec<_>>()
            .split_last()
            .map_or(&[][..], |(_, d)| d)
        {
            dir.push('/');
            dir.push_str(part);
            *all.entry(dir.clone()).or_insert(0) += size;
        }
    }
    all
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a size: {v}"))
}

/// Checks one image's comparison against the model of both sides; `complete` when the base was
/// compared file by file (every changed file must then be a row or below one).
fn check(what: &str, d: &Value, base: &Files, new: &Files, complete: bool) {
    let (base_sizes, new_sizes) = (sizes(base), sizes(new));
    let total = |files: &Files| files.values().sum::<u64>() as i64;
    assert_eq!(
        d["delta"]["final_size"].as_i64(),
        Some(num(&d["new"]["final_size"]) as i64 - num(&d["base"]["final_size"]) as i64),
        "{what}"
    );
    assert_eq!(
        d["delta"]["final_size"].as_i64(),
        Some(total(new) - total(base)),
        "{what}: the model's final sizes"
    );
    for l in d["layers"].as_array().expect("layers") {
        let size = |v: &Value| v.as_u64().map_or(0, |s| s as i64);
        assert_eq!(
            l["size_delta"].as_i64(),
            Some(size(&l["new_size"]) - size(&l["base_size"])),
            "{what}: {l}"
        );
    }
    assert_eq!(d["more_paths"], 0, "{what}: --top lists them all");
    let rows = d["paths"].as_array().expect("paths");
    let mut collapsed: Vec<String> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let path = r["path"].as_str().expect("path");
        let (b, n) = (num(&r["base_size"]), num(&r["new_size"]));
        assert_eq!(
            r["delta"].as_i64(),
            Some(n as i64 - b as i64),
            "{what}: {r}"
        );
        assert_eq!(
            b,
            base_sizes.get(path).copied().unwrap_or(0),
            "{what}: base of {r}"
        );
        assert_eq!(
            n,
            new_sizes.get(path).copied().unwrap_or(0),
            "{what}: new of {r}"
        );
        let status = match (base_sizes.contains_key(path), new_sizes.contains_key(path)) {
            (false, true) => "added",
            (true, false) => "removed",
            _ if n > b => "grown",
            _ => "shrunk",
        };
        assert_eq!(r["status"], status, "{what}: {r}");
        assert_ne!(b, n, "{what}: a row changes something: {r}");
        let dir = r["kind"] == "directory";
        assert_eq!(
            dir,
            !base.contains_key(&path[1..]) && !new.contains_key(&path[1..]),
            "{what}: {r}"
        );
        if i > 0 {
            let prev = &rows[i - 1];
            let key = |r: &Value| {
                (
                    r["delta"].as_i64().expect("delta").unsigned_abs(),
                    r["path"].as_str().map(String::from),
                )
            };
            let (pk, k) = (key(prev), key(r));
            assert!(
                pk.0 > k.0 || (pk.0 == k.0 && pk.1 < k.1),
                "{what}: order of {prev} and {r}"
            );
        }
        if dir && (status == "added" || status == "removed") {
            collapsed.push(format!("{path}/"));
        }
    }
    for r in rows {
        let path = r["path"].as_str().expect("path");
        assert!(
            !collapsed.iter().any(|c| path.starts_with(c.as_str())),
            "{what}: {path} is below an added or removed directory row"
        );
    }
    if complete {
        let listed: Vec<&str> = rows.iter().filter_map(|r| r["path"].as_str()).collect();
        let keys: std::collections::BTreeSet<&String> = base.keys().chain(new.keys()).collect();
        for file in keys {
            let (b, n) = (
                base.get(file).copied().unwrap_or(0),
                new.get(file).copied().unwrap_or(0),
            );
            let path = format!("/{file}");
            if b != n {
                assert!(
                    listed.contains(&path.as_str())
                        || collapsed.iter().any(|c| path.starts_with(c.as_str())),
                    "{what}: {path} changed ({b} -> {n}) and no row says so"
                );
            }
        }
    }
}

#[test]
fn random_pairs_agree_with_a_model_of_their_files() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut by_directory = 0;
    for case in 0..100 {
        let padded = case % 3 == 2;
        let (base, base_files) = random_image(&mut rng, padded);
        let (new, new_files) = random_image(&mut rng, padded);
        let pair = Pair::new(&base, &new);
        let what = format!("case {case}: {base_files:?} -> {new_files:?}");
        let d = pair.json(super::Base::Image, &["--top", "1000"]);
        check(
            &format!("{what} (image base)"),
            &d,
            &base_files,
            &new_files,
            true,
        );
        let report = layers_report(&pair.base, pair.dir.path());
        let args = ["--top", "1000", "--format", "json"];
        let d = ok(super::diff_run(&report, &pair.new, &args)).json();
        check(
            &format!("{what} (report base)"),
            &d,
            &base_files,
            &new_files,
            d["path_depth"].is_null(),
        );
        by_directory += usize::from(!d["path_depth"].is_null());
        // The other way round: the new image's report as the base of the old one.
        let report = layers_report(&pair.new, pair.dir.path());
        let d = ok(super::diff_run(&report, &pair.base, &args)).json();
        check(
            &format!("{what} (reversed)"),
            &d,
            &new_files,
            &base_files,
            d["path_depth"].is_null(),
        );
    }
    // Every padded base is compared by directory, every other one file by file.
    assert_eq!(by_directory, 33);
}
