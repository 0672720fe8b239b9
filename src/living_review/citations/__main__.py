"""``python -m living_review.citations``: see :mod:`living_review.citations.cli`."""

from .cli import main

raise SystemExit(main())
