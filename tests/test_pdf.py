"""The whole review as one PDF (``nox -s pdf``, living_review.tools.pdf), read back with pypdf.

Builds the real site with Sphinx's single-page builder, typesets it with WeasyPrint as the
session does, and checks what a reader gets: the title page (edition date, version, DOI or
"DOI pending", how to cite), the medical notice and the warning signs near the front, page
numbers, every reference number, DOI links, and the title, author and language metadata.
WeasyPrint needs pango from the system; without it these tests are skipped with the command
that installs it. Offline.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from common import DOCS, ROOT, sphinx_build

from living_review.sphinxext.cite_this import PENDING, formatted_citation, read_edition

try:
    import weasyprint  # noqa: F401

    from living_review.tools.pdf import MEDICAL_NOTICE, build_pdf, main
except OSError as error:  # pango is missing: WeasyPrint cannot load it
    pytest.skip(
        f"WeasyPrint needs pango ({error}): run .ci/install-pdf as root", allow_module_level=True
    )
from pypdf import PdfReader

CFF = ROOT / "CITATION.cff"


def squash(text: str) -> str:
    """Text as extracted, with line breaks and hyphenation at line ends undone."""
    return re.sub(r"\s+", " ", text.replace("-\n", "-"))


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the PDF, the single-page build) of the real site.

    A build of its own, not ``real_site``: that one is the html builder's, and the PDF needs
    the singlehtml builder's index.html from a fresh, strict (-E -W) build.
    """
    folder = tmp_path_factory.mktemp("pdf")
    single = sphinx_build(DOCS, folder / "singlehtml", builder="singlehtml")
    assert single.returncode == 0, single.stderr
    out = folder / "review.pdf"
    build_pdf(single.outdir, CFF, out)
    return out, single.outdir


@pytest.fixture(scope="module")
def reader(pdf: tuple[Path, Path]) -> PdfReader:
    return PdfReader(pdf[0])


@pytest.fixture(scope="module")
def page_texts(reader: PdfReader) -> tuple[str, ...]:
    """Every page's text as pypdf extracts it, in page order: extracted once for the module
    (a whole extraction takes seconds), for the tests to read."""
    return tuple(page.extract_text() for page in reader.pages)


def test_metadata_names_the_review_its_authors_and_language(reader: PdfReader) -> None:
    edition = read_edition(CFF)
    assert reader.metadata.title == edition.title
    assert reader.metadata.author == edition.author
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_title_page_gives_edition_version_doi_and_citation(page_texts: tuple[str, ...]) -> None:
    edition = read_edition(CFF)
    first = squash(page_texts[0])
    assert edition.title in first
    assert f"Edition of {edition.long_date} · version {edition.version}" in first
    assert (f"https://doi.org/{edition.doi}" if edition.doi else PENDING) in first
    assert squash(MEDICAL_NOTICE) in first
    # The citation wraps over lines, and a long address breaks where it has a hyphen.
    assert squash(formatted_citation(edition)).replace(" ", "") in first.replace(" ", "")


def test_warning_signs_come_near_the_front(page_texts: tuple[str, ...]) -> None:
    front = squash(" ".join(page_texts[:6]))
    assert "a few warning signs mean you need medical help quickly" in front
    assert "local emergency number" in front


def test_every_page_after_the_first_is_numbered(
    reader: PdfReader, page_texts: tuple[str, ...]
) -> None:
    total = len(reader.pages)
    assert total > 20
    for number in (2, total // 2, total):
        assert f"Page {number} of {total}" in page_texts[number - 1]


def test_every_reference_number_and_doi_link_is_there(
    reader: PdfReader, page_texts: tuple[str, ...], pdf: tuple[Path, Path]
) -> None:
    html = (pdf[1] / "index.html").read_text(encoding="utf-8")
    entries = len(set(re.findall(r'<div class="citation" id="cite-[^"]+"', html)))
    assert entries > 40
    text = " ".join(page_texts)
    missing = [n for n in range(1, entries + 1) if f"[{n}]" not in text]
    assert not missing, f"reference numbers missing from the PDF: {missing}"
    uris = {
        annotation.get_object()["/A"].get("/URI")
        for page in reader.pages
        for annotation in page.get("/Annots") or []
        if "/A" in annotation.get_object()
    }
    assert sum(1 for uri in uris if uri and uri.startswith("https://doi.org/10.")) > 40


def test_claim_tables_are_typeset(page_texts: tuple[str, ...]) -> None:
    text = squash(" ".join(page_texts))
    assert "Summary of findings" in text


def test_command_line_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["--html", str(tmp_path), "--cff", str(CFF), "--out", str(tmp_path / "x.pdf")]) == 2
    assert "no single-page build" in capsys.readouterr().err
