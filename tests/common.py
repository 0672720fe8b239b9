"""Helpers shared by the tests: building a Sphinx project and reading its HTML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup
from sphinx.testing.util import SphinxTestApp
from sphinx.util.console import strip_escape_sequences

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
ROOTS = Path(__file__).resolve().parent / "roots"


@dataclass(frozen=True)
class Build:
    """The outcome of one sphinx-build run."""

    outdir: Path
    returncode: int
    stdout: str
    stderr: str

    def soup(self, page: str) -> BeautifulSoup:
        """Parse one built page, e.g. ``soup("index.html")``."""
        return BeautifulSoup((self.outdir / page).read_text(encoding="utf-8"), "html.parser")


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


def cite_links(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(label text, target key) for every in-text citation on a page, in document order."""
    links = []
    for a in soup.select("article[role=main] a.reference.internal[href*='#cite-']"):
        key = a["href"].split("#cite-", 1)[1]
        links.append((a.get_text(strip=True).strip("[]"), key))
    return links


def build_root(
    name: str,
    tmp: Path,
    builder: str = "html",
    confoverrides: dict[str, object] | None = None,
) -> SphinxTestApp:
    """Copy tests/roots/test-<name> into *tmp*, build it in-process (fresh env) and return the app.

    In-process builds are much faster than :func:`sphinx_build`; use this for fixture projects
    and read the results with :func:`app_soup` and :func:`app_warnings`.
    """
    srcdir = tmp / f"{name}-{builder}"
    shutil.copytree(ROOTS / f"test-{name}", srcdir, dirs_exist_ok=True)
    return build_app(srcdir, builder, fresh=True, confoverrides=confoverrides)


def build_app(
    srcdir: Path,
    builder: str = "html",
    *,
    fresh: bool,
    confoverrides: dict[str, object] | None = None,
) -> SphinxTestApp:
    """Build *srcdir* in-process into srcdir/_build/<builder> (incrementally unless *fresh*)."""
    app = SphinxTestApp(builder, srcdir=srcdir, freshenv=fresh, confoverrides=confoverrides)
    try:
        app.build()
    finally:
        app.cleanup()
    return app


def build_clean(
    srcdir: Path, *, fresh: bool, confoverrides: dict[str, object] | None = None
) -> SphinxTestApp:
    """:func:`build_app` for HTML, asserting the build logged no warning or error."""
    app = build_app(srcdir, fresh=fresh, confoverrides=confoverrides)
    assert app_warnings(app) == ""
    return app


def touch_newer(path: Path) -> None:
    """Move *path*'s mtime clearly past the last build, so an incremental build sees the edit."""
    later = time.time() + 5  # coarse file-system clocks
    os.utime(path, (later, later))


def app_soup(app: SphinxTestApp, page: str) -> BeautifulSoup:
    """Parse one page an in-process build wrote, e.g. ``app_soup(app, "index.html")``."""
    return BeautifulSoup((app.outdir / page).read_text(encoding="utf-8"), "html.parser")


def app_warnings(app: SphinxTestApp) -> str:
    """Everything an in-process build logged as a warning or error, without colour codes."""
    return strip_escape_sequences(app.warning.getvalue())
