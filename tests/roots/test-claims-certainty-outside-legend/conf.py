extensions = ["myst_parser", "living_review.sphinxext.claims"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_cite_id = "cite-{key}"
certainty_role_pages = ["index"]
certainty_role_restricted = True
html_theme = "furo"  # cite_links reads article[role=main]
