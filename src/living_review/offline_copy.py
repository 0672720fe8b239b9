"""The offline copy: an EPUB of the whole review, served by the web site, linked from a page.

``nox -s epub`` builds the EPUB with Sphinx's ``epub`` builder into ``docs/_build/epub/`` and
puts a copy in the web site at ``_downloads/acupuncture-for-sciatica.epub``
(:data:`SITE_PATH`). An HTML build finished after it copies the file there too, so the order
of the two builds does not matter; an HTML build with no EPUB built yet says so and leaves
the link pointing at where the file will be.

Pages link to it with a role::

    {epub-download}`Download the review as an EPUB e-book`

which links relative to the page in the web site, and to the published address
(``html_baseurl``) inside the EPUB itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.osutil import relative_uri

__version__ = "1.0.0"

logger = logging.getLogger(__name__)

#: Where the EPUB is served in the web site, from the site's root.
SITE_PATH = "_downloads/acupuncture-for-sciatica.epub"
CLASS = "epub-download"


class EpubDownloadRole(SphinxRole):
    """``{epub-download}`text```: a link to the EPUB (resolved per page when written)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        text = self.text.strip() or "Download the EPUB"
        node = nodes.reference(self.rawtext, text, refuri=SITE_PATH, classes=[CLASS])
        return [node], []


def is_html_site(app: Sphinx) -> bool:
    """True for builders that produce the web site (html, dirhtml), not an EPUB or help file."""
    return app.builder.format == "html" and not getattr(app.builder, "embedded", False)


def link_for(app: Sphinx, docname: str) -> str:
    """The EPUB's address as seen from *docname* in the current builder's output."""
    if is_html_site(app):
        return relative_uri(app.builder.get_target_uri(docname), SITE_PATH)
    base = app.config.html_baseurl
    return base.rstrip("/") + "/" + SITE_PATH if base else SITE_PATH


def resolve_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Point every ``{epub-download}`` link on the page at the EPUB."""
    for node in doctree.findall(nodes.reference):
        if CLASS in node["classes"]:
            node["refuri"] = link_for(app, docname)


def epub_source(app: Sphinx) -> Path:
    """Where ``nox -s epub`` leaves the EPUB (``offline_copy_epub``)."""
    configured = app.config.offline_copy_epub
    return Path(app.confdir, configured) if configured else Path()


def copy_into_site(app: Sphinx, exception: Exception | None) -> None:
    """After a web-site build, copy the built EPUB to :data:`SITE_PATH` if there is one."""
    if exception is not None or not is_html_site(app):
        return
    source = epub_source(app)
    if not source.is_file():
        logger.info("offline copy: no EPUB at %s yet (build it with `nox -s epub`)", source)
        return
    target = Path(app.outdir, SITE_PATH)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    logger.info("offline copy: %s", target)


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the role, the link resolver and the copy step."""
    app.add_config_value("offline_copy_epub", "", "html", types=frozenset({str}))
    app.add_role("epub-download", EpubDownloadRole())
    app.connect("doctree-resolved", resolve_links)
    app.connect("build-finished", copy_into_site)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
