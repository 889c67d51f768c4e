"""Plain text and Markdown from a Document (graph.render_model).

plain     deterministic text aligned with spaces: no colour, no box characters (golden files).
          Without a width it is laid out as wide as its tables are; with one, each section takes
          the first layout that fits (render_model.layouts), and nothing is ever cut.
markdown  a handout: headings, a list and pipe tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest

from .render_model import (
    Document,
    Row,
    Section,
    column_widths,
    fit,
    fold,
    table_width,
    under_indent,
    used_columns,
    width,
)

PLAIN_WIDTH = 100  # where plain text folds the rules of --explain when no width is given


def _pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def plain_chunks(doc: Document, *, size: int | None = None) -> Iterator[tuple[str, bool]]:
    """(text, pause) pairs; the text joined by newlines is the plain rendering. `size`: the
    terminal's width, or None for the layout of the golden files (every table whole)."""
    name_width = max(width(name) for name, _ in doc.facts) if doc.facts else 0
    head = fold(doc.title, size)
    for name, text in doc.facts:
        head += fold(text, size, f"  {_pad(name, name_width)}  ", " " * (name_width + 4))
    yield "\n".join(head), False
    for section in doc.sections:
        yield from _plain_section(fit(section, size, lambda s: table_width(s, margin=2)), size)


def _plain_section(section: Section, size: int | None) -> Iterator[tuple[str, bool]]:
    used = used_columns(section)
    header = [section.columns[j] for j in used]
    table = [[row.cells[j] for j in used] for row in section.rows]
    sizes = column_widths(section)
    indent = under_indent(section, margin=2)  # notes start under the second column
    right = [section.columns[j] == "#" for j in used]  # step numbers line up on the right

    def lines(cells: list[str]) -> list[str]:
        """A row, one text line per line of its tallest cell."""
        out = []
        for parts in zip_longest(*(c.split("\n") for c in cells), fillvalue=""):
            padded = [" " * (s - width(c)) + c if r else _pad(c, s) for c, s, r in zip(parts, sizes, right)]
            out.append(("  " + "  ".join(padded)).rstrip())
        return out

    top = ["", *fold(section.title, size)]
    if section.rows and any(header):
        top += [*lines(header), ("  " + "  ".join("-" * s for s in sizes)).rstrip()]
    yield "\n".join(top), False
    for row, cells in zip(section.rows, table):
        yield "\n".join(lines(cells) + _under(row, indent, size)), section.pauses
    if section.after:
        after = [line for text in section.after for line in fold(text, size or PLAIN_WIDTH, "  ", "  ")]
        yield "\n".join(after), False


def _under(row: Row, indent: int, size: int | None) -> list[str]:
    """What is printed under a row: moved cells and the matrix (folded at `size` when they do not
    fit), the rule (folded at `size`, or at PLAIN_WIDTH)."""
    pad = " " * indent
    out = [piece for text in row.below for line in text.split("\n") for piece in fold(line, size, pad, pad)]
    out += [piece for m in row.matrix for piece in fold(m, size, pad, pad + " ")]
    if row.explain:
        out += fold(f"rule: {row.explain}", size or PLAIN_WIDTH, pad, pad + " " * 6)
    return out


def to_plain(doc: Document, *, size: int | None = None) -> str:
    return "\n".join(text for text, _ in plain_chunks(doc, size=size)) + "\n"


# --- Markdown ----------------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    out += [f"- **{name}**: {_md(text)}" for name, text in doc.facts]
    for section in doc.sections:
        out += ["", f"## {_md(section.title)}", ""]
        if section.rows:
            out += _md_table(section)
        out += [""] + [_md(text) for text in section.after] if section.after else []
    return "\n".join(out).rstrip() + "\n"


def _md_table(section: Section) -> list[str]:
    used = used_columns(section)
    values = any(row.matrix for row in section.rows)
    rules = any(row.explain for row in section.rows)
    header = ([section.columns[j] or " " for j in used] + (["values"] if values else [])
              + (["rule"] if rules else []))
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    for row in section.rows:
        cells = [_md_cell(row, j, section.columns[j]) for j in used]
        if values:
            cells.append("<br>".join(f"`{m}`" for m in row.matrix))
        if rules:
            cells.append(f"*{_md(row.explain)}*" if row.explain else "")
        out.append("| " + " | ".join(cells) + " |")
    return out


def _md_cell(row: Row, j: int, column: str) -> str:
    text = row.cells[j]
    if not text:
        return ""
    if "shape" in column:
        return "<br>".join(f"`{line}`" for line in text.split("\n"))
    if row.delta and j == 2:
        return f"**{_md(text)}**"
    return _md(text)


__all__ = ["PLAIN_WIDTH", "plain_chunks", "to_markdown", "to_plain"]
