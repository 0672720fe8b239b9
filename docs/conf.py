"""Sphinx configuration for the living review (https://www.sphinx-doc.org/en/master/usage/configuration.html)."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import living_review  # the project's own package, installed by nox (pip install -e .)

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

# Where the sources live: Read the Docs tells us; elsewhere set REVIEW_REPOSITORY_URL.
REPOSITORY_URL = (
    os.environ.get("REVIEW_REPOSITORY_URL")
    or os.environ.get("READTHEDOCS_GIT_CLONE_URL", "").removesuffix(".git")
    or "https://github.com/acupuncture-sciatica-review/living-review"
)

# Where the site is published: its canonical address, used by canonical links, og:url,
# sitemap.xml, robots.txt, the JSON-LD and the 404 page. Read the Docs tells us; elsewhere
# set REVIEW_SITE_URL (a fork, a preview). The default is the GitHub Pages address.
SITE_URL = (
    os.environ.get("REVIEW_SITE_URL")
    or os.environ.get("READTHEDOCS_CANONICAL_URL")
    or "https://acupuncture-sciatica-review.github.io/living-review/"
).rstrip("/") + "/"

# -- Project ---------------------------------------------------------------------
project = "Acupuncture for Sciatica: a living evidence review"
author = "the review's contributors"
copyright = "2026, the review's contributors; based on an article by Dr. Juliana Bruner, DPT (2020)"
language = "en"
# The edition: the package version, from pyproject.toml (EPUB readers show it; web pages do not).
version = release = living_review.__version__

# Every extension the site uses. Our own are in src/living_review/sphinxext/, one per module.
extensions = [
    "living_review.sphinxext.quiet_output",  # first: drops two upstream messages nobody can act on
    "myst_parser",
    "sphinxcontrib.bibtex",
    "living_review.sphinxext.bibliography_check",  # bad references.bib: file:line, no traceback
    "sphinx_last_updated_by_git",
    "sphinxext.opengraph",  # og: tags for link previews
    "sphinx_sitemap",  # sitemap.xml
    "notfound.extension",  # the 404 page
    "living_review.sphinxext.certainty",  # {certainty} badges and the legend
    "living_review.sphinxext.claims",  # {claim}: badge and citation from claims.yaml
    "living_review.sphinxext.safety_net",  # warning signs box, urgency words: safety-net.yaml
    "living_review.sphinxext.evidence_displays",  # {summary-of-findings}, {evidence-chart}
    "living_review.sphinxext.claims_export",  # claims.json, its schema, claims.csv
    "living_review.sphinxext.accessibility",  # ARIA fixes to captions, citations, furo landmarks
    "living_review.sphinxext.review_dates",  # review dates under each title; overdue notice
    "living_review.sphinxext.living_status",  # searches.yaml: search log, status under dates
    "living_review.sphinxext.feeds",  # Atom feeds: feed.xml, feeds/<page>.xml, certainty.xml
    "living_review.sphinxext.citation_refresh",  # incremental builds renumber affected pages
    "living_review.sphinxext.pybtex_cache",  # pybtex's plugin look-ups once, not per citation
    "living_review.sphinxext.descriptions",  # front-matter description -> og:description too
    "living_review.sphinxext.crawlers",  # complete sitemap, robots.txt, noindex on non-pages
    "living_review.sphinxext.structured_data",  # schema.org MedicalWebPage JSON-LD
    "living_review.sphinxext.offline_copy",  # {epub-download} link; the site serves the EPUB
    "living_review.sphinxext.reference_style",  # checks the bibliography style is installed
    "living_review.sphinxext.citation_backlinks",  # "Cited in" links after each reference
    "living_review.sphinxext.citation_popovers",  # the reference in a popover on each citation
    "living_review.sphinxext.responsive_tables",  # tables reflow into cards on a phone
    "living_review.sphinxext.page_feedback",  # report an error / suggest evidence / edit links
    "living_review.sphinxext.print_styles",  # print stylesheet: the article alone, DOIs printed
    "living_review.sphinxext.home_cards",  # sphinx-design cards: the home page's ways in
    "living_review.sphinxext.cite_this",  # "Cite this edition" on every page; BibTeX and RIS
    "living_review.sphinxext.claims_fhir",  # claims.fhir.json: the ledger as a FHIR R5 Bundle
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# Warnings are errors in every build (-W --keep-going), and every reference must resolve.
nitpicky = True

# -- MyST --------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline", "attrs_block"]
myst_heading_anchors = 0  # link to sections with explicit (label)= targets only

# -- Citations -------------------------------------------------------------------
bibtex_bibfiles = [str(ROOT / "references.bib")]
# unsrt (numbered in order of first citation) with at most six authors, then "et al.", and a
# free full-text link: living_review.sphinxext.reference_style, a pybtex plugin (pyproject.toml).
bibtex_default_style = "living_review"
bibtex_reference_style = "label"  # [1], [2, 3]
bibtex_cite_id = "cite-{key}"  # stable anchors for every entry
bibtex_encoding = "utf-8"

# -- The claim ledger (claims.yaml; CONTRIBUTING.md, "The claim ledger") ----------------------
claims_file = str(ROOT / "claims.yaml")
# The bare {certainty} role is for the legend; content pages use {claim}`id`. Every content page
# has moved from {certainty} + {cite:p} to {claim}, so both checks below are on: a bare badge
# elsewhere, and a record no page uses, are build errors.
certainty_role_pages = ["certainty"]
certainty_role_restricted = True
claims_check_unused = True

# -- The search log (searches.yaml; MAINTAINERS.md, "The search log") -----------------------
searches_file = str(ROOT / "searches.yaml")

# -- The safety net (safety-net.yaml; CONTRIBUTING.md, "The safety net") ---------------------
safety_net_file = str(ROOT / "safety-net.yaml")
safety_net_page = "safety"  # {safety-net} links here from a page without the box

# -- Cite this edition (living_review.sphinxext.cite_this) ------------------------------------
cite_this_file = str(ROOT / "CITATION.cff")  # version, date, DOIs: updated by `nox -s release`
cite_this_page = "editions"
# The earlier editions, listed on the editions page: `nox -s editions` sets this.
cite_this_editions = os.environ.get("REVIEW_EDITIONS_FILE", "")

# -- HTML --------------------------------------------------------------------------
MEDICAL_NOTICE = (
    "This site is not medical advice. "
    "Talk to a doctor or other qualified clinician about your own symptoms and treatment."
)

html_theme = "furo"
html_title = "Acupuncture for Sciatica"
html_last_updated_fmt = "%d %B %Y"
html_copy_source = False
html_show_sourcelink = False
html_favicon = "_static/favicon.svg"
html_static_path = ["_static"]
html_css_files = ["urgent-care.css"]  # the urgent-care box stands out in light and dark mode
# "Report an error", "Suggest new evidence" and "Edit this page" at the end of every page: the
# issue forms in .github/ISSUE_TEMPLATE, with the page's address filled in.
page_feedback_repository = REPOSITORY_URL
html_theme_options = {
    "announcement": f"<strong>{MEDICAL_NOTICE}</strong>",
    "source_repository": REPOSITORY_URL + "/",
    "source_branch": "main",
    "source_directory": "docs/",
}

# -- Search engines and sharing ------------------------------------------------------
html_baseurl = SITE_URL  # <link rel="canonical"> on every page
ogp_site_url = SITE_URL  # og:url; og:description is the page's front-matter description
ogp_social_cards = {"enable": False}  # generated preview images would need matplotlib
sitemap_url_scheme = "{link}"  # the default puts the language and version in every URL
sitemap_excludes = ["search.html", "genindex.html", "404.html"]
notfound_urls_prefix = urlsplit(SITE_URL).path  # the 404 page links from the site's root
notfound_context = {
    "title": "Page not found",
    "body": (
        "<h1>Page not found</h1>\n"
        "<p>There is no page at this address. It may have moved: start again from the "
        f'<a href="{notfound_urls_prefix}index.html">home page</a> or search the review.</p>'
    ),
}

# -- Offline copy: EPUB (`nox -s epub`; see living_review.sphinxext.offline_copy) ------------
# The one name of the file: _build/epub/<name>.epub, served by the site as _downloads/<name>.epub.
epub_basename = "acupuncture-for-sciatica"
epub_title = project
epub_author = author
epub_publisher = author
epub_copyright = copyright
# epubcheck wants the OPF identifier to equal the NCX uid, which Sphinx takes from epub_uid
# (an XML name), so both are the same name.
epub_uid = epub_identifier = "acupuncture-for-sciatica-living-review"
epub_show_urls = "no"  # links stay clickable; printing every DOI after its link clutters
# The EPUB builder packs every file in its output directory, and Sphinx leaves .buildinfo.bak
# there when the configuration changed since the last build (only .buildinfo is skipped).
epub_exclude_files = [".buildinfo.bak"]

# -- Link check (`nox -s linkcheck`: needs the internet, so it is not part of CI) ------
# Results: docs/_build/linkcheck/output.json, summarised by living_review.tools.linkcheck.
# DOIs and PubMed IDs are also checked through the registries' APIs by
# `nox -s citations -- --online`, which does not depend on publishers' web pages.
linkcheck_timeout = 30  # seconds per request: some publishers' pages are slow
linkcheck_retries = 2  # a link fails only if it fails twice
linkcheck_workers = 2  # few requests at a time: polite to small sites and to NCBI
linkcheck_rate_limit_timeout = 300.0  # wait up to 5 minutes for a host that answers 429
linkcheck_report_timeouts_as_broken = False  # a slow host is listed as "timeout", not broken
linkcheck_allowed_redirects = {
    # A DOI link always redirects to the publisher's landing page: that is how DOIs work.
    r"https://doi\.org/10\..+": r"https?://.+",
    # The bibliography style links PubMed IDs at NCBI's old address, which redirects.
    r"https://www\.ncbi\.nlm\.nih\.gov/pubmed/\d+": r"https://pubmed\.ncbi\.nlm\.nih\.gov/\d+/?",
    # PMC moved its articles to pmc.ncbi.nlm.nih.gov.
    r"https://www\.ncbi\.nlm\.nih\.gov/pmc/articles/PMC\d+/?": r"https://pmc\.ncbi\.nlm\.nih\.gov/.+",
}
# Also applied to the targets of redirects: a DOI still has to resolve at doi.org, but the
# check stops before the publisher pages below, which are known to answer 403 Forbidden to
# automated clients however well the link works in a browser.
linkcheck_ignore = [
    # Files the HTML build copies into the site (the EPUB): linkcheck looks for local paths
    # in docs/, where they are not (living_review.sphinxext.offline_copy links it only if built).
    r"_downloads/",
    r"https://onlinelibrary\.wiley\.com/",  # Wiley and Hindawi journals (10.1002, 10.1155)
    r"https://(www\.)?sciencedirect\.com/",  # Elsevier (10.1016)
    r"https://linkinghub\.elsevier\.com/",  # Elsevier's DOI landing redirector
    r"https://www\.thelancet\.com/",  # The Lancet (10.1016)
    r"https://www\.nejm\.org/",  # New England Journal of Medicine (10.1056)
    r"https://jamanetwork\.com/",  # JAMA Network (10.1001)
    r"https://academic\.oup\.com/",  # Oxford University Press (10.1093)
    r"https://(www\.)?acpjournals\.org/",  # Annals of Internal Medicine (10.7326)
    r"https://www\.mdpi\.com/",  # MDPI (10.3390)
    r"https://journals\.sagepub\.com/",  # SAGE (10.1177)
    r"https://www\.tandfonline\.com/",  # Taylor & Francis (10.1080)
]
