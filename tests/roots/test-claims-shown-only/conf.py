extensions = [
    "myst_parser",
    "living_review.sphinxext.evidence_displays",
    "living_review.sphinxext.claims_export",
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_cite_id = "cite-{key}"
html_baseurl = "https://example.org/review/"
