"""Sphinx builds in fresh forks of a process with Sphinx already imported: docs-live's builder.

sphinx-autobuild runs a new ``python -m sphinx`` for every save, so every preview pays for
starting Python and importing Sphinx, docutils, MyST, pybtex and the site's extensions: about
0.6 s of CPU before the first page is read. Here one *worker* process pays that once:

* :class:`WarmBuilder` (in the live server) starts the worker, ``python -m
  living_review.tools.warm_builder``, and talks to it over two pipes, one JSON line a message.
* For each build the worker forks a child, which runs ``sphinx.cmd.build.main(argv)``: what
  ``sphinx-build`` runs, with the same arguments, output and exit status. The child exits after
  the build. The worker never builds, so nothing a build changes (Sphinx's and docutils'
  registries, extension state, caches, the random state) reaches the next build: each starts
  from the worker's state, which is what a new ``sphinx-build`` process has after its imports.
* After a build, the worker imports the modules that build imported (the child writes their
  names down), with their output discarded, and freezes them out of the garbage collector's
  way (:func:`gc.freeze`), so later children start with everything loaded.

* The child reports as soon as the site is written, and only then waits for its saved build
  environment. Sphinx pickles the environment after reading the pages and before writing them
  (a tenth of a second or more with a large bibliography), though only the next build reads it.
  In a child, that dump runs in a fork of the child taken at that very point (so it saves
  exactly the state Sphinx would have saved), beside the writing; the child waits for it
  before exiting, and the worker waits for the child before the next build, so no build ever
  reads an environment still being written.

The worker holds the project's own code as it was when imported, so the live server restarts it
(:meth:`WarmBuilder.restart`, which passes the learned module names on) when a ``.py`` file
changes. The worker is single-threaded, so forking it is safe; it ends when the pipes close.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import importlib
import io
import json
import os
import pickle
import random
import resource
import select
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

#: Imported before the first build, so even the initial build skips Sphinx's own start-up.
BASE_MODULES = ("sphinx.cmd.build", "sphinx.application", "docutils.core")
#: Never imported ahead of a build: the worker's own entry point and other processes' mains.
NOT_PRELOADED = ("__main__", "__mp_main__")
#: The garbage collector's thresholds in a build (Python's default: 700, 10, 10). The output
#: does not depend on when cycles are collected; the time does (``nox -s bench``).
CHILD_GC_THRESHOLDS = (50_000, 20, 20)


@dataclass(frozen=True)
class BuildResult:
    """One build's exit status, wall and CPU seconds, and peak memory (kB)."""

    returncode: int
    wall: float
    cpu: float
    max_rss_kb: int

    @property
    def ok(self) -> bool:
        return self.returncode == 0


# -- The worker process ------------------------------------------------------------------------


@contextlib.contextmanager
def output_discarded() -> Iterator[None]:
    """Send stdout and stderr, at the file-descriptor level too, to /dev/null for the block."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in (*saved, devnull):
            os.close(descriptor)


def preload(names: Iterable[str]) -> int:
    """Import the modules named (those not yet imported), quietly; return how many were new."""
    new = [name for name in names if name not in sys.modules and name not in NOT_PRELOADED]
    if not new:
        return 0
    with output_discarded():
        for name in new:
            with contextlib.suppress(Exception, SystemExit):
                importlib.import_module(name)
    gc.collect()
    gc.freeze()  # children need not scan what the worker loaded (and pages stay shared)
    return len(new)


#: Processes saving a build environment, forked by this (child) process, and the file of each.
_environment_saves: list[tuple[int, str]] = []
#: In a child: the pipe it reports on (a saver it forks closes its copy).
_report_descriptor: int | None = None


class _PickleSavingTheEnvironmentAside:
    """``pickle`` as ``sphinx.builders`` sees it in a child: the dump of the build environment
    happens in a fork, so the build goes on writing pages meanwhile."""

    def __getattr__(self, name: str) -> Any:
        return getattr(pickle, name)

    def dump(self, obj: Any, file: Any, *args: Any, **kwargs: Any) -> None:
        from sphinx.application import ENV_PICKLE_FILENAME

        name = getattr(file, "name", None)
        if not isinstance(name, str) or os.path.basename(name) != ENV_PICKLE_FILENAME:
            pickle.dump(obj, file, *args, **kwargs)
            return
        file.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the saver: the state at this point, written, then gone
            status = 1
            try:
                if _report_descriptor is not None:
                    os.close(_report_descriptor)
                pickle.dump(obj, file, *args, **kwargs)
                file.flush()
                status = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(status)
        _environment_saves.append((pid, name))


def wait_for_environment_saves() -> bool:
    """Wait for this process's environment saves; False if one failed (its file is then
    removed, so the next build reads the pages afresh instead of a broken environment)."""
    saved = True
    while _environment_saves:
        pid, name = _environment_saves.pop()
        _, status = os.waitpid(pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            saved = False
            with contextlib.suppress(OSError):
                os.unlink(name)
    return saved


def _own_usage() -> tuple[float, int]:
    """CPU seconds of this process and the children it has reaped, and its peak memory (kB)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    return cpu, own.ru_maxrss


def read_report(descriptor: int, pid: int) -> str:
    """The child's one-line report, or "" if it ended without one. Processes the build forked
    (sphinx-sitemap's multiprocessing manager) may hold the pipe open after the child is gone,
    so the end of the child, not only of the pipe, ends the wait."""
    received = b""
    ended = False
    while b"\n" not in received:
        readable, _, _ = select.select([descriptor], [], [], 0 if ended else 0.2)
        if readable:
            chunk = os.read(descriptor, 1 << 16)
            if not chunk:
                break
            received += chunk
        elif ended:
            break  # the child ended (it is reaped later) without a full report
        else:  # read once more after the child has ended: it may have written just before
            ended = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    line, newline, _ = received.partition(b"\n")
    return line.decode("utf-8") if newline else ""


def run_in_child(argv: Sequence[str], cwd: str) -> tuple[BuildResult, list[str], int]:
    """Fork; the child runs sphinx-build's ``main(argv)``, reports, and exits once its saved
    environment is written. Returns its result and the modules it had imported as soon as it
    has reported, with its pid: the caller must wait for it (``os.waitpid``) before the next."""
    global _report_descriptor
    report_read, report_write = os.pipe()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child: one build, then exit without running the worker's clean-up
        os.close(report_read)
        _report_descriptor = report_write
        returncode = 2
        loaded: list[str] = []
        try:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl+C stops the build
            random.seed()  # as a new process would be
            # Fewer young-generation collections: a build allocates millions of objects (the
            # pickled environment alone), and collecting every 700 took a sixth of a rebuild.
            gc.set_threshold(*CHILD_GC_THRESHOLDS)
            os.chdir(cwd)
            sys.argv = ["sphinx-build", *argv]
            import sphinx.builders
            from sphinx.cmd.build import main

            builders: Any = sphinx.builders
            builders.pickle = _PickleSavingTheEnvironmentAside()
            returncode = main(list(argv))
            loaded = sorted(name for name, module in sys.modules.items() if module is not None)
        except SystemExit as stop:
            returncode = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            # What a process does on its way out: exit handlers (multiprocessing's stops the
            # manager process sphinx-sitemap starts, which would otherwise outlive the build).
            with contextlib.suppress(BaseException):
                atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
            with contextlib.suppress(BaseException):
                cpu, max_rss_kb = _own_usage()
                report = {"returncode": returncode, "cpu": cpu, "max_rss_kb": max_rss_kb}
                line = json.dumps({**report, "modules": loaded}) + "\n"
                with open(report_write, "w", encoding="utf-8") as pipe:
                    pipe.write(line)
            with contextlib.suppress(BaseException):
                wait_for_environment_saves()
            os._exit(returncode)
    os.close(report_write)
    try:
        line = read_report(report_read, pid)
    finally:
        os.close(report_read)
    wall = time.perf_counter() - start
    if line:
        report = json.loads(line)
        result = BuildResult(report["returncode"], wall, report["cpu"], report["max_rss_kb"])
        return result, report["modules"], pid
    # The child died before reporting (killed, out of memory): its exit status says how.
    _, status, usage = os.wait4(pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    result = BuildResult(os.waitstatus_to_exitcode(status), wall, cpu, usage.ru_maxrss)
    return result, [], 0


def serve_requests(requests: IO[str], replies: IO[str]) -> None:
    """Answer ``{"preload": [...]}`` and ``{"build": argv, "cwd": dir}`` lines until EOF."""
    learned: set[str] = set()
    for line in requests:
        message: dict[str, Any] = json.loads(line)
        if "preload" in message:
            preload(message["preload"])
            continue
        result, modules, child = run_in_child(message["build"], message["cwd"])
        new_modules = sorted(set(modules) - learned)
        learned.update(modules)
        replies.write(json.dumps({"result": result.__dict__, "modules": new_modules}) + "\n")
        replies.flush()
        # After replying (the author already has the page): the child's environment save, and
        # the modules the next build will want.
        if child:
            os.waitpid(child, 0)
        preload(modules)


def worker_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="docs-live's build worker (started by it)")
    parser.add_argument("--requests", type=int, required=True, help="fd to read requests from")
    parser.add_argument("--replies", type=int, required=True, help="fd to write replies to")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is for the build and the server
    preload(BASE_MODULES)
    with (
        open(args.requests, encoding="utf-8") as requests,
        open(args.replies, "w", encoding="utf-8") as replies,
    ):
        serve_requests(requests, replies)
    return 0


# -- The live server's side --------------------------------------------------------------------


class WarmBuilder:
    """Runs sphinx-build in a warm worker process (started on first use, restarted on demand)."""

    def __init__(self, python: str = sys.executable) -> None:
        self.python = python
        self.modules: list[str] = []  # what builds imported: preloaded by a restarted worker
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: IO[str] | None = None
        self._replies: IO[str] | None = None

    def start(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        command = [self.python, "-m", "living_review.tools.warm_builder"]
        command += ["--requests", str(request_read), "--replies", str(reply_write)]
        self._process = subprocess.Popen(
            command, pass_fds=(request_read, reply_write), stdin=subprocess.DEVNULL
        )
        os.close(request_read)
        os.close(reply_write)
        self._requests = open(request_write, "w", encoding="utf-8")  # noqa: SIM115
        self._replies = open(reply_read, encoding="utf-8")  # noqa: SIM115
        if self.modules:
            self._send({"preload": self.modules})

    def _send(self, message: dict[str, Any]) -> None:
        assert self._requests is not None
        self._requests.write(json.dumps(message) + "\n")
        self._requests.flush()

    def build(self, argv: Sequence[str], cwd: Path | None = None) -> BuildResult:
        """Run ``sphinx-build argv`` in a fresh child of the worker; its output goes to ours."""
        if self._process is None or self._process.poll() is not None:
            self.stop()
            self.start()
        start = time.perf_counter()
        try:
            self._send({"build": list(argv), "cwd": str(cwd or Path.cwd())})
            assert self._replies is not None
            line = self._replies.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:  # the worker died (killed, or out of memory): start afresh next time
            self.stop()
            return BuildResult(-1, time.perf_counter() - start, 0.0, 0)
        reply = json.loads(line)
        self.modules = sorted(set(self.modules) | set(reply["modules"]))
        return BuildResult(**reply["result"])

    def restart(self) -> None:
        """A new worker, which imports the project's code afresh (and what builds used)."""
        self.stop()
        self.start()

    def stop(self) -> None:
        for stream in (self._requests, self._replies):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self._requests = self._replies = None
        if self._process is not None:
            try:
                self._process.wait(timeout=10)  # it ends at EOF, after any build in progress
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    @property
    def worker_pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


if __name__ == "__main__":
    sys.exit(worker_main())
