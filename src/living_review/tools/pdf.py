"""The whole review as one PDF: WeasyPrint over Sphinx's single-page build (``nox -s pdf``).

``python -m living_review.tools.pdf --html DIR --cff CITATION.cff --out FILE.pdf`` reads
``DIR/index.html``, written by ``sphinx-build -b singlehtml`` (every page in one, in the order
of the table of contents), and typesets it with the site's own print stylesheet
(``print.css``, linked with ``media="print"``) and :data:`PDF_CSS`: a title page (from
``CITATION.cff`` as ``living_review.sphinxext.cite_this`` reads it), then the home page with
the medical notice and the warning signs box near its top; page numbers on every page; the
title, author and language in the PDF's metadata. The text stays text, so it can be selected.

Links stay links: DOIs and free full texts are clickable, and ``print.css`` also prints their
addresses. WeasyPrint needs pango from the system (``.ci/install-pdf`` installs it); nothing is
downloaded. Exit status: 0 written, 2 when the single-page build or WeasyPrint is missing.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Sequence
from html import escape
from pathlib import Path

from living_review.problems import UnusableInput
from living_review.sphinxext.cite_this import PENDING, Edition, formatted_citation, read_edition

MEDICAL_NOTICE = (
    "This review is not medical advice. Talk to a doctor or other qualified clinician about "
    "your own symptoms and treatment."
)
INSTALL_HINT = "install pango for WeasyPrint: .ci/install-pdf (as root)"

#: What a PDF needs beyond print.css: the paper, page numbers, the title page.
PDF_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm 20mm;
  @bottom-center {
    content: "Page " counter(page) " of " counter(pages);
    font-size: 8pt;
    color: #333;
  }
}
@page :first {
  @bottom-center { content: none; }
}
.pdf-title-page {
  break-after: page;
  padding-top: 30mm;
}
.pdf-title-page .pdf-title {
  font-size: 24pt;
  font-weight: 700;
  line-height: 1.2;
  margin-bottom: 10mm;
}
.pdf-title-page p {
  margin: 0 0 4mm;
}
.pdf-title-page .pdf-notice {
  border: 1px solid #000;
  padding: 3mm;
  font-weight: 700;
}
html, body, .pdf {
  height: auto !important;
  overflow: visible !important;
}
"""


def title_page(edition: Edition) -> str:
    """The title page as HTML."""
    doi = f"DOI: https://doi.org/{edition.doi}" if edition.doi else PENDING
    return (
        '<section class="pdf-title-page">\n'
        f'<p class="pdf-title">{escape(edition.title)}</p>\n'
        f"<p>Edition of {escape(edition.long_date)} · version {escape(edition.version)}</p>\n"
        f"<p>{escape(doi)}</p>\n"
        f"<p>Written by {escape(edition.author.removeprefix('The ').removeprefix('the '))}.</p>\n"
        f'<p class="pdf-notice">{escape(MEDICAL_NOTICE)}</p>\n'
        f"<p><strong>How to cite:</strong> {escape(formatted_citation(edition))}</p>\n"
        f'<p>The current edition is online at <a href="{escape(edition.url)}">'
        f"{escape(edition.url)}</a>. The text is licensed under CC BY 4.0.</p>\n"
        "</section>\n"
    )


def prepare_html(html: str, edition: Edition) -> str:
    """The single-page build's article alone, after the title page, with the PDF's metadata.

    Only furo's ``<article>`` is kept from the body: furo's flexbox page layout does not break
    across pages in WeasyPrint, and the navigation is no use on paper. The head, with every
    stylesheet (print.css included), stays as it is.
    """
    head = (
        f"<title>{escape(edition.title)}</title>\n"
        f'<meta name="author" content="{escape(edition.author)}">\n'
        f'<meta name="dcterms.created" content="{edition.date.isoformat()}">\n'
    )
    html = re.sub(r"<title>.*?</title>\s*", "", html, count=1, flags=re.DOTALL)
    html = re.sub(r"<meta\s+name=\"author\"[^>]*>\s*", "", html)
    html = html.replace("</head>", head + "</head>", 1)
    start, end = html.find("<article"), html.rfind("</article>")
    if start < 0 or end < 0:
        raise ValueError("no <article> in the single-page build")
    article = html[start : end + len("</article>")]
    body = f'<body>\n<div class="pdf">\n{title_page(edition)}{article}\n</div>\n</body>'
    return html[: html.index("<body")] + body + "\n</html>\n"


def build_pdf(html_dir: Path, cff: Path, out: Path) -> float:
    """Write the PDF; return the seconds WeasyPrint took."""
    from weasyprint import CSS, HTML  # imported here: it loads pango when imported

    edition = read_edition(cff)
    index = (html_dir / "index.html").resolve()
    html = prepare_html(index.read_text(encoding="utf-8"), edition)
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    HTML(string=html, base_url=index.as_uri(), media_type="print").write_pdf(
        out, stylesheets=[CSS(string=PDF_CSS)], pdf_tags=True
    )
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, required=True, help="the singlehtml build")
    parser.add_argument("--cff", type=Path, required=True, help="CITATION.cff (the edition)")
    parser.add_argument("--out", type=Path, required=True, help="the PDF to write")
    args = parser.parse_args(argv)
    if not (args.html / "index.html").is_file():
        print(f"pdf: no single-page build at {args.html}", file=sys.stderr)
        return 2
    try:
        import weasyprint  # noqa: F401
    except OSError as error:  # pango or its fonts are missing
        print(f"pdf: {error}\npdf: {INSTALL_HINT}", file=sys.stderr)
        return 2
    try:
        seconds = build_pdf(args.html, args.cff, args.out)
    except UnusableInput as error:  # CITATION.cff missing or incomplete: nothing written
        print(error.problem.format(), file=sys.stderr)
        return 2
    size = args.out.stat().st_size
    print(f"pdf: {args.out} ({size / 1e6:.1f} MB, typeset in {seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
