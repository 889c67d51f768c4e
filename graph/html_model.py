"""The model of a laid-out picture: boxes, edges, labels, and how wide a text is.

Shared by graph.html_layout (ranks, lanes, coordinates), graph.html_route (lines and labels) and
graph.html_svg (drawing). Every size is in px of the picture, before any scaling by a viewer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

RANKDIRS = ("LR", "TB")
FONT_SIZE = 15        # px: a label stays readable on a 1280×720 slide
SMALL_SIZE = 12       # px: a gate's kind above its formula
PAD = 10              # px inside a box, around each side
LABEL_GAP = 5         # px between an edge and its label
BOLD = 1.1            # a bold title is about this much wider
# Character widths in ems, for a sans-serif as wide as DejaVu Sans (wider fonts are rare):
# the picture must leave room for its text without a browser to measure it.
_NARROW, _WIDE = set("il.,:;|!'()[]·ᵀ¹²³⁴⁵⁶⁷⁸⁹⁰⁻ⁱ "), set("mwMW⊙→←◀—−×∑Σ")


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """About how many px `text` takes in the picture's font at `size` px (an overestimate)."""
    ems = sum(0.36 if ch in _NARROW else 0.9 if ch in _WIDE else 0.72 if ch.isupper() else 0.62
              for ch in text)
    return ems * size


@dataclass
class Box:
    """A node of the picture. Centre (x, y) and size (w, h) in px once laid out."""

    name: str
    role: str           # "input", "param" or "gate"
    title: str          # X, W¹, or for a gate its value and formula: z² = XW¹ + b¹
    kind: str = ""      # a gate's kind: addGate
    rank: int = 0
    lane: int = 0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0

    def rect(self) -> tuple[float, float, float, float]:
        return (self.x - self.w / 2, self.y - self.h / 2, self.x + self.w / 2, self.y + self.h / 2)


@dataclass
class Label:
    """A text on an edge: its anchor point and the rectangle it covers."""

    text: str
    x: float = 0.0
    y: float = 0.0
    anchor: str = "middle"   # SVG text-anchor
    rect: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


@dataclass
class Edge:
    """Input `index` of gate `target`, coming from `source`: the value forward, the gradient back."""

    source: str
    target: str
    index: int
    value: str                    # "z²  4×3"
    gradient: str = ""            # "δ²  4×3", empty where none is computed (dJ/dX, dJ/dy)
    points: list[tuple[float, float]] = field(default_factory=list)   # forward, source → target
    back: list[tuple[float, float]] = field(default_factory=list)     # backward, target → source
    forward_label: Label | None = None
    backward_label: Label | None = None


@dataclass
class Picture:
    """Boxes and edges with their coordinates; width × height px."""

    boxes: dict[str, Box]
    edges: list[Edge]
    rankdir: str
    width: float = 0.0
    height: float = 0.0
    crowded: int = 0   # labels that could not be placed clear of everything (0 when all fit)


__all__ = ["BOLD", "FONT_SIZE", "LABEL_GAP", "PAD", "RANKDIRS", "SMALL_SIZE", "Box", "Edge", "Label",
           "Picture", "text_width"]
