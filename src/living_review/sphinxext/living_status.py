"""The search log on the methods page, and a living-status line under every page's review dates.

Both come from ``searches.yaml`` (:mod:`living_review.searches`):

- ``{search-log}`` (a directive, no content): the planned interval between searches, when the
  review stops being living, one table per search with the flow of its counts ("not recorded"
  where the records hold none), and the list of studies awaiting assessment.
- Under the review dates of every content page (the pages :mod:`.review_dates` dates): when
  the next search is due (the latest ``update`` search that covered the page plus the planned
  interval), how many studies await assessment (linked to the list), and "No change after the
  search of <date>" when the latest search that covered the page records that it found nothing
  that changes it (``no_change``). Narrower checks in between are in the log, not on the line:
  it must stay short enough for the home page's bottom line to start on a phone's first screen.

Every page is read again when ``searches.yaml`` changes (a Sphinx dependency). A problem in the
file is one build error at its line; so is an included key references.bib lacks, or a page
the site does not have.

Configuration (docs/conf.py): ``searches_file`` (default ``searches.yaml``, relative to
conf.py's folder) and ``search_log_page`` (the page with ``{search-log}``, default ``methods``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from living_review.review_schedule import format_date, is_exempt
from living_review.searches import (
    FILENAME,
    Item,
    Search,
    SearchLog,
    check_cites,
    check_pages,
    load_searches,
)
from living_review.sphinxext import (
    add_stylesheet,
    extension_metadata,
    is_html_site,
    log_problem,
    read_project_file,
)

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

LOG_ATTRIBUTE = "living_review_search_log"
AWAITING_ID = "search-log-awaiting"


class living_status_ref(nodes.inline):  # lower-case, like docutils nodes
    """Text that links to an anchor of the search log page; made a link when resolved."""


def log_of(env: BuildEnvironment) -> SearchLog:
    return getattr(env, LOG_ATTRIBUTE, None) or SearchLog(Path(FILENAME))


def read_log(app: Sphinx) -> None:
    """Read searches.yaml at the start of every build and report its problem, if any."""
    path = Path(app.confdir, app.config.searches_file)
    read_project_file(app, path, load_searches, SearchLog, LOG_ATTRIBUTE)


def check_log(app: Sphinx, env: BuildEnvironment) -> None:
    """Included keys are in references.bib; named pages exist."""
    log = log_of(env)
    if not log.usable:
        return
    domain: Any = env.get_domain("cite")
    cites = check_cites(log, set(domain.bibdata.data.entries))
    for problem in [*cites, *check_pages(log, set(env.found_docs))]:
        log_problem(problem)


# -- the living-status line under the review dates ----------------------------------------------


def status_line(log: SearchLog, docname: str) -> nodes.paragraph:
    """The living status of *docname*; a page no update search covered says so."""
    last = log.last_update(docname)
    para = nodes.paragraph(classes=["living-status"])
    if last is None:  # its sources are those found for the 2020 article, nothing newer
        para += nodes.Text("No search for newer evidence has covered this page yet (")
        para += living_status_ref("", "search log", anchor=f"search-{log.searches[-1].id}")
        para += nodes.Text(")")
        return para
    # The date searched to is in the review dates just above; this line says what comes next.
    due = log.next_due(docname)
    assert due is not None
    searched = nodes.inline(classes=["living-status-due"])
    searched += nodes.Text(f"Next search for new evidence due {format_date(due)} (")
    searched += living_status_ref("", "search log", anchor=f"search-{last.id}")
    searched += nodes.Text(")")
    count = len(log.awaiting)
    text = f"{count} {'study' if count == 1 else 'studies'} awaiting assessment"
    link = living_status_ref("", text, anchor=AWAITING_ID)
    awaiting = nodes.inline("", "", link, classes=["living-status-awaiting"])
    para += [searched, nodes.Text(" · "), awaiting]
    unchanged = log.no_change(docname)
    if unchanged is not None:
        text = f"No change after the search of {format_date(unchanged.date)}"
        para += [nodes.Text(" · "), nodes.inline(text, text, classes=["living-status-no-change"])]
    return para


def show_living_status(app: Sphinx, doctree: nodes.document) -> None:
    """Put the living-status line right under the page's review dates."""
    docname = app.env.docname
    if is_exempt(docname, app.config.review_dates_exempt):
        return
    log = log_of(app.env)
    app.env.note_dependency(str(log.path))
    if not log.usable:
        return
    for dates in doctree.findall(nodes.paragraph):  # none if the review dates are bad (an error)
        if "review-dates" in dates["classes"]:
            dates.parent.insert(dates.parent.index(dates) + 1, status_line(log, docname))
            return


def link_status(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Each living-status link points at its anchor on the search log page."""
    page = app.config.search_log_page
    for ref in list(doctree.findall(living_status_ref)):
        here = "" if docname == page else app.builder.get_relative_uri(docname, page)
        uri = f"{here}#{ref['anchor']}"
        ref.replace_self(nodes.reference("", "", *ref.children, refuri=uri, internal=True))


# -- when each claim's evidence was last searched, in its popover --------------------------------

_FINDINGS = re.compile(r'(<div data-claim-id="([^"]+)">.*?)(</dl></div>)', re.DOTALL)


def claim_dates(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Add "Sources last checked" (:meth:`.SearchLog.claim_searched`) to every claim's findings.

    The claims extension writes them ("What the source says") into the page body before this.
    """
    body = context.get("body", "")
    if doctree is None or not is_html_site(app.builder) or "data-claim-id=" not in body:
        return
    log = log_of(app.env)
    ledger = getattr(app.env, "living_review_claims_ledger", None)
    uses: dict[str, list[tuple[str, int]]] = getattr(app.env, "living_review_claim_uses", {})
    if not log.usable or ledger is None:
        return
    exempt = app.config.review_dates_exempt

    def add_row(found: re.Match[str]) -> str:
        claim = ledger.get(html.unescape(found.group(2)))
        if claim is None:
            return found.group(0)
        pages = [
            doc for doc, page in uses.items()
            if not is_exempt(doc, exempt) and any(c == claim.id for c, _ in page)
        ]  # fmt: skip
        search = log.claim_searched(claim.cite, pages)
        if search is None:
            return found.group(0)
        row = f"<dt>Sources last checked</dt><dd>{format_date(search.date)}</dd>"
        return f"{found.group(1)}{row}{found.group(3)}"

    context["body"] = _FINDINGS.sub(add_row, body)


# -- the search log on the methods page ---------------------------------------------------------


def _count(value: int | None) -> str:
    return "not recorded" if value is None else f"{value:,}"


def _cell(text: str) -> str:
    """One list-table cell: *text* as a sentence, on a single line of MyST."""
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "?", "!")) else ".")


def _item(item: Item) -> str:
    """A work left out or awaiting assessment: what it is, its identifier, why."""
    ident = f", {item.identifier}" if item.identifier else ""
    return f"{item.what}{ident}: {item.reason}"


class SearchLogDirective(SphinxDirective):
    """``{search-log}``: the plan, one table per search, and the studies awaiting assessment."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        log = log_of(self.env)
        self.env.note_dependency(str(log.path))
        if not log.usable:
            return []
        lines = [
            f"We plan to search for new evidence every {log.interval_months} months.",
            "Each page shows, under its review dates, when its evidence was last searched and "
            "when the next search is due.",
            "",
            f"**When the review stops being living.** {log.retirement}",
            "",
        ]
        container = self.parsed(lines, classes=["search-log"])
        for search in reversed(log.searches):  # newest first, as the changelog
            ids = [f"search-{search.id}"]
            container += self.parsed(
                self.search_lines(search), ids=ids, classes=["search-log-entry"]
            )
        lines = ["**Studies awaiting assessment.**"]
        if not log.awaiting:
            lines.append("None.")
        else:
            lines += [
                "These works were found but are not cited, because their details could not be "
                "confirmed:",
                "",
            ]
            for search, item in log.awaiting:
                lines.append(f"- {_item(item)}. Found in the search of {format_date(search.date)}.")
        container += self.parsed(lines, ids=[AWAITING_ID], classes=["search-log-awaiting"])
        return [container]

    def parsed(self, lines: list[str], **attributes: Any) -> nodes.container:
        """A container with *attributes* holding *lines* parsed as MyST."""
        node = nodes.container(**attributes)
        source, line = self.get_source_info()
        self.state.nested_parse(
            StringList(lines, source=source, items=[(source, line)] * len(lines)),
            self.content_offset,
            node,
        )
        return node

    def search_lines(self, search: Search) -> list[str]:
        limits = "not recorded"
        if search.date_from and search.date_to:
            limits = f"{format_date(search.date_from)} to {format_date(search.date_to)}"
            if search.date_note:
                limits += f"; {search.date_note}"
        included = len(search.included)
        cite = f" {{cite:p}}`{','.join(search.included)}`" if search.included else ""
        awaiting = f"{len(search.awaiting)}, listed below the tables" if search.awaiting else ""
        rows = [
            ("Date", f"{format_date(search.date)} ({search.date_source})"),
            ("Kind", "update search" if search.kind == "update" else "narrower check"),
            ("Where", "; ".join(search.where)),
            ("Search terms", search.query),
            ("How", search.approach),
            ("Publication dates", limits),
            ("Added", f"{included} {'work' if included == 1 else 'works'}{cite}"),
            ("Left out", "; ".join(_item(item) for item in search.excluded)),
            ("Awaiting assessment", awaiting),
            ("Not covered", "; ".join(search.not_covered)),
        ]
        lines = [
            f"```{{list-table}} {search.title}",
            ":stub-columns: 1",
            ":widths: 1 3",
            "",
        ]
        for label, value in rows:
            if value:  # rows a search may have nothing for are left out (the schema: no empty text)
                lines += [f"* - {label}", f"  - {_cell(value)}"]
        lines += [
            "```",
            "",
            "Records found: "
            f"{_count(search.found)} → checked for relevance: {_count(search.screened)} → "
            f"included: {included}.",
            "",
        ]
        return lines


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("sphinxcontrib.bibtex")
    app.setup_extension("living_review.sphinxext.review_dates")
    app.add_config_value("searches_file", FILENAME, "env", types=[str])
    app.add_config_value("search_log_page", "methods", "env", types=[str])
    app.add_node(living_status_ref)
    app.add_directive("search-log", SearchLogDirective)
    app.connect("builder-inited", read_log)
    app.connect("env-check-consistency", check_log)
    app.connect("doctree-read", show_living_status, priority=600)
    app.connect("doctree-resolved", link_status)
    app.connect("html-page-context", claim_dates, priority=600)  # after the claims' findings
    add_stylesheet(app, "living-status.css")
    return extension_metadata(env_version=1)
