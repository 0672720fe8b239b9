"""The claim ledger (``claims.yaml``): load it with a line for every record and key, and check it.

One loader for the site build (:mod:`living_review.sphinxext.claims`), the offline check
(``nox -s citations``) and the ledger tools (the online quote check, the evidence diff)::

    from living_review.claims import load_claims

    ledger = load_claims(Path("claims.yaml"))  # raises UnusableInput if it cannot be read
    for problem in ledger.problems:  # parse errors, schema violations, the ledger's own rules
        print(problem.format())  # claims.yaml:12: claims-schema: claim 'x': ...
    claim = ledger.get("tu2024-leg-pain")
    claim.cite, claim.quote, claim.line, claim.line_of("quote"), claim.effect

:func:`parse_claims` reads the same from text (e.g. ``git show BASE:claims.yaml``). PyYAML's
composer keeps the line of every node; the data is checked against the JSON Schema
(:func:`schema_path`) and the rules below, which a schema cannot say. A record with a problem
the schema finds is left out of :attr:`Ledger.claims` (its id is in :attr:`Ledger.broken_ids`,
so a page using it is not reported a second time). :func:`check_cites` and :func:`check_usage`
need the rest of the project. The format is described in CONTRIBUTING.md, "The claim ledger".
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import ValidationError

from living_review.problems import Problem, read_utf8
from living_review.yaml_errors import (
    explain,
    line_at,
    mapping_get,
    node_line,
    schema,
    schema_errors,
    schema_file,
    schema_message,
)

#: The ledger's file name, at the project root beside references.bib.
FILENAME = "claims.yaml"

#: Every rule about the ledger: id -> what it catches. The build and ``nox -s citations`` both
#: report these, with the same words.
RULES: dict[str, str] = {
    "claims-parse-error": "claims.yaml is not valid YAML, or a record repeats a key",
    "claims-schema": "a record does not match the ledger's schema (claims.schema.json)",
    "claims-duplicate-id": "two records share an id",
    "claims-no-source": "a record has no cite or no quote",
    "claims-above-source": "certainty above the source's own rating (none means not-rated)",
    "claims-no-rationale": "certainty lower than the source's own rating, without a rationale",
    "claims-bad-effect": "an effect's value lies outside its 95% CI, or the CI is reversed",
    "claims-unknown-cite": "a record cites a key that references.bib does not define",
    "claims-unused": "a record no page uses: no {claim}, summary-of-findings table or chart",
    "claim-unknown-id": "a page uses {claim} with an id claims.yaml does not define",
}

#: Certainty levels, most certain first; ``not-rated`` (ours) and ``none`` (a source that did
#: not rate) rank below them all. The labels and meanings are in the certainty extension.
RATED_LEVELS = ("high", "moderate", "low", "very-low")
NOT_RATED = "not-rated"
NO_SOURCE_RATING = "none"
LEVELS = (*RATED_LEVELS, NOT_RATED)

#: The time frames a record's ``timeframe.terms`` may name, shortest first (the usual ones of
#: back-pain reviews: immediate up to about 2 weeks, short up to 3 months, intermediate 3 to 12
#: months, long a year or more).
TIMEFRAME_TERMS = ("immediate", "short", "intermediate", "long")

#: Ratio measures: drawn on a log scale, no effect at 1; the others have no effect at 0.
RATIO_MEASURES = frozenset({"RR", "OR", "HR"})
MEASURE_NAMES = {
    "MD": "mean difference",
    "SMD": "standardised mean difference",
    "RR": "risk ratio",
    "OR": "odds ratio",
    "HR": "hazard ratio",
}


class WrittenNumber(float):
    """A number of claims.yaml that keeps how it was written: ``1.20`` stays ``1.20``, not ``1.2``.

    A float (for plotting, sorting, comparing, and JSON, where it is a number); ``str()`` and
    ``format()`` give the ledger's text, so every display shows the figure as the source writes
    it, trailing zeros included.
    """

    __slots__ = ("written",)
    written: str

    def __new__(cls, value: float, written: str) -> WrittenNumber:
        number = super().__new__(cls, value)
        number.written = written
        return number

    def __str__(self) -> str:
        return self.written

    def __reduce__(self) -> tuple[type[WrittenNumber], tuple[float, str]]:
        return (WrittenNumber, (float(self), self.written))  # pickled with the build environment


class _LedgerLoader(yaml.SafeLoader):
    """PyYAML's safe loader, with numbers that keep their written form (:class:`WrittenNumber`)."""


_LedgerLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: WrittenNumber(loader.construct_yaml_float(node), node.value),
)


def schema_path() -> Traversable:
    """The ledger's JSON Schema: a package resource, so a wheel (Read the Docs) has it too."""
    return schema_file("claims")


def ledger_schema() -> dict[str, Any]:
    """The ledger's JSON Schema, parsed (the one the loader validates with)."""
    return schema("claims")


@dataclass(frozen=True)
class Effect:
    """An effect the source reports: measure, value, 95% CI, unit, scale, the side it favours.

    The numbers are :class:`WrittenNumber` from claims.yaml, so they show as written."""

    measure: str
    value: float
    ci_low: float
    ci_high: float
    favours: str
    unit: str = ""
    scale: str = ""

    @property
    def is_ratio(self) -> bool:
        return self.measure in RATIO_MEASURES

    @property
    def measure_name(self) -> str:
        return MEASURE_NAMES[self.measure]

    def describe(self) -> str:
        """E.g. ``mean difference -16.0 points on a 0-100 scale (95% CI -21.3 to -10.6)``."""
        unit = f" {self.unit}" if self.unit else ""
        return (
            f"{self.measure_name} {format_number(self.value)}{unit} "
            f"(95% CI {format_number(self.ci_low)} to {format_number(self.ci_high)})"
        )


@dataclass(frozen=True)
class Claim:
    """One record of the ledger, as written, with the line of the record and of each key."""

    id: str
    question: str
    population: str
    intervention: str
    comparison: str
    outcome: str
    result: str
    certainty: tuple[str, ...]  # one level, or two adjacent ones, the higher first
    source_rating: tuple[str, ...]  # () where the source did not rate (``none``)
    cite: tuple[str, ...]
    quote: str
    locator: str
    line: int  # the record's first line
    key_lines: Mapping[str, int]  # key -> its line
    record: Mapping[str, Any]  # the record as written (for the export)
    tables: tuple[str, ...] = ()
    effect: Effect | None = None
    studies: int | None = None
    participants: int | None = None
    rationale: str = ""
    quote_source: str = ""
    quote_checked: str = ""  # "by hand": no machine-readable abstract to check the quote against
    #: When the source measured it: a plain label ("first weeks (immediate term)") and the
    #: source's time frames (:data:`TIMEFRAME_TERMS`), empty where the record gives none.
    timeframe: str = ""
    timeframe_terms: tuple[str, ...] = ()

    def line_of(self, key: str) -> int:
        """The line of *key* in this record (the record's line if it has no such key)."""
        return self.key_lines.get(key, self.line)

    @property
    def participants_and_studies(self) -> str:
        """E.g. ``216 (1 study)``, ``1,234 (12 studies)``, ``(3 studies)``, or ``""``."""
        people = f"{self.participants:,}" if self.participants is not None else ""
        if self.studies is None:
            return people
        studies = f"({self.studies} {'study' if self.studies == 1 else 'studies'})"
        return f"{people} {studies}".strip()


@dataclass
class Ledger:
    """The ledger read from :attr:`path`: the usable records and every problem found."""

    path: Path
    claims: list[Claim] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: Ids of records left out of :attr:`claims` because of a problem already reported.
    broken_ids: set[str] = field(default_factory=set)
    #: False when the file could not be read as YAML at all: no id can be judged unknown.
    complete: bool = True
    #: id -> the keys its record cites, for every record with an id, broken ones too.
    cites_by_id: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def get(self, claim_id: str) -> Claim | None:
        return next((claim for claim in self.claims if claim.id == claim_id), None)

    def in_table(self, table: str) -> list[Claim]:
        """The records a summary-of-findings table lists, in ledger order."""
        return [claim for claim in self.claims if table in claim.tables]

    def with_effect(self, *, scale: str = "", measure: str = "") -> list[Claim]:
        """Records with an effect on *scale* (or with *measure*), in ledger order."""
        return [
            claim
            for claim in self.claims
            if claim.effect is not None
            and (not scale or claim.effect.scale == scale)
            and (not measure or claim.effect.measure == measure)
        ]

    def shown_by(self, *, table: str = "", scale: str = "", measure: str = "") -> list[Claim]:
        """The records a ``{summary-of-findings}`` table (*table*) or an ``{evidence-chart}``
        (*scale* or *measure*; not both, which the directive refuses) shows."""
        if table:
            return self.in_table(table)
        if bool(scale) != bool(measure):
            return self.with_effect(scale=scale, measure=measure)
        return []


def format_number(value: float) -> str:
    """A number as written in the ledger (``1.20``; see :class:`WrittenNumber`), with a real
    minus sign (U+2212) for ``-``."""
    return str(value).replace("-", "\u2212")


def describe_levels(levels: Sequence[str]) -> str:
    """``low``, ``low to very-low``, or ``none`` (no rating)."""
    return " to ".join(levels) if levels else NO_SOURCE_RATING


# -- reading ---------------------------------------------------------------------------------


def load_claims(path: Path) -> Ledger:
    """Read and check the ledger at *path*; raise :class:`UnusableInput` if it cannot be read."""
    return parse_claims(read_utf8(path), path)


def parse_claims(text: str, path: Path) -> Ledger:
    """Read and check ledger *text*; *path* is where problems are reported."""
    ledger = Ledger(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)  # the records' lines come from it
        data = _LedgerLoader("").construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        # One problem, at the line that causes it, in plain words (living_review.yaml_errors);
        # nothing else is judged until the file reads.
        found = explain(text, error)
        message = f"{found.message} (nothing after it was checked until this is fixed)"
        ledger.problems.append(Problem(path, found.line, "claims-parse-error", message))
        ledger.complete = False
        return ledger
    ledger.problems += _repeated_keys(root, path)
    nodes = _record_nodes(root)
    records = data.get("claims") if isinstance(data, dict) else None
    records = records if isinstance(records, list) else []
    no_source = {index for index, record in enumerate(records) if _lacks_source(record)}
    broken: set[int] = set(no_source)
    for error in schema_errors("claims", data):
        where = list(error.absolute_path)
        if where[:1] == ["claims"] and len(where) >= 2 and isinstance(where[1], int):
            index = where[1]
            if index in no_source and _about_source(error, where):
                continue  # reported once, as claims-no-source
            broken.add(index)
        line = line_at(root, where, error)
        message = f"{_describe_location(records, where)}{schema_message(error)}"
        ledger.problems.append(Problem(path, line, "claims-schema", message))
    for index in sorted(no_source):
        missing = " and ".join(
            f"`{key}`" for key in ("cite", "quote") if _is_empty(records[index].get(key))
        )
        message = (
            f"{_describe_location(records, ['claims', index])}no {missing}: every record needs "
            "the bib key(s) of its source and a short verbatim quote from it that supports it"
        )
        ledger.problems.append(Problem(path, node_line(nodes[index]), "claims-no-source", message))
    seen: dict[str, Claim] = {}
    for index, record in enumerate(records):
        claim_id = record.get("id") if isinstance(record, dict) else None
        cite = record.get("cite") if isinstance(record, dict) else None
        if isinstance(claim_id, str) and isinstance(cite, list):
            keys = tuple(key for key in cite if isinstance(key, str))
            ledger.cites_by_id.setdefault(claim_id, keys)
        if index in broken:
            if isinstance(claim_id, str):
                ledger.broken_ids.add(claim_id)
            continue
        claim = _claim(record, nodes[index])
        if claim.id in seen:
            message = (
                f"claim '{claim.id}' is defined again (first on line {seen[claim.id].line}): ids "
                "are unique, rename one"
            )
            ledger.problems.append(
                Problem(path, claim.line_of("id"), "claims-duplicate-id", message)
            )
            continue
        seen[claim.id] = claim
        problems = list(_rating_problems(claim, path)) + list(_effect_problems(claim, path))
        ledger.problems += problems
        if any(problem.rule == "claims-bad-effect" for problem in problems):
            ledger.broken_ids.add(claim.id)
            continue
        ledger.claims.append(claim)
    ledger.problems.sort()
    return ledger


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def _lacks_source(record: Any) -> bool:
    return isinstance(record, dict) and any(_is_empty(record.get(key)) for key in ("cite", "quote"))


def _about_source(error: ValidationError, where: list[Any]) -> bool:
    """A schema error that only says what claims-no-source says."""
    if len(where) >= 3 and where[2] in ("cite", "quote"):
        return True
    return error.validator == "required" and any(
        f"'{key}' is a required property" == error.message for key in ("cite", "quote")
    )


def _repeated_keys(root: yaml.Node | None, path: Path) -> Iterable[Problem]:
    """YAML keeps the last of two equal keys in a mapping; say so instead."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            first: dict[str, int] = {}
            for key, value in node.value:
                stack.append(value)
                if not isinstance(key, yaml.ScalarNode):
                    continue
                line = key.start_mark.line + 1
                if key.value in first:
                    message = (
                        f"key '{key.value}' appears twice in one mapping (first on line "
                        f"{first[key.value]}); YAML would keep only this one: keep one"
                    )
                    yield Problem(path, line, "claims-parse-error", message)
                else:
                    first[key.value] = line
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _record_nodes(root: yaml.Node | None) -> list[yaml.Node]:
    found = mapping_get(root, "claims")
    return list(found[1].value) if found and isinstance(found[1], yaml.SequenceNode) else []


def _describe_location(records: list[Any], where: list[Any]) -> str:
    """``claim 'x': effect.ci: `` for an error inside a record, ``"" ``for the file itself."""
    if len(where) < 2 or where[0] != "claims" or not isinstance(where[1], int):
        return ""
    record = records[where[1]] if where[1] < len(records) else None
    claim_id = record.get("id") if isinstance(record, dict) else None
    name = f"claim '{claim_id}'" if isinstance(claim_id, str) else f"record {where[1] + 1}"
    inside = ".".join(str(step) for step in where[2:])
    return f"{name}: {inside}: " if inside else f"{name}: "


def _claim(record: dict[str, Any], node: yaml.Node) -> Claim:
    key_lines = {
        key.value: node_line(key)
        for key, _value in getattr(node, "value", [])
        if isinstance(key, yaml.ScalarNode)
    }
    effect = record.get("effect")
    tables = record.get("table", ())
    source_rating = record["source_rating"]
    return Claim(
        id=record["id"],
        question=record["question"],
        population=record["population"],
        intervention=record["intervention"],
        comparison=record["comparison"],
        outcome=record["outcome"],
        result=record["result"],
        certainty=_levels(record["certainty"]),
        source_rating=() if source_rating == NO_SOURCE_RATING else _levels(source_rating),
        cite=tuple(record["cite"]),
        quote=record["quote"],
        locator=record["locator"],
        line=node_line(node),
        key_lines=key_lines,
        record=record,
        tables=(tables,) if isinstance(tables, str) else tuple(tables),
        effect=None
        if effect is None
        else Effect(
            measure=effect["measure"],
            value=effect["value"],
            ci_low=effect["ci"][0],
            ci_high=effect["ci"][1],
            favours=effect["favours"],
            unit=effect.get("unit", ""),
            scale=effect.get("scale", ""),
        ),
        studies=record.get("studies"),
        participants=record.get("participants"),
        rationale=record.get("rationale", ""),
        quote_source=record.get("quote_source", ""),
        quote_checked=record.get("quote_checked", ""),
        timeframe=record.get("timeframe", {}).get("label", ""),
        timeframe_terms=tuple(record.get("timeframe", {}).get("terms", ())),
    )


def _levels(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


# -- the ledger's own rules -------------------------------------------------------------------


def level_span(levels: Sequence[str]) -> tuple[int, int]:
    """The (highest, lowest) rank of *levels*: high 4 ... very-low 1; unrated 0.

    ``not-rated``, ``none`` and no levels at all are all 0: a source that gave no rating is a
    source that rated ``not-rated``.
    """
    ranks = [
        len(RATED_LEVELS) - RATED_LEVELS.index(level) if level in RATED_LEVELS else 0
        for level in levels
    ]
    return (max(ranks), min(ranks)) if ranks else (0, 0)


def is_above(ours: Sequence[str], theirs: Sequence[str]) -> bool:
    """Whether certainty *ours* claims more than the source's rating *theirs* anywhere.

    Each end of a range counts: ``low`` is above ``[low, very-low]`` (it drops the lower end),
    ``[moderate, low]`` is above ``low``, and every rated level is above no rating at all.
    """
    (our_top, our_bottom), (their_top, their_bottom) = level_span(ours), level_span(theirs)
    return our_top > their_top or our_bottom > their_bottom


def _rating_text(levels: Sequence[str]) -> str:
    """``low``, ``low to very-low``; ``not-rated`` for a source that gave no rating."""
    rated = [level for level in levels if level in RATED_LEVELS]
    return " to ".join(rated) if rated else NOT_RATED


#: The certainty rule, in the words every message about it and the guide use.
CERTAINTY_RULE = (
    "a claim's certainty is never above its source's own rating (a source that gave no "
    "rating means not-rated); `rationale` explains a lower label, never a higher one"
)


def _rating_problems(claim: Claim, path: Path) -> Iterable[Problem]:
    """``certainty`` never above ``source_rating`` (:func:`is_above`, for ranges and ``none``
    too: no rationale lifts it); below it only with a ``rationale``."""
    ours, theirs = describe_levels(claim.certainty), describe_levels(claim.source_rating)
    line = claim.line_of("certainty")
    if is_above(claim.certainty, claim.source_rating):
        allowed = _rating_text(claim.source_rating)
        yield Problem(path, line, "claims-above-source", (
            f"claim '{claim.id}': certainty '{ours}' is above the source's own rating "
            f"'{theirs}': {CERTAINTY_RULE}. Use '{allowed}'"
            + (" or lower" if allowed != NOT_RATED else "")
        ))  # fmt: skip
        return
    if claim.rationale or _rating_text(claim.certainty) == _rating_text(claim.source_rating):
        return
    yield Problem(path, line, "claims-no-rationale", (
        f"claim '{claim.id}': certainty '{ours}' is lower than the source's own rating "
        f"'{theirs}': say why in `rationale`, or use the source's rating"
    ))  # fmt: skip


def _effect_problems(claim: Claim, path: Path) -> Iterable[Problem]:
    effect = claim.effect
    if effect is None:
        return
    line = claim.line_of("effect")
    low, value, high = effect.ci_low, effect.value, effect.ci_high
    if low > high:
        message = f"the 95% CI [{low}, {high}] is reversed: write the low end first"
    elif not low <= value <= high:
        message = f"the value {value} lies outside its 95% CI [{low}, {high}]"
    elif effect.is_ratio and low <= 0:
        message = f"a {effect.measure_name}'s 95% CI is above 0; [{low}, {high}] is not"
    else:
        return
    yield Problem(path, line, "claims-bad-effect", f"claim '{claim.id}': effect: {message}")


def check_cites(ledger: Ledger, bib_keys: Collection[str]) -> list[Problem]:
    """Every ``cite`` key is in references.bib, written exactly as there (case included)."""
    problems = []
    folded = {key.lower(): key for key in bib_keys}
    for claim in ledger.claims:
        for key in claim.cite:
            if key in bib_keys:
                continue
            if (written := folded.get(key.lower())) is not None:
                hint = f"; it is '{written}' there, and keys must match case exactly"
            else:
                close = difflib.get_close_matches(key, list(bib_keys), n=1, cutoff=0.75)
                hint = f"; did you mean '{close[0]}'?" if close else ""
            message = f"claim '{claim.id}' cites '{key}', not in references.bib{hint}"
            problems.append(
                Problem(ledger.path, claim.line_of("cite"), "claims-unknown-cite", message)
            )
    return problems


def check_usage(ledger: Ledger, used_ids: Collection[str]) -> list[Problem]:
    """Every record is used on at least one page: by ``{claim}``, or shown in a
    ``{summary-of-findings}`` table or an ``{evidence-chart}``."""
    return [
        Problem(
            ledger.path,
            claim.line,
            "claims-unused",
            f"claim '{claim.id}' is used on no page: write {{claim}}`{claim.id}` after the "
            "sentence it supports, list it in a summary-of-findings table, or remove the record",
        )
        for claim in ledger.claims
        if claim.id not in used_ids
    ]


def unknown_id_message(claim_id: str, ledger: Ledger) -> str:
    """What to say about ``{claim}`claim_id``` when the ledger has no such record."""
    close = difflib.get_close_matches(claim_id, [claim.id for claim in ledger.claims], n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"{{claim}} uses '{claim_id}', not a record in {ledger.path.name}{hint}"
