"""The Atom feeds, read back with feedparser as a feed reader would: feed.xml from the changelog,
one feed per content page (announced in its <head>), and certainty.xml from the git history
of claims.yaml, on a temporary git repository.

Fixture project: tests/roots/test-feeds (a changelog of two dated sections naming pages, three
claims, a search log).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import feedparser
import pytest
from common import ROOTS, Build, build_cleanly, page_soup
from sphinx.testing.util import SphinxTestApp

from living_review.sphinxext.feeds import TAG, parse_title

FIXTURE_ROOT = ROOTS / "test-feeds"
feeds_site = pytest.mark.sphinx("html", testroot="feeds", freshenv=True)
REQUIRED = ("id", "title", "updated", "link", "summary")


def read_feed(path: Path) -> feedparser.FeedParserDict:
    """The feed at *path*, checked to be well-formed Atom 1.0 with every required field."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, (path, parsed.get("bozo_exception"))
    assert parsed.version == "atom10", path
    for key in ("id", "title", "updated"):
        assert parsed.feed.get(key), (path, key)
    for entry in parsed.entries:
        for key in REQUIRED:
            assert entry.get(key), (path, entry.get("id"), key)
    return parsed


def ids(path: Path) -> list[str]:
    return [entry.id for entry in read_feed(path).entries]


def build(make_app: type[SphinxTestApp], srcdir: Path) -> SphinxTestApp:
    app = make_app("html", srcdir=srcdir, freshenv=True)
    return build_cleanly(app)


def test_changelog_titles_give_dates() -> None:
    from datetime import date

    assert parse_title("7 December 2026: safer warning signs") == (
        date(2026, 12, 7),
        "safer warning signs",
    )
    assert parse_title("Corrections") is None
    assert parse_title("31 February 2026: no such day") is None


@feeds_site
def test_the_site_feed_has_one_entry_per_dated_change(app: SphinxTestApp) -> None:
    build_cleanly(app)
    feed = read_feed(app.outdir / "feed.xml")
    assert [entry.id for entry in feed.entries] == [
        f"{TAG}changelog:2027-03-02",
        f"{TAG}changelog:2027-02-01",
    ]
    first = feed.entries[1]
    assert first.title == "1 February 2027: the first change"
    assert first.updated == "2027-02-01T00:00:00+00:00"  # RFC 3339
    assert first.summary == (
        "A plain summary of the first change. It has two sentences. Pages: Home, Page."
    )
    assert first.link.startswith("https://example.org/review/changelog.html#")
    assert 'href="https://example.org/review/page.html"' in first.content[0].value
    assert feed.feed.updated == "2027-03-02T00:00:00+00:00"


@feeds_site
def test_every_content_page_has_its_feed_announced_in_its_head(app: SphinxTestApp) -> None:
    build_cleanly(app)
    assert ids(app.outdir / "feeds" / "page.xml") == [
        f"{TAG}changelog:2027-03-02",
        f"{TAG}changelog:2027-02-01",
    ]
    assert ids(app.outdir / "feeds" / "index.xml") == [f"{TAG}changelog:2027-02-01"]
    assert ids(app.outdir / "feeds" / "methods.xml") == []  # no change named it: still valid
    assert not (app.outdir / "feeds" / "changelog.xml").exists()  # not a content page
    soup = page_soup(app.outdir, "page.html")
    alternates = [
        (link["href"], link["title"])
        for link in soup.select('head link[rel="alternate"][type="application/atom+xml"]')
    ]
    assert alternates == [
        ("feed.xml", "Changes to the review"),
        ("feeds/page.xml", "Changes to this page"),
    ]
    follow = soup.select("p.living-status .living-status-follow a")
    assert [(a.get_text(), a["href"]) for a in follow] == [
        ("Follow updates", "methods.html#follow-updates")
    ]
    help_text = page_soup(app.outdir, "methods.html").select_one("#follow-updates").get_text()
    assert "new entries by e-mail. We run no mailing list" in help_text


@feeds_site
def test_outside_git_the_certainty_feed_is_empty_but_valid(app: SphinxTestApp) -> None:
    shutil.rmtree(app.srcdir / ".git", ignore_errors=True)
    build_cleanly(app)
    # The fixture may sit inside the project's own repository, whose history has no
    # tests/roots/test-feeds/claims.yaml changes of certainty: no entries either way.
    assert ids(app.outdir / "certainty.xml") == []


def test_a_new_changelog_entry_is_a_new_id_and_old_ids_stay(
    make_app: type[SphinxTestApp], tmp_path: Path
) -> None:
    srcdir = tmp_path / "feeds"
    shutil.copytree(FIXTURE_ROOT, srcdir)
    before = ids(build(make_app, srcdir).outdir / "feed.xml")
    changelog = srcdir / "changelog.md"
    text = changelog.read_text(encoding="utf-8")
    text = text.replace(
        "Newest first.\n",
        "Newest first.\n\n## 4 April 2027: the third change\n\nA plain summary.\n",
    )
    # Rewording an old title keeps its id: the id comes from the date.
    text = text.replace("the first change", "the first change, reworded")
    changelog.write_text(text, encoding="utf-8")
    after = ids(build(make_app, srcdir).outdir / "feed.xml")
    assert after == [f"{TAG}changelog:2027-04-04", *before]


def git(repo: Path, *args: str, when: str = "2027-01-10T12:00:00+00:00") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.org",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.org",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_DATE": when,
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_certainty_feed_follows_the_git_history_of_the_ledger(
    make_app: type[SphinxTestApp], tmp_path: Path
) -> None:
    srcdir = tmp_path / "feeds"
    shutil.copytree(FIXTURE_ROOT, srcdir)
    git(srcdir, "init", "-q")
    git(srcdir, "add", "-A")
    git(srcdir, "commit", "-q", "-m", "first", when="2027-01-10T12:00:00+00:00")
    ledger = srcdir / "claims.yaml"
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(text.replace("certainty: [low, very-low]", "certainty: low"), "utf-8")
    git(srcdir, "commit", "-q", "-am", "certainty", when="2027-02-11T09:30:00+01:00")
    first_change = git(srcdir, "rev-parse", "HEAD")
    text = ledger.read_text(encoding="utf-8")
    ledger.write_text(
        text.replace(
            "result: The guideline advises staying active.",
            "result: The guideline advises staying active and at work.",
        ),
        "utf-8",
    )
    git(srcdir, "commit", "-q", "-am", "result", when="2027-03-01T08:00:00+00:00")
    second_change = git(srcdir, "rev-parse", "HEAD")
    app = build(make_app, srcdir)
    feed = read_feed(app.outdir / "certainty.xml")
    assert [entry.id for entry in feed.entries] == [
        f"{TAG}certainty:{second_change}:gamma-advice",
        f"{TAG}certainty:{first_change}:beta-any-pain",
    ]
    newest, older = feed.entries
    assert newest.title == "Do guidelines recommend staying active?: conclusion changed"
    assert "was 'The guideline advises staying active.'" in newest.summary
    assert "now 'The guideline advises staying active and at work.'" in newest.summary
    assert older.summary.startswith(
        "Claim 'beta-any-pain'. Certainty: was 'low to very-low', now 'low'. Pages: Page."
    )
    assert older.updated == "2027-02-11T08:30:00+00:00"  # the commit's time, in UTC
    assert older.link == "https://example.org/review/page.html"
    assert feed.feed.updated == "2027-03-01T08:00:00+00:00"
    # A later build keeps every id, and the bytes.
    again = build(make_app, srcdir)
    assert (again.outdir / "certainty.xml").read_bytes() == (
        app.outdir / "certainty.xml"
    ).read_bytes()


def test_the_real_site_has_its_feeds_and_each_page_grows_by_less_than_2_kb(
    real_site: Build,
) -> None:
    assert real_site.returncode == 0, real_site.stderr
    feed = read_feed(real_site.outdir / "feed.xml")
    assert f"{TAG}changelog:2026-11-26" in [entry.id for entry in feed.entries]
    read_feed(real_site.outdir / "certainty.xml")
    pages = [
        page
        for page in sorted(real_site.outdir.glob("*.html"))
        if real_site.soup(page.name).select_one("p.review-dates") is not None
    ]  # the content pages
    assert len(pages) >= 10
    for page in pages:
        soup = real_site.soup(page.name)
        read_feed(real_site.outdir / "feeds" / f"{page.stem}.xml")
        added = soup.select('head link[type="application/atom+xml"]')
        line = soup.select_one("p.living-status")
        assert line is not None and len(added) == 2, page.name
        size = sum(len(str(node).encode()) for node in [*added, line])
        rows = re.findall(
            r"<dt>Sources last checked</dt><dd>[^<]*</dd>", page.read_text(encoding="utf-8")
        )
        size += sum(len(row.encode()) for row in rows)
        assert size < 2048, (page.name, size)


@feeds_site
def test_each_claims_popover_says_when_its_evidence_was_last_searched(
    app: SphinxTestApp,
) -> None:
    build_cleanly(app)
    text = (app.outdir / "page.html").read_text(encoding="utf-8")
    findings = re.findall(r'<div data-claim-id="([^"]+)">.*?</dl></div>', text, re.DOTALL)
    assert findings == ["alpha-leg-pain", "beta-any-pain", "gamma-advice"]
    rows = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd></dl></div>", text)
    assert rows == [("Sources last checked", "1 November 2026")] * 3
