"""The lines and labels of a laid-out picture (graph.html_layout places the boxes first).

Each edge is a straight line between box borders, bent around any box in its way; the backward
arrow runs beside it, on the right of the direction of travel. Labels are placed greedily along
their edge, the value on one side and the gradient on the other, clear of the line itself, of
every box and of every label already placed.
"""

from __future__ import annotations

from .html_model import FONT_SIZE, LABEL_GAP, Box, Label, Picture, text_width


def _border(box: Box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    dx, dy = toward[0] - box.x, toward[1] - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    scale = min(box.w / 2 / abs(dx) if dx else float("inf"), box.h / 2 / abs(dy) if dy else float("inf"))
    return box.x + dx * scale, box.y + dy * scale


def _crosses(box: Box, a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether the segment a–b passes through the box (sampled: boxes are large, segments short)."""
    x0, y0, x1, y1 = box.rect()
    return any(x0 < a[0] + (b[0] - a[0]) * t < x1 and y0 < a[1] + (b[1] - a[1]) * t < y1
               for t in (i / 20 for i in range(1, 20)))


def route(pic: Picture) -> None:
    """Each edge a straight line between box borders, bent around any box in its way; a second
    edge between the same two boxes (x ⊙ x) bowed out to the side; the backward arrow beside its
    forward one, on the right of the direction of travel."""
    seen: dict[tuple[str, str], int] = {}
    for edge in pic.edges:
        src, dst = pic.boxes[edge.source], pic.boxes[edge.target]
        twin = seen[(edge.source, edge.target)] = seen.get((edge.source, edge.target), -1) + 1
        if twin:  # room for the labels between the two: the value of one, the gradient of the other
            middle = _bow(src, dst, twin * (24 + 2 * max(text_width(edge.value), text_width(edge.gradient))))
        elif any(_crosses(b, (src.x, src.y), (dst.x, dst.y)) for b in pic.boxes.values()
                 if b.name not in (src.name, dst.name)):
            middle = _detour(pic, src, dst)
        else:
            middle = []
        first = middle[0] if middle else (dst.x, dst.y)
        last = middle[-1] if middle else (src.x, src.y)
        points = [_border(src, first), *middle, _border(dst, last)]
        edge.points = points
        edge.back = list(reversed(_offset(points, 6.0)))


def _bow(src: Box, dst: Box, push: float) -> list[tuple[float, float]]:
    """Two bend points a third and two thirds of the way, pushed `push` px to the side (left of
    the direction of travel) so that parallel edges stay apart."""
    dx, dy = dst.x - src.x, dst.y - src.y
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    nx, ny = dy / length * push, -dx / length * push
    return [(src.x + dx * t + nx, src.y + dy * t + ny) for t in (1 / 3, 2 / 3)]


def _detour(pic: Picture, src: Box, dst: Box) -> list[tuple[float, float]]:
    """Two bend points beyond every box between the two ranks, on the side of the source."""
    lr = pic.rankdir == "LR"
    between = [b for b in pic.boxes.values() if src.rank < b.rank < dst.rank] or [src, dst]
    # beyond the labels beside the lines of those boxes too: above and below (LR), or beside (TB)
    clear = 24 + (2.5 * FONT_SIZE if lr else max(text_width(e.gradient or e.value) for e in pic.edges))
    if (src.lane > 0) or (src.lane == 0 and dst.lane > 0):
        edge_across = max((b.y + b.h / 2) if lr else (b.x + b.w / 2) for b in between) + clear
    else:
        edge_across = min((b.y - b.h / 2) if lr else (b.x - b.w / 2) for b in between) - clear
    a0 = (src.x + src.w / 2 + 20) if lr else (src.y + src.h / 2 + 20)
    a1 = (dst.x - dst.w / 2 - 20) if lr else (dst.y - dst.h / 2 - 20)
    return [(a0, edge_across), (a1, edge_across)] if lr else [(edge_across, a0), (edge_across, a1)]


def _offset(points: list[tuple[float, float]], shift: float) -> list[tuple[float, float]]:
    """The polyline moved `shift` px to the right of its direction (below a left-to-right line)."""
    if shift == 0:
        return list(points)
    (x0, y0), (x1, y1) = points[0], points[-1]
    length = max(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5, 1e-9)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    return [(x + nx * shift, y + ny * shift) for x, y in points]


# --- labels ------------------------------------------------------------------------------------

CANDIDATES = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78)


def _label_at(text: str, segment: tuple[tuple[float, float], ...], t: float, side: int) -> Label:
    """A label beside the point a fraction t along `segment`, clear of the line: on the side of
    its normal (side +1: right of the direction of travel, where the backward arrow runs) or
    opposite (−1). Above or below a line that runs more across than down, else left or right."""
    (ax, ay), (bx, by) = segment
    dx, dy = bx - ax, by - ay
    length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
    nx, ny = -dy / length * side, dx / length * side
    px, py = ax + dx * t, ay + dy * t
    w, h = text_width(text), FONT_SIZE * 1.25
    if abs(dx) >= abs(dy):
        ends = [py + (x - px) * dy / dx for x in (px - w / 2, px + w / 2)]
        top = min(ends) - LABEL_GAP - h if ny < 0 else max(ends) + LABEL_GAP
        return Label(text, px, top + FONT_SIZE, "middle", (px - w / 2, top, px + w / 2, top + h))
    ends = [px + (y - py) * dx / dy for y in (py - h / 2, py + h / 2)]
    left = min(ends) - LABEL_GAP - w if nx < 0 else max(ends) + LABEL_GAP
    return Label(text, left + (w if nx < 0 else 0), py + FONT_SIZE * 0.35, "end" if nx < 0 else "start",
                 (left, py - h / 2, left + w, py + h / 2))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _middle(points: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """The middle segment of a polyline (its only one when straight)."""
    i = (len(points) - 1) // 2
    return points[i], points[i + 1]


def _samples(points: list[tuple[float, float]], every: float = 4.0) -> list[tuple[float, float]]:
    """Points along a polyline, `every` px apart: enough to find a line under a label."""
    found = []
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        n = max(int(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / every), 1)
        found += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n + 1)]
    return found


def _hits(rect: tuple[float, ...], points: list[tuple[float, float]]) -> int:
    return sum(rect[0] < x < rect[2] and rect[1] < y < rect[3] for x, y in points)


def place_labels(pic: Picture) -> int:
    """Each edge's value on one side and its gradient on the other, at the first candidate
    point clear of every box, every placed label and every other edge's lines; returns how many
    could not be placed clear."""
    taken = [b.rect() for b in pic.boxes.values()]
    lines = {id(edge): _samples(edge.points) + _samples(edge.back) for edge in pic.edges}
    crowded = 0
    spine_first = sorted(pic.edges, key=lambda e: (pic.boxes[e.source].lane != 0, pic.boxes[e.source].rank))
    for edge in spine_first:
        others = [p for e in pic.edges if e is not edge for p in lines[id(e)]]
        best, cost = None, float("inf")
        for t in CANDIDATES:
            pair = [_label_at(edge.value, _middle(edge.points), t, -1)]
            if edge.gradient:
                pair.append(_label_at(edge.gradient, _middle(list(reversed(edge.back))), t, 1))
            here = sum(sum(_overlap(label.rect, r) for r in taken) + 20 * _hits(label.rect, others)
                       for label in pair)
            if here < cost:
                best, cost = pair, here
            if here == 0:
                break
        crowded += cost > 0
        edge.forward_label = best[0]
        edge.backward_label = best[1] if len(best) > 1 else None
        taken += [label.rect for label in best]
    return crowded


__all__ = ["place_labels", "route"]
