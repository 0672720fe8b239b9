# One page whose only fault is an image with empty alt text that is not marked decorative:
# axe-core takes alt="" as decorative and passes it; the audit's own check does not.
extensions = ["myst_parser", "living_review.sphinxext.accessibility"]
html_theme = "furo"
project = "Empty alt"
language = "en"
html_favicon = "favicon.svg"  # without one, Chromium asks for /favicon.ico and logs a 404
