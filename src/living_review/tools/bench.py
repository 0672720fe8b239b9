"""Build-speed figures: ``nox -s bench`` (or ``python -m living_review.tools.bench``).

Measured on throw-away copies of the working tree (git repositories, so page dates work), never
on ``docs/_build``; each figure is the median of ``--runs`` runs, wall-clock, of a real
``sphinx-build -W --keep-going -n`` process. The machine may be shared, so read the ratios,
each taken within one run of this script:

* full build of the site, and of the *plain stack*: the same sources built by Sphinx with
  myst-parser, furo and sphinxcontrib-bibtex (its own ``unsrt`` style) and none of our code
  (the site's own roles become plain text, its directives nothing);
* a one-page rebuild (a sentence added to one page, incremental ``sphinx-build``);
* save -> preview with ``nox -s docs-live`` (sphinx-autobuild): from writing a page to the
  reload message the open page receives over sphinx-autobuild's websocket;
* the same on a copy with a large bibliography (2,500 synthetic entries, 1,500 cited).

``--quick``: one run, the site only (what the tests run).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from living_review.tools.live import autobuild_argv

STRICT = ["-W", "--keep-going", "-n", "-q"]
NOT_COPIED = {".git", ".nox", ".cache", ".venv", "node_modules", "tests", ".pytest_cache"}
EDITED_PAGE = "effectiveness"  # a section page citing many works

# The plain stack's conf.py: the site's theme and MyST settings, sphinxcontrib-bibtex over the
# same references.bib, and stand-ins for the site's own roles (their text) and directives.
PLAIN_STACK_CONF = """\
import re
from pathlib import Path
from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from sphinx.domains import Domain

extensions = ["myst_parser", "sphinxcontrib.bibtex"]
bibtex_bibfiles = [{bib!r}]
bibtex_default_style = "unsrt"
bibtex_reference_style = "label"
exclude_patterns = ["_build", "_fragments"]
html_theme = "furo"
myst_enable_extensions = ["colon_fence", "deflist", "attrs_inline", "attrs_block"]
PAGES = [page.read_text("utf-8") for page in Path({docs!r}).glob("*.md")]


class Nothing(Directive):
    has_content, optional_arguments, final_argument_whitespace = True, 1, True
    option_spec = type("Any", (dict,), {{"__contains__": lambda s, k: True,
                                         "__getitem__": lambda s, k: directives.unchanged}})()

    def run(self):
        return []


def text(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.Text(text)], []


def found(pattern):
    return {{name for page in PAGES for name in re.findall(pattern, page)}}


def stand_ins(app):
    for name in found(r"\\{{([a-z][\\w-]*)\\}}`") - set(roles._roles) - set(roles._role_registry):
        roles.register_local_role(name, text)
    for name in found(r"(?:```|:::)\\{{([a-z][\\w-]*)\\}}"):
        if name not in directives._directives and name not in directives._directive_registry:
            directives.register_directive(name, Nothing)


def setup(app):
    by_domain = {{}}
    for name in found(r"\\{{([a-z][\\w-]*):([\\w-]+)\\}}`"):
        if name[0] not in app.registry.domains:
            by_domain.setdefault(name[0], {{}})[name[1]] = text
    for domain, domain_roles in by_domain.items():
        app.add_domain(type(domain, (Domain,), {{"name": domain, "roles": domain_roles}}))
    app.connect("builder-inited", stand_ins)
"""


def git(cwd: Path, *args: str) -> None:
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(["git", *identity, *args], cwd=cwd, check=True, capture_output=True)


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the sources of the project at *root* into *dest* and commit them there."""
    ignored = shutil.ignore_patterns("_build", "__pycache__", "*.pyc")
    dest.mkdir(parents=True)
    for source in sorted(root.iterdir()):
        if source.name in NOT_COPIED:
            continue
        if source.is_dir():
            shutil.copytree(source, dest / source.name, ignore=ignored)
        else:
            shutil.copy2(source, dest / source.name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "benchmark copy"]):
        git(dest, *args)
    return dest


def build(project: Path, out: str, *, fresh: bool, conf_dir: Path | None = None) -> float:
    """One sphinx-build of *project* into ``_bench/<out>``: its wall-clock seconds. Exits with
    its output if it fails."""
    outdir = project / "_bench" / out
    if fresh:
        shutil.rmtree(outdir, ignore_errors=True)
    conf = ["-c", str(conf_dir)] if conf_dir else []
    command = [sys.executable, "-m", "sphinx", "-b", "html", *STRICT, *conf]
    command += ["-d", str(outdir / ".doctrees"), str(project / "docs"), str(outdir)]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"benchmark build failed: {' '.join(command)}\n{done.stdout}{done.stderr}")
    return time.perf_counter() - start


def add_large_bibliography(project: Path, entries: int = 2500, cited: int = 1500) -> None:
    """Append *entries* synthetic ``@article`` entries to the copy's references.bib and a page
    citing *cited* of them. None is a real work: keys start with ``synthetic``, DOIs use the test
    prefix 10.5555, PubMed and PMC numbers lie far beyond any issued. Never add them to the
    project's own references.bib."""
    rng = random.Random(2026)
    names = ("Smith", "Wang", "García", "Müller", "Kim", "Rossi", "Nguyen", "O'Brien", "de Jong")
    bib = []
    for n in range(1, entries + 1):
        authors = " and ".join(
            f"{rng.choice(names)}, {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            for _ in range(rng.choice((1, 2, 3, 4, 6, 8, 12)))
        )
        fields = {
            "author": authors,
            "title": f"Acupuncture versus usual care for sciatica: synthetic trial {n}",
            "journal": rng.choice(("Pain", "Spine", "BMJ", "Trials", "Acupuncture in Medicine")),
            "year": rng.randrange(1985, 2027),
            "volume": rng.randrange(1, 60),
            "number": rng.randrange(1, 13),
            "pages": f"{n}--{n + rng.randrange(4, 16)}",
            "doi": f"10.5555/synthetic.{n:04d}",
            "pubmed": 90_000_000 + n,
            **({"pmcid": f"PMC{90_000_000 + n}"} if rng.random() < 0.3 else {}),
        }
        body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields.items())
        bib.append(f"@article{{synthetic{n:04d},\n{body}}}\n")
    with (project / "references.bib").open("a", encoding="utf-8") as file:
        file.write("\n" + "\n".join(bib))
    keys = [f"synthetic{n:04d}" for n in rng.sample(range(1, entries + 1), cited)]
    docs = project / "docs"
    page = (docs / f"{EDITED_PAGE}.md").read_text("utf-8")
    front_matter = page[: page.index("\n---\n", 3) + 5]  # its dates: the new page's are valid
    sentences = [
        f"Finding {i} {{cite:p}}`{','.join(keys[i : i + 3])}`." for i in range(0, cited, 3)
    ]
    text = "(large-bibliography)=\n# A large bibliography (benchmark only)\n\n"
    (docs / "large-bibliography.md").write_text(front_matter + text + "\n".join(sentences) + "\n")
    with (docs / "index.md").open("a", encoding="utf-8") as file:
        file.write("\n```{toctree}\n:hidden:\n\nlarge-bibliography\n```\n")


def add_sentence(project: Path, number: int) -> Path:
    page = project / "docs" / f"{EDITED_PAGE}.md"
    text = page.read_text("utf-8") + f"\nThe benchmark added sentence {number}.\n"
    page.write_text(text, "utf-8")  # one write: one change for sphinx-autobuild to see
    return page


def save_to_preview(project: Path, runs: int) -> list[float]:
    """sphinx-autobuild on *project*: seconds from a page saved to the page's reload message.

    It serves the site's last build (no initial build of its own); each save is then one
    incremental build, as for an author who has the server running."""
    from websockets.sync.client import connect

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    extra = ["--port", str(port), "--no-initial"]
    argv = autobuild_argv(project, project / "_bench" / "site", extra)
    log = (project / "_bench" / "live.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "sphinx_autobuild", *argv], cwd=project,
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    times = []
    try:
        deadline = time.monotonic() + 300
        while True:  # until the server answers
            try:
                socket_ = connect(f"ws://127.0.0.1:{port}/websocket-reload", open_timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.close()
                    output = Path(log.name).read_text("utf-8", errors="replace")
                    sys.exit(f"sphinx-autobuild did not start:\n{output[-4000:]}")
                time.sleep(0.2)
        with socket_:
            for number in range(runs):
                start = time.perf_counter()
                add_sentence(project, 1000 + number)
                socket_.recv(timeout=300)
                times.append(time.perf_counter() - start)
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    return times


def measure(project: Path, runs: int) -> dict[str, list[float]]:
    conf_dir = project / "_bench" / "plain-stack-conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    conf = PLAIN_STACK_CONF.format(bib=str(project / "references.bib"), docs=str(project / "docs"))
    (conf_dir / "conf.py").write_text(conf, "utf-8")
    figures: dict[str, list[float]] = {"full build": [], "plain stack": [], "one page": []}
    for number in range(runs):
        print(f"  [{project.name}] run {number + 1}/{runs}", file=sys.stderr, flush=True)
        figures["full build"].append(build(project, "site", fresh=True))
        figures["plain stack"].append(build(project, "plain", fresh=True, conf_dir=conf_dir))
        add_sentence(project, number)
        figures["one page"].append(build(project, "site", fresh=False))
    figures["save -> preview (docs-live)"] = save_to_preview(project, runs)
    return figures


def report(title: str, figures: dict[str, list[float]]) -> list[str]:
    full = statistics.median(figures["full build"])
    lines = [title]
    for name, samples in figures.items():
        median = statistics.median(samples)
        lines.append(f"  {name:<30} {median:6.2f} s  {median / full:5.2f} of a full build")
    plain = statistics.median(figures["plain stack"])
    return [*lines, f"  {'full build / plain stack':<30} {full / plain:6.2f}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--quick", action="store_true", help="one run, the site only")
    parser.add_argument("--root", type=Path, default=Path(), help="the project (default: here)")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [f"Build speed: medians of {runs} run(s); {os.cpu_count()} CPUs, load {load:.1f}; "
             f"Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d %H:%M')}"]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="living-review-bench-") as tmp:
        site = copy_project(args.root.resolve(), Path(tmp) / "site")
        lines += report("The site", measure(site, runs))
        if not args.quick:
            large = copy_project(args.root.resolve(), Path(tmp) / "large")
            add_large_bibliography(large)
            git(large, "add", "-A")
            git(large, "commit", "-q", "-m", "large bibliography")
            title = "Large bibliography (2,500 more entries, 1,500 cited on one page)"
            lines += report(title, measure(large, runs))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
