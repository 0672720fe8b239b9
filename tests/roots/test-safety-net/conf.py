extensions = ["myst_parser", "living_review.sphinxext.safety_net"]
bibtex_bibfiles = ["refs.bib"]
bibtex_default_style = "living_review"
bibtex_reference_style = "label"
bibtex_cite_id = "cite-{key}"
safety_net_file = "safety-net.yaml"
safety_net_page = "safety"
html_theme = "furo"
