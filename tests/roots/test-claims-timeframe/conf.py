extensions = [
    "myst_parser",
    "living_review.sphinxext.claims",
    "living_review.sphinxext.evidence_displays",
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_reference_style = "label"
bibtex_cite_id = "cite-{key}"
html_theme = "furo"  # cite_links reads article[role=main]
