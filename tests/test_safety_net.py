"""The safety net: safety-net.yaml read and checked, the warning-sign box, the {safety-net} role
and the "What to do now" guide, on a fixture root and on the real site.

Fixture project: tests/roots/test-safety-net (a box on two pages, the after-treatment box, the
role on a page with a box and on one without, the sign list, the guide).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from common import ROOT, ROOTS, Build, build_cleanly, page_soup, warnings
from sphinx.testing.util import SphinxTestApp

from living_review.bibfile import read_bibfile
from living_review.safety_net import (
    BOX_TIERS,
    TIERS,
    check_cites,
    load_safety_net,
    parse_safety_net,
)

FIXTURE = ROOTS / "test-safety-net" / "safety-net.yaml"
safety_site = pytest.mark.sphinx("html", testroot="safety-net", freshenv=True)


def first_box(outdir: Path, page: str) -> str:
    """The page's first warning-sign box, without the page's own label on it or the page's
    own ids of its citations (the back-links of the references page point to those)."""
    box = page_soup(outdir, page).select_one("div.admonition.safety-net")
    assert box is not None, page
    del box["id"]
    for citation in box.select("span.bibtex-citation[id]"):
        del citation["id"]
    return str(box)


@safety_site
def test_the_box_is_the_same_wherever_it_appears(app: SphinxTestApp) -> None:
    build_cleanly(app)
    assert first_box(app.outdir, "index.html") == first_box(app.outdir, "safety.html")
    box = page_soup(app.outdir, "index.html").select_one("div.admonition.safety-net")
    tiers = [div["id"] for div in box.select("div.safety-net-tier")]
    assert tiers == [f"safety-net-{tier}" for tier in BOX_TIERS]  # most urgent first
    text = " ".join(box.get_text(" ").split())
    assert "Call your local emergency number now if back pain comes with any of these" in text
    assert text.index("saddle area") < text.index("a fever") < text.index("after a few weeks")


@safety_site
def test_the_role_writes_the_tiers_action_and_links_to_its_box(app: SphinxTestApp) -> None:
    build_cleanly(app)
    index = page_soup(app.outdir, "index.html")
    links = index.select("article[role=main] a.safety-net-action")
    assert [(a.get_text(), a["href"]) for a in links[:2]] == [
        ("call your local emergency number now", "#safety-net-emergency"),
        ("see a doctor the same day", "#safety-net-same-day"),
    ]
    other = page_soup(app.outdir, "other.html")
    link = other.select_one("a.safety-net-action")
    assert link["href"] == "safety.html#safety-net-emergency"  # this page has no box
    sentence = " ".join(other.select_one("article[role=main] p").get_text().split())
    assert (
        sentence
        == "The most urgent signs are saddle numbness [1]: call your local emergency number now."
    )


@safety_site
def test_after_treatment_signs_take_the_action_of_their_tier(app: SphinxTestApp) -> None:
    build_cleanly(app)
    boxes = page_soup(app.outdir, "safety.html").select("div.admonition.safety-net")
    assert len(boxes) == 2
    after = " ".join(boxes[1].get_text(" ").split())
    assert "Call your local emergency number now for chest pain" in after


@safety_site
def test_the_guide_uses_the_tiers(app: SphinxTestApp) -> None:
    build_cleanly(app)
    guide = page_soup(app.outdir, "index.html").select_one("div.what-to-do-now")
    text = " ".join(guide.get_text().split())
    assert text.startswith("In the first weeks. It often gets better [2].")
    assert "With an emergency sign: call your local emergency number now." in text


def test_every_sign_of_the_real_file_is_cited_and_the_tiers_are_in_order() -> None:
    net = load_safety_net(ROOT / "safety-net.yaml")
    assert net.problems == []
    assert [tier.id for tier in net.tiers] == list(TIERS)
    for tier in net.tiers:
        for sign in tier.signs:
            assert sign.cite, sign.text
    keys = {entry.key for entry in read_bibfile(ROOT / "references.bib").entries}
    assert check_cites(net, keys) == []


def test_the_real_site_shows_one_box(real_site: Build) -> None:
    pages = ["index.html", "sciatica.html", "bottom-line.html", "alternatives.html", "safety.html"]
    boxes = {page: first_box(real_site.outdir, page) for page in pages}
    assert len(set(boxes.values())) == 1, "the box differs between pages"
    glossary = real_site.soup("glossary.html").select_one("#term-red-flags").find_next("dd")
    text = " ".join(glossary.get_text(" ").split())
    # The emergency signs come first, with the emergency action; then the same-day ones.
    assert text.index("bladder or bowel problems") < text.index("a fever")
    assert "call 999, 112 or 911" in text and "see a doctor the same day" in text


def problems_of(text: str) -> list[tuple[int, str]]:
    net = parse_safety_net(text, Path("safety-net.yaml"))
    return [(problem.line, problem.rule) for problem in net.problems]


def test_a_sign_without_a_citation_is_refused_at_its_line() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    broken = text.replace(
        "        short: a fever\n        cite: [alpha2020signs]\n", "        short: a fever\n"
    )
    line = broken.splitlines().index("      - text: a fever") + 1
    assert problems_of(broken) == [(line, "safety-net-schema")]
    message = parse_safety_net(broken, Path("safety-net.yaml")).problems[0].message
    assert "'cite' is a required property" in message


def test_tiers_out_of_order_are_refused() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    start, end = text.index("  - id: same-day"), text.index("  - id: see-a-clinician")
    emergency = text.index("  - id: emergency")
    swapped = text[:emergency] + text[start:end] + text[emergency:start] + text[end:]
    assert [rule for _line, rule in problems_of(swapped)] == ["safety-net-order"]


def test_after_treatment_signs_need_act_and_others_may_not_have_it() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    no_act = text.replace("        act: emergency\n", "")
    assert [rule for _line, rule in problems_of(no_act)] == ["safety-net-act"]
    stray = text.replace(
        "        short: a fever\n", "        short: a fever\n        act: emergency\n"
    )
    assert [rule for _line, rule in problems_of(stray)] == ["safety-net-act"]


def test_bad_yaml_is_one_problem_at_its_line_in_plain_words() -> None:
    text = FIXTURE.read_text(encoding="utf-8").replace("  - id: same-day", "  - id: [same-day")
    assert [rule for _line, rule in problems_of(text)] == ["safety-net-parse-error"]
    shifted = FIXTURE.read_text(encoding="utf-8").replace(
        "    action: see a doctor the same day", "   action: see a doctor the same day"
    )
    line = shifted.splitlines().index("   action: see a doctor the same day") + 1
    (problem,) = parse_safety_net(shifted, Path("safety-net.yaml")).problems
    assert (problem.line, problem.rule) == (line, "safety-net-parse-error")
    assert problem.message == "this line is indented 3 spaces; the lines around it use 4 spaces"


def test_an_unknown_key_fails_the_build_at_the_files_line(
    make_app: type[SphinxTestApp], tmp_path: Path
) -> None:
    srcdir = tmp_path / "safety-net"
    shutil.copytree(ROOTS / "test-safety-net", srcdir)
    yaml_file = srcdir / "safety-net.yaml"
    text = yaml_file.read_text(encoding="utf-8").replace("[beta2021weeks]", "[beta2021weks]", 1)
    yaml_file.write_text(text, encoding="utf-8")
    app = make_app("html", srcdir=srcdir, freshenv=True)
    app.build()
    line = text.splitlines().index("        cite: [beta2021weks]") + 1
    logged = warnings(app)
    assert f"safety-net.yaml:{line}: ERROR: safety-net-unknown-cite: cites 'beta2021weks'" in logged
    assert "did you mean 'beta2021weeks'?" in logged
