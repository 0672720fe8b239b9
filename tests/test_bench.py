"""The benchmark's own machinery (not its timings): the floor build and the scaled copy."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from common import ROOT, ROOTS
from pybtex.database import parse_file

from living_review.tools.bench import Site, copy_project, scale
from living_review.tools.bench_live import process_tree_cpu
from living_review.tools.large_bibliography import PAGE, add_large_bibliography
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


def test_plain_stack_numbers_citations_without_the_site_extensions(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(ROOTS / "test-citation-refresh", project / "docs")
    shutil.copy(project / "docs" / "refs.bib", project / "references.bib")
    site = Site(project)
    site.build("plain", fresh=True, conf_dir=site.write_floor_conf(plain_stack=True))  # -W
    html = (site.outdir("plain") / "second.html").read_text("utf-8")
    assert "bibtex-citation" in html and "living_review" not in html  # numbered, upstream style


def test_large_bibliography_has_realistic_entries_and_one_page_citing_many(
    tmp_path: Path,
) -> None:
    project = copy_project(ROOT, tmp_path / "copy")
    before = len(parse_file(str(project / "references.bib")).entries)
    total, cited = add_large_bibliography(project, "effectiveness", entries=300, cited=200)
    entries = parse_file(str(project / "references.bib")).entries
    assert total == len(entries) == before + 300 and cited == 200
    synthetic = [entry for key, entry in entries.items() if key.startswith("synthetic")]
    for entry in synthetic:
        assert entry.persons["author"]
        assert {"title", "journal", "year", "volume", "pages", "doi", "pubmed"} <= set(entry.fields)
        assert entry.fields["doi"].startswith("10.5555/")  # the test prefix: no real work
    page = (project / "docs" / f"{PAGE}.md").read_text("utf-8")
    keys = re.findall(r"synthetic\d{4}", page)
    assert len(set(keys)) == len(keys) == 200
    assert page.startswith("---\n") and "not medical advice" in page
    assert f"\n{PAGE}\n" in (project / "docs" / "index.md").read_text("utf-8")


def test_process_tree_cpu_counts_children() -> None:
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    before = process_tree_cpu(os.getpid())
    subprocess.run([sys.executable, "-c", spin], check=True)  # reaped: counted as ours
    assert process_tree_cpu(os.getpid()) - before >= 0.25
