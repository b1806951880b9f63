//! Writes a deterministic synthetic container image for sizegate's benchmark (`bench/run.sh`).
//!
//! ```sh
//! cargo run --release --example make_bench_image -- OUT --format F --size 2G [--files 30000] [--seed N]
//! ```
//!
//! Formats (`--format`):
//! - `docker`: a legacy `docker save` archive (Docker <= 24): `<id>/VERSION`, `<id>/json`,
//!   `<id>/layer.tar` (plain tars), `<config hex>.json`, `manifest.json`, `repositories`, in
//!   name order as Docker writes them.
//! - `docker25`: the archive of `docker save` on Docker >= 25: `blobs/sha256/<hex>` (plain layer
//!   tars, the config and the OCI manifest, by name), then `index.json`, `manifest.json`,
//!   `oci-layout`, `repositories`.
//! - `oci-gzip`: an OCI image layout directory with gzip layers (level 1, "fast").
//! - `oci-zstd`: the same with zstd layers (level 3, zstd's default, as BuildKit writes them).
//!
//! `--size` is the image size as sizegate and `oracle.py` report it: the sum of the regular-file
//! bytes of all layers, exact to the byte. `K`, `M`, `G`, `T` (and `kB`, `MB`, `GB`, `TB`) are
//! decimal, powers of 1000, like sizegate's policy units; `KiB`, `MiB`, `GiB`, `TiB` (or `Ki` …)
//! are binary. The archive is a little larger (tar headers, padding, metadata).
//!
//! The image is shaped like a real one (a Python/ML service on a Debian base):
//! - layer 0, the base: `--files` small files (0-32 KiB) in nested directories (`/usr/lib/pkgN/…`,
//!   `/usr/share/doc/pkgN/…`, …), with symlinks and a few hard links; 15 % of the bytes at most;
//! - layers 1-3 (apt-get install, pip install, COPY . /app): `--files / 10` files each, of mixed
//!   sizes (1 KiB-128 KiB, and 1 % of 1-40 MiB), 8 % of the bytes each at most;
//! - layer 4: a few very large files (model weights): the rest of the bytes, most of them;
//! - layer 5: deletes `/usr/share/doc` (a whiteout of a directory), deletes the `.deb` files of
//!   layer 1, empties `/app/static` (an opaque directory) and overwrites 1 % of the base's files
//!   and some of layer 2's;
//! - layer 6: a few small files.
//!
//! The config has a history with `created_by` for every layer and `empty_layer` entries (CMD, ENV,
//! WORKDIR, …), and `rootfs.diff_ids`, the sha256 of each uncompressed layer tar. File contents
//! are pseudo-random bytes mixed with words of a small vocabulary (compressible about 2:1), made
//! from `--seed` in 64-byte blocks (a few RNG calls per block), so 10 GB are written in well
//! under a minute of CPU. The same arguments always give the same bytes.
//!
//! The output is written to `OUT.partial` and renamed to `OUT` when complete, so a partial image
//! left by an interrupted run is never mistaken for a finished one.

// A command-line tool: its progress goes to stderr.
#![allow(clippy::print_stderr)]

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Modification time of every entry (2024-05-01T12:00:00Z): the output is byte-for-byte stable.
const MTIME: u64 = 1_714_564_800;
const CREATED: &str = "2024-05-01T12:00:00Z";
const REPO: &str = "sizegate-bench";
const TAG: &str = "latest";
const KIB: u64 = 1024;
const MIB: u64 = 1024 * 1024;
const GIB: u64 = 1024 * MIB;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Docker,
    Docker25,
    OciGzip,
    OciZstd,
}

struct Args {
    out: PathBuf,
    format: Format,
    size: u64,
    files: usize,
    seed: u64,
}

const USAGE: &str = "usage: make_bench_image OUT --format docker|docker25|oci-gzip|oci-zstd \
                     --size SIZE [--files N] [--seed N]";

fn parse_args() -> Result<Args> {
    let mut out = None;
    let mut format = None;
    let mut size = None;
    let mut files = 30_000;
    let mut seed = 42;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--format" => {
                format = Some(match value("--format")?.as_str() {
                    "docker" => Format::Docker,
                    "docker25" => Format::Docker25,
                    "oci-gzip" => Format::OciGzip,
                    "oci-zstd" => Format::OciZstd,
                    other => bail!("unknown format `{other}`\n{USAGE}"),
                })
            }
            "--size" => size = Some(parse_size(&value("--size")?)?),
            "--files" => files = value("--files")?.parse().context("--files")?,
            "--seed" => seed = value("--seed")?.parse().context("--seed")?,
            "-h" | "--help" => {
                eprintln!("{USAGE}");
                std::process::exit(0);
            }
            s if s.starts_with('-') => bail!("unknown option `{s}`\n{USAGE}"),
            s if out.is_none() => out = Some(PathBuf::from(s)),
            s => bail!("unexpected argument `{s}`\n{USAGE}"),
        }
    }
    ensure!(files >= 1, "--files must be at least 1");
    Ok(Args {
        out: out.with_context(|| USAGE.to_string())?,
        format: format.with_context(|| format!("--format is required\n{USAGE}"))?,
        size: size.with_context(|| format!("--size is required\n{USAGE}"))?,
        files,
        seed,
    })
}

/// `2G`, `500M`, `1.5GB` (decimal) or `2GiB`, `512Mi` (binary), or plain bytes.
fn parse_size(s: &str) -> Result<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let number: f64 = number
        .parse()
        .with_context(|| format!("bad size `{s}` (e.g. 2G, 500M, 10GiB)"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1000,
        "m" | "mb" => 1000_u64.pow(2),
        "g" | "gb" => 1000_u64.pow(3),
        "t" | "tb" => 1000_u64.pow(4),
        "ki" | "kib" => KIB,
        "mi" | "mib" => MIB,
        "gi" | "gib" => GIB,
        "ti" | "tib" => 1024 * GIB,
        other => bail!(
            "bad size unit `{other}` in `{s}` (K, M, G, T decimal; KiB, MiB, GiB, TiB binary)"
        ),
    };
    Ok((number * factor as f64).round() as u64)
}

// ---------------------------------------------------------------------------------------------
// Random numbers and file contents

/// SplitMix64: tiny, fast, and good enough for sizes, choices and contents.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0; the modulo bias is irrelevant here).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Log-uniform in `[lo, hi]`: as many files of 1-2 KiB as of 64-128 KiB.
    fn log_uniform(&mut self, lo: u64, hi: u64) -> u64 {
        let (l, h) = ((lo as f64).ln(), (hi as f64).ln());
        (l + (h - l) * self.unit()).exp() as u64
    }
}

/// Words of a small vocabulary, 40 bytes each: the compressible part of every 64-byte block.
const WORD: usize = 40;
const WORDS: usize = 256;

/// Makes file contents: each 64-byte block is 24 random bytes and one of 256 text words, so
/// gzip -1 and zstd -3 both shrink it about 2:1 (the words are found again within gzip's 32 KiB
/// window, the random bytes are not compressible). Four RNG calls per 64 bytes.
struct ContentMaker {
    dict: Vec<u8>,
    scratch: Vec<u8>,
}

const BLOCK: usize = 64;
const SCRATCH: usize = 256 * 1024;

impl ContentMaker {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed ^ 0xD1C7_10AA);
        let letters = b"etaoinshrdlucmfwypvbgkqjxz";
        let mut dict = Vec::with_capacity(WORD * WORDS);
        while dict.len() < WORD * WORDS {
            // words of 2-9 letters (frequent letters more often), separated by spaces
            let len = 2 + rng.below(8) as usize;
            for _ in 0..len {
                let r = rng.below(26 * 27 / 2);
                // triangular distribution: index i has weight 26 - i
                let mut acc = 0;
                let mut i = 0;
                while acc + (26 - i) as u64 <= r {
                    acc += (26 - i) as u64;
                    i += 1;
                }
                dict.push(letters[i]);
            }
            dict.push(b' ');
        }
        dict.truncate(WORD * WORDS);
        ContentMaker {
            dict,
            scratch: vec![0; SCRATCH],
        }
    }

    /// Writes `size` bytes of the content of the file with `seed` to `w`.
    fn write(&mut self, w: &mut impl Write, size: u64, seed: u64) -> io::Result<()> {
        let mut rng = Rng(seed);
        let mut left = size;
        while left > 0 {
            let n = left.min(SCRATCH as u64) as usize;
            let blocks = n.div_ceil(BLOCK);
            for block in self.scratch[..blocks * BLOCK].chunks_exact_mut(BLOCK) {
                block[0..8].copy_from_slice(&rng.next().to_le_bytes());
                block[8..16].copy_from_slice(&rng.next().to_le_bytes());
                block[16..24].copy_from_slice(&rng.next().to_le_bytes());
                let word = (rng.next() % WORDS as u64) as usize * WORD;
                block[24..64].copy_from_slice(&self.dict[word..word + WORD]);
            }
            w.write_all(&self.scratch[..n])?;
            left -= n as u64;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The plan: every entry of every layer, decided before anything is written

#[derive(Clone, Debug)]
enum Kind {
    Dir,
    /// A regular file of `size` bytes whose content is made from `seed`. Whiteouts are empty
    /// regular files named `.wh.NAME` (or `.wh..wh..opq`), as Docker and the OCI spec write them.
    File {
        size: u64,
        seed: u64,
    },
    Symlink(String),
    Hardlink(String),
}

#[derive(Clone, Debug)]
struct Entry {
    path: String,
    kind: Kind,
    mode: u32,
}

struct LayerPlan {
    created_by: String,
    entries: Vec<Entry>,
}

impl LayerPlan {
    fn new(created_by: impl Into<String>) -> Self {
        LayerPlan {
            created_by: created_by.into(),
            entries: Vec::new(),
        }
    }
    fn file_bytes(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| match e.kind {
                Kind::File { size, .. } => size,
                _ => 0,
            })
            .sum()
    }
    fn file_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| {
                matches!(e.kind, Kind::File { .. } | Kind::Hardlink(_))
                    && !e.path.rsplit('/').next().unwrap_or("").starts_with(".wh.")
            })
            .count()
    }
}

struct Planner {
    rng: Rng,
}

impl Planner {
    fn file(&mut self, layer: &mut LayerPlan, path: String, size: u64, mode: u32) {
        let seed = self.rng.next();
        layer.entries.push(Entry {
            path,
            kind: Kind::File { size, seed },
            mode,
        });
    }
    fn whiteout(&mut self, layer: &mut LayerPlan, path: String) {
        layer.entries.push(Entry {
            path,
            kind: Kind::File { size: 0, seed: 0 },
            mode: 0o644,
        });
    }
    fn link(&mut self, layer: &mut LayerPlan, path: String, kind: Kind) {
        layer.entries.push(Entry {
            path,
            kind,
            mode: 0o777,
        });
    }
    /// Sizes of a layer of mixed files: 99 % log-uniform 1 KiB-128 KiB (sources, .py, small
    /// libraries), 1 % log-uniform 1-40 MiB (big shared libraries), all scaled down together
    /// when that would exceed `budget`.
    fn mixed_sizes(&mut self, count: usize, budget: u64) -> Vec<u64> {
        let sizes: Vec<u64> = (0..count)
            .map(|i| {
                if i % 100 == 37 {
                    self.rng.log_uniform(MIB, 40 * MIB)
                } else {
                    self.rng.log_uniform(KIB, 128 * KIB)
                }
            })
            .collect();
        let natural: u64 = sizes.iter().sum();
        if natural <= budget {
            return sizes;
        }
        let scale = budget as f64 / natural as f64;
        sizes
            .into_iter()
            .map(|s| (s as f64 * scale) as u64)
            .collect()
    }
}

/// Sizes of the base layer's small files: about 2 % empty, the rest uniform in 1..=max.
fn base_size(rng: &mut Rng, j: usize, max: u64) -> u64 {
    if j % 50 == 49 {
        0
    } else {
        1 + rng.below(max)
    }
}

fn plan(size: u64, files: usize, seed: u64) -> Result<Vec<LayerPlan>> {
    let mut p = Planner { rng: Rng(seed) };
    let n = files;
    let pkgs = n.div_ceil(100);

    // Layer 0: the base, `n` small files grouped in packages of 100.
    let base_budget = size * 15 / 100;
    let mean = (base_budget / n as u64).clamp(1, 16 * KIB);
    let max = (2 * mean).min(32 * KIB);
    let mut base = LayerPlan::new(format!(
        "/bin/sh -c #(nop) ADD file:{:016x}{:016x}{:016x}{:016x} in / ",
        p.rng.next(),
        p.rng.next(),
        p.rng.next(),
        p.rng.next()
    ));
    for i in 0..n {
        let (k, j) = (i / 100, i % 100);
        let path = match j {
            0..=54 => format!("usr/lib/pkg{k}/sub{}/mod{j:03}.so", j % 5),
            55..=69 => format!("usr/share/pkg{k}/data{j:03}.dat"),
            70..=79 => format!("usr/share/doc/pkg{k}/doc{j:03}.txt"),
            80..=89 => format!("usr/include/pkg{k}/h{j:03}.h"),
            90..=94 => format!("usr/share/locale/l{}/LC_MESSAGES/pkg{k}-{j}.mo", j % 5),
            _ => format!("usr/bin/pkg{k}-tool{j}"),
        };
        let mode = if j >= 95 { 0o755 } else { 0o644 };
        let sz = base_size(&mut p.rng, j, max);
        p.file(&mut base, path.clone(), sz, mode);
        if j == 0 {
            // libpkgK.so -> sub0/mod000.so, as a distro ships its .so symlinks
            p.link(
                &mut base,
                format!("usr/lib/pkg{k}/libpkg{k}.so"),
                Kind::Symlink("sub0/mod000.so".into()),
            );
        }
        if j == 95 && k % 5 == 0 {
            // a hard link, as perl or git ship them (tar names the target by its path)
            p.link(
                &mut base,
                format!("usr/bin/pkg{k}-alias"),
                Kind::Hardlink(path),
            );
        }
    }

    let m = (n / 10).max(10);
    let mixed_budget = size * 8 / 100;

    // Layer 1: apt-get install: libraries, man pages, apt lists and downloaded .deb files.
    let mut apt = LayerPlan::new(
        "RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends \
         build-essential python3 python3-dev libpq5 # buildkit",
    );
    let sizes = p.mixed_sizes(m, mixed_budget);
    for (i, &sz) in sizes.iter().enumerate() {
        let g = i / 50;
        let path = match i {
            0..=5 => format!(
                "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_part{i}_binary-amd64_Packages"
            ),
            6..=13 => format!("var/cache/apt/archives/lib{i}_1.{i}-1_amd64.deb"),
            _ if i % 10 == 3 => format!("usr/share/man/man{}/tool{i}.1.gz", 1 + i % 8),
            _ => format!("usr/lib/x86_64-linux-gnu/dev{g}/lib{i}.so.{}", i % 7),
        };
        p.file(&mut apt, path, sz, 0o644);
    }

    // Layer 2: pip install: site-packages with bytecode, some big native libraries, pip's cache.
    let mut pip = LayerPlan::new("RUN /bin/sh -c pip install -r requirements.txt # buildkit");
    let sizes = p.mixed_sizes(m, mixed_budget);
    let site = "usr/local/lib/python3.12/site-packages";
    let mut pip_py = Vec::new();
    for (i, &sz) in sizes.iter().enumerate() {
        let g = i / 40;
        let path = match i {
            0..=3 => format!("root/.cache/pip/http-v2/{i:x}/{:x}/body", i * 7),
            _ if i % 100 == 37 => format!("{site}/pylib{g}/lib/libpylib{g}_{i}.so"),
            _ if i % 4 == 1 => format!("{site}/pylib{g}/__pycache__/m{i}.cpython-312.pyc"),
            _ => {
                pip_py.push(i);
                format!("{site}/pylib{g}/m{i}.py")
            }
        };
        p.file(&mut pip, path, sz, 0o644);
    }

    // Layer 3: COPY . /app: sources, static assets (emptied again in layer 5), node_modules.
    let mut app = LayerPlan::new("COPY . /app # buildkit");
    let sizes = p.mixed_sizes(m, mixed_budget);
    for (i, &sz) in sizes.iter().enumerate() {
        let g = i / 30;
        let path = match i % 10 {
            0..=3 => format!("app/src/mod{g}/f{i}.py"),
            4 | 5 => format!("app/static/img{g}/a{i}.png"),
            _ => format!("app/node_modules/dep{g}/dist/i{i}.js"),
        };
        p.file(&mut app, path, sz, 0o644);
    }

    // Layer 5 (planned before layer 4, which takes the remaining bytes): deletes and overwrites.
    let mut cleanup = LayerPlan::new(
        "RUN /bin/sh -c rm -rf /usr/share/doc /var/cache/apt/archives/*.deb /app/static/* \
         && apt-get upgrade -y && pip install --upgrade pylib0 && ./build-static.sh # buildkit",
    );
    p.whiteout(&mut cleanup, "usr/share/.wh.doc".into()); // the whole directory
    for i in 6..=13.min(m - 1) {
        p.whiteout(
            &mut cleanup,
            format!("var/cache/apt/archives/.wh.lib{i}_1.{i}-1_amd64.deb"),
        );
    }
    p.whiteout(&mut cleanup, "app/static/.wh..wh..opq".into()); // emptied, then refilled
    for i in 0..3 {
        p.file(
            &mut cleanup,
            format!("app/static/bundle{i}.js"),
            4 * KIB + i,
            0o644,
        );
    }
    for k in 0..pkgs {
        // apt-get upgrade: the first library of every package again, with new content
        let sz = base_size(&mut p.rng, 0, max);
        p.file(
            &mut cleanup,
            format!("usr/lib/pkg{k}/sub0/mod000.so"),
            sz,
            0o644,
        );
    }
    for &i in pip_py.iter().take(20) {
        // pip install --upgrade: some modules of layer 2 again
        let sz = p.rng.log_uniform(KIB, 64 * KIB).min(mean.max(KIB) * 4);
        p.file(
            &mut cleanup,
            format!("{site}/pylib{}/m{i}.py", i / 40),
            sz,
            0o644,
        );
    }

    // Layer 6: the top layer, a few small files.
    let mut top = LayerPlan::new("COPY entrypoint.sh build-info.json /usr/local/bin/ # buildkit");
    for (path, sz, mode) in [
        ("usr/local/bin/entrypoint.sh", 1536, 0o755),
        ("usr/local/bin/build-info.json", 2100, 0o644),
        ("etc/app/app.conf", 700, 0o644),
        ("app/VERSION", 12, 0o644),
    ] {
        p.file(&mut top, path.into(), sz, mode);
    }

    // Layer 4: a few very large files (model weights): everything that is left.
    let used: u64 = [&base, &apt, &pip, &app, &cleanup, &top]
        .iter()
        .map(|l| l.file_bytes())
        .sum();
    ensure!(
        size >= used + 3 * MIB,
        "--size {size} is too small for --files {files}: the other layers already take {used} bytes"
    );
    let rest = size - used;
    let count = rest.div_ceil(4 * GIB).max(3);
    let weights: Vec<u64> = (0..count).map(|i| count - i + 1).collect();
    let total_weight: u64 = weights.iter().sum();
    let mut model =
        LayerPlan::new("RUN /bin/sh -c python download_weights.py --out /opt/models # buildkit");
    let mut given = 0;
    for (i, w) in weights.iter().enumerate() {
        let sz = if i as u64 == count - 1 {
            rest - given
        } else {
            rest * w / total_weight
        };
        given += sz;
        p.file(
            &mut model,
            format!("opt/models/model-{:05}-of-{count:05}.safetensors", i + 1),
            sz,
            0o644,
        );
    }

    let layers = vec![base, apt, pip, app, model, cleanup, top];
    debug_assert_eq!(layers.iter().map(|l| l.file_bytes()).sum::<u64>(), size);
    Ok(layers)
}

/// The config's history: one entry per layer (in order) and the metadata-only instructions
/// between them (`empty_layer`), as `docker history` shows them.
fn history(layers: &[LayerPlan]) -> Vec<Value> {
    let empty = |created_by: &str| {
        json!({"created": CREATED, "created_by": created_by, "comment": "buildkit.dockerfile.v0",
               "empty_layer": true})
    };
    let layer = |i: usize| json!({"created": CREATED, "created_by": layers[i].created_by});
    let mut h = vec![
        layer(0),
        json!({"created": CREATED,
        "created_by": "/bin/sh -c #(nop)  CMD [\"bash\"]", "empty_layer": true}),
    ];
    h.push(empty("ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=0"));
    h.push(layer(1));
    h.push(empty("WORKDIR /app"));
    for i in 2..layers.len() {
        h.push(layer(i));
        if i == 3 {
            h.push(empty("ARG MODEL=base"));
        }
    }
    h.push(empty("ENTRYPOINT [\"/usr/local/bin/entrypoint.sh\"]"));
    h.push(empty("CMD [\"serve\"]"));
    h
}

fn config_json(layers: &[LayerPlan], diff_ids: &[String]) -> Result<Vec<u8>> {
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": CREATED,
        "config": {
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "PYTHONUNBUFFERED=1", "PIP_NO_CACHE_DIR=0"],
            "Entrypoint": ["/usr/local/bin/entrypoint.sh"],
            "Cmd": ["serve"],
            "WorkingDir": "/app",
            "Labels": {"org.opencontainers.image.title": REPO}
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history(layers),
    });
    Ok(serde_json::to_vec(&config)?)
}

// ---------------------------------------------------------------------------------------------
// Writing tars

/// A minimal tar writer: ustar headers (GNU base-256 sizes past 8 GiB, as the `tar` crate
/// encodes them), data, padding to 512, and the two zero blocks at the end. Layer tars are
/// written through it straight into the outer archive, without staging them on disk.
struct TarWriter<W: Write> {
    w: W,
}

impl<W: Write> TarWriter<W> {
    fn header(path: &str, kind: &Kind, mode: u32) -> io::Result<tar::Header> {
        let mut h = tar::Header::new_ustar();
        let size = match kind {
            Kind::File { size, .. } => *size,
            _ => 0,
        };
        match kind {
            Kind::Dir => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_path(format!("{path}/"))?;
            }
            Kind::File { .. } => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_path(path)?;
            }
            Kind::Symlink(target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_path(path)?;
                h.set_link_name(target)?;
            }
            Kind::Hardlink(target) => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_path(path)?;
                h.set_link_name(target)?;
            }
        }
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(MTIME);
        h.set_cksum();
        Ok(h)
    }

    /// One member: its header, then `body` (which must write exactly `size` bytes), then padding.
    fn member(
        &mut self,
        header: &tar::Header,
        size: u64,
        body: impl FnOnce(&mut W) -> io::Result<()>,
    ) -> io::Result<()> {
        self.w.write_all(header.as_bytes())?;
        body(&mut self.w)?;
        let pad = (512 - size % 512) % 512;
        self.w.write_all(&[0u8; 512][..pad as usize])
    }

    fn data(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        let size = data.len() as u64;
        let h = Self::header(path, &Kind::File { size, seed: 0 }, 0o644)?;
        self.member(&h, size, |w| w.write_all(data))
    }

    fn dir(&mut self, path: &str) -> io::Result<()> {
        let h = Self::header(path, &Kind::Dir, 0o755)?;
        self.member(&h, 0, |_| Ok(()))
    }

    fn finish(mut self) -> io::Result<W> {
        self.w.write_all(&[0u8; 1024])?;
        Ok(self.w)
    }
}

/// Writes the layer tar of `layer`: each entry after the directories above it (a real layer tar
/// lists `usr/`, `usr/lib/`, … before `usr/lib/x`).
fn write_layer<W: Write>(layer: &LayerPlan, w: W) -> io::Result<W> {
    let mut tar = TarWriter { w };
    let mut maker = ContentMaker::new(0);
    let mut dirs: HashSet<&str> = HashSet::new();
    for e in &layer.entries {
        for (i, _) in e.path.match_indices('/') {
            let dir = &e.path[..i];
            if dirs.insert(dir) {
                tar.dir(dir)?;
            }
        }
        if matches!(e.kind, Kind::Dir) && !dirs.insert(&e.path) {
            continue;
        }
        let h = TarWriter::<W>::header(&e.path, &e.kind, e.mode)?;
        match e.kind {
            Kind::File { size, seed } => tar.member(&h, size, |w| maker.write(w, size, seed))?,
            _ => tar.member(&h, 0, |_| Ok(()))?,
        }
    }
    tar.finish()
}

/// A writer that counts and hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    count: u64,
}

impl<W: Write> Hashing<W> {
    fn new(inner: W) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            count: 0,
        }
    }
    fn done(self) -> (W, String, u64) {
        (self.inner, hex(&self.hash.finalize()), self.count)
    }
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The digest and size of each uncompressed layer tar, computed in parallel without writing
/// anything: the outer archive needs them before the layers (in member names and headers).
fn layer_digests(layers: &[LayerPlan]) -> Result<Vec<(String, u64)>> {
    layers
        .par_iter()
        .map(|l| {
            let (_, digest, size) = write_layer(l, Hashing::new(io::sink()))?.done();
            Ok((digest, size))
        })
        .collect()
}

/// Writes one plain layer into the outer tar, checking it is the size announced in its header.
fn layer_member<W: Write>(
    tar: &mut TarWriter<W>,
    name: &str,
    layer: &LayerPlan,
    size: u64,
) -> Result<()> {
    let h = TarWriter::<W>::header(name, &Kind::File { size, seed: 0 }, 0o644)?;
    let mut written = 0;
    tar.member(&h, size, |w| {
        let (_, _, n) = write_layer(layer, Hashing::new(w))?.done();
        written = n;
        Ok(())
    })?;
    ensure!(
        written == size,
        "layer {name}: wrote {written} bytes, announced {size}"
    );
    Ok(())
}

/// `docker save` up to Docker 24: a directory per layer named by its v1 id, in name order.
fn write_docker(out: &Path, layers: &[LayerPlan]) -> Result<()> {
    let digests = layer_digests(layers)?;
    let diff_ids: Vec<String> = digests.iter().map(|(d, _)| format!("sha256:{d}")).collect();
    let config = config_json(layers, &diff_ids)?;
    let config_name = format!("{}.json", sha256_hex(&config));

    // v1 ids, chained like Docker's: each from its parent's id and its own diff_id
    let mut ids: Vec<String> = Vec::new();
    for (i, d) in diff_ids.iter().enumerate() {
        let parent = if i == 0 { "" } else { ids[i - 1].as_str() };
        ids.push(sha256_hex(format!("{parent}\n{d}").as_bytes()));
    }

    enum Member {
        Dir,
        Data(Vec<u8>),
        Layer(usize),
    }
    let mut members: Vec<(String, Member)> = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let mut v1 = json!({"id": id, "created": CREATED, "os": "linux",
                            "container_config": {"Cmd": [layers[i].created_by]}});
        if i > 0 {
            v1["parent"] = json!(ids[i - 1]);
        }
        members.push((id.clone(), Member::Dir));
        members.push((format!("{id}/VERSION"), Member::Data(b"1.0".to_vec())));
        members.push((format!("{id}/json"), Member::Data(serde_json::to_vec(&v1)?)));
        members.push((format!("{id}/layer.tar"), Member::Layer(i)));
    }
    let manifest = json!([{
        "Config": config_name,
        "RepoTags": [format!("{REPO}:{TAG}")],
        "Layers": ids.iter().map(|id| format!("{id}/layer.tar")).collect::<Vec<_>>(),
    }]);
    let repositories = json!({ REPO: { TAG: ids[ids.len() - 1] } });
    members.push((config_name, Member::Data(config)));
    members.push((
        "manifest.json".into(),
        Member::Data(serde_json::to_vec(&manifest)?),
    ));
    members.push((
        "repositories".into(),
        Member::Data(serde_json::to_vec(&repositories)?),
    ));
    members.sort_by(|a, b| a.0.cmp(&b.0));

    let mut tar = TarWriter {
        w: BufWriter::with_capacity(4 * MIB as usize, File::create(out)?),
    };
    for (name, member) in &members {
        match member {
            Member::Dir => tar.dir(name)?,
            Member::Data(data) => tar.data(name, data)?,
            Member::Layer(i) => {
                layer_member(&mut tar, name, &layers[*i], digests[*i].1)?;
                progress(&format!("layer {i} written"));
            }
        }
    }
    tar.finish()?
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(())
}

/// The OCI manifest and the index that names it, shared by `docker25` and the OCI layouts.
fn oci_manifest(config: &[u8], layer_descs: Vec<Value>) -> Result<Vec<u8>> {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": format!("sha256:{}", sha256_hex(config)), "size": config.len()},
        "layers": layer_descs,
    });
    Ok(serde_json::to_vec(&manifest)?)
}

fn oci_index(manifest: &[u8], docker: bool) -> Result<Vec<u8>> {
    let mut annotations = json!({"org.opencontainers.image.ref.name": TAG});
    if docker {
        annotations["io.containerd.image.name"] = json!(format!("docker.io/library/{REPO}:{TAG}"));
    }
    let index = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": format!("sha256:{}", sha256_hex(manifest)),
                       "size": manifest.len(), "annotations": annotations}],
    });
    Ok(serde_json::to_vec(&index)?)
}

/// `docker save` on Docker >= 25: an OCI layout inside the tar, blobs first (by name), then
/// index.json, manifest.json, oci-layout and repositories.
fn write_docker25(out: &Path, layers: &[LayerPlan]) -> Result<()> {
    let digests = layer_digests(layers)?;
    let diff_ids: Vec<String> = digests.iter().map(|(d, _)| format!("sha256:{d}")).collect();
    let config = config_json(layers, &diff_ids)?;
    let descs = digests
        .iter()
        .map(|(d, size)| {
            json!({"mediaType": "application/vnd.oci.image.layer.v1.tar",
                   "digest": format!("sha256:{d}"), "size": size})
        })
        .collect();
    let manifest = oci_manifest(&config, descs)?;
    let (config_hex, manifest_hex) = (sha256_hex(&config), sha256_hex(&manifest));
    let docker_manifest = json!([{
        "Config": format!("blobs/sha256/{config_hex}"),
        "RepoTags": [format!("{REPO}:{TAG}")],
        "Layers": digests.iter().map(|(d, _)| format!("blobs/sha256/{d}")).collect::<Vec<_>>(),
    }]);

    // blobs in name order: layers, the config and the manifest mixed as their digests fall
    enum Blob<'a> {
        Layer(usize),
        Data(&'a [u8]),
    }
    let mut blobs: Vec<(String, Blob)> = digests
        .iter()
        .enumerate()
        .map(|(i, (d, _))| (d.clone(), Blob::Layer(i)))
        .collect();
    blobs.push((config_hex.clone(), Blob::Data(&config)));
    blobs.push((manifest_hex, Blob::Data(&manifest)));
    blobs.sort_by(|a, b| a.0.cmp(&b.0));
    blobs.dedup_by(|a, b| a.0 == b.0); // a layer repeated in the image is stored once

    let mut tar = TarWriter {
        w: BufWriter::with_capacity(4 * MIB as usize, File::create(out)?),
    };
    tar.dir("blobs")?;
    tar.dir("blobs/sha256")?;
    for (hex, blob) in &blobs {
        let name = format!("blobs/sha256/{hex}");
        match blob {
            Blob::Layer(i) => {
                layer_member(&mut tar, &name, &layers[*i], digests[*i].1)?;
                progress(&format!("layer {i} written"));
            }
            Blob::Data(data) => tar.data(&name, data)?,
        }
    }
    tar.data("index.json", &oci_index(&manifest, true)?)?;
    tar.data("manifest.json", &serde_json::to_vec(&docker_manifest)?)?;
    tar.data("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    tar.data(
        "repositories",
        &serde_json::to_vec(&json!({ REPO: { TAG: config_hex } }))?,
    )?;
    tar.finish()?
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    Ok(())
}

/// An OCI image layout directory with compressed layers, compressed in parallel (one layer per
/// core): each blob goes to a temporary file, hashed on the way, then renamed to its digest.
fn write_oci(out: &Path, layers: &[LayerPlan], format: Format) -> Result<()> {
    let blobs = out.join("blobs").join("sha256");
    fs::create_dir_all(&blobs)?;
    let written: Vec<(String, String, u64)> = layers
        .par_iter()
        .enumerate()
        .map(|(i, layer)| -> Result<(String, String, u64)> {
            let tmp = blobs.join(format!(".layer{i}.tmp"));
            let file = Hashing::new(BufWriter::with_capacity(MIB as usize, File::create(&tmp)?));
            let (file, diff_id) = match format {
                Format::OciGzip => {
                    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
                    let (gz, diff_id, _) = write_layer(layer, Hashing::new(gz))?.done();
                    (gz.finish()?, diff_id)
                }
                Format::OciZstd => {
                    let zs = zstd::stream::write::Encoder::new(file, 3)?;
                    let (zs, diff_id, _) = write_layer(layer, Hashing::new(zs))?.done();
                    (zs.finish()?, diff_id)
                }
                _ => unreachable!("write_oci is only called for the OCI formats"),
            };
            let (buf, digest, size) = file.done();
            buf.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            fs::rename(&tmp, blobs.join(&digest))?;
            progress(&format!("layer {i} written"));
            Ok((diff_id, digest, size))
        })
        .collect::<Result<_>>()?;

    let diff_ids: Vec<String> = written
        .iter()
        .map(|(d, _, _)| format!("sha256:{d}"))
        .collect();
    let config = config_json(layers, &diff_ids)?;
    let media = match format {
        Format::OciGzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        _ => "application/vnd.oci.image.layer.v1.tar+zstd",
    };
    let descs = written
        .iter()
        .map(|(_, d, size)| json!({"mediaType": media, "digest": format!("sha256:{d}"), "size": size}))
        .collect();
    let manifest = oci_manifest(&config, descs)?;
    fs::write(blobs.join(sha256_hex(&config)), &config)?;
    fs::write(blobs.join(sha256_hex(&manifest)), &manifest)?;
    fs::write(out.join("index.json"), oci_index(&manifest, false)?)?;
    fs::write(out.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

fn progress(msg: &str) {
    let t = START.get_or_init(Instant::now).elapsed().as_secs_f64();
    eprintln!("make_bench_image: {t:7.1} s  {msg}");
}

fn remove(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

fn main() -> Result<()> {
    START.get_or_init(Instant::now);
    let args = parse_args()?;
    let layers = plan(args.size, args.files, args.seed)?;
    for (i, l) in layers.iter().enumerate() {
        progress(&format!(
            "layer {i}: {:>6} files, {:>14} bytes  {}",
            l.file_count(),
            l.file_bytes(),
            l.created_by.chars().take(60).collect::<String>()
        ));
    }

    let mut partial = args.out.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    remove(&partial)?;
    match args.format {
        Format::Docker => write_docker(&partial, &layers),
        Format::Docker25 => write_docker25(&partial, &layers),
        Format::OciGzip | Format::OciZstd => write_oci(&partial, &layers, args.format),
    }
    .with_context(|| format!("writing {}", partial.display()))?;
    remove(&args.out)?;
    fs::rename(&partial, &args.out)?;
    progress(&format!(
        "wrote {} ({:?}, image size {} bytes, {} layers)",
        args.out.display(),
        args.format,
        args.size,
        layers.len()
    ));
    Ok(())
}
