#!/usr/bin/env bash
# Remakes docs/explain.png, the README's picture of the HTML report: `sizegate explain` of the
# example image with its Dockerfile, shot by Debian's headless chromium at a laptop's size, offline
# (fonts-wqy-microhei shows the Japanese file name of the example).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --release --quiet -- explain examples/tiny.docker.tar --dockerfile examples/Dockerfile \
  --format html -o "$work/explain.html"
chromium --headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --host-resolver-rules='MAP * ~NOTFOUND' \
  --hide-scrollbars --window-size=1280,900 --screenshot="$PWD/docs/explain.png" \
  "file://$work/explain.html" 2> /dev/null
