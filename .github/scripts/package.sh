#!/bin/sh
# Packs one release archive (.github/workflows/release.yml runs it once a target):
#
#   package.sh TAG TARGET BINARY DOCS_BIN OUT_DIR
#
# BINARY is sizegate built for TARGET; DOCS_BIN a sizegate that runs here, which writes the man
# page and the shell completions (text, the same for every target, so a binary that cannot run
# on the packing machine still ships them). The archive is named by action/install.sh, the one
# place that names the assets, and holds the directory of its own name with the binary, the
# README, the licences, sizegate.1 and completions/. Prints the archive's path.
set -eu

[ "$#" -eq 5 ] || {
  echo "usage: package.sh TAG TARGET BINARY DOCS_BIN OUT_DIR" >&2
  exit 2
}
tag=$1 target=$2 binary=$3 docs_bin=$4 out=$5
root=$(cd "$(dirname "$0")/../.." && pwd)
asset=$(sh "$root/action/install.sh" --asset "$tag" "$target")
top=${asset%.zip}
top=${top%.tar.gz}
mkdir -p "$out"
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/sizegate-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
dir=$work/$top
mkdir -p "$dir/completions"
exe=sizegate
case "$target" in *-windows-*) exe=sizegate.exe ;; esac
cp "$binary" "$dir/$exe"
chmod 755 "$dir/$exe"
cp "$root/README.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$dir/"
chmod 644 "$dir/README.md" "$dir/LICENSE-MIT" "$dir/LICENSE-APACHE"
"$docs_bin" man > "$dir/sizegate.1"
# Each shell's own file name: the one its completion loader looks for.
"$docs_bin" completions bash > "$dir/completions/sizegate.bash"
"$docs_bin" completions zsh > "$dir/completions/_sizegate"
"$docs_bin" completions fish > "$dir/completions/sizegate.fish"
"$docs_bin" completions powershell > "$dir/completions/_sizegate.ps1"

rm -f "$out/$asset"
case "$asset" in
  *.zip) (cd "$work" && zip -q -r -X "$out/$asset" "$top") ;;
  # Owner and order fixed, so that the archive says nothing of the machine that packed it.
  *) tar -C "$work" --owner=0 --group=0 --numeric-owner --sort=name -czf "$out/$asset" "$top" ;;
esac
echo "$out/$asset"
