"""Find the entries each bibliography lists, and each citation's targets, without scanning all.

After every read phase, even in a one-page rebuild, sphinxcontrib-bibtex (2.6, 2.7) decides
which entries each ``{bibliography}`` lists: ``BibtexDomain.get_filtered_entries`` takes every
entry of the bib files and, for each, scans every citation of the project to find the pages
citing it. That is entries x citations: with 2,500 entries and 1,500 citations, four million
small sets and 1.5 s of every build (``nox -s bench``, the large-bibliography copy).

:func:`get_filtered_entries` is the same method with the pages citing each key gathered once,
in one pass over the citations, before the loop over the entries. Everything else is
upstream's: the same filter expression and visitor, the same order, the same warnings, so the
same entries in the same order.

The same scan slows the write phase: ``BibtexDomain.resolve_xref`` turns each in-text citation
into its link by going twice through every citation of the project for the cited keys
(citations x citations: 0.3 s of a build with 1,500 citations). :func:`resolve_xref` hands
upstream's method, for the length of the call, only the citations of the keys it resolves, in
their order in the full list (:class:`CitationsByKey`); upstream's filter would keep exactly
those, so the links, tooltips and warnings are the same. The index is made again whenever
the list of citations has changed.

Both are installed only over the upstream versions they were written from
(:data:`KNOWN_VERSIONS`); with any other, upstream's methods stay.
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


class CitationsByKey:
    """The project's citations by key, each with its position in the domain's list."""

    def __init__(self) -> None:
        self.forget()

    def forget(self, *_: Any) -> None:
        """Drop the index (the citations are about to change or have changed)."""
        self._source: list[Any] | None = None
        self._signature: tuple[int, ...] = ()
        self._by_key: dict[str, list[tuple[int, Any]]] = {}

    @staticmethod
    def _signature_of(citations: list[Any]) -> tuple[int, ...]:
        """A cheap check that the list still holds what was indexed: its length and its ends.
        (sphinxcontrib-bibtex refills the list in place after each read phase, when
        :meth:`forget` is also called.)"""
        return (len(citations), id(citations[0]), id(citations[-1])) if citations else (0,)

    def of_keys(self, citations: list[Any], keys: Iterable[str]) -> list[Any]:
        """The citations in *citations* whose key is in *keys*, in their order there."""
        signature = self._signature_of(citations)
        if citations is not self._source or signature != self._signature:
            by_key: defaultdict[str, list[tuple[int, Any]]] = defaultdict(list)
            for position, citation in enumerate(citations):
                by_key[citation.key].append((position, citation))
            self._source, self._signature, self._by_key = citations, signature, dict(by_key)
        found = [pair for key in set(keys) for pair in self._by_key.get(key, ())]
        return [citation for _, citation in sorted(found, key=lambda pair: pair[0])]


CITATIONS_BY_KEY = CitationsByKey()


def resolve_xref(
    self: Any,
    env: Any,
    fromdocname: str,
    builder: Any,
    typ: str,
    target: str,
    node: Any,
    contnode: Any,
) -> Any:
    """Upstream's ``BibtexDomain.resolve_xref``, shown only the citations of the cited keys."""
    from sphinxcontrib.bibtex.citation_target import parse_citation_targets

    keys = [citation_target.key for citation_target in parse_citation_targets(target)]
    citations = self.data["citations"]
    self.data["citations"] = CITATIONS_BY_KEY.of_keys(citations, keys)
    try:
        return UPSTREAM["resolve_xref"](
            self, env, fromdocname, builder, typ, target, node, contnode
        )
    finally:
        self.data["citations"] = citations


def install() -> bool:
    """Replace upstream's methods if its version is one this was written from; True if so."""
    from sphinxcontrib.bibtex.domain import BibtexDomain

    installed = version("sphinxcontrib-bibtex")
    if not installed.startswith(tuple(f"{known}." for known in KNOWN_VERSIONS)):
        return False
    domain: Any = BibtexDomain
    for name, ours in (
        ("get_filtered_entries", get_filtered_entries),
        ("resolve_xref", resolve_xref),
    ):
        if getattr(domain, name) is not ours:
            UPSTREAM.setdefault(name, getattr(domain, name))
            setattr(domain, name, ours)
    return True


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinxcontrib.bibtex")
    install()
    app.connect("env-updated", CITATIONS_BY_KEY.forget, priority=900)
    return {"version": __version__, "parallel_read_safe": True, "parallel_write_safe": True}
