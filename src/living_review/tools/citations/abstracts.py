"""``--online``: is each claim's quote in the PubMed abstract of a work it cites?

For every record of the claim ledger (``claims.yaml``) whose quote was read in an abstract
(``locator: abstract``, or no locator) and whose ``cite`` keys include works with a PubMed ID
(``pubmed`` in references.bib), NCBI E-utilities ``efetch`` gives the abstracts, and the quote
must appear in one of them as :mod:`.quotes` compares (white space, case, dashes and quotation
marks aside; an ellipsis splits it into parts that must appear in order). Otherwise
``quote-not-in-abstract`` is reported at the quote's line.

The abstracts are fetched in batches, one request for up to :data:`BATCH` IDs, and each one is
cached on its own (under the URL that asks for it alone), so a weekly run asks only about
abstracts that are new or older than the cache's expiry. A request that fails is reported as
``online-unchecked`` ("could not check") for every quote it would have decided, never as a
problem. Records that cite no work with a PubMed ID, or quote a table or the full text, are
skipped, and said so in one line each.
"""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from living_review.bibfile import BibFile
from living_review.claims import Claim, Ledger

from .online import UNCHECKED, OnlineSettings
from .quotes import find_quote
from .report import Problem, plural
from .rules import PUBMED
from .webclient import Client, FetchError

QUOTE_NOT_IN_ABSTRACT = "quote-not-in-abstract"
RULES: dict[str, str] = {
    QUOTE_NOT_IN_ABSTRACT: "a claim's quote is not in the PubMed abstract of any work it cites",
}
#: PubMed IDs per efetch request (NCBI asks for POST above about 200).
BATCH = 200
#: The tool name NCBI asks every E-utilities request to carry (as the esummary check sends).
NCBI_TOOL = "living-review-citations"


@dataclass
class QuoteResult:
    problems: list[Problem]
    quotes: int = 0  # quotes compared with at least one abstract, or meant to be
    abstracts: int = 0  # distinct PubMed IDs asked about
    requests: int = 0
    cache_hits: int = 0
    #: One line each, said once: which records were skipped and why.
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{plural(self.quotes, 'quote')} against {plural(self.abstracts, 'PubMed abstract')} "
            f"({plural(self.requests, 'request')}, {self.cache_hits} from the cache)"
        )


def ncbi_params(settings: OnlineSettings) -> dict[str, str]:
    """The ``tool``, ``email`` and ``api_key`` parameters NCBI asks E-utilities users to send."""
    params = {"tool": NCBI_TOOL}
    if settings.contact:
        params["email"] = settings.contact
    if settings.ncbi_api_key:
        params["api_key"] = settings.ncbi_api_key
    return params


def is_from_abstract(locator: str) -> bool:
    """Whether a record's ``locator`` says its quote was read in an abstract (or says nothing)."""
    return not locator.strip() or locator.strip().lower().startswith("abstract")


def check_ledger_quotes(
    ledger: Ledger | None, bib: BibFile, settings: OnlineSettings, client: Client | None = None
) -> QuoteResult:
    """Check the quotes of the ledger's records; say so, once, if there is no ledger.

    Records the ledger's own rules reject are not in ``ledger.claims``: the offline check
    reports them.
    """
    if ledger is None:
        return QuoteResult(problems=[], notes=["quotes not checked: no claims.yaml"])
    client = client or Client(settings.client_settings())
    return check_quotes(ledger.claims, ledger.path, bib, settings, client)


def check_quotes(
    claims: Iterable[Claim],
    ledger: Path,
    bib: BibFile,
    settings: OnlineSettings,
    client: Client,
) -> QuoteResult:
    """Compare every quote from an abstract with the PubMed abstracts of the works it cites."""
    pubmed_ids = {
        entry.key: entry.value("pubmed")
        for entry in bib.entries
        if PUBMED.fullmatch(entry.value("pubmed"))
    }
    result = QuoteResult(problems=[])
    to_check: list[tuple[Claim, list[tuple[str, str]]]] = []
    elsewhere: list[str] = []
    without_pubmed: list[str] = []
    for claim in claims:
        if not claim.quote.strip():
            continue  # the offline ledger check reports a record without a quote
        if not is_from_abstract(claim.locator):
            elsewhere.append(f"{claim.id} ({claim.locator.strip()})")
            continue
        works = [(key, pubmed_ids[key]) for key in claim.cite if key in pubmed_ids]
        if works:
            to_check.append((claim, works))
        else:
            without_pubmed.append(claim.id)
    if without_pubmed:
        result.notes.append(
            f"quotes not checked, no cited work has a PubMed ID ({len(without_pubmed)}): "
            + ", ".join(without_pubmed)
        )
    if elsewhere:
        result.notes.append(
            f"quotes not checked, not quoted from an abstract ({len(elsewhere)}): "
            + ", ".join(elsewhere)
        )
    wanted = sorted({pmid for _, works in to_check for _, pmid in works}, key=int)
    abstracts, failures = fetch_abstracts(wanted, settings, client)
    result.quotes, result.abstracts = len(to_check), len(wanted)
    result.requests, result.cache_hits = client.requests, client.cache_hits
    for claim, works in to_check:
        problem = _judge(claim, works, abstracts, failures, ledger)
        if problem is not None:
            result.problems.append(problem)
    return result


def _judge(
    claim: Claim,
    works: list[tuple[str, str]],
    abstracts: Mapping[str, str],
    failures: Mapping[str, str],
    ledger: Path,
) -> Problem | None:
    """The problem with one claim's quote, or ``None`` when an abstract contains it."""
    mismatches = []
    for key, pmid in works:
        if pmid in abstracts and abstracts[pmid].strip():
            mismatch = find_quote(claim.quote, abstracts[pmid])
            if mismatch is None:
                return None
            mismatches.append(f"PMID {pmid} ({key}): {mismatch.describe()}")
    unchecked = [
        f"PMID {pmid} ({key}): {failures[pmid]}" for key, pmid in works if pmid in failures
    ]
    if unchecked:
        return Problem(ledger, claim.line_of("quote"), UNCHECKED, (
            f"claim '{claim.id}': could not check its quote against the abstract of "
            + "; ".join(unchecked)
        ))  # fmt: skip
    without = [f"PMID {pmid} ({key})" for key, pmid in works if not abstracts.get(pmid, "").strip()]
    reasons = mismatches + ([f"PubMed has no abstract for {', '.join(without)}"] if without else [])
    return Problem(ledger, claim.line_of("quote"), QUOTE_NOT_IN_ABSTRACT, (
        f"claim '{claim.id}': the quote is not in the abstract: " + "; ".join(reasons)
        + ". Copy it word for word from the abstract, or set `locator` to where it was read"
    ))  # fmt: skip


def efetch_url(settings: OnlineSettings, pmids: Sequence[str]) -> str:
    """The efetch request for the PubMed records *pmids*, as XML (contact details left out)."""
    base = settings.eutils.rstrip("/")
    ids = ",".join(pmids)
    return f"{base}/efetch.fcgi?db=pubmed&rettype=abstract&retmode=xml&id={ids}"


def fetch_abstracts(
    pmids: Sequence[str], settings: OnlineSettings, client: Client
) -> tuple[dict[str, str], dict[str, str]]:
    """Abstracts by PubMed ID ("" for a record without one), and why others could not be had."""
    abstracts: dict[str, str] = {}
    for pmid in pmids:
        cached = client.cached(efetch_url(settings, [pmid]))
        if cached is not None:
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
    root = _parse(body)
    records = {}
    for article in root:
        pmid = _pmid(article)
        if pmid:
            single = ElementTree.Element(root.tag)
            single.append(article)
            records[pmid] = ElementTree.tostring(single, encoding="unicode")
    return records


def parse_efetch(body: str) -> dict[str, str]:
    """The abstract of each record of an efetch answer, by PubMed ID ("" if it has none).

    Every paragraph of the abstract counts (a structured abstract's sections, and any
    ``OtherAbstract``), joined by spaces; inline markup (``<i>``, ``<sup>``) is read as text.
    """
    abstracts = {}
    for article in _parse(body):
        pmid = _pmid(article)
        if pmid:
            paragraphs = [
                " ".join("".join(node.itertext()).split())
                for path in (".//Abstract/AbstractText", ".//OtherAbstract/AbstractText")
                for node in article.iterfind(path)
            ]
            abstracts[pmid] = " ".join(paragraph for paragraph in paragraphs if paragraph)
    return abstracts


def _parse(body: str) -> ElementTree.Element:
    """The root of an efetch answer (``PubmedArticleSet``); ValueError if it is not one."""
    try:
        root = ElementTree.fromstring(body)  # expat: no external entities, no DTD fetched
    except ElementTree.ParseError as error:
        raise ValueError(f"the answer is not XML ({error})") from None
    if root.tag != "PubmedArticleSet":
        error_text = " ".join("".join(root.itertext()).split())[:200]
        raise ValueError(f"unexpected answer <{root.tag}>: {error_text}")
    return root


def _pmid(article: ElementTree.Element) -> str:
    """A record's own PubMed ID (not those of the works it comments on or corrects)."""
    found = article.findtext("MedlineCitation/PMID") or article.findtext("BookDocument/PMID")
    return (found or "").strip()
