extensions = [
    "myst_parser",
    "sphinxcontrib.bibtex",
    "living_review.sphinxext.reference_style",
    "living_review.sphinxext.citation_backlinks",
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_cite_id = "cite-{key}"
