#!/bin/sh
# Installs a released sizegate binary, verified against the release's SHA256SUMS. The one place
# that names the release assets: .github/workflows/release.yml packs them under these names
# (through .github/scripts/package.sh), the action and the pre-commit hook fetch them with this
# script, and the GitLab recipe and Cargo.toml's binstall metadata spell the same names (a test,
# tests/it/release_binaries/, keeps them all in step).
#
#   install.sh TAG DIR             fetch TAG's archive for this machine, check its SHA-256, put
#                                  the binary in DIR and print its path
#   install.sh --asset TAG TARGET  print the name of TAG's archive for TARGET
#   install.sh --target            print this machine's target (its uname, unless
#                                  SIZEGATE_INSTALL_TARGET names one)
#   install.sh --is-release-tag T  exit 0 when T is a release tag, 1 when not (prints nothing):
#                                  the one grammar of release tags, the action's too
#   install.sh --cargo-tag [TOML]  print the release tag of a Cargo.toml's version (default:
#                                  this checkout's), as release.yml and the pre-commit hook read it
#   install.sh --sha256 FILE|-     print the SHA-256 of FILE (or stdin), lowercase hex
#   install.sh --sha256-each FILE…  print sha256sum's `HASH  FILE` lines of the FILEs, in one run
#
# SIZEGATE_INSTALL_TARGET is a name of its own: SIZEGATE_TARGET is sizegate's `--target` (the
# Dockerfile stage), which a job may well set for the check; none of sizegate's own variables
# (`env = "SIZEGATE_…"` in src/bin/sizegate/args.rs) is read here, a test holds every script to it.
#
# The assets of release TAG (v1.2.3):
#   sizegate-TAG-TARGET.tar.gz     (sizegate-TAG-TARGET.zip for Windows), holding the directory
#                                  sizegate-TAG-TARGET/ with the binary (sizegate, sizegate.exe),
#                                  README.md, the licences, sizegate.1 and completions/
#   SHA256SUMS                     `sha256sum` of every archive
# for the targets x86_64-unknown-linux-musl, aarch64-unknown-linux-musl (static),
# x86_64-apple-darwin, aarch64-apple-darwin and x86_64-pc-windows-msvc.
#
# Where: $SIZEGATE_RELEASES/TAG/ASSET, SIZEGATE_RELEASES being by default
# https://github.com/sizegate/sizegate/releases/download (the action passes its own repository
# on $GITHUB_SERVER_URL).
#
# Exit status: 0 installed; 3 the release has no archive for this machine (no such tag, or a
# machine without binaries), so the caller may build from source instead; 1 anything else (a
# checksum that does not match, a download that failed): never to be papered over.
# POSIX sh and curl, sha256sum or shasum, tar (unzip or 7z on Windows): what a runner, a CI image
# or a developer's machine has.
set -eu

# The release targets, by machine: what `uname` says, mapped to the triples release.yml builds.
target() {
  if [ -n "${SIZEGATE_INSTALL_TARGET:-}" ]; then
    # Part of a URL and of file names: a triple's characters only.
    case "$SIZEGATE_INSTALL_TARGET" in
      *[!0-9A-Za-z_.-]*) fail "SIZEGATE_INSTALL_TARGET must be a target triple, not '$SIZEGATE_INSTALL_TARGET'" ;;
    esac
    echo "$SIZEGATE_INSTALL_TARGET"
    return
  fi
  arch=$(uname -m)
  case "$arch" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) return 3 ;;
  esac
  case "$(uname -s)" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    Darwin) echo "$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT)
      # Windows on arm64 runs the x86_64 binary under emulation.
      echo "x86_64-pc-windows-msvc"
      ;;
    *) return 3 ;;
  esac
}

# The archive's name: `.zip` for Windows, where that is what people open, `.tar.gz` elsewhere.
asset() {
  case "$2" in
    *-windows-*) echo "sizegate-$1-$2.zip" ;;
    *) echo "sizegate-$1-$2.tar.gz" ;;
  esac
}

fail() {
  echo "$*" >&2
  exit 1
}

# A release tag: `v` and a semantic version, v1.2.3, with a pre-release (v1.2.3-rc.1) and build
# metadata (v1.2.3+musl.1) at most. It becomes part of a URL and of file names, so nothing else:
# no `/`, no blank, no newline. awk's `^…$` spans the whole string, newlines included.
is_release_tag() {
  awk 'BEGIN {
    exit !(ARGV[1] ~ /^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?([+][0-9A-Za-z.-]+)?$/)
  }' "$1"
}

check_tag() {
  is_release_tag "$1" || fail "'$1' is not a release tag (v1.2.3)"
}

# The release tag of Cargo.toml $1: `v` and the `version` of its [package] table.
cargo_tag() {
  [ -f "$1" ] || fail "no $1 to read the version from"
  version=$(awk '
    /^\[/ { in_package = ($0 == "[package]") }
    in_package && /^version[ \t]*=/ {
      sub(/^version[ \t]*=[ \t]*"/, ""); sub(/".*$/, ""); print; exit
    }' "$1")
  [ -n "$version" ] || fail "$1 has no [package] version"
  check_tag "v$version"
  echo "v$version"
}

# Downloads $1 to $2 and prints the HTTP status (000 when there was no answer at all). Redirects
# are followed: GitHub serves release assets from another host.
fetch() {
  if code=$(curl --silent --show-error --location --retry 3 --output "$2" \
    --write-out '%{http_code}' "$1"); then
    echo "$code"
  else
    echo 000
  fi
}

# sha256sum's lines (`HASH  FILE`) of the files given (`-`: stdin), in one run of the machine's
# tool: sha256sum, or shasum where a machine has only that (macOS). The one copy: action.yml's
# cache key is made with it too.
sha256sums() {
  if command -v sha256sum > /dev/null 2>&1; then
    sha256sum -- "$@"
  elif command -v shasum > /dev/null 2>&1; then
    shasum -a 256 -- "$@"
  else
    fail "neither sha256sum nor shasum is installed, and the download must be verified"
  fi
}

# The SHA-256 of file $1 (`-`: stdin), lowercase hex.
sha256() {
  sum=$(sha256sums "$1")
  echo "${sum%% *}" | tr 'A-F' 'a-f'
}

case "${1:-}" in
  --target)
    target || fail "no sizegate release binary for this machine ($(uname -s) $(uname -m))"
    exit 0
    ;;
  --asset)
    [ "$#" -eq 3 ] || fail "usage: install.sh --asset TAG TARGET"
    check_tag "$2"
    asset "$2" "$3"
    exit 0
    ;;
  --is-release-tag)
    [ "$#" -eq 2 ] || fail "usage: install.sh --is-release-tag TAG"
    is_release_tag "$2"
    exit
    ;;
  --cargo-tag)
    [ "$#" -le 2 ] || fail "usage: install.sh --cargo-tag [CARGO_TOML]"
    cargo_tag "${2:-$(dirname "$0")/../Cargo.toml}"
    exit 0
    ;;
  --sha256)
    [ "$#" -eq 2 ] || fail "usage: install.sh --sha256 FILE|-"
    sha256 "$2"
    exit 0
    ;;
  --sha256-each)
    shift
    sha256sums "$@"
    exit 0
    ;;
  -* | '')
    fail "usage: install.sh TAG DIR | --asset TAG TARGET | --target | --is-release-tag TAG | --cargo-tag [CARGO_TOML] | --sha256 FILE|- | --sha256-each FILE…"
    ;;
esac
[ "$#" -eq 2 ] || fail "usage: install.sh TAG DIR"
tag=$1 dir=$2
check_tag "$tag"
status=0
triple=$(target) || status=$?
case "$status" in
  0) ;;
  3)
    echo "no sizegate release binary for this machine ($(uname -s) $(uname -m))" >&2
    exit 3
    ;;
  *) exit 1 ;; # said why
esac
name=$(asset "$tag" "$triple")
base=${SIZEGATE_RELEASES:-https://github.com/sizegate/sizegate/releases/download}
base=${base%/}/$tag

work=$(mktemp -d "${TMPDIR:-/tmp}/sizegate-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

status=$(fetch "$base/$name" "$work/$name")
case "$status" in
  200) ;;
  404)
    echo "release $tag has no $name ($base/$name: 404)" >&2
    exit 3
    ;;
  *) fail "could not download $base/$name (HTTP $status)" ;;
esac
# The release's own list: an archive it does not list is refused like one that does not match.
status=$(fetch "$base/SHA256SUMS" "$work/SHA256SUMS")
[ "$status" = 200 ] ||
  fail "could not download $base/SHA256SUMS (HTTP $status): the binary cannot be verified"
want=$(awk -v name="$name" '{ n = $2; sub(/^\*/, "", n) } n == name { print tolower($1); exit }' \
  "$work/SHA256SUMS")
[ -n "$want" ] || fail "$base/SHA256SUMS does not list $name: the binary cannot be verified"
got=$(sha256 "$work/$name")
[ "$got" = "$want" ] ||
  fail "checksum mismatch for $name: SHA256SUMS says $want, the download is $got; not installed"

mkdir "$work/unpacked"
case "$name" in
  *.zip)
    if command -v unzip > /dev/null 2>&1; then
      unzip -q "$work/$name" -d "$work/unpacked"
    elif command -v 7z > /dev/null 2>&1; then
      7z x -bd -y "-o$work/unpacked" "$work/$name" > /dev/null
    else
      fail "neither unzip nor 7z is installed to unpack $name"
    fi
    exe=sizegate.exe
    ;;
  *)
    tar -xzf "$work/$name" -C "$work/unpacked"
    exe=sizegate
    ;;
esac
top=${name%.zip}
top=${top%.tar.gz}
binary=$work/unpacked/$top/$exe
[ -f "$binary" ] || fail "$name holds no $top/$exe"
mkdir -p "$dir"
chmod 755 "$binary"
# Moved in whole, so that a binary is either there and verified or not there at all.
mv -f "$binary" "$dir/$exe.partial"
mv -f "$dir/$exe.partial" "$dir/$exe"
echo "$dir/$exe"
