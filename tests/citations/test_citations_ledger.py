"""The claim ledger in the offline check: the build's rules, and a ledger that cannot be read.

Each ledger rule's fixture (tests/citations/fixtures/claim*-*/) is run by
test_citations_rules.py; here, what is particular to the ledger.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from living_review.claims import RULES as LEDGER_RULES
from living_review.tools.citations import cli
from living_review.tools.citations.rules import RULES

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_check_knows_every_rule_the_build_reports() -> None:
    assert set(LEDGER_RULES) <= set(RULES)


def test_a_ledger_that_cannot_be_read_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = FIXTURES / "claims-unused"
    args = ["--bib", str(root / "references.bib"), "--docs", str(root / "docs")]
    assert cli.main([*args, "--claims", str(tmp_path / "missing.yaml")]) == 2
    latin1 = tmp_path / "claims.yaml"
    latin1.write_bytes("claims:\n  - id: caf\xe9\n".encode("latin-1"))
    assert cli.main([*args, "--claims", str(latin1)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    missing, not_utf8 = err.splitlines()
    assert missing.endswith("missing.yaml:1: unreadable: No such file or directory")
    assert not_utf8.endswith("claims.yaml:2: unreadable: not UTF-8 text")


def test_without_a_ledger_nothing_about_claims_is_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = FIXTURES / "clean"
    assert cli.main(["--bib", str(root / "references.bib"), "--docs", str(root / "docs")]) == 0
    assert "claim" not in capsys.readouterr().out
