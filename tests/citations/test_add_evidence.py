"""``nox -s add-evidence``: from a PubMed ID or DOI to the entry, the claim skeleton and the dates.

Against a fake PubMed (efetch), Crossref and Europe PMC on 127.0.0.1, started by each test (the
request handler of test_citations_quotes.py, with fuller records).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from test_citations_quotes import PROLOGUE, FakeEutils

from living_review.bibfile import read_bibfile
from living_review.tools import add_evidence
from living_review.tools.citations import cli
from living_review.tools.site_server import base_url, loopback_server

PUBMED_ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">777</PMID><Article PubModel="Print-Electronic">
<Journal><JournalIssue CitedMedium="Internet"><Volume>184</Volume><Issue>12</Issue>
<PubDate><Year>2024</Year><Month>Dec</Month></PubDate></JournalIssue>
<Title>JAMA internal medicine</Title></Journal>
<ArticleTitle>Acupuncture vs Sham Acupuncture for Chronic Sciatica From Herniated Disk: A
Randomized Clinical Trial.</ArticleTitle>
<Pagination><MedlinePgn>1417-24</MedlinePgn></Pagination>
<ELocationID EIdType="doi" ValidYN="Y">10.1001/jamainternmed.2024.5463</ELocationID>
<Abstract><AbstractText Label="RESULTS">Leg pain fell by 30.8 points with acupuncture. The
effect became apparent in week&#xa0;2 (mean difference, &#x2212;16.0; 95% CI, &#x2212;21.3 to
&#x2212;10.6).</AbstractText><AbstractText Label="CONCLUSIONS">Acupuncture was more effective
than sham.</AbstractText></Abstract>
<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Tu</LastName><ForeName>Jian-Feng</ForeName>
</Author><Author ValidYN="Y"><LastName>Bäumler</LastName><ForeName>Petra</ForeName></Author>
<Author ValidYN="Y"><CollectiveName>SCIATICA Trial Group</CollectiveName></Author></AuthorList>
</Article></MedlineCitation><PubmedData><ArticleIdList>
<ArticleId IdType="pubmed">777</ArticleId>
<ArticleId IdType="doi">10.1001/jamainternmed.2024.5463</ArticleId>
<ArticleId IdType="pmc">PMC11474321</ArticleId></ArticleIdList></PubmedData></PubmedArticle>"""
CROSSREF_WORK = {
    "DOI": "10.1000/review.2023.1",
    "title": ["Needling therapies for chronic low back pain & sciatica: a systematic review"],
    "container-title": ["Annals of Internal Medicine"],
    "volume": "176",
    "issue": "3",
    "page": "321-330",
    "issued": {"date-parts": [[2023, 3, 1]]},
    "author": [
        {"given": "Lei", "family": "Yu"},
        {"given": "Ana", "family": "Núñez"},
        {"name": "WHO Guideline Group"},
    ],
}
EUROPE_PMC_RESULT = {
    "doi": "10.1000/review.2023.1",
    "pmid": "888",
    "pmcid": "PMC9999",
    "abstractText": "<h4>Results</h4>There was little or no difference across most outcomes. "
    "Certainty was low.",
}


class FakeRegistries(FakeEutils):
    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.requests.append({"path": [parts.path], **query})
        if parts.path == "/efetch.fcgi":
            articles = PUBMED_ARTICLE if query["id"] == ["777"] else ""
            self.reply(200, PROLOGUE + f"<PubmedArticleSet>{articles}</PubmedArticleSet>")
        elif parts.path.startswith("/crossref/works/"):
            doi = unquote(parts.path.removeprefix("/crossref/works/"))
            if doi != CROSSREF_WORK["DOI"]:
                self.reply(404, "Resource not found.")
                return
            self.reply(200, json.dumps({"status": "ok", "message": CROSSREF_WORK}))
        elif parts.path == "/europepmc/search":
            found = query["query"] == [f'DOI:"{EUROPE_PMC_RESULT["doi"]}"']
            results = [EUROPE_PMC_RESULT] if found else []
            self.reply(200, json.dumps({"resultList": {"result": results}}))
        else:
            self.reply(404, "not here")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, type[FakeRegistries]]]:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    handler = type("Handler", (FakeRegistries,), {"requests": []})
    with loopback_server(handler) as httpd:
        yield base_url(httpd, ""), handler


EXISTING = """\
@article{koes2007sciatica,
  author  = {Koes, B. W.},
  title   = {Diagnosis and treatment of sciatica},
  journal = {BMJ},
  year    = {2007},
  doi     = {10.1136/bmj.39223.428495.BE},
  pubmed  = {17585160},
}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "references.bib").write_text(EXISTING, encoding="utf-8")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "effectiveness.md").write_text(
        "---\nlast_reviewed: 2026-01-02\n---\n\n(effectiveness)=\n\n# Does it work?\n",
        encoding="utf-8",
    )
    return tmp_path


def run(
    project: Path, base: str, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    status = add_evidence.main([
        "--bib", str(project / "references.bib"), "--cache-dir", str(project / "cache"),
        "--eutils", base, "--crossref", f"{base}/crossref", "--europepmc", f"{base}/europepmc",
        "--retries", "0", "--timeout", "10", "--today", "2026-12-07", *args,
    ])  # fmt: skip
    out, err = capsys.readouterr()
    return status, out, err


def test_by_pubmed_id_the_entry_the_skeleton_and_the_dates(
    server: tuple[str, type[FakeRegistries]], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, handler = server
    page = project / "docs" / "effectiveness.md"
    status, out, err = run(project, base, capsys, "777", "--page", str(page))
    assert (status, err) == (0, "")
    assert (
        "@article{tu2024acupuncture,\n"
        "  author  = {Tu, Jian-Feng and Bäumler, Petra and {SCIATICA Trial Group}},\n"
        "  title   = {Acupuncture vs Sham Acupuncture for Chronic Sciatica From Herniated Disk: A "
        "Randomized Clinical Trial},\n"
        "  journal = {JAMA internal medicine},\n"
        "  year    = {2024},\n"
        "  volume  = {184},\n"
        "  number  = {12},\n"
        "  pages   = {1417--1424},\n"
        "  doi     = {10.1001/jamainternmed.2024.5463},\n"
        "  pubmed  = {777},\n"
        "  pmcid   = {PMC11474321},\n"
        "}\n"
    ) in out
    assert "    cite: [tu2024acupuncture]\n" in out
    assert "    locator: abstract\n    quote_source: https://pubmed.ncbi.nlm.nih.gov/777/\n" in out
    assert "    #  1. Leg pain fell by 30.8 points with acupuncture.\n" in out
    assert "    #  3. Acupuncture was more effective than sham.\n" in out
    assert "    certainty:  " in out and "    source_rating:  " in out  # left for the reviewer
    assert "  last_reviewed: 2026-12-07\n  next_review: 2027-06-07\n" in out
    assert (
        "- **A short name for the change** ({ref}`effectiveness`): one sentence on what changed "
        "and why {cite:p}`tu2024acupuncture`." in out
    )
    assert (project / "references.bib").read_text(encoding="utf-8") == EXISTING  # printed only
    # Asked once; the second time from the cache.
    assert run(project, base, capsys, "777")[0] == 0
    assert [request["path"] for request in handler.requests] == [["/efetch.fcgi"]]


def test_by_doi_crossref_and_europe_pmc(
    server: tuple[str, type[FakeRegistries]], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = server
    status, out, err = run(project, base, capsys, "https://doi.org/10.1000/review.2023.1")
    assert (status, err) == (0, "")
    assert (
        "@article{yu2023needling,\n"
        "  author  = {Yu, Lei and Núñez, Ana and {WHO Guideline Group}},\n"
        "  title   = {Needling therapies for chronic low back pain \\& sciatica: a systematic "
        "review},\n"
        "  journal = {Annals of Internal Medicine},\n"
        "  year    = {2023},\n"
        "  volume  = {176},\n"
        "  number  = {3},\n"
        "  pages   = {321--330},\n"
        "  doi     = {10.1000/review.2023.1},\n"
        "  pubmed  = {888},\n"
        "  pmcid   = {PMC9999},\n"
        "}\n"
    ) in out
    assert "    # The abstract (Europe PMC), sentence by sentence:\n" in out
    assert "    #  1. Results There was little or no difference across most outcomes.\n" in out


def test_write_appends_the_entry_and_the_quote_is_then_checked_offline(
    server: tuple[str, type[FakeRegistries]], project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base, _ = server
    assert run(project, base, capsys, "777", "--write")[0] == 0
    bib = read_bibfile(project / "references.bib")
    assert [entry.key for entry in bib.entries] == ["koes2007sciatica", "tu2024acupuncture"]
    assert bib.problems == []
    # The reviewer pastes a sentence with one word changed: the offline check catches it.
    (project / "docs" / "effectiveness.md").write_text(
        "# Does it work?\n\nIt did {claim}`tu2024-leg-pain`. Old {cite:p}`koes2007sciatica`.\n",
        encoding="utf-8",
    )
    (project / "claims.yaml").write_text(
        "claims:\n  - id: tu2024-leg-pain\n    question: Does it help?\n    population: Adults\n"
        "    intervention: Acupuncture\n    comparison: Sham\n    outcome: Leg pain\n"
        "    result: Less leg pain.\n    certainty: not-rated\n    source_rating: none\n"
        "    cite: [tu2024acupuncture]\n    quote: Leg pain fell by 30.9 points\n"
        "    locator: abstract\n",
        encoding="utf-8",
    )
    status = cli.main([
        "--bib", str(project / "references.bib"), "--docs", str(project / "docs"),
        "--cache-dir", str(project / "cache"),
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 1
    assert "claims.yaml:12: quote-not-in-abstract: claim 'tu2024-leg-pain'" in out


@pytest.mark.parametrize(
    ("identifier", "refusal"),
    [
        ("17585160", "PubMed ID 17585160 is already in references.bib: entry 'koes2007sciatica' "
         "(line 1)"),
        ("doi:10.1136/BMJ.39223.428495.BE", "DOI 10.1136/BMJ.39223.428495.BE is already in "
         "references.bib: entry 'koes2007sciatica' (line 1)"),
    ],
)  # fmt: skip
def test_an_identifier_already_in_the_bibliography_is_refused(
    server: tuple[str, type[FakeRegistries]],
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    identifier: str,
    refusal: str,
) -> None:
    base, handler = server
    monkeypatch.chdir(project)
    status, out, err = run(project, base, capsys, identifier)
    assert (status, out) == (1, "")
    assert err == f"add-evidence: {refusal}; nothing was written\n"
    assert handler.requests == []  # refused before asking anyone


def test_a_key_already_there_is_refused_and_another_can_be_chosen(
    server: tuple[str, type[FakeRegistries]],
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, _ = server
    monkeypatch.chdir(project)
    bib = project / "references.bib"
    bib.write_text(EXISTING.replace("koes2007sciatica", "Tu2024Acupuncture"), encoding="utf-8")
    status, out, err = run(project, base, capsys, "777")
    assert (status, out) == (1, "")
    assert err == (
        "add-evidence: key 'tu2024acupuncture' is already in references.bib: entry "
        "'Tu2024Acupuncture' (line 1), another work: choose another with --key; nothing was "
        "written\n"
    )
    status, out, _ = run(project, base, capsys, "777", "--key", "tu2024sham")
    assert status == 0 and "@article{tu2024sham," in out


def test_the_pubmed_id_the_record_gives_is_refused_when_already_there(
    server: tuple[str, type[FakeRegistries]],
    project: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base, _ = server
    monkeypatch.chdir(project)
    (project / "references.bib").write_text(EXISTING.replace("17585160", "888"), "utf-8")
    status, out, err = run(project, base, capsys, "10.1000/review.2023.1")
    assert (status, out) == (1, "")
    assert err == (
        "add-evidence: the work's PubMed ID 888 is already in references.bib: entry "
        "'koes2007sciatica' (line 1); nothing was written\n"
    )


def test_without_a_network_one_line_and_exit_3(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    status, out, err = run(project, f"http://127.0.0.1:{port}", capsys, "777")
    assert (status, out) == (3, "")
    (line,) = err.splitlines()
    assert line.startswith("add-evidence: could not check: no network (127.0.0.1:")
    assert line.endswith("; nothing was fetched or written")


def test_a_bad_identifier_is_one_line_and_exit_2(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(project, "http://127.0.0.1:9", capsys, "tu2024")
    assert (status, out) == (2, "")
    assert err == (
        "add-evidence: 'tu2024' is neither a PubMed ID (digits, e.g. 39401008) nor a DOI "
        "(10.<registrant>/<suffix>, e.g. 10.1001/jamainternmed.2024.5463)\n"
    )
