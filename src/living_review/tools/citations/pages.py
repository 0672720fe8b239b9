"""Find the citations in the MyST pages under ``docs/``, and citations MyST would not render.

Pages are read with :mod:`living_review.myst_pages`, the parser MyST itself uses, so a role is a
citation exactly where the build sees one: not in a code span (even one over two lines), a
code block (fenced or indented), an HTML or ``%`` comment, or the body of a directive that is
not Markdown (``code-block``, ``eval-rst``, ...); and in the Markdown bodies and titles of
directives such as ``:::{admonition}``. The plain text around roles is searched for citation
syntax of other tools (pandoc, LaTeX, reStructuredText), which MyST shows as literal text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from living_review.myst_pages import FrontMatterError, PageError, Piece, parse_page, read_text
from living_review.review_schedule import DEFAULT_EXEMPT, is_exempt
from living_review.safety_net import BOX_TIERS

from .report import UnusableInput

#: Rule id of a page whose front matter cannot be read (exit status 2, like an unreadable file).
FRONT_MATTER = "front-matter"

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

# sphinxcontrib.bibtex.citation_target: `{pre}key{post}, key2` (a test checks they agree).
_TARGET = re.compile(
    r"\s*([{](?P<pre>[^{}]+)[}])?\s*(?P<key>[^{}\s,]+)\s*([{](?P<post>[^{}]+)[}])?\s*"
)
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
class ClaimUse:
    """``{claim}`id``` on a page: the record's badge and citation(s) from claims.yaml."""

    claim_id: str
    line: int


@dataclass(frozen=True)
class EvidenceDisplay:
    """A ``{summary-of-findings}`` table (``table``) or an ``{evidence-chart}`` (``scale`` or
    ``measure``) on a page: it shows the ledger's records that match."""

    directive: str
    line: int
    table: str = ""
    scale: str = ""
    measure: str = ""


#: What cites the keys of safety-net.yaml (living_review.sphinxext.safety_net).
SAFETY_NET_BOX = "safety-net"
SAFETY_NET_SIGNS = "safety-net-signs"
WHAT_TO_DO_NOW = "what-to-do-now"
STAGES = "stages"

#: The directives that show records of the claim ledger (living_review.sphinxext.evidence_displays).
SUMMARY_OF_FINDINGS = "summary-of-findings"
EVIDENCE_CHART = "evidence-chart"


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
    claims: list[ClaimUse] = field(default_factory=list)
    #: Summary-of-findings tables and evidence charts: they use the records they show.
    displays: list[EvidenceDisplay] = field(default_factory=list)
    bad: list[BadSyntax] = field(default_factory=list)
    #: Words written like pandoc in-text citations (``@key``), to compare with the bib's keys.
    at_words: list[tuple[int, str]] = field(default_factory=list)
    no_citations_reason: str = ""
    title_line: int = 1
    #: Files this page pulls in with ``{include}`` (resolved paths), e.g. the urgent-care box.
    includes: list[Path] = field(default_factory=list)
    #: True for a file that is not a page of its own but is included into pages.
    is_fragment: bool = False
    #: Tiers whose keys the page cites through safety-net.yaml: the {safety-net} box
    #: (its :tiers:, or the default ones), {safety-net-signs}`tier`; "stages" for the guide.
    safety_net: list[str] = field(default_factory=list)

    @property
    def is_content(self) -> bool:
        # Not content: the pages that need no review dates either (one list, in review_schedule).
        return not self.is_fragment and not is_exempt(self.docname, DEFAULT_EXEMPT)


def read_pages(docs: Path) -> list[Page]:
    """Every ``*.md`` page under *docs* (not under ``_build``, ``_static`` or hidden folders)."""
    if not docs.is_dir():
        raise UnusableInput(docs, "not a folder")
    pages = []
    for path in sorted(docs.rglob("*.md")):
        relative = path.relative_to(docs)
        if not any(part.startswith(("_", ".")) for part in relative.parts[:-1]):
            pages.append(_read_and_scan(path, relative.with_suffix("").as_posix()))
    return pages + _included_fragments(pages, docs)


def _read_and_scan(path: Path, docname: str) -> Page:
    try:
        return scan_page(read_text(path), path, docname)
    except PageError as error:  # read_text's: the file cannot be read
        raise UnusableInput(path, error.message, line=error.line) from None


def _included_fragments(pages: list[Page], docs: Path) -> list[Page]:
    """The Markdown files that pages ``{include}`` (even from excluded folders such as
    ``_fragments/``), each read once: their citations are the including pages' citations, and
    a problem in one is reported at the fragment's own file and line."""
    fragments: dict[Path, Page] = {}
    queue = list(pages)
    while queue:
        page = queue.pop()
        for path in page.includes:
            if path in fragments or path.suffix != ".md" or not path.is_file():
                continue  # a missing file is the build's error; other formats hold no roles
            try:
                docname = path.relative_to(docs.resolve()).with_suffix("").as_posix()
            except ValueError:
                docname = path.as_posix()
            fragment = _read_and_scan(path, docname)
            fragment.is_fragment = True
            fragments[path] = fragment
            queue.append(fragment)
    return [fragments[path] for path in sorted(fragments)]


def scan_page(text: str, path: Path, docname: str) -> Page:
    """Find citations and unrenderable citation syntax in one page's text."""
    parsed = parse_page(text, path)
    page = Page(path, docname, title_line=parsed.title_line)
    # Front matter MyST cannot read (bad YAML, a date that cannot exist) it ignores whole, with
    # every key in it: the page cannot be checked as the build will read it (exit status 2).
    try:
        front_matter = parsed.front_matter
    except FrontMatterError as error:
        message = f"{error.message}; MyST ignores the whole front matter then"
        raise UnusableInput(path, message, line=error.line, rule=FRONT_MATTER) from None
    if front_matter.impossible_dates:
        first = front_matter.impossible_dates[0]
        raise UnusableInput(path, first.message, line=first.line, rule=FRONT_MATTER)
    # `no_citations: <reason>` exempts a content page from needing a citation.
    if reason := front_matter.values.get("no_citations"):
        page.no_citations_reason = str(reason).strip()
    for block in parsed.blocks:
        _scan_pieces(block.pieces, page)
    for fence in parsed.directives:
        if fence.name == "include" and fence.argument.strip():
            page.includes.append((path.parent / fence.argument.strip()).resolve())
        elif fence.name in (SUMMARY_OF_FINDINGS, EVIDENCE_CHART):
            options = [fence.option(name) for name in ("table", "scale", "measure")]
            page.displays.append(EvidenceDisplay(fence.name, fence.line, *options))
        elif fence.name == SAFETY_NET_BOX:
            page.safety_net += fence.option("tiers").split() or list(BOX_TIERS)
        elif fence.name == WHAT_TO_DO_NOW:
            page.safety_net.append(STAGES)
    return page


def _scan_pieces(pieces: tuple[Piece, ...], page: Page) -> None:
    """Roles, and the plain text around them; code spans are not read, only what precedes them."""
    for index, piece in enumerate(pieces):
        if piece.kind == "role" and piece.role is not None:
            _role(piece.role.name, piece.content, piece.line, page)
        if piece.kind != "text":
            continue
        text = piece.content
        if index + 1 < len(pieces) and (following := pieces[index + 1]).kind == "code":
            bad = _RST_ROLE_BEFORE_CODE.search(text) or _ROLE_SPACE_BEFORE_CODE.search(text)
            if bad:
                name, content = bad.group("name"), following.content
                problem = (
                    f"reStructuredText role syntax :{name}:`{content}` shows as literal text"
                    if bad.re is _RST_ROLE_BEFORE_CODE
                    else f"a space between {{{name}}} and `{content}` makes it literal text"
                )
                advice = f"in MyST: write {{{name}}}`{content}`"
                page.bad.append(BadSyntax(piece.line, f"{problem} {advice}"))
                text = text[: bad.start()]
        _plain_text(text, piece.line, page)


def _role(name: str, content: str, number: int, page: Page) -> None:
    if name == "claim":
        page.claims.append(ClaimUse(content.strip(), number))
    elif name == SAFETY_NET_SIGNS:
        page.safety_net.append(content.strip())
    elif name in CITE_ROLES and (keys := _citation_keys(content)) is not None:
        page.citations += [Citation(key, number, name) for key in keys]
    elif name in CITE_ROLES:
        message = (
            f"{{{name}}}`{content}` does not list citation keys as sphinxcontrib-bibtex reads "
            f"them: separate keys with commas, e.g. {{{name}}}`key1,key2`"
        )
        page.bad.append(BadSyntax(number, message))
    elif _CITE_NAME.fullmatch(name):
        known = "{cite:p}, {cite:t}, {cite:ps}, {footcite:p}, ..."
        message = f"{{{name}}} is not a citation role of sphinxcontrib-bibtex (use {known})"
        page.bad.append(BadSyntax(number, message))


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
    literal = "{} citation {} shows as literal text in MyST: write {{cite:p}}`{}`"
    for match in _PANDOC.finditer(text):
        keys = ",".join(key.rstrip(".:") for key in _PANDOC_KEY.findall(match.group()))
        page.bad.append(BadSyntax(number, literal.format("pandoc", match.group(), keys)))
    rest = _PANDOC.sub(" ", text)
    page.at_words += [(number, key.rstrip(".:")) for key in _PANDOC_KEY.findall(rest)]
    for match in _LATEX.finditer(text):
        keys = ",".join(key.strip() for key in match.group("keys").split(","))
        page.bad.append(BadSyntax(number, literal.format("LaTeX", match.group(), keys)))
    for match in _ROLE_NO_TICKS.finditer(text):
        name = match.group("name")
        page.bad.append(BadSyntax(number, (
            f"{{{name}}} is not followed by keys in backticks, so MyST shows it as text: "
            f"write {{{name}}}`key`"
        )))  # fmt: skip
