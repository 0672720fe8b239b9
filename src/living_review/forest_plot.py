"""A forest-plot-style chart as static SVG: one row per finding, a point and its 95% CI.

:func:`forest_plot_svg` draws, for each :class:`Row`, three lines of text (what was compared,
the outcome, the numbers and the side they favour) above a bar from the low to the high end of
the 95% CI with a square at the point estimate; a dashed line of no effect (at 0 for
differences, at 1 for ratios, which are drawn on a log scale) through every bar; an axis with
round ticks; and, under the axis, "favours ..." on either side when the caller knows them.

The SVG is written for the page it sits in: every stroke and fill is ``currentColor``, so it
takes the text colour of the page in light and dark mode; it scales to the width of its box
(``viewBox``, no fixed size), with text sized for a 412 px phone; it has ``role="img"`` and is
labelled by its ``<title>`` and ``<desc>`` (the text alternative: every row in words). No
script, no external resource, and a few kilobytes for a handful of rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

#: The drawing's width in SVG units (about CSS pixels on a phone; it scales with its box).
WIDTH = 400
MARGIN = 8
ROW_HEIGHT = 64
TOP = 6
LABEL_SIZE = 13
TEXT_SIZE = 11.5
#: Roughly how wide a character is, as a share of the font size, to keep text inside the box.
CHAR_WIDTH = 0.56
MINUS = "\u2212"


@dataclass(frozen=True)
class Row:
    """One finding: what it compares, its outcome, its numbers, and how to say it in words."""

    label: str  # e.g. "Acupuncture vs sham acupuncture"
    detail: str  # e.g. "Leg pain, 0-100 scale, after 4 weeks"
    estimate: str  # e.g. "Tu 2024: MD -16.0 (-21.3 to -10.6), favours acupuncture"
    value: float
    low: float
    high: float
    description: str  # the whole row as a sentence, for <desc>


def number(value: float) -> str:
    """A tick label (``2.0`` -> ``2``), with a real minus sign (U+2212)."""
    return f"{value:g}".replace("-", MINUS)


def fit(text: str, size: float, width: float = WIDTH - 2 * MARGIN) -> str:
    """*text* cut at a word, with an ellipsis, so that it fits *width* at font *size*."""
    most = int(width / (size * CHAR_WIDTH))
    if len(text) <= most:
        return text
    return text[: most - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "\u2026"


def linear_ticks(low: float, high: float) -> list[float]:
    """Round ticks (steps of 1, 2, 2.5 or 5 times a power of ten) covering [low, high]."""
    raw = (high - low) / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    ticks = []
    tick = math.floor(low / step) * step
    while tick <= high + step * 1e-9:
        if tick >= low - step * 1e-9:
            ticks.append(round(tick, 10) + 0.0)
        tick += step
    return ticks


def _text(x: object, y: float, text: str, attributes: str = "", size: float = TEXT_SIZE) -> str:
    """A ``<text>`` element: *text* escaped, *attributes* after its font size."""
    return f'<text x="{x}" y="{y}" font-size="{size}"{attributes}>{escape(text)}</text>'


#: Ticks for a ratio axis: the 1-2-5 series, or finer steps when the range is narrow.
COARSE_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100)
FINE_RATIO_TICKS = (0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 3, 4)


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks for a ratio axis (drawn on a log scale) within [low, high]."""
    for candidates in (COARSE_RATIO_TICKS, FINE_RATIO_TICKS):
        inside = [float(tick) for tick in candidates if low <= tick <= high]
        if len(inside) >= 3:
            return inside
    return inside


def forest_plot_svg(
    rows: Sequence[Row],
    *,
    ratio: bool,
    title: str,
    axis_title: str,
    id_prefix: str,
    favours_left: str = "",
    favours_right: str = "",
) -> str:
    """The chart as an ``<svg>`` element (a string of HTML/SVG markup)."""
    null = 1.0 if ratio else 0.0
    low = min([null, *(row.low for row in rows)])
    high = max([null, *(row.high for row in rows)])
    to_axis: Callable[[float], float]
    if ratio:
        to_axis = math.log
        span = math.log(high) - math.log(low) or 1.0
        low_end = math.exp(math.log(low) - span * 0.08)
        high_end = math.exp(math.log(high) + span * 0.08)
        ticks = log_ticks(low_end, high_end)
    else:
        to_axis = float
        span = (high - low) or 1.0
        low_end, high_end = low - span * 0.08, high + span * 0.08
        ticks = linear_ticks(low_end, high_end)
        low_end, high_end = min(low_end, ticks[0]), max(high_end, ticks[-1])
    axis_low, axis_high = to_axis(low_end), to_axis(high_end)

    def x(value: float) -> float:
        share = (to_axis(value) - axis_low) / (axis_high - axis_low)
        return round(MARGIN + share * (WIDTH - 2 * MARGIN), 1)

    null_x = x(null)
    body: list[str] = []
    y = TOP
    for index, row in enumerate(rows):
        bar_y = y + 52
        # The line of no effect, dashed, through each bar (not through the text above it).
        body.append(
            f'<line x1="{null_x}" y1="{y + 45}" x2="{null_x}" y2="{y + ROW_HEIGHT}" '
            'stroke="currentColor" stroke-width="1.5" stroke-dasharray="3 3" '
            'class="evidence-chart-no-effect"/>'
            f'<g class="evidence-chart-row"><title>{escape(row.description)}</title>'
            + _text(MARGIN, y + 13, fit(row.label, LABEL_SIZE), ' font-weight="600"', LABEL_SIZE)
            + _text(MARGIN, y + 28, fit(row.detail, TEXT_SIZE))
            + _text(MARGIN, y + 42, fit(row.estimate, TEXT_SIZE))
            + f'<line x1="{x(row.low)}" y1="{bar_y}" x2="{x(row.high)}" y2="{bar_y}" '
            'stroke="currentColor" stroke-width="2"/>'
            f'<rect x="{x(row.value) - 4.5}" y="{bar_y - 4.5}" width="9" height="9" '
            'fill="currentColor"/></g>'
        )
        y += ROW_HEIGHT  # after the last row: where the axis is
        if index < len(rows) - 1:
            body.append(
                f'<line x1="{MARGIN}" y1="{y - 4}" x2="{WIDTH - MARGIN}" y2="{y - 4}" '
                'stroke="currentColor" stroke-opacity="0.2"/>'
            )
    axis = [f'<line x1="{MARGIN}" y1="{y}" x2="{WIDTH - MARGIN}" y2="{y}" stroke="currentColor"/>']
    for tick in ticks:
        tick_x = x(tick)
        anchor = "middle"
        if tick_x < MARGIN + 8:
            anchor = "start"
        elif tick_x > WIDTH - MARGIN - 8:
            anchor = "end"
        axis.append(
            f'<line x1="{tick_x}" y1="{y}" x2="{tick_x}" y2="{y + 5}" '
            'stroke="currentColor"/>'
            + _text(tick_x, y + 18, number(tick), f' text-anchor="{anchor}"')
        )
    text_y = y + 36
    half = WIDTH / 2 - MARGIN - 4
    if favours_left:
        left = fit(f"\u2190 Favours {favours_left}", TEXT_SIZE, half)
        axis.append(_text(MARGIN, text_y, left))
    if favours_right:
        right = fit(f"Favours {favours_right} \u2192", TEXT_SIZE, half)
        axis.append(_text(WIDTH - MARGIN, text_y, right, ' text-anchor="end"'))
    if favours_left or favours_right:
        text_y += 18
    italic = ' text-anchor="middle" font-style="italic"'
    axis.append(_text(f"{WIDTH / 2:g}", text_y, fit(axis_title, TEXT_SIZE), italic))
    height = text_y + 8
    descriptions = " ".join(row.description for row in rows)
    no_effect_words = "1 (a ratio of 1: no difference)" if ratio else "0 (no difference)"
    desc = (
        f"{descriptions} The dashed line marks no effect, at {no_effect_words}"
        f"{'; the axis is logarithmic' if ratio else ''}."
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="evidence-chart-svg" role="img" '
        f'viewBox="0 0 {WIDTH} {height:g}" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'fill="currentColor">'
        f'<title id="{id_prefix}-title">{escape(title)}</title>'
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>'
        f"{''.join(body)}{''.join(axis)}</svg>"
    )
