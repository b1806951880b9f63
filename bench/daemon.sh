#!/usr/bin/env bash
# `sizegate layers docker-daemon:NAME` against what saving the image costs the daemon alone
# (results: bench/RESULTS.md, "Reading from a daemon"):
#
#   bench/daemon.sh [SIZE] [FILES]     (default 2G 30000: bench/run.sh's docker image)
#
# The daemon is podman's Docker-compatible service (`podman system service`), with storage of its
# own under target/bench/SIZE-FILES/podman (vfs), holding bench/run.sh's docker.tar (`podman load`,
# once). Each run alternates the baseline, `curl --unix-socket SOCK .../images/get?names=NAME >
# /dev/null` (the same request, its bytes thrown away), and sizegate (RUNS=5 each, medians).
#
# Needs: podman, curl, and the image bench/run.sh wrote (run it first).
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

size=${1:-2G}
files=${2:-30000}
runs=${RUNS:-5}
dir=target/bench/$size-$files
[ -f "$dir/docker.tar" ] || {
  echo "no $dir/docker.tar: run bench/run.sh $size $files first" >&2
  exit 2
}
store=$(pwd)/$dir/podman
podman=(podman --root "$store/root" --runroot "$store/run" --storage-driver vfs)
name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["RepoTags"][0])' \
  <(tar -xOf "$dir/docker.tar" manifest.json))
if ! "${podman[@]}" image exists "$name"; then
  "${podman[@]}" load -q -i "$dir/docker.tar" > /dev/null
fi
socket=$store/podman.sock
rm -f "$socket"
"${podman[@]}" system service --time=0 "unix://$socket" > /dev/null 2>&1 &
service=$!
trap 'kill "$service" 2> /dev/null || true' EXIT
for _ in $(seq 100); do
  [ -S "$socket" ] && break
  sleep 0.1
done

. bench/lib.sh
sg=$(sizegate_binary)
query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$name")

base=() ours=()
# One untimed run of each side first: the daemon's storage in the page cache.
curl -fsS --unix-socket "$socket" "http://d/images/get?names=$query" > /dev/null
DOCKER_HOST=unix://$socket "$sg" layers "docker-daemon:$name" > /dev/null
for _ in $(seq "$runs"); do
  base+=("$(timed curl -fsS --unix-socket "$socket" "http://d/images/get?names=$query")")
  ours+=("$(DOCKER_HOST=unix://$socket timed "$sg" layers "docker-daemon:$name")")
done
b=$(printf '%s\n' "${base[@]}" | median)
o=$(printf '%s\n' "${ours[@]}" | median)
echo "image: $name ($dir/docker.tar), podman $("${podman[@]}" --version | awk '{ print $3 }'), $runs runs each"
printf 'curl --unix-socket … /images/get > /dev/null: %.3f s\n' "$b"
printf 'sizegate layers docker-daemon:%s: %.3f s\n' "$name" "$o"
awk -v b="$b" -v o="$o" 'BEGIN { printf "ratio sizegate / curl: %.3f (target <= 1.1)\n", o / b }'
