"""Save -> reload figures for ``nox -s bench``: docs-live timed the way an author meets it.

A live server (``nox -s docs-live``'s command, or plain sphinx-autobuild for comparison) runs on
a free 127.0.0.1 port over a throw-away copy of the project. A client connects to its reload
websocket as the page's script does; then each run writes a page (a new sentence, saved as an
editor saves it), waits for the server's ``refresh`` message, fetches the page as the browser
then does, and stops the clock once the page has the new sentence. CPU time is that of the
server and every process under it (its build worker and build processes included).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: sphinx-autobuild's reload websocket, which our server keeps (living_review.tools.live).
RELOAD_PATH = "/websocket-reload"


class LiveServerFailed(RuntimeError):
    """The live server did not start, build or reload (its log is in the message)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2 :].split()  # after "pid (name) "; field 3 is at index 0


def process_tree_cpu(root: int) -> float:
    """CPU seconds of *root* and every process under it, including children already reaped
    (Linux /proc: user + system time, and that of waited-for children)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat_fields(int(entry.name))):
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    ticks = 0
    for pid in tree:
        fields = _stat_fields(pid)
        if fields:
            ticks += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return ticks / _clock_ticks()


def fetch(url: str, timeout: float = 10.0) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # 127.0.0.1 only
            return str(response.read().decode("utf-8"))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


@dataclass
class LiveServer:
    """A running live server: its process, port and log."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self) -> str:
        return self.log.read_text("utf-8", errors="replace")[-4000:]


@contextmanager
def live_server(
    command: Sequence[str], cwd: Path, port: int, log: Path, start_timeout: float = 900.0
) -> Iterator[LiveServer]:
    """Start *command* (which serves on *port*), wait until it serves index.html, stop it after."""
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            list(command), cwd=cwd, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    server = LiveServer(process, port, log)
    try:
        deadline = time.monotonic() + start_timeout
        while fetch(server.url("/index.html"), timeout=2) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                raise LiveServerFailed(f"{' '.join(command)}\n{server.log_tail()}")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)  # as Ctrl+C in its terminal
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@dataclass(frozen=True)
class Reload:
    """One save -> reload: wall seconds, CPU seconds of the server's process tree."""

    wall: float
    cpu: float


def save_and_wait_for_reload(
    server: LiveServer, page: Path, html_path: str, timeout: float = 300.0
) -> Reload:
    """Append a sentence to *page*; time until the reload message came and the page has it."""
    from websockets.sync.client import connect

    marker = f"Live benchmark sentence {uuid.uuid4().hex}."
    with connect(f"ws://127.0.0.1:{server.port}{RELOAD_PATH}", open_timeout=30) as client:
        cpu_before = process_tree_cpu(server.process.pid)
        start = time.perf_counter()
        page.write_text(page.read_text("utf-8") + f"\n{marker}\n", "utf-8")
        deadline = start + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise LiveServerFailed(f"no reload with {marker!r} within {timeout:g} s\n"
                                       f"{server.log_tail()}")  # fmt: skip
            try:
                client.recv(timeout=remaining)  # "refresh": the page reloads itself
            except TimeoutError:
                continue
            html = fetch(server.url(html_path))
            if html is not None and marker in html:
                break
        wall = time.perf_counter() - start
    return Reload(wall, process_tree_cpu(server.process.pid) - cpu_before)


def our_server_command(python: str, project: Path, outdir: Path, port: int) -> list[str]:
    """``nox -s docs-live``'s command (living_review.tools.live), on *port*."""
    strict = ["-W", "--keep-going", "-n"]
    return [python, "-m", "living_review.tools.live", *strict, str(project / "docs"), str(outdir),
            "--port", str(port)]  # fmt: skip


def autobuild_command(python: str, project: Path, outdir: Path, port: int) -> list[str]:
    """Plain sphinx-autobuild, as ``nox -s docs-live`` ran it before (for comparison)."""
    autobuild = Path(python).with_name("sphinx-autobuild")
    command = [str(autobuild) if autobuild.exists() else "sphinx-autobuild"]
    command += ["-W", "--keep-going", "-n"]
    for name in ("references.bib", "claims.yaml", "src"):
        if (project / name).exists():
            command += ["--watch", str(project / name)]
    return [*command, str(project / "docs"), str(outdir), "--port", str(port)]


def measure_reloads(
    command: Sequence[str], project: Path, page: str, runs: int, log: Path
) -> list[Reload]:
    """Start the server, save *page* once to warm up (not counted), then *runs* times."""
    port = int(command[command.index("--port") + 1])
    source = project / "docs" / f"{page}.md"
    with live_server(command, project, port, log) as server:
        save_and_wait_for_reload(server, source, f"/{page}.html")  # the first save after start
        return [save_and_wait_for_reload(server, source, f"/{page}.html") for _ in range(runs)]
