"""docs-live's fixture: numbered citations over three pages, with the site's citation code."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # build_counter, the local extension below

extensions = [
    "myst_parser",
    "sphinxcontrib.bibtex",
    "living_review.sphinxext.citation_refresh",
    "living_review.sphinxext.pybtex_cache",
    "living_review.sphinxext.cited_entries",
    "living_review.sphinxext.template_cache",
    "living_review.sphinxext.search_index",
    "build_counter",  # shows how many builds its process has run: always 1 in docs-live
]
exclude_patterns = ["_build"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_reference_style = "label"
bibtex_cite_id = "cite-{key}"
bibtex_encoding = "utf-8"
html_theme = "furo"
