"""Build-speed figures: ``nox -s bench`` (or ``python -m living_review.tools.bench``).

Everything is measured on throw-away copies of the working tree (in a temporary directory, made
a git repository so page dates work), never on ``docs/_build``. Each figure is the median of
``--runs`` runs of a real ``sphinx-build`` process (start-up included, as authors see it),
strict as in CI (``-W --keep-going -n``). The machine may be shared and noisy, so the figures
that matter are the ratios, each taken within one run of this script:

* full build, and the *floor*: the same sources built by Sphinx with only myst-parser and the
  same theme (the site's own roles and directives become plain text or nothing), as a ratio;
* rebuilds: nothing changed, one page edited, ``references.bib`` edited;
* the same on a copy scaled to about 80 pages (section pages duplicated with unique labels),
  and a check that its citation numbers after incremental builds equal a clean build's;
* ``-j auto`` against ``-j 1``;
* ``nox -s docs`` from nothing (new environment, warm package cache) and with it reused.

Targets (issue 5): full <= 1.5 x floor; on the scaled copy, one-page rebuild <= 40 % of a full
build with the same citation numbers; ``nox -s docs`` < 20 s from nothing and < 3 s reused.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from bs4 import BeautifulSoup

from living_review.tools import bench_live
from living_review.tools.large_bibliography import add_large_bibliography
from living_review.tools.toctree import section_pages

STRICT = ["-W", "--keep-going", "-n", "-q"]
#: What a copy leaves out of the project's top level: everything else is copied, so a new file
#: the build reads (references.bib, claims.yaml, schemas/, ...) needs no change here.
NOT_COPIED = {".git", ".nox", ".cache", ".venv", "node_modules", "tests", ".pytest_cache"}
NOT_COPIED |= {".ruff_cache", "_bench"}
IGNORED = shutil.ignore_patterns("_build", "__pycache__", ".nox", "*.pyc")

# The floor's conf.py: only myst-parser and the theme (and, for the *plain stack*,
# sphinxcontrib-bibtex with upstream's unsrt style). The site's own roles and directives (found
# by scanning the sources) become plain text and nothing, so the same sources build.
FLOOR_CONF = '''\
"""The floor: the same sources, Sphinx with myst-parser and the theme{bibtex_note}."""
import re
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from sphinx.domains import Domain

extensions = ["myst_parser"{bibtex_extension}]
{bibtex_settings}root_doc = "index"
exclude_patterns = ["_build"]
language = "en"
html_theme = {theme!r}
html_title = {title!r}
myst_enable_extensions = {myst_extensions!r}
myst_heading_anchors = {heading_anchors!r}
SOURCES = Path({srcdir!r})


class AnyOption(dict):
    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return directives.unchanged


class Nothing(Directive):
    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = AnyOption()

    def run(self):
        return []


def plain_text(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.Text(text)], []


def names(pattern):
    found = set()
    for page in SOURCES.glob("*.md"):
        found.update(re.findall(pattern, page.read_text("utf-8")))
    return found


def stand_in_for_the_site_extensions(app):
    std = app.env.get_domain("std")
    for name in sorted(names(r"\\{{([a-z][\\w:-]*)\\}}`")):
        known = name in roles._roles or name in roles._role_registry or name in std.roles
        if not known:
            roles.register_local_role(name, plain_text)
    for name in sorted(names(r"(?:```|:::)\\{{([a-z][\\w-]*)\\}}")):
        known = (
            name in directives._directives
            or name in directives._directive_registry
            or name in std.directives
        )
        if not known:
            directives.register_directive(name, Nothing)


def setup(app):
    # Roles in a domain (``cite:p``) need the domain: register an empty one for each.
    by_domain = {{}}
    for name in names(r"\\{{([a-z][\\w-]*:[\\w-]+)\\}}`"):
        domain, role = name.split(":", 1)
        if domain not in app.registry.domains:
            by_domain.setdefault(domain, {{}})[role] = plain_text
    for domain, domain_roles in by_domain.items():
        attributes = {{"name": domain, "label": domain, "roles": domain_roles}}
        app.add_domain(type(f"Floor_{{domain}}", (Domain,), attributes))
    app.connect("builder-inited", stand_in_for_the_site_extensions)
'''


class Timing(NamedTuple):
    """One timed command: wall-clock seconds, CPU seconds of it and its children, and the peak
    resident memory of the largest of them (kB; 0 when not known)."""

    wall: float
    cpu: float
    max_rss_kb: int = 0


@dataclass
class Figures:
    """Timings of one kind over several runs."""

    samples: list[Timing] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall-clock time."""
        return statistics.median(t.wall for t in self.samples)

    @property
    def cpu(self) -> float:
        """Median CPU time (less disturbed than wall time by other work on the machine)."""
        return statistics.median(t.cpu for t in self.samples)

    @property
    def max_rss_mb(self) -> float:
        """The largest peak resident memory of any sample, in MB."""
        return max(t.max_rss_kb for t in self.samples) / 1024

    def __str__(self) -> str:
        walls = [t.wall for t in self.samples]
        return (
            f"{self.median:6.2f} s  ({min(walls):.2f}-{max(walls):.2f}, n={len(walls)})"
            f"  CPU {self.cpu:5.2f} s"
        )


class BuildFailed(RuntimeError):
    """A benchmark build did not succeed (its output is in the message)."""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Timing:
    """Run *command* and time it; raise :class:`BuildFailed` if it fails."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        _, status, usage = os.wait4(process.pid, 0)  # its own usage (and its children's)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            text = output.read().decode("utf-8", errors="replace")
            raise BuildFailed(f"{' '.join(command)}\n{text[-6000:]}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the sources of the project at *root* into *dest* and commit them there (page dates)."""
    dest.mkdir(parents=True)
    for source in sorted(root.iterdir()):
        if source.name in NOT_COPIED:
            continue
        if source.is_dir():
            shutil.copytree(source, dest / source.name, ignore=IGNORED)
        elif source.is_file():
            shutil.copy2(source, dest / source.name)
    git(dest, "init", "-q")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "benchmark copy")
    return dest


def scale(project: Path, pages: int) -> int:
    """Duplicate the section pages (labels made unique) until the site has about *pages*."""
    docs = project / "docs"
    sections = section_pages(docs)
    existing = len(list(docs.glob("*.md")))
    copies = max(0, round((pages - existing) / len(sections)))
    names = []
    for number in range(1, copies + 1):
        for page in sections:
            text = (docs / f"{page}.md").read_text("utf-8")
            text = re.sub(r"^\((\S+)\)=$", rf"(\1-copy{number})=", text, flags=re.MULTILINE)
            name = f"{page}-copy{number}"
            (docs / f"{name}.md").write_text(text, "utf-8")
            names.append(name)
    index = docs / "index.md"
    toctree = "\n```{toctree}\n:hidden:\n\n" + "\n".join(names) + "\n```\n"
    index.write_text(index.read_text("utf-8") + toctree, "utf-8")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "scaled copy")
    return existing + len(names)


def touch_newer(path: Path) -> None:
    """Move *path*'s mtime clearly past the last build, so an incremental build sees the edit.

    Sphinx compares modification times, which some file systems keep to the second or coarser.
    """
    later = time.time() + 5
    os.utime(path, (later, later))


#: The page the one-page edits change (a section page citing many works).
EDITED_PAGE = "effectiveness"


def edit_page(project: Path, run_number: int, page: str = EDITED_PAGE) -> None:
    path = project / "docs" / f"{page}.md"
    sentence = f"\nThe benchmark added this sentence (run {run_number}).\n"
    path.write_text(path.read_text("utf-8") + sentence, "utf-8")
    touch_newer(path)


def edit_bib(project: Path, run_number: int) -> None:
    """Change the title of the first entry (a cited one), as a correction would."""
    path = project / "references.bib"
    text = re.sub(r"(title\s*=\s*\{)", rf"\1Edited {run_number} ", path.read_text("utf-8"), count=1)
    path.write_text(text, "utf-8")
    touch_newer(path)


@dataclass
class Site:
    """One copy of the project and how to build it."""

    project: Path
    python: str = sys.executable

    @property
    def docs(self) -> Path:
        return self.project / "docs"

    def build(
        self, out: str, *extra: str, fresh: bool = False, conf_dir: Path | None = None
    ) -> Timing:
        """Build into project/_bench/<out> (wiped first if *fresh*) and time it."""
        outdir = self.project / "_bench" / out
        doctrees = self.project / "_bench" / f"{out}-doctrees"
        if fresh:
            shutil.rmtree(outdir, ignore_errors=True)
            shutil.rmtree(doctrees, ignore_errors=True)
        conf = ["-c", str(conf_dir)] if conf_dir else []
        command = [self.python, "-m", "sphinx", "-b", "html", *STRICT, "-d", str(doctrees)]
        command += [*conf, *extra, str(self.docs), str(outdir)]
        return run(command, self.project)

    def outdir(self, out: str) -> Path:
        return self.project / "_bench" / out

    def write_floor_conf(self, plain_stack: bool = False) -> Path:
        """A conf.py for the floor, with the site's theme and MyST settings.

        With *plain_stack*, also sphinxcontrib-bibtex over the same ``references.bib`` (its own
        ``unsrt`` style, numbered citations): the stack the site is built on, without our code.
        """
        settings: dict[str, object] = {}
        conf_text = (self.docs / "conf.py").read_text("utf-8")
        for name in ("html_theme", "html_title", "myst_enable_extensions", "myst_heading_anchors"):
            match = re.search(rf"^{name}\s*=\s*(.+)$", conf_text, flags=re.MULTILINE)
            settings[name] = eval(match.group(1), {}) if match else None  # our own conf.py
        conf_dir = self.project / "_bench" / ("plain-stack-conf" if plain_stack else "floor-conf")
        conf_dir.mkdir(parents=True, exist_ok=True)
        bibtex_settings = (
            f"bibtex_bibfiles = [{str(self.project / 'references.bib')!r}]\n"
            'bibtex_default_style = "unsrt"\n'
            'bibtex_reference_style = "label"\n'
            'bibtex_encoding = "utf-8"\n'
        )
        (conf_dir / "conf.py").write_text(
            FLOOR_CONF.format(
                bibtex_note=" and sphinxcontrib-bibtex" if plain_stack else "",
                bibtex_extension=', "sphinxcontrib.bibtex"' if plain_stack else "",
                bibtex_settings=bibtex_settings if plain_stack else "",
                theme=settings["html_theme"] or "alabaster",
                title=settings["html_title"] or "floor",
                myst_extensions=settings["myst_enable_extensions"] or [],
                heading_anchors=settings["myst_heading_anchors"] or 0,
                srcdir=str(self.docs),
            ),
            "utf-8",
        )
        return conf_dir


def citation_numbers(outdir: Path) -> dict[str, list[tuple[str, str]]]:
    """Page -> (number, key) of every in-text citation and bibliography entry on it."""
    found = {}
    for page in sorted(outdir.glob("*.html")):
        soup = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        main = soup.select_one("[role=main]") or soup
        refs = [
            (a.get_text(strip=True), a["href"].split("#cite-", 1)[1])
            for a in main.select("a[href*='#cite-']")
        ]
        entries = [
            (e.select_one(".label").get_text(strip=True), e["id"])
            for e in main.select("[id^='cite-']")
            if e.select_one(".label")
        ]
        found[page.name] = refs + entries
    return found


def cite_last_key_first(site: Site, out: str) -> str:
    """Edit the first section page to cite, first of all, the key numbered last. Returns it."""
    soup = BeautifulSoup((site.outdir(out) / "references.html").read_text("utf-8"), "html.parser")
    key = soup.select("[id^='cite-']")[-1]["id"].removeprefix("cite-")
    page = site.docs / f"{section_pages(site.docs)[0]}.md"
    lines = page.read_text("utf-8").splitlines(keepends=True)
    title = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines.insert(title + 1, f"\nThe benchmark cites this first {{cite:p}}`{key}`.\n")
    page.write_text("".join(lines), "utf-8")
    touch_newer(page)
    return key


def load_average() -> float:
    """The machine's load over the last minute (NaN where the system does not say)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan


def progress(label: str, message: str) -> None:
    print(f"  [{label}] {message} (load {load_average():.1f})", file=sys.stderr, flush=True)


def measure_site(site: Site, runs: int, floor: bool, label: str) -> dict[str, Figures]:
    """Full, floor, plain stack, no-change, one-page and bib rebuilds, and -j auto, *runs* times
    each (the floor and the plain stack only if *floor*)."""
    figures: dict[str, Figures] = {}

    def record(name: str, timing: Timing) -> None:
        figures.setdefault(name, Figures()).samples.append(timing)

    floor_conf = site.write_floor_conf() if floor else None
    plain_conf = site.write_floor_conf(plain_stack=True) if floor else None
    for number in range(1, runs + 1):
        progress(label, f"run {number}/{runs}")
        record("full", site.build("site", fresh=True))
        if floor_conf and plain_conf:  # right after the full build: the same machine load
            record("floor", site.build("floor", fresh=True, conf_dir=floor_conf))
            record("plain stack", site.build("plain", fresh=True, conf_dir=plain_conf))
        record("no change", site.build("site"))
        edit_page(site.project, number)
        record("one page", site.build("site"))
        edit_bib(site.project, number)
        record("references.bib", site.build("site"))
        record("full -j auto", site.build("parallel", "-j", "auto", fresh=True))
    return figures


def measure_large(site: Site, runs: int, label: str) -> dict[str, Figures]:
    """The large-bibliography copy: full build (with its memory), the plain stack, one page."""
    figures: dict[str, Figures] = {}
    plain_conf = site.write_floor_conf(plain_stack=True)
    for number in range(1, runs + 1):
        progress(label, f"run {number}/{runs}")
        for name, timing in (
            ("full", site.build("site", fresh=True)),
            ("plain stack", site.build("plain", fresh=True, conf_dir=plain_conf)),
        ):
            figures.setdefault(name, Figures()).samples.append(timing)
        edit_page(site.project, number)
        figures.setdefault("one page", Figures()).samples.append(site.build("site"))
    return figures


#: The live servers compared: ``nox -s docs-live``'s, and sphinx-autobuild as it ran before.
LIVE_SERVERS = {
    "docs-live": bench_live.our_server_command,
    "sphinx-autobuild": bench_live.autobuild_command,
}


def measure_live(site: Site, runs: int, label: str, servers: list[str]) -> dict[str, Figures]:
    """Save -> reload of a one-page edit with each live server, *runs* times after a first save
    that is not counted (living_review.tools.bench_live)."""
    figures: dict[str, Figures] = {}
    for name in servers:
        progress(label, f"save -> reload with {name}: first build")
        port = bench_live.free_port()
        outdir = site.project / "_bench" / f"live-{name}"
        make_command = LIVE_SERVERS[name]
        command = make_command(site.python, site.project, outdir, port)
        log = site.project / "_bench" / f"live-{name}.log"
        reloads = bench_live.measure_reloads(command, site.project, EDITED_PAGE, runs, log)
        figures[f"save -> reload, {name}"] = Figures([Timing(r.wall, r.cpu) for r in reloads])
    return figures


def check_numbers_after_incremental_builds(site: Site) -> tuple[bool, int, str]:
    """Renumber via one edit, rebuild incrementally, compare with a clean build."""
    key = cite_last_key_first(site, "site")
    site.build("site")
    site.build("clean", fresh=True)
    incremental = citation_numbers(site.outdir("site"))
    clean = citation_numbers(site.outdir("clean"))
    return incremental == clean, len(clean), key


def measure_nox(project: Path, runs: int) -> dict[str, Figures] | None:
    """``nox -s docs`` in a copy: from nothing (new env, no output) and with the env reused."""
    try:
        import nox  # noqa: F401  (only to know it is there)
    except ImportError:
        return None
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV" and not k.startswith("NOX")}
    figures = {"from nothing": Figures(), "env reused": Figures(), "env reused, -R": Figures()}
    for number in range(1, runs + 1):
        print(f"  [nox] run {number}/{runs}", file=sys.stderr, flush=True)
        envdir = project / "_bench" / f"nox-{number}"  # a new environment every run
        nox_cmd = [sys.executable, "-m", "nox", "--envdir", str(envdir)]
        shutil.rmtree(project / "docs" / "_build", ignore_errors=True)
        figures["from nothing"].samples.append(run([*nox_cmd, "-s", "docs"], project, env))
        figures["env reused"].samples.append(run([*nox_cmd, "-s", "docs"], project, env))
        figures["env reused, -R"].samples.append(run([*nox_cmd, "-R", "-s", "docs"], project, env))
        shutil.rmtree(envdir, ignore_errors=True)
    return figures


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "MISSED"


def ratio_line(name: str, figures: Figures, base: Figures, target: float | None = None) -> str:
    """*figures* / *base*, by wall-clock and by CPU time, against an optional target."""
    wall, cpu = figures.median / base.median, figures.cpu / base.cpu
    line = f"  {name:<44} {wall:6.2f}  (CPU {cpu:.2f})"
    if target is not None:
        line += f"   target <= {target:g}: {verdict(wall, target)} (CPU: {verdict(cpu, target)})"
    return line


#: Save -> reload of a one-page edit, as a share of a full build: the targets (issue 13).
LIVE_TARGETS = {"site": 0.25, "large": 0.10}
#: Our full build as a share of the plain stack's (no slower than before issue 13).
PLAIN_STACK_TARGETS = {"site": 0.75, "large": 0.6}


def report_live(lines: list[str], figures: dict[str, Figures], target: float | None) -> None:
    """Save -> reload figures, and each as a share of the full build of the same run."""
    full = figures["full"]
    for name in LIVE_SERVERS:
        key = f"save -> reload, {name}"
        if key in figures:
            lines.append(f"  {key:<44} {figures[key]}")
    for name in LIVE_SERVERS:
        key = f"save -> reload, {name}"
        if key in figures:
            ours = name == "docs-live"
            ratio = ratio_line(f"{key} / full", figures[key], full, target if ours else None)
            lines.append(ratio)


def report_site(
    title: str, figures: dict[str, Figures], pages: int, scaled: bool = False
) -> list[str]:
    lines = [f"{title} ({pages} pages)"]
    for name in ("full", "floor", "plain stack", "no change", "one page", "references.bib",
                 "full -j auto"):  # fmt: skip
        if name in figures:
            lines.append(f"  {name:<44} {figures[name]}")
    full = figures["full"]
    if "floor" in figures:
        lines.append(ratio_line("full / floor", full, figures["floor"], 1.5))
    if "plain stack" in figures:
        target = PLAIN_STACK_TARGETS["site"]
        lines.append(ratio_line("full / plain stack", full, figures["plain stack"], target))
    lines.append(ratio_line("no change / full", figures["no change"], full))
    one_page_target = 0.4 if scaled else None  # the target is set for the ~80-page copy
    lines.append(ratio_line("one page / full", figures["one page"], full, one_page_target))
    lines.append(ratio_line("references.bib / full", figures["references.bib"], full))
    lines.append(ratio_line("-j auto / -j 1 (full)", figures["full -j auto"], full))
    report_live(lines, figures, None if scaled else LIVE_TARGETS["site"])
    return lines


def report_large(
    figures: dict[str, Figures], pages: int, entries: int, citations: int
) -> list[str]:
    full = figures["full"]
    lines = [
        f"Large bibliography: {entries} entries in references.bib, one page citing {citations}"
        f" ({pages} pages)",
        f"  {'full':<44} {full}  max RSS {full.max_rss_mb:.0f} MB",
        f"  {'plain stack':<44} {figures['plain stack']}"
        f"  max RSS {figures['plain stack'].max_rss_mb:.0f} MB",
        f"  {'one page (sphinx-build)':<44} {figures['one page']}"
        f"  max RSS {figures['one page'].max_rss_mb:.0f} MB",
        ratio_line(
            "full / plain stack", full, figures["plain stack"], PLAIN_STACK_TARGETS["large"]
        ),
        ratio_line("one page (sphinx-build) / full", figures["one page"], full),
    ]
    report_live(lines, figures, LIVE_TARGETS["large"])
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (default 3)")
    parser.add_argument("--pages", type=int, default=80, help="size of the scaled copy")
    parser.add_argument("--no-scaled", action="store_true", help="skip the scaled copy")
    parser.add_argument("--no-large", action="store_true", help="skip the large bibliography")
    parser.add_argument("--entries", type=int, default=2500, help="large copy: entries added")
    parser.add_argument("--cited", type=int, default=1500, help="large copy: entries cited")
    parser.add_argument("--no-live", action="store_true", help="skip the save -> reload figures")
    parser.add_argument(
        "--no-autobuild", action="store_true", help="save -> reload without sphinx-autobuild's"
    )
    parser.add_argument("--no-nox", action="store_true", help="skip the nox -s docs figures")
    parser.add_argument(
        "--root", type=Path, default=Path(), help="the project (default: the current directory)"
    )
    args = parser.parse_args(argv)
    servers = (
        [] if args.no_live else ["docs-live"] + ([] if args.no_autobuild else ["sphinx-autobuild"])
    )

    lines = [
        f"Build speed: {args.runs} runs per figure, medians (min-max); "
        f"{os.cpu_count()} CPUs, load {load_average():.1f} at start; "
        f"Python {sys.version.split()[0]}; {time.strftime('%Y-%m-%d %H:%M')}"
    ]
    with tempfile.TemporaryDirectory(prefix="living-review-bench-") as tmp:
        tmpdir = Path(tmp)
        site = Site(copy_project(args.root, tmpdir / "site"))
        pages = len(list(site.docs.glob("*.md")))
        figures = measure_site(site, args.runs, True, "site")
        figures |= measure_live(site, args.runs, "site", servers)
        lines += report_site("The site", figures, pages)

        if not args.no_scaled:
            scaled = Site(copy_project(args.root, tmpdir / "scaled"))
            pages = scale(scaled.project, args.pages)
            figures = measure_site(scaled, args.runs, False, "scaled")
            lines += report_site("Scaled copy", figures, pages, scaled=True)
            progress("scaled", "checking citation numbers")
            same, compared, key = check_numbers_after_incremental_builds(scaled)
            lines.append(
                f"  citation numbers after incremental builds (edits, bib change, then {key!r}"
                f" cited first) == clean build, {compared} pages: {'yes' if same else 'NO'}"
            )

        if not args.no_large:
            large = Site(copy_project(args.root, tmpdir / "large"))
            entries, citations = add_large_bibliography(
                large.project, EDITED_PAGE, entries=args.entries, cited=args.cited
            )
            git(large.project, "add", "-A")
            git(large.project, "commit", "-q", "-m", "large bibliography")
            pages = len(list(large.docs.glob("*.md")))
            figures = measure_large(large, args.runs, "large")
            figures |= measure_live(large, args.runs, "large", servers)
            lines += report_large(figures, pages, entries, citations)

        if not args.no_nox:
            nox_figures = measure_nox(copy_project(args.root, tmpdir / "nox"), args.runs)
            if nox_figures is None:
                lines.append("nox -s docs: skipped (nox is not installed here; use nox -s bench)")
            else:
                lines.append("nox -s docs (in a copy of the project, warm package cache)")
                targets = {"from nothing": 20.0, "env reused": 3.0, "env reused, -R": 3.0}
                for name, fig in nox_figures.items():
                    verdict_text = verdict(fig.median, targets[name])
                    lines.append(
                        f"  {name:<30} {fig}  target < {targets[name]:g} s: {verdict_text}"
                    )
    lines.append(f"Load {load_average():.1f} at the end.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (BuildFailed, bench_live.LiveServerFailed) as error:
        print(f"benchmark build failed:\n{error}", file=sys.stderr)
        sys.exit(1)
