"""The claim ledger as HL7 FHIR R5: a ``Bundle`` of ``Evidence`` and ``Citation`` resources.

:func:`fhir_bundle` turns the export ``living_review.sphinxext.claims_export`` writes
(``claims.json``: every record with its cited works) into one ``collection`` Bundle, following
the EBM-on-FHIR use of the two resources as far as the ledger's fields go: one ``Evidence`` per
claim (its PICO, its effect as a ``statistic``, the certainty the cited review or guideline
states, in its words: the review never grades evidence itself) and one ``Citation`` per work.

Types and ratings are given as text, not codes: the review states them in words, and a code we
have not checked against its code system would claim more than we know. Only the standard
library is used; ``tests/test_claims_fhir.py`` validates the result with fhir.resources.
"""

from __future__ import annotations

import uuid
from typing import Any

#: A fixed namespace, so a claim or a work keeps its ``urn:uuid`` from one build to the next.
NAMESPACE = uuid.UUID("6f1d4f0e-5a57-4b8e-9d5e-3c1e2f7a9b10")
MEASURES = {
    "MD": "Mean difference",
    "SMD": "Standardised mean difference",
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "HR": "Hazard ratio",
}
IDENTIFIER_SYSTEMS = (
    ("doi", "https://doi.org"),
    ("pmid", "https://pubmed.ncbi.nlm.nih.gov"),
    ("pmcid", "https://www.ncbi.nlm.nih.gov/pmc"),
)


def urn(kind: str, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{name}')}"


def _text(value: str) -> dict[str, str]:
    return {"text": value}


def _levels(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def citation(reference: dict[str, Any]) -> dict[str, Any]:
    """One cited work as a Citation resource."""
    identifiers = [
        {"system": system, "value": str(reference[field])}
        for field, system in IDENTIFIER_SYSTEMS
        if reference.get(field)
    ]
    artifact: dict[str, Any] = {"title": [{"text": reference["text"]}]}
    if identifiers:
        artifact["identifier"] = identifiers
    if reference.get("url"):
        artifact["webLocation"] = [{"url": reference["url"]}]
    return {
        "resourceType": "Citation",
        "id": reference["key"],
        "status": "active",
        "title": reference["text"],
        "citedArtifact": artifact,
    }


def statistic(record: dict[str, Any]) -> dict[str, Any] | None:
    """The record's effect as an Evidence statistic (None if it has no effect)."""
    effect = record.get("effect")
    if not effect:
        return None
    measure = str(effect.get("measure", ""))
    result: dict[str, Any] = {
        "description": record.get("result", ""),
        "statisticType": _text(MEASURES.get(measure, measure)),
    }
    if effect.get("value") is not None:
        quantity: dict[str, Any] = {"value": effect["value"]}
        if effect.get("unit"):
            quantity["unit"] = effect["unit"]
        result["quantity"] = quantity
    if ci := effect.get("ci"):
        result["attributeEstimate"] = [
            {
                "type": _text("95% confidence interval"),
                "level": 0.95,
                "range": {"low": {"value": ci[0]}, "high": {"value": ci[1]}},
            }
        ]
    size = {}
    if record.get("studies") is not None:
        size["numberOfStudies"] = record["studies"]
    if record.get("participants") is not None:
        size["numberOfParticipants"] = record["participants"]
    if size:
        result["sampleSize"] = size
    return result


def evidence(record: dict[str, Any]) -> dict[str, Any]:
    """One claim as an Evidence resource."""
    variables = [
        (role, record[field])
        for field, role in (
            ("population", "population"),
            ("intervention", "exposure"),
            ("comparison", "referenceExposure"),
            ("outcome", "measuredVariable"),
        )
        if record.get(field)
    ]
    resource: dict[str, Any] = {
        "resourceType": "Evidence",
        "id": record["id"],
        "status": "active",
        "title": record.get("question", record["id"]),
        "description": record.get("result", ""),
        "variableDefinition": [
            {"description": text, "variableRole": _text(role)} for role, text in variables
        ],
        "certainty": [
            {
                "description": "As the cited review or guideline states it; this review does "
                "not grade the evidence itself.",
                "rating": _text(
                    " to ".join(level.replace("-", " ") for level in _levels(record["certainty"]))
                ),
            }
        ],
        "relatedArtifact": [
            {"type": "derived-from", "resourceReference": {"reference": urn("Citation", key)}}
            for key in record.get("cite", [])
        ],
    }
    if found := statistic(record):
        resource["statistic"] = [found]
    if not resource["relatedArtifact"]:
        del resource["relatedArtifact"]
    return resource


def fhir_bundle(export: dict[str, Any]) -> dict[str, Any]:
    """The export (``claims.json``) as a FHIR R5 collection Bundle."""
    entries, works = [], {}
    for record in export["claims"]:
        entries.append({"fullUrl": urn("Evidence", record["id"]), "resource": evidence(record)})
        for reference in record.get("references", []):
            works.setdefault(reference["key"], reference)
    for key, reference in works.items():
        entries.append({"fullUrl": urn("Citation", key), "resource": citation(reference)})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": "claims",
        "type": "collection",
        "entry": entries,
    }
    if export.get("build_date"):
        bundle["timestamp"] = f"{export['build_date']}T00:00:00Z"
    return bundle
