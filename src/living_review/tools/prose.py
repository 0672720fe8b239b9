"""``nox -s prose``: keep the pages' prose short, linked to the glossary, honest and our own.

Run as ``python -m living_review.tools.prose [--root DIR] [--seed FILE] [--claims FILE]``.
The rules (:data:`RULES`), what each catches and the exit statuses are in CONTRIBUTING.md,
"Checking the prose". Pages under ``DIR/docs`` (``_build``, ``_static`` and hidden folders
not) are read with :mod:`living_review.myst_pages`, the parser MyST uses, so code spans, code
blocks and citation keys are never taken for prose. ``claims.yaml`` is read with
:func:`living_review.claims.load_claims`, the build's loader; its own problems and unknown ids
are ``nox -s citations``' job. Without the ledger (``{claim}`` roles), ``safety-net.yaml`` or
the seed, the rules that need them are skipped, saying so.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from living_review.claims import FILENAME as LEDGER_FILENAME
from living_review.claims import Claim, load_claims
from living_review.myst_pages import (
    OBJECT,
    FrontMatterError,
    Page,
    PageError,
    Role,
    Sentence,
    TextBlock,
    read_page,
    read_text,
    split_explicit_title,
)
from living_review.problems import UnusableInput as UnusableLedger
from living_review.safety_net import FILENAME as SAFETY_NET_FILENAME
from living_review.safety_net import SafetyNet, load_safety_net

T = TypeVar("T")

MAX_WORDS = 35
SEED_RUN = 8
DEFAULT_SEED = Path("..") / "shared" / "seed" / "acupuncture-for-sciatica-2020.txt"
GLOSSARY = Path("glossary.md")  # under docs/
SKIPPED_FOLDERS = frozenset({"_build", "_static", "_templates", "node_modules"})

#: Front matter ``prose:`` settings and the values each may take (the first is the default).
PROSE_SETTINGS = {"long_sentences": ("checked", "allowed")}

RULES = (
    "long-sentence",
    "term-not-linked",
    "certainty-wording",
    "timeframe-wording",
    "safety-net-wording",
    "copied-from-seed",
)


@dataclass(frozen=True)
class Wording:
    """Words that claim more (or less) than a certainty level allows, and what to write."""

    contradicting: tuple[str, ...]
    advice: str


# Present tense and "shown": "the trial showed little difference" reports, it does not claim.
_SHOWS = ("show", "shows", "shown", "prove", "proves", "proved", "proven")
_SURE = ("clearly", "definitely", "certainly", "confirms", "confirmed", "demonstrates")

#: For each level of the ``{certainty}`` role, the wording that contradicts it in the same
#: sentence. The levels are those of ``living_review.sphinxext.certainty.LEVELS`` (a test checks
#: the keys match), but the table lives here: that module is a Sphinx extension that imports
#: Sphinx and docutils, which ``nox -s prose`` does not install.
CERTAINTY_WORDING: dict[str, Wording] = {
    "high": Wording(
        ("may", "might", "possibly", "perhaps", "probably", "uncertain", "unclear"),
        "high certainty is stated plainly; if the source hedges, give the level it gives",
    ),
    "moderate": Wording(
        ("very uncertain", "very low", *_SHOWS[3:], *_SURE),
        "moderate certainty is worded with “probably”",
    ),
    "low": Wording(
        ("very uncertain", "very low", *_SHOWS, *_SURE),
        "low certainty is worded with “may”",
    ),
    "very-low": Wording(
        (*_SHOWS, *_SURE, "demonstrated", "established", "establishes"),
        "very low certainty is worded “we are very uncertain”",
    ),
    "not-rated": Wording(
        ("very uncertain", "very low", "low certainty", "moderate certainty", "high certainty"),
        "say that no review or guideline has rated it, or give the level the source gives",
    ),
}


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: ``path:line: rule: message``."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.message}"


class UnusableInput(Exception):
    """The input cannot be checked; the one line to print is ``str(error)``."""

    def __init__(self, path: str, line: int, rule: str, message: str) -> None:
        super().__init__(f"{path}:{line}: {rule}: {message}")


@dataclass(frozen=True)
class CheckedPage:
    page: Page
    name: str  # the path shown in messages, relative to the root


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m living_review.tools.prose",
        description="Check the pages' prose: " + ", ".join(RULES) + ".",
    )
    parser.add_argument(
        "--root", type=Path, default=Path(), help="the project (holding docs/); default: here"
    )
    parser.add_argument(
        "--seed",
        type=Path,
        help=f"the 2020 article as text (default: ROOT/{DEFAULT_SEED.as_posix()})",
    )
    parser.add_argument(
        "--claims",
        type=Path,
        help=f"the claim ledger: the levels of {{claim}} roles (default: ROOT/{LEDGER_FILENAME})",
    )
    args = parser.parse_args(argv)
    try:
        findings, notes, page_count = check(args.root, args.seed, args.claims)
    except UnusableInput as error:
        print(error, file=sys.stderr)
        return 2
    print(*notes, *findings, summary(findings, page_count), sep="\n")
    return 1 if findings else 0


def summary(findings: Sequence[Finding], page_count: int) -> str:
    if not findings:
        return f"prose: {page_count} pages checked, no problems"
    per_rule = Counter(finding.rule for finding in findings)
    rules = ", ".join(f"{rule} {per_rule[rule]}" for rule in RULES if per_rule[rule])
    pages = len({finding.path for finding in findings})
    problems = "problem" if len(findings) == 1 else "problems"
    return f"prose: {len(findings)} {problems} on {pages} of {page_count} pages ({rules})"


def check(
    root: Path, seed: Path | None = None, claims: Path | None = None
) -> tuple[list[Finding], list[str], int]:
    """Findings, notes (rules skipped) and the number of pages checked."""
    docs = root / "docs"
    if not docs.is_dir():
        raise UnusableInput(display(docs, root), 1, "no-docs", "not a folder of pages")
    pages = read_pages(docs, root)
    notes: list[str] = []
    findings: list[Finding] = []
    glossary = read_glossary(docs / GLOSSARY, root)
    if glossary is None:
        notes.append(f"prose: {display(docs / GLOSSARY, root)} not found; term-not-linked skipped")
    seed_path = seed if seed is not None else root / DEFAULT_SEED
    seed_ngrams = read_seed(seed_path)
    if seed_ngrams is None:
        notes.append(f"prose: seed {seed_path} not found; copied-from-seed skipped")
    roles = {role.name for checked in pages for role in checked.page.roles}
    ledger_path = claims if claims is not None else root / LEDGER_FILENAME
    # Records the ledger's rules leave out (a schema problem, say) are not in it: their
    # {claim} roles are not judged, and `nox -s citations` reports the record.
    ledger = _load(ledger_path, root, load_claims)
    claims = None if ledger is None else {claim.id: claim for claim in ledger.claims}
    if claims is None and "claim" in roles:
        notes.append(
            f"prose: {display(ledger_path, root)} not found; certainty-wording skipped for "
            "{claim} roles"
        )
    net = _load(root / SAFETY_NET_FILENAME, root, load_safety_net)
    net = net if net is not None and net.usable else None  # its problems are the build's job
    if net is None and "safety-net" in roles:
        notes.append(f"prose: {SAFETY_NET_FILENAME} not found; safety-net-wording skipped")
    elif net is not None:
        findings += safety_net_sentences(net, root)
    for checked in pages:
        if net is not None:
            findings += safety_net_wording(checked, net)
        if prose_settings(checked)["long_sentences"] == "checked":
            findings += long_sentences(checked)
        if glossary is not None and checked.page.path != docs / GLOSSARY:
            findings += unlinked_terms(checked, glossary)
        findings += certainty_wording(checked, claims or {})
        findings += timeframe_wording(checked, claims or {})
        if seed_ngrams is not None:
            findings += copied_from_seed(checked, seed_ngrams)
    return sorted(findings), notes, len(pages)


def display(path: Path, root: Path) -> str:
    """*path* as shown in messages: relative to *root* where it is under it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def read_pages(docs: Path, root: Path) -> list[CheckedPage]:
    pages = []
    for path in sorted(docs.rglob("*.md")):
        folders = path.relative_to(docs).parts[:-1]
        if not any(part in SKIPPED_FOLDERS or part.startswith(".") for part in folders):
            name = display(path, root)
            pages.append(CheckedPage(_read(path, name, read_page), name))
    return pages


def _read(path: Path, name: str, reader: Callable[[Path], T]) -> T:
    """What *reader* reads from *path*; UnusableInput, naming the file *name*, if it cannot."""
    try:
        return reader(path)
    except PageError as error:
        raise UnusableInput(name, error.line, "unreadable", error.message) from None
    except UnusableLedger as error:
        raise UnusableInput(name, error.line, error.rule, error.reason) from None


def _load(path: Path, root: Path, loader: Callable[[Path], T]) -> T | None:
    """What *loader* reads from the file at *path* (None if there is none)."""
    return _read(path, display(path, root), loader) if path.is_file() else None


def prose_settings(checked: CheckedPage) -> dict[str, str]:
    """The page's ``prose:`` front-matter settings, defaults filled in."""
    try:
        front_matter = checked.page.front_matter
    except FrontMatterError as error:
        raise UnusableInput(checked.name, error.line, "front-matter", error.message) from None
    settings = {key: values[0] for key, values in PROSE_SETTINGS.items()}
    given = front_matter.values.get("prose")
    if given is None:
        return settings
    line = front_matter.line_of("prose")
    if not isinstance(given, dict):
        message = "'prose' takes settings, e.g. prose: {long_sentences: allowed}"
        raise UnusableInput(checked.name, line, "front-matter", message)
    for key, value in given.items():
        if key not in PROSE_SETTINGS:
            message = f"unknown 'prose' setting {key!r} (known: {', '.join(PROSE_SETTINGS)})"
            raise UnusableInput(checked.name, line, "front-matter", message)
        if value not in PROSE_SETTINGS[key]:
            message = f"'prose: {key}' is {value!r}; use {' or '.join(PROSE_SETTINGS[key])}"
            raise UnusableInput(checked.name, line, "front-matter", message)
        settings[key] = value
    return settings


def preview(text: str, words: int = 8) -> str:
    shown = " ".join(text.replace(OBJECT, "…").split()[:words])
    return f"“{shown}…”" if len(text.split()) > words else f"“{shown}”"


def long_sentences(checked: CheckedPage) -> Iterator[Finding]:
    for sentence in checked.page.sentences():
        yield from _too_long(checked.name, sentence.line, sentence.text, len(sentence.words))


def _too_long(name: str, line: int, sentence: str, count: int) -> Iterator[Finding]:
    if count > MAX_WORDS:
        yield Finding(
            name, line, "long-sentence",
            f"{count} words (at most {MAX_WORDS}); split it: {preview(sentence)}",
        )  # fmt: skip


@dataclass(frozen=True)
class Glossary:
    """The glossary's terms: which entry each belongs to, and one pattern finding them all."""

    entries: dict[str, int]  # casefolded term -> entry number
    pattern: re.Pattern[str]

    def entry_of(self, words: str) -> int | None:
        key = " ".join(words.split()).casefold()
        if key in self.entries:
            return self.entries[key]
        return self.entries.get(key[:-1]) if key.endswith("s") else None


def is_acronym(term: str) -> bool:
    """``TENS``, ``RR``, ``NSAIDs``: capitals (a plural ``s`` aside), matched only in capitals
    (any case would find "tens of trials" for TENS)."""
    letters = [char for char in term.removesuffix("s") if char.isalpha()]
    return len(letters) >= 2 and all(char.isupper() for char in letters)


def read_glossary(path: Path, root: Path) -> Glossary | None:
    if not path.exists():
        return None
    name = display(path, root)
    page = _read(path, name, read_page)
    if not page.glossary_terms:
        raise UnusableInput(name, 1, "glossary", "no terms: expected a ```{glossary} directive")
    entries = {" ".join(term.text.split()).casefold(): term.entry for term in page.glossary_terms}
    alternatives = []
    for term in sorted({term.text for term in page.glossary_terms}, key=len, reverse=True):
        written = r"\s+".join(re.escape(part) for part in term.split())
        alternatives.append(f"{written}s?" if is_acronym(term) else f"(?i:{written}s?)")
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    return Glossary(entries, pattern)


def unlinked_terms(checked: CheckedPage, glossary: Glossary) -> Iterator[Finding]:
    """The first use of each entry on the page, where it is not a ``{term}`` link."""
    first_use: dict[int, tuple[int, str]] = {}  # entry -> (line, words) of a plain first use
    linked: set[int] = set()
    later_link: dict[int, int] = {}
    for block in checked.page.blocks:
        if block.kind not in ("paragraph", "cell"):
            continue
        uses: list[tuple[int, int, bool, str]] = []  # (offset, entry, linked, words)
        for inline in block.inlines:
            if inline.role is not None and inline.role.name == "term":
                entry = glossary.entry_of(inline.role.target)
                if entry is not None:
                    uses.append((inline.start, entry, True, inline.role.content))
        covered = [
            (inline.start, inline.end)
            for inline in block.inlines
            if inline.end > inline.start and inline.kind != "emphasis"
        ]
        for match in glossary.pattern.finditer(block.text):
            if any(start < match.end() and match.start() < end for start, end in covered):
                continue
            if (entry := glossary.entry_of(match.group())) is not None:
                uses.append((match.start(), entry, False, match.group()))
        for offset, entry, is_link, words in sorted(uses):
            if entry in linked or entry in first_use:
                if is_link and entry in first_use:
                    later_link.setdefault(entry, block.line_at(offset))
                continue
            if is_link:
                linked.add(entry)
            else:
                first_use[entry] = (block.line_at(offset), " ".join(words.split()))
    for entry, (line, words) in first_use.items():
        link = words if words.casefold() in glossary.entries else f"{words} <{words[:-1]}>"
        message = f"“{words}” is in the glossary: link its first use here as {{term}}`{link}`"
        if entry in later_link:
            message += f" (the link is only on line {later_link[entry]})"
        yield Finding(checked.name, line, "term-not-linked", message)


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    written = [r"[\s-]+".join(re.escape(word) for word in phrase.split()) for phrase in phrases]
    return re.compile(r"(?i)(?<!\w)(?:" + "|".join(written) + r")(?!\w)")


_CONTRADICTING = {
    level: _phrase_pattern(wording.contradicting) for level, wording in CERTAINTY_WORDING.items()
}


def _badge_levels(role: Role, claims: dict[str, Claim]) -> tuple[str, ...]:
    """The level(s) a ``{certainty}`` or ``{claim}`` role shows; () for other roles."""
    target = role.content.strip()
    if role.name == "certainty":
        return (target,)
    if role.name == "claim" and target in claims:  # an unknown id is `nox -s citations`' job
        return claims[target].certainty
    return ()


def certainty_wording(checked: CheckedPage, claims: dict[str, Claim]) -> Iterator[Finding]:
    for sentence in checked.page.sentences():
        for role in sentence.roles:
            levels = _badge_levels(role, claims)
            if not levels or any(level not in CERTAINTY_WORDING for level in levels):
                continue  # an unknown level fails the build (or the ledger's schema)
            found_per_level = [
                {m.group().casefold() for m in _CONTRADICTING[level].finditer(sentence.text)}
                for level in levels
            ]
            if not all(found_per_level):  # worded as one of its levels: [low, very-low]
                continue  # takes "may" or "very uncertain"
            # The words that contradict every level, if some do; else all the words found.
            common = set.intersection(*found_per_level)
            words = ", ".join(f"“{word}”" for word in sorted(common or set.union(*found_per_level)))
            advice = " or ".join(CERTAINTY_WORDING[level].advice for level in levels)
            badge = f"{{{role.name}}}`{role.content.strip()}`"
            if role.name == "claim":
                badge += f" ({' to '.join(levels)})"
            message = f"{badge} beside {words}: {advice}"
            yield Finding(checked.name, role.line, "certainty-wording", message)


#: Words that name a time frame, and the time frames (living_review.claims.TIMEFRAME_TERMS)
#: each may mean. "Weeks" alone may be the immediate or the short term.
TIMEFRAME_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("immediate term", "immediately after", "straight after"), ("immediate",)),
    **dict.fromkeys(("first weeks", "first few weeks", "weeks"), ("immediate", "short")),
    "short term": ("short",),
    **dict.fromkeys(("intermediate term", "intermediate", "medium term"), ("intermediate",)),
    **dict.fromkeys(("long term", "at a year", "at one year", "at 12 months"), ("long",)),
    **dict.fromkeys(("after a year", "by a year", "a year later"), ("long",)),
}
_TIMEFRAME = _phrase_pattern(sorted(TIMEFRAME_WORDS, key=len, reverse=True))


def timeframe_wording(checked: CheckedPage, claims: dict[str, Claim]) -> Iterator[Finding]:
    for sentence in checked.page.sentences():
        roles = [role for role in sentence.roles if role.name == "claim"]
        judged = [claims[r.content.strip()] for r in roles if r.content.strip() in claims]
        judged = [claim for claim in judged if claim.timeframe_terms]
        if not judged:
            continue
        allowed = {term for claim in judged for term in claim.timeframe_terms}
        for match in _TIMEFRAME.finditer(sentence.text):
            words = " ".join(match.group().casefold().replace("-", " ").split())
            if allowed & set(TIMEFRAME_WORDS[words]):
                continue
            badges = ", ".join(f"{{claim}}`{claim.id}` ({claim.timeframe})" for claim in judged)
            yield Finding(
                checked.name, sentence.line, "timeframe-wording",
                f"“{match.group()}” is not the time frame of {badges}: say the record's time "
                "frame, or cite without the badge",
            )  # fmt: skip


_POINTS_TO_SIGNS = re.compile(r"(?i)(?<!\w)warning[\s-]+signs?(?!\w)")


def safety_net_sentences(net: SafetyNet, root: Path) -> Iterator[Finding]:
    """The file's own sentences, at most :data:`MAX_WORDS` words each."""
    name = display(net.path, root)
    texts = [(sign.text, sign.line) for tier in net.tiers for sign in tier.signs]
    texts += [(after.text, after.line) for tier in net.tiers for after in tier.after]
    texts += [(s.text, s.line) for stage in net.stages for s in stage.sentences]
    texts += [(net.intro.text, net.intro.line)] if net.intro else []
    for text, line in texts:
        for sentence in re.split(r"(?<=[.!?])\s+", text):
            yield from _too_long(name, line, sentence, len(sentence.split()))


def _points_to_signs(sentence: Sentence) -> bool:
    """A ``{ref}`` to an ``urgent-care-*`` label, the term "red flags", or "warning signs"."""
    for role in sentence.roles:
        target = split_explicit_title(role.content)[1].strip()
        if role.name == "ref" and target.startswith("urgent-care"):
            return True
        if role.name == "term" and target.casefold() == "red flags":
            return True
    return bool(_POINTS_TO_SIGNS.search(sentence.text))


def safety_net_wording(checked: CheckedPage, net: SafetyNet) -> Iterator[Finding]:
    """The urgency comes from the tier, so "same day" is never attached to an emergency sign."""
    owners = net.urgency_words()
    if not owners:
        return
    pattern = _phrase_pattern(sorted(owners, key=len, reverse=True))
    for sentence in checked.page.sentences():
        tiers = {role.content.strip() for role in sentence.roles if role.name == "safety-net"}
        if not tiers and not _points_to_signs(sentence):
            continue
        text = sentence.text  # link texts ("What to do now") are names, not urgency
        for role in sentence.roles:
            if role.title:
                text = text.replace(role.title, " ")
        for match in pattern.finditer(text):
            word = match.group()
            owner = owners.get(" ".join(word.casefold().replace("-", " ").split()))
            owner = owner or owners.get(word.casefold())
            if owner is None or owner in tiers:
                continue
            if tiers:
                shown = ", ".join(f"{{safety-net}}`{tier}`" for tier in sorted(tiers))
                message = (
                    f"“{word}” is the urgency of the {owner} signs, but this sentence points to "
                    f"{shown}: let the role give the urgency"
                )
            else:
                message = (
                    f"“{word}” beside the warning signs: write the urgency with "
                    f"{{safety-net}}`{owner}` (or the tier you mean), so it matches the box"
                )
            yield Finding(checked.name, sentence.line, "safety-net-wording", message)


_SEED_CITATION = re.compile(r"\(\s*\d+(?:\s*[,\u2013-]\s*\d+)*\s*\)")  # the article's "(1, 2)"
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_APOSTROPHES = "'\u2019"  # straight and typographic


def normalised_words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, word) of each word, lower case, apostrophes dropped ("doesn't" = "doesnt")."""
    text = unicodedata.normalize("NFKC", text)
    for match in re.finditer(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*", text):
        word = match.group().translate({ord(char): None for char in _APOSTROPHES})
        yield match.start(), match.end(), word.casefold()


def read_seed(path: Path) -> dict[tuple[str, ...], int] | None:
    """Every run of :data:`SEED_RUN` words of the seed, with the line it is on."""
    if not path.is_file():
        return None
    text = _read(path, str(path), read_text)
    ngrams: dict[tuple[str, ...], int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        tokens = [word for _, _, word in normalised_words(_SEED_CITATION.sub(" ", line))]
        for index in range(len(tokens) - SEED_RUN + 1):
            ngrams.setdefault(tuple(tokens[index : index + SEED_RUN]), number)
    return ngrams


def copied_from_seed(checked: CheckedPage, seed: dict[tuple[str, ...], int]) -> Iterator[Finding]:
    for block in checked.page.blocks:
        for start, end, seed_line in _shared_runs(block, seed):
            copied = block.text[start:end]
            count = sum(1 for _ in normalised_words(copied))
            yield Finding(
                checked.name, block.line_at(start), "copied-from-seed",
                f"{count} words in a row as in the 2020 article (its line {seed_line}): "
                f"{preview(copied, 12)}; say it in our own words, or quote a short phrase",
            )  # fmt: skip


def _shared_runs(
    block: TextBlock, seed: dict[tuple[str, ...], int]
) -> Iterator[tuple[int, int, int]]:
    """(start, end, seed line) of each longest run of words also in the seed.

    Quotes and italics (a title, such as the 2020 article's own) are skipped; they and code
    spans (OBJECT) break runs, so a run never reaches across them.
    """
    text = block.text
    skipped = [(m.start(), m.end()) for m in re.finditer(f"{_QUOTED.pattern}|{OBJECT}", text)]
    skipped += [(i.start, i.end) for i in block.inlines if i.kind == "emphasis"]
    breaks: list[tuple[int, int]] = []
    for start, end in sorted(skipped):  # merge overlapping stretches
        if breaks and start <= breaks[-1][1]:
            breaks[-1] = (breaks[-1][0], max(end, breaks[-1][1]))
        else:
            breaks.append((start, end))
    starts = [0, *(end for _, end in breaks)]
    ends = [*(start for start, _ in breaks), len(text)]
    for offset, stop in zip(starts, ends, strict=True):
        tokens = list(normalised_words(text[offset:stop]))
        runs: list[list[int]] = []  # [first token, end token, seed line]
        for index in range(len(tokens) - SEED_RUN + 1):
            window = tuple(word for _, _, word in tokens[index : index + SEED_RUN])
            if window not in seed:
                continue
            if runs and index <= runs[-1][1] - SEED_RUN + 1:
                runs[-1][1] = index + SEED_RUN  # the run goes on
            else:
                runs.append([index, index + SEED_RUN, seed[window]])
        for first, end, line in runs:
            yield offset + tokens[first][0], offset + tokens[end - 1][1], line


if __name__ == "__main__":
    sys.exit(main())
