"""The search log (``searches.yaml``): every search of the evidence, and the plan for the next.

One loader for the site build (:mod:`living_review.sphinxext.living_status`) and the
maintainers' report (``nox -s review-status``)::

    from living_review.searches import load_searches

    log = load_searches(Path("searches.yaml"))  # raises UnusableInput if it cannot be read
    for problem in log.problems:  # at most one: the first thing wrong, at its line
        print(problem.format())  # searches.yaml:12: searches-schema: searches.0.date: ...
    log.last_update("safety")  # the latest update search that covered the page
    log.next_due("safety")  # its date plus the planned interval

The file is checked against ``schemas/searches.schema.json`` (inside the package) and these
rules, which the schema cannot say: every date is a real calendar day; a search's date limits
run forwards and end on or before the day of the search; ids are unique; where counts are
recorded, no more records are screened than found. Only the first problem is reported, with the
file, the line and the key, because later ones often follow from it. A count, a query or a date
limit the project's records do not hold is written ``not recorded``; the pages say so.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from living_review.problems import Problem, read_utf8
from living_review.yaml_errors import line_of, read_checked, schema_message

#: The file's name, at the project root beside references.bib and claims.yaml.
FILENAME = "searches.yaml"
NOT_RECORDED = "not recorded"
UPDATE = "update"


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, with dates kept as written (checked strictly below)."""


_Loader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


@dataclass(frozen=True)
class Item:
    """A work left out, or awaiting assessment."""

    what: str
    reason: str
    identifier: str = ""


@dataclass(frozen=True)
class Search:
    """One search of the evidence, as the log records it."""

    id: str
    kind: str  # update or check
    title: str
    date: date
    date_source: str
    pages: tuple[str, ...] | None  # None: every content page
    where: tuple[str, ...]
    query: str
    approach: str
    date_from: date | None  # None: not recorded
    date_to: date | None
    date_note: str
    found: int | None  # None: not recorded
    screened: int | None
    included: tuple[str, ...]
    excluded: tuple[Item, ...]
    awaiting: tuple[Item, ...]
    not_covered: tuple[str, ...]
    no_change: tuple[str, ...]
    line: int

    def covers(self, docname: str) -> bool:
        return self.pages is None or docname in self.pages


@dataclass
class SearchLog:
    """The log read from :attr:`path`: the plan, the searches (oldest first), any problem."""

    path: Path
    interval_months: int = 6
    retirement: str = ""
    searches: list[Search] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not self.problems and bool(self.searches)

    def covering(self, docname: str, kind: str | None = None) -> list[Search]:
        """The searches that covered *docname* (of *kind*, if given), oldest first."""
        return [s for s in self.searches if s.covers(docname) and kind in (None, s.kind)]

    def last_update(self, docname: str) -> Search | None:
        found = self.covering(docname, UPDATE)
        return found[-1] if found else None

    def next_due(self, docname: str) -> date | None:
        last = self.last_update(docname)
        return add_months(last.date, self.interval_months) if last else None

    def no_change(self, docname: str) -> Search | None:
        """The latest search that covered *docname* when it found nothing that changes it."""
        latest = self.covering(docname)
        return latest[-1] if latest and docname in latest[-1].no_change else None

    def claim_searched(self, cites: tuple[str, ...], pages: list[str]) -> Search | None:
        """The latest search of a claim's evidence: one that added one of its sources (*cites*),
        or an update search that covered every page using it (*pages*)."""
        found = [
            search
            for search in self.searches
            if set(cites) & set(search.included)
            or (search.kind == UPDATE and pages and all(search.covers(page) for page in pages))
        ]
        return found[-1] if found else None

    @property
    def awaiting(self) -> list[tuple[Search, Item]]:
        return [(search, item) for search in self.searches for item in search.awaiting]


def add_months(day: date, months: int) -> date:
    """*day* plus *months* calendar months (the last day of a shorter month if need be)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def load_searches(path: Path) -> SearchLog:
    """Read and check *path*; raise :class:`UnusableInput` if it cannot be read at all."""
    return parse_searches(read_utf8(path), path)


def parse_searches(text: str, path: Path) -> SearchLog:
    """Read and check log *text*; *path* is where a problem is reported."""
    log = SearchLog(path)
    data, root, problem = read_checked(text, path, "searches", _Loader, _message)
    if problem:
        log.problems.append(problem)
        return log
    try:
        _read(log, data, root)
    except _Bad as bad:
        log.problems.append(Problem(path, *bad.args))
        log.searches = []
    return log


def _message(error: Any) -> str:
    if error.validator == "oneOf" and isinstance(error.instance, str):
        return f"{error.instance!r} is neither a number nor '{NOT_RECORDED}'"
    return schema_message(error)


class _Bad(Exception):
    """A rule broken: (line, rule, message), as :class:`Problem` takes them after the path."""


def _date(value: str, root: yaml.Node, *steps: str | int) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        key = ".".join(map(str, steps))
        message = f"{key}: {value!r} is not a real day (YYYY-MM-DD)"
        raise _Bad(line_of(root, *steps), "searches-date", message) from None


def _count(value: int | str) -> int | None:
    return None if value == NOT_RECORDED else int(value)


def _items(values: list[dict[str, str]]) -> tuple[Item, ...]:
    return tuple(
        Item(" ".join(v["what"].split()), " ".join(v["reason"].split()), v.get("identifier", ""))
        for v in values
    )


def _read(log: SearchLog, data: dict[str, Any], root: yaml.Node) -> None:
    log.interval_months = data["plan"]["interval_months"]
    log.retirement = " ".join(data["plan"]["retirement"].split())
    seen: dict[str, int] = {}
    for index, raw in enumerate(data["searches"]):
        at = ("searches", index)
        line = line_of(root, *at)
        if raw["id"] in seen:
            raise _Bad(
                line_of(root, *at, "id"),
                "searches-duplicate-id",
                f"searches.{index}.id: '{raw['id']}' is already the id of the search on line "
                f"{seen[raw['id']]}: ids are unique",
            )
        seen[raw["id"]] = line
        day = _date(raw["date"], root, *at, "date")
        limits = raw["date_limits"]
        date_from = date_to = None
        if limits != NOT_RECORDED:
            date_from = _date(limits["from"], root, *at, "date_limits", "from")
            date_to = _date(limits["to"], root, *at, "date_limits", "to")
            if date_from > date_to:
                raise _Bad(
                    line_of(root, *at, "date_limits", "to"),
                    "searches-date",
                    f"searches.{index}.date_limits: 'to' {date_to} is before 'from' {date_from}",
                )
            if date_to > day:
                raise _Bad(
                    line_of(root, *at, "date_limits", "to"),
                    "searches-date",
                    f"searches.{index}.date_limits.to: {date_to} is after the day of the search "
                    f"({day}): a search cannot cover what was not yet published",
                )
        found, screened = _count(raw["found"]), _count(raw["screened"])
        if found is not None and screened is not None and screened > found:
            raise _Bad(
                line_of(root, *at, "screened"),
                "searches-count",
                f"searches.{index}.screened: {screened} records screened, but only {found} found",
            )
        pages = raw["pages"]
        log.searches.append(
            Search(
                id=raw["id"],
                kind=raw["kind"],
                title=" ".join(raw["title"].split()),
                date=day,
                date_source=" ".join(raw["date_source"].split()),
                pages=None if pages == "all" else tuple(pages),
                where=tuple(" ".join(w.split()) for w in raw["where"]),
                query=" ".join(raw["query"].split()),
                approach=" ".join(raw.get("approach", "").split()),
                date_from=date_from,
                date_to=date_to,
                date_note=" ".join(limits.get("note", "").split()) if date_from else "",
                found=found,
                screened=screened,
                included=tuple(raw["included"]),
                excluded=_items(raw.get("excluded", [])),
                awaiting=_items(raw.get("awaiting", [])),
                not_covered=tuple(raw.get("not_covered", ())),
                no_change=tuple(raw.get("no_change", ())),
                line=line,
            )
        )
    log.searches.sort(key=lambda search: search.date)  # stable: same-day searches keep their order


def check_cites(log: SearchLog, bib_keys: set[str] | frozenset[str]) -> list[Problem]:
    """Every included key is in references.bib."""
    message = "'{}' is listed as included, but references.bib does not define it"
    return [
        Problem(log.path, search.line, "searches-unknown-cite", message.format(key))
        for search in log.searches
        for key in search.included
        if key not in bib_keys
    ]


def check_pages(log: SearchLog, docnames: set[str]) -> list[Problem]:
    """Every page a search names exists."""
    problems = []
    for search in log.searches:
        for name in (*(search.pages or ()), *search.no_change):
            if name not in docnames:
                message = f"search '{search.id}' names page '{name}', which the site does not have"
                problems.append(Problem(log.path, search.line, "searches-unknown-page", message))
    return problems
