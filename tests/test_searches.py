"""The search log: searches.yaml read and checked, the log on the methods page, the living-status
line under every page's review dates, and the search intervals of ``review-status``.

Fixture project: tests/roots/test-living-status (two update searches and a narrower check; one
page covered only by the first, one with a check after its last update, one where the last
search changed nothing).
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from common import ROOT, ROOTS, Build, build_cleanly, page_soup, warnings
from sphinx.testing.util import SphinxTestApp

from living_review.bibfile import read_bibfile
from living_review.searches import (
    NOT_RECORDED,
    add_months,
    check_cites,
    load_searches,
    parse_searches,
)
from living_review.tools.review_status import main as review_status

FIXTURE_ROOT = ROOTS / "test-living-status"
FIXTURE = FIXTURE_ROOT / "searches.yaml"
status_site = pytest.mark.sphinx("html", testroot="living-status", freshenv=True)


def problems_of(text: str) -> list[tuple[int, str, str]]:
    log = parse_searches(text, Path("searches.yaml"))
    return [(problem.line, problem.rule, problem.message) for problem in log.problems]


def line_of(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


# -- the real log ------------------------------------------------------------------------------


def test_the_real_log_is_clean_and_cites_only_known_works() -> None:
    log = load_searches(ROOT / "searches.yaml")
    assert log.problems == []
    keys = {entry.key for entry in read_bibfile(ROOT / "references.bib").entries}
    assert check_cites(log, keys) == []
    assert log.interval_months == 6 and log.retirement


def test_the_real_log_invents_no_counts() -> None:
    """The project's records hold no counts of records found or screened (docs/methods.md)."""
    text = (ROOT / "searches.yaml").read_text(encoding="utf-8")
    for search in load_searches(ROOT / "searches.yaml").searches:
        assert search.found is None and search.screened is None, search.id
        assert search.query == NOT_RECORDED, search.id
    assert text.count(f"found: {NOT_RECORDED}") == text.count("  - id: ")


def test_months_are_calendar_months() -> None:
    assert add_months(date(2026, 11, 26), 6) == date(2027, 5, 26)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)


# -- one clear problem, at its line -------------------------------------------------------------


def test_the_fixture_is_clean() -> None:
    assert problems_of(FIXTURE.read_text(encoding="utf-8")) == []


def test_a_day_that_does_not_exist_is_refused_at_its_line() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("date: 2026-07-10", "date: 2026-02-30")
    [(line, rule, message)] = problems_of(text)
    assert rule == "searches-date"
    assert line == line_of(text, "    date: 2026-02-30")
    assert message == "searches.1.date: '2026-02-30' is not a real day (YYYY-MM-DD)"


def test_date_limits_after_the_search_contradict_it() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("to: 2026-01-15}", "to: 2026-03-01}")
    [(line, rule, message)] = problems_of(text)
    assert rule == "searches-date"
    assert line == line_of(text, "    date_limits: {from: 2020-01-01, to: 2026-03-01}")
    assert "2026-03-01 is after the day of the search (2026-01-15)" in message


def test_reversed_date_limits_are_refused() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("from: 2020-01-01", "from: 2026-01-14")
    text = text.replace("to: 2026-01-15}", "to: 2025-01-01}")
    [(_line, rule, message)] = problems_of(text)
    assert rule == "searches-date"
    assert "'to' 2025-01-01 is before 'from' 2026-01-14" in message


def test_a_missing_date_is_refused_at_the_search() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("    date: 2026-09-01\n", "")
    [(line, rule, message)] = problems_of(text)
    assert rule == "searches-schema"
    assert line == line_of(text, "  - id: third")
    assert message == "searches.2: 'date' is a required property"


def test_a_guessed_count_is_refused() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("found: 120", "found: about 120")
    [(line, rule, message)] = problems_of(text)
    assert rule == "searches-schema"
    assert line == line_of(text, "    found: about 120")
    assert message == "searches.0.found: 'about 120' is neither a number nor 'not recorded'"


def test_more_screened_than_found_is_refused() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("screened: 30", "screened: 300")
    [(line, rule, _message)] = problems_of(text)
    assert (line, rule) == (line_of(text, "    screened: 300"), "searches-count")


def test_two_searches_with_one_id_are_refused() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("id: third", "id: first")
    [(line, rule, message)] = problems_of(text)
    second = [n for n, row in enumerate(text.splitlines(), 1) if row == "  - id: first"][1]
    assert (line, rule) == (second, "searches-duplicate-id")
    assert "'first' is already the id of the search on line" in message


def test_bad_yaml_is_one_problem_at_its_line() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("  - id: second", "  - id: [second")
    assert [rule for _line, rule, _message in problems_of(text)] == ["searches-parse-error"]


def test_a_bad_log_fails_the_build_with_one_line_and_no_traceback(
    make_app: type[SphinxTestApp], tmp_path: Path
) -> None:
    srcdir = tmp_path / "living-status"
    shutil.copytree(FIXTURE_ROOT, srcdir)
    yaml_file = srcdir / "searches.yaml"
    text = yaml_file.read_text(encoding="utf-8").replace("date: 2026-07-10", "date: 2026-13-10")
    yaml_file.write_text(text, encoding="utf-8")
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    logged = warnings(app)
    line = line_of(text, "    date: 2026-13-10")
    assert f"searches.yaml:{line}: ERROR: searches-date: searches.1.date: '2026-13-10'" in logged
    assert "Traceback" not in logged
    assert len([entry for entry in logged.splitlines() if "searches-" in entry]) == 1


def test_an_unknown_key_fails_the_build_at_the_search(
    make_app: type[SphinxTestApp], tmp_path: Path
) -> None:
    srcdir = tmp_path / "living-status"
    shutil.copytree(FIXTURE_ROOT, srcdir)
    yaml_file = srcdir / "searches.yaml"
    text = yaml_file.read_text(encoding="utf-8").replace("[beta2026review]", "[gamma2026]")
    yaml_file.write_text(text, encoding="utf-8")
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    line = line_of(text, "  - id: second")
    assert f"searches.yaml:{line}: ERROR: searches-unknown-cite: 'gamma2026'" in warnings(app)


# -- the pages -----------------------------------------------------------------------------------


def status_text(outdir: Path, page: str) -> str:
    line = page_soup(outdir, page).select_one("p.living-status")
    assert line is not None, page
    return " ".join(line.get_text().split())


@status_site
def test_every_page_shows_its_living_status_under_the_review_dates(app: SphinxTestApp) -> None:
    build_cleanly(app)
    index = page_soup(app.outdir, "index.html")
    dates = index.select_one("p.review-dates")
    assert dates is not None and dates.find_next_sibling("p")["class"] == ["living-status"]
    assert status_text(app.outdir, "index.html") == (
        "Next search for new evidence due 10 January 2027 (search log) · "
        "1 study awaiting assessment"
    )
    links = [a["href"] for a in index.select("p.living-status a")]
    assert links == [
        "methods.html#search-second",
        "methods.html#search-log-awaiting",
    ]
    # Covered only by the first search; the second did not cover it.
    assert status_text(app.outdir, "methods.html").startswith(
        "Next search for new evidence due 15 July 2026 (search log) · "
    )
    assert status_text(app.outdir, "other.html").endswith(
        "No change after the search of 10 July 2026"
    )
    assert page_soup(app.outdir, "refs.html").select_one("p.living-status") is None  # exempt


@status_site
def test_the_methods_page_shows_the_log(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "methods.html")
    log = soup.select_one("div.search-log")
    text = " ".join(log.get_text(" ").split())
    assert "We plan to search for new evidence every 6 months." in text
    assert "The review stops being living when nobody can search any more." in text
    entries = [div["id"] for div in log.select("div.search-log-entry")]
    assert entries == ["search-third", "search-second", "search-first"]  # newest first
    first = " ".join(log.select_one("#search-first").get_text(" ").split())
    assert "The first search" in first  # the table's caption
    assert "Records found: 120 → checked for relevance: 30 → included: 1." in first
    assert "A preprint: not peer reviewed." in first
    second = " ".join(log.select_one("#search-second").get_text(" ").split())
    assert (
        "Records found: not recorded → checked for relevance: not recorded → included: 1."
    ) in second
    assert "Search terms Not recorded." in second
    awaiting = " ".join(log.select_one("#search-log-awaiting").get_text(" ").split())
    assert "A trial seen only as a register entry, NCT00000000: no results yet" in awaiting


def test_the_real_site_shows_the_log_and_a_status_on_every_page(real_site: Build) -> None:
    assert real_site.returncode == 0, real_site.stderr
    methods = real_site.soup("methods.html")
    assert methods.select_one("#search-log-awaiting") is not None
    dated = [
        page.name
        for page in sorted(real_site.outdir.glob("*.html"))
        if real_site.soup(page.name).select_one("p.review-dates") is not None
    ]
    assert len(dated) >= 10
    for name in dated:  # every page with review dates: the content pages
        line = real_site.soup(name).select_one("p.living-status")
        assert line is not None, name
        text = line.get_text()
        # how-it-works: no update search covered its topics, and the line says so
        assert re.match(
            r"Next search for new evidence due \d+ \w+ 20\d\d \(search log\)", text
        ) or (
            name == "how-it-works.html"
            and text.startswith("No search for newer evidence has covered this page yet")
        ), name


# -- review-status --------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = review_status(["--docs", str(FIXTURE_ROOT), *args])
    out, err = capsys.readouterr()
    return status, out, err


def search_rows(out: str) -> dict[str, list[str]]:
    table = out.split("Searches (", 1)[1].splitlines()[3:]
    return {row.split()[0]: row.split() for row in table if row and not row.startswith(" ")}


def test_review_status_reports_the_interval_against_the_plan(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "--today", "2026-12-01", "--strict")
    rows = search_rows(out)
    assert rows["index"] == ["index", "2026-07-10", "144", "184", "0.78", "ok"]
    # methods: last searched 2026-01-15; 320 days against a plan of 181 is late, not failing
    assert rows["methods"] == ["methods", "2026-01-15", "320", "181", "1.77", "late"]
    warning = "Warning: 1 page(s) searched more than 1.5 times the planned interval ago: methods"
    assert warning in out
    assert status == 0  # a warning only, even with --strict


def test_review_status_fails_strict_at_three_times_the_plan(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 2027-08-01: the pages are overdue too, so take the exit status without --strict first
    status, out, _ = run(capsys, "--today", "2027-08-01")
    assert status == 0
    assert search_rows(out)["methods"][-1] == "FAILING"
    status, _, _ = run(capsys, "--today", "2027-08-01", "--strict")
    assert status == 1


def test_review_status_stops_on_a_bad_log(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(FIXTURE_ROOT, docs)
    log = docs / "searches.yaml"
    log.write_text(log.read_text(encoding="utf-8").replace("date: 2026-09-01", "date: 09/2026"))
    status = review_status(["--docs", str(docs), "--today", "2026-12-01"])
    _, err = capsys.readouterr()
    assert status == 2
    assert re.search(r"searches\.yaml:\d+: searches-schema: searches\.2\.date: ", err)


def test_a_claims_evidence_was_last_searched_by_the_latest_search_of_its_source_or_pages() -> None:
    log = load_searches(FIXTURE)
    # a source the second search added
    assert log.claim_searched(("beta2026review",), ["methods"]).id == "second"
    # no source added since: the latest update search that covered every page using it
    assert log.claim_searched(("other2019",), ["index", "other"]).id == "second"
    assert log.claim_searched(("other2019",), ["index", "methods"]).id == "first"
    # a narrower check does not count for the pages, only for the sources it added
    assert log.claim_searched(("other2019",), []) is None
