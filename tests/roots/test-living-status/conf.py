extensions = [
    "myst_parser",
    "living_review.sphinxext.review_dates",
    "living_review.sphinxext.living_status",
]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_reference_style = "label"
bibtex_cite_id = "cite-{key}"
searches_file = "searches.yaml"
review_today = "2027-01-01"  # fixed: nothing here may depend on the real date
review_dates_exempt = ["refs"]
html_theme = "furo"
