"""Evidence at a glance, from the claim ledger: summary-of-findings tables and evidence charts.

``{summary-of-findings}`` (``:table:``, optional ``:caption:``) renders a Cochrane-style table of
the records whose ``table`` names it, in ledger order: outcome, effect (95% CI) or the plain
``result``, participants (studies), the certainty badge(s) and a comment (the source's rating,
our rationale, the citation). Its header row lets it reflow into labelled cards on a phone
(:mod:`living_review.sphinxext.responsive_tables`).

``{evidence-chart}`` (``:scale:`` or ``:measure:``; the options: CONTRIBUTING.md) draws those
records as a forest plot in static SVG made at build time (:mod:`living_review.forest_plot`):
no script, ``currentColor`` so it reads in light and dark mode; ratios on a log scale.

A table or chart with no record, an unknown table id, or a chart mixing measures is a build
error at the directive's line.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from pybtex.richtext import Text
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from living_review.claims import MEASURE_NAMES, Claim, Effect, format_number, ledger_schema
from living_review.forest_plot import Row, forest_plot_svg
from living_review.sphinxext import add_stylesheet, extension_metadata, make_table, table_row
from living_review.sphinxext.claims import badges_for, citation, ledger_of, levels_text, note_use

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

logger = logging.getLogger(__name__)

#: The columns of a summary-of-findings table, with their relative widths.
COLUMNS = (
    ("Outcome", 24),
    ("Effect (95% CI)", 24),
    ("Participants (studies)", 14),
    ("Certainty", 14),
    ("Comment", 24),
)


def effect_text(effect: Effect, *, unit: bool = True) -> str:
    """``MD -16.0 points on a 0-100 scale (-21.3 to -10.6), favours acupuncture``, with real
    minus signs (without the unit if not *unit*)."""
    units = f" {effect.unit}" if unit and effect.unit else ""
    return (
        f"{effect.measure} {format_number(effect.value)}{units} "
        f"({format_number(effect.ci_low)} to {format_number(effect.ci_high)}), "
        f"favours {effect.favours}"
    )


def short_name(text: str) -> str:
    """The words before the first comma or bracket (``Acupuncture, 10 sessions``: Acupuncture)."""
    short = re.split(r",| \(", text, maxsplit=1)[0].strip()
    return short or text


def lower_first(text: str) -> str:
    """``Sham acupuncture`` -> ``sham acupuncture``; ``NSAIDs`` stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def measure_option(argument: str | None) -> str:
    """``:measure:`` is one of the ledger's measures, written as there (``RR``, not ``rr``)."""
    measure = (argument or "").strip()
    if measure not in MEASURE_NAMES:
        raise ValueError(f"{measure!r} is not one of {', '.join(MEASURE_NAMES)}")
    return measure


class ClaimDirective(SphinxDirective):
    """What both directives share: errors at the directive, a source's author and year."""

    def error(self, message: str) -> list[nodes.Node]:
        logger.error(message, location=self.get_location())
        return []

    def author_year(self, key: str) -> str:
        """``Tu 2024`` for a bib key (the first author's family name, or the organisation)."""
        domain: Any = self.env.get_domain("cite")
        entry = domain.bibdata.data.entries.get(key)
        if entry is None:
            return key
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        if persons:
            name = " ".join(persons[0].last_names)
        else:
            name = entry.fields.get("organization") or entry.fields.get("institution") or key
        name = Text.from_latex(name).render_as("text")
        return f"{name} {entry.fields.get('year', '')}".strip()


class SummaryOfFindings(ClaimDirective):
    """``{summary-of-findings}`` — a Cochrane-style table of the records of one table id."""

    option_spec: ClassVar[dict[str, Any]] = {
        "table": directives.unchanged_required,
        "caption": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        table_id = self.options.get("table", "").strip()
        allowed = ledger_schema()["$defs"]["table"]["enum"]  # the tables the schema allows
        if table_id not in allowed:
            return self.error(
                f"summary-of-findings: unknown table {table_id!r}; the tables: {', '.join(allowed)}"
            )
        ledger = ledger_of(self.env)
        claims = ledger.in_table(table_id)
        if not claims and ledger.complete:
            return self.error(
                f"summary-of-findings: no record in {ledger.path.name} lists table {table_id!r} "
                "(add it to the records' `table`)"
            )
        self.env.note_dependency(str(ledger.path))
        if not claims:  # claims.yaml cannot be read: its one error says why
            return []
        caption = self.options.get("caption") or f"Summary of findings: {table_id}"
        title_nodes, _messages = self.state.inline_text(caption, self.lineno)
        rows = [table_row(self.cells(claim)) for claim in claims]
        title = nodes.title(caption, "", *title_nodes)
        table = make_table(["summary-of-findings"], COLUMNS, rows, title)
        self.set_source_info(table)
        return [table]

    def cells(self, claim: Claim) -> list[str | nodes.Element]:
        note_use(self.env, claim.id, self.lineno)
        certainty = nodes.paragraph("", "", badges_for(claim))
        if claim.source_rating:
            rating = f"The source rated it: {levels_text(claim.source_rating).lower()}."
        else:
            rating = "The source did not rate its certainty."
        comment = nodes.paragraph("", rating)
        if claim.rationale:
            comment += nodes.Text(f" {claim.rationale}")
        cited, _messages = citation(self.env, claim, self.lineno, self.state.inliner)
        if cited:
            comment += nodes.Text(" ")
            comment += cited
        effect = effect_text(claim.effect) if claim.effect is not None else claim.result
        people = claim.participants_and_studies or "Not reported"
        return [claim.outcome, effect, people, certainty, comment]


class EvidenceChart(ClaimDirective):
    """``{evidence-chart}`` — a forest plot of the records sharing a scale (or a measure)."""

    option_spec: ClassVar[dict[str, Any]] = {
        "scale": directives.unchanged,
        "measure": measure_option,
        "caption": directives.unchanged,
        "favours-left": directives.unchanged,
        "favours-right": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        scale = self.options.get("scale", "").strip()
        measure = self.options.get("measure", "")
        if bool(scale) == bool(measure):
            return self.error("evidence-chart: give either :scale: or :measure:, not both")
        ledger = ledger_of(self.env)
        claims = ledger.with_effect(scale=scale, measure=measure)
        wanted = f"scale {scale!r}" if scale else f"measure {measure!r}"
        if not claims and ledger.complete:
            return self.error(
                f"evidence-chart: no record in {ledger.path.name} has an effect with {wanted}"
            )
        measures = sorted({claim.effect.measure for claim in claims if claim.effect})
        if len(measures) > 1:
            return self.error(
                f"evidence-chart: the records with {wanted} mix measures ({', '.join(measures)}); "
                "one chart draws one measure: give them different scales"
            )
        self.env.note_dependency(str(ledger.path))
        if not claims:  # claims.yaml cannot be read: its one error says why
            return []
        for claim in claims:
            note_use(self.env, claim.id, self.lineno, shown=False)  # a chart has no badges
        figure = nodes.figure(classes=["evidence-chart"])
        serial = self.env.new_serialno("evidence-chart")
        svg = forest_plot_svg(
            [self.chart_row(claim) for claim in claims],
            ratio=claims[0].effect is not None and claims[0].effect.is_ratio,
            title=self.options.get("caption") or self.scale_words(claims),
            axis_title=self.scale_words(claims, short=True),
            id_prefix=f"evidence-chart-{scale or measure.lower()}-{serial}",
            favours_left=self.options.get("favours-left", ""),
            favours_right=self.options.get("favours-right", ""),
        )
        figure += nodes.raw("", svg, format="html")
        caption = self.options.get("caption", "").rstrip()
        if caption:
            caption += ("" if caption[-1] in ".?!:" else ".") + " "
        scale_sentence = f"{self.scale_words(claims)}; 95% confidence intervals."
        caption_nodes, _messages = self.state.inline_text(caption + scale_sentence, self.lineno)
        figure += nodes.caption("", "", *caption_nodes)
        self.set_source_info(figure)
        return [figure]

    @staticmethod
    def scale_words(claims: list[Claim], *, short: bool = False) -> str:
        """``Mean difference, points on a 0-100 scale (0 means no difference)``, or for a ratio
        ``Risk ratio (log scale; 1 means no difference)``; *short* leaves out the brackets."""
        effect = claims[0].effect
        assert effect is not None
        name = effect.measure_name[0].upper() + effect.measure_name[1:]
        units = sorted(
            {claim.effect.unit for claim in claims if claim.effect and claim.effect.unit}
        )
        if effect.is_ratio:
            return f"{name}, log scale" if short else f"{name} (log scale; 1 means no difference)"
        named = f"{name}, {units[0]}" if len(units) == 1 else name
        return named if short else f"{named} (0 means no difference)"

    def chart_row(self, claim: Claim) -> Row:
        effect = claim.effect
        assert effect is not None
        source = self.author_year(claim.cite[0]) + (" and others" if len(claim.cite) > 1 else "")
        compared = (
            f"{short_name(claim.intervention)} vs {lower_first(short_name(claim.comparison))}"
        )
        return Row(
            label=compared,
            detail=claim.outcome,
            estimate=f"{source}: {effect_text(effect, unit=False)}",
            value=effect.value,
            low=effect.ci_low,
            high=effect.ci_high,
            description=(
                f"{claim.intervention} compared with {lower_first(claim.comparison)}, "
                f"{lower_first(claim.outcome)} ({source}): {effect.describe()}, favours "
                f"{effect.favours}."
            ),
        )


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the two directives and their stylesheet."""
    app.setup_extension("living_review.sphinxext.claims")
    app.add_directive("summary-of-findings", SummaryOfFindings)
    app.add_directive("evidence-chart", EvidenceChart)
    add_stylesheet(app, "evidence-displays.css")
    return extension_metadata()
