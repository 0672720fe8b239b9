extensions = ["myst_parser", "living_review.sphinxext.cite_this"]
cite_this_file = "CITATION.cff"
html_theme = "furo"
