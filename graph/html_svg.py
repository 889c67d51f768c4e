"""A laid-out picture (graph.html_layout) as SVG: for the HTML stepper, a notebook, or a slide.

    svg(pic)                        # a standalone picture: every value and gradient shown
    svg(pic, timeline=t, ids="w1")  # inside the stepper: each element says when it shows

Inside the stepper, each element carries the steps it belongs to, and the page's script only
switches classes (graph.html):
    data-on="5"      shown from step 5 on (a value once computed, a gradient once sent back)
    data-at="5 12"   the thing at work at those steps (a gate forward, then backward)
    data-arrive="11" a gradient arrives at this node at that step
The presentation attributes draw the finished state, so the picture reads whole without the
script (a static SVG, a notebook that runs no JavaScript).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from .html_model import FONT_SIZE, SMALL_SIZE, Box, Edge, Label, Picture, text_width

FORWARD_COLOUR = "#1f1f1f"
BACKWARD_COLOUR = "#c0392b"
FONT = "'DejaVu Sans', Verdana, 'Segoe UI', Arial, sans-serif"
_ROLE_STYLE = {  # fill, stroke, text colour
    "input": ("#ffffff", "#2c6fbb", "#2c6fbb"),
    "param": ("#fdf2c4", "#b7950b", "#1f1f1f"),
    "gate": ("#eef3f8", "#5d6d7e", "#1f1f1f"),
}


@dataclass
class Timeline:
    """When each part of the picture shows and works, as step numbers of the stepper."""

    made: dict[str, int] = field(default_factory=dict)                 # value name → computed at
    works: dict[str, list[int]] = field(default_factory=dict)          # node → steps it is at work
    arrives: dict[str, list[int]] = field(default_factory=dict)        # node → its gradient arrives
    flows: dict[tuple[str, int], int] = field(default_factory=dict)    # (gate, input) → forward step
    back: dict[tuple[str, int], int] = field(default_factory=dict)     # (gate, input) → backward step


def esc(text: str) -> str:
    return html.escape(str(text), quote=True)


def _steps(name: str, steps: Iterable[int]) -> str:
    steps = list(steps)
    return f' data-{name}="{" ".join(map(str, steps))}"' if steps else ""


def _path(points: list[tuple[float, float]]) -> str:
    return "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points)


def _markers(ids: str) -> str:
    def marker(name: str, colour: str) -> str:
        # userSpaceOnUse: the head keeps its size when the stepper thickens the current line
        return (f'<marker id="{ids}-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" '
                f'markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
                f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    return f"<defs>{marker('fwd', FORWARD_COLOUR)}{marker('bwd', BACKWARD_COLOUR)}</defs>"


def _text(label: Label, cls: str, colour: str, extra: str = "") -> str:
    return (f'<text class="{cls}" x="{label.x:.1f}" y="{label.y:.1f}" text-anchor="{label.anchor}" '
            f'fill="{colour}" stroke="#ffffff" stroke-width="4" stroke-linejoin="round" '
            f'paint-order="stroke"{extra}>{esc(label.text)}</text>')


def _edge(edge: Edge, ids: str, timeline: Timeline | None) -> str:
    key = (edge.target, edge.index)
    on = at = back = ""
    if timeline is not None:
        on = _steps("on", [timeline.made.get(edge.source, 0)])
        at = _steps("at", [timeline.flows[key]] if key in timeline.flows else [])
        if key in timeline.back:
            back = _steps("on", [timeline.back[key]]) + _steps("at", [timeline.back[key]])
    parts = [f'<g class="gw-edge" data-source="{esc(edge.source)}" data-target="{esc(edge.target)}" '
             f'data-input="{edge.index}">',
             f'<path class="gw-fwd" d="{_path(edge.points)}" fill="none" stroke="{FORWARD_COLOUR}" '
             f'stroke-width="1.6" marker-end="url(#{ids}-fwd)"{at}/>']
    if edge.forward_label:
        parts.append(_text(edge.forward_label, "gw-value", FORWARD_COLOUR, on + at))
    if edge.gradient and edge.backward_label:
        parts.append(f'<g class="gw-grad"{back}><path class="gw-bwd" d="{_path(edge.back)}" fill="none" '
                     f'stroke="{BACKWARD_COLOUR}" stroke-width="1.6" stroke-dasharray="6 3" '
                     f'marker-end="url(#{ids}-bwd)"/>'
                     + _text(edge.backward_label, "gw-grad-label", BACKWARD_COLOUR) + "</g>")
    parts.append("</g>")
    return "".join(parts)


def _box(box: Box, timeline: Timeline | None) -> str:
    fill, stroke, colour = _ROLE_STYLE[box.role]
    states = ""
    if timeline is not None:
        states = (_steps("on", [timeline.made.get(box.name, 0)])
                  + _steps("at", timeline.works.get(box.name, []))
                  + _steps("arrive", timeline.arrives.get(box.name, [])))
    x0, y0 = box.x - box.w / 2, box.y - box.h / 2
    radius = 14 if box.role == "input" else 6 if box.role == "gate" else 2
    parts = [f'<g class="gw-node gw-{box.role}" data-name="{esc(box.name)}"{states}>',
             f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" rx="{radius}" '
             f'fill="{fill}" stroke="{stroke}" stroke-width="1.6"/>']
    if box.role == "gate":
        parts.append(f'<text class="gw-kind" x="{box.x:.1f}" y="{y0 + 4 + SMALL_SIZE:.1f}" '
                     f'text-anchor="middle" font-size="{SMALL_SIZE}" fill="#5d6d7e">{esc(box.kind)}</text>')
        parts.append(f'<text class="gw-title" x="{box.x:.1f}" y="{box.y + box.h / 2 - 7:.1f}" '
                     f'text-anchor="middle" font-weight="bold" fill="{colour}">{esc(box.title)}</text>')
    else:
        parts.append(f'<text class="gw-title" x="{box.x:.1f}" y="{box.y + FONT_SIZE * 0.36:.1f}" '
                     f'text-anchor="middle" font-weight="bold" fill="{colour}">{esc(box.title)}</text>')
    parts.append("</g>")
    return "".join(parts)


def size(pic: Picture, title: str | None = None) -> tuple[int, int, float]:
    """(width, height) of the drawing in whole px, room for the title and legend included, and
    the height of that room."""
    if not title:
        return math.ceil(pic.width), math.ceil(pic.height), 0.0
    head = 2.6 * FONT_SIZE + 8
    legend = text_width("→ value  shape (forward)⇠ gradient  shape (backward)", SMALL_SIZE + 1) + 40
    return math.ceil(max(pic.width, text_width(title) + 24, legend)), math.ceil(pic.height + head), head


def svg(pic: Picture, *, ids: str = "gw", timeline: Timeline | None = None, title: str | None = None,
        standalone: bool = False, style: str = "") -> str:
    """The picture as an <svg> element (standalone: a file of its own, with its namespace).

    ids: a prefix for the element ids (arrow heads), unique per picture on one page.
    title: a heading and a legend above the drawing (slides, files).
    style: CSS for the element (how far a page may shrink it).
    """
    width, height, head = size(pic, title)
    lines = []
    if title:
        lines.append(f'<text x="12" y="{FONT_SIZE + 8}" font-weight="bold">{esc(title)}</text>')
        lines.append(f'<text x="12" y="{2 * FONT_SIZE + 14}" font-size="{SMALL_SIZE + 1}">'
                     f'<tspan fill="{FORWARD_COLOUR}">→ value  shape (forward)</tspan>'
                     f'<tspan fill="{BACKWARD_COLOUR}" dx="18">⇠ gradient  shape (backward)</tspan></text>')
    space = ' xmlns="http://www.w3.org/2000/svg"' if standalone else ""
    body = [f'<g transform="translate(0,{head:.1f})">', _markers(ids),
            *(_edge(edge, ids, timeline) for edge in pic.edges),
            *(_box(box, timeline) for box in pic.boxes.values()), "</g>"]
    return (f'<svg{space} class="gw-graph" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" font-family="{esc(FONT)}" font-size="{FONT_SIZE}" role="img"'
            + (f' style="{esc(style)}"' if style else "") + ">"
            + "".join(lines) + "".join(body) + "</svg>")


__all__ = ["BACKWARD_COLOUR", "FORWARD_COLOUR", "Timeline", "esc", "size", "svg"]
