"""The tracer: a passive observer that records one event per gate, forward and backward.

It records names, shapes and the gates' own words (formula, local_diff), never copies of
arrays unless asked (`values=True`), so tracing a large network stays cheap. Renderers
(graph.render) turn the events into text; the tracer formats nothing itself.

An event is a plain dict in the JSON form of DESIGN.md:
    forward:  gate, output, label, inputs [{name, label, shape}], shape, formula, arithmetic, note
    backward: gate, node, input, grad_of, symbol, label, shape, top_diff {name, label, shape},
              local_diff, formula, arithmetic, accumulated
    update:   param, label, shape, grad_shape, lr
With `values=True` each event also holds "value": the forward output, the gradient, or the
parameter after the update.
Shapes are lists; in symbolic mode they hold symbols as strings, e.g. ["k", 3].
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gates.shapes import Shape, substitute

from .engine import backward_steps


def _shape(value) -> list:
    return list(np.shape(value))


class Tracer:
    """Attach to a graph to record what it does:

        with Tracer(g) as t:
            g.forward(X=X, y=y); g.backward(); g.step(0.1)
        t.events  # forward, backward and update events, in order
    """

    def __init__(self, graph=None, *, values: bool = False) -> None:
        self.graph = graph
        self.record_values = values
        self.events: list[dict[str, Any]] = []
        self.losses: list[float] = []

    def __enter__(self) -> Tracer:
        self.graph.attach(self)
        return self

    def __exit__(self, *exc) -> None:
        self.graph.detach(self)

    def phase(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["phase"] == name]

    # --- hooks the graph calls -----------------------------------------------------------------

    def on_forward(self, graph, node, out) -> None:
        shapes = [np.shape(graph.values[i]) for i in node.inputs]
        event = forward_event(graph, node, shapes, np.shape(out))
        if self.record_values:
            event["value"] = np.array(out, copy=True)
        self.events.append(event)
        if node.name == graph.output and np.ndim(out) == 0:
            self.losses.append(float(out))

    def on_backward(self, graph, node, i, grad, top_diff, accumulated) -> None:
        shapes = [np.shape(graph.values[name]) for name in node.inputs]
        event = backward_event(graph, node, i, shapes, np.shape(top_diff), accumulated)
        if self.record_values:
            event["value"] = np.array(grad, copy=True)
        self.events.append(event)

    def on_update(self, graph, name, grad, lr) -> None:
        param = graph.params[name]
        event = {"phase": "update", "param": name, "label": graph.nodes[name].label,
                 "shape": _shape(param), "grad_shape": _shape(grad), "lr": float(lr)}
        if self.record_values:
            event["value"] = np.array(param, copy=True)  # the parameter after the step
        self.events.append(event)


def forward_event(graph, node, shapes: list[Shape], out: Shape) -> dict[str, Any]:
    gate = node.gate
    return {
        "phase": "forward",
        "gate": gate.kind,
        "output": node.name,
        "label": node.label,
        "inputs": [{"name": name, "label": graph.nodes[name].label, "shape": list(shape)}
                   for name, shape in zip(node.inputs, shapes)],
        "shape": list(out),
        "formula": gate.formula(),
        "arithmetic": gate.arithmetic(shapes, out),
        "note": gate.note(shapes),
        "explain": gate.explain(),
    }


def backward_event(graph, node, i: int, shapes: list[Shape], top: Shape,
                   accumulated: bool = False) -> dict[str, Any]:
    gate = node.gate
    target = graph.nodes[node.inputs[i]]
    return {
        "phase": "backward",
        "gate": gate.kind,
        "node": node.name,
        "input": i,  # which of the gate's inputs: grad_of alone is ambiguous for x ⊙ x
        "grad_of": target.name,
        "symbol": target.grad_symbol,
        "label": target.grad_label,
        "shape": list(shapes[i]),
        "top_diff": {"name": node.name, "label": node.grad_symbol, "shape": list(top)},
        "local_diff": gate.local_diff(i, shapes),
        "formula": gate.grad_formula(i, node.grad_symbol, shapes),
        "arithmetic": gate.grad_arithmetic(i, shapes, top),
        "accumulated": accumulated,
        "explain": gate.explain(),
    }


def symbolic_events(graph, symbols: dict[str, int] | None = None,
                    shapes: dict[str, Shape] | None = None) -> list[dict[str, Any]]:
    """The forward, backward and update events from the graph's declared shapes, with no data.

    With `symbols` (e.g. {"k": 4}) the shapes are made concrete; without, the batch stays k.
    `shapes` replaces the declared shapes of some inputs or parameters, e.g. {"W1": ("m¹", "m²")};
    the values' shapes then follow from the gates' own output_shape rules.
    Shapes a gate cannot state without data are left as None.
    """
    symbols = symbols or {}
    shape_of = {name: (None if n.shape is None else substitute(n.shape, symbols))
                for name, n in graph.nodes.items()}
    if shapes:
        shape_of.update(_declared(graph, shapes))
        for node in graph.gate_nodes:
            ins = [shape_of[i] for i in node.inputs]
            out = None if any(s is None for s in ins) else node.gate.output_shape(*ins)
            shape_of[node.name] = None if out is None else tuple(out)
    events = []
    for node in graph.gate_nodes:
        shapes = [shape_of[i] for i in node.inputs]
        if any(s is None for s in shapes) or shape_of[node.name] is None:
            continue
        events.append(forward_event(graph, node, shapes, shape_of[node.name]))
    for node, targets in backward_steps(graph):
        shapes = [shape_of[i] for i in node.inputs]
        if any(s is None for s in shapes) or shape_of[node.name] is None:
            continue
        for i, _, accumulated in targets:
            events.append(backward_event(graph, node, i, shapes, shape_of[node.name], accumulated))
    for name in graph.params:
        events.append({"phase": "update", "param": name, "label": graph.nodes[name].label,
                       "shape": list(shape_of[name]), "grad_shape": list(shape_of[name]), "lr": None})
    return events


def _declared(graph, shapes: dict[str, Shape]) -> dict[str, Shape]:
    """The replacement shapes, refused for names that are not inputs or parameters."""
    leaves = {name for name, n in graph.nodes.items() if n.gate is None}
    unknown = sorted(set(shapes) - leaves)
    if unknown:
        raise ValueError(f"symbolic_events: {', '.join(unknown)} are not inputs or parameters "
                         f"of this graph (those are {', '.join(sorted(leaves))})")
    return {name: tuple(shape) for name, shape in shapes.items()}
