#!/usr/bin/env bash
# The action's `comment: true`: post the markdown summary ($1) on the pull request as ONE comment,
# updated in place on every later run. The comment is found again by the marker its first line
# carries; it is reached through the REST API at $GITHUB_API_URL (so GitHub Enterprise works too)
# with the token in $INPUT_GITHUB_TOKEN, which is never printed nor put on a command line.
#
# A comment is a courtesy, not the gate: whatever happens here (no pull request, a fork's
# read-only token, the API down) ends in a notice or a warning and exit 0, and the caller keeps
# the check's own exit code. Needs curl and jq (both on GitHub-hosted runners).
set -euo pipefail
set -o noglob

markdown=$1
marker='<!-- sizegate-report -->'
# GitHub refuses a comment over 65536 characters; the summary is bounded well below, this is
# only the last guard.
max_chars=65000
# Pages of 100 comments read to find ours: a pull request with more is left with a new comment
# rather than a job that pages forever.
max_pages=50

# A workflow command with $2 escaped as GitHub requires, so that text from the API or the
# environment cannot end the line and forge a command of its own.
say() {
  local message=$2
  message=${message//'%'/'%25'}
  message=${message//$'\r'/'%0D'}
  message=${message//$'\n'/'%0A'}
  echo "::$1 title=sizegate comment::$message"
}

skip() {
  say warning "no pull-request comment posted: $*"
  exit 0
}

for tool in curl jq; do
  command -v "$tool" > /dev/null || skip "$tool is not installed on this runner"
done

# Only a pull_request (or pull_request_target) event names a pull request; any other run has
# nothing to comment on, which is no reason to warn.
pr=$(jq -r '.pull_request.number // empty' "${GITHUB_EVENT_PATH:-/dev/null}" 2> /dev/null || true)
case "$pr" in
  '' | *[!0-9]* | 0*)
    say notice "no pull-request comment: this run (event '${GITHUB_EVENT_NAME:-unknown}') is not for a pull request"
    exit 0
    ;;
esac
[ -f "$markdown" ] || skip "the check wrote no markdown summary"
repo=${GITHUB_REPOSITORY:-}
# owner/name, which goes into the request paths: one slash, no blank, nothing to escape.
case "$repo" in
  *[!A-Za-z0-9._/-]* | */*/* | /* | */) skip "GITHUB_REPOSITORY is not owner/name: '$repo'" ;;
  */*) ;;
  *) skip "GITHUB_REPOSITORY is not owner/name: '$repo'" ;;
esac
api_url=${GITHUB_API_URL:-}
[ -n "$api_url" ] || skip "GITHUB_API_URL is not set"
api_url=${api_url%/}
token=${INPUT_GITHUB_TOKEN:-}
# Read once, then out of the environment: curl and jq, run below, need not inherit it.
unset INPUT_GITHUB_TOKEN
[ -n "$token" ] || skip "the 'github-token' input is empty"
# The token becomes a header line: a blank or a control character would make it another header.
case "$token" in *[![:graph:]]*) skip "the 'github-token' input holds blanks or control characters" ;; esac

# The private files of this run (mktemp -d makes the directory for its owner only): the token's
# header, each answer's headers and body, the request.
work=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/sizegate-comment.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'Authorization: Bearer %s\n' "$token" > "$work/auth"

# call METHOD PATH [BODY-FILE]: the answer's body goes to $work/body, its headers to
# $work/headers, its HTTP status to $status. A request that gets no answer at all ends the script.
call() {
  local method=$1 path=$2 data=()
  [ $# -lt 3 ] || data=(--header 'Content-Type: application/json' --data-binary "@$3")
  # -q first: no ~/.curlrc adds options (a proxy, a trace file) to a request carrying the token.
  status=$(curl -q --silent --show-error --connect-timeout 10 --max-time 60 \
    --request "$method" --header "@$work/auth" \
    --header 'Accept: application/vnd.github+json' \
    ${data[@]+"${data[@]}"} --dump-header "$work/headers" --output "$work/body" \
    --write-out '%{http_code}' "$api_url$path" 2> "$work/error") ||
    skip "$method $path got no answer: $(head -c 300 "$work/error")"
}

# Stops on any answer but a success, with GitHub's own message: a fork's read-only token gets 403
# here, which is expected and only means that this run cannot comment.
expect_success() {
  case "$status" in 2??) return ;; esac
  local why
  why=$(jq -r '.message // empty' "$work/body" 2> /dev/null || true)
  [ -n "$why" ] || why=$(head -c 300 "$work/body")
  case "$status" in
    403 | 404) why+=" (the token may not comment here: a pull request from a fork gets a read-only one, and otherwise the job needs 'permissions: pull-requests: write')" ;;
  esac
  skip "$1 answered $status: ${why:0:500}"
}

# Our comment: the first whose body starts with the marker, as every body this script writes
# does (a reply that quotes it starts with '>', and is left alone), and written by a bot (the
# job's token comments as one): a marker anyone can type into a comment of their own must not
# make this script edit, or fail to edit, that person's comment.
comments="/repos/$repo/issues/$pr/comments"
id=
page=1
while [ -z "$id" ] && [ "$page" -le "$max_pages" ]; do
  call GET "$comments?per_page=100&page=$page"
  expect_success "GET $comments"
  id=$(jq -r --arg m "$marker" \
    'if type == "array" then first(.[] | select(((.body // "") | startswith($m)) and .user.type? == "Bot") | .id) else empty end' \
    "$work/body")
  # GitHub says whether there is a next page in the Link header; the next request is built here
  # from the page number, so the token only ever goes to $GITHUB_API_URL.
  grep -qi '^link:.*rel="next"' "$work/headers" || break
  page=$((page + 1))
done
case "$id" in *[!0-9]*) skip "GitHub gave a comment id that is not a number: '${id:0:50}'" ;; esac

# The summary as written (with the marker first, should it ever lack it), cut to GitHub's limit;
# jq makes it a JSON string, so no character of it can break the request.
jq -Rs --arg m "$marker" --argjson max "$max_chars" '
  (if startswith($m) then . else $m + "\n" + . end) as $text
  | {body: (if ($text | length) > $max
      then $text[0:$max] + "\n\n… (cut at \($max) characters)"
      else $text end)}' "$markdown" > "$work/request"

if [ -n "$id" ]; then
  call PATCH "/repos/$repo/issues/comments/$id" "$work/request"
  expect_success "PATCH /repos/$repo/issues/comments/$id"
  echo "sizegate: updated the pull-request comment $id"
else
  call POST "$comments" "$work/request"
  expect_success "POST $comments"
  echo "sizegate: posted the pull-request comment $(jq -r '.id // "?"' "$work/body" 2> /dev/null || true)"
fi
