"""A way in for each reader: the home page's entry-point cards (sphinx-design's grid).

The home page opens with three cards, "I have sciatica", "I treat sciatica" and "I want to help
keep this current", written in docs/index.md as a sphinx-design ``grid`` of ``grid-item-card``
directives in a container with the class ``entry-points``. This extension loads sphinx-design
and adds ``static/home-cards.css``, which keeps the cards compact on a phone, so that the
bottom line below them still starts on the first screen (412 x 823, checked in the tests).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from living_review import __version__
from living_review.sphinxext import add_stylesheet

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

#: The class of the grid that holds the cards (``:class-container:`` in docs/index.md).
CONTAINER_CLASS = "entry-points"


def setup(app: Sphinx) -> ExtensionMetadata:
    """Load sphinx-design and the cards' stylesheet."""
    app.setup_extension("sphinx_design")
    add_stylesheet(app, "home-cards.css")
    return {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
