"""The offline copy: the real EPUB builds cleanly, and the site links and serves it once built."""

from __future__ import annotations

import runpy
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from common import DOCS, Build, build_cleanly, page_soup, sphinx_build, touch_newer
from sphinx.testing.util import SphinxTestApp

from living_review.sphinxext.offline_copy import site_path

EPUB_NAME = runpy.run_path(str(DOCS / "conf.py"))["epub_basename"] + ".epub"
EPUBCHECK = Path("/usr/bin/epubcheck")  # Debian's epubcheck package (a jar run by java)
NO_EPUBCHECK = "epubcheck not installed (apt-get install epubcheck)"


@pytest.fixture(scope="module")
def real_epub(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real EPUB, built from scratch with warnings as errors (doctrees kept outside)."""
    return sphinx_build(DOCS, tmp_path_factory.mktemp("real-epub") / "epub", builder="epub")


def test_epub_builds_without_warnings(real_epub: Build) -> None:
    assert real_epub.returncode == 0, real_epub.stderr
    assert "WARNING" not in real_epub.stderr, real_epub.stderr


def test_epub_is_a_valid_container_with_every_page(real_epub: Build) -> None:
    with zipfile.ZipFile(real_epub.outdir / EPUB_NAME) as epub:
        first = epub.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert epub.read("mimetype") == b"application/epub+zip"
        names = set(epub.namelist())
        assert epub.testzip() is None
    pages = {path.stem for path in DOCS.glob("*.md")}
    assert {f"{page}.xhtml" for page in pages} <= names
    # Nothing of the build's own: no doctrees, and no sitemap or robots.txt of the web site.
    assert not [n for n in names if n.endswith((".doctree", ".pickle", "sitemap.xml", ".txt"))]


def test_every_epub_page_is_well_formed_xml(real_epub: Build) -> None:
    """EPUB readers parse XHTML strictly: an unclosed tag breaks the page."""
    with zipfile.ZipFile(real_epub.outdir / EPUB_NAME) as epub:
        for name in epub.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx", ".xml")):
                ET.fromstring(epub.read(name))  # raises ParseError naming the line


@pytest.mark.skipif(not EPUBCHECK.is_file() or not shutil.which("java"), reason=NO_EPUBCHECK)
def test_epubcheck_finds_no_problem(real_epub: Build) -> None:
    done = subprocess.run(
        ["java", "-jar", str(EPUBCHECK), str(real_epub.outdir / EPUB_NAME)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_epub_about_page_links_to_the_published_copy(real_epub: Build) -> None:
    about = BeautifulSoup((real_epub.outdir / "about.xhtml").read_text("utf-8"), "html.parser")
    link = about.select_one("a.epub-download")
    assert link["href"].startswith("https://") and link["href"].endswith(f"_downloads/{EPUB_NAME}")


@pytest.mark.sphinx("html", testroot="offline-copy", freshenv=True)
def test_site_links_and_serves_the_epub_once_built(app: SphinxTestApp, make_app) -> None:
    # No EPUB yet: the sentence promising it is not shown at all (never a dead link, never a
    # promise in plain text).
    epub = app.srcdir / "built" / "book.epub"
    shutil.rmtree(epub.parent, ignore_errors=True)
    build_cleanly(app)
    soup = page_soup(app.outdir, "index.html")
    assert soup.select(".epub-download") == []
    assert "EPUB" not in soup.select_one("[role=main]").get_text()
    assert not (app.outdir / site_path(app.config)).exists()

    # An EPUB appears: the next incremental build links it and copies it into the site.
    epub.parent.mkdir()
    epub.write_bytes(b"PK fake epub")
    touch_newer(epub)
    app = build_cleanly(make_app("html", srcdir=app.srcdir))
    link = page_soup(app.outdir, "index.html").select_one("a.epub-download")
    assert link["href"] == site_path(app.config) == "_downloads/Offline.epub"
    assert (app.outdir / site_path(app.config)).read_bytes() == b"PK fake epub"
