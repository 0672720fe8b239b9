"""Citation checks for the review: ``python -m living_review.tools.citations [--online]``.

Offline (fast, run in CI): :mod:`.pages` finds the citations in ``docs/*.md``, :mod:`.rules`
judges them and ``references.bib``. Online (``--online``, for maintainers and a weekly job):
:mod:`.online` and :mod:`.abstracts` ask the DOI handle API, NCBI E-utilities, Crossref and
Europe PMC through :mod:`.webclient`. :mod:`.cli` ties them together.
"""
