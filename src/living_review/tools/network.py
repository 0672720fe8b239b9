"""Is there a network at all? One quick probe before an online check.

Without a network, every request of an online check fails on its own, after its timeout and its
retries: minutes of identical errors, and links reported as if they were dead. So the online checks
(``nox -s citations -- --online``, ``nox -s linkcheck``) first call :func:`unreachable` with the
addresses they are about to ask. It tries one TCP connection to each host (or to the proxy, where
one is configured), all at once and with a short timeout, and returns as soon as one connects. When
none does, the check prints :data:`NO_NETWORK` once and exits with :data:`EXIT_COULD_NOT_CHECK`,
within seconds, having judged nothing.
"""

from __future__ import annotations

import queue
import socket
import threading
import time
import urllib.request
from collections.abc import Iterable
from urllib.parse import urlsplit

NO_NETWORK = "could not check: no network"
#: The exit status of an online check that could not judge anything (nox passes it on).
EXIT_COULD_NOT_CHECK = 3
#: Seconds the probe waits for a first connection: longer than any working network needs.
PROBE_TIMEOUT = 5.0

Endpoint = tuple[str, int]


def endpoint(url: str) -> Endpoint:
    """The (host, port) a request for *url* connects to first: its proxy's, if one applies."""
    parts = urlsplit(url)
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    default_port = 443 if parts.scheme == "https" else 80
    return parts.hostname or "", parts.port or default_port


def unreachable(urls: Iterable[str], timeout: float = PROBE_TIMEOUT) -> str | None:
    """``None`` as soon as one host of *urls* accepts a connection; else why none did.

    Each host is tried once, in its own thread, so the answer comes within *timeout* seconds
    even when the name lookup itself hangs (the threads are daemons: a hung lookup never delays
    the exit).
    """
    targets = sorted({endpoint(url) for url in urls})
    if not targets:
        return None
    answers: queue.SimpleQueue[tuple[Endpoint, str | None]] = queue.SimpleQueue()

    def attempt(target: Endpoint) -> None:
        try:
            with socket.create_connection(target, timeout=timeout):
                pass
        except OSError as error:
            answers.put((target, _describe(error, timeout)))
        else:
            answers.put((target, None))

    for target in targets:
        threading.Thread(target=attempt, args=(target,), daemon=True).start()
    deadline = time.monotonic() + timeout
    failures: dict[Endpoint, str] = {}
    while len(failures) < len(targets):
        try:
            target, failure = answers.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if failure is None:
            return None
        failures[target] = failure
    for target in targets:
        failures.setdefault(target, f"no answer within {timeout:g} s")
    hosts_by_reason: dict[str, list[str]] = {}
    for (host, port), why in sorted(failures.items()):
        hosts_by_reason.setdefault(why, []).append(host if port in (80, 443) else f"{host}:{port}")
    return "; ".join(f"{', '.join(hosts)}: {why}" for why, hosts in hosts_by_reason.items())


def _describe(error: OSError, timeout: float) -> str:
    """A short reason: socket errors' own text is long and varies between platforms."""
    if isinstance(error, socket.gaierror):
        return f"name not resolved, {error.strerror or error}"
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return error.strerror or str(error)
