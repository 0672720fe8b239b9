"""Citation checks for the review: ``python -m living_review.tools.citations [--online]``.

Offline (fast, run in CI): :mod:`.bibfile` reads ``references.bib`` with pybtex, :mod:`.pages`
finds the citations in ``docs/*.md``, :mod:`.rules` judges both, :mod:`.report` prints the
problems. Online (``--online``, for maintainers and a weekly job): :mod:`.online` asks the DOI
handle API, NCBI E-utilities and Crossref about every entry through :mod:`.webclient`, comparing
records with :mod:`.matching`. :mod:`.cli` ties them together.
"""
