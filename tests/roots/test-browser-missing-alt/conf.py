# One page whose only accessibility fault is an image with no alt attribute.
extensions = ["myst_parser", "living_review.sphinxext.accessibility"]
html_theme = "furo"
project = "Missing alt"
language = "en"
html_favicon = "favicon.svg"  # without one, Chromium asks for /favicon.ico and logs a 404
