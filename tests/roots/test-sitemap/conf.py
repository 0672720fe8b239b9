extensions = ["myst_parser", "sphinx_sitemap", "living_review.sphinxext.crawlers"]
html_baseurl = "https://example.org/review/"
sitemap_url_scheme = "{link}"
sitemap_excludes = ["search.html", "genindex.html"]
