"""Keep citation numbers right in incremental builds (and so in live preview).

sphinxcontrib-bibtex numbers the citations (``unsrt``: in order of first citation, pages in
toctree order) in its ``env-updated`` handler, after every read phase, and resolves each
``{cite:p}`` when a page is written. Sphinx, though, only rewrites the pages it re-read. So
when one page changes the order of its first citations, or an entry in ``references.bib``
changes, the *other* pages citing the renumbered or edited entries, and the page holding the
``{bibliography}``, keep their old numbers and tooltips until a clean build.

This extension records, after each read phase, how every citation renders: its number, its
formatted entry, its tooltip and the anchor it links to, and the list each bibliography shows.
It compares that with the record kept in the pickled environment from the previous build and
returns from ``env-updated`` the pages whose output changes: pages citing a changed entry and
pages whose bibliography changed. Sphinx then rewrites them. Rewriting is enough (no re-read):
citation references and bibliographies are resolved from the cite domain at write time.

Only pages that really change are rewritten, so a typo fix in one page's prose still rebuilds
one page, while a new first citation early in the review rebuilds every page that it renumbers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sphinx.util import logging

from living_review.sphinxext import extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Attribute of the build environment that keeps the previous build's record (pickled with it).
RECORD_ATTRIBUTE = "living_review_citation_record"

#: key -> digest of (page, anchor, number, entry text, tooltip text) of its citations.
CitationRecord = dict[str, bytes]
#: page -> digest of the (key, number, entry text) of each bibliography item on it, in order.
BibliographyRecord = dict[str, bytes]


def stored_key(value: Any) -> bytes:
    """A SHA-256 digest of *value* (32 bytes kept in the pickled environment, not the text).
    For strings, and tuples or lists of them, whose ``repr`` is exact."""
    return hashlib.sha256(repr(value).encode("utf-8")).digest()


def record_citations(env: BuildEnvironment) -> tuple[CitationRecord, BibliographyRecord]:
    """How every citation and every bibliography renders, as numbered in this build."""
    domain: Any = env.get_domain("cite")
    citations: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
    bibliographies: defaultdict[str, list[tuple[str, ...]]] = defaultdict(list)
    for citation in domain.citations:
        page = citation.bibliography_key.docname
        label = citation.formatted_entry.label
        entry_text = citation.formatted_entry.text.render_as("html")  # links included
        tooltip = citation.tooltip_entry
        tooltip_text = "" if tooltip is None else tooltip.text.render_as("html")
        citations[citation.key].append(
            (page, citation.citation_id, label, entry_text, tooltip_text)
        )
        bibliographies[page].append((citation.key, label, entry_text))
    return (
        {key: stored_key(value) for key, value in citations.items()},
        {page: stored_key(value) for page, value in bibliographies.items()},
    )


def pages_to_rewrite(
    env: BuildEnvironment,
    old: tuple[CitationRecord, BibliographyRecord],
    new: tuple[CitationRecord, BibliographyRecord],
) -> set[str]:
    """Pages whose citations or bibliography render differently in *new* than in *old*."""

    def changed(was: dict[str, bytes], now: dict[str, bytes]) -> set[str]:
        return {name for name in was.keys() | now.keys() if was.get(name) != now.get(name)}

    changed_keys = changed(old[0], new[0])
    domain: Any = env.get_domain("cite")
    pages = {
        ref.docname
        for ref in domain.citation_refs
        if any(target.key in changed_keys for target in ref.targets)
    }
    return (pages | changed(old[1], new[1])) & env.found_docs


def on_env_updated(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Return the pages to rewrite because their citation numbers or entries changed."""
    new = record_citations(env)
    old = getattr(env, RECORD_ATTRIBUTE, None)
    setattr(env, RECORD_ATTRIBUTE, new)
    if old is None:  # first build with this extension: every page is being written anyway
        return []
    pages = sorted(pages_to_rewrite(env, old, new))
    if pages:
        logger.info("citations renumbered or changed; rewriting: %s", ", ".join(pages))
    return pages


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the ``env-updated`` handler, after sphinxcontrib-bibtex has numbered citations."""
    app.setup_extension("sphinxcontrib.bibtex")
    # sphinxcontrib-bibtex numbers citations in its own env-updated handler (priority 500).
    app.connect("env-updated", on_env_updated, priority=900)
    return extension_metadata(env_version=3)  # 3: entries compared by their text again
