"""Every quote checked: by DOI (Europe PMC, then Crossref), offline against cached abstracts,
``quote_checked: by hand``, and only the records a pull request adds or changes.

The fake server on 127.0.0.1 is test_citations_quotes.py's E-utilities, which also answers as
Europe PMC (``/europepmc/search``) and Crossref (``/crossref/works/<doi>``).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from test_citations_quotes import ABSTRACTS, BIB, RECORD, FakeEutils

from living_review.claims import parse_claims
from living_review.tools.citations import cli
from living_review.tools.site_server import base_url, loopback_server

#: DOI -> Europe PMC's abstractText (HTML), "" for a record without one.
EUROPE_PMC = {
    "10.1000/epmc": "<h4>Results</h4><p>Needling made <i>little or no</i> difference.</p>",
    "10.1000/crossref-only": "",
}
#: DOI -> Crossref's JATS abstract.
CROSSREF = {
    "10.1000/crossref-only": "<jats:p>Exercise reduced pain by 10&#160;points.</jats:p>",
    "10.1000/none": "",
}
#: The works of test_citations_quotes.py and three with a DOI only, each kept on purpose
#: although no page may cite it (so the offline check finds nothing but the quotes).
DOI_BIB = BIB.replace(
    "  journal = {J Fixtures},\n  year = {2024},\n}",
    "  journal = {J Fixtures},\n  year = {2024},\n  url = {https://example.org/guideline},\n}",
).replace("@article{guideline2024", "@misc{guideline2024") + "".join(
    f"@article{{{key},\n  author = {{Roe, Richard}},\n  title = {{A review}},\n"
    f"  journal = {{J Fixtures}},\n  year = {{2023}},\n  doi = {{{doi}}},\n}}\n"
    for key, doi in (
        ("epmc2023", "10.1000/epmc"),
        ("crossref2023", "10.1000/crossref-only"),
        ("none2023", "10.1000/none"),
    )
)


class FakeServices(FakeEutils):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/europepmc/search":
            query = parse_qs(parts.query)
            self.requests.append(query)
            doi = query["query"][0].removeprefix('DOI:"').removesuffix('"')
            results = []
            if doi in EUROPE_PMC:
                record = {"doi": doi, "title": "A review"}
                if EUROPE_PMC[doi]:
                    record["abstractText"] = EUROPE_PMC[doi]
                results.append(record)
            self.reply(
                200, json.dumps({"hitCount": len(results), "resultList": {"result": results}})
            )
            return
        if parts.path.startswith("/crossref/works/"):
            doi = unquote(parts.path.removeprefix("/crossref/works/"))
            self.requests.append({"crossref": [doi]})
            if doi not in CROSSREF:
                self.reply(404, "Resource not found.")
                return
            message = {"DOI": doi, "title": ["A review"]}
            if CROSSREF[doi]:
                message["abstract"] = CROSSREF[doi]
            self.reply(200, json.dumps({"status": "ok", "message": message}))
            return
        super().do_GET()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, type[FakeServices]]]:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    handler = type("Handler", (FakeServices,), {"requests": []})
    with loopback_server(handler) as httpd:
        yield base_url(httpd, ""), handler


def record(claim_id: str, cite: str, quote: str, extra: str = "") -> str:
    return RECORD.format(id=claim_id, cite=cite, quote=quote, locator="abstract") + extra


def project(tmp_path: Path, *records: str) -> Path:
    """A project: references.bib, claims.yaml and one page that uses every record."""
    (tmp_path / "docs").mkdir(exist_ok=True)
    text = "claims:\n" + "".join(records)
    ids = [claim.id for claim in parse_claims(text, Path("claims.yaml")).claims]
    page = "# Home\n\n" + "\n".join(f"A finding {{claim}}`{i}`." for i in ids) + "\n"
    (tmp_path / "docs" / "index.md").write_text(page, encoding="utf-8")
    bib = re.sub(r"(@\w+\{\w+,\n)", r"\1  keywords = {excluded},\n", DOI_BIB)
    (tmp_path / "references.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def citations(
    root: Path, capsys: pytest.CaptureFixture[str], *args: str, base: str = ""
) -> tuple[int, list[str]]:
    online = (
        ["--online", "--doi-api", base, "--eutils", base, "--crossref", f"{base}/crossref",
         "--europepmc", f"{base}/europepmc", "--retries", "1", "--timeout", "10"]
        if base else []
    )  # fmt: skip
    status = cli.main([
        "--bib", str(root / "references.bib"), "--docs", str(root / "docs"),
        "--cache-dir", str(root / "cache"), *online, *args,
    ])  # fmt: skip
    return status, capsys.readouterr().out.splitlines()


def problems(lines: list[str]) -> list[str]:
    """``line: rule: message`` of each problem found in claims.yaml."""
    return [line.split("claims.yaml:", 1)[1] for line in lines if "claims.yaml:" in line]


def test_a_work_without_a_pubmed_id_is_checked_by_doi(
    server: tuple[str, type[FakeServices]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, handler = server
    root = project(
        tmp_path,
        record("europe", "epmc2023", "made little or no difference"),
        record("cross", "crossref2023", "reduced pain by 10 points"),
        record("changed", "epmc2023", "made a large difference"),
    )
    status, lines = citations(root, capsys, "--quotes-only", base=base)
    assert problems(lines) == [
        "36: quote-not-in-abstract: claim 'changed': the quote is not in the abstract: DOI "
        '10.1000/epmc (epmc2023): not even its start "made a large difference" is there. Copy it '
        "word for word from the abstract, or set `locator` to where it was read"
    ]
    assert status == 1
    asked = [query.get("query", query.get("crossref")) for query in handler.requests]
    # Europe PMC for both DOIs; Crossref only for the one Europe PMC has no abstract for.
    assert asked == [
        ['DOI:"10.1000/crossref-only"'],
        ["10.1000/crossref-only"],
        ['DOI:"10.1000/epmc"'],
    ]


def test_no_machine_readable_abstract_asks_for_a_check_by_hand(
    server: tuple[str, type[FakeServices]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = server
    by_hand = "    quote_checked: by hand\n    quote_source: https://example.org/review/page-3\n"
    root = project(
        tmp_path,
        record("unchecked", "none2023", "pain fell"),
        record("checked", "none2023", "pain fell", by_hand),
    )
    status, lines = citations(root, capsys, "--quotes-only", base=base)
    assert problems(lines) == [
        "12: quote-not-in-abstract: claim 'unchecked': the quote is not in the abstract: neither "
        "Europe PMC nor Crossref has an abstract for DOI 10.1000/none (none2023). If the source "
        "has no machine-readable abstract, check the quote on the source's page and write "
        "`quote_checked: by hand`, with that page in `quote_source`"
    ]
    assert "quotes checked by hand (1): checked" in lines
    assert status == 1


def test_quote_checked_by_hand_needs_the_page_it_was_read_on() -> None:
    text = "claims:\n" + record("checked", "none2023", "pain fell", "    quote_checked: by hand\n")
    (problem,) = parse_claims(text, Path("claims.yaml")).problems
    assert problem.rule == "claims-schema"
    assert problem.message.endswith(
        "`quote_checked: by hand` needs `quote_source`, the address of the page where the quote "
        "was read"
    )


def test_offline_the_quotes_are_compared_with_the_cached_abstracts(
    server: tuple[str, type[FakeServices]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, handler = server
    leg_pain = "became apparent in week 2 and persisted through week 52"
    root = project(
        tmp_path,
        record("leg-pain", "found2024", leg_pain),
        record("europe", "epmc2023", "made little or no difference"),
    )
    status, _lines = citations(root, capsys, "--quotes-only", base=base)
    assert status == 0
    asked = len(handler.requests)
    assert asked == 2  # efetch, Europe PMC

    # Offline, right after: the same quotes pass; a changed word fails, at its line.
    status, lines = citations(root, capsys)
    assert status == 0, lines
    assert lines[-1].startswith("citations: no problems; checked ")
    assert "(2 quotes against cached abstracts)" in lines[-1]
    ledger = root / "claims.yaml"
    ledger.write_text(
        ledger.read_text(encoding="utf-8").replace("week 52", "week 12"), encoding="utf-8"
    )
    status, lines = citations(root, capsys)
    assert problems(lines) == [
        "12: quote-not-in-abstract: claim 'leg-pain': the quote is not in the abstract: PMID 111 "
        '(found2024): the text follows it as far as "…ent in week 2 and persisted through week", '
        'then not "12". '
        "Copy it word for word from the abstract, or set `locator` to where it was read"
    ]
    assert status == 1
    assert len(handler.requests) == asked  # offline: nothing asked

    # A record whose abstract was never fetched: said, not failed.
    project(tmp_path, record("harms", "rare2024", "Serious adverse events were rare"))
    status, lines = citations(root, capsys)
    assert status == 0
    assert (
        "quotes not checked (no cached abstract) (1): harms; `nox -s citations -- --online` "
        "fetches the abstracts"
    ) in lines
    assert ABSTRACTS["222"]  # (the fake server has it: only never fetched)


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
        cwd=root, check=True, capture_output=True,
    )  # fmt: skip


def test_a_pull_request_checks_the_quotes_of_the_records_it_adds_or_changes(
    server: tuple[str, type[FakeServices]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, handler = server
    kept = record("harms", "rare2024", "this quote is wrong, but the pull request left it")
    root = project(tmp_path, kept, record("europe", "epmc2023", "made little or no difference"))
    git(root, "init", "-q")
    git(root, "add", "references.bib", "claims.yaml", "docs")
    git(root, "commit", "-q", "-m", "base")
    project(
        tmp_path,
        kept,
        record("europe", "epmc2023", "made a large difference"),  # changed
        record("cross", "crossref2023", "reduced pain by 10 points"),  # added
    )
    status, lines = citations(root, capsys, "--quotes-only", "--changed-since", "HEAD", base=base)
    found = problems(lines)
    assert len(found) == 1, lines
    assert ": quote-not-in-abstract: claim 'europe': " in found[0]
    assert "quotes of the records added or changed since HEAD: cross, europe" in lines
    assert status == 1
    assert not any("efetch" in str(query) or "id" in query for query in handler.requests)

    status, lines = citations(
        root, capsys, "--quotes-only", "--changed-since", "nonsense", base=base
    )
    assert status == 2
