"""Do pybtex's work once: plugin look-ups once per process, each entry formatted once.

Three costs measured with ``nox -s bench`` (see the README), all upstream behaviour:

* **Plugin look-ups.** ``pybtex.plugin.find_plugin`` asks ``importlib.metadata.entry_points``
  on every call, which reads the entry-point metadata of every installed distribution
  (importlib.metadata keeps no cache; pygments hit the same cost, pygments/pygments#2979).
  sphinxcontrib-bibtex calls it for each citation it resolves, so the look-ups alone took about
  a third of a clean build. They are memoised for the rest of the process; a plugin registered
  at run time with ``register_plugin`` empties the cache.
* **Formatting.** After every read phase, even when nothing changed, sphinxcontrib-bibtex
  formats every entry of the bibliography twice (once for the list, once for the tooltips,
  with the same style), which was most of a no-change rebuild. ``format_entry`` is a pure
  function of the style, the label and the entry's data, and of the code doing it (pybtex and
  sphinxcontrib-bibtex), so results are memoised under exactly that key, with both versions in
  it, and kept in the pickled build environment for the next build. An edited entry, another
  style, or an updated pybtex or sphinxcontrib-bibtex gives a different key and the entry is
  formatted afresh (Sphinx keeps a saved environment across a dependency update). Entries using
  ``crossref`` are never cached.
* **LaTeX decoding of plain text.** pybtex turns every field and name part it prints into rich
  text with ``Text.from_latex``, which runs latexcodec's decoder over the string, even when the
  string has nothing the decoder would change (most titles, journals and names). That was
  about a tenth of a clean build with 1,500 cited entries. A string is handed straight to
  ``Text`` only when it has none of the characters or pairs latexcodec or pybtex's LaTeX
  parser act on (:data:`MAY_BE_LATEX`); anything else takes pybtex's own path.
  ``tests/test_pybtex_cache.py`` compares both paths on every string of ``references.bib``
  and on random strings of the characters that matter.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Hashable
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

import pybtex.plugin
import pybtex.richtext
import pybtex.style.formatting

from living_review import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

#: The code a formatted entry comes from, as (distribution, version): part of every cache key.
FORMATTER_VERSIONS = tuple((name, version(name)) for name in ("pybtex", "sphinxcontrib-bibtex"))

#: Build-environment attribute holding the formatted entries used in the last build.
ENV_ATTRIBUTE = "living_review_formatted_entries"

#: What latexcodec's decoder or pybtex's LaTeX parser may act on: a command, group, math, comment
#: or tie (``\\ { } $ % ~``), the ligatures (`` ` ``, ``''``, ``,,``, ``--``), and whitespace
#: other than single spaces after the first character (decoding collapses and trims it).
MAY_BE_LATEX = re.compile(r"[\\{}$%~`]|''|,,|--|\s\s|^\s|[^\S ]")

_formatted: dict[Hashable, Any] = {}  # this process's formatted entries
_used: set[Hashable] = set()  # keys used since the last read phase began
#: id of each formatted entry handed out since the last read phase began -> (it, its key).
_keys_of_results: dict[int, tuple[Any, bytes]] = {}
#: Keys worked out in the formatting pass under way, by style, label and entry object.
_keys_this_pass: dict[tuple[Any, ...], tuple[Any, Any, bytes | None]] | None = None


def install_plugin_cache() -> None:
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


def _names(names: list[Any]) -> tuple[str, ...]:
    return tuple(map(str, names))


def entry_key(style: Any, label: str, entry: Any) -> Hashable | None:
    """What ``style.format_entry(label, entry)`` depends on, or None if it cannot be cached."""
    if "crossref" in entry.fields:
        return None  # the result would also depend on the cross-referenced entry
    persons = tuple(
        (
            role,
            tuple(
                (
                    _names(p.first_names),
                    _names(p.middle_names),
                    _names(p.prelast_names),
                    _names(p.last_names),
                    _names(p.lineage_names),
                )
                for p in people
            ),
        )
        for role, people in entry.persons.items()
    )
    fields = tuple((name, str(value)) for name, value in entry.fields.items())
    style_id = tuple(
        f"{type(part).__module__}.{type(part).__qualname__}"
        for part in (style, style.name_style, style.label_style)
    )
    return (
        FORMATTER_VERSIONS,
        style_id,
        style.abbreviate_names,
        label,
        entry.key,
        entry.type,
        fields,
        persons,
    )


def stored_key(value: Any) -> bytes:
    """What a formatted entry is kept under: a SHA-256 digest of its key (32 bytes, not the
    entry's whole data a second time in the pickled environment); ``citation_refresh`` keeps
    its renderings so too. For strings, booleans, and tuples or lists of them, whose ``repr``
    is exact."""
    return hashlib.sha256(repr(value).encode("utf-8")).digest()


def install_format_cache() -> None:
    """Memoise ``BaseStyle.format_entry`` (idempotent)."""
    base: Any = pybtex.style.formatting.BaseStyle
    original = base.format_entry
    if getattr(original, "living_review_cached", False):
        return

    @functools.wraps(original)
    def format_entry(self: Any, label: str, entry: Any, bib_data: Any = None) -> Any:
        key = _stored_key_of(self, label, entry) if bib_data is None else None
        if key is None:
            return original(self, label, entry, bib_data=bib_data)
        _used.add(key)
        if key not in _formatted:
            _formatted[key] = original(self, label, entry)
        formatted = _formatted[key]
        _keys_of_results[id(formatted)] = (formatted, key)
        return formatted

    format_entry.living_review_cached = True  # type: ignore[attr-defined]
    base.format_entry = format_entry


def _stored_key_of(style: Any, label: str, entry: Any) -> bytes | None:
    """``stored_key(entry_key(...))``, or None; remembered while sphinxcontrib-bibtex formats
    the bibliography (each entry twice: the list and the tooltips), when no entry changes."""
    if _keys_this_pass is None:
        key = entry_key(style, label, entry)
        return None if key is None else stored_key(key)
    classes = (type(style), type(style.name_style), type(style.label_style))
    memo = (*map(id, classes), style.abbreviate_names, label, id(entry))
    if memo not in _keys_this_pass:
        key = entry_key(style, label, entry)
        # The entry and classes are kept with it, so their ids cannot be reused meanwhile.
        _keys_this_pass[memo] = (entry, classes, None if key is None else stored_key(key))
    return _keys_this_pass[memo][2]


def install_plain_text_fast_path() -> None:
    """Skip latexcodec in ``Text.from_latex`` for strings it leaves as they are (idempotent)."""
    text_class: Any = pybtex.richtext.Text
    original = text_class.from_latex
    if getattr(original, "living_review_fast_path", False):
        return
    plain_text = text_class

    @functools.wraps(original.__func__)
    def from_latex(cls: type, latex: str) -> Any:
        if (
            cls is plain_text
            and isinstance(latex, str)
            and latex
            and not MAY_BE_LATEX.search(latex)
        ):
            return plain_text(latex)
        return original.__func__(cls, latex)

    from_latex.living_review_fast_path = True  # type: ignore[attr-defined]
    text_class.from_latex = classmethod(from_latex)


def stored_key_of_result(formatted_entry: Any) -> bytes | None:
    """The stored key a formatted entry was handed out under since the last read phase began,
    or None (not from this cache). Equal keys mean equal formatting: what
    ``citation_refresh`` compares instead of rendering every entry as text."""
    known = _keys_of_results.get(id(formatted_entry))
    return known[1] if known is not None and known[0] is formatted_entry else None


def load_formatted(app: Sphinx, env: BuildEnvironment) -> None:
    """Before sphinxcontrib-bibtex formats the entries: take last build's results."""
    global _keys_this_pass
    _used.clear()
    _keys_of_results.clear()
    _keys_this_pass = {}
    _formatted.update(getattr(env, ENV_ATTRIBUTE, {}))


def keep_formatted(app: Sphinx, env: BuildEnvironment) -> None:
    """After it has: keep the results this build used, for the next build."""
    global _keys_this_pass
    _keys_this_pass = None
    setattr(env, ENV_ATTRIBUTE, {key: _formatted[key] for key in _used if key in _formatted})


def setup(app: Sphinx) -> ExtensionMetadata:
    """Install both caches before any document is read."""
    install_plugin_cache()
    install_format_cache()
    install_plain_text_fast_path()
    # sphinxcontrib-bibtex formats the bibliography in its env-updated handler (priority 500).
    app.connect("env-updated", load_formatted, priority=400)
    app.connect("env-updated", keep_formatted, priority=600)
    return {
        "version": __version__,
        "env_version": 2,  # 2: formatted entries kept under digests
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
