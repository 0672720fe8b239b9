"""What search engines and link previews get: JSON-LD, OpenGraph, canonical URLs, sitemap,
robots.txt and the 404 page (the real site, built once), and the sitemap's fixture."""

from __future__ import annotations

import copy
import json
import runpy
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from common import DOCS, Build, build_cleanly, touch_newer, warnings
from sphinx.testing.util import SphinxTestApp

from living_review.review_schedule import DEFAULT_EXEMPT, parse_date, parse_front_matter
from living_review.sphinxext import crawlers

PAGES = sorted(path.stem for path in DOCS.glob("*.md"))
CONTENT_PAGES = [page for page in PAGES if page not in DEFAULT_EXEMPT]
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def conf(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict:
    """docs/conf.py's settings as evaluated with only *environ* naming the site's address."""
    for name in ("REVIEW_SITE_URL", "READTHEDOCS_CANONICAL_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(DOCS / "conf.py"))


@pytest.fixture(scope="module")
def base_url(real_site: Build) -> str:
    """The site's address in the build under test (html_baseurl), from its home page."""
    canonical = real_site.soup("index.html").select_one("link[rel=canonical]")["href"]
    assert canonical.endswith("/index.html")
    return canonical.removesuffix("index.html")


def front_matter(page: str) -> dict:
    return dict(parse_front_matter((DOCS / f"{page}.md").read_text("utf-8"), Path(page)).values)


def heading(real_site: Build, page: str) -> str:
    """The page's <h1> as text, without its permalink."""
    h1 = copy.copy(real_site.soup(f"{page}.html").select_one("h1"))  # the soup is shared
    for link in h1.select("a.headerlink"):
        link.decompose()
    return h1.get_text(strip=True)


def json_ld(real_site: Build, page: str) -> list[dict]:
    """Every application/ld+json object on a page, parsed."""
    scripts = real_site.soup(f"{page}.html").select('script[type="application/ld+json"]')
    return [json.loads(script.string) for script in scripts]


# -- The site's address -------------------------------------------------------------------


def test_site_url_defaults_to_the_published_address(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = conf(monkeypatch)
    assert settings["html_baseurl"].startswith("https://") and settings["html_baseurl"][-1] == "/"
    assert settings["ogp_site_url"] == settings["html_baseurl"]


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("READTHEDOCS_CANONICAL_URL", "https://x.readthedocs.io/en/latest/", None),
        (
            "REVIEW_SITE_URL",
            "https://preview.example.org/pr-7",
            "https://preview.example.org/pr-7/",
        ),
    ],
)
def test_site_url_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str | None
) -> None:
    settings = conf(monkeypatch, **{variable: value})
    expected = expected or value
    assert settings["html_baseurl"] == settings["ogp_site_url"] == expected
    assert settings["notfound_urls_prefix"] == urlsplit(expected).path


# -- Per page: canonical link, description, OpenGraph, JSON-LD ----------------------------


@pytest.mark.parametrize("page", PAGES)
def test_canonical_link_and_opengraph(real_site: Build, base_url: str, page: str) -> None:
    head = real_site.soup(f"{page}.html").head
    url = base_url + f"{page}.html"
    assert [link["href"] for link in head.select("link[rel=canonical]")] == [url]
    og = {meta["property"]: meta["content"] for meta in head.select("meta[property^='og:']")}
    assert og["og:url"] == url
    assert og["og:title"] == heading(real_site, page)
    descriptions = [meta["content"] for meta in head.select("meta[name=description]")]
    assert len(descriptions) == 1, f"{page}: expected one meta description"
    assert og["og:description"] == descriptions[0]


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_description_comes_from_the_front_matter(real_site: Build, page: str) -> None:
    written = front_matter(page)["myst"]["html_meta"]["description"]
    head = real_site.soup(f"{page}.html").head
    assert head.select_one("meta[name=description]")["content"] == written
    assert head.select_one("meta[property='og:description']")["content"] == written


@pytest.mark.parametrize("page", CONTENT_PAGES)
def test_content_pages_carry_medical_web_page_json_ld(
    real_site: Build, base_url: str, page: str
) -> None:
    [data] = json_ld(real_site, page)
    soup = real_site.soup(f"{page}.html")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MedicalWebPage"
    assert data["name"] == heading(real_site, page)
    assert data["description"] == soup.head.select_one("meta[name=description]")["content"]
    assert data["url"] == base_url + f"{page}.html"
    assert data["inLanguage"] == "en"
    assert data["lastReviewed"] == parse_date(front_matter(page)["last_reviewed"]).isoformat()
    assert data["about"] == {"@type": "MedicalCondition", "name": "Sciatica"}
    audiences = {a.get("audienceType", a["@type"]) for a in data["audience"]}
    assert audiences == {"Patient", "Clinician"}
    assert data["isPartOf"]["@type"] == "WebSite"
    assert data["isPartOf"]["url"] == base_url


@pytest.mark.parametrize("page", [*DEFAULT_EXEMPT, "404", "search", "genindex"])
def test_other_pages_carry_no_medical_json_ld(real_site: Build, page: str) -> None:
    assert json_ld(real_site, page) == []


# -- Sitemap, robots.txt, 404 -------------------------------------------------------------


def test_sitemap_lists_every_page_once_in_order(real_site: Build, base_url: str) -> None:
    tree = ET.parse(real_site.outdir / "sitemap.xml")
    locs = [loc.text for loc in tree.getroot().findall("sm:url/sm:loc", SITEMAP_NS)]
    assert locs == sorted(base_url + f"{page}.html" for page in PAGES)


def test_robots_txt_points_at_the_sitemap(real_site: Build, base_url: str) -> None:
    lines = (real_site.outdir / "robots.txt").read_text("utf-8").splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {base_url}sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /") and line != "Disallow: " for line in lines)


def test_404_page(real_site: Build, base_url: str) -> None:
    soup = real_site.soup("404.html")
    assert "Page not found" in soup.select_one("h1").get_text()
    assert soup.head.select_one("meta[name=robots]")["content"] == "noindex"
    assert soup.head.select("link[rel=canonical]") == []
    # Served at any missing address, so every link and asset is absolute from the site's root.
    prefix = urlsplit(base_url).path
    refs = [tag.get("href") or tag.get("src") for tag in soup.select("link[href], script[src]")]
    refs += [a["href"] for a in soup.select("a[href]") if not a["href"].startswith("#")]
    local = [ref for ref in refs if not urlsplit(ref).scheme]
    assert local and all(ref.startswith(prefix) for ref in local), local
    home = soup.select_one("article[role=main] a[href$='index.html']")
    assert home["href"] == prefix + "index.html"


# -- Incremental builds keep a complete sitemap (fixture) ---------------------------------


@pytest.mark.sphinx("html", testroot="sitemap", srcdir="sitemap-incremental", freshenv=True)
def test_sitemap_stays_complete_after_an_incremental_build(app: SphinxTestApp, make_app) -> None:
    build_cleanly(app)
    page = app.srcdir / "alpha.md"
    page.write_text(page.read_text("utf-8") + "\nEdited.\n", encoding="utf-8")
    touch_newer(page)
    app = build_cleanly(make_app("html", srcdir=app.srcdir))
    tree = ET.parse(app.outdir / "sitemap.xml")
    locs = [loc.text for loc in tree.getroot().findall("sm:url/sm:loc", SITEMAP_NS)]
    base = "https://example.org/review/"
    assert locs == [base + "alpha.html", base + "beta.html", base + "index.html"]
    assert (
        (app.outdir / "robots.txt")
        .read_text("utf-8")
        .endswith("Sitemap: https://example.org/review/sitemap.xml\n")
    )


@pytest.mark.sphinx("html", testroot="sitemap", srcdir="sitemap-upstream", freshenv=True)
def test_control_without_the_refill_an_incremental_sitemap_lists_only_the_pages_written(
    app: SphinxTestApp, make_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control (UPSTREAM.md): on a sphinx-sitemap version not known, the build warns and
    leaves sphinx-sitemap alone, which lists only the pages written in this build."""
    build_cleanly(app)
    monkeypatch.setattr(crawlers, "KNOWN_SITEMAP_VERSIONS", ())
    page = app.srcdir / "alpha.md"
    page.write_text(page.read_text("utf-8") + "\nEdited.\n", encoding="utf-8")
    touch_newer(page)
    again = make_app("html", srcdir=app.srcdir)
    try:
        again.build()
    finally:
        again.cleanup()
    assert "is not one living_review.sphinxext.crawlers was checked against" in warnings(again)
    tree = ET.parse(again.outdir / "sitemap.xml")
    locs = [loc.text for loc in tree.getroot().findall("sm:url/sm:loc", SITEMAP_NS)]
    assert "https://example.org/review/alpha.html" in locs
    assert "https://example.org/review/beta.html" not in locs  # not written: left out


@pytest.mark.sphinx(
    "html", testroot="sitemap", confoverrides={"extensions": ["living_review.sphinxext.crawlers"]}
)
def test_crawlers_says_when_conf_py_does_not_load_sphinx_sitemap(make_app, app_params) -> None:
    with pytest.raises(Exception, match=r"add 'sphinx_sitemap' to extensions in conf\.py"):
        make_app(*app_params.args, **app_params.kwargs)
