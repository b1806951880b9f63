#!/usr/bin/env bash
# The GitHub Action's step: install sizegate (or use $SIZEGATE_BIN), run `sizegate check` with
# the inputs, write the report files, and turn the verdict into the step's outcome per `fail-on`.
# Kept out of action.yml so that it can be tested (tests/action.rs runs it with a GitHub-like
# environment).
set -euo pipefail

die() { echo "::error title=sizegate::$*"; exit 2; }

image=${INPUT_IMAGE:-}
policy=${INPUT_POLICY:-sizegate.yml}
dockerfile=${INPUT_DOCKERFILE:-}
formats=${INPUT_FORMAT:-sarif}
fail_on=${INPUT_FAIL_ON:-error}
version=${INPUT_VERSION:-}
extra=${INPUT_ARGS:-}
out_dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

[ -n "$image" ] || die "the 'image' input is required"
[ "$image" != "-" ] || die "'image' must be a path: save the image to a file first (docker save -o app.tar app)"
case "$fail_on" in error|warning|never) ;; *) die "'fail-on' must be error, warning or never, not '$fail_on'" ;; esac

# The binary: given, installed at a version, or built from the action's own source into a
# directory of its own (cached by action.yml under a key made from that source).
bin=${SIZEGATE_BIN:-}
if [ -z "$bin" ]; then
  root="$HOME/.sizegate-action"
  if [ -n "$version" ]; then
    cargo install --locked --quiet --root "$root" --version "$version" sizegate
  elif [ ! -x "$root/bin/sizegate" ]; then
    cargo install --locked --quiet --root "$root" --path "${GITHUB_ACTION_PATH:?}"
  fi
  bin="$root/bin/sizegate"
fi

args=(check "$image" --policy "$policy" --output "json=$out_dir/sizegate.json")
[ -z "$dockerfile" ] || args+=(--dockerfile "$dockerfile")
for f in ${formats//,/ }; do
  case "$f" in
    json) ;;
    sarif) args+=(--output "sarif=$out_dir/sizegate.sarif") ;;
    junit) args+=(--output "junit=$out_dir/sizegate.junit.xml") ;;
    gitlab) args+=(--output "gitlab=$out_dir/sizegate.gitlab.json") ;;
    markdown) args+=(--output "markdown=$out_dir/sizegate.md") ;;
    csv) args+=(--output "csv=$out_dir/sizegate.csv") ;;
    *) die "unknown format '$f' (json, sarif, junit, gitlab, markdown, csv)" ;;
  esac
done
# Annotations on the pull request: the github format, after the table in the log.
args+=(--output "github=$out_dir/sizegate.annotations")
# shellcheck disable=SC2206 # extra arguments are split on spaces, as documented
[ -z "$extra" ] || args+=($extra)

set +e
"$bin" "${args[@]}"
code=$?
set -e
[ ! -f "$out_dir/sizegate.annotations" ] || cat "$out_dir/sizegate.annotations"
if [ -n "${GITHUB_OUTPUT:-}" ] && [ -f "$out_dir/sizegate.sarif" ]; then
  echo "sarif=$out_dir/sizegate.sarif" >> "$GITHUB_OUTPUT"
fi

# The check could not run: always a failure.
[ "$code" -ne 2 ] || exit 2
# The top-level count of the JSON report (indented two spaces; the images' keys are deeper).
warnings=$(sed -n 's/^  "warnings": \([0-9]*\),\{0,1\}$/\1/p' "$out_dir/sizegate.json" | head -n 1)
case "$fail_on" in
  never) exit 0 ;;
  warning) if [ "$code" -ne 0 ] || [ "${warnings:-0}" -gt 0 ]; then exit 1; fi ;;
  error) exit "$code" ;;
esac
