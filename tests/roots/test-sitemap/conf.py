extensions = ["myst_parser", "living_review.crawlers"]
html_baseurl = "https://example.org/review/"
sitemap_url_scheme = "{link}"
sitemap_excludes = ["search.html", "genindex.html"]
