"""The certainty rule of the claim ledger, for every shape a record can take.

A claim's ``certainty`` is never above its ``source_rating``; ``none`` (and ``not-rated``) as a
source rating means ``not-rated``; a ``rationale`` explains a lower label, never a higher one.
The fixtures tests/citations/fixtures/claims-above-source/ and tests/roots/test-claims-no-rationale/
show the ways round it one by one; here every value the schema allows is tried against every
other, with and without a rationale.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from living_review.claims import RATED_LEVELS, level_span, parse_claims

SINGLE = ["high", "moderate", "low", "very-low", "not-rated"]
RANGES = [["high", "moderate"], ["moderate", "low"], ["low", "very-low"]]
CERTAINTIES: list[str | list[str]] = [*SINGLE, *RANGES]
SOURCE_RATINGS: list[str | list[str]] = ["none", *SINGLE, *RANGES]


def levels(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def record(certainty: str | list[str], source_rating: str | list[str], rationale: str) -> str:
    lines = [
        "claims:",
        "  - id: a-claim",
        "    question: Does it help?",
        "    population: Adults",
        "    intervention: Acupuncture",
        "    comparison: Sham",
        "    outcome: Pain",
        "    result: Less pain.",
        f"    certainty: {json.dumps(certainty)}",
        f"    source_rating: {json.dumps(source_rating)}",
        *([f"    rationale: {rationale}"] if rationale else []),
        "    cite: [a2020]",
        "    quote: eased pain",
        "    locator: abstract",
    ]
    return "\n".join(lines) + "\n"


def steps(value: str | list[str]) -> list[int]:
    """Each level as a number, high 4 ... very-low 1, unrated 0 (none is not-rated)."""
    return [4 - RATED_LEVELS.index(lv) if lv in RATED_LEVELS else 0 for lv in levels(value)]


@pytest.mark.parametrize("rationale", ["", "Our reasons."])
@pytest.mark.parametrize(
    ("certainty", "source_rating"), list(itertools.product(CERTAINTIES, SOURCE_RATINGS))
)
def test_no_record_gets_a_certainty_above_its_sources(
    certainty: str | list[str], source_rating: str | list[str], rationale: str
) -> None:
    ledger = parse_claims(record(certainty, source_rating, rationale), Path("claims.yaml"))
    rules = {problem.rule for problem in ledger.problems}
    ours, theirs = steps(certainty), steps(source_rating)
    above = max(ours) > max(theirs) or min(ours) > min(theirs)
    same = ours == theirs or (max(ours) == 0 and max(theirs) == 0)
    if above:
        assert rules == {"claims-above-source"}, "a rationale never lifts a certainty"
    elif same or rationale:
        assert rules == set()
    else:
        assert rules == {"claims-no-rationale"}
    if not rules:
        (claim,) = ledger.claims
        our_top, our_bottom = level_span(claim.certainty)
        their_top, their_bottom = level_span(claim.source_rating)
        assert our_top <= their_top and our_bottom <= their_bottom


@pytest.mark.parametrize(
    "source_rating",
    ["", "null", "None", "NONE", "Low", "[]", "[low]", "[very-low, low]", "[low, not-rated]",
     "[high, low]", "no", "0"],
)  # fmt: skip
def test_a_source_rating_the_schema_does_not_know_is_refused(source_rating: str) -> None:
    text = record("low", "low", "").replace(
        'source_rating: "low"', f"source_rating: {source_rating}"
    )
    ledger = parse_claims(text, Path("claims.yaml"))
    assert ledger.claims == []
    assert {problem.rule for problem in ledger.problems} == {"claims-schema"}


def test_a_missing_source_rating_is_refused() -> None:
    text = record("low", "low", "Ours.").replace('    source_rating: "low"\n', "")
    ledger = parse_claims(text, Path("claims.yaml"))
    assert ledger.claims == []
    (problem,) = ledger.problems
    assert problem.rule == "claims-schema" and "'source_rating' is a required property" in (
        problem.message
    )


def test_a_repeated_certainty_key_is_refused_whichever_comes_last() -> None:
    for first, last in (("low", "high"), ("high", "low")):
        text = record(first, "low", "").replace(
            f'certainty: "{first}"\n', f'certainty: "{first}"\n    certainty: "{last}"\n'
        )
        rules = {problem.rule for problem in parse_claims(text, Path("claims.yaml")).problems}
        assert "claims-parse-error" in rules
