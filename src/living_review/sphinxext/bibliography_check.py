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
read again with the locating reader, for the messages and their lines. Either way the check
has parsed the file as sphinxcontrib-bibtex will (it must, to be sure the build can), so
sphinxcontrib-bibtex is handed that result instead of parsing the same file again (a second of
a clean build with 2,500 entries): only for a single UTF-8 file (``bibtex_encoding`` utf-8 or
utf-8-sig) that pybtex read without a word, whose bytes are still the ones checked, with no
carriage return and no byte-order mark (``parse_file`` would read ``\r\n`` as ``\n``, and
utf-8-sig drops the mark). Anything else is parsed by sphinxcontrib-bibtex as before.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sphinxcontrib.bibtex.bibfile as bibtex_bibfile
from pybtex.database import BibliographyData
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

#: Build-environment attribute: bib file -> (modification time, style) when it was last clean.
ENV_ATTRIBUTE = "living_review_clean_bibfiles"

#: Problems the build survives (the References page shows the entry wrongly): warnings. Every
#: other problem would end the build in a traceback, so it stops the build here instead.
SURVIVABLE = frozenset(RULES) - {UNKNOWN_TYPE}


#: Bib file -> (SHA-256 of its bytes, pybtex's parse of them) from this process's last check.
_parsed: dict[Path, tuple[str, BibliographyData]] = {}


class BibliographyUnusable(SystemExit):
    """Ends the build after the problems have been logged: one line, no traceback."""


def bib_paths(app: Sphinx) -> list[Path]:
    """The configured bib files, resolved as sphinxcontrib-bibtex resolves them."""
    return [(Path(app.confdir) / name).resolve() for name in app.config.bibtex_bibfiles or []]


def check_bibliography(app: Sphinx) -> None:
    """Log every problem; stop the build if sphinxcontrib-bibtex could not go on."""
    env = app.env
    style = app.config.bibtex_default_style
    clean: dict[str, tuple[int, str]] = getattr(env, ENV_ATTRIBUTE, {})
    fatal: list[Problem] = []
    for path in bib_paths(app):
        if not path.is_file():
            continue  # sphinxcontrib-bibtex says "could not open bibtex file" itself
        signature = (path.stat().st_mtime_ns, style)
        if clean.get(str(path)) == signature:
            continue
        clean.pop(str(path), None)
        _parsed.pop(path, None)
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


def _problems(path: Path, style: str) -> list[Problem]:
    quick = read_clean_bibfile(path)  # one parse: enough for a file with nothing to report
    if quick is not None and quick.parsed is not None and not _rendering(quick, style):
        _parsed[path] = (quick.digest, quick.parsed)
        return []
    try:
        bib = read_bibfile(path)
    except UnusableInput as error:
        return [error.problem]
    if bib.parsed is not None:
        _parsed[path] = (bib.digest, bib.parsed)
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


def _reusable(filenames: list[Path], encoding: str) -> BibliographyData | None:
    """The check's parse of the one bib file, if sphinxcontrib-bibtex would get the same."""
    if len(filenames) != 1 or codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig"):
        return None
    path = filenames[0]
    found = _parsed.pop(path, None)  # handed over once: sphinxcontrib-bibtex keeps it
    if found is None:
        return None
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if b"\r" in data or data.startswith(codecs.BOM_UTF8):
        return None  # parse_file would read other text: \r\n as \n, or (utf-8-sig) no BOM
    if hashlib.sha256(data).hexdigest() != found[0]:
        return None
    return found[1]


def install_parse_reuse() -> None:
    """Let ``sphinxcontrib.bibtex.bibfile.parse_bibdata`` take the check's parse (idempotent)."""
    module: Any = bibtex_bibfile
    original = module.parse_bibdata
    if getattr(original, "living_review_reuse", False):
        return

    def parse_bibdata(bibfilenames: list[Path], encoding: str) -> Any:
        data = _reusable(bibfilenames, encoding)
        if data is None:
            return original(bibfilenames, encoding)
        (filename,) = bibfilenames
        # What the original logs and returns for one file it parsed without an error.
        module.logger.info(f"parsing bibtex file {filename}... ", nonl=True)
        keys = dict.fromkeys(data.entries.keys())
        module.logger.info(f"parsed {len(keys)} entries")
        bibfiles = {filename: module.BibFile(mtime=module.get_mtime(filename), keys=keys)}
        return module.BibData(encoding=encoding, bibfiles=bibfiles, data=data)

    parse_bibdata.living_review_reuse = True  # type: ignore[attr-defined]
    module.parse_bibdata = parse_bibdata


def setup(app: Sphinx) -> ExtensionMetadata:
    """Check the bib files when the build starts, before sphinxcontrib-bibtex reads them."""
    app.setup_extension("sphinxcontrib.bibtex")
    install_parse_reuse()
    app.connect("builder-inited", check_bibliography, priority=400)  # sphinxcontrib-bibtex: 500
    return {
        "version": __version__,
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
