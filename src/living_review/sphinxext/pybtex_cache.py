"""pybtex's plugin look-ups once per process, not once per citation.

``pybtex.plugin.find_plugin`` asks ``importlib.metadata.entry_points`` on every call, which
reads the entry-point metadata of every installed distribution (importlib.metadata keeps no
cache; pygments hit the same cost, pygments/pygments#2979). sphinxcontrib-bibtex calls it for
each citation it resolves, so the look-ups alone took about a third of a clean build of the
site (``nox -s bench``). They are memoised for the rest of the process; a plugin registered at
run time with ``register_plugin`` empties the cache.

This replaces a private function of pybtex (``pybtex.plugin._load_entry_point``), so it is done
only on the pybtex versions it was checked against (:data:`KNOWN_VERSIONS`); on any other the
build keeps pybtex's own look-ups and says so in a warning. UPSTREAM.md has the patch we would
propose and ``tests/test_pybtex_cache.py`` the control test.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pybtex.plugin
from sphinx.util import logging

from living_review.sphinxext import extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: pybtex versions whose ``_load_entry_point`` and ``register_plugin`` this memoises.
KNOWN_VERSIONS = ("0.24.0", "0.25.0", "0.25.1", "0.26.0", "0.26.1")


def install_plugin_cache(pybtex_version: str | None = None) -> bool:
    """Memoise ``pybtex.plugin._load_entry_point`` (idempotent); False, changing nothing, on a
    pybtex version not in :data:`KNOWN_VERSIONS`."""
    if (pybtex_version or version("pybtex")) not in KNOWN_VERSIONS:
        return False
    plugin: Any = pybtex.plugin
    if hasattr(plugin._load_entry_point, "cache_clear"):
        return True
    cached = functools.cache(plugin._load_entry_point)
    register = plugin.register_plugin

    @functools.wraps(register)
    def register_plugin(*args: Any, **kwargs: Any) -> Any:
        cached.cache_clear()
        return register(*args, **kwargs)

    plugin._load_entry_point = cached
    plugin.register_plugin = register_plugin
    return True


def setup(app: Sphinx) -> ExtensionMetadata:
    """Install the look-up cache before any document is read."""
    if not install_plugin_cache():
        logger.warning(
            "pybtex %s is not one this project's plugin look-up cache was checked against "
            "(%s): pybtex's own look-ups are used (slower builds). Run "
            "tests/test_pybtex_cache.py and add the version to KNOWN_VERSIONS in %s.",
            version("pybtex"),
            ", ".join(KNOWN_VERSIONS),
            __name__,
            type="living_review",
            subtype="untested_upstream",
        )
    # 3: no formatted entries kept in the environment any more
    return extension_metadata(env_version=3)
