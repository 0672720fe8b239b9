"""A problem in an input file, printed ``path:line: rule-id: message``.

Shared by the checks ``nox`` runs (:mod:`living_review.tools`) and the site build
(:mod:`living_review.sphinxext`), so a file that one of them refuses is refused by the other
with the same words.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Rule id of a file that cannot be read at all (missing, not a folder, not UTF-8 text).
UNREADABLE = "unreadable"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding, tied to a file and a line (1-based)."""

    path: Path
    line: int
    rule: str
    message: str

    def format(self, relative_to: Path | None = None) -> str:
        """``path:line: rule-id: message``, with the path relative to *relative_to* if inside."""
        return f"{display_path(self.path, relative_to)}:{self.line}: {self.rule}: {self.message}"


class UnusableInput(Exception):
    """An input cannot be used at all (missing, unreadable, not UTF-8): nothing can be checked.

    ``line`` is where the trouble is when it is known (the first byte that is not UTF-8, say),
    else 1; ``rule`` says what kind of trouble, as a problem's rule id does.
    """

    def __init__(self, path: Path, reason: str, *, line: int = 1, rule: str = UNREADABLE) -> None:
        super().__init__(f"{path}:{line}: {rule}: {reason}")
        self.path = path
        self.reason = reason
        self.line = line
        self.rule = rule

    @property
    def problem(self) -> Problem:
        """The same, as a :class:`Problem` (to print with :meth:`Problem.format`)."""
        return Problem(self.path, self.line, self.rule, self.reason)


def read_utf8(path: Path) -> str:
    """The text of *path*; :class:`UnusableInput` (missing, a folder, not UTF-8) if it has none."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise UnusableInput(path, "No such file or directory") from None
    except IsADirectoryError:
        raise UnusableInput(path, "is a folder, not a file") from None
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise UnusableInput(path, "not UTF-8 text", line=line) from None
    except OSError as error:
        raise UnusableInput(path, error.strerror or str(error)) from None


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """*path* relative to *relative_to* (default: the working directory) when it is inside it."""
    base = relative_to or Path.cwd()
    try:
        return os.fspath(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return os.fspath(path)
