"""The claim ledger on the pages: the {claim} role, its popover findings and its build errors.

Fixture projects: tests/roots/test-claims (three records, a page using them) and one root per
build error, tests/roots/test-claims-<rule>/, each with its claims.yaml, refs.bib and a page.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from common import ROOTS, build_cleanly, cite_links, page_soup, warnings
from sphinx.testing.util import SphinxTestApp

from living_review.claims import LEVELS as LEDGER_LEVELS
from living_review.claims import ledger_schema
from living_review.sphinxext.certainty import LEVELS
from living_review.sphinxext.claims import TEMPLATE_ID

claims_site = pytest.mark.sphinx("html", testroot="claims", freshenv=True)


def template_entries(soup: BeautifulSoup) -> dict[str, BeautifulSoup]:
    """claim id -> its findings in the page's <template id="claim-findings">."""
    template = soup.select_one(f"template#{TEMPLATE_ID}")
    assert template is not None
    inner = BeautifulSoup(template.decode_contents(), "html.parser")
    return {div["data-claim-id"]: div for div in inner.select("[data-claim-id]")}


@claims_site
def test_a_claim_renders_its_badges_and_citations(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "page.html")
    claims = soup.select("span.claim[data-claim]")
    assert [span["data-claim"] for span in claims] == [
        "alpha-leg-pain", "beta-any-pain", "gamma-advice", "alpha-leg-pain",
    ]  # fmt: skip
    badges = [[a["class"][1] for a in span.select("a.certainty")] for span in claims]
    assert badges == [
        ["certainty-not-rated"], ["certainty-low", "certainty-very-low"],
        ["certainty-not-rated"], ["certainty-not-rated"],
    ]  # fmt: skip
    first = claims[0].select_one("a.certainty")
    assert first["href"] == "index.html#certainty-not-rated"
    assert first.get_text() == LEVELS["not-rated"].label
    # The citation follows the badges, as {certainty}`x` {cite:p}`keys` wrote it.
    citation = claims[1].find_next_sibling("span", class_="bibtex-citation")
    assert citation.get_text() == "[1, 2]"
    assert cite_links(soup) == [
        ("1", "alpha2021trial"), ("1", "alpha2021trial"), ("2", "beta2022review"),
        ("3", "gamma2023guideline"), ("1", "alpha2021trial"),
    ]  # fmt: skip


@claims_site
def test_each_page_carries_what_the_source_says_for_its_claims(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "page.html")
    entries = template_entries(soup)
    assert list(entries) == ["alpha-leg-pain", "beta-any-pain", "gamma-advice"]
    alpha = entries["alpha-leg-pain"].get_text(" ", strip=True)
    assert "What the source says" in alpha
    assert "“became apparent in week 2 & persisted”" in alpha
    assert "Reference [1], abstract." in alpha
    minus = "\u2212"  # a real minus sign
    assert (
        f"Mean difference {minus}16.0 points on a 0-100 scale (95% CI {minus}21.3 to {minus}10.6)"
        in alpha
    )
    assert "favours acupuncture" in alpha
    assert "216 (1 study)" in alpha
    assert "The source's own rating Not rated" in alpha
    beta = entries["beta-any-pain"].get_text(" ", strip=True)
    assert "Reference [1, 2], abstract." in beta
    assert "Risk ratio 1.4 (95% CI 1.1 to 1.8)" in beta and "1,234 (5 studies)" in beta
    assert "The source's own rating Low certainty" in beta
    assert (
        "Label on this site Low to very low certainty: The trials were small and not blinded."
        in beta
    )
    gamma = entries["gamma-advice"].get_text(" ", strip=True)
    assert "Effect" not in gamma and "Reference [3], recommendation 1.2.3." in gamma
    # The popover script (shared with citations) and the stylesheet come with the page.
    assert soup.select_one("script[src*='citation-popover.js'][defer]")
    assert soup.select_one("link[href*='claims.css']")
    # A page that shows no claim carries no findings.
    assert page_soup(app.outdir, "index.html").select_one(f"template#{TEMPLATE_ID}") is None


def with_cite_p(source: Path, target: Path) -> None:
    """A copy of the test-claims project whose page writes {certainty} {cite:p} by hand."""
    shutil.copytree(source, target)
    page = target / "page.md"
    written = {
        "alpha-leg-pain": "{certainty}`not-rated` {cite:p}`alpha2021trial`",
        "beta-any-pain": "{certainty}`low` {certainty}`very-low` "
        "{cite:p}`beta2022review,alpha2021trial`",
        "gamma-advice": "{certainty}`not-rated` {cite:p}`gamma2023guideline`",
    }
    text = re.sub(r"\{claim\}`([^`]+)`", lambda m: written[m[1]], page.read_text())
    assert "{claim}" not in text
    page.write_text(text)


def test_numbering_with_claims_equals_numbering_with_cite_p(make_app: Any, tmp_path: Path) -> None:
    by_hand, ledger = tmp_path / "by-hand", tmp_path / "ledger"
    with_cite_p(ROOTS / "test-claims", by_hand)
    shutil.copytree(ROOTS / "test-claims", ledger)
    from_ledger = build_cleanly(make_app("html", srcdir=ledger))
    hand = make_app("html", srcdir=by_hand)
    hand.build()
    # The by-hand page uses the legend's bare role; the ledger's records go unused there.
    assert warnings(hand).count("ERROR") == 3 and "claims-unused" in warnings(hand)
    for page in ("page.html", "refs.html"):
        ledger_soup, hand_soup = page_soup(from_ledger.outdir, page), page_soup(hand.outdir, page)
        assert cite_links(ledger_soup) == cite_links(hand_soup)
        ledger_entries = [e.get("id") for e in ledger_soup.select("[id^=cite-]")]
        assert ledger_entries == [e.get("id") for e in hand_soup.select("[id^=cite-]")]


def test_the_ledger_levels_are_the_legends() -> None:
    assert tuple(LEVELS) == LEDGER_LEVELS
    assert ledger_schema()["$defs"]["level"]["enum"] == list(LEVELS)


def test_the_schema_travels_with_the_package(tmp_path: Path) -> None:
    """An installed copy (a wheel, as Read the Docs installs it) reads the ledger's schema.

    The package is copied away from the checkout, as an install puts it; Python imports that
    copy, since the working directory comes first on its path.
    """
    import living_review

    package = Path(living_review.__file__).parent
    shutil.copytree(package, tmp_path / "living_review", ignore=shutil.ignore_patterns("__py*"))
    code = (
        "import living_review.claims as claims; "
        "print(claims.__file__); print(sorted(claims.ledger_schema()['$defs']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    imported, definitions = done.stdout.splitlines()
    assert Path(imported).parent == tmp_path / "living_review"
    assert "'claim'" in definitions and "'level'" in definitions


# -- build errors, each naming the file and the line ---------------------------------------------


def build_errors(app: SphinxTestApp) -> list[str]:
    """``file:line: rule: message`` of every error the build logged, file as a bare name."""
    app.build()
    found = []
    for line in warnings(app).splitlines():
        match = re.match(r"(?P<path>\S+?):(?P<line>\d+): ERROR: (?P<rest>.*)", line)
        if match:
            found.append(f"{Path(match['path']).name}:{match['line']}: {match['rest']}")
    return found


@pytest.mark.sphinx("html", testroot="claims-unknown-id", freshenv=True)
def test_an_unknown_claim_id_is_an_error_at_the_page(app: SphinxTestApp) -> None:
    assert build_errors(app) == [
        "index.md:10: claim-unknown-id: {claim} uses 'alpha-pains', not a record in claims.yaml; "
        "did you mean 'alpha-pain'?"
    ]


@pytest.mark.sphinx("html", testroot="claims-unused", freshenv=True)
def test_a_record_no_page_uses_is_an_error_at_the_ledger(app: SphinxTestApp) -> None:
    assert build_errors(app) == [
        "claims.yaml:14: claims-unused: claim 'alpha-unused' is used on no page: write "
        "{claim}`alpha-unused` after the sentence it supports, list it in a "
        "summary-of-findings table, or remove the record"
    ]


@pytest.mark.sphinx(
    "html", testroot="claims-unused", freshenv=True, confoverrides={"claims_check_unused": False}
)
def test_unused_records_can_be_allowed_while_pages_move_to_claims(app: SphinxTestApp) -> None:
    assert build_errors(app) == []


@pytest.mark.sphinx("html", testroot="claims-no-rationale", freshenv=True)
def test_certainty_is_never_above_the_sources_and_below_it_only_with_a_rationale(
    app: SphinxTestApp,
) -> None:
    rule = (
        "a claim's certainty is never above its source's own rating (a source that gave no "
        "rating means not-rated); `rationale` explains a lower label, never a higher one"
    )
    assert build_errors(app) == [
        "claims.yaml:21: claims-above-source: claim 'alpha-above': certainty 'moderate' is "
        f"above the source's own rating 'low': {rule}. Use 'low' or lower",
        "claims.yaml:33: claims-no-rationale: claim 'alpha-below': certainty 'very-low' is "
        "lower than the source's own rating 'low': say why in `rationale`, or use the source's "
        "rating",
        # A rationale does not lift a certainty above a source that rated nothing.
        "claims.yaml:45: claims-above-source: claim 'alpha-explained': certainty 'moderate' is "
        f"above the source's own rating 'none': {rule}. Use 'not-rated'",
    ]


@pytest.mark.sphinx("html", testroot="claims-no-source", freshenv=True)
def test_a_record_without_cite_or_quote_is_an_error(app: SphinxTestApp) -> None:
    errors = build_errors(app)
    assert [error.split(": no ")[0] for error in errors] == [
        "claims.yaml:2: claims-no-source: claim 'alpha-pain'",
        "claims.yaml:13: claims-no-source: claim 'alpha-empty'",
    ]
    assert "no `quote`" in errors[0] and "no `cite`" in errors[1]


@pytest.mark.sphinx("html", testroot="claims-unknown-cite", freshenv=True)
def test_a_cite_key_missing_from_the_bib_is_an_error(app: SphinxTestApp) -> None:
    assert build_errors(app) == [
        "claims.yaml:11: claims-unknown-cite: claim 'alpha-pain' cites 'alpha2021trail', not in "
        "references.bib; did you mean 'alpha2021trial'?"
    ]
    # The known key is still cited (as "[]" here: this project has no bibliography to number it).
    assert page_soup(app.outdir, "index.html").select_one("span.claim + .bibtex-citation")


@pytest.mark.sphinx("html", testroot="claims-schema", freshenv=True)
def test_schema_violations_are_errors_at_their_line(app: SphinxTestApp) -> None:
    errors = build_errors(app)
    assert [error.split(": claim ")[0] for error in errors] == [
        "claims.yaml:9: claims-schema",
        "claims.yaml:11: claims-schema",
    ]
    assert "certainty: 'medium' is not one of ['high', 'moderate'" in errors[0]
    assert "'sauce' was unexpected" in errors[1]


@pytest.mark.sphinx("html", testroot="claims-parse-error", freshenv=True)
def test_a_ledger_that_is_not_yaml_is_one_error(app: SphinxTestApp) -> None:
    (error,) = build_errors(app)
    assert error == (
        "claims.yaml:4: claims-parse-error: this line is indented with a tab; YAML needs spaces "
        "(nothing after it was checked until this is fixed)"
    )


@pytest.mark.sphinx("html", testroot="claims-certainty-outside-legend", freshenv=True)
def test_a_bare_certainty_badge_outside_the_legend_is_an_error(app: SphinxTestApp) -> None:
    (error,) = build_errors(app)
    assert error.startswith(
        "page.md:3: certainty-role-outside-legend: a bare {certainty} badge is for the legend "
        "only (allowed on: index); on this page write {claim}`<id>`"
    )


@pytest.mark.sphinx(
    "html",
    testroot="claims-certainty-outside-legend",
    freshenv=True,
    confoverrides={"certainty_role_restricted": False},
)
def test_bare_badges_are_allowed_until_the_switch_is_on(app: SphinxTestApp) -> None:
    assert build_errors(app) == []


# -- summary-of-findings tables and evidence charts ----------------------------------------------


@pytest.mark.sphinx("html", testroot="claims-summary", freshenv=True)
def test_a_summary_of_findings_table_lists_its_records(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "index.html")
    (table,) = soup.select("table.summary-of-findings")
    assert table.caption.get_text(strip=True).startswith("Acupuncture compared with sham")
    head = [th.get_text(" ", strip=True) for th in table.select("thead th")]
    assert head == [
        "Outcome", "Effect (95% CI)", "Participants (studies)", "Certainty", "Comment",
    ]  # fmt: skip
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")] for tr in table.select("tbody tr")
    ]
    minus = "\u2212"
    assert rows == [
        [
            "Leg pain, 0-100 scale, after 4 weeks",
            f"MD {minus}16.0 points on a 0-100 scale ({minus}21.3 to {minus}10.6), "
            "favours acupuncture",
            "216 (1 study)",
            "Certainty not rated",
            "The source did not rate its certainty. [ 1 ]",
        ],
        [
            "Pain, after treatment",
            "RR 1.20 (1.16 to 1.24), favours acupuncture",  # as claims.yaml writes it, not 1.2
            "1,234 (5 studies)",
            "Low certainty Very low certainty",
            "The source rated it: low certainty. The trials were small and not blinded. [ 1 , 2 ]",
        ],
    ]
    # The badges open "What the source says" like those in the text; on a phone each row is a
    # card whose cells carry their column's label (responsive_tables).
    assert [span["data-claim"] for span in table.select("span.claim")] == [
        "alpha-leg-pain", "beta-any-pain",
    ]  # fmt: skip
    assert "reflow" in table["class"]
    assert [td["data-label"] for td in table.select("tbody tr")[0].select("td")] == head
    assert "evidence-displays.css" in str(soup.select("link[rel=stylesheet]"))
    # The popover of its badge shows the numbers as written too.
    beta = template_entries(soup)["beta-any-pain"].get_text(" ", strip=True)
    assert "Risk ratio 1.20 (95% CI 1.16 to 1.24)" in beta


@pytest.mark.sphinx("html", testroot="claims-summary", freshenv=True)
def test_a_summary_table_without_an_effect_shows_the_plain_result(app: SphinxTestApp) -> None:
    """gamma-advice has no effect and is in no table; beta's RR row shows numbers."""
    build_cleanly(app)
    table = page_soup(app.outdir, "index.html").select_one("table.summary-of-findings")
    assert "staying active" not in table.get_text()


def chart_svgs(app: SphinxTestApp) -> list[BeautifulSoup]:
    soup = page_soup(app.outdir, "index.html")
    return [figure for figure in soup.select("figure.evidence-chart")]


@pytest.mark.sphinx("html", testroot="claims-chart", freshenv=True)
def test_an_evidence_chart_is_a_small_static_svg_with_a_text_alternative(
    app: SphinxTestApp,
) -> None:
    build_cleanly(app)
    pain, ratio = chart_svgs(app)
    for figure in (pain, ratio):
        svg = figure.select_one("svg")
        assert len(str(svg).encode("utf-8")) <= 20_000
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.select_one(f"title#{title_id}") and svg.select_one(f"desc#{desc_id}")
        # Drawn in the page's text colour, so it reads in light and dark mode; no script.
        assert not svg.select("script") and "#" not in svg.get("fill", "")
        colours = {el.get("stroke") for el in svg.select("[stroke]")}
        assert colours == {"currentColor"}
    assert pain.select_one("title").get_text() == "Leg pain"
    desc = pain.select_one("desc").get_text()
    assert "Acupuncture, 10 sessions compared with sham acupuncture, leg pain" in desc
    assert "mean difference \u221216.0 points on a 0-100 scale" in desc
    assert "The dashed line marks no effect, at 0 (no difference)." in desc
    assert pain.figcaption.get_text(" ", strip=True).startswith(
        "Leg pain. Mean difference, points on a 0-100 scale (0 means no difference); 95% "
        "confidence intervals."
    )
    texts = [text.get_text() for text in pain.select("svg text")]
    assert "\u2190 Favours acupuncture" in texts and "Favours sham \u2192" in texts
    assert "One 2021: MD \u221216.0 (\u221221.3 to \u221210.6), favours acupuncture" in texts
    ratio_texts = [text.get_text() for text in ratio.select("svg text")]
    assert any("RR 1.20 (1.16 to 1.24)" in text for text in ratio_texts)
    assert "risk ratio 1.20 (95% CI 1.16 to 1.24)" in ratio.desc.get_text()
    # Ratios on a log scale: the line of no effect at 1 (where the tick "1" is).
    assert "Risk ratio (log scale; 1 means no difference)" in ratio.figcaption.get_text()
    assert "at 1 (a ratio of 1: no difference); the axis is logarithmic." in ratio.desc.get_text()


@pytest.mark.sphinx("html", testroot="claims-chart", freshenv=True)
def test_the_line_of_no_effect_sits_at_zero_or_one(app: SphinxTestApp) -> None:
    build_cleanly(app)
    for figure, null in zip(chart_svgs(app), ("0", "1"), strict=True):
        ticks = {
            text.get_text(): text["x"]
            for text in figure.select("svg text[text-anchor]")
            if text.get("y") and not text.get("font-style")
        }
        lines = {line["x1"] for line in figure.select("line.evidence-chart-no-effect")}
        assert lines == {ticks[null]}


@pytest.mark.sphinx("html", testroot="claims-display-errors", freshenv=True)
def test_tables_and_charts_without_records_are_errors(app: SphinxTestApp) -> None:
    errors = build_errors(app)
    assert [error.split(": ", 2)[:2] for error in errors] == [
        ["index.md:5", "summary-of-findings"],
        ["index.md:9", "summary-of-findings"],
        ["index.md:13", "evidence-chart"],
        ["index.md:17", "evidence-chart"],
    ]
    assert "unknown table 'acupuncture-vs-magic'; the tables: acupuncture-vs-sham" in errors[0]
    assert "no record in claims.yaml lists table 'safety'" in errors[1]
    assert "no record in claims.yaml has an effect with scale 'pain-0-10'" in errors[2]
    assert "give either :scale: or :measure:, not both" in errors[3]


@pytest.mark.sphinx("html", testroot="claims-timeframe", freshenv=True)
def test_the_time_frame_travels_with_the_badge(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "page.html")
    claim = soup.select_one('span.claim[data-claim="beta-any-pain"]')
    assert " ".join(claim.get_text().split()) == (
        "Low certainty Very low certainty · first weeks (immediate term)"
    )
    assert soup.select_one('span.claim[data-claim="alpha-leg-pain"] .claim-timeframe') is None
    beta = template_entries(soup)["beta-any-pain"]
    assert "Time frame First weeks (immediate term)" in " ".join(beta.get_text(" ").split())
    row = next(tr for tr in soup.select("table tbody tr") if "beta-any-pain" in str(tr))
    assert "· first weeks (immediate term)" in row.get_text()  # the table's certainty column


def test_a_time_frame_names_known_terms_only() -> None:
    from living_review.claims import parse_claims

    text = (ROOTS / "test-claims-timeframe" / "claims.yaml").read_text(encoding="utf-8")
    bad = text.replace("terms: [immediate]", "terms: [soon]")
    ledger = parse_claims(bad, Path("claims.yaml"))
    line = bad.splitlines().index("      terms: [soon]") + 1
    assert [(p.line, p.rule) for p in ledger.problems] == [(line, "claims-schema")]
