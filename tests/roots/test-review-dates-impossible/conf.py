extensions = ["myst_parser", "living_review.sphinxext.review_dates"]
