"""pybtex's plugin look-ups and entry formatting are memoised without changing their results."""

from __future__ import annotations

import pickle
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pybtex.plugin
import pybtex.style.formatting
import pytest
from common import ROOT, record_calls
from pybtex.database import parse_file, parse_string
from pybtex.plugin import PluginNotFound, find_plugin
from pybtex.richtext import Text
from pybtex.style import FormattedEntry
from sphinx.application import ENV_PICKLE_FILENAME
from sphinx.testing.util import SphinxTestApp

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


def test_without_the_cache_every_lookup_reads_the_installed_entry_points(monkeypatch) -> None:
    """The control (UPSTREAM.md): pybtex asks importlib.metadata on every look-up."""
    pybtex_cache.install_plugin_cache()
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


def test_an_updated_pybtex_or_bibtex_extension_formats_afresh(monkeypatch) -> None:
    style = find_plugin("pybtex.style.formatting", "unsrt")()
    entry = parse_string(BIB, "bibtex").entries["one"]
    first = style.format_entry("1", entry)
    assert style.format_entry("1", entry) is first
    monkeypatch.setattr(pybtex_cache, "FORMATTER_VERSIONS", (("pybtex", "99"),))
    assert style.format_entry("1", entry) is not first
    assert pybtex_cache.entry_key(style, "1", entry)[0] == (("pybtex", "99"),)


STALE = "Formatted by the old pybtex"


@pytest.mark.parametrize("updated", [False, True], ids=["same versions", "pybtex updated"])
@pytest.mark.sphinx("html", testroot="citation-refresh", srcdir="pybtex-update", freshenv=True)
def test_a_saved_environment_from_an_older_pybtex_is_not_reused(
    app: SphinxTestApp,
    make_app: Callable[..., SphinxTestApp],
    monkeypatch: pytest.MonkeyPatch,
    updated: bool,
) -> None:
    """After a dependency update, the next build (a new process) formats every entry again.

    The saved environment is given entries as an older pybtex might have formatted them; the
    site is then written again from that environment, without a source change.
    """
    app.build()
    saved = app.doctreedir / ENV_PICKLE_FILENAME
    env = pickle.loads(saved.read_bytes())
    entries = getattr(env, pybtex_cache.ENV_ATTRIBUTE)
    assert entries, "the first build kept no formatted entries"
    for key, old in entries.items():
        entries[key] = FormattedEntry(old.key, Text(STALE), old.label)
    saved.write_bytes(pickle.dumps(env, pickle.HIGHEST_PROTOCOL))
    shutil.rmtree(app.outdir)  # every page is written again, from the saved environment
    monkeypatch.setattr(pybtex_cache, "_formatted", {})  # a new process: nothing in memory
    if updated:
        monkeypatch.setattr(pybtex_cache, "FORMATTER_VERSIONS", (("pybtex", "99"),))

    again = make_app("html", srcdir=app.srcdir)
    again.build()
    references = (again.outdir / "refs.html").read_text(encoding="utf-8")
    assert (STALE in references) is not updated
    assert ("Alpha" in references) is updated


def _every_string_pybtex_decodes(bib_path: Path) -> list[str]:
    """Every field value and name part of *bib_path*: what ``Text.from_latex`` is given."""
    data = parse_file(str(bib_path), "bibtex")
    strings: list[str] = []
    for entry in data.entries.values():
        strings += [str(value) for value in entry.fields.values()]
        for person in (p for people in entry.persons.values() for p in people):
            strings += person.first_names + person.middle_names + person.prelast_names
            strings += person.last_names + person.lineage_names
    return strings


def _decoded(function: Callable[[str], Text], latex: str) -> str:
    """What *function* makes of *latex*: its rich text, or the error it raises."""
    try:
        return repr(function(latex))
    except Exception as error:
        return f"raises {type(error).__name__}"


def test_plain_text_fast_path_equals_pybtex_on_every_string_of_references_bib() -> None:
    pybtex_cache.install_plain_text_fast_path()
    pybtex_cache.install_plain_text_fast_path()  # idempotent: wraps pybtex once
    upstream = Text.from_latex.__func__.__wrapped__
    strings = _every_string_pybtex_decodes(ROOT / "references.bib")
    plain = [s for s in strings if not pybtex_cache.MAY_BE_LATEX.search(s)]
    assert len(plain) > len(strings) / 2  # most strings take the fast path
    for latex in strings:
        assert _decoded(Text.from_latex, latex) == _decoded(lambda s: upstream(Text, s), latex), (
            latex
        )


def test_plain_text_fast_path_equals_pybtex_on_random_strings_of_the_characters_that_matter() -> (
    None
):
    """Every character latexcodec or pybtex's parser treats specially, mixed with plain ones."""
    pybtex_cache.install_plain_text_fast_path()
    upstream = Text.from_latex.__func__.__wrapped__
    alphabet = " aZ0-',`%~\\{}$?!.&#_^\t\n\"<>é\u2013"
    generator = random.Random(2026)
    for _ in range(20_000):
        latex = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 7)))
        assert _decoded(Text.from_latex, latex) == _decoded(lambda s: upstream(Text, s), latex), (
            repr(latex)
        )


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        ("Pain 1--2 weeks", "Pain 1\u20132 weeks"),  # a ligature: decoded
        (r"B{\"a}umler", "Bäumler"),  # a command: decoded
        ("Acupuncture for sciatica", "Acupuncture for sciatica"),  # plain: as written
    ],
)
def test_fast_path_leaves_latex_to_pybtex(latex: str, text: str) -> None:
    pybtex_cache.install_plain_text_fast_path()
    assert Text.from_latex(latex).render_as("text") == text


def test_keys_are_worked_out_once_per_entry_in_a_formatting_pass_and_kept_as_digests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sphinxcontrib-bibtex formats each entry twice (list, tooltip): one key, one result."""
    pybtex_cache.install_format_cache()
    original = pybtex_cache.entry_key
    calls = record_calls(monkeypatch, pybtex_cache, "entry_key")
    list_style = find_plugin("pybtex.style.formatting", "unsrt")()
    tooltip_style = find_plugin("pybtex.style.formatting", "unsrt")()
    entry = parse_string(BIB.replace("A title", "A title formatted once"), "bibtex").entries["one"]
    env = SimpleNamespace()
    pybtex_cache.load_formatted(None, env)  # type: ignore[arg-type]  # the pass begins
    listed = list_style.format_entry("1", entry)
    assert tooltip_style.format_entry("1", entry) is listed
    assert [call.args[1] for call in calls] == ["1"]  # (style, label, entry)
    pybtex_cache.keep_formatted(None, env)  # type: ignore[arg-type]  # the pass ends
    kept = getattr(env, pybtex_cache.ENV_ATTRIBUTE)
    assert kept == {pybtex_cache.stored_key(original(list_style, "1", entry)): listed}
    assert all(isinstance(key, bytes) and len(key) == 32 for key in kept)
    assert pybtex_cache.stored_key_of_result(listed) in kept  # what citation_refresh compares
    assert pybtex_cache.stored_key_of_result(FormattedEntry("one", Text("A"), "1")) is None
    list_style.format_entry("1", entry)  # outside a pass: the key is worked out again
    assert [call.args[1] for call in calls] == ["1", "1"]
