extensions = ["myst_parser", "living_review.sphinxext.review_dates"]
review_today = "2027-01-01"  # fixed: nothing here may depend on the real date
