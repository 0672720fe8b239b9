"""The safety net (``safety-net.yaml``): every warning sign with its tier, wording and sources.

One loader for the site build (:mod:`living_review.sphinxext.safety_net`), the offline citation
check and the prose check, so they read the same data::

    from living_review.safety_net import load_safety_net

    net = load_safety_net(Path("safety-net.yaml"))  # raises UnusableInput if it cannot be read
    for problem in net.problems:  # YAML errors, schema violations, the rules below
        print(problem.format())  # safety-net.yaml:12: safety-net-schema: ...
    net.tier("same-day").action  # "see a doctor the same day"

The file is checked against ``schemas/safety-net.schema.json`` (inside the package) and these
rules, which the schema cannot say: the tiers come in the order of :data:`TIERS`; only signs
of ``after-treatment`` say which tier's action they need (``act``), and each of them does; no
urgency word belongs to two tiers. Every sign must cite its sources (the schema requires
``cite``); that the keys are in references.bib is checked by the build and ``nox -s citations``
(:func:`check_cites`).
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from living_review.problems import Problem, read_utf8
from living_review.yaml_errors import line_of, read_checked

#: The file's name, at the project root beside references.bib and claims.yaml.
FILENAME = "safety-net.yaml"

#: The tiers, most urgent first: the file must list them in this order.
TIERS = ("emergency", "same-day", "see-a-clinician", "after-treatment")
#: The tiers the warning-sign box shows by default (after-treatment has a box of its own).
BOX_TIERS = TIERS[:3]
AFTER_TREATMENT = "after-treatment"

RULES: dict[str, str] = {
    "safety-net-parse-error": "safety-net.yaml is not valid YAML",
    "safety-net-schema": "safety-net.yaml does not match its schema (safety-net.schema.json)",
    "safety-net-order": "the tiers are not in the order emergency, same-day, see-a-clinician, "
    "after-treatment",
    "safety-net-act": "a sign's `act` is missing (after-treatment) or out of place (other tiers)",
    "safety-net-urgency": "an urgency word belongs to two tiers",
    "safety-net-unknown-cite": "safety-net.yaml cites a key that references.bib does not define",
}


@dataclass(frozen=True)
class Sentence:
    """A sentence of MyST text with the keys that support it, and its line in the file."""

    text: str
    cite: tuple[str, ...]
    line: int
    cite_line: int = 0  # the line of its `cite` (0: none)


@dataclass(frozen=True)
class Sign(Sentence):
    short: str = ""
    act: str = ""  # after-treatment: the tier whose action this sign needs


@dataclass(frozen=True)
class Tier:
    id: str
    action: str
    when: str
    urgency_words: tuple[str, ...]
    signs: tuple[Sign, ...]
    line: int
    when_cite: tuple[str, ...] = ()
    after: tuple[Sentence, ...] = ()


@dataclass(frozen=True)
class Stage:
    id: str
    when: str
    sentences: tuple[Sentence, ...]
    line: int


@dataclass
class SafetyNet:
    """The file read from :attr:`path`: its content, if usable, and every problem found."""

    path: Path
    title: str = ""
    intro: Sentence | None = None
    tiers: list[Tier] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return bool(self.tiers) and not self.problems

    def tier(self, tier_id: str) -> Tier | None:
        return next((tier for tier in self.tiers if tier.id == tier_id), None)

    def sentences(
        self, tiers: Collection[str] = TIERS, *, stages: bool = True, intro: bool = True
    ) -> list[Sentence]:
        """The sentences the box for *tiers* shows, in order: the intro (if *intro* and the box
        is not the after-treatment one alone), each tier's; then the guide's if *stages*."""
        shows_intro = intro and any(tier != AFTER_TREATMENT for tier in tiers)
        found = [self.intro] if self.intro and shows_intro else []
        for tier in self.tiers:
            if tier.id in tiers:
                found += [Sentence(tier.when, tier.when_cite, tier.line), *tier.signs, *tier.after]
        if stages:
            found += [sentence for stage in self.stages for sentence in stage.sentences]
        return found

    def citations(self) -> Iterator[tuple[str, int]]:
        """Every cited key with the line that cites it."""
        for sentence in self.sentences():
            yield from ((key, sentence.cite_line or sentence.line) for key in sentence.cite)

    def cited_keys(
        self, tiers: Collection[str] = TIERS, *, stages: bool = False, intro: bool = True
    ) -> list[str]:
        """The keys the box for *tiers* cites, in the order it shows them (:meth:`sentences`)."""
        return [key for s in self.sentences(tiers, stages=stages, intro=intro) for key in s.cite]

    def urgency_words(self) -> dict[str, str]:
        """Each urgency word (lower case) -> its tier."""
        return {word.casefold(): tier.id for tier in self.tiers for word in tier.urgency_words}


def load_safety_net(path: Path) -> SafetyNet:
    """Read and check *path*; raise :class:`UnusableInput` if it cannot be read at all."""
    return parse_safety_net(read_utf8(path), path)


def parse_safety_net(text: str, path: Path) -> SafetyNet:
    net = SafetyNet(path)
    data, root, problem = read_checked(text, path, "safety-net")
    if problem:
        net.problems.append(problem)
        return net
    _read(net, data, root)
    net.problems += _rule_problems(net)
    return net


def _sentence(value: dict[str, Any], root: yaml.Node, *steps: str | int) -> Sentence:
    cite_line = line_of(root, *steps, "cite") if "cite" in value else 0
    text = " ".join(value["text"].split())
    return Sentence(text, tuple(value.get("cite", ())), line_of(root, *steps), cite_line)


def _read(net: SafetyNet, data: dict[str, Any], root: yaml.Node) -> None:
    net.title = data["title"]
    net.intro = _sentence(data["intro"], root, "intro")
    for index, tier in enumerate(data["tiers"]):
        signs = tuple(
            Sign(
                **vars(_sentence(sign, root, "tiers", index, "signs", number)),
                short=" ".join(sign["short"].split()),
                act=sign.get("act", ""),
            )
            for number, sign in enumerate(tier["signs"])
        )
        net.tiers.append(
            Tier(
                id=tier["id"],
                action=" ".join(tier["action"].split()),
                when=" ".join(tier["when"].split()),
                urgency_words=tuple(tier["urgency_words"]),
                signs=signs,
                line=line_of(root, "tiers", index),
                when_cite=tuple(tier.get("when_cite", ())),
                after=tuple(
                    _sentence(sentence, root, "tiers", index, "after", number)
                    for number, sentence in enumerate(tier.get("after", ()))
                ),
            )
        )
    for index, stage in enumerate(data["stages"]):
        sentences = tuple(
            _sentence(sentence, root, "stages", index, "text", number)
            for number, sentence in enumerate(stage["text"])
        )
        net.stages.append(
            Stage(stage["id"], stage["when"], sentences, line_of(root, "stages", index))
        )


def _rule_problems(net: SafetyNet) -> Iterator[Problem]:
    order = [tier.id for tier in net.tiers]
    if order != list(TIERS):
        line = next((t.line for t, want in zip(net.tiers, TIERS, strict=False) if t.id != want), 1)
        yield Problem(
            net.path, line, "safety-net-order",
            f"the tiers are {', '.join(order)}; list them as {', '.join(TIERS)}, most urgent first",
        )  # fmt: skip
    for tier in net.tiers:
        for sign in tier.signs:
            if tier.id == AFTER_TREATMENT and not sign.act:
                yield Problem(
                    net.path, sign.line, "safety-net-act",
                    f"after-treatment sign '{sign.short}' needs `act`: the tier whose action it "
                    "needs (emergency, same-day or see-a-clinician)",
                )  # fmt: skip
            elif tier.id != AFTER_TREATMENT and sign.act:
                yield Problem(
                    net.path, sign.line, "safety-net-act",
                    f"sign '{sign.short}' of tier {tier.id} has `act`; only after-treatment "
                    "signs take it (a sign's urgency is its tier's)",
                )  # fmt: skip
    owner: dict[str, str] = {}
    for tier in net.tiers:
        for word in tier.urgency_words:
            key = word.casefold()
            if key in owner and owner[key] != tier.id:
                yield Problem(
                    net.path, tier.line, "safety-net-urgency",
                    f"urgency word '{word}' is in tiers {owner[key]} and {tier.id}: a word "
                    "must point to one tier only",
                )  # fmt: skip
            owner.setdefault(key, tier.id)


def check_cites(net: SafetyNet, bib_keys: Collection[str]) -> list[Problem]:
    """Every key the file cites is in references.bib, written exactly as there."""
    problems = []
    for key, line in net.citations():
        if key in bib_keys:
            continue
        close = difflib.get_close_matches(key, list(bib_keys), n=1, cutoff=0.75)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        message = f"cites '{key}', not in references.bib{hint}"
        problems.append(Problem(net.path, line, "safety-net-unknown-cite", message))
    return problems
