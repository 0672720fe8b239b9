"""`nox -s prose`: one fixture project per rule, each finding's rule id and line, and bad input.

Every fixture under fixtures/ is a tiny project (docs/ with pages and a glossary); the seed
sits at fixtures/shared/seed/, which is where the default ``../shared/seed/...`` points from
each of them, as it does from a clone with shared/ beside it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from living_review.tools import prose

FIXTURES = Path(__file__).parent / "fixtures"
INDEX = "docs/index.md"
CLAIMS_PAGE = "docs/wording-claims.md"

#: fixture (named after its rule) -> every (file, line, rule) it must report, and nothing else.
EXPECTED: dict[str, list[tuple[str, int, str]]] = {
    # 36 words; one sentence over lines 11-12; a table row; a note. Not the 35-word line 7,
    # nor methods.md and bom.md (both opt out in front matter, bom.md behind a byte-order mark).
    "long-sentence": [(INDEX, line, "long-sentence") for line in (8, 11, 16, 19)],
    # Line 5: "Sham acupuncture" before {term}`sham` on line 6; line 7: another entry.
    # Not: the heading, the linked line 3 and its later use, "Tens of trials" (TENS is matched
    # in capitals only), `TENS` in code, a link text. other.md: a plural before the link, and
    # each page on its own: TENS and "risk of BIAS" (any case) again.
    "term-not-linked": [
        (INDEX, 5, "term-not-linked"),
        (INDEX, 7, "term-not-linked"),
        ("docs/other.md", 4, "term-not-linked"),
        ("docs/other.md", 5, "term-not-linked"),
        ("docs/other.md", 5, "term-not-linked"),
    ],
    # not-rated + "very uncertain", high + "may", very-low + "clearly shows", and low + "proves"
    # reported on line 9, where the badge is; not the matching wordings on lines 6, 7 and 10.
    # wording-claims.md: {claim} roles at their levels in the fixture's claims.yaml: not-rated +
    # "very uncertain" (3), high + "may" (4), [low, very-low] + "clearly shows" (7); not [low,
    # very-low] with "may" (5) or "very uncertain" (6), nor an id the ledger lacks (11).
    "certainty-wording": [
        *[(INDEX, line, "certainty-wording") for line in (3, 4, 5, 9)],
        *[(CLAIMS_PAGE, line, "certainty-wording") for line in (3, 4, 7)],
    ],
    # 11 words on line 3; a run that starts on line 9 of a paragraph, despite case, a hyphen
    # and commas. Not: 7 words (line 4), a quotation (5), a title in italics (6).
    "copied-from-seed": [(INDEX, 3, "copied-from-seed"), (INDEX, 9, "copied-from-seed")],
    # The code span on line 3 is no link, so line 4's "placebo" is the first use; the code
    # blocks (a long line, seed words, a term, a badge beside "may") are not read; a note is.
    "code": [(INDEX, 4, "term-not-linked"), (INDEX, 17, "term-not-linked")],
    # Urgency words of another tier: "same day" beside the warning signs without the role (3),
    # and beside {safety-net}`emergency` (5); "few weeks" beside the warning signs (11). Not: a
    # sentence with both roles (7), link texts ("What to do now", 9), "a few weeks" that does
    # not point to the warning signs (13).
    "safety-net-wording": [(INDEX, line, "safety-net-wording") for line in (3, 5, 11)],
    # "short term" (3) and "long term" (9) beside a record rated for the immediate term only.
    # Not: "first weeks" (5); "4 weeks" and "at one year" for a short and long record (7); a
    # record without terms (11); a sentence whose other badge covers the short term (13).
    "timeframe-wording": [(INDEX, line, "timeframe-wording") for line in (3, 9)],
    "clean": [],
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], list[str]]:
    status = prose.main(args)
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err.splitlines()


def findings(lines: list[str]) -> list[tuple[str, int, str]]:
    found = []
    for line in lines:
        if line.startswith("prose: "):
            continue
        location, rule, _message = line.split(": ", 2)
        path, number = location.rsplit(":", 1)
        found.append((path, int(number), rule))
    return found


@pytest.mark.parametrize("fixture", sorted(EXPECTED))
def test_fixture_reports_exactly_its_findings(
    fixture: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(["--root", str(FIXTURES / fixture)], capsys)
    found = findings(out)
    assert sorted(found) == sorted(EXPECTED[fixture]), "\n".join(out)
    assert status == (1 if EXPECTED[fixture] else 0)
    assert err == []
    assert out[-1].startswith("prose: ")  # the one-line summary comes last


def test_summary_counts_rules_and_pages(capsys: pytest.CaptureFixture[str]) -> None:
    _status, out, _err = run(["--root", str(FIXTURES / "term-not-linked")], capsys)
    assert out[-1] == "prose: 5 problems on 2 of 3 pages (term-not-linked 5)"
    _status, out, _err = run(["--root", str(FIXTURES / "clean")], capsys)
    assert out[-1] == "prose: 3 pages checked, no problems"


def test_messages_say_what_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    _status, out, _err = run(["--root", str(FIXTURES / "term-not-linked")], capsys)
    assert (
        "docs/other.md:4: term-not-linked: “placebos” is in the glossary: link its first use here"
        " as {term}`placebos <placebo>` (the link is only on line 4)"
    ) in out
    _status, out, _err = run(["--root", str(FIXTURES / "certainty-wording")], capsys)
    assert any("{certainty}`high` beside “may”" in line for line in out)
    assert (
        f"{CLAIMS_PAGE}:7: certainty-wording: {{claim}}`review-low-very-low` (low to very-low) "
        "beside “clearly”, “shows”: low certainty is worded with “may” or very low certainty is "
        "worded “we are very uncertain”"
    ) in out
    _status, out, _err = run(["--root", str(FIXTURES / "copied-from-seed")], capsys)
    assert any("11 words in a row as in the 2020 article (its line 5)" in line for line in out)


def test_long_sentence_opt_out_is_per_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    root = copy_fixture("long-sentence", tmp_path)
    methods = root / "docs" / "methods.md"
    methods.write_text(methods.read_text().replace("allowed", "checked"), encoding="utf-8")
    _status, out, _err = run(["--root", str(root)], capsys)
    assert ("docs/methods.md", 8, "long-sentence") in findings(out)


def test_missing_seed_skips_the_rule_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_fixture("copied-from-seed", tmp_path)  # no ../shared beside the copy
    status, out, _err = run(["--root", str(root)], capsys)
    assert status == 0
    skipped = [line for line in out if "copied-from-seed skipped" in line]
    assert len(skipped) == 1 and "not found" in skipped[0]
    # --seed points elsewhere; a relative seed path is relative to the working directory
    seed = FIXTURES / "shared" / "seed" / "acupuncture-for-sciatica-2020.txt"
    status, out, _err = run(["--root", str(root), "--seed", str(seed)], capsys)
    assert status == 1 and len(findings(out)) == 2


def test_claim_levels_come_from_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A {claim}'s level is its record's: rate the record differently, and other words clash."""
    root = copy_fixture("certainty-wording", tmp_path)
    ledger = root / "claims.yaml"
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(
        text.replace("certainty: high\n    source_rating: high", "certainty: low\n"
                     "    source_rating: low"),
        encoding="utf-8",
    )  # fmt: skip
    _status, out, _err = run(["--root", str(root)], capsys)
    claim_findings = [found for found in findings(out) if found[0] == CLAIMS_PAGE]
    assert claim_findings == [(CLAIMS_PAGE, line, "certainty-wording") for line in (3, 7)]
    # --claims names another ledger; one that cannot be read is one line and exit 2
    moved = tmp_path / "elsewhere.yaml"
    ledger.rename(moved)
    _status, out, _err = run(["--root", str(root), "--claims", str(moved)], capsys)
    assert [found for found in findings(out) if found[0] == CLAIMS_PAGE] == claim_findings
    moved.write_bytes(b"claims:\n  - id: caf\xe9\n")
    status, out, err = run(["--root", str(root), "--claims", str(moved)], capsys)
    assert status == 2 and out == []
    assert err == [f"{moved}:2: unreadable: not UTF-8 text"]


def test_missing_ledger_skips_claims_saying_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_fixture("certainty-wording", tmp_path)
    (root / "claims.yaml").unlink()
    status, out, _err = run(["--root", str(root)], capsys)
    assert status == 1
    assert "prose: claims.yaml not found; certainty-wording skipped for {claim} roles" in out
    assert all(found[0] == INDEX for found in findings(out))
    # A project whose pages use no {claim} needs no ledger, and no note says so.
    _status, out, _err = run(["--root", str(FIXTURES / "clean")], capsys)
    assert not any("claims.yaml" in line for line in out)


def test_missing_glossary_skips_the_term_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_fixture("term-not-linked", tmp_path)
    (root / "docs" / "glossary.md").unlink()
    status, out, _err = run(["--root", str(root)], capsys)
    assert status == 0
    assert "docs/glossary.md not found; term-not-linked skipped" in out[0]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        pytest.param(
            lambda root: None,
            "docs/index.md:3: front-matter: front matter is not valid YAML",
            id="bad-yaml",
        ),
        pytest.param(
            lambda root: (root / "docs" / "index.md").write_bytes(b"# Title\n\nCaf\xe9 au lait.\n"),
            "docs/index.md:3: unreadable: not UTF-8 text",
            id="not-utf8",
        ),
        pytest.param(
            lambda root: (root / "docs" / "index.md").write_text(
                "---\nprose: {long_sentence: allowed}\n---\n", encoding="utf-8"
            ),
            "docs/index.md:2: front-matter: unknown 'prose' setting 'long_sentence'",
            id="unknown-setting",
        ),
        pytest.param(
            lambda root: (root / "docs" / "glossary.md").write_text("# Glossary\n"),
            "docs/glossary.md:1: glossary: no terms",
            id="glossary-without-terms",
        ),
        pytest.param(
            lambda root: shutil.rmtree(root / "docs"),
            "docs:1: no-docs: not a folder of pages",
            id="no-docs",
        ),
    ],
)
def test_unusable_input_is_one_line_and_exit_2(
    make, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_fixture("unusable-front-matter", tmp_path)
    make(root)
    status, out, err = run(["--root", str(root)], capsys)
    assert status == 2
    assert out == []
    assert len(err) == 1 and err[0].startswith(expected), err


def test_runs_as_a_module_from_the_project_root() -> None:
    """`python -m living_review.tools.prose` with the root defaulting to the working directory."""
    result = subprocess.run(
        [sys.executable, "-m", "living_review.tools.prose"],
        cwd=FIXTURES / "certainty-wording",
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines()[0].startswith(
        "docs/index.md:3: certainty-wording: {certainty}`not-rated` beside “very uncertain”"
    )
    assert result.stderr == ""


def test_certainty_table_has_the_extension_levels() -> None:
    """The wording table names exactly the levels the {certainty} role accepts."""
    certainty = pytest.importorskip("living_review.sphinxext.certainty")
    assert set(prose.CERTAINTY_WORDING) == set(certainty.LEVELS)


def copy_fixture(name: str, tmp_path: Path) -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / name, root)
    return root
