"""The claim ledger for machines: claims.json, its schema and claims.csv at the site's root.

tests/roots/test-claims-export: the three-record ledger of test-claims; and the real site.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from common import ROOTS, Build, build_cleanly, page_soup, warnings
from jsonschema import Draft202012Validator, FormatChecker
from sphinx.testing.util import SphinxTestApp

from living_review.claims import load_claims, schema_path
from living_review.sphinxext.claims_export import (
    CSV_COLUMNS,
    EXPORT,
    EXPORT_CSV,
    EXPORT_SCHEMA,
    LEDGER_SCHEMA,
)

#: 2026-11-28 12:00 UTC
EPOCH = "1795867200"


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def validate(outdir: Path) -> dict[str, Any]:
    """claims.json, after checking it against the claims.schema.json published beside it."""
    schema = read_json(outdir / EXPORT_SCHEMA)
    Draft202012Validator.check_schema(schema)
    data = read_json(outdir / EXPORT)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]
    assert errors == []
    return data


@pytest.fixture
def export_app(
    make_app: Any, rootdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> SphinxTestApp:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    shutil.copytree(rootdir / "test-claims-export", tmp_path / "src")
    return build_cleanly(make_app("html", srcdir=tmp_path / "src"))


def test_claims_json_holds_every_record_with_references_and_pages(
    export_app: SphinxTestApp,
) -> None:
    data = validate(export_app.outdir)
    assert {key: data[key] for key in ("site", "title", "version", "build_date", "license")} == {
        "site": "https://example.org/review/",
        "title": "Export test",
        "version": "2026.11",
        "build_date": "2026-11-28",  # from SOURCE_DATE_EPOCH
        "license": "CC-BY-4.0",
    }
    ledger = load_claims(export_app.srcdir / "claims.yaml")
    assert [record["id"] for record in data["claims"]] == [claim.id for claim in ledger.claims]
    beta = data["claims"][1]
    # The record as written in the ledger, key for key, then what the site adds: the effect's
    # numbers as claims.yaml writes them (1.20, which JSON's number reads 1.2), references, pages.
    written = beta["effect"].pop("value_text"), beta["effect"].pop("ci_text")
    assert written == ("1.20", ["1.16", "1.24"])
    assert {k: v for k, v in beta.items() if k not in ("references", "pages")} == dict(
        ledger.claims[1].record
    )
    assert [(ref["key"], ref["number"], ref["doi"], ref["pmid"]) for ref in beta["references"]] == [
        ("beta2022review", "2", "10.1000/beta", None),
        ("alpha2021trial", "1", "10.1000/alpha", "11111111"),
    ]
    assert beta["references"][0]["text"].startswith("Cy Three. Beta review of trials.")
    assert beta["pages"] == [
        {"docname": "page", "title": "Page", "url": "https://example.org/review/page.html"}
    ]


def test_the_export_schema_is_the_ledgers_record_with_what_the_site_adds(
    export_app: SphinxTestApp,
) -> None:
    schema = read_json(export_app.outdir / EXPORT_SCHEMA)
    ledger_schema = read_json(schema_path())
    exported = schema["$defs"]["exported_claim"]
    ledger_record = ledger_schema["$defs"]["claim"]
    assert set(exported["properties"]) == set(ledger_record["properties"]) | {"references", "pages"}
    assert (export_app.outdir / LEDGER_SCHEMA).read_bytes() == schema_path().read_bytes()
    # A record missing its quote does not pass.
    data = read_json(export_app.outdir / EXPORT)
    del data["claims"][0]["quote"]
    assert not Draft202012Validator(schema).is_valid(data)


def test_claims_csv_has_the_same_rows_flat(export_app: SphinxTestApp) -> None:
    data = read_json(export_app.outdir / EXPORT)
    raw = (export_app.outdir / EXPORT_CSV).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read UTF-8
    with (export_app.outdir / EXPORT_CSV).open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["id"] for row in rows] == [record["id"] for record in data["claims"]]
    alpha, beta, gamma = rows
    assert (alpha["measure"], alpha["value"], alpha["ci_low"], alpha["ci_high"]) == (
        "MD", "-16.0", "-21.3", "-10.6",
    )  # fmt: skip
    assert (beta["value"], beta["ci_low"], beta["ci_high"]) == ("1.20", "1.16", "1.24")
    assert beta["certainty"] == "low; very-low" and beta["cite"] == "beta2022review; alpha2021trial"
    assert beta["doi"] == "10.1000/beta; 10.1000/alpha" and beta["reference_numbers"] == "2; 1"
    assert gamma["measure"] == "" and gamma["pages"] == "https://example.org/review/page.html"


def test_tables_and_charts_use_the_records_they_show(make_app: Any, tmp_path: Path) -> None:
    """alpha is only in a table, beta only in a chart: both are used, on those pages."""
    shutil.copytree(ROOTS / "test-claims-shown-only", tmp_path / "src")
    app = build_cleanly(make_app("html", srcdir=tmp_path / "src"))  # no claims-unused
    data = validate(app.outdir)
    pages = {record["id"]: [page["url"] for page in record["pages"]] for record in data["claims"]}
    assert pages == {
        "alpha-leg-pain": ["https://example.org/review/table.html"],
        "beta-any-pain": ["https://example.org/review/chart.html"],
        "gamma-advice": ["https://example.org/review/index.html"],
    }


def test_pages_link_to_the_published_files(export_app: SphinxTestApp) -> None:
    """{claims-file}: a link relative to the page, to a file the build wrote."""
    page = export_app.outdir / "sub" / "data.html"
    links = page_soup(export_app.outdir, "sub/data.html").select("a.claims-file")
    assert [(a["href"], a.get_text()) for a in links] == [
        ("../claims.json", "claims.json"),
        ("../claims.schema.json", "claims.schema.json"),
        ("../claims.csv", "claims.csv"),
    ]
    assert all((page.parent / a["href"]).resolve().is_file() for a in links)


def test_a_file_the_site_does_not_publish_is_an_error(make_app: Any, tmp_path: Path) -> None:
    shutil.copytree(ROOTS / "test-claims-export", tmp_path / "src")
    data = tmp_path / "src" / "sub" / "data.md"
    data.write_text(data.read_text().replace("`claims.csv`", "`claims.xlsx`"))
    app = make_app("html", srcdir=tmp_path / "src")
    app.build()
    assert (
        "data.md:3: ERROR: claims-file: 'claims.xlsx' is not a file the site publishes "
        "(claims.json, claims.schema.json, claims-ledger.schema.json, claims.csv)"
    ) in warnings(app)


def test_the_real_sites_export_validates(real_site: Build) -> None:
    """With check-jsonschema, as a reader would check it."""
    outdir = real_site.outdir
    data = validate(outdir)
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(outdir / EXPORT_SCHEMA),
         str(outdir / EXPORT)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert data["site"].startswith("https://") and data["claims"]
    for record in data["claims"]:
        assert record["pages"], record["id"]  # every record is used on some page
        assert all(ref["number"] and ref["text"] for ref in record["references"]), record["id"]
        assert all(ref["doi"] or ref["pmid"] or ref["url"] for ref in record["references"])
    assert (outdir / EXPORT_CSV).is_file()
