extensions = [
    "myst_parser",
    "sphinxcontrib.bibtex",
    "living_review.citation_refresh",
    "living_review.pybtex_cache",  # as on the site: cached formatting must not hide edits
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "unsrt"
bibtex_cite_id = "cite-{key}"
