"""Serve a built site on 127.0.0.1 the way its host would, for checks in a real browser.

The server runs in a thread of the calling process on an ephemeral port. It serves the HTML
directory under the site's URL path (``/living-review/`` when the canonical address is
``https://example.org/living-review/``), so the 404 page's absolute links resolve as they do
when published, and it compresses text with gzip like GitHub Pages or Read the Docs, so the
bytes Lighthouse counts are the bytes a reader downloads.
"""

from __future__ import annotations

import gzip
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

#: Content types compressed on the fly (the rest, such as images, is sent as it is).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


class _CanonicalLink(HTMLParser):
    """Finds the first ``<link rel="canonical" href="...">``."""

    def __init__(self) -> None:
        super().__init__()
        self.href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and self.href is None and "canonical" in (values.get("rel") or "").split():
            self.href = values.get("href")


def base_path_from_html(html: str) -> str:
    """The URL path the site is published under, from a page's canonical link ("/" if none).

    >>> base_path_from_html('<link rel="canonical" href="https://x.org/review/index.html">')
    '/review/'
    """
    finder = _CanonicalLink()
    finder.feed(html)
    if not finder.href:
        return "/"
    path = urlsplit(finder.href).path or "/"
    return path[: path.rfind("/") + 1]


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True if an ``Accept-Encoding`` header allows gzip (and does not refuse it with q=0)."""
    for item in (accept_encoding or "").split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in {"gzip", "*"}:
            return params.replace(" ", "").lower() not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Serves ``directory`` under ``base_path``, gzipping text; quiet."""

    base_path = "/"

    def translate_path(self, path: str) -> str:
        """Map a URL under the base path to a file; anything outside it is missing."""
        url_path = urlsplit(path).path
        if not url_path.startswith(self.base_path):
            return os.path.join(self.directory, ".outside-the-site", "missing")
        return super().translate_path("/" + url_path[len(self.base_path) :])

    def send_head(self):  # type: ignore[no-untyped-def]
        """Like the standard handler, but text goes out gzipped when the client accepts it."""
        path = Path(self.translate_path(self.path))
        if path.is_dir() and urlsplit(self.path).path.endswith("/"):
            path = path / "index.html"
        content_type = self.guess_type(str(path))
        gzip_ok = accepts_gzip(self.headers.get("Accept-Encoding"))
        if not (gzip_ok and path.is_file() and content_type.startswith(COMPRESSIBLE)):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return BytesIO(body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the audit's output readable: no request log."""


@contextmanager
def loopback_server(
    handler: Callable[..., BaseHTTPRequestHandler],
) -> Iterator[ThreadingHTTPServer]:
    """An HTTP server on 127.0.0.1 (an ephemeral port), in a thread, for the ``with`` block.

    Each request gets its own daemon thread; leaving the block stops the server within a few
    hundredths of a second, even while a client still waits for an answer.
    """
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="loopback-server", daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def base_url(server: ThreadingHTTPServer, path: str = "/") -> str:
    """The address of *path* on a server from :func:`loopback_server`."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}{path}"


@contextmanager
def serve(directory: Path, base_path: str = "/") -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (ephemeral port); yields the site's base URL."""
    if not base_path.startswith("/") or not base_path.endswith("/"):
        raise ValueError(f"base path must start and end with '/': {base_path!r}")
    handler = type("Handler", (SiteRequestHandler,), {"base_path": base_path})
    with loopback_server(partial(handler, directory=str(directory))) as server:
        yield base_url(server, base_path)
