"""What search engines are given: a complete sitemap, ``robots.txt``, and no index of non-pages.

* **Sitemap.** sphinx-sitemap lists the pages written in *this* build, so an incremental build
  (live preview, or a rebuild after editing one page) leaves a sitemap with only those pages
  (upstream issue jdillard/sphinx-sitemap#13), and with ``-j`` the order depends on which
  process finished first. Just before it writes ``sitemap.xml`` this extension puts every page
  of the site in its queue, once, in a fixed order, so the sitemap is complete and identical
  from build to build. Other builders (the EPUB) get no sitemap. That queue
  (``app.sitemap_links``) is sphinx-sitemap's own, not an API, so it is refilled only on the
  versions this was checked against (:data:`KNOWN_SITEMAP_VERSIONS`); on any other the build
  warns and leaves the sitemap as sphinx-sitemap writes it (UPSTREAM.md, control test in
  ``tests/test_findable.py``).
* **robots.txt** is generated (not copied from ``html_extra_path``) because it must name the
  sitemap by its absolute URL, which follows ``html_baseurl``. Crawlers only read it at the root
  of a host, so it takes effect where the site is served from the root of its domain.
* **Pages that are not content** (the 404 page, search, the general index) get ``noindex``;
  the 404 page, served at any missing address, gets no canonical link.
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sphinx.errors import ExtensionError
from sphinx.util import logging

from living_review.sphinxext import extension_metadata, is_html_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: sphinx-sitemap versions (major.minor) whose queue of links :func:`complete_sitemap` refills.
KNOWN_SITEMAP_VERSIONS = ("2.6", "2.7", "2.8", "2.9")


def write_robots_txt(app: Sphinx, exception: Exception | None) -> None:
    """Write robots.txt (allow everything, name the sitemap) into a successful web-site build."""
    base = app.config.html_baseurl
    if exception is not None or not is_html_site(app.builder) or not base:
        return
    sitemap = f"{base.rstrip('/')}/{app.config.sitemap_filename}"
    text = f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n"
    (Path(app.outdir) / "robots.txt").write_text(text, encoding="utf-8")


def complete_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """Refill sphinx-sitemap's queue with every page of the site, sorted, before it writes."""
    from sphinx_sitemap import is_excluded  # imported here: sphinx_sitemap is set up first

    links: Any = getattr(app, "sitemap_links", None)
    if exception is not None or links is None:
        return
    seen: dict[str, str | None] = {}  # link -> lastmod, from the pages written this time
    while not links.empty():
        link, last_updated = links.get_nowait()
        seen[link] = last_updated
    if not is_html_site(app.builder):
        return  # an EPUB has no sitemap: with the queue empty, sphinx-sitemap writes none
    for docname in app.env.found_docs:
        link = app.builder.get_target_uri(docname)
        if not is_excluded(link, app.config.sitemap_excludes):
            seen.setdefault(link, None)
    for link in sorted(seen):
        links.put((link, seen[link]))


def mark_non_content(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Ask search engines not to index the 404 and index pages (search.html has its own)."""
    notfound = getattr(app.config, "notfound_pagename", "404")
    if pagename not in ("genindex", notfound) or not is_html_site(app.builder):
        return
    noindex = '<meta name="robots" content="noindex" />\n'  # self-closed: valid XHTML too
    context["metatags"] = context.get("metatags", "") + noindex
    if pagename == notfound:
        context["pageurl"] = None  # served at every missing address: no canonical link


def require_sitemap(app: Sphinx) -> None:
    """Stop with a clear message when ``conf.py`` does not load sphinx-sitemap as well."""
    if "sphinx_sitemap" not in app.extensions:
        raise ExtensionError(
            f"{__name__} works with sphinx-sitemap: add 'sphinx_sitemap' to extensions in conf.py"
        )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Connect the handlers around sphinx-sitemap's (which ``conf.py`` loads too)."""
    app.connect("builder-inited", require_sitemap)
    app.connect("html-page-context", mark_non_content)
    sitemap_version = version("sphinx-sitemap")
    if ".".join(sitemap_version.split(".")[:2]) in KNOWN_SITEMAP_VERSIONS:
        app.connect("build-finished", complete_sitemap, priority=400)  # sphinx-sitemap: 500
    else:
        logger.warning(
            "sphinx-sitemap %s is not one %s was checked against (%s): an incremental build "
            "may write an incomplete sitemap.xml. Run tests/test_findable.py and add the "
            "version to KNOWN_SITEMAP_VERSIONS.",
            sitemap_version,
            __name__,
            ", ".join(KNOWN_SITEMAP_VERSIONS),
            type="living_review",
            subtype="untested_upstream",
        )
    app.connect("build-finished", write_robots_txt)
    return extension_metadata()
