"""The walkthrough as a Python API: trace any graph through one step, then render it.

    from graph import Graph
    from graph.walkthrough import trace, example_data
    g = Graph.mlp([2, 3, 1])
    walk = trace(g, example_data(g, batch=4), lr=0.1)
    walk.backward[0]["label"], walk.backward[0]["shape"]   # 'δ³ = dJ/dz³', [4, 1]
    print(walk.render("plain"))                             # or "markdown", "json", "rich"

`trace` runs forward, backward and one update with a Tracer attached, measures the loss after
the step, and leaves the graph as it found it (parameters, values, gradients, bound batch), so
tracing never changes the user's graph. It builds no graph: graph.examples holds the networks
the command line walks (the lecture example).
With no inputs it traces symbolically (graph.tracer.symbolic_events): shapes only, batch k.
`python -m gates.trace` is this module plus argument parsing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gates.notation import superscript
from gates.shapes import Shape

from . import spec_walk
from .tracer import Tracer, symbolic_events


@dataclass(repr=False)
class Walkthrough:
    """One traced step of a graph: the network, the events of each phase, the loss around it.

    Events are the tracer's dicts (graph/tracer.py); `values` holds the inputs and the
    parameters before the step when the trace recorded values; `sizes` names the layer sizes
    (m¹ = 2, ...) when the shapes were traced with them as symbols.
    """

    network: dict[str, Any]
    forward: list[dict[str, Any]]
    backward: list[dict[str, Any]]
    update: list[dict[str, Any]]
    loss: float | None = None
    loss_after: float | None = None
    symbolic: bool = False
    values: dict[str, np.ndarray] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every event, in the order they happened: forward, backward, update."""
        return [*self.forward, *self.backward, *self.update]

    @property
    def loss_change(self) -> float | None:
        """J after the step minus J before it (negative: the step lowered the loss)."""
        if self.loss is None or self.loss_after is None:
            return None
        return self.loss_after - self.loss

    def render(self, format: str = "plain", **options) -> str:
        """This walkthrough as text: "plain", "markdown", "json" or "rich" (see graph.render);
        options: explain, values, width."""
        from .render import render
        return render(self, format, **options)

    def to_html(self, *, rankdir: str | None = None) -> str:
        """This walkthrough as one self-contained HTML page: the graph, a stepper, the table
        (graph.html; rankdir "TB" or "LR"). graph.html.write_html(walk, path) writes it."""
        from .html import to_html
        return to_html(self, rankdir=rankdir)

    def _repr_html_(self) -> str:
        """A notebook shows the live stepper (graph.html)."""
        from .html import fragment
        return fragment(self)

    def __repr__(self) -> str:
        """A one-line summary (a notebook shows the stepper): print .render() for the tables."""
        from .render import number
        net = self.network
        what = f"the {net['layers']} network" if net.get("layers") else "a hand-built graph"
        batch = net.get("batch")
        batch = "batch k symbolic" if batch is None or isinstance(batch, str) else f"k = {batch}"
        counts = (f"{len(self.forward)} forward, {len(self.backward)} backward, "
                  f"{len(self.update)} update events")
        loss = "symbolic, no loss" if self.loss is None else f"J = {number(self.loss)}"
        if self.loss_after is not None:
            loss += f" → {number(self.loss_after)}"
        return (f"<Walkthrough of {what}, {net.get('convention', 'rows')}, {batch}: {counts}; "
                f"{loss}; .render('plain' | 'markdown' | 'json' | 'rich') shows it>")


@dataclass(repr=False)
class Comparison:
    """The same network traced in the rows and in the columns convention, for side by side."""

    rows: Walkthrough
    columns: Walkthrough

    def render(self, format: str = "plain", **options) -> str:
        """Both conventions side by side as text (see Walkthrough.render)."""
        from .render import render
        return render(self, format, **options)

    def to_html(self, *, rankdir: str | None = None) -> str:
        """Both conventions as one HTML page, two graphs stepping together (graph.html)."""
        from .html import to_html
        return to_html(self, rankdir=rankdir)

    def _repr_html_(self) -> str:
        from .html import fragment
        return fragment(self)

    def __repr__(self) -> str:
        return f"<Comparison of rows and columns: {self.rows!r} beside {self.columns!r}>"


def describe(graph, *, batch, lr) -> dict[str, Any]:
    """The "network" entry of the JSON form: what was built, from the graph's own metadata.

    A hand-built graph has no layers, activation or seed: those keys are None, and the loss
    is the kind of the gate that makes the output.
    """
    meta = graph.meta
    output = graph.nodes[graph.output].gate if graph.output else None
    return {
        "layers": meta.get("layers"),
        "batch": batch,
        "convention": meta.get("convention", "rows"),
        "activation": meta.get("activation"),
        "output_activation": meta.get("output_activation"),
        "loss": meta.get("loss", output.kind if output else None),
        "bias": meta.get("bias"),
        "seed": meta.get("seed"),
        "lr": lr,
        # a Graph.from_spec: its layers as written and one observation's C×H×W
        **({"spec": meta["spec"], "input_shape": list(meta["input_shape"])} if "spec" in meta else {}),
    }


def trace(graph, inputs: Mapping[str, Any] | None = None, *, lr: float = 0.1,
          values: bool = False, symbols: Mapping[str, int] | None = None,
          shapes: Mapping[str, Shape] | None = None) -> Walkthrough:
    """Trace one step of gradient descent on `graph`: forward, backward, update, loss after.

    inputs: the graph's data, e.g. {"X": X (4×2), "y": y (4×1)}; None traces symbolically
        (no data flows, shapes hold the batch as "k"; `symbols` such as {"k": 4} and `shapes`
        such as {"W1": ("m¹", "m²")} are passed to graph.tracer.symbolic_events).
    values: record every matrix (forward outputs, gradients, updated parameters).
    The graph is left as it was found (graph.preserved()): its parameters, in place, and its
    values, gradients and bound batch; so tracing twice gives the same trace.
    """
    if inputs is None:
        return _trace_symbolic(graph, lr=lr, symbols=symbols, shapes=shapes)
    with graph.preserved():
        before = {name: np.array(array, copy=True) for name, array in graph.params.items()} if values else {}
        with Tracer(graph, values=values) as tracer:
            loss = graph.forward(**inputs)
            graph.backward()
            graph.step(lr)
        with np.errstate(over="ignore", invalid="ignore"):  # an overshoot shows as J = inf, said in words
            loss_after = graph.forward(**inputs)
        recorded = {name: np.array(graph.values[name], copy=True) for name in graph.inputs} if values else {}
        network = describe(graph, batch=graph.symbols.get("k"), lr=lr)
    return Walkthrough(
        network=network, forward=tracer.phase("forward"), backward=tracer.phase("backward"),
        update=tracer.phase("update"), loss=_scalar(loss), loss_after=_scalar(loss_after),
        values={**recorded, **before})


def _trace_symbolic(graph, *, lr, symbols, shapes) -> Walkthrough:
    events = symbolic_events(graph, dict(symbols or {}), shapes=shapes)
    for event in events:
        if event["phase"] == "update":
            event["lr"] = lr
    by_phase = {phase: [e for e in events if e["phase"] == phase]
                for phase in ("forward", "backward", "update")}
    batch = (symbols or {}).get("k", "k")
    return Walkthrough(network=describe(graph, batch=batch, lr=lr), symbolic=True, **by_phase)


def _scalar(value) -> float | None:
    return float(value) if np.ndim(value) == 0 else None


# --- the networks the command line walks ------------------------------------------------------

def example_data(graph, batch: int = 4, seed: int | None = 0) -> dict[str, np.ndarray]:
    """Inputs for a Graph.mlp: X standard normal, y fitting its loss and output activation.

    y is one-hot for a softmax output or cross-entropy, 0/1 labels for a sigmoid output, and
    standard normal otherwise. Drawn in the rows convention and transposed for columns, so both
    conventions see the same numbers. Shapes (rows): X batch×m¹, y batch×m^L.
    """
    meta = graph.meta
    if "spec" in meta:  # a Graph.from_spec: images X batch×C×H×W
        return spec_walk.example_data(graph, batch, seed)
    if "layers" not in meta:
        return _declared_data(graph, batch, seed)
    layers = meta["layers"]
    rng = np.random.default_rng(None if seed is None else [seed, 1])  # not the weights' stream
    X = rng.standard_normal((batch, layers[0]))
    outputs = layers[-1]
    if meta["loss"] == "cross_entropy" or meta["output_activation"] == "softmax":
        y = np.eye(outputs)[rng.integers(0, outputs, size=batch)]
    elif meta["output_activation"] == "sigmoid":
        y = rng.integers(0, 2, size=(batch, outputs)).astype(np.float64)
    else:
        y = rng.standard_normal((batch, outputs))
    if meta["convention"] == "columns":
        X, y = X.T.copy(), y.T.copy()
    return {"X": X, "y": y}


def _declared_data(graph, batch: int, seed: int | None) -> dict[str, np.ndarray]:
    """Standard normal data for a hand-built graph, in the shapes its inputs were declared with
    (the batch symbol k = `batch`)."""
    rng = np.random.default_rng(None if seed is None else [seed, 1])
    data = {}
    for node in graph.nodes.values():
        if node.role != "input":
            continue
        if node.shape is None:
            raise ValueError(f"example_data: input {node.name} was declared without a shape, so "
                             f"there is no telling what data it takes; declare it, e.g. "
                             f"g.input({node.name!r}, ('k', 2)), or give the data yourself")
        shape = tuple(batch if d == "k" else d for d in node.shape)
        unknown = [d for d in shape if isinstance(d, str)]
        if unknown:
            raise ValueError(f"example_data: input {node.name} is declared {node.shape}, and only "
                             f"the batch k has a size here; give {', '.join(unknown)} a number")
        data[node.name] = rng.standard_normal(shape)
    return data


def layer_size_symbols(graph) -> tuple[dict[str, Shape], dict[str, int]]:
    """The declared shapes of a Graph.mlp with each layer size as a symbol m¹, m², ...

    Returns (shapes of X, y and the parameters, {"m¹": 2, ...}), for symbolic_events(shapes=).
    Rows: X k×m¹, W^l m^l×m^(l+1), b^l 1×m^(l+1); columns: the transposes.
    """
    layers = graph.meta["layers"]
    m = [f"m{superscript(str(l))}" for l in range(1, len(layers) + 1)]
    rows = graph.meta["convention"] == "rows"

    def oriented(shape: tuple) -> tuple:
        return shape if rows else shape[::-1]

    shapes: dict[str, Shape] = {"X": oriented(("k", m[0])), "y": oriented(("k", m[-1]))}
    for l in range(1, len(layers)):
        shapes[f"W{l}"] = oriented((m[l - 1], m[l]))
        if f"b{l}" in graph.params:
            shapes[f"b{l}"] = oriented((1, m[l]))
    return shapes, dict(zip(m, layers))


__all__ = ["Walkthrough", "Comparison", "trace", "describe", "example_data", "layer_size_symbols"]
