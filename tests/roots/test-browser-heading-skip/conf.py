# One page whose only accessibility fault is a heading that skips from h1 to h3.
extensions = ["myst_parser", "living_review.sphinxext.accessibility"]
html_theme = "furo"
project = "Heading skip"
language = "en"
html_favicon = "favicon.svg"  # without one, Chromium asks for /favicon.ico and logs a 404
