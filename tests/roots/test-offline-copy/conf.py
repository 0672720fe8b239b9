extensions = ["myst_parser", "living_review.sphinxext.offline_copy"]
project = "Offline"  # the EPUB is served as _downloads/<epub_basename, from the project>.epub
html_baseurl = "https://example.org/review/"
offline_copy_epub = "built/book.epub"  # the test puts a file here
