"""``nox -s evidence-diff``: a temporary git repository with a base commit and a changed tree.

The citation numbers it computes are also compared with the real site's bibliography.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from common import ROOT, Build

from living_review.claims import parse_claims
from living_review.tools import evidence_diff
from living_review.tools.evidence_diff import (
    citation_numbers,
    claim_details,
    snapshot_of_working_tree,
)

BIB_ENTRY = """\
@article{{{key},
  author  = {{{author} and Roe, Richard}},
  title   = {{{title}}},
  journal = {{Journal of Fixtures}},
  year    = {{{year}}},
  pubmed  = {{{pubmed}}},
}}
"""
WORKS = {
    "alpha2020": ("Alpha, Ann", "Alpha trial", 2020, "1001"),
    "beta2021": ("Beta, Ben", "Beta review", 2021, "1002"),
    "gamma2022": ("Gamma, Gus", "Gamma guideline", 2022, "1003"),
    "delta2023": ("Delta, Dora", "Delta cohort", 2023, "1004"),
    "uncited2019": ("Old, Olga", "An uncited study", 2019, "1005"),
}
INDEX = """\
# Home

Start {cite:p}`alpha2020`.

```{toctree}
:caption: The review

first
second
```
"""
FIRST = """\
# First

```{summary-of-findings}
:table: safety
```

A claim {claim}`leg-pain`.

```{include} _fragments/box.md
```

`{cite:p}`in-code`` is not a citation, nor is {cite:p}`alpha2020` below in a fence.

```text
{cite:p}`gamma2022`
```
"""
SECOND = "# Second\n\nGamma says so {cite:p}`gamma2022`.\n"
BOX = "Urgent: see a doctor {cite:p}`delta2023`.\n"
RECORD = """\
  - id: {id}
    question: Does it help?
    population: Adults with sciatica
    intervention: Acupuncture
    comparison: Sham acupuncture
    outcome: {outcome}
    result: It helped a little.
    certainty: {certainty}
    source_rating: {source_rating}
    rationale: One small trial.
    cite: [{cite}]
    quote: "{quote}"
    locator: abstract
"""
MINUS = "\u2212"  # the site writes negative numbers with a real minus sign
LEG_PAIN_EFFECT = """\
    effect: {measure: MD, value: -16.0, ci: [-21.3, -10.6], unit: points, favours: acupuncture}
"""


def record(claim_id: str, outcome: str, certainty: str, source: str, cite: str, quote: str) -> str:
    return RECORD.format(
        id=claim_id, outcome=outcome, certainty=certainty, source_rating=source, cite=cite,
        quote=quote,
    )  # fmt: skip


LEG_PAIN = record("leg-pain", "Leg pain after 4 weeks", "low", "none", "beta2021", "in week 2")
BACK_PAIN = record("back-pain", "Back pain after 4 weeks", "low", "low", "alpha2020", "no change")
HARMS = record("harms", "Serious harms", "[low, very-low]", "none", "gamma2022", "rare")
HARMS += "    table: safety\n"  # the one record of the summary-of-findings table on first.md
CLAIMS = "claims:\n" + LEG_PAIN + LEG_PAIN_EFFECT + BACK_PAIN + HARMS


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def git(root: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.org", *args]
    return subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout


def bib(*keys: str, **changed: tuple[str, str, int, str]) -> str:
    works = {**WORKS, **changed}
    return "\n".join(
        BIB_ENTRY.format(key=key, author=a, title=t, year=y, pubmed=p)
        for key in keys
        for a, t, y, p in [works[key]]
    )


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A base commit (also ``origin/main``): three pages, a fragment, a ledger of three claims."""
    write(tmp_path, {
        "docs/index.md": INDEX,
        "docs/first.md": FIRST,
        "docs/second.md": SECOND,
        "docs/_fragments/box.md": BOX,
        "claims.yaml": CLAIMS,
        "references.bib": bib("alpha2020", "beta2021", "gamma2022", "delta2023", "uncited2019"),
    })  # fmt: skip
    git(tmp_path, "init", "--quiet")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "--quiet", "-m", "base")
    git(tmp_path, "update-ref", "refs/remotes/origin/main", "HEAD")
    return tmp_path


def run(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = evidence_diff.main(["--root", str(root), *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_base_numbers_follow_the_toctree_claims_and_includes(repository: Path) -> None:
    numbers = citation_numbers(snapshot_of_working_tree(repository))
    # index, then first (its table's records' works, its claim's work, the included box), then
    # second; nothing from code spans or fences; an uncited work gets no number.
    assert numbers == {"alpha2020": 1, "gamma2022": 2, "beta2021": 3, "delta2023": 4}


def test_nothing_changed(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(repository, capsys)
    assert (status, err) == (0, "")
    assert out.startswith("## Evidence changes against `origin/main`\n")
    assert "- Claims (`claims.yaml`): 0 added, 0 removed, 0 changed (3 in the ledger now)" in out
    assert "- Citation numbers on the site: 0 of 4 moved (4 cited works before, 4 now)" in out
    assert "Nothing in the evidence changed" in out


def test_claims_works_and_numbers_changed(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    leg_pain = (
        LEG_PAIN.replace("certainty: low\n", "certainty: moderate\n").replace(
            "in week 2", "persisted | through <week> 52"
        )
    ) + LEG_PAIN_EFFECT.replace("-16.0, ci: [-21.3, -10.6]", "-12.5, ci: [-18.0, -7.0]")
    back_pain = BACK_PAIN.replace("after 4 weeks", "after 8 weeks")
    sleep = record("sleep", "Sleep quality", "not-rated", "none", "epsilon2024", "slept better")
    sleep += "    quote_source: https://pubmed.ncbi.nlm.nih.gov/1006/\n"
    broken = record("Broken_Id", "Anything", "high", "none", "alpha2020", "x")  # not kebab-case
    claims = "claims:\n" + leg_pain + back_pain + sleep + broken
    epsilon = {"epsilon2024": ("Epsilon, Eve", "Epsilon trial", 2024, "1006")}
    write(repository, {
        "claims.yaml": claims,
        # second now cites the new work first, and is read before first
        "docs/index.md": INDEX.replace("first\nsecond", "second\nfirst"),
        "docs/second.md": SECOND + "\nSleep {claim}`sleep`.\n",
        "references.bib": bib(
            "alpha2020", "beta2021", "gamma2022", "delta2023", "epsilon2024",
            delta2023=("Delta, Dora", "Delta cohort", 2023, "2004"), **epsilon,
        ),
    })  # fmt: skip
    status, out, err = run(repository, capsys, "origin/main")
    assert (status, err) == (0, "")
    assert "- Claims (`claims.yaml`): 1 added, 1 removed, 2 changed (4 in the ledger now)" in out
    assert "- Works (`references.bib`): 1 added, 1 removed, 1 changed" in out
    assert "- Citation numbers on the site: 2 of 4 moved (4 cited works before, 5 now)" in out
    expected = [
        "### Claims added",
        "",
        "- `sleep`: Sleep quality; no effect estimate; certainty not-rated (source: none); "
        "cites `epsilon2024`",
        "  - result: It helped a little.",
        "  - quote: “slept better” (abstract; read at https://pubmed.ncbi.nlm.nih.gov/1006/)",
        "  - certainty: not-rated; the source's own rating: none; rationale: One small trial.",
        "",
        "### Claims removed",
        "",
        "- `harms`: Serious harms; no effect estimate; certainty low to very-low "
        "(source: none); cites `gamma2022`",
        "",
        "### Claims changed",
        "",
        "- `leg-pain`",
        "  - certainty: low → moderate",
        f"  - effect: mean difference {MINUS}16.0 points (95% CI {MINUS}21.3 to {MINUS}10.6), "
        f"favours acupuncture → mean difference {MINUS}12.5 points (95% CI {MINUS}18.0 to "
        f"{MINUS}7.0), favours acupuncture",
        "  - quote: “in week 2” → “persisted \\| through \\<week\\> 52”",
        "- `back-pain`",
        "  - outcome: Back pain after 4 weeks → Back pain after 8 weeks",
        "",
        "Not compared, as they break the ledger's rules (`nox -s citations` says how): `Broken_Id`",
        "",
        "### Works added",
        "",
        "- `epsilon2024`: Epsilon trial (Epsilon et al., 2024); PMID 1006",
        "",
        "### Works removed",
        "",
        "- `uncited2019`: An uncited study (Old et al., 2019); PMID 1005",
        "",
        "### Works changed",
        "",
        "- `delta2023`: pubmed",
        "",
        "### Citation numbers",
        "",
        "| work | before | now |",
        "| --- | --- | --- |",
        "| `beta2021` | [3] | [4] |",
        "| `delta2023` | [4] | [5] |",
        "| `epsilon2024` | not cited | [3] |",
    ]
    assert out.endswith("\n".join(expected) + "\n")


def test_a_base_without_a_ledger_adds_every_claim(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    git(repository, "rm", "--quiet", "claims.yaml")
    git(repository, "commit", "--quiet", "-m", "no ledger yet")
    git(repository, "checkout", "--quiet", "HEAD~1", "--", "claims.yaml")  # the tree adds it
    status, out, _ = run(repository, capsys, "HEAD")
    assert status == 0
    assert "- Claims (`claims.yaml`): 3 added, 0 removed, 0 changed (3 in the ledger now)" in out
    # without the ledger, the {claim} on the first page cited nothing: its work was not numbered
    assert "| `beta2021` | not cited | [3] |" in out


@pytest.mark.parametrize("base", [None, "no-such-branch"])
def test_an_unknown_base_is_one_line_and_exit_2(
    repository: Path, capsys: pytest.CaptureFixture[str], base: str | None
) -> None:
    git(repository, "update-ref", "-d", "refs/remotes/origin/main")
    status, out, err = run(repository, capsys, *([base] if base else []))
    name = base or "origin/main"
    assert (status, out) == (2, "")
    assert err.startswith(f"evidence-diff: no commit '{name}' in this repository: fetch it")
    assert err.count("\n") == 1


def test_outside_a_repository_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(tmp_path, capsys, "HEAD")
    assert (status, out) == (2, "")
    assert err.startswith("evidence-diff: git: fatal: not a git repository")
    assert err.count("\n") == 1


def test_a_broken_ledger_is_named_at_its_line(
    repository: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(repository, {"claims.yaml": CLAIMS + "  - id: [unclosed\n"})
    status, out, err = run(repository, capsys)
    assert (status, out) == (2, "")
    assert err.startswith("claims.yaml:")
    assert err.count("\n") == 1
    assert (
        ": claims-parse-error: the '[' that opens the list on this line is never closed: end it "
        "with ']'" in err
    )


def test_numbers_match_the_real_site(real_site: Build) -> None:
    """The unsrt order computed from the pages is the real build's bibliography numbering."""
    assert real_site.returncode == 0, real_site.stderr
    built = {
        entry["id"].removeprefix("cite-"): int(entry.select_one(".label").get_text(strip=True)
                                                .strip("[]"))
        for entry in real_site.soup("references.html").select("[id^='cite-']")
    }  # fmt: skip
    assert citation_numbers(snapshot_of_working_tree(ROOT)) == built


def test_pull_requests_write_the_diff_to_the_job_summary() -> None:
    """pr.yml runs the session against the merge's first parent (the base), fetched, read-only."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "pr.yml").read_text())
    job = workflow["jobs"]["evidence-diff"]
    assert job["if"] == "github.event_name == 'pull_request'"
    assert "permissions" not in job and workflow["permissions"] == {"contents": "read"}
    checkout = job["steps"][0]
    assert checkout["with"]["fetch-depth"] >= 2 and checkout["with"]["persist-credentials"] is False
    runs = [step["run"] for step in job["steps"] if "run" in step]
    assert runs[0] == 'nox -s evidence-diff -- HEAD^1 >> "$GITHUB_STEP_SUMMARY"'
    # Then the quotes of the claims the pull request adds or changes, online; "could not check"
    # (exit status 3) warns, any other failure fails the job.
    (quotes,) = runs[1:]
    assert "nox -s citations -- --online --quotes-only --changed-since HEAD^1" in quotes
    assert '"$status" -eq 3' in quotes and quotes.rstrip().endswith('exit "$status"')


def test_an_added_claim_checked_by_hand_says_so_with_its_page() -> None:
    text = "claims:\n" + record(
        "advice", "Advice to stay active", "moderate", "moderate", "alpha2020", "stay active"
    ).replace("locator: abstract", "locator: recommendation 1.2.3")
    text += "    quote_checked: by hand\n    quote_source: https://www.nice.org.uk/guidance/ng59\n"
    (claim,) = parse_claims(text, Path("claims.yaml")).claims
    assert claim_details(claim) == [
        "result: It helped a little.",
        "quote: “stay active” (recommendation 1.2.3; read at "
        "https://www.nice.org.uk/guidance/ng59; "
        "checked by hand)",
        "certainty: moderate; the source's own rating: moderate; rationale: One small trial.",
    ]
