"""Audit every page of the built site in headless Chromium; then Lighthouse on a few pages.

``python -m living_review.tools.browser_audit --html docs/_build/html`` (what ``nox -s browser``
runs) serves the site on 127.0.0.1, opens every page in Debian's Chromium (``/usr/bin/chromium``,
driven by Playwright; no browser is ever downloaded) in light and dark mode, on a desktop and a
phone-sized viewport, and requires, on every page in every mode:

* zero axe-core violations (every rule axe runs by default, best practices included: among
  them ``image-alt``, an image without alt text, and ``heading-order``, a skipped level);
* two checks axe does not make: ``alt=""`` only on an image marked decorative (axe takes any
  empty alt as decorative, so an image whose author forgot its text passes), and main content
  that opens with its one level-1 heading (axe asks only for an ``<h1>`` somewhere on the page);
* no failed request and no error in the console;
* on a phone (412 x 823), a page no wider than the viewport and no table cell cut off, by the
  viewport or by a box around it (``layout``: ``page-overflow``, ``clipped-cell``).

On a phone it also saves whole-page screenshots of :data:`SCREENSHOT_PAGES` beside the reports.
It then runs Lighthouse on :data:`LIGHTHOUSE_PAGES` and checks the targets in
:mod:`living_review.tools.lighthouse`. Exit status: 0 all met, 1 something failed, 2 the browser
or Lighthouse is missing (the message says how to install it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any

from living_review.tools import lighthouse
from living_review.tools.site_server import base_path_from_html, serve

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = (
    "Debian's Chromium is needed at {path} and was not found. Install it with\n"
    "    apt-get update && apt-get install -y chromium\n"
    "(as root; `.ci/install-browser` does this and `npm ci`). Never `playwright install`:\n"
    "the checks use the distribution's browser."
)
INSTALL_LIGHTHOUSE = (
    "Lighthouse is not installed. Run `npm ci` in {root} (or `.ci/install-browser`), "
    "or pass --skip-lighthouse."
)
#: Flags for Chromium as root in a sandbox without network: no background connections.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Pages Lighthouse measures: the home page, a section page, and the heaviest page (summary-of-
#: findings tables, an evidence chart, the most citation and claim popovers).
LIGHTHOUSE_PAGES = ("index.html", "sciatica.html", "effectiveness.html")
#: Pages photographed in the phone modes: the home page, the widest table, the longest page.
SCREENSHOT_PAGES = ("index.html", "guidelines.html", "effectiveness.html")
#: Viewports this wide or narrower are phones: the layout checks run there.
PHONE_MAX_WIDTH = 600


@dataclass(frozen=True)
class Mode:
    """One way of looking at the site: furo's theme and a viewport."""

    name: str
    theme: str  # furo's data-theme on <body> and localStorage "theme": "light" or "dark"
    width: int
    height: int

    @property
    def is_phone(self) -> bool:
        return self.width <= PHONE_MAX_WIDTH


MODES = (
    Mode("light", "light", 1440, 900),  # wide enough for both of furo's sidebars
    Mode("dark", "dark", 1440, 900),
    Mode("light-phone", "light", 412, 823),  # Lighthouse's phone
    Mode("dark-phone", "dark", 412, 823),
)


@dataclass(frozen=True)
class Heading:
    """A heading of the main content as assistive technology sees it (``<hN>``, ``role``)."""

    level: int
    text: str


@dataclass(frozen=True)
class Image:
    """An ``<img>``: its source, its alt attribute (None if absent), and if marked decorative."""

    src: str
    alt: str | None
    decorative: bool = False


@dataclass(frozen=True)
class Finding:
    """One problem on one page in one mode."""

    page: str
    mode: str
    check: str  # "axe", "images", "headings", "layout", "network", "console", "theme"
    rule: str
    impact: str
    detail: str
    count: int = 1


# -- The pure parts --------------------------------------------------------------------------


def main_heading_problems(main: Sequence[Heading]) -> list[str]:
    """A main content that does not open with its one level-1 heading (the page's title).

    Skipped levels are axe's ``heading-order``; here, only what axe does not check.
    """
    problems = []
    level_one = [h for h in main if h.level == 1]
    if not main or main[0].level != 1:
        first = f"h{main[0].level} {main[0].text!r}" if main else "no heading"
        problems.append(f"the main content opens with {first}, not a level-1 heading")
    if len(level_one) > 1:
        titles = ", ".join(repr(h.text) for h in level_one)
        problems.append(f"the main content has {len(level_one)} level-1 headings: {titles}")
    return problems


def empty_alt_problems(images: Iterable[Image]) -> list[str]:
    """Images with empty alt text that are not marked decorative (a missing alt is axe's)."""
    return [
        f'{image.src}: empty alt text (alt="" is for images marked role="presentation" '
        f'or aria-hidden="true")'
        for image in images
        if image.alt is not None and not image.alt.strip() and not image.decorative
    ]


def layout_problems(layout: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(rule, detail) for a page wider than the viewport and for each table cell cut off.

    *layout* is what :data:`_LAYOUT` measures in the page: ``scroll_width``, ``viewport`` and
    ``clipped``, a list of ``{"text", "left", "right", "visible_left", "visible_right"}``.
    """
    problems = []
    if layout["scroll_width"] > layout["viewport"]:
        problems.append((
            "page-overflow",
            f"the page is {layout['scroll_width']} px wide in a {layout['viewport']} px viewport",
        ))  # fmt: skip
    for cell in layout["clipped"]:
        problems.append((
            "clipped-cell",
            f"table cell {cell['text']!r} spans {cell['left']:.0f}-{cell['right']:.0f} px, "
            f"of which only {cell['visible_left']:.0f}-{cell['visible_right']:.0f} px is shown",
        ))  # fmt: skip
    return problems


def axe_findings(page: str, mode: str, result: Mapping[str, Any]) -> list[Finding]:
    """One finding per axe violation (rule), with its first offending element as the detail."""
    findings = []
    for violation in result["violations"]:
        nodes = violation["nodes"]  # axe lists a rule as violated for the nodes that fail it
        target = " ".join(str(t) for t in nodes[0]["target"])
        html = " ".join(nodes[0]["html"].split())[:160]
        detail = f"{violation['help']} [{target}] {html}".strip()
        impact = violation["impact"] or "unknown"
        findings.append(Finding(page, mode, "axe", violation["id"], impact, detail, len(nodes)))
    return findings


def summarise(findings: Sequence[Finding], pages: int, modes: Sequence[str]) -> str:
    """A short report: a line saying what was checked, then one block per failing rule."""
    audits = pages * len(modes)
    if not findings:
        return (
            f"Browser audit: no problems on {pages} pages x {len(modes)} modes "
            f"({', '.join(modes)}): {audits} audits, axe-core, empty alt text, main heading, "
            f"phone layout, network, console."
        )
    by_rule: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault((finding.check, finding.rule), []).append(finding)
    lines = [
        f"Browser audit: {len(by_rule)} failing rules, {len(findings)} findings "
        f"on {pages} pages x {len(modes)} modes ({audits} audits):"
    ]
    for (check, rule), group in sorted(by_rule.items()):
        impacts = sorted({f.impact for f in group})
        affected = sorted({f.page for f in group})
        in_modes = [m for m in modes if any(f.mode == m for f in group)]
        shown = ", ".join(affected[:6]) + (
            f", ... (+{len(affected) - 6})" if len(affected) > 6 else ""
        )
        lines.append(
            f"- {check} {rule} ({'/'.join(impacts)}) on {len(affected)} pages "
            f"in {', '.join(in_modes)}: {shown}"
        )
        lines.append(f"    e.g. {group[0].page} ({group[0].mode}): {group[0].detail}")
    return "\n".join(lines)


def site_pages(html_dir: Path) -> list[str]:
    """Every HTML page of a built site, as paths relative to it (``_static`` and such left out)."""
    pages = (path.relative_to(html_dir) for path in sorted(html_dir.rglob("*.html")))
    return [p.as_posix() for p in pages if not any(d.startswith(("_", ".")) for d in p.parts)]


# -- In the browser --------------------------------------------------------------------------

# Runs in the page: the main content's headings and every image, as assistive technology
# sees them.
_COLLECT = """() => {
  const hidden = el => el.closest('[aria-hidden="true"]') !== null
    || !el.checkVisibility({visibilityProperty: true});
  const main = document.querySelector('[role="main"], main');
  const selector = 'h1, h2, h3, h4, h5, h6, [role="heading"]';
  const headings = Array.from(main === null ? [] : main.querySelectorAll(selector))
    .filter(el => !hidden(el))
    .map(el => {
      const tag = el.tagName.toLowerCase();
      const aria = parseInt(el.getAttribute('aria-level') || '', 10);
      const implicit = /^h[1-6]$/.test(tag) ? Number(tag[1]) : 2;
      const level = el.getAttribute('role') === 'heading' && aria > 0 ? aria : implicit;
      return {level, text: el.textContent.trim().replace(/\\s+/g, ' ').slice(0, 80)};
    });
  const images = Array.from(document.images).map(img => ({
    src: img.getAttribute('src') || '',
    alt: img.getAttribute('alt'),
    decorative: ['presentation', 'none'].includes(img.getAttribute('role'))
      || img.closest('[aria-hidden="true"]') !== null,
  }));
  return {headings, images, theme: document.body.dataset.theme || null};
}"""


# Runs in the page: its width, and every table cell in the main content that is cut off by the
# viewport or by a box that clips (overflow other than visible, or clip-path), or whose own
# content overflows it. A cell hidden on purpose (visible width or height of 1 px or less, as
# in a visually hidden header row) is not counted.
_LAYOUT = """() => {
  const viewport = window.innerWidth;
  const clipped = [];
  const main = document.querySelector('[role="main"], main') || document.body;
  for (const cell of main.querySelectorAll('td, th')) {
    const box = cell.getBoundingClientRect();
    let left = Math.max(box.left, 0), right = Math.min(box.right, viewport);
    for (let up = cell.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible' || style.clipPath !== 'none') {
        const around = up.getBoundingClientRect();
        left = Math.max(left, around.left);
        right = Math.min(right, around.right);
      }
    }
    if (right - left <= 1 || box.height <= 1) continue;
    const cut = box.left < left - 0.5 || box.right > right + 0.5;
    if (cut || cell.scrollWidth > cell.clientWidth + 1) {
      clipped.push({text: cell.textContent.trim().replace(/\\s+/g, ' ').slice(0, 60),
                    left: box.left, right: box.right, visible_left: left, visible_right: right});
    }
  }
  return {scroll_width: document.documentElement.scrollWidth, viewport, clipped};
}"""


def axe_source() -> str:
    """axe-core's script, as shipped (and hash-locked) in the axe-playwright-python wheel."""
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


class BrowserMissingError(RuntimeError):
    """Debian's Chromium is not installed; the message says how to install it."""


def require_chromium(chromium: Path) -> None:
    """Raise :class:`BrowserMissingError`, with the install command, if Chromium is missing."""
    if not chromium.exists():
        raise BrowserMissingError(INSTALL_CHROMIUM.format(path=chromium))


#: How often the audit says how far it has got: every this many pages, and at each mode's end.
PROGRESS_EVERY = 5


#: Print a line at once: nox reads the output through a pipe, which Python buffers.
say = partial(print, flush=True)


def audit_pages(
    base_url: str,
    pages: Sequence[str],
    *,
    modes: Sequence[Mode] = MODES,
    chromium: Path = CHROMIUM,
    progress: Callable[[str], None] | None = None,
    screenshot_dir: Path | None = None,
) -> list[Finding]:
    """Open every page in every mode in one headless Chromium; return every problem found.

    *progress*, if given, is told how many pages of each mode are done (every
    :data:`PROGRESS_EVERY` pages and at the end of each mode). With *screenshot_dir*, the
    :data:`SCREENSHOT_PAGES` are photographed there in the phone modes."""
    from playwright.sync_api import sync_playwright

    require_chromium(chromium)
    findings: list[Finding] = []
    with sync_playwright() as playwright:
        # Playwright starts Chromium with a fresh temporary profile (--user-data-dir) itself.
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=list(CHROMIUM_FLAGS)
        )
        with browser:
            for mode in modes:
                started = time.monotonic()
                with new_context(browser, mode) as context:  # all pages of a mode in one context
                    page = context.new_page()
                    events = _watch(page)
                    for done, name in enumerate(pages, start=1):
                        findings += _audit_page(page, base_url, name, mode, events, screenshot_dir)
                        if progress and (done % PROGRESS_EVERY == 0 or done == len(pages)):
                            progress(
                                f"axe-core, {mode.name}: {done} of {len(pages)} pages audited "
                                f"({time.monotonic() - started:.0f} s)"
                            )
    return findings


def new_context(browser: Any, mode: Mode) -> Any:
    """A browser context (fresh storage) showing furo's theme for ``mode`` from the first paint."""
    context = browser.new_context(
        viewport={"width": mode.width, "height": mode.height},
        color_scheme=mode.theme,  # prefers-color-scheme, which furo's "auto" follows
        reduced_motion="reduce",
        service_workers="block",
    )
    # furo reads the reader's choice from localStorage "theme" before it paints.
    context.add_init_script(f"localStorage.setItem('theme', {json.dumps(mode.theme)});")
    return context


#: (check, rule, detail): a problem found on a page, other than axe's.
Problem = tuple[str, str, str]


def _watch(page: Any) -> list[Problem]:
    """The errors *page* reports from now on: in its console, or a request that failed."""
    events: list[Problem] = []

    def console(message: Any) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            events.append(("console", "error", f"{message.text} {where}".strip()))

    def failed(request: Any) -> None:
        events.append(("network", "failed", f"{request.url} ({request.failure})"))

    def response(response: Any) -> None:
        if response.status >= 400:
            events.append(("network", f"http-{response.status}", response.url))

    page.on("console", console)
    page.on("pageerror", lambda error: events.append(("console", "exception", str(error))))
    page.on("requestfailed", failed)
    page.on("response", response)
    return events


def _audit_page(
    page: Any, base_url: str, name: str, mode: Mode, events: list[Problem], shots: Path | None
) -> list[Finding]:
    """Every problem on one page in one mode: axe's, then the checks axe does not make, then
    the errors the page reported meanwhile (*events*, from :func:`_watch`)."""
    from axe_playwright_python.sync_playwright import Axe

    events.clear()
    page.goto(base_url + name, wait_until="load")
    findings = axe_findings(name, mode.name, Axe().run(page).response)
    seen = page.evaluate(_COLLECT)
    found: list[Problem] = []
    if seen["theme"] is not None and seen["theme"] != mode.theme:
        theme = f"body has data-theme={seen['theme']!r}, not {mode.theme!r}"
        found.append(("theme", "not-applied", theme))
    headings = [Heading(**h) for h in seen["headings"]]
    found += [("headings", "main-heading", problem) for problem in main_heading_problems(headings)]
    images = (Image(**i) for i in seen["images"])
    found += [("images", "empty-alt", problem) for problem in empty_alt_problems(images)]
    if mode.is_phone:
        found += [("layout", *problem) for problem in layout_problems(page.evaluate(_LAYOUT))]
        if shots is not None and name in SCREENSHOT_PAGES:
            shot = shots / f"{Path(name).stem}-{mode.name}.png"
            page.screenshot(path=str(shot), full_page=True)
    for check, rule, detail in [*found, *events]:
        findings.append(Finding(name, mode.name, check, rule, "serious", detail))
    return findings


# -- The command -----------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Run the audit and Lighthouse, print the findings and a table; 0 if every target is met."""
    parser = argparse.ArgumentParser(
        prog="python -m living_review.tools.browser_audit",
        description="Audit the built site in headless Chromium (axe-core) and with Lighthouse.",
    )
    parser.add_argument(
        "--html",
        type=Path,
        default=Path("docs/_build/html"),
        help="the built HTML site (default: %(default)s)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(),
        help="the project, where `npm ci` installs Lighthouse (default: the current directory)",
    )
    parser.add_argument("--chromium", type=Path, default=CHROMIUM, help="the browser")
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        metavar="PAGE",
        help="audit only this page (repeatable); default: every page",
    )
    parser.add_argument(
        "--mode",
        action="append",
        dest="modes",
        metavar="MODE",
        choices=[m.name for m in MODES],
        help="only this mode (repeatable)",
    )
    parser.add_argument("--skip-lighthouse", action="store_true", help="axe-core audit only")
    parser.add_argument(
        "--lighthouse-page",
        action="append",
        dest="lighthouse_pages",
        metavar="PAGE",
        help=f"default: {', '.join(LIGHTHOUSE_PAGES)}",
    )
    parser.add_argument(
        "--report-dir",
        type=Path,
        default=None,
        help="where the JSON reports go (default: <html>/../browser-audit)",
    )
    args = parser.parse_args(argv)
    html_dir: Path = args.html.resolve()
    index = html_dir / "index.html"
    if not index.exists():
        print(f"No built site at {html_dir} (build it with `nox -s docs`).", file=sys.stderr)
        return 2
    try:
        require_chromium(args.chromium)
    except BrowserMissingError as missing:
        print(missing, file=sys.stderr)
        return 2
    lighthouse_bin = None
    if not args.skip_lighthouse:
        lighthouse_bin = lighthouse.find_lighthouse(args.root)
        if lighthouse_bin is None:
            print(INSTALL_LIGHTHOUSE.format(root=args.root.resolve()), file=sys.stderr)
            return 2
    report_dir: Path = args.report_dir or html_dir.parent / "browser-audit"
    report_dir.mkdir(parents=True, exist_ok=True)
    pages = args.pages or site_pages(html_dir)
    modes = [m for m in MODES if not args.modes or m.name in args.modes]
    base_path = base_path_from_html(index.read_text(encoding="utf-8"))

    with serve(html_dir, base_path) as base_url:
        say(
            f"Serving {html_dir} at {base_url}; auditing {len(pages)} pages in Chromium, in "
            f"{len(modes)} modes ({', '.join(m.name for m in modes)})."
        )
        findings = audit_pages(
            base_url, pages, modes=modes, chromium=args.chromium, progress=say,
            screenshot_dir=report_dir,
        )  # fmt: skip
        (report_dir / "axe.json").write_text(
            json.dumps([asdict(f) for f in findings], indent=1), encoding="utf-8"
        )
        say(summarise(findings, len(pages), [m.name for m in modes]))
        failed = bool(findings)

        if lighthouse_bin is not None:
            results = []
            lighthouse_pages = args.lighthouse_pages or LIGHTHOUSE_PAGES
            for number, page in enumerate(lighthouse_pages, start=1):
                which = f"Lighthouse {number} of {len(lighthouse_pages)}"
                say(f"{which} under way: {page} (a phone on throttled 4G)")
                started = time.monotonic()
                results.append(
                    lighthouse.run_lighthouse(
                        base_url + page,
                        page,
                        lighthouse=lighthouse_bin,
                        chromium=args.chromium,
                        chrome_flags=CHROMIUM_FLAGS,
                        report_path=report_dir / f"lighthouse-{page.replace('/', '-')}.json",
                    )
                )
                say(f"{which}: {page} done in {time.monotonic() - started:.0f} s")
            print("\nLighthouse (phone, throttled 4G; scores 0-1, kB transferred):")
            print(lighthouse.format_table(results))
            misses = [m for r in results for m in lighthouse.target_failures(r)]
            for miss in misses:
                print(f"- target missed: {miss}")
            if not misses:
                print("Lighthouse: every target met.")
            failed |= bool(misses)
    print(f"Reports: {report_dir}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
