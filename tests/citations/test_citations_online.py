"""``--online`` against a fake DOI handle API, E-utilities and Crossref on 127.0.0.1.

The fake server answers in the real APIs' formats. Client timeouts and backoff are tiny (and the
backoff sleeps are recorded, not slept), so these tests take well under two seconds.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from living_review.bibfile import parse_bibtex
from living_review.tools.citations import cli
from living_review.tools.citations.online import UNCHECKED, OnlineSettings, check_online
from living_review.tools.citations.report import Problem
from living_review.tools.citations.webclient import Client, ClientSettings, retry_after
from living_review.tools.site_server import base_url, loopback_server

SLOW_SECONDS = 1.0  # how long the fake server stalls on the "slow" DOI
CLIENT_TIMEOUT = 0.2

HANDLES = {"10.1000/found", "10.1000/retracted", "10.1000/concern", "10.1000/busy", "10.1000/slow"}
SUMMARIES = {
    "111": {
        "uid": "111",
        "pubdate": "2020 Mar",
        "epubdate": "2020 Jan 5",
        "source": "J Fixtures",
        "authors": [{"name": "Müller J", "authtype": "Author"}, {"name": "Roe R"}],
        "title": "A <i>found</i> record&#x2014;diacritics and punctuation aside.",
        "articleids": [
            {"idtype": "pubmed", "value": "111"},
            {"idtype": "doi", "value": "10.1000/found"},
            {"idtype": "pmc", "value": "PMC111"},
        ],
        "pubtype": ["Journal Article"],
    },
    "222": {
        "uid": "222",
        "pubdate": "2019 Dec",
        "epubdate": "",
        "authors": [{"name": "Smith A", "authtype": "Author"}],
        "title": "Something else entirely.",
        "articleids": [{"idtype": "doi", "value": "10.1000/other"}],
    },
    "333": {
        "uid": "333",
        "pubdate": "2020",
        "authors": [{"name": "Muller J", "authtype": "Author"}],
        "title": "A found record: diacritics and punctuation aside",
        "articleids": [],
        "pubtype": ["Journal Article", "Retracted Publication"],
        "references": [
            {"refsource": "J Fixtures. 2021;1:2", "reftype": "Retraction in", "pmid": "444"}
        ],
    },
}
WORKS = {
    "10.1000/found": {},
    "10.1000/busy": {},
    "10.1000/retracted": {
        "updated-by": [
            {
                "DOI": "10.1000/notice",
                "type": "retraction",
                "label": "Retraction",
                "source": "publisher",
                "updated": {"date-parts": [[2021, 3, 4]]},
            },
            {  # the same notice again, as Retraction Watch records it: reported once
                "DOI": "10.1000/notice",
                "type": "Retraction",
                "label": "Retraction",
                "source": "retraction-watch",
                "updated": {"date-parts": [[2021, 3, 4]]},
            },
            {"DOI": "10.1000/erratum", "type": "correction", "label": "Correction"},
        ]
    },
    "10.1000/concern": {
        "updated-by": [
            {
                "DOI": "10.1000/eoc",
                "type": "expression_of_concern",
                "label": "Expression of Concern",
                "updated": {"date-parts": [[2022, 1, 2]]},
            }
        ]
    },
}


class FakeAPIs(BaseHTTPRequestHandler):
    """The three APIs, answering as the real ones do (trimmed to the fields we read)."""

    requests: list[tuple[str, dict[str, str]]]
    busy_answered: set[str]

    def log_message(self, *args: object) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.requests.append((self.path, dict(self.headers)))
        path, query = unquote(parts.path), parse_qs(parts.query)
        if path.startswith("/api/handles/"):
            self.handle_api(path.removeprefix("/api/handles/"))
        elif path.startswith("/works/"):
            doi = path.removeprefix("/works/")
            if doi not in WORKS:
                self.reply(404, "Resource not found.", "text/plain")
            else:
                message = {"DOI": doi, "type": "journal-article", **WORKS[doi]}
                work = {"status": "ok", "message-type": "work", "message": message}
                self.reply(200, json.dumps(work))
        elif path == "/esummary.fcgi":
            pmid = query["id"][0]
            record = SUMMARIES.get(pmid, {"uid": pmid, "error": "cannot get document summary"})
            result = {"header": {"type": "esummary", "version": "0.3"}}
            result["result"] = {"uids": [pmid], pmid: record}
            self.reply(200, json.dumps(result))
        else:
            self.reply(404, "{}")

    def handle_api(self, doi: str) -> None:
        if doi == "10.1000/slow":
            time.sleep(SLOW_SECONDS)
        if doi == "10.1000/busy" and doi not in self.busy_answered:
            self.busy_answered.add(doi)
            self.reply(429, "Too many requests", "text/plain", {"Retry-After": "3"})
            return
        if doi in HANDLES:
            value = {"format": "string", "value": f"https://publisher.example/{doi}"}
            element = {"index": 1, "type": "URL", "data": value, "ttl": 86400}
            self.reply(200, json.dumps({"responseCode": 1, "handle": doi, "values": [element]}))
        else:
            self.reply(404, json.dumps({"responseCode": 100, "handle": doi}))

    def reply(
        self, status: int, body: str, kind: str = "application/json", headers: dict | None = None
    ) -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout case)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, type[FakeAPIs]]]:
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    handler = type("Handler", (FakeAPIs,), {"requests": [], "busy_answered": set()})
    with loopback_server(handler) as httpd:  # does not wait for the stalled "slow" answer
        yield base_url(httpd, ""), handler


def settings_for(base: str, cache: Path | None) -> OnlineSettings:
    client = ClientSettings(
        user_agent="",
        timeout=CLIENT_TIMEOUT,
        retries=1,
        backoff=0.01,
        cache_dir=cache,
        min_interval=0.0,
    )
    return OnlineSettings(
        contact="maintainers@example.org",
        doi_api=f"{base}/api/handles/",
        eutils=base,
        crossref=base,
        workers=4,
        client=client,
    )


def check(bibtex: str, base: str, cache: Path | None = None) -> tuple[list[Problem], list[float]]:
    settings = settings_for(base, cache)
    # No NCBI pause against the fake server.
    client_settings = replace(settings.client_settings(), host_intervals={})
    slept: list[float] = []
    client = Client(client_settings, sleep=slept.append)
    bib = parse_bibtex(bibtex, Path("references.bib"))
    return sorted(check_online(bib, settings, client).problems), slept


def entry(key: str, *, doi: str = "", pubmed: str = "", pmcid: str = "") -> str:
    lines = [
        f"@article{{{key},",
        '  author  = {M{\\"u}ller, Jana and Roe, Richard},',
        "  title   = {A {Found} Record---Diacritics and Punctuation Aside},",
        "  journal = {Journal of Fixtures},",
        "  year    = {2020},",
    ]
    for name, value in (("doi", doi), ("pubmed", pubmed), ("pmcid", pmcid)):
        if value:
            lines.append(f"  {name} = {{{value}}},")
    return "\n".join([*lines, "}"])


def test_found_and_matching_is_fine(server: tuple[str, type[FakeAPIs]]) -> None:
    base, handler = server
    problems, _ = check(entry("found", doi="10.1000/found", pubmed="111", pmcid="PMC111"), base)
    assert problems == []
    user_agents = {headers["User-Agent"] for _, headers in handler.requests}
    assert user_agents == {
        "living-review-citations/1.0 (+https://github.com/acupuncture-sciatica-review/"
        "living-review; mailto:maintainers@example.org)"
    }
    paths = sorted(path for path, _ in handler.requests)
    assert paths[0] == "/api/handles/10.1000/found"
    assert "email=maintainers%40example.org" in paths[1] and "tool=" in paths[1]
    assert paths[2] == "/works/10.1000/found?mailto=maintainers%40example.org"


def test_not_found(server: tuple[str, type[FakeAPIs]]) -> None:
    problems, _ = check(entry("missing", doi="10.1000/missing", pubmed="999"), server[0])
    assert [(p.line, p.rule) for p in problems] == [
        (6, "online-doi-not-found"),
        (7, "online-pubmed-not-found"),
    ]
    assert "DOI 10.1000/missing does not exist" in problems[0].message
    assert "PubMed has no record with ID 999" in problems[1].message
    requested = [path for path, _ in server[1].requests]
    assert not any(path.startswith("/works/") for path in requested)  # no Crossref for a non-DOI


def test_pubmed_mismatch_names_each_difference(server: tuple[str, type[FakeAPIs]]) -> None:
    problems, _ = check(entry("wrongid", doi="10.1000/found", pubmed="222"), server[0])
    assert [(p.line, p.rule) for p in problems] == [(7, "online-pubmed-mismatch")]
    message = problems[0].message
    assert "title is 'Something else entirely.'" in message
    assert "year is 2019 Dec (entry: 2020)" in message
    assert "first author is Smith A" in message
    assert "DOI is 10.1000/other (entry: 10.1000/found)" in message


def test_retracted_and_concern(server: tuple[str, type[FakeAPIs]]) -> None:
    bibtex = "\n".join([
        entry("retracted", doi="10.1000/retracted", pubmed="333"),
        entry("concern", doi="10.1000/concern"),
    ])  # fmt: skip
    problems, _ = check(bibtex, server[0])
    assert [(p.line, p.rule) for p in problems] == [
        (6, "online-retracted"),  # Crossref, once for two records of the same notice
        (7, "online-retracted"),  # PubMed
        (14, "online-concern"),
    ]
    crossref, pubmed, concern = (p.message for p in problems)
    assert "'Retraction' on 2021-03-04 (notice DOI: 10.1000/notice, recorded by publisher)" in (
        crossref
    )
    assert "J Fixtures. 2021;1:2 (notice PMID 444)" in pubmed
    assert "'Expression of Concern' on 2022-01-02 (notice DOI: 10.1000/eoc" in concern


def test_429_waits_as_told_then_succeeds(server: tuple[str, type[FakeAPIs]]) -> None:
    problems, slept = check(entry("busy", doi="10.1000/busy"), server[0])
    assert problems == []
    assert slept == [3.0]  # Retry-After: 3
    handle_requests = [p for p, _ in server[1].requests if p.startswith("/api/handles/")]
    assert handle_requests == ["/api/handles/10.1000/busy"] * 2


def test_timeout_is_could_not_check(server: tuple[str, type[FakeAPIs]]) -> None:
    started = time.monotonic()
    problems, slept = check(entry("slow", doi="10.1000/slow"), server[0])
    assert time.monotonic() - started < SLOW_SECONDS * 1.5
    assert [(p.line, p.rule) for p in problems] == [(6, UNCHECKED)]
    assert "could not check DOI 10.1000/slow" in problems[0].message
    assert "no answer within 0.2 s (gave up after 2 tries)" in problems[0].message
    assert slept == [0.01]  # one backoff before the one retry


def test_network_failure_is_could_not_check_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The network is there (the probe connects) but every request fails: one "could not
    check" per identifier, exit 3. (With no network at all: tests/test_network.py.)"""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    fixture = Path(__file__).parent / "fixtures" / "clean"
    server = socket.create_server(("127.0.0.1", 0))  # accepts, then hangs up without a word

    def hang_up() -> None:
        with contextlib.suppress(OSError):
            while True:
                server.accept()[0].close()

    threading.Thread(target=hang_up, daemon=True).start()
    silent = f"http://127.0.0.1:{server.getsockname()[1]}"
    with server:
        status = cli.main([
            "--bib", str(fixture / "references.bib"), "--docs", str(fixture / "docs"),
            "--online", "--doi-api", silent, "--eutils", silent, "--crossref", silent,
            "--europepmc", silent,
            "--retries", "0", "--timeout", "0.5", "--cache-dir", str(tmp_path),
        ])  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert status == 3
    assert f": {UNCHECKED}: entry 'good2020': could not check DOI 10.1000/good" in lines[0]
    assert "no problems, 1 could not be checked" in lines[-1]


def test_answers_are_cached_until_they_expire(
    server: tuple[str, type[FakeAPIs]], tmp_path: Path
) -> None:
    base, handler = server
    bibtex = entry("found", doi="10.1000/found", pubmed="111")
    assert check(bibtex, base, cache=tmp_path)[0] == []
    assert len(handler.requests) == 3
    assert len(list(tmp_path.glob("*.json"))) == 3
    assert check(bibtex, base, cache=tmp_path)[0] == []
    assert len(handler.requests) == 3  # all three answers came from the cache
    for path in tmp_path.glob("*.json"):  # age the cache past its expiry
        record = json.loads(path.read_text())
        record["fetched"] = "2000-01-01T00:00:00+00:00"
        path.write_text(json.dumps(record))
    assert check(bibtex, base, cache=tmp_path)[0] == []
    assert len(handler.requests) == 6


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after("7") == 7.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    assert retry_after("soon") is None
    assert retry_after(None) is None
