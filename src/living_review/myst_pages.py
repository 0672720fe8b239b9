"""Read a MyST page as MyST reads it: front matter, roles, directives and prose, with line numbers.

The build's own parser does the reading: markdown-it-py with the mdit-py-plugins that
myst-parser loads (front matter, MyST roles and blocks, footnotes, and this site's
``myst_enable_extensions``: colon fences, definition lists, attributes). So a role inside a code
span or a code fence is not a role here either, and what counts as front matter is what MyST
takes as front matter. Directive bodies are read the way MyST hands them on: options removed,
Markdown bodies (admonitions, notes, a bare ``:::`` container, any directive not known to hold
something else) parsed as Markdown with their own line numbers, other bodies (code, math,
toctrees, raw HTML, ...) not read.

Prose comes in blocks (a paragraph, a heading, a table cell, a directive's title, a glossary
definition), each split into sentences by sentencex. A block's text is what the reader sees:
plain text, emphasis and link text as written, and each role as :func:`role_words` shows it
(its words, nothing for a citation number or a badge, else :data:`OBJECT`, not a word).

Limits: a code span or role split across two lines puts later text of that block one line too
early (pages keep one sentence per line, so roles stay on one line); ``{eval-rst}`` bodies and
raw HTML are not read, as MyST does not read them as Markdown either.
"""

from __future__ import annotations

import bisect
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.colon_fence import colon_fence_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.myst_blocks import myst_block_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

#: ``myst_enable_extensions`` in docs/conf.py that change how a page is parsed (a test keeps
#: this in step with conf.py).
MYST_EXTENSIONS = ("colon_fence", "deflist", "attrs_inline", "attrs_block")

#: Stands in the prose for a code span, an image or a role shown as something other than its
#: own words. It is not a word, so it is not counted and breaks runs of words.
OBJECT = "\ufffc"

#: Directives whose body is not Markdown, so nothing in it is a role or prose.
OPAQUE_DIRECTIVES = frozenset({
    "code", "code-block", "code-cell", "sourcecode", "literalinclude", "math", "raw",
    "toctree", "bibliography", "footbibliography", "eval-rst", "eval-md", "csv-table",
    "mermaid", "graphviz", "certainty-legend", "include", "image", "highlight",
})  # fmt: skip

#: Directives whose argument is a file, a language or an expression rather than a title.
NON_PROSE_ARGUMENT = OPAQUE_DIRECTIVES | {"figure", "only", "ifconfig", "tab-set", "glossary"}

#: Citation roles shown as bracketed numbers: no words in the sentence.
PARENTHETICAL_CITATIONS = frozenset({
    "cite", "cite:p", "cite:ps", "cite:empty", "cite:label", "cite:labelpar",
    "footcite", "footcite:p", "footcite:ps",
})  # fmt: skip

#: Roles badges (and, for {claim}, citation numbers) are made from: no words in the sentence.
BADGE_ROLES = frozenset({"certainty", "claim"})  # {claim}: badge(s) and citation number(s)

#: Roles that show their content (or the title before ``<target>``) as words.
WORD_ROLES = frozenset({
    "term", "abbr", "sub", "sup", "dfn", "guilabel", "menuselection", "strong", "emphasis",
    "ref", "doc", "numref", "any", "download", "external",
})  # fmt: skip

#: Of those, the ones whose words are a title found elsewhere unless the role gives one.
TITLE_ROLES = frozenset({"ref", "doc", "numref", "any", "download", "external"})

BlockKind = Literal["paragraph", "heading", "cell", "title", "definition-term"]

#: A word: letters and digits, joined by hyphens, apostrophes (\u2019: typographic) and the like.
_WORD = re.compile(r"[^\W_]+(?:[-'\u2019.,/][^\W_]+)*")


class PageError(Exception):
    """A page cannot be read at all (missing, unreadable, not UTF-8)."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}")


class FrontMatterError(ValueError):
    """A page's front matter is not a YAML mapping; ``line`` is where YAML stopped."""

    def __init__(self, line: int, message: str) -> None:
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class ImpossibleDate:
    """A value YAML reads as a date, but a date that does not exist (``2026-02-30``)."""

    key: str  # the top-level key it is under
    text: str  # as written
    line: int
    reason: str  # Python's: "day is out of range for month", "month must be in 1..12"

    @property
    def message(self) -> str:
        return (
            f"'{self.key}' is {self.text}, a date that does not exist ({self.reason}); MyST "
            "ignores the whole front matter when one value cannot be read"
        )


@dataclass(frozen=True)
class FrontMatter:
    """A page's front matter: its top-level values and the 1-based line of each key."""

    values: Mapping[str, object]
    lines: Mapping[str, int]
    start_line: int | None  # the opening ``---``; None if the page has no front matter
    end_line: int | None = None  # the closing ``---``
    #: Dates that cannot exist, kept here as text (:class:`_TextDatesLoader`); for MyST, one
    #: of them makes the whole front matter unreadable.
    impossible_dates: tuple[ImpossibleDate, ...] = ()

    def line_of(self, key: str) -> int:
        """The line of *key*, else of the front matter, else 1."""
        return self.lines.get(key, self.start_line or 1)


@dataclass(frozen=True)
class Role:
    """A MyST role: ``{name}`content``` on ``line``."""

    name: str
    content: str
    line: int

    @property
    def title(self) -> str | None:
        """The explicit title of ``title <target>`` content, if any."""
        return split_explicit_title(self.content)[0]

    @property
    def target(self) -> str:
        """What the role points at: the part in ``<…>``, or the whole content."""
        return split_explicit_title(self.content)[1]


@dataclass(frozen=True)
class Fence:
    """A fenced block: a directive (```` ```{name} ```` or ``:::{name}``) or a code block."""

    name: str  # the directive's name, or a code block's language ("" if none)
    is_directive: bool
    argument: str
    line: int  # the opening fence
    end_line: int  # the last line of the block
    body: str  # options removed (left as blank lines, so body lines keep their places)
    #: A directive's options (``:table: safety``, or a ``---`` YAML block), as text, in order.
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str:
        """The value of option *name* (stripped), or ``""`` if the directive does not give it."""
        return next((value for key, value in self.options if key == name), "")


@dataclass(frozen=True)
class GlossaryTerm:
    """One term line of a ``{glossary}`` directive; lines of one entry share ``entry``."""

    text: str
    line: int
    entry: int


@dataclass(frozen=True)
class Inline:
    """A stretch of a block's text made by markup: a role, a code span, a link, emphasis."""

    start: int
    end: int
    kind: Literal["role", "code", "link", "image", "emphasis"]
    role: Role | None = None


@dataclass(frozen=True)
class Piece:
    """A block's inline content as written, in order: text, a code span, a role, a line break.

    For checks that look at the source rather than the prose, such as citation syntax that
    MyST would show as literal text (link targets are not text, so they are not here).
    """

    kind: Literal["text", "code", "role", "break"]
    content: str
    line: int
    role: Role | None = None


@dataclass(frozen=True)
class TextBlock:
    """A run of prose: a paragraph, heading, table cell, directive title or glossary definition."""

    kind: BlockKind
    text: str
    line: int
    line_starts: tuple[int, ...]  # offset in ``text`` where each later source line begins
    inlines: tuple[Inline, ...]
    pieces: tuple[Piece, ...] = ()

    def line_at(self, offset: int) -> int:
        """The source line of the character at *offset* in :attr:`text`."""
        return self.line + bisect.bisect_right(self.line_starts, offset)

    def sentences(self) -> list[Sentence]:
        """The block's sentences, in order, each with the line it starts on."""
        # Imported here: the Sphinx build and the citation check read pages with this module
        # but never split sentences, so only `nox -s prose` (and the tests) install sentencex.
        import sentencex

        found = []
        position = 0
        for segment in sentencex.segment("en", self.text):
            # sentencex returns the text in pieces; not finding one is never expected
            start = max(self.text.find(segment, position), position)
            position = start + len(segment)
            stripped = segment.strip()
            if not stripped:
                continue
            begin = start + (len(segment) - len(segment.lstrip()))
            found.append(
                Sentence(stripped, self.line_at(begin), self, begin, begin + len(stripped))
            )
        return found


@dataclass(frozen=True)
class Sentence:
    """One sentence of a block, with the line it starts on."""

    text: str
    line: int
    block: TextBlock = field(repr=False)
    start: int
    end: int

    @property
    def words(self) -> list[str]:
        """The sentence's words (a code span or a citation is not a word)."""
        return _WORD.findall(self.text)

    @property
    def roles(self) -> list[Role]:
        """The roles written in this sentence (citations and badges included)."""
        return [
            inline.role
            for inline in self.block.inlines
            if inline.role is not None and self.start <= inline.start <= self.end
        ]


@dataclass
class Page:
    """Everything read from one page."""

    path: Path
    text: str
    front_matter_or_error: FrontMatter | FrontMatterError
    roles: list[Role] = field(default_factory=list)
    fences: list[Fence] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    glossary_terms: list[GlossaryTerm] = field(default_factory=list)

    @property
    def front_matter(self) -> FrontMatter:
        """The page's front matter (raises :class:`FrontMatterError` if it is not valid)."""
        if isinstance(self.front_matter_or_error, FrontMatterError):
            raise self.front_matter_or_error
        return self.front_matter_or_error

    @property
    def directives(self) -> list[Fence]:
        """The directives (not code blocks), outer ones before those nested in them."""
        return [fence for fence in self.fences if fence.is_directive]

    @property
    def title_line(self) -> int:
        """The line of the first heading (1 if the page has none)."""
        return next((block.line for block in self.blocks if block.kind == "heading"), 1)

    def sentences(self) -> Iterator[Sentence]:
        """Every sentence of the page's prose, in page order within each block."""
        return (sentence for block in self.blocks for sentence in block.sentences())


def split_explicit_title(content: str) -> tuple[str | None, str]:
    """``title <target>`` -> (title, target); other content -> (None, content), as Sphinx reads."""
    stripped = content.strip()
    if stripped.endswith(">") and " <" in stripped:
        title, _, target = stripped[:-1].rpartition(" <")
        if title.strip():
            return title.strip(), target.strip()
    return None, stripped


@cache
def markdown_parser() -> MarkdownIt:
    """markdown-it-py set up as myst-parser sets it up for this site (its ``create_md_parser``)."""
    return (
        MarkdownIt("commonmark")
        .enable("table")
        .use(front_matter_plugin)
        .use(myst_block_plugin)
        .use(myst_role_plugin)
        .use(footnote_plugin, inline=False, move_to_end=False, always_match_refs=True)
        .use(colon_fence_plugin)
        .use(deflist_plugin)
        .use(
            attrs_plugin,
            after=("image", "code_inline", "link_close", "span_close"),
            spans=True,
            span_after="footnote_ref",
        )
        .use(attrs_block_plugin)
    )


class _TextDatesLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but timestamps stay text, so a date that cannot exist (which makes
    MyST drop the whole front matter) can be reported as written, with its line."""


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
#: The plain scalars PyYAML's safe loader (MyST's) reads as timestamps.
_TIMESTAMP = next(
    regexp for tag, regexp in yaml.SafeLoader.yaml_implicit_resolvers["2"] if tag == _TIMESTAMP_TAG
)


def read_text(path: Path) -> str:
    """A page's text as MyST reads it: UTF-8, a leading byte-order mark dropped."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise PageError(path, line, f"not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise PageError(path, 1, error.strerror or str(error)) from None


def read_page(path: Path) -> Page:
    """Read and parse one page (raises :class:`PageError` if it cannot be read)."""
    return parse_page(read_text(path), path)


def read_front_matter(text: str) -> FrontMatter:
    """The front matter of a page's text (raises :class:`FrontMatterError` if it is bad YAML)."""
    return _front_matter(markdown_parser().parse(text.removeprefix("\ufeff")))


def parse_page(text: str, path: Path) -> Page:
    """Parse one page's text (a leading byte-order mark is dropped, as MyST reads files)."""
    text = text.removeprefix("\ufeff")
    tokens = markdown_parser().parse(text)
    try:
        front_matter: FrontMatter | FrontMatterError = _front_matter(tokens)
    except FrontMatterError as error:
        front_matter = error
    page = Page(path, text, front_matter)
    _Reader(page).read(tokens, line_offset=0)
    return page


def _front_matter(tokens: Sequence[Token]) -> FrontMatter:
    token = tokens[0] if tokens and tokens[0].type == "front_matter" else None
    if token is None or token.map is None:
        return FrontMatter(values={}, lines={}, start_line=None)
    start, end = token.map[0] + 1, token.map[1]
    try:
        node = yaml.compose(token.content, Loader=_TextDatesLoader)
        # What yaml.load would return, from the tree just composed rather than a second parse.
        values = _TextDatesLoader("").construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = start + 1 + mark.line if mark is not None else start
        problem = getattr(error, "problem", None) or str(error)
        raise FrontMatterError(line, f"front matter is not valid YAML: {problem}") from None
    if values is None:
        return FrontMatter(values={}, lines={}, start_line=start, end_line=end)
    if not isinstance(values, dict) or not isinstance(node, yaml.MappingNode):
        raise FrontMatterError(start, "front matter is not a mapping of keys")
    lines = {
        key_node.value: start + 1 + key_node.start_mark.line
        for key_node, _ in node.value
        if isinstance(key_node, yaml.ScalarNode)
    }
    impossible = tuple(_impossible_dates(node, start + 1))
    return FrontMatter(values, lines, start, end, impossible)


def _impossible_dates(node: yaml.Node, first_line: int, key: str = "") -> Iterator[ImpossibleDate]:
    """Plain values that MyST's YAML loader reads as dates and fails on, at any depth."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            yield from _impossible_dates(value_node, first_line, key or str(key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _impossible_dates(item, first_line, key)
    elif isinstance(node, yaml.ScalarNode) and node.style is None and _TIMESTAMP.match(node.value):
        try:
            yaml.constructor.SafeConstructor().construct_yaml_timestamp(node)
        except ValueError as error:
            line = first_line + node.start_mark.line
            yield ImpossibleDate(key, node.value, line, str(error))


def role_words(role: Role) -> str:
    """The words a role shows in the sentence: text, "" for none, :data:`OBJECT` for "not words"."""
    if role.name in PARENTHETICAL_CITATIONS or role.name in BADGE_ROLES:
        return ""
    title = role.title
    if role.name not in WORD_ROLES or (title is None and role.name in TITLE_ROLES):
        return OBJECT
    if title is not None:
        return title
    if role.name == "abbr":  # {abbr}`TENS (transcutaneous …)` shows "TENS"
        return role.content.partition(" (")[0].strip()
    return role.content


_BLOCK_KINDS: dict[str, BlockKind] = {
    "heading_open": "heading",
    "th_open": "cell",
    "td_open": "cell",
    "dt_open": "definition-term",
}


class _Reader:
    """Walks markdown-it tokens into a :class:`Page`, reading directive bodies recursively."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.glossary_entries = 0

    def read(self, tokens: Sequence[Token], line_offset: int) -> None:
        kind: BlockKind = "paragraph"
        for token in tokens:
            if token.type in _BLOCK_KINDS:
                kind = _BLOCK_KINDS[token.type]
            elif token.type in ("heading_close", "th_close", "td_close", "dt_close"):
                kind = "paragraph"
            elif token.type == "inline" and token.map is not None:
                self._inline(token.children or [], token.map[0] + line_offset + 1, kind)
            elif token.type in ("fence", "colon_fence") and token.map is not None:
                self._fence(token, line_offset)

    def _inline(self, children: Sequence[Token], line: int, kind: BlockKind) -> None:
        text = ""
        line_starts: list[int] = []
        inlines: list[Inline] = []
        pieces: list[Piece] = []
        opened: dict[str, list[int]] = {"link": [], "emphasis": []}
        current = line
        for child in children:
            if child.type == "text":
                text += child.content
                pieces.append(Piece("text", child.content, current))
            elif child.type in ("softbreak", "hardbreak"):
                text += "\n"
                current += 1
                line_starts.append(len(text))
                pieces.append(Piece("break", "\n", current))
            elif child.type == "code_inline":
                inlines.append(Inline(len(text), len(text) + 1, "code"))
                text += OBJECT
                pieces.append(Piece("code", child.content, current))
            elif child.type == "image":
                inlines.append(Inline(len(text), len(text) + 1, "image"))
                text += OBJECT
            elif child.type == "myst_role":
                role = Role(str(child.meta.get("name", "")), child.content, current)
                self.page.roles.append(role)
                shown = role_words(role)
                inlines.append(Inline(len(text), len(text) + len(shown), "role", role))
                text += shown
                pieces.append(Piece("role", child.content, current, role))
            elif child.type in ("link_open", "em_open"):
                opened["link" if child.type == "link_open" else "emphasis"].append(len(text))
            elif child.type in ("link_close", "em_close"):
                kind_closed: Literal["link", "emphasis"] = (
                    "link" if child.type == "link_close" else "emphasis"
                )
                if opened[kind_closed]:
                    inlines.append(Inline(opened[kind_closed].pop(), len(text), kind_closed))
            elif child.type in ("math_inline", "math_inline_double"):
                text += OBJECT
        if text.strip() or pieces:
            self.page.blocks.append(
                TextBlock(kind, text, line, tuple(line_starts), tuple(inlines), tuple(pieces))
            )

    def _fence(self, token: Token, line_offset: int) -> None:
        assert token.map is not None
        first, *rest = token.info.strip().split(maxsplit=1) or [""]
        argument = rest[0] if rest else ""
        is_directive = first.startswith("{") and first.endswith("}")
        name = first[1:-1] if is_directive else first
        line = token.map[0] + line_offset + 1
        # A bare ::: is a container of Markdown.
        markdown_body = (
            name not in OPAQUE_DIRECTIVES if is_directive else token.type == "colon_fence"
        )
        options, body = _options(token.content) if is_directive else ((), token.content)
        fence = Fence(name, is_directive, argument, line, token.map[1] + line_offset, body, options)
        self.page.fences.append(fence)
        if argument and is_directive and markdown_body and name not in NON_PROSE_ARGUMENT:
            parsed = markdown_parser().parseInline(argument)
            self._inline(parsed[0].children or [] if parsed else [], line, "title")
        if not markdown_body:
            return
        if name == "glossary" and is_directive:
            body = self._glossary_terms(body, line + 1)
        self.read(markdown_parser().parse(body), line_offset=line)

    def _glossary_terms(self, body: str, body_line: int) -> str:
        """Record the term lines; return the body with only the definitions, dedented."""
        lines = body.split("\n")
        terms = [i for i, text in enumerate(lines) if text.strip() and text[0] not in " \t"]
        kept: list[str] = []
        for start, end in zip([-1, *terms], [*terms, len(lines)], strict=True):
            run = lines[start + 1 : end]  # a definition, and the blank lines around it
            kept += textwrap.dedent("\n".join(run)).split("\n") if run else []
            if end == len(lines):
                break
            if start < 0 or any(text.strip() for text in run):  # not a second term of one entry
                self.glossary_entries += 1
            term = lines[end].partition(" : ")[0].strip()  # "term : classifier"
            self.page.glossary_terms.append(
                GlossaryTerm(term, body_line + end, self.glossary_entries)
            )
            kept.append("")
        return "\n".join(kept)


def _options(content: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """A directive's options, and its body with them blanked, as myst-parser's
    ``parse_directive_text`` reads them; blank lines keep every body line in its place."""
    lines = content.split("\n")
    if content.startswith("---"):
        end = next((i for i in range(1, len(lines)) if lines[i].startswith("---")), len(lines))
        body = [""] * end
        if end < len(lines):
            body += [lines[end].lstrip("-").removeprefix(" "), *lines[end + 1 :]]
        try:
            block = yaml.safe_load("\n".join(lines[1:end]))
        except yaml.YAMLError:
            block = None  # the build reports it
        items = block.items() if isinstance(block, dict) else ()
        options = tuple((str(key), "" if v is None else str(v).strip()) for key, v in items)
        return options, "\n".join(body)
    found = []
    for line in lines:
        stripped = line.lstrip()
        if not stripped.startswith(":") or stripped.startswith(":::"):
            break
        key, _colon, value = stripped[1:].partition(":")
        found.append((key.strip(), value.strip()))
    return tuple(found), "\n".join([""] * len(found) + lines[len(found) :])
