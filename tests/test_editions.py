"""Citable editions (living_review.tools.editions; `nox -s release`, `nox -s editions`), on a
temporary repository made from this project: two edition tags, and a claim whose certainty
changes between them. Offline: each edition is built with the tag's own code (its worktree's
src/ first on PYTHONPATH) by this environment's Sphinx instead of the tag's own `nox -s docs`,
which would install its locks from the package index."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from common import ROOT, sphinx_build

from living_review.tools import editions

SITE = "https://example.org/review/"
FIRST, SECOND = "2026-11-28", "2026-12-07"
CHANGED_CLAIM = "mu2020-pain-vs-usual-care"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.org",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}  # fmt: skip


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    return done.stdout


def tool(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "living_review.tools.editions", "--root", str(repo), *args],
        env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=False,
    )  # fmt: skip


def release(repo: Path, date: str) -> None:
    for step in ("prepare", "tag"):
        done = tool(repo, step, date, "--today", date)
        assert done.returncode == 0, done.stderr


def lower_certainty(repo: Path) -> None:
    """One claim's certainty (and its source's rating) goes from low to very low."""
    ledger = repo / "claims.yaml"
    text = ledger.read_text(encoding="utf-8")
    start = text.index(f"- id: {CHANGED_CLAIM}\n")
    end = text.index("\n  - id: ", start)
    record = text[start:end]
    changed = record.replace("certainty: low", "certainty: very-low").replace(
        "source_rating: low", "source_rating: very-low"
    )
    assert changed != record
    ledger.write_text(text[:start] + changed + text[end:], encoding="utf-8")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository of this project's files with edition tags on 28 Nov and 7 Dec 2026."""
    repo = tmp_path_factory.mktemp("editions") / "repo"
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the review")
    release(repo, FIRST)
    lower_certainty(repo)
    git(repo, "commit", "-q", "-am", "a claim's certainty changes")
    release(repo, SECOND)
    return repo


def test_release_bumps_the_version_and_tags(repo: Path) -> None:
    assert git(repo, "tag", "--list", "edition-*").split() == [
        f"edition-{FIRST}",
        f"edition-{SECOND}",
    ]
    assert 'version = "2026.12.7"' in (repo / "pyproject.toml").read_text(encoding="utf-8")
    cff = (repo / "CITATION.cff").read_text(encoding="utf-8")
    assert 'version: "2026.12.7"' in cff and "date-released: 2026-12-07" in cff
    assert json.loads((repo / ".zenodo.json").read_text(encoding="utf-8"))["version"] == "2026.12.7"
    assert "## 7 December 2026" in (repo / "docs" / "changelog.md").read_text(encoding="utf-8")
    assert git(repo, "status", "--porcelain") == ""


def test_release_refuses_a_dirty_tree_an_old_date_or_not_today(repo: Path) -> None:
    later = "2027-01-05"
    refused = tool(repo, "prepare", later, "--today", "2027-01-06")
    assert refused.returncode == 2 and "dated the day it is made" in refused.stderr
    refused = tool(repo, "prepare", SECOND, "--today", SECOND)
    assert refused.returncode == 2 and "must be later" in refused.stderr
    (repo / "README.md").write_text("changed\n", encoding="utf-8")
    try:
        refused = tool(repo, "prepare", later, "--today", later)
        assert refused.returncode == 2 and "uncommitted changes" in refused.stderr
    finally:
        git(repo, "checkout", "--", "README.md")


def test_flags_come_from_the_evidence_diff_comparison(repo: Path) -> None:
    records = editions.edition_records(repo)
    assert [(r.date, r.version) for r in records] == [(FIRST, "2026.11.28"), (SECOND, "2026.12.7")]
    assert (records[0].certainty_changed, records[0].conclusions_changed) == (False, False)
    assert records[1].certainty_changed is True
    assert records[1].conclusions_changed is False  # no direction, key point or claim removed
    # The summary is the changelog's heading for the date (already there: none was added).
    assert records[1].summary == "safer warning signs, honest time frames, and how we searched"


@pytest.fixture(scope="module")
def site(repo: Path) -> Path:
    """The combined site: both editions under editions/, the current pages at the root."""
    out = repo / "docs" / "_build" / "editions-site"
    command = json.dumps(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "docs", "docs/_build/html"]
    )
    done = tool(repo, "build", "--out", str(out), "--site-url", SITE, "--command", command)
    assert done.returncode == 0, done.stderr
    env = {"REVIEW_SITE_URL": SITE, "REVIEW_EDITIONS_FILE": str(out / "editions.json")}
    current = sphinx_build(repo / "docs", out, env=env)
    assert current.returncode == 0, current.stderr
    done = tool(repo, "switch", "--out", str(out), "--site-url", SITE)
    assert done.returncode == 0, done.stderr
    return out


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_earlier_editions_carry_banner_canonical_noindex_and_switcher(site: Path) -> None:
    page = soup(site / "editions" / FIRST / "safety.html")
    banner = page.select_one("[role=main] .edition-banner")
    assert "You are reading the edition of 28 November 2026." in banner.get_text()
    assert banner.a["href"] == "../../safety.html"
    (canonical,) = page.select("link[rel=canonical]")
    assert canonical["href"] == SITE + "safety.html"
    assert page.select_one("meta[name=robots]")["content"] == "noindex"
    switcher = page.select_one("nav.edition-switcher[aria-label=Editions]")
    links = [(a.get_text(), a["href"], a.get("aria-current")) for a in switcher.select("a")]
    assert links == [
        ("Current edition", "../../safety.html", None),
        ("Edition of 7 December 2026", f"../../editions/{SECOND}/safety.html", None),
        ("Edition of 28 November 2026", f"../../editions/{FIRST}/safety.html", "page"),
    ]
    assert not (site / "editions" / FIRST / "sitemap.xml").exists()


def test_current_pages_have_the_switcher_and_no_banner(site: Path) -> None:
    page = soup(site / "safety.html")
    assert page.select_one(".edition-banner") is None
    assert page.select_one("meta[name=robots]") is None
    links = [a["href"] for a in page.select("nav.edition-switcher a")]
    assert links == [
        "safety.html",
        f"editions/{SECOND}/safety.html",
        f"editions/{FIRST}/safety.html",
    ]
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "safety.html" in sitemap and "editions/" not in sitemap.replace("editions.html", "")


def test_editions_page_lists_each_edition_with_its_flags(site: Path) -> None:
    items = [
        li.get_text(" ", strip=True)
        for li in soup(site / "editions.html").select(".edition-list > li")
    ]
    assert len(items) == 2
    assert items[0].startswith("Edition of 7 December 2026 (version 2026.12.7)")
    assert "Certainty changed: yes" in items[0] and "Conclusions changed: no" in items[0]
    assert "not applicable (first edition)" in items[1]
    assert "DOI pending" in items[0]
    links = [a["href"] for a in soup(site / "editions.html").select(".edition-list a")]
    assert f"editions/{SECOND}/index.html" in links
    for href in links:
        assert (site / href).exists(), href


def test_long_date_has_no_leading_zero() -> None:
    assert editions.long_date(dt.date(2026, 12, 7)) == "7 December 2026"


def test_prepare_adds_a_changelog_heading_only_when_missing(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "CITATION.cff", ".zenodo.json", "docs/changelog.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    changed = editions.prepare(tmp_path, dt.date(2027, 1, 5))
    text = (tmp_path / "docs" / "changelog.md").read_text(encoding="utf-8")
    assert tmp_path / "docs" / "changelog.md" in changed
    assert text.index("## 5 January 2027: edition 2027.1.5") < text.index("## 7 December 2026")
    assert editions.prepare(tmp_path, dt.date(2027, 1, 5))[-1].name == ".zenodo.json"


def test_a_doi_minted_after_its_tag_is_listed(repo: Path) -> None:
    cff = repo / "CITATION.cff"
    before = cff.read_text(encoding="utf-8")
    cff.write_text(
        before + "identifiers:\n  - type: doi\n    value: 10.5555/first\n"
        f"    description: DOI of edition-{FIRST}\n",
        encoding="utf-8",
    )
    try:
        records = editions.edition_records(repo)
    finally:
        cff.write_text(before, encoding="utf-8")
    assert [r.doi for r in records] == ["10.5555/first", ""]


@pytest.mark.browser
def test_current_and_earlier_pages_pass_the_browser_audit(site: Path) -> None:
    """axe-core and the audit's own checks, light and dark-phone, on current and earlier pages
    (the banner, the switcher and the editions list included)."""
    from living_review.tools import browser_audit
    from living_review.tools.site_server import serve

    modes = [m for m in browser_audit.MODES if m.name in {"light", "dark-phone"}]
    pages = ["safety.html", "editions.html", f"editions/{FIRST}/safety.html"]
    with serve(site) as base_url:
        findings = browser_audit.audit_pages(base_url, pages, modes=modes)
    assert findings == []
