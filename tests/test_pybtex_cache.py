"""pybtex's plugin look-ups and entry formatting are memoised without changing their results."""

from __future__ import annotations

import pybtex.plugin
import pybtex.style.formatting
import pytest
from pybtex.database import parse_string
from pybtex.plugin import PluginNotFound, find_plugin

from living_review.sphinxext import pybtex_cache

BIB = """
@article{one, author = {Ann Author and Bob Writer}, title = {A title}, journal = {J},
          year = {2001}}
"""


def test_cached_lookups_return_what_pybtex_returns() -> None:
    pybtex_cache.install_plugin_cache()
    pybtex_cache.install_plugin_cache()  # idempotent
    loader = pybtex.plugin._load_entry_point
    loader.cache_clear()
    first = find_plugin("pybtex.backends", "plaintext")
    assert find_plugin("pybtex.backends", "plaintext") is first
    assert loader.cache_info().hits >= 1
    assert find_plugin("pybtex.style.formatting", "unsrt").__name__ == "Style"
    with pytest.raises(PluginNotFound):
        find_plugin("pybtex.backends", "no-such-backend")


def test_registering_a_plugin_empties_the_lookup_cache() -> None:
    pybtex_cache.install_plugin_cache()
    plaintext = find_plugin("pybtex.backends", "plaintext")

    class Custom(plaintext):  # a run-time plugin under a new name
        pass

    pybtex.plugin.register_plugin("pybtex.backends", "living-review-test", Custom)
    assert pybtex.plugin._load_entry_point.cache_info().currsize == 0
    assert find_plugin("pybtex.backends", "living-review-test") is Custom


def test_formatting_is_memoised_per_style_label_and_entry_data() -> None:
    pybtex_cache.install_format_cache()
    pybtex_cache.install_format_cache()  # idempotent
    style = find_plugin("pybtex.style.formatting", "unsrt")()
    entry = parse_string(BIB, "bibtex").entries["one"]
    first = style.format_entry("1", entry)
    assert style.format_entry("1", entry) is first  # same inputs: formatted once
    assert style.format_entry("2", entry).label == "2"  # another label: formatted afresh
    edited = parse_string(BIB.replace("A title", "A better title"), "bibtex").entries["one"]
    text = style.format_entry("1", edited).text.render_as("text")
    assert "A better title" in text  # edited data: formatted afresh
    original = pybtex.style.formatting.BaseStyle.format_entry.__wrapped__
    assert first.text.render_as("text") == original(style, "1", entry).text.render_as("text")


def test_entries_with_crossref_are_not_cached() -> None:
    style = find_plugin("pybtex.style.formatting", "unsrt")()
    entry = parse_string(BIB.replace("year", "crossref = {two}, year"), "bibtex").entries["one"]
    assert pybtex_cache.entry_key(style, "1", entry) is None
