"""The in-process server the browser checks use: base path, gzip, nothing outside the site."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from living_review.tools.site_server import accepts_gzip, base_path_from_html, serve


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (
            '<link rel="canonical" href="https://x.org/living-review/index.html" />',
            "/living-review/",
        ),
        ('<link href="https://x.org/a/b/page.html" rel="canonical">', "/a/b/"),
        ('<link rel="canonical" href="https://x.org/">', "/"),
        ('<link rel="stylesheet" href="https://x.org/a/style.css">', "/"),
        ("<p>no head at all</p>", "/"),
    ],
)
def test_base_path_comes_from_the_canonical_link(html: str, expected: str) -> None:
    assert base_path_from_html(html) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("identity", False),
        (None, False),
    ],
)
def test_accepts_gzip(header: str | None, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def _get(url: str, gzip_ok: bool) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), b""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<h1>Home</h1>" * 50, encoding="utf-8")
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "pixel.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
    return tmp_path


def test_serves_under_the_base_path_on_loopback(site: Path) -> None:
    with serve(site, "/review/") as base_url:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/review/")
        status, headers, body = _get(base_url + "index.html", gzip_ok=False)
        assert status == 200 and "Content-Encoding" not in headers
        assert body == (site / "index.html").read_bytes()
        # The directory URL gives its index page, as a web host does.
        assert _get(base_url, gzip_ok=False)[2] == body
        # Nothing outside the base path, even a file that exists in the directory.
        origin = base_url.removesuffix("review/")
        assert _get(origin + "index.html", gzip_ok=False)[0] == 404


def test_text_is_gzipped_when_asked_and_images_are_not(site: Path) -> None:
    with serve(site, "/") as base_url:
        status, headers, body = _get(base_url + "index.html", gzip_ok=True)
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == (site / "index.html").read_bytes()
        assert int(headers["Content-Length"]) == len(body) < (site / "index.html").stat().st_size
        status, headers, body = _get(base_url + "_static/pixel.png", gzip_ok=True)
        assert status == 200 and "Content-Encoding" not in headers
        assert body == (site / "_static" / "pixel.png").read_bytes()


def test_rejects_a_malformed_base_path(site: Path) -> None:
    with pytest.raises(ValueError, match="base path"), serve(site, "review"):
        pass
