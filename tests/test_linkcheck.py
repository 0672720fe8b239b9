"""``nox -s linkcheck`` (living_review.tools.linkcheck) on a fixture site, against 127.0.0.1."""

from __future__ import annotations

import json
import re
import runpy
import shutil
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from common import DOCS, ROOTS

from living_review.tools import linkcheck
from living_review.tools.site_server import loopback_server

SLOW_SECONDS = 3.0


class Pages(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.answer(body=False)

    def do_GET(self) -> None:
        self.answer(body=True)

    def answer(self, body: bool) -> None:
        if self.path == "/slow":
            time.sleep(SLOW_SECONDS)
        status, headers = {
            "/good": (200, {}),
            "/moved": (302, {"Location": "/good"}),
            "/slow": (200, {}),
        }.get(self.path, (404, {}))
        data = b"<html><body>page</body></html>"
        try:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(data))}.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the checker stopped waiting


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The fixture site, its links pointing at a server started for this test."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    with loopback_server(Pages) as httpd:
        source = tmp_path / "src"
        shutil.copytree(ROOTS / "test-linkcheck", source)
        page = source / "index.md"
        page.write_text(page.read_text().replace("PORT", str(httpd.server_address[1])))
        yield source


def test_broken_link_is_reported_and_fails(
    site: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "linkcheck"
    server = re.search(r"http://127\.0\.0\.1:\d+/", (site / "index.md").read_text())
    assert server
    status = linkcheck.main(["--probe", server.group(), str(site), str(outdir), "--", "-q"])
    assert status != 0
    results = {
        r["uri"].rsplit("/", 1)[1]: r for r in linkcheck.read_results(outdir / "output.json")
    }
    assert {name: r["status"] for name, r in results.items()} == {
        "good": "working",
        "gone": "broken",
        "moved": "working",  # an allowed redirect
        "slow": "timeout",
    }
    assert results["gone"]["code"] == 0 or "404" in results["gone"]["info"]
    out = capsys.readouterr().out
    assert "linkcheck: 4 links checked; working: 2, timeout: 1, broken: 1" in out
    assert re.search(r"index\.md:4: broken http://127\.0\.0\.1:\d+/gone \(404 ", out)
    assert re.search(r"index\.md:6: timeout http://127\.0\.0\.1:\d+/slow", out)


def test_summary_only_fails_on_a_broken_link(tmp_path: Path) -> None:
    (tmp_path / "output.json").write_text(
        '{"filename": "a.md", "lineno": 3, "status": "working", "uri": "https://a", "info": ""}\n'
        '{"filename": "a.md", "lineno": 4, "status": "broken", "uri": "https://b", "info": "x"}\n'
    )
    assert linkcheck.main(["docs", str(tmp_path), "--summary-only"]) == 1


def test_a_bibliography_link_is_reported_at_its_references_bib_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The builder places every link of a {bibliography} at the directive's line; the report
    names the .bib line of the field it was made from. A link written on a page keeps its line."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "references.md").write_text(
        "# References\n\n```{bibliography}\n```\n\nSee [this](https://example.org/written).\n"
    )
    bib = tmp_path / "references.bib"
    bib.write_text(
        "@article{koes2007,\n  title = {T},\n  doi = {10.1136/BMJ.39223.428495.BE},\n"
        "  pubmed = {17585160},\n}\n\n@misc{nice2020,\n  title = {G},\n"
        "  url = {https://www.nice.org.uk/guidance/ng59},\n}\n"
    )
    outdir = tmp_path / "linkcheck"
    outdir.mkdir()
    on_directive = {"filename": "references.md", "lineno": 3, "info": ""}
    results = [
        {**on_directive, "status": "broken", "uri": "https://doi.org/10.1136/bmj.39223.428495.BE",
         "info": "404"},
        {**on_directive, "status": "timeout", "uri": "https://www.ncbi.nlm.nih.gov/pubmed/17585160"},
        {**on_directive, "status": "broken", "uri": "https://www.nice.org.uk/guidance/ng59/"},
        {**on_directive, "status": "broken", "uri": "https://example.org/in-no-entry"},
        {**on_directive, "lineno": 6, "status": "broken", "uri": "https://example.org/written"},
    ]  # fmt: skip
    (outdir / "output.json").write_text("".join(json.dumps(r) + "\n" for r in results))
    status = linkcheck.main(["--bib", str(bib), str(docs), str(outdir), "--summary-only"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    listed = "in the bibliography on references.md:3"
    assert lines[1:6] == [
        f"{bib}:3: broken https://doi.org/10.1136/bmj.39223.428495.BE "
        f"(entry 'koes2007', {listed}) (404)",
        f"{bib}:4: timeout https://www.ncbi.nlm.nih.gov/pubmed/17585160 "
        f"(entry 'koes2007', {listed})",
        f"{bib}:9: broken https://www.nice.org.uk/guidance/ng59/ (entry 'nice2020', {listed})",
        "references.md:3: broken https://example.org/in-no-entry",
        "references.md:6: broken https://example.org/written",
    ]


def test_real_site_allows_the_redirects_it_expects() -> None:
    conf = runpy.run_path(str(DOCS / "conf.py"))
    allowed = {re.compile(k): re.compile(v) for k, v in conf["linkcheck_allowed_redirects"].items()}

    def is_allowed(source: str, target: str) -> bool:
        return any(k.match(source) and v.match(target) for k, v in allowed.items())

    assert is_allowed("https://doi.org/10.1136/bmj.39223.428495.BE", "https://www.bmj.com/x")
    assert is_allowed(
        "https://www.ncbi.nlm.nih.gov/pubmed/17585160", "https://pubmed.ncbi.nlm.nih.gov/17585160/"
    )
    assert not is_allowed("https://example.org/a", "https://example.org/b")
    assert 1 <= conf["linkcheck_workers"] <= 4
    assert conf["linkcheck_timeout"] and conf["linkcheck_retries"] >= 1
    assert conf["linkcheck_rate_limit_timeout"] > 0
