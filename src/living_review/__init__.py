"""The review's own code: Sphinx extensions (:mod:`.sphinxext`) and the tools (:mod:`.tools`).

``conf.py`` loads the extensions; ``nox`` runs the tools. Nothing in :mod:`.sphinxext` imports
:mod:`.tools`. Modules both use, such as :mod:`.review_schedule`, sit at this level.
"""

from importlib.metadata import version

#: The project's version (``[project] version`` in pyproject.toml, as installed).
__version__ = version("acupuncture-sciatica-review")
