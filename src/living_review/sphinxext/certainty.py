"""GRADE certainty badges: the ``{certainty}`` role and the ``{certainty-legend}`` directive.

``{certainty}`moderate``` renders a badge linking to that level's row in the legend (the page
labelled ``certainty``), from any page and in every builder; the legend is rendered from the
same table (:data:`LEVELS`), so their wording cannot drift apart. An unknown level is a build
error naming the file, the line and the allowed levels.

On a site with a claim ledger, badges come from the records (``{claim}``): with
``certainty_role_restricted`` on, the bare role on a page not in ``certainty_role_pages`` is a
build error (``certainty-role-outside-legend``); ``None``, the default, allows it everywhere.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole
from sphinx.util.nodes import make_refnode

from living_review.sphinxext import add_stylesheet, extension_metadata, make_table, table_row

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CertaintyLevel:
    """One GRADE certainty level and the fixed words used for it."""

    key: str  # what authors write in the role, e.g. "very-low"
    label: str  # the badge text, e.g. "Very low certainty"
    meaning: str  # what the level means, in plain language
    wording: str  # how a claim at this level is worded in the text
    example: str  # an example sentence using that wording

    @property
    def anchor(self) -> str:
        """The id of this level's row in the legend, e.g. ``certainty-very-low``."""
        return f"certainty-{self.key}"


#: The one table of levels: badges, the legend and the docs all come from here.
LEVELS: dict[str, CertaintyLevel] = {
    level.key: level
    for level in (
        CertaintyLevel(
            key="high",
            label="High certainty",
            meaning="We are confident that the real effect is close to what the studies found.",
            wording="We state the effect plainly.",
            example="The treatment reduces pain.",
        ),
        CertaintyLevel(
            key="moderate",
            label="Moderate certainty",
            meaning=(
                "The real effect is probably close to what the studies found, "
                "but it could be substantially different."
            ),
            wording="We say “probably”.",
            example="The treatment probably reduces pain.",
        ),
        CertaintyLevel(
            key="low",
            label="Low certainty",
            meaning="The real effect may be substantially different from what the studies found.",
            wording="We say “may”.",
            example="The treatment may reduce pain.",
        ),
        CertaintyLevel(
            key="very-low",
            label="Very low certainty",
            meaning=(
                "We are very uncertain: the real effect is likely to be substantially "
                "different from what the studies found."
            ),
            wording="We say “we are very uncertain”.",
            example="We are very uncertain whether the treatment reduces pain.",
        ),
        CertaintyLevel(
            key="not-rated",
            label="Certainty not rated",
            meaning="No review or guideline has rated the certainty of this evidence.",
            wording="We say that no review or guideline has rated this certainty.",
            example=("One trial found less pain; no review or guideline has rated this certainty."),
        ),
    )
}

#: Changes whenever the wording table does, so incremental builds re-read every page
#: (badges and the legend are made while reading) instead of keeping the old wording.
ENV_VERSION = zlib.crc32(repr(sorted(LEVELS.items())).encode("utf-8"))


class certainty_badge(nodes.Inline, nodes.Element):  # lower-case, like docutils nodes
    """A badge waiting to be linked to the legend (see :func:`resolve_badges`)."""


def badge_classes(level: CertaintyLevel) -> list[str]:
    """The HTML classes of a badge: ``certainty certainty-<level>``."""
    return ["certainty", level.anchor]


class CertaintyRole(SphinxRole):
    """``{certainty}`level``` — an inline badge linking to the legend row for *level*."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        key = self.text.strip()
        allowed_pages = self.config.certainty_role_pages
        if (
            allowed_pages is not None
            and self.config.certainty_role_restricted
            and self.env.docname not in allowed_pages
        ):
            logger.error(
                "certainty-role-outside-legend: a bare {certainty} badge is for the legend "
                "only (allowed on: %s); on this page write {claim}`<id>`, so the badge comes "
                "from the record in claims.yaml",
                ", ".join(allowed_pages) or "no page",
                location=self.get_location(),
            )
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        level = LEVELS.get(key)
        if level is None:
            logger.error(
                "unknown certainty level %r; allowed levels: %s",
                key,
                ", ".join(LEVELS),
                location=self.get_location(),
                type="certainty",
            )
            return [nodes.problematic(self.rawtext, self.rawtext)], []
        badge = certainty_badge(self.rawtext, nodes.Text(level.label), level=level.key)
        self.set_source_info(badge)
        return [badge], []


class CertaintyLegend(SphinxDirective):
    """``{certainty-legend}`` — the table of levels, one anchored row per level."""

    def run(self) -> list[nodes.Node]:
        rows = []
        for level in LEVELS.values():
            badge = nodes.inline(level.label, level.label, classes=badge_classes(level))
            wording = nodes.paragraph()
            wording += nodes.Text(f"{level.wording} For example: ")
            wording += nodes.emphasis(level.example, level.example)
            row = table_row([nodes.paragraph("", "", badge), level.meaning, wording])
            row["ids"].append(level.anchor)
            rows.append(row)
        columns = (("Certainty", 20), ("What it means", 45), ("How we word it", 35))
        table = make_table(["certainty-legend"], columns, rows)
        self.set_source_info(table)
        return [table]


def resolve_badges(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Turn each badge into a link to its level's row on the page labelled ``certainty``; on
    ``doctree-resolved``, so every builder (html, epub, latex ...) makes its own kind of link."""
    label = app.config.certainty_legend_label
    target = app.env.get_domain("std").labels.get(label)  # (docname, labelid, title)
    for badge in list(doctree.findall(certainty_badge)):
        level = LEVELS[badge["level"]]
        if target is None:
            logger.error(
                "certainty badge cannot link to the legend: no label %r in the project "
                "(put `(%s)=` above the legend page's title)",
                label,
                label,
                location=badge,
                type="certainty",
            )
            badge.replace_self(nodes.inline("", "", *badge.children, classes=badge_classes(level)))
            continue
        title = f"{level.label}: {level.meaning} See the certainty legend."
        ref = make_refnode(
            app.builder, docname, target[0], level.anchor, list(badge.children), title
        )
        ref["classes"] += badge_classes(level)
        badge.replace_self(ref)


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the role, the legend directive, the resolver and the stylesheet."""
    app.add_config_value("certainty_legend_label", "certainty", "env", types=[str])
    # The pages where the bare role may be used (None: every page), and whether that is enforced.
    app.add_config_value("certainty_role_pages", None, "env", types=[list, tuple, type(None)])
    app.add_config_value("certainty_role_restricted", True, "env", types=[bool])
    app.add_node(certainty_badge)
    app.add_role("certainty", CertaintyRole())
    app.add_directive("certainty-legend", CertaintyLegend)
    app.connect("doctree-resolved", resolve_badges)
    add_stylesheet(app, "certainty.css")
    return extension_metadata(env_version=ENV_VERSION)
