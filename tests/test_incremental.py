"""Incremental builds (``nox -s docs`` on its kept output, every ``docs-live`` rebuild) write what
a clean build writes, and nothing stale: renumbered citations, edited entries, an edited style.

Each test builds with a plain ``sphinx-build`` (no ``-E``), as sphinx-autobuild does, and compares
every file with a clean ``sphinx-build -E`` of the same sources, byte for byte, except that
``searchindex.js`` is compared as data, without the words no page has any more: Sphinx keeps
them as ``"word":[]`` in an incremental build (a search for one finds nothing either way).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from common import (
    REAL_SITE_ENV,
    ROOT,
    ROOTS,
    Build,
    cite_links,
    page_soup,
    touch_newer,
)

from living_review.tools import live
from living_review.tools.toctree import section_pages

STRICT = ["-b", "html", "-W", "--keep-going", "-n"]
#: Not site output: Sphinx's record of the build's configuration and the saved environment.
NOT_OUTPUT = (".buildinfo", ".buildinfo.bak", ".doctrees")


def search_index(data: bytes) -> object:
    """``searchindex.js`` as data, without the terms whose list of pages is empty."""
    text = data.decode("utf-8")
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    for name in ("terms", "titleterms"):
        index[name] = {word: pages for word, pages in index[name].items() if pages != []}
    return index


def site_files(outdir: Path) -> dict[str, object]:
    """Every file a build wrote (path relative to *outdir* -> bytes), doctrees aside."""
    files: dict[str, object] = {
        path.relative_to(outdir).as_posix(): path.read_bytes()
        for path in sorted(outdir.rglob("*"))
        if path.is_file() and path.relative_to(outdir).parts[0] not in NOT_OUTPUT
    }
    files["searchindex.js"] = search_index(files["searchindex.js"])  # type: ignore[arg-type]
    return files


def assert_same_files(built: Path, clean: Path) -> None:
    built_files, clean_files = site_files(built), site_files(clean)
    assert sorted(built_files) == sorted(clean_files)
    assert [name for name in clean_files if built_files[name] != clean_files[name]] == []


def incremental(srcdir: Path, outdir: Path, env: dict[str, str] | None = None) -> None:
    """``sphinx-build`` without ``-E``: only what changed is read again."""
    command = [sys.executable, "-m", "sphinx", *STRICT, "-d", str(outdir / ".doctrees")]
    done = subprocess.run(
        [*command, str(srcdir), str(outdir)], capture_output=True, text=True, check=False,
        env=None if env is None else {**os.environ, **env},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def edit(path: Path, old: str, new: str) -> None:
    """Replace *old* (which must be there) in *path*, saved as a later version."""
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    touch_newer(path)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOTS / "test-incremental", tmp_path / "project")
    return tmp_path / "project"


def build_in_process(srcdir: Path, outdir: Path, *extra: str) -> Path:
    """``sphinx-build`` in this process (quicker than a new one for a small project)."""
    from sphinx.cmd.build import build_main

    argv = [*STRICT, "-q", *extra, "-d", str(outdir / ".doctrees"), str(srcdir), str(outdir)]
    assert build_main(argv) == 0
    return outdir


def test_each_incremental_build_writes_what_a_clean_build_writes(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "incremental"
    build_in_process(project, out)
    assert cite_links(page_soup(out, "second.html")) == [
        ("3", "gamma"),
        ("2", "beta"),
        ("1", "alpha"),
    ]

    # A sentence added, then taken out again: one page rewritten each time.
    edit(project / "first.md", "then beta", "then, as before, beta")
    build_in_process(project, out)
    assert_same_files(out, build_in_process(project, tmp_path / "clean-1", "-E"))

    # The first citation moved: beta is now cited first, so every number changes, on the page
    # that was not edited too.
    edit(
        project / "first.md",
        "Alpha comes first {cite:p}`alpha`, then, as before, beta {cite:p}`beta`.",
        "Beta comes first {cite:p}`beta`, then alpha {cite:p}`alpha`.",
    )
    build_in_process(project, out)
    assert cite_links(page_soup(out, "second.html")) == [
        ("3", "gamma"),
        ("1", "beta"),
        ("2", "alpha"),
    ]
    assert_same_files(out, build_in_process(project, tmp_path / "clean-2", "-E"))

    # A correction in the bibliography: the entry's text changes wherever it shows.
    edit(project / "refs.bib", "title   = {Beta review}", "title   = {Beta, reviewed}")
    build_in_process(project, out)
    assert "Beta, reviewed" in (out / "refs.html").read_text("utf-8")
    assert_same_files(out, build_in_process(project, tmp_path / "clean-3", "-E"))


def test_an_edit_to_the_bibliography_style_shows_in_the_next_incremental_build(
    project: Path, tmp_path: Path
) -> None:
    """The style is the project's own code: what follows the sixth author changes."""
    package = tmp_path / "package"  # a copy of living_review, imported before the installed one
    shutil.copytree(ROOT / "src" / "living_review", package / "living_review")
    env = {"PYTHONPATH": str(package)}
    out = tmp_path / "html"
    incremental(project, out, env)
    assert "Four, et al." in (out / "refs.html").read_text("utf-8")  # gamma has seven authors

    style = package / "living_review" / "sphinxext" / "reference_style.py"
    edit(style, '[shown, "et al."]', '[shown, "and colleagues"]')
    incremental(project, out, env)
    references = (out / "refs.html").read_text("utf-8")
    assert "Four, and colleagues" in references and "et al." not in references


def test_a_renumbering_edit_of_the_real_site_equals_a_clean_build(
    real_site: Build, real_project: Path, tmp_path: Path
) -> None:
    """The shared build of the real site, edited so that the first section page cites the
    last-numbered work first, rebuilt incrementally, then edited back and rebuilt again: the
    numbers move and come back, and the output equals the clean build."""
    assert real_site.returncode == 0, real_site.stderr
    out = tmp_path / "html"
    shutil.copytree(real_site.outdir, out)
    shutil.copytree(real_site.outdir.parent / "html-doctrees", out / ".doctrees")
    before = reference_numbers(out)
    key = list(before)[-1]
    page = real_project / "docs" / f"{section_pages(real_project / 'docs')[0]}.md"
    original = page.read_text("utf-8")
    try:
        title = original.index("\n", original.index("\n# ") + 1)
        page.write_text(original[:title] + f"\n\nFirst {{cite:p}}`{key}`.\n" + original[title:])
        touch_newer(page)
        incremental(real_project / "docs", out, REAL_SITE_ENV)
        after = reference_numbers(out)
        assert after[key] < before[key] and sum(before[k] != after[k] for k in before) > 1
    finally:
        page.write_text(original, "utf-8")
        touch_newer(page)
    incremental(real_project / "docs", out, REAL_SITE_ENV)
    assert_same_files(out, real_site.outdir)


def reference_numbers(outdir: Path) -> dict[str, int]:
    """Key -> its number on the References page."""
    entries = page_soup(outdir, "references.html").select("[id^='cite-']")
    return {entry["id"].removeprefix("cite-"): number for number, entry in enumerate(entries, 1)}


def test_docs_live_watches_the_inputs_and_not_the_output(tmp_path: Path) -> None:
    for name in (
        "references.bib",
        "claims.yaml",
        "safety-net.yaml",
        "searches.yaml",
        "src",
        "docs",
    ):
        (tmp_path / name).touch() if "." in name else (tmp_path / name).mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "safety-net.yaml").touch()
    argv = live.autobuild_argv(tmp_path)
    watched = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--watch"]
    names = [
        *("references.bib", "claims.yaml", "safety-net.yaml", "searches.yaml", "src"),
        "data/safety-net.yaml",
    ]
    assert watched == [str(tmp_path / name) for name in names]
    assert argv[argv.index("--ignore") + 1] == str(tmp_path / "docs" / "_build")
    assert argv[:3] == ["-W", "--keep-going", "-n"]
    assert argv[-2:] == [str(tmp_path / "docs"), str(tmp_path / "docs" / "_build" / "live")]


def test_docs_live_rebuilds_a_saved_page_and_reloads_it(project: Path, tmp_path: Path) -> None:
    """sphinx-autobuild as docs-live runs it: the page gets the reload script, a save rebuilds
    and sends the reload message."""
    import urllib.request

    from websockets.sync.client import connect

    root = tmp_path / "root"
    shutil.move(project, root / "docs")  # docs-live's layout: the pages in docs/
    (root / "references.bib").write_text("", "utf-8")
    port = free_port()
    command = [sys.executable, "-m", "living_review.tools.live", "--root", str(root)]
    log = (tmp_path / "live.log").open("w")
    server = subprocess.Popen([*command, "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket_ = connect(f"ws://127.0.0.1:{port}/websocket-reload", open_timeout=5)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        with socket_:
            page = urllib.request.urlopen(f"http://127.0.0.1:{port}/first.html").read()
            assert b"/websocket-reload" in page  # added as served, never to the files
            built = root / "docs" / "_build" / "live" / "first.html"
            assert b"websocket-reload" not in built.read_bytes()
            edit(root / "docs" / "first.md", "then beta", "then, as before, beta")
            assert socket_.recv(timeout=120) == "refresh"
            assert "as before" in built.read_text("utf-8")
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    assert "Traceback" not in (tmp_path / "live.log").read_text("utf-8")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
