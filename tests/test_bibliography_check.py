"""A bad references.bib in the site build (living_review.sphinxext.bibliography_check).

Each fixture project under tests/roots/test-bib-*/ holds one kind of bad bibliography. The build
must name every problem ``nox -s citations`` names, at the same ``file:line`` and in the same
words: as an error that stops the build cleanly when pybtex could not go on, as a warning (the
build goes on, ``-W`` fails it) when the References page would only show an entry wrongly.
"""

from __future__ import annotations

import io
import random
import shutil
from pathlib import Path

import pytest
from common import (
    ROOT,
    ROOTS,
    build_cleanly,
    page_soup,
    sphinx_build,
    touch_newer,
    warnings,
)
from pybtex.database import BibliographyDataError
from pybtex.database.input.bibtex import Parser
from pybtex.exceptions import PybtexError
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences
from sphinx.util.docutils import docutils_namespace

from living_review.bib_rendering import RULES as RENDERING_RULES
from living_review.bib_rendering import UNKNOWN_TYPE, _may_be_no_name, bad_names
from living_review.bibfile import BibEntry, BibField, parse_bibtex
from living_review.sphinxext.bibliography_check import BibliographyUnusable
from living_review.tools.citations import cli

#: What the build reports of what the check reports: the rules about reading the file and
#: about what the style prints. The check's other rules (identifiers, uncited, ...) are its own.
BUILD_RULES = {*RENDERING_RULES, "bib-parse-error", "unreadable"}
SHOWN_WRONGLY = set(RENDERING_RULES) - {UNKNOWN_TYPE}  # warnings; the rest stop the build


def check_says(srcdir: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str, str]]:
    """(``path:line``, rule, message) for each problem ``nox -s citations`` finds in refs.bib."""
    capsys.readouterr()
    cli.main(["--bib", str(srcdir / "refs.bib"), "--docs", str(srcdir)])
    out, err = capsys.readouterr()
    found = []
    for line in (out + err).splitlines()[:-1] if out else err.splitlines():
        location, rule, message = line.split(": ", 2)
        if rule in BUILD_RULES:
            found.append((location, rule, message))
    return found


def as_the_build_says(problem: tuple[str, str, str]) -> str:
    location, rule, message = problem
    level = "WARNING" if rule in SHOWN_WRONGLY else "ERROR"
    return f"{location}: {level}: {message} [bibtex.{rule}]"


@pytest.mark.parametrize(
    ("root", "count"), [("bib-syntax", 2), ("bib-not-utf8", 1), ("bib-unknown-type", 2)]
)
def test_an_unusable_bib_stops_the_build_with_the_checks_messages(
    root: str, count: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    srcdir = tmp_path / root
    shutil.copytree(ROOTS / f"test-{root}", srcdir)
    expected = check_says(srcdir, capsys)
    assert len(expected) == count
    output = io.StringIO()
    stopped = pytest.raises(
        BibliographyUnusable, match=r"build stopped: .*refs\.bib cannot be used"
    )
    # The app never finishes starting, so it cannot clean up the directives it registered with
    # docutils: let docutils forget them, as sphinx-build does.
    with docutils_namespace(), stopped:
        SphinxTestApp("html", srcdir=srcdir, warning=output, status=io.StringIO())
    logged = strip_escape_sequences(output.getvalue())
    assert sorted(logged.splitlines()) == sorted(map(as_the_build_says, expected))


@pytest.mark.sphinx("html", testroot="bib-rendering", freshenv=True)
def test_entries_shown_wrongly_are_warnings_at_their_lines(
    app: SphinxTestApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app.build()
    expected = check_says(Path(app.srcdir), capsys)
    assert {rule for _, rule, _ in expected} == SHOWN_WRONGLY
    logged = warnings(app).splitlines()
    assert sorted(logged) == sorted(map(as_the_build_says, expected))
    # The arXiv-only entry is not one of them: the style links its arXiv page.
    links = [a["href"] for a in page_soup(app.outdir, "index.html").select("a.reference.external")]
    assert "https://arxiv.org/abs/2301.00001" in links


@pytest.mark.sphinx("html", testroot="bib-cite-case", freshenv=True)
def test_a_key_in_the_wrong_case_fails_the_build_and_the_check_alike(
    app: SphinxTestApp, capsys: pytest.CaptureFixture[str]
) -> None:
    app.build()
    capsys.readouterr()
    srcdir = Path(app.srcdir)
    assert cli.main(["--bib", str(srcdir / "refs.bib"), "--docs", str(srcdir)]) == 1
    (problem,) = capsys.readouterr().out.splitlines()[:-1]
    assert problem.startswith(f"{srcdir / 'index.md'}:3: cite-unknown-key: ")
    assert 'index.md:3: WARNING: could not find bibtex key "Good2020"' in warnings(app)


def test_sphinx_build_prints_no_traceback(tmp_path: Path) -> None:
    """The real command line: errors, one closing line, no traceback, no "report this bug"."""
    build = sphinx_build(ROOTS / "test-bib-syntax", tmp_path / "html")
    assert build.returncode == 1
    output = build.stdout + build.stderr
    assert "Traceback" not in output and "report" not in output
    assert "refs.bib:12: ERROR: entry 'broken2021': BibTeX syntax error" in build.stderr
    assert "refs.bib:19: ERROR: entry 'unbalanced2022': a brace opened in field" in build.stderr
    assert build.stderr.rstrip().splitlines()[-1].startswith("build stopped: ")


def project_citing_good2020(srcdir: Path) -> Path:
    """A copy of the clean cite-case root whose one page cites good2020 and lists the bib."""
    shutil.copytree(ROOTS / "test-bib-cite-case", srcdir)
    (srcdir / "index.md").write_text("# Fixture\n\n{cite:p}`good2020`\n\n```{bibliography}\n```\n")
    return srcdir


def test_an_edit_that_spoils_a_clean_bib_is_named_in_the_next_incremental_build(
    make_app, tmp_path: Path
) -> None:
    srcdir = project_citing_good2020(tmp_path / "incremental")
    build_cleanly(make_app("html", srcdir=srcdir))
    bib = srcdir / "refs.bib"
    bib.write_text(bib.read_text().replace("10.1000/good", "null"))
    touch_newer(bib)
    app = make_app("html", srcdir=srcdir)
    assert "refs.bib:6: WARNING: entry 'good2020': field 'doi' is 'null'" in warnings(app)


@pytest.mark.parametrize(
    ("name", "is_a_name"),
    [("Smith, Jan", True), ("Ng", True), ("{,}", False), ("et al.", False), ("et{ }al", False),
     ("--", False), ("% Smith", False), ("{\\ldots}", False), ("\\'{E}mile", True)],
)  # fmt: skip
def test_names_the_quick_test_lets_through_print_as_names(name: str, is_a_name: bool) -> None:
    """A name spared rendering (``_may_be_no_name`` False) is one; bad ones are rendered."""
    assert bool(list(bad_names(_entry_with_author(name)))) is not is_a_name
    if not _may_be_no_name(name):
        assert is_a_name


def _entry_with_author(name: str) -> BibEntry:
    return BibEntry("article", "key", 1, [BibField("author", name, 2)])


def test_whatever_the_build_parser_refuses_the_reader_reports_first() -> None:
    """The build's own check reads references.bib once, with the reader; it never has pybtex's
    ``Parser`` read it again. So every damaged file that ``Parser`` (what sphinxcontrib-bibtex
    uses) refuses must already have a problem from the reader. 200 seeded random damages of the
    real file: a character deleted or inserted, or a run of characters cut."""
    text = (ROOT / "references.bib").read_text(encoding="utf-8")
    rng = random.Random(19)
    refused = 0
    for _ in range(200):
        at = rng.randrange(len(text))
        kind = rng.randrange(3)
        if kind == 0:
            damaged = text[:at] + text[at + 1 :]
        elif kind == 1:
            damaged = text[:at] + rng.choice('{}",=@#%\\ \n~') + text[at:]
        else:
            damaged = text[:at] + text[at + rng.randrange(1, 40) :]
        try:
            Parser(encoding="utf-8").parse_string(damaged)  # strict: raises at the first error
        except BibliographyDataError:
            continue  # a repeated key or field: the check's rules name both places
        except PybtexError as error:
            refused += 1
            found = parse_bibtex(damaged, Path("references.bib")).problems
            assert found, f"damage at offset {at}: Parser refuses ({error}), the reader does not"
    assert refused > 20  # the damages did reach the parser
