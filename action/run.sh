#!/usr/bin/env bash
# The GitHub Action's step: install sizegate (or use $SIZEGATE_BIN), run `sizegate check` with
# the inputs, write the report files, post the pull-request comment when asked (action/comment.sh);
# sizegate's exit code, which follows `fail-on`, is the step's outcome.
#
# Which sizegate: the release named by the `version` input, else the action's own ref when that
# is a release tag (v1.2.3), downloaded for the runner from
# $GITHUB_SERVER_URL/<the action's repository>/releases/download/<tag>/ and verified against the
# release's SHA256SUMS (action/install.sh); a checksum that does not match fails the step. Only
# with no release to match (a branch or a commit, or a tag whose release has no binary for this
# runner) is sizegate built from the action's own source with cargo, cached by action.yml.
# Kept out of action.yml so that it can be tested (tests/it/ci_recipes.rs runs it with a
# GitHub-like environment, tests/it/hostile/action_inputs.rs with hostile inputs).
#
# The inputs come from a workflow that a pull request may control, so they reach this script as
# environment variables (never as text pasted into a script), and each becomes exactly the
# arguments it says: `image`, `policy`, `dockerfile` and `baseline` one argument each, `format`
# a list of known names, `args` shell words with nothing expanded. Every input is checked before
# sizegate is installed or run.
set -euo pipefail
# Nothing here is meant to glob; an unquoted expansion that slipped in would then stay literal.
set -o noglob

# An error annotation; the message is escaped as workflow commands require, so an input quoted
# in it cannot end the line and forge a command of its own.
die() {
  local message=$*
  message=${message//'%'/'%25'}
  message=${message//$'\r'/'%0D'}
  message=${message//$'\n'/'%0A'}
  echo "::error title=sizegate action::$message"
  exit 2
}

# Splits $2, the text of input $1, into the array `words` as a shell splits the arguments of a
# command, but without any of its expansions: blanks and newlines separate words; single quotes
# keep everything; double quotes keep everything but \" \\ \$ \` and backslash-newline; a
# backslash outside quotes keeps the next character (and joins lines before a newline); `#` at
# the start of a word comments out the rest of the line. What a shell would expand or run (`$`,
# a backquote) or read as syntax (; & | < > ( )) is refused unless quoted or escaped, so that the
# words are what the text says and never what a shell would have made of it.
split_words() {
  # Bytes, not characters: the length and `read -n` then agree even on text that is not UTF-8,
  # and the delimiters are all ASCII.
  local LC_ALL=C
  local name=$1 text=$2
  local n=${#text} i=0 line=1 quote_line=0 c state='' word='' started=''
  words=()
  # One `read` per byte: indexing the string (${text:i:1}) costs its length each time in bash,
  # which makes a long input quadratic; the here-string's trailing newline is never read.
  while [ "$i" -lt "$n" ] && IFS= read -r -d '' -n 1 c; do
    i=$((i + 1))
    case "$state" in
      '')
        case "$c" in
          ' ' | $'\t' | $'\r' | $'\n')
            if [ -n "$started" ]; then
              words+=("$word")
              word='' started=''
            fi
            ;;
          "'") state=single started=1 quote_line=$line ;;
          '"') state=double started=1 quote_line=$line ;;
          '\') state=escape ;;
          '#') if [ -n "$started" ]; then word+=$c; else state=comment; fi ;;
          '$' | '`') refuse_expansion "$name" "$line" "$c" ;;
          ';' | '&' | '|' | '<' | '>' | '(' | ')')
            die "the '$name' input, line $line: '$c' is shell syntax, and '$name' holds arguments, not commands; write \\$c or quote it to pass a literal '$c'"
            ;;
          *) word+=$c started=1 ;;
        esac
        ;;
      escape)
        # Backslash-newline joins two lines, as in a shell; any other character is kept.
        [ "$c" = $'\n' ] || word+=$c started=1
        state=''
        ;;
      single) if [ "$c" = "'" ]; then state=''; else word+=$c; fi ;;
      double)
        case "$c" in
          '"') state='' ;;
          '\') state=double_escape ;;
          '$' | '`') refuse_expansion "$name" "$line" "$c" ;;
          *) word+=$c ;;
        esac
        ;;
      double_escape)
        case "$c" in
          '"' | '\' | '$' | '`') word+=$c ;;
          $'\n') ;;
          *) word+="\\$c" ;;
        esac
        state=double
        ;;
      comment) [ "$c" != $'\n' ] || state='' ;;
    esac
    [ "$c" != $'\n' ] || line=$((line + 1))
  done <<< "$text"
  case "$state" in
    single | double | double_escape)
      local quote="single quote (')"
      [ "$state" = single ] || quote='double quote (")'
      die "the '$name' input, line $quote_line: the $quote opened on this line is never closed"
      ;;
    escape) die "the '$name' input, line $line: it ends with a backslash, which escapes nothing" ;;
  esac
  [ -z "$started" ] || words+=("$word")
}

# A `$` or a backquote where a shell would expand it: refused rather than kept, since whoever
# wrote it meant something else than the literal text.
refuse_expansion() {
  local what='expanded (no variables, no command substitution)'
  [ "$3" = '$' ] || what='run (no command substitution)'
  die "the '$1' input, line $2: '$3' is not $what; write \\$3 or single-quote it to pass a literal '$3'"
}

image=${INPUT_IMAGE:-}
policy=${INPUT_POLICY:-}
dockerfile=${INPUT_DOCKERFILE:-}
baseline=${INPUT_BASELINE:-}
comment=${INPUT_COMMENT:-false}
formats=${INPUT_FORMAT:-sarif}
fail_on=${INPUT_FAIL_ON:-}
category=${INPUT_CATEGORY:-}
version=${INPUT_VERSION:-}
extra=${INPUT_ARGS:-}

[ -n "$image" ] || die "the 'image' input is required"
[ "$image" != "-" ] || die "'image' must be a path: save the image to a file first (docker save -o app.tar app)"
case "$fail_on" in '' | error | warning | never) ;; *) die "'fail-on' must be error, warning or never, not '$fail_on'" ;; esac
case "$comment" in true|false) ;; *) die "'comment' must be true or false, not '$comment'" ;; esac
# The token is for the comment only: kept out of the environment of everything else run here.
token=${INPUT_GITHUB_TOKEN:-}
unset INPUT_GITHUB_TOKEN
installer="$(dirname "${BASH_SOURCE[0]}")/install.sh"
# A release tag (v1.2.3, v1.2.3-rc.1): install.sh's grammar, the one that names the assets. It
# becomes part of a URL.
is_release_tag() {
  sh "$installer" --is-release-tag "$1"
}
tag=
if [ -n "$version" ]; then
  # `1.2.3` is the release v1.2.3.
  is_release_tag "v${version#v}" ||
    die "'version' must be a sizegate release (v1.2.3), not '$version'"
  tag=v${version#v}
fi
# Names separated by commas or blanks (newlines too); `read` neither globs nor expands, so
# `sarif,*` is the name `*`, refused below. Two commas in a row make an empty field: skipped.
fields=()
IFS=$', \t\r\n' read -r -d '' -a fields <<< "$formats" || true
format_names=()
# Each name once: a name given twice (or markdown, also wanted by the comment) is one file.
add_format() {
  case " ${format_names[*]-} " in *" $1 "*) ;; *) format_names+=("$1") ;; esac
}
for f in ${fields[@]+"${fields[@]}"}; do
  case "$f" in
    '') ;;
    json | sarif | junit | gitlab | markdown | csv | html) add_format "$f" ;;
    *) die "unknown format '$f' (json, sarif, junit, gitlab, markdown, csv, html)" ;;
  esac
done
# The comment is the markdown summary: written whether `format` asks for it or not.
[ "$comment" != true ] || add_format markdown
split_words args "$extra"
extra_args=(${words[@]+"${words[@]}"})
# `fail-on` is said once: the input, or a `--fail-on` of `args` (clap refuses the flag twice, and
# one of two answers would be dropped in silence). Options end at a `--`.
if [ -n "$fail_on" ]; then
  for word in ${extra_args[@]+"${extra_args[@]}"}; do
    case "$word" in
      --) break ;;
      --fail-on | --fail-on=*)
        die "the 'fail-on' input ('$fail_on') and '$word' in 'args' both say which findings fail the step: keep one"
        ;;
    esac
  done
fi

# A directory of this run's own: the runner's temp directory lives for the whole job, and a second
# use of the action must neither overwrite nor replay this one's reports.
out_dir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/sizegate.XXXXXX")

# The action's own ref and repository: where the runner put it, .../_actions/OWNER/REPO/REF (the
# runner's layout; `\` on Windows), else action.yml's github.action_ref and
# github.action_repository. The path first: in a composite action used by another composite
# action, those two name the outer action (actions/runner#2473), and a wrapper's `v2.0.0` would
# fetch sizegate's v2.0.0 or the wrapper's repository's. They count only where the path does not
# tell, as with `uses: ./`.
action_path=${GITHUB_ACTION_PATH:-}
action_path=${action_path//\\//}
if [[ "$action_path" =~ /_actions/([^/]+/[^/]+)/([^/]+)/*$ ]]; then
  action_repository=${BASH_REMATCH[1]}
  action_ref=${BASH_REMATCH[2]}
else
  action_repository=${SIZEGATE_ACTION_REPOSITORY:-}
  action_ref=${SIZEGATE_ACTION_REF:-}
fi
[[ "$action_repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]] || action_repository=sizegate/sizegate
# Without a `version` input, the action's ref names the release when it is a release tag.
[ -n "$tag" ] || ! is_release_tag "$action_ref" || tag=$action_ref

# Builds sizegate from the action's own source into a directory of its own (cached by
# action.yml under a key made from that source), unless a restored build is there already.
build_from_source() {
  local root="$HOME/.sizegate-action"
  bin="$root/bin/sizegate"
  [ ! -x "$bin" ] || return 0
  local why="no sizegate release matches this action's ref '${action_ref:-unknown}'"
  [ -z "$tag" ] || why="release $tag has no sizegate binary for this runner"
  command -v cargo > /dev/null ||
    die "$why, and cargo is not installed to build it from source: pin a release (uses: $action_repository@v1.2.3, or set the 'version' input) or install Rust before this step"
  echo "::notice title=sizegate action::$why: building sizegate from source, which takes minutes (pin a release, uses: $action_repository@v1.2.3, for a prebuilt binary)"
  cargo install --locked --quiet --root "$root" --path "${GITHUB_ACTION_PATH:?}"
  # action.yml saves the build in its cache.
  [ -z "${GITHUB_OUTPUT:-}" ] || echo "built=true" >> "$GITHUB_OUTPUT"
}

# The binary: given, the release's, or built from source.
bin=${SIZEGATE_BIN:-}
if [ -z "$bin" ] && [ -n "$tag" ]; then
  status=0
  installed=$(SIZEGATE_RELEASES="${GITHUB_SERVER_URL:-https://github.com}/$action_repository/releases/download" \
    sh "$installer" "$tag" "$out_dir/bin" 2> "$out_dir/install.log") ||
    status=$?
  case "$status" in
    0) bin=$installed ;;
    # No binary for this runner in that release: a release asked for by name is an error, the
    # action's own tag is built from its source, which is that release's.
    3) [ -z "$version" ] || die "$(cat "$out_dir/install.log")" ;;
    *) die "sizegate $tag: $(cat "$out_dir/install.log")" ;;
  esac
fi
[ -n "$bin" ] || build_from_source

args=(check --output "json=$out_dir/sizegate.json")
# An empty `policy` input leaves the choice to `args` (say, `--dive-ci .dive-ci`) or to the
# default files. `--policy=VALUE`, not `--policy VALUE`: a value that starts with `-` stays a value.
[ -z "$policy" ] || args+=("--policy=$policy")
[ -z "$dockerfile" ] || args+=("--dockerfile=$dockerfile")
[ -z "$baseline" ] || args+=("--baseline=$baseline")
# What the inputs say, the inputs (and `args`) decide, not the job's environment: a job-wide
# `--format` variable (github) would print every annotation twice, a `--baseline` one apply a
# baseline the `baseline` input left empty. The variables of options the action has no input for
# (the Dockerfile stage, the platform, colour) still reach sizegate.
unset SIZEGATE_FORMAT SIZEGATE_OUTPUT SIZEGATE_POLICY SIZEGATE_DOCKERFILE SIZEGATE_BASELINE \
  SIZEGATE_FAIL_ON SIZEGATE_SARIF_CATEGORY
# `error` is sizegate's own default; the others change what fails, and the verdict with it.
case "$fail_on" in warning | never) args+=("--fail-on=$fail_on") ;; esac
[ -z "$category" ] || args+=("--sarif-category=$category")
sarif=
for f in ${format_names[@]+"${format_names[@]}"}; do
  case "$f" in
    json) ;; # always written (above)
    sarif) sarif="$out_dir/sizegate.sarif"; args+=(--output "sarif=$sarif") ;;
    junit) args+=(--output "junit=$out_dir/sizegate.junit.xml") ;;
    gitlab) args+=(--output "gitlab=$out_dir/sizegate.gitlab.json") ;;
    markdown) args+=(--output "markdown=$out_dir/sizegate.md") ;;
    csv) args+=(--output "csv=$out_dir/sizegate.csv") ;;
    html) args+=(--output "html=$out_dir/sizegate.html") ;;
  esac
done
# Annotations on the pull request: the github format, after the table in the log.
args+=(--output "github=$out_dir/sizegate.annotations")
args+=(${extra_args[@]+"${extra_args[@]}"})
# The image last, after `--`: a path that starts with `-` stays a path.
args+=(-- "$image")

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
# After a failed check too (its comment says what failed), and never changing the outcome: a
# comment that cannot be posted is a warning of its own.
if [ "$comment" = true ]; then
  INPUT_GITHUB_TOKEN=$token bash "$(dirname "${BASH_SOURCE[0]}")/comment.sh" "$out_dir/sizegate.md" ||
    echo "::warning title=sizegate comment::the comment script failed (exit $?); the check's outcome stands"
fi
# sizegate's exit code: the verdict, as `--fail-on` counts it.
exit "$code"
