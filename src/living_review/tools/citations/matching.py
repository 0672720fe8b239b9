"""Compare a BibTeX entry with a PubMed record, forgiving what does not matter.

Titles and names are compared after normalising: LaTeX markup in the entry and HTML markup in
the record removed, diacritics dropped, case folded, punctuation and spacing ignored. So
``{NHG-Standaard} {Lumbosacraal}`` matches ``NHG-Standaard lumbosacraal.`` and ``<i>Ex vivo</i>``
matches ``Ex vivo``, but a different word does not.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence

from pybtex.database import Person
from pybtex.richtext import Text

_TAG = re.compile(r"<[^>]+>")
_NOT_WORD = re.compile(r"[\W_]+")


def latex_to_text(value: str) -> str:
    """A BibTeX value as plain text, as the style renders it (braces and accents resolved)."""
    try:
        return Text.from_latex(value).render_as("text")
    except Exception:  # pybtex cannot read it: compare the raw text rather than fail
        return value.replace("{", "").replace("}", "")


def normalise(value: str) -> str:
    """Lower-case words without markup, diacritics or punctuation, single-spaced."""
    text = _TAG.sub(" ", html.unescape(value))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _NOT_WORD.sub(" ", text.casefold()).strip()


def markup_to_text(value: str) -> str:
    """An abstract given with HTML or JATS markup, as plain text (headings kept as words)."""
    return " ".join(html.unescape(_TAG.sub(" ", value)).split())


def titles_match(bib_title: str, record_title: str) -> bool:
    return normalise(latex_to_text(bib_title)) == normalise(record_title)


def year_matches(bib_year: str, record_dates: Sequence[str]) -> bool:
    """The entry's year is the year of one of the record's dates (print or electronic)."""
    years = {match.group() for date in record_dates if (match := re.search(r"\d{4}", date or ""))}
    return bib_year.strip() in years


def first_author_matches(person: Person, record_name: str) -> bool:
    """PubMed writes ``Koes BW`` or a group name: compare the family name word by word."""
    # ``van Tulder`` for ``van Tulder, M. W.``; the whole name for a group author.
    parts = person.rich_prelast_names + person.rich_last_names
    name = " ".join(str(part.render_as("text")) for part in parts)
    family = normalise(latex_to_text(name)).split()
    record = normalise(record_name).split()
    return bool(family) and record[: len(family)] == family
