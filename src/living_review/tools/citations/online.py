"""``--online``: ask the registries whether each entry's identifiers are real and still sound.

For every entry with a well-formed identifier (malformed ones are reported offline): a DOI must
exist at the DOI handle API (the DOI system itself, not the publisher's page, which often
refuses automated requests), and its Crossref record must carry no retraction, withdrawal or
expression of concern (``updated-by`` notices from the publisher or Retraction Watch,
``relation``\\ s, ``update-to``: the DOI is itself a notice); a PubMed ID must exist (NCBI
``esummary``), its title, year, first author, DOI and PMCID must match the entry, and PubMed's
own retraction and expression of concern links are reported.

A network failure is ``online-unchecked`` ("could not check"), never a problem, never fine.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from living_review.bibfile import BibEntry, BibFile

from .matching import first_author_matches, latex_to_text, titles_match, year_matches
from .report import Problem
from .rules import DOI, PMCID, PUBMED
from .webclient import Client, ClientSettings, FetchError

VERSION = "1.0"
UNCHECKED = "online-unchecked"

RULES: dict[str, str] = {
    "online-doi-not-found": "the DOI does not exist (DOI handle API)",
    "online-pubmed-not-found": "the PubMed ID does not exist (NCBI esummary)",
    "online-pubmed-mismatch": "the PubMed record's title, year, first author, DOI or PMCID differ",
    "online-retracted": "the work was retracted or withdrawn (Crossref, PubMed)",
    "online-concern": "the work carries an expression of concern (Crossref, PubMed)",
    UNCHECKED: "could not check: network failure, timeout or unexpected answer",
}

#: Crossref update types (normalised: lower case, "_" for spaces and hyphens).
RETRACTION_TYPES = frozenset({"retraction", "partial_retraction", "withdrawal", "removal"})
CONCERN_TYPES = frozenset({"expression_of_concern"})
#: PubMed "reftype" links to notices.
PUBMED_RETRACTION_LINKS = ("retraction in", "partial retraction in")
PUBMED_CONCERN_LINKS = ("expression of concern in",)

DEFAULT_DOI_API = "https://doi.org/api/handles/"
DEFAULT_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CROSSREF = "https://api.crossref.org/"
DEFAULT_EUROPEPMC = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
DEFAULT_PROJECT_URL = "https://github.com/acupuncture-sciatica-review/living-review"
CONTACT_VARIABLE = "CITATIONS_CONTACT"  # an e-mail address the APIs' operators can write to
NCBI_KEY_VARIABLE = "NCBI_API_KEY"  # optional: NCBI allows 10 requests/s with a key, 3 without


@dataclass(frozen=True)
class OnlineSettings:
    contact: str = ""
    doi_api: str = DEFAULT_DOI_API
    eutils: str = DEFAULT_EUTILS
    crossref: str = DEFAULT_CROSSREF
    europepmc: str = DEFAULT_EUROPEPMC  # abstracts of works without a PubMed ID, by DOI
    project_url: str = DEFAULT_PROJECT_URL
    ncbi_api_key: str = ""
    workers: int = 4  # parallel requests in all, whatever the host
    client: ClientSettings = field(default_factory=lambda: ClientSettings(user_agent=""))

    def client_settings(self) -> ClientSettings:
        """The client settings with NCBI's rate limit and this User-Agent."""
        mailto = f"; mailto:{self.contact}" if self.contact else ""  # the form Crossref asks for
        user_agent = f"living-review-citations/{VERSION} (+{self.project_url}{mailto})"
        interval = 0.11 if self.ncbi_api_key else 0.34
        intervals = {urlsplit(self.eutils).netloc: interval, **self.client.host_intervals}
        return replace(self.client, user_agent=user_agent, host_intervals=intervals)


@dataclass
class OnlineResult:
    problems: list[Problem]
    dois: int
    pubmed_ids: int
    requests: int
    cache_hits: int

    def describe(self) -> str:
        return (
            f"{self.dois} DOIs and {self.pubmed_ids} PubMed IDs; {self.requests} requests, "
            f"{self.cache_hits} answers from the cache"
        )


def ncbi_params(settings: OnlineSettings) -> dict[str, str]:
    """The ``tool``, ``email`` and ``api_key`` parameters NCBI asks E-utilities users to send."""
    params = {"tool": "living-review-citations"}
    if settings.contact:
        params["email"] = settings.contact
    if settings.ncbi_api_key:
        params["api_key"] = settings.ncbi_api_key
    return params


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``--online`` settings (defaults in brackets; base URLs exist for tests and mirrors)."""
    group = parser.add_argument_group("online checks (with --online)")
    group.add_argument(
        "--contact", default=os.environ.get(CONTACT_VARIABLE, ""),
        help=f"e-mail address sent to the APIs so their operators can reach us "
        f"[${CONTACT_VARIABLE}]",
    )  # fmt: skip
    group.add_argument("--cache-dir", type=Path, default=Path(".cache/citations"))
    group.add_argument(
        "--cache-days", type=float, default=28.0,
        help="ask again about answers older than this; 0 ignores the cache [28]",
    )  # fmt: skip
    group.add_argument("--timeout", type=float, default=15.0, help="seconds per request [15]")
    group.add_argument("--retries", type=int, default=3, help="retries after a failure [3]")
    group.add_argument("--workers", type=int, default=4, help="parallel requests [4]")
    group.add_argument("--doi-api", default=DEFAULT_DOI_API, help="DOI handle API base URL")
    group.add_argument("--eutils", default=DEFAULT_EUTILS, help="NCBI E-utilities base URL")
    group.add_argument("--crossref", default=DEFAULT_CROSSREF, help="Crossref REST API base URL")
    group.add_argument(
        "--europepmc", default=DEFAULT_EUROPEPMC, help="Europe PMC REST API base URL"
    )


def settings_from_args(args: argparse.Namespace) -> OnlineSettings:
    return OnlineSettings(
        contact=args.contact.strip(),
        doi_api=args.doi_api,
        eutils=args.eutils,
        crossref=args.crossref,
        europepmc=args.europepmc,
        project_url=os.environ.get("REVIEW_REPOSITORY_URL") or DEFAULT_PROJECT_URL,
        ncbi_api_key=os.environ.get(NCBI_KEY_VARIABLE, ""),
        workers=max(1, args.workers),
        client=ClientSettings(
            "", args.timeout, args.retries, cache_dir=args.cache_dir, cache_days=args.cache_days
        ),
    )


def check_online(
    bib: BibFile, settings: OnlineSettings, client: Client | None = None
) -> OnlineResult:
    """Run every online check on every entry, a few requests at a time."""
    client = client or Client(settings.client_settings())
    checker = _Checker(bib.path, settings, client)
    dois = [entry for entry in bib.entries if DOI.fullmatch(entry.value("doi"))]
    pmids = [entry for entry in bib.entries if PUBMED.fullmatch(entry.value("pubmed"))]
    jobs = [partial(checker.doi, e) for e in dois] + [partial(checker.pubmed, e) for e in pmids]
    with ThreadPoolExecutor(max_workers=settings.workers) as pool:
        problems = [problem for found in pool.map(lambda job: job(), jobs) for problem in found]
    return OnlineResult(problems, len(dois), len(pmids), client.requests, client.cache_hits)


class _Checker:
    def __init__(self, path: Path, settings: OnlineSettings, client: Client) -> None:
        self.path = path
        self.settings = settings
        self.client = client

    def _problem(self, entry: BibEntry, name: str, rule: str, message: str) -> Problem:
        return Problem(self.path, entry.line_of(name), rule, f"entry '{entry.key}': {message}")

    def doi(self, entry: BibEntry) -> list[Problem]:
        doi = entry.value("doi")
        url = _join(self.settings.doi_api, quote(doi, safe="/"))
        try:
            response = self.client.get(url)
            code = response.json().get("responseCode") if response.status == 200 else None
        except (FetchError, ValueError, AttributeError) as error:
            return [self._unchecked(entry, "doi", f"DOI {doi} at the DOI handle API", error)]
        if response.status in (404, 410) or code == 100:
            return [self._problem(entry, "doi", "online-doi-not-found", (
                f"DOI {doi} does not exist (the DOI handle API answers 'handle not found'): "
                "check it against the publisher's page"
            ))]  # fmt: skip
        if code != 1:
            reason = f"unexpected answer (HTTP {response.status}, responseCode {code})"
            return [self._unchecked(entry, "doi", f"DOI {doi} at the DOI handle API", reason)]
        return self.crossref(entry, doi)

    def crossref(self, entry: BibEntry, doi: str) -> list[Problem]:
        url = _join(self.settings.crossref, "works/" + quote(doi, safe="/"))
        params = {"mailto": self.settings.contact} if self.settings.contact else None
        try:
            response = self.client.get(url, params)
            if response.status == 404:
                reason = "Crossref has no record of it (registered elsewhere?)"
                return [self._unchecked(entry, "doi", f"retractions of DOI {doi}", reason)]
            message = response.json()["message"]
        except (FetchError, ValueError, KeyError, TypeError) as error:
            return [self._unchecked(entry, "doi", f"retractions of DOI {doi} at Crossref", error)]
        notices = crossref_notices(doi, message)
        return [self._problem(entry, "doi", rule, text) for rule, text in notices]

    def pubmed(self, entry: BibEntry) -> list[Problem]:
        pmid = entry.value("pubmed")
        url = _join(self.settings.eutils, f"esummary.fcgi?db=pubmed&retmode=json&id={pmid}")
        try:
            response = self.client.get(url, ncbi_params(self.settings))
            record = esummary_record(response.json(), pmid) if response.status == 200 else None
        except (FetchError, ValueError, TypeError) as error:
            return [self._unchecked(entry, "pubmed", f"PubMed ID {pmid}", error)]
        if response.status in (404, 410) or record is False:
            return [self._problem(entry, "pubmed", "online-pubmed-not-found", (
                f"PubMed has no record with ID {pmid}: check the ID on pubmed.ncbi.nlm.nih.gov"
            ))]  # fmt: skip
        if record is None:
            return [self._unchecked(entry, "pubmed", f"PubMed ID {pmid}", "unexpected answer")]
        found = list(pubmed_notices(pmid, record))
        if differences := "; ".join(pubmed_differences(entry, record)):
            found.insert(0, ("online-pubmed-mismatch", (
                f"PubMed record {pmid} does not match the entry: {differences} "
                "(is the PubMed ID or the entry wrong?)"
            )))  # fmt: skip
        return [self._problem(entry, "pubmed", rule, text) for rule, text in found]

    def _unchecked(self, entry: BibEntry, name: str, what: str, why: object) -> Problem:
        return self._problem(entry, name, UNCHECKED, f"could not check {what}: {why}")


def _join(base: str, path: str) -> str:
    return base.rstrip("/") + "/" + path


def _kind(value: object) -> str:
    return str(value or "").strip().lower().replace("-", "_").replace(" ", "_")


def _date(update: dict[str, Any]) -> str:
    parts = ((update.get("updated") or {}).get("date-parts") or [[]])[0]
    return "-".join(f"{part:02d}" if index else str(part) for index, part in enumerate(parts))


def crossref_notices(doi: str, message: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(rule, text) for each retraction-like notice in a Crossref work record."""
    seen: set[tuple[str, str]] = set()
    for update in message.get("updated-by") or []:
        kind, notice = _kind(update.get("type")), str(update.get("DOI") or "").lower()
        if (kind, notice) in seen or kind not in RETRACTION_TYPES | CONCERN_TYPES:
            continue
        seen.add((kind, notice))
        label = update.get("label") or kind.replace("_", " ")
        when = f" on {_date(update)}" if _date(update) else ""
        source = f", recorded by {update['source']}" if update.get("source") else ""
        rule = "online-retracted" if kind in RETRACTION_TYPES else "online-concern"
        text = (
            f"Crossref: DOI {doi} has a notice of type '{label}'{when} (notice DOI: "
            f"{notice or 'not given'}{source}): read it and revise or remove the citation"
        )
        yield rule, text
    for update in message.get("update-to") or []:
        kind = _kind(update.get("type"))
        if kind in RETRACTION_TYPES | CONCERN_TYPES:
            rule = "online-retracted" if kind in RETRACTION_TYPES else "online-concern"
            text = (
                f"Crossref: DOI {doi} is itself a '{update.get('label') or kind}' notice, for "
                f"DOI {update.get('DOI')}: cite the work, and say it was retracted"
            )
            yield rule, text
    for relation, targets in (message.get("relation") or {}).items():
        rule = "online-retracted" if "retract" in relation else "online-concern"
        if "retract" in relation or "concern" in relation:
            ids = ", ".join(str(target.get("id")) for target in targets or [])
            yield rule, f"Crossref: DOI {doi} has relation '{relation}' to {ids}"


def esummary_record(data: Any, pmid: str) -> dict[str, Any] | bool | None:
    """The esummary record for *pmid*; ``False`` if PubMed says there is none; ``None`` if odd."""
    if not isinstance(data, dict):
        return None
    result = data.get("result")
    if isinstance(result, dict):
        record = result.get(pmid)
        if isinstance(record, dict):
            return False if record.get("error") else record
        if pmid not in result.get("uids", [pmid]):
            return False
    text = str(data.get("error") or data.get("esummaryresult") or "").lower()
    return False if "invalid" in text or "cannot get document summary" in text else None


def pubmed_differences(entry: BibEntry, record: dict[str, Any]) -> Iterator[str]:
    """What in the PubMed record disagrees with the entry, in words."""
    title = str(record.get("title") or "")
    if title and not titles_match(entry.value("title"), title):
        yield f"title is '{title}' (entry: '{latex_to_text(entry.value('title'))}')"
    dates = [str(record.get("pubdate") or ""), str(record.get("epubdate") or "")]
    if entry.value("year") and any(dates) and not year_matches(entry.value("year"), dates):
        yield f"year is {', '.join(d for d in dates if d)} (entry: {entry.value('year')})"
    authors = [
        author for author in record.get("authors") or []
        if str(author.get("authtype", "Author")) in ("Author", "CollectiveName")
    ]  # fmt: skip
    people = entry.persons.get("author") or []
    if authors and people and not first_author_matches(people[0], str(authors[0].get("name"))):
        yield f"first author is {authors[0].get('name')} (entry: {people[0]})"
    ids = {
        str(item.get("idtype")).lower(): str(item.get("value"))
        for item in record.get("articleids") or []
    }  # fmt: skip
    if entry.value("doi") and ids.get("doi") and ids["doi"].lower() != entry.value("doi").lower():
        yield f"DOI is {ids['doi']} (entry: {entry.value('doi')})"
    pmc, pmcid = ids.get("pmc", ""), entry.value("pmcid")
    if PMCID.fullmatch(pmcid) and PMCID.fullmatch(pmc) and pmc != pmcid:
        yield f"PMCID is {pmc} (entry: {pmcid})"


def pubmed_notices(pmid: str, record: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(rule, text) for PubMed's retraction and expression-of-concern links."""
    links = [
        (str(ref.get("reftype", "")).strip().lower(), ref)
        for ref in record.get("references") or []
        if isinstance(ref, dict)
    ]
    retractions = [ref for kind, ref in links if kind in PUBMED_RETRACTION_LINKS]
    concerns = [ref for kind, ref in links if kind in PUBMED_CONCERN_LINKS]
    retracted_type = "Retracted Publication" in (record.get("pubtype") or [])
    if retractions or retracted_type:
        notices = "; ".join(_pubmed_notice(ref) for ref in retractions)
        which = f": {notices}" if notices else " (publication type 'Retracted Publication')"
        text = f"PubMed marks PMID {pmid} as retracted{which}: revise or remove the citation"
        yield "online-retracted", text
    for ref in concerns:
        text = f"PubMed links PMID {pmid} to an expression of concern: {_pubmed_notice(ref)}"
        yield "online-concern", text


def _pubmed_notice(ref: dict[str, Any]) -> str:
    return f"{ref.get('refsource')} (notice PMID {ref.get('pmid')})"
