"""Helpers shared by the tests: where the project is, a strict sphinx-build, reading HTML.

Fixture projects are built in-process with Sphinx's own fixtures (``sphinx.testing``, loaded in
conftest.py): ``@pytest.mark.sphinx("html", testroot="<name>")`` and the ``app`` or
``make_app`` fixtures, from ``tests/roots/test-<name>/``. The real site, and anything that must
run exactly as nox runs it, is built by :func:`sphinx_build` in a subprocess.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

ROOT = Path(__file__).resolve().parent.parent  # tests/ is not installed: it sits in the checkout
DOCS = ROOT / "docs"
ROOTS = Path(__file__).resolve().parent / "roots"


def page_soup(outdir: Path, page: str) -> BeautifulSoup:
    """Parse one built page, e.g. ``page_soup(app.outdir, "index.html")``.

    Parsed once per version of the file and shared: a test must not change what it is given.
    """
    path = outdir / page
    stat = path.stat()
    return _parse(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=128)
def _parse(path: str, mtime_ns: int, size: int) -> BeautifulSoup:
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")


@dataclass(frozen=True)
class Build:
    """The outcome of one sphinx-build run."""

    outdir: Path
    returncode: int
    stdout: str
    stderr: str

    def soup(self, page: str) -> BeautifulSoup:
        """Parse one built page, e.g. ``soup("index.html")``."""
        return page_soup(self.outdir, page)


def sphinx_build(
    srcdir: Path,
    outdir: Path,
    *extra: str,
    builder: str = "html",
    env: dict[str, str] | None = None,
) -> Build:
    """Run sphinx-build strictly (-W --keep-going -n, fresh environment) in a subprocess."""
    doctrees = outdir.parent / f"{outdir.name}-doctrees"
    command = [
        sys.executable, "-m", "sphinx", "-b", builder, "-E", "-W", "--keep-going", "-n",
        "-d", str(doctrees), *extra, str(srcdir), str(outdir),
    ]  # fmt: skip
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(command, capture_output=True, text=True, env=full_env, check=False)
    return Build(outdir, done.returncode, done.stdout, done.stderr)


def source_date_epoch() -> str:
    """The commit time of HEAD (or a fixed date outside a git checkout)."""
    done = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "1795651200"


#: What the real site is built with: SOURCE_DATE_EPOCH fixes the dates taken from the clock.
REAL_SITE_ENV = {"SOURCE_DATE_EPOCH": source_date_epoch()}


def touch_newer(path: Path) -> None:
    """Move *path*'s mtime clearly past the last build, so an incremental build sees the edit.

    Sphinx compares modification times, which some file systems keep to the second or coarser.
    """
    later = time.time() + 5
    os.utime(path, (later, later))


#: What a copy of the project leaves out: everything else is copied, so a new file the build
#: reads (references.bib, claims.yaml, ...) needs no change here.
NOT_COPIED = {".git", ".nox", ".cache", ".venv", "node_modules", "tests", ".pytest_cache"}
NOT_COPIED |= {".ruff_cache"}


def copy_project(dest: Path) -> Path:
    """Copy the project's sources into *dest* and commit them there (page dates come from git)."""
    dest.mkdir(parents=True)
    ignored = shutil.ignore_patterns("_build", "__pycache__", "*.pyc")
    for source in sorted(ROOT.iterdir()):
        if source.name in NOT_COPIED:
            continue
        if source.is_dir():
            shutil.copytree(source, dest / source.name, ignore=ignored)
        elif source.is_file():
            shutil.copy2(source, dest / source.name)
    identity = ["-c", "user.name=tests", "-c", "user.email=tests@localhost"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "copy"]):
        subprocess.run(["git", *identity, *args], cwd=dest, check=True, capture_output=True)
    return dest


def cite_links(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(label text, target key) for every in-text citation on a page, in document order."""
    links = []
    for a in soup.select("article[role=main] a.reference.internal[href*='#cite-']"):
        key = a["href"].split("#cite-", 1)[1]
        links.append((a.get_text(strip=True).strip("[]"), key))
    return links


def warnings(app: SphinxTestApp) -> str:
    """Everything an in-process build logged as a warning or error, without colour codes."""
    return strip_escape_sequences(app.warning.getvalue())


def build_cleanly(app: SphinxTestApp) -> SphinxTestApp:
    """Build *app*, check that it logged no warning or error, and release Sphinx's global state.

    After the clean-up the next ``make_app`` of the same test starts afresh, as a new
    ``sphinx-build`` process would (reading the saved environment); *app*'s output stays.
    """
    try:
        app.build()
    finally:
        app.cleanup()
    assert warnings(app) == ""
    return app


@dataclass(frozen=True)
class Call:
    """One recorded call: its positional and keyword arguments (``self`` first for a method)."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def record_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[Call]:
    """Wrap ``owner.name`` (a function, or a method on a class) for the test: every call is
    recorded, then passed on unchanged. Returns the list the calls are appended to."""
    original = getattr(owner, name)
    calls: list[Call] = []

    def recording(*args: Any, **kwargs: Any) -> Any:
        calls.append(Call(args, kwargs))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls
