"""Lighthouse (the npm package, driving Debian's Chromium) on a few pages, against targets.

Lighthouse runs with its defaults: a phone (Moto G Power) on a throttled 4G connection, the
way most readers arrive. The pure parts (reading a report, comparing it with the targets,
the table) are separate from running the tool, so they can be tested without a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from living_review.tools.tables import text_table

#: Category id -> the lowest acceptable score (0 to 1).
SCORE_TARGETS: dict[str, float] = {
    "performance": 0.95,
    "accessibility": 1.0,
    "best-practices": 0.95,
    "seo": 1.0,
}
#: Bytes transferred for one page, everything included (150 kB, decimal).
MAX_BYTES = 150_000

CATEGORY_NAMES = {
    "performance": "perf",
    "accessibility": "a11y",
    "best-practices": "best",
    "seo": "seo",
}


@dataclass(frozen=True)
class LighthouseResult:
    """What one Lighthouse run measured on one page."""

    page: str
    scores: dict[str, float | None]
    total_bytes: int
    failing_audits: dict[str, list[str]] = field(default_factory=dict)  # category -> audit ids


def read_report(page: str, report: Mapping[str, Any]) -> LighthouseResult:
    """The figures that matter from a Lighthouse JSON report (``--output=json``)."""
    categories = report["categories"]
    audits = report["audits"]
    scores = {cid: categories[cid]["score"] for cid in SCORE_TARGETS if cid in categories}
    failing: dict[str, list[str]] = {}
    for cid in scores:
        for ref in categories[cid]["auditRefs"]:
            score = audits[ref["id"]].get("score")
            if ref.get("weight", 0) > 0 and score is not None and score < 1:
                failing.setdefault(cid, []).append(ref["id"])
    total = int(audits["total-byte-weight"]["numericValue"])
    return LighthouseResult(page, scores, total, failing)


def target_failures(result: LighthouseResult) -> list[str]:
    """Every target a page misses, as sentences (empty when it meets them all)."""
    failures = []
    for category, minimum in SCORE_TARGETS.items():
        score = result.scores.get(category)
        if score is None:
            failures.append(f"{result.page}: no {category} score (Lighthouse could not measure it)")
        elif score < minimum:
            audits = ", ".join(result.failing_audits.get(category, [])) or "no single audit"
            failures.append(
                f"{result.page}: {category} {score:.2f} < {minimum:.2f} (failing: {audits})"
            )
    if result.total_bytes >= MAX_BYTES:
        failures.append(
            f"{result.page}: {result.total_bytes / 1000:.1f} kB transferred, "
            f"target under {MAX_BYTES / 1000:.0f} kB"
        )
    return failures


def format_table(results: Sequence[LighthouseResult]) -> str:
    """A small table: one row per page, the four scores and the kB transferred (to the right)."""
    header = ["page", *CATEGORY_NAMES.values(), "kB"]
    rows = []
    for result in results:
        scores = [result.scores.get(cid) for cid in CATEGORY_NAMES]
        cells = ["-" if s is None else f"{s:.2f}" for s in scores]
        rows.append([result.page, *cells, f"{result.total_bytes / 1000:.1f}"])
    return text_table(header, rows, right=range(1, len(header)))


def find_lighthouse(root: Path) -> Path | None:
    """The Lighthouse installed by ``npm ci`` in ``root``, or one on PATH."""
    local = root / "node_modules" / ".bin" / "lighthouse"
    if local.exists():
        return local
    found = shutil.which("lighthouse")
    return Path(found) if found else None


def run_lighthouse(
    url: str,
    page: str,
    *,
    lighthouse: Path,
    chromium: Path,
    chrome_flags: Sequence[str],
    report_path: Path,
) -> LighthouseResult:
    """Run Lighthouse on one URL in a fresh Chromium profile; keep the JSON report."""
    with tempfile.TemporaryDirectory(prefix="lighthouse-profile-") as profile:
        flags = " ".join([*chrome_flags, f"--user-data-dir={profile}"])
        command = [
            str(lighthouse),
            url,
            "--output=json",
            f"--output-path={report_path}",
            "--quiet",
            f"--only-categories={','.join(SCORE_TARGETS)}",
            f"--chrome-flags={flags}",
        ]
        env = {**os.environ, "CHROME_PATH": str(chromium)}
        done = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=300, check=False
        )
    if done.returncode != 0 or not report_path.exists():
        raise RuntimeError(
            f"Lighthouse failed on {url} (exit {done.returncode}):\n{done.stderr[-2000:]}"
        )
    return read_report(page, json.loads(report_path.read_text(encoding="utf-8")))
