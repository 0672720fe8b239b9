"""pybtex plugin look-ups are memoised without changing what they return."""

from __future__ import annotations

import pybtex.plugin
import pytest
from pybtex.plugin import PluginNotFound, find_plugin

from living_review.pybtex_plugin_cache import install


def test_cached_lookups_return_what_pybtex_returns() -> None:
    install()
    install()  # idempotent
    loader = pybtex.plugin._load_entry_point
    assert hasattr(loader, "cache_clear")
    loader.cache_clear()
    first = find_plugin("pybtex.backends", "plaintext")
    assert find_plugin("pybtex.backends", "plaintext") is first
    assert loader.cache_info().hits >= 1
    assert find_plugin("pybtex.style.formatting", "unsrt").__name__ == "Style"
    with pytest.raises(PluginNotFound):
        find_plugin("pybtex.backends", "no-such-backend")


def test_registering_a_plugin_empties_the_cache() -> None:
    install()
    plaintext = find_plugin("pybtex.backends", "plaintext")

    class Custom(plaintext):  # a run-time plugin under a new name
        pass

    pybtex.plugin.register_plugin("pybtex.backends", "living-review-test", Custom)
    assert pybtex.plugin._load_entry_point.cache_info().currsize == 0
    assert find_plugin("pybtex.backends", "living-review-test") is Custom
