"""An incremental build's search index equals a clean build's: no words left without a page.

When a word disappears from the last page that had it, an incremental build (``nox -s docs`` on
its kept output, every ``docs-live`` rebuild) leaves it in ``searchindex.js`` with an empty list
of pages: Sphinx's ``IndexBuilder.prune`` removes the rewritten pages from each word's set but
keeps words whose set is then empty, and ``get_terms`` writes them as ``"word":[]`` (Sphinx 9).
A clean build never has one, so the two files differ, and such words pile up over a long live
session. Searching one finds nothing either way.

:func:`get_terms` is upstream's with those empty entries left out, so an incremental build
writes the same ``searchindex.js`` as a clean build of the same sources (tests/test_live.py).

Stemming is also done once per word per build, not once per word per page: Sphinx memoises the
stemmer only within one page's ``feed``, and the English stemmer (pure Python snowballstemmer)
then took about a twentieth of a clean build of the site. :func:`memoise_stemmer` keeps each
word's stem for the life of the index; a stem depends only on the word and the language.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from sphinx.search import IndexBuilder

from living_review import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

_upstream_get_terms = IndexBuilder.get_terms
_upstream_init = IndexBuilder.__init__


def get_terms(self: Any, fn2index: dict[str, int]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Upstream's terms and title terms, without the words no page has any more."""
    terms, title_terms = _upstream_get_terms(self, fn2index)
    return (
        {word: pages for word, pages in terms.items() if pages != []},
        {word: pages for word, pages in title_terms.items() if pages != []},
    )


@functools.wraps(_upstream_init)
def memoise_stemmer(self: Any, *args: Any, **kwargs: Any) -> None:
    """Upstream's ``__init__``, then the language's ``stem`` memoised on this index's language."""
    _upstream_init(self, *args, **kwargs)
    self.lang.stem = functools.cache(self.lang.stem)


def setup(app: Sphinx) -> ExtensionMetadata:
    index_builder: Any = IndexBuilder
    index_builder.get_terms = get_terms
    index_builder.__init__ = memoise_stemmer
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
