"""The computational graph as a picture: gates as nodes, values and their gradients on the edges.

    python -m gates.trace --diagram net.svg      # or net.dot, net.mmd, net.png

Every edge carries what flows along it: forward, the value with its name and shape (XW¹ 4×3),
in black; backward, the gradient sent back along the same edge (δ² 4×3), in red. Inputs and
parameters are the leaves; J, the output, is the last node.

  .dot  Graphviz text             .mmd  Mermaid text (Markdown viewers, notebooks)
  .svg  .png  rendered by Graphviz's `dot` program when it is installed

The shapes come from the graph's own events (`symbolic_events`), concrete with symbols such as
{"k": 4}, else with the batch k left symbolic.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gates.shapes import format_shape, substitute

from .engine import INPUT, PARAM
from .files import WriteError, replacing, write_text
from .tracer import symbolic_events

FORWARD_COLOUR = "#1f1f1f"
BACKWARD_COLOUR = "#c0392b"
INSTALL_GRAPHVIZ = ("install Graphviz (apt-get install graphviz, brew install graphviz or "
                    "conda install graphviz)")


class GraphvizMissing(ValueError):
    """An .svg or .png was asked for and Graphviz's `dot` program is not installed."""


@dataclass
class Box:
    """A node of the picture: a leaf (input, parameter), a gate, or the output."""

    id: str
    role: str      # "input", "param", "gate" or "output"
    title: str     # X, W¹, mulGate, J
    detail: str = ""  # a gate's formula: XW¹ = X·W¹


@dataclass
class Arrow:
    """An edge: the value flowing forward and, when one is computed, its gradient flowing back."""

    source: str
    target: str
    value: str          # "XW¹ 4×3"
    gradient: str = ""  # "δ² 4×3", empty where no gradient is computed (dJ/dX, dJ/dy)


def layout(graph, symbols: dict[str, int] | None = None) -> tuple[list[Box], list[Arrow], str]:
    """The boxes, the arrows and a title of the picture of `graph`."""
    events = symbolic_events(graph, symbols)
    forward = {e["output"]: e for e in events if e["phase"] == "forward"}
    # A shape no event states (a gate with no output_shape rule, and what follows it): the
    # declared one, with the symbols bound, or None (drawn as ?).
    declared = {name: None if n.shape is None else substitute(n.shape, symbols or {})
                for name, n in graph.nodes.items()}
    gradients = _gradients_by_edge(graph, events)
    consumed = {name for node in graph.gate_nodes for name in node.inputs}
    boxes = [Box(n.name, n.role, n.label) for n in graph.nodes.values() if n.role in (INPUT, PARAM)]
    arrows: list[Arrow] = []
    for node in graph.gate_nodes:
        event = forward.get(node.name)
        boxes.append(Box(node.name, "gate", node.gate.kind, f"{node.label} = {node.gate.formula()}"))
        for i, name in enumerate(node.inputs):
            shape = event["inputs"][i]["shape"] if event else declared[name]
            arrows.append(Arrow(name, node.name, _labelled(graph.nodes[name].label, shape),
                                gradients.get((node.name, i), "")))
        if node.name not in consumed:  # the output, J: it needs a box of its own to point at
            out = f"{node.name}·out"
            shape = event["shape"] if event else declared[node.name]
            boxes.append(Box(out, "output", node.label))
            arrows.append(Arrow(node.name, out, _labelled(node.label, shape)))
    return boxes, arrows, _title(graph, symbols)


def _gradients_by_edge(graph, events: list[dict]) -> dict[tuple[str, int], str]:
    """(gate node, input index) → "δ² 4×3": each backward event belongs to one edge."""
    return {(e["node"], e["input"]): _labelled(e["label"], e["shape"])
            for e in events if e["phase"] == "backward"}


def _labelled(label: str, shape) -> str:
    return f"{label}  {'?' if shape is None else format_shape(shape)}"


def _title(graph, symbols: dict[str, int] | None) -> str:
    bound = ", ".join(f"{s} = {v}" for s, v in (symbols or {}).items())
    return repr(graph).strip("<>") + (f", {bound}" if bound else ", batch k")


# --- Graphviz ----------------------------------------------------------------------------------

_DOT_STYLE = {
    "input": 'shape=box, style="rounded", color="#2c6fbb", fontcolor="#2c6fbb"',
    "param": 'shape=box, style="filled", fillcolor="#fdf2c4", color="#b7950b"',
    "gate": 'shape=box, style="rounded,filled", fillcolor="#eef3f8", color="#5d6d7e"',
    "output": 'shape=doublecircle, color="#2c6fbb", fontcolor="#2c6fbb", margin=0.02',
}


def to_dot(graph, symbols: dict[str, int] | None = None) -> str:
    """The graph in Graphviz's DOT language, left to right as docs/NETWORK.md draws it."""
    boxes, arrows, title = layout(graph, symbols)
    legend = (f'<font color="{FORWARD_COLOUR}">value  shape (forward)</font>    '
              f'<font color="{BACKWARD_COLOUR}">gradient  shape (backward)</font>')
    lines = [
        "digraph gates {",
        "  rankdir=LR; nodesep=0.35; ranksep=0.45;",
        f'  label=<<b>{_esc(title)}</b><br/>{legend}>; labelloc=t; fontname="DejaVu Sans";',
        '  node [fontname="DejaVu Sans", fontsize=12];',
        f'  edge [fontname="DejaVu Sans", fontsize=10, color="{FORWARD_COLOUR}"];',
    ]
    for box in boxes:
        text = f"<b>{_esc(box.title)}</b>" if box.role == "gate" else _esc(box.title)
        if box.detail:
            text += f'<br/><font point-size="10">{_esc(box.detail)}</font>'
        lines.append(f'  {_dot_id(box.id)} [label=<{text}>, {_DOT_STYLE[box.role]}];')
    for arrow in arrows:
        text = _esc(arrow.value)
        if arrow.gradient:
            text += f'<br/><font color="{BACKWARD_COLOUR}">{_esc(arrow.gradient)}</font>'
        lines.append(f'  {_dot_id(arrow.source)} -> {_dot_id(arrow.target)} [label=<{text}>];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _esc(text: str) -> str:
    """Text safe inside an HTML-like DOT label: <, >, & and quotes as entities, a newline a break."""
    return html.escape(text, quote=True).replace("\n", "<br/>")


def _dot_id(name: str) -> str:
    """A node's name as a quoted DOT id (any name a user gives a node is allowed): backslash,
    quote and newline escaped, so that the id stays one token on one line."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


# --- Mermaid -----------------------------------------------------------------------------------

_MERMAID_SHAPE = {"input": ('(["', '"])'), "param": ('["', '"]'), "gate": ('("', '")'),
                  "output": ('(("', '"))')}


def to_mermaid(graph, symbols: dict[str, int] | None = None) -> str:
    """The graph as a Mermaid flowchart; a gradient is the second line of its edge, in red and
    marked ◀ (the mark remains where a viewer strips the colour)."""
    boxes, arrows, title = layout(graph, symbols)
    ids = {box.id: f"n{i}" for i, box in enumerate(boxes)}  # Mermaid ids: plain ASCII
    lines = [f"%% {' '.join(title.split())}",
             "%% each edge: the value and its shape (forward), then ◀ its gradient and shape (backward)",
             "flowchart LR"]
    for box in boxes:
        text = f"<b>{_mm(box.title)}</b>" if box.role == "gate" else _mm(box.title)
        text += f"<br/>{_mm(box.detail)}" if box.detail else ""
        left, right = _MERMAID_SHAPE[box.role]
        lines.append(f"    {ids[box.id]}{left}{text}{right}")
    for arrow in arrows:
        text = _mm(arrow.value)
        if arrow.gradient:
            text += f"<br/><span style='color:{BACKWARD_COLOUR}'>◀ {_mm(arrow.gradient)}</span>"
        lines.append(f'    {ids[arrow.source]} -->|"{text}"| {ids[arrow.target]}')
    lines += ["    classDef input stroke:#2c6fbb,color:#2c6fbb",
              "    classDef output stroke:#2c6fbb,color:#2c6fbb",
              "    classDef param fill:#fdf2c4,stroke:#b7950b",
              "    classDef gate fill:#eef3f8,stroke:#5d6d7e"]
    for role in ("input", "param", "gate", "output"):
        members = [ids[b.id] for b in boxes if b.role == role]
        if members:
            lines.append(f"    class {','.join(members)} {role}")
    return "\n".join(lines) + "\n"


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}


def _mm(text: str) -> str:
    """Text safe inside a quoted Mermaid label: a quote would end it, and < > would be read as
    HTML, so they are Mermaid's entity codes (#quot; #lt; #gt;, and # itself #35;); a newline
    is a line break."""
    return "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text).replace("\n", "<br/>")


# --- files -------------------------------------------------------------------------------------

def write_diagram(graph, path, symbols: dict[str, int] | None = None) -> str:
    """Write the picture of `graph` to `path`; its suffix chooses the form (.dot .mmd .svg .png).

    The file is written whole or not at all (graph.files): a failed write leaves an existing
    file untouched. Raises ValueError, in one line, for an empty name, an unknown suffix, a file
    that cannot be written or a Graphviz failure; GraphvizMissing (a ValueError) when .svg/.png
    is asked for without `dot`, after writing the DOT text beside it (net.svg → net.dot) so that
    it can be rendered elsewhere, unless a file of that name exists: that one is left alone.
    """
    if str(path).strip() == "":
        raise ValueError("a diagram needs a file name ending in .dot, .mmd, .svg or .png")
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".dot":
        return _write(path, to_dot(graph, symbols))
    if suffix == ".mmd":
        return _write(path, to_mermaid(graph, symbols))
    if suffix in (".svg", ".png"):
        return _render(to_dot(graph, symbols), path)
    raise ValueError(f"cannot draw a diagram as {suffix or 'a file without a suffix'} ({path}): "
                     f"end the name in .dot (Graphviz), .mmd (Mermaid), .svg or .png")


def _write(path: Path, text: str, *, overwrite: bool = True) -> str:
    return write_text(path, text, overwrite=overwrite)  # a WriteError is a one-line ValueError


def _without_graphviz(dot_text: str, path: Path) -> GraphvizMissing:
    """The error for an .svg/.png without Graphviz, once the DOT text is kept where it can be."""
    fallback = path.with_suffix(".dot")
    try:
        _write(fallback, dot_text, overwrite=False)
        kept = (f"meanwhile {fallback} holds the diagram as DOT text (render it with "
                f"`dot -T{path.suffix[1:]}`)")
    except WriteError as error:
        kept = (f"{fallback} exists already and was left as it is (draw to another .dot or .mmd "
                f"file for the diagram as text)" if fallback.exists() else str(error))
    return GraphvizMissing(f"drawing {path.name} needs Graphviz's `dot` program, which is not "
                           f"installed: {INSTALL_GRAPHVIZ}; {kept}")


def _render(dot_text: str, path: Path) -> str:
    """Render DOT text to an .svg or .png file with Graphviz's `dot` program."""
    program = shutil.which("dot")
    if program is None:
        raise _without_graphviz(dot_text, path)
    form = path.suffix[1:].lower()
    # 144 dpi keeps the 10-point edge labels legible in a PNG. Never for an SVG: Graphviz would
    # scale its width and height but not its viewBox, and viewers would show a cropped quarter.
    resolution = ["-Gdpi=144"] if form == "png" else []
    with replacing(path) as temporary:
        try:
            done = subprocess.run([program, f"-T{form}", *resolution, "-o", str(temporary)],
                                  input=dot_text.encode("utf-8"), capture_output=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ValueError(f"Graphviz's dot could not draw {path}: {error}") from None
        if done.returncode != 0:
            reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise ValueError(f"Graphviz's dot could not draw {path}: "
                             f"{reason[0] if reason else _exit_reason(done.returncode)}; no file was written")
    return str(path)


def _exit_reason(code: int) -> str:
    if code < 0:
        return f"it was stopped by signal {-code} (a file size limit, or out of memory?)"
    return f"exit code {code}"


__all__ = ["GraphvizMissing", "layout", "to_dot", "to_mermaid", "write_diagram"]
