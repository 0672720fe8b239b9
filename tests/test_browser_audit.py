"""The browser audit: its pure parts, its exit codes, and real audits of two fixture sites.

Tests marked ``browser`` open Debian's Chromium; conftest.py skips them, with the install
command, where /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from common import ROOTS, Build, sphinx_build

from living_review.tools import browser_audit
from living_review.tools.browser_audit import (
    MODES,
    Finding,
    Heading,
    Image,
    axe_findings,
    empty_alt_problems,
    main_heading_problems,
    site_pages,
    summarise,
)
from living_review.tools.site_server import serve

# -- What axe does not check: the main heading, empty alt text --------------------------------


def h(level: int, text: str = "") -> Heading:
    return Heading(level, text or f"level {level}")


def test_a_well_formed_main_content_has_no_heading_problems() -> None:
    # Skipped levels are axe's heading-order rule, not checked here.
    assert main_heading_problems([h(1), h(2), h(3), h(4), h(2), h(3), h(2)]) == []
    assert main_heading_problems([h(1), h(3)]) == []


def test_the_main_content_opens_with_its_one_level_one_heading() -> None:
    assert main_heading_problems([h(2, "Intro"), h(1, "Title")]) == [
        "the main content opens with h2 'Intro', not a level-1 heading"
    ]
    assert main_heading_problems([]) == [
        "the main content opens with no heading, not a level-1 heading"
    ]
    [problem] = main_heading_problems([h(1, "One"), h(2), h(1, "Two")])
    assert problem == "the main content has 2 level-1 headings: 'One', 'Two'"


def test_empty_alt_text_only_on_images_marked_decorative() -> None:
    images = [
        Image("a.png", "A diagram of the sciatic nerve"),
        Image("b.png", None),  # no alt at all: axe's image-alt rule
        Image("c.png", "  "),
        Image("d.png", "", decorative=True),
    ]
    [problem] = empty_alt_problems(images)
    assert problem.startswith("c.png: empty alt text")


# -- axe-core results and the summary --------------------------------------------------------

AXE_RESULT = {
    "violations": [
        {
            "id": "image-alt",
            "impact": "critical",
            "help": "Images must have alternative text",
            "nodes": [
                {"target": ["img"], "html": '<img\n   src="x.png">'},
                {"target": ["p > img"], "html": '<img src="y.png">'},
            ],
        }
    ]
}


def test_each_axe_violation_becomes_one_finding() -> None:
    [finding] = axe_findings("index.html", "dark", AXE_RESULT)
    assert finding == Finding(
        "index.html",
        "dark",
        "axe",
        "image-alt",
        "critical",
        'Images must have alternative text [img] <img src="x.png">',
        2,
    )
    assert axe_findings("index.html", "dark", {"violations": []}) == []


def test_summary_of_a_clean_run_says_what_was_checked() -> None:
    text = summarise([], pages=18, modes=["light", "dark"])
    assert text.startswith("Browser audit: no problems on 18 pages x 2 modes (light, dark)")
    assert "36 audits" in text


def test_summary_groups_findings_by_rule() -> None:
    findings = [
        *axe_findings("a.html", "light", AXE_RESULT),
        *axe_findings("b.html", "dark", AXE_RESULT),
        Finding("a.html", "dark", "headings", "main-heading", "serious", "opens with h2"),
    ]
    lines = summarise(findings, pages=2, modes=["light", "dark"]).splitlines()
    assert lines[0] == "Browser audit: 2 failing rules, 3 findings on 2 pages x 2 modes (4 audits):"
    assert lines[1] == "- axe image-alt (critical) on 2 pages in light, dark: a.html, b.html"
    assert lines[3] == "- headings main-heading (serious) on 1 pages in dark: a.html"


def test_site_pages_lists_every_page_but_not_static_files(tmp_path: Path) -> None:
    for name in ["index.html", "sub/page.html", "_static/x.html", ".doctrees/y.html", "a.css"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    assert site_pages(tmp_path) == ["index.html", "sub/page.html"]


def test_modes_cover_light_and_dark_on_desktop_and_phone() -> None:
    assert {(m.theme, m.width > 1000) for m in MODES} == {
        ("light", True),
        ("dark", True),
        ("light", False),
        ("dark", False),
    }


# -- The command's exit codes ----------------------------------------------------------------


def test_missing_browser_exits_2_with_the_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.html").write_text("<h1>x</h1>", encoding="utf-8")
    status = browser_audit.main(["--html", str(tmp_path), "--chromium", str(tmp_path / "nope")])
    assert status == 2
    assert "apt-get install -y chromium" in capsys.readouterr().err


def test_missing_site_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert browser_audit.main(["--html", str(tmp_path / "missing")]) == 2
    assert "No built site" in capsys.readouterr().err


# -- In Chromium: fixture sites with one deliberate fault each -------------------------------

FIXTURE_MODES = [m for m in MODES if m.name in {"light", "dark-phone"}]


@pytest.fixture(scope="module")
def fixture_sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    """The two fault fixtures, built once for this module."""
    sites = {}
    for name in ("browser-missing-alt", "browser-empty-alt", "browser-heading-skip"):
        build = sphinx_build(ROOTS / f"test-{name}", tmp_path_factory.mktemp(name) / "html")
        assert build.returncode == 0, build.stderr
        sites[name] = build
    return sites


def audit(build: Build) -> list[Finding]:
    with serve(build.outdir) as base_url:
        return browser_audit.audit_pages(base_url, ["index.html"], modes=FIXTURE_MODES)


def rules(findings: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.mode, f.check, f.rule) for f in findings}


def found_once_per_mode(findings: list[Finding], check: str, rule: str) -> None:
    """*findings* are exactly one rule, reported in every mode audited."""
    expected = {(mode.name, check, rule) for mode in FIXTURE_MODES}
    assert rules(findings) == expected, summarise(findings, 1, [m.name for m in FIXTURE_MODES])


@pytest.mark.browser
def test_axe_reports_an_image_without_alt_text(fixture_sites: dict[str, Build]) -> None:
    found_once_per_mode(audit(fixture_sites["browser-missing-alt"]), "axe", "image-alt")


@pytest.mark.browser
def test_audit_reports_empty_alt_text_that_axe_passes(fixture_sites: dict[str, Build]) -> None:
    findings = audit(fixture_sites["browser-empty-alt"])
    found_once_per_mode(findings, "images", "empty-alt")  # the decorative one is fine
    assert all(f.detail.startswith("data:image/svg+xml") for f in findings)


@pytest.mark.browser
def test_axe_reports_a_skipped_heading_level(fixture_sites: dict[str, Build]) -> None:
    found_once_per_mode(audit(fixture_sites["browser-heading-skip"]), "axe", "heading-order")


@pytest.mark.browser
def test_audit_says_how_many_pages_are_done(fixture_sites: dict[str, Build]) -> None:
    """Progress every PROGRESS_EVERY pages and at the end of each mode, with the time taken."""
    lines: list[str] = []
    light = [m for m in FIXTURE_MODES if m.name == "light"]
    with serve(fixture_sites["browser-heading-skip"].outdir) as base_url:
        browser_audit.audit_pages(base_url, ["index.html"] * 6, modes=light, progress=lines.append)
    assert [re.sub(r"\(\d+ s\)$", "(N s)", line) for line in lines] == [
        "axe-core, light: 5 of 6 pages audited (N s)",
        "axe-core, light: 6 of 6 pages audited (N s)",
    ]


@pytest.mark.browser
def test_dark_mode_is_really_dark(fixture_sites: dict[str, Build]) -> None:
    """The audit's dark pass reaches furo's dark theme (no 'theme not-applied' finding)."""
    from playwright.sync_api import sync_playwright

    dark = next(m for m in MODES if m.name == "dark")
    with serve(fixture_sites["browser-heading-skip"].outdir) as base_url, sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(browser_audit.CHROMIUM), args=list(browser_audit.CHROMIUM_FLAGS)
        )
        try:
            page = browser_audit.new_context(chromium, dark).new_page()
            page.goto(base_url + "index.html")
            assert page.evaluate("document.body.dataset.theme") == "dark"
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        finally:
            chromium.close()
    red, green, blue = (int(v) for v in background.removeprefix("rgb(").rstrip(")").split(","))
    assert max(red, green, blue) < 64, f"dark theme background is {background}"
