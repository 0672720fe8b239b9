"""Cite this edition: the citation, BibTeX and RIS of living_review.sphinxext.cite_this, and the
metadata Zenodo reads (.zenodo.json) kept in step with CITATION.cff. Offline."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from common import ROOT, ROOTS, Build, warnings
from pybtex.database import parse_string

from living_review.sphinxext.cite_this import (
    CITE_DIR,
    PENDING,
    Edition,
    bibtex,
    formatted_citation,
    read_edition,
    ris,
)

CFF = ROOT / "CITATION.cff"
ZENODO = ROOT / ".zenodo.json"
#: RIS: a two-character tag (a capital letter, then a capital letter or digit), two spaces, a
#: hyphen, a space, the value; TY first, ER last (the RIS specification, as reference managers
#: read it).
RIS_LINE = re.compile(r"^[A-Z][A-Z0-9]  - ?.*$")


def with_dois(edition: Edition) -> Edition:
    """The same edition once Zenodo has minted its DOIs (10.5555 is a test prefix)."""
    return Edition(**{**edition.__dict__, "doi": "10.5555/edition.2", "concept_doi": "10.5555/c"})


def parse_ris(text: str) -> list[tuple[str, str]]:
    """The (tag, value) pairs of one RIS record; fails on anything RIS does not allow."""
    assert text.endswith("\r\n"), "RIS lines end with CR LF"
    lines = text.split("\r\n")[:-1]
    for line in lines:
        assert RIS_LINE.match(line), line
    pairs = [(line[:2], line[6:]) for line in lines]
    assert pairs[0][0] == "TY" and pairs[-1] == ("ER", "")
    return pairs


def test_the_edition_is_read_from_citation_cff() -> None:
    cff = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    edition = read_edition(CFF)
    assert edition.version == str(cff["version"])
    assert edition.date == cff["date-released"]
    assert edition.author == cff["authors"][0]["name"]
    assert edition.doi == str(cff.get("doi", ""))


@pytest.mark.parametrize("minted", [False, True], ids=["doi-pending", "doi-minted"])
def test_bibtex_parses_and_names_the_edition(minted: bool) -> None:
    edition = read_edition(CFF)
    edition = with_dois(edition) if minted else edition
    database = parse_string(bibtex(edition), "bibtex")
    (key,) = database.entries
    entry = database.entries[key]
    assert entry.type == "misc" and key == edition.key
    assert entry.fields["title"] == edition.title
    assert entry.fields["version"] == edition.version
    assert entry.fields["date"] == edition.date.isoformat()
    assert entry.fields["year"] == str(edition.date.year)
    assert "Juliana Bruner" in entry.fields["note"]
    # A group author in double braces: one person, never split into given and family names.
    (person,) = entry.persons["author"]
    assert str(person) == "{" + edition.author + "}"
    assert entry.fields.get("doi") == ("10.5555/edition.2" if minted else None)


@pytest.mark.parametrize("minted", [False, True], ids=["doi-pending", "doi-minted"])
def test_ris_is_one_well_formed_record(minted: bool) -> None:
    edition = read_edition(CFF)
    edition = with_dois(edition) if minted else edition
    fields = dict(parse_ris(ris(edition)))
    assert fields["TY"] == "ELEC"
    assert fields["TI"] == edition.title
    assert fields["AU"] == edition.author
    assert fields["DA"] == edition.date.strftime("%Y/%m/%d")
    assert fields["VL"] == edition.version
    assert fields.get("DO") == ("10.5555/edition.2" if minted else None)


def test_formatted_citation_gives_date_version_and_doi_or_pending() -> None:
    edition = Edition("T", "The contributors", "2026.12.7", dt.date(2026, 12, 7), "https://x/")
    text = formatted_citation(edition)
    assert "Edition of 7 December 2026, version 2026.12.7" in text
    assert PENDING in text
    assert "https://doi.org/10.5555/edition.2" in formatted_citation(with_dois(edition))


def test_every_page_ends_with_cite_this_and_the_files_are_served(real_site: Build) -> None:
    assert real_site.returncode == 0, real_site.stderr
    edition = read_edition(CFF)
    for page in ("index.html", "safety.html", "about.html"):
        block = real_site.soup(page).select_one("[role=main] .cite-this")
        assert block is not None, page
        assert formatted_citation(edition) in block.get_text(" ", strip=True)
        targets = {a.get_text(): a["href"] for a in block.select("a")}
        assert targets["BibTeX"] == f"{CITE_DIR}/{edition.key}.bib"
        assert targets["RIS"] == f"{CITE_DIR}/{edition.key}.ris"
        assert targets["Editions and DOIs"] == "editions.html#cite-this-edition"
    folder = real_site.outdir / CITE_DIR
    assert (folder / f"{edition.key}.bib").read_text(encoding="utf-8") == bibtex(edition)
    parse_ris((folder / f"{edition.key}.ris").read_bytes().decode("utf-8"))
    editions = real_site.soup("editions.html")
    assert editions.select_one("#cite-this-edition") is not None
    blocks = [pre.get_text() for pre in editions.select(".cite-this-full pre")]
    assert blocks == [bibtex(edition), ris(edition).replace("\r\n", "\n")]


# -- .zenodo.json ------------------------------------------------------------------------------


def zenodo() -> dict:
    return json.loads(ZENODO.read_text(encoding="utf-8"))


def test_zenodo_metadata_validates() -> None:
    schema_file = resources.files("living_review") / "schemas" / "zenodo.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(zenodo())


def test_zenodo_metadata_is_in_step_with_citation_cff() -> None:
    cff = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    meta = zenodo()
    assert meta["title"] == cff["title"]
    assert meta["version"] == str(cff["version"])
    assert meta["keywords"] == cff["keywords"]
    # The review is credited to its contributors as a group: no invented person.
    assert meta["creators"] == [{"name": a["name"]} for a in cff["authors"]]
    assert meta["license"] == cff["license"].lower() == "cc-by-4.0"
    assert "MIT" in meta["notes"] and "CC BY 4.0" in meta["notes"]
    # The 2020 article is credited in words: it has no identifier we could verify.
    (source,) = meta["references"]
    assert "Bruner" in source and "Dorsal Health" in source and "2020" in source
    assert "related_identifiers" not in meta


def test_release_files_share_one_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    cff = yaml.safe_load(CFF.read_text(encoding="utf-8"))
    assert project["version"] == str(cff["version"]) == zenodo()["version"]


def test_schema_refuses_a_misspelt_field() -> None:
    schema_file = resources.files("living_review") / "schemas" / "zenodo.schema.json"
    validator = jsonschema.Draft202012Validator(json.loads(schema_file.read_text("utf-8")))
    assert not validator.is_valid({**zenodo(), "licence": "cc-by-4.0"})
    assert not validator.is_valid({**zenodo(), "upload_type": "website"})


def test_an_incomplete_citation_file_is_one_error_at_the_file(
    make_app: Any, tmp_path: Path
) -> None:
    """CITATION.cff without date-released: one error naming the file and what is missing, no
    traceback, nothing blamed on the pages (the footer is left out, the directive shows nothing)."""
    srcdir = tmp_path / "cite-this-broken"
    shutil.copytree(ROOTS / "test-cite-this-broken", srcdir)
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    logged = warnings(app)
    assert (
        "CITATION.cff:1: ERROR: cite-this: no date-released: the edition cannot be cited" in logged
    )
    assert "Traceback" not in logged
    assert logged.count("ERROR") == 1
