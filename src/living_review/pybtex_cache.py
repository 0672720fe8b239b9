"""Look pybtex plugins up once per build, not once per citation.

``pybtex.plugin.find_plugin`` asks ``importlib.metadata.entry_points`` on every call, which
reads the entry-point metadata of every installed distribution (importlib.metadata keeps no
cache; pygments hit the same cost, pygments/pygments#2979). sphinxcontrib-bibtex calls it for
each citation it resolves (for the tooltip's plain-text backend), so the lookups alone took
about a third of a clean build of this site.

This extension memoises pybtex's internal loader for the rest of the process. Entry points do
not change during a build; a plugin registered at run time with ``register_plugin`` empties the
cache, so the result of every lookup is what pybtex itself would return.
"""

from __future__ import annotations

import functools
from typing import Any

import pybtex.plugin
from sphinx.application import Sphinx

__version__ = "1.0.0"


def install() -> None:
    """Memoise ``pybtex.plugin._load_entry_point`` (idempotent)."""
    plugin: Any = pybtex.plugin
    if hasattr(plugin._load_entry_point, "cache_clear"):
        return
    cached = functools.cache(plugin._load_entry_point)
    register = plugin.register_plugin

    @functools.wraps(register)
    def register_plugin(*args: Any, **kwargs: Any) -> Any:
        cached.cache_clear()
        return register(*args, **kwargs)

    plugin._load_entry_point = cached
    plugin.register_plugin = register_plugin


def setup(app: Sphinx) -> dict[str, Any]:
    """Install the cache when the extension is loaded (before any document is read)."""
    install()
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
