"""``nox -s docs-live``: serve the site on 127.0.0.1:8000 and rebuild it on every save, warm.

The same server as sphinx-autobuild's (Starlette and uvicorn; its livereload websocket and the
small script its middleware adds to each HTML *response*, never to the files, so the site on
disk is exactly what ``sphinx-build`` writes), with one change: each rebuild runs in a fresh
fork of a process that has Sphinx and the site's extensions already imported
(:mod:`living_review.tools.warm_builder`) instead of a new ``python -m sphinx`` process.

Usage: ``python -m living_review.tools.live [sphinx-build options] SOURCE_DIR OUTPUT_DIR``
with ``--host``, ``--port``, ``--watch PATH`` (repeatable) and ``--no-initial``. Without
``--watch`` it watches, beside SOURCE_DIR, the files of the project the build reads
(:data:`PROJECT_INPUTS`, next to SOURCE_DIR). A failed build prints Sphinx's messages and one
line saying so; the server keeps serving the last pages written and rebuilds on the next save.
A changed ``.py`` file (an extension, ``conf.py``) or any file under ``src/`` restarts the build
worker, so the next build runs the new code.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

#: What the build reads besides the pages, relative to the project root (SOURCE_DIR's parent).
PROJECT_INPUTS = ("references.bib", "claims.yaml", "schemas", "src")
#: Where the project's code is (relative to the root): a change there restarts the worker.
PROJECT_CODE = ("src",)
#: How long the watcher waits for more changes after one (ms; watchfiles' default is 50).
WATCH_STEP_MS = 20
#: Directories never watched (editors' and tools' files), beside the output and doctrees.
IGNORED_DIRS = (".git", ".nox", ".venv", "node_modules", ".pytest_cache", ".ruff_cache")
PREFIX = "[docs-live]"


def say(message: str) -> None:
    print(f"{PREFIX} {message}", flush=True)


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str], argparse.Namespace]:
    """Our options, the sphinx-build arguments (checked by Sphinx's own parser) and theirs."""
    from sphinx.cmd.build import get_parser

    parser = argparse.ArgumentParser(
        prog="python -m living_review.tools.live",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Other arguments go to sphinx-build (SOURCE_DIR and OUTPUT_DIR last).",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=8000, help="port to serve on (default 8000)")
    parser.add_argument("--watch", action="append", type=Path, default=[], help="also watch")
    parser.add_argument("--no-initial", action="store_true", help="skip the first build")
    args, sphinx_argv = parser.parse_known_args(list(argv))
    sphinx_args = get_parser().parse_args(sphinx_argv)
    return args, sphinx_argv, sphinx_args


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


class LiveBuilder:
    """Called with the changed paths: rebuilds in the warm worker and says how it went.

    A change to code the worker may hold imported (a ``.py`` file anywhere, or any file under
    *code_dirs*, which modules may read when imported) restarts the worker first.
    """

    def __init__(
        self, sphinx_argv: Sequence[str], url: str, code_dirs: Sequence[Path] = ()
    ) -> None:
        from living_review.tools.warm_builder import WarmBuilder

        self.sphinx_argv = list(sphinx_argv)
        self.url = url
        self.code_dirs = [directory.resolve() for directory in code_dirs]
        self.builder = WarmBuilder()

    def is_code(self, path: Path) -> bool:
        return path.suffix == ".py" or any(path.is_relative_to(d) for d in self.code_dirs)

    def __call__(self, *, changed_paths: Sequence[Path]) -> None:
        if changed_paths:
            shown = ", ".join(_relative(path) for path in changed_paths[:5])
            say(f"changed: {shown}{' ...' if len(changed_paths) > 5 else ''}")
        if any(self.is_code(path) for path in changed_paths):
            say("code changed: restarting the build worker")
            self.builder.restart()
        result = self.builder.build(self.sphinx_argv)
        if result.ok:
            say(f"built in {result.wall:.2f} s; serving {self.url}")
        elif result.returncode < 0:
            say(
                f"BUILD FAILED: the build process ended abnormally (status {result.returncode});"
                f" still serving the last pages built at {self.url}; save again to retry"
            )
        else:
            say(
                f"BUILD FAILED (exit status {result.returncode}): see the messages above; still"
                f" serving the last pages built at {self.url}; fix the source and save again"
            )

    def close(self) -> None:
        self.builder.stop()


def _relative(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def make_app(
    watched: list[Path], ignored: list[Path], builder: LiveBuilder, outdir: Path, ws_host: str
):  # type: ignore[no-untyped-def]
    """The Starlette app: sphinx-autobuild's websocket route, static files and script injection;
    rebuilds run in a thread that waits on the worker (the server never forks)."""
    import watchfiles
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from sphinx_autobuild.server import RebuildServer
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Mount, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    editor_files = watchfiles.DefaultFilter()  # swap files, backups, __pycache__, .git

    class WarmRebuildServer(RebuildServer):
        async def watch(self) -> None:
            async for changes in watchfiles.awatch(
                *self.paths,
                step=WATCH_STEP_MS,
                watch_filter=lambda change, path: (
                    editor_files(change, path) and not self.ignore(path)
                ),
            ):
                changed = sorted({Path(path).resolve() for _, path in changes})
                await asyncio.to_thread(self.change_callback, changed_paths=changed)
                self.flag.set()  # every connected page reloads

    watcher = WarmRebuildServer(watched, IgnoreFilter(ignored, []), change_callback=builder)
    return Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            Mount("/", app=StaticFiles(directory=outdir, html=True), name="static"),
        ],
        middleware=[Middleware(JavascriptInjectorMiddleware, ws_url=ws_host)],
        lifespan=watcher.lifespan,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args, sphinx_argv, sphinx_args = parse_args(sys.argv[1:] if argv is None else argv)
    srcdir = Path(sphinx_args.sourcedir).resolve()
    outdir = Path(sphinx_args.outputdir).resolve()
    if not srcdir.is_dir():
        print(f"{srcdir}: no such directory (SOURCE_DIR)", file=sys.stderr)
        return 2
    if not port_is_free(args.host, args.port):
        print(
            f"{args.host}:{args.port} is already in use (another docs-live?): stop it, or serve"
            " on another port with `nox -s docs-live -- --port 8001`",
            file=sys.stderr,
        )
        return 2
    outdir.mkdir(parents=True, exist_ok=True)
    watched = [srcdir] + [path.resolve() for path in args.watch]
    if not args.watch:
        watched += [
            srcdir.parent / name for name in PROJECT_INPUTS if (srcdir.parent / name).exists()
        ]
    ignored = [outdir, srcdir / "_build"]
    if sphinx_args.doctreedir:
        ignored.append(Path(sphinx_args.doctreedir).resolve())
    ignored += [srcdir.parent / name for name in IGNORED_DIRS]
    ws_host = f"{args.host}:{args.port}"
    code_dirs = [srcdir.parent / name for name in PROJECT_CODE]
    builder = LiveBuilder(sphinx_argv, f"http://{ws_host}/", code_dirs)
    try:
        if not args.no_initial:
            say("first build")
            started = time.perf_counter()
            builder(changed_paths=())
            say(f"ready after {time.perf_counter() - started:.1f} s; watching for changes")
        import uvicorn

        app = make_app(watched, ignored, builder, outdir, ws_host)
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    except KeyboardInterrupt:
        pass
    finally:
        builder.close()
        say("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
