"""Entries that parse cleanly yet print wrongly, or not at all: rules the build and the check share.

The site's bibliography style (pybtex's ``unsrt``, or a style built on it) prints what an entry
holds, as it is written. So an entry can be valid BibTeX and still come out wrong on the
References page: an ``eprint`` holding a URL is linked as ``https://arxiv.org/abs/https://...``,
``doi = {}`` prints "doi: .", ``pages = {null}`` prints "pages null", ``\\emph{word}`` prints
"\\emph word", and an entry type the style has no template for (``@conference``, biblatex's
``@report``) stops the build with a traceback. Each rule here catches one of these, with an id,
the entry's line and what to write instead.

``nox -s citations`` runs these rules with its own (:mod:`living_review.tools.citations.rules`);
the site build runs them too (:mod:`living_review.sphinxext.bibliography_check`), so neither
passes an entry that the References page would show wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from pybtex.backends.plaintext import Backend as PlainText
from pybtex.bibtex.utils import split_name_list
from pybtex.exceptions import PybtexError
from pybtex.plugin import find_plugin
from pybtex.richtext import Text

from living_review.bibfile import PERSON_FIELDS, BibEntry, BibFile
from living_review.problems import Problem

UNKNOWN_TYPE = "bib-unknown-type"

#: Every rule here: id -> what it catches (``--list-rules`` prints these with the others).
RULES: dict[str, str] = {
    UNKNOWN_TYPE: "the bibliography style cannot format this entry type (@conference, @report)",
    "bib-bad-eprint": "eprint is not an arXiv identifier the style can link (a URL, say)",
    "bib-bad-name": "an author or editor that is not a name (`author = {,}`, `...`, `et al.`)",
    "bib-empty-field": "a field with nothing in it (`doi = {}` prints 'doi: .')",
    "bib-null-field": "a field holding a placeholder such as `null`, which the style prints",
    "bib-raw-latex": "LaTeX markup the style prints as written (\\emph, \\textit, $x^2$)",
}

#: Fields the unsrt style prints as text, reading LaTeX in them (``field(...)`` in its
#: templates, names included). ``doi``, ``eprint``, ``pubmed`` and ``url`` are printed raw.
PRINTED_FIELDS = frozenset({
    "author", "editor", "title", "booktitle", "journal", "address", "chapter", "edition",
    "howpublished", "institution", "isbn", "month", "note", "number", "organization",
    "pages", "publisher", "school", "series", "type", "urldate", "volume", "year",
})  # fmt: skip

#: Values that programs write for "no value" (exporters, scripts, spreadsheets).
PLACEHOLDERS = frozenset({"null", "none", "nil", "nan", "undefined"})

#: arXiv identifiers: new style (2101.00001, with a version or not) and old style
#: (hep-th/9901001). The style links ``https://arxiv.org/abs/<eprint>``.
ARXIV_ID = re.compile(r"(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?")
_ARXIV_URL = re.compile(
    r"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/(?P<id>[^\s?#]+?)(?:\.pdf)?/?$",
    re.IGNORECASE,
)
#: Types biblatex has and the style does not, with the BibTeX type to use instead.
INSTEAD = {
    "conference": "inproceedings",
    "report": "techreport",
    "thesis": "phdthesis",
    "inreference": "incollection",
    **dict.fromkeys(("collection", "mvbook", "reference"), "book"),
    **dict.fromkeys(("webpage", "www", "electronic", "online"), "misc"),
}
#: What the style prints as written: a LaTeX command, an escaped character, or $...$ math.
_RAW_LATEX = re.compile(r"\\[A-Za-z]+|\\.|\$[^$]+\$")
_NOT_A_NAME = re.compile(r"et\.? al\.?|\W*", re.IGNORECASE)
#: Quick tests that let most fields skip ``_as_text`` (latexcodec is slow: seconds for 2,500
#: entries). Only what could print as markup, or as something other than a name, is rendered.
_MAY_SHOW_LATEX = re.compile(r"[\\$]")
_MAY_LOSE_TEXT = re.compile(r"[\\%]")
_WORD = re.compile(r"\w")
_ET_AL = re.compile(r"et\W*al", re.IGNORECASE)
#: One plain-text backend: ``render_as("text")`` would look the plugin up, slowly, every time.
_PLAIN_TEXT = PlainText()


class Hit(NamedTuple):
    """A problem in one entry: the line, the rule id, the message."""

    line: int
    rule: str
    message: str


EntryRule = Callable[[BibEntry], Iterable[Hit]]


def supported_types(style: str) -> frozenset[str]:
    """Entry types the style can format (it has a ``get_<type>_template`` for each)."""
    style_class = find_plugin("pybtex.style.formatting", style)
    return frozenset(
        name.removeprefix("get_").removesuffix("_template")
        for name in dir(style_class)
        if name.startswith("get_") and name.endswith("_template")
    )


def check_rendering(bib: BibFile, style: str) -> list[Problem]:
    """Every rule here, on every entry of *bib*, for the bibliography style *style*."""
    types = supported_types(style)
    return [
        Problem(bib.path, *hit)
        for entry in bib.entries
        for hits in (unknown_type(entry, types, style), *(rule(entry) for rule in ENTRY_RULES))
        for hit in hits
    ]


def unknown_type(entry: BibEntry, types: frozenset[str], style: str) -> Iterable[Hit]:
    if entry.type in types:
        return
    instead = INSTEAD.get(entry.type)
    known = ", ".join(sorted(types))
    advice = f"use @{instead}" if instead in types else f"use one of: {known}"
    yield Hit(
        entry.line,
        UNKNOWN_TYPE,
        f"entry '{entry.key}': the site's bibliography style ({style}) cannot format "
        f"@{entry.type} entries: {advice}",
    )


def arxiv_linked(entry: BibEntry) -> bool:
    """True if the style links the entry's ``eprint`` to its arXiv page (a usable identifier)."""
    return not list(bad_eprint(entry)) and bool(entry.value("eprint"))


def bad_eprint(entry: BibEntry) -> Iterable[Hit]:
    eprint = entry.value("eprint")
    if not eprint:
        return
    archive = entry.value("archiveprefix") or entry.value("eprinttype")
    if archive and archive.strip("{}").lower() != "arxiv":
        message = (
            f"the style links every eprint to arxiv.org, and this one is from {archive}: give "
            "its doi or url instead, and remove eprint"
        )
    elif url := _ARXIV_URL.fullmatch(eprint):
        message = (
            f"eprint holds a link; write the bare arXiv identifier ({url.group('id')}): the "
            "style adds https://arxiv.org/abs/ itself"
        )
    elif not ARXIV_ID.fullmatch(eprint.removeprefix("arXiv:")):
        message = (
            f"eprint '{eprint}' is not an arXiv identifier (e.g. 2101.00001 or hep-th/9901001), "
            "yet the style prints it as arXiv:... with a link to arxiv.org: give a link that is "
            "not to arXiv as url"
        )
    elif eprint.startswith("arXiv:"):
        message = (
            f"write the eprint without 'arXiv:' ({eprint.removeprefix('arXiv:')}): the style "
            "prints 'arXiv:' itself"
        )
    else:
        return
    yield Hit(entry.line_of("eprint"), "bib-bad-eprint", f"entry '{entry.key}': {message}")


def bad_names(entry: BibEntry) -> Iterable[Hit]:
    for bib_field in entry.fields:
        if bib_field.name not in PERSON_FIELDS or not bib_field.value.strip("{} "):
            continue  # an empty list is bib-empty-field's
        names = split_name_list(bib_field.value)
        for number, name in enumerate(names, start=1):
            if not _may_be_no_name(name) or not _NOT_A_NAME.fullmatch(_as_text(name).strip()):
                continue
            which = f"{bib_field.name} {number} of {len(names)}" if len(names) > 1 else ""
            shown = f"'{name.strip()}'" if name.strip() else "an empty name"
            yield Hit(
                bib_field.line,
                "bib-bad-name",
                f"entry '{entry.key}': {which or bib_field.name} is {shown}, not a name: "
                "write every name as 'Family, Given' separated by 'and'; for et al., end the "
                "list with 'and others'",
            )


def empty_fields(entry: BibEntry) -> Iterable[Hit]:
    for bib_field in entry.fields:
        if not bib_field.value.strip("{} "):
            yield Hit(
                bib_field.line,
                "bib-empty-field",
                f"entry '{entry.key}': field '{bib_field.name}' is empty, and the style prints "
                f"it anyway: fill it in or remove it",
            )


def placeholder_fields(entry: BibEntry) -> Iterable[Hit]:
    for bib_field in entry.fields:
        if bib_field.value.strip("{} ").lower() in PLACEHOLDERS:
            yield Hit(
                bib_field.line,
                "bib-null-field",
                f"entry '{entry.key}': field '{bib_field.name}' is '{bib_field.value}', a "
                "placeholder for no value, which the style prints as written: remove the field "
                "or give its value",
            )


def raw_latex(entry: BibEntry) -> Iterable[Hit]:
    for bib_field in entry.fields:
        # Rendering can only remove a backslash or a dollar sign, never add one.
        if bib_field.name not in PRINTED_FIELDS or not _MAY_SHOW_LATEX.search(bib_field.value):
            continue
        if raw := sorted(set(_RAW_LATEX.findall(_as_text(bib_field.value)))):
            yield Hit(
                bib_field.line,
                "bib-raw-latex",
                f"entry '{entry.key}': field '{bib_field.name}' would show LaTeX markup as "
                f"written ({', '.join(raw)}): write plain text, and symbols as Unicode "
                "characters (≤, ²)",
            )


def _may_be_no_name(name: str) -> bool:
    """False if *name* surely prints as a name, so ``_as_text`` (slow) need not render it.

    Without a backslash or a ``%`` (a comment, which drops the rest), rendering keeps every
    letter and digit and only changes punctuation (braces, ``~``, ``--``, quotes), so a name
    holding a letter or digit and no ``et`` ... ``al`` keeps one and cannot be "et al." either.
    """
    return bool(_MAY_LOSE_TEXT.search(name)) or not _WORD.search(name) or bool(_ET_AL.search(name))


def _as_text(value: str) -> str:
    """*value* as the style prints it (LaTeX accents and braces resolved, the rest as written)."""
    try:
        return str(Text.from_latex(value).render(_PLAIN_TEXT))
    except PybtexError:
        return value


ENTRY_RULES: tuple[EntryRule, ...] = (
    bad_eprint,
    bad_names,
    empty_fields,
    placeholder_fields,
    raw_latex,
)
