"""A way in for each reader: the home page's entry-point cards (sphinx-design's grid).

The home page opens with three cards ("I have sciatica", "I treat sciatica", "I want to help
keep this current"), a sphinx-design ``grid`` in a container with the class ``entry-points``.
This extension loads sphinx-design and adds ``static/home-cards.css``, which keeps the cards
compact on a phone, so that the bottom line below them still starts on the first screen
(412 x 823, checked in the tests).

sphinx-design links its stylesheet (8 kB compressed) and its tabs script from every page. Only
pages that use one of its components keep them (the tabs script only where there are tabs),
so the other pages download nothing for the cards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docutils import nodes

from living_review.sphinxext import add_stylesheet, extension_metadata, is_html_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

OWN_STYLESHEET = "home-cards.css"


def asset_name(asset: Any) -> str:
    """The file name of a css_files / script_files entry (an object or, in old Sphinx, a str)."""
    return str(getattr(asset, "filename", asset)).split("?", 1)[0].rsplit("/", 1)[-1]


def drop_unused_design_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Leave sphinx-design's stylesheet and script off pages that do not use them."""
    if not is_html_site(app.builder):
        return
    elements = doctree.findall(nodes.Element) if doctree is not None else ()
    used = {name for node in elements for name in node["classes"] if name.startswith("sd-")}
    unused = set() if used else {"sphinx-design.min.css", OWN_STYLESHEET}
    if not any(name.startswith("sd-tab") for name in used):
        unused.add("design-tabs.js")
    for key in ("css_files", "script_files"):
        if key in context:
            context[key] = [a for a in context[key] if asset_name(a) not in unused]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Load sphinx-design and the cards' stylesheet."""
    app.setup_extension("sphinx_design")
    add_stylesheet(app, OWN_STYLESHEET)
    app.connect("html-page-context", drop_unused_design_assets)
    return extension_metadata()
