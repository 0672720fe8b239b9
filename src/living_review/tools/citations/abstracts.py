"""Is each claim's quote in the abstract of a work it cites? Online, and offline from the cache.

A quote read in an abstract (``locator: abstract``, or none) must appear, as :mod:`.quotes`
compares, in the abstract of a work it cites: by PubMed ID from E-utilities ``efetch`` (batched,
each record cached on its own, so a weekly run asks only about new or stale ones), else by DOI
from Europe PMC, then Crossref. If none has it: ``quote-not-in-abstract``; if a request fails:
``online-unchecked``, never a problem. Every abstract fetched is kept (:class:`AbstractStore`),
so the offline check compares the quotes with any fetched before (``--online``, add-evidence).
A record whose source has no machine-readable abstract says ``quote_checked: by hand``.
"""

from __future__ import annotations

import contextlib
import json
import xml.etree.ElementTree as ElementTree
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote as url_quote

from living_review.bibfile import BibFile
from living_review.claims import Claim, Ledger

from .matching import markup_to_text
from .online import UNCHECKED, OnlineSettings, ncbi_params
from .quotes import find_quote
from .report import Problem, plural
from .rules import DOI, PUBMED
from .webclient import Client, FetchError, cache_file, write_json

QUOTE_NOT_IN_ABSTRACT = "quote-not-in-abstract"
RULES: dict[str, str] = {
    QUOTE_NOT_IN_ABSTRACT: "a claim's quote is not in the abstract of any work it cites "
    "(PubMed, Europe PMC or Crossref; offline: a cached one)",
}
#: PubMed IDs per efetch request (NCBI asks for POST above about 200).
BATCH = 200
#: ``quote_checked`` of a record whose quote a person checked (no machine-readable abstract).
BY_HAND = "by hand"


@dataclass(frozen=True)
class Work:
    """A cited work, by what finds its abstract: its PubMed ID, else its DOI."""

    key: str
    pmid: str = ""
    doi: str = ""

    @property
    def identifier(self) -> str:
        """``pubmed:39401008`` or ``doi:10.1001/...`` (lower case): the store's key."""
        return f"pubmed:{self.pmid}" if self.pmid else f"doi:{self.doi.lower()}"

    def describe(self) -> str:
        """``PMID 39401008 (tu2024acupuncture)`` or ``DOI 10.1/x (key)``."""
        return f"PMID {self.pmid} ({self.key})" if self.pmid else f"DOI {self.doi} ({self.key})"


def works_of(bib: BibFile) -> dict[str, Work]:
    """Key -> the work, for every entry with a well-formed PubMed ID or DOI."""
    works = {}
    for entry in bib.entries:
        pmid, doi = entry.value("pubmed"), entry.value("doi")
        if PUBMED.fullmatch(pmid):
            works[entry.key] = Work(entry.key, pmid=pmid)
        elif DOI.fullmatch(doi):
            works[entry.key] = Work(entry.key, doi=doi)
    return works


@dataclass(frozen=True)
class AbstractStore:
    """Abstracts by work (``pubmed:<id>``, ``doi:<doi>``), one JSON file each, kept for good:
    an abstract does not change once published, so the offline check uses any stored one."""

    directory: Path | None

    def get(self, identifier: str) -> str | None:
        """The stored abstract ("" where the service has the work but no abstract), if any."""
        path = cache_file(self.directory, identifier)
        if path is None:
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            return str(record["abstract"]) if record["work"] == identifier else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, identifier: str, text: str, source: str) -> None:
        """Store *text*, the abstract *source* (PubMed, Europe PMC, Crossref) gave."""
        path = cache_file(self.directory, identifier)
        if path is None:
            return
        record = {
            "work": identifier,
            "source": source,
            "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
            "abstract": text,
        }
        write_json(path, record)


def store_for(cache_dir: Path | None) -> AbstractStore:
    """The abstracts kept under a cache folder (``.cache/citations/abstracts``)."""
    return AbstractStore(cache_dir / "abstracts" if cache_dir is not None else None)


@dataclass
class QuoteResult:
    problems: list[Problem]
    quotes: int = 0  # quotes compared with at least one abstract, or meant to be
    abstracts: int = 0  # distinct PubMed IDs asked about
    other_abstracts: int = 0  # distinct DOIs asked about (Europe PMC, Crossref)
    requests: int = 0
    cache_hits: int = 0
    #: One line each, said once: which records were skipped and why.
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        others = f" and {plural(self.other_abstracts, 'abstract')} by DOI"
        return (
            f"{plural(self.quotes, 'quote')} against {plural(self.abstracts, 'PubMed abstract')}"
            f"{others if self.other_abstracts else ''} ({plural(self.requests, 'request')}, "
            f"{self.cache_hits} from the cache)"
        )


def check_ledger_quotes(
    ledger: Ledger | None, bib: BibFile, settings: OnlineSettings, only: Collection[str] | None
) -> QuoteResult:
    """Check the quotes of the ledger's records (those in *only*, if given); say so, once, if
    there is no ledger.

    Records the ledger's own rules reject are not in ``ledger.claims``: the offline check
    reports them.
    """
    if ledger is None:
        return QuoteResult(problems=[], notes=["quotes not checked: no claims.yaml"])
    claims = [claim for claim in ledger.claims if only is None or claim.id in only]
    return check_quotes(claims, ledger.path, bib, settings, Client(settings.client_settings()))


def _plan(
    claims: Iterable[Claim], bib: BibFile
) -> tuple[list[tuple[Claim, list[Work]]], list[str]]:
    """The records to compare with the abstracts of which works, and notes on the others."""
    works = works_of(bib)
    to_check = []
    elsewhere: list[str] = []
    without_id: list[str] = []
    by_hand: list[str] = []
    for claim in claims:
        locator = claim.locator.strip()
        if not claim.quote.strip():
            continue  # the offline ledger check reports a record without a quote
        if claim.quote_checked == BY_HAND:
            by_hand.append(claim.id)
        elif locator and not locator.lower().startswith("abstract"):
            elsewhere.append(f"{claim.id} ({locator})")
        elif cited := [works[key] for key in claim.cite if key in works]:
            to_check.append((claim, cited))
        else:
            without_id.append(claim.id)
    notes = [
        f"{label} ({len(ids)}): " + ", ".join(ids)
        for label, ids in (
            ("quotes not checked, no cited work has a PubMed ID or DOI", without_id),
            ("quotes not checked, not quoted from an abstract", elsewhere),
            ("quotes checked by hand", by_hand),
        )
        if ids
    ]
    return to_check, notes


def check_quotes(
    claims: Iterable[Claim], ledger: Path, bib: BibFile, settings: OnlineSettings, client: Client
) -> QuoteResult:
    """Compare every quote from an abstract with the abstracts of the works it cites."""
    store = store_for(settings.client.cache_dir)
    to_check, notes = _plan(claims, bib)
    wanted = {work for _, works in to_check for work in works}
    pmids = sorted({work.pmid for work in wanted if work.pmid}, key=int)
    found, failures = fetch_abstracts(pmids, settings, client)
    abstracts = {f"pubmed:{pmid}": text for pmid, text in found.items()}
    failed = {f"pubmed:{pmid}": why for pmid, why in failures.items()}
    for pmid, text in found.items():
        store.put(f"pubmed:{pmid}", text, "PubMed")
    by_doi = sorted({work for work in wanted if not work.pmid}, key=lambda work: work.doi)
    for work in by_doi:
        try:
            text, source = fetch_doi_abstract(work.doi, settings, client)
        except FetchError as error:
            failed[work.identifier] = str(error)
            continue
        abstracts[work.identifier] = text
        store.put(work.identifier, text, source)
    judged = (_judge(claim, works, abstracts, failed, ledger) for claim, works in to_check)
    problems = [problem for problem in judged if problem is not None]
    return QuoteResult(
        problems, len(to_check), len(pmids), len(by_doi), client.requests, client.cache_hits, notes
    )


def check_cached_quotes(ledger: Ledger, bib: BibFile, store: AbstractStore) -> QuoteResult:
    """Offline: compare each quote with the abstracts already fetched (any of its works')."""
    to_check, notes = _plan(ledger.claims, bib)
    result = QuoteResult(problems=[], notes=notes)
    uncached: list[str] = []
    for claim, works in to_check:
        cached = {work: text for work in works if (text := store.get(work.identifier)) is not None}
        if not cached:
            uncached.append(claim.id)
            continue
        result.quotes += 1
        abstracts = {work.identifier: text for work, text in cached.items()}
        if (problem := _judge(claim, list(cached), abstracts, {}, ledger.path)) is not None:
            result.problems.append(problem)
    if uncached:
        result.notes.append(
            f"quotes not checked (no cached abstract) ({len(uncached)}): {', '.join(uncached)}; "
            "`nox -s citations -- --online` fetches the abstracts"
        )
    return result


def _judge(
    claim: Claim,
    works: Sequence[Work],
    abstracts: Mapping[str, str],
    failures: Mapping[str, str],
    ledger: Path,
) -> Problem | None:
    """The problem with one claim's quote, or ``None`` when an abstract contains it."""
    mismatches = []
    for work in works:
        if (text := abstracts.get(work.identifier, "")).strip():
            if (mismatch := find_quote(claim.quote, text)) is None:
                return None
            mismatches.append(f"{work.describe()}: {mismatch.describe()}")
    unchecked = [
        f"{work.describe()}: {failures[work.identifier]}"
        for work in works
        if work.identifier in failures
    ]
    if unchecked:
        return Problem(ledger, claim.line_of("quote"), UNCHECKED, (
            f"claim '{claim.id}': could not check its quote against the abstract of "
            + "; ".join(unchecked)
        ))  # fmt: skip
    without = [work for work in works if not abstracts.get(work.identifier, "").strip()]
    reasons = list(mismatches)
    if any(work.pmid for work in without):
        listed = ", ".join(work.describe() for work in without if work.pmid)
        reasons.append(f"PubMed has no abstract for {listed}")
    if any(not work.pmid for work in without):
        listed = ", ".join(work.describe() for work in without if not work.pmid)
        reasons.append(f"neither Europe PMC nor Crossref has an abstract for {listed}")
    advice = (
        "Copy it word for word from the abstract, or set `locator` to where it was read"
        if mismatches
        else "If the source has no machine-readable abstract, check the quote on the source's "
        "page and write `quote_checked: by hand`, with that page in `quote_source`"
    )
    return Problem(ledger, claim.line_of("quote"), QUOTE_NOT_IN_ABSTRACT, (
        f"claim '{claim.id}': the quote is not in the abstract: " + "; ".join(reasons)
        + f". {advice}"
    ))  # fmt: skip


# -- Europe PMC and Crossref, by DOI ----------------------------------------------------------


def europepmc_record(settings: OnlineSettings, doi: str, client: Client) -> dict[str, object]:
    """Europe PMC's core record of the work with *doi* ({} if it has none); FetchError."""
    base = settings.europepmc.rstrip("/")
    query = url_quote(f'DOI:"{doi}"', safe="")
    url = f"{base}/search?query={query}&resultType=core&format=json&pageSize=1"
    response = client.get(url, {"email": settings.contact} if settings.contact else None)
    if response.status != 200:
        raise FetchError(f"Europe PMC: unexpected answer (HTTP {response.status})")
    try:
        results = response.json()["resultList"]["result"]
    except (ValueError, KeyError, TypeError):
        raise FetchError("Europe PMC: unexpected answer (not its search JSON)") from None
    for record in results if isinstance(results, list) else []:
        if isinstance(record, dict) and str(record.get("doi", "")).lower() == doi.lower():
            return record
    return {}


def crossref_record(settings: OnlineSettings, doi: str, client: Client) -> dict[str, object]:
    """Crossref's work record for *doi* ({} if Crossref does not know it); FetchError."""
    base = settings.crossref.rstrip("/")
    params = {"mailto": settings.contact} if settings.contact else None
    response = client.get(f"{base}/works/{url_quote(doi, safe='/')}", params)
    if response.status in (404, 410):
        return {}
    if response.status != 200:
        raise FetchError(f"Crossref: unexpected answer (HTTP {response.status})")
    try:
        message = response.json()["message"]
    except (ValueError, KeyError, TypeError):
        raise FetchError("Crossref: unexpected answer (not a work record)") from None
    return message if isinstance(message, dict) else {}


def fetch_doi_abstract(doi: str, settings: OnlineSettings, client: Client) -> tuple[str, str]:
    """(the abstract, the service it came from) for *doi*: Europe PMC, else Crossref ("" if
    neither has one); FetchError when a service could not be asked."""
    record = europepmc_record(settings, doi, client)
    if text := markup_to_text(str(record.get("abstractText") or "")):
        return text, "Europe PMC"
    message = crossref_record(settings, doi, client)
    if text := markup_to_text(str(message.get("abstract") or "")):
        return text, "Crossref"
    return "", "Europe PMC and Crossref"


# -- PubMed, by PMID ---------------------------------------------------------------------------


def efetch_url(settings: OnlineSettings, pmids: Sequence[str]) -> str:
    """The efetch request for the PubMed records *pmids*, as XML (contact details left out)."""
    base = settings.eutils.rstrip("/")
    return f"{base}/efetch.fcgi?db=pubmed&rettype=abstract&retmode=xml&id={','.join(pmids)}"


def fetch_abstracts(
    pmids: Sequence[str], settings: OnlineSettings, client: Client
) -> tuple[dict[str, str], dict[str, str]]:
    """Abstracts by PubMed ID ("" for a record without one), and why others could not be had."""
    abstracts: dict[str, str] = {}
    for pmid in pmids:
        if (cached := client.cached(efetch_url(settings, [pmid]))) is not None:
            with contextlib.suppress(ValueError):  # a damaged cache file: ask again
                abstracts.update(parse_efetch(cached.body))
    missing = [pmid for pmid in pmids if pmid not in abstracts]
    failures: dict[str, str] = {}
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        try:
            response = client.get(
                efetch_url(settings, batch), ncbi_params(settings), use_cache=False
            )
            if response.status != 200:
                raise FetchError(f"unexpected answer (HTTP {response.status})")
            articles = split_efetch(response.body)
        except (FetchError, ValueError) as error:
            failures.update(dict.fromkeys(batch, f"efetch: {error}"))
            continue
        for pmid in batch:
            if pmid not in articles:
                failures[pmid] = "efetch returned no record for it (is the PubMed ID right?)"
                continue
            client.remember(efetch_url(settings, [pmid]), articles[pmid])
            abstracts.update(parse_efetch(articles[pmid]))
    return abstracts, failures


def split_efetch(body: str) -> dict[str, str]:
    """Each record of an efetch answer, by PubMed ID, as an answer of its own (XML text)."""
    records = {}
    for pmid, article in _articles(body):
        single = ElementTree.Element("PubmedArticleSet")
        single.append(article)
        records[pmid] = ElementTree.tostring(single, encoding="unicode")
    return records


def parse_efetch(body: str) -> dict[str, str]:
    """The abstract of each record of an efetch answer, by PubMed ID ("" if it has none).

    Every paragraph of the abstract counts (a structured abstract's sections, and any
    ``OtherAbstract``), joined by spaces; inline markup (``<i>``, ``<sup>``) is read as text.
    """
    abstracts = {}
    for pmid, article in _articles(body):
        paragraphs = [
            " ".join("".join(node.itertext()).split())
            for path in (".//Abstract/AbstractText", ".//OtherAbstract/AbstractText")
            for node in article.iterfind(path)
        ]
        abstracts[pmid] = " ".join(paragraph for paragraph in paragraphs if paragraph)
    return abstracts


def _articles(body: str) -> Iterator[tuple[str, ElementTree.Element]]:
    """The records of an efetch answer (``PubmedArticleSet``), each with its own PubMed ID (not
    those of the works it comments on or corrects); ValueError if it is not one."""
    try:
        root = ElementTree.fromstring(body)  # expat: no external entities, no DTD fetched
    except ElementTree.ParseError as error:
        raise ValueError(f"the answer is not XML ({error})") from None
    if root.tag != "PubmedArticleSet":
        error_text = " ".join("".join(root.itertext()).split())[:200]
        raise ValueError(f"unexpected answer <{root.tag}>: {error_text}")
    for article in root:
        found = article.findtext("MedlineCitation/PMID") or article.findtext("BookDocument/PMID")
        if pmid := (found or "").strip():
            yield pmid, article
