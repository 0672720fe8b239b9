"""``nox -s docs-live``: sphinx-autobuild, set up for this project.

Serves the site on http://127.0.0.1:8000 and rebuilds it with ``sphinx-build`` (strict, as
``nox -s docs``) whenever a page, ``references.bib``, ``claims.yaml``, a ``safety-net.yaml``,
``searches.yaml`` or the project's code (``src/``) changes; the page open in the browser then
reloads itself. The build output (``docs/_build``) and bytecode are not watched. Plain
sphinx-autobuild, so it works wherever Python does (Linux, macOS, Windows).

Usage: ``python -m living_review.tools.live [--root DIR] [sphinx-autobuild options]``, e.g.
``--port 8001``; the options go to sphinx-autobuild (``--help`` lists them).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

#: sphinx-build's options, as in ``nox -s docs``: warnings are errors, every reference resolves.
STRICT = ["-W", "--keep-going", "-n"]
#: Files and folders the build reads besides the pages (relative to the project root), if there.
INPUTS = ("references.bib", "claims.yaml", "safety-net.yaml", "searches.yaml", "src")
#: Never a reason to rebuild: bytecode, editors' backup and swap files.
IGNORED = r"(__pycache__|\.pyc$|~$|\.sw[px]$|\.#)"


def watched(root: Path) -> list[Path]:
    """What sphinx-autobuild watches besides ``docs/``: the inputs that exist."""
    found = [root / name for name in INPUTS]
    found += sorted(root.glob("*/safety-net.yaml"))  # e.g. data/safety-net.yaml
    return [path for path in dict.fromkeys(found) if path.exists()]


def autobuild_argv(root: Path, outdir: Path | None = None, extra: Sequence[str] = ()) -> list[str]:
    """sphinx-autobuild's command line for the project at *root*."""
    docs, build = root / "docs", root / "docs" / "_build"
    argv = [*STRICT]
    for path in watched(root):
        argv += ["--watch", str(path)]
    argv += ["--ignore", str(build), "--re-ignore", IGNORED, *extra]
    return [*argv, str(docs), str(outdir or build / "live")]


def main(argv: Sequence[str] | None = None) -> int:
    """Run sphinx-autobuild until interrupted."""
    from sphinx_autobuild.__main__ import main as autobuild

    args = list(sys.argv[1:] if argv is None else argv)
    root = Path()
    if "--root" in args:
        at = args.index("--root")
        root = Path(args[at + 1])
        del args[at : at + 2]
    autobuild(autobuild_argv(root.resolve(), extra=args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
