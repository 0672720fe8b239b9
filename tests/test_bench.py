"""The benchmark's own machinery (not its timings): the floor build and the scaled copy."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from common import ROOT, ROOTS

from living_review.tools.bench import Site, copy_project, scale
from living_review.tools.toctree import toctree_entries


def test_floor_builds_the_same_sources_without_the_site_extensions(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOTS / "test-citation-refresh", project / "docs")
    site = Site(project)
    timing = site.build("floor", fresh=True, conf_dir=site.write_floor_conf())  # -W: no warning
    assert timing.wall > 0 and timing.cpu > 0
    html = (site.outdir("floor") / "second.html").read_text("utf-8")
    assert "Gamma" in html and "#cite-" not in html  # the role's text stays, no citation


def test_scaled_copy_has_unique_labels_and_every_page_in_a_toctree(tmp_path: Path) -> None:
    project = copy_project(ROOT, tmp_path / "copy")
    pages = scale(project, 30)
    docs = project / "docs"
    assert pages == len(list(docs.glob("*.md"))) >= 28
    labels = Counter(
        label
        for page in docs.glob("*.md")
        for label in re.findall(r"^\((\S+)\)=$", page.read_text("utf-8"), flags=re.MULTILINE)
    )
    assert [label for label, count in labels.items() if count > 1] == []
    index = (docs / "index.md").read_text("utf-8")
    copies = [page.stem for page in docs.glob("*-copy*.md")]
    assert copies and all(f"\n{name}\n" in index for name in copies)


def test_toctree_entries_are_read_as_myst_reads_them(tmp_path: Path) -> None:
    page = tmp_path / "index.md"
    page.write_text(
        "# Home\n\n"
        "````markdown\n```{toctree}\n:caption: The review\n\nnot-a-page\n```\n````\n\n"
        "```{toctree}\n:caption: Other\n\nabout\n```\n\n"
        ":::{toctree}\n:caption: The review\n:maxdepth: 1\n\nfirst\nsecond\n:::\n",
        encoding="utf-8",
    )
    assert toctree_entries(page, "The review") == ["first", "second"]  # not the one in code
    with pytest.raises(ValueError, match="no toctree captioned 'Missing'"):
        toctree_entries(page, "Missing")
