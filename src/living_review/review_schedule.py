"""When each page was reviewed and is next due: reading, validating and judging review dates.

This is the one place that knows the rules. The Sphinx extension (``review_dates``) and the
maintainers' report (``review_status``) both call it, so a page the build accepts is a page the
report accepts, with the same messages.

Every content page declares three ISO dates (``YYYY-MM-DD``) in its front matter::

    ---
    last_reviewed: 2026-11-26
    next_review: 2027-05-26
    evidence_searched: 2026-10-31
    ---

The front matter is read from the source file (:func:`living_review.myst_pages.read_front_matter`,
the parser MyST uses), not from Sphinx's ``env.metadata``: MyST stores unknown keys there only as
``str(value)`` with no line numbers, and drops the whole front matter when YAML cannot build a
value (``2026-02-30``), which would turn a malformed date into a misleading "missing" message.

Nothing here reads the clock except :func:`build_date`; everything else takes ``today``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from pathlib import Path

from living_review.myst_pages import (
    FrontMatter,
    FrontMatterError,
    PageError,
    read_front_matter,
    read_text,
)

KEYS = ("last_reviewed", "next_review", "evidence_searched")
DEFAULT_EXEMPT = ("references", "changelog")

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


@dataclass(frozen=True)
class ReviewDates:
    """The three review dates of one page."""

    last_reviewed: date
    next_review: date
    evidence_searched: date

    def days_left(self, today: date) -> int:
        """Days until the next review is due (negative once it is overdue)."""
        return (self.next_review - today).days

    def is_overdue(self, today: date) -> bool:
        """True once *today* is past the due date (on the due date itself it is not yet)."""
        return today > self.next_review


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a page's review dates."""

    path: Path
    line: int | None  # 1-based line in the source file, if known
    key: str | None  # the front-matter key, if the problem is about one key
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ReviewDatesError(Exception):
    """A page's review dates are missing or invalid; ``problems`` says which and where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def parse_front_matter(text: str, path: Path) -> FrontMatter:
    """Parse a page's front matter (raises :class:`ReviewDatesError` if it is not valid YAML)."""
    try:
        return read_front_matter(text)
    except FrontMatterError as error:
        raise ReviewDatesError([Problem(path, error.line, None, error.message)]) from error


def parse_date(value: object) -> date | None:
    """A strict ISO calendar date (``YYYY-MM-DD``, as text or a ``date``), else None."""
    if isinstance(value, datetime):  # a datetime is a date too, but not a calendar date
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def validate(front_matter: FrontMatter, path: Path) -> ReviewDates:
    """The page's review dates, or :class:`ReviewDatesError` listing every problem found."""
    problems: list[Problem] = []
    found: dict[str, date] = {}
    for key in KEYS:
        line = front_matter.lines.get(key, front_matter.start_line)
        value = front_matter.values.get(key)
        impossible = next((d for d in front_matter.impossible_dates if d.key == key), None)
        if key not in front_matter.values:
            message = f"front matter is missing {key!r} (YYYY-MM-DD)"
        elif impossible is not None:  # 2026-02-30: YYYY-MM-DD, but no such day
            line, message = impossible.line, impossible.message
        elif (parsed := parse_date(value)) is None:
            message = f"{key!r} is not a valid date: {format_value(value)} (expected YYYY-MM-DD)"
        else:
            found[key] = parsed
            continue
        problems.append(Problem(path, line, key, message))
    reviewed, due = found.get("last_reviewed"), found.get("next_review")
    if reviewed and due and due < reviewed:
        message = (
            f"'next_review' {due.isoformat()} is before 'last_reviewed' {reviewed.isoformat()}"
        )
        problems.append(
            Problem(path, front_matter.lines.get("next_review"), "next_review", message)
        )
    if problems:
        raise ReviewDatesError(problems)
    return ReviewDates(**found)


def read_review_dates(path: Path) -> ReviewDates:
    """Read and validate one page's review dates (raises :class:`ReviewDatesError`)."""
    try:
        text = read_text(path)
    except PageError as error:
        raise ReviewDatesError([Problem(path, error.line, None, error.message)]) from error
    return validate(parse_front_matter(text, path), path)


def format_value(value: object) -> str:
    """How a bad value is quoted in messages: its text as written, or ``(empty)``."""
    return "(empty)" if value is None or value == "" else repr(str(value))


def format_date(day: date) -> str:
    """A date as readers see it, e.g. ``26 November 2026`` (independent of the locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def is_exempt(docname: str, exempt: tuple[str, ...] | list[str]) -> bool:
    """True if *docname* needs no review dates (exact names or glob patterns)."""
    return any(fnmatchcase(docname, pattern) for pattern in exempt)


def build_date(environ: Mapping[str, str] | None = None) -> date:
    """The date of this build: SOURCE_DATE_EPOCH (reproducible builds) or today's date."""
    if epoch := (os.environ if environ is None else environ).get("SOURCE_DATE_EPOCH"):
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()


def resolve_today(value: object, environ: Mapping[str, str] | None = None) -> date:
    """The ``review_today`` setting as a date: None means :func:`build_date`."""
    if value is None:
        return build_date(environ)
    parsed = parse_date(value)
    if parsed is None:
        raise ValueError(f"review_today must be a date or YYYY-MM-DD, not {value!r}")
    return parsed
