"""The repository's own files: workflows, issue forms, Read the Docs, CITATION.cff, CODEOWNERS.

Each file is validated against its published schema as bundled in check-jsonschema (the
SchemaStore, Read the Docs and Citation File Format schemas ship inside the package), so nothing
is downloaded: every test here runs with the network switched off.
"""

from __future__ import annotations

import ast
import re
import socket
import tomllib
from pathlib import Path

import pytest
import yaml
from check_jsonschema import main as check_jsonschema
from click.testing import CliRunner
from common import ROOT

GITHUB = ROOT / ".github"
WORKFLOWS = sorted((GITHUB / "workflows").glob("*.yml"))
ACTIONS = sorted((GITHUB / "actions").glob("*/action.yml"))
ISSUE_FORMS = sorted(p for p in (GITHUB / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")

#: (check-jsonschema builtin schema, files it validates). Every file listed must exist.
SCHEMAS: list[tuple[str, list[Path]]] = [
    ("vendor.github-workflows", WORKFLOWS),
    ("custom.github-workflows-require-timeout", WORKFLOWS),
    ("vendor.github-actions", ACTIONS),
    ("vendor.github-issue-forms", ISSUE_FORMS),
    ("vendor.github-issue-config", [GITHUB / "ISSUE_TEMPLATE" / "config.yml"]),
    ("vendor.readthedocs", [ROOT / ".readthedocs.yaml"]),
    ("vendor.citation-file-format", [ROOT / "CITATION.cff"]),
]
# Optional: validated when present (the dependency-refresh configuration).
if (GITHUB / "dependabot.yml").exists():
    SCHEMAS.append(("vendor.dependabot", [GITHUB / "dependabot.yml"]))

#: Files that tell people or machines to run a nox session.
NOX_CALLERS = [*WORKFLOWS, GITHUB / "PULL_REQUEST_TEMPLATE.md", ROOT / ".ci" / "run"] + [
    ROOT / name
    for name in ("CONTRIBUTING.md", "MAINTAINERS.md", "README.md")
    if (ROOT / name).exists()
]
NOX_SESSION = re.compile(r"\bnox\s+(?:-[A-Za-z]\s+)*(?:-s|--session|-e)\s+([\w-]+)")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test in this module that tries to open a connection or look up a host."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def validate(schema: str, *files: Path) -> tuple[int, str]:
    """Run check-jsonschema in-process with one of its bundled schemas: (exit code, output)."""
    result = CliRunner().invoke(
        check_jsonschema, ["--builtin-schema", schema, *map(str, files)], catch_exceptions=False
    )
    return result.exit_code, result.output


def conf_default(name: str) -> str:
    """The address docs/conf.py falls back to for `name = (env or env or "default")`."""
    tree = ast.parse((ROOT / "docs" / "conf.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            for inner in ast.walk(node.value):
                if isinstance(inner, ast.BoolOp):
                    default = inner.values[-1]
                    assert isinstance(default, ast.Constant) and isinstance(default.value, str)
                    return default.value
            raise AssertionError(f"{name} in docs/conf.py is no longer `a or b or default`")
    raise AssertionError(f"docs/conf.py sets no {name}")


def repository_url() -> str:
    return conf_default("REPOSITORY_URL")


def nox_sessions() -> set[str]:
    """Session names declared in noxfile.py (function name, or its `name=`), without running nox."""
    names = set()
    for node in ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for deco in node.decorator_list:
            call = deco if isinstance(deco, ast.Call) else None
            target = call.func if call else deco
            if ast.unparse(target) != "nox.session":
                continue
            given = [k.value.value for k in (call.keywords if call else []) if k.arg == "name"]
            names.add(given[0] if given else node.name)
    return names


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# -- Schemas ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "path"),
    [(schema, path) for schema, paths in SCHEMAS for path in paths],
    ids=lambda value: value.relative_to(ROOT).as_posix() if isinstance(value, Path) else value,
)
def test_file_matches_its_published_schema(schema: str, path: Path) -> None:
    assert path.is_file(), f"{path.relative_to(ROOT)} is missing"
    code, output = validate(schema, path)
    assert code == 0, output


def test_the_expected_workflows_and_forms_exist() -> None:
    assert {p.name for p in WORKFLOWS} >= {"pr.yml", "weekly.yml", "deploy.yml"}
    assert {p.name for p in ISSUE_FORMS} >= {
        "propose-evidence.yml",
        "report-error.yml",
        "broken-link.yml",
    }


@pytest.mark.parametrize(
    ("schema", "name", "text"),
    [
        ("vendor.github-workflows", "no-trigger.yml", "jobs:\n  a:\n    runs-on: x\n"),
        ("vendor.github-issue-forms", "no-label.yml", "name: x\ndescription: y\nbody:\n"
         "  - type: input\n    id: a\n    attributes: {}\n"),
        ("vendor.readthedocs", "rtd.yaml", "version: 2\nsphinx:\n  fail_on_warning: maybe\n"),
        ("vendor.citation-file-format", "CITATION.cff", "cff-version: 1.2.0\ntitle: x\n"
         "message: y\nauthors: []\ndate-released: 26 November 2026\n"),
    ],
)  # fmt: skip
def test_the_schemas_reject_a_broken_file(schema: str, name: str, text: str, tmp_path) -> None:
    """Guard against a vacuous pass: each schema catches an obvious mistake."""
    bad = tmp_path / name
    bad.write_text(text, encoding="utf-8")
    code, output = validate(schema, bad)
    assert code == 1 and "Schema validation errors" in output, output


# -- Workflows -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", NOX_CALLERS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_nox_session_named_exists(path: Path) -> None:
    named = set(NOX_SESSION.findall(path.read_text(encoding="utf-8")))
    missing = sorted(named - nox_sessions())
    assert not missing, f"{path.relative_to(ROOT)} runs sessions noxfile.py lacks: {missing}"


def test_workflows_run_the_agreed_sessions() -> None:
    text = {p.name: p.read_text(encoding="utf-8") for p in WORKFLOWS}
    for command in ("nox -s docs -- fresh", "nox -s citations", "nox -s tests"):
        assert command in text["pr.yml"], command
    for command in ("nox -s linkcheck", "nox -s citations -- --online"):
        assert command in text["weekly.yml"], command
    # Deploys build the site from scratch (-E) with every earlier edition kept online.
    for name in ("deploy.yml", "release.yml"):
        assert "nox -s editions" in text[name], name


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.name)
def test_actions_are_pinned_and_local_actions_exist(path: Path) -> None:
    for uses in re.findall(r"^\s*(?:-\s+)?uses:\s*(\S+)", path.read_text(encoding="utf-8"), re.M):
        if uses.startswith("./"):
            assert (ROOT / uses / "action.yml").is_file(), f"{path.name}: no action at {uses}"
        elif uses.startswith("actions/"):  # GitHub's own: a version tag (.github/zizmor.yml)
            assert re.fullmatch(r"actions/[\w.-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", uses), (
                f"{path.name}: {uses} is not pinned to a version"
            )
        else:  # anyone else's: a full commit SHA
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses), (
                f"{path.name}: {uses} is not pinned to a commit"
            )


def test_zizmor_records_the_pinning_policy_the_test_above_applies() -> None:
    config = load_yaml(GITHUB / "zizmor.yml")
    policies = config["rules"]["unpinned-uses"]["config"]["policies"]
    assert policies == {"actions/*": "ref-pin", "*": "hash-pin"}


def test_weekly_check_reports_to_an_issue_instead_of_failing() -> None:
    workflow = load_yaml(GITHUB / "workflows" / "weekly.yml")
    triggers = workflow[True]  # PyYAML reads the key `on` as the boolean true
    assert "schedule" in triggers and "workflow_dispatch" in triggers
    check, report = workflow["jobs"]["check"], workflow["jobs"]["report"]
    checks = [s for s in check["steps"] if s.get("run", "").lstrip().startswith("set +e")]
    assert len(checks) == 3  # links, identifiers online, pages due for review
    for step in checks:  # the status is recorded, not raised
        assert "GITHUB_OUTPUT" in step["run"] and "continue-on-error" not in step, step["name"]
        assert f"steps.{step['id']}.outputs.status" in check["outputs"][step["id"]]
    assert report["needs"] == "check"
    assert any("weekly-report.sh" in s.get("run", "") for s in report["steps"])
    assert not any("weekly-report.sh" in s.get("run", "") for s in check["steps"])


def test_weekly_check_runs_read_only_and_only_the_report_writes_issues() -> None:
    workflow = load_yaml(GITHUB / "workflows" / "weekly.yml")
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["check"]["permissions"] == {"contents": "read"}
    assert jobs["report"]["permissions"] == {"contents": "read", "issues": "write"}
    # The job that runs the project's code (and nox, and every lock's packages) cannot write.
    assert not any(s.get("uses", "").startswith("./") for s in jobs["report"]["steps"])
    assert not any(re.search(r"^\s*nox\b", s.get("run", ""), re.M) for s in jobs["report"]["steps"])


def steps_of(path: Path) -> list[dict]:
    """Every step of a workflow's jobs, or of a composite action."""
    document = load_yaml(path)
    if "runs" in document:
        return document["runs"]["steps"]
    return [step for job in document["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_checkout_leaves_no_credentials_behind(path: Path) -> None:
    checkouts = [s for s in steps_of(path) if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    for step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, step


@pytest.mark.parametrize("path", WORKFLOWS + ACTIONS, ids=lambda p: p.name)
def test_expressions_reach_run_lines_through_env_only(path: Path) -> None:
    """`${{ ... }}` inside a `run:` is pasted into the script before the shell sees it."""
    for step in steps_of(path):
        assert "${{" not in step.get("run", ""), step.get("name", step["run"])


def test_pull_requests_run_what_ci_runs() -> None:
    """Every session .ci/run runs, the pull-request workflow runs too, tests on two Pythons."""
    workflow = load_yaml(GITHUB / "workflows" / "pr.yml")
    ci_run = set(NOX_SESSION.findall((ROOT / ".ci" / "run").read_text(encoding="utf-8")))
    pr = set(NOX_SESSION.findall((GITHUB / "workflows" / "pr.yml").read_text(encoding="utf-8")))
    assert ci_run >= {"docs", "citations", "tests", "browser", "lint"}
    assert pr >= ci_run, f"pr.yml lacks {sorted(ci_run - pr)}"
    assert workflow["jobs"]["tests"]["strategy"]["matrix"]["python"] == ["3.11", "3.13"]
    browser_jobs = [
        job
        for job in workflow["jobs"].values()
        if any("nox -s browser" in s.get("run", "") or "nox -s tests" in s.get("run", "")
               for s in job["steps"])
    ]  # fmt: skip
    for job in browser_jobs:  # Debian's Chromium, installed where missing, as in .ci/run
        assert any(".ci/install-browser" in s.get("run", "") for s in job["steps"])


def test_deploy_grants_pages_rights_to_the_deploy_job_only() -> None:
    workflow = load_yaml(GITHUB / "workflows" / "deploy.yml")
    assert workflow["permissions"] == {"contents": "read"}
    assert "schedule" in workflow[True], "rebuild daily so 'due for review' notices appear on time"
    assert workflow["concurrency"]["cancel-in-progress"] is False
    deploy = workflow["jobs"]["deploy"]
    assert deploy["permissions"]["pages"] == deploy["permissions"]["id-token"] == "write"
    assert deploy["environment"]["name"] == "github-pages"
    assert "permissions" not in workflow["jobs"]["build"]


# -- Issue forms -----------------------------------------------------------------------------


def test_propose_evidence_form_requires_what_a_reviewer_needs() -> None:
    form = load_yaml(GITHUB / "ISSUE_TEMPLATE" / "propose-evidence.yml")
    required = {item["id"] for item in form["body"] if item.get("validations", {}).get("required")}
    assert required >= {"identifiers", "checked-at", "page", "claim", "proposed-change"}


@pytest.mark.parametrize("path", ISSUE_FORMS, ids=lambda p: p.name)
def test_every_form_has_a_required_field(path: Path) -> None:
    form = load_yaml(path)
    assert any(item.get("validations", {}).get("required") for item in form["body"])


# -- Read the Docs ---------------------------------------------------------------------------


def test_read_the_docs_builds_strictly_from_the_locked_requirements() -> None:
    config = load_yaml(ROOT / ".readthedocs.yaml")
    assert config["sphinx"] == {"configuration": "docs/conf.py", "fail_on_warning": True}
    assert config["build"]["os"] == "ubuntu-24.04"
    assert config["build"]["tools"]["python"] == "3.11"
    assert config["python"]["install"] == [
        {"requirements": "requirements/docs.txt"},
        {"method": "pip", "path": "."},  # the project itself, which declares no dependencies
    ]
    assert "--hash=sha256:" in (ROOT / "requirements" / "docs.txt").read_text(encoding="utf-8")


# -- CITATION.cff and CODEOWNERS -------------------------------------------------------------


def test_citation_names_the_review_and_credits_the_source_article() -> None:
    cff = load_yaml(ROOT / "CITATION.cff")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert cff["repository-code"] == repository_url()
    assert cff["url"].rstrip("/") == conf_default("SITE_URL").rstrip("/")
    assert cff["version"] == project["version"]
    assert cff["license"] == "CC-BY-4.0"
    # The review is credited to its contributors as a group: no invented person.
    assert cff["authors"] == [{"name": "The Acupuncture for Sciatica living review contributors"}]
    (source,) = cff["references"]
    assert source["title"] == "Acupuncture for Sciatica: An Alternative to Pain Meds"
    assert source["authors"] == [{"given-names": "Juliana", "family-names": "Bruner"}]
    assert source["publisher"]["name"] == "Dorsal Health"
    assert str(source["date-published"]) == "2020-04-01"


def test_codeowners_assigns_every_path_to_a_team_of_the_repository_owner() -> None:
    owner = repository_url().removeprefix("https://github.com/").split("/")[0]
    rules = [
        line.split()
        for line in (GITHUB / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert rules[0][0] == "*", "the first rule should give every path an owner"
    for pattern, *owners in rules:
        assert owners, f"{pattern} has no owner"
        for handle in owners:
            assert re.fullmatch(rf"@{re.escape(owner)}/[\w-]+", handle), (pattern, handle)
        if pattern.startswith("/") and "*" not in pattern:
            assert (ROOT / pattern.strip("/")).exists(), f"CODEOWNERS: no such path {pattern}"
