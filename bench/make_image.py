#!/usr/bin/env python3
"""Writes a large synthetic image for sizegate's benchmark (standard library only).

Usage: make_image.py OUT [--gib 2.0] [--layers 8] [--gzip]
  default: a legacy `docker save` archive (plain layer tars, <id>/layer.tar, manifest.json last)
  --gzip:  an OCI layout directory with gzip layers (level 1), to measure inflating

Each layer holds many small files (like a distro base or site-packages) and a few large ones
(like a model or a JVM), and later layers overwrite and delete some earlier files, so the union
filesystem has real work to do. Contents are pseudo-random with some repetition (compressible
about 2:1 with gzip), generated from a fixed seed: the same arguments give the same image.
"""
import argparse, gzip, hashlib, io, json, os, random, string, tarfile

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--gib", type=float, default=2.0)
p.add_argument("--layers", type=int, default=8)
p.add_argument("--gzip", action="store_true")
a = p.parse_args()

rng = random.Random(42)
WORDS = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))).encode() + b" "
         for _ in range(512)]


def block():
    """64 KiB like a binary: some random bytes, the rest words of a small vocabulary."""
    out = bytearray(rng.randbytes(12 * 1024))
    while len(out) < 64 * 1024:
        out += rng.choice(WORDS)
    return bytes(out[: 64 * 1024])


POOL = [block() for _ in range(64)]


def content(size, salt):
    """size bytes from the pool of 64 KiB blocks."""
    out = bytearray()
    i = salt
    while len(out) < size:
        out += POOL[i % len(POOL)]
        i += 1
    return bytes(out[:size])


class Chunks(io.RawIOBase):
    """A file object that yields `size` bytes of content without building them all at once."""

    def __init__(self, size, salt):
        self.left, self.salt = size, salt

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left, 1 << 20)
        if n == 0:
            return 0
        b[:n] = content(n, self.salt)
        self.salt += 1
        self.left -= n
        return n


def add_file(t, name, size, salt):
    ti = tarfile.TarInfo(name)
    ti.size, ti.mode, ti.mtime = size, 0o644, 1700000000
    t.addfile(ti, io.BufferedReader(Chunks(size, salt)) if size else None)


def add_dir(t, name):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, 1700000000
    t.addfile(ti)


def write_layer(path, i, per_layer):
    """One layer: ~70% of its bytes in 64 large files, the rest in many small files."""
    with open(path, "wb") as raw:
        sink = gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=1, mtime=0) if a.gzip else raw
        with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as t:
            base = f"layer{i}"
            add_dir(t, base)
            small_budget = per_layer * 30 // 100
            n_small = 0
            written = 0
            while written < small_budget:
                size = rng.choice([0, 100, 700, 2000, 5000, 12000])
                d = f"{base}/pkg{n_small // 200}"
                if n_small % 200 == 0:
                    add_dir(t, d)
                add_file(t, f"{d}/file{n_small}.py", size, n_small)
                written += size
                n_small += 1
            big = (per_layer - written) // 64
            add_dir(t, f"{base}/blobs")
            for j in range(64):
                add_file(t, f"{base}/blobs/blob{j}.bin", big, j)
            if i > 0:
                # overwrite one big file of the layer below, and delete another one
                add_dir(t, f"layer{i-1}")
                add_dir(t, f"layer{i-1}/blobs")
                add_file(t, f"layer{i-1}/blobs/blob0.bin", 1000, 7)
                ti = tarfile.TarInfo(f"layer{i-1}/blobs/.wh.blob1.bin")
                ti.mtime = 1700000000
                t.addfile(ti)
        if a.gzip:
            sink.close()


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


work = a.out + ".parts"
os.makedirs(work, exist_ok=True)
per_layer = int(a.gib * (1 << 30)) // a.layers
layers = []
for i in range(a.layers):
    path = os.path.join(work, f"layer{i}")
    write_layer(path, i, per_layer)
    layers.append((path, sha256_file(path)))

history = [{"created_by": f"RUN build step {i}"} for i in range(a.layers)]
if a.gzip:
    os.makedirs(os.path.join(a.out, "blobs", "sha256"), exist_ok=True)
    descs = []
    for path, digest in layers:
        os.replace(path, os.path.join(a.out, "blobs", "sha256", digest))
        descs.append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                      "digest": "sha256:" + digest, "size": os.path.getsize(os.path.join(a.out, "blobs", "sha256", digest))})
    config = json.dumps({"architecture": "amd64", "os": "linux", "history": history,
                         "rootfs": {"type": "layers", "diff_ids": []}}).encode()
    blobs = {}

    def put(data):
        d = hashlib.sha256(data).hexdigest()
        open(os.path.join(a.out, "blobs", "sha256", d), "wb").write(data)
        return {"digest": "sha256:" + d, "size": len(data)}

    cfg = put(config)
    cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
    man = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                          "config": cfg, "layers": descs}).encode())
    man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    man["annotations"] = {"org.opencontainers.image.ref.name": "bench"}
    open(os.path.join(a.out, "index.json"), "w").write(json.dumps({"schemaVersion": 2, "manifests": [man]}))
    open(os.path.join(a.out, "oci-layout"), "w").write('{"imageLayoutVersion":"1.0.0"}')
else:
    config = json.dumps({"architecture": "amd64", "os": "linux", "history": history,
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + d for _, d in layers]}}).encode()
    cfg_name = hashlib.sha256(config).hexdigest() + ".json"
    with tarfile.open(a.out, "w", format=tarfile.PAX_FORMAT) as t:
        members = []
        for path, digest in layers:
            ti = t.gettarinfo(path, f"{digest}/layer.tar")
            ti.mtime = 1700000000
            with open(path, "rb") as f:
                t.addfile(ti, f)
            members.append(f"{digest}/layer.tar")
        for name, data in [(cfg_name, config),
                           ("manifest.json", json.dumps([{"Config": cfg_name, "RepoTags": ["bench:latest"], "Layers": members}]).encode())]:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(data), 1700000000
            t.addfile(ti, io.BytesIO(data))
    for path, _ in layers:
        os.remove(path)
os.rmdir(work)
