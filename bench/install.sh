#!/usr/bin/env bash
# What getting sizegate costs a CI job (results: bench/RESULTS.md, "Installing sizegate"):
#
#   bench/install.sh
#
# - release: action/install.sh, as the action, the pre-commit hook and the GitLab recipe run it,
#   fetching this tree's release archive for this machine and SHA256SUMS from a release-like
#   layout served on 127.0.0.1, verifying and unpacking it (median of RUNS runs);
# - source: `cargo build --release --locked` in an empty target directory, what the action did on
#   every cache miss before there were release binaries (one run; the crates are already in
#   cargo's cache, so no download is timed on this side either).
#
# Loopback has no network latency: on a runner, the download of the archive (its size is printed)
# adds what the runner's link takes for it.
#
# Environment: RUNS=5 timed installs; BUILD=0 skips the build from source (minutes).
# Needs: cargo, python3, curl, sha256sum, tar.
set -euo pipefail
export LC_ALL=C # `.` as the decimal point in EPOCHREALTIME and awk
cd "$(dirname "$0")/.."

runs=${RUNS:-5}
tmp=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The release's own build (release.yml): the `dist` profile.
cargo build --profile dist --quiet --bin sizegate
tag=$(sh action/install.sh --cargo-tag)
target=$(sh action/install.sh --target)
release=$tmp/releases/$tag
archive=$(sh .github/scripts/package.sh "$tag" "$target" target/dist/sizegate \
  target/dist/sizegate "$release")
(cd "$release" && sha256sum -- * > SHA256SUMS)

# A static file server on a free port of 127.0.0.1; it prints the port once it listens.
python3 -u - "$tmp/releases" > "$tmp/port" 2> /dev/null <<'PY' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
server=$!
for _ in $(seq 50); do
  [ -s "$tmp/port" ] && break
  sleep 0.1
done
port=$(cat "$tmp/port")

. bench/lib.sh

times=()
for _ in $(seq "$runs"); do
  rm -rf "$tmp/bin"
  times+=("$(SIZEGATE_RELEASES=http://127.0.0.1:$port timed sh action/install.sh "$tag" "$tmp/bin")")
done
"$tmp/bin/sizegate" --version > /dev/null
install=$(printf '%s\n' "${times[@]}" | median)
size=$(stat -c %s "$archive")

echo "archive: $(basename "$archive"), $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }')"
printf 'release (install.sh, median of %s): %.3f s\n' "$runs" "$install"
if [ "${BUILD:-1}" != 0 ]; then
  build=$(CARGO_TARGET_DIR=$tmp/build timed cargo build --release --locked --quiet --bin sizegate)
  printf 'source (cargo build --release, empty target): %.1f s\n' "$build"
  awk -v b="$build" -v i="$install" 'BEGIN { printf "release / source: %.5f (%.0fx faster)\n", i / b, b / i }'
fi
