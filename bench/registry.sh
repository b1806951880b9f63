#!/usr/bin/env bash
# `sizegate layers docker://…` against a tool that also fetches every blob of the image, and a
# check whose rules need only the manifest (results: bench/RESULTS.md, "Reading from a registry"):
#
#   bench/registry.sh [SIZE] [FILES]     (default 2G 30000: bench/run.sh's oci-gzip image)
#
# The registry is Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, its
# storage under target/bench/SIZE-FILES/registry, filled once with `skopeo copy` from bench/run.sh's
# oci-gzip layout. Each run alternates the baseline, `skopeo copy docker://… oci:DIR` into an empty
# directory (every manifest and blob fetched and checked, as sizegate does, and written to disk),
# and `sizegate layers docker://…` (RUNS=5 each, medians); then times `sizegate check` with a
# policy of `image.max_compressed_size` and `image.max_layers` alone, which downloads no layer.
#
# Needs: docker-registry, skopeo, curl, and the image bench/run.sh wrote (run it first).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

size=${1:-2G}
files=${2:-30000}
runs=${RUNS:-5}
dir=$(pwd)/target/bench/$size-$files
[ -d "$dir/oci-gzip" ] || {
  echo "no $dir/oci-gzip: run bench/run.sh $size $files first" >&2
  exit 2
}
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/config.yml" << EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/registry
http:
  addr: 127.0.0.1:$port
EOF
docker-registry serve "$work/config.yml" > "$work/registry.log" 2>&1 &
registry=$!
trap 'kill "$registry" 2> /dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
  curl -fsS "http://127.0.0.1:$port/v2/" > /dev/null 2>&1 && break
  sleep 0.1
done
image=127.0.0.1:$port/sizegate-bench:latest
if ! skopeo inspect --tls-verify=false --raw "docker://$image" > /dev/null 2>&1; then
  skopeo copy -q --dest-tls-verify=false "oci:$dir/oci-gzip" "docker://$image"
fi
printf 'version: 1\nimage:\n  max_compressed_size: 10GB\n  max_layers: 100\n' > "$work/manifest.yml"

. bench/lib.sh
sg=$(sizegate_binary)
copy() {
  rm -rf "$work/copy"
  skopeo copy -q --src-tls-verify=false "docker://$image" "oci:$work/copy"
}
base=() ours=() manifest=()
# One untimed run of each side first: the registry's storage in the page cache.
copy
"$sg" layers "docker://$image" > /dev/null
for _ in $(seq "$runs"); do
  base+=("$(timed copy)")
  ours+=("$(timed "$sg" layers "docker://$image")")
  manifest+=("$(timed "$sg" check "docker://$image" --policy "$work/manifest.yml")")
done
b=$(printf '%s\n' "${base[@]}" | median)
o=$(printf '%s\n' "${ours[@]}" | median)
m=$(printf '%s\n' "${manifest[@]}" | median)
echo "image: $image ($size, $files base files, gzip layers)"
echo "skopeo copy docker:// oci:DIR:   runs ${base[*]} -> median $b s"
echo "sizegate layers docker://:       runs ${ours[*]} -> median $o s"
echo "sizegate check (manifest rules): runs ${manifest[*]} -> median $m s"
awk -v b="$b" -v o="$o" 'BEGIN { printf "ratio layers / skopeo copy: %.3f (target <= 0.8)\n", o / b }'
awk -v m="$m" 'BEGIN { printf "manifest-only check: %.3f s (target < 0.2)\n", m }'
