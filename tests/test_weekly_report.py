"""The weekly report script keeps ONE standing issue up to date, with a stand-in for `gh`.

The stand-in records each call and answers `gh issue list` with the issue the test sets up,
so the script's choices (open, update, reopen, close, leave alone) are checked offline.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from common import ROOT

SCRIPT = ROOT / ".github" / "scripts" / "weekly-report.sh"

FAKE_GH = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$GH_CALLS"
if [ "$1 $2" = "issue list" ]; then cat "$GH_ISSUES"; fi
"""


def run_report(
    tmp_path: Path,
    existing: list[dict],
    linkcheck: int | str,
    citations: int | str,
    linkcheck_log: str = "(broken) https://example.invalid/ - 404\n",
) -> tuple[list[str], str]:
    """Run the script once: (the gh commands it ran, the report it wrote).

    A status is an exit status, or "" for a check that did not run.
    """
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH, encoding="utf-8")
    gh.chmod(0o755)
    issues = tmp_path / "issues.json"
    # `gh issue list --json ... --jq EXPR` prints what the filter gives; emulate that filter.
    issues.write_text("".join(f"{i['number']} {i['state']}\n" for i in existing[:1]))
    (tmp_path / "linkcheck.log").write_text(linkcheck_log)
    (tmp_path / "citations.log").write_text("references.bib:12: could not check\n")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GH_CALLS": str(tmp_path / "calls.txt"),
        "GH_ISSUES": str(issues),
        "GITHUB_REPOSITORY": "org/repo",
        "GITHUB_RUN_ID": "42",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    env.pop("GITHUB_SERVER_URL", None)
    checks = [
        ("links on every page", "nox -s linkcheck", str(linkcheck), "linkcheck.log"),
        ("DOIs and PubMed IDs", "nox -s citations -- --online", str(citations), "citations.log"),
    ]
    done = subprocess.run(
        ["bash", str(SCRIPT), *(arg for check in checks for arg in check)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    calls_file = tmp_path / "calls.txt"
    calls = calls_file.read_text().splitlines() if calls_file.exists() else []
    report = (tmp_path / "weekly-report.md").read_text()
    assert (tmp_path / "summary.md").read_text() == report
    return [c for c in calls if not c.startswith(("label create", "issue list"))], report


def test_problems_and_no_issue_yet_open_one(tmp_path: Path) -> None:
    calls, report = run_report(tmp_path, [], linkcheck=1, citations=0)
    assert len(calls) == 1 and calls[0].startswith("issue create")
    assert "--label link-check" in calls[0] and "--body-file weekly-report.md" in calls[0]
    assert "| links on every page | `nox -s linkcheck` | **needs attention** (exit status 1) |" in (
        report
    )
    assert "`nox -s citations -- --online` | passed |" in report
    assert "https://example.invalid/ - 404" in report
    assert "https://github.com/org/repo/actions/runs/42" in report


def test_all_clear_and_no_issue_opens_nothing(tmp_path: Path) -> None:
    calls, _ = run_report(tmp_path, [], linkcheck=0, citations=0)
    assert calls == []


@pytest.mark.parametrize(
    ("state", "linkcheck", "then"),
    [
        ("OPEN", 1, None),  # still broken: update the text only
        ("OPEN", 0, "issue close 7"),  # fixed: close with a dated comment
        ("CLOSED", 2, "issue reopen 7"),  # broken again: reopen the same issue
        ("CLOSED", 0, None),  # still fine: stays closed, text updated
    ],
)
def test_the_standing_issue_is_updated_not_duplicated(
    tmp_path: Path, state: str, linkcheck: int, then: str | None
) -> None:
    calls, _ = run_report(tmp_path, [{"number": 7, "state": state}], linkcheck, citations=0)
    assert calls[0].startswith("issue edit 7 ") and "--body-file weekly-report.md" in calls[0]
    assert not any(c.startswith("issue create") for c in calls)
    assert [c.split(" --")[0] for c in calls[1:]] == ([then] if then else [])


def test_could_not_check_opens_nothing_and_says_why(tmp_path: Path) -> None:
    """Exit status 3 (no network) is neither a pass nor a problem: no issue is opened."""
    calls, report = run_report(tmp_path, [], linkcheck=0, citations=3)
    assert calls == []
    assert (
        "| DOIs and PubMed IDs | `nox -s citations -- --online` | **could not check** "
        "(exit status 3: no network, or a service did not answer) |"
    ) in report
    assert "needs attention" not in report and "passed |" in report


@pytest.mark.parametrize("state", ["OPEN", "CLOSED"])
def test_could_not_check_leaves_the_issue_as_it_was(tmp_path: Path, state: str) -> None:
    calls, _ = run_report(tmp_path, [{"number": 7, "state": state}], linkcheck=3, citations=0)
    assert [c.split(" --")[0] for c in calls] == ["issue edit 7"]  # text updated, not closed


def test_a_check_that_did_not_run_needs_attention(tmp_path: Path) -> None:
    calls, report = run_report(tmp_path, [{"number": 7, "state": "CLOSED"}], "", citations=0)
    assert "| `nox -s linkcheck` | **did not run** (the check job stopped before it) |" in report
    assert [c.split(" --")[0] for c in calls] == ["issue edit 7", "issue reopen 7"]


def test_a_huge_log_is_cut_to_fit_an_issue(tmp_path: Path) -> None:
    huge = "".join(f"line {n} " + "x" * 200 + "\n" for n in range(5000))
    _, report = run_report(tmp_path, [], linkcheck=1, citations=1, linkcheck_log=huge)
    assert len(report) < 65_536  # GitHub's limit for an issue body
    assert "line 4999 " in report and "line 0 " not in report  # the end of the log is kept


def test_arguments_come_in_groups_of_four(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(SCRIPT), "links", "nox -s linkcheck", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "usage:" in done.stderr
