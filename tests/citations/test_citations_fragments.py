"""Files pages pull in with ``{include}`` (docs/_fragments/) are checked where written."""

from __future__ import annotations

from pathlib import Path

import pytest

from living_review.tools.citations import cli

FIXTURE = Path(__file__).parent / "fixtures" / "included-fragment"


def test_included_fragments_are_checked_where_they_are_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # docs/_fragments/ is excluded from the build but included into pages: a key cited only
    # there counts as cited (no bib-uncited), and a bad key there is reported at its own line.
    status = cli.main(["--bib", str(FIXTURE / "references.bib"), "--docs", str(FIXTURE / "docs")])
    lines = capsys.readouterr().out.splitlines()
    problems = [line.split(": ", 2)[:2] for line in lines[:-1]]
    fragment = (FIXTURE / "docs" / "_fragments" / "box.md").resolve()
    assert [(Path(where.rsplit(":", 1)[0]).resolve(), where.rsplit(":", 1)[1], rule)
            for where, rule in problems] == [(fragment, "2", "cite-unknown-key")]  # fmt: skip
    assert "cites 'good2002'" in lines[0]
    assert status == 1
