"""The computational graph of a walkthrough laid out in Python: boxes, edges and their labels.

No Graphviz and no browser is needed: the picture is worked out here, in screen units, and drawn
as SVG by graph.html_svg. Nodes are the leaves (inputs, parameters) and one box per gate, titled
by the value it makes (z² = XW¹ + b¹, addGate). Each edge carries the value flowing forward with
its shape (z² 4×3) and, on its other side, the gradient flowing back along it (δ² 4×3).

The layout is layered:
- rank: a gate sits one rank after its latest input; a leaf one rank before its first consumer;
- lane: the longest path into the loss runs straight (lane 0, the spine); each leaf sits beside
  its consumer on the side of its place in the formula (X·W¹: W¹ after X, to the right or below),
  so that a product reads in operand order; side branches sit beside their inputs;
- labels are placed greedily along their edge where they cover no box and no other label; when
  one cannot be placed the spacing grows and everything is placed again.
`rankdir` "LR" draws the ranks left to right (as docs/NETWORK.md), "TB" top to bottom.
"""

from __future__ import annotations

from gates.shapes import format_shape

from .html_model import BOLD, FONT_SIZE, PAD, RANKDIRS, SMALL_SIZE, Box, Edge, Picture, text_width
from .html_route import place_labels, route

# --- from events to boxes and edges ------------------------------------------------------------

def picture(forward: list[dict], backward: list[dict], update: list[dict], rankdir: str = "TB") -> Picture:
    """The laid-out picture of the tracer's events (graph.tracer): forward gives the boxes and
    edges, backward the gradient on each edge, update which leaves are parameters."""
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)} (left to right, top to "
                         f"bottom); got {rankdir!r}")
    boxes, edges = _graph(forward, backward, {e["param"] for e in update})
    _rank(boxes, edges)
    _lanes(boxes, edges)
    return _arrange(Picture(boxes, edges, rankdir))


def _graph(forward, backward, params: set[str]) -> tuple[dict[str, Box], list[Edge]]:
    made = {e["output"] for e in forward}
    boxes: dict[str, Box] = {}
    edges: list[Edge] = []
    for event in forward:
        for i, source in enumerate(event["inputs"]):
            name = source["name"]
            if name not in made and name not in boxes:
                boxes[name] = Box(name, "param" if name in params else "input", source["label"])
            edges.append(Edge(name, event["output"], i, _text(source["label"], source["shape"])))
        boxes[event["output"]] = Box(event["output"], "gate", f"{event['label']} = {event['formula']}",
                                     event["gate"])
    by_input = {(e.target, e.index): e for e in edges}
    for event in backward:
        edge = by_input.get((event["node"], event["input"]))
        if edge is not None:
            edge.gradient = _text(event["symbol"], event["shape"])
    return boxes, edges


def _text(label: str, shape) -> str:
    return f"{label}  {format_shape(shape)}"


def _rank(boxes: dict[str, Box], edges: list[Edge]) -> None:
    """Gates one rank after their latest input (events come in execution order); each leaf one
    rank before its first consumer."""
    inputs: dict[str, list[str]] = {}
    for edge in edges:
        inputs.setdefault(edge.target, []).append(edge.source)
    for name, sources in inputs.items():  # dicts keep the forward order: inputs are ranked first
        boxes[name].rank = 1 + max((boxes[s].rank for s in sources if boxes[s].role == "gate"), default=0)
    for box in boxes.values():
        if box.role != "gate":
            box.rank = min(boxes[e.target].rank for e in edges if e.source == box.name) - 1


def _spine(boxes: dict[str, Box], edges: list[Edge]) -> list[str]:
    """The longest path into the last gate: at each gate, its input of the highest rank (a gate
    before a leaf, an input before a parameter, the first operand before the second)."""
    consumed = {e.source for e in edges}
    gates = [b.name for b in boxes.values() if b.role == "gate" and b.name not in consumed]
    path = [gates[-1]] if gates else []
    while path and boxes[path[-1]].role == "gate":
        sources = [e for e in edges if e.target == path[-1]]
        best = max(sources, key=lambda e: (boxes[e.source].rank, boxes[e.source].role == "gate",
                                           boxes[e.source].role == "input", -e.index))
        path.append(best.source)
    return path


def _side(leaf: Box, boxes: dict[str, Box], edges: list[Edge], spine: set[str]) -> int:
    """Where a leaf sits beside its first consumer: on the side of its place in the formula, so
    that the picture reads in operand order (X·W¹: W¹ after X, to the right or below; W¹·X in the
    columns convention: before, to the left or above). Without a main operand to compare with,
    parameters go before and other inputs after."""
    edge = next(e for e in edges if e.source == leaf.name)
    inputs = [e for e in edges if e.target == edge.target and e.source != leaf.name]
    main = next((e for e in inputs if e.source in spine), None) or next(
        (e for e in inputs if boxes[e.source].role == "gate"), None)
    if main is None:
        return -1 if leaf.role == "param" else 1
    return -1 if edge.index < main.index else 1


def _lanes(boxes: dict[str, Box], edges: list[Edge]) -> None:
    """Lane 0 for the spine; gates off it beside their inputs; each leaf beside its consumer on
    the side of its operand (see _side); never two boxes in one rank and lane."""
    taken: set[tuple[int, int]] = set()
    spine = set(_spine(boxes, edges))
    for name in spine:
        boxes[name].lane = 0
        taken.add((boxes[name].rank, 0))

    def settle(box: Box, lane: int, step: int) -> None:
        while (box.rank, lane) in taken:
            lane += step
        box.lane = lane
        taken.add((box.rank, lane))

    for box in sorted((b for b in boxes.values() if b.role == "gate" and b.name not in spine),
                      key=lambda b: b.rank):
        placed = [boxes[e.source].lane for e in edges
                  if e.target == box.name and boxes[e.source].role == "gate"]
        settle(box, round(sum(placed) / len(placed)) if placed else 1, 1)
    for box in (b for b in boxes.values() if b.role != "gate" and b.name not in spine):
        consumer = boxes[next(e.target for e in edges if e.source == box.name)]
        step = _side(box, boxes, edges, spine)
        settle(box, consumer.lane + step, step)


# --- coordinates -------------------------------------------------------------------------------

def box_size(box: Box) -> tuple[float, float]:
    """A leaf holds its name; a gate its kind (small) above its value and formula."""
    if box.role == "gate":
        width = max(BOLD * text_width(box.title), text_width(box.kind, SMALL_SIZE))
        return width + 2 * PAD, FONT_SIZE + SMALL_SIZE + PAD + 8
    return max(BOLD * text_width(box.title) + 2 * PAD, 44.0), FONT_SIZE + PAD + 6


def _arrange(pic: Picture) -> Picture:
    """Coordinates for every box, edge and label; the spacing grows until every label fits."""
    for box in pic.boxes.values():
        box.w, box.h = box_size(box)
    widest = max((text_width(t) for e in pic.edges for t in (e.value, e.gradient)), default=40.0)
    lr = pic.rankdir == "LR"
    along, across = (widest + 30, 2 * FONT_SIZE + 34) if lr else (FONT_SIZE + 22, widest + 20)
    tried = []
    for _ in range(6):  # the spacing grows until every label fits; else the best try is kept
        _place(pic, along, across)
        route(pic)
        pic.crowded = place_labels(pic)
        tried.append((pic.crowded, along, across))
        if not pic.crowded:
            break
        along, across = along * 1.25, across * 1.1
    if pic.crowded:
        pic.crowded, along, across = min(tried)
        _place(pic, along, across)
        route(pic)
        place_labels(pic)
    _frame(pic)
    return pic


def _place(pic: Picture, gap_along: float, gap_across: float) -> None:
    """Centres from ranks and lanes: each rank as deep as its deepest box, each lane as wide as
    the widest box across."""
    lr = pic.rankdir == "LR"
    boxes = list(pic.boxes.values())
    depth = {r: max((b.w if lr else b.h) for b in boxes if b.rank == r) for r in {b.rank for b in boxes}}
    start, position = 0.0, {}
    for r in sorted(depth):
        position[r] = start + depth[r] / 2
        start += depth[r] + gap_along
    pitch = max((b.h if lr else b.w) for b in boxes) + gap_across
    for box in boxes:
        a, c = position[box.rank], box.lane * pitch
        box.x, box.y = (a, c) if lr else (c, a)


def _frame(pic: Picture, margin: float = 12.0) -> None:
    """Move everything so the drawing starts at (margin, margin); size the picture to cover it."""
    rects = [b.rect() for b in pic.boxes.values()]
    rects += [label.rect for e in pic.edges for label in (e.forward_label, e.backward_label) if label]
    points = [p for e in pic.edges for p in (*e.points, *e.back)]
    x0 = min([r[0] for r in rects] + [p[0] for p in points])
    y0 = min([r[1] for r in rects] + [p[1] for p in points])
    x1 = max([r[2] for r in rects] + [p[0] for p in points])
    y1 = max([r[3] for r in rects] + [p[1] for p in points])
    dx, dy = margin - x0, margin - y0
    for box in pic.boxes.values():
        box.x, box.y = box.x + dx, box.y + dy
    for edge in pic.edges:
        edge.points = [(x + dx, y + dy) for x, y in edge.points]
        edge.back = [(x + dx, y + dy) for x, y in edge.back]
        for label in (edge.forward_label, edge.backward_label):
            if label:
                label.x, label.y = label.x + dx, label.y + dy
                label.rect = (label.rect[0] + dx, label.rect[1] + dy, label.rect[2] + dx, label.rect[3] + dy)
    pic.width, pic.height = x1 - x0 + 2 * margin, y1 - y0 + 2 * margin


__all__ = ["Box", "Edge", "Picture", "RANKDIRS", "box_size", "picture"]
