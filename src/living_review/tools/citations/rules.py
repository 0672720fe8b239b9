"""The offline rules: what makes a reference or a citation wrong, each with a stable id.

Every message names the entry or key and says what to do, so a reviewer can act on it without
reading this code. The rules about entries the style would print wrongly live in
:mod:`living_review.bib_rendering`, which the site build runs too.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterable
from urllib.parse import unquote

from living_review import bib_rendering
from living_review.bib_rendering import EntryRule, Hit, arxiv_linked, check_rendering
from living_review.bibfile import PARSE_ERROR, BibEntry, BibFile
from living_review.claims import RULES as LEDGER_RULES
from living_review.claims import Ledger, check_cites, check_usage, unknown_id_message
from living_review.problems import UNREADABLE
from living_review.safety_net import SafetyNet

from .pages import FRONT_MATTER, STAGES, SUMMARY_OF_FINDINGS, Page
from .report import Problem

#: Every offline rule: id -> what it catches (``--list-rules`` prints this).
RULES: dict[str, str] = {
    PARSE_ERROR: "references.bib does not parse (where, and what pybtex says)",
    "bib-duplicate-key": "two entries share a key (reported on both lines)",
    "bib-repeated-field": "a field appears twice in one entry",
    "bib-duplicate-id": "two entries have the same DOI, PubMed ID or PMCID",
    **bib_rendering.RULES,
    "bib-missing-field": "a field the entry type needs is missing",
    "bib-bad-doi": "DOI is not 10.<registrant>/<suffix> (or is given as a URL)",
    "bib-bad-pubmed": "PubMed ID is not a number",
    "bib-bad-pmcid": "PMCID is not PMC<digits>",
    "bib-insecure-url": "url is not an https:// address",
    "bib-pmid-field": "PubMed ID in a `pmid` field, which the style ignores (use `pubmed`)",
    "bib-no-identifier": "no DOI, PubMed ID, PMCID or arXiv eprint (a guideline may use its url)",
    "bib-url-repeats-id": "url only repeats the DOI or PubMed ID, which the style already links",
    "bib-uncited": "entry cited on no page (mark deliberate ones `keywords = {excluded}`)",
    "cite-unknown-key": "a page cites a key that references.bib does not define",
    "cite-bad-syntax": "citation written in a syntax MyST does not render",
    "page-no-citation": "a content page cites nothing",
    **LEDGER_RULES,  # the claim ledger (claims.yaml), as the site build checks it
    UNREADABLE: "a file cannot be read at all: missing, or not UTF-8 (exit status 2)",
    FRONT_MATTER: "front matter MyST cannot read: bad YAML, a date like 2026-02-30 (exit 2)",
}

#: ``keywords`` value that marks an entry kept on purpose although no page cites it.
EXCLUDED_KEYWORD = "excluded"

#: The bibliography style the site uses (docs/conf.py: bibtex_default_style).
STYLE = "unsrt"

#: Fields each entry type needs; a tuple means "one of these". These are the fields the unsrt
#: style cannot do without, plus title, year and an author for every type, so that a reader can
#: identify every work (the style itself needs nothing at all for @misc).
_WHO = ("author", "editor", "organization", "institution")
REQUIRED: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "article": ("author", "title", "journal", "year"),
    "book": (("author", "editor"), "title", "publisher", "year"),
    "booklet": ("author", "title", "year"),
    "inbook": (("author", "editor"), "title", "publisher", "year"),
    "incollection": ("author", "title", "booktitle", "year"),
    "inproceedings": ("author", "title", "booktitle", "year"),
    "manual": (_WHO, "title", "year"),
    "mastersthesis": ("author", "title", "school", "year"),
    "phdthesis": ("author", "title", "school", "year"),
    "proceedings": (_WHO, "title", "year"),
    "techreport": ("author", "title", "institution", "year"),
    "unpublished": ("author", "title", "note", "year"),
}
DEFAULT_REQUIRED: tuple[str | tuple[str, ...], ...] = (_WHO, "title", "year")

#: Entry types that may be identified by their url alone: guidelines and other web documents
#: (with biblatex's names for web pages, which bib-unknown-type reports on their own).
URL_IDENTIFIED_TYPES = frozenset(
    {"misc", "online", "manual", "techreport", "booklet", "webpage", "www", "electronic"}
)

DOI = re.compile(r"10\.\d{4,9}(?:\.\d+)*/\S+")
DOI_AS_URL = re.compile(r"(?:https?://)?(?:dx\.|www\.)?doi\.org/|doi:\s*", re.IGNORECASE)
PUBMED = re.compile(r"[1-9]\d{0,8}")
PMCID = re.compile(r"PMC\d+")
PUBMED_URL = re.compile(
    r"https?://(?:pubmed\.ncbi\.nlm\.nih\.gov/|www\.ncbi\.nlm\.nih\.gov/pubmed/)(\d+)/?$",
    re.IGNORECASE,
)


# -- references.bib ------------------------------------------------------------------------


def check_bibfile(bib: BibFile) -> list[Problem]:
    """Every rule about references.bib on its own."""
    problems = [*bib.problems, *duplicate_keys(bib), *duplicate_identifiers(bib)]
    problems += check_rendering(bib, STYLE)
    for entry in bib.entries:
        for rule in ENTRY_RULES:
            problems += [Problem(bib.path, *hit) for hit in rule(entry)]
    return problems


def duplicate_keys(bib: BibFile) -> list[Problem]:
    """Keys are case-insensitive in pybtex: ``Smith2020`` and ``smith2020`` collide."""
    by_key: dict[str, list[BibEntry]] = defaultdict(list)
    for entry in bib.entries:
        by_key[entry.key.lower()].append(entry)
    problems = []
    for same in by_key.values():
        if len(same) < 2:
            continue
        lines = ", ".join(str(entry.line) for entry in same)
        for entry in same:
            message = (
                f"key '{entry.key}' is defined {len(same)} times (lines {lines}); the site "
                "build stops reading at the second copy and drops every entry from there on: "
                "rename one or merge them"
            )
            problems.append(Problem(bib.path, entry.line, "bib-duplicate-key", message))
    return problems


def duplicate_identifiers(bib: BibFile) -> list[Problem]:
    """Two entries for one work: the same DOI (case-insensitive), PubMed ID or PMCID."""
    problems = []
    for name, label in (("doi", "DOI"), ("pubmed", "PubMed ID"), ("pmcid", "PMCID")):
        first: dict[str, BibEntry] = {}
        for entry in bib.entries:
            value = entry.value(name)
            if value and (seen := first.setdefault(value.casefold(), entry)) is not entry:
                message = (
                    f"entry '{entry.key}' has the same {label} ({value}) as entry '{seen.key}' "
                    f"(line {seen.line}): one work needs one entry"
                )
                problems.append(Problem(bib.path, entry.line_of(name), "bib-duplicate-id", message))
    return problems


def repeated_fields(entry: BibEntry) -> Iterable[Hit]:
    first_line: dict[str, int] = {}
    for bib_field in entry.fields:
        if bib_field.name in first_line:
            message = (
                f"entry '{entry.key}': field '{bib_field.name}' appears again (first on line "
                f"{first_line[bib_field.name]}); the site build then drops this entry and every "
                "entry after it: keep one"
            )
            yield Hit(bib_field.line, "bib-repeated-field", message)
        else:
            first_line[bib_field.name] = bib_field.line


def missing_fields(entry: BibEntry) -> Iterable[Hit]:
    for need in REQUIRED.get(entry.type, DEFAULT_REQUIRED):
        names = need if isinstance(need, tuple) else (need,)
        if any(entry.get(name) for name in names):
            continue  # present; if it is empty, bib-empty-field says so
        wanted = " or ".join(f"'{name}'" for name in names)
        message = f"entry '{entry.key}' (@{entry.type}) has no {wanted} field"
        yield Hit(entry.line, "bib-missing-field", message)


def _hit(entry: BibEntry, name: str, rule: str, message: str) -> Hit:
    """A problem with the entry's field *name* (at its line), the message after the entry's key."""
    return Hit(entry.line_of(name), rule, f"entry '{entry.key}': {message}")


def malformed_identifiers(entry: BibEntry) -> Iterable[Hit]:
    doi = entry.value("doi")
    if doi and DOI_AS_URL.match(doi):
        bare = DOI_AS_URL.sub("", doi, count=1)
        message = (
            f"write the bare DOI ({bare}), not a link or 'doi:' prefix: the style adds "
            "https://doi.org/ itself"
        )
        yield _hit(entry, "doi", "bib-bad-doi", message)
    elif doi and not DOI.fullmatch(doi):
        message = (
            f"'{doi}' is not a DOI (expected 10.<registrant>/<suffix>, e.g. "
            "10.1136/bmj.39223.428495.BE)"
        )
        yield _hit(entry, "doi", "bib-bad-doi", message)
    pubmed = entry.value("pubmed")
    if pubmed and not PUBMED.fullmatch(pubmed):
        message = f"PubMed ID '{pubmed}' is not a number (e.g. 17585160)"
        yield _hit(entry, "pubmed", "bib-bad-pubmed", message)
    pmcid = entry.value("pmcid")
    if pmcid and not PMCID.fullmatch(pmcid):
        hint = f" (did you mean PMC{pmcid.upper().removeprefix('PMC').strip()}?)"
        message = f"PMCID '{pmcid}' is not PMC followed by digits{hint}"
        yield _hit(entry, "pmcid", "bib-bad-pmcid", message)
    url = entry.value("url")
    if url and not re.fullmatch(r"https://\S+", url):
        why = "use the https:// address" if url.startswith("http://") else "expected https://..."
        message = f"url '{url}' is not an https:// address: {why}"
        yield _hit(entry, "url", "bib-insecure-url", message)
    if entry.get("pmid"):
        message = (
            "put the PubMed ID in a 'pubmed' field: the style links 'pubmed' and ignores 'pmid'"
        )
        yield _hit(entry, "pmid", "bib-pmid-field", message)


def missing_identifier(entry: BibEntry) -> Iterable[Hit]:
    if any(entry.value(name) for name in ("doi", "pubmed", "pmcid")):
        return
    if arxiv_linked(entry):
        return  # a preprint: the style links its arXiv page
    if entry.value("url") and entry.type in URL_IDENTIFIED_TYPES:
        return
    if entry.value("eprint"):
        advice = (
            "its eprint is not an arXiv identifier the style can link (see bib-bad-eprint): "
            "add its DOI, PubMed ID or PMCID, or the arXiv identifier"
        )
    elif entry.value("url"):
        advice = (
            f"a url identifies only guidelines and other web documents (@misc); this is "
            f"@{entry.type}: add its DOI, PubMed ID or PMCID"
        )
    else:
        advice = "add its DOI, PubMed ID ('pubmed') or PMCID, or, for a guideline, its url"
    yield entry.line, "bib-no-identifier", f"entry '{entry.key}' has no identifier: {advice}"


def redundant_url(entry: BibEntry) -> Iterable[Hit]:
    url = unquote(entry.value("url"))  # "" matches neither pattern below
    doi, pubmed = entry.value("doi"), entry.value("pubmed")
    if DOI_AS_URL.match(url) and not url.lower().startswith("doi:"):
        linked = DOI_AS_URL.sub("", url, count=1)
        if doi and linked.casefold() == doi.casefold():
            message = "url only repeats the DOI, which the style already links: remove the url"
            yield _hit(entry, "url", "bib-url-repeats-id", message)
        elif not doi:
            message = f"url is a DOI link: put {linked} in a 'doi' field and remove the url"
            yield _hit(entry, "url", "bib-url-repeats-id", message)
    elif (match := PUBMED_URL.match(url)) and match.group(1) == pubmed:
        message = "url only repeats the PubMed ID, which the style already links: remove the url"
        yield _hit(entry, "url", "bib-url-repeats-id", message)


ENTRY_RULES: tuple[EntryRule, ...] = (
    repeated_fields,
    missing_fields,
    malformed_identifiers,
    missing_identifier,
    redundant_url,
)


# -- pages ---------------------------------------------------------------------------------


def check_pages(
    bib: BibFile, pages: list[Page], ledger: Ledger | None = None, net: SafetyNet | None = None
) -> list[Problem]:
    """Citations against the entries: unknown keys, uncited entries, uncited pages, syntax. As on
    the site, ``{claim}`id``` cites the record's keys, and the safety net's box, guide and sign
    lists the keys of what they show."""
    problems: list[Problem] = []
    cites_by_id = ledger.cites_by_id if ledger is not None else {}
    keys = {entry.key.lower(): entry.key for entry in bib.entries}
    # sphinxcontrib-bibtex finds a cited key only as written, case included (while pybtex
    # takes two keys differing in case for one, so bib-duplicate-key ignores case).
    known = {entry.key for entry in bib.entries} | bib.damaged_keys  # damaged: a parse error
    cited: set[str] = set()
    for page in pages:
        problems += [Problem(page.path, b.line, "cite-bad-syntax", b.message) for b in page.bad]
        for line, word in page.at_words:
            if word.lower() in keys:
                message = (
                    f"pandoc in-text citation @{word} shows as literal text in MyST: "
                    f"write {{cite:t}}`{word}`"
                )
                problems.append(Problem(page.path, line, "cite-bad-syntax", message))
        for citation in page.citations:
            cited.add(citation.key.lower())  # cited, if in the wrong case: one problem, not two
            if citation.key in known:
                continue
            if (written := keys.get(citation.key.lower())) is not None:
                hint = f"; it is '{written}' there, and keys must match case exactly"
            else:
                close = difflib.get_close_matches(citation.key, list(keys.values()), cutoff=0.75)
                hint = f"; did you mean '{close[0]}'?" if close else ""
            message = f"{{{citation.role}}} cites '{citation.key}', not in references.bib{hint}"
            problems.append(Problem(page.path, citation.line, "cite-unknown-key", message))
        for use in page.claims:
            cited.update(key.lower() for key in cites_by_id.get(use.claim_id, ()))
        table_keys = _table_keys(page, ledger)  # a summary-of-findings table cites its records'
        table_keys += _safety_net_keys(page, net)
        cited.update(key.lower() for key in table_keys)
        cites = page.citations or page.claims or table_keys
        # Until claims.yaml parses, what its summary-of-findings tables and charts cite is unknown.
        unknown = ledger is not None and not ledger.complete and page.displays
        if page.is_content and not cites and not page.no_citations_reason and not unknown:
            message = (
                f"content page '{page.docname}' cites nothing: cite the sources of its claims, "
                "or give the reason in its front matter as `no_citations: <reason>`"
            )
            problems.append(Problem(page.path, page.title_line, "page-no-citation", message))
    if ledger is not None and not ledger.complete:
        return problems  # what {claim} cites is unknown until claims.yaml parses
    for entry in bib.entries:
        if entry.key.lower() not in cited and not _is_excluded(entry):
            message = (
                f"entry '{entry.key}' is cited on no page: cite it, remove it, or, if it is kept "
                f"on purpose (an excluded study), add `keywords = {{{EXCLUDED_KEYWORD}}}`"
            )
            problems.append(Problem(bib.path, entry.line, "bib-uncited", message))
    return problems


def _safety_net_keys(page: Page, net: SafetyNet | None) -> list[str]:
    """The keys the page cites through safety-net.yaml (box, guide, sign lists)."""
    if net is None or not page.safety_net:
        return []
    tiers = [name for name in page.safety_net if name != STAGES]
    return net.cited_keys(tiers, stages=STAGES in page.safety_net)


def _table_keys(page: Page, ledger: Ledger | None) -> list[str]:
    """The keys the page's summary-of-findings tables cite (each record's, as on the site)."""
    if ledger is None:
        return []
    return [
        key
        for display in page.displays
        if display.directive == SUMMARY_OF_FINDINGS
        for claim in ledger.shown_by(table=display.table)
        for key in claim.cite
    ]


def shown_ids(page: Page, ledger: Ledger) -> set[str]:
    """The records the page's summary-of-findings tables and evidence charts show."""
    return {
        claim.id
        for display in page.displays
        for claim in ledger.shown_by(
            table=display.table, scale=display.scale, measure=display.measure
        )
    }


def _is_excluded(entry: BibEntry) -> bool:
    words = re.split(r"[,;]", entry.value("keywords"))
    return EXCLUDED_KEYWORD in {word.strip().lower() for word in words}


# -- the claim ledger --------------------------------------------------------------------------


def check_ledger(ledger: Ledger, bib: BibFile, pages: list[Page]) -> list[Problem]:
    """The ledger's own problems, its keys against references.bib, and its use on the pages."""
    problems = list(ledger.problems)
    known = {entry.key for entry in bib.entries} | bib.damaged_keys
    problems += check_cites(ledger, known)
    used = {use.claim_id for page in pages for use in page.claims}
    used |= {claim_id for page in pages for claim_id in shown_ids(page, ledger)}
    problems += check_usage(ledger, used)
    if ledger.complete:  # else every id would look unknown: the parse error says why
        for page in pages:
            for use in page.claims:
                if ledger.get(use.claim_id) is None and use.claim_id not in ledger.broken_ids:
                    message = unknown_id_message(use.claim_id, ledger)
                    problems.append(Problem(page.path, use.line, "claim-unknown-id", message))
    return problems
