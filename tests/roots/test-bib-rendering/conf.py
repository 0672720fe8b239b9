extensions = ["myst_parser", "sphinxcontrib.bibtex", "living_review.sphinxext.bibliography_check"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "unsrt"
