"""The Watch a user holds, and its tables: what gates.watch recorded, in the walkthrough's words.

    Watch of two_layer_step
      arguments   X 4×2, y 4×1, W1 2×3, b1 1×3, W2 3×1, b2 1×1
      ...
    Operations, in the order they ran
       #  line  value  operation    shape arithmetic     note
       1    12         X @ W1       (4×2)·(2×3) → 4×3
       2    12  h      X @ W1 + b1  (4×3)+(1×3) → 4×3    b1 broadcast over 4 rows

then one section per problem, its message and its fix. Formatting only: the recording (graph.watch)
did the work; the same operation repeated by a loop is one row, counted in its note.
"""

from __future__ import annotations

import json
import os

from gates.shapes import format_shape

from .render import Document, Row, Section, render_document

FORMATS = ("plain", "markdown", "json", "rich")
MARKS = {"error": "✗", "warning": "⚠"}


class Watch:
    """What a watch saw: `result` (the function's, plain arrays), `events`, `problems`,
    `render(format)`; `track(array, name)` adds arrays inside `gates.watching()`."""

    def __init__(self, recording, result=None) -> None:
        self.recording = recording
        self.result = result

    @property
    def events(self) -> list[dict]:
        return self.recording.events

    @property
    def problems(self) -> list[dict]:
        return self.recording.problems

    @property
    def ok(self) -> bool:
        """No error found (warnings allowed)."""
        return not any(p["severity"] == "error" for p in self.problems)

    def track(self, value, name: str | None = None):
        """A watched twin of an array (or of the arrays in a dict, list or tuple), named `name`,
        by default the variable it is assigned to: `X = w.track(X)`."""
        return self.recording.track(value, name)

    def render(self, format: str = "plain", *, width: int | None = None,
               operations: bool = True) -> str:
        """The operations and the problems as "plain", "markdown", "rich" (no colour) or "json"
        text; `width`: the columns to fit (plain and rich); operations=False: the problems only."""
        if format == "json":
            return json.dumps({"events": self.events, "problems": self.problems}, indent=2,
                              ensure_ascii=False, allow_nan=False) + "\n"
        if format not in FORMATS:
            raise ValueError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
        return render_document(watch_document(self, operations=operations), format, width=width)

    def __repr__(self) -> str:
        n = len(self.events)
        operations = f"{n} operation{'s' if n != 1 else ''}"
        return f"<{title(self)}: {operations}, problems: {problem_count(self.problems)}>"

    def _repr_markdown_(self) -> str:
        """In a notebook, a Watch shows as its Markdown tables."""
        return self.render("markdown")


def title(w: Watch) -> str:
    name = w.recording.function_name
    return f"Watch of {name}" if name else "Watch"


def problem_count(problems: list[dict]) -> str:
    if not problems:
        return "none"
    errors = sum(p["severity"] == "error" for p in problems)
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in
             ((errors, "error"), (len(problems) - errors, "warning")) if n]
    return ", ".join(parts)


def watch_document(w: Watch, *, operations: bool = True) -> Document:
    """The Document of a Watch: its facts, the operations, one section per problem."""
    events = w.events
    arguments = ", ".join(f"{name} {format_shape(shape)}" for name, shape in w.recording.params.items())
    files = sorted({os.path.basename(e["file"]) for e in events})
    facts = [("arguments", arguments or "none tracked"), ("file", ", ".join(files) or "–"),
             ("operations", str(len(events))), ("problems", problem_count(w.problems))]
    sections = [operations_section(events, w.problems, several_files=len(files) > 1)] if operations else []
    sections += [problem_section(p) for p in w.problems]
    return Document(title(w), facts, sections)


def operations_section(events: list[dict], problems: list[dict], *, several_files: bool) -> Section:
    """One row per operation; an operation repeated with the same shapes (a loop) is one row."""
    rows, first, counts = [], {}, {}
    row_of = {}
    for i, e in enumerate(events):
        key = (e["file"], e["line"], e["expr"], e["name"], repr(e["inputs"]), repr(e["shape"]))
        if key not in first:
            first[key] = len(rows)
            rows.append(e)
        counts[first[key]] = counts.get(first[key], 0) + 1
        row_of[i] = first[key]
    marks: dict[int, list[str]] = {}
    for p in problems:
        if p.get("event") is not None and p["event"] in row_of:
            marks.setdefault(row_of[p["event"]], []).append(f"{MARKS[p['severity']]} {p['kind']}")
    table = []
    for n, e in enumerate(rows):
        where = f"{os.path.basename(e['file'])}:{e['line']}" if several_files else str(e["line"])
        note = [*marks.get(n, []), *([broadcast_note(e)] if broadcast_note(e) else []),
                *([f"×{counts[n]}"] if counts[n] > 1 else [])]
        value = e["name"] if e["name"] != e["expr"] else ""
        table.append(Row([str(n + 1), where, value, e["expr"], arithmetic(e), "; ".join(note)]))
    return Section("Operations, in the order they ran", ["#", "line", "value", "operation",
                                                         "shape arithmetic", "note"], table,
                   after=[] if rows else ["No operation on a watched array was recorded."],
                   pauses=False, narrow=["{1}  {2}", "{3}", "{4}", "{5}"])


def problem_section(p: dict) -> Section:
    mark = MARKS[p["severity"]]
    where = f"line {p['line']}" if p["line"] else "the watched code"
    after = [p["message"]] + ([f"Fix: {p['fix']}"] if p["fix"] else [])
    if p["source"]:
        after.insert(0, f"  {p['source']}")
    return Section(f"{mark} {where}: {p['kind']} ({p['severity']})", [], [], after=after, pauses=False)


# --- the shape words of one event ---------------------------------------------------------------

def operand(shape) -> str:
    """A shape as an operand: (4×3) for a matrix, (4,) for a vector, scalar for a number."""
    text = format_shape(shape)
    return f"({text})" if "×" in text else text


def arithmetic(e: dict) -> str:
    """The walkthrough's shape arithmetic: (4×2)·(2×3) → 4×3, (4×1)−(4×1) → 4×1, 4×3 → (3,)."""
    shapes = [i["shape"] for i in e["inputs"]]
    out = "✗ refused" if e["shape"] is None else format_shape(e["shape"])
    kind, op, symbol = e["kind"], e["op"], e["symbol"]
    if op == "setitem":
        return f"{format_shape(shapes[0])}[…] ← {operand(shapes[1])}"
    if kind == "product" and len(shapes) == 2:
        return f"{operand(shapes[0])}{'⊗' if op == 'outer' else '·'}{operand(shapes[1])} → {out}"
    if kind in ("elementwise", "inplace") and len(shapes) == 2 and symbol:
        return f"{operand(shapes[0])}{symbol}{operand(shapes[1])} → {out}"
    if op == "transpose" and len(shapes) == 1:
        return f"{operand(shapes[0])}ᵀ → {out}"
    if kind == "unary" and symbol:
        return f"{symbol}{operand(shapes[0])} → {out}"
    if kind in ("reduction", "shape", "index") and shapes:
        return f"{format_shape(shapes[0])} → {out}"
    return f"{op}({', '.join(format_shape(s) for s in shapes)}) → {out}"


def broadcast_note(e: dict) -> str | None:
    """b1 broadcast over 4 rows: an operand of an elementwise operation repeated to fit."""
    out = e["shape"]
    if e["kind"] not in ("elementwise", "inplace") or not out or len(out) != 2:
        return None
    for i in e["inputs"]:
        shape = i["shape"]
        if shape == out or len(shape) == 0 or (len(shape) == 2 and shape[0] > 1 and shape[1] > 1):
            continue
        if shape[-1] == out[1] and out[0] > 1 and (len(shape) == 1 or shape[0] == 1):
            return f"{i['name']} broadcast over {out[0]} rows"
        if len(shape) == 2 and shape[0] == out[0] and shape[1] == 1 and out[1] > 1:
            return f"{i['name']} broadcast over {out[1]} columns"
    return None
