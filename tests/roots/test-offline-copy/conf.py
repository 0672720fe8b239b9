extensions = ["myst_parser", "living_review.sphinxext.offline_copy"]
html_baseurl = "https://example.org/review/"
offline_copy_epub = "built/book.epub"  # the test puts a file here
