"""Why a YAML file cannot be read, at the line that causes it, in plain words.

PyYAML reports where its parser gave up, in the parser's words ("while parsing a block mapping
... expected <block end>, but found '<block sequence start>'"), often a line after the mistake.
:func:`explain` looks at the text itself for the mistakes people make by hand (an indentation
that matches none of the lines around it, a tab, a bracket or quotation mark never closed, a
second ``: `` on one line) and says what it found, on the line where it is::

    this line is indented 3 spaces; the lines around it use 4

Only the first cause is given; where none of these is recognised, PyYAML's own words are.
:func:`read_checked` reads a data file that has a schema in the package (safety-net.yaml,
searches.yaml) and gives its first problem, of either kind, at its line; claims.yaml's loader
uses the same schema helpers (:func:`schema_errors`, :func:`line_at`, :func:`schema_message`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from living_review.problems import Problem

#: A block scalar's indicator after a key or a dash: ``|``, ``>-``, ``|2+`` ...
_BLOCK_SCALAR = re.compile(r"[|>][0-9+-]*\s*(#.*)?$")
#: ``key:`` at the start of a line's content (a plain or quoted key), and what follows it.
_KEY = re.compile(r"""(?P<key>[^\s#'"\[\]{},:][^#]*?|"[^"]*"|'[^']*')\s*:(?:\s+(?P<value>.*)|$)""")
_CLOSING = {"[": "]", "{": "}"}
_NO_COLON = "a key without ':' after it: write `key: value`"


@dataclass(frozen=True)
class Explanation:
    """A line (1-based) and what is wrong there."""

    line: int
    message: str


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _content(line: str) -> str:
    """The line without indentation; ``""`` for a blank line or a comment."""
    stripped = line.strip()
    return "" if not stripped or stripped.startswith("#") else stripped


def _plural(count: int) -> str:
    return f"{count} space{'s' if count != 1 else ''}"


def _misfit(line: int, indent: int, around: int) -> Explanation:
    message = f"this line is indented {_plural(indent)}; the lines around it use {_plural(around)}"
    return Explanation(line, message)


def _misindented(lines: list[str]) -> Explanation | None:
    """The first line whose indentation fits none of the blocks around it, if any.

    Follows YAML's block structure the way a reader does: a key ending in ``:`` (or a ``- ``
    item) opens a deeper block; a line less indented closes blocks until one with the same
    indentation. Lines of a block scalar (``>-``, ``|``) and the continuation lines of a plain
    value are skipped, and so is everything inside an unclosed ``[`` or ``{`` (which
    :func:`_unclosed` explains).
    """
    open_levels = [0]
    sequence_levels: set[int] = set()  # levels opened by a `- ` item: only items go there
    opens_block = False  # the line before ends with `key:` or is a `- ` item
    scalar_indent: int | None = None  # inside a block scalar or a plain value's continuation
    plain = False  # ... and that value is plain (a deeper `key: value` is then a mistake)
    block_indent = None  # the indentation of a block scalar's lines, once its first is read
    first_of_block: dict[int, tuple[int, bool]] = {}  # level -> (its first line, only line?)
    previous: tuple[int, str] | None = None  # the last line read outside a scalar
    block_lines: list[int] = []  # the lines of the scalar being read
    for number, raw in enumerate(lines, start=1):
        text = _content(raw)
        if not text or text in ("---", "...") or raw.startswith("%"):
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip(" \t"))]:
            return Explanation(number, "this line is indented with a tab; YAML needs spaces")
        indent = _indent(raw)
        if scalar_indent is not None and indent > scalar_indent:
            looks_like_key = _KEY.match(text) is not None and not text.startswith("- ")
            if plain and looks_like_key:
                # A deeper `key: value` after a plain value: YAML reads it as more of the value,
                # then stops at the `: `.
                odd = _odd_first_line(open_levels, first_of_block, indent)
                return odd or _misfit(number, indent, scalar_indent)
            if block_indent is None:
                block_indent = indent  # a block scalar's first line sets its indentation
                block_lines = [number]
            elif not plain and indent < block_indent:
                if (
                    len(block_lines) == 1
                    and not looks_like_key
                    and (_next_indent(lines, number) == indent or indent == scalar_indent + 2)
                ):
                    # Its first line alone is more indented than the lines after it.
                    return _misfit(block_lines[0], block_indent, indent)
                around = scalar_indent if looks_like_key else block_indent
                return _misfit(number, indent, around)
            else:
                block_lines.append(number)
            continue
        scalar_indent = None
        block_indent: int | None = None
        if indent > open_levels[-1]:
            if not opens_block:
                if previous is not None and _KEY.match(previous[1].removeprefix("- ")) is None:
                    # The line before is neither a key nor an item: its `:` is missing.
                    return Explanation(previous[0], _NO_COLON)
                odd = _odd_first_line(open_levels, first_of_block, indent)
                return odd or _misfit(number, indent, open_levels[-1])
            open_levels.append(indent)
            first_of_block[indent] = (number, True)
            sequence_levels.discard(indent)
            if text.startswith("- ") or text == "-":
                sequence_levels.add(indent)
        elif indent < open_levels[-1]:
            closed = open_levels[-1]
            while open_levels[-1] > indent:
                closed = open_levels.pop()
            if open_levels[-1] != indent or (
                indent in sequence_levels and not (text.startswith("- ") or text == "-")
            ):
                first, alone = first_of_block.get(closed, (number, False))
                agreed = _next_indent(lines, number) == indent or indent == open_levels[-1] + 2
                if alone and indent > open_levels[-1] and agreed:
                    # A block of one line, then lines less indented that agree with each
                    # other (or indented two spaces more than their parent, as everywhere
                    # else): the one line is the odd one out.
                    return _misfit(first, closed, indent)
                return _misfit(number, indent, closed)
        else:
            first, _alone = first_of_block.get(indent, (number, False))
            first_of_block[indent] = (first, False)  # the block has a second line
        previous = (number, text)
        # What this line opens.
        opens_block = False
        rest = text
        level = indent
        while rest.startswith("- ") or rest == "-":  # a list item, maybe `- key: value`
            inner = rest[1:].lstrip(" ")
            level += len(rest) - len(inner)
            rest = inner
            if not rest:
                opens_block = True
                break
            if open_levels[-1] != level:
                open_levels.append(level)  # the item's own mapping starts here
        key = _KEY.match(rest) if rest else None
        if key is None:
            continue
        value = (key.group("value") or "").strip()
        if not value or value.startswith("#") or value in ("&", "!"):
            opens_block = True
        elif value[0] in "\"'" and _closes_quote(value):
            pass  # a quoted value closed on its line: nothing may follow, more indented
        elif value[0] in "[{" and value.count(value[0]) <= value.count(_CLOSING[value[0]]):
            pass  # a [flow] value closed on its line: the same
        else:
            # A block scalar, a plain value, or a quoted or [flow] one left open: any of them
            # may run on to more indented lines.
            scalar_indent = level
            plain = not _BLOCK_SCALAR.match(value) and value[0] not in "[{\"'"
    return None


def _odd_first_line(
    open_levels: list[int], first_of_block: dict[int, tuple[int, bool]], indent: int
) -> Explanation | None:
    """The innermost block's one line, when it is indented unlike the usual two spaces more
    than its parent and the line at *indent* is indented as usual: that line is the odd one."""
    top = open_levels[-1]
    first, alone = first_of_block.get(top, (0, False))
    parent = open_levels[-2] if len(open_levels) > 1 else 0
    if alone and top != parent + 2 and indent == parent + 2:
        return _misfit(first, top, indent)
    return None


def _next_indent(lines: list[str], number: int) -> int | None:
    """The indentation of the next line with content after line *number* (1-based)."""
    for raw in lines[number:]:
        if _content(raw):
            return _indent(raw)
    return None


def _unclosed(lines: list[str], upto: int) -> Explanation | None:
    """The first ``[``, ``{`` or quotation mark that opens a value and is never closed, before
    line *upto* (where the parser noticed).

    "Never closed": not on its own line, and either on no later line before *upto*, or the next
    line is a key no more indented than this one (a value that runs on is indented more).
    """
    for number, raw in enumerate(lines[:upto], start=1):
        text = _content(raw)
        if not text:
            continue
        item = text.removeprefix("- ").lstrip()
        key = _KEY.match(item)
        value = (key.group("value") or "").strip() if key else item
        if not value or value[0] not in "\"'[{":
            continue
        later = [line for line in lines[number:upto] if _content(line)]
        next_is_key = bool(later) and (
            _indent(later[0]) <= _indent(raw) and _KEY.match(_content(later[0])) is not None
        )
        rest = " ".join(later)
        if value[0] in "\"'":
            if not _closes_quote(value) and (next_is_key or not _closes_quote(value[0] + rest)):
                return Explanation(
                    number,
                    f"the quotation mark {value[0]} that opens the value on this line is never "
                    "closed: end the value with the same mark",
                )
            continue
        closing = _CLOSING[value[0]]
        depth = value.count(value[0]) - value.count(closing)
        if depth > 0 and (next_is_key or depth > rest.count(closing) - rest.count(value[0])):
            return Explanation(
                number,
                f"the '{value[0]}' that opens the list on this line is never closed: end it "
                f"with '{closing}'",
            )
    return None


def _closes_quote(value: str) -> bool:
    """Whether the quotation mark that opens *value* is closed (``''`` and ``\\"`` escape one)."""
    if value[0] == "'":
        return "'" in value[1:].replace("''", "")
    return re.match(r'"(?:[^"\\]|\\.)*"', value, re.DOTALL) is not None


def explain(text: str, error: yaml.YAMLError) -> Explanation:
    """Where *text* goes wrong and why, in plain words (PyYAML's words as the last resort)."""
    lines = text.splitlines()
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    noticed = mark.line + 1 if mark is not None else len(lines)
    # An unclosed bracket or quote makes every later line look wrong: look for it first.
    unclosed = _unclosed(lines, noticed)
    misindented = _misindented(lines[: noticed + 1])
    found = [found for found in (unclosed, misindented) if found is not None]
    if found:
        return min(found, key=lambda explanation: explanation.line)
    problem = getattr(error, "problem", None) or ""
    if "mapping values are not allowed" in problem:
        return Explanation(
            noticed,
            "a second ': ' on this line: put the whole value in quotation marks (\"like: this\")",
        )
    if "could not find expected ':'" in problem:
        line = error.context_mark.line + 1 if getattr(error, "context_mark", None) else noticed
        return Explanation(line, _NO_COLON)
    context = getattr(error, "context", None) or ""
    words = " ".join(part for part in (context, problem) if part) or str(error)
    return Explanation(noticed, f"YAML cannot read this line ({words})")


def schema_file(name: str) -> Traversable:
    """``schemas/<name>.schema.json``: a package resource, so a wheel has it too."""
    return resources.files("living_review") / "schemas" / f"{name}.schema.json"


@cache
def schema(name: str) -> dict[str, Any]:
    """``schemas/<name>.schema.json``, parsed once per process (callers must not change it)."""
    return json.loads(schema_file(name).read_text(encoding="utf-8"))


@cache
def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(schema(name))


def schema_errors(name: str, data: Any) -> list[ValidationError]:
    """Every way *data* breaks ``schemas/<name>.schema.json``, in document order."""
    return sorted(_validator(name).iter_errors(data), key=lambda e: list(map(str, e.path)))


def mapping_get(node: yaml.Node | None, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    for key_node, value_node in pairs:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value_node
    return None


def node_line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def line_at(root: yaml.Node | None, where: list[Any], error: ValidationError) -> int:
    """The line of the node at *where*; for a key the schema does not allow, that key's line."""
    node = root
    line = node_line(root) if root is not None else 1
    for step in where:
        if isinstance(step, int) and isinstance(node, yaml.SequenceNode):
            if step >= len(node.value):
                break
            node = node.value[step]
            line = node_line(node)
        elif (found := mapping_get(node, str(step))) is not None:
            key_node, node = found
            line = node_line(key_node)
        else:
            break
    if error.validator == "additionalProperties" and isinstance(node, yaml.MappingNode):
        allowed = set(error.schema.get("properties", {}))
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value not in allowed:
                return node_line(key_node)
    return line


def schema_message(error: ValidationError) -> str:
    if not error.absolute_path and error.validator == "type":
        return "the file must hold `claims:`, a list of records"
    if error.validator == "additionalProperties":
        allowed = ", ".join(error.schema.get("properties", {}))
        return f"{error.message}; the keys allowed here: {allowed}"
    if error.validator == "pattern" and error.schema.get("pattern", "").startswith("^[a-z0-9]"):
        return f"{error.instance!r} is not kebab-case (lower-case letters, digits and hyphens)"
    if error.validator == "dependentRequired":
        return (
            "`quote_checked: by hand` needs `quote_source`, the address of the page where the "
            "quote was read"
        )
    if error.validator == "enum" and isinstance(error.instance, list):
        return (
            f"{error.instance!r} is not two adjacent levels, the higher first, e.g. [low, very-low]"
        )
    return error.message


def read_checked(
    text: str,
    path: Path,
    name: str,
    loader: type[yaml.SafeLoader] = yaml.SafeLoader,
    message: Callable[[ValidationError], str] | None = None,
) -> tuple[Any, Any, Problem | None]:
    """(data, its node tree, None) from *text*, checked against ``schemas/<name>.schema.json``;
    else (None, None, the first problem: ``<name>-parse-error`` or ``<name>-schema``)."""
    try:
        root = yaml.compose(text, Loader=loader)
        data = loader("").construct_document(root) if root is not None else None
    except yaml.YAMLError as error:  # one problem, in plain words, at the line that causes it
        found = explain(text, error)
        return None, None, Problem(path, found.line, f"{name}-parse-error", found.message)
    errors = schema_errors(name, data)
    if not errors:
        return data, root, None
    error = errors[0]  # the first cause only: later ones often follow from it
    where = list(error.absolute_path)
    inside = ".".join(str(step) for step in where)
    said = (message or schema_message)(error)
    said = f"{inside}: {said}" if inside else said
    return None, None, Problem(path, line_at(root, where, error), f"{name}-schema", said)


def line_of(root: yaml.Node, *steps: str | int) -> int:
    """The line of the node at *steps* (keys and indexes) below *root*, or of the last found."""
    node = root
    for step in steps:
        if isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            node = node.value[step]
        elif isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), node)
    return node.start_mark.line + 1
