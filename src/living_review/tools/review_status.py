"""Which pages are due for review: ``python -m living_review.tools.review_status [--strict]``.

Prints one row per content page (page, last reviewed, next due, days left) using the same
reading and validation as the site build (:mod:`living_review.review_schedule`).

When conf.py sets ``searches_file`` (the search log, :mod:`living_review.searches`), a second
table gives, per page, the days since its evidence was last searched (the latest update search
that covered it) against the planned interval: over 1.5 times the plan is a warning ("late"),
over 3 times fails ``--strict`` ("FAILING").

Exit status: 0 all fine (or overdue pages, or late searches, without ``--strict``); 1 with
``--strict`` when any page is overdue or its search is more than 3 times the plan late; 2 when
any page's review dates are missing or invalid, or the search log has a problem (the problems
are listed on stderr, one per line, as ``file:line: message``).

The page list and settings come from the site's conf.py: every Markdown source not excluded by
``exclude_patterns`` and not in ``review_dates_exempt``; "today" is ``--today``, else
``review_today`` from conf.py, else the build date (``SOURCE_DATE_EPOCH`` or the real date).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sphinx.config import eval_config_file
from sphinx.project import Project
from sphinx.util.tags import Tags

from living_review.problems import UnusableInput, display_path
from living_review.review_schedule import (
    DEFAULT_EXEMPT,
    Problem,
    ReviewDates,
    ReviewDatesError,
    is_exempt,
    parse_date,
    read_review_dates,
    resolve_today,
)
from living_review.searches import SearchLog, load_searches
from living_review.tools.tables import text_table

DEFAULT_DOCS = Path("docs")  # from the project root, where nox runs
#: A search later than these multiples of the planned interval warns, or fails --strict.
WARN_RATIO, FAIL_RATIO = 1.5, 3.0
SOURCE_SUFFIX = {".md": "markdown"}  # content pages are MyST Markdown


def read_conf(docs: Path) -> tuple[list[str], object, Path | None]:
    """From docs/conf.py: the docnames of every page that needs review dates (sorted),
    ``review_today`` as written (None if unset) and ``searches_file`` (None if unset)."""
    conf = (docs / "conf.py").resolve()  # Sphinx reads it from its own folder: not relative
    raw = eval_config_file(conf, Tags()) if conf.is_file() else {}
    excluded = [*raw.get("exclude_patterns", []), "_build"]
    exempt = list(raw.get("review_dates_exempt", DEFAULT_EXEMPT))
    found = Project(docs, SOURCE_SUFFIX).discover(exclude_paths=excluded)
    pages = sorted(name for name in found if not is_exempt(name, exempt))
    searches = docs / raw["searches_file"] if raw.get("searches_file") else None
    return pages, raw.get("review_today"), searches


def review_row(name: str, dates: ReviewDates, today: date) -> tuple[str, ...]:
    """The cells: page, last reviewed, next due, days left, status."""
    days = dates.days_left(today)
    status = "OVERDUE" if days < 0 else ("due today" if days == 0 else "ok")
    return name, dates.last_reviewed.isoformat(), dates.next_review.isoformat(), str(days), status


def report_searches(path: Path, docnames: Sequence[str], today: date) -> tuple[int, bool]:
    """Print the search table: each page covered by an update search, against the planned
    interval from that search; return (2 on a bad log else 0, whether any search FAILS)."""
    try:
        log = load_searches(path)
    except UnusableInput as error:
        log = SearchLog(path, problems=[error.problem])
    if log.problems:
        for problem in log.problems:
            print(problem.format(), file=sys.stderr)
        return 2, False
    rows, statuses = [], {}
    for name in docnames:
        last = log.last_update(name)
        if last is not None:
            days = (today - last.date).days
            plan = (log.next_due(name) - last.date).days
            ratio = days / plan
            status = "FAILING" if ratio > FAIL_RATIO else ("late" if ratio > WARN_RATIO else "ok")
            statuses[name] = status
            rows.append((name, last.date.isoformat(), str(days), str(plan), f"{ratio:.2f}", status))
    header = ("page", "last searched", "days since", "plan (days)", "x plan", "status")
    print(f"\nSearches ({display_path(path)}: every {log.interval_months} months planned):")
    print(text_table(header, rows, right={2, 3, 4}))
    uncovered = sorted(set(docnames) - set(statuses))
    if uncovered:
        print(f"No update search covers: {', '.join(uncovered)}")
    late = [name for name, status in statuses.items() if status == "late"]
    failing = [name for name, status in statuses.items() if status == "FAILING"]
    if late:
        print(
            f"Warning: {len(late)} page(s) searched more than {WARN_RATIO} times the planned "
            f"interval ago: {', '.join(late)}"
        )
    if failing:
        print(
            f"{len(failing)} page(s) searched more than {FAIL_RATIO:g} times the planned "
            f"interval ago: {', '.join(failing)}"
        )
    return 0, bool(failing)


def iso_date(text: str) -> date:
    """argparse type for ``--today``: a strict YYYY-MM-DD date."""
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}")
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    """Print the report; return the exit status (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m living_review.tools.review_status",
        description="Show when each content page was reviewed and when its next review is due.",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with status 1 if any page is overdue, or its last search more than 3 times "
        "the planned interval ago",
    )
    parser.add_argument(
        "--today",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="judge overdue against this date (default: review_today, else the build date)",
    )
    parser.add_argument(
        "--docs",
        type=Path,
        default=DEFAULT_DOCS,
        help="the Sphinx source directory with conf.py (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    # Absolute: Sphinx's eval_config_file changes into the directory of conf.py and then opens
    # the path it was given, so a relative --docs (the default, "docs") would not be found.
    docs: Path = args.docs.resolve()
    docnames, review_today, searches = read_conf(docs)
    try:
        today = args.today or resolve_today(review_today)
    except ValueError as error:
        print(f"{docs / 'conf.py'}: {error}", file=sys.stderr)
        return 2
    pages: dict[str, ReviewDates] = {}
    problems: list[Problem] = []  # every page is checked, not just the first bad one
    for name in docnames:
        try:
            pages[name] = read_review_dates(Path(display_path(docs / f"{name}.md")))
        except ReviewDatesError as error:
            problems.extend(error.problems)
    if problems:
        print("Bad review dates in front matter:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print(
            "Each content page needs last_reviewed, next_review and evidence_searched "
            "as YYYY-MM-DD, with next_review not before last_reviewed.",
            file=sys.stderr,
        )
        return 2
    print(f"Review status on {today.isoformat()}:")
    header = ("page", "last reviewed", "next due", "days left", "status")
    rows = [review_row(name, dates, today) for name, dates in pages.items()]
    print(text_table(header, rows, right={3}))
    overdue = [name for name, dates in pages.items() if dates.is_overdue(today)]
    if overdue:
        print(f"\n{len(overdue)} page(s) overdue for review: {', '.join(overdue)}")
    else:
        print(f"\nAll {len(pages)} page(s) are within their review dates.")
    failing = False
    if searches is not None:
        bad, failing = report_searches(searches, list(pages), today)
        if bad:
            return bad
    return 1 if args.strict and (overdue or failing) else 0


if __name__ == "__main__":
    sys.exit(main())
