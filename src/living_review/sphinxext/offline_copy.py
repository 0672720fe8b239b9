"""The offline copy: an EPUB of the whole review, served by the web site, linked from a page.

``nox -s epub`` builds the EPUB into ``docs/_build/epub/``, then the web site, whose HTML build
copies the file at ``offline_copy_epub`` (relative to conf.py; by default where ``-b epub``
into ``_build/epub`` writes it) to :func:`site_path`: any HTML build finished after an EPUB
build does, whatever the order.

Pages link to it with a role::

    {epub-download}`download it as an EPUB e-book`

In the web site the link is relative to the page, and only there when an EPUB has been built.
Without one (``nox -s docs`` alone) the paragraph holding the role is left out: a page never
promises a download it cannot give, as plain text or as a dead link. The pages using the role
are rewritten when an EPUB appears or disappears. Inside the EPUB the link points at the
published copy (``html_baseurl``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.osutil import relative_uri

from living_review.sphinxext import extension_metadata, is_html_site, keep_per_page, per_page

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

CLASS = "epub-download"


def site_path(config: Config) -> str:
    """Where the EPUB is served in the web site, from the site's root."""
    return f"_downloads/{config.epub_basename}.epub"


#: Build-environment attributes: pages using the role (each -> True), whether an EPUB was there.
#: (Named apart from the set an older version kept, so an environment pickled then still loads.)
PAGES_ATTRIBUTE = "living_review_offline_copy_link_pages"
STATE_ATTRIBUTE = "living_review_offline_copy_built"


class EpubDownloadRole(SphinxRole):
    """``{epub-download}`text```: a link to the EPUB (resolved per page when written)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        text = self.text.strip() or "Download the EPUB"
        node = nodes.reference(self.rawtext, text, refuri=site_path(self.config), classes=[CLASS])
        per_page(self.env, PAGES_ATTRIBUTE)[self.env.docname] = True
        return [node], []


def link_for(app: Sphinx, docname: str) -> str:
    """The EPUB's address as seen from *docname* in the current builder's output."""
    path = site_path(app.config)
    if is_html_site(app.builder):
        return relative_uri(app.builder.get_target_uri(docname), path)
    base = app.config.html_baseurl
    return base.rstrip("/") + "/" + path if base else path


def epub_source(app: Sphinx) -> Path | None:
    """Where ``nox -s epub`` leaves the EPUB (``offline_copy_epub``; None if set empty)."""
    configured = app.config.offline_copy_epub
    return Path(app.confdir, configured) if configured else None


def epub_built(app: Sphinx) -> bool:
    """True if there is an EPUB for the web site to serve."""
    source = epub_source(app)
    return source is not None and source.is_file()


def resolve_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Point every ``{epub-download}`` link on the page at the EPUB, or drop its paragraph."""
    with_link = epub_built(app) or not is_html_site(app.builder)
    for node in list(doctree.findall(nodes.reference)):
        if CLASS not in node["classes"]:
            continue
        if with_link:
            node["refuri"] = link_for(app, docname)
        elif isinstance(node.parent, nodes.paragraph) and node.parent.parent is not None:
            node.parent.parent.remove(node.parent)  # the promise goes with its sentence
        else:
            node.replace_self(nodes.inline(node.rawsource, node.astext(), classes=[CLASS]))


def rewrite_when_built_state_changes(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Rewrite the pages using the role when an EPUB has appeared or gone since the last build."""
    if not is_html_site(app.builder):
        return []
    built, before = epub_built(app), getattr(env, STATE_ATTRIBUTE, None)
    setattr(env, STATE_ATTRIBUTE, built)
    return [] if before in (None, built) else sorted(per_page(env, PAGES_ATTRIBUTE))


def copy_into_site(app: Sphinx, exception: Exception | None) -> None:
    """After a web-site build, copy the built EPUB to :func:`site_path` if there is one."""
    if exception is not None or not is_html_site(app.builder):
        return
    source = epub_source(app)
    if source is None or not source.is_file():
        logger.info("offline copy: no EPUB at %s yet (build it with `nox -s epub`)", source)
        return
    target = Path(app.outdir, site_path(app.config))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    logger.info("offline copy: %s", target)


def default_epub_path(config: Config) -> str:
    """Where ``sphinx-build -b epub <docs> <docs>/_build/epub`` writes the EPUB."""
    return f"_build/epub/{config.epub_basename}.epub"


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the role, the link resolver and the copy step."""
    app.add_config_value("offline_copy_epub", default_epub_path, "html", types=frozenset({str}))
    app.add_role("epub-download", EpubDownloadRole())
    app.connect("doctree-resolved", resolve_links)
    app.connect("env-updated", rewrite_when_built_state_changes)
    keep_per_page(app, PAGES_ATTRIBUTE)
    app.connect("build-finished", copy_into_site)
    return extension_metadata()
