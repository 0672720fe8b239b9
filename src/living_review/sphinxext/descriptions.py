"""One description per page: the ``description`` in its front matter, everywhere it is shown.

Authors write it once::

    ---
    myst:
      html_meta:
        description: "One plain sentence, at most 155 characters."
    ---

MyST turns that into ``<meta name="description">``. sphinxext-opengraph would otherwise build
``og:description`` from the first paragraphs of the page (citation numbers and all), so search
results and link previews would disagree. This extension gives OpenGraph the same sentence,
and :func:`page_description` is what the JSON-LD (:mod:`.structured_data`) uses.
A page without one keeps OpenGraph's own summary, which it also uses as the meta description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docutils import nodes

from living_review.sphinxext import extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


def page_description(doctree: nodes.document) -> str | None:
    """The page's ``<meta name="description">`` text from its front matter, if it has one."""
    for meta in doctree.findall(nodes.meta):
        if meta.get("name") == "description" and meta.get("content", "").strip():
            return " ".join(meta["content"].split())
    return None


def use_description_for_opengraph(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Hand the front-matter description to sphinxext-opengraph as ``og:description``."""
    description = page_description(doctree) if doctree is not None else None
    if description is not None:
        # sphinxext-opengraph takes per-page overrides from context["meta"], which is the page's
        # entry in env.metadata: copy it rather than change the environment.
        context["meta"] = {**(context.get("meta") or {}), "og:description": description}


def setup(app: Sphinx) -> ExtensionMetadata:
    """Run before the handler of sphinxext-opengraph (priority 500), which ``conf.py`` loads."""
    app.connect("html-page-context", use_description_for_opengraph, priority=450)
    return extension_metadata()
