"""pybtex's plugin look-ups memoised (living_review.sphinxext.pybtex_cache), and its control."""

from __future__ import annotations

import pybtex.plugin
import pytest
from common import record_calls
from pybtex.plugin import PluginNotFound, find_plugin

from living_review.sphinxext import pybtex_cache


def test_cached_lookups_return_what_pybtex_returns() -> None:
    assert pybtex_cache.install_plugin_cache()
    assert pybtex_cache.install_plugin_cache()  # idempotent
    first = find_plugin("pybtex.backends", "plaintext")
    assert find_plugin("pybtex.backends", "plaintext") is first
    assert find_plugin("pybtex.style.formatting", "unsrt").__name__ == "Style"
    with pytest.raises(PluginNotFound):
        find_plugin("pybtex.backends", "no-such-backend")


def test_without_the_cache_every_lookup_reads_the_installed_entry_points(monkeypatch) -> None:
    """The control (UPSTREAM.md): pybtex asks importlib.metadata on every look-up."""
    assert pybtex_cache.install_plugin_cache()
    asked = record_calls(monkeypatch, pybtex.plugin, "entry_points")
    uncached = pybtex.plugin._load_entry_point.__wrapped__
    for _ in range(3):
        uncached("pybtex.backends", "plaintext")
    assert len(asked) == 3  # pybtex alone: a scan of every installed distribution each time
    asked.clear()
    pybtex.plugin._load_entry_point.cache_clear()
    for _ in range(3):
        find_plugin("pybtex.backends", "plaintext")
    assert len(asked) == 1  # with the cache: once per process


def test_registering_a_plugin_empties_the_lookup_cache() -> None:
    assert pybtex_cache.install_plugin_cache()
    plaintext = find_plugin("pybtex.backends", "plaintext")

    class Custom(plaintext):  # a run-time plugin under a new name
        pass

    pybtex.plugin.register_plugin("pybtex.backends", "living-review-test", Custom)
    assert find_plugin("pybtex.backends", "living-review-test") is Custom


def test_an_unknown_pybtex_version_keeps_pybtexs_lookups(monkeypatch) -> None:
    monkeypatch.setattr(pybtex.plugin, "_load_entry_point", pybtex.plugin._load_entry_point)
    monkeypatch.setattr(pybtex.plugin, "register_plugin", pybtex.plugin.register_plugin)
    before = pybtex.plugin._load_entry_point
    assert not pybtex_cache.install_plugin_cache("99.0")
    assert pybtex.plugin._load_entry_point is before
