"""The bibliography style for clinicians: pybtex's ``unsrt`` with short author lists and free text.

Registered as the pybtex plugin ``living_review`` (an entry point in ``pyproject.toml``), it
changes two things of ``unsrt`` (which prints every author; one review on this site has 28): at
most :data:`MAX_AUTHORS` authors (and editors), then "et al.", as in the Vancouver style; and a
"Free full text" link to PubMed Central where the entry has a ``pmcid``. The Sphinx extension
only checks, when the build starts, that the configured style can be found, so a missing
install is one line, not a traceback.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pybtex.plugin import PluginNotFound, find_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.template import FieldIsMissing, field, href, join, node, optional, sentence
from sphinx.errors import ConfigError

from living_review.sphinxext import extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.util.typing import ExtensionMetadata

#: The plugin name, as ``bibtex_default_style`` names it in docs/conf.py.
STYLE_NAME = "living_review"
#: Authors listed before "et al." (Vancouver: six, then "et al.").
MAX_AUTHORS = 6
#: Where PubMed Central keeps an article's free full text.
PMC_ARTICLE_URL = "https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"
FREE_FULL_TEXT = "Free full text"
_PMCID = re.compile(r"PMC\d+")


@node
def short_names(children: list[Any], context: dict[str, Any], role: str, **kwargs: Any) -> Any:
    """The first :data:`MAX_AUTHORS` names of *role*, then "et al." if there are more."""
    try:
        persons = context["entry"].persons[role]
    except KeyError as missing:
        raise FieldIsMissing(role, context["entry"]) from missing
    style = context["style"]
    names = [style.format_name(person, style.abbreviate_names) for person in persons[:MAX_AUTHORS]]
    if len(persons) > MAX_AUTHORS:
        shown = join(sep=", ")[names].format_data(context)
        return join(sep=", ")[shown, "et al."].format_data(context)
    return join(**kwargs)[names].format_data(context)


def pmc_url(pmcid: str) -> str | None:
    """The PubMed Central address of a ``pmcid`` such as ``PMC1895638``; None if malformed
    (``nox -s citations`` reports it: ``bib-bad-pmcid``)."""
    pmcid = pmcid.strip()
    return PMC_ARTICLE_URL.format(pmcid=pmcid) if _PMCID.fullmatch(pmcid) else None


@node
def free_full_text(children: list[Any], context: dict[str, Any]) -> Any:
    """A "Free full text" link to the entry's PubMed Central record (``pmcid``)."""
    entry = context["entry"]
    url = pmc_url(entry.fields.get("pmcid", ""))
    if url is None:
        raise FieldIsMissing("pmcid", entry)  # `optional` leaves the link out
    return href(url)[FREE_FULL_TEXT].format_data(context)


class ClinicalStyle(UnsrtStyle):
    """``unsrt`` with at most six authors, then "et al.", and a free full-text link."""

    default_sorting_style = "none"  # as unsrt: in order of first citation

    def format_names(self, role: str, as_sentence: bool = True) -> Any:
        formatted = short_names(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted

    def format_web_refs(self, e: Any) -> Any:
        return sentence[
            optional[self.format_url(e), optional[" (visited on ", field("urldate"), ")"]],
            optional[self.format_eprint(e)],
            optional[self.format_pubmed(e)],
            optional[self.format_doi(e)],
            optional[free_full_text],
        ]


def check_style_installed(app: Sphinx, config: Config) -> None:
    """Fail with one line if the configured bibliography style cannot be found."""
    name = getattr(config, "bibtex_default_style", STYLE_NAME)
    try:
        find_plugin("pybtex.style.formatting", name)
    except PluginNotFound as missing:
        raise ConfigError(
            f"bibliography style {name!r} not found ({missing}); install the project with "
            "`pip install -e .` (nox does), which registers it as a pybtex plugin"
        ) from None


def setup(app: Sphinx) -> ExtensionMetadata:
    """Check, when the build starts, that the bibliography style is installed."""
    app.connect("config-inited", check_style_installed, priority=900)
    return extension_metadata()
