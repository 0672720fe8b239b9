"""``claims.fhir.json``: the claim ledger as an HL7 FHIR R5 Bundle, beside ``claims.json``.

After a web-site build, once ``living_review.sphinxext.claims_export`` has written
``claims.json`` at the site's root, this writes the same records as ``Evidence`` resources and
the works they cite as ``Citation`` resources (:mod:`living_review.claims_fhir`), CC BY 4.0 as
the rest of the content. Earlier editions built with ``nox -s editions`` carry their own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from living_review.claims_fhir import fhir_bundle
from living_review.sphinxext import extension_metadata, is_html_site

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


def write_bundle(app: Sphinx, exception: Exception | None) -> None:
    """Write claims.fhir.json from claims.json (nothing if there is no claims.json)."""
    source = Path(app.outdir, "claims.json")
    if exception is not None or not is_html_site(app.builder) or not source.is_file():
        return
    bundle = fhir_bundle(json.loads(source.read_text(encoding="utf-8")))
    text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
    Path(app.outdir, "claims.fhir.json").write_text(text, encoding="utf-8")


def setup(app: Sphinx) -> ExtensionMetadata:
    """Write the bundle after claims_export (priority 500) has written claims.json."""
    app.setup_extension("living_review.sphinxext.claims_export")
    app.connect("build-finished", write_bundle, priority=700)
    return extension_metadata()
