"""A claims.yaml that cannot be read: one error at its line, and the next build after the fix is
right.

The fixture project tests/roots/test-claims-shown-only uses its records in all three ways (a
summary-of-findings table, an evidence chart, ``{claim}`` in the text). It is built with
``sphinx-build`` as ``nox -s docs`` builds (incrementally, warnings as errors), broken, built,
fixed, and built incrementally again; that last build must pass and equal a clean build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from common import ROOT, ROOTS

from living_review.tools.citations import cli

MESSAGE = (
    "claims-parse-error: this line is indented 3 spaces; the lines around it use 4 spaces "
    "(nothing after it was checked until this is fixed)"
)


def build(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
        "--no-color", "-d", str(out.with_name(out.name + "-doctrees")),
        *extra, str(source), str(out),
    ]  # fmt: skip
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1795651200"},
    )


def files(out: Path) -> dict[str, bytes]:
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def break_indentation(ledger: Path) -> tuple[str, int]:
    """Indent the first ``population:`` line 3 spaces instead of 4; (the old text, its line)."""
    text = ledger.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith("    population:"))
    lines[number] = "   " + lines[number].lstrip(" ")
    ledger.write_text("".join(lines), encoding="utf-8")
    return text, number + 1


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The fixture, with one more page that uses a record only through ``{claim}`` (not the
    root page, which the ledger's own change always has read again)."""
    source = tmp_path / "src"
    shutil.copytree(ROOTS / "test-claims-shown-only", source)
    (source / "advice.md").write_text(
        "# Advice\n\nStay active {claim}`gamma-advice`.\n", encoding="utf-8"
    )
    index = source / "index.md"
    index.write_text(
        index.read_text(encoding="utf-8").replace("table\nchart\n", "table\nchart\nadvice\n"),
        encoding="utf-8",
    )
    return source


def test_after_a_broken_ledger_is_fixed_the_next_build_passes_and_equals_a_clean_one(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "incremental"
    first = build(project, out)
    assert first.returncode == 0, first.stderr
    ledger = project / "claims.yaml"
    good, line = break_indentation(ledger)

    broken = build(project, out)
    assert broken.returncode != 0
    errors = [row for row in broken.stderr.splitlines() if "ERROR" in row or "WARNING" in row]
    # One error, at its line, in plain words; nothing about the table, the chart or the pages.
    assert len(errors) == 1, broken.stderr
    assert errors[0].endswith(f"claims.yaml:{line}: ERROR: {MESSAGE}")

    ledger.write_text(good, encoding="utf-8")
    fixed = build(project, out)
    assert fixed.returncode == 0, fixed.stderr
    assert fixed.stderr == ""

    clean = build(project, tmp_path / "clean", "-E")
    assert clean.returncode == 0, clean.stderr
    incremental, fresh = files(out), files(tmp_path / "clean")
    assert sorted(incremental) == sorted(fresh)
    assert [name for name in fresh if incremental[name] != fresh[name]] == []


def test_the_check_and_the_build_name_the_same_line(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _good, line = break_indentation(project / "claims.yaml")
    built = build(project, tmp_path / "out")
    (error,) = [row for row in built.stderr.splitlines() if "ERROR" in row]
    assert error.endswith(f"claims.yaml:{line}: ERROR: {MESSAGE}")
    args = ["--bib", str(project / "refs.bib"), "--docs", str(project)]
    assert cli.main([*args, "--claims", str(project / "claims.yaml")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(f"claims.yaml:{line}: {MESSAGE}")
    # Nothing blames the pages that show claims (refs.md, the bibliography page of this
    # project, cites nothing with or without a ledger: the check does not know its name).
    assert [row for row in out[1:-1] if "refs.md" not in row] == []


def test_the_real_site_after_a_broken_ledger_is_fixed(tmp_path: Path) -> None:
    """The same on a copy of the real site, where the broken build used to leave 35 false
    "claims-unused" errors for the next one, and 10 about tables nobody had touched."""
    project = tmp_path / "site"
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("_build"))
    names = ("claims.yaml", "references.bib", "safety-net.yaml", "CITATION.cff", "searches.yaml")
    for name in names:
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, project / name)
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "copy"]):
        subprocess.run(
            ["git", "-c", "user.name=T", "-c", "user.email=t@example.org", *command],
            cwd=project, check=True, capture_output=True,
        )  # fmt: skip  # "last updated" dates come from git
    out = tmp_path / "incremental"
    assert build(project / "docs", out).returncode == 0
    good, line = break_indentation(project / "claims.yaml")
    broken = build(project / "docs", out)
    errors = [row for row in broken.stderr.splitlines() if "ERROR" in row or "WARNING" in row]
    assert len(errors) == 1 and errors[0].endswith(f"claims.yaml:{line}: ERROR: {MESSAGE}")
    (project / "claims.yaml").write_text(good, encoding="utf-8")
    fixed = build(project / "docs", out)
    assert (fixed.returncode, fixed.stderr) == (0, "")
    clean = build(project / "docs", tmp_path / "clean", "-E")
    assert clean.returncode == 0, clean.stderr
    incremental, fresh = files(out), files(tmp_path / "clean")
    assert sorted(incremental) == sorted(fresh)
    assert [name for name in fresh if incremental[name] != fresh[name]] == []
