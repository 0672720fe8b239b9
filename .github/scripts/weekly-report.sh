#!/usr/bin/env bash
# Turn the weekly checks into ONE standing GitHub issue (label: link-check).
#
#   weekly-report.sh WHAT COMMAND STATUS LOG [WHAT COMMAND STATUS LOG ...]
#
# One group of four arguments per check: what it checks, the command that ran, its exit status
# and its log file. Exit status 0 is "passed", 3 is "could not check" (no network, or a service did
# not answer: nothing was judged), an empty status is "did not run", anything else "needs
# attention". Writes the report to $REPORT (default: weekly-report.md) and to the job summary,
# then opens the issue if there is none, or rewrites its body if there is one: reopened while
# anything needs attention, closed with a dated comment once everything passes. A check that could
# not run leaves the issue open or closed as it was (the next run decides), with a warning.
# Needs `gh` with GH_TOKEN set and `issues: write`. A failed check never fails this script; only
# a failure to write the issue does.
set -euo pipefail

if [ $# -eq 0 ] || [ $(($# % 4)) -ne 0 ]; then
  echo "usage: $0 WHAT COMMAND STATUS LOG [WHAT COMMAND STATUS LOG ...]" >&2
  exit 2
fi
label=${LABEL:-link-check}
title=${TITLE:-"Weekly check: links, citations and review dates"}
report=${REPORT:-weekly-report.md}
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
today=$(date -u +%Y-%m-%d)
max_chars=15000 # per log; a GitHub issue body holds at most 65,536 characters

excerpt() { # the end of a log, short enough for an issue body, fenced so it cannot break markdown
  echo '````text'
  if [ -s "$1" ]; then tail -n 200 "$1" | tail -c "$max_chars"; else echo "(no output)"; fi
  echo '````'
}

could_not_check=3 # the online checks' exit status when nothing could be judged
clean=true     # every check passed
problems=false # a check found something, or did not run
rows="" details=""
while [ $# -gt 0 ]; do
  what=$1 command=$2 status=$3 log=$4
  shift 4
  case $status in
    0) result="passed" ;;
    "$could_not_check")
      result="**could not check** (exit status $status: no network, or a service did not answer)"
      clean=false
      echo "::warning::$command could not check (exit status $status): run the workflow again" ;;
    "") result="**did not run** (the check job stopped before it)"
      clean=false problems=true ;;
    *) result="**needs attention** (exit status $status)"
      clean=false problems=true ;;
  esac
  rows+="| $what | \`$command\` | $result |"$'\n'
  details+="<details><summary>Output of <code>$command</code> (last lines)</summary>"$'\n\n'
  details+="$(excerpt "$log")"$'\n\n'"</details>"$'\n\n'
done

{
  echo "Checked on $today by [this run]($run_url)."
  echo
  echo "| check | command | result |"
  echo "| --- | --- | --- |"
  printf '%s' "$rows"
  echo
  echo "\"Could not check\" (exit status 3) means the network or a service did not answer, so nothing was judged: run the workflow again before changing anything."
  echo "To fix an entry or review a page, follow CONTRIBUTING.md and link this issue in the pull request."
  echo
  printf '%s' "$details"
} >"$report"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$report" >>"$GITHUB_STEP_SUMMARY"; fi

gh label create "$label" --force --color D93F0B \
  --description "The weekly check of links, citations and review dates (kept up to date by a workflow)" >/dev/null

found=$(gh issue list --label "$label" --state all --limit 1 --json number,state \
  --jq '.[0] | select(.) | "\(.number) \(.state)"')
if [ -z "$found" ]; then
  if $problems; then
    gh issue create --title "$title" --label "$label" --body-file "$report"
  elif $clean; then
    echo "Everything passed and there is no standing issue yet: nothing to open."
  else
    echo "Some checks could not run and nothing else needs attention: no issue opened."
  fi
  exit 0
fi

read -r number state <<<"$found"
gh issue edit "$number" --title "$title" --body-file "$report" >/dev/null
if $clean && [ "$state" = OPEN ]; then
  gh issue close "$number" --comment "Everything passed on $today: closing until the next problem."
elif $problems && [ "$state" = CLOSED ]; then
  gh issue reopen "$number" --comment "New problems found on $today: see the updated description."
fi
echo "Updated issue #$number."
