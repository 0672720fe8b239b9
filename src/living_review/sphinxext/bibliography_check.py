"""Read references.bib before sphinxcontrib-bibtex does, and refuse it, clearly, if it is unusable.

sphinxcontrib-bibtex hands the ``bibtex_bibfiles`` to pybtex when the build starts. A syntax
error (a missing comma, an unbalanced brace), a byte that is not UTF-8, or an entry type the
style cannot format (``@conference``) then ends the build in a traceback, with Sphinx asking
for a bug report. This extension reads each file first, with the reader ``nox -s citations``
uses (:mod:`living_review.bibfile`), so the build names the same problems, in the same words,
at the same ``file:line``:

- A file that cannot be read or does not parse, or holds an entry type the style cannot
  format, is an error per problem, and the build stops there, before the traceback: with
  ``SystemExit`` and a one-line reason, because Sphinx 9 prints a traceback and asks for a bug
  report for any exception an extension raises, ``SphinxError`` included.
- An entry the References page would show wrongly (:mod:`living_review.bib_rendering`: an
  eprint holding a URL, ``author = {,}``, ``doi = {}``, ``null``, raw LaTeX) is a warning, so
  the build goes on and ``-W`` fails it at the end, listing them all.

``nox -s citations`` stays the authority on references.bib: its other rules (identifiers,
https links, duplicates, uncited entries) are not repeated here. A file that was clean is
checked again only once it changes (or the style does).

A file is first read once, with pybtex's ``Parser`` exactly as sphinxcontrib-bibtex reads it,
keeping each field as written (:func:`~living_review.bibfile.read_clean_bibfile`); if pybtex
reports nothing and the rendering rules find nothing, the file is clean. Only otherwise is it
read again with the locating reader, for the messages and their lines.

A clean file is remembered in the saved environment under a digest of its bytes, the style's
name and the project's own code (every module of the package, the style included), so an edit
to any of them checks it again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from pybtex.plugin import PluginNotFound
from sphinx.util import logging

from living_review import __version__
from living_review.bib_rendering import RULES, UNKNOWN_TYPE, check_rendering
from living_review.bibfile import BibFile, read_bibfile, read_clean_bibfile
from living_review.problems import Problem, UnusableInput, display_path

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Build-environment attribute: bib file -> (digest of its bytes, style, digest of the project's
#: code) when it was last clean.
ENV_ATTRIBUTE = "living_review_clean_bibfiles"

#: The package whose code decides what is clean (living_review).
PACKAGE = Path(__file__).resolve().parent.parent

#: Problems the build survives (the References page shows the entry wrongly): warnings. Every
#: other problem would end the build in a traceback, so it stops the build here instead.
SURVIVABLE = frozenset(RULES) - {UNKNOWN_TYPE}


class BibliographyUnusable(SystemExit):
    """Ends the build after the problems have been logged: one line, no traceback."""


def bib_paths(app: Sphinx) -> list[Path]:
    """The configured bib files, resolved as sphinxcontrib-bibtex resolves them."""
    return [(Path(app.confdir) / name).resolve() for name in app.config.bibtex_bibfiles or []]


def check_bibliography(app: Sphinx) -> None:
    """Log every problem; stop the build if sphinxcontrib-bibtex could not go on."""
    env = app.env
    style = app.config.bibtex_default_style
    clean: dict[str, tuple[str, str, str]] = getattr(env, ENV_ATTRIBUTE, {})
    fatal: list[Problem] = []
    code = code_digest()
    for path in bib_paths(app):
        if not path.is_file():
            continue  # sphinxcontrib-bibtex says "could not open bibtex file" itself
        signature = (hashlib.sha256(path.read_bytes()).hexdigest(), style, code)
        if clean.get(str(path)) == signature:
            continue
        clean.pop(str(path), None)
        found = _problems(path, style)
        for problem in found:
            if problem.rule in SURVIVABLE:
                _log(problem, error=False)
            else:
                fatal.append(problem)
        if not found:
            clean[str(path)] = signature
    setattr(env, ENV_ATTRIBUTE, clean)
    for problem in fatal:
        _log(problem, error=True)
    if fatal:
        files = ", ".join(sorted({display_path(problem.path) for problem in fatal}))
        raise BibliographyUnusable(
            f"build stopped: {files} cannot be used until the errors above are fixed "
            "(`nox -s citations` checks it in a second)"
        )


def code_digest() -> str:
    """A digest of the project's own code: every module of the living_review package."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _problems(path: Path, style: str) -> list[Problem]:
    quick = read_clean_bibfile(path)  # one parse: enough for a file with nothing to report
    if quick is not None and quick.parsed is not None and not _rendering(quick, style):
        return []
    try:
        bib = read_bibfile(path)
    except UnusableInput as error:
        return [error.problem]
    if bib.problems:  # syntax errors: what parsed may be incomplete
        return list(bib.problems)
    return _rendering(bib, style)


def _rendering(bib: BibFile, style: str) -> list[Problem]:
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
    return {
        "version": __version__,
        "env_version": 2,  # 2: clean files kept under digests
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
