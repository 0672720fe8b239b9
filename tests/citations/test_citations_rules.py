"""The offline citation check: one fixture per rule, each problem's rule id, file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from common import ROOT
from sphinxcontrib.bibtex.citation_target import parse_citation_targets
from sphinxcontrib.bibtex.domain import BibtexDomain
from sphinxcontrib.bibtex.foot_domain import BibtexFootDomain

from living_review.bibfile import parse_bibtex
from living_review.problems import UnusableInput
from living_review.tools.citations import cli
from living_review.tools.citations.pages import CITE_ROLES, _citation_keys, scan_page
from living_review.tools.citations.rules import RULES, check_bibfile

FIXTURES = Path(__file__).parent / "fixtures"
BIB = "references.bib"
PAGE = "docs/index.md"
LEDGER = "claims.yaml"

#: fixture (named after its rule) -> every (file, line) the rule must report there, and nothing
#: else: each fixture is clean apart from the one mistake (and the look-alikes it must ignore).
EXPECTED: dict[str, set[tuple[str, int]]] = {
    # A comma missing at the end of line 11; a brace opened on line 19 and never closed, which
    # pybtex only notices at the next entry (line 25), but which belongs to the entry before.
    "bib-parse-error": {(BIB, 12), (BIB, 19)},
    "bib-duplicate-key": {(BIB, 1), (BIB, 9)},  # both copies, keys differing only in case
    "bib-repeated-field": {(BIB, 7)},  # the second `year`
    "bib-duplicate-id": {(BIB, 15), (BIB, 16)},  # the second entry's doi and pubmed lines
    "bib-unknown-type": {(BIB, 9), (BIB, 16), (BIB, 24)},  # @webpage, @conference, @report
    "bib-missing-field": {(BIB, 9), (BIB, 16)},  # no journal; no year
    "bib-empty-field": {(BIB, 14), (BIB, 20)},  # doi = {}; title = { }
    "bib-null-field": {(BIB, 14), (BIB, 15)},  # null, NULL; not a title about null results
    # A link in eprint; an eprint from HAL; not an arXiv identifier with archiveprefix = arXiv.
    "bib-bad-eprint": {(BIB, 15), (BIB, 23)},
    "bib-bad-name": {(BIB, 10), (BIB, 18)},  # {,}; "and ..."; not "and others" or a group
    # \emph and \textit; $d^2$; not accents, \&, {protected} words or math pybtex converts.
    "bib-raw-latex": {(BIB, 11), (BIB, 15)},
    "bib-bad-doi": {(BIB, 14), (BIB, 22)},  # a doi.org link; no suffix
    "bib-bad-pubmed": {(BIB, 14)},
    "bib-bad-pmcid": {(BIB, 14)},
    "bib-insecure-url": {(BIB, 13)},
    "bib-pmid-field": {(BIB, 15)},
    # Nothing; a url on an article (not a guideline); not an arXiv preprint (the style links it).
    "bib-no-identifier": {(BIB, 9), (BIB, 16)},
    "bib-url-repeats-id": {(BIB, 15)},
    "bib-uncited": {(BIB, 9)},  # and not the entry with keywords = {excluded}
    # Not the unknown keys in code spans (one over two lines), fences, indented code, a
    # code block inside an admonition, or comments: MyST does not read those as roles.
    # A typo; a key nowhere; a key in the wrong case (sphinxcontrib-bibtex matches case exactly).
    "cite-unknown-key": {(PAGE, 4), (PAGE, 5), (PAGE, 6)},
    # pandoc, pandoc in-text, LaTeX, rST role, no backticks, space, unknown role, no comma,
    # and pandoc inside a directive body; not the ones in code, comments, e-mails or URLs.
    "cite-bad-syntax": {(PAGE, line) for line in (4, 5, 6, 7, 8, 9, 10, 11, 23)},
    # not about.md (no_citations: reason) nor references.md (not a content page)
    # Both pages start with a byte-order mark: it hides neither the front matter (about.md's
    # no_citations) nor the line of the title.
    "page-no-citation": {("docs/uncited.md", 7)},
    # The claim ledger (claims.yaml beside references.bib); each page cites only with {claim},
    # so a key its records cite counts as cited (no bib-uncited, no page-no-citation).
    "claims-parse-error": {(LEDGER, 9)},  # a list opened on line 9 (PyYAML notices on line 10)
    "claims-schema": {(LEDGER, 9)},  # certainty: medium
    "claims-duplicate-id": {(LEDGER, 14)},  # the second record with the id
    "claims-no-source": {(LEDGER, 2)},  # a record without a quote
    "claims-no-rationale": {(LEDGER, 9)},  # very-low, below the source's low, no rationale
    # Every way round "never above the source's rating": a rationale; a source rating of none
    # or not-rated; a range whose top is higher, or that drops the source's lower end; both.
    # Not a lower level with a rationale, nor not-rated for an unrated source.
    "claims-above-source": {(LEDGER, line) for line in (9, 22, 35, 47, 60, 73, 85)},
    "claims-bad-effect": {(LEDGER, 14)},  # RR 0.8 outside its CI [0.9, 1.2]
    "claims-unknown-cite": {(LEDGER, 11)},  # good2002
    # The second record, used on no page; not table-only, shown only in a summary-of-findings
    # table (which cites table2021 for it: no bib-uncited; tables.md cites through it: no
    # page-no-citation), nor chart-only, shown only in an evidence chart (options in YAML).
    "claims-unused": {(LEDGER, 14)},
    "claim-unknown-id": {(PAGE, 5)},  # {claim}`good-pains`
}


#: fixture -> the one (file, line) where it cannot be used at all: exit 2, one line on stderr.
UNUSABLE: dict[str, tuple[str, int]] = {
    "unreadable": (BIB, 11),  # a Latin-1 byte in entry cafe2021
    "front-matter": (PAGE, 2),  # last_reviewed: 2026-02-30, for which MyST drops front matter
}


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """The exit status and the lines printed, without the notes on which quotes were checked
    against cached abstracts (tests/citations/test_citations_quotes.py tests those)."""
    status = cli.main(args)
    lines = capsys.readouterr().out.splitlines()
    return status, [line for line in lines if not line.startswith("quotes ")]


def run_fixture(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    root = FIXTURES / name
    return run(["--bib", str(root / BIB), "--docs", str(root / "docs")], capsys)


def parse_line(line: str, root: Path) -> tuple[str, int, str]:
    location, rule, _message = line.split(": ", 2)
    path, number = location.rsplit(":", 1)
    return Path(path).resolve().relative_to(root.resolve()).as_posix(), int(number), rule


def test_every_rule_has_a_fixture() -> None:
    assert set(EXPECTED) | set(UNUSABLE) == set(RULES)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_rule_fires_on_its_fixture(rule: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = run_fixture(rule, capsys)
    found = {parse_line(line, FIXTURES / rule) for line in lines[:-1]}
    assert found == {(path, line, rule) for path, line in EXPECTED[rule]}
    assert status == 1
    assert lines[-1].startswith(f"citations: {len(EXPECTED[rule])} problem")


@pytest.mark.parametrize("rule", sorted(UNUSABLE))
def test_unusable_input_is_one_line_and_exit_2(
    rule: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = FIXTURES / rule
    assert cli.main(["--bib", str(root / BIB), "--docs", str(root / "docs")]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    (error,) = err.splitlines()
    assert parse_line(error, root) == (*UNUSABLE[rule], rule)


def test_clean_fixture_passes(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = run_fixture("clean", capsys)
    assert status == 0
    assert lines == [lines[-1]]
    assert lines[-1].startswith("citations: no problems; checked 1 entry and 1 page in ")


def test_the_certainty_rule_has_one_message_whatever_the_record(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, lines = run_fixture("claims-above-source", capsys)
    rule = (
        "a claim's certainty is never above its source's own rating (a source that gave no "
        "rating means not-rated); `rationale` explains a lower label, never a higher one"
    )
    assert all(rule in line for line in lines[:-1])
    by_id = {line.split("claim '")[1].split("'")[0]: line for line in lines[:-1]}
    assert (
        "certainty 'moderate' is above the source's own rating 'low'"
        in by_id["good-with-rationale"]
    )
    assert by_id["good-with-rationale"].endswith("Use 'low' or lower")
    assert "certainty 'low' is above the source's own rating 'none'" in by_id["good-unrated-source"]
    assert by_id["good-unrated-source"].endswith("Use 'not-rated'")
    assert by_id["good-range-bottom"].endswith("Use 'low to very-low' or lower")


def test_messages_name_the_entry_and_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    _, lines = run_fixture("bib-duplicate-key", capsys)
    assert "key 'good2020' is defined 2 times (lines 1, 9)" in lines[0]
    _, lines = run_fixture("cite-unknown-key", capsys)
    assert "cites 'good2002', not in references.bib; did you mean 'good2020'?" in lines[0]
    assert (
        "cites 'Good2020', not in references.bib; it is 'good2020' there, and keys must "
        "match case exactly" in lines[2]
    )
    _, lines = run_fixture("bib-bad-doi", capsys)
    assert "write the bare DOI (10.1000/doiurl)" in lines[0]
    _, lines = run_fixture("bib-parse-error", capsys)
    assert (
        "entry 'broken2021': BibTeX syntax error: '}' expected (is a comma missing at the "
        "end of the previous field?)" in lines[0]
    )
    assert (
        "entry 'unbalanced2022': a brace opened in field 'title' is never closed, so its "
        "value runs on over 'journal', 'year', 'doi'" in lines[1]
    )
    _, lines = run_fixture("bib-unknown-type", capsys)
    assert "cannot format @conference entries: use @inproceedings" in lines[1]
    _, lines = run_fixture("bib-bad-eprint", capsys)
    assert "write the bare arXiv identifier (2101.00001)" in lines[0]


def test_the_real_project_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = run(["--bib", str(ROOT / BIB), "--docs", str(ROOT / "docs")], capsys)
    assert status == 0, "\n".join(lines)


def test_unreadable_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = FIXTURES / "clean" / "docs"
    assert cli.main(["--bib", str(tmp_path / "missing.bib"), "--docs", str(docs)]) == 2
    latin1 = tmp_path / "latin1.bib"
    latin1.write_bytes("@misc{a, title = {Caf\xe9}}".encode("latin-1"))
    assert cli.main(["--bib", str(latin1), "--docs", str(docs)]) == 2
    assert cli.main(["--bib", str(FIXTURES / "clean" / BIB), "--docs", str(tmp_path / "no")]) == 2
    assert "unreadable: No such file or directory" in capsys.readouterr().err


def test_list_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--list-rules"]) == 0
    listed = {line.split()[0] for line in capsys.readouterr().out.splitlines()}
    assert set(RULES) <= listed and "online-retracted" in listed


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("@article{a,\n  author = {A, B, C, D},\n}", 2, "Too many commas"),
        ("@article{a,\n  title = undefinedmacro,\n}", 2, "undefined string"),
        # An unclosed brace or entry: at the field or entry that opened it, not where the
        # file ends or the next entry starts.
        ("@article{a,\n  title = {unbalanced,\n}\n", 2, "'title' is never closed: the file"),
        ("@article{a,\n  title = {x {y},\n  year = {1},\n}\n", 2, "runs on over 'year'"),
        ("@article{a,\n  title = {x {y},\n  year = 1}\n\n@misc{b,\n  year = 1}\n", 2, "'year'"),
        ("@article{a,\n  year = 1\n\n@misc{b,\n  year = 1}\n", 1, "'a' is not closed before"),
    ],
)
def test_other_parse_errors_have_lines(text: str, line: int, words: str) -> None:
    problems = [p for p in check_bibfile(parse_bibtex(text, Path("x.bib"))) if p.line == line]
    assert any(p.rule == "bib-parse-error" and words in p.message for p in problems), problems


def test_cite_roles_are_sphinxcontrib_bibtex_roles() -> None:
    expected = {"cite", "footcite"}
    expected |= {f"cite:{name}" for name in BibtexDomain._role_names}
    expected |= {f"footcite:{name}" for name in BibtexFootDomain._role_names}
    assert expected == CITE_ROLES


@pytest.mark.parametrize(
    "targets", ["a", "a,b", " a , b ", "{see}a{p. 3},b", "a b", "a,,b", "{x}", "a{p}b"]
)
def test_citation_keys_are_read_as_sphinxcontrib_bibtex_reads_them(targets: str) -> None:
    try:
        expected: list[str] | None = [t.key for t in parse_citation_targets(targets)]
    except ValueError:
        expected = None
    assert _citation_keys(targets) == expected


def test_fences_and_code_do_not_count() -> None:
    text = "\n".join([
        "````{note}", "```python", "{cite:p}`in_code`", "```", "{cite:p}`in_note`", "````",
        "~~~", "[@tilde]", "~~~", "```{code-block} md", "{cite:p}`in_directive_code`", "```",
    ])  # fmt: skip
    page = scan_page(text, Path("p.md"), "p")
    assert [(c.key, c.line) for c in page.citations] == [("in_note", 5)]
    assert page.bad == []


def test_an_eprint_the_style_cannot_link_is_no_identifier_and_says_why() -> None:
    text = "@misc{hal2022,\n  author = {Roe, R.},\n  title = {T},\n  year = {2022},\n"
    text += "  eprint = {hal-01234567},\n  archiveprefix = {HAL},\n}\n"
    found = {p.rule: p.message for p in check_bibfile(parse_bibtex(text, Path("x.bib")))}
    assert "links every eprint to arxiv.org" in found["bib-bad-eprint"]
    assert "its eprint is not an arXiv identifier the style can link" in found["bib-no-identifier"]


@pytest.mark.parametrize(
    ("front_matter", "line", "words"),
    [
        ("last_reviewed: 2026-02-30", 2, "'last_reviewed' is 2026-02-30, a date that does not"),
        ("x: 1\nnext_review: 2026-13-01", 3, "2026-13-01, a date that does not exist (month"),
        ("dates: [2026-01-01, 2026-02-29]", 2, "'dates' is 2026-02-29"),
        ("title: [unclosed", 2, "front matter is not valid YAML"),
    ],
)
def test_front_matter_myst_cannot_read_is_unusable_input(
    front_matter: str, line: int, words: str
) -> None:
    text = f"---\n{front_matter}\n---\n# Page\n\nA claim {{cite:p}}`good2020`.\n"
    with pytest.raises(UnusableInput) as refused:
        scan_page(text, Path("p.md"), "p")
    assert (refused.value.line, refused.value.rule) == (line, "front-matter")
    assert words in refused.value.reason


def test_a_date_in_quotes_is_text_for_myst_too() -> None:
    text = "---\nnote: '2026-02-30'\nno_citations: none needed\n---\n# Page\n"
    assert scan_page(text, Path("p.md"), "p").no_citations_reason == "none needed"
