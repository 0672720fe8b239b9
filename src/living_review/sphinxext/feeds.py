"""Atom feeds readers can subscribe to, written with feedgen when the web site is built.

- ``feed.xml``: one entry per dated section of the changelog (``## 7 December 2026: ...``), with
  its opening paragraph as a plain-language summary and links to the pages it names (``{ref}``
  links). An entry's id comes from its date (``tag:...:changelog:2026-12-07``), so rewording a
  title or adding an entry leaves every other id as it was.
- ``feeds/<page>.xml``: the same entries, only those that name the page; every content page
  announces its feed and the site's in ``<head>``.
- ``certainty.xml``: one entry each time a claim's certainty, direction (the side its effect
  favours) or conclusion (``result``) changed, read from the git history of ``claims.yaml``.
  The history is the record: a ``history`` list in every record would have to be kept by hand
  and could be forgotten, while git already holds every version with its date. Each entry
  names the claim, the old and new values and the pages that use it; its id is the commit and
  the claim, so it never changes. Without git, or outside a repository, the feed is written
  with no entries (and the build says so once, as information).

The living-status line (:mod:`.living_status`) ends with a "Follow updates" link to the help
text ``{follow-updates}`` writes. Everything is plain XML written at build time, only for the
web site (html, dirhtml), not the EPUB; nothing is fetched by the browser.
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from docutils import nodes
from feedgen.feed import FeedGenerator
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from living_review.review_schedule import format_date, is_exempt
from living_review.sphinxext import extension_metadata, is_html_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

SITE_FEED = "feed.xml"
CERTAINTY_FEED = "certainty.xml"
PAGE_FEEDS = "feeds"
#: The tag URI authority of every entry id (RFC 4151): fixed, so ids stay the same when the
#: site moves (a preview, a fork, another host).
TAG = "tag:acupuncture-sciatica-review.github.io,2026:"
AUTHOR = {"name": "The review's contributors"}
_MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)
_DATED_TITLE = re.compile(r"^(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})(?::\s*(.+))?$")


@dataclass
class Change:
    """One dated section of the changelog."""

    day: date
    title: str
    summary: str
    anchor: str
    pages: list[tuple[str, str]] = field(default_factory=list)  # (docname, title)
    suffix: int = 1  # the second section of one day is -2, and so on

    @property
    def id(self) -> str:
        base = f"{TAG}changelog:{self.day.isoformat()}"
        return base if self.suffix == 1 else f"{base}-{self.suffix}"


def moment(day: date) -> datetime:
    """Midnight UTC of *day*: an RFC 3339 date-time for a date."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def parse_title(text: str) -> tuple[date, str] | None:
    """``7 December 2026: safer warning signs`` -> (the date, ``safer warning signs``)."""
    found = _DATED_TITLE.match(" ".join(text.split()))
    if found is None:
        return None
    day, month, year, rest = found.groups()
    try:
        when = date(int(year), _MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None
    return when, (rest or text).strip()


def changes_of(doctree: nodes.document, env: BuildEnvironment) -> list[Change]:
    """The changelog's dated sections, newest first as written; same-day ids get -2, -3 ..."""
    top = next(iter(doctree.findall(nodes.section)), None)
    found: list[Change] = []
    if top is None:
        return found
    titles = env.titles
    for section in (child for child in top.children if isinstance(child, nodes.section)):
        parsed = parse_title(section[0].astext())
        if parsed is None:
            continue
        day, title = parsed
        summary = " ".join(
            " ".join(child.astext().split())
            for child in section.children[1:]
            if isinstance(child, nodes.paragraph)
        )
        pages: dict[str, str] = {}
        for ref in section.findall(nodes.reference):
            uri = ref.get("refuri", "")
            inline = ref.next_node(nodes.inline)
            if not ref.get("internal") or inline is None or "std-ref" not in inline["classes"]:
                continue
            docname = uri.split("#", 1)[0].removesuffix(".html").removesuffix("/")
            if docname in env.found_docs and docname not in pages:
                pages[docname] = titles[docname].astext() if docname in titles else docname
        anchor = section["ids"][0] if section["ids"] else ""
        found.append(Change(day, title, summary, anchor, sorted(pages.items())))
    seen: dict[date, int] = {}
    for change in sorted(found, key=lambda c: c.day):  # stable: the older section of a day first
        seen[change.day] = change.suffix = seen.get(change.day, 0) + 1
    return found


def new_feed(base: str, path: str, title: str, subtitle: str, updated: datetime) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(f"{TAG}{path}")
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author(AUTHOR)
    feed.link(href=f"{base}{path}", rel="self", type="application/atom+xml")
    feed.link(href=base, rel="alternate", type="text/html")
    feed.language("en")
    feed.updated(updated)
    feed.generator("feedgen")  # no version: two builds of one commit give the same bytes
    return feed


def add_change(feed: FeedGenerator, change: Change, base: str, changelog_uri: str) -> None:
    """One entry: its section of the changelog as the link, the pages it names in its content.

    One link per entry: feedgen 1.0 drops the ``rel`` of an entry's links, so more than one
    would be several "alternate" links, which Atom forbids; the pages are linked in the
    entry's content instead.
    """
    entry = feed.add_entry(order="append")
    entry.id(change.id)
    entry.title(f"{format_date(change.day)}: {change.title}")
    entry.updated(moment(change.day))
    entry.published(moment(change.day))
    entry.link(href=f"{base}{changelog_uri}#{change.anchor}")
    names = ", ".join(title for _docname, title in change.pages)
    summary = change.summary or change.title
    entry.summary(f"{summary} Pages: {names}." if names else summary)
    content = f"<p>{html.escape(summary)}</p>"
    if change.pages:
        items = "".join(
            f'<li><a href="{html.escape(base)}{docname}.html">{html.escape(title)}</a></li>'
            for docname, title in change.pages
        )
        content += f"<p>Pages:</p><ul>{items}</ul>"
    entry.content(content, type="html")


def write_feed(feed: FeedGenerator, outfile: Path) -> None:
    outfile.parent.mkdir(parents=True, exist_ok=True)
    outfile.write_bytes(feed.atom_str(pretty=True))


# -- certainty.xml: the git history of claims.yaml ----------------------------------------------


@dataclass(frozen=True)
class ClaimChange:
    """A claim whose certainty, direction or conclusion differs from the version before."""

    commit: str
    when: datetime
    claim_id: str
    question: str
    changes: tuple[tuple[str, str, str], ...]  # (what, old, new)

    @property
    def id(self) -> str:
        return f"{TAG}certainty:{self.commit}:{self.claim_id}"


def _levels(value: Any) -> str:
    if isinstance(value, list):
        return " to ".join(str(v) for v in value)
    return str(value) if value is not None else ""


def claim_values(text: str) -> dict[str, tuple[str, str, str, str]]:
    """id -> (question, certainty, direction, conclusion) of every record in one version.

    Read leniently (no schema: an old version may predate today's rules); a version that is
    not YAML counts as empty.
    """
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader)  # a safe loader: libyaml's if there
    except yaml.YAMLError:
        return {}
    records = data.get("claims") if isinstance(data, dict) else None
    values = {}
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            continue
        effect = record.get("effect")
        favours = effect.get("favours", "") if isinstance(effect, dict) else ""
        values[record["id"]] = (
            " ".join(str(record.get("question", "")).split()),
            _levels(record.get("certainty")),
            str(favours),
            " ".join(str(record.get("result", "")).split()),
        )
    return values


def git(root: Path, *args: str) -> str | None:
    """The output of a git command in *root*, or None if git is missing or it fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def claim_history(path: Path, cache: dict[str, str]) -> list[ClaimChange] | None:
    """Every change of certainty, direction or conclusion, oldest first; None without git.

    *cache* (commit -> the file's text at it) saves asking git again for commits already read.
    """
    root = path.parent
    log = git(root, "log", "--format=%H %cI", "--reverse", "--", path.name)
    if log is None:
        return None
    changes: list[ClaimChange] = []
    before: dict[str, tuple[str, str, str, str]] = {}  # the first version changes nothing
    for line in log.splitlines():
        commit, _, stamp = line.partition(" ")
        if commit not in cache:
            cache[commit] = git(root, "show", f"{commit}:./{path.name}") or ""
        now = claim_values(cache[commit])
        when = datetime.fromisoformat(stamp).astimezone(UTC)
        for claim_id, (question, *values) in now.items():
            if claim_id not in before:
                continue
            old = before[claim_id][1:]
            named = zip(("certainty", "direction", "conclusion"), old, values, strict=True)
            diffs = tuple((what, was, is_now) for what, was, is_now in named if was != is_now)
            if diffs:
                changes.append(ClaimChange(commit, when, claim_id, question, diffs))
        before = now
    return changes


# -- the build ------------------------------------------------------------------------------------


def content_pages(app: Sphinx) -> list[str]:
    env = app.env
    return sorted(
        name
        for name in env.found_docs
        if name in env.metadata
        and not is_exempt(name, app.config.review_dates_exempt)
        and not name.startswith("_")
    )


def pages_of_claim(env: BuildEnvironment, claim_id: str) -> list[str]:
    uses: dict[str, list[tuple[str, int]]] = getattr(env, "living_review_claim_uses", {})
    return sorted(doc for doc, page in uses.items() if any(c == claim_id for c, _ in page))


def write_feeds(app: Sphinx, exception: Exception | None) -> None:
    """After a successful web build: feed.xml, feeds/<page>.xml and certainty.xml."""
    if exception is not None or not is_html_site(app.builder):
        return
    env = app.env
    base = (app.config.html_baseurl or "").rstrip("/") + "/"
    outdir = Path(app.outdir)
    project = app.config.html_title or app.config.project
    changelog = app.config.feeds_changelog
    changes: list[Change] = []
    if changelog in env.found_docs:
        doctree = env.get_doctree(changelog)
        env.apply_post_transforms(doctree, changelog)  # its {ref} links, as on the page
        changes = changes_of(doctree, env)
    changelog_uri = app.builder.get_target_uri(changelog)
    newest = max((change.day for change in changes), default=date(2020, 4, 1))
    feeds = [(SITE_FEED, f"{project}: changes", "Every dated change to the review.", changes)]
    titles = env.titles
    for docname in content_pages(app):
        mine = [change for change in changes if any(d == docname for d, _ in change.pages)]
        title = titles[docname].astext() if docname in titles else docname
        path = f"{PAGE_FEEDS}/{docname}.xml"
        feeds.append((path, f"{project}: {title}", f"Changes to the page '{title}'.", mine))
    for path, title, subtitle, mine in feeds:
        updated = max((change.day for change in mine), default=newest)
        feed = new_feed(base, path, title, subtitle, moment(updated))
        for change in mine:
            add_change(feed, change, base, changelog_uri)
        write_feed(feed, outdir / path)
    write_certainty_feed(app, base, project, newest)


def write_certainty_feed(app: Sphinx, base: str, project: str, newest: date) -> None:
    env = app.env
    claims_file = getattr(app.config, "claims_file", "")
    cache: dict[str, str] = getattr(env, "living_review_claims_history", {})
    history = claim_history(Path(app.confdir, claims_file), cache) if claims_file else None
    env.living_review_claims_history = cache  # type: ignore[attr-defined]
    if history is None:
        logger.info("certainty.xml: no git history of the claim ledger here; written empty")
        history = []
    updated = max((change.when for change in history), default=moment(newest))
    feed = new_feed(
        base, CERTAINTY_FEED, f"{project}: changes to the findings",
        "Each time a claim's certainty, direction or conclusion changed.", updated,
    )  # fmt: skip
    for change in reversed(history):  # newest first
        entry = feed.add_entry(order="append")
        entry.id(change.id)
        what = ", ".join(what for what, _old, _new in change.changes)
        entry.title(f"{change.question or change.claim_id}: {what} changed")
        entry.updated(change.when)
        pages = pages_of_claim(env, change.claim_id)
        target = f"{base}{pages[0]}.html" if pages else f"{base}{CERTAINTY_FEED}"
        entry.link(href=target)
        parts = [f"{w.capitalize()}: was '{old}', now '{new}'." for w, old, new in change.changes]
        titles = [env.titles[p].astext() for p in pages if p in env.titles]
        where = f" Pages: {', '.join(titles)}." if titles else ""
        entry.summary(f"Claim '{change.claim_id}'. {' '.join(parts)}{where}")
    write_feed(feed, Path(app.outdir) / CERTAINTY_FEED)


def feed_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Announce the site's feed, and the page's own, in the page's ``<head>``."""
    if not is_html_site(app.builder) or pagename not in app.env.found_docs:
        return  # generated pages (search, the index, 404 at any address) announce none
    depth = app.builder.get_target_uri(pagename).count("/")
    up = "../" * depth
    feeds = [("Changes to the review", SITE_FEED)]
    if not is_exempt(pagename, app.config.review_dates_exempt):
        feeds.append(("Changes to this page", f"{PAGE_FEEDS}/{pagename}.xml"))
    context["metatags"] = context.get("metatags", "") + "".join(
        f'<link rel="alternate" type="application/atom+xml" title="{title}" href="{up}{href}">\n'
        for title, href in feeds
    )


def follow_link(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """End the page's living-status line with "Follow updates", a link to the help text.

    Outside the web site (the EPUB has no feeds), links to a feed go to the published site.
    """
    if not is_html_site(app.builder):
        base = (app.config.html_baseurl or "").rstrip("/") + "/"
        for ref in doctree.findall(nodes.reference):
            if ref.get("feed"):
                ref["refuri"] = f"{base}{ref['feed']}" if base != "/" else ref["feed"]
        return
    line = next(
        (node for node in doctree.findall(nodes.paragraph) if "living-status" in node["classes"]),
        None,
    )
    if line is None:
        return
    page = app.config.feeds_help_page
    help_uri = "" if docname == page else app.builder.get_relative_uri(docname, page)
    follow = nodes.inline(classes=["living-status-follow"])
    follow += nodes.reference("", "Follow updates", refuri=f"{help_uri}#follow-updates")
    line += nodes.Text(" · ")
    line += follow


class FollowUpdates(SphinxDirective):
    """``{follow-updates}``: how to follow the review's feeds, by feed reader or e-mail."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        up = "../" * self.env.docname.count("/")
        para = nodes.paragraph()
        para += nodes.strong(text="Follow updates.")
        para += nodes.Text(
            " A feed is a web address that a feed reader app checks for new entries. "
            "Every page with review dates has its own feed, with the changes that mention that "
            "page. Give a page's address to a feed reader; most readers then offer that page's "
            "feed and the feed for the whole review. The feed at "
        )
        para += nodes.reference("", SITE_FEED, refuri=f"{up}{SITE_FEED}", feed=SITE_FEED)
        para += nodes.Text(" lists every change to the review; the one at ")
        para += nodes.reference(
            "", CERTAINTY_FEED, refuri=f"{up}{CERTAINTY_FEED}", feed=CERTAINTY_FEED
        )
        para += nodes.Text(
            " lists each change to a claim's certainty, direction (the option it favours) or "
            "conclusion. "
            "To get the entries by e-mail, give the address to a service that sends a feed's "
            "new entries by e-mail. "
            "We run no mailing list and keep no addresses."
        )
        box = nodes.container(ids=["follow-updates"], classes=["follow-updates"])
        box += para
        self.set_source_info(box)
        return [box]


def setup(app: Sphinx) -> ExtensionMetadata:
    app.setup_extension("living_review.sphinxext.review_dates")
    app.add_config_value("feeds_changelog", "changelog", "html", types=[str])
    app.add_config_value("feeds_help_page", "methods", "html", types=[str])
    app.add_directive("follow-updates", FollowUpdates)
    app.connect("html-page-context", feed_links)
    app.connect("doctree-resolved", follow_link, priority=600)
    app.connect("build-finished", write_feeds)
    return extension_metadata(env_version=1)
