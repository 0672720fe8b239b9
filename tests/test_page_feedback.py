"""Every content page ends with "Report an error", "Suggest new evidence" and "Edit this page".

The links are checked in the real site's HTML against the issue forms in .github/ISSUE_TEMPLATE
(the field they fill in must exist there) and against the page's own canonical address; the
click itself is in test_reader_browser.py.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from common import DOCS, ROOT, Build

from living_review.sphinxext.page_feedback import (
    FORMS,
    IssueForm,
    edit_url,
    issue_form_url,
    page_address,
)

TEMPLATES = ROOT / ".github" / "ISSUE_TEMPLATE"
SOURCE_PAGES = sorted(path.stem for path in DOCS.glob("*.md"))


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.template)
def test_each_form_exists_with_the_field_the_link_fills_in(form: IssueForm) -> None:
    template = yaml.safe_load((TEMPLATES / form.template).read_text(encoding="utf-8"))
    fields = {item.get("id"): item["type"] for item in template["body"]}
    assert fields.get(form.page_field) in {"input", "textarea"}
    assert template["title"] == form.title_prefix


def test_the_links_are_built_from_their_parts() -> None:
    form = FORMS[0]
    url = issue_form_url("https://github.com/o/r/", form, "https://x.org/a b.html", "A & B")
    assert url == (
        "https://github.com/o/r/issues/new?template=report-error.yml"
        "&page=https%3A%2F%2Fx.org%2Fa+b.html&title=%5BError%5D%3A+A+%26+B"
    )
    assert edit_url("https://github.com/o/r", "main", "docs/", "a.md") == (
        "https://github.com/o/r/edit/main/docs/a.md"
    )
    assert page_address("https://x.org/site/", "a.html") == "https://x.org/site/a.html"
    assert page_address("", "a.html") == "a.html"


@pytest.mark.parametrize("page", SOURCE_PAGES)
def test_every_content_page_links_the_forms_with_its_address(real_site: Build, page: str) -> None:
    soup = real_site.soup(f"{page}.html")
    canonical = soup.select_one("link[rel=canonical]")["href"]
    feedback = soup.select("article[role=main] .page-feedback a")
    assert [a.get_text() for a in feedback] == [
        "Report an error",
        "Suggest new evidence",
        "Edit this page",
    ]
    for form, link in zip(FORMS, feedback, strict=False):
        url = urlsplit(link["href"])
        assert f"{url.scheme}://{url.netloc}{url.path}".endswith("/issues/new")
        query = parse_qs(url.query)
        assert query["template"] == [form.template]
        assert query[form.page_field] == [canonical]
        assert query["title"][0].startswith(form.title_prefix)
    # The same editor as furo's pencil button.
    assert feedback[2]["href"] == soup.select_one(".edit-this-page a[rel=edit]")["href"]


@pytest.mark.parametrize("page", ["search", "genindex", "404"])
def test_generated_pages_have_no_feedback_links(real_site: Build, page: str) -> None:
    assert not real_site.soup(f"{page}.html").select(".page-feedback")


@pytest.mark.sphinx("html", testroot="issue-form", freshenv=True)
def test_the_issue_form_role_links_a_form_and_names_an_unknown_one(app) -> None:
    from bs4 import BeautifulSoup

    try:
        app.build()
    finally:
        app.cleanup()
    soup = BeautifulSoup((app.outdir / "index.html").read_text("utf-8"), "html.parser")
    link = soup.select_one("a.suggest-evidence")
    assert link.get_text() == "Suggest new evidence"
    query = parse_qs(urlsplit(link["href"]).query)
    assert query["template"] == ["propose-evidence.yml"]
    assert query["page"] == ["https://example.org/review/index.html"]
    assert "unknown issue form 'no-such-form'" in app.warning.getvalue()
