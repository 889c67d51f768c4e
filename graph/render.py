"""Walkthrough events → text: plain text, Markdown, JSON and rich tables.

Every text format is drawn from one model, a Document: a title, a few facts about the network,
and sections (forward, backward, update, loss), each a table whose cells are plain strings
built from the events' own words (formula, arithmetic, local_diff...). The backends only lay the
model out, so plain, Markdown and rich always say the same thing:
    plain     deterministic text, aligned with spaces: no colour, no box characters (golden files)
    markdown  a handout: headings, a list and pipe tables
    rich      coloured tables for the terminal (rich is imported only here, only when asked)
    json      the stable form of DESIGN.md, from the events directly (not from the Document)

A backend yields chunks; `show` prints them and, for --step, waits after each gate's row.
"""

from __future__ import annotations

import json
import sys
import textwrap
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gates.notation import grad_label, superscript
from gates.shapes import format_shape

from .builders import CONVENTION_WORDS
from .walkthrough import Comparison, Walkthrough

FORMATS = ("rich", "plain", "markdown", "json")
PLAIN_WIDTH = 100  # where plain text folds the rules of --explain



# --- the model ----------------------------------------------------------------------------------

@dataclass
class Row:
    """One line of a table: its cells, and what is printed under it."""

    cells: list[str]
    delta: bool = False                                # a δ row: highlighted where colour exists
    explain: str | None = None                         # the gate's rule (--explain)
    matrix: list[str] = field(default_factory=list)   # the value's lines (--values)


@dataclass
class Section:
    """A titled table (forward, backward, update, loss) and the sentences under it."""

    title: str
    columns: list[str]
    rows: list[Row]
    after: list[str] = field(default_factory=list)   # sentences printed under the table
    pauses: bool = True                                # --step waits after each row
    stack: list[tuple[int, int]] = field(default_factory=list)  # column pairs that may stack


def stacked(section: Section) -> Section:
    """The section with each pair (i, j) of `stack` in one column, j's text under i's.

    Rows and columns side by side need ~110 characters; stacked, they fit in 80 and the
    transposition reads vertically: (4×2)·(2×3) → 4×3 above (3×2)·(2×4) → 3×4.
    """
    under = {i: j for i, j in section.stack}
    keep = [n for n in range(len(section.columns)) if n not in under.values()]

    def merge(cells: list[str]) -> list[str]:
        return [f"{cells[n]}\n{cells[under[n]]}" if n in under else cells[n] for n in keep]

    rows = [Row(merge(row.cells), row.delta, row.explain, row.matrix) for row in section.rows]
    columns = [f"{section.columns[n]} / {section.columns[under[n]]}" if n in under
               else section.columns[n] for n in keep]
    return Section(section.title, columns, rows, section.after, section.pauses)


@dataclass
class Document:
    """What every text format prints: a title, the facts of the network, the sections."""

    title: str
    facts: list[tuple[str, str]]
    sections: list[Section]


# --- words shared by the sections ----------------------------------------------------------------

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
    big = float(np.max(np.abs(a))) if a.size else 0.0
    if big == 0.0 or 1e-3 <= big < 1e4:
        cells = [[f"{round(v, 4) + 0.0:.4f}" for v in row] for row in a.tolist()]
    else:
        cells = [[f"{v:.3e}" for v in row] for row in a.tolist()]
    size = max(len(c) for row in cells for c in row)
    return ["[" + " ".join(c.rjust(size) for c in row) + "]" for row in cells]


def _explain_once(events: list[dict], i: int, key: str) -> str | None:
    """A gate's rule under the last of its rows (a mulGate makes two gradients, one rule)."""
    last = i + 1 == len(events) or events[i + 1][key] != events[i][key]
    return events[i].get("explain") if last else None


# --- one walkthrough ---------------------------------------------------------------------------

def network_title(network: dict) -> str:
    layers = network.get("layers")
    what = f"the {layers} network" if layers else "a hand-built graph"
    if network.get("example"):
        what += f" ({network['example']})"
    return what


def facts(network: dict, *, conventions: bool = False) -> list[tuple[str, str]]:
    """The header: what network, which batch, activations, loss, convention, seed, λ."""
    out = []
    layers = network.get("layers")
    if layers:
        sizes = ", ".join(f"m{superscript(str(l))} = {m}" for l, m in enumerate(layers, start=1))
        out.append(("network", f"{layers}: layer sizes {sizes}"))
    batch, convention = network.get("batch"), network.get("convention", "rows")
    if batch is not None:
        per = "" if conventions else f", {CONVENTION_WORDS[convention][1]}"
        count = "(symbolic: no data flows)" if isinstance(batch, str) else f"= {batch}"
        out.append(("batch", f"k {count}{per}"))
    if network.get("activation"):
        output = f"{network.get('output_activation')} (output)"
        if network.get("loss") == "cross_entropy":  # the graph has no softmax gate of its own
            output = "softmax (output, inside the cross_entropy loss)"
        out.append(("activation", f"{network['activation']} (hidden), {output}"))
    if network.get("loss"):
        out.append(("loss", network["loss"]))
    if conventions:
        for name, (formula, per) in CONVENTION_WORDS.items():
            out.append((name, f"{formula}, {per}"))
    else:
        formula, _ = CONVENTION_WORDS.get(convention, (convention, ""))
        out.append(("convention", f"{convention}: {formula}"))
    if network.get("bias") is not None:
        out.append(("bias", "yes" if network["bias"] else "no"))
    if network.get("seed") is not None:
        out.append(("seed", str(network["seed"])))
    if network.get("lr") is not None:
        out.append(("learning rate", f"λ = {network['lr']}"))
    return out


def forward_section(walk: Walkthrough, *, explain: bool = False, values: bool = False) -> Section:
    rows = []
    for i, e in enumerate(walk.forward):
        rows.append(Row([str(i + 1), e["gate"], e["label"], f"= {e['formula']}", e["arithmetic"],
                         e.get("note") or ""],
                        explain=e.get("explain") if explain else None,
                        matrix=matrix_lines(e["value"]) if values and "value" in e else []))
    return Section("Forward pass: one gate at a time, in execution order",
                   ["#", "gate", "value", "formula", "shape arithmetic", "note"], rows)


def backward_section(walk: Walkthrough, *, explain: bool = False, values: bool = False) -> Section:
    rows = []
    events = walk.backward
    for i, e in enumerate(events):
        note = "added to the gradient already there" if e.get("accumulated") else ""
        rows.append(Row([str(i + 1), e["gate"], e["label"], f"= {e['formula']}", e["arithmetic"], note],
                        delta=e["label"].startswith("δ"),
                        explain=_explain_once(events, i, "node") if explain else None,
                        matrix=matrix_lines(e["value"]) if values and "value" in e else []))
    return Section("Backward pass: each gradient is top_diff × local_diff, in backprop's order",
                   ["#", "gate", "gradient", "top_diff × local_diff", "shape arithmetic", "note"], rows)


def update_section(walk: Walkthrough, *, values: bool = False) -> Section:
    lr = walk.network.get("lr")
    step = "λ" if lr is None else f"{lr}"
    rows = []
    for e in walk.update:
        label = e["label"]
        same = list(e["shape"]) == list(e["grad_shape"])
        rows.append(Row([label, f"{label} ← {label} − {step}·{grad_label(label)}",
                         format_shape(e["shape"]), format_shape(e["grad_shape"]),
                         "same shape" if same else "SHAPES DIFFER"],
                        matrix=matrix_lines(e["value"]) if values and "value" in e else []))
    title = "Update: W ← W − λ·dJ/dW" + ("" if lr is None else f", λ = {lr}")
    return Section(title + "; each gradient has its parameter's shape",
                   ["parameter", "update", "shape", "gradient shape", "check"], rows)


def loss_section(walk: Walkthrough) -> Section:
    if walk.loss is None:
        return Section("Loss", [], [], after=["No numbers in the symbolic walkthrough: only shapes "
                                              "flow. Drop --symbolic to run data through."],
                       pauses=False)
    rows = [Row(["before the step", f"J = {number(walk.loss)}"])]
    if walk.loss_after is not None:
        change = walk.loss_after - walk.loss
        rows.append(Row(["after one step", f"J = {number(walk.loss_after)}  ({change:+.3g})"]))
    return Section("Loss", ["", ""], rows, pauses=False)


def values_section(walk: Walkthrough) -> Section:
    """The inputs and the parameters before the step, with their numbers (--values)."""
    params = {e["param"] for e in walk.update}
    rows = []
    for e in walk.forward:
        for source in e["inputs"]:
            name = source["name"]
            if name in walk.values and all(r.cells[0] != source["label"] for r in rows):
                role = "parameter" if name in params else "input"
                rows.append(Row([source["label"], role, format_shape(source["shape"])],
                                matrix=matrix_lines(walk.values[name])))
    return Section("Inputs and parameters before the step", ["name", "role", "shape"], rows,
                   pauses=False)


def walkthrough_document(walk: Walkthrough, *, explain: bool = False, values: bool = False) -> Document:
    sections = []
    if values and walk.values:
        sections.append(values_section(walk))
    sections += [forward_section(walk, explain=explain, values=values),
                 backward_section(walk, explain=explain, values=values),
                 update_section(walk, values=values), loss_section(walk)]
    title = f"Backprop walkthrough: {network_title(walk.network)}"
    if walk.sizes:
        title += ", sizes as symbols"
    return Document(title, facts(walk.network), sections)


# --- two conventions side by side -------------------------------------------------------------

def comparison_document(comparison: Comparison, *, explain: bool = False) -> Document:
    rows_walk, cols_walk = comparison.rows, comparison.columns
    renamed = {r["output"]: c["output"] for r, c in zip(rows_walk.forward, cols_walk.forward)}
    forward = []
    for i, (r, c) in enumerate(zip(rows_walk.forward, cols_walk.forward)):
        forward.append(Row([str(i + 1), r["gate"], f"{r['label']} = {r['formula']}", r["arithmetic"],
                            f"{c['label']} = {c['formula']}", c["arithmetic"]],
                           explain=r.get("explain") if explain else None))
    by_target = {e["grad_of"]: e for e in cols_walk.backward}
    backward = []
    for i, r in enumerate(rows_walk.backward):
        c = by_target[renamed.get(r["grad_of"], r["grad_of"])]
        backward.append(Row([str(i + 1), r["gate"], f"{r['label']} = {r['formula']}", r["arithmetic"],
                             f"{c['label']} = {c['formula']}", c["arithmetic"]],
                            delta=r["label"].startswith("δ"),
                            explain=_explain_once(rows_walk.backward, i, "node") if explain else None))
    cols_update = {e["param"]: e for e in cols_walk.update}
    update = [Row([r["label"], format_shape(r["shape"]), format_shape(cols_update[r["param"]]["shape"]),
                   "transposed" if r["shape"][::-1] == cols_update[r["param"]]["shape"] else "same"])
              for r in rows_walk.update]
    rows_words, cols_words = CONVENTION_WORDS["rows"][0], CONVENTION_WORDS["columns"][0]
    pair = ["rows", "shapes (rows)", "columns", "shapes (columns)"]
    stack = [(2, 4), (3, 5)]
    sections = [
        Section(f"Forward pass: rows ({rows_words}) beside columns ({cols_words})",
                ["#", "gate", *pair], forward, stack=stack),
        Section("Backward pass: the same gradients, each the transpose of its twin",
                ["#", "gate", *pair], backward, stack=stack),
        Section("Update: every parameter and its gradient keep their shape; the columns shape is "
                "the rows shape transposed", ["parameter", "shape (rows)", "shape (columns)", "relation"],
                update,
                after=["z = W·X + b is (X·Wᵀ + bᵀ)ᵀ: the columns convention is the rows one "
                       "transposed, so every matrix, forward and backward, is transposed too."]),
    ]
    if rows_walk.loss is not None:
        sections.append(Section("Loss", ["", "rows", "columns"], [
            Row(["J before the step", number(rows_walk.loss), number(cols_walk.loss)]),
            Row(["J after one step", number(rows_walk.loss_after), number(cols_walk.loss_after)]),
        ], after=["The same numbers: the two conventions are one network written two ways."],
            pauses=False))
    title = f"Rows and columns conventions side by side: {network_title(rows_walk.network)}"
    return Document(title, facts(rows_walk.network, conventions=True), sections)


def document(obj: Walkthrough | Comparison, *, explain: bool = False,
             values: bool = False) -> Document:
    """The model of a Walkthrough or a Comparison."""
    if isinstance(obj, Comparison):
        return comparison_document(obj, explain=explain)
    return walkthrough_document(obj, explain=explain, values=values)


# --- plain text --------------------------------------------------------------------------------

def width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters count 2, combining marks 0."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF"
               else 1 for ch in text)


def _pad(text: str, size: int) -> str:
    return text + " " * (size - width(text))


def _used_columns(section: Section) -> list[int]:
    """Columns with something in them: an empty note column is not printed."""
    return [j for j in range(len(section.columns))
            if any(row.cells[j] for row in section.rows)]


def plain_chunks(doc: Document) -> Iterator[tuple[str, bool]]:
    """(text, pause) pairs; the text joined by newlines is the plain rendering."""
    name_width = max(width(name) for name, _ in doc.facts) if doc.facts else 0
    head = [doc.title] + [f"  {_pad(name, name_width)}  {text}" for name, text in doc.facts]
    yield "\n".join(head), False
    for section in doc.sections:
        yield from _plain_section(section)


def _plain_section(section: Section) -> Iterator[tuple[str, bool]]:
    used = _used_columns(section)
    header = [section.columns[j] for j in used]
    table = [[row.cells[j] for j in used] for row in section.rows]
    sizes = [max([width(h)] + [width(cells[n]) for cells in table]) for n, h in enumerate(header)]
    indent = 2 + (sizes[0] + 2 if len(sizes) > 1 else 0)  # notes start under the second column

    right = [section.columns[j] == "#" for j in used]  # step numbers line up on the right

    def line(cells: list[str]) -> str:
        padded = [" " * (s - width(c)) + c if r else _pad(c, s) for c, s, r in zip(cells, sizes, right)]
        return ("  " + "  ".join(padded)).rstrip()

    top = ["", section.title]
    if section.rows:
        if any(header):
            top += [line(header), line(["-" * s for s in sizes])]
    yield "\n".join(top), False
    for row, cells in zip(section.rows, table):
        lines = [line(cells)]
        lines += [" " * indent + m for m in row.matrix]
        if row.explain:
            lines += textwrap.wrap(f"rule: {row.explain}", PLAIN_WIDTH, initial_indent=" " * indent,
                                   subsequent_indent=" " * (indent + 6))
        yield "\n".join(lines), section.pauses
    if section.after:
        yield "\n".join(textwrap.fill(text, PLAIN_WIDTH, initial_indent="  ", subsequent_indent="  ")
                        for text in section.after), False


def to_plain(doc: Document) -> str:
    return "\n".join(text for text, _ in plain_chunks(doc)) + "\n"


# --- Markdown ----------------------------------------------------------------------------------

def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(doc: Document) -> str:
    out = [f"# {doc.title}", ""]
    out += [f"- **{name}**: {_md(text)}" for name, text in doc.facts]
    for section in doc.sections:
        out += ["", f"## {_md(section.title)}", ""]
        if section.rows:
            used = _used_columns(section)
            values = any(row.matrix for row in section.rows)
            rules = any(row.explain for row in section.rows)
            header = ([section.columns[j] or " " for j in used] + (["values"] if values else [])
                      + (["rule"] if rules else []))
            out.append("| " + " | ".join(_md(h) for h in header) + " |")
            out.append("|" + "---|" * len(header))
            for row in section.rows:
                cells = [_md_cell(row, j, section.columns[j]) for j in used]
                if values:
                    cells.append("<br>".join(f"`{m}`" for m in row.matrix))
                if rules:
                    cells.append(f"*{_md(row.explain)}*" if row.explain else "")
                out.append("| " + " | ".join(cells) + " |")
        out += [""] + [_md(text) for text in section.after] if section.after else []
    return "\n".join(out).rstrip() + "\n"


def _md_cell(row: Row, j: int, column: str) -> str:
    text = row.cells[j]
    if not text:
        return ""
    if "shape" in column:
        return f"`{text}`"
    if row.delta and j == 2:
        return f"**{_md(text)}**"
    return _md(text)


# --- JSON --------------------------------------------------------------------------------------

def _clean(event: dict, *, explain: bool) -> dict:
    """An event as JSON: no phase (the key it sits under says it), arrays as lists."""
    out = {}
    for key, value in event.items():
        if key == "phase" or (key == "explain" and not explain):
            continue
        out[key] = value.tolist() if isinstance(value, np.ndarray) else value
    return out


def to_json(obj, *, explain: bool = False) -> dict[str, Any]:
    """The stable JSON form of DESIGN.md ("The trace"); a Comparison gives {"rows", "columns"}."""
    if isinstance(obj, Comparison):
        return {"rows": to_json(obj.rows, explain=explain),
                "columns": to_json(obj.columns, explain=explain)}
    out: dict[str, Any] = {"network": dict(obj.network)}
    for phase in ("forward", "backward", "update"):
        out[phase] = [_clean(e, explain=explain) for e in getattr(obj, phase)]
    out["loss"] = obj.loss
    out["loss_after"] = obj.loss_after
    if obj.values:
        out["values"] = {name: np.asarray(v).tolist() for name, v in obj.values.items()}
    if obj.sizes:
        out["sizes"] = dict(obj.sizes)
    return out


def dump_json(value, indent: str = "") -> str:
    """JSON text with one event per line: the walkthrough's objects spread out, each list of
    events one per line, everything else compact. Valid JSON, and readable in a diff."""
    inner = indent + "  "
    if _holds_records(value):
        items = [f"{inner}{json.dumps(k)}: {dump_json(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if _records(value):
        items = [inner + json.dumps(v, ensure_ascii=False) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def _records(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _holds_records(value) -> bool:
    return isinstance(value, dict) and any(_records(v) or _holds_records(v) for v in value.values())


# --- rich --------------------------------------------------------------------------------------

COLUMN_STYLES = {"#": "dim", "gate": "cyan", "value": "bold", "gradient": "bold",
                 "parameter": "bold", "note": "dim italic", "check": "green", "values": "yellow"}
DELTA_STYLE = "bold magenta"


def _column_style(name: str) -> str:
    return "green" if "shape" in name else COLUMN_STYLES.get(name, "")


def rich_chunks(doc: Document, *, step: bool = False, width: int = 80) -> Iterator[tuple[Any, bool]]:
    """(renderable, pause) pairs for a rich Console.

    A section is one table; with --step or --explain it is cut into one table per row, all
    with the same column widths so that they line up, and a gate's rule printed under its row
    across the full width.
    """
    from rich.console import Group
    from rich.panel import Panel
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for name, text in doc.facts:  # Text, not markup: "[2, 3, 1]" is not a style tag
        grid.add_row(_rich_text(name, ""), _rich_text(text, ""))
    yield Panel(grid, title=_rich_text(doc.title, "bold"), title_align="left", expand=False,
                border_style="blue"), False
    for section in doc.sections:
        if section.stack and _natural_width(section) > width:
            section = stacked(section)
        title = _rich_text(section.title, "bold underline", before="\n")
        if not section.rows:
            yield Group(title, _rich_text("\n".join(section.after), "italic")), False
            continue
        if step or any(row.explain for row in section.rows):
            yield from _rich_row_by_row(section, title)
        else:
            table = _rich_table(section, header=True)
            for row in section.rows:
                _add_rich_row(table, section, row)
            yield Group(title, table), False
        if section.after:
            yield _rich_text("\n".join(section.after), "italic"), False


def _natural_width(section: Section) -> int:
    """The width of the section's table with no cell folded (two spaces between columns)."""
    used = _used_columns(section)
    return sum(max([width(section.columns[j])] + [width(r.cells[j]) for r in section.rows])
               for j in used) + 2 * (len(used) - 1)


def _rich_row_by_row(section: Section, title) -> Iterator[tuple[Any, bool]]:
    from rich.console import Group
    from rich.padding import Padding
    used = _used_columns(section)
    widths = [max(width(line) for r in section.rows for line in
                  [*section.columns[j].split("\n"), *r.cells[j].split("\n")]) for j in used]
    if any(row.matrix for row in section.rows):
        widths.append(max(width(m) for r in section.rows for m in r.matrix or [""]))
    indent = widths[0] + 2  # the rule starts under the second column
    yield Group(title, _rich_table(section, header=True, widths=widths)), False
    for row in section.rows:
        table = _rich_table(section, header=False, widths=widths)
        _add_rich_row(table, section, row)
        parts = [table]
        if row.explain:
            parts.append(Padding(_rich_text(row.explain, "dim italic"), (0, 0, 0, indent)))
        yield Group(*parts), section.pauses


def _rich_table(section: Section, *, header: bool, widths: list[int] | None = None):
    """A table with the section's used columns (+ values); fixed `widths` make tables align."""
    from rich import box
    from rich.table import Table
    table = Table(box=box.SIMPLE_HEAD, show_header=header and any(section.columns),
                  show_edge=False, header_style="bold", pad_edge=False, collapse_padding=True)
    names = [section.columns[j] for j in _used_columns(section)]
    if any(row.matrix for row in section.rows):
        names.append("values")
    for n, name in enumerate(names):
        wraps = name in ("note", "rows", "columns")  # what may fold when the terminal is narrow
        table.add_column(name, style=_column_style(name), justify="right" if name == "#" else "left",
                         no_wrap=not wraps, width=widths[n] if widths and not wraps else None)
    return table


def _add_rich_row(table, section: Section, row: Row) -> None:
    from rich.text import Text
    texts = [Text(row.cells[j]) for j in _used_columns(section)]
    if row.delta and len(texts) > 2:
        texts[2].stylize(DELTA_STYLE)
    if row.matrix or any(r.matrix for r in section.rows):
        texts.append(Text("\n".join(row.matrix)))
    table.add_row(*texts, style="bold" if row.delta else None)


def _rich_text(text: str, style: str, *, before: str = ""):
    from rich.text import Text
    return Text(before + text, style=style)


# --- printing ----------------------------------------------------------------------------------

def render(obj, format: str = "plain", *, explain: bool = False, values: bool = False,
           width: int = 100) -> str:
    """A Walkthrough or Comparison as text in one of FORMATS ("rich" without colour, `width` wide)."""
    if format == "json":
        return dump_json(to_json(obj, explain=explain)) + "\n"
    doc = document(obj, explain=explain, values=values)
    if format == "plain":
        return to_plain(doc)
    if format == "markdown":
        return to_markdown(doc)
    if format == "rich":
        from io import StringIO

        from rich.console import Console
        buffer = StringIO()
        console = Console(file=buffer, width=width, color_system=None, highlight=False)
        for part, _ in rich_chunks(doc, width=width):
            console.print(part)
        return buffer.getvalue()
    raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")


def show(obj, format: str = "rich", *, explain: bool = False, values: bool = False,
         step: bool = False, file=None, pause: Callable[[], bool] | None = None) -> None:
    """Print a Walkthrough or Comparison to `file` (standard output by default).

    step: call `pause()` after each gate's row (it returns False to stop pausing, e.g. at the
    end of standard input). Colour, for rich, follows the terminal and NO_COLOR.
    """
    file = file or sys.stdout
    if format in ("json", "markdown"):
        file.write(render(obj, format, explain=explain, values=values))
        return
    doc = document(obj, explain=explain, values=values)
    if format == "plain":
        chunks, emit = plain_chunks(doc), lambda text: file.write(text + "\n")
    elif format == "rich":
        from rich.console import Console
        console = Console(file=file, highlight=False)
        chunks, emit = rich_chunks(doc, step=step, width=console.width), console.print
    else:
        raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    for part, pauses in chunks:
        emit(part)
        if step and pauses and pause is not None:
            file.flush()
            step = pause()


__all__ = ["FORMATS", "Document", "Section", "Row", "document", "render", "show", "to_json",
           "to_plain", "to_markdown", "matrix_lines", "number"]
