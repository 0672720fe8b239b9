"""Sessions that build, check and test the review (run `nox -l` to list them)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"
HTML = BUILD / "html"
LOCKS = ROOT / "requirements"
#: The Pythons the project supports. Every session runs on the Python that runs nox (PYTHON None),
#: so the README's commands work with whichever of these a machine has; the locks are resolved
#: for the oldest and install on each (CI tests the oldest and the newest).
SUPPORTED_PYTHONS = ("3.11", "3.12", "3.13")
RUNNING_PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
PYTHON = None
SPHINX_STRICT = ["-W", "--keep-going", "-n"]
#: What `nox -s check` runs: the checks every content change needs (CONTRIBUTING, pr.yml).
CONTENT_CHECKS = ("docs", "citations", "prose")

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["docs", "citations", "tests"]

# uv does not compile bytecode by default; with PYTHONDONTWRITEBYTECODE=1 set,
# every build would otherwise re-parse Sphinx from source.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
# A session's environment is reused only if the Python that runs nox made it; run nox with another
# Python and the environment is made anew, instead of silently testing the old one.
os.environ.setdefault("NOX_ENABLE_STALENESS_CHECK", "1")

if RUNNING_PYTHON not in SUPPORTED_PYTHONS:  # one line, not a session "skipped" or a traceback
    sys.exit(
        f"nox is running on Python {RUNNING_PYTHON}; this project supports "
        f"{', '.join(SUPPORTED_PYTHONS[:-1])} and {SUPPORTED_PYTHONS[-1]}: run nox with one of them"
    )


def install_locked(session: nox.Session, group: str) -> None:
    """Install one dependency group from its hash-pinned lock file."""
    session.install("--require-hashes", "-r", str(LOCKS / f"{group}.txt"))


def install_project(session: nox.Session) -> None:
    """Install the project itself (the living_review package), editable, without dependencies.

    Its dependencies come from the locked group installed before it. Editable, so an edit in
    src/ counts in the next build without a reinstall (docs-live rebuilds on it).

    The path goes in a requirements file: uv rebuilds and reinstalls a path named on its command
    line every time (about a second on every `nox -s docs`), but leaves one from a file alone
    until pyproject.toml changes.
    """
    requirement = Path(session.virtualenv.location) / "living-review-project.txt"
    requirement.write_text(f"-e {ROOT}\n", encoding="utf-8")
    session.install("--no-deps", "-r", str(requirement))
    # An editable install is not byte-compiled, and with PYTHONDONTWRITEBYTECODE=1 every build
    # would compile the package's modules from source again (about 0.1 s a build); compileall
    # skips modules whose bytecode is current.
    session.run("python", "-m", "compileall", "-q", str(ROOT / "src"), silent=True)


#: An online check's exit status when it could judge nothing: no network, or a service did not
#: answer. nox turns every failing command into its own exit status 1, so run_online_check
#: passes this one on, for the weekly report to tell "could not check" from "found problems".
COULD_NOT_CHECK = 3


class ExitStatus(list[int]):
    """`success_codes` for session.run that also notes the exit status nox checks against it
    (session.run returns no exit status)."""

    seen: int | None = None

    def __contains__(self, status: object) -> bool:
        self.seen = status if isinstance(status, int) else None
        return super().__contains__(status)


def run_online_check(session: nox.Session, *args: str) -> None:
    """Run an online check; exit status 3 ("could not check") becomes nox's own."""
    status = ExitStatus([0, COULD_NOT_CHECK])
    if session.run(*args, success_codes=status) and status.seen == COULD_NOT_CHECK:
        session.warn(
            f"exit status {COULD_NOT_CHECK}: could not check (all or some), as said above: no "
            "network, or a service did not answer. Nothing was found wrong; run it again later."
        )
        raise SystemExit(COULD_NOT_CHECK)


def sphinx_build(session: nox.Session, builder: str, outdir: Path, *extra: str) -> None:
    """Run sphinx-build over docs/ strictly (warnings are errors, every reference resolves)."""
    session.run(
        "sphinx-build", "-b", builder, *SPHINX_STRICT, *extra, str(DOCS), str(outdir)
    )  # fmt: skip


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the HTML site into docs/_build/html, warnings as errors (-E with `-- fresh`)."""
    install_locked(session, "docs")
    install_project(session)
    sphinx_build(session, "html", HTML, *(["-E"] if "fresh" in session.posargs else []))
    session.log(f"The site is at {HTML / 'index.html'}")


@nox.session(python=PYTHON, default=False)
def check(session: nox.Session) -> None:
    """Every fast check a content change needs: docs, citations, prose (seconds, offline).

    Runs the three sessions after this one, each in its own environment; nox reports each and
    fails if any fails. The tests (`nox -s tests`) are for code changes, and run on every pull
    request.
    """
    for name in CONTENT_CHECKS:
        session.notify(name, posargs=[])


@nox.session(python=PYTHON, default=False)
def epub(session: nox.Session) -> None:
    """Build the offline copy (EPUB) into docs/_build/epub, then the site that serves it."""
    install_locked(session, "docs")
    install_project(session)
    # Doctrees outside the EPUB's directory: the builder packs every file it finds there.
    sphinx_build(session, "epub", BUILD / "epub", "-d", str(BUILD / "doctrees-epub"))
    # The HTML build copies the EPUB to _downloads/ (living_review.sphinxext.offline_copy).
    sphinx_build(session, "html", HTML)
    session.log(f"The site serves the EPUB from {HTML / '_downloads'}")


@nox.session(python=PYTHON, default=False)
def pdf(session: nox.Session) -> None:
    """Build the whole review as one PDF into docs/_build/pdf (WeasyPrint; needs pango)."""
    install_locked(session, "pdf")
    install_project(session)
    single, out = BUILD / "singlehtml", BUILD / "pdf" / "acupuncture-for-sciatica.pdf"
    sphinx_build(session, "singlehtml", single, "-d", str(BUILD / "doctrees-singlehtml"))
    session.run(
        "python", "-m", "living_review.tools.pdf", "--html", str(single),
        "--cff", str(ROOT / "CITATION.cff"), "--out", str(out),
    )  # fmt: skip


@nox.session(python=PYTHON, default=False)
def release(session: nox.Session) -> None:
    """Make an edition: `nox -s release -- YYYY-MM-DD` (today's date), checked and tagged.

    Refuses a dirty tree, a date that is not today or not after the last edition; writes the
    version and date (pyproject.toml, CITATION.cff, .zenodo.json) and the changelog heading,
    runs every check (docs, citations, prose, lint, tests), then commits and tags
    `edition-YYYY-MM-DD`. Push the tag to publish it (.github/workflows/release.yml).
    """
    if len(session.posargs) != 1:
        session.error("give the edition's date: nox -s release -- YYYY-MM-DD")
    install_locked(session, "citations")  # PyYAML, and the claim reader evidence-diff uses
    install_project(session)
    tool = ("python", "-m", "living_review.tools.editions", "--root", str(ROOT))
    session.run(*tool, "prepare", session.posargs[0])
    nox_here = (sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"))
    session.run(*nox_here, "-s", "docs", "--", "fresh", external=True)
    session.run(*nox_here, "-s", "citations", "prose", "lint", "tests", external=True)
    session.run(*tool, "tag", session.posargs[0])


@nox.session(python=PYTHON, default=False)
def editions(session: nox.Session) -> None:
    """Build the current site plus every edition tag into docs/_build/editions-site.

    Each edition is built with its own code and locks (a git worktree per tag, its own
    `nox -s docs`) into editions/<YYYY-MM-DD>/, with a banner, a canonical link to the current
    page and noindex; every page gets the version switcher. `-- --site-url URL` sets the
    published address (default: conf.py's, or REVIEW_SITE_URL).
    """
    install_locked(session, "pdf")  # the site, and each edition's PDF where its code has one
    install_project(session)
    out = BUILD / "editions-site"
    site_url = os.environ.get("REVIEW_SITE_URL", "")
    if "--site-url" in session.posargs:
        site_url = session.posargs[session.posargs.index("--site-url") + 1]
    site_url = site_url or "https://acupuncture-sciatica-review.github.io/living-review/"
    tool = ("python", "-m", "living_review.tools.editions", "--root", str(ROOT))
    # Each edition runs its tag's own noxfile with its own locks (JSON: any path, any platform).
    command = json.dumps([sys.executable, "-m", "nox", "-s", "docs", "--", "fresh"])
    pdf_command = json.dumps([sys.executable, "-m", "nox", "-s", "pdf"])
    session.run(
        *tool, "build", "--out", str(out), "--site-url", site_url, "--command", command,
        "--pdf-command", pdf_command,
    )  # fmt: skip
    session.env["REVIEW_SITE_URL"] = site_url
    session.env["REVIEW_EDITIONS_FILE"] = str(out / "editions.json")
    sphinx_build(session, "html", out, "-E", "-d", str(BUILD / "doctrees-editions"))
    session.run(*tool, "switch", "--out", str(out), "--site-url", site_url)
    session.log(f"The site with every edition is at {out / 'index.html'}")


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Build-speed figures (medians of several runs); `-- --runs 5`, or `-- --quick` (one run)."""
    install_locked(session, "live")  # docs, and sphinx-autobuild (save -> preview figures)
    install_project(session)
    session.run("python", "-m", "living_review.tools.bench", *session.posargs)


@nox.session(name="docs-live", python=PYTHON, default=False)
def docs_live(session: nox.Session) -> None:
    """Serve the site with live reload for authors (http://127.0.0.1:8000), on sphinx-autobuild.

    Rebuilds on every save of a page, references.bib, claims.yaml, a safety-net.yaml,
    searches.yaml or the project's code (living_review.tools.live sets sphinx-autobuild up).
    Arguments after `--` go to sphinx-autobuild (e.g. `-- --port 8001`).
    """
    install_locked(session, "live")
    install_project(session)
    session.run("python", "-m", "living_review.tools.live", "--root", str(ROOT), *session.posargs)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (builds the real site and fixture projects offline)."""
    install_locked(session, "test")
    install_project(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff; audit the GitHub workflows with zizmor (offline)."""
    install_locked(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # Configuration and pinning policy: .github/zizmor.yml. Offline: no GitHub API lookups.
    session.run("zizmor", "--offline", "--strict-collection", "--no-progress", "--quiet", ".")


@nox.session(python=PYTHON)
def citations(session: nox.Session) -> None:
    """Check references.bib and every citation in the pages (offline; CI runs it).

    Offline it also compares each claim's quote with any abstract fetched before (kept in
    .cache/citations/abstracts/). `nox -s citations -- --online` also asks the DOI handle API,
    PubMed, Crossref and Europe PMC about every entry and every quote (needs the internet; set
    CITATIONS_CONTACT). `-- --help` lists the options.
    """
    install_locked(session, "citations")
    install_project(session)
    run_online_check(session, "python", "-m", "living_review.tools.citations", *session.posargs)


@nox.session(name="add-evidence", python=PYTHON, default=False)
def add_evidence(session: nox.Session) -> None:
    """From a PubMed ID or DOI: the references.bib entry, a claims.yaml record, the dates.

    `nox -s add-evidence -- 39401008` (or a DOI; `--page docs/x.md` for the changelog line and
    review dates, `--write` to append the entry). Needs the internet: without it, one line and
    exit status 3. `-- --help` lists the options.
    """
    install_locked(session, "citations")
    install_project(session)
    module = "living_review.tools.add_evidence"
    run_online_check(session, "python", "-m", module, *session.posargs)


@nox.session(python=PYTHON)
def prose(session: nox.Session) -> None:
    """Check the pages' prose: sentence length, glossary links, certainty words, own words.

    Offline; CI runs it. The 2020 article is read from ../shared/seed/ (`-- --seed FILE` to
    point elsewhere; without it that rule is skipped, saying so). CONTRIBUTING.md explains
    each rule and how to fix what it reports.
    """
    install_locked(session, "prose")
    install_project(session)
    session.run("python", "-m", "living_review.tools.prose", "--root", str(ROOT), *session.posargs)


@nox.session(name="evidence-diff", python=PYTHON, default=False)
def evidence_diff(session: nox.Session) -> None:
    """Markdown for reviewers: claims, works and citation numbers changed since a git ref.

    `nox -s evidence-diff -- BASE` compares claims.yaml, references.bib and the pages at BASE
    (default origin/main) with the working tree; the pull-request workflow writes the result
    to the job summary. An unknown BASE: one line, exit status 2.
    """
    install_locked(session, "citations")  # reads the bib, the ledger and the pages as they do
    install_project(session)
    status = ExitStatus([0, 2])
    module = "living_review.tools.evidence_diff"
    if session.run("python", "-m", module, "--root", str(ROOT), *session.posargs,
                   success_codes=status) and status.seen == 2:  # fmt: skip
        raise SystemExit(2)  # as the tool says, not nox's own 1


@nox.session(python=PYTHON, default=False)
def linkcheck(session: nox.Session) -> None:
    """Check every external link of the site (needs the internet; not part of CI).

    Results go to docs/_build/linkcheck/output.json; a summary is printed. Arguments after
    `--` go to sphinx-build. With no network: "could not check: no network", exit status 3.
    """
    install_locked(session, "docs")
    install_project(session)
    sphinx_args = ["--", *session.posargs] if session.posargs else []
    run_online_check(
        session, "python", "-m", "living_review.tools.linkcheck", str(DOCS),
        str(BUILD / "linkcheck"), *sphinx_args,
    )  # fmt: skip


@nox.session(name="review-status", python=PYTHON, default=False)
def review_status(session: nox.Session) -> None:
    """Table of every content page's review dates and days left.

    Pass options after `--`: `--strict` exits non-zero if any page is overdue,
    `--today YYYY-MM-DD` judges against a fixed date, e.g. `nox -s review-status -- --strict`.
    """
    install_locked(session, "docs")  # the same parsing as the build: Sphinx config, PyYAML
    install_project(session)
    session.run("python", "-m", "living_review.tools.review_status", *session.posargs)


@nox.session(python=PYTHON, default=False)
def browser(session: nox.Session) -> None:
    """Audit every page in headless Chromium (axe-core, light and dark), then Lighthouse.

    Needs Debian's Chromium and Node.js (`.ci/install-browser` installs both, and Lighthouse
    with `npm ci`); without Chromium the audit stops and says how to install it. Builds the site
    first, incrementally, so a fresh build is reused. Arguments after `--` go to
    `python -m living_review.tools.browser_audit`, e.g. `-- --skip-lighthouse`.
    """
    if "--skip-lighthouse" not in session.posargs:
        installed = ROOT / "node_modules" / ".package-lock.json"  # written by npm ci
        lock_file = ROOT / "package-lock.json"
        if not installed.exists() or installed.stat().st_mtime < lock_file.stat().st_mtime:
            if shutil.which("npm") is None:
                session.error("Lighthouse needs Node.js and npm: `apt-get install -y nodejs npm`.")
            session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    install_locked(session, "browser")
    install_project(session)
    sphinx_build(session, "html", HTML)
    session.run(
        "python", "-m", "living_review.tools.browser_audit", "--html", str(HTML), *session.posargs
    )


@nox.session(python=PYTHON, default=False)
def lock(session: nox.Session) -> None:
    """Regenerate the hash-pinned lock files in requirements/ from pyproject.toml."""
    session.install("uv")
    groups = ("docs", "live", "test", "lint", "nox", "citations", "prose", "browser", "pdf")
    for group in groups:
        session.run(
            "uv",
            "pip",
            "compile",
            "pyproject.toml",
            "--group",
            group,
            "--generate-hashes",
            "--python-version",
            SUPPORTED_PYTHONS[0],  # the oldest; the locks are universal, and tested on each
            "--universal",
            "--quiet",
            "-o",
            f"requirements/{group}.txt",  # relative: the header records this command
        )
