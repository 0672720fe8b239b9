"""The guides agree: CONTRIBUTING (short for reviewers first), MAINTAINERS, README, the pull-request
template and pr.yml name the same checks, and `nox -s check` runs them."""

from __future__ import annotations

import re

from common import ROOT

GITHUB = ROOT / ".github"
NOX_SESSION = re.compile(r"\bnox\s+(?:-[A-Za-z]\s+)*(?:-s|--session|-e)\s+([\w-]+)")
CONTENT_CHECKS = {"docs", "citations", "prose"}


def read(path: str) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def sessions(text: str) -> set[str]:
    return set(NOX_SESSION.findall(text))


def test_nox_check_runs_the_content_checks() -> None:
    noxfile = read("noxfile.py")
    (names,) = re.findall(r"^CONTENT_CHECKS = \(([^)]*)\)", noxfile, re.MULTILINE)
    assert set(re.findall(r'"([\w-]+)"', names)) == CONTENT_CHECKS
    assert "def check(session" in noxfile


def test_the_guides_the_template_and_the_workflow_name_the_same_checks() -> None:
    for path in ("README.md", "CONTRIBUTING.md", ".github/PULL_REQUEST_TEMPLATE.md"):
        named = sessions(read(path))
        assert named >= CONTENT_CHECKS | {"check"}, f"{path} names {sorted(named)}"
    workflow = sessions(read(".github/workflows/pr.yml"))
    assert workflow >= CONTENT_CHECKS | {"tests", "lint"}
    for path in ("CONTRIBUTING.md", ".github/PULL_REQUEST_TEMPLATE.md"):
        assert {"tests", "lint"} <= sessions(read(path)), path  # for code changes


def test_the_template_never_asks_for_a_bare_certainty_badge() -> None:
    template = read(".github/PULL_REQUEST_TEMPLATE.md")
    assert "{certainty}`not-rated`" not in template  # the role stops the build off the legend
    for words in ("claims.yaml", "quote_source", "quote_checked: by hand", "whats-new.md"):
        assert words in template, words


def test_contributing_opens_with_the_five_minute_version() -> None:
    guide = read("CONTRIBUTING.md")
    headings = re.findall(r"^## (.+)$", guide, re.MULTILINE)
    assert headings[0] == "The five-minute version, for reviewers"
    first = guide.split("\n## ")[1]
    for words in (
        "references.bib", "claims.yaml", "docs/changelog.md", "docs/whats-new.md",
        "nox -s add-evidence", "nox -s check", "nox -s evidence-diff", "git fetch upstream main",
        "no PubMed ID", "another language", "What needs a changelog line",
    ):  # fmt: skip
        assert words in first, words


def test_maintainers_material_has_its_own_file() -> None:
    guide, maintainers = read("CONTRIBUTING.md"), read("MAINTAINERS.md")
    for heading in (
        "## The online check",
        "## The link check",
        "## Changing the code",
        "### One-time repository settings",
    ):
        assert heading not in guide and heading in maintainers, heading
    assert len(guide) < 40_000
