"""Read references.bib before sphinxcontrib-bibtex does, and refuse it, clearly, if it is unusable.

sphinxcontrib-bibtex hands the ``bibtex_bibfiles`` to pybtex when the build starts: a syntax
error (a missing comma, an unbalanced brace), a byte that is not UTF-8, or an entry type the
style cannot format (``@conference``) then ends the build in a traceback, with Sphinx asking
for a bug report. This extension reads each file first, with the reader ``nox -s citations``
uses (:mod:`living_review.bibfile`), so the build names the same problems, in the same words,
at the same ``file:line``. Each such problem is an error and the build stops there, with
``SystemExit`` and a one-line reason, because Sphinx 9 prints a traceback and asks for a bug
report for any exception an extension raises, ``SphinxError`` included. An entry the References
page would show wrongly (:mod:`living_review.bib_rendering`) is a warning: the build goes on
and ``-W`` fails it at the end, listing them all. ``nox -s citations`` stays the authority on
references.bib: its other rules are not repeated here. The file is read on every build (a few
hundredths of a second for this site's).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pybtex.plugin import PluginNotFound
from sphinx.util import logging

from living_review.bib_rendering import RULES, UNKNOWN_TYPE, check_rendering
from living_review.bibfile import read_bibfile
from living_review.problems import Problem, UnusableInput, display_path
from living_review.sphinxext import extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Problems the build survives (the References page shows the entry wrongly): warnings. Every
#: other problem would end the build in a traceback, so it stops the build here instead.
SURVIVABLE = frozenset(RULES) - {UNKNOWN_TYPE}


class BibliographyUnusable(SystemExit):
    """Ends the build after the problems have been logged: one line, no traceback."""


def check_bibliography(app: Sphinx) -> None:
    """Log every problem; stop the build if sphinxcontrib-bibtex could not go on."""
    fatal: list[Problem] = []
    for name in app.config.bibtex_bibfiles or []:
        path = (Path(app.confdir) / name).resolve()  # as sphinxcontrib-bibtex resolves it
        if not path.is_file():
            continue  # sphinxcontrib-bibtex says "could not open bibtex file" itself
        for problem in _problems(path, app.config.bibtex_default_style):
            if problem.rule in SURVIVABLE:
                _log(problem, error=False)
            else:
                fatal.append(problem)
    for problem in fatal:
        _log(problem, error=True)
    if fatal:
        files = ", ".join(sorted({display_path(problem.path) for problem in fatal}))
        raise BibliographyUnusable(
            f"build stopped: {files} cannot be used until the errors above are fixed "
            "(`nox -s citations` checks it in a second)"
        )


def _problems(path: Path, style: str) -> list[Problem]:
    try:
        bib = read_bibfile(path)
    except UnusableInput as error:
        return [error.problem]
    if bib.problems:  # syntax errors: what parsed may be incomplete
        return list(bib.problems)
    try:
        return check_rendering(bib, style)
    except PluginNotFound:
        return []  # reference_style (or sphinxcontrib-bibtex) reports a missing style


def _log(problem: Problem, *, error: bool) -> None:
    """``path:line: ERROR: message [bibtex.rule-id]`` (or WARNING), the path as the check has it."""
    log = logger.error if error else logger.warning
    where = f"{display_path(problem.path)}:{problem.line}"
    log(problem.message, location=where, type="bibtex", subtype=problem.rule)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Check the bib files when the build starts, before sphinxcontrib-bibtex reads them."""
    app.setup_extension("sphinxcontrib.bibtex")
    app.connect("builder-inited", check_bibliography, priority=400)  # sphinxcontrib-bibtex: 500
    return extension_metadata()
