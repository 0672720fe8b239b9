"""docs-live: each live rebuild writes what a clean build writes, and a save reloads the page.

The live server (living_review.tools.live) builds in fresh forks of a warm worker
(living_review.tools.warm_builder). These tests run that worker on the fixture project
``tests/roots/test-live`` and once on a copy of the real site, and compare every file it writes
with a clean ``sphinx-build -E -W --keep-going -n`` of the same sources, byte for byte. Nothing
is stripped: the reload script is added to pages as they are served, never to the files.
"""

from __future__ import annotations

import ast
import json
import pickle
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from common import ROOT, ROOTS, cite_links, page_soup, record_calls, sphinx_build
from pybtex.database import parse_file
from sphinx.testing.util import SphinxTestApp

from living_review.sphinxext import cited_entries
from living_review.tools.bench import Site, cite_last_key_first, copy_project, touch_newer
from living_review.tools.bench_live import (
    fetch,
    free_port,
    live_server,
    our_server_command,
    save_and_wait_for_reload,
)
from living_review.tools.warm_builder import WarmBuilder

STRICT = ["-b", "html", "-W", "--keep-going", "-n"]
#: Not site output: Sphinx's record of the build's configuration and the saved environment.
NOT_OUTPUT = (".buildinfo", ".buildinfo.bak", ".doctrees")


def site_files(outdir: Path) -> dict[str, bytes]:
    """Every file a build wrote (path relative to *outdir* -> bytes), doctrees aside."""
    return {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.is_file() and path.relative_to(outdir).parts[0] not in NOT_OUTPUT
    }


def assert_same_as_clean_build(srcdir: Path, live: Path, clean: Path) -> None:
    """The live output equals a clean build of the same sources, file for file, byte for byte."""
    built = sphinx_build(srcdir, clean)
    assert built.returncode == 0, built.stderr
    live_files, clean_files = site_files(live), site_files(clean)
    assert sorted(live_files) == sorted(clean_files)
    differing = [name for name in clean_files if live_files[name] != clean_files[name]]
    assert differing == []


def edit(path: Path, old: str, new: str) -> None:
    """Replace *old* (which must be there) in *path*, saved as a later version."""
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    touch_newer(path)


@pytest.fixture
def fixture_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOTS / "test-live", project)
    return project


@pytest.fixture
def builder() -> Iterator[WarmBuilder]:
    warm = WarmBuilder()
    try:
        yield warm
    finally:
        warm.stop()


def test_each_live_rebuild_writes_what_a_clean_build_writes(
    fixture_project: Path, builder: WarmBuilder, tmp_path: Path
) -> None:
    live = tmp_path / "live"
    argv = [*STRICT, str(fixture_project), str(live)]
    assert builder.build(argv).ok
    assert_same_as_clean_build(fixture_project, live, tmp_path / "clean-0")
    assert cite_links(page_soup(live, "second.html")) == [
        ("3", "gamma"),
        ("2", "beta"),
        ("1", "alpha"),
    ]

    # A sentence added: one page rewritten.
    edit(fixture_project / "first.md", "then beta", "then, as before, beta")
    assert builder.build(argv).ok
    assert_same_as_clean_build(fixture_project, live, tmp_path / "clean-1")
    # The environment the child saved aside is whole: the next build can start from it.
    saved = pickle.loads((live / ".doctrees" / "environment.pickle").read_bytes())
    assert set(saved.all_docs) == {"index", "first", "second", "refs"}

    # The first citation moved: beta is now cited first, so every number changes, on the page
    # that was not edited too.
    edit(
        fixture_project / "first.md",
        "Alpha comes first {cite:p}`alpha`, then, as before, beta {cite:p}`beta`.",
        "Beta comes first {cite:p}`beta`, then alpha {cite:p}`alpha`.",
    )
    assert builder.build(argv).ok
    assert cite_links(page_soup(live, "second.html")) == [
        ("3", "gamma"),
        ("1", "beta"),
        ("2", "alpha"),
    ]
    assert_same_as_clean_build(fixture_project, live, tmp_path / "clean-2")

    # A correction in the bibliography: the entry's text changes wherever it shows.
    edit(fixture_project / "refs.bib", "title   = {Beta review}", "title   = {Beta, reviewed}")
    assert builder.build(argv).ok
    assert "Beta, reviewed" in (live / "refs.html").read_text("utf-8")
    assert_same_as_clean_build(fixture_project, live, tmp_path / "clean-3")

    # Every build ran in a process of its own: no extension state carried over.
    assert "Builds in this process: 1." in (live / "index.html").read_text("utf-8")


def test_a_live_rebuild_of_the_real_site_equals_a_clean_build(
    builder: WarmBuilder, tmp_path: Path
) -> None:
    project = copy_project(ROOT, tmp_path / "site")  # a git repository: page dates work
    live = tmp_path / "live"
    argv = [*STRICT, str(project / "docs"), str(live)]
    assert builder.build(argv).ok
    before = reference_numbers(live)
    # bench's renumbering edit: the first section page cites the last-numbered work first.
    site = Site(project)
    shutil.copytree(live, site.outdir("live"))
    key = cite_last_key_first(site, "live")
    assert builder.build(argv).ok
    assert_same_as_clean_build(project / "docs", live, tmp_path / "clean")
    after = reference_numbers(live)
    assert after[key] < before[key]  # moved up, and the works in between moved down
    assert sum(before[k] != after[k] for k in before) > 1


def reference_numbers(outdir: Path) -> dict[str, int]:
    """Key -> its number on the References page."""
    entries = page_soup(outdir, "references.html").select("[id^='cite-']")
    return {entry["id"].removeprefix("cite-"): number for number, entry in enumerate(entries, 1)}


def test_a_build_runs_again_after_the_worker_died(
    fixture_project: Path, builder: WarmBuilder, tmp_path: Path
) -> None:
    argv = [*STRICT, str(fixture_project), str(tmp_path / "live")]
    assert builder.build(argv).ok
    assert builder.worker_pid is not None
    builder._process.kill()  # type: ignore[union-attr]  (as the out-of-memory killer would)
    builder._process.wait()  # type: ignore[union-attr]
    assert builder.build(argv).ok


def test_a_save_reloads_the_connected_page_and_a_failed_build_keeps_the_server(
    fixture_project: Path, tmp_path: Path
) -> None:
    port = free_port()
    outdir = tmp_path / "served"
    command = [
        sys.executable, "-m", "living_review.tools.live", "-W", "--keep-going", "-n",
        str(fixture_project), str(outdir), "--port", str(port),
    ]  # fmt: skip
    log = tmp_path / "live.log"
    with live_server(command, tmp_path, port, log, start_timeout=120) as server:
        served = fetch(server.url("/first.html"))
        assert served is not None and "/websocket-reload" in served  # the page reloads itself
        assert "websocket-reload" not in (outdir / "first.html").read_text("utf-8")  # not on disk

        reload = save_and_wait_for_reload(server, fixture_project / "first.md", "/first.html", 120)
        assert reload.wall < 120

        # A citation of a key that does not exist: the build fails, says so, and the server
        # goes on serving the last pages; the next good save reloads again.
        page = fixture_project / "second.md"
        page.write_text(page.read_text("utf-8") + "\nNo such work {cite:p}`nosuchkey`.\n")
        deadline = time.monotonic() + 120
        while "BUILD FAILED" not in log.read_text("utf-8") and time.monotonic() < deadline:
            time.sleep(0.1)
        output = log.read_text("utf-8")
        assert re.search(
            r"second\.md:\d+: WARNING: could not find bibtex key \"nosuchkey\"", output
        )
        assert "[docs-live] BUILD FAILED (exit status 1): see the messages above" in output
        assert fetch(server.url("/second.html")) is not None
        page.write_text(page.read_text("utf-8").replace("{cite:p}`nosuchkey`", "(none)"))
        save_and_wait_for_reload(server, fixture_project / "first.md", "/first.html", 120)
    assert "Traceback" not in log.read_text("utf-8")


def test_docs_live_command_is_the_benchs(tmp_path: Path) -> None:
    """The bench times the command nox -s docs-live runs (module and strict options)."""
    command = our_server_command(sys.executable, tmp_path, tmp_path / "out", 8000)
    noxfile = (ROOT / "noxfile.py").read_text("utf-8")
    assert "living_review.tools.live" in command and "living_review.tools.live" in noxfile
    assert command[3:6] == ["-W", "--keep-going", "-n"]


@pytest.mark.sphinx("html", testroot="live", freshenv=True)
def test_filtered_entries_are_upstreams(app: SphinxTestApp) -> None:
    """The one-pass filter lists the entries upstream's lists, in the same order."""
    try:
        app.build()
        domain: Any = app.env.get_domain("cite")
        upstream = cited_entries.UPSTREAM["get_filtered_entries"]
        for key in domain.bibliographies:
            ours = [(name, entry.key) for name, entry in domain.get_filtered_entries(key)]
            theirs = [(name, entry.key) for name, entry in upstream(domain, key)]
            assert ours == theirs
            assert [name for name, _ in ours] == ["alpha", "beta", "gamma"]  # delta: not cited
    finally:
        app.cleanup()


def test_control_upstreams_filter_scans_every_citation_for_every_entry(
    fixture_project: Path,
) -> None:
    """Upstream's filter reads the list of citations once per bib entry, ours once in all."""
    from sphinxcontrib.bibtex.directives import BibliographyKey
    from sphinxcontrib.bibtex.domain import BibtexDomain

    class CountedList(list):  # type: ignore[type-arg]
        scans = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            CountedList.scans += 1
            return super().__iter__()

    domain: Any = object.__new__(BibtexDomain)  # with only the data the filter reads
    bib = parse_file(str(fixture_project / "refs.bib"))
    refs = CountedList(
        SimpleNamespace(docname="first", targets=[SimpleNamespace(key=key)])
        for key in ("alpha", "beta", "gamma")
    )
    bibliography = SimpleNamespace(
        bibfiles=["refs.bib"], keyprefix="", filter_=ast.parse("cited"), keys=[], line=1
    )
    key = BibliographyKey(docname="refs", id_="bibliography-0")
    domain.data = {
        "bibliographies": {key: bibliography},
        "citation_refs": refs,
        "bibdata": SimpleNamespace(
            bibfiles={"refs.bib": SimpleNamespace(keys=list(bib.entries))}, data=bib
        ),
    }
    upstream = cited_entries.UPSTREAM.get("get_filtered_entries")
    if upstream is None:  # nothing built in this process yet: install, as the site does
        assert cited_entries.install()
        upstream = cited_entries.UPSTREAM["get_filtered_entries"]
    theirs = [name for name, _ in upstream(domain, key)]
    their_scans, CountedList.scans = CountedList.scans, 0
    ours = [name for name, _ in cited_entries.get_filtered_entries(domain, key)]
    assert ours == theirs == ["alpha", "beta", "gamma"]
    assert their_scans == len(bib.entries) == 4 and CountedList.scans == 1


def test_control_an_incremental_build_leaves_words_without_pages_upstream(
    fixture_project: Path, tmp_path: Path
) -> None:
    """Without search_index, Sphinx keeps a word removed from its last page as "word":[]."""
    conf = (fixture_project / "conf.py").read_text("utf-8")
    (fixture_project / "conf.py").write_text(
        conf.replace('    "living_review.sphinxext.search_index",\n', ""), "utf-8"
    )
    outdir = tmp_path / "html"
    command = [sys.executable, "-m", "sphinx", *STRICT, str(fixture_project), str(outdir)]
    page = fixture_project / "first.md"
    for old, new in (("", ""), ("then beta", "then, as before, beta"), ("as before, ", "")):
        if old:
            edit(page, old, new)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    assert '"befor":[]' in (outdir / "searchindex.js").read_text("utf-8")


def test_code_changes_restart_the_worker_and_page_changes_do_not(tmp_path: Path) -> None:
    from living_review.tools.live import LiveBuilder

    live = LiveBuilder([], "http://127.0.0.1:8000/", [tmp_path / "src"])
    try:
        assert live.is_code(tmp_path / "docs" / "conf.py")
        assert live.is_code(tmp_path / "src" / "living_review" / "sphinxext" / "static" / "a.css")
        assert not live.is_code(tmp_path / "docs" / "safety.md")
        assert not live.is_code(tmp_path / "references.bib")
    finally:
        live.close()


def test_each_word_is_stemmed_once_per_build(
    fixture_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sphinx memoises stems within a page; search_index keeps them for the whole build."""
    from sphinx.cmd.build import build_main
    from sphinx.search.en import SearchEnglish

    calls = record_calls(monkeypatch, SearchEnglish, "stem")
    assert build_main([*STRICT, "-q", str(fixture_project), str(tmp_path / "html")]) == 0
    stemmed = [call.args[1] for call in calls]  # (self, word)
    words_on_two_pages = {"alpha", "beta"}  # both pages of the fixture have them
    assert words_on_two_pages <= set(stemmed)
    assert len(stemmed) == len(set(stemmed))  # upstream alone stems them once per page


def test_citation_links_are_upstreams(
    fixture_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file is the same whether citations resolve through upstream's method or ours."""
    from sphinx.cmd.build import build_main
    from sphinxcontrib.bibtex.domain import BibtexDomain

    page = fixture_project / "second.md"
    page.write_text(page.read_text("utf-8") + "\nBoth {cite:t}`gamma,alpha`.\n", "utf-8")
    assert build_main([*STRICT, "-q", str(fixture_project), str(tmp_path / "ours")]) == 0
    assert BibtexDomain.resolve_xref is cited_entries.resolve_xref
    monkeypatch.setattr(cited_entries, "install", lambda: False)  # setup() keeps upstream's
    monkeypatch.setattr(BibtexDomain, "resolve_xref", cited_entries.UPSTREAM["resolve_xref"])
    assert build_main([*STRICT, "-q", str(fixture_project), str(tmp_path / "theirs")]) == 0
    ours, theirs = site_files(tmp_path / "ours"), site_files(tmp_path / "theirs")
    counter = re.compile(rb"Builds in this process: \d+")  # the fixture counts its builds
    for files in (ours, theirs):
        files["index.html"] = counter.sub(b"", files["index.html"])
    assert ours == theirs
    assert b"cite-gamma" in ours["second.html"]


def test_citations_by_key_keep_their_order_and_follow_a_refilled_list() -> None:
    index = cited_entries.CitationsByKey()
    citations = [SimpleNamespace(key=key) for key in ("b", "a", "c", "a")]
    assert index.of_keys(citations, ["a", "b"]) == [citations[0], citations[1], citations[3]]
    assert index.of_keys(citations, ["z"]) == []
    refilled = [SimpleNamespace(key=key) for key in ("c", "b")]
    citations[:] = refilled  # in place, as sphinxcontrib-bibtex refills it
    assert index.of_keys(citations, ["b", "a"]) == [refilled[1]]
    # The same ends and length, another middle: what env-updated's forget() is there for.
    first, last = SimpleNamespace(key="x"), SimpleNamespace(key="y")
    citations[:] = [first, SimpleNamespace(key="m"), last]
    assert index.of_keys(citations, ["m"]) == [citations[1]]
    citations[1] = SimpleNamespace(key="n")
    index.forget()
    assert index.of_keys(citations, ["m", "n"]) == [citations[1]]


SAVE_ASIDE = """
import json, os, pickle, sys
from living_review.tools import warm_builder

path = sys.argv[1]
value = {"pages": ["first", "second"]} if sys.argv[2] == "picklable" else (lambda: None)
with open(path, "wb") as file:
    warm_builder._PickleSavingTheEnvironmentAside().dump(value, file, pickle.HIGHEST_PROTOCOL)
saved = warm_builder.wait_for_environment_saves()
print(json.dumps({"saved": saved, "exists": os.path.exists(path)}))
"""


@pytest.mark.parametrize("value", ["picklable", "unpicklable"])
def test_the_environment_saved_aside_is_complete_or_removed(tmp_path: Path, value: str) -> None:
    """A child saves the environment in a fork; a failed save leaves no broken file behind."""
    path = tmp_path / "environment.pickle"
    done = subprocess.run(
        [sys.executable, "-c", SAVE_ASIDE, str(path), value],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    if value == "picklable":
        assert outcome == {"saved": True, "exists": True}
        assert pickle.loads(path.read_bytes()) == {"pages": ["first", "second"]}
    else:
        assert outcome == {"saved": False, "exists": False}
        assert "pickle" in done.stderr.lower()  # the saver's one traceback says why


DIES_WITHOUT_REPORT = """
import json, os, select, signal, time
from living_review.tools.warm_builder import read_report

report_read, report_write = os.pipe()
holder_read, holder_write = os.pipe()
child = os.fork()
if child == 0:  # a build that forks a long-lived helper, then dies without reporting
    os.close(report_read)
    holder = os.fork()
    if holder == 0:  # keeps the report pipe open, as sphinx-sitemap's manager process would
        time.sleep(60)
        os._exit(0)
    os.write(holder_write, str(holder).encode())
    os._exit(3)
os.close(report_write)
line = read_report(report_read, child)
_, status = os.waitpid(child, 0)
holder = int(os.read(holder_read, 32))
still_open = not select.select([report_read], [], [], 0)[0]  # no end of file: the helper lives
os.kill(holder, signal.SIGKILL)
print(json.dumps({"line": line, "status": os.waitstatus_to_exitcode(status),
                  "still_open": still_open}))
"""


def test_a_child_that_dies_without_reporting_is_not_waited_for_past_its_end() -> None:
    done = subprocess.run(
        [sys.executable, "-c", DIES_WITHOUT_REPORT], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert outcome["line"] == "" and outcome["status"] == 3
    assert outcome["still_open"]  # the child's end, not the pipe's (the helper's), ended it
