"""schema.org ``MedicalWebPage`` JSON-LD on every content page, for search engines.

Each content page (every page with a source, except those exempt from review dates, see
``review_dates_exempt``) gets a ``<script type="application/ld+json">`` in its ``<head>``
(:func:`medical_web_page`): its ``description`` is the page's front-matter description
(:mod:`.descriptions`); ``lastReviewed`` is its ``last_reviewed`` date, read with the
review-date rules (:func:`living_review.review_schedule.parse_date`); ``url`` is the canonical
address (``html_baseurl``). Everything comes from the page and the configuration, so the
output is the same in serial, parallel and incremental builds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from living_review.review_schedule import DEFAULT_EXEMPT, is_exempt, parse_date
from living_review.sphinxext import extension_metadata, is_html_site
from living_review.sphinxext.descriptions import page_description

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


def medical_web_page(
    app: Sphinx, pagename: str, title: str, doctree: nodes.document
) -> dict[str, Any]:
    """The JSON-LD object describing one content page (entries without a value left out)."""
    base = app.config.html_baseurl or None
    reviewed = parse_date(app.env.metadata.get(pagename, {}).get("last_reviewed"))
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "name": title,
        "description": page_description(doctree),
        "url": base and base.rstrip("/") + "/" + app.builder.get_target_uri(pagename),
        "inLanguage": app.config.language or "en",
        "lastReviewed": reviewed and reviewed.isoformat(),
        "about": {"@type": "MedicalCondition", "name": "Sciatica"},
        "audience": [
            {"@type": "Patient"},
            {"@type": "MedicalAudience", "audienceType": "Clinician"},
        ],
        "isPartOf": {"@type": "WebSite", "name": app.config.project, "url": base},
    }
    data["isPartOf"] = {key: value for key, value in data["isPartOf"].items() if value is not None}
    return {key: value for key, value in data.items() if value is not None}


def add_json_ld(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """Add the page's JSON-LD to the tags the theme puts in ``<head>`` (web site, not EPUB)."""
    if not is_html_site(app.builder) or doctree is None or pagename not in app.env.found_docs:
        return  # also generated pages: 404, search, genindex
    if is_exempt(pagename, getattr(app.config, "review_dates_exempt", DEFAULT_EXEMPT)):
        return
    data = medical_web_page(app, pagename, app.env.titles[pagename].astext(), doctree)
    # "</" would end the script element early; "<\/" is the same string to a JSON parser.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")
    tag = f'<script type="application/ld+json">{text}</script>\n'
    context["metatags"] = context.get("metatags", "") + tag


def setup(app: Sphinx) -> ExtensionMetadata:
    """Connect the html-page-context handler."""
    app.connect("html-page-context", add_json_ld)
    return extension_metadata()
