"""Command line: ``python -m living_review.tools.citations [--online] [--bib PATH] [--docs DIR]``
(``--claims PATH``: the claim ledger, by default ``claims.yaml`` beside the .bib file).

One ``path:line: rule-id: message`` line per problem, then a summary. Exit status: 0 clean,
1 problems, 2 unusable input (a file that cannot be read), and with ``--online`` 3 when nothing
is wrong but some checks could not be made; with no network at all, one line says so ("could not
check: no network") and the online checks are not attempted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from living_review import claims, safety_net
from living_review.bibfile import read_bibfile

from ..network import NO_NETWORK, unreachable
from .abstracts import RULES as QUOTE_RULES
from .abstracts import check_cached_quotes, check_ledger_quotes, store_for
from .online import CONTACT_VARIABLE, UNCHECKED, add_arguments, check_online, settings_from_args
from .online import RULES as ONLINE_RULES
from .pages import read_pages
from .report import Problem, UnusableInput, plural, summary
from .rules import RULES, check_bibfile, check_ledger, check_pages

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1
EXIT_UNUSABLE = 2
EXIT_UNCHECKED = 3  # --online only: nothing wrong found, but some checks could not be run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m living_review.tools.citations",
        description="Check references.bib and the citations in the pages (offline by default).",
        epilog="Exit status: 0 clean, 1 problems, 2 unreadable input, 3 (--online) some checks "
        "could not be made. Rules and settings: CONTRIBUTING.md, 'Checking citations and links'.",
    )
    parser.add_argument("--bib", type=Path, default=Path("references.bib"), help="the .bib file")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="folder of MyST pages")
    parser.add_argument("--list-rules", action="store_true", help="list rule ids and stop")
    parser.add_argument(
        "--online", action="store_true",
        help="also ask the DOI handle API, PubMed and Crossref about every entry (network)",
    )  # fmt: skip
    add_arguments(parser)  # the online settings live with the online checks
    parser.add_argument(
        "--claims", type=Path, default=None,
        help="the claim ledger [claims.yaml beside the .bib file], checked offline too (each "
        "quote against any cached abstract); with --online, each quote is looked for in the "
        "abstracts of the works it cites (PubMed; Europe PMC or Crossref by DOI)",
    )  # fmt: skip
    parser.add_argument(
        "--quotes-only", action="store_true",
        help="with --online: check only the claims' quotes, not every entry's identifiers",
    )  # fmt: skip
    parser.add_argument(
        "--changed-since", metavar="REF", default=None,
        help="with --online: check the quotes of only the records added or changed since the "
        "git commit REF (the pull-request workflow passes its base)",
    )  # fmt: skip
    return parser


def changed_claim_ids(ledger: claims.Ledger, ref: str) -> set[str]:
    """Ids of the records *ledger* adds or changes since git commit *ref* (UnusableInput if
    *ref* is not a commit of the repository)."""
    from living_review.tools.evidence_diff import GitError, git, resolve_commit

    folder = ledger.path.resolve().parent
    try:
        commit = resolve_commit(folder, ref)
    except GitError as error:
        raise UnusableInput(ledger.path, f"--changed-since: {error}") from None
    try:
        old_text = git(folder, "show", f"{commit}:./{ledger.path.name}").decode("utf-8")
    except (GitError, UnicodeDecodeError):
        old_text = ""  # no ledger at the base: every record is new
    old = {claim.id: claim.record for claim in claims.parse_claims(old_text, ledger.path).claims}
    return {claim.id for claim in ledger.claims if old.get(claim.id) != claim.record}


def read_ledger(given: Path | None, bib: Path) -> claims.Ledger | None:
    """The claim ledger: *given*, or claims.yaml beside *bib* if there is one (else ``None``);
    UnusableInput if it cannot be read."""
    path = given or bib.with_name(claims.FILENAME)
    return claims.load_claims(path) if given or path.exists() else None


def read_safety_net(bib: Path) -> safety_net.SafetyNet | None:
    """safety-net.yaml beside *bib*, if there is one."""
    path = bib.with_name(safety_net.FILENAME)
    return safety_net.load_safety_net(path) if path.exists() else None


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.list_rules:
        rules = {**RULES, **safety_net.RULES, **ONLINE_RULES, **QUOTE_RULES}
        for rule, description in rules.items():
            print(f"{rule:24} {description}")
        return EXIT_CLEAN
    started = time.perf_counter()
    try:
        bib = read_bibfile(args.bib)
        pages = read_pages(args.docs)
        ledger = read_ledger(args.claims, args.bib)
        net = read_safety_net(args.bib)
        only = None  # with --changed-since, the records whose quotes --online checks
        if args.online and args.changed_since and ledger is not None:
            only = changed_claim_ids(ledger, args.changed_since)
    except UnusableInput as error:
        print(error.problem.format(), file=sys.stderr)  # path:line: rule-id: message
        return EXIT_UNUSABLE
    problems: list[Problem] = check_bibfile(bib) + check_pages(bib, pages, ledger, net)
    if net is not None:
        problems += net.problems
        if net.usable:
            problems += safety_net.check_cites(net, {entry.key for entry in bib.entries})
    checked = plural(len(bib.entries), "entry")
    if ledger is not None:
        problems += check_ledger(ledger, bib, pages)
        checked += f", {plural(len(ledger.claims), 'claim')}"
    checked += f" and {plural(len(pages), 'page')}"
    unchecked_rule = None
    no_network: str | None = None
    notes: list[str] = []
    if args.online:
        settings = settings_from_args(args)
        unchecked_rule = UNCHECKED
        services = [settings.eutils, settings.crossref, settings.europepmc]
        no_network = unreachable(services + ([] if args.quotes_only else [settings.doi_api]))
        if no_network:
            print(f"citations: {NO_NETWORK} ({no_network}); the online checks were not made")
            checked += " (online: not checked, no network)"
        else:
            if not settings.contact:
                print(
                    f"note: set {CONTACT_VARIABLE} (or --contact) to an e-mail address, so the "
                    "services' operators can reach us instead of blocking us",
                    file=sys.stderr,
                )
            online = []
            if not args.quotes_only:
                result = check_online(bib, settings)
                problems += result.problems
                online.append(result.describe())
            quotes = check_ledger_quotes(ledger, bib, settings, only=only)  # as read above
            problems += quotes.problems
            notes += quotes.notes
            if only is not None:
                notes.append(
                    f"quotes of the records added or changed since {args.changed_since}: "
                    + (", ".join(sorted(only)) or "none")
                )
            online.append(quotes.describe())
            checked += f" (online: {'; '.join(online)})"
    elif ledger is not None:
        # Offline: each quote against any abstract fetched before (--online, add-evidence).
        cached = check_cached_quotes(ledger, bib, store_for(args.cache_dir))
        problems += cached.problems
        notes += cached.notes
        checked += f" ({plural(cached.quotes, 'quote')} against cached abstracts)"
    for problem in sorted(set(problems)):
        print(problem.format())
    for note in notes:  # what was not checked, and why: one line each
        print(note)
    print(summary(problems, checked, time.perf_counter() - started, unchecked_rule))
    if any(problem.rule != unchecked_rule for problem in problems):
        return EXIT_PROBLEMS
    return EXIT_UNCHECKED if problems or no_network else EXIT_CLEAN
