"""Tables that fit a phone: each table with a header row reflows into stacked cards.

On a 412 px phone the guideline table (seven columns) used to be 635 px wide in a 386 px box,
with three columns off screen and no hint to scroll. Now every table with a header row gets the
class ``reflow``, and each body cell a ``data-label`` with its column's header text. When the
table's box is narrower than 40em (``static/responsive-tables.css``, a container query), each
row becomes a card and each cell shows its label before its value; the header row stays in
the accessibility tree, visually hidden. Tables of six columns or more (``reflow-wide``, such
as the guideline table) reflow in boxes up to 60em, which covers furo's desktop text column.
Wider boxes keep the ordinary table, which scrolls inside its own box (furo's
``table-wrapper``) with shadows at the edges as the cue.

The same stylesheet keeps furo's floating "back to top" button from covering text: it is not
shown (the header's links and the browser's own gestures take a reader back up).

``nox -s browser`` checks the outcome on a 412 x 823 phone: no page wider than the viewport,
no table cell cut off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docutils import nodes

from living_review.sphinxext import add_stylesheet, extension_metadata
from living_review.sphinxext.accessibility import use_translator_mixin

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata

#: The entry-node attribute holding the label; the translator writes it as ``data-label``.
LABEL_ATTRIBUTE = "reflow_label"


def column_labels(tgroup: nodes.tgroup) -> list[str]:
    """The header text of each column (a cell spanning columns labels each of them)."""
    thead = next((child for child in tgroup.children if isinstance(child, nodes.thead)), None)
    if thead is None or not thead.children:
        return []
    labels: list[str] = []
    for entry in thead.children[0].children:  # the first header row
        text = " ".join(entry.astext().split())
        labels += [text] * (1 + entry.get("morecols", 0))
    return labels


def label_cells(tgroup: nodes.tgroup, labels: list[str]) -> None:
    """Give each body cell the label of its column (row spans taken into account)."""
    tbody = next((child for child in tgroup.children if isinstance(child, nodes.tbody)), None)
    if tbody is None:
        return
    pending: dict[int, int] = {}  # column -> rows, this one included, a cell still covers
    for row in tbody.children:
        covered = {column for column, rows in pending.items() if rows > 0}
        column = 0
        for entry in row.children:
            while column in covered:
                column += 1
            if column < len(labels) and labels[column]:
                entry[LABEL_ATTRIBUTE] = labels[column]
            width = 1 + entry.get("morecols", 0)
            for spanned in range(column, column + width):
                pending[spanned] = 1 + entry.get("morerows", 0)
            column += width
        pending = {column: rows - 1 for column, rows in pending.items() if rows > 1}


def mark_reflow_tables(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Mark every table with a header row for reflow, and label its body cells."""
    if app.builder.format != "html":
        return
    for table in doctree.findall(nodes.table):
        columns = 0  # of the widest labelled tgroup; 0: none has a header row
        for tgroup in table.children:
            labels = column_labels(tgroup) if isinstance(tgroup, nodes.tgroup) else []
            if any(labels):
                label_cells(tgroup, labels)
                columns = max(columns, len(labels))
        if columns:  # six or more reflow in wider boxes too (the stylesheet: 60em, not 40em)
            classes = ["reflow"] + (["reflow-wide"] if columns >= 6 else [])
            table["classes"] += [name for name in classes if name not in table["classes"]]


class LabelledCellsMixin:
    """Writes a labelled cell's ``data-label`` attribute."""

    def starttag(self, node: nodes.Element, tagname: str, *args: Any, **attributes: Any) -> str:
        if isinstance(node, nodes.entry) and node.get(LABEL_ATTRIBUTE):
            attributes.setdefault("data-label", node[LABEL_ATTRIBUTE])
        return super().starttag(node, tagname, *args, **attributes)  # type: ignore[misc]


def setup(app: Sphinx) -> ExtensionMetadata:
    """Register the table marking, the translator wrapper and the stylesheet."""
    app.connect("doctree-resolved", mark_reflow_tables)
    app.connect("builder-inited", lambda app: use_translator_mixin(app, LabelledCellsMixin))
    add_stylesheet(app, "responsive-tables.css")
    return extension_metadata()
