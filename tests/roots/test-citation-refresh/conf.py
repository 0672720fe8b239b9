extensions = ["myst_parser", "sphinxcontrib.bibtex", "living_review.citation_refresh"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "unsrt"
bibtex_cite_id = "cite-{key}"
