"""Cite this edition: a formatted citation, BibTeX and RIS on every page and the editions page.

The edition is described once, in the repository's ``CITATION.cff`` (``cite_this_file``): its
title, authors, ``version``, ``date-released``, and, once Zenodo has minted them, ``doi`` (this
edition's DOI) and an ``identifiers`` entry of type ``doi`` whose description starts with
"concept" (the DOI that always resolves to the latest edition). ``nox -s release`` updates the
version and date; a maintainer adds the DOIs. Until a DOI is minted every format says
"DOI pending" (or leaves the field out, in BibTeX and RIS).

* Every page of the web site ends with a "Cite this edition" line: the formatted citation and
  links to the BibTeX and RIS files, written to ``cite/<file stem>.bib`` and ``.ris``.
* ``{cite-this}`` (on the editions page) shows the citation, the DOIs, the BibTeX and the RIS.
* ``{edition-list}`` lists the earlier editions ``nox -s editions`` built (``editions.json``,
  ``cite_this_editions``), each with its DOI, its flags and links to it, its PDF and EPUB.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri

from living_review.problems import UnusableInput, read_utf8
from living_review.sphinxext import add_stylesheet, extension_metadata, is_html_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Where the site puts the citation files, from its root.
CITE_DIR = "cite"
PENDING = "DOI pending"
#: Build-environment attribute: (the citation file, its edition or None if none or unusable).
CITATION_ATTRIBUTE = "living_review_cite_this"
#: The 2020 article, credited in every format (CITATION.cff's ``references``).
SOURCE_NOTE = "Based on an article by Dr. Juliana Bruner, DPT (Dorsal Health, 2020)."


@dataclass(frozen=True)
class Edition:
    """One edition of the review, as CITATION.cff describes it."""

    title: str
    author: str
    version: str
    date: dt.date
    url: str
    doi: str = ""
    concept_doi: str = ""

    @property
    def long_date(self) -> str:
        """28 November 2026 (no leading zero, on every platform)."""
        return f"{self.date.day} {self.date:%B %Y}"

    @property
    def key(self) -> str:
        """The BibTeX key and the file stem: ``acupuncture-sciatica-2026-11-28``."""
        return f"acupuncture-sciatica-{self.date.isoformat()}"


def read_edition(path: Path) -> Edition:
    """The edition described by a CITATION.cff file (:class:`UnusableInput` if it has none)."""
    try:
        cff = yaml.safe_load(read_utf8(path)) or {}
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        raise UnusableInput(path, f"not valid YAML: {error.problem}", line=line) from None
    missing = [key for key in ("title", "authors", "version", "date-released") if key not in cff]
    if missing:
        raise UnusableInput(path, f"no {', '.join(missing)}: the edition cannot be cited")
    authors = [
        a.get("name") or " ".join(filter(None, (a.get("given-names"), a.get("family-names"))))
        for a in cff["authors"]
    ]
    concepts = [
        i["value"]
        for i in cff.get("identifiers", [])
        if i.get("type") == "doi" and str(i.get("description", "")).lower().startswith("concept")
    ]
    released = cff["date-released"]
    if not isinstance(released, dt.date):
        released = dt.date.fromisoformat(str(released))
    return Edition(
        title=cff["title"],
        author="; ".join(authors),
        version=str(cff["version"]),
        date=released,
        url=cff.get("url", ""),
        doi=str(cff.get("doi", "") or ""),
        concept_doi=concepts[0] if concepts else "",
    )


def doi_url(doi: str) -> str:
    """The resolver address of a DOI."""
    return f"https://doi.org/{doi}"


def doi_node(doi: str | None) -> nodes.Node:
    """A link to *doi*, or "DOI pending" without one."""
    return nodes.reference("", doi, refuri=doi_url(doi)) if doi else nodes.Text(PENDING)


def formatted_citation(edition: Edition) -> str:
    """The citation as a reader would copy it (plain text)."""
    where = doi_url(edition.doi) if edition.doi else f"{edition.url} ({PENDING})"
    return (
        f"{edition.author}. {edition.title}. Edition of {edition.long_date}, version "
        f"{edition.version}. {where}. {SOURCE_NOTE}"
    )


def _bibtex_value(text: str) -> str:
    """A BibTeX field value in braces, with BibTeX's special characters escaped."""
    for char in "&%$#_":
        text = text.replace(char, "\\" + char)
    return "{" + text + "}"


def bibtex(edition: Edition) -> str:
    """The edition as a BibTeX ``@misc`` entry (biblatex reads ``date``, ``version``, ``doi``)."""
    fields = [
        ("title", _bibtex_value(edition.title)),
        # Double braces: a group author, never split into "given family".
        ("author", "{" + _bibtex_value(edition.author) + "}"),
        ("year", str(edition.date.year)),
        ("month", edition.date.strftime("%b").lower()),
        ("date", _bibtex_value(edition.date.isoformat())),
        ("version", _bibtex_value(edition.version)),
        ("edition", _bibtex_value(f"Edition of {edition.long_date}")),
        ("url", _bibtex_value(edition.url)),
    ]
    if edition.doi:
        fields.append(("doi", _bibtex_value(edition.doi)))
    fields.append(("note", _bibtex_value(f"Living evidence review. {SOURCE_NOTE}")))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@misc{{{edition.key},\n{body}\n}}\n"


def ris(edition: Edition) -> str:
    """The edition as an RIS record (type ELEC, a web page), CRLF line ends as RIS asks."""
    lines = [
        ("TY", "ELEC"),
        ("TI", edition.title),
        ("AU", edition.author),
        ("PY", str(edition.date.year)),
        ("DA", edition.date.strftime("%Y/%m/%d")),
        ("ET", f"Edition of {edition.long_date}"),
        ("VL", edition.version),  # RIS has no version tag; reference managers read VL for it
        ("UR", edition.url),
    ]
    if edition.doi:
        lines.append(("DO", edition.doi))
    lines += [("N1", f"Living evidence review. {SOURCE_NOTE}"), ("ER", "")]
    return "".join(f"{tag}  - {value}".rstrip() + "\r\n" for tag, value in lines)


def read_citation_file(app: Sphinx) -> None:
    """Read ``cite_this_file`` once a build: a problem in it is one error, not one per page."""
    path = Path(app.confdir, app.config.cite_this_file)
    edition = None
    if app.config.cite_this_file:
        try:
            edition = read_edition(path)
        except UnusableInput as error:
            logger.error("cite-this: %s", error.reason, location=f"{error.path}:{error.line}")
    setattr(app.env, CITATION_ATTRIBUTE, (path, edition))


def footer_html(app: Sphinx, pagename: str, edition: Edition) -> str:
    """The "Cite this edition" line that ends a page."""
    here = app.builder.get_target_uri(pagename)
    files = escape(relative_uri(here, f"{CITE_DIR}/{edition.key}"))  # + .bib, + .ris
    links = [
        f'<a href="{files}.bib" download>BibTeX</a>',
        f'<a href="{files}.ris" download>RIS</a>',
    ]
    page = app.config.cite_this_page
    if page and page in app.env.found_docs:
        target = escape(relative_uri(here, app.builder.get_target_uri(page)))
        links.append(f'<a href="{target}#cite-this-edition">Editions and DOIs</a>')
    return (
        '<div class="cite-this">\n<p><span class="cite-this-lead">Cite this edition:</span> '
        f"{escape(formatted_citation(edition))} " + " · ".join(links) + "</p>\n</div>\n"
    )


def add_footer(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """End every web page built from a source with the "Cite this edition" line."""
    _, edition = getattr(app.env, CITATION_ATTRIBUTE)
    if edition is None or not is_html_site(app.builder) or pagename not in app.env.found_docs:
        return
    if "body" in context:
        context["body"] += footer_html(app, pagename, edition)


def write_files(app: Sphinx, exception: Exception | None) -> None:
    """Write the BibTeX and RIS files into the site."""
    _, edition = getattr(app.env, CITATION_ATTRIBUTE)
    if exception is not None or not is_html_site(app.builder) or edition is None:
        return
    folder = Path(app.outdir, CITE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{edition.key}.bib").write_text(bibtex(edition), encoding="utf-8")
    (folder / f"{edition.key}.ris").write_bytes(ris(edition).encode("utf-8"))


class CiteThisDirective(SphinxDirective):
    """``{cite-this}``: the formatted citation, the DOIs, and the BibTeX and RIS records."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        if not self.config.cite_this_file:
            raise self.error("{cite-this} needs cite_this_file (CITATION.cff) in conf.py")
        cff, edition = getattr(self.env, CITATION_ATTRIBUTE)
        self.env.note_dependency(str(cff))
        if edition is None:  # reported once, at CITATION.cff
            return []
        container = nodes.container(classes=["cite-this-full"])
        container += nodes.paragraph("", formatted_citation(edition))
        dois = nodes.bullet_list()
        for label, doi in (
            ("DOI of this edition: ", edition.doi),
            ("DOI of the review, which always leads to its latest edition: ", edition.concept_doi),
        ):
            dois += nodes.list_item("", nodes.paragraph("", label, doi_node(doi)))
        container += dois
        for caption, text, language in (
            ("BibTeX", bibtex(edition), "bibtex"),
            ("RIS", ris(edition).replace("\r\n", "\n"), "text"),
        ):
            container += nodes.rubric("", caption)
            container += nodes.literal_block(text, text, language=language)
        return [container]


class EditionListDirective(SphinxDirective):
    """``{edition-list}``: every earlier edition kept online, newest first, from the list
    ``nox -s editions`` writes (``cite_this_editions``); without one, a sentence saying so."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        path = self.config.cite_this_editions
        listing = []
        if path and Path(path).is_file():
            self.env.note_dependency(str(path))
            listing = json.loads(Path(path).read_text(encoding="utf-8"))
        if not listing:
            text = (
                "No edition has been archived yet. Each published edition will be listed here, "
                "with a link to its copy as it was then."
            )
            return [nodes.paragraph("", text)]
        items = nodes.bullet_list(classes=["edition-list"])
        for record in reversed(listing):
            when = dt.date.fromisoformat(record["date"])
            para = nodes.paragraph()
            para += nodes.strong("", f"Edition of {when.day} {when:%B %Y}")
            version = f" (version {record['version']})" if record.get("version") else ""
            summary = f": {record['summary']}" if record.get("summary") else ""
            para += nodes.Text(f"{version}{summary}. DOI: ")
            para += doi_node(record.get("doi"))
            if record is listing[0]:  # the oldest: nothing before it to compare with
                flags = "Conclusions and certainty changed: not applicable (first edition). "
            else:
                flags = (
                    f"Conclusions changed: {'yes' if record['conclusions_changed'] else 'no'}. "
                    f"Certainty changed: {'yes' if record['certainty_changed'] else 'no'}. "
                )
            para += nodes.Text(f". {flags}")
            para += nodes.reference(
                "", "Read this edition", refuri=f"editions/{record['date']}/index.html"
            )
            for kind, label in (("pdf", "PDF"), ("epub", "EPUB")):
                if record.get(kind):
                    para += nodes.Text(" · ")
                    para += nodes.reference("", label, refuri=record[kind])
            items += nodes.list_item("", para)
        return [items]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the configuration, the directive, the footer and the files."""
    # "env": the directive reads the file when the page is read (and depends on it).
    app.add_config_value("cite_this_file", "", "env", types=frozenset({str}))
    app.add_config_value("cite_this_page", "", "html", types=frozenset({str}))
    app.add_config_value("cite_this_editions", "", "env", types=frozenset({str}))
    app.add_directive("cite-this", CiteThisDirective)
    app.add_directive("edition-list", EditionListDirective)
    app.connect("builder-inited", read_citation_file)
    # After page_feedback (priority 500): the citation is the last line of the page.
    app.connect("html-page-context", add_footer, priority=600)
    app.connect("build-finished", write_files)
    add_stylesheet(app, "cite-this.css")
    return extension_metadata()
