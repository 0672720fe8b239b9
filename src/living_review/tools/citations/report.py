"""Problems found by the checks, printed one a line (``path:line: rule-id: message``, so editors
and CI logs can jump to it), and the closing summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

# Problem and UnusableInput are shared with the site build; the checks import them from here.
from living_review.problems import Problem, UnusableInput, display_path

__all__ = ["Problem", "UnusableInput", "display_path", "plural", "summary"]


def plural(count: int, word: str) -> str:
    """``1 entry``, ``2 entries``, ``3 pages``."""
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def summary(
    problems: Iterable[Problem], checked: str, seconds: float, unchecked_rule: str | None = None
) -> str:
    """The closing line: how many problems of which kinds, what was checked, how long it took."""
    by_rule = Counter(problem.rule for problem in problems)
    unchecked = by_rule.pop(unchecked_rule, 0)
    kinds = ", ".join(f"{rule}: {n}" for rule, n in sorted(by_rule.items()))
    verdict = f"{plural(by_rule.total(), 'problem')} ({kinds})" if by_rule else "no problems"
    if unchecked:
        verdict += f", {unchecked} could not be checked"
    return f"citations: {verdict}; checked {checked} in {seconds:.2f} s"
