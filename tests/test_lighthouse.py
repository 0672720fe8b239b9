"""Reading Lighthouse reports and comparing them with the targets (no browser needed)."""

from __future__ import annotations

from typing import Any

import pytest

from living_review.tools.lighthouse import (
    MAX_BYTES,
    SCORE_TARGETS,
    LighthouseResult,
    format_table,
    read_report,
    target_failures,
)


def report(scores: dict[str, float | None], total: int = 40_000) -> dict[str, Any]:
    """A minimal Lighthouse JSON report: one weighted audit per category, scored as given."""
    categories = {
        cid: {"score": score, "auditRefs": [{"id": f"{cid}-audit", "weight": 1}]}
        for cid, score in scores.items()
    }
    audits: dict[str, Any] = {f"{cid}-audit": {"score": score} for cid, score in scores.items()}
    audits["total-byte-weight"] = {"numericValue": total}
    return {"categories": categories, "audits": audits}


PERFECT = dict.fromkeys(SCORE_TARGETS, 1.0)


def test_read_report_takes_scores_bytes_and_failing_audits() -> None:
    result = read_report("index.html", report({**PERFECT, "seo": 0.9}, total=123_456))
    assert result.scores == {**PERFECT, "seo": 0.9}
    assert result.total_bytes == 123_456
    assert result.failing_audits == {"seo": ["seo-audit"]}


def test_a_page_meeting_every_target_has_no_failures() -> None:
    assert target_failures(LighthouseResult("index.html", PERFECT, MAX_BYTES - 1)) == []
    at_the_line = {"performance": 0.95, "accessibility": 1.0, "best-practices": 0.95, "seo": 1.0}
    assert target_failures(LighthouseResult("index.html", at_the_line, 1000)) == []


@pytest.mark.parametrize(
    ("category", "score"),
    [("performance", 0.94), ("accessibility", 0.99), ("best-practices", 0.9), ("seo", 0.92)],
)
def test_each_missed_score_is_reported(category: str, score: float) -> None:
    result = read_report("sciatica.html", report({**PERFECT, category: score}))
    [failure] = target_failures(result)
    assert failure.startswith(f"sciatica.html: {category} {score:.2f} <")
    assert f"{category}-audit" in failure


def test_a_missing_score_and_too_many_bytes_are_failures() -> None:
    result = LighthouseResult("index.html", {**PERFECT, "performance": None}, MAX_BYTES)
    failures = target_failures(result)
    assert len(failures) == 2
    assert "no performance score" in failures[0]
    assert "150.0 kB transferred" in failures[1]


def test_table_has_a_row_per_page_with_every_score_and_the_size() -> None:
    table = format_table(
        [
            LighthouseResult("index.html", PERFECT, 32_512),
            LighthouseResult("sciatica.html", {**PERFECT, "performance": 0.97}, 31_800),
        ]
    ).splitlines()
    assert table[0].split() == ["page", "perf", "a11y", "best", "seo", "kB"]
    assert set(table[1]) == {"-", " "}  # the rule under the header
    assert table[2].split() == ["index.html", "1.00", "1.00", "1.00", "1.00", "32.5"]
    assert table[3].split() == ["sciatica.html", "0.97", "1.00", "1.00", "1.00", "31.8"]
    assert len({len(line) for line in table}) == 1  # aligned columns
