"""Print and share: a print stylesheet for the web site.

``static/print.css``, linked with ``media="print"`` (so a browser never waits for it before
painting the screen), makes a printed page, or a PDF saved from the browser, hold the article
alone, each section on a new sheet, with the address of every DOI and free full-text link
printed after it so a reference can be followed from paper (the stylesheet's comments say what
goes and what stays). ``tests/test_print.py`` prints a page to PDF in headless Chromium.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from living_review.sphinxext import add_stylesheet, extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


def setup(app: Sphinx) -> ExtensionMetadata:
    """Ship the stylesheet and link it for print."""
    add_stylesheet(app, "print.css", media="print")
    return extension_metadata()
