"""``nox -s linkcheck``: Sphinx's linkcheck builder over the site, then a short summary.

``python -m living_review.tools.linkcheck SOURCEDIR OUTDIR [-- SPHINX-OPTIONS]`` runs the builder
(settings in docs/conf.py, "Link check"), which writes every result to ``OUTDIR/output.json``
(one JSON object per line), then prints the count of links by status and each broken or
timed-out one with its page and line. ``--summary-only`` summarises an existing output.json.

Exit status: Sphinx's own (non-zero when a link is broken or timed out, or the build failed),
or 1 if the results list a broken link although Sphinx returned 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Statuses in the order the summary lists them (those of sphinx.builders.linkcheck._Status).
ORDER = ("working", "redirected", "ignored", "unchecked", "rate-limited", "timeout", "broken")
FAILING = ("broken", "timeout")


def read_results(output_json: Path) -> list[dict[str, Any]]:
    """The builder's results: one JSON object per line."""
    lines = output_json.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def summarise(results: list[dict[str, Any]]) -> list[str]:
    """Counts by status, then every broken and timed-out link: ``file:line: status uri (info)``."""
    counts = Counter(str(result.get("status")) for result in results)
    statuses = [s for s in ORDER if counts[s]] + sorted(set(counts) - set(ORDER))
    tally = ", ".join(f"{status}: {counts[status]}" for status in statuses) or "no links"
    lines = [f"linkcheck: {len(results)} links checked; {tally}"]
    for result in sorted(results, key=lambda r: (r.get("filename", ""), r.get("lineno") or 0)):
        if result.get("status") in FAILING:
            info = f" ({_shorten(str(result['info']))})" if result.get("info") else ""
            lines.append(
                f"{result.get('filename')}:{result.get('lineno')}: {result['status']} "
                f"{result.get('uri')}{info}"
            )
    return lines


def _shorten(info: str, limit: int = 160) -> str:
    """requests' errors run to several hundred characters; output.json keeps them whole."""
    return info if len(info) <= limit else info[: limit - 1].rstrip() + "…"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m living_review.tools.linkcheck")
    parser.add_argument("sourcedir", type=Path)
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--summary-only", action="store_true", help="only summarise output.json")
    parser.add_argument("sphinx_args", nargs="*", help="more sphinx-build options, after --")
    args = parser.parse_args(argv)
    output_json = args.outdir / "output.json"
    status = 0
    if not args.summary_only:
        from sphinx.cmd.build import build_main

        output_json.unlink(missing_ok=True)  # never summarise last run's results
        build = ["-b", "linkcheck", *args.sphinx_args, str(args.sourcedir), str(args.outdir)]
        status = build_main(build)
    if not output_json.is_file():
        print(f"linkcheck: no results in {output_json} (did the build fail?)", file=sys.stderr)
        return status or 2
    results = read_results(output_json)
    print("\n".join(summarise(results)))
    print(f"linkcheck: full results in {output_json}")
    if status == 0 and any(result.get("status") == "broken" for result in results):
        status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
