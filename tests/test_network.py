"""With no network, the online checks say so once, quickly, and exit 3; they never call a link or
an identifier broken. No network is simulated deterministically: a port on 127.0.0.1 that refuses
connections, or a name lookup that fails or hangs (monkeypatched). Nothing here reaches the
internet.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from common import DOCS, ROOT

from living_review.tools import linkcheck
from living_review.tools.citations import cli
from living_review.tools.network import NO_NETWORK, endpoint, unreachable

CLEAN = ROOT / "tests" / "citations" / "fixtures" / "clean"
A_FEW_SECONDS = 5.0


@pytest.fixture
def refused() -> str:
    """A URL on 127.0.0.1 whose port refuses connections (bound once, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def listening() -> Iterator[str]:
    """A URL on 127.0.0.1 whose port accepts connections."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


@pytest.fixture
def no_resolver(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name lookup fails, as on a machine with no network."""

    def fail(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", fail)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


# -- The probe -------------------------------------------------------------------------------


def test_a_host_that_answers_means_a_network(listening: str, refused: str) -> None:
    assert unreachable([refused, listening]) is None


def test_a_refused_connection_is_no_network(refused: str) -> None:
    reason = unreachable([refused])
    assert reason is not None and reason.endswith("connection refused")


def test_an_unresolvable_name_is_no_network(no_resolver: None) -> None:
    reason = unreachable(["https://doi.org/", "https://www.ncbi.nlm.nih.gov/"])
    assert reason == "doi.org, www.ncbi.nlm.nih.gov: name not resolved, Name or service not known"


def test_a_hung_lookup_costs_the_timeout_only(monkeypatch: pytest.MonkeyPatch) -> None:
    released = threading.Event()

    def hang(*args: object, **kwargs: object) -> None:
        released.wait(30)  # a name lookup that never answers, until the test ends
        raise OSError("released")

    monkeypatch.setattr(socket, "create_connection", hang)
    started = time.monotonic()
    try:
        assert unreachable(["https://doi.org/"], timeout=0.3) == "doi.org: no answer within 0.3 s"
        assert time.monotonic() - started < A_FEW_SECONDS  # not the 30 s the lookup hangs
    finally:
        released.set()


def test_the_probe_asks_the_proxy_when_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://proxy.internal:3128")
    monkeypatch.setenv("no_proxy", "localhost")
    assert endpoint("https://doi.org/10.1000/x") == ("proxy.internal", 3128)
    assert endpoint("https://localhost:8443/") == ("localhost", 8443)


# -- nox -s citations -- --online ------------------------------------------------------------


def test_citations_online_without_network_says_so_once_and_exits_3(
    refused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    status = cli.main([
        "--bib", str(CLEAN / "references.bib"), "--docs", str(CLEAN / "docs"), "--online",
        "--doi-api", refused, "--eutils", refused, "--crossref", refused, "--europepmc", refused,
        "--cache-dir", str(tmp_path),
    ])  # fmt: skip
    assert time.monotonic() - started < A_FEW_SECONDS
    out = capsys.readouterr().out
    assert status == 3
    assert out.count(NO_NETWORK) == 1
    assert f"citations: {NO_NETWORK} (127.0.0.1:" in out
    assert "the online checks were not made" in out
    assert "online-unchecked" not in out  # not one line per entry
    assert "broken" not in out and "not-found" not in out
    assert out.splitlines()[-1].startswith("citations: no problems; checked 1 entry and 1 page")


def test_citations_online_keeps_exit_1_for_problems_found_offline(
    refused: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No network does not hide what the offline checks found."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text((CLEAN / "docs" / "index.md").read_text(encoding="utf-8"))
    bib = tmp_path / "references.bib"
    bib.write_text(
        (CLEAN / "references.bib").read_text(encoding="utf-8").replace("10.1000/good", "nodoi")
    )
    status = cli.main([
        "--bib", str(bib), "--docs", str(docs), "--online", "--doi-api", refused,
        "--eutils", refused, "--crossref", refused, "--europepmc", refused,
        "--cache-dir", str(tmp_path / "cache"),
    ])  # fmt: skip
    assert status == 1
    assert NO_NETWORK in capsys.readouterr().out


def test_citations_online_with_the_real_services_and_no_resolver(
    no_resolver: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default addresses (doi.org, NCBI, Crossref, Europe PMC), with every lookup failing."""
    status = cli.main([
        "--bib", str(CLEAN / "references.bib"), "--docs", str(CLEAN / "docs"), "--online",
        "--cache-dir", str(tmp_path),
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 3
    assert (
        f"{NO_NETWORK} (api.crossref.org, doi.org, eutils.ncbi.nlm.nih.gov, www.ebi.ac.uk: name "
        "not resolved"
    ) in out


# -- nox -s linkcheck ------------------------------------------------------------------------


def test_linkcheck_without_network_says_so_and_exits_3_in_a_subprocess(
    refused: str, tmp_path: Path
) -> None:
    """As nox runs it: its own process, the real site, a probe that finds no network."""
    outdir = tmp_path / "linkcheck"
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "living_review.tools.linkcheck", str(DOCS), str(outdir),
         "--probe", refused],
        capture_output=True, text=True, check=False, cwd=ROOT,
        env={**os.environ, "no_proxy": "127.0.0.1"},
    )  # fmt: skip
    assert time.monotonic() - started < A_FEW_SECONDS
    assert done.returncode == 3, done.stderr
    assert done.stdout == (
        f"linkcheck: {NO_NETWORK} (127.0.0.1:{refused.rsplit(':', 1)[1].strip('/')}: "
        "connection refused); no link was checked\n"
    )
    assert "broken" not in done.stdout + done.stderr
    assert not (outdir / "output.json").exists()


def test_linkcheck_probes_the_sites_main_hosts_by_default(
    no_resolver: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert linkcheck.main([str(DOCS), str(tmp_path)]) == 3
    assert "(doi.org, www.ncbi.nlm.nih.gov: name not resolved" in capsys.readouterr().out
