extensions = ["myst_parser", "living_review.certainty"]
