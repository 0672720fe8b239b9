"""Read ``references.bib`` with pybtex, keeping the line of every entry and field.

The site build reads the file with pybtex's ``Parser`` (through sphinxcontrib-bibtex), so this
module uses pybtex's own tokenizer (``LowLevelParser``) to see exactly the entries and values the
build sees. It cannot simply call ``Parser`` as the build does, for three reasons:

- ``Parser`` forgets where things are: an ``Entry`` has no line numbers.
- In its default (strict) mode it raises at the *first* repeated key or repeated field, and
  sphinxcontrib-bibtex then silently drops that entry and every entry after it; in non-strict mode
  it keeps the first of two repeated fields and warns without a line. Either way later problems
  are hidden.
- A syntax error raises out of ``Parser`` and the site build stops with a traceback.

So :class:`_LocatingParser` subclasses the tokenizer only to note the line on which each entry
and each field starts, and collects syntax errors (naming the entry they are in) instead of
raising; the tokenizer then resumes at the next ``@``. Repeated keys and fields stay visible for
the rules to report. The tokenizer, its macros and the name splitting are the ones ``Parser``
uses, so a file read here without problems is one ``Parser`` accepts (a test damages the real
file at random to keep it so). An unclosed brace is reported where it opens, though pybtex
only notices it at the next entry or the end of the file, as the value runs on until some later
brace closes it.

``nox -s citations`` and the site build (:mod:`living_review.sphinxext.bibliography_check`)
both read the file with this module, so a file one refuses, the other refuses in the same words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pybtex import textutils
from pybtex.bibtex.utils import split_name_list
from pybtex.database import Person
from pybtex.database.input.bibtex import LowLevelParser, month_names
from pybtex.exceptions import PybtexError
from pybtex.scanner import PrematureEOF, PybtexSyntaxError, TokenRequired
from pybtex.utils import CaseInsensitiveDict

from living_review.problems import Problem, UnusableInput

PARSE_ERROR = "bib-parse-error"
_END_EXPECTED = ("'}' expected", "')' expected")  # after a value with no comma behind it
#: In a value, a later line that starts a field (``year = ``) or an entry (``@article{``): the
#: value has run on past where it should have ended, because a brace in it was never closed.
_RUN_ON = re.compile(r"\n\s*(?:@\s*(?P<entry>[A-Za-z]\w*)\s*[{(]|(?P<field>[A-Za-z][\w-]*)\s*=)")
PERSON_FIELDS = frozenset(name.lower() for name in Person.valid_roles)  # author, editor


@dataclass(frozen=True)
class BibField:
    """One ``name = value`` of an entry, as pybtex flattens it, with its line."""

    name: str  # lower case: BibTeX field names are case-insensitive
    value: str
    line: int


@dataclass
class BibEntry:
    """One ``@type{key, ...}`` entry. ``fields`` keeps repeated fields, in file order."""

    type: str  # lower case
    key: str
    line: int
    fields: list[BibField]
    persons: dict[str, list[Person]] = field(default_factory=dict)

    def get(self, name: str) -> BibField | None:
        """The first field called *name* (the one pybtex keeps), or ``None``."""
        return next((f for f in self.fields if f.name == name), None)

    def value(self, name: str) -> str:
        """The stripped value of the first field called *name*, or ``""``."""
        found = self.get(name)
        return found.value.strip() if found else ""

    def line_of(self, name: str) -> int:
        """The line of field *name*, or of the entry when it has no such field."""
        found = self.get(name)
        return found.line if found else self.line


@dataclass
class BibFile:
    """What :func:`read_bibfile` found: the entries, and the syntax problems on the way."""

    path: Path
    entries: list[BibEntry]
    problems: list[Problem]
    #: Keys of entries that could not be read completely (a syntax error inside them).
    damaged_keys: set[str] = field(default_factory=set)


class _LocatingParser(LowLevelParser):
    """pybtex's BibTeX tokenizer, noting where entries and fields start and collecting errors."""

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(
            text,
            macros=CaseInsensitiveDict(month_names),
            handle_error=self._collect,
            filename=str(path),
        )
        self.path = path
        self.errors: list[Problem] = []
        self.entry_line = 0
        self.entry_failed = False
        self.field_lines: list[int] = []
        self.field_line = 0  # where the field being read (or last read) starts
        self.last_part = ""  # the last piece of a value read (``{...}``, ``"..."``, a macro)

    def _collect(self, error: PybtexSyntaxError) -> None:
        line, message = self._locate(error)
        self.errors.append(Problem(self.path, line, PARSE_ERROR, message))
        self.entry_failed = True

    def _locate(self, error: PybtexSyntaxError) -> tuple[int, str]:
        """Where the mistake is (line, message), in the words of the entry it is in."""
        key = self.current_entry_key
        entry = f"entry '{key}'" if key else f"the entry on line {self.entry_line}"
        at_eof = isinstance(error, PrematureEOF)
        at_next_entry = self.text.startswith("@", self.pos)
        if at_eof or at_next_entry:
            fields = list(zip(self.current_fields or [], self.field_lines, strict=False))
            if at_eof and self.current_field_name:  # its value was read, then the file ended
                fields.append(((self.current_field_name, [self.last_part]), self.field_line))
            for (name, parts), line in fields:
                run_on = [
                    f"@{found['entry']}" if found["entry"] else found["field"]
                    for found in _RUN_ON.finditer("".join(parts))
                ]
                if run_on:
                    return line, _unclosed_brace(entry, name, run_on)
        if at_eof and self.current_field_name:
            message = (
                f"{entry}: the value of field '{self.current_field_name}' is never closed: the "
                "file ends first (a '}' or a closing quote is missing)"
            )
            return self.field_line or self.entry_line, message
        if at_next_entry:
            message = (
                f"{entry} is not closed before the next entry starts (line {error.lineno}): add "
                "its closing brace, or close a brace left open in one of its fields"
            )
            return self.entry_line, message
        return error.lineno or self.entry_line or 1, f"{entry}: {_describe(error)}"

    def parse_command(self):  # type: ignore[no-untyped-def]
        # skip_to("@") has just consumed the "@", so lineno is the entry's first line.
        self.entry_line = self.lineno
        self.entry_failed = False
        self.field_lines = []
        return super().parse_command()

    def parse_value_part(self) -> str:
        self.last_part = super().parse_value_part()
        return self.last_part

    def parse_field(self) -> None:
        self.eat_whitespace()
        line = self.field_line = self.lineno
        super().parse_field()
        # The base class appends (name, value) to current_fields exactly when a name was read
        # and its value parsed without an exception, i.e. when we get here with a name.
        if self.current_field_name:
            self.field_lines.append(line)


def read_bibfile(path: Path) -> BibFile:
    """Parse *path*; raises :class:`UnusableInput` if it cannot be read as UTF-8 text."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnusableInput(path, error.strerror or str(error)) from None
    try:
        text = data.decode("utf-8")  # docs/conf.py: bibtex_encoding = "utf-8"
    except UnicodeDecodeError as error:
        raise _not_utf8(path, data, error) from None
    return parse_bibtex(text, path)


def _not_utf8(path: Path, data: bytes, error: UnicodeDecodeError) -> UnusableInput:
    """The first byte that is not UTF-8: its line, and the entry it is in (or follows)."""
    before = data[: error.start].decode("utf-8")
    parser = _LocatingParser(before, path)
    keys = [body[0] for command, body in parser if command.lower() not in ("string", "preamble")]
    if keys and parser.entry_failed:  # the text before the byte ends inside that entry
        where = f"entry '{keys[-1]}': "
    elif keys:
        where = f"after entry '{keys[-1]}': "
    else:
        where = ""
    byte = data[error.start : error.start + 1].hex()
    reason = (
        f"{where}byte 0x{byte} is not UTF-8 ({error.reason}): save {path.name} as UTF-8 "
        "(it may have been saved as Latin-1 or Windows-1252)"
    )
    return UnusableInput(path, reason, line=before.count("\n") + 1)


def parse_bibtex(text: str, path: Path) -> BibFile:
    """Parse BibTeX *text*; *path* is used in the problems it reports."""
    parser = _LocatingParser(text, path)
    entries: list[BibEntry] = []
    problems: list[Problem] = []
    damaged: set[str] = set()
    for command, body in parser:
        if command.lower() in ("string", "preamble"):
            continue
        key, raw_fields = body
        if parser.entry_failed:
            if key:
                damaged.add(key)  # exactly as written: citations match keys exactly
            continue
        lines = parser.field_lines
        if len(lines) != len(raw_fields):  # cannot happen with pybtex 0.24-0.26; stay safe
            lines = [parser.entry_line] * len(raw_fields)
        entry = BibEntry(type=command.lower(), key=key, line=parser.entry_line, fields=[])
        for (name, parts), line in zip(raw_fields, lines, strict=True):
            value = textutils.normalize_whitespace("".join(parts))
            entry.fields.append(BibField(name.lower(), value, line))
        problems.extend(_read_persons(entry, path))
        entries.append(entry)
    problems += parser.errors
    return BibFile(path, entries, problems, damaged)


def _read_persons(entry: BibEntry, path: Path) -> list[Problem]:
    """Split author and editor lists into names as the style does; report names pybtex rejects."""
    problems = []
    for bib_field in entry.fields:
        if bib_field.name not in PERSON_FIELDS or bib_field.name in entry.persons:
            continue
        try:
            names = [Person(name) for name in split_name_list(bib_field.value)]
        except PybtexError as error:
            message = f"entry '{entry.key}': {bib_field.name} cannot be read: {error}"
            problems.append(Problem(path, bib_field.line, PARSE_ERROR, message))
            continue
        entry.persons[bib_field.name] = names
    return problems


def _unclosed_brace(entry: str, name: str, run_on: list[str]) -> str:
    taken = ", ".join(f"'{word}'" for word in run_on[:3])
    return (
        f"{entry}: a brace opened in field '{name}' is never closed, so its value runs on over "
        f"{taken}{', ...' if len(run_on) > 3 else ''}: close the brace in '{name}'"
    )


def _describe(error: PybtexSyntaxError) -> str:
    """pybtex's message, without its 'in line N' (we print the line), plus a hint."""
    message = f"BibTeX {error.error_type}: {Exception.__str__(error)}"
    if isinstance(error, TokenRequired) and Exception.__str__(error) in _END_EXPECTED:
        message += " (is a comma missing at the end of the previous field?)"
    return message
