"""Find the entries each bibliography lists in one pass over the citations, not one per entry.

After every read phase, even in a one-page rebuild, sphinxcontrib-bibtex (2.6, 2.7) decides
which entries each ``{bibliography}`` lists: ``BibtexDomain.get_filtered_entries`` takes every
entry of the bib files and, for each, scans every citation of the project to find the pages
citing it. That is entries x citations: with 2,500 entries and 1,500 citations, four million
small sets and 1.5 s of every build (``nox -s bench``, the large-bibliography copy).

:func:`get_filtered_entries` is the same method with the pages citing each key gathered once,
in one pass over the citations, before the loop over the entries. Everything else is
upstream's: the same filter expression and visitor, the same order, the same warnings, so the
same entries in the same order. Installed only over the upstream versions it was written from
(:data:`KNOWN_VERSIONS`); with any other, upstream's method stays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from importlib.metadata import version
from typing import TYPE_CHECKING, Any

from sphinx.util import logging

from living_review import __version__

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: sphinxcontrib-bibtex versions whose ``get_filtered_entries`` this replaces (major.minor).
KNOWN_VERSIONS = ("2.6", "2.7")
#: Upstream's method, kept when replaced (the tests compare the two).
UPSTREAM: dict[str, Any] = {}


def cited_docnames_by_key(citation_refs: Iterable[Any]) -> dict[str, set[str]]:
    """Key -> the pages citing it, from the domain's citation references."""
    pages: defaultdict[str, set[str]] = defaultdict(set)
    for citation_ref in citation_refs:
        for target in citation_ref.targets:
            pages[target.key].add(citation_ref.docname)
    return pages


def get_filtered_entries(self: Any, bibliography_key: Any) -> Iterable[tuple[str, Any]]:
    """Upstream's ``BibtexDomain.get_filtered_entries``, the citing pages found in one pass."""
    from sphinxcontrib.bibtex.domain import _FilterVisitor

    bibliography = self.bibliographies[bibliography_key]
    citing_pages = cited_docnames_by_key(self.citation_refs)
    for entry in self.get_entries(bibliography.bibfiles):
        key = bibliography.keyprefix + entry.key
        cited_docnames = set(citing_pages.get(key, ()))
        visitor = _FilterVisitor(
            entry=entry, docname=bibliography_key.docname, cited_docnames=cited_docnames
        )
        try:
            success = visitor.visit(bibliography.filter_)
        except ValueError as err:
            logger.warning(
                f"syntax error in :filter: expression; {err}",  # upstream's words
                location=(bibliography_key.docname, bibliography.line),
                type="bibtex",
                subtype="filter_syntax_error",
            )
            success = bool(cited_docnames)  # upstream's fallback: the default filter
        if success or entry.key in bibliography.keys:
            yield key, entry


def install() -> bool:
    """Replace upstream's method if its version is one this was written from; True if so."""
    from sphinxcontrib.bibtex.domain import BibtexDomain

    installed = version("sphinxcontrib-bibtex")
    if not installed.startswith(tuple(f"{known}." for known in KNOWN_VERSIONS)):
        return False
    domain: Any = BibtexDomain
    if domain.get_filtered_entries is not get_filtered_entries:
        UPSTREAM.setdefault("get_filtered_entries", domain.get_filtered_entries)
        domain.get_filtered_entries = get_filtered_entries
    return True


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinxcontrib.bibtex")
    install()
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
