"""What a change does to the evidence: ``python -m living_review.tools.evidence_diff [BASE]``.

Compares the claim ledger, ``references.bib`` and the pages at ``BASE`` (a git ref, default
``origin/main``; read with git, not checked out) with the working tree, and prints Markdown for
a reviewer: the claims and works added, removed or changed, and how many citation numbers on
the site moved (CONTRIBUTING.md, "The evidence diff"). The numbers are sphinxcontrib-bibtex's:
each work cited on the site is numbered in order of first citation (the ``unsrt`` order),
reading the pages in the order Sphinx does (the root page, then its toctrees depth first, then
any other page by name) and each page from top to bottom, through the fragments it
``{include}``\\ s. A citation is a ``{cite:…}`` role, a ``{claim}`` role (its record's ``cite``
keys) or a ``{summary-of-findings}`` table (the ``cite`` keys of each record in it, in ledger
order); works not in that version's ``references.bib`` get no number.

Exit status: 0 with the Markdown on standard output; 2 with one line on standard error when
``BASE`` is not a commit here or a file cannot be read.
"""

from __future__ import annotations

import argparse
import posixpath
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from living_review.bibfile import BibEntry, parse_bibtex
from living_review.claims import Claim, describe_levels, parse_claims
from living_review.myst_pages import parse_page, split_explicit_title
from living_review.problems import UnusableInput
from living_review.safety_net import BOX_TIERS, SafetyNet, parse_safety_net
from living_review.safety_net import FILENAME as SAFETY_NET
from living_review.tools.citations.pages import (
    CITE_ROLES,
    SAFETY_NET_BOX,
    SAFETY_NET_SIGNS,
    WHAT_TO_DO_NOW,
)

DEFAULT_BASE = "origin/main"
LEDGER = "claims.yaml"
BIBLIOGRAPHY = "references.bib"
DOCS = "docs"
ROOT_DOC = "index"  # docs/conf.py: root_doc
EXIT_OK, EXIT_UNUSABLE = 0, 2
#: Roles that number works in the bibliography (footnote citations are numbered per page).
NUMBERING_ROLES = frozenset(role for role in CITE_ROLES if not role.startswith("footcite"))
#: The directive that lists a table's records, in ledger order, each with its citation (an
#: ``{evidence-chart}`` names its sources in words, without citing them).
SUMMARY_OF_FINDINGS = "summary-of-findings"
_TABLE_OPTION = re.compile(r"^\s*:?table:\s*(\S+)\s*$", re.MULTILINE)
#: Fields of a record shown old → new; any other field that changed is named.
SHOWN_FIELDS = ("certainty", "source_rating", "effect", "quote")
#: living_review.claims' rule and words for a ledger that is not YAML at all.
PARSE_ERROR = "claims-parse-error"


class GitError(Exception):
    """git could not answer (not a repository, a damaged object, ...)."""


class UnknownBase(GitError):
    """The base is not a commit in this repository."""


@dataclass
class Snapshot:
    """One version of the review's evidence: the ledger, the bibliography and the pages."""

    label: str  # "origin/main", or "the working tree"
    ledger: str | None  # the text of claims.yaml (None: there is none)
    bibliography: str | None
    pages: dict[str, str]  # docs-relative POSIX path -> Markdown text, every *.md under docs/
    safety_net: str | None = None  # the text of safety-net.yaml: its box and guide cite too


def git(root: Path, *args: str, text_input: bytes | None = None) -> bytes:
    """Run git in *root*; GitError with git's own words if it fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=root, input=text_input, capture_output=True, check=False
        )
    except OSError as error:
        raise GitError(f"cannot run git: {error}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout


def resolve_commit(root: Path, ref: str) -> str:
    """The commit *ref* names in *root*'s repository (GitError if none)."""
    try:
        found = git(
            root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
    except GitError:
        found = b""
    if not found.strip():
        git(root, "rev-parse", "--git-dir")  # not a repository: say so in git's words
        raise UnknownBase(f"no commit '{ref}' in this repository")
    return found.decode().strip()


def snapshot_at(root: Path, commit: str, label: str) -> Snapshot:
    """The files as they are in *commit* (read from git's objects: nothing is checked out)."""
    listing = git(
        root, "ls-tree", "-r", "-z", "--full-tree", commit, "--", LEDGER, BIBLIOGRAPHY,
        SAFETY_NET, DOCS,
    )  # fmt: skip
    blobs: dict[str, str] = {}
    for record in filter(None, listing.split(b"\0")):
        meta, _, raw_path = record.partition(b"\t")
        kind, object_id = meta.split()[1:3]
        path = raw_path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and (path in (LEDGER, BIBLIOGRAPHY, SAFETY_NET) or path.endswith(".md")):
            blobs[path] = object_id.decode()
    texts = _read_blobs(root, blobs)
    docs = f"{DOCS}/"
    pages = {path.removeprefix(docs): text for path, text in texts.items() if path.startswith(docs)}
    return Snapshot(label, texts.get(LEDGER), texts.get(BIBLIOGRAPHY), pages, texts.get(SAFETY_NET))


def _read_blobs(root: Path, blobs: Mapping[str, str]) -> dict[str, str]:
    """The text of each blob, in one ``git cat-file --batch``."""
    if not blobs:
        return {}
    output = git(root, "cat-file", "--batch", text_input="\n".join(blobs.values()).encode() + b"\n")
    texts: dict[str, str] = {}
    position = 0
    for path, object_id in blobs.items():
        header_end = output.index(b"\n", position)
        size = int(output[position:header_end].split()[2])
        start = header_end + 1
        data = output[start : start + size]
        position = start + size + 1  # the content is followed by a newline
        try:
            texts[path] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise GitError(f"{object_id}: {path} is not UTF-8 text") from None
    return texts


def snapshot_of_working_tree(root: Path) -> Snapshot:
    """The files as they are on disk now."""
    pages = {}
    docs = root / DOCS
    for path in sorted(docs.rglob("*.md")):
        relative = path.relative_to(docs)
        if relative.parts[0] != "_build" and not any(p.startswith(".") for p in relative.parts):
            pages[relative.as_posix()] = _read(path)
    files = [root / name for name in (LEDGER, BIBLIOGRAPHY, SAFETY_NET)]
    ledger, bibliography, net = (_read(path) if path.exists() else None for path in files)
    return Snapshot("the working tree", ledger, bibliography, pages, net)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UnusableInput(path, f"cannot read: {error}") from None


def read_ledger(text: str | None, where: str) -> tuple[dict[str, Claim], set[str]]:
    """The ledger's usable records by id, in ledger order, as the build reads them, and the ids
    left out as they break its rules (UnusableInput if it is not YAML at all)."""
    if text is None:
        return {}, set()
    ledger = parse_claims(text, Path(where))
    if not ledger.complete:  # not YAML: nothing in it can be compared
        problem = next(problem for problem in ledger.problems if problem.rule == PARSE_ERROR)
        raise UnusableInput(problem.path, problem.message, line=problem.line, rule=PARSE_ERROR)
    return {claim.id: claim for claim in ledger.claims}, set(ledger.broken_ids)


def read_works(text: str | None, where: str) -> dict[str, BibEntry]:
    """The bibliography's entries by key."""
    if text is None:
        return {}
    works: dict[str, BibEntry] = {}
    for entry in parse_bibtex(text, Path(where)).entries:
        works.setdefault(entry.key, entry)
    return works


def cite_keys(role: str, content: str, claims: Mapping[str, Claim], net: str | None) -> list[str]:
    """The works one role cites: a citation role's keys, a ``{claim}`` record's ``cite``, or
    the sources of a ``{safety-net-signs}`` list (*net*: the text of safety-net.yaml)."""
    if role == SAFETY_NET_SIGNS:
        return _safety_net_keys(net, role, content.strip())
    if role == "claim":
        claim = claims.get(split_explicit_title(content)[1])
        return list(claim.cite) if claim is not None else []
    if role in NUMBERING_ROLES:  # keys with optional {pre} and {post} notes, comma separated
        keys = (target.split("}")[-1].split("{")[0].strip() for target in content.split(","))
        return [key for key in keys if key]
    return []


def _relative(page: str, target: str) -> str:
    """A path written on *page* (relative to it, or to docs/ with a leading "/")."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(page), target))


def _is_site_page(path: str) -> bool:
    """Not in a folder starting with "_" or "." (docs/conf.py's exclude_patterns); pages may
    still ``{include}`` files from them."""
    folders = path.split("/")[:-1]
    return not any(folder.startswith(("_", ".")) for folder in folders)


@dataclass
class _PageReading:
    citations: list[str] = field(default_factory=list)  # keys, in order, includes inlined
    toctree: list[str] = field(default_factory=list)  # docnames, in order


def read_site_page(
    path: str, snapshot: Snapshot, claims: Mapping[str, Claim], seen: frozenset[str]
) -> _PageReading:
    """One page's citations in reading order (fragments it includes read in place)."""
    reading = _PageReading()
    text, net = snapshot.pages[path], snapshot.safety_net
    page = parse_page(text, Path(path))
    cited = [(role.line, cite_keys(role.name, role.content, claims, net)) for role in page.roles]
    for fence in sorted(page.directives, key=lambda fence: fence.line):
        keys: list[str] = []
        if fence.name == "toctree":
            for line in fence.body.splitlines():
                entry = split_explicit_title(line)[1].strip()
                if entry and entry != "self" and "://" not in entry:
                    reading.toctree.append(_relative(path, entry).removesuffix(".md"))
        elif fence.name == "include":
            target = _relative(path, fence.argument.strip())
            if target in snapshot.pages and target not in seen:
                keys = read_site_page(target, snapshot, claims, seen | {target}).citations
        elif fence.name in (SAFETY_NET_BOX, WHAT_TO_DO_NOW):  # what the box or guide cites
            keys = _safety_net_keys(net, fence.name, fence.option("tiers"))
        elif fence.name == SUMMARY_OF_FINDINGS:  # its table's records, one citation each
            source = "\n".join(text.splitlines()[fence.line : fence.end_line])
            table = _TABLE_OPTION.search(source)
            name = table.group(1) if table else ""
            keys = [key for claim in claims.values() if name in claim.tables for key in claim.cite]
        cited.append((fence.line, keys))
    for _, keys in sorted(cited, key=lambda event: event[0]):  # stable: same line
        reading.citations += keys
    return reading


@cache
def _safety_net(text: str) -> SafetyNet:
    return parse_safety_net(text, Path(SAFETY_NET))


def _safety_net_keys(text: str | None, name: str, tiers: str) -> list[str]:
    """The keys a ``{safety-net}`` box (with its ``:tiers:``), the ``{what-to-do-now}`` guide
    or a ``{safety-net-signs}`` list cites, in the order the page shows them."""
    if text is None:
        return []
    net = _safety_net(text)
    if name == WHAT_TO_DO_NOW:
        return net.cited_keys((), stages=True)
    return net.cited_keys(tiers.split() or BOX_TIERS, intro=name == SAFETY_NET_BOX)


def citation_numbers(snapshot: Snapshot) -> dict[str, int]:
    """The number each work cited on the site has in the bibliography (unsrt order)."""
    claims = read_ledger(snapshot.ledger, LEDGER)[0]
    works = read_works(snapshot.bibliography, BIBLIOGRAPHY)
    docnames = {path.removesuffix(".md"): path for path in snapshot.pages if _is_site_page(path)}
    readings: dict[str, _PageReading] = {}

    def reading_of(docname: str) -> _PageReading:
        if docname not in readings:
            path = docnames[docname]
            readings[docname] = read_site_page(path, snapshot, claims, frozenset({path}))
        return readings[docname]

    order: list[str] = []

    def traverse(docname: str) -> Iterator[str]:  # pre-order, as Sphinx's collect_relations
        order.append(docname)
        yield docname
        for child in reading_of(docname).toctree:
            if child in docnames and child not in order:
                yield from traverse(child)

    sequence = list(traverse(ROOT_DOC)) if ROOT_DOC in docnames else []
    sequence += sorted(set(docnames) - set(sequence))
    numbers: dict[str, int] = {}
    for docname in sequence:
        for key in reading_of(docname).citations:
            if key in works and key not in numbers:
                numbers[key] = len(numbers) + 1
    return numbers


@dataclass
class ClaimChange:
    """A record in both versions whose fields differ."""

    old: Claim
    new: Claim

    def shown(self) -> list[tuple[str, str, str]]:
        """(field, old, new) in words, for every field that changed: the ones a reviewer reads
        first (:data:`SHOWN_FIELDS`), then the others by name."""
        old, new = self.old.record, self.new.record
        others = sorted((old.keys() | new.keys()) - set(SHOWN_FIELDS))
        return [
            (name, shown(name, self.old), shown(name, self.new))
            for name in (*SHOWN_FIELDS, *others)
            if old.get(name) != new.get(name)
        ]


@dataclass
class EvidenceDiff:
    base: str
    claims_added: list[Claim]
    claims_removed: list[Claim]
    claims_changed: list[ClaimChange]
    claims_now: int
    claims_broken: list[str]  # ids not compared: they break the ledger's rules
    works_added: list[BibEntry]
    works_removed: list[BibEntry]
    works_changed: list[tuple[BibEntry, list[str]]]  # entry now, the fields that changed
    numbers_before: dict[str, int]
    numbers_after: dict[str, int]

    @property
    def unchanged(self) -> bool:
        return not (
            self.claims_added or self.claims_removed or self.claims_changed or self.works_added
            or self.works_removed or self.works_changed or self.numbers_before != self.numbers_after
        )  # fmt: skip

    @property
    def moved(self) -> list[tuple[str, int, int]]:
        """(key, old number, new number) for each work numbered in both whose number changed."""
        after = self.numbers_after
        moves = [(key, old, after[key]) for key, old in self.numbers_before.items() if key in after]
        return sorted((move for move in moves if move[2] != move[1]), key=lambda move: move[2])


def compare(base: Snapshot, head: Snapshot) -> EvidenceDiff:
    old_claims, old_broken = read_ledger(base.ledger, f"{base.label}:{LEDGER}")
    new_claims, new_broken = read_ledger(head.ledger, LEDGER)
    broken = old_broken | new_broken
    old_works = read_works(base.bibliography, f"{base.label}:{BIBLIOGRAPHY}")
    new_works = read_works(head.bibliography, BIBLIOGRAPHY)
    changed_works = []
    for key in sorted(new_works.keys() & old_works.keys()):
        old, new = ({f.name: f.value for f in w[key].fields} for w in (old_works, new_works))
        names = sorted(name for name in old.keys() | new.keys() if old.get(name) != new.get(name))
        if names or old_works[key].type != new_works[key].type:
            changed_works.append((new_works[key], names or ["entry type"]))
    return EvidenceDiff(
        base=base.label,
        claims_added=[new_claims[i] for i in new_claims if i not in old_claims.keys() | broken],
        claims_removed=[old_claims[i] for i in old_claims if i not in new_claims.keys() | broken],
        claims_changed=[
            ClaimChange(old_claims[i], new_claims[i])
            for i in new_claims
            if i in old_claims and old_claims[i].record != new_claims[i].record
        ],
        claims_now=len(new_claims) + len(new_broken),
        claims_broken=sorted(broken),
        works_added=[new_works[k] for k in new_works if k not in old_works],
        works_removed=[old_works[k] for k in old_works if k not in new_works],
        works_changed=changed_works,
        numbers_before=citation_numbers(base),
        numbers_after=citation_numbers(head),
    )


_ESCAPED = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def text(value: object) -> str:
    """Plain text for Markdown: one line, Markdown's special characters escaped."""
    return " ".join(str(value).split()).translate(_ESCAPED)


def code(value: str) -> str:
    return f"`{value}`" if "`" not in value else text(value)


def effect_text(claim: Claim) -> str:
    """E.g. ``mean difference -16.0 points (95% CI -21.3 to -10.6), favours acupuncture``,
    the numbers as on the site, with a real minus sign."""
    if claim.effect is None:
        return "no effect estimate"
    return f"{claim.effect.describe()}, favours {claim.effect.favours}"


def shown(name: str, claim: Claim) -> str:
    """A field of *claim*, in words, as Markdown (``(none)`` where the record has no such field)."""
    if name in ("certainty", "source_rating"):
        return text(describe_levels(getattr(claim, name)))
    if name == "effect":
        return text(effect_text(claim))
    if name == "quote":
        return f"“{text(claim.quote)}”"
    value = claim.record.get(name)
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return text(", ".join(str(item) for item in value))
    return text(value)


def claim_details(claim: Claim) -> list[str]:
    """What a reviewer checks in an added record: its result, its quote and where it was read,
    and how its certainty relates to the source's own rating."""
    where = [claim.locator.strip()] if claim.locator.strip() else []
    if claim.quote_source:
        where.append(f"read at {claim.quote_source}")
    if claim.quote_checked:
        where.append(f"checked {claim.quote_checked}")
    quote = f"quote: {shown('quote', claim)}" + (f" ({text('; '.join(where))})" if where else "")
    rating = (
        f"certainty: {shown('certainty', claim)}; the source's own rating: "
        f"{shown('source_rating', claim)}"
    )
    if claim.rationale:
        rating += f"; rationale: {text(claim.rationale)}"
    return [f"result: {text(claim.result)}", quote, rating]


def describe_claim(claim: Claim) -> str:
    """One line: id, outcome, effect, certainty (and the source's), cited works."""
    keys = ", ".join(code(key) for key in claim.cite)
    return (
        f"{code(claim.id)}: {text(claim.outcome)}; {text(effect_text(claim))}; certainty "
        f"{shown('certainty', claim)} (source: {shown('source_rating', claim)}); cites {keys}"
    )


def describe_work(entry: BibEntry) -> str:
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    who = " ".join(people[0].last_names) if people else ""
    who += " et al." if len(people) > 1 else ""
    labels = (("pubmed", "PMID"), ("doi", "DOI"), ("url", "URL"))
    found = next((f"{label} {entry.value(n)}" for n, label in labels if entry.value(n)), "")
    title = entry.value("title").replace("{", "").replace("}", "")
    details = ", ".join(part for part in (who, entry.value("year")) if part)
    line = f"{code(entry.key)}: {text(title)}"
    if details:
        line += f" ({text(details)})"
    return line + (f"; {text(found)}" if found else "")


def markdown(diff: EvidenceDiff) -> str:
    """The report, in GitHub-flavoured Markdown."""
    moved = diff.moved
    cited_before, cited_after = len(diff.numbers_before), len(diff.numbers_after)
    lines = [
        f"## Evidence changes against {code(diff.base)}",
        "",
        f"- Claims (`{LEDGER}`): {len(diff.claims_added)} added, {len(diff.claims_removed)} "
        f"removed, {len(diff.claims_changed)} changed ({diff.claims_now} in the ledger now)",
        f"- Works (`{BIBLIOGRAPHY}`): {len(diff.works_added)} added, "
        f"{len(diff.works_removed)} removed, {len(diff.works_changed)} changed",
        f"- Citation numbers on the site: {len(moved)} of {cited_before} moved "
        f"({cited_before} cited works before, {cited_after} now)",
    ]
    if diff.unchanged:
        lines += ["", "Nothing in the evidence changed: no claim, no work, no citation number."]
    added = [_SUB.join([describe_claim(c), *claim_details(c)]) for c in diff.claims_added]
    lines += _section("Claims added", added)
    lines += _section("Claims removed", [describe_claim(record) for record in diff.claims_removed])
    changed = [
        _SUB.join([code(c.new.id), *(f"{name}: {old} → {new}" for name, old, new in c.shown())])
        for c in diff.claims_changed
    ]
    lines += _section("Claims changed", changed)
    if diff.claims_broken:
        lines += [
            "",
            "Not compared, as they break the ledger's rules (`nox -s citations` says how): "
            + ", ".join(code(claim_id) for claim_id in diff.claims_broken),
        ]
    lines += _section("Works added", [describe_work(entry) for entry in diff.works_added])
    lines += _section("Works removed", [describe_work(entry) for entry in diff.works_removed])
    lines += _section(
        "Works changed",
        [f"{code(entry.key)}: {', '.join(names)}" for entry, names in diff.works_changed],
    )
    before, after = diff.numbers_before, diff.numbers_after
    rows = [f"| {code(key)} | [{old}] | [{new}] |" for key, old, new in moved]
    rows += [f"| {code(k)} | not cited | [{n}] |" for k, n in after.items() if k not in before]
    rows += [f"| {code(k)} | [{n}] | not cited |" for k, n in before.items() if k not in after]
    if rows:
        lines += ["", "### Citation numbers", "", "| work | before | now |", "| --- | --- | --- |"]
        lines += rows
    return "\n".join(lines) + "\n"


_SUB = "\n  - "  # joins an item and its own sub-bullets


def _section(title: str, items: list[str]) -> list[str]:
    """A Markdown section of bullets, or nothing when there are no items."""
    return ["", f"### {title}", "", *(f"- {item}" for item in items)] if items else []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m living_review.tools.evidence_diff",
        description=(
            "Markdown for a reviewer: the claims, works and citation numbers a change adds, "
            "removes or changes, against BASE."
        ),
        epilog="Exit status: 0 with the Markdown; 2 when BASE is not a commit or a file is "
        "unreadable (one line on standard error).",
    )
    parser.add_argument(
        "base", nargs="?", default=DEFAULT_BASE,
        help=f"the git ref to compare with (default: {DEFAULT_BASE})",
    )  # fmt: skip
    parser.add_argument(
        "--root", type=Path, default=Path(), help="the repository's top folder (default: here)"
    )
    args = parser.parse_args(argv)
    root: Path = args.root
    try:
        commit = resolve_commit(root, args.base)
        base = snapshot_at(root, commit, args.base)
        diff = compare(base, snapshot_of_working_tree(root))
    except UnknownBase as error:
        print(
            f"evidence-diff: {error}: fetch it (for example `git fetch origin main`) "
            "or name another base (`nox -s evidence-diff -- HEAD~1`)",
            file=sys.stderr,
        )
        return EXIT_UNUSABLE
    except GitError as error:
        print(f"evidence-diff: git: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except UnusableInput as error:
        print(error.problem.format(), file=sys.stderr)
        return EXIT_UNUSABLE
    sys.stdout.write(markdown(diff))
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
