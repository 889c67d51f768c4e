"""The computational graph as a picture: gates as nodes, values and their gradients on the edges.

    python -m gates.trace --diagram net.svg      # or net.dot, net.mmd, net.png

Every edge carries what flows along it: forward, the value with its name and shape (XW¹ 4×3),
in black; backward, the gradient sent back along the same edge (δ² 4×3), in red, drawn by
Graphviz as an arrow of its own beside the forward one. Inputs and parameters are the leaves; J,
the output, is the last node. Graphviz draws top to bottom (rankdir "TB": a slide, no wider than
2:1 for the [2,3,1] network) or left to right ("LR"), the operands of each gate in their order;
`twin=` draws the other convention beside it; `shapes=` layer sizes as symbols (m¹×m²).

  .dot  Graphviz text             .mmd  Mermaid text (Markdown viewers, notebooks)
  .svg  .png  rendered by Graphviz's `dot` program when it is installed

The shapes come from the graph's own events (`symbolic_events`), concrete with symbols such as
{"k": 4}, else with the batch k left symbolic.
"""

from __future__ import annotations

import html
import shutil
import subprocess
from pathlib import Path

from .diagram_layout import Arrow, Box, caption, layout
from .files import WriteError, replacing, write_text

FORWARD_COLOUR = "#1f1f1f"
BACKWARD_COLOUR = "#c0392b"
INSTALL_GRAPHVIZ = ("install Graphviz (apt-get install graphviz, brew install graphviz or "
                    "conda install graphviz)")


class GraphvizMissing(ValueError):
    """An .svg or .png was asked for and Graphviz's `dot` program is not installed."""


# --- Graphviz ----------------------------------------------------------------------------------

_DOT_STYLE = {
    "input": 'shape=box, style="rounded", color="#2c6fbb", fontcolor="#2c6fbb"',
    "param": 'shape=box, style="filled", fillcolor="#fdf2c4", color="#b7950b"',
    "gate": 'shape=box, style="rounded,filled", fillcolor="#eef3f8", color="#5d6d7e"',
    "output": 'shape=doublecircle, color="#2c6fbb", fontcolor="#2c6fbb", margin=0.02',
}
_BOTH_WAYS = f'  edge [dir=both, arrowtail=normal, color="{FORWARD_COLOUR}:{BACKWARD_COLOUR}"];'
_FORWARD_ONLY = f'  edge [dir=forward, color="{FORWARD_COLOUR}"];'
RANKDIRS = ("TB", "LR")


def _dot_statements(graph, symbols, shapes, prefix: str = "") -> tuple[list[str], str, str]:
    """The boxes and edges of one graph as DOT statements (ids prefixed in a pair), its title,
    and the id of its first box.

    An edge along which a gradient flows back is drawn as two arrows side by side, black
    forward and red backward (the edge defaults switch before it, so each edge stays one
    statement whose label holds its value and, in red, its gradient, with their shapes).
    """
    boxes, arrows, title = layout(graph, symbols, shapes)
    lines = []
    for box in boxes:
        text = f"<b>{_esc(box.title)}</b>" if box.role == "gate" else _esc(box.title)
        if box.detail:  # a thin empty line keeps a descender (cross_entropy's _) off the formula
            text += f'<br/><font point-size="4"> </font><br/>{_esc(box.detail)}'
        lines.append(f"  {_dot_id(prefix + box.id)} [label=<{text}>, {_DOT_STYLE[box.role]}];")
    style = None
    for arrow in arrows:
        if bool(arrow.gradient) != style:
            style = bool(arrow.gradient)
            lines.append(_BOTH_WAYS if style else _FORWARD_ONLY)
        text = _esc(arrow.value)
        if arrow.gradient:
            text += f'<br/><font color="{BACKWARD_COLOUR}">{_esc(arrow.gradient)}</font>'
        lines.append(f"  {_dot_id(prefix + arrow.source)} -> {_dot_id(prefix + arrow.target)} "
                     f"[label=<{text}>];")
    return lines, title, prefix + boxes[0].id


def to_dot(graph, symbols: dict[str, int] | None = None, *, rankdir: str = "TB",
           shapes: dict | None = None, twin=None, twin_shapes: dict | None = None) -> str:
    """The graph in Graphviz's DOT language, top to bottom (a slide: the [2,3,1] network is
    taller than wide) or, rankdir="LR", left to right as docs/NETWORK.md draws it.

    shapes: declared shapes to draw instead (layer sizes as symbols, m¹×m²).
    twin: the same network in the other convention, drawn beside it in a frame of its own.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be TB (top to bottom) or LR (left to right); got {rankdir!r}")
    body, title, _ = _dot_statements(graph, symbols, shapes)
    if twin is not None:  # side by side, each under its caption (a frame would undo ordering=in)
        body = []
        for n, (g, s) in enumerate(((graph, shapes), (twin, twin_shapes))):
            statements, _, first = _dot_statements(g, symbols, s, prefix=f"{n}:")
            head = _dot_id(f"{n}:caption")
            body += [f'  {head} [shape=plaintext, fontsize=16, label=<<b>{_esc(caption(g))}</b>>];',
                     f"  {head} -> {_dot_id(first)} [style=invis];", *statements]
        own = f"{graph.meta.get('convention', 'rows')} convention"
        title = title.replace(own, "rows and columns conventions")
    legend = (f'<font color="{FORWARD_COLOUR}">→ value  shape (forward)</font>    '
              f'<font color="{BACKWARD_COLOUR}">⇠ gradient  shape (backward)</font>')
    lines = [
        "digraph gates {",
        f"  rankdir={rankdir}; nodesep=0.3; ranksep=0.35; ordering=in;",
        f'  label=<<b>{_esc(title)}</b><br/>{legend}>; labelloc=t; fontname="DejaVu Sans"; fontsize=16;',
        '  node [fontname="DejaVu Sans", fontsize=15];',
        f'  edge [fontname="DejaVu Sans", fontsize=14, color="{FORWARD_COLOUR}"];',
        *body, "}",
    ]
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


def _mermaid_statements(graph, symbols, shapes, prefix: str = "n") -> tuple[list[str], dict, str]:
    """The boxes and edges of one graph as Mermaid lines, the ids of each role, and its title."""
    boxes, arrows, title = layout(graph, symbols, shapes)
    ids = {box.id: f"{prefix}{i}" for i, box in enumerate(boxes)}  # Mermaid ids: plain ASCII
    lines = []
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
    roles = {role: [ids[b.id] for b in boxes if b.role == role]
             for role in ("input", "param", "gate", "output")}
    return lines, roles, title


def to_mermaid(graph, symbols: dict[str, int] | None = None, *, rankdir: str = "LR",
               shapes: dict | None = None, twin=None, twin_shapes: dict | None = None) -> str:
    """The graph as a Mermaid flowchart; a gradient is the second line of its edge, in red and
    marked ◀ (the mark remains where a viewer strips the colour). twin: the other convention
    beside it, each in a subgraph of its own; shapes: as for to_dot."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be TB (top to bottom) or LR (left to right); got {rankdir!r}")
    body, roles, title = _mermaid_statements(graph, symbols, shapes)
    if twin is not None:
        body, roles = [], {}
        for n, (g, s) in enumerate(((graph, shapes), (twin, twin_shapes))):
            statements, own, _ = _mermaid_statements(g, symbols, s, prefix="rc"[n])
            body += [f'    subgraph f{n} ["{_mm(caption(g))}"]', *statements, "    end"]
            for role, members in own.items():
                roles.setdefault(role, []).extend(members)
    lines = [f"%% {' '.join(title.split())}",
             "%% each edge: the value and its shape (forward), then ◀ its gradient and shape (backward)",
             f"flowchart {rankdir}", *body,
             "    classDef input stroke:#2c6fbb,color:#2c6fbb",
             "    classDef output stroke:#2c6fbb,color:#2c6fbb",
             "    classDef param fill:#fdf2c4,stroke:#b7950b",
             "    classDef gate fill:#eef3f8,stroke:#5d6d7e"]
    lines += [f"    class {','.join(members)} {role}" for role, members in roles.items() if members]
    return "\n".join(lines) + "\n"


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;"}


def _mm(text: str) -> str:
    """Text safe inside a quoted Mermaid label: a quote would end it, and < > would be read as
    HTML, so they are Mermaid's entity codes (#quot; #lt; #gt;, and # itself #35;); a newline
    is a line break."""
    return "".join(_MERMAID_ENTITIES.get(ch, ch) for ch in text).replace("\n", "<br/>")


# --- files -------------------------------------------------------------------------------------

def write_diagram(graph, path, symbols: dict[str, int] | None = None, *, rankdir: str | None = None,
                  shapes: dict | None = None, twin=None, twin_shapes: dict | None = None) -> str:
    """Write the picture of `graph` to `path`; its suffix chooses the form (.dot .mmd .svg .png).

    rankdir: "TB" or "LR" (by default TB for Graphviz, LR for Mermaid); shapes, twin,
    twin_shapes: as for to_dot (layer sizes as symbols; the other convention beside it).

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
    options = dict(shapes=shapes, twin=twin, twin_shapes=twin_shapes)
    if rankdir:
        options["rankdir"] = rankdir
    if suffix == ".dot":
        return _write(path, to_dot(graph, symbols, **options))
    if suffix == ".mmd":
        return _write(path, to_mermaid(graph, symbols, **options))
    if suffix in (".svg", ".png"):
        return _render(to_dot(graph, symbols, **options), path)
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


__all__ = ["BACKWARD_COLOUR", "FORWARD_COLOUR", "RANKDIRS", "Arrow", "Box", "GraphvizMissing", "layout",
           "to_dot", "to_mermaid", "write_diagram"]
