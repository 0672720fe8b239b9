"""Keep the build's output to what an author can act on: two upstream messages are dropped.

- sphinxext-opengraph prints "matplotlib is not installed, social cards will not be generated"
  with a bare ``print()`` when its module is imported without matplotlib (top of
  ``sphinxext/opengraph/__init__.py``, 0.13); no setting turns that off. The site makes no social
  cards (``ogp_social_cards = {"enable": False}`` in conf.py; matplotlib is no dependency), so this
  extension, listed before ``sphinxext.opengraph``, imports that module once with its output
  captured, and Sphinx then loads the module already imported. Any other output is passed on.
- myst-parser logs its whole configuration, one ``MdParserConfig(...)`` line of about 1,000
  characters, at INFO level on every build (``create_myst_config`` in
  ``myst_parser/sphinx_ext/main.py``, 5.x). A logging filter on that module's logger drops that
  one record, recognised by its ``MdParserConfig`` argument; the module's warnings still show.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import logging
import sys
from typing import TYPE_CHECKING

from living_review.sphinxext import extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

OPENGRAPH = "sphinxext.opengraph"
OPENGRAPH_NOTICE = "matplotlib is not installed, social cards will not be generated"
#: The logger myst-parser's Sphinx extension logs through (sphinx.util.logging prefixes "sphinx.").
MYST_LOGGER = "sphinx.myst_parser.sphinx_ext.main"


def import_opengraph_quietly() -> None:
    """Import sphinxext-opengraph with its matplotlib notice captured (see the module docstring)."""
    if OPENGRAPH in sys.modules:
        return
    with contextlib.redirect_stdout(io.StringIO()) as captured:
        importlib.import_module(OPENGRAPH)
    rest = [line for line in captured.getvalue().splitlines() if line.strip() != OPENGRAPH_NOTICE]
    if rest:
        print("\n".join(rest))


def is_not_myst_config_dump(record: logging.LogRecord) -> bool:
    """False for myst-parser's record of its whole configuration, True for everything else."""
    from myst_parser.config.main import MdParserConfig

    args = record.args if isinstance(record.args, tuple) else ()
    return not any(isinstance(arg, MdParserConfig) for arg in args)


def setup(app: Sphinx) -> ExtensionMetadata:
    import_opengraph_quietly()
    logging.getLogger(MYST_LOGGER).addFilter(is_not_myst_config_dump)  # added once, however often
    return extension_metadata()
