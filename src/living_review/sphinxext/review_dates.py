"""Review dates that readers see: under each content page's title, and a notice once overdue.

Each content page declares ``last_reviewed``, ``next_review`` and ``evidence_searched`` in its
front matter (rules in :mod:`living_review.review_schedule`). The page shows them under its
title; once ``review_today`` is past ``next_review``, a "Due for review" admonition follows.
Missing or malformed dates, or a due date before the review date, are build errors naming the
file, the line, the key and the bad value.

Configuration (docs/conf.py): ``review_dates_exempt``, the docnames (or glob patterns) that
need no dates, default ``["references", "changelog"]`` (generated pages such as genindex, search
and 404 have no source and are never checked); ``review_today``, the date overdue is judged
against (``date`` or ``"YYYY-MM-DD"``), default None: the build date, from ``SOURCE_DATE_EPOCH``
if set, else the real date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.errors import ConfigError
from sphinx.util import logging

from living_review.myst_pages import read_text
from living_review.review_schedule import (
    DEFAULT_EXEMPT,
    ReviewDates,
    ReviewDatesError,
    format_date,
    is_exempt,
    parse_front_matter,
    resolve_today,
    validate,
)
from living_review.sphinxext import add_stylesheet, extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)


def dates_line(dates: ReviewDates) -> nodes.paragraph:
    """``Last reviewed … · Next review due … · Evidence searched to …`` as a paragraph."""
    para = nodes.paragraph(classes=["review-dates"])
    for cls, label, day in (
        ("review-dates-last", "Last reviewed", dates.last_reviewed),
        ("review-dates-next", "Next review due", dates.next_review),
        ("review-dates-searched", "Evidence searched to", dates.evidence_searched),
    ):
        if para.children:
            para += nodes.Text(" · ")
        text = f"{label} {format_date(day)}"
        para += nodes.inline(text, text, classes=[cls])
    return para


def overdue_notice(dates: ReviewDates) -> nodes.admonition:
    """The admonition shown once a page is past its review date."""
    notice = nodes.admonition(classes=["due-for-review", "warning"])
    notice += nodes.title("Due for review", "Due for review")
    text = (
        f"This page was due to be reviewed on {format_date(dates.next_review)}. "
        f"It covers evidence found up to {format_date(dates.evidence_searched)}; "
        "newer research may have changed what we know."
    )
    notice += nodes.paragraph(text, text)
    return notice


def today(config: Config) -> date:
    """The date overdue is judged against (``review_today``, default the build date)."""
    try:
        return resolve_today(config.review_today)
    except ValueError as error:
        raise ConfigError(str(error)) from error


def show_review_dates(app: Sphinx, doctree: nodes.document) -> None:
    """Validate this page's dates, show them under the title and add the overdue notice."""
    docname = app.env.docname
    if is_exempt(docname, app.config.review_dates_exempt):
        return
    path = Path(app.env.doc2path(docname))
    try:
        text = read_text(path)  # as MyST read it (a byte-order mark dropped)
        dates = validate(parse_front_matter(text, path), path)
    except ReviewDatesError as error:
        for problem in error.problems:
            logger.error(
                "%s",
                problem.message,
                location=(docname, problem.line),
                type="review_dates",
                subtype=problem.key or "front_matter",
            )
        return
    new: list[nodes.Element] = [dates_line(dates)]
    if dates.is_overdue(today(app.config)):
        new.append(overdue_notice(dates))
    # Right after the page title, or at the top if the page has no title.
    section = doctree.next_node(nodes.section)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section[1:1] = new
    else:
        doctree[0:0] = new


def reread_when_the_day_changes(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """Re-read every page when "today" differs from the last build, so notices are current."""
    judged = today(app.config)
    previous = getattr(env, "review_dates_today", None)
    env.review_dates_today = judged  # type: ignore[attr-defined]
    return [] if previous in (None, judged) else sorted(env.found_docs - removed)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the config values, the page hook and the stylesheet."""
    app.add_config_value("review_dates_exempt", list(DEFAULT_EXEMPT), "env", types=[list, tuple])
    app.add_config_value("review_today", None, "env", types=[date, str, type(None)])
    # Fail early, with a clear message, on a bad review_today.
    app.connect("config-inited", lambda app, config: today(config))
    app.connect("doctree-read", show_review_dates)
    app.connect("env-get-outdated", reread_when_the_day_changes)
    add_stylesheet(app, "review-dates.css")
    return extension_metadata(env_version=1)
