"""A Document as rich renderables: coloured tables for the terminal (rich is imported only here).

Each section takes the first of its layouts (graph.render_model.layouts) that fits the console's
width; cells fold rather than end in "…", so a shape, a note or an answer is never hidden,
whatever the width.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .render_model import Document, Row, Section, column_widths, fit, fold, under_indent, used_columns, width

COLUMN_STYLES = {"#": "dim", "gate": "cyan", "value": "bold", "gradient": "bold",
                 "parameter": "bold", "note": "dim italic", "check": "green"}
DELTA_STYLE = "bold magenta"


def _column_style(name: str) -> str:
    return "green" if "shape" in name else COLUMN_STYLES.get(name, "")


def _text(text: str, style: str = "", *, before: str = ""):
    from rich.text import Text  # Text, not markup: "[2, 3, 1]" is not a style tag
    return Text(before + text, style=style, overflow="fold")


def facts_panel(doc: Document, size: int):
    """The title and the facts in a box; a title too long for the box's top edge goes above it
    (rich would cut it short)."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for name, text in doc.facts:
        grid.add_row(_text(name), _text(text))
    if width(doc.title) + 6 <= size:
        return Panel(grid, title=_text(doc.title, "bold"), title_align="left", expand=False,
                     border_style="blue")
    return Group(_text(doc.title, "bold"), Panel(grid, expand=False, border_style="blue"))


def rich_chunks(doc: Document, *, step: bool = False, width: int = 80) -> Iterator[tuple[Any, bool]]:
    """(renderable, pause) pairs for a rich Console `width` columns wide.

    A section is one table, or, when something is printed under its rows (a note moved there
    to fit, a matrix, a gate's rule) or with --step, one table per row with the same column
    widths, so that they line up, and those lines under each row.
    """
    from rich.console import Group
    yield facts_panel(doc, width), False
    for section in doc.sections:
        section = fit(section, width)
        title = _text(section.title, "bold underline", before="\n")
        if not section.rows:
            yield Group(title, _text("\n".join(section.after), "italic")), False
            continue
        under = any(row.below or row.matrix or row.explain for row in section.rows)
        if step or under:
            yield from _row_by_row(section, title, width)
        else:
            table = _table(section, header=True)
            for row in section.rows:
                _add_row(table, section, row)
            yield Group(title, table), False
        if section.after:
            yield _text("\n".join(section.after), "italic"), False


def _row_by_row(section: Section, title, size: int) -> Iterator[tuple[Any, bool]]:
    from rich.console import Group
    from rich.padding import Padding
    widths = column_widths(section)
    indent = under_indent(section)
    yield Group(title, _table(section, header=True, widths=widths)), False
    for row in section.rows:
        table = _table(section, header=False, widths=widths)
        _add_row(table, section, row)
        parts = [table]
        room = size - indent  # a matrix row too long for it is folded at a space, as numpy does
        lines = [*row.below, *(piece for m in row.matrix for piece in fold(m, room, "", " "))]
        if lines:
            parts.append(Padding(_text("\n".join(lines), "dim" if row.below else ""), (0, 0, 0, indent)))
        if row.explain:
            parts.append(Padding(_text(row.explain, "dim italic"), (0, 0, 0, indent)))
        yield Group(*parts), section.pauses


def _table(section: Section, *, header: bool, widths: list[int] | None = None):
    """A table of the section's used columns; fixed `widths` make row-by-row tables align."""
    from rich import box
    from rich.table import Table
    table = Table(box=box.SIMPLE_HEAD, show_header=header and any(section.columns),
                  show_edge=False, header_style="bold", pad_edge=False, collapse_padding=True)
    for n, j in enumerate(used_columns(section)):
        name = section.columns[j]
        table.add_column(_text(name), style=_column_style(name), justify="right" if name == "#" else "left",
                         overflow="fold", width=widths[n] if widths else None)
    return table


def _add_row(table, section: Section, row: Row) -> None:
    texts = [_text(row.cells[j]) for j in used_columns(section)]
    if row.delta and len(texts) > 2:
        texts[2].stylize(DELTA_STYLE)
    table.add_row(*texts, style="bold" if row.delta else None)


__all__ = ["rich_chunks"]
