extensions = [
    "myst_parser",
    "living_review.sphinxext.evidence_displays",
    "living_review.sphinxext.responsive_tables",
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_cite_id = "cite-{key}"
html_theme = "furo"
