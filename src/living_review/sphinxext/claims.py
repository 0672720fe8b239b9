"""Claims on the pages: the ``{claim}`` role, from the claim ledger (``claims.yaml``).

``{claim}`tu2024-leg-pain``` renders the record's certainty badge(s) (linked to the legend) and
its citation(s), made by sphinxcontrib-bibtex's own ``cite:p`` role, so the numbering stays
global. Each web page carries, in an inert ``<template id="claim-findings">``, "What the source
says" for every claim it shows, which ``static/citation-popover.js`` opens from the badge, as it
opens a reference from a citation number; without JavaScript the badge links to the legend.

The ledger is read once per build (:func:`living_review.claims.load_claims`, as the offline
check does); its problems, a record no page uses (with ``{claim}``, in a summary-of-findings
table or an evidence chart) and a ``cite`` key missing from references.bib are build errors, an
unknown id is one at the page's line. When ``claims.yaml`` changes, the pages that show claims
are read again.
"""

from __future__ import annotations

import hashlib
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

from living_review.claims import (
    FILENAME,
    Claim,
    Ledger,
    check_cites,
    check_usage,
    load_claims,
    schema_path,
    unknown_id_message,
)
from living_review.problems import UnusableInput
from living_review.sphinxext import (
    add_stylesheet,
    add_to_web_pages,
    extension_metadata,
    first_citations,
    keep_per_page,
    log_problem,
    per_page,
)
from living_review.sphinxext.certainty import LEVELS, certainty_badge

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: Build-environment attributes (docname -> what it holds, merged from parallel readers).
LEDGER_ATTRIBUTE = "living_review_claims_ledger"  # the Ledger of this build
DIGEST_ATTRIBUTE = "living_review_claims_digest"  # of claims.yaml and its schema, last build
USES_ATTRIBUTE = "living_review_claim_uses"  # docname -> [(claim id, line)]: roles, tables ...
SHOWN_ATTRIBUTE = "living_review_claims_shown"  # docname -> claim ids shown (roles, tables ...)
BROKEN_READ_ATTRIBUTE = "living_review_claims_read_broken"  # the last read had no usable ledger

TEMPLATE_ID = "claim-findings"


class claim_badges(nodes.inline):  # lower-case, like docutils nodes
    """The badge(s) of one claim: ``<span class="claim" data-claim="<id>">`` in HTML."""


def visit_claim_badges_html(translator: Any, node: claim_badges) -> None:
    translator.body.append(f'<span class="claim" data-claim="{escape(node["claim"], quote=True)}">')


def depart_claim_badges_html(translator: Any, node: claim_badges) -> None:
    translator.body.append("</span>")


def ledger_of(env: BuildEnvironment) -> Ledger:
    """This build's ledger (empty if the extension has not read one)."""
    ledger: Ledger = getattr(env, LEDGER_ATTRIBUTE, None) or Ledger(Path(FILENAME))
    return ledger


def badges_for(claim: Claim) -> claim_badges:
    """The certainty badge(s) of *claim*, linked to the legend by the certainty extension."""
    holder = claim_badges("", claim=claim.id)
    for index, key in enumerate(claim.certainty):
        if index:
            holder += nodes.Text(" ")
        holder += certainty_badge("", nodes.Text(LEVELS[key].label), level=key)
    if claim.timeframe:  # "High certainty · first weeks": the level holds for this time only
        holder += nodes.inline("", f" · {claim.timeframe}", classes=["claim-timeframe"])
    return holder


def note_use(env: BuildEnvironment, claim_id: str, line: int, *, shown: bool = True) -> None:
    """Record that the page being read uses *claim_id* at *line* (a ``{claim}`` role, a table
    or a chart: claims-unused, claims.json's pages) and, if *shown*, shows its badge, which
    opens "What the source says" (so its findings go into the page)."""
    per_page(env, USES_ATTRIBUTE).setdefault(env.docname, []).append((claim_id, line))
    if shown:
        ids = per_page(env, SHOWN_ATTRIBUTE).setdefault(env.docname, [])
        if claim_id not in ids:
            ids.append(claim_id)


class ClaimRole(SphinxRole):
    """``{claim}`id``` — the record's certainty badge(s) and its citation(s)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        claim_id = self.text.strip()
        ledger = ledger_of(self.env)
        claim = ledger.get(claim_id)
        if claim is None and not ledger.complete:
            # claims.yaml cannot be read (its one error says why): render nothing, so that
            # this failed build indexes no word the next build would have to take out again.
            return [], []
        if claim is None:
            if claim_id not in ledger.broken_ids:  # else: at the ledger
                logger.error(
                    "claim-unknown-id: %s",
                    unknown_id_message(claim_id, ledger),
                    location=self.get_location(),
                )
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        note_use(self.env, claim.id, self.lineno)
        badges = badges_for(claim)
        self.set_source_info(badges)
        made, messages = citation(self.env, claim, self.lineno, self.inliner)
        return [badges, nodes.Text(" "), *made], messages


def citation(
    env: BuildEnvironment, claim: Claim, lineno: int, inliner: Any
) -> tuple[list[nodes.Node], list[nodes.system_message]]:
    """What ``{cite:p}`keys``` gives for *claim*: sphinxcontrib-bibtex's own role makes it."""
    known = bib_keys(env)
    keys = [key for key in claim.cite if key in known]  # else: claims-unknown-cite
    if not keys:
        return [], []
    targets = ",".join(keys)
    role = env.get_domain("cite").role("p")
    assert role is not None  # sphinxcontrib-bibtex is set up before this extension
    made, messages = role("cite:p", f"{{cite:p}}`{targets}`", targets, lineno, inliner, {}, [])
    return list(made), list(messages)


def bib_keys(env: BuildEnvironment) -> set[str]:
    """The keys of the project's .bib files, as sphinxcontrib-bibtex read them."""
    domain: Any = env.get_domain("cite")
    return set(domain.bibdata.data.entries.keys())


# -- reading the ledger, keeping track of its use ---------------------------------------------


def ledger_file(app: Sphinx) -> Path:
    """``claims_file`` from conf.py, relative to the configuration directory."""
    return Path(app.confdir, app.config.claims_file)


def digest(path: Path) -> str:
    """Changes when the ledger or its schema does."""
    hashed = hashlib.sha256()
    for part in (path, schema_path()):
        hashed.update(part.read_bytes() if part.is_file() else b"")
    return hashed.hexdigest()


def read_ledger(app: Sphinx) -> None:
    """Read the ledger at the start of the build and report its problems."""
    path = ledger_file(app)
    try:
        ledger = load_claims(path)
    except UnusableInput as error:
        ledger = Ledger(path)
        if path.exists():
            ledger.complete = False  # no record can be judged missing, no table empty
            log_problem(error.problem)
    setattr(app.env, LEDGER_ATTRIBUTE, ledger)
    for problem in ledger.problems:
        log_problem(problem)


def outdated_by_ledger(
    app: Sphinx, env: BuildEnvironment, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    """When claims.yaml (or its schema) changed, read again every page that shows claims."""
    # Pages read while claims.yaml could not be read recorded no uses (a {claim} there is left
    # unrendered, a table empty): after such a build, read every page again, so nothing of the
    # broken read survives into this one, whatever changed.
    read_broken = getattr(env, BROKEN_READ_ATTRIBUTE, False)
    setattr(env, BROKEN_READ_ATTRIBUTE, not ledger_of(env).complete)
    new = digest(ledger_file(app))
    unchanged = getattr(env, DIGEST_ATTRIBUTE, None) == new
    setattr(env, DIGEST_ATTRIBUTE, new)
    if read_broken:
        return sorted(env.found_docs)
    if unchanged:
        return []
    # Something must be read for the consistency check (unused records, keys) to run again.
    pages = {*per_page(env, SHOWN_ATTRIBUTE), *per_page(env, USES_ATTRIBUTE), app.config.root_doc}
    return sorted(pages & env.found_docs)


def pages_using(env: BuildEnvironment, claim_id: str) -> list[str]:
    """The docnames that use *claim_id* (``{claim}``, a table or a chart), sorted."""
    uses = per_page(env, USES_ATTRIBUTE)
    return sorted(doc for doc, page in uses.items() if any(c == claim_id for c, _ in page))


def check_ledger_against_site(app: Sphinx, env: BuildEnvironment) -> None:
    """After reading: records no page uses, and cite keys references.bib lacks."""
    ledger = ledger_of(env)
    if not ledger.path.exists():
        return
    problems = check_cites(ledger, bib_keys(env))
    if app.config.claims_check_unused:
        used = {claim_id for page in per_page(env, USES_ATTRIBUTE).values() for claim_id, _ in page}
        problems += check_usage(ledger, used)
    for problem in problems:
        log_problem(problem)


# -- "What the source says", for the popover ----------------------------------------------------


def levels_text(levels: tuple[str, ...]) -> str:
    """``Low certainty``, ``Low to very low certainty``; ``Not rated`` for none."""
    if not levels:
        return "Not rated"
    if len(levels) == 1:
        return LEVELS[levels[0]].label
    low = LEVELS[levels[1]].label
    return f"{LEVELS[levels[0]].label.removesuffix(' certainty')} to {low[0].lower()}{low[1:]}"


def _number_order(label: str) -> tuple[int, str]:
    return (int(label), label) if label.isdigit() else (0, label)


def findings_html(claim: Claim, labels: dict[str, str]) -> str:
    """What the source says about *claim*, as HTML for the popover."""
    numbers = sorted((labels[key] for key in claim.cite if key in labels), key=_number_order)
    where = f"Reference [{', '.join(numbers)}], {claim.locator}" if numbers else claim.locator
    where = where[0].upper() + where[1:]
    rows = [("In plain words", claim.result)]
    if claim.timeframe:
        rows.append(("Time frame", claim.timeframe[0].upper() + claim.timeframe[1:]))
    if claim.effect is not None:
        effect = f"{claim.effect.describe()}; favours {claim.effect.favours}"
        rows.append(("Effect", effect[0].upper() + effect[1:]))
    if claim.participants_and_studies:
        rows.append(("Participants (studies)", claim.participants_and_studies))
    rows.append(("The source's own rating", levels_text(claim.source_rating)))
    # We do not grade evidence ourselves (Methods): the badge shows the source's level, or a
    # lower one with the reason.
    shown = levels_text(claim.certainty)
    rows.append(("Label on this site", f"{shown}: {claim.rationale}" if claim.rationale else shown))
    details = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in rows)
    return (
        f'<div data-claim-id="{escape(claim.id, quote=True)}">'
        f'<p class="claim-popover-title">What the source says</p>'
        f'<blockquote class="claim-popover-quote"><p>“{escape(claim.quote)}”</p></blockquote>'
        f'<p class="claim-popover-where">{escape(where)}.</p>'
        f'<dl class="claim-popover-details">{details}</dl></div>'
    )


def findings_template(env: BuildEnvironment, pagename: str) -> str:
    """The findings of the claims a web page shows, for its body ("" if it shows none)."""
    ledger = ledger_of(env)
    shown = per_page(env, SHOWN_ATTRIBUTE).get(pagename, [])
    claims = [claim for claim_id in shown if (claim := ledger.get(claim_id))]
    if not claims:
        return ""
    labels = {key: cited.formatted_entry.label for key, cited in first_citations(env).items()}
    parts = "".join(findings_html(claim, labels) for claim in claims)
    return f'<template id="{TEMPLATE_ID}">{parts}</template>\n'


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the role, the ledger's reading and checks, and the findings for the popover."""
    app.setup_extension("sphinxcontrib.bibtex")  # its builder-inited reads the .bib files first
    app.setup_extension("living_review.sphinxext.certainty")
    app.setup_extension("living_review.sphinxext.citation_popovers")  # the popover script
    app.add_config_value("claims_file", FILENAME, "env", types=[str])
    # A record no page uses is an error (claims-unused); off only while pages move to {claim}.
    app.add_config_value("claims_check_unused", True, "env", types=[bool])
    app.add_node(claim_badges, html=(visit_claim_badges_html, depart_claim_badges_html))
    app.add_role("claim", ClaimRole())
    app.connect("builder-inited", read_ledger)
    app.connect("env-get-outdated", outdated_by_ledger)
    keep_per_page(app, USES_ATTRIBUTE, SHOWN_ATTRIBUTE)
    app.connect("env-check-consistency", check_ledger_against_site)
    add_to_web_pages(app, findings_template)
    add_stylesheet(app, "claims.css")
    return extension_metadata(env_version=3)  # 3: time frames beside the badges
