"""Problems found by the checks, and how they are printed.

Every problem is one line, ``path:line: rule-id: message``, so editors and CI logs can jump
to it, followed by a one-line summary.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: Exit statuses of ``python -m living_review.tools.citations``.
EXIT_CLEAN = 0
EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2
EXIT_UNCHECKED = 3  # --online only: nothing wrong found, but some checks could not be run


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
    """An input file cannot be read at all (missing, unreadable, not UTF-8)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: cannot read: {reason}")
        self.path = path
        self.reason = reason


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """*path* relative to *relative_to* (default: the working directory) when it is inside it."""
    base = relative_to or Path.cwd()
    try:
        return os.fspath(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return os.fspath(path)


def plural(count: int, word: str) -> str:
    """``1 entry``, ``2 entries``, ``3 pages``."""
    if count == 1:
        return f"{count} {word}"
    if word.endswith("y"):
        return f"{count} {word[:-1]}ies"
    return f"{count} {word}s"


def summary(
    problems: Iterable[Problem], checked: str, seconds: float, unchecked_rule: str | None = None
) -> str:
    """The closing line: how many problems of which kinds, what was checked, how long it took."""
    found = list(problems)
    unchecked = [p for p in found if p.rule == unchecked_rule]
    real = [p for p in found if p.rule != unchecked_rule]
    if real:
        by_rule = Counter(p.rule for p in real)
        kinds = ", ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items()))
        verdict = f"{plural(len(real), 'problem')} ({kinds})"
    else:
        verdict = "no problems"
    if unchecked:
        verdict += f", {len(unchecked)} could not be checked"
    return f"citations: {verdict}; checked {checked} in {seconds:.2f} s"
