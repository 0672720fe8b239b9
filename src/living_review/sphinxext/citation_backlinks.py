"""Back-links from each reference-list entry to every sentence that cites it.

After each entry of a ``{bibliography}``: "Cited in: Effectiveness ¶3, ¶7 · Safety ¶1", each
link going to the citation itself (the ``[n]`` whose id sphinxcontrib-bibtex gives it). "¶N"
counts the page's paragraphs in reading order, a table row as one (not the review dates line).

Where each citation sits is recorded when a page is read (merged from parallel readers); the
back-links are added when the bibliography's page is written. When they change, ``env-updated``
returns the pages holding a bibliography, so an incremental build rewrites them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from docutils import nodes
from sphinx import addnodes

from living_review.sphinxext import add_stylesheet, extension_metadata, keep_per_page, per_page

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

#: Build-environment attribute: docname -> {citation id: paragraph number}.
PLACES_ATTRIBUTE = "living_review_citation_places"
#: Build-environment attribute: the back-links of the last build, to tell when they change.
RECORD_ATTRIBUTE = "living_review_backlink_record"
#: Paragraphs with these classes are generated, not the page's text, and are not counted.
UNCOUNTED_CLASSES = frozenset({"review-dates"})


class Place(NamedTuple):
    """One citation of a work: the page, the citation's id and the paragraph it is in."""

    docname: str
    citation_id: str
    paragraph: int


def in_table(node: nodes.Node) -> bool:
    while (node := node.parent) is not None:
        if isinstance(node, nodes.table):
            return True
    return False


def is_text_block(node: nodes.Node) -> bool:
    """A paragraph of the page's text, or a table's body row (which reads as one)."""
    if isinstance(node, nodes.row):
        return isinstance(node.parent, nodes.tbody)
    return (
        isinstance(node, nodes.paragraph)
        and not in_table(node)
        and not UNCOUNTED_CLASSES.intersection(node["classes"])
    )


def is_citation(node: nodes.Node) -> bool:
    """True for a not yet resolved ``{cite}`` role (sphinxcontrib-bibtex's ``cite`` domain)."""
    return isinstance(node, addnodes.pending_xref) and node.get("refdomain") == "cite"


def citation_paragraphs(doctree: nodes.Node) -> dict[str, int]:
    """Each citation's id -> the number (from 1) of the text block that holds it: the page's
    paragraphs, and each body row of a table as one, in reading order."""
    places: dict[str, int] = {}
    for number, block in enumerate(doctree.findall(is_text_block), start=1):
        for citation in block.findall(is_citation):
            for citation_id in citation["ids"][:1]:
                places.setdefault(citation_id, number)
    return places


def record_places(app: Sphinx, doctree: nodes.document) -> None:
    """Remember where on this page each citation is (when the page is read)."""
    per_page(app.env, PLACES_ATTRIBUTE)[app.env.docname] = citation_paragraphs(doctree)


def places_by_key(env: BuildEnvironment) -> dict[str, list[Place]]:
    """Every cited key -> its citations, in the site's reading order (toctree, then text)."""
    from sphinxcontrib.bibtex.domain import get_docnames

    domain: Any = env.get_domain("cite")
    places = getattr(env, PLACES_ATTRIBUTE, {})
    order = {docname: index for index, docname in enumerate(get_docnames(env))}
    by_key: dict[str, list[Place]] = {}
    for ref in domain.citation_refs:
        paragraph = places.get(ref.docname, {}).get(ref.citation_ref_id)
        if paragraph is None:
            continue
        for target in ref.targets:
            by_key.setdefault(target.key, []).append(
                Place(ref.docname, ref.citation_ref_id, paragraph)
            )
    for key, found in by_key.items():
        by_key[key] = sorted(
            set(found), key=lambda p: (order.get(p.docname, len(order)), p.paragraph, p.citation_id)
        )
    return by_key


def bibliography_pages(env: BuildEnvironment) -> set[str]:
    domain: Any = env.get_domain("cite")
    return {key.docname for key in domain.bibliographies}


def rewrite_bibliographies_on_change(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages holding a bibliography, when any back-link changed since the last build."""
    record = {key: tuple(found) for key, found in places_by_key(env).items()}
    previous = getattr(env, RECORD_ATTRIBUTE, None)
    setattr(env, RECORD_ATTRIBUTE, record)
    if previous is None or previous == record:
        return []
    return sorted(bibliography_pages(env))


def page_title(env: BuildEnvironment, docname: str) -> str:
    """The page's title; "Home" for the home page, whose title is the site's name."""
    if docname == env.config.root_doc:
        return "Home"
    title = env.titles.get(docname)
    return title.astext() if title is not None else docname


def cited_in(app: Sphinx, fromdoc: str, places: list[Place]) -> nodes.paragraph:
    """``Cited in: Page ¶3, ¶7 · Other page ¶1``, each link going to the citation."""
    para = nodes.paragraph(classes=["cited-in"])
    para += nodes.Text("Cited in: ")
    pages: dict[str, dict[int, Place]] = {}  # page -> paragraph -> its first citation
    for place in places:
        pages.setdefault(place.docname, {}).setdefault(place.paragraph, place)
    for page_index, (docname, first_in_paragraph) in enumerate(pages.items()):
        if page_index:
            para += nodes.Text(" · ")
        title = page_title(app.env, docname)
        uri = app.builder.get_relative_uri(fromdoc, docname)
        for index, place in enumerate(first_in_paragraph.values()):
            if index:
                para += nodes.Text(", ")
            text = f"¶{place.paragraph}" if index else f"{title} ¶{place.paragraph}"
            link = nodes.reference(
                "", text, internal=True, refuri=f"{uri}#{place.citation_id}",
                classes=["cited-in-link"],
            )  # fmt: skip
            link["reftitle"] = f"Back to {title}, paragraph {place.paragraph}"
            para += link
    return para


def add_backlinks(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """After each bibliography entry on this page, the places that cite it."""
    if docname not in bibliography_pages(app.env):
        return
    domain: Any = app.env.get_domain("cite")
    key_of = {
        citation.citation_id: citation.key
        for citation in domain.citations
        if citation.bibliography_key.docname == docname
    }
    by_key = places_by_key(app.env)
    for citation in doctree.findall(nodes.citation):
        ids = [i for i in citation["ids"] if i in key_of]
        places = by_key.get(key_of[ids[0]], []) if ids else []
        if places:
            citation += cited_in(app, docname, places)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Record citation places when reading; add back-links when writing the bibliography."""
    app.setup_extension("sphinxcontrib.bibtex")
    # After other doctree-read handlers (the review dates line is added, then skipped).
    app.connect("doctree-read", record_places, priority=800)
    keep_per_page(app, PLACES_ATTRIBUTE)
    app.connect("env-updated", rewrite_bibliographies_on_change)
    app.connect("doctree-resolved", add_backlinks)
    add_stylesheet(app, "references.css")
    return extension_metadata(env_version=1)
