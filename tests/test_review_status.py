"""`python -m living_review.tools.review_status`: the maintainers' table of review dates.

Every run passes --today (or reads a fixed review_today); nothing depends on the real date.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from common import ROOTS

from living_review.tools.review_status import main

GOOD = ROOTS / "test-review-dates"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main([*args])
    out, err = capsys.readouterr()
    return status, out, err


def test_table_lists_every_content_page_with_days_left(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--docs", str(GOOD), "--today", "2027-05-16")
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == "Review status on 2027-05-16:"
    assert lines[1].split() == ["page", "last", "reviewed", "next", "due", "days", "left", "status"]
    assert lines[3].split() == ["index", "2026-11-26", "2027-05-26", "10", "ok"]
    assert "changelog" not in out  # exempt by default


def test_overdue_is_reported_but_passes_without_strict(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--docs", str(GOOD), "--today", "2027-05-27")
    assert status == 0
    assert out.splitlines()[3].split() == ["index", "2026-11-26", "2027-05-26", "-1", "OVERDUE"]
    assert "1 page(s) overdue for review: index" in out


@pytest.mark.parametrize(("today", "status"), [("2027-05-26", 0), ("2027-05-27", 1)])
def test_strict_fails_only_when_overdue(
    capsys: pytest.CaptureFixture[str], today: str, status: int
) -> None:
    assert run(capsys, "--docs", str(GOOD), "--strict", "--today", today)[0] == status


def test_today_defaults_to_review_today_in_conf(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--docs", str(GOOD))  # its conf.py fixes 2027-01-01
    assert status == 0 and out.startswith("Review status on 2027-01-01:")


@pytest.mark.parametrize(
    ("root", "message"),
    [
        ("test-review-dates-missing", "index.md:1: front matter is missing 'next_review'"),
        ("test-review-dates-malformed", "index.md:2: 'last_reviewed' is not a valid date"),
        ("test-review-dates-order", "index.md:3: 'next_review' 2026-05-26 is before"),
    ],
)
def test_bad_front_matter_exits_2_with_the_problem(
    capsys: pytest.CaptureFixture[str], root: str, message: str
) -> None:
    status, out, err = run(capsys, "--docs", str(ROOTS / root), "--today", "2027-01-01")
    assert status == 2 and out == ""
    assert message in err


def test_bad_today_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--docs", str(GOOD), "--today", "tomorrow"])
    assert caught.value.code == 2
    assert "not a date (YYYY-MM-DD): 'tomorrow'" in capsys.readouterr().err


def test_runs_as_a_module() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "living_review.tools.review_status",
            "--docs",
            str(GOOD),
            "--strict",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "index" in done.stdout
