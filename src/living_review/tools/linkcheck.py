"""``nox -s linkcheck``: Sphinx's linkcheck builder over the site, then a short summary.

``python -m living_review.tools.linkcheck SOURCEDIR OUTDIR [-- SPHINX-OPTIONS]`` runs the builder
(settings in docs/conf.py, "Link check"), which writes every result to ``OUTDIR/output.json``
(one JSON object per line), then prints the count of links by status and each broken or
timed-out one with its page and line; a link that the bibliography renders from an entry
(its ``url``, ``doi``, ``pubmed``... field) is reported at that field's line in references.bib.
``--summary-only`` summarises an existing output.json.

First, one quick probe (living_review.tools.network) asks whether the hosts of ``--probe`` (by
default those most of the site's links go to) can be reached at all; if none can, it says
"could not check: no network" and stops, having judged no link.

Exit status: Sphinx's own (non-zero when a link is broken or timed out, or the build failed),
or 1 if the results list a broken link although Sphinx returned 0, or 3 with no network.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .network import EXIT_COULD_NOT_CHECK, NO_NETWORK, unreachable

#: Statuses in the order the summary lists them (those of sphinx.builders.linkcheck._Status).
ORDER = ("working", "redirected", "ignored", "unchecked", "rate-limited", "timeout", "broken")
FAILING = ("broken", "timeout")
#: Probed before the check: the hosts most of the site's links go to (DOIs, PubMed, PMC).
DEFAULT_PROBES = ("https://doi.org/", "https://www.ncbi.nlm.nih.gov/")
#: The fields a bibliography entry's links are made from.
LINK_FIELDS = ("url", "doi", "pubmed", "pmcid", "eprint")

Result = dict[str, Any]


def read_results(output_json: Path) -> list[dict[str, Any]]:
    """The builder's results: one JSON object per line."""
    lines = output_json.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


#: Where to report a link: (``file:line``, a note after the link, or "").
Place = tuple[str, str]


def page_line(result: Result) -> Place:
    """Where the builder found the link: ``page:line`` (the page relative to the source folder)."""
    return f"{result.get('filename')}:{result.get('lineno')}", ""


def summarise(results: list[Result], where: Callable[[Result], Place] = page_line) -> list[str]:
    """Counts by status, then every broken and timed-out link: ``file:line: status uri (info)``,
    in file and line order."""
    counts = Counter(str(result.get("status")) for result in results)
    statuses = [s for s in ORDER if counts[s]] + sorted(set(counts) - set(ORDER))
    tally = ", ".join(f"{status}: {counts[status]}" for status in statuses) or "no links"
    lines = [f"linkcheck: {len(results)} links checked; {tally}"]
    failing = []
    for result in results:
        if result.get("status") in FAILING:
            place, note = where(result)
            info = f" ({_shorten(str(result['info']))})" if result.get("info") else ""
            failing.append((place, f"{result['status']} {result.get('uri')}{note}{info}"))
    lines += [f"{place}: {what}" for place, what in sorted(failing, key=_in_file_order)]
    return lines


def _in_file_order(failure: tuple[str, str]) -> tuple[str, int, str]:
    path, _, line = failure[0].rpartition(":")
    return (path, int(line), failure[1]) if line.isdigit() else (failure[0], 0, failure[1])


def bibliography_places(bib: Path, sourcedir: Path) -> Callable[[Result], Place]:
    """:func:`page_line`, but a link made from a field of a *bib* entry is at that field's line.

    The builder reports every link of a ``{bibliography}`` directive at the directive's own line
    (``references.md:3``); the line to fix is the entry's ``doi``, ``url``... field.
    """
    from living_review.bibfile import read_bibfile

    from .citations.report import UnusableInput, display_path

    try:
        entries = read_bibfile(bib).entries if bib.is_file() else []
    except UnusableInput:  # `nox -s citations` reports it; keep the pages' lines here
        entries = []

    def where(result: Result) -> Place:
        uri = str(result.get("uri") or "")
        if not entries or _written_on_page(sourcedir, result, uri):
            return page_line(result)
        for entry in entries:
            for name in LINK_FIELDS:
                value = entry.value(name)
                if value and _made_from(uri, name, value):
                    return f"{display_path(bib)}:{entry.line_of(name)}", (
                        f" (entry '{entry.key}', in the bibliography on {page_line(result)[0]})"
                    )
        return page_line(result)

    return where


def _written_on_page(sourcedir: Path, result: Result, uri: str) -> bool:
    try:
        lines = (sourcedir / str(result.get("filename"))).read_text("utf-8").splitlines()
        return uri in lines[int(result.get("lineno") or 0) - 1]
    except (OSError, ValueError, IndexError):
        return False


def _made_from(uri: str, name: str, value: str) -> bool:
    """Whether the link *uri* is the one field *name* = *value* renders."""
    parts = urlsplit(uri)
    path = unquote(parts.path).strip("/").casefold()
    value = value.strip().casefold()
    if name == "url":
        return uri.rstrip("/").casefold() == value.rstrip("/")
    if name == "doi":
        return parts.netloc.casefold().endswith("doi.org") and path == value
    return value in path.split("/")  # a PubMed ID, PMCID or arXiv ID is one path segment


def _shorten(info: str, limit: int = 160) -> str:
    """requests' errors run to several hundred characters; output.json keeps them whole."""
    return info if len(info) <= limit else info[: limit - 1].rstrip() + "…"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m living_review.tools.linkcheck")
    parser.add_argument("sourcedir", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--summary-only", action="store_true", help="only summarise output.json")
    parser.add_argument(
        "--bib", type=Path, default=Path("references.bib"),
        help="the .bib file the bibliography's links come from [references.bib]",
    )  # fmt: skip
    parser.add_argument(
        "--probe", action="append", metavar="URL",
        help="before checking, see whether this URL's host can be reached (repeatable; "
        f"default: {', '.join(DEFAULT_PROBES)}); if none can: exit 3, no link judged",
    )  # fmt: skip
    parser.add_argument("sphinx_args", nargs="*", help="more sphinx-build options, after --")
    args = parser.parse_args(argv)
    output_json = args.outdir / "output.json"
    status = 0
    if not args.summary_only:
        no_network = unreachable(args.probe or DEFAULT_PROBES)
        if no_network:
            print(f"linkcheck: {NO_NETWORK} ({no_network}); no link was checked")
            return EXIT_COULD_NOT_CHECK
        from sphinx.cmd.build import build_main

        output_json.unlink(missing_ok=True)  # never summarise last run's results
        build = ["-b", "linkcheck", *args.sphinx_args, str(args.sourcedir), str(args.outdir)]
        status = build_main(build)
    if not output_json.is_file():
        print(f"linkcheck: no results in {output_json} (did the build fail?)", file=sys.stderr)
        return status or 2
    results = read_results(output_json)
    print("\n".join(summarise(results, bibliography_places(args.bib, args.sourcedir))))
    print(f"linkcheck: full results in {output_json}")
    if status == 0 and any(result.get("status") == "broken" for result in results):
        status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
