"""Find the citations in the MyST pages under ``docs/``, and citations MyST would not render.

A light line scanner, not a Markdown parser: it follows fences (code blocks are skipped, the
Markdown bodies of directives such as ``:::{admonition}`` are read), HTML and ``%`` comments,
and inline code spans, which is all it takes to find roles. Limits: a role or code span split
across two lines, indented code blocks and ``{eval-rst}`` bodies are not read (the site's
pages use none of them; "one sentence per line" keeps roles on one line).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from living_review.review_schedule import DEFAULT_EXEMPT, is_exempt

from .report import UnusableInput

#: Pages that are not content pages and so need no citation: the same pages that need no
#: review dates (one definition, in review_schedule).
NOT_CONTENT_PAGES = DEFAULT_EXEMPT

#: Front-matter key that exempts a content page from needing a citation; its value is the reason.
NO_CITATIONS_KEY = "no_citations"

#: The citation roles of sphinxcontrib-bibtex 2.6+ (its domains' ``_role_names``; a test keeps
#: this in step with the installed version).
CITE_ROLE_SUFFIXES = (
    "p", "ps", "t", "ts", "ct", "cts", "empty", "alp", "alps", "label", "labelpar",
    "year", "yearpar", "author", "authors", "authorpar", "authorpars", "cauthor", "cauthors",
)  # fmt: skip
FOOTCITE_ROLE_SUFFIXES = ("p", "ps", "t", "ts", "ct", "cts")
CITE_ROLES = frozenset(
    {"cite", "footcite"}
    | {f"cite:{suffix}" for suffix in CITE_ROLE_SUFFIXES}
    | {f"footcite:{suffix}" for suffix in FOOTCITE_ROLE_SUFFIXES}
)

#: Directives whose body is not Markdown, so a citation in it is not one.
OPAQUE_DIRECTIVES = frozenset({
    "code", "code-block", "code-cell", "sourcecode", "literalinclude", "math", "raw",
    "toctree", "bibliography", "footbibliography", "eval-rst", "eval-md", "csv-table",
    "mermaid", "graphviz",
})  # fmt: skip

# sphinxcontrib.bibtex.citation_target: `{pre}key{post}, key2` (a test checks they agree).
_TARGET = re.compile(
    r"\s*([{](?P<pre>[^{}]+)[}])?\s*(?P<key>[^{}\s,]+)\s*([{](?P<post>[^{}]+)[}])?\s*"
)
_FENCE = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,}|:{3,})\s*(?P<info>.*)$")
_DIRECTIVE = re.compile(r"^\{(?P<name>[^}\s]+)\}")
_BACKTICKS = re.compile(r"`+")
_ROLE_BEFORE = re.compile(r"\{(?P<name>[A-Za-z0-9_:+.-]+)\}$")
_CITE_NAME = re.compile(r"(?:foot)?cite(?::[\w-]+)?")
_ROLE_NO_TICKS = re.compile(r"\{(?P<name>(?:foot)?cite(?::[\w-]+)?)\}")
_ROLE_SPACE_BEFORE_CODE = re.compile(r"\{(?P<name>(?:foot)?cite(?::[\w-]+)?)\}\s+$")
_RST_ROLE_BEFORE_CODE = re.compile(r":(?P<name>(?:foot)?cite(?::[\w-]+)?):$")
_PANDOC = re.compile(r"\[(?:[^\[\]]*?[\s;])?-?@[A-Za-z0-9_][^\[\]]*\]")
_PANDOC_KEY = re.compile(r"(?<![\w.@/:=+-])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*)")
_LATEX = re.compile(
    r"\\(?:no|paren|text|auto|foot|super)?cite(?:p|t|alp|alt|author|year)?\*?"
    r"(?:\[[^\]]*\]){0,2}\{(?P<keys>[^{}]*)\}"
)


@dataclass(frozen=True)
class Citation:
    """One key cited by a role on a page."""

    key: str
    line: int
    role: str


@dataclass(frozen=True)
class BadSyntax:
    """Citation-like text MyST shows literally (or refuses), with advice."""

    line: int
    message: str


@dataclass
class Page:
    """What one page cites, and how."""

    path: Path
    docname: str  # "effectiveness", or "sub/page" in a subfolder
    citations: list[Citation] = field(default_factory=list)
    bad: list[BadSyntax] = field(default_factory=list)
    #: Words written like pandoc in-text citations (``@key``), to compare with the bib's keys.
    at_words: list[tuple[int, str]] = field(default_factory=list)
    no_citations_reason: str = ""
    title_line: int = 1

    @property
    def is_content(self) -> bool:
        return not is_exempt(self.docname, NOT_CONTENT_PAGES)


def read_pages(docs: Path) -> list[Page]:
    """Every ``*.md`` page under *docs* (not under ``_build``, ``_static`` or hidden folders)."""
    if not docs.is_dir():
        raise UnusableInput(docs, "not a folder")
    pages = []
    for path in sorted(docs.rglob("*.md")):
        relative = path.relative_to(docs)
        if any(part.startswith(("_", ".")) for part in relative.parts[:-1]):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise UnusableInput(path, f"not UTF-8 text ({error.reason})") from None
        except OSError as error:
            raise UnusableInput(path, error.strerror or str(error)) from None
        pages.append(scan_page(text, path, relative.with_suffix("").as_posix()))
    return pages


def scan_page(text: str, path: Path, docname: str) -> Page:
    """Find citations and unrenderable citation syntax in one page's text."""
    page = Page(path, docname)
    lines = text.splitlines()
    start = _front_matter(lines, page)
    for number, line in _markdown_lines(lines, start):
        if page.title_line == 1 and re.match(r"#\s", line):
            page.title_line = number
        _scan_line(line, number, page)
    return page


def _front_matter(lines: list[str], page: Page) -> int:
    """Read the front matter's ``no_citations``; return the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            try:
                values = yaml.safe_load("\n".join(lines[1:index]))
            except yaml.YAMLError:
                values = None  # the build and the review-dates check report bad front matter
            if isinstance(values, dict) and values.get(NO_CITATIONS_KEY):
                page.no_citations_reason = str(values[NO_CITATIONS_KEY]).strip()
            return index + 1
    return 0


def _markdown_lines(lines: list[str], start: int) -> Iterator[tuple[int, str]]:
    """(line number, text) of the lines MyST reads as Markdown, comments removed."""
    fences: list[tuple[str, int, bool]] = []  # (fence character, length, body is Markdown)
    in_comment = False
    for index in range(start, len(lines)):
        line = lines[index]
        if fences:
            char, length, _markdown = fences[-1]
            closing = re.fullmatch(rf" {{0,3}}{re.escape(char)}{{{length},}}\s*", line)
            if closing:
                fences.pop()
                continue
        if fences and not fences[-1][2]:
            continue  # inside a code block
        if not in_comment and (opening := _FENCE.match(line)):
            fence, info = opening.group("fence"), opening.group("info")
            directive = _DIRECTIVE.match(info)
            markdown = bool(directive) and directive.group("name") not in OPAQUE_DIRECTIVES
            if fence[0] == ":" and not directive:
                markdown = True  # a bare ::: container holds Markdown
            fences.append((fence[0], len(fence), markdown))
            if markdown and directive:
                line = info[directive.end() :]  # a directive's title may hold roles
            else:
                continue
        line, in_comment = _strip_html_comments(line, in_comment)
        if line.lstrip().startswith("%"):
            continue  # a MyST comment line
        yield index + 1, line


def _strip_html_comments(line: str, in_comment: bool) -> tuple[str, bool]:
    kept = []
    position = 0
    while position <= len(line):
        if in_comment:
            end = line.find("-->", position)
            if end < 0:
                return "".join(kept), True
            position, in_comment = end + 3, False
        else:
            begin = line.find("<!--", position)
            if begin < 0:
                kept.append(line[position:])
                break
            kept.append(line[position:begin])
            position, in_comment = begin + 4, True
    return "".join(kept), in_comment


def _scan_line(line: str, number: int, page: Page) -> None:
    """Roles and code spans in one line; everything outside them is checked as plain text."""
    position = plain_start = 0
    while opening := _BACKTICKS.search(line, position):
        ticks = opening.group()
        closing = next(
            (run for run in _BACKTICKS.finditer(line, opening.end()) if run.group() == ticks), None
        )
        if closing is None:
            position = opening.end()  # backticks with no partner are literal text
            continue
        before = line[plain_start : opening.start()]
        content = line[opening.end() : closing.start()]
        if role := _ROLE_BEFORE.search(before):
            _plain_text(before[: role.start()], number, page)
            _role(role.group("name"), content, number, page)
        elif bad := _RST_ROLE_BEFORE_CODE.search(before) or _ROLE_SPACE_BEFORE_CODE.search(before):
            _plain_text(before[: bad.start()], number, page)
            name = bad.group("name")
            if bad.re is _RST_ROLE_BEFORE_CODE:
                problem = f"reStructuredText role syntax :{name}:`{content}` shows as literal text"
            else:
                problem = f"a space between {{{name}}} and `{content}` makes it literal text"
            page.bad.append(BadSyntax(number, f"{problem} in MyST: write {{{name}}}`{content}`"))
        else:
            _plain_text(before, number, page)  # an inline code span: not read
        position = plain_start = closing.end()
    _plain_text(line[plain_start:], number, page)


def _role(name: str, content: str, number: int, page: Page) -> None:
    if not _CITE_NAME.fullmatch(name):
        return
    if name not in CITE_ROLES:
        known = "{cite:p}, {cite:t}, {cite:ps}, {footcite:p}, ..."
        message = f"{{{name}}} is not a citation role of sphinxcontrib-bibtex (use {known})"
        page.bad.append(BadSyntax(number, message))
        return
    keys = _citation_keys(content)
    if keys is None:
        message = (
            f"{{{name}}}`{content}` does not list citation keys as sphinxcontrib-bibtex reads "
            f"them: separate keys with commas, e.g. {{{name}}}`key1,key2`"
        )
        page.bad.append(BadSyntax(number, message))
        return
    page.citations += [Citation(key, number, name) for key in keys]


def _citation_keys(targets: str) -> list[str] | None:
    """Keys in a role's content, or ``None`` if sphinxcontrib-bibtex would reject it."""
    keys, position = [], 0
    while True:
        match = _TARGET.match(targets, position)
        if match is None:
            return None
        keys.append(match.group("key"))
        position = match.end()
        if position == len(targets):
            return keys
        if targets[position] != ",":
            return None
        position += 1


def _plain_text(text: str, number: int, page: Page) -> None:
    """Citation syntax from other tools that MyST shows as literal text."""
    for match in _PANDOC.finditer(text):
        keys = ",".join(key.rstrip(".:") for key in _PANDOC_KEY.findall(match.group()))
        page.bad.append(BadSyntax(number, (
            f"pandoc citation {match.group()} shows as literal text in MyST: "
            f"write {{cite:p}}`{keys}`"
        )))  # fmt: skip
    rest = _PANDOC.sub(" ", text)
    page.at_words += [(number, key.rstrip(".:")) for key in _PANDOC_KEY.findall(rest)]
    for match in _LATEX.finditer(text):
        keys = ",".join(key.strip() for key in match.group("keys").split(","))
        page.bad.append(BadSyntax(number, (
            f"LaTeX citation {match.group()} shows as literal text in MyST: "
            f"write {{cite:p}}`{keys}`"
        )))  # fmt: skip
    for match in _ROLE_NO_TICKS.finditer(text):
        name = match.group("name")
        page.bad.append(BadSyntax(number, (
            f"{{{name}}} is not followed by keys in backticks, so MyST shows it as text: "
            f"write {{{name}}}`key`"
        )))  # fmt: skip
