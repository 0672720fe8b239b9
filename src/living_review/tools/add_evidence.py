"""From a PubMed ID or a DOI to the entry, the claim skeleton and the dates one new study needs.

``nox -s add-evidence -- [options] PMID|DOI`` (``python -m living_review.tools.add_evidence``)
prints the ``references.bib`` entry in the house layout (only identifiers the record has, never
a guessed one; ``--write`` appends it), a ``claims.yaml`` record to fill in with the abstract's
sentences numbered underneath, so that a quote is pasted, never retyped, and, with ``--page``,
the changelog line and the page's front-matter dates.

By PubMed ID it asks NCBI E-utilities (``efetch``). By DOI it asks Crossref (the record) and
Europe PMC (the abstract, PubMed ID and PMCID), with Crossref's abstract where Europe PMC has
none. The services' base addresses are the options of ``citations --online`` (the tests point
them at 127.0.0.1). Answers are cached like the online checks, and the abstract is kept where
``nox -s citations`` finds it, so the offline check compares the quote with it from then on.

An identifier or key references.bib already has is refused, naming the entry. Exit status:
0 done; 1 refused, or the record was not found; 2 bad input; 3 could not fetch, in one line.
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import quote

from living_review.bibfile import BibFile, read_bibfile
from living_review.problems import UnusableInput, display_path
from living_review.searches import add_months

from .citations.abstracts import (
    efetch_url,
    europepmc_record,
    fetch_doi_abstract,
    markup_to_text,
    ncbi_params,
    parse_efetch,
    store_for,
)
from .citations.online import OnlineSettings, add_arguments, settings_from_args
from .citations.rules import DOI, DOI_AS_URL, PMCID, PUBMED
from .citations.webclient import Client, FetchError
from .network import NO_NETWORK, unreachable

EXIT_DONE, EXIT_REFUSED, EXIT_UNUSABLE, EXIT_COULD_NOT_FETCH = 0, 1, 2, 3
PROG = "add-evidence"
#: Words that never name a key (``tu2024acupuncture``, not ``tu2024the``).
STOP_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "by", "does", "do", "for", "from", "in", "is", "it",
    "its", "of", "on", "or", "the", "to", "vs", "versus", "what", "which", "with", "without",
    "who", "how", "why", "when",
})  # fmt: skip
#: Field order and alignment of the house layout (see references.bib).
FIELDS = ("author", "title", "journal", "year", "volume", "number", "pages", "doi", "pubmed",
          "pmcid")  # fmt: skip
IDENTIFIERS = {"pubmed": "PubMed ID", "doi": "DOI", "pmcid": "PMCID"}  # field -> its name
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")


@dataclass
class Work:
    """A work's record, as a service gives it."""

    authors: list[tuple[str, str]] = field(default_factory=list)  # (family, given); ("", group)
    title: str = ""
    journal: str = ""
    year: str = ""
    volume: str = ""
    number: str = ""
    pages: str = ""
    doi: str = ""
    pubmed: str = ""
    pmcid: str = ""
    abstract: str = ""
    abstract_source: str = ""  # PubMed, Europe PMC, Crossref


class Refused(Exception):
    """The work cannot be added as asked (already there, or not found): one line, exit 1."""


class CouldNotFetch(Exception):
    """No network, or a service did not answer: one line, exit 3."""


def parse_identifier(value: str) -> tuple[str, str]:
    """``("pubmed", "39401008")`` or ``("doi", "10.1001/...")``; ValueError if neither."""
    text = value.strip()
    bare = re.sub(r"^(?:pmid|pubmed)\s*:?\s*", "", text, flags=re.IGNORECASE)
    if PUBMED.fullmatch(bare):
        return "pubmed", bare
    doi = DOI_AS_URL.sub("", text, count=1)
    if DOI.fullmatch(doi):
        return "doi", doi
    raise ValueError(
        f"'{value}' is neither a PubMed ID (digits, e.g. 39401008) nor a DOI "
        "(10.<registrant>/<suffix>, e.g. 10.1001/jamainternmed.2024.5463)"
    )


def existing_entry(bib: BibFile, name: str, value: str) -> str | None:
    """``entry 'key' (line N)`` of the entry whose *name* field is *value* (case-insensitive)."""
    for entry in bib.entries:
        if value and entry.value(name).casefold() == value.casefold():
            return f"entry '{entry.key}' (line {entry.line})"
    return None


def _needs_network(url: str, settings: OnlineSettings, client: Client) -> None:
    """Raise CouldNotFetch, in one line, when *url* is not cached and there is no network."""
    services = [settings.eutils, settings.crossref, settings.europepmc]
    if client.cached(url) is None and (why := unreachable(services)):
        raise CouldNotFetch(f"{NO_NETWORK} ({why}); nothing was fetched or written")


def fetch_pubmed(pmid: str, settings: OnlineSettings, client: Client) -> Work:
    url = efetch_url(settings, [pmid])
    _needs_network(url, settings, client)
    try:
        response = client.get(url, ncbi_params(settings))
    except FetchError as error:
        raise CouldNotFetch(f"could not fetch PubMed record {pmid}: {error}") from None
    if response.status != 200:
        raise CouldNotFetch(f"PubMed answered HTTP {response.status} for PMID {pmid}")
    try:
        root = ElementTree.fromstring(response.body)
    except ElementTree.ParseError as error:
        raise CouldNotFetch(f"PubMed's answer for PMID {pmid} is not XML ({error})") from None
    article = next(
        (a for a in root if (a.findtext("MedlineCitation/PMID") or "").strip() == pmid), None
    )
    if article is None:
        raise Refused(
            f"PubMed has no record with ID {pmid}: check the ID on pubmed.ncbi.nlm.nih.gov"
        )
    work = work_from_pubmed(article)
    work.abstract = parse_efetch(response.body).get(pmid, "")
    work.abstract_source = "PubMed" if work.abstract else ""
    return work


def _text(parent: ElementTree.Element, path: str = ".") -> str:
    """The text of the element at *path* under *parent*, spaces collapsed ("" if none)."""
    element = parent.find(path)
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def work_from_pubmed(article: ElementTree.Element) -> Work:
    """The work's metadata from an efetch ``PubmedArticle``."""
    record = article.find("MedlineCitation/Article")
    work = Work(pubmed=(article.findtext("MedlineCitation/PMID") or "").strip())
    if record is None:
        return work
    issue = "Journal/JournalIssue/"
    work.title = _text(record, "ArticleTitle").rstrip(".")
    work.journal = _text(record, "Journal/Title")
    work.volume = _text(record, issue + "Volume")
    work.number = _text(record, issue + "Issue")
    year = _text(record, issue + "PubDate/Year") or _text(record, issue + "PubDate/MedlineDate")
    work.year = year[:4] if year[:4].isdigit() else ""
    work.pages = expand_pages(_text(record, "Pagination/MedlinePgn"))
    for author in record.findall("AuthorList/Author"):
        if author.find("CollectiveName") is not None:
            work.authors.append(("", _text(author, "CollectiveName")))
        elif author.find("LastName") is not None:
            given = _text(author, "ForeName") or _text(author, "Initials")
            work.authors.append((_text(author, "LastName"), given))
    ids = {
        (node.get("IdType") or "").lower(): _text(node)
        for node in article.findall("PubmedData/ArticleIdList/ArticleId")
    }
    for location in record.findall("ELocationID"):
        if (location.get("EIdType") or "").lower() == "doi":
            ids.setdefault("doi", _text(location))
    work.doi = ids.get("doi", "") if DOI.fullmatch(ids.get("doi", "")) else ""
    work.pmcid = ids.get("pmc", "") if PMCID.fullmatch(ids.get("pmc", "")) else ""
    return work


def expand_pages(pages: str) -> str:
    """``1417-24`` -> ``1417--1424`` (PubMed shortens the last page); ``e123`` stays."""
    match = re.fullmatch(r"(\w*?)(\d+)\s*-\s*(\w*?)(\d+)", pages.strip())
    if not match:
        return pages.strip()
    prefix, first, prefix_end, last = match.groups()
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return f"{prefix}{first}--{prefix_end or prefix}{last}"


def fetch_doi(doi: str, settings: OnlineSettings, client: Client) -> Work:
    url = f"{settings.crossref.rstrip('/')}/works/{quote(doi, safe='/')}"
    _needs_network(url, settings, client)
    params = {"mailto": settings.contact} if settings.contact else None
    try:
        response = client.get(url, params)
        if response.status in (404, 410):
            raise Refused(f"Crossref has no record of DOI {doi}: check it on the publisher's page")
        if response.status != 200:
            raise FetchError(f"unexpected answer (HTTP {response.status})")
        message = response.json()["message"]
        europe = europepmc_record(settings, doi, client)
        abstract, source = fetch_doi_abstract(doi, settings, client)
    except (FetchError, ValueError, KeyError, TypeError) as error:
        raise CouldNotFetch(f"could not fetch DOI {doi}: {error}") from None
    work = work_from_crossref(message)
    work.doi = doi
    pmid, pmcid = str(europe.get("pmid") or ""), str(europe.get("pmcid") or "")
    work.pubmed = pmid if PUBMED.fullmatch(pmid) else ""
    work.pmcid = pmcid if PMCID.fullmatch(pmcid) else ""
    work.abstract, work.abstract_source = abstract, source if abstract else ""
    return work


def work_from_crossref(message: dict[str, object]) -> Work:
    """The work's metadata from a Crossref work record."""

    def first(name: str) -> str:
        value = message.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return markup_to_text(str(value or ""))

    work = Work(
        title=first("title").rstrip("."),
        journal=first("container-title"),
        volume=first("volume"),
        number=first("issue"),
        pages=first("page").replace("-", "--") if "--" not in first("page") else first("page"),
    )
    for name in ("published-print", "published-online", "issued", "published"):
        parts = (message.get(name) or {}).get("date-parts") if isinstance(message, dict) else None
        if isinstance(parts, list) and parts and parts[0] and parts[0][0]:
            work.year = str(parts[0][0])
            break
    for person in message.get("author") or []:
        if not isinstance(person, dict):
            continue
        if person.get("family"):
            work.authors.append((str(person["family"]), str(person.get("given") or "")))
        elif person.get("name"):
            work.authors.append(("", str(person["name"])))
    return work


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters only: ``Bäumler`` -> ``baumler``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


def make_key(work: Work) -> str:
    """``familyYEARword``: the first author's family name, the year, a word of the title."""
    family = work.authors[0][0] or work.authors[0][1] if work.authors else "anonymous"
    words = [ascii_word(word) for word in re.split(r"[\s\-/:]+", work.title)]
    word = next((w for w in words if w and w not in STOP_WORDS), "")
    return f"{ascii_word(family.split()[-1] if family.split() else family)}{work.year}{word}"


def bibtex_text(value: str) -> str:
    """A value for BibTeX: ``&`` and ``%`` escaped, acronyms (two capitals or more) braced."""
    escaped = value.replace("\\", "").replace("&", r"\&").replace("%", r"\%")
    return re.sub(r"\b(\w*[A-Z]\w*[A-Z]\w*)\b", r"{\1}", escaped)


def bib_entry(key: str, work: Work) -> str:
    """The entry in the house layout (see references.bib)."""
    people = [f"{family}, {given}" if family else f"{{{given}}}" for family, given in work.authors]
    values = {name: getattr(work, name, "") for name in FIELDS} | {
        "author": " and ".join(people),
        "title": bibtex_text(work.title),
        "journal": work.journal.replace("&", r"\&"),
    }
    lines = [f"@article{{{key},"]
    lines += [f"  {name:<7} = {{{values[name]}}}," for name in FIELDS if values[name]]
    return "\n".join(lines) + "\n}\n"


def claim_skeleton(key: str, work: Work) -> str:
    """A record to fill in, with the abstract's sentences numbered underneath."""
    first_author = ascii_word(work.authors[0][0] or work.authors[0][1]) if work.authors else key
    where = f"https://doi.org/{work.doi}"
    if work.pubmed:
        where = f"https://pubmed.ncbi.nlm.nih.gov/{work.pubmed}/"
    lines = [
        f"  - id: {first_author}{work.year}-WHAT        # familyYEAR-what, e.g. tu2024-leg-pain",
        "    question: ",
        "    population: ",
        "    intervention: ",
        "    comparison: ",
        "    outcome: ",
        "    result: ",
        "    certainty:      # the source's own level for this outcome; not-rated if it rated none",
        "    source_rating:  # the level the source states for this outcome, or none",
        f"    cite: [{key}]",
        '    quote: ""       # paste a sentence below, or part of it (… for words left out)',
        "    locator: abstract",
        f"    quote_source: {where}",
    ]
    listed = [part.strip() for part in SENTENCE_END.split(work.abstract) if part.strip()]
    if listed:
        lines.append(f"    # The abstract ({work.abstract_source}), sentence by sentence:")
        lines += [f"    # {n:>2}. {sentence}" for n, sentence in enumerate(listed, start=1)]
    else:
        lines += [
            "    # No machine-readable abstract: quote the page you read, set `locator` to where",
            "    # on it (e.g. table 2), and add `quote_checked: by hand`.",
        ]
    return "\n".join(lines) + "\n"


def page_updates(page: Path, key: str, today: date) -> str:
    """The changelog line and the front-matter dates to update for *page*."""
    text = page.read_text(encoding="utf-8") if page.is_file() else ""
    label = re.search(r"^\((?P<label>[A-Za-z0-9_-]+)\)=\s*$", text, re.MULTILINE)
    name = label["label"] if label else page.stem
    heading = f"{today.day} {today:%B %Y}"
    return "\n".join([
        f"In {display_path(page)}'s front matter:",
        f"  last_reviewed: {today.isoformat()}",
        f"  next_review: {add_months(today, 6).isoformat()}",
        "  evidence_searched: move it only if you searched the literature",
        "",
        "In docs/changelog.md, under the newest dated heading (or a new one at the top, such as",
        f"`## {heading}: what this update is about`), under Additions (or Corrections):",
        f"- **A short name for the change** ({{ref}}`{name}`): one sentence on what changed and "
        f"why {{cite:p}}`{key}`.",
    ]) + "\n"  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="nox -s add-evidence --",
        description="Fetch a work by PubMed ID or DOI; print its references.bib entry, a "
        "claims.yaml record to fill in (with the abstract's sentences numbered) and, with "
        "--page, the changelog line and review dates.",
        epilog="Exit status: 0 done, 1 refused (already in references.bib) or not found, 2 bad "
        "input, 3 could not fetch (no network).",
    )
    parser.add_argument("identifier", help="a PubMed ID (39401008) or a DOI (10.1001/...)")
    parser.add_argument("--bib", type=Path, default=Path("references.bib"))
    parser.add_argument("--page", type=Path, help="the page the evidence goes on (docs/x.md)")
    parser.add_argument("--key", help="the bib key, instead of familyYEARword")
    parser.add_argument(
        "--write", action="store_true", help="append the entry to references.bib too"
    )
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    add_arguments(parser)  # --eutils, --crossref, --europepmc, --cache-dir ... as citations
    args = parser.parse_args(argv)
    try:
        kind, identifier = parse_identifier(args.identifier)
        bib = read_bibfile(args.bib)
    except ValueError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return EXIT_UNUSABLE
    except UnusableInput as error:
        print(error.problem.format(), file=sys.stderr)
        return EXIT_UNUSABLE
    settings = settings_from_args(args)
    client = Client(settings.client_settings())
    try:
        if (found := existing_entry(bib, kind, identifier)) is not None:
            label = IDENTIFIERS[kind]
            raise Refused(f"{label} {identifier} is already in {display_path(args.bib)}: {found}")
        work = (fetch_pubmed if kind == "pubmed" else fetch_doi)(identifier, settings, client)
        for name, label in IDENTIFIERS.items():
            value = getattr(work, name)
            if (found := existing_entry(bib, name, value)) is not None:
                raise Refused(
                    f"the work's {label} {value} is already in {display_path(args.bib)}: {found}"
                )
        key = args.key or make_key(work)
        same_key = next((e for e in bib.entries if e.key.casefold() == key.casefold()), None)
        if same_key is not None:
            raise Refused(
                f"key '{key}' is already in {display_path(args.bib)}: entry '{same_key.key}' "
                f"(line {same_key.line}), another work: choose another with --key"
            )
    except Refused as refusal:
        print(f"{PROG}: {refusal}; nothing was written", file=sys.stderr)
        return EXIT_REFUSED
    except CouldNotFetch as failure:
        print(f"{PROG}: {failure}", file=sys.stderr)
        return EXIT_COULD_NOT_FETCH
    if work.abstract:  # where `nox -s citations` compares the quote with it, offline
        where = f"pubmed:{work.pubmed}" if work.pubmed else f"doi:{work.doi.lower()}"
        store_for(settings.client.cache_dir).put(where, work.abstract, work.abstract_source)
    entry = bib_entry(key, work)
    today = args.today or date.today()
    print(f"# references.bib{' (appended)' if args.write else ''}:\n")
    print(entry)
    print("# claims.yaml, a record to fill in (one per key finding):\n")
    print(claim_skeleton(key, work))
    if args.page:
        print("# The page:\n")
        print(page_updates(args.page, key, today))
    if args.write:
        text = args.bib.read_text(encoding="utf-8")
        separator = "\n" if text.endswith("\n") else "\n\n"
        if not text or text.endswith("\n\n"):
            separator = ""
        args.bib.write_text(text + separator + entry, encoding="utf-8")
    return EXIT_DONE


if __name__ == "__main__":
    sys.exit(main())
