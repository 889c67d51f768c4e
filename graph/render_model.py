"""The model every text format draws: a Document of Sections of Rows, all plain strings.

A Section can be laid out three ways, widest first, and a backend takes the first that fits
its width (`layouts`):
    table    every column side by side, as a reader expects a table;
    notes    the "note" column moved under its row (a comparison's column pairs stacked first);
    stacked  one cell per row, each group of `narrow` columns a line of it: below 60 columns
             (and wherever a table cannot fit) a row reads as a short block of lines.
Nothing is ever cut: a shape or a note that does not fit moves, it is never shortened to "…".
"""

from __future__ import annotations

import textwrap
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from string import Formatter

import numpy as np

NARROW = 60  # below this many columns, a table with a stacked form is always stacked


@dataclass
class Row:
    """One line of a table: its cells, and what is printed under it."""

    cells: list[str]
    delta: bool = False                                # a δ row: highlighted where colour exists
    explain: str | None = None                         # the gate's rule (--explain)
    matrix: list[str] = field(default_factory=list)   # the value's lines (--values)
    below: list[str] = field(default_factory=list)    # cells moved under the row to fit a width


@dataclass
class Section:
    """A titled table (forward, backward, update, loss) and the sentences under it.

    stack: column pairs (i, j) that may share a column, j's text under i's (rows beside columns).
    narrow: the stacked form, one template per line of a row's block, its fields the indices of
        the cells, e.g. ["{1}  {2} {3}", "{4}"]; a column no template names (e.g. "#") stays a
        column of its own.
    """

    title: str
    columns: list[str]
    rows: list[Row]
    after: list[str] = field(default_factory=list)   # sentences printed under the table
    pauses: bool = True                                # --step waits after each row
    stack: list[tuple[int, int]] = field(default_factory=list)
    narrow: list[str] = field(default_factory=list)


@dataclass
class Document:
    """What every text format prints: a title, the facts of the network, the sections."""

    title: str
    facts: list[tuple[str, str]]
    sections: list[Section]


# --- words shared by every format ----------------------------------------------------------------

def number(x: float) -> str:
    """A loss or a scalar: six significant digits, as a teacher would write it on the board."""
    return f"{x:.6g}"


def matrix_lines(value) -> list[str]:
    """A small matrix as aligned text rows, e.g. ['[0.3510 0.3610]'] for z² of the lecture.

    Four decimals when the entries are of ordinary size (the lecture's a² ≈ 0.5869), scientific
    notation otherwise, one format per matrix so that its columns line up.
    """
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        return [number(float(a))]
    if a.ndim == 1:
        a = a[None, :]
    finite = a[np.isfinite(a)]
    big = float(np.max(np.abs(finite))) if finite.size else 0.0
    if big == 0.0 or 1e-3 <= big < 1e4:
        cells = [[f"{round(v, 4) + 0.0:.4f}" for v in row] for row in a.tolist()]
    else:
        cells = [[f"{v:.3e}" for v in row] for row in a.tolist()]
    size = max(len(c) for row in cells for c in row)
    return ["[" + " ".join(c.rjust(size) for c in row) + "]" for row in cells]


def width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters count 2, combining marks 0."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF"
               else 1 for ch in text)


def used_columns(section: Section) -> list[int]:
    """Columns with something in them: an empty note column is not printed."""
    return [j for j in range(len(section.columns))
            if any(row.cells[j] for row in section.rows)]


def column_widths(section: Section) -> list[int]:
    """The width of each used column: its widest line, header included (a cell may hold lines)."""
    return [max(width(line) for text in [section.columns[j], *(r.cells[j] for r in section.rows)]
                for line in text.split("\n")) for j in used_columns(section)]


def natural_width(section: Section) -> int:
    """The width of the section's table with no cell folded: two spaces between columns."""
    sizes = column_widths(section)
    return sum(sizes) + 2 * (len(sizes) - 1)


def under_indent(section: Section, margin: int = 0) -> int:
    """Where the lines under a row start: under the second column, `margin` columns in."""
    sizes = column_widths(section)
    return margin + (sizes[0] + 2 if len(sizes) > 1 else 0)


def table_width(section: Section, margin: int = 0) -> int:
    """The widest line of the section's table, `margin` columns in. What is printed under the
    rows (a moved note, a matrix, a rule) folds to any width, so it does not count."""
    return margin + natural_width(section)


def is_comparison(obj) -> bool:
    """A Comparison (rows beside columns, each a walkthrough) rather than one Walkthrough."""
    return hasattr(obj, "rows") and hasattr(obj, "columns") and not hasattr(obj, "forward")


def fold(text: str, size: int | None, first: str = "", rest: str = "") -> list[str]:
    """The text as lines of at most `size` columns, broken at spaces only (a shape such as
    (4×2)·(2×3) is never cut inside), the first line starting with `first`, the others with
    `rest`; one line when `size` is None or the text fits."""
    if size is None or width(first + text) <= size:
        return [first + text]
    return textwrap.wrap(text, max(size, width(first) + 10), initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first]


# --- layouts -------------------------------------------------------------------------------------

def stacked(section: Section) -> Section:
    """The section with each pair (i, j) of `stack` in one column, j's text under i's.

    Rows and columns side by side need ~110 characters; stacked, they fit in 80 and the
    transposition reads vertically: (4×2)·(2×3) → 4×3 above (3×2)·(2×4) → 3×4.
    """
    under = {i: j for i, j in section.stack}
    keep = [n for n in range(len(section.columns)) if n not in under.values()]

    def merge(cells: list[str]) -> list[str]:
        return [f"{cells[n]}\n{cells[under[n]]}" if n in under else cells[n] for n in keep]

    rows = [replace(row, cells=merge(row.cells)) for row in section.rows]
    columns = [f"{section.columns[n]} / {section.columns[under[n]]}" if n in under
               else section.columns[n] for n in keep]
    return replace(section, columns=columns, rows=rows, stack=[], narrow=[])


def notes_below(section: Section) -> Section:
    """The section without its "note" column, each row's note printed under it instead."""
    if "note" not in section.columns:
        return section
    j = section.columns.index("note")

    def without(cells: list[str]) -> list[str]:
        return cells[:j] + cells[j + 1:]

    rows = [replace(row, cells=without(row.cells), below=[*([row.cells[j]] if row.cells[j] else []),
                                                          *row.below]) for row in section.rows]
    return replace(section, columns=without(section.columns), rows=rows, stack=[], narrow=[])


def _fields(template: str) -> set[int]:
    return {int(name) for _, name, _, _ in Formatter().parse(template) if name}


def narrowed(section: Section) -> Section:
    """The stacked form: each row one cell of lines, one per `narrow` template filled with the
    row's cells (a line whose cells are all empty is left out); the header is the first
    template filled with the column names."""
    if not section.narrow:
        return section
    grouped = set().union(*(_fields(t) for t in section.narrow))
    alone = [j for j in range(len(section.columns)) if j not in grouped]

    def block(cells: list[str]) -> str:
        lines = [t.format(*cells).rstrip() for t in section.narrow if any(cells[j] for j in _fields(t))]
        return "\n".join(lines)

    rows = [replace(row, cells=[*(row.cells[j] for j in alone), block(row.cells)])
            for row in section.rows]
    title = section.narrow[0].format(*section.columns).strip()
    return replace(section, columns=[*(section.columns[j] for j in alone), title], rows=rows,
                   stack=[], narrow=[])


def folded(section: Section, room: int) -> Section:
    """The section with its last column's text folded at spaces to `room` columns: for a width
    where even the stacked form does not fit (a shape is never cut inside; see fold)."""
    last = used_columns(section)[-1:]
    if not last:
        return section
    j = last[0]

    def folded_cells(cells: list[str]) -> list[str]:
        lines = [piece for line in cells[j].split("\n") for piece in fold(line, room, "", " ")]
        return [*cells[:j], "\n".join(lines), *cells[j + 1:]]

    return replace(section, columns=folded_cells(section.columns),
                   rows=[replace(row, cells=folded_cells(row.cells)) for row in section.rows])


def layouts(section: Section, size: int | None) -> Iterator[Section]:
    """The ways to lay the section out, widest first; below NARROW columns only the stacked one."""
    if size is not None and size < NARROW and section.narrow:
        yield narrowed(section)
        return
    yield section
    if section.stack:
        yield stacked(section)
    if "note" in section.columns:
        yield notes_below(section)
    if section.narrow:
        yield narrowed(section)


def fit(section: Section, size: int | None, measure=table_width) -> Section:
    """The first layout of the section whose `measure` fits `size` columns (None: no limit),
    or the narrowest one."""
    chosen = section
    for chosen in layouts(section, size):
        if size is None or measure(chosen) <= size:
            return chosen
    sizes = column_widths(chosen)
    return folded(chosen, max(size - (measure(chosen) - sizes[-1]), 10)) if sizes else chosen


__all__ = ["NARROW", "Document", "Row", "Section", "column_widths", "fit", "fold", "folded", "is_comparison",
           "layouts", "matrix_lines", "narrowed", "natural_width", "notes_below", "number", "stacked",
           "table_width", "under_indent", "used_columns", "width"]
