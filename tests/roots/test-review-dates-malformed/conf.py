extensions = ["myst_parser", "living_review.review_dates"]
