#!/usr/bin/env bash
# The GitHub Action's step: install sizegate (or use $SIZEGATE_BIN), run `sizegate check` with
# the inputs, write the report files, post the pull-request comment when asked (action/comment.sh),
# and give the exit code of the check, whose verdict `fail-on` decided (as SIZEGATE_FAIL_ON), as the
# step's.
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
policy=${INPUT_POLICY-sizegate.yml}
dockerfile=${INPUT_DOCKERFILE:-}
baseline=${INPUT_BASELINE:-}
comment=${INPUT_COMMENT:-false}
formats=${INPUT_FORMAT:-sarif}
fail_on=${INPUT_FAIL_ON:-error}
version=${INPUT_VERSION:-}
extra=${INPUT_ARGS:-}

[ -n "$image" ] || die "the 'image' input is required"
[ "$image" != "-" ] || die "'image' must be a path: save the image to a file first (docker save -o app.tar app)"
case "$fail_on" in error|warning|never) ;; *) die "'fail-on' must be error, warning or never, not '$fail_on'" ;; esac
case "$comment" in true|false) ;; *) die "'comment' must be true or false, not '$comment'" ;; esac
# The token is for the comment only: kept out of the environment of everything else run here.
token=${INPUT_GITHUB_TOKEN:-}
unset INPUT_GITHUB_TOKEN
# A version or a version requirement for `cargo install --version` (1.2.3, ^1.2, >=1.2, <2); a
# leading `-` would make it an option.
if [ -n "$version" ]; then
  case "$version" in
    -* | *[!0-9A-Za-z.+^~=\<\>*,\ -]*)
      die "'version' must be a version (1.2.3) or a version requirement (^1.2), not '$version'"
      ;;
  esac
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

args=(check --output "json=$out_dir/sizegate.json")
# An empty `policy` input leaves the choice to `args` (say, `--dive-ci .dive-ci`) or to the
# default files. `--policy=VALUE`, not `--policy VALUE`: a value that starts with `-` stays a value.
[ -z "$policy" ] || args+=("--policy=$policy")
[ -z "$dockerfile" ] || args+=("--dockerfile=$dockerfile")
[ -z "$baseline" ] || args+=("--baseline=$baseline")
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
# sizegate decides the verdict by `fail-on` (SIZEGATE_FAIL_ON), so that the step's outcome and its
# `verdict` output agree.
SIZEGATE_FAIL_ON=$fail_on "$bin" "${args[@]}"
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
exit "$code"
