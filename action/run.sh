#!/usr/bin/env bash
# The GitHub Action's step: install sizegate (or use $SIZEGATE_BIN), run `sizegate check` with
# the inputs, write the report files, and turn the verdict into the step's outcome per `fail-on`.
# Kept out of action.yml so that it can be tested (tests/it/ci_recipes.rs runs it with a
# GitHub-like environment).
set -euo pipefail

# An error annotation; the message is escaped as workflow commands require.
die() {
  local message=$*
  message=${message//'%'/'%25'}
  message=${message//$'\r'/'%0D'}
  message=${message//$'\n'/'%0A'}
  echo "::error title=sizegate::$message"
  exit 2
}

image=${INPUT_IMAGE:-}
policy=${INPUT_POLICY-sizegate.yml}
dockerfile=${INPUT_DOCKERFILE:-}
formats=${INPUT_FORMAT:-sarif}
fail_on=${INPUT_FAIL_ON:-error}
version=${INPUT_VERSION:-}
extra=${INPUT_ARGS:-}

[ -n "$image" ] || die "the 'image' input is required"
[ "$image" != "-" ] || die "'image' must be a path: save the image to a file first (docker save -o app.tar app)"
case "$fail_on" in error|warning|never) ;; *) die "'fail-on' must be error, warning or never, not '$fail_on'" ;; esac

# A directory of this run's own: the runner's temp directory lives for the whole job, and a second
# use of the action must neither overwrite nor replay this one's reports.
out_dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/sizegate.XXXXXX")

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

args=(check "$image" --output "json=$out_dir/sizegate.json")
# An empty `policy` input leaves the choice to `args` (say, `--dive-ci .dive-ci`) or to the
# default files.
[ -z "$policy" ] || args+=(--policy "$policy")
[ -z "$dockerfile" ] || args+=(--dockerfile "$dockerfile")
sarif=
for f in ${formats//,/ }; do
  case "$f" in
    json) ;;
    sarif) sarif="$out_dir/sizegate.sarif"; args+=(--output "sarif=$sarif") ;;
    junit) args+=(--output "junit=$out_dir/sizegate.junit.xml") ;;
    gitlab) args+=(--output "gitlab=$out_dir/sizegate.gitlab.json") ;;
    markdown) args+=(--output "markdown=$out_dir/sizegate.md") ;;
    csv) args+=(--output "csv=$out_dir/sizegate.csv") ;;
    *) die "unknown format '$f' (json, sarif, junit, gitlab, markdown, csv)" ;;
  esac
done
# Annotations on the pull request: the github format, after the table in the log.
args+=(--output "github=$out_dir/sizegate.annotations")
# Extra arguments are split on whitespace, without glob expansion.
read -r -a extra_args <<< "$extra"
args+=("${extra_args[@]}")

set +e
"$bin" "${args[@]}"
code=$?
set -e
# Anything but a verdict (0 pass, 1 fail) means the check did not run: always a failure.
case "$code" in 0|1) ;; *) exit "$code" ;; esac

cat "$out_dir/sizegate.annotations"
if [ -n "${GITHUB_OUTPUT:-}" ] && [ -n "$sarif" ]; then
  echo "sarif=$sarif" >> "$GITHUB_OUTPUT"
fi
# The top-level count of the JSON report (indented two spaces; the images' keys are deeper).
warnings=$(sed -n 's/^  "warnings": \([0-9]*\),\{0,1\}$/\1/p' "$out_dir/sizegate.json" | head -n 1)
case "$fail_on" in
  never) exit 0 ;;
  warning) if [ "$code" -ne 0 ] || [ "${warnings:-0}" -gt 0 ]; then exit 1; fi ;;
  error) exit "$code" ;;
esac
