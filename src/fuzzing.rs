//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz, libFuzzer): one function per target,
//! each taking the fuzzer's bytes and running them through the code the `sizegate` binary runs on
//! the same input. They return nothing: an error is a correct answer to bad input; a panic, a
//! hang or a runaway allocation is the bug the fuzzer looks for.
//!
//! The module is public only with the `fuzzing` feature (off by default), and hidden from the
//! docs: it is not part of the library's surface. The unit tests at the bottom run every seed of
//! `fuzz/corpus/<target>/` and every kept crash of `fuzz/regressions/<target>/` through the same
//! functions on stable, so `cargo test` keeps them passing without the feature or a nightly.
//!
//! What each target feeds, byte for byte, is in `fuzz/README.md`.

use std::borrow::Cow;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use crate::analysis::inventory::Inventory;
use crate::analysis::summary::ImageSummary;
use crate::analysis::top::largest;
use crate::check::{run as check, CheckOptions};
use crate::diff::{diff, Snapshot, CHANGED_PATHS};
use crate::dockerfile::{attribute_stage, Dockerfile};
use crate::error::{Error, ErrorKind};
use crate::explain::{explain, ExplainOptions};
use crate::image::{Image, Layer, LayerContents};
use crate::policy::Policy;
use crate::report::diff as report_diff;
use crate::report::explain as report_explain;
use crate::report::format::{csv, github, gitlab, json, junit, markdown, sarif, table, Render};
use crate::source::layer::{scan_seekable, scan_stream};
use crate::source::{load, ImageSource, Selection};

/// `fuzz_targets/archive.rs`: the bytes are a whole image archive (docker-archive, oci-archive,
/// or either compressed with gzip or zstd). It is read as a file (a plain tar is indexed and read
/// in place; a compressed one is read as a stream), then as the one-pass stream `-` reads from
/// stdin; every image read is analysed as `layers`, `top` and `inventory` do, and explained as
/// `explain --content` does.
pub fn archive(data: &[u8]) {
    let Some(file) = TempFile::with(data) else {
        return;
    };
    load_and_analyse(&file.path, &Selection::default());
    // gzip without compression (stored blocks): the store reads it with the stream reader that
    // also reads stdin, so the bytes reach that reader as they are.
    if let Some(file) = TempFile::with(&gzip_stored(data)) {
        load_and_analyse(&file.path, &Selection::default());
    }
}

/// `fuzz_targets/report.rs`: the bytes are a saved JSON report, read as `diff` and
/// `check --baseline` read a base; the images it holds are compared with themselves and with the
/// fixed image, and every comparison is rendered as `diff` renders it.
pub fn report(data: &[u8]) {
    let Ok(base) = Snapshot::read_report("base.json", data) else {
        return;
    };
    let fixed = Snapshot::of(fixed_image());
    for new in [&base[..], std::slice::from_ref(&fixed)] {
        let compared = diff(&base, new, CHANGED_PATHS);
        let mut out = Vec::new();
        let _ = report_diff::write_table(&mut out, &compared, 60);
        let _ = report_diff::write_json(&mut out, &compared);
        let _ = report_diff::write_markdown(&mut out, &compared);
    }
}

/// `fuzz_targets/layer.rs`: the first byte picks how the rest is stored (0: as it is, which may
/// itself be gzip or zstd; 1: gzip-compressed by the harness; 2: zstd-compressed, both so that
/// mutations of the tar inside get past the decompressor's checksums); the blob is then scanned
/// as a seekable member and as a stream, and what it holds is analysed as a one-layer image.
pub fn layer(data: &[u8]) {
    let Some((&mode, tar)) = data.split_first() else {
        return;
    };
    let blob: Cow<'_, [u8]> = match mode % 3 {
        0 => Cow::Borrowed(tar),
        1 => Cow::Owned(gzip(tar)),
        _ => match zstd::bulk::compress(tar, 1) {
            Ok(z) => Cow::Owned(z),
            Err(_) => return,
        },
    };
    let len = blob.len() as u64;
    let seekable = scan_seekable(Cursor::new(&blob[..]), len);
    let streamed = scan_stream(&blob[..], len);
    for scanned in [seekable, streamed] {
        match scanned {
            Ok(contents) => analyse(vec![one_layer_image(contents)]),
            Err(e) => {
                let error = Box::new(e);
                let kind = ErrorKind::Layer {
                    index: Some(0),
                    error,
                };
                let _ = Error::member("fuzz.tar", "layer.tar", kind).to_string();
            }
        }
    }
}

/// `fuzz_targets/metadata.rs`: the JSON documents of an archive, for the planners of
/// `source/plan/`. The first byte picks the format (bit 0: docker-archive `manifest.json`, else
/// OCI `index.json`), the store (bit 1: the one-pass stream, else the indexed file) and the
/// selection (bits 2-3: none; `--platform linux/arm64`; `--image app:1.0`; `--image
/// docker.io/library/app:1.0 --platform linux/arm/v7`). The rest is split at NUL bytes into
/// documents: the first is `manifest.json` or `index.json`; document N (from 1) is the member
/// `blobs/sha256/dN`, so a manifest names it as `sha256:dN` or `blobs/sha256/dN`. Two layers are
/// always there: `blobs/sha256/l0` (a plain tar) and `blobs/sha256/l1` (gzip), with a legacy
/// symlink `l0/layer.tar` to the first.
pub fn metadata(data: &[u8]) {
    if let Some((archive, selection)) = metadata_input(data) {
        if let Some(file) = TempFile::with(&archive) {
            load_and_analyse(&file.path, &selection);
        }
    }
}

/// The archive file and the selection [`metadata`] makes of its input.
fn metadata_input(data: &[u8]) -> Option<(Vec<u8>, Selection)> {
    let (&mode, rest) = data.split_first()?;
    let tar = metadata_archive(mode & 1 == 1, rest)?;
    let tar = if mode & 2 == 2 {
        gzip_stored(&tar)
    } else {
        tar
    };
    let selection = match (mode >> 2) & 3 {
        0 => Selection::default(),
        1 => Selection {
            image: None,
            platform: Some("linux/arm64".into()),
            ..Selection::default()
        },
        2 => Selection {
            image: Some("app:1.0".into()),
            ..Selection::default()
        },
        _ => Selection {
            image: Some("docker.io/library/app:1.0".into()),
            platform: Some("linux/arm/v7".into()),
            ..Selection::default()
        },
    };
    Some((tar, selection))
}

/// The archive [`metadata`] reads: the documents of `docs` (split at NUL bytes), the first as
/// `manifest.json` (`docker`) or `index.json` (with `oci-layout`), the others as blobs, and the
/// fixed layers.
fn metadata_archive(docker: bool, docs: &[u8]) -> Option<Vec<u8>> {
    let mut docs = docs.split(|&b| b == 0);
    let first = docs.next().unwrap_or_default();
    let mut members: Vec<(String, Cow<'_, [u8]>)> = Vec::new();
    if docker {
        members.push(("manifest.json".into(), Cow::Borrowed(first)));
    } else {
        let layout = br#"{"imageLayoutVersion":"1.0.0"}"#;
        members.push(("oci-layout".into(), Cow::Borrowed(&layout[..])));
        members.push(("index.json".into(), Cow::Borrowed(first)));
    }
    // Blobs are named by well-formed sha256 digests (a reader refuses any other): the documents
    // `sha256:000…001`, `…002`, …; the plain layer `…0f0`, the gzip layer `…0f1`.
    for (i, doc) in docs.enumerate() {
        members.push((blob_path(i as u64 + 1), Cow::Borrowed(doc)));
    }
    let fixed = fixed_layers();
    members.push((blob_path(0xf0), Cow::Borrowed(&fixed.plain[..])));
    members.push((blob_path(0xf1), Cow::Borrowed(&fixed.gzip[..])));
    let link = format!("../{}", blob_path(0xf0));
    build_tar(&members, Some(("l0/layer.tar", &link)))
}

/// `blobs/sha256/` and the 64 hex digits of `n`: where [`metadata_archive`] keeps blob `n`.
fn blob_path(n: u64) -> String {
    format!("blobs/sha256/{n:064x}")
}

/// `fuzz_targets/policy.rs`: the bytes are a `sizegate.yml`. It is read as `check --policy`
/// reads it; its problems are rendered as the CLI prints them, and a policy that reads is checked
/// against a small fixed image and rendered in every format of `check`.
pub fn policy(data: &[u8]) {
    // The binary reads the policy with `read_to_string`: text that is not UTF-8 stops there.
    if let Ok(text) = std::str::from_utf8(data) {
        policy_run(Policy::parse("sizegate.yml", text));
    }
}

/// `fuzz_targets/dive_ci.rs`: the bytes are a `.dive-ci`, read, rendered and checked as
/// [`policy`] does with a `sizegate.yml`.
pub fn dive_ci(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        policy_run(Policy::parse_dive_ci(".dive-ci", text));
    }
}

/// `fuzz_targets/dockerfile.rs`: the bytes are a Dockerfile, read as `check --dockerfile` reads it
/// (odd bytes replaced), with its error rendered and its stages looked up as `--target` does.
pub fn dockerfile(data: &[u8]) {
    match Dockerfile::parse("Dockerfile", &String::from_utf8_lossy(data)) {
        Ok(dockerfile) => {
            for name in dockerfile.stage_names() {
                let _ = dockerfile.stage_named(name);
            }
            let _ = dockerfile.final_stage();
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// `fuzz_targets/attribution.rs`: a Dockerfile, then after a NUL byte the `created_by` of each
/// layer, bottom first, separated by NUL bytes (an empty one is a layer without history). The
/// layers are attributed to the final stage, as `check --dockerfile` does, and to the first stage,
/// as `--target` naming it does.
pub fn attribution(data: &[u8]) {
    let mut parts = data.split(|&b| b == 0);
    let text = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let Ok(dockerfile) = Dockerfile::parse("Dockerfile", &text) else {
        return;
    };
    let created: Vec<Cow<'_, str>> = parts.map(String::from_utf8_lossy).collect();
    let layers: Vec<Option<&str>> = created
        .iter()
        .map(|c| Some(c.as_ref()).filter(|c| !c.is_empty()))
        .collect();
    let last = dockerfile.final_stage();
    let _ = attribute_stage(&dockerfile, last, &layers);
    if last != 0 {
        let _ = attribute_stage(&dockerfile, 0, &layers);
    }
}

/// Loads an archive file as the binary does, renders the error if there is one, and analyses the
/// images read, and explains them with their file data read again (`explain --content`).
fn load_and_analyse(path: &std::path::Path, selection: &Selection) {
    match load(&ImageSource::Path(path.to_path_buf()), selection, &()) {
        Ok(loaded) => {
            let options = ExplainOptions {
                dockerfile: None,
                content: Some(&loaded.data),
                treemap: true,
            };
            match explain(&loaded.images, &options) {
                Ok(explanation) => {
                    let _ = report_explain::write_table(&mut std::io::sink(), &explanation, 60);
                    let _ = report_explain::write_json(&mut std::io::sink(), &explanation);
                }
                Err(e) => {
                    let _ = e.to_string();
                }
            }
            analyse(loaded.images)
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

/// What `layers`, `top` and `inventory` compute of each image.
fn analyse(images: Vec<Image>) {
    for image in images {
        let _ = ImageSummary::of(&image);
        let _ = largest(&image, 5, false);
        let _ = largest(&image, 5, true);
        let _ = Inventory::new(image).rows().count();
    }
}

/// Renders a policy's problems as the CLI does, or checks the fixed image against it and renders
/// the report in every format.
fn policy_run(policy: Result<Policy, crate::policy::PolicyErrors>) {
    let policy = match policy {
        Ok(policy) => policy,
        Err(e) => {
            let _ = e.render(false);
            let _ = e.render(true);
            return;
        }
    };
    let options = CheckOptions {
        dockerfile: None,
        largest_files: markdown::LARGEST_FILES,
        baseline: None,
        saved_paths: true,
        ..CheckOptions::default()
    };
    let report = check(&[policy], vec![fixed_image().clone()], &options);
    let formats: [&dyn Render; 9] = [
        // A log's width, and one too narrow for the tables: both fit without a panic.
        &table::Table {
            styled: false,
            width: 120,
        },
        &table::Table {
            styled: true,
            width: 20,
        },
        &json::Json,
        &csv::Csv,
        &markdown::Markdown::default(),
        &github::Github,
        &sarif::Sarif::default(),
        &junit::Junit,
        &gitlab::Gitlab,
    ];
    for format in formats {
        let _ = format.render(&report, &mut std::io::sink());
    }
}

/// A file in the temporary directory holding the fuzzer's bytes, removed when dropped: the
/// archive stores read paths, as the binary does.
struct TempFile {
    path: PathBuf,
}

impl TempFile {
    fn with(data: &[u8]) -> Option<TempFile> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("sizegate-fuzz-{}-{n}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, data).ok()?;
        Some(TempFile { path })
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `data` as a gzip stream of stored blocks: no compression work, the bytes pass as they are.
fn gzip_stored(data: &[u8]) -> Vec<u8> {
    gzip_level(data, flate2::Compression::none())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    gzip_level(data, flate2::Compression::fast())
}

fn gzip_level(data: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

/// A tar of `members` (regular files, in order) and one symlink `(name, target)`.
fn build_tar(members: &[(String, Cow<'_, [u8]>)], link: Option<(&str, &str)>) -> Option<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut header, name, &data[..]).ok()?;
    }
    if let Some((name, target)) = link {
        let mut header = tar::Header::new_ustar();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, name, target).ok()?;
    }
    builder.into_inner().ok()
}

/// The layer blobs every `metadata` archive holds.
struct FixedLayers {
    plain: Vec<u8>,
    gzip: Vec<u8>,
}

fn fixed_layers() -> &'static FixedLayers {
    static LAYERS: OnceLock<FixedLayers> = OnceLock::new();
    LAYERS.get_or_init(|| {
        let plain = build_tar(&base_files(), None).unwrap_or_default();
        let gzip = gzip(&build_tar(&top_files(), None).unwrap_or_default());
        FixedLayers { plain, gzip }
    })
}

/// Files that the example policies and the recommended preset have rules about.
fn base_files() -> Vec<(String, Cow<'static, [u8]>)> {
    [
        ("usr/bin/app", 40_000),
        (
            "usr/lib/python3.12/site-packages/pkg/__pycache__/m.pyc",
            3_000,
        ),
        ("usr/share/doc/pkg/README", 1_200),
        ("usr/share/man/man1/app.1.gz", 800),
        ("var/lib/apt/lists/lock", 0),
        ("var/lib/apt/lists/deb.debian.org_dists", 9_000),
        ("var/cache/apt/archives/pkg.deb", 20_000),
        ("root/.cache/pip/wheel.bin", 5_000),
        ("opt/app/data/blob", 12_000),
    ]
    .into_iter()
    .map(|(name, size)| (name.to_string(), Cow::Owned(vec![b'x'; size])))
    .collect()
}

/// A layer over [`base_files`]: a rewrite (waste), a whiteout and an opaque directory.
fn top_files() -> Vec<(String, Cow<'static, [u8]>)> {
    [
        ("usr/bin/app", 41_000),
        ("opt/app/data/.wh.blob", 0),
        ("var/lib/apt/lists/.wh..wh..opq", 0),
        ("opt/app/conf/app.conf", 30),
    ]
    .into_iter()
    .map(|(name, size)| (name.to_string(), Cow::Owned(vec![b'y'; size])))
    .collect()
}

fn one_layer_image(contents: LayerContents) -> Image {
    Image {
        name: "fuzz:latest".into(),
        tags: vec!["fuzz:latest".into()],
        platform: Some("linux/amd64".into()),
        layers: vec![Layer {
            index: 0,
            digest: "sha256:0".into(),
            created_by: None,
            contents: Arc::new(contents),
            member: "layer.tar".into(),
        }],
    }
}

/// The image the `policy` and `dive_ci` targets check: the two fixed layers.
fn fixed_image() -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let fixed = fixed_layers();
        let blobs = [&fixed.plain, &fixed.gzip];
        let created_by = [
            "/bin/sh -c #(nop) ADD file:4b03b5f551e3fbdf in / ",
            "RUN /bin/sh -c apt-get update && apt-get install -y app # buildkit",
        ];
        let layers = blobs
            .iter()
            .zip(created_by)
            .enumerate()
            .map(|(index, (blob, created_by))| Layer {
                index,
                digest: format!("sha256:{index}"),
                created_by: Some(created_by.into()),
                contents: Arc::new(
                    scan_seekable(Cursor::new(&blob[..]), blob.len() as u64).unwrap_or_default(),
                ),
                member: format!("layer{index}.tar"),
            })
            .collect();
        Image {
            name: "app:1.0".into(),
            tags: vec!["app:1.0".into()],
            platform: Some("linux/amd64".into()),
            layers,
        }
    })
}

#[cfg(test)]
mod tests;
