"""Does a quote appear in a text, ignoring what copying and typesetting change?

A claim's ``quote`` is copied by hand from an abstract, so what does not change a word is
ignored: white space ("95 %" against "95%"), case, the kind of dash and of quotation mark (house
styles differ), soft hyphens and zero-width characters, compatibility forms (Unicode NFKC). An
ellipsis (``…``, ``...``, ``[…]`` or ``(...)``) marks words left out: the parts on either side
must each appear, in order.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2043\u2212\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u00b4\u02bc"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero-width characters
_TRANSLATION = str.maketrans(
    {
        **dict.fromkeys(_DASHES, "-"),
        **dict.fromkeys(_SINGLE_QUOTES + _DOUBLE_QUOTES + '"', "'"),
        **dict.fromkeys(_INVISIBLE),
    }
)
#: Characters (white space aside) a quote's start must have in the text to be worth naming.
MEANINGFUL_START = 5
#: Words left out of a quote: an ellipsis character or three dots, bare or in brackets.
ELLIPSIS = re.compile(r"[\[(]\s*(?:\u2026|\.\s?\.\s?\.)\s*[\])]|\u2026|\.\s?\.\s?\.")


def normalise(text: str) -> tuple[str, list[int]]:
    """*text* as compared (no white space, one dash, one quotation mark, case folded), and for
    each character of the result the index in *text* it came from."""
    characters: list[str] = []
    origins: list[int] = []
    for index, character in enumerate(unicodedata.normalize("NFC", text)):
        mapped = unicodedata.normalize("NFKC", character.translate(_TRANSLATION))
        for folded in mapped.translate(_TRANSLATION).casefold():
            if not folded.isspace():
                characters.append(folded)
                origins.append(index)
    return "".join(characters), origins


def quote_parts(quote: str) -> list[str]:
    """The parts of *quote* between ellipses, stripped, without empty ones."""
    composed = unicodedata.normalize("NFC", quote)  # so normalise's indices index these parts
    return [part.strip() for part in ELLIPSIS.split(composed) if normalise(part)[0]]


@dataclass(frozen=True)
class Mismatch:
    """Where a quote stops matching: the part not found, and how far the text follows it."""

    part: str  # the part of the quote (between ellipses) that was not found
    matched: str  # the longest start of that part found in the text (as written in the quote)

    def describe(self) -> str:
        """In words, for a problem message."""
        if not self.matched.strip():
            return f'not even its start "{_shorten(self.part, 40)}" is there'
        rest = self.part[len(self.matched) :].strip()
        return (
            f'the text follows it as far as "{_shorten(self.matched, 40, from_end=True)}", '
            f'then not "{_shorten(rest, 40)}"'
        )


def find_quote(quote: str, text: str) -> Mismatch | None:
    """``None`` if *quote* appears in *text* (its parts in order), else where it stops matching;
    a quote with no words is "found" (the offline check reports a missing quote)."""
    haystack, _ = normalise(text)
    position = 0
    for part in quote_parts(quote):
        needle, origins = normalise(part)
        found = haystack.find(needle, position)
        if found < 0:
            return Mismatch(part, part[: _matching_prefix(needle, origins, haystack, position)])
        position = found + len(needle)
    return None


def _matching_prefix(needle: str, origins: list[int], haystack: str, start: int) -> int:
    """How many characters of the part (as written) start a match in *haystack*."""
    # The longest start of needle found (every start of a found start is found too).
    sizes = range(1, len(needle) + 1)
    low = bisect.bisect_left(sizes, True, key=lambda size: haystack.find(needle[:size], start) < 0)
    if low < MEANINGFUL_START:  # a letter or two found somewhere says nothing
        return 0
    return origins[low] if low < len(origins) else len(needle)


def _shorten(text: str, limit: int, *, from_end: bool = False) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return "…" + text[-limit:].lstrip() if from_end else text[:limit].rstrip() + "…"
