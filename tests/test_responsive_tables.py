"""Tables that fit a phone (living_review.sphinxext.responsive_tables) and the audit's check.

tests/roots/test-responsive-tables has a seven-column table of long text, a two-column one, a
table whose cells span rows and columns, and one without a header row. Built with the
extension, no cell is cut off on a 412 px phone; built without it, the audit says which are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from common import ROOTS, Build, sphinx_build

from living_review.tools import browser_audit
from living_review.tools.browser_audit import MODES, layout_problems
from living_review.tools.site_server import serve

PHONE_MODES = [m for m in MODES if m.is_phone]
ACCESSIBILITY = "living_review.sphinxext.accessibility"  # furo's landmarks, as on the site


# -- The audit's pure part -----------------------------------------------------------------------


def test_layout_problems_name_a_wide_page_and_each_clipped_cell() -> None:
    cell = {"text": "Medicines", "left": 380.2, "right": 512.0, "visible_left": 380.2,
            "visible_right": 398.0}  # fmt: skip
    problems = layout_problems({"scroll_width": 635, "viewport": 412, "clipped": [cell]})
    assert problems == [
        ("page-overflow", "the page is 635 px wide in a 412 px viewport"),
        ("clipped-cell", "table cell 'Medicines' spans 380-512 px, of which only 380-398 px "
         "is shown"),
    ]  # fmt: skip
    assert layout_problems({"scroll_width": 412, "viewport": 412, "clipped": []}) == []


def test_only_phone_modes_check_the_layout() -> None:
    assert {m.name for m in PHONE_MODES} == {"light-phone", "dark-phone"}


# -- The HTML --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Build]:
    """The fixture built with the extension, and without it (the control)."""
    builds = {}
    without = ["-D", f"extensions=myst_parser,{ACCESSIBILITY}"]
    for name, extra in (("with", []), ("without", without)):
        outdir = tmp_path_factory.mktemp(f"tables-{name}") / "html"
        build = sphinx_build(ROOTS / "test-responsive-tables", outdir, *extra)
        assert build.returncode == 0, build.stderr
        builds[name] = build
    return builds


def test_tables_with_a_header_row_reflow_and_label_every_cell(
    fixture_builds: dict[str, Build],
) -> None:
    soup = fixture_builds["with"].soup("index.html")
    wide, narrow, spans, headless = soup.select("article table")
    assert {"reflow", "reflow-wide"} <= set(wide["class"])
    assert "reflow" in narrow["class"] and "reflow-wide" not in narrow["class"]
    assert "reflow" not in headless["class"]
    headers = [th.get_text(strip=True) for th in wide.select("thead th")]
    for row in wide.select("tbody tr"):
        assert [td["data-label"] for td in row.select("td")] == headers
    rows = [[td.get("data-label") for td in tr.select("td")] for tr in spans.select("tbody tr")]
    assert rows == [["Head A", "Head C"], ["Head C"], ["Head A", "Head B", "Head C"]]
    assert not headless.select("[data-label]")


def test_the_real_guideline_and_whats_new_tables_reflow(real_site: Build) -> None:
    for page in ("guidelines.html", "whats-new.html"):
        tables = real_site.soup(page).select("article table")
        assert tables, page
        for table in tables:
            assert "reflow" in table["class"], page
            assert all(td.get("data-label") for td in table.select("tbody td")), page


# -- In Chromium -----------------------------------------------------------------------------------


def audit(build: Build) -> list[browser_audit.Finding]:
    with serve(build.outdir) as base_url:
        return browser_audit.audit_pages(base_url, ["index.html"], modes=PHONE_MODES)


@pytest.mark.browser
def test_reflowed_tables_fit_a_phone(fixture_builds: dict[str, Build], tmp_path: Path) -> None:
    findings = audit(fixture_builds["with"])
    assert findings == [], browser_audit.summarise(findings, 1, [m.name for m in PHONE_MODES])


@pytest.mark.browser
def test_without_reflow_the_audit_reports_the_clipped_cells(
    fixture_builds: dict[str, Build],
) -> None:
    findings = audit(fixture_builds["without"])
    layout = {(f.mode, f.rule) for f in findings if f.check == "layout"}
    assert layout == {(m.name, "clipped-cell") for m in PHONE_MODES}
    assert any("Medicines" in f.detail for f in findings)
