"""Review dates under each page title and the overdue notice (living_review.sphinxext.review_dates).

Every build here fixes ``review_today``; nothing depends on the real calendar date.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from common import build_cleanly, page_soup, warnings
from sphinx.testing.util import SphinxTestApp

from living_review.review_schedule import (
    FrontMatter,
    ReviewDates,
    ReviewDatesError,
    build_date,
    format_date,
    parse_date,
    parse_front_matter,
    resolve_today,
    validate,
)

DATES = ReviewDates(date(2026, 11, 26), date(2027, 5, 26), date(2026, 10, 31))

#: The fixture page on its due date (not yet overdue), and the day after (overdue).
on_due_date = pytest.mark.sphinx(
    "html", testroot="review-dates", confoverrides={"review_today": "2027-05-26"}
)
day_after = pytest.mark.sphinx(
    "html", testroot="review-dates", confoverrides={"review_today": "2027-05-27"}
)


# -- The site ----------------------------------------------------------------------------------


@on_due_date
def test_dates_are_shown_under_the_title(app: SphinxTestApp) -> None:
    build_cleanly(app)
    heading = page_soup(app.outdir, "index.html").select_one("h1")
    line = heading.find_next_sibling()
    assert line.name == "p" and line["class"] == ["review-dates"]
    assert line.get_text() == (
        "Last reviewed 26 November 2026 · Next review due 26 May 2027 · "
        "Evidence searched to 31 October 2026"
    )


@on_due_date
def test_no_notice_until_past_the_due_date(app: SphinxTestApp) -> None:
    build_cleanly(app)
    assert page_soup(app.outdir, "index.html").select(".due-for-review") == []


@day_after
def test_notice_once_past_the_due_date(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "index.html")
    (notice,) = soup.select("div.admonition.due-for-review")
    assert notice.select_one(".admonition-title").get_text() == "Due for review"
    assert "due to be reviewed on 26 May 2027" in notice.get_text()
    assert soup.select_one("p.review-dates").find_next_sibling() is notice  # right under the dates


@day_after
def test_exempt_pages_need_no_dates(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "changelog.html")
    assert soup.select(".review-dates, .due-for-review") == []


@on_due_date
def test_stylesheet_is_shipped(app: SphinxTestApp) -> None:
    build_cleanly(app)
    assert (app.outdir / "_static" / "review-dates.css").is_file()


def bad_root(name: str, expected: str) -> object:
    """A fixture project with one bad date, and the error it must give."""
    return pytest.param(expected, marks=pytest.mark.sphinx(testroot=name), id=name)


@pytest.mark.parametrize(
    "expected",
    [
        bad_root(
            "review-dates-missing", "index.md:1: ERROR: front matter is missing 'next_review'"
        ),
        bad_root(
            "review-dates-malformed",
            "index.md:2: ERROR: 'last_reviewed' is not a valid date: '26/11/2026'",
        ),
        bad_root(
            "review-dates-order",
            "index.md:3: ERROR: 'next_review' 2026-05-26 is before 'last_reviewed' 2026-11-26",
        ),
    ],
)
@pytest.mark.sphinx("html", freshenv=True, confoverrides={"review_today": "2027-01-01"})
def test_bad_dates_are_errors_naming_file_line_key_and_value(
    app: SphinxTestApp, expected: str
) -> None:
    app.build()
    assert expected in warnings(app)
    assert warnings(app).count("ERROR") == 1


@pytest.mark.sphinx("html", testroot="review-dates-impossible", freshenv=True)
def test_dates_that_cannot_exist_are_errors_at_their_lines(app: SphinxTestApp) -> None:
    """2026-02-30 and 2026-13-01 look like dates, so MyST drops the front matter: say why."""
    app.build()
    errors = [line for line in warnings(app).splitlines() if "ERROR" in line]
    assert len(errors) == 2
    assert (
        "index.md:2: ERROR: 'last_reviewed' is 2026-02-30, a date that does not exist "
        "(day is out of range for month)" in errors[0]
    )
    assert (
        "index.md:3: ERROR: 'next_review' is 2026-13-01, a date that does not exist "
        "(month must be in 1..12)" in errors[1]
    )


@pytest.mark.sphinx("html", testroot="review-dates-bom", freshenv=True)
def test_a_page_saved_with_a_byte_order_mark_keeps_its_dates(app: SphinxTestApp) -> None:
    build_cleanly(app)
    line = page_soup(app.outdir, "index.html").select_one("h1").find_next_sibling()
    assert line.get_text().startswith("Last reviewed 26 November 2026")


@pytest.mark.sphinx("html", testroot="review-dates", confoverrides={"review_today": "next week"})
def test_bad_review_today_is_a_config_error(make_app, app_params) -> None:
    with pytest.raises(Exception, match="review_today must be a date or YYYY-MM-DD"):
        make_app(*app_params.args, **app_params.kwargs)


@pytest.mark.sphinx("html", testroot="review-dates", srcdir="review-dates-day-changes")
def test_incremental_build_catches_up_when_the_day_changes(
    make_app, app_params, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With review_today unset, a later build date re-reads the pages and adds the notice."""
    args, kwargs = app_params
    (kwargs["srcdir"] / "conf.py").write_text(
        'extensions = ["myst_parser", "living_review.sphinxext.review_dates"]\n'
    )  # as the fixture's, but judged against the build date

    def notices(day: str) -> int:
        epoch = datetime.fromisoformat(f"{day}T12:00:00+00:00").timestamp()
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(epoch)))
        app = build_cleanly(make_app(*args, **kwargs))
        return len(page_soup(app.outdir, "index.html").select(".due-for-review"))

    assert notices("2027-05-26") == 0
    assert notices("2027-05-27") == 1


# -- The date logic (pure functions) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "days_left", "overdue"),
    [(date(2027, 5, 25), 1, False), (date(2027, 5, 26), 0, False), (date(2027, 5, 27), -1, True)],
)
def test_overdue_only_after_the_due_date(today: date, days_left: int, overdue: bool) -> None:
    assert DATES.days_left(today) == days_left
    assert DATES.is_overdue(today) is overdue


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-26", date(2026, 11, 26)),
        (date(2026, 11, 26), date(2026, 11, 26)),  # a date object, as YAML would give it
        ("2026-02-30", None),
        ("26/11/2026", None),
        ("20261126", None),  # ISO basic format: not what the front matter convention asks for
        ("2026-11-26T10:00", None),
        (20261126, None),
        (None, None),
    ],
)
def test_parse_date_is_strict(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_yaml_dates_stay_text_so_impossible_days_are_reported() -> None:
    text = "---\nlast_reviewed: 2026-02-30\nnext_review: 2027-05-26\n---\n# Title\n"
    front = parse_front_matter(text, Path("page.md"))
    assert front.values["last_reviewed"] == "2026-02-30"
    assert front.lines == {"last_reviewed": 2, "next_review": 3}


def test_every_problem_is_reported_at_once() -> None:
    front = FrontMatter(values={"next_review": "soon"}, lines={"next_review": 4}, start_line=1)
    with pytest.raises(ReviewDatesError) as caught:
        validate(front, Path("page.md"))
    assert [(p.key, p.line) for p in caught.value.problems] == [
        ("last_reviewed", 1),
        ("next_review", 4),
        ("evidence_searched", 1),
    ]
    assert "'next_review' is not a valid date: 'soon'" in str(caught.value)


def test_invalid_yaml_is_reported_with_its_line() -> None:
    with pytest.raises(ReviewDatesError, match=r"page.md:3: front matter is not valid YAML"):
        parse_front_matter("---\na: 1\nb: [\n---\n", Path("page.md"))


def test_today_comes_from_the_setting_or_source_date_epoch() -> None:
    assert resolve_today("2027-01-02") == date(2027, 1, 2)
    assert resolve_today(date(2027, 1, 2)) == date(2027, 1, 2)
    assert build_date({"SOURCE_DATE_EPOCH": "1800000000"}) == date(2027, 1, 15)
    assert resolve_today(None, {"SOURCE_DATE_EPOCH": "1800000000"}) == date(2027, 1, 15)


def test_dates_are_written_out_in_english_whatever_the_locale() -> None:
    assert format_date(date(2027, 5, 6)) == "6 May 2027"
