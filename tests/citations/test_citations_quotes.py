"""``--online``: each claim's quote against the PubMed abstracts, from a fake efetch on 127.0.0.1.

The fake E-utilities answer in efetch's XML (trimmed to what is read). Timeouts and backoff are
tiny and backoff sleeps are recorded, not slept.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from living_review.bibfile import parse_bibtex
from living_review.claims import parse_claims
from living_review.tools.citations import cli
from living_review.tools.citations.abstracts import (
    QUOTE_NOT_IN_ABSTRACT,
    QuoteResult,
    check_quotes,
    parse_efetch,
)
from living_review.tools.citations.online import UNCHECKED, OnlineSettings
from living_review.tools.citations.quotes import find_quote, quote_parts
from living_review.tools.citations.webclient import Client, ClientSettings
from living_review.tools.site_server import base_url, loopback_server

#: PMID -> the <Abstract> element's inner XML, as PubMed gives it (sections, inline markup).
ABSTRACTS = {
    "111": (
        '<AbstractText Label="RESULTS" NlmCategory="RESULTS">The effect on leg pain became '
        "apparent in week&#xa0;2 and persisted through week 52 (mean difference, "
        "&#x2212;16.0; 95%&#xa0;CI, &#x2212;21.3 to &#x2212;10.6).</AbstractText>"
        '<AbstractText Label="CONCLUSIONS">Acupuncture was <i>more effective</i> than '
        "\u201csham\u201d acupuncture in this trial\u2014over 52 weeks.</AbstractText>"
    ),
    "222": "<AbstractText>Serious adverse events were rare.</AbstractText>",
    "333": "",  # PubMed has the record, without an abstract
}
ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">
<PMID Version="1">{pmid}</PMID><Article><ArticleTitle>A trial</ArticleTitle>{abstract}</Article>
<CommentsCorrectionsList><CommentsCorrections RefType="CommentIn"><PMID Version="1">999999</PMID>
</CommentsCorrections></CommentsCorrectionsList></MedlineCitation></PubmedArticle>"""
PROLOGUE = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)

RECORD = """\
  - id: {id}
    question: Does acupuncture help?
    population: Adults with sciatica
    intervention: Acupuncture
    comparison: Sham acupuncture
    outcome: Leg pain
    result: It helped.
    certainty: not-rated
    source_rating: none
    cite: [{cite}]
    quote: "{quote}"
    locator: {locator}
"""
BIB = "\n".join(
    f"@article{{{key},\n  author = {{Roe, Richard}},\n  title = {{A trial}},\n"
    f"  journal = {{J Fixtures}},\n  year = {{2024}},\n{pubmed}}}\n"
    for key, pubmed in (
        ("found2024", "  pubmed = {111},\n"),
        ("rare2024", "  pubmed = {222},\n"),
        ("bare2024", "  pubmed = {333},\n"),
        ("guideline2024", ""),  # no PubMed ID
    )
)


class FakeEutils(BaseHTTPRequestHandler):
    requests: list[dict[str, list[str]]]

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.requests.append(query)
        if parts.path == "/esummary.fcgi":  # the PubMed ID check: every record matches
            pmid = query["id"][0]
            summary = {"uid": pmid, "title": "A trial", "pubdate": "2024",
                       "authors": [{"name": "Roe R", "authtype": "Author"}]}  # fmt: skip
            self.reply(200, json.dumps({"result": {"uids": [pmid], pmid: summary}}))
            return
        if parts.path != "/efetch.fcgi":
            self.reply(404, "<eFetchResult><ERROR>unknown</ERROR></eFetchResult>")
            return
        articles = [
            ARTICLE.format(
                pmid=pmid,
                abstract=f"<Abstract>{ABSTRACTS[pmid]}</Abstract>" if ABSTRACTS[pmid] else "",
            )
            for pmid in query["id"][0].split(",")
            if pmid in ABSTRACTS  # efetch leaves out IDs it does not know
        ]
        self.reply(200, PROLOGUE + f"<PubmedArticleSet>{''.join(articles)}</PubmedArticleSet>")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, type[FakeEutils]]]:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    handler = type("Handler", (FakeEutils,), {"requests": []})
    with loopback_server(handler) as httpd:
        yield base_url(httpd, ""), handler


def ledger(*records: tuple[str, str, str] | tuple[str, str, str, str]) -> str:
    """claims.yaml text: (id, cite keys, quote[, locator]) per record."""
    body = "".join(
        RECORD.format(id=r[0], cite=r[1], quote=r[2], locator=r[3] if len(r) > 3 else "abstract")
        for r in records
    )
    return "claims:\n" + body


def check(text: str, base: str, cache: Path | None = None) -> QuoteResult:
    client_settings = ClientSettings(
        user_agent="", timeout=0.5, retries=1, backoff=0.01, cache_dir=cache, min_interval=0.0
    )
    settings = OnlineSettings(
        contact="maintainers@example.org", eutils=base, client=client_settings
    )
    client = Client(replace(settings.client_settings(), host_intervals={}), sleep=lambda _: None)
    claims = parse_claims(text, Path("claims.yaml"))
    assert claims.problems == []
    return check_quotes(
        claims.claims, claims.path, parse_bibtex(BIB, Path("references.bib")), settings, client
    )


def quote_line(text: str, claim_id: str) -> int:
    lines = text.splitlines()
    start = lines.index(f"  - id: {claim_id}")
    return next(n for n, line in enumerate(lines, 1) if n > start and "quote:" in line)


def test_quotes_found_in_one_batched_request(server: tuple[str, type[FakeEutils]]) -> None:
    base, handler = server
    text = ledger(
        ("leg-pain", "found2024", "became apparent in week 2 and persisted through week 52"),
        ("harms", "rare2024", "Serious adverse events were rare"),
        ("both", "rare2024, found2024", "more effective than"),  # in the second work cited
    )
    result = check(text, base)
    assert result.problems == [] and result.notes == []
    assert result.describe() == "3 quotes against 2 PubMed abstracts (1 request, 0 from the cache)"
    assert len(handler.requests) == 1  # one efetch for both IDs
    query = handler.requests[0]
    assert query["id"] == ["111,222"] and query["db"] == ["pubmed"]
    assert query["rettype"] == ["abstract"] and query["retmode"] == ["xml"]
    assert query["tool"] == ["living-review-citations"]
    assert query["email"] == ["maintainers@example.org"]


@pytest.mark.parametrize(
    "quote",
    [
        "BECAME APPARENT IN WEEK 2",  # case
        "became  apparent\\nin   week 2",  # white space, a line break; the abstract has a nbsp
        "mean difference, -16.0; 95% CI, -21.3 to -10.6",  # hyphens for minus signs, 95% CI
        "more effective than 'sham' acupuncture in this trial - over 52 weeks",  # quotes, dashes
        "more effective than \u201csham\u201d acupuncture in this trial\u2014over",
        "became apparent … persisted through week 52",  # words left out
        "The effect on leg pain [...] week 52 (mean difference",
        "persisted through week 52 (mean difference, \u221216.0; 95% CI, \u221221.3 to "
        "\u221210.6). "
        "Acupuncture was more effective",  # across two sections of a structured abstract
    ],
)
def test_variants_that_are_the_same_words(server: tuple[str, type[FakeEutils]], quote: str) -> None:
    result = check(ledger(("leg-pain", "found2024", quote)), server[0])
    assert result.problems == []


def test_quote_not_in_the_abstract(server: tuple[str, type[FakeEutils]]) -> None:
    text = ledger(
        ("fine", "rare2024", "were rare"),
        ("leg-pain", "found2024", "became apparent in week 4 and persisted"),
        ("order", "found2024", "persisted through week 52 … became apparent"),
        ("no-abstract", "bare2024", "anything at all"),
    )
    problems = sorted(check(text, server[0]).problems)
    assert [(p.line, p.rule) for p in problems] == [
        (quote_line(text, "leg-pain"), QUOTE_NOT_IN_ABSTRACT),
        (quote_line(text, "order"), QUOTE_NOT_IN_ABSTRACT),
        (quote_line(text, "no-abstract"), QUOTE_NOT_IN_ABSTRACT),
    ]
    leg_pain, order, no_abstract = (p.format() for p in problems)
    assert leg_pain.startswith(
        f"claims.yaml:{quote_line(text, 'leg-pain')}: quote-not-in-abstract: claim 'leg-pain': "
        "the quote is not in the abstract: PMID 111 (found2024): the text follows it as far as "
        '"became apparent in week", then not "4 and persisted"'
    )
    assert 'PMID 111 (found2024): the text follows it as far as "persisted through' not in order
    assert 'not even its start "became apparent" is there' in order  # after "persisted ..."
    assert "PubMed has no abstract for PMID 333 (bare2024)" in no_abstract
    assert leg_pain.endswith(
        "Copy it word for word from the abstract, or set `locator` to where it was read"
    )


def test_records_without_pubmed_id_or_not_from_an_abstract_are_skipped_and_said_once(
    server: tuple[str, type[FakeEutils]],
) -> None:
    base, handler = server
    text = ledger(
        ("advice", "guideline2024", "Do not offer acupuncture"),
        ("advice-again", "guideline2024", "Consider exercise"),
        ("from-a-table", "found2024", "Table 2 says so", "table 2"),
    )
    result = check(text, base)
    assert result.problems == []
    assert result.notes == [
        "quotes not checked, no cited work has a PubMed ID or DOI (2): advice, advice-again",
        "quotes not checked, not quoted from an abstract (1): from-a-table (table 2)",
    ]
    assert handler.requests == []  # nothing to ask


def test_abstracts_are_cached_one_by_one(
    server: tuple[str, type[FakeEutils]], tmp_path: Path
) -> None:
    base, handler = server
    one = ledger(("leg-pain", "found2024", "became apparent"))
    assert check(one, base, cache=tmp_path).problems == []
    assert check(one, base, cache=tmp_path).problems == []
    assert [query["id"] for query in handler.requests] == [["111"]]  # the second from the cache
    two = ledger(("leg-pain", "found2024", "became apparent"), ("harms", "rare2024", "rare"))
    assert check(two, base, cache=tmp_path).problems == []
    assert [query["id"] for query in handler.requests] == [["111"], ["222"]]  # only the new one


def test_network_failure_is_could_not_check(tmp_path: Path) -> None:
    silent = socket.create_server(("127.0.0.1", 0))  # accepts, then hangs up without a word

    def hang_up() -> None:
        with contextlib.suppress(OSError):
            while True:
                silent.accept()[0].close()

    threading.Thread(target=hang_up, daemon=True).start()
    text = ledger(("leg-pain", "found2024", "became apparent"), ("harms", "rare2024", "rare"))
    with silent:
        result = check(text, f"http://127.0.0.1:{silent.getsockname()[1]}")
    assert [(p.line, p.rule) for p in sorted(result.problems)] == [
        (quote_line(text, "leg-pain"), UNCHECKED),
        (quote_line(text, "harms"), UNCHECKED),
    ]
    assert "claim 'leg-pain': could not check its quote against the abstract of PMID 111 " in (
        sorted(result.problems)[0].message
    )
    assert "network error" in result.problems[0].message


def test_cli_reports_at_the_quote_line_and_exits_1(
    server: tuple[str, type[FakeEutils]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The whole command: the other online checks find nothing, the quote check one problem."""
    base, _ = server
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        "# Home\n\nLeg pain eased {cite:p}`found2024` {claim}`leg-pain`.\n\n"
        "Advice {cite:p}`guideline2024` {claim}`advice`.\n",
        encoding="utf-8",
    )
    (tmp_path / "references.bib").write_text(
        BIB[: BIB.index("@article{rare2024")]
        + "@misc{guideline2024,\n  author = {{NICE}},\n  title = {Sciatica},\n  year = {2024},\n"
        "  url = {https://www.nice.org.uk/guidance/ng59},\n}\n",
        encoding="utf-8",
    )
    text = ledger(
        ("leg-pain", "found2024", "became apparent in week 3"),
        ("advice", "guideline2024", "Do not offer acupuncture"),
    )
    (tmp_path / "claims.yaml").write_text(text, encoding="utf-8")
    status = cli.main([
        "--online", "--doi-api", base, "--eutils", base, "--crossref", base, "--europepmc", base,
        "--retries", "0",
        "--timeout", "1", "--cache-dir", str(tmp_path / "cache"),  # claims.yaml beside the bib
    ])  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    problem = f"claims.yaml:{quote_line(text, 'leg-pain')}: quote-not-in-abstract: claim 'leg-pain'"
    assert any(line.startswith(problem) for line in out), out
    assert "quotes not checked, no cited work has a PubMed ID or DOI (1): advice" in out
    assert out[-1].startswith("citations: 1 problem (quote-not-in-abstract: 1); checked ")
    assert "; 1 quote against 1 PubMed abstract (1 request, 0 from the cache))" in out[-1]
    assert status == 1


def test_efetch_reads_only_each_records_own_abstract() -> None:
    body = PROLOGUE + "<PubmedArticleSet>" + ARTICLE.format(
        pmid="222", abstract="<Abstract>" + ABSTRACTS["222"] + "</Abstract>"
    ) + "</PubmedArticleSet>"  # fmt: skip
    assert parse_efetch(body) == {"222": "Serious adverse events were rare."}  # not 999999's


def test_quote_parts_and_mismatch_words() -> None:
    assert quote_parts("a [...] b (\u2026) c ... d \u2026") == ["a", "b", "c", "d"]
    assert find_quote("", "anything") is None
    mismatch = find_quote("It was rare indeed", "Serious events: it was rare.")
    assert mismatch is not None
    assert mismatch.describe() == 'the text follows it as far as "It was rare", then not "indeed"'
