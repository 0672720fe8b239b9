"""The shared MyST page reader: what it takes from a page, and with which line numbers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from common import DOCS

from living_review import myst_pages
from living_review.myst_pages import OBJECT, FrontMatterError, parse_page, read_front_matter

PAGE = """\
---
title: A page
prose: {long_sentences: allowed}
---

(label)=
# A heading with {term}`sham`

First sentence cites {cite:p}`key1,key2`. Second sentence has {term}`a sham <sham>`.
Third one, with ``{cite:p}`in-code` `` and {ref}`label`.

```python
{cite:p}`in-a-fence` is code.
```

::::{admonition} A title with {cite:t}`titled`
:class: tip

Admonition body cites {cite:p}`in-body`.

:::{note}
Nested note, {certainty}`low`.
:::
::::

```{code-block} text
{cite:p}`in-code-block`
```

% {cite:p}`in-a-comment`

| A | B |
| --- | --- |
| cell {cite:p}`in-cell` | plain |
"""


def test_roles_with_lines_and_none_from_code() -> None:
    page = parse_page(PAGE, Path("page.md"))
    roles = [(role.name, role.content, role.line) for role in page.roles]
    assert roles == [
        ("term", "sham", 7),
        ("cite:p", "key1,key2", 9),
        ("term", "a sham <sham>", 9),
        ("ref", "label", 10),
        ("cite:t", "titled", 16),
        ("cite:p", "in-body", 19),
        ("certainty", "low", 22),
        ("cite:p", "in-cell", 34),
    ]


def test_fences_and_directives_by_name() -> None:
    page = parse_page(PAGE, Path("page.md"))
    assert [(f.name, f.is_directive, f.line) for f in page.fences] == [
        ("python", False, 12),
        ("admonition", True, 16),
        ("note", True, 21),
        ("code-block", True, 26),
    ]
    assert [d.name for d in page.directives] == ["admonition", "note", "code-block"]
    admonition = page.directives[0]
    assert admonition.argument == "A title with {cite:t}`titled`"
    assert admonition.body.splitlines()[0] == ""  # the :class: option, blanked in place


def test_prose_text_by_sentence_with_lines() -> None:
    page = parse_page(PAGE, Path("page.md"))
    sentences = [(s.line, s.text) for s in page.sentences()]
    assert sentences == [
        (7, "A heading with sham"),
        (9, "First sentence cites ."),  # a {cite:p} shows no words
        (9, "Second sentence has a sham."),  # {term}`a sham <sham>` shows "a sham"
        (10, f"Third one, with {OBJECT} and {OBJECT}."),  # a code span; a {ref} title
        (16, f"A title with {OBJECT}"),
        (19, "Admonition body cites ."),
        (22, "Nested note, ."),
        (32, "A"),  # table headers
        (32, "B"),
        (34, "cell"),
        (34, "plain"),
    ]
    second = list(page.sentences())[2]
    assert [role.content for role in second.roles] == ["a sham <sham>"]
    assert second.words == ["Second", "sentence", "has", "a", "sham"]


def test_front_matter_values_and_key_lines() -> None:
    page = parse_page(PAGE, Path("page.md"))
    assert page.front_matter.values["prose"] == {"long_sentences": "allowed"}
    assert page.front_matter.lines == {"title": 2, "prose": 3}
    assert (page.front_matter.start_line, page.front_matter.end_line) == (1, 4)


def test_front_matter_behind_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff---\nnext_review: 2027-01-02\n---\n# Title\n".encode())
    page = myst_pages.read_page(path)
    assert page.front_matter.values == {"next_review": "2027-01-02"}  # dates stay text
    assert page.front_matter.lines == {"next_review": 2}
    assert page.title_line == 4
    assert read_front_matter(path.read_text(encoding="utf-8")).lines == {"next_review": 2}


@pytest.mark.parametrize(
    ("text", "line"),
    [("---\na: 1\nb: [\n---\n", 3), ("---\n- a list\n---\n", 1)],
    ids=["bad-yaml", "not-a-mapping"],
)
def test_bad_front_matter_names_its_line(text: str, line: int) -> None:
    with pytest.raises(FrontMatterError) as error:
        read_front_matter(text)
    assert error.value.line == line
    page = parse_page(text, Path("page.md"))  # the rest of the page is still read
    with pytest.raises(FrontMatterError):
        _ = page.front_matter


def test_no_front_matter() -> None:
    front_matter = read_front_matter("# Title\n\n---\nnot: front matter\n---\n")
    assert front_matter.values == {} and front_matter.start_line is None


def test_glossary_terms_and_definitions() -> None:
    text = (
        "```{glossary}\n:sorted:\n\nplacebo\n  A dummy pill.\n  Second line.\n\n"
        "sham\nsham acupuncture\n  Fake needling.\n```\n"
    )
    page = parse_page(text, Path("glossary.md"))
    assert [(t.text, t.line, t.entry) for t in page.glossary_terms] == [
        ("placebo", 4, 1),
        ("sham", 8, 2),
        ("sham acupuncture", 9, 2),
    ]
    assert [(s.line, s.text) for s in page.sentences()] == [
        (5, "A dummy pill."),
        (6, "Second line."),
        (10, "Fake needling."),
    ]


def test_parser_has_the_sites_myst_extensions() -> None:
    """MYST_EXTENSIONS lists docs/conf.py's myst_enable_extensions that change parsing."""
    tree = ast.parse((DOCS / "conf.py").read_text(encoding="utf-8"))
    enabled = next(
        ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(getattr(target, "id", "") == "myst_enable_extensions" for target in node.targets)
    )
    assert set(enabled) == set(myst_pages.MYST_EXTENSIONS)


def test_directive_options_as_myst_reads_them() -> None:
    text = (
        "```{summary-of-findings}\n:table: safety\n:caption: Harms: the risks\n```\n\n"
        ":::{evidence-chart}\n---\nmeasure: RR\n---\n:::\n\n"
        "```python\n:not: an option\n```\n"
    )
    table, chart, code = parse_page(text, Path("page.md")).fences
    assert table.options == (("table", "safety"), ("caption", "Harms: the risks"))
    assert table.option("caption") == "Harms: the risks" and table.option("scale") == ""
    assert chart.options == (("measure", "RR"),)
    assert code.options == ()
