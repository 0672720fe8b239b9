"""Two clean builds of the same sources give byte-identical sites, serial or parallel.

Both builds get the same ``SOURCE_DATE_EPOCH`` (the time of the last commit, as reproducible-
builds tooling sets it), which fixes every date that would otherwise come from the clock: the
copyright year and the date review notices are judged against. The page dates themselves come
from git history. One build runs with ``-j 2``, so this also checks that the local extensions
are parallel-safe in what they write.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from common import REAL_SITE_ENV, Build, sphinx_build


def files(outdir: Path) -> dict[str, bytes]:
    return {str(p.relative_to(outdir)): p.read_bytes() for p in outdir.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def two_builds(real_site: Build, real_project: Path) -> tuple[Build, Build]:
    """The shared build of the real site (serial), and one more of the same sources with -j 2."""
    outdir = real_project / "_build" / "parallel"
    return real_site, sphinx_build(real_project / "docs", outdir, "-j", "2", env=REAL_SITE_ENV)


def test_both_builds_succeed(two_builds: tuple[Build, Build]) -> None:
    for build in two_builds:
        assert build.returncode == 0, build.stderr


def test_sites_are_byte_identical(two_builds: tuple[Build, Build]) -> None:
    serial, parallel = (files(build.outdir) for build in two_builds)
    assert sorted(serial) == sorted(parallel)
    different = [name for name in serial if serial[name] != parallel[name]]
    assert different == [], f"differ between two builds: {different}"
