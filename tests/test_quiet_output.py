"""The build prints only what an author can act on: two upstream messages are dropped, no more."""

from __future__ import annotations

import logging
import subprocess
import sys

from common import Build

from living_review.sphinxext import quiet_output


def test_the_real_build_prints_neither_upstream_message(real_site: Build) -> None:
    assert real_site.returncode == 0, real_site.stderr
    output = real_site.stdout + real_site.stderr
    assert quiet_output.OPENGRAPH_NOTICE not in output
    assert "MdParserConfig(" not in output
    assert max(map(len, output.splitlines())) < 300  # no 1,000-character configuration dump
    assert "build succeeded" in output  # Sphinx's own progress is still there


def test_the_opengraph_notice_is_real_and_captured_on_import() -> None:
    """Guard against a vacuous pass: without matplotlib the module prints it when imported."""
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"  # as on a machine without matplotlib
        "from living_review.sphinxext import quiet_output as q\n"
        "import sphinxext.opengraph\n"
        "print('--')\n"
        "q.import_opengraph_quietly()\n"
    )
    plain = subprocess.run(
        [sys.executable, "-c", code.replace("q.import_opengraph_quietly()", "")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert plain.stdout.startswith(quiet_output.OPENGRAPH_NOTICE)
    quiet = subprocess.run(
        [sys.executable, "-c", code.replace("import sphinxext.opengraph\n", "")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert quiet.stdout == "--\n"


def test_only_the_configuration_record_is_filtered() -> None:
    from myst_parser.config.main import MdParserConfig

    def record(message: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord(quiet_output.MYST_LOGGER, logging.INFO, "", 0, message, args, None)

    assert not quiet_output.is_not_myst_config_dump(record("myst v%s: %s", "5", MdParserConfig()))
    assert quiet_output.is_not_myst_config_dump(record("myst configuration invalid: %s", "x"))
    assert quiet_output.is_not_myst_config_dump(record("no arguments"))
