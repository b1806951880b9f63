#!/usr/bin/env bash
# sizegate's speed and memory benchmark. Generates a ~2 GiB image (once, cached in target/bench/),
# then times `sizegate layers` against the baseline `cat IMAGE > /dev/null` (reading every byte),
# in one run, and reports the ratio and sizegate's peak RSS.
#
# Usage: bench/run.sh [GIB]        (needs python3 and GNU time at /usr/bin/time)
set -euo pipefail
cd "$(dirname "$0")/.."
gib=${1:-2}
dir=target/bench
mkdir -p "$dir"
cargo build --release --quiet
bin=target/release/sizegate

plain="$dir/bench-${gib}g.docker.tar"
gz="$dir/bench-${gib}g-gzip.oci"
[ -f "$plain" ] || { echo "generating $plain"; python3 bench/make_image.py "$plain" --gib "$gib"; }
[ -d "$gz" ] || { echo "generating $gz"; python3 bench/make_image.py "$gz" --gib "$gib" --gzip; }

# seconds (wall) of a command, best of 3, page cache warm for both sides
tfile=$(mktemp)
trap 'rm -f "$tfile"' EXIT
best() {
  local best="" t
  for _ in 1 2 3; do
    /usr/bin/time -o "$tfile" -f "%e" "$@" > /dev/null 2>&1
    t=$(tail -n 1 "$tfile")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
  done
  echo "$best"
}
# peak resident set size in KiB
rss() { /usr/bin/time -o "$tfile" -f "%M" "$@" > /dev/null 2>&1; tail -n 1 "$tfile"; }

report() {
  local label=$1 image=$2 baseline=$3 command=$4
  local bytes t_base t_sg rss_kb
  bytes=$(du -sb "$image" | cut -f1)
  t_base=$(best sh -c "$baseline")
  t_sg=$(best sh -c "$command")
  rss_kb=$(rss sh -c "$command")
  awk -v l="$label" -v b="$bytes" -v tb="$t_base" -v ts="$t_sg" -v r="$rss_kb" 'BEGIN{
    printf "%-30s %5.2f GB  baseline %6.2f s  sizegate %6.2f s  ratio %5.2fx  peak RSS %6.1f MB\n",
      l, b/1e9, tb, ts, ts/tb, r/1024 }'
}

echo "baseline: cat of the same bytes to /dev/null; best of 3 runs each, warm page cache; $(nproc) cores"
report "plain docker-archive (file)" "$plain" "cat '$plain' > /dev/null" "$bin layers '$plain'"
report "plain docker-archive (stdin)" "$plain" "cat '$plain' > /dev/null" "$bin layers - < '$plain'"
report "gzip OCI layout (dir)" "$gz" "cat '$gz'/blobs/sha256/* > /dev/null" "$bin layers '$gz'"
