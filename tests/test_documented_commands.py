"""Every maintainer command README.md and CONTRIBUTING.md show runs as written, from the root.

Each ``nox -s <session> [-- args]`` is run as its nox session runs it: the same
``python -m living_review.tools.<module>`` with the same arguments (see :data:`SESSIONS` and
noxfile.py), in this test environment, with the repository root as the working directory and
no other option, so a relative default path is resolved as it is for a maintainer. nox itself
is not run here (it would make a new environment per session); the tests below check that each
session still runs the module named here. A traceback or an unexpected exit status fails.

``nox -s lock`` asks the package index, so it runs only with ``LIVING_REVIEW_TEST_LOCK=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from common import ROOT

#: Session -> (module it runs, arguments nox puts before the user's). Mirrors noxfile.py.
SESSIONS = {
    "review-status": ("living_review.tools.review_status", []),
    "evidence-diff": ("living_review.tools.evidence_diff", ["--root", str(ROOT)]),
    "citations": ("living_review.tools.citations", []),
    "prose": ("living_review.tools.prose", ["--root", str(ROOT)]),
    "bench": ("living_review.tools.bench", []),
    "add-evidence": ("living_review.tools.add_evidence", []),
}
#: Documented forms not run here, and why.
NOT_RUN = {
    ("citations", "--online"): "needs the internet",
    ("citations", "--online --quotes-only --changed-since HEAD^1"): "needs the internet",
    ("evidence-diff", "upstream/main"): "needs the upstream remote a fork adds",
    ("add-evidence", ""): "the identifier is required: the bare form only prints usage",
    ("add-evidence", "<PMID or DOI>"): "a placeholder",
    ("prose", "--seed FILE"): "FILE is a placeholder",
    ("bench", ""): "minutes long; `--quick` is run instead",
    ("bench", "--runs 3"): "minutes long; `--quick` is run instead",
    ("bench", "--runs 5"): "minutes long; `--quick` is run instead",
    ("lock", ""): "asks the package index (LIVING_REVIEW_TEST_LOCK=1 runs it)",
}


def documented(session: str) -> set[str]:
    """The arguments after ``--`` of every ``nox -s <session>`` in README.md and CONTRIBUTING."""
    found = set()
    for name in ("README.md", "CONTRIBUTING.md"):
        text = (ROOT / name).read_text("utf-8")
        for match in re.finditer(rf"nox -s {session}(?: -- ([^`#|\n]*))?(?=[\s`|]|$)", text):
            found.add((match.group(1) or "").strip())
    return found


def git_has(ref: str) -> bool:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        cwd=ROOT, capture_output=True, check=False,
    )  # fmt: skip
    return done.returncode == 0


def run(session: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The session's command with the user's *args*, from the repository root."""
    module, before = SESSIONS[session]
    done = subprocess.run(
        [sys.executable, "-m", module, *before, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


@pytest.mark.parametrize("session", sorted(SESSIONS))
def test_the_session_runs_the_module_tested_here(session: str) -> None:
    noxfile = (ROOT / "noxfile.py").read_text("utf-8")
    body = noxfile.split(f'"{session}"' if "-" in session else f"def {session}(", 1)[1]
    body = body.split("@nox.session", 1)[0]
    assert SESSIONS[session][0] in body


def test_every_documented_form_is_run_or_says_why_not() -> None:
    tested = {
        ("review-status", ""),
        ("review-status", "--strict"),
        ("evidence-diff", ""),
        ("evidence-diff", "HEAD~1"),
        ("citations", ""),
        ("prose", ""),
        ("bench", "--quick"),
        ("add-evidence", "39401008 --page docs/effectiveness.md"),
    }
    for session in (*SESSIONS, "lock"):
        for args in documented(session):
            assert (session, args) in tested | set(NOT_RUN), (session, args)


def test_review_status_as_written() -> None:
    done = run("review-status")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Review status on ")
    strict = run("review-status", "--strict")
    overdue = "overdue for review" in strict.stdout
    assert strict.returncode == (1 if overdue else 0), strict.stderr
    assert "index" in strict.stdout


@pytest.mark.parametrize("base", [None, "HEAD~1"])
def test_evidence_diff_as_written(base: str | None) -> None:
    done = run("evidence-diff", *([base] if base else []))
    if git_has(base or "origin/main"):
        assert done.returncode == 0, done.stderr
    else:  # a shallow clone, or no origin: one line saying so
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1


def test_citations_as_written() -> None:
    done = run("citations")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout


def test_prose_as_written() -> None:
    done = run("prose")
    assert done.returncode == 0, done.stdout + done.stderr


def test_add_evidence_as_written() -> None:
    """The guide's example names a work references.bib has: refused before any request, with
    the entry named (so it runs the same with or without a network)."""
    done = run("add-evidence", "39401008", "--page", "docs/effectiveness.md")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(
        "add-evidence: PubMed ID 39401008 is already in references.bib: entry 'tu2024acupuncture'"
    )


def test_bench_in_its_smallest_form() -> None:
    done = run("bench", "--quick", timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for figure in ("full build", "plain stack", "one page", "save -> preview (docs-live)"):
        assert figure in done.stdout


@pytest.mark.skipif(
    os.environ.get("LIVING_REVIEW_TEST_LOCK") != "1", reason="asks the package index"
)
def test_lock_as_written(tmp_path: Path) -> None:
    """What `nox -s lock` runs for one group, written to a temporary file."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    done = subprocess.run(
        [uv, "pip", "compile", "pyproject.toml", "--group", "docs", "--generate-hashes",
         "--python-version", "3.11", "--universal", "--quiet", "-o", str(tmp_path / "docs.txt")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "sphinx==" in (tmp_path / "docs.txt").read_text("utf-8")
