"""Citable editions: ``python -m living_review.tools.editions {list,prepare,tag,build} ...``.

An edition is a git tag ``edition-YYYY-MM-DD`` on a commit whose ``pyproject.toml``,
``CITATION.cff`` and ``.zenodo.json`` carry its version (``YYYY.M.D``) and date.

* ``prepare DATE`` (``nox -s release -- DATE`` runs it, then every check, then ``tag``) refuses
  a dirty working tree, a date that is not today (``--today`` fixes "today") and a date not
  later than the last edition; it writes the version and date into the three files and adds a
  changelog heading for the date if there is none.
* ``tag DATE`` commits those files and makes the annotated tag.
* ``list`` prints every edition as JSON: date, version, DOI, summary (its changelog heading)
  and two flags from comparing its claims with the previous edition's, with the comparison
  ``nox -s evidence-diff`` makes (:func:`living_review.tools.evidence_diff.compare`):
  **certainty changed** (a claim in both has another ``certainty``) and **conclusions changed**
  (a claim in both now favours another side, a claim was removed, or the key points of the
  bottom-line page changed).
* ``build --out DIR`` builds every earlier edition with its own code and locks (a git worktree
  per tag, and the tag's own ``nox -s docs``; ``--command`` replaces that) into
  ``DIR/editions/<date>/``, and marks each of its pages: a banner naming the edition and
  linking the current page, a canonical link to the current page, ``noindex``, and the version
  switcher. It writes the list to ``DIR/editions.json`` for the current build
  (``living_review.sphinxext.cite_this`` lists it on the editions page), and afterwards
  (``switch``) adds the switcher to the current pages too. The current site's sitemap lists
  only current pages.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from html import escape
from pathlib import Path

from living_review.tools.evidence_diff import GitError, compare, git, snapshot_at

TAG_PREFIX = "edition-"
TAG = re.compile(r"edition-(\d{4}-\d{2}-\d{2})\b")
EDITIONS_DIR = "editions"
LIST_FILE = "editions.json"
CHANGELOG = "docs/changelog.md"
BOTTOM_LINE = "bottom-line.md"  # docs-relative, as evidence_diff's pages
_KEY_POINTS = re.compile(r"^:::\{admonition\} Key points\n(.*?)^:::\s*$", re.MULTILINE | re.DOTALL)
#: Where the switcher and the banner go: at the top of the page's main content.
_MAIN = re.compile(r"<article[^>]*role=\"main\"[^>]*>")
_CANONICAL = re.compile(r"<link rel=\"canonical\"[^>]*>\s*")
_SWITCHER = re.compile(r"<nav class=\"edition-switcher\".*?</nav>\n", re.DOTALL)
_BANNER = re.compile(r"<div class=\"edition-banner\".*?</div>\n", re.DOTALL)


class ReleaseRefused(Exception):
    """``prepare`` will not make this edition; the message says why."""


def long_date(date: dt.date) -> str:
    return f"{date.day} {date:%B %Y}"


def version_of(date: dt.date) -> str:
    """The version of the edition of *date*: 2026.12.7 (PEP 440 and CFF alike)."""
    return f"{date.year}.{date.month}.{date.day}"


def edition_tags(root: Path) -> list[tuple[dt.date, str]]:
    """(date, tag) of every edition tag, oldest first."""
    names = git(root, "tag", "--list", f"{TAG_PREFIX}*").decode().split()
    found = [
        (dt.date.fromisoformat(m.group(1)), name) for name in names if (m := TAG.fullmatch(name))
    ]
    return sorted(found)


# -- prepare and tag ----------------------------------------------------------------------------


def check_release(root: Path, date: dt.date, today: dt.date) -> None:
    """Refuse a dirty tree, a date other than today, or one not after the last edition."""
    if git(root, "status", "--porcelain", "--untracked-files=no").strip():
        raise ReleaseRefused("the working tree has uncommitted changes: commit or stash them")
    if date != today:
        raise ReleaseRefused(f"an edition is dated the day it is made: {today}, not {date}")
    tags = edition_tags(root)
    if tags and date <= tags[-1][0]:
        raise ReleaseRefused(f"the last edition is {tags[-1][1]}: a new one must be later")


def _replace(path: Path, pattern: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    changed, count = re.subn(pattern, new, text, count=1, flags=re.MULTILINE)
    if count != 1:
        raise ReleaseRefused(f"{path.name}: found no line matching {pattern!r}")
    path.write_text(changed, encoding="utf-8")


def prepare(root: Path, date: dt.date) -> list[Path]:
    """Write the edition's version and date; add its changelog heading. The files changed."""
    version = version_of(date)
    changed = [root / "pyproject.toml", root / "CITATION.cff", root / ".zenodo.json"]
    _replace(changed[0], r'^version = ".*"$', f'version = "{version}"')
    _replace(changed[1], r"^version: .*$", f'version: "{version}"')
    _replace(changed[1], r"^date-released: .*$", f"date-released: {date.isoformat()}")
    _replace(changed[2], r'^  "version": ".*",$', f'  "version": "{version}",')
    changelog = root / CHANGELOG
    if changelog.exists():
        text = changelog.read_text(encoding="utf-8")
        if not re.search(rf"^## {re.escape(long_date(date))}\b", text, re.MULTILINE):
            first = re.search(r"^## ", text, re.MULTILINE)
            heading = (
                f"## {long_date(date)}: edition {version}\n\n"
                "This date marks a citable edition; the changes it collects are listed under "
                "the dates below, back to the previous edition.\n\n"
            )
            at = first.start() if first else len(text)
            changelog.write_text(text[:at] + heading + text[at:], encoding="utf-8")
            changed.append(changelog)
    return changed


def tag(root: Path, date: dt.date) -> str:
    """Commit the prepared files and tag the edition; the tag's name."""
    name = f"{TAG_PREFIX}{date.isoformat()}"
    files = ["pyproject.toml", "CITATION.cff", ".zenodo.json", CHANGELOG]
    git(root, "add", "--", *[f for f in files if (root / f).exists()])
    message = f"Edition of {long_date(date)} (version {version_of(date)})"
    if git(root, "diff", "--cached", "--name-only").strip():
        git(root, "commit", "-q", "-m", message)
    git(root, "tag", "-a", name, "-m", message)
    return name


# -- list ---------------------------------------------------------------------------------------


@dataclass
class EditionRecord:
    """One edition on the editions page."""

    date: str
    tag: str
    version: str
    doi: str
    summary: str
    conclusions_changed: bool
    certainty_changed: bool
    pdf: str = ""  # the PDF's path from the site's root, if built
    epub: str = ""


def _show(root: Path, tag_name: str, path: str) -> str:
    try:
        return git(root, "show", f"{tag_name}:{path}").decode("utf-8")
    except GitError:
        return ""


def key_points(pages: dict[str, str]) -> str:
    """The key points of the bottom-line page, whitespace normalised ("" if none)."""
    found = _KEY_POINTS.search(pages.get(BOTTOM_LINE, ""))
    return " ".join(found.group(1).split()) if found else ""


def flags(root: Path, previous: str, current: str) -> tuple[bool, bool]:
    """(conclusions changed, certainty changed) from *previous* to *current* (two tags)."""
    old, new = snapshot_at(root, previous, previous), snapshot_at(root, current, current)
    diff = compare(old, new)

    def favours(claim: object) -> object:
        return (claim.record.get("effect") or {}).get("favours")  # type: ignore[attr-defined]

    certainty = any(
        c.old.record.get("certainty") != c.new.record.get("certainty") for c in diff.claims_changed
    )
    conclusions = (
        any(favours(c.old) != favours(c.new) for c in diff.claims_changed)
        or bool(diff.claims_removed)
        or key_points(old.pages) != key_points(new.pages)
    )
    return conclusions, certainty


def edition_records(root: Path) -> list[EditionRecord]:
    """Every edition, oldest first."""
    import yaml

    # A DOI is minted after its tag: the current CITATION.cff records each edition's under
    # `identifiers` (type doi, a description naming the tag, e.g. "DOI of edition-2026-12-07").
    now = root / "CITATION.cff"
    current = (yaml.safe_load(now.read_text(encoding="utf-8")) or {}) if now.exists() else {}
    minted = {
        found.group(0): str(i["value"])
        for i in current.get("identifiers", [])
        if i.get("type") == "doi" and (found := TAG.search(str(i.get("description", ""))))
    }
    records, previous = [], None
    for date, name in edition_tags(root):
        cff = yaml.safe_load(_show(root, name, "CITATION.cff") or "{}") or {}
        heading = re.search(
            rf"^## {re.escape(long_date(date))}:?\s*(.*)$", _show(root, name, CHANGELOG), re.M
        )
        conclusions, certainty = flags(root, previous, name) if previous else (False, False)
        records.append(
            EditionRecord(
                date=date.isoformat(),
                tag=name,
                version=str(cff.get("version", "")),
                doi=minted.get(name) or str(cff.get("doi", "") or ""),
                summary=heading.group(1).strip() if heading else "",
                conclusions_changed=conclusions,
                certainty_changed=certainty,
            )
        )
        previous = name
    return records


# -- build --------------------------------------------------------------------------------------


def banner_html(date: str, current_href: str, *, same_page: bool = True) -> str:
    when = long_date(dt.date.fromisoformat(date))
    link = (
        "Read the current edition of this page"
        if same_page
        else "This page is not in the current edition: go to the current home page"
    )
    return (
        # Styled inline: an edition's own stylesheets (from its tag) may not know the class.
        '<div class="edition-banner" role="note" '
        'style="border:1px solid;padding:0.5rem 0.75rem;margin-bottom:1rem">\n'
        "<p>You are reading the edition of "
        f'{when}. <a href="{escape(current_href)}">{link}</a>.'
        "</p>\n</div>\n"
    )


def switcher_html(links: list[tuple[str, str, bool]]) -> str:
    """The version switcher: (label, href, is this one) for each edition, as plain links."""
    current = ' aria-current="page"'
    items = "".join(
        f'<li><a href="{escape(href)}"{current if here else ""}>{label}</a></li>'
        for label, href, here in links
    )
    return (
        '<nav class="edition-switcher" aria-label="Editions">\n<p>Editions of this page:</p>\n'
        f"<ul>{items}</ul>\n</nav>\n"
    )


def _pages(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.html") if not p.name.startswith("_"))


def _edition_links(
    out: Path, dates: list[str], relative: str, depth: int, here: str = ""
) -> list[tuple[str, str, bool]]:
    """The switcher's link to *relative* in each edition that has it (*here*: this one)."""
    return [
        (f"Edition of {long_date(dt.date.fromisoformat(d))}",
         f"{'../' * depth}{EDITIONS_DIR}/{d}/{relative}", d == here)
        for d in dates
        if (out / EDITIONS_DIR / d / relative).exists()
    ]  # fmt: skip


def mark_pages(out: Path, records: list[EditionRecord], site_url: str) -> None:
    """Add the switcher to every page, and the banner, canonical link and noindex to editions."""
    dates = [r.date for r in reversed(records)]  # newest first
    for page in _pages(out):
        relative = page.relative_to(out).as_posix()
        if relative.startswith(f"{EDITIONS_DIR}/"):
            continue
        depth = relative.count("/")
        links = [("Current edition", "../" * depth + relative, True)]
        links += _edition_links(out, dates, relative, depth)
        switcher = switcher_html(links) if len(links) > 1 else ""
        html = _insert_after_main(page.read_text(encoding="utf-8"), switcher)
        page.write_text(html, encoding="utf-8")
    for date in dates:
        folder = out / EDITIONS_DIR / date
        for page in _pages(folder):
            relative = page.relative_to(folder).as_posix()
            depth = relative.count("/") + 2  # editions/<date>/
            here = relative if (out / relative).exists() else "index.html"
            links = [("Current edition", "../" * depth + here, False)]
            links += _edition_links(out, dates, relative, depth, date)
            html = _CANONICAL.sub("", page.read_text(encoding="utf-8"))
            head = f'<link rel="canonical" href="{escape(site_url + here)}" />\n'
            if 'name="robots"' not in html:
                head += '<meta name="robots" content="noindex" />\n'
            html = html.replace("</head>", head + "</head>", 1)
            banner = banner_html(date, "../" * depth + here, same_page=here == relative)
            html = _insert_after_main(html, banner + switcher_html(links))
            page.write_text(html, encoding="utf-8")
        for extra in ("sitemap.xml", "robots.txt"):  # one sitemap: the current site's
            (folder / extra).unlink(missing_ok=True)


def _insert_after_main(html: str, insert: str) -> str:
    """*html* without its banner and switcher, then with *insert* (if any) after ``<article>``."""
    html = _BANNER.sub("", _SWITCHER.sub("", html))
    found = _MAIN.search(html) or re.search(r"<body[^>]*>", html)
    return f"{html[: found.end()]}\n{insert}{html[found.end() :]}" if found and insert else html


def build_editions(
    root: Path, out: Path, command: Sequence[str], site_url: str, pdf_command: Sequence[str] = ()
) -> list[dict]:
    """Build each edition in its own worktree into out/editions/<date>/; the records.

    *pdf_command* also runs where the edition's code can make a PDF (it has tools/pdf.py).
    """
    records = edition_records(root)
    with tempfile.TemporaryDirectory(prefix="editions-") as scratch:
        for record in records:
            tree = Path(scratch) / record.tag
            git(root, "worktree", "add", "--detach", "--quiet", str(tree), record.tag)
            try:
                env = {
                    **os.environ,
                    "REVIEW_SITE_URL": f"{site_url}{EDITIONS_DIR}/{record.date}/",
                    "PYTHONPATH": os.pathsep.join(
                        filter(None, [str(tree / "src"), os.environ.get("PYTHONPATH", "")])
                    ),
                }
                commands = [list(command)]
                if pdf_command and (tree / "src" / "living_review" / "tools" / "pdf.py").exists():
                    commands.append(list(pdf_command))
                for one in commands:
                    done = subprocess.run(one, cwd=tree, env=env, check=False)
                    if done.returncode != 0:
                        raise GitError(f"building {record.tag} failed ({shlex.join(one)})")
                target = out / EDITIONS_DIR / record.date
                shutil.rmtree(target, ignore_errors=True)
                shutil.copytree(tree / "docs" / "_build" / "html", target)
                for kind, pattern in (("pdf", "pdf/*.pdf"), ("epub", "epub/*.epub")):
                    for built in (tree / "docs" / "_build").glob(pattern):
                        shutil.copyfile(built, target / built.name)
                        setattr(record, kind, f"{EDITIONS_DIR}/{record.date}/{built.name}")
            finally:
                git(root, "worktree", "remove", "--force", str(tree))
    listing = [asdict(r) for r in records]
    out.mkdir(parents=True, exist_ok=True)
    (out / LIST_FILE).write_text(json.dumps(listing, indent=2) + "\n", encoding="utf-8")
    return listing


def command_line(text: str) -> list[str]:
    """A command given as a JSON list (any platform's paths) or as a shell-like string."""
    return json.loads(text) if text.lstrip().startswith("[") else shlex.split(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd())
    sub = parser.add_subparsers(dest="action", required=True)
    for name in ("prepare", "tag"):
        one = sub.add_parser(name)
        one.add_argument("date", type=dt.date.fromisoformat)
        one.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    sub.add_parser("list")
    build = sub.add_parser("build")
    build.add_argument("--out", type=Path, required=True, help="the combined site")
    build.add_argument("--site-url", required=True, help="the current site's address")
    build.add_argument(
        "--command",
        default=json.dumps([sys.executable, "-m", "nox", "-s", "docs", "--", "fresh"]),
        help="how to build an edition in its worktree, a JSON list (default: its `nox -s docs`)",
    )
    build.add_argument("--pdf-command", default="", help="how to build an edition's PDF")
    switch = sub.add_parser("switch", help="mark the pages once the current site is in --out")
    switch.add_argument("--out", type=Path, required=True)
    switch.add_argument("--site-url", required=True)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        if args.action == "prepare":
            check_release(root, args.date, args.today)
            for path in prepare(root, args.date):
                print(f"editions: updated {path.relative_to(root).as_posix()}")
        elif args.action == "tag":
            print(f"editions: tagged {tag(root, args.date)}")
        elif args.action == "list":
            print(json.dumps([asdict(r) for r in edition_records(root)], indent=2))
        elif args.action == "build":
            url = args.site_url.rstrip("/") + "/"
            listing = build_editions(
                root, args.out, command_line(args.command), url, command_line(args.pdf_command)
            )
            print(f"editions: built {len(listing)} earlier edition(s) into {args.out}")
        else:
            url = args.site_url.rstrip("/") + "/"
            listing = json.loads((args.out / LIST_FILE).read_text(encoding="utf-8"))
            mark_pages(args.out, [EditionRecord(**r) for r in listing], url)
    except ReleaseRefused as error:
        print(f"editions: refused: {error}", file=sys.stderr)
        return 2
    except GitError as error:
        print(f"editions: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
