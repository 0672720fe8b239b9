"""The claim ledger for machines: ``claims.json``, its JSON Schema, and ``claims.csv``.

Written at the web site's root (CC BY 4.0, as the content; MAINTAINERS.md describes them):
``claims.json`` (every record of ``claims.yaml`` as written, with its references and pages),
``claims.schema.json`` (made from the ledger's schema, so the two cannot drift apart),
``claims-ledger.schema.json`` (the ledger's schema) and ``claims.csv`` (flat, UTF-8 with a
byte-order mark, so that spreadsheet programs read the accents and signs right). Same sources,
same bytes: keys keep the ledger's order, pages are sorted, and the build date is that of
``SOURCE_DATE_EPOCH`` when it is set (reproducible builds), else today's (UTC).

``{claims-file}`claims.json``` links to one of the four files: relative to the page in the web
site; at the published site (``html_baseurl``) in another build, such as the EPUB, which does
not carry them. Any other name is an error at the page's line.
"""

from __future__ import annotations

import copy
import csv
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.osutil import relative_uri

from living_review.claims import Claim, ledger_schema, schema_path
from living_review.sphinxext import extension_metadata, first_citations, is_html_site
from living_review.sphinxext.claims import ledger_of, pages_using

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.util.typing import ExtensionMetadata

EXPORT = "claims.json"
EXPORT_SCHEMA = "claims.schema.json"
LEDGER_SCHEMA = "claims-ledger.schema.json"
EXPORT_CSV = "claims.csv"
LICENSE = "CC-BY-4.0"
#: The files the site publishes at its root, which ``{claims-file}`` links to.
PUBLISHED = (EXPORT, EXPORT_SCHEMA, LEDGER_SCHEMA, EXPORT_CSV)
LINK_CLASS = "claims-file"

logger = logging.getLogger(__name__)

#: The identifiers a reference carries in the export, and the bib field each comes from.
IDENTIFIERS = {"doi": "doi", "pmid": "pubmed", "pmcid": "pmcid", "url": "url"}

CSV_COLUMNS = (
    "id", "question", "population", "intervention", "comparison", "table", "outcome", "result",
    "measure", "value", "ci_low", "ci_high", "unit", "scale", "favours", "studies",
    "participants", "certainty", "source_rating", "rationale", "cite", "reference_numbers",
    "references", "doi", "pmid", "quote", "locator", "quote_source", "pages",
)  # fmt: skip


def export_schema(site_url: str) -> dict[str, Any]:
    """The export's schema: the ledger's record with ``references`` and ``pages`` added."""
    defs = copy.deepcopy(ledger_schema()["$defs"])
    record = copy.deepcopy(defs["claim"])
    record["description"] = "A record of claims.yaml as written, with its references and pages."
    record["properties"]["references"] = {
        "description": "The works the record cites, in its order.",
        "type": "array",
        "minItems": 1,
        "items": {"$ref": "#/$defs/reference"},
    }
    record["properties"]["pages"] = {
        "description": "The pages that use this claim ({claim}, a summary-of-findings table "
        "or an evidence chart), sorted.",
        "type": "array",
        "items": {"$ref": "#/$defs/page"},
    }
    record["required"] = [*record["required"], "references", "pages"]
    effect = defs["effect"]
    effect["properties"]["value_text"] = {
        "description": "The value as claims.yaml writes it (1.20, where the number reads 1.2).",
        "type": "string",
        "minLength": 1,
    }
    effect["properties"]["ci_text"] = {
        "description": "The 95% CI as claims.yaml writes it: low, high.",
        "type": "array",
        "prefixItems": [{"type": "string", "minLength": 1}] * 2,
        "minItems": 2,
        "maxItems": 2,
    }
    effect["required"] = [*effect["required"], "value_text", "ci_text"]
    identifier = {"type": ["string", "null"], "minLength": 1}
    defs["exported_claim"] = record
    defs["reference"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "number", "text", *IDENTIFIERS],
        "properties": {
            "key": {"type": "string", "description": "Its key in references.bib."},
            "number": {
                "type": ["string", "null"],
                "description": "Its number on the site, as in [3] (null if the site cites it "
                "nowhere else).",
            },
            "text": {"type": "string", "description": "The reference as the site prints it."},
            **dict.fromkeys(IDENTIFIERS, identifier),
        },
    }
    defs["page"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["docname", "title", "url"],
        "properties": {
            "docname": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string", "minLength": 1},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{site_url}{EXPORT_SCHEMA}",
        "title": "Claims of 'Acupuncture for Sciatica: a living evidence review' (claims.json)",
        "description": "Every key finding of the review with the cited source's own words and "
        f"rating; records as in the ledger (its schema: {site_url}{LEDGER_SCHEMA}).",
        "type": "object",
        "additionalProperties": False,
        "required": ["site", "title", "version", "build_date", "license", "claims"],
        "properties": {
            "site": {"type": "string", "description": "The site's address (html_baseurl)."},
            "title": {"type": "string"},
            "version": {"type": "string"},
            "build_date": {"type": "string", "format": "date"},
            "license": {"const": LICENSE},
            "claims": {"type": "array", "items": {"$ref": "#/$defs/exported_claim"}},
        },
        "$defs": defs,
    }


def build_date() -> str:
    """``SOURCE_DATE_EPOCH``'s date (UTC) when set, for reproducible builds; else today's."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return moment.date().isoformat()


def site_url(app: Sphinx) -> str:
    base = app.config.html_baseurl or ""
    return base if not base or base.endswith("/") else base + "/"


def references(env: BuildEnvironment, claim: Claim) -> list[dict[str, Any]]:
    """Each work *claim* cites: its number, formatted reference and identifiers."""
    domain: Any = env.get_domain("cite")
    first_citation = first_citations(env)
    found = []
    for key in claim.cite:
        entry = domain.bibdata.data.entries.get(key)
        if entry is None:
            continue  # claims-unknown-cite has failed the build
        citation = first_citation.get(key)
        text = citation.formatted_entry.text.render_as("text") if citation else ""
        found.append(
            {
                "key": key,
                "number": citation.formatted_entry.label if citation else None,
                "text": " ".join(text.split()),
                **{name: entry.fields.get(field) or None for name, field in IDENTIFIERS.items()},
            }
        )
    return found


def pages(app: Sphinx, claim: Claim) -> list[dict[str, str]]:
    base = site_url(app)
    return [
        {
            "docname": docname,
            "title": app.env.titles[docname].astext() if docname in app.env.titles else docname,
            "url": base + app.builder.get_target_uri(docname),
        }
        for docname in pages_using(app.env, claim.id)
    ]


def exported_record(app: Sphinx, claim: Claim) -> dict[str, Any]:
    """The record as written, its effect's numbers also as text, its references and pages."""
    record = dict(claim.record)
    effect = record.get("effect")
    if isinstance(effect, dict):  # numbers in JSON lose trailing zeros: 1.20 is written 1.2
        written = {"value_text": str(effect["value"]), "ci_text": [str(n) for n in effect["ci"]]}
        record["effect"] = {**effect, **written}
    return {**record, "references": references(app.env, claim), "pages": pages(app, claim)}


def export(app: Sphinx) -> dict[str, Any]:
    """``claims.json`` as data."""
    return {
        "site": site_url(app),
        "title": app.config.project,
        "version": app.config.release or app.config.version,
        "build_date": build_date(),
        "license": LICENSE,
        "claims": [exported_record(app, claim) for claim in ledger_of(app.env).claims],
    }


def csv_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """The export's records, flat: one column per field, lists joined with "; "."""

    def joined(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):
            return "; ".join(str(item) for item in value)
        return str(value)

    rows = []
    for record in data["claims"]:
        effect = record.get("effect") or {}
        ci = effect.get("ci_text") or ["", ""]
        refs = record["references"]
        row = {name: joined(record.get(name)) for name in CSV_COLUMNS}
        row |= {name: joined(effect.get(name)) for name in ("measure", "unit", "scale", "favours")}
        row |= {name: joined([ref[name] for ref in refs if ref[name]]) for name in ("doi", "pmid")}
        row |= {
            "value": joined(effect.get("value_text")),
            "ci_low": joined(ci[0]),
            "ci_high": joined(ci[1]),
            "reference_numbers": joined([ref["number"] for ref in refs if ref["number"]]),
            "references": " | ".join(ref["text"] for ref in refs),
            "pages": joined([page["url"] for page in record["pages"]]),
        }
        rows.append(row)
    return rows


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def write_export(app: Sphinx, exception: Exception | None) -> None:
    """At the end of a successful web build, write the three files at the site's root."""
    if exception is not None or not is_html_site(app.builder):
        return
    if not ledger_of(app.env).path.exists():
        return
    outdir = Path(app.outdir)
    data = export(app)
    (outdir / EXPORT).write_text(to_json(data), encoding="utf-8")
    (outdir / EXPORT_SCHEMA).write_text(to_json(export_schema(site_url(app))), encoding="utf-8")
    (outdir / LEDGER_SCHEMA).write_bytes(schema_path().read_bytes())
    with (outdir / EXPORT_CSV).open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_rows(data))


class ClaimsFileRole(SphinxRole):
    """``{claims-file}`claims.json```: a link to a file the export publishes (resolved per page)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        name = self.text.strip()
        if name not in PUBLISHED:
            logger.error(
                "claims-file: %r is not a file the site publishes (%s)",
                name,
                ", ".join(PUBLISHED),
                location=self.get_location(),
            )
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        literal = nodes.literal(name, name)
        return [nodes.reference(self.rawtext, "", literal, refuri=name, classes=[LINK_CLASS])], []


def resolve_file_links(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Point each ``{claims-file}`` link at the file: relative to the page in the web site, at
    the published site elsewhere (the EPUB does not carry the files)."""
    web = is_html_site(app.builder)
    for link in doctree.findall(nodes.reference):
        if LINK_CLASS in link["classes"]:
            name = link.astext()
            here = app.builder.get_target_uri(docname)
            link["refuri"] = relative_uri(here, name) if web else site_url(app) + name


def setup(app: Sphinx) -> ExtensionMetadata:
    """Write the export when the web site is built; the role that links to its files."""
    app.setup_extension("living_review.sphinxext.claims")
    app.add_role("claims-file", ClaimsFileRole())
    app.connect("doctree-resolved", resolve_file_links)
    app.connect("build-finished", write_export)
    return extension_metadata()
