"""Two clean builds of the same sources give byte-identical sites, serial or parallel.

Both builds get the same ``SOURCE_DATE_EPOCH`` (the time of the last commit, as reproducible-
builds tooling sets it), which fixes every date that would otherwise come from the clock: the
copyright year and the date review notices are judged against. The page dates themselves come
from git history. One build runs with ``-j 2``, so this also checks that the local extensions
are parallel-safe in what they write.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from common import DOCS, ROOT, Build, sphinx_build


def source_date_epoch() -> str:
    """The commit time of HEAD (or a fixed date outside a git checkout)."""
    done = subprocess.run(
        ["git", "log", "-1", "--format=%ct"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else "1795651200"


def files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in outdir.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Build, Build]:
    env = {"SOURCE_DATE_EPOCH": source_date_epoch()}
    tmp = tmp_path_factory.mktemp("reproducible")
    serial = sphinx_build(DOCS, tmp / "serial", env=env)
    parallel = sphinx_build(DOCS, tmp / "parallel", "-j", "2", env=env)
    return serial, parallel


def test_both_builds_succeed(two_builds: tuple[Build, Build]) -> None:
    for build in two_builds:
        assert build.returncode == 0, build.stderr


def test_sites_are_byte_identical(two_builds: tuple[Build, Build]) -> None:
    serial, parallel = (files(build.outdir) for build in two_builds)
    assert sorted(serial) == sorted(parallel)
    different = [name for name in serial if serial[name] != parallel[name]]
    assert different == [], f"differ between two builds: {different}"
