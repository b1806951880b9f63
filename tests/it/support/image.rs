//! Builders for synthetic images, made in memory with the `tar` crate.
//!
//! - [`Layer`]: a layer tar, entry by entry, with raw (possibly non-UTF-8, `./`-prefixed or absolute)
//!   names, PAX and GNU long names, and ways to cut off the end-of-archive blocks and the padding.
//! - [`DockerArchive`]: a `docker save` style archive (`layerN/layer.tar`, `config.json` with history
//!   and `rootfs.diff_ids`, `manifest.json`), every part of which a test can replace or break.
//! - [`OciLayout`]: an OCI image layout directory (`oci-layout`, `index.json`, `blobs/sha256/…`) whose
//!   layer descriptors carry whatever media type the test chooses.
//!
//! Digests are made up (`sha256:000…0NNN`): sizegate does not verify them, and made-up digests keep
//! the expected output readable.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use tar::{EntryType, Header};

use super::write_file;

/// Media type of an uncompressed OCI layer.
pub(crate) const OCI_LAYER_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// Media type of a gzip-compressed OCI layer.
pub(crate) const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// Media type of a zstd-compressed OCI layer.
pub(crate) const OCI_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// A made-up but well-formed digest: `sha256:` and 64 hex digits spelling `n`.
pub(crate) fn fake_digest(n: u64) -> String {
    format!("sha256:{n:064x}")
}

/// The `diff_id` the builders give layer `index` in the image config.
pub(crate) fn diff_id(index: usize) -> String {
    fake_digest(0xd1ff_0000 + index as u64)
}

/// `len` bytes that do not compress (a simple LCG), so a compressed blob is about as long as its tar.
pub(crate) fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Layer tars
// ---------------------------------------------------------------------------------------------

/// A layer tar under construction. Names are written into the header as given, byte for byte
/// (at most 100 bytes; use [`Layer::pax_file`] or [`Layer::gnu_file`] for longer ones).
pub(crate) struct Layer {
    builder: tar::Builder<Vec<u8>>,
    /// Data bytes of the last entry appended, to know how much padding follows them.
    last_data_len: usize,
}

impl Default for Layer {
    fn default() -> Self {
        Self::new()
    }
}

impl Layer {
    /// An empty layer.
    pub(crate) fn new() -> Layer {
        Layer {
            builder: tar::Builder::new(Vec::new()),
            last_data_len: 0,
        }
    }

    /// A regular file of `size` bytes (`a` repeated).
    pub(crate) fn file(self, path: impl AsRef<[u8]>, size: usize) -> Layer {
        self.file_data(path, &vec![b'a'; size])
    }

    /// A regular file with the given contents.
    pub(crate) fn file_data(mut self, path: impl AsRef<[u8]>, data: &[u8]) -> Layer {
        let header = raw_header(path.as_ref(), EntryType::Regular, data.len(), 0o644, None);
        self.append(&header, data);
        self
    }

    /// A regular file with the given contents and permission bits (`RUN chmod` rewrites).
    pub(crate) fn file_mode(mut self, path: impl AsRef<[u8]>, data: &[u8], mode: u32) -> Layer {
        let header = raw_header(path.as_ref(), EntryType::Regular, data.len(), mode, None);
        self.append(&header, data);
        self
    }

    /// A directory.
    pub(crate) fn dir(mut self, path: impl AsRef<[u8]>) -> Layer {
        let header = raw_header(path.as_ref(), EntryType::Directory, 0, 0o755, None);
        self.append(&header, &[]);
        self
    }

    /// A hard link to `target` (a name as stored in the tar, e.g. `bin/foo`).
    pub(crate) fn hardlink(mut self, path: impl AsRef<[u8]>, target: impl AsRef<[u8]>) -> Layer {
        let header = raw_header(
            path.as_ref(),
            EntryType::Link,
            0,
            0o755,
            Some(target.as_ref()),
        );
        self.append(&header, &[]);
        self
    }

    /// A whiteout: an empty regular file; `path` is the whiteout's own name (`etc/.wh.x`,
    /// `opt/conf/.wh..wh..opq`).
    pub(crate) fn whiteout(self, path: impl AsRef<[u8]>) -> Layer {
        self.file(path, 0)
    }

    /// A regular file whose full name is given by a PAX `path` record
    /// (`Builder::append_pax_extensions`); the ustar header after it holds only a truncated name.
    pub(crate) fn pax_file(mut self, path: &str, size: usize) -> Layer {
        self.builder
            .append_pax_extensions([("path", path.as_bytes())])
            .expect("PAX header is written to memory");
        let short = &path.as_bytes()[..path.len().min(99)];
        let header = raw_header(short, EntryType::Regular, size, 0o644, None);
        self.append(&header, &vec![b'p'; size]);
        self
    }

    /// A regular file with a name longer than 100 bytes, written the way `tar::Builder` does by
    /// default: a GNU `././@LongLink` (type `L`) record before the header.
    pub(crate) fn gnu_file(mut self, path: &str, size: usize) -> Layer {
        assert!(
            path.len() > 100,
            "a GNU long name needs more than 100 bytes"
        );
        let mut header = Header::new_gnu();
        header.set_size(size as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_entry_type(EntryType::Regular);
        self.builder
            .append_data(&mut header, path, &vec![b'g'; size][..])
            .expect("GNU long name is written to memory");
        self.last_data_len = size;
        self
    }

    /// A symlink whose target is longer than 100 bytes: a GNU `././@LongLink` (type `K`) record.
    pub(crate) fn gnu_long_symlink(mut self, path: &str, target: &str) -> Layer {
        let mut header = Header::new_gnu();
        header.set_size(0);
        header.set_mode(0o777);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_entry_type(EntryType::Symlink);
        self.builder
            .append_link(&mut header, path, target)
            .expect("GNU long link is written to memory");
        self.last_data_len = 0;
        self
    }

    fn append(&mut self, header: &Header, data: &[u8]) {
        self.builder
            .append(header, data)
            .expect("tar entry is written to memory");
        self.last_data_len = data.len();
    }

    /// The finished tar, with its two zero end-of-archive blocks.
    pub(crate) fn tar(self) -> Vec<u8> {
        self.builder.into_inner().expect("tar is finished")
    }

    /// The tar without the two zero end-of-archive blocks.
    pub(crate) fn tar_without_end_blocks(self) -> Vec<u8> {
        let mut tar = self.tar();
        tar.truncate(tar.len() - 1024);
        tar
    }

    /// The tar without end-of-archive blocks and without the zero padding after the last entry's
    /// data: it ends right after the last data byte (what `umoci insert` 0.4.7 writes).
    pub(crate) fn tar_without_end_blocks_or_padding(self) -> Vec<u8> {
        let padding = (512 - self.last_data_len % 512) % 512;
        let mut tar = self.tar_without_end_blocks();
        tar.truncate(tar.len() - padding);
        tar
    }
}

/// A header of type `typeflag` (a GNU long name `L` or link name `K`, a PAX header `x` or global
/// header `g`) claiming `size` bytes of data, with GNU magic and a right checksum; no data is
/// written, so that what follows (zeros, say) stands for the data.
pub(crate) fn record_header(typeflag: u8, size: u64) -> Vec<u8> {
    let mut header = Header::new_gnu();
    header.as_old_mut().name[..13].copy_from_slice(b"././@LongLink");
    header.set_size(size);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.as_old_mut().linkflag = [typeflag];
    header.set_cksum();
    header.as_bytes().to_vec()
}

/// A header with the name (and link name) written byte for byte, so names can be non-UTF-8,
/// absolute or `./`-prefixed, which `Header::set_path` would refuse or rewrite.
fn raw_header(name: &[u8], kind: EntryType, size: usize, mode: u32, link: Option<&[u8]>) -> Header {
    assert!(name.len() <= 100, "raw names fit the 100-byte name field");
    let mut header = Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    if let Some(link) = link {
        assert!(link.len() <= 100, "raw link names fit the 100-byte field");
        header.as_old_mut().linkname[..link.len()].copy_from_slice(link);
    }
    header.set_entry_type(kind);
    header.set_size(size as u64);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header.set_cksum();
    header
}

// ---------------------------------------------------------------------------------------------
// Compression
// ---------------------------------------------------------------------------------------------

/// One gzip member holding `data`.
pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip to memory");
    enc.finish().expect("gzip to memory")
}

/// `data` as two gzip members back to back, split at `split` (as pigz and eStargz write).
pub(crate) fn gzip_two_members(data: &[u8], split: usize) -> Vec<u8> {
    let mut out = gzip(&data[..split]);
    out.extend(gzip(&data[split..]));
    out
}

/// `data` compressed with `compress`, then `mib` MiB of zeros as further gzip members or zstd
/// frames of 1 MiB each (a kilobyte or less each): a blob far smaller than what it inflates to,
/// for records that claim gigabytes.
pub(crate) fn compressed_then_zeros(
    compress: fn(&[u8]) -> Vec<u8>,
    data: &[u8],
    mib: usize,
) -> Vec<u8> {
    let mut out = compress(data);
    let zeros = compress(&vec![0u8; 1 << 20]);
    for _ in 0..mib {
        out.extend_from_slice(&zeros);
    }
    out
}

/// `data` as one zstd frame.
pub(crate) fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).expect("zstd to memory")
}

/// A compression sizegate reads, for tests that loop over them.
pub(crate) struct Codec {
    pub name: &'static str,
    /// `data` compressed.
    pub compress: fn(&[u8]) -> Vec<u8>,
    /// The media type of an OCI layer so compressed.
    pub media_type: &'static str,
    /// The file name extension of a file so compressed.
    pub extension: &'static str,
}

/// Every compression of layers and of whole archives that sizegate reads.
pub(crate) const CODECS: [Codec; 2] = [
    Codec {
        name: "gzip",
        compress: gzip,
        media_type: OCI_LAYER_GZIP,
        extension: "gz",
    },
    Codec {
        name: "zstd",
        compress: zstd,
        media_type: OCI_LAYER_ZSTD,
        extension: "zst",
    },
];

// ---------------------------------------------------------------------------------------------
// Outer archives
// ---------------------------------------------------------------------------------------------

/// Appends a regular file member to an outer archive.
pub(crate) fn outer_file(builder: &mut tar::Builder<Vec<u8>>, name: &str, data: &[u8]) {
    let mut header = Header::new_ustar();
    header.set_size(data.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_entry_type(EntryType::Regular);
    builder
        .append_data(&mut header, name, data)
        .expect("member is written to memory");
}

/// Appends a directory member to an outer archive.
pub(crate) fn outer_dir(builder: &mut tar::Builder<Vec<u8>>, name: &str) {
    let mut header = Header::new_ustar();
    header.set_size(0);
    header.set_mode(0o755);
    header.set_mtime(0);
    header.set_entry_type(EntryType::Directory);
    builder
        .append_data(&mut header, name, &[][..])
        .expect("member is written to memory");
}

/// Appends a symlink member to an outer archive; the target is written as given.
pub(crate) fn outer_symlink(builder: &mut tar::Builder<Vec<u8>>, name: &str, target: &str) {
    let mut header = Header::new_ustar();
    header.set_size(0);
    header.set_mode(0o777);
    header.set_mtime(0);
    header.set_entry_type(EntryType::Symlink);
    header
        .set_path(name)
        .expect("member names are short and relative");
    header.as_old_mut().linkname[..target.len()].copy_from_slice(target.as_bytes());
    header.set_cksum();
    builder
        .append(&header, &[][..])
        .expect("member is written to memory");
}

/// A tar holding the given regular files, in order.
pub(crate) fn plain_tar(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, data) in files {
        outer_file(&mut builder, name, data);
    }
    builder.into_inner().expect("tar is finished")
}

/// How one layer member of a docker-archive is stored.
enum Stored {
    Data(Vec<u8>),
    /// A symlink member with this target (legacy `docker save` writes repeated layers so).
    Symlink(String),
    /// Named in `manifest.json` only.
    Absent,
}

/// A docker-archive (`docker save` layout): for each layer a directory `layerN/` with
/// `layerN/layer.tar`, then `config.json`, then `manifest.json` last, as `docker save` orders them.
/// By default the image is tagged `app:1`, is `linux/amd64`, has one history entry
/// `RUN step N` per layer plus an empty-layer `CMD`, and one `diff_id` per layer ([`diff_id`]).
pub(crate) struct DockerArchive {
    tags: Vec<String>,
    layers: Vec<Stored>,
    history: Option<Vec<String>>,
    diff_id_count: Option<usize>,
    diff_ids: Option<Vec<String>>,
    config: Option<Vec<u8>>,
    manifest: Option<Vec<u8>>,
}

impl Default for DockerArchive {
    fn default() -> Self {
        Self::new()
    }
}

impl DockerArchive {
    /// An image with no layers yet.
    pub(crate) fn new() -> DockerArchive {
        DockerArchive {
            tags: vec!["app:1".into()],
            layers: Vec::new(),
            history: None,
            diff_id_count: None,
            diff_ids: None,
            config: None,
            manifest: None,
        }
    }

    /// The member name of layer `index`.
    pub(crate) fn layer_member(index: usize) -> String {
        format!("layer{index}/layer.tar")
    }

    /// Adds a layer stored as the given blob (a tar, or a compressed tar).
    pub(crate) fn layer(mut self, blob: Vec<u8>) -> DockerArchive {
        self.layers.push(Stored::Data(blob));
        self
    }

    /// Adds a layer stored as a symlink member with this target (relative to `layerN/`).
    pub(crate) fn layer_symlink(mut self, target: &str) -> DockerArchive {
        self.layers.push(Stored::Symlink(target.into()));
        self
    }

    /// Adds a layer that `manifest.json` lists but the archive does not hold.
    pub(crate) fn missing_layer(mut self) -> DockerArchive {
        self.layers.push(Stored::Absent);
        self
    }

    /// Sets the tags (`RepoTags`).
    pub(crate) fn tags(mut self, tags: &[&str]) -> DockerArchive {
        self.tags = tags.iter().map(|t| t.to_string()).collect();
        self
    }

    /// Sets the `created_by` of the history entries that made a layer (an empty-layer `CMD` entry
    /// follows them).
    pub(crate) fn history(mut self, created_by: &[&str]) -> DockerArchive {
        self.history = Some(created_by.iter().map(|c| c.to_string()).collect());
        self
    }

    /// Sets how many `rootfs.diff_ids` the config lists.
    pub(crate) fn diff_id_count(mut self, count: usize) -> DockerArchive {
        self.diff_id_count = Some(count);
        self
    }

    /// Sets the config's `rootfs.diff_ids` (by default [`diff_id`] of each position, so that two
    /// images built here have the same `diff_id` at the same position whatever their contents):
    /// for tests where a layer's identity matters (`diff` pairs layers by it).
    pub(crate) fn diff_ids(mut self, ids: &[String]) -> DockerArchive {
        self.diff_ids = Some(ids.to_vec());
        self
    }

    /// Replaces `config.json` with these bytes.
    pub(crate) fn config_bytes(mut self, raw: &[u8]) -> DockerArchive {
        self.config = Some(raw.to_vec());
        self
    }

    /// Replaces `manifest.json` with these bytes.
    pub(crate) fn manifest_bytes(mut self, raw: &[u8]) -> DockerArchive {
        self.manifest = Some(raw.to_vec());
        self
    }

    /// The config this builder writes unless replaced.
    pub(crate) fn config_json(&self) -> Value {
        let made_layer = self.history.clone().unwrap_or_else(|| {
            (0..self.layers.len())
                .map(|i| format!("RUN step {i}"))
                .collect()
        });
        let mut history: Vec<Value> = made_layer
            .iter()
            .map(|c| json!({ "created_by": c }))
            .collect();
        history.push(json!({ "created_by": "CMD [\"app\"]", "empty_layer": true }));
        let diff_ids: Vec<String> = self.diff_ids.clone().unwrap_or_else(|| {
            (0..self.diff_id_count.unwrap_or(self.layers.len()))
                .map(diff_id)
                .collect()
        });
        json!({
            "architecture": "amd64",
            "os": "linux",
            "config": { "Cmd": ["app"] },
            "history": history,
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
        })
    }

    /// The `manifest.json` this builder writes unless replaced.
    pub(crate) fn manifest_json(&self) -> Value {
        let layers: Vec<String> = (0..self.layers.len())
            .map(DockerArchive::layer_member)
            .collect();
        json!([{ "Config": "config.json", "RepoTags": self.tags, "Layers": layers }])
    }

    /// The archive bytes.
    pub(crate) fn build(&self) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (index, stored) in self.layers.iter().enumerate() {
            let member = DockerArchive::layer_member(index);
            match stored {
                Stored::Data(blob) => {
                    outer_dir(&mut builder, &format!("layer{index}/"));
                    outer_file(&mut builder, &member, blob);
                }
                Stored::Symlink(target) => {
                    outer_dir(&mut builder, &format!("layer{index}/"));
                    outer_symlink(&mut builder, &member, target);
                }
                Stored::Absent => {}
            }
        }
        let config = self
            .config
            .clone()
            .unwrap_or_else(|| serde_json::to_vec(&self.config_json()).expect("config serializes"));
        outer_file(&mut builder, "config.json", &config);
        let manifest = self.manifest.clone().unwrap_or_else(|| {
            serde_json::to_vec(&self.manifest_json()).expect("manifest serializes")
        });
        outer_file(&mut builder, "manifest.json", &manifest);
        builder.into_inner().expect("tar is finished")
    }

    /// Writes the archive to `dir/name` and returns its path.
    pub(crate) fn write(&self, dir: &Path, name: &str) -> PathBuf {
        write_file(dir, name, &self.build())
    }

    /// One docker-archive holding every image of `images` (as `docker save IMG1 IMG2` writes):
    /// image `k`'s layers are `imgK/layerN/layer.tar` and its config `imgK.json`, and
    /// `manifest.json` lists the images in order, each with its tags. Replaced configs and
    /// manifests are not used; layers stored as symlinks or absent are not supported here.
    pub(crate) fn build_many(images: &[DockerArchive]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut manifest = Vec::new();
        for (k, image) in images.iter().enumerate() {
            let mut layers = Vec::new();
            for (index, stored) in image.layers.iter().enumerate() {
                let Stored::Data(blob) = stored else {
                    panic!("build_many stores layers as data only");
                };
                let member = format!("img{k}/layer{index}/layer.tar");
                outer_file(&mut builder, &member, blob);
                layers.push(member);
            }
            let config = format!("img{k}.json");
            let json = serde_json::to_vec(&image.config_json()).expect("config serializes");
            outer_file(&mut builder, &config, &json);
            manifest.push(json!({ "Config": config, "RepoTags": image.tags, "Layers": layers }));
        }
        let manifest = serde_json::to_vec(&manifest).expect("manifest serializes");
        outer_file(&mut builder, "manifest.json", &manifest);
        builder.into_inner().expect("tar is finished")
    }
}

/// An OCI image layout directory with one image (tagged by the `org.opencontainers.image.ref.name`
/// annotation) whose layer descriptors carry the media types the test gives, right or wrong.
pub(crate) struct OciLayout {
    tag: String,
    layers: Vec<(Vec<u8>, String)>,
}

impl Default for OciLayout {
    fn default() -> Self {
        Self::new()
    }
}

impl OciLayout {
    /// A layout with no layers yet, tagged `app:1`.
    pub(crate) fn new() -> OciLayout {
        OciLayout {
            tag: "app:1".into(),
            layers: Vec::new(),
        }
    }

    /// The digest of layer blob `index`.
    pub(crate) fn layer_digest(index: usize) -> String {
        fake_digest(0xb10b_0000 + index as u64)
    }

    /// The path of layer blob `index` below the layout root.
    pub(crate) fn layer_blob_path(root: &Path, index: usize) -> PathBuf {
        let digest = OciLayout::layer_digest(index);
        let hex = digest.trim_start_matches("sha256:");
        root.join("blobs").join("sha256").join(hex)
    }

    /// Adds a layer stored as `blob`, described with `media_type`.
    pub(crate) fn layer(mut self, blob: Vec<u8>, media_type: &str) -> OciLayout {
        self.layers.push((blob, media_type.to_string()));
        self
    }

    /// Writes the layout into `root` (created if needed) and returns `root`.
    pub(crate) fn write(&self, root: &Path) -> PathBuf {
        let blobs = root.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).expect("blobs dir is created");
        let put = |digest: &str, data: &[u8]| {
            let hex = digest.trim_start_matches("sha256:");
            fs::write(blobs.join(hex), data).expect("blob is written");
        };
        let mut layer_descs = Vec::new();
        for (index, (blob, media_type)) in self.layers.iter().enumerate() {
            let digest = OciLayout::layer_digest(index);
            put(&digest, blob);
            layer_descs.push(json!({
                "mediaType": media_type,
                "digest": digest,
                "size": blob.len(),
            }));
        }
        let diff_ids: Vec<String> = (0..self.layers.len()).map(diff_id).collect();
        let history: Vec<Value> = (0..self.layers.len())
            .map(|i| json!({ "created_by": format!("RUN step {i}") }))
            .collect();
        let config = serde_json::to_vec(&json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "history": history,
            "rootfs": { "type": "layers", "diff_ids": diff_ids },
        }))
        .expect("config serializes");
        let config_digest = fake_digest(0xc0f1_0000);
        put(&config_digest, &config);
        let manifest = serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": config.len(),
            },
            "layers": layer_descs,
        }))
        .expect("manifest serializes");
        let manifest_digest = fake_digest(0x3a41_0000);
        put(&manifest_digest, &manifest);
        let index = json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": manifest.len(),
                "annotations": { "org.opencontainers.image.ref.name": self.tag },
            }],
        });
        fs::write(
            root.join("index.json"),
            serde_json::to_vec(&index).expect("index serializes"),
        )
        .expect("index.json is written");
        fs::write(
            root.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )
        .expect("oci-layout is written");
        root.to_path_buf()
    }
}
