"""The diagram of a graph, laid out by gates itself: a notebook shows it inline, a file keeps it.

    from graph.html_diagram import draw
    draw(g, {"k": 4})               # in a notebook: the picture (SVG), no Graphviz needed
    draw(g).save("net.svg")         # the same picture as a file, written whole or not at all

Gates as boxes titled by their values, inputs and parameters as leaves; on each edge the value
and its shape forward and, as its own red arrow, the gradient and its shape backward (the
picture of the HTML walkthrough, finished). The shapes are the graph's own events
(graph.tracer.symbolic_events): concrete with symbols such as {"k": 4}, else with the batch k.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from gates.shapes import Shape

from .files import write_text
from .html_layout import picture
from .html_svg import size, svg
from .tracer import symbolic_events


@dataclass
class Drawing:
    """A finished picture: its SVG text, width and height in px."""

    svg: str
    width: float
    height: float

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path) -> str:
        """Write the SVG to `path` (graph.files: whole or not at all); returns the path."""
        if str(path).strip() == "":
            raise ValueError("a drawing needs a file name, e.g. net.svg")
        return write_text(path, self.svg)


def title(graph, symbols: Mapping[str, int] | None) -> str:
    """e.g. "Graph mlp [2, 3, 1], rows convention, k = 4" (or ", batch k")."""
    bound = ", ".join(f"{s} = {v}" for s, v in (symbols or {}).items())
    return repr(graph).strip("<>") + (f", {bound}" if bound else ", batch k")


def draw(graph, symbols: Mapping[str, int] | None = None, *, rankdir: str = "TB",
         shapes: Mapping[str, Shape] | None = None, heading: str | None = None) -> Drawing:
    """The picture of `graph`: "TB" top to bottom (fits a slide), or "LR" left to right.

    shapes: declared shapes to use instead, e.g. layer sizes as symbols {"W1": ("m¹", "m²")}.
    heading: the line above the legend (by default the graph and its batch).
    """
    events = symbolic_events(graph, dict(symbols or {}), shapes=dict(shapes) if shapes else None)
    phases = [[e for e in events if e["phase"] == phase] for phase in ("forward", "backward", "update")]
    pic = picture(*phases, rankdir)
    heading = heading or title(graph, symbols)
    width, height, _ = size(pic, heading)
    return Drawing(svg(pic, title=heading, standalone=True), width, height)


def graph_html(graph) -> str:
    """A Graph in a notebook: its summary table above its picture (the batch bound by the last
    forward, else k). A graph whose shapes are not all known without data (a gate of yours
    without output_shape) shows its table alone, and says why."""
    table = graph.summary()._repr_html_()
    symbols = dict(graph.symbols)
    events = symbolic_events(graph, symbols)
    drawn = {e["output"] for e in events if e["phase"] == "forward"}
    missing = next((node for node in graph.gate_nodes if node.name not in drawn), None)
    if missing is not None:
        return table + (f"<p><i>No picture: the shape of {html.escape(missing.label)} "
                        f"({html.escape(missing.gate.kind)}) is not known before data flows (its gate "
                        f"states no output_shape).</i></p>")
    return f"{table}<div>{draw(graph, symbols).svg}</div>"


__all__ = ["Drawing", "draw", "graph_html", "title"]
