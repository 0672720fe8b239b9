"""``python -m living_review.tools.citations``: see :mod:`living_review.tools.citations.cli`."""

from .cli import main

raise SystemExit(main())
