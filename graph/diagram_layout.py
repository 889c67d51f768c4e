"""What a diagram shows, before any drawing language: boxes, arrows, their labels and a title.

graph.diagram writes them as DOT (Graphviz) or Mermaid. The shapes come from the graph's own
events (graph.tracer.symbolic_events), concrete with symbols such as {"k": 4}, else with the
batch k left symbolic, or with the declared shapes given (layer sizes as symbols, m¹×m²).
"""

from __future__ import annotations

from dataclasses import dataclass

from gates.shapes import format_shape, substitute

from .builders import CONVENTION_WORDS
from .engine import INPUT, PARAM
from .tracer import symbolic_events


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


def layout(graph, symbols: dict[str, int] | None = None,
           shapes: dict | None = None) -> tuple[list[Box], list[Arrow], str]:
    """The boxes, the arrows and a title of the picture of `graph` (shapes: declared shapes to
    draw instead, e.g. layer sizes as symbols, see graph.walkthrough.layer_size_symbols)."""
    events = symbolic_events(graph, symbols, shapes=shapes)
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


def caption(graph) -> str:
    """A frame's caption beside its twin: "rows: z = X·W + b"."""
    convention = graph.meta.get("convention", "rows")
    return f"{convention}: {CONVENTION_WORDS.get(convention, ('', ''))[0]}".rstrip(": ")


__all__ = ["Arrow", "Box", "caption", "layout"]
