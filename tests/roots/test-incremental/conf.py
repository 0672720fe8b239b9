"""Incremental builds' fixture: numbered citations over three pages, with the site's citation
code (tests/test_incremental.py)."""

extensions = [
    "myst_parser",
    "sphinxcontrib.bibtex",
    "living_review.sphinxext.citation_refresh",
    "living_review.sphinxext.pybtex_cache",
]
exclude_patterns = ["_build"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_reference_style = "label"
bibtex_cite_id = "cite-{key}"
bibtex_encoding = "utf-8"
html_theme = "furo"
