extensions = [
    "myst_parser",
    "sphinxcontrib.bibtex",
    "living_review.sphinxext.citation_refresh",
    "living_review.sphinxext.pybtex_cache",  # as on the site
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "unsrt"
bibtex_cite_id = "cite-{key}"
