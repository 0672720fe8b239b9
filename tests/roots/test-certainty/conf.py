extensions = ["myst_parser", "living_review.sphinxext.certainty"]
