"""Keep the theme's compiled Jinja templates between builds.

Every HTML build, even one where nothing changed, writes the search and index pages, and so
compiles furo's templates from source: about half a second of a no-change rebuild here
(``nox -s bench``). Jinja can keep the compiled templates in a bytecode cache; this extension
gives Sphinx's template environment one, in the doctrees directory next to the pickled
environment (``<doctrees>/jinja2-bytecode/``). Jinja checks each template's source checksum
before using a cached copy, and writes cache files atomically (safe with ``-j``); the HTML it
renders is the same.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import FileSystemBytecodeCache

from living_review import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

CACHE_DIR = "jinja2-bytecode"


def use_bytecode_cache(app: Sphinx) -> None:
    """Give the builder's Jinja environment a bytecode cache, if it has one and none yet."""
    environment = getattr(getattr(app.builder, "templates", None), "environment", None)
    if environment is None or environment.bytecode_cache is not None:
        return
    directory = Path(app.doctreedir) / CACHE_DIR
    directory.mkdir(parents=True, exist_ok=True)
    environment.bytecode_cache = FileSystemBytecodeCache(str(directory))


def setup(app: Sphinx) -> ExtensionMetadata:
    """Connect to builder-inited, when the HTML builder has set up its templates."""
    app.connect("builder-inited", use_bytecode_cache)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
