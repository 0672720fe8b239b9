"""The Sphinx extensions ``docs/conf.py`` loads, one concern per module, each with ``setup()``.

What several of them share lives here: stylesheets, web pages, per-page records in the build
environment, tables, citations, ``setup()``'s metadata. Nothing in this package imports
:mod:`living_review.tools`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util import logging

from living_review import __version__
from living_review.problems import Problem, UnusableInput

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

STATIC_DIR = Path(__file__).parent / "static"


def _add_static_dir(app: Sphinx, config: Config) -> None:
    """Put ``static/`` on ``html_static_path`` (once, whichever extension asks first)."""
    if str(STATIC_DIR) not in config.html_static_path:
        config.html_static_path.append(str(STATIC_DIR))


def add_stylesheet(app: Sphinx, filename: str, **attributes: str) -> None:
    """Ship ``static/<filename>`` with HTML-like builds (html, dirhtml, epub) and link it, with
    *attributes* on the ``<link>`` (e.g. ``media="print"``)."""
    app.connect("config-inited", _add_static_dir)
    app.add_css_file(filename, **attributes)


def is_html_site(builder: Builder) -> bool:
    """True for builders that write the web site (html, dirhtml), not an EPUB or help file."""
    return builder.format == "html" and not getattr(builder, "embedded", False)


def add_to_web_pages(app: Sphinx, html: Callable[[BuildEnvironment, str], str]) -> None:
    r"""Append *html*\ (env, page name) to the body of each page of the web site."""

    def append(
        app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        if doctree is not None and is_html_site(app.builder) and "body" in context:
            context["body"] += html(app.env, pagename)

    app.connect("html-page-context", append)


def extension_metadata(env_version: int | None = None) -> ExtensionMetadata:
    """What each extension's ``setup()`` returns: the package's version, safe to read and write
    in parallel, and *env_version* if it keeps anything in the build environment."""
    metadata: ExtensionMetadata = {
        "version": __version__,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
    if env_version is not None:
        metadata["env_version"] = env_version
    return metadata


def per_page(env: BuildEnvironment, attribute: str) -> dict[str, Any]:
    """The environment's dict *attribute*, page -> what an extension recorded there (made empty
    the first time)."""
    return vars(env).setdefault(attribute, {})  # type: ignore[no-any-return]


def first_citations(env: BuildEnvironment) -> dict[str, Any]:
    """Key -> sphinxcontrib-bibtex's first citation of it (its number, formatted entry ...)."""
    domain: Any = env.get_domain("cite")
    first: dict[str, Any] = {}
    for citation in domain.citations:
        first.setdefault(citation.key, citation)
    return first


def table_row(cells: Iterable[str | nodes.Element]) -> nodes.row:
    """A table row, one entry per cell; a string becomes a paragraph."""
    row = nodes.row()
    for cell in cells:
        row += nodes.entry("", nodes.paragraph(cell, cell) if isinstance(cell, str) else cell)
    return row


def make_table(
    classes: list[str],
    columns: Sequence[tuple[str, int]],
    rows: Iterable[nodes.row],
    title: nodes.title | None = None,
) -> nodes.table:
    """A table with an optional *title*, a header row naming the *columns* (name, relative
    width) and the body *rows*."""
    table = nodes.table(classes=classes)
    if title is not None:
        table += title
    group = nodes.tgroup(cols=len(columns))
    group += [nodes.colspec(colwidth=width) for _name, width in columns]
    group += nodes.thead("", table_row(name for name, _width in columns))
    group += nodes.tbody("", *rows)
    table += group
    return table


def keep_per_page(app: Sphinx, *attributes: str) -> None:
    """Keep the per-page dicts *attributes* right: a page's entry goes when the page is read
    again or removed, and what parallel readers recorded is taken in."""

    def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
        for attribute in attributes:
            per_page(env, attribute).pop(docname, None)

    def merge(
        app: Sphinx, env: BuildEnvironment, docnames: Iterable[str], other: BuildEnvironment
    ) -> None:
        for attribute in attributes:
            theirs = getattr(other, attribute, {})
            per_page(env, attribute).update(
                (page, theirs[page]) for page in docnames if page in theirs
            )

    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)


def log_problem(problem: Problem) -> None:
    """A problem in a project file as a build error: ``file:line: ERROR: rule-id: message``."""
    logging.getLogger(__name__).error(
        "%s: %s", problem.rule, problem.message, location=f"{problem.path}:{problem.line}"
    )


def read_project_file(
    app: Sphinx,
    path: Path,
    load: Callable[[Path], Any],
    empty: Callable[[Path], Any],
    attribute: str,
) -> Any:
    r"""Read a project data file (safety-net.yaml, searches.yaml) at the start of a build with
    *load*, report every problem as a build error, and keep the result on the environment under
    *attribute*; a file that cannot be read at all leaves *empty*\ (path) there."""
    try:
        data = load(path)
    except UnusableInput as error:
        data = empty(path)
        log_problem(error.problem)
    for problem in data.problems:
        log_problem(problem)
    setattr(app.env, attribute, data)
    return data
