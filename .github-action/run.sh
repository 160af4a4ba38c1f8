#!/usr/bin/env bash
# The "Run imagepolicy" step of action.yml.
#
# One run of `imagepolicy check` writes the annotations (workflow commands on stdout, --format
# github), the step summary and the JSON, JUnit and SARIF reports. Then the finding counts, the
# report paths and the exit code go to $GITHUB_OUTPUT, and the step fails on exit 1 (findings at
# or above the failure threshold) or 2 (input or usage error).
#
# The action's inputs arrive as IMAGEPOLICY_* environment variables (see action.yml); list inputs
# are split on spaces and newlines, without glob expansion.
set -o pipefail

py="${IMAGEPOLICY_PYTHON:?IMAGEPOLICY_PYTHON is not set: the install step of the action did not run}"
reports="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/imagepolicy-reports.XXXXXX")" || exit 2

# An absolute path, so later steps can use the outputs from any working directory.
absolute() {
  case "$1" in
    /* | [A-Za-z]:[\\/]*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
  esac
}

# Escape a workflow command message: % and line breaks.
escape_data() {
  local text="$1"
  text="${text//'%'/%25}"
  text="${text//$'\r'/%0D}"
  text="${text//$'\n'/%0A}"
  printf '%s' "$text"
}

json="$reports/imagepolicy.json"
junit="$(absolute "${IMAGEPOLICY_JUNIT:-$reports/imagepolicy-junit.xml}")"
sarif="$(absolute "${IMAGEPOLICY_SARIF:-$reports/imagepolicy.sarif}")"
summary="$reports/summary.md"
stderr_log="$reports/stderr.txt"

args=(check --format github --json "$json" --junit "$junit" --sarif "$sarif" --github-summary "$summary")
dockerfiles=()
images=()
read -r -d '' -a dockerfiles <<<"${IMAGEPOLICY_DOCKERFILES:-}"
read -r -d '' -a images <<<"${IMAGEPOLICY_IMAGE:-}"
for image in ${images[@]+"${images[@]}"}; do
  args+=(--image "$image")
done
if [ -n "${IMAGEPOLICY_CONTEXT:-}" ]; then args+=(--context "$IMAGEPOLICY_CONTEXT"); fi
if [ -n "${IMAGEPOLICY_CONFIG:-}" ]; then args+=(--config "$IMAGEPOLICY_CONFIG"); fi
if [ -n "${IMAGEPOLICY_FAILURE_THRESHOLD:-}" ]; then args+=(--failure-threshold "$IMAGEPOLICY_FAILURE_THRESHOLD"); fi
if [ -n "${IMAGEPOLICY_SHARD:-}" ]; then args+=(--shard "$IMAGEPOLICY_SHARD"); fi
if [ -n "${IMAGEPOLICY_BASELINE:-}" ]; then args+=(--baseline "$IMAGEPOLICY_BASELINE"); fi
# new-from-rev: auto compares a pull request with its base commit; other events report everything.
rev=""
case "${IMAGEPOLICY_NEW_FROM_REV:-}" in
  auto)
    case "${GITHUB_EVENT_NAME:-}" in
      pull_request | pull_request_target)
        if [ -n "${IMAGEPOLICY_PR_BASE_SHA:-}" ]; then
          rev="$IMAGEPOLICY_PR_BASE_SHA"
        elif [ -n "${GITHUB_BASE_REF:-}" ]; then
          rev="origin/$GITHUB_BASE_REF"
        fi
        ;;
    esac
    ;;
  '' | none | off | false) ;;
  *) rev="$IMAGEPOLICY_NEW_FROM_REV" ;;
esac
if [ -n "$rev" ]; then
  args+=(--new-from-rev "$rev")
  if [ "${IMAGEPOLICY_NEW_FROM_REV_FILES:-false}" = "true" ]; then args+=(--new-from-rev-files); fi
fi
# The password stays in IMAGEPOLICY_REGISTRY_PASSWORD, the variable imagepolicy reads by default.
if [ -n "${IMAGEPOLICY_REGISTRY_USERNAME:-}" ]; then args+=(--registry-username "$IMAGEPOLICY_REGISTRY_USERNAME"); fi
if [ -n "${IMAGEPOLICY_REGISTRY_HOST:-}" ]; then args+=(--registry-host "$IMAGEPOLICY_REGISTRY_HOST"); fi
args+=(-- ${dockerfiles[@]+"${dockerfiles[@]}"})

# -I: the workspace (the checkout under review) is the working directory, and `python -m` would put
# it first on sys.path, so a pull request adding imagepolicy.py or yaml.py would run in this step.
# Isolated mode keeps the working directory and PYTHON* variables out; the config's `plugins` still
# load only from installed distributions (no --allow-repo-plugins here).
"$py" -I -m imagepolicy "${args[@]}" 2>"$stderr_log"
code=$?
cat "$stderr_log" >&2

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -s "$summary" ]; then
    cat "$summary" >>"$GITHUB_STEP_SUMMARY"
  elif [ "$code" -ne 0 ]; then
    # shellcheck disable=SC2016  # the backquotes are a Markdown code fence, not a command
    printf '## imagepolicy\n\n**The check could not run (exit %s):**\n\n```text\n%s\n```\n' \
      "$code" "$(cat "$stderr_log")" >>"$GITHUB_STEP_SUMMARY"
  fi
fi

{
  echo "exit-code=$code"
  if [ -s "$json" ]; then
    echo "json=$json"
    "$py" -I - "$json" <<'PY'
import json
import sys

with open(sys.argv[1], encoding="utf-8") as stream:
    report = json.load(stream)
counts = report["summary"]
print(f"errors={counts.get('error', 0)}")
print(f"warnings={counts.get('warning', 0)}")
print(f"findings={len(report['findings'])}")
print(f"input-errors={len(report['errors'])}")
PY
  fi
  if [ -s "$junit" ]; then echo "junit=$junit"; fi
  if [ -s "$sarif" ]; then echo "sarif=$sarif"; fi
} >>"${GITHUB_OUTPUT:-/dev/null}"

case "$code" in
  0)
    exit 0
    ;;
  1)
    echo "imagepolicy: failing this step: findings at or above the failure threshold" \
      "(${IMAGEPOLICY_FAILURE_THRESHOLD:-from the config, default error}); set failure-threshold: none to report without failing." >&2
    exit 1
    ;;
  2)
    if [ ! -s "$json" ]; then
      # A usage or config error: no report, so make the message an annotation of its own.
      message="$(cat "$stderr_log")"
      echo "::error title=imagepolicy input error::$(escape_data "${message#imagepolicy: error: }")"
    fi
    echo "imagepolicy: failing this step: input or usage error (exit 2); see the messages above." >&2
    exit 2
    ;;
  *)
    echo "::error title=imagepolicy crashed::imagepolicy exited with status $code; see the log above."
    exit "$code"
    ;;
esac
