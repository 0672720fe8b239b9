"""A small, polite HTTP client for the online checks (standard library only).

Polite means: a descriptive User-Agent with a contact address, a minimum interval between two
requests to the same host, a timeout on every request, a few retries with exponential backoff
that honour ``Retry-After`` on 429 and 503, and an on-disk cache (one JSON file per URL) whose
answers expire after some days, so a weekly run asks only about what is new or stale.

Only definite answers are cached: 200 and 404 (and 410). Anything else is retried and, in the
end, raised as :class:`FetchError`, which the checks report as "could not check".
"""

from __future__ import annotations

import email.utils
import hashlib
import itertools
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFINITE = frozenset({200, 404, 410})
RETRYABLE = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class ClientSettings:
    user_agent: str
    timeout: float = 15.0  # seconds, per connection attempt and per read
    retries: int = 3  # further attempts after the first
    backoff: float = 2.0  # seconds before the first retry; doubles each time
    max_wait: float = 120.0  # the longest Retry-After we accept before giving up
    cache_dir: Path | None = Path(".cache/citations")
    cache_days: float = 28.0  # answers older than this are asked again
    min_interval: float = 0.2  # seconds between two requests to one host...
    host_intervals: Mapping[str, float] = field(default_factory=dict)  # ...or as given per host


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


class FetchError(Exception):
    """No definite answer: network failure, timeout, or an error status after every retry."""


class Client:
    """GET with throttling, retries and a cache. Safe to share between threads."""

    def __init__(
        self, settings: ClientSettings, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep  # tests pass a recorder instead of really waiting
        self._lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        self.requests = 0  # how many requests went over the network
        self.cache_hits = 0

    def get(
        self, url: str, params: Mapping[str, str] | None = None, *, use_cache: bool = True
    ) -> Response:
        """GET *url*; *params* (contact details) are sent but not part of the cache key.

        ``use_cache=False`` is for a batch request whose answer the caller splits and caches per
        item (:meth:`remember`)."""
        if use_cache and (cached := self.cached(url)) is not None:
            return cached
        full_url = url
        if params:
            full_url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params)
        for attempt in itertools.count():
            try:
                response = self._fetch(url, full_url)
                break
            except _Retry as retry:
                reason, wait = retry.args
                if attempt >= self.settings.retries:
                    raise FetchError(f"{reason} (gave up after {attempt + 1} tries)") from None
                wait = wait if wait is not None else self.settings.backoff * 2**attempt
                if wait > self.settings.max_wait:
                    raise FetchError(f"{reason}; asked to wait {wait:.0f} s") from None
                self._sleep(wait)
        if use_cache:
            self._write_cache(response)
        return response

    def cached(self, url: str) -> Response | None:
        """The cached answer for *url* if there is one younger than the expiry (a cache hit)."""
        path = cache_file(self.settings.cache_dir, url)
        if path is None or self.settings.cache_days <= 0:
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            fetched = datetime.fromisoformat(record["fetched"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        age_days = (datetime.now(UTC) - fetched).total_seconds() / 86400
        if record.get("url") != url or not 0 <= age_days < self.settings.cache_days:
            return None
        response = Response(url, int(record["status"]), str(record["body"]))
        with self._lock:
            self.cache_hits += 1
        return response

    def remember(self, url: str, body: str) -> None:
        """Cache *body* as the answer (200) to *url*: one item split from a batch answer."""
        self._write_cache(Response(url, 200, body))

    def _fetch(self, url: str, full_url: str) -> Response:
        self._throttle(urllib.parse.urlsplit(url).netloc)
        request = urllib.request.Request(
            full_url, headers={"User-Agent": self.settings.user_agent, "Accept": "application/json"}
        )
        with self._lock:
            self.requests += 1
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout) as reply:
                return Response(url, reply.status, reply.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            body = error.read().decode("utf-8", "replace") if error.fp else ""
            if error.code in DEFINITE:
                return Response(url, error.code, body)
            wait = retry_after(error.headers.get("Retry-After")) if error.headers else None
            if error.code in RETRYABLE:
                raise _Retry(f"HTTP {error.code} {error.reason}", wait) from None
            raise FetchError(f"HTTP {error.code} {error.reason}") from None
        except OSError as error:  # URLError, and TimeoutError (socket.timeout since Python 3.10)
            reason = error.reason if isinstance(error, urllib.error.URLError) else error
            if isinstance(reason, TimeoutError):
                raise _Retry(f"no answer within {self.settings.timeout:g} s", None) from None
            raise _Retry(f"network error: {reason}", None) from None

    def _throttle(self, host: str) -> None:
        interval = self.settings.host_intervals.get(host, self.settings.min_interval)
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + interval
        if slot > now:
            time.sleep(slot - now)  # a real pause (not the test hook): it only spaces requests

    def _write_cache(self, response: Response) -> None:
        path = cache_file(self.settings.cache_dir, response.url)
        if path is None or response.status not in DEFINITE:
            return
        record = {
            "url": response.url,
            "fetched": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": response.status,
            "body": response.body,
        }
        write_json(path, record)


class _Retry(Exception):
    """A failure worth another try: ``(reason, seconds to wait or None)``."""


def cache_file(directory: Path | None, key: str) -> Path | None:
    """The JSON file that caches *key* under *directory* (``None`` without a cache)."""
    if directory is None:
        return None
    return directory / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def write_json(path: Path, record: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    temporary.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)  # atomic: a parallel run never reads half a file


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), if any."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
