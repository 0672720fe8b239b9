"""claims.fhir.json: the claim ledger as a FHIR R5 Bundle of Evidence and Citation resources
(living_review.claims_fhir, written by living_review.sphinxext.claims_fhir), validated with the
fhir.resources models. Offline."""

from __future__ import annotations

import json

import pytest
from common import Build
from fhir.resources import get_fhir_model_class
from fhir.resources.bundle import Bundle

from living_review.claims_fhir import MEASURES, fhir_bundle


@pytest.fixture(scope="module")
def export(real_site: Build) -> dict:
    assert real_site.returncode == 0, real_site.stderr
    return json.loads((real_site.outdir / "claims.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def bundle(real_site: Build) -> dict:
    return json.loads((real_site.outdir / "claims.fhir.json").read_text(encoding="utf-8"))


def test_the_site_publishes_the_bundle_made_from_claims_json(export: dict, bundle: dict) -> None:
    assert bundle == fhir_bundle(export)


def test_bundle_and_every_resource_validate(bundle: dict) -> None:
    Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_one_evidence_per_claim_and_one_citation_per_cited_work(export: dict, bundle: dict) -> None:
    kinds: dict[str, list[str]] = {"Evidence": [], "Citation": []}
    for entry in bundle["entry"]:
        kinds[entry["resource"]["resourceType"]].append(entry["resource"]["id"])
    assert kinds["Evidence"] == [c["id"] for c in export["claims"]]
    cited = {r["key"] for c in export["claims"] for r in c["references"]}
    assert sorted(kinds["Citation"]) == sorted(cited)
    full_urls = {entry["fullUrl"] for entry in bundle["entry"]}
    for entry in bundle["entry"]:
        for artifact in entry["resource"].get("relatedArtifact", []):
            assert artifact["resourceReference"]["reference"] in full_urls


def test_statistics_keep_the_ledgers_numbers(export: dict, bundle: dict) -> None:
    evidence = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    claim = next(c for c in export["claims"] if c["id"] == "tu2024-leg-pain")
    (statistic,) = evidence["tu2024-leg-pain"]["statistic"]
    assert statistic["statisticType"]["text"] == MEASURES["MD"]
    assert statistic["quantity"]["value"] == claim["effect"]["value"]
    low, high = claim["effect"]["ci"]
    assert statistic["attributeEstimate"][0]["range"] == {
        "low": {"value": low},
        "high": {"value": high},
    }
    assert statistic["sampleSize"] == {"numberOfStudies": 1, "numberOfParticipants": 216}
    assert evidence["tu2024-leg-pain"]["certainty"][0]["rating"]["text"] == "not rated"
    assert evidence["yu2023-most-outcomes"]["certainty"][0]["rating"]["text"] == "low to very low"


def test_citations_carry_only_the_identifiers_the_bibliography_has(
    export: dict, bundle: dict
) -> None:
    works = {r["key"]: r for c in export["claims"] for r in c["references"]}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] != "Citation":
            continue
        values = {i["value"] for i in resource["citedArtifact"].get("identifier", [])}
        work = works[resource["id"]]
        assert values == {str(work[f]) for f in ("doi", "pmid", "pmcid") if work.get(f)}
