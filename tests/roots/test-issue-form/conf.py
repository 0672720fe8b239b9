extensions = ["myst_parser", "living_review.sphinxext.page_feedback"]
page_feedback_repository = "https://github.com/owner/repo"
html_baseurl = "https://example.org/review/"
