"""A claims.yaml that cannot be read: one error at its line, and the next build after the fix is
right.

The fixture project tests/roots/test-claims-shown-only uses its records in all three ways (a
summary-of-findings table, an evidence chart, ``{claim}`` in the text). It is built with
``sphinx-build`` as ``nox -s docs`` builds (incrementally, warnings as errors): a clean build is
copied as the kept output, the ledger broken, built, fixed, and built incrementally again; that
last build must pass and equal the clean build. The real site does the same from the session's
shared clean build (``real_site`` in conftest.py), so no test builds that site again from scratch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
from common import REAL_SITE_ENV, ROOTS, Build

from living_review.tools.citations import cli

MESSAGE = (
    "claims-parse-error: this line is indented 3 spaces; the lines around it use 4 spaces "
    "(nothing after it was checked until this is fixed)"
)


#: The fixture project's build date; the real site's builds take REAL_SITE_ENV, as its shared one.
FIXED_DATE = {"SOURCE_DATE_EPOCH": "1795651200"}


def build(
    source: Path, out: Path, *extra: str, env: Mapping[str, str] = FIXED_DATE
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-n", "-q",
        "--no-color", "-d", str(doctrees(out)),
        *extra, str(source), str(out),
    ]  # fmt: skip
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )


def doctrees(out: Path) -> Path:
    """Where :func:`build` (and ``common.sphinx_build``) keep the saved environment of *out*."""
    return out.with_name(out.name + "-doctrees")


def kept_output(clean: Path, out: Path) -> Path:
    """A copy of the clean build *clean* (its output and saved environment) at *out*: the output
    ``nox -s docs`` keeps for its next, incremental build."""
    shutil.copytree(clean, out)
    shutil.copytree(doctrees(clean), doctrees(out))
    return out


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
    clean = build(project, tmp_path / "clean", "-E")
    assert clean.returncode == 0, clean.stderr
    out = kept_output(tmp_path / "clean", tmp_path / "incremental")
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


def test_the_real_site_after_a_broken_ledger_is_fixed(
    real_site: Build, real_project: Path, tmp_path: Path
) -> None:
    """The same on the real site, where the broken build used to leave 35 false
    "claims-unused" errors for the next one, and 10 about tables nobody had touched.

    The kept output is a copy of the shared clean build; its sources (the shared project copy)
    are broken and fixed in place, and left as they were, modification time too."""
    assert real_site.returncode == 0, real_site.stderr
    out = kept_output(real_site.outdir, tmp_path / "incremental")
    docs, ledger = real_project / "docs", real_project / "claims.yaml"
    original, stat = ledger.read_bytes(), ledger.stat()
    try:
        good, line = break_indentation(ledger)
        broken = build(docs, out, env=REAL_SITE_ENV)
        errors = [row for row in broken.stderr.splitlines() if "ERROR" in row or "WARNING" in row]
        assert len(errors) == 1 and errors[0].endswith(f"claims.yaml:{line}: ERROR: {MESSAGE}")
        ledger.write_text(good, encoding="utf-8")
        fixed = build(docs, out, env=REAL_SITE_ENV)
        assert (fixed.returncode, fixed.stderr) == (0, "")
    finally:
        ledger.write_bytes(original)
        os.utime(ledger, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    incremental, fresh = files(out), files(real_site.outdir)
    assert sorted(incremental) == sorted(fresh)
    assert [name for name in fresh if incremental[name] != fresh[name]] == []
