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
# seconds (wall) of one run after dropping the page cache, or "-" where that is not allowed
cold() {
  if sync && echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
    /usr/bin/time -o "$tfile" -f "%e" "$@" > /dev/null 2>&1
    tail -n 1 "$tfile"
  else
    echo "-"
  fi
}
# peak resident set size in KiB
rss() { /usr/bin/time -o "$tfile" -f "%M" "$@" > /dev/null 2>&1; tail -n 1 "$tfile"; }

report() {
  local label=$1 image=$2 baseline=$3 command=$4
  local bytes t_base t_sg c_base c_sg rss_kb
  bytes=$(du -sb "$image" | cut -f1)
  t_base=$(best sh -c "$baseline")
  t_sg=$(best sh -c "$command")
  c_base=$(cold sh -c "$baseline")
  c_sg=$(cold sh -c "$command")
  rss_kb=$(rss sh -c "$command")
  awk -v l="$label" -v b="$bytes" -v tb="$t_base" -v ts="$t_sg" -v cb="$c_base" -v cs="$c_sg" -v r="$rss_kb" 'BEGIN{
    printf "%-30s %5.2f GB  warm: baseline %5.2f s, sizegate %5.2f s (%4.2fx)", l, b/1e9, tb, ts, ts/tb
    if (cb != "-") printf "  cold: baseline %5.2f s, sizegate %5.2f s (%4.2fx)", cb, cs, cs/cb
    printf "  peak RSS %5.1f MB\n", r/1024 }'
}

echo "warm = best of 3 runs; cold = one run after dropping the page cache; $(nproc) cores"
echo "baseline for the plain archive: cat IMAGE > /dev/null"
report "plain docker-archive (file)" "$plain" "cat '$plain' > /dev/null" "$bin layers '$plain'"
report "plain docker-archive (stdin)" "$plain" "cat '$plain' > /dev/null" "$bin layers - < '$plain'"
echo "baseline for the gzip layout: cat of every blob, then gzip -dc of every layer blob (one core)"
report "gzip OCI layout (dir)" "$gz" "cat '$gz'/blobs/sha256/* > /dev/null" "$bin layers '$gz'"
report "gzip OCI layout (dir)" "$gz" "find '$gz'/blobs -size +1M -exec gzip -dc {} + > /dev/null" "$bin layers '$gz'"
echo "entries in the plain image: $("$bin" inventory "$plain" | tail -n +2 | wc -l)"
