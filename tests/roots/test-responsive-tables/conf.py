# A wide table (seven columns of long text), a narrow one, one without a header row, and a
# table with cells that span rows and columns, for living_review.sphinxext.responsive_tables.
extensions = [
    "myst_parser",
    "living_review.sphinxext.accessibility",  # furo's landmarks, as on the site
    "living_review.sphinxext.responsive_tables",
]
html_theme = "furo"
project = "Responsive tables"
language = "en"
html_favicon = "favicon.svg"  # without one, Chromium asks for /favicon.ico and logs a 404
