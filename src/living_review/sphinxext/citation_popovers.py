"""Citations you can tap: a popover with the formatted reference behind each citation number.

Each web page that cites works gets an inert ``<template id="cited-works">`` with the formatted
entry of every work it cites, keyed by the entry's anchor (``cite-<key>``), which
``static/citation-popover.js`` opens from the citation number (see that file). A ``<template>``
is not rendered, not in the accessibility tree and not in the search index; without JavaScript
the number stays a link to the reference list. The EPUB gets none: a popover cannot work there.
Why not sphinx-tippy or sphinx-hoverxref: the README, "Citations you can tap".
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from living_review.sphinxext import (
    add_stylesheet,
    add_to_web_pages,
    extension_metadata,
    first_citations,
    is_html_site,
)

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

TEMPLATE_ID = "cited-works"
SCRIPT = "citation-popover.js"


def cited_keys(env: Any, docname: str) -> list[str]:
    """The keys *docname* cites, in order of first citation on the page."""
    domain: Any = env.get_domain("cite")
    keys: list[str] = []
    for ref in domain.citation_refs:
        if ref.docname == docname:
            keys += [target.key for target in ref.targets if target.key not in keys]
    return keys


def cited_works_template(env: Any, docname: str) -> str:
    """``<template id="cited-works">`` with the formatted entry of each work *docname* cites."""
    first = first_citations(env)
    parts = "".join(
        f'<span data-cite-id="{escape(first[key].citation_id)}">'
        f"{first[key].formatted_entry.text.render_as('html')}</span>"
        for key in cited_keys(env, docname)
        if key in first  # else: an unknown key, which sphinxcontrib-bibtex warns about
    )
    return f'<template id="{TEMPLATE_ID}">{parts}</template>\n' if parts else ""


def add_script(app: Sphinx) -> None:
    """Link the script from the web site's pages (an EPUB gets no script)."""
    if is_html_site(app.builder):
        app.add_js_file(SCRIPT, loading_method="defer")


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the page hook, the script and its stylesheet."""
    app.setup_extension("sphinxcontrib.bibtex")
    app.connect("builder-inited", add_script)
    add_to_web_pages(app, cited_works_template)
    add_stylesheet(app, "citation-popover.css")
    return extension_metadata()
