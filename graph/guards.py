"""What the engine checks at its borders: data that arrives, and users' own gates.

Data: inputs and parameters hold finite numbers, or a ValueError names the array and the first
bad index; the inputs' shapes bind the symbols (k = 4), or a ShapeError says which input does
not fit and how to reshape it. Users' gates: their rule is asked on every new shape, they get
read-only arrays (an in-place write would corrupt what other gates share), and each gradient
they return must have its input's shape. Built-in gates are proven by the tests: they skip this.
"""

from __future__ import annotations

import numpy as np

from gates import refusals
from gates.base import as_float_array
from gates.losses import Loss
from gates.shapes import Shape, ShapeError, bind, format_shape, substitute, transpose

from .tables import first_not_finite, is_placeholder


def take_inputs(graph, given: dict) -> tuple:
    """Store the given inputs as float arrays, refuse NaN, inf and empty batches, and bind the
    shape symbols (k = batch size) when the shapes are new; returns the inputs' shapes."""
    declared = graph._declared_inputs()
    if not graph._gate_nodes:
        raise RuntimeError("this graph has no gates yet: add inputs, parameters and gates "
                           "(g.input, g.param, g.add) before forward, or use Graph.mlp")
    if given.keys() != {n.name for n in declared}:
        names = [n.name for n in declared]
        missing = [name for name in names if name not in given]
        unknown = sorted(set(given) - set(names))
        problems = ([f"missing input(s) {', '.join(missing)}"] if missing else []) + \
                   ([f"unknown input(s) {', '.join(unknown)}"] if unknown else [])
        raise TypeError(f"forward(): {'; '.join(problems)}. This graph's inputs are "
                        f"{', '.join(names)}.")
    given = {node.name: as_float_array(given[node.name], node.name, "forward") for node in declared}
    bad = first_not_finite(given)
    if bad is not None:
        raise refusals.not_finite("input", bad, given[bad])
    graph._values.update(given)
    shapes = tuple([array.shape for array in given.values()])
    if shapes != graph._checked_shapes:
        empty = next((name for name, array in given.items() if not array.size), None)
        if empty is not None:
            raise ValueError(f"forward(): {empty} is {format_shape(given[empty].shape)}, an "
                             f"empty batch; give at least one observation.")
        graph.symbols = bind_inputs(graph, declared, shapes)
    return shapes


def check_params(graph) -> None:
    """NaN or inf in a parameter is an error naming it (a weight that overflowed)."""
    bad = first_not_finite(graph.params._arrays)
    if bad is not None:
        raise refusals.not_finite("parameter", bad, graph.params[bad])


def bind_inputs(graph, declared: list, shapes: tuple) -> dict[str, int]:
    """The symbols the inputs' shapes give (k = 4), or a ShapeError naming the input that does
    not fit its declared shape, with the reshape or transpose that would fix it."""
    for name, array in graph.params.items():
        if is_placeholder(array):
            raise RuntimeError(f"this graph was built with allocate=False, for shapes only: "
                               f"{name} holds no numbers. Build it with allocate=True (the "
                               f"default) to run data through it.")
    symbols: dict[str, int] = {}
    for node, actual in zip(declared, shapes):
        trial = dict(symbols)  # a failed match must not leave half its bindings behind
        if node.shape is None or bind(node.shape, actual, trial):
            symbols = trial
            continue
        feeds_loss = any(isinstance(n.gate, Loss) and node.name in n.inputs for n in graph.gate_nodes)
        error = refusals.input_shape(node.label, actual, node.shape, symbols, feeds_loss=feeds_loss,
                                     fix=_input_fix(graph, node, actual, symbols))
        raise error.located(node=node.name)
    return symbols


def _input_fix(graph, node, actual: Shape, symbols: dict) -> str | None:
    """Reshape a vector to the column (or row) it was declared as, or transpose data given in
    the other convention (one observation per column for a rows graph)."""
    if len(actual) == 1:
        for matrix in ((actual[0], 1), (1, actual[0])):
            if bind(node.shape, matrix, dict(symbols)):
                return f"Reshape {node.name} to {matrix} (e.g. {node.name}.reshape{matrix})."
    if len(actual) == 2 and bind(node.shape, transpose(actual), dict(symbols)):
        per = "row" if graph.meta.get("convention", "rows") == "rows" else "column"
        return (f"{node.name} looks transposed: this graph takes one observation per {per}, "
                f"so pass {node.name}.T ({format_shape(transpose(actual))}).")
    return None


def check_rule(node, operands: list) -> None:
    """New shapes: every gate's own rule is asked again, a user's gate included."""
    try:
        node.gate.output_shape(*[np.shape(x) for x in operands])
    except ShapeError as error:
        raise error.located(gate=node.gate.kind, node=node.name) from None


def check_output(node, out, symbols: dict) -> None:
    """The output forward returned has the shape the gate's rule promised."""
    expected = None if node.shape is None else substitute(node.shape, symbols)
    actual = np.shape(out)
    if expected is not None and actual != expected:
        raise ShapeError(f"forward returned {format_shape(actual)}, but its output_shape rule "
                         f"says {format_shape(expected)}.", gate=node.gate.kind, node=node.name,
                         operands=[(node.label, actual)])


def users_forward(graph, node, operands: list):
    """A user's gate's forward on read-only inputs; numpy's errors become a ShapeError here."""
    try:
        return node.gate.forward(*[read_only(x) for x in operands])
    except ValueError as error:
        if "read-only" in str(error):
            raise refusals.writes_shared_array(node.gate.kind, node.name, "forward", error) from None
        if isinstance(error, ShapeError):
            raise error.located(gate=node.gate.kind, node=node.name) from None
        # A user's gate without a shape rule fails inside numpy; say where, with shapes.
        shapes = [(graph.nodes[i].label, np.shape(x)) for i, x in zip(node.inputs, operands)]
        described = ", ".join(f"{label} is {format_shape(shape)}" for label, shape in shapes)
        raise ShapeError(f"{described}; forward raised: {error}", gate=node.gate.kind,
                         node=node.name, operands=shapes) from error


def users_backward(graph, node, top_diff) -> tuple:
    """A user's gate's backward on a read-only top_diff, its gradients' shapes checked."""
    try:
        grads = node.gate.backward(read_only(top_diff))
    except ValueError as error:
        if "read-only" in str(error):
            raise refusals.writes_shared_array(node.gate.kind, node.name, "backward", error) from None
        raise
    return _checked_grads(graph, node, grads)


def _checked_grads(graph, node, grads) -> tuple:
    """One gradient per input, each of exactly that input's shape (where one is needed)."""
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    values = graph.values
    if len(grads) != len(node.inputs):
        operands = [(graph.nodes[i].label, np.shape(values[i])) for i in node.inputs]
        listed = ", ".join(f"{label} {format_shape(shape)}" for label, shape in operands)
        raise ShapeError(f"backward returned {len(grads)} gradient(s) for {len(node.inputs)} "
                         f"input(s) ({listed}); return one per input, in order, each of its "
                         f"input's shape.", gate=node.gate.kind, node=node.name,
                         label=node.label, operands=operands)
    for source, grad in zip(node.inputs, grads):
        if not graph.nodes[source].needs_grad:
            continue
        want = np.shape(values[source])
        got = None if grad is None else np.shape(grad)
        if got != want:
            error = refusals.gradient_shape(node.gate.kind, graph.nodes[source].label, want, got)
            raise error.located(node=node.name)
    return grads


def read_only(x):
    """A view of x that cannot be written: a user's gate must not change what others share."""
    if not isinstance(x, np.ndarray):
        return x
    view = x.view()
    view.flags.writeable = False
    return view
