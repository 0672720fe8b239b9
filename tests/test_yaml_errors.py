"""A claims.yaml that cannot be read: the one cause, at its line, in plain words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from common import ROOT

from living_review.claims import parse_claims

RECORD = """\
claims:
  - id: a-claim
    question: Does it help?
    population: Adults
    result: >-
      Less pain, and
      less disability.
    quote: "a quote that runs
      on to a second line"
    cite: [a2020,
      b2021]
    effect:
      measure: MD
      value: -1.0
  - id: b-claim
    question: Does it help?
"""


def problem_after(old: str, new: str) -> tuple[int, str]:
    assert old in RECORD
    ledger = parse_claims(RECORD.replace(old, new, 1), Path("claims.yaml"))
    (problem,) = [problem for problem in ledger.problems if problem.rule == "claims-parse-error"]
    assert not ledger.complete and ledger.claims == []
    return problem.line, problem.message.removesuffix(
        " (nothing after it was checked until this is fixed)"
    )


def test_the_fixture_itself_reads() -> None:
    assert parse_claims(RECORD, Path("claims.yaml")).complete


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        ("    population", "   population", 4,
         "this line is indented 3 spaces; the lines around it use 4 spaces"),
        ("    population", "     population", 4,
         "this line is indented 5 spaces; the lines around it use 4 spaces"),
        ("    population", "  population", 4,
         "this line is indented 2 spaces; the lines around it use 4 spaces"),
        ("    population", "\tpopulation", 4,
         "this line is indented with a tab; YAML needs spaces"),
        ("      value", "     value", 14,
         "this line is indented 5 spaces; the lines around it use 6 spaces"),
        ("  - id: b-claim", "   - id: b-claim", 15,
         "this line is indented 3 spaces; the lines around it use 4 spaces"),
        ("Adults", "Adults: most of them", 4,
         "a second ': ' on this line: put the whole value in quotation marks "
         '("like: this")'),
        ("    population: Adults", "    population Adults", 4,
         "a key without ':' after it: write `key: value`"),
        ('second line"', "second line", 8,
         'the quotation mark " that opens the value on this line is never closed: end the '
         "value with the same mark"),
        ("b2021]", "b2021", 10,
         "the '[' that opens the list on this line is never closed: end it with ']'"),
    ],
)  # fmt: skip
def test_the_cause_is_named_at_its_line(old: str, new: str, line: int, message: str) -> None:
    assert problem_after(old, new) == (line, message)


@pytest.mark.parametrize("shift", [-1, 1])
def test_every_misindented_key_of_the_real_ledger_is_named_at_its_line(shift: int) -> None:
    """Each key of each record of claims.yaml, one space less or more: the error is there."""
    lines = (ROOT / "claims.yaml").read_text(encoding="utf-8").splitlines(keepends=True)
    keys = [n for n, line in enumerate(lines) if re.match(r"    [a-z_]+:", line)]
    assert len(keys) > 100
    wrong = []
    for number in keys[::7]:  # a sample, spread over the file
        changed = list(lines)
        changed[number] = changed[number][1:] if shift < 0 else " " + changed[number]
        ledger = parse_claims("".join(changed), Path("claims.yaml"))
        found = [(p.line, p.message) for p in ledger.problems if p.rule == "claims-parse-error"]
        expected = f"this line is indented {4 + shift} spaces; the lines around it use "
        if not found or found[0][0] != number + 1 or not found[0][1].startswith(expected):
            wrong.append((number + 1, found))
    assert wrong == []
