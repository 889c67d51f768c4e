"""Walkthrough events → text: plain text, Markdown, JSON and rich tables.

Every text format is drawn from one model, a Document (graph.render_model): a title, a few facts
about the network, and sections (forward, backward, update, loss), each a table whose cells are
plain strings built from the events' own words (graph.render_walk). The backends only lay the
model out, so plain, Markdown and rich always say the same thing:
    plain     deterministic text, aligned with spaces: no colour, no box characters (golden files)
    markdown  a handout: headings, a list and pipe tables
    rich      coloured tables for the terminal (rich is imported only when asked)
    json      the stable form of DESIGN.md, strict JSON, from the events directly (render_json)

    render_document(doc, "rich", width=80)   # any Document, e.g. one of your own
    render(walk, "plain")                      # a Walkthrough or a Comparison

At a given width each section takes the first layout that fits: a table, its notes under the
rows, or one stacked block per row (below 60 columns); no shape is ever cut to "…".
Formatting only: this room computes nothing from the arrays it is handed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from .render_json import dump_json, to_json
from .render_model import Document, Row, Section, is_comparison, matrix_lines, number, stacked, width
from .render_text import plain_chunks, to_markdown, to_plain
from .render_walk import comparison_document, walkthrough_document

FORMATS = ("rich", "plain", "markdown", "json")
DOCUMENT_FORMATS = ("plain", "markdown", "rich")
RICH_WIDTH = 100  # a rich rendering to a string when no width is given


def document(obj, *, explain: bool = False, values: bool = False) -> Document:
    """The model of a Walkthrough or a Comparison."""
    if is_comparison(obj):
        return comparison_document(obj, explain=explain)
    return walkthrough_document(obj, explain=explain, values=values)


def _console(file, size: int, *, colour: bool):
    """A rich Console writing to `file`, `size` columns wide, never Jupyter's display (so that
    a rendering to a string returns the text instead of printing it in the notebook)."""
    from rich.console import Console

    class Quiet(Console):
        def on_broken_pipe(self) -> None:
            raise BrokenPipeError  # the command ends quietly, as for the other formats (rich: exit 1)

    if colour:
        return Quiet(file=file, width=size, highlight=False, force_jupyter=False)
    return Quiet(file=file, width=size, highlight=False, force_jupyter=False,
                 force_terminal=False, color_system=None)


def terminal_columns() -> int:
    """The terminal's width: COLUMNS when it is a positive number, else the terminal's own size,
    else 80 (a pipe, a file). COLUMNS=0 or COLUMNS=abc are ignored, as a shell would."""
    import shutil
    return max(shutil.get_terminal_size((80, 24)).columns, 1)


def _check_width(size: int | None) -> int | None:
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        raise ValueError(f"width must be a whole number of columns ≥ 1, e.g. 80; got {size!r}")
    return size


def render_document(doc: Document, format: str, *, width: int | None = None) -> str:
    """The text of a Document in "plain", "markdown" or "rich".

    width: the columns to fit (plain and rich; Markdown's tables have no width). Plain with no
    width keeps every table whole, as the golden files do; rich with no width is 100 columns.
    Rich is drawn without colour: a string is not a terminal.
    """
    size = _check_width(width)
    if format == "plain":
        return to_plain(doc, size=size)
    if format == "markdown":
        return to_markdown(doc)
    if format == "rich":
        from io import StringIO

        from .render_rich import rich_chunks
        buffer = StringIO()
        console = _console(buffer, size or RICH_WIDTH, colour=False)
        for part, _ in rich_chunks(doc, width=size or RICH_WIDTH):
            console.print(part)
        return buffer.getvalue()
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(DOCUMENT_FORMATS)}")


def render(obj, format: str = "plain", *, explain: bool = False, values: bool = False,
           width: int | None = None) -> str:
    """A Walkthrough or Comparison as text in one of FORMATS (rich: no colour, `width` wide)."""
    if format == "json":
        return dump_json(to_json(obj, explain=explain)) + "\n"
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    return render_document(document(obj, explain=explain, values=values), format, width=width)


def show(obj, format: str = "rich", *, explain: bool = False, values: bool = False,
         step: bool = False, file=None, pause: Callable[[], bool] | None = None,
         width: int | None = None) -> None:
    """Print a Walkthrough or Comparison to `file` (standard output by default).

    step: call `pause()` after each gate's row (it returns False to stop pausing, e.g. at the
    end of standard input). width: the columns to fit (rich: the terminal's when not given;
    plain: every table whole). Colour, for rich, follows the terminal and NO_COLOR.
    """
    file = file or sys.stdout
    if format in ("json", "markdown"):
        file.write(render(obj, format, explain=explain, values=values))
        return
    doc = document(obj, explain=explain, values=values)
    chunks: Any
    if format == "plain":
        chunks, emit = plain_chunks(doc, size=_check_width(width)), lambda text: file.write(text + "\n")
    elif format == "rich":
        from .render_rich import rich_chunks
        console = _console(file, _check_width(width) or terminal_columns(), colour=True)
        chunks, emit = rich_chunks(doc, step=step, width=console.width), console.print
    else:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    for part, pauses in chunks:
        emit(part)
        if step and pauses and pause is not None:
            file.flush()
            step = pause()


__all__ = ["DOCUMENT_FORMATS", "FORMATS", "Document", "Row", "Section", "document", "dump_json",
           "matrix_lines", "number", "render", "render_document", "show", "stacked", "terminal_columns",
           "to_json", "to_markdown", "to_plain", "width"]
