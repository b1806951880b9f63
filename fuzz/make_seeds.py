#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (fuzz/corpus/<target>/) from the repository's own
fixtures: tests/fixtures/ (the tiny images made by real tools), examples/ (the policies, the
Dockerfile). Run from anywhere; it rewrites the seeds it owns and leaves other files alone.

The formats of the targets' inputs are in fuzz/README.md. No seed is over ~100 KB: the
docker-archives lose their 52 KB base layer (it is a seed of the layer target instead).
"""

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) <= 100 * 1024, f"{target}/{name}: {len(data)} bytes"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def trim_layer(data):
    """A plain tar up to its end-of-archive marker: the data of the last member, padded to a
    block, and two zero blocks (tar writers pad to records of 10240 bytes)."""
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        last = t.getmembers()[-1]
        end = last.offset_data + (last.size + 511) // 512 * 512
    return data[:end] + bytes(1024)


def members_of(path):
    """(TarInfo, data or None) of every member of a tar, in order."""
    out = []
    with tarfile.open(path) as t:
        for m in t.getmembers():
            data = t.extractfile(m).read() if m.isfile() else None
            out.append((m, data))
    return out


BASE = "04ebb88f27f54d13f383c4bd1b617defbaf069a96c00d0b6ad1094e6a85c199b"


def without_base(path):
    """A docker-archive of the tiny images written again without their 52 KB base layer (the
    layer target has it): the manifest, the configs (history, diff_ids) and the legacy
    `<id>/layer.tar` symlinks all lose it; every other member is kept byte for byte."""
    found = members_of(path)
    manifest = json.loads(next(d for m, d in found if m.name == "manifest.json"))
    configs = {e["Config"] for e in manifest}
    for entry in manifest:
        entry["Layers"] = [l for l in entry["Layers"] if BASE not in l]
    dropped = {m.name.split("/")[0] for m, _ in found if m.issym() and BASE in m.linkname}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as out:
        for m, data in found:
            if BASE in m.name or m.name.split("/")[0] in dropped:
                continue
            if m.name == "manifest.json":
                data = json.dumps(manifest, separators=(",", ":")).encode()
            elif m.name in configs:
                config = json.loads(data)
                config["history"] = config["history"][1:]
                config["rootfs"]["diff_ids"] = config["rootfs"]["diff_ids"][1:]
                data = json.dumps(config, separators=(",", ":")).encode()
            if data is not None:
                m.size = len(data)
                out.addfile(m, io.BytesIO(data))
            else:
                out.addfile(m)
    return trim_layer(buf.getvalue())


def layout_tar(folder):
    """An OCI layout directory as an oci-archive tar (sorted, fixed times)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as out:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                info = out.gettarinfo(full, os.path.relpath(full, folder))
                info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
                with open(full, "rb") as f:
                    out.addfile(info, f)
    return trim_layer(buf.getvalue())


def zstd(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data, check=True, stdout=subprocess.PIPE).stdout


def archives():
    legacy = without_base(fixture("tiny.docker.tar"))
    write("archive", "docker-legacy-symlinks.tar", legacy)
    write("archive", "docker-legacy.tar.gz", gzip.compress(legacy, mtime=0))
    write("archive", "docker-multi-image.tar.zst", zstd(without_base(fixture("tiny-multi.docker.tar"))))
    write("archive", "containerd-gzip-zstd.tar", open(fixture("tiny.containerd.tar"), "rb").read())
    write("archive", "oci-archive.tar", open(fixture("tiny.oci-archive.tar"), "rb").read())
    write("archive", "oci-multi-platform.tar", layout_tar(fixture("tiny-index.oci")))


def layers():
    found = {m.name: data for m, data in members_of(fixture("tiny-umoci-insert.docker.tar")) if data}
    layer = lambda hex: found[hex + ".tar"]
    # GNU tar's 10240-byte records leave zero blocks after the end-of-archive marker: cut.
    base = trim_layer(layer(BASE))
    whiteouts = layer("2554117f51a6ed575dfcfd1d7f3767f1d666493eeeaad6d41d27c2ba67ef9a96")
    opaque = layer("2eb7f0ac4bdf3b132eb7f79b793b71ef8bdee46972ba39b69e390f44752aab48")
    pycache = layer("7733bbc3f7165c2831f90dfbcbaf60a7423f3ad042a0c8869e59727918b36a23")
    # The first byte picks the harness's compression: 0 as it is, 1 gzip, 2 zstd.
    write("layer", "0-plain-gnu-longlinks-hardlinks.tar", b"\0" + base)
    write("layer", "0-plain-whiteouts.tar", b"\0" + whiteouts)
    write("layer", "0-plain-opaque.tar", b"\0" + opaque)
    write("layer", "1-gzip-by-harness-opaque.tar", b"\1" + opaque)
    write("layer", "2-zstd-by-harness-pycache.tar", b"\2" + pycache)
    write("layer", "0-umoci-lone-whiteout.tar", b"\0" + layer("c542e1f24ff467f9d01ca9856391f2183b31e4288f6fbe5eabbb193abf9c9533"))
    write("layer", "0-umoci-no-end-no-padding.tar", b"\0" + layer("6156042860d132743fc9952e1f148d109f7e28c8f40799d2de377c6d4e9f50b4"))
    blob = lambda layout, hex: open(fixture(layout, "blobs", "sha256", hex), "rb").read()
    write("layer", "0-gzip-blob.tar.gz", b"\0" + blob("tiny.oci", "72792032bb2b7bcb9e02ee2be022ede7ab8a7d5644f39cf397b3b3ce6813214d"))
    write("layer", "0-zstd-blob.tar.zst", b"\0" + blob("tiny.oci-zstd", "7b1224683735f887d15c732872474d60bb9ef56b02e0e1c33c852e7a5b4c0804"))
    # PAX records (a long name, a non-ASCII name, a large uid) as Python's tarfile writes them.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, size in [("usr/share/" + "long-name-" * 14 + ".txt", 300), ("etc/café-日本語.conf", 20)]:
            info = tarfile.TarInfo(name)
            info.size, info.uid, info.mtime = size, 3_000_000_000, 0
            t.addfile(info, io.BytesIO(bytes(size)))
        link = tarfile.TarInfo("usr/bin/link")
        link.type, link.linkname = tarfile.SYMTYPE, "../share/" + "x" * 120
        t.addfile(link)
    write("layer", "0-plain-pax.tar", b"\0" + trim_layer(buf.getvalue()))


def trimmed_config(layers):
    """The tiny image's config, its history and diff_ids cut to the first `layers` layers."""
    config = json.load(open(fixture("tiny.oci", "blobs", "sha256",
                                    "d351a29769be2551169dbbc982b19d452bb1be981d62fb8b7581d214eff3391f")))
    history, made = [], 0
    for h in config["history"]:
        if made == layers:
            break
        history.append(h)
        made += not h.get("empty_layer", False)
    config["history"] = history
    config["rootfs"]["diff_ids"] = config["rootfs"]["diff_ids"][:layers]
    return json.dumps(config, separators=(",", ":"))


def oci_manifest(config):
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 1},
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:00000000000000000000000000000000000000000000000000000000000000f0", "size": 1},
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:00000000000000000000000000000000000000000000000000000000000000f1", "size": 1},
        ],
    }, separators=(",", ":"))


def metadata():
    # The first byte: bit 0 docker-archive, bit 1 the stream store, bits 2-3 the selection (1
    # --platform linux/arm64, 2 --image app:1.0, 3 both an image and linux/arm/v7). Then documents,
    # NUL-separated: manifest.json or index.json first, then the blobs sha256:000…001, …002, ...
    # (the layers are …0f0, plain, and …0f1, gzip)
    seed = lambda mode, docs: bytes([mode]) + b"\0".join(d.encode() for d in docs)
    docker = json.dumps([{
        "Config": "blobs/sha256/0000000000000000000000000000000000000000000000000000000000000001",
        "RepoTags": ["docker.io/library/app:1.0"],
        "Layers": ["l0/layer.tar", "blobs/sha256/00000000000000000000000000000000000000000000000000000000000000f1"],
    }], separators=(",", ":"))
    write("metadata", "01-docker-manifest.json", seed(1, [docker, trimmed_config(2)]))
    write("metadata", "03-docker-manifest-stream.json", seed(3, [docker, trimmed_config(2)]))
    write("metadata", "09-docker-manifest-image-app.json", seed(9, [docker, trimmed_config(2)]))
    index = lambda desc: json.dumps({"schemaVersion": 2, "manifests": [desc]}, separators=(",", ":"))
    image = index({
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000001", "size": 1,
        "annotations": {"org.opencontainers.image.ref.name": "latest"},
    })
    write("metadata", "00-oci-index.json", seed(0, [image, oci_manifest("sha256:0000000000000000000000000000000000000000000000000000000000000002"), trimmed_config(2)]))
    write("metadata", "02-oci-index-stream.json", seed(2, [image, oci_manifest("sha256:0000000000000000000000000000000000000000000000000000000000000002"), trimmed_config(2)]))
    # A multi-platform index as tiny-index.oci has it, with an attestation manifest to skip.
    multi = index({
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000001", "size": 1,
        "annotations": {"io.containerd.image.name": "docker.io/library/app:1.0"},
    })
    platforms = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000002", "size": 1,
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000003", "size": 1,
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000009", "size": 1,
         "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000004", "size": 1,
         "platform": {"architecture": "unknown", "os": "unknown"},
         "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                         "vnd.docker.reference.digest": "sha256:0000000000000000000000000000000000000000000000000000000000000002"}},
    ]}, separators=(",", ":"))
    docs = [multi, platforms, oci_manifest("sha256:0000000000000000000000000000000000000000000000000000000000000005"), oci_manifest("sha256:0000000000000000000000000000000000000000000000000000000000000005"), "{}", trimmed_config(2)]
    write("metadata", "00-oci-multi-platform.json", seed(0, docs))
    write("metadata", "04-oci-multi-platform-arm64.json", seed(4, docs))
    write("metadata", "06-oci-multi-platform-arm64-stream.json", seed(6, docs))


def policies():
    for name in ["fail.yml", "pass.yml", "sizegate.yml"]:
        shutil.copy(os.path.join(ROOT, "examples", name), os.path.join(CORPUS, "policy", "examples-" + name))
    shutil.copy(fixture("formats.yml"), os.path.join(CORPUS, "policy", "formats.yml"))
    write("policy", "extends-presets.yml", """version: 1
extends: [recommended]
image:
  max_size: 1.5GiB
  max_compressed_size: "300 MiB"
  max_layers: 20
  max_wasted: 20MiB
  max_wasted_percent: 12.5%
dive:
  min_efficiency: 0.95
  max_user_wasted_percent: 10%
layers:
  - select: { index: "1.." }
    max_size: 200MB
    severity: warn
  - select: { created_by: "*apt-get install*" }
    max_size: 120MiB
paths:
  - glob: "/usr/lib/python3*/site-packages/**"
    max_size: 300MiB
forbid:
  - glob: "**/__pycache__/**"
    reason: bytecode caches; set PYTHONDONTWRITEBYTECODE=1
  - glob: "/var/lib/apt/lists/**"
    except: ["/var/lib/apt/lists/lock"]
disable: [docs]
severity:
  apt-lists: warn
""")
    shutil.copy(fixture("formats.dive-ci"), os.path.join(CORPUS, "dive_ci", "formats.dive-ci"))
    write("dive_ci", "all-rules.dive-ci", """rules:
  # If the efficiency is measured below X%, mark as failed.
  lowestEfficiency: 0.95
  # If the amount of wasted space is at least X or larger than X, mark as failed.
  highestWastedBytes: 20MB
  # If the amount of wasted space makes up for X% or more of the image, mark as failed.
  highestUserWastedPercent: 0.20
""")
    write("dive_ci", "disabled.dive-ci", """rules:
  lowestEfficiency: disabled
  highestWastedBytes: "1.5 GB"
  highestUserWastedPercent: off
""")


MULTI_STAGE = """# syntax=docker/dockerfile:1
# escape=\\
ARG GO=1.22
FROM --platform=$BUILDPLATFORM golang:${GO} AS build
ENV CGO_ENABLED=0 \\
    GOFLAGS="-trimpath"
WORKDIR /src
COPY --link go.mod go.sum ./
RUN --mount=type=cache,target=/root/.cache/go-build <<EOF
set -e
go build -o /out/app ./cmd/app
EOF
COPY <<-"EOT" /etc/app.conf
\tmode=${MODE:-prod}
\tEOT

FROM gcr.io/distroless/static-debian12
ARG VERSION=1.0
LABEL version=$VERSION
COPY --from=build /out/app /app
USER nonroot
ENTRYPOINT ["/app"]
"""

ESCAPE = """# escape=`
FROM mcr.microsoft.com/windows/servercore:ltsc2022
SHELL ["powershell", "-Command"]
RUN Write-Host hello; `
    New-Item -ItemType Directory C:\\app
COPY app/ C:/app/
"""


def dockerfiles():
    example = open(os.path.join(ROOT, "examples", "Dockerfile")).read()
    write("dockerfile", "examples-Dockerfile", example)
    write("dockerfile", "multi-stage-heredoc.Dockerfile", MULTI_STAGE)
    write("dockerfile", "escape-backtick.Dockerfile", ESCAPE)
    # The Dockerfile, NUL, then the created_by of every layer (bottom first), NUL-separated.
    config = json.load(open(fixture("tiny.oci", "blobs", "sha256",
                                    "d351a29769be2551169dbbc982b19d452bb1be981d62fb8b7581d214eff3391f")))
    made = [h["created_by"] for h in config["history"] if not h.get("empty_layer", False)]
    write("attribution", "examples-Dockerfile-tiny-history", "\0".join([example] + made))
    write("attribution", "multi-stage-buildkit", "\0".join([MULTI_STAGE,
        "bazel build //base:static", "",
        "COPY /out/app /app # buildkit",
        "LABEL version=1.0", "|1 VERSION=1.0 /bin/sh -c #(nop) COPY file:9f2c in /app "]))
    write("attribution", "build-args-classic", "\0".join(["FROM alpine\nARG A=b\nARG C\nRUN make\nARG VERSION=1.0\nRUN echo $VERSION > /version\nWORKDIR /app\nCOPY . .\n",
        "/bin/sh -c #(nop) ADD file:alpine in / ",
        "RUN |2 A=b C=d /bin/sh -c make # buildkit",
        "|3 A=b C=d VERSION=1.0 /bin/sh -c echo $VERSION > /version",
        "/bin/sh -c #(nop) WORKDIR /app", "/bin/sh -c #(nop) COPY dir:1a2b in . "]))


if __name__ == "__main__":
    for target in ["archive", "layer", "metadata", "policy", "dive_ci", "dockerfile", "attribution"]:
        os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    archives()
    layers()
    metadata()
    policies()
    dockerfiles()
    for target in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, target))
        size = sum(os.path.getsize(os.path.join(CORPUS, target, f)) for f in files)
        print(f"{target}: {len(files)} seeds, {size} bytes")
