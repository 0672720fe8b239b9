#!/usr/bin/env bash
# Turn the weekly link and citation checks into ONE standing GitHub issue (label: link-check).
#
#   weekly-report.sh LINKCHECK_STATUS LINKCHECK_LOG CITATIONS_STATUS CITATIONS_LOG
#
# Writes the report to $REPORT (default: weekly-report.md) and to the job summary, then opens the
# issue if there is none, or rewrites its body if there is one: reopened while anything needs
# attention, closed with a dated comment once everything passes. Needs `gh` with GH_TOKEN set and
# `issues: write`. Bad links never fail the job; only a failure to write the issue does.
set -euo pipefail

linkcheck_status=$1 linkcheck_log=$2 citations_status=$3 citations_log=$4
label=${LABEL:-link-check}
title=${TITLE:-"Weekly link and citation check"}
report=${REPORT:-weekly-report.md}
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
today=$(date -u +%Y-%m-%d)
max_chars=20000 # per log; a GitHub issue body holds at most 65,536 characters

verdict() { # exit status -> a table cell
  if [ "$1" = 0 ]; then echo "passed"; else echo "**needs attention** (exit status $1)"; fi
}

excerpt() { # the end of a log, short enough for an issue body, fenced so it cannot break markdown
  echo '````text'
  if [ -s "$1" ]; then tail -n 200 "$1" | tail -c "$max_chars"; else echo "(no output)"; fi
  echo '````'
}

{
  echo "Checked on $today by [this run]($run_url)."
  echo
  echo "| check | command | result |"
  echo "| --- | --- | --- |"
  echo "| links on every page | \`nox -s linkcheck\` | $(verdict "$linkcheck_status") |"
  echo "| DOIs, PubMed records, retractions | \`nox -s citations -- --online\` | $(verdict "$citations_status") |"
  echo
  echo "\"Could not check\" means the service did not answer: try again before changing anything."
  echo "To fix an entry, follow CONTRIBUTING.md and link this issue in the pull request."
  echo
  echo "<details><summary>Output of <code>nox -s linkcheck</code> (last lines)</summary>"
  echo
  excerpt "$linkcheck_log"
  echo
  echo "</details>"
  echo
  echo "<details><summary>Output of <code>nox -s citations -- --online</code> (last lines)</summary>"
  echo
  excerpt "$citations_log"
  echo
  echo "</details>"
} >"$report"

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$report" >>"$GITHUB_STEP_SUMMARY"; fi

clean=false
if [ "$linkcheck_status" = 0 ] && [ "$citations_status" = 0 ]; then clean=true; fi

gh label create "$label" --force --color D93F0B \
  --description "Weekly link and citation check (kept up to date by a workflow)" >/dev/null

found=$(gh issue list --label "$label" --state all --limit 1 --json number,state \
  --jq '.[0] | select(.) | "\(.number) \(.state)"')
if [ -z "$found" ]; then
  if $clean; then
    echo "Everything passed and there is no standing issue yet: nothing to open."
  else
    gh issue create --title "$title" --label "$label" --body-file "$report"
  fi
  exit 0
fi

read -r number state <<<"$found"
gh issue edit "$number" --title "$title" --body-file "$report" >/dev/null
if $clean && [ "$state" = OPEN ]; then
  gh issue close "$number" --comment "Everything passed on $today: closing until the next problem."
elif ! $clean && [ "$state" = CLOSED ]; then
  gh issue reopen "$number" --comment "New problems found on $today: see the updated description."
fi
echo "Updated issue #$number."
