"""Accessibility fixes to the HTML that Sphinx, docutils and furo write.

Each fix answers a finding of axe-core in a real browser (``nox -s browser``):

* Toctree captions ("The review", ...) are written as ``<p role="heading">`` with no
  ``aria-level``, which axe reports as ``aria-required-attr`` (critical) on every page. The
  translator gives them ``aria-level="2"``: they head the navigation and the home page's
  lists of pages, one level under the page title.
* docutils writes the citation list as ``<div role="list">`` around entries with the deprecated
  DPub role ``doc-biblioentry``, which is not a list item (``aria-required-children``,
  critical, on the References page). Entries become ``role="listitem"``.
* furo's page layout has three unlabelled ``<aside>`` landmarks (``landmark-unique``) and puts
  the "view / edit this page" links outside every landmark (``region``); its search page has
  no level-1 heading (``page-has-heading-one``). The templates in ``templates/`` label them.
* furo keeps the announcement (the medical notice) on one line and scrolls it sideways on
  a phone, hiding most of it (``scrollable-region-focusable``); the stylesheet lets it wrap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx import addnodes

from living_review.sphinxext import add_stylesheet, extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.util.typing import ExtensionMetadata


class AccessibleHTMLMixin:
    """Translator methods that write valid ARIA for captions and citation lists."""

    body: list[str]
    context: list[str]

    def visit_title(self, node: nodes.title) -> None:
        """Toctree captions: furo's ``role="heading"`` and ``aria-level="2"``, one under the h1."""
        parent = node.parent
        if not (isinstance(parent, addnodes.compact_paragraph) and parent.get("toctree")):
            super().visit_title(node)  # type: ignore[misc]
            return
        attributes = {"role": "heading", "aria-level": "2"}
        self.body.append(self.starttag(node, "p", "", CLASS="caption", **attributes))  # type: ignore[attr-defined]
        self.body.append('<span class="caption-text">')
        self.context.append("</span></p>\n")

    def visit_citation(self, node: nodes.citation) -> None:
        """Each citation is an item of the list docutils wraps around consecutive citations."""
        if not isinstance(node.previous_sibling(), type(node)):
            self.body.append('<div role="list" class="citation-list">\n')
        self.body.append(self.starttag(node, "div", classes=[node.tagname], role="listitem"))  # type: ignore[attr-defined]


def use_translator_mixin(app: Sphinx, mixin: type) -> None:
    """Wrap the HTML-like builder's translator (html, dirhtml, singlehtml, epub) in *mixin*."""
    if app.builder.format != "html":
        return
    base = app.builder.get_translator_class()
    if not issubclass(base, mixin):  # whatever translator is set: the wrappers compose
        wrapped = type(f"{mixin.__name__}{base.__name__}", (mixin, base), {})
        app.set_translator(app.builder.name, wrapped, override=True)


def add_templates(app: Sphinx, config: Config) -> None:
    """Make the furo template overrides available (before the theme loads)."""
    templates = str(Path(__file__).parent / "templates")
    if templates not in config.templates_path:
        config.templates_path.append(templates)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the translator wrapper, the furo template overrides and the stylesheet."""
    app.connect("config-inited", add_templates)
    app.connect("builder-inited", lambda app: use_translator_mixin(app, AccessibleHTMLMixin))
    add_stylesheet(app, "accessibility.css")
    return extension_metadata()
