"""Graph: gates wired into a network; forward, backward by the gradient table, step and fit.

Nodes are inputs (X, y: data, given to every forward), parameters (W¹, b¹: learned) and values
(XW¹, z², a², ..., J: each the output of one gate). A node can only take existing nodes as
inputs, so the order in which nodes are added is a topological order; backward walks it in
reverse and a node that feeds several gates receives the sum of what each sends back.

Shapes are checked twice: when a node is added, with the batch symbolic (k×2 · 2×3 → k×3), so a
wrong wiring fails before any data flows; and on every forward, where the inputs' shapes bind the
symbols (k = 4). The gates' own checks run once per new binding; later forwards with the same
shapes skip them, because the symbolic check already proved every gate fits for any k.
"""

from __future__ import annotations

import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from gates.base import Gate, as_float_array
from gates.losses import Loss
from gates.notation import grad_label, superscript
from gates.shapes import (Shape, ShapeError, bind, format_shape, gradient_fix, numpy_broadcast,
                          substitute, transpose)

INPUT, PARAM, VALUE = "input", "param", "value"


@dataclass
class Node:
    """One node of the graph. `shape` is symbolic (may hold "k"); None when no rule gives it."""

    name: str
    role: str
    label: str
    shape: Shape | None
    gate: Gate | None = None
    inputs: tuple[str, ...] = ()
    grad_symbol: str = ""  # how dJ/d(this) is called when it is a top_diff: δ³, dJ/da²
    grad_label: str = ""   # how it is announced: δ³ = dJ/dz³
    needs_grad: bool = True


class Params(MutableMapping):
    """The graph's parameters by name. Assigning replaces the numbers, never the shape."""

    def __init__(self, graph: "Graph") -> None:
        self._graph = graph
        self._arrays: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        return self._arrays[name]

    def __setitem__(self, name: str, value) -> None:
        if name not in self._arrays:
            known = ", ".join(self._arrays) or "none"
            raise KeyError(f"{name!r} is not a parameter of this graph (its parameters: {known}); "
                           f"add one with graph.param(name, value)")
        array = np.array(as_float_array(value, name, "params"), dtype=np.float64, order="C")
        old = self._arrays[name]
        if array.shape != old.shape:
            label = self._graph.nodes[name].label
            if array.shape == old.shape[::-1]:
                fix = f"The new value looks transposed: assign its .T ({format_shape(old.shape)})."
            else:
                fix = f"Assign an array of shape {old.shape}."
            raise ShapeError(f"{label} is {format_shape(old.shape)} but the new value is "
                             f"{format_shape(array.shape)}; a parameter keeps its shape.",
                             gate=f"params[{name!r}]", fix=fix,
                             operands=[(label, old.shape), ("new value", array.shape)])
        self._arrays[name] = array
        self._graph.values[name] = array

    def __delitem__(self, name: str) -> None:
        raise TypeError("parameters cannot be removed from a graph")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return "Params(" + ", ".join(f"{n}: {format_shape(a.shape)}" for n, a in self._arrays.items()) + ")"


class Graph:
    """A network of gates. Build it node by node, or with `Graph.mlp([2, 3, 1])`.

        g = Graph()
        g.input("X", ("k", 2)); g.input("y", ("k", 1))
        g.param("W1", np.zeros((2, 1)))
        g.add(MulGate(), ["X", "W1"], "z2")
        g.add(MSELoss(), ["z2", "y"], "J")
        J = g.forward(X=X, y=y); grads = g.backward(); g.step(0.1)
    """

    def __init__(self, *, convention: str = "rows") -> None:
        self.nodes: dict[str, Node] = {}
        self.params = Params(self)
        self.values: dict[str, Any] = {}
        self.grads: dict[str, Any] = {}
        self.meta: dict[str, Any] = {"convention": convention}
        self.output: str | None = None
        self.symbols: dict[str, int] = {}
        self._schedule: list[Node] = []
        self._observers: list = []
        self._checked_shapes: tuple | None = None
        self._ran_forward = False

    # --- building ------------------------------------------------------------------------------

    def input(self, name: str, shape: Shape | None = None, *, label: str | None = None,
              grad: bool = False) -> str:
        """Declare data given to forward, e.g. input("X", ("k", 2)); "k" binds to the batch size.

        grad=True adds dJ/d(name) to the gradient table (off by default: nothing learns from it).
        """
        return self._new(Node(name, INPUT, label or superscript(name),
                              None if shape is None else tuple(shape), needs_grad=grad))

    def param(self, name: str, value, *, label: str | None = None) -> str:
        """A learned parameter with its initial value (copied, as float64)."""
        array = np.array(as_float_array(value, name, "param"), dtype=np.float64, order="C")
        self._new(Node(name, PARAM, label or superscript(name), array.shape))
        self.params._arrays[name] = array
        self.values[name] = array
        return name

    def add(self, gate: Gate, inputs: Sequence[str], name: str | None = None, *,
            label: str | None = None, grad_symbol: str | None = None,
            grad_label_text: str | None = None) -> str:
        """Add the node `name` = gate(*inputs) and check its shapes; returns the name."""
        if not isinstance(gate, Gate):
            raise TypeError(f"add() needs a Gate instance such as MulGate(); got {gate!r}")
        if gate.node is not None:
            raise ValueError(f"this {gate.kind} already serves node {gate.node!r}: a gate instance "
                             f"keeps one node's forward values, so give each node its own gate")
        inputs = tuple(inputs)
        missing = [i for i in inputs if i not in self.nodes]
        if missing:
            raise ValueError(f"{gate.kind} {name or ''}: unknown input(s) {', '.join(missing)}; "
                             f"add them first (known: {', '.join(self.nodes) or 'none'})")
        name = name or f"{gate.kind}{len(self._schedule) + 1}"
        label = label or superscript(name)
        if name in self.nodes:
            raise ValueError(f"a node named {name!r} exists already")
        sources = [self.nodes[i] for i in inputs]
        gate.bind(name, inputs, [n.label for n in sources], label,
                  [n.needs_grad for n in sources])
        shapes = [n.shape for n in sources]
        shape = None
        try:
            if all(s is not None for s in shapes):
                shape = gate.output_shape(*shapes)
                shape = None if shape is None else tuple(shape)
        except Exception:
            gate.node = None  # the node was refused, so the gate is free for a corrected wiring
            raise
        node = Node(name, VALUE, label, shape, gate, inputs,
                    grad_symbol=grad_symbol or grad_label(label),
                    grad_label=grad_label_text or grad_symbol or grad_label(label))
        self._new(node)
        self._schedule.append(node)
        self.output = name
        return name

    def _new(self, node: Node) -> str:
        if not isinstance(node.name, str) or not node.name:
            raise ValueError(f"a node needs a non-empty string name; got {node.name!r}")
        if node.name in self.nodes:
            raise ValueError(f"a node named {node.name!r} exists already")
        if not node.grad_symbol:
            node.grad_symbol = node.grad_label = grad_label(node.label)
        self.nodes[node.name] = node
        self._checked_shapes = None
        return node.name

    @classmethod
    def mlp(cls, layers: Sequence[int], activation: str = "sigmoid",
            output_activation: str = "identity", loss: str = "mse", bias: bool = True,
            convention: str = "rows", seed: int | None = 0) -> "Graph":
        """The fully connected network of NETWORK.md, e.g. Graph.mlp([2, 3, 1])."""
        from .builders import build_mlp
        return build_mlp(cls, layers, activation=activation, output_activation=output_activation,
                         loss=loss, bias=bias, convention=convention, seed=seed)

    # --- reading -------------------------------------------------------------------------------

    @property
    def inputs(self) -> list[str]:
        return [n.name for n in self.nodes.values() if n.role == INPUT]

    @property
    def gate_nodes(self) -> list[Node]:
        """The value nodes in the order forward computes them."""
        return list(self._schedule)

    def shape_of(self, name: str) -> Shape | None:
        """The node's shape: concrete after a forward, else symbolic (or None if unknown)."""
        if name in self.values and hasattr(self.values[name], "shape"):
            return tuple(self.values[name].shape)
        return self.nodes[name].shape

    def attach(self, observer) -> None:
        """Let an observer (a Tracer) see every gate, forward and backward, and every update."""
        if observer not in self._observers:
            self._observers.append(observer)

    def detach(self, observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    # --- forward -------------------------------------------------------------------------------

    def forward(self, **inputs) -> float:
        """Run every gate on these inputs (X=..., y=...); return J, the output, as a float."""
        self._ran_forward = False  # until this pass completes, backward has nothing to work on
        shapes = self._take_inputs(inputs)
        values, observers = self.values, self._observers
        if shapes != self._checked_shapes:
            self._checked_forward()
            self._checked_shapes = shapes
        elif observers:
            for node in self._schedule:
                out = node.gate.compute_forward(*[values[i] for i in node.inputs])
                values[node.name] = out
                for observer in observers:
                    observer.on_forward(self, node, out)
        else:
            for node in self._schedule:
                values[node.name] = node.gate.compute_forward(*[values[i] for i in node.inputs])
        self._ran_forward = True
        out = values[self.output]
        return float(out) if np.ndim(out) == 0 else out

    def _take_inputs(self, given: dict) -> tuple:
        """Store the given inputs as float arrays and bind the shape symbols (k = batch size)."""
        declared = [n for n in self.nodes.values() if n.role == INPUT]
        unknown = sorted(set(given) - {n.name for n in declared})
        missing = [n.name for n in declared if n.name not in given]
        if unknown or missing:
            problems = []
            if missing:
                problems.append(f"missing input(s) {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown input(s) {', '.join(unknown)}")
            raise TypeError(f"forward(): {'; '.join(problems)}. This graph's inputs are "
                            f"{', '.join(n.name for n in declared)}.")
        shapes = []
        for node in declared:
            array = as_float_array(given[node.name], node.name, "forward")
            self.values[node.name] = array
            shapes.append(array.shape)
        shapes = tuple(shapes)
        if shapes != self._checked_shapes:
            self.symbols = self._bind(declared, shapes)
        return shapes

    def _bind(self, declared: list[Node], shapes: tuple) -> dict[str, int]:
        symbols: dict[str, int] = {}
        for node, actual in zip(declared, shapes):
            trial = dict(symbols)  # a failed match must not leave half its bindings behind
            if node.shape is None or bind(node.shape, actual, trial):
                symbols = trial
                continue
            expected = substitute(node.shape, symbols)
            bound = ", ".join(f"{s} = {v}" for s, v in symbols.items())
            problem = (f"{node.label} is {format_shape(actual)} but the graph expects "
                       f"{format_shape(node.shape)}" + (f" ({bound})" if bound else "") + ".")
            if len(actual) == 1 and len(expected) == 2 and expected[1] == 1 and self._feeds_loss(node):
                problem += (f" A vector {format_shape(actual)} where a column is expected is the "
                            f"silent broadcast trap: numpy would turn ŷ − {node.label} into a "
                            f"{format_shape((actual[0], actual[0]))} matrix of wrong differences.")
            raise ShapeError(problem, gate="input", node=node.name, label=node.label,
                             operands=[(node.label, actual), ("expected", node.shape)],
                             rule="every input has the shape it was declared with",
                             fix=self._input_fix(node, expected, actual, symbols))
        return symbols

    def _feeds_loss(self, node: Node) -> bool:
        return any(isinstance(n.gate, Loss) and node.name in n.inputs for n in self._schedule)

    def _input_fix(self, node: Node, expected: Shape, actual: Shape, symbols: dict) -> str | None:
        """Reshape a vector to the column (or row) it was declared as, or transpose data given
        in the other convention (one observation per column for a rows graph)."""
        if len(actual) == 1:
            for matrix in ((actual[0], 1), (1, actual[0])):
                if bind(node.shape, matrix, dict(symbols)):
                    return f"Reshape {node.name} to {matrix} (e.g. {node.name}.reshape{matrix})."
        if len(actual) == 2 and bind(node.shape, transpose(actual), dict(symbols)):
            per = "row" if self.meta.get("convention", "rows") == "rows" else "column"
            return (f"{node.name} looks transposed: this graph takes one observation per {per}, "
                    f"so pass {node.name}.T ({format_shape(transpose(actual))}).")
        return None

    def _checked_forward(self) -> None:
        """Forward with every gate's own shape check, recording events to show how far it got."""
        from .tracer import Tracer
        recorder = Tracer()
        values = self.values
        for node in self._schedule:
            try:
                out = node.gate.forward(*[values[i] for i in node.inputs])
            except ShapeError as error:
                raise error.located(gate=node.gate.kind, node=node.name,
                                    events=recorder.events) from None
            except ValueError as error:
                # A user's gate without a shape rule fails inside numpy; say where, with shapes.
                operands = [(self.nodes[i].label, np.shape(values[i])) for i in node.inputs]
                raise ShapeError(f"{', '.join(f'{l} is {format_shape(s)}' for l, s in operands)}; "
                                 f"forward raised: {error}", gate=node.gate.kind, node=node.name,
                                 operands=operands, events=recorder.events) from error
            expected = None if node.shape is None else substitute(node.shape, self.symbols)
            actual = np.shape(out)
            if expected is not None and actual != expected:
                raise ShapeError(f"forward returned {format_shape(actual)}, but its output_shape "
                                 f"rule says {format_shape(expected)}.", gate=node.gate.kind,
                                 node=node.name, operands=[(node.label, actual)],
                                 events=recorder.events)
            values[node.name] = out
            recorder.on_forward(self, node, out)
            for observer in self._observers:
                observer.on_forward(self, node, out)

    # --- backward ------------------------------------------------------------------------------

    def backward(self) -> dict[str, Any]:
        """dJ/d(name) for every parameter and value node, each of its node's shape.

        The gradient-table algorithm: reverse topological order; each gate turns the gradient of
        its output (top_diff) into one per input; a node that feeds several gates sums them.
        Inputs declared with grad=True are included too.
        """
        if not self._ran_forward:
            raise RuntimeError("backward() needs the values of a forward pass: call forward(...) first")
        values, observers = self.values, self._observers
        if np.ndim(values[self.output]) != 0:
            raise ShapeError(f"backward starts from a scalar J, but the output {self.output} is "
                             f"{format_shape(np.shape(values[self.output]))}; end the graph with a "
                             f"loss gate", node=self.output)
        table: dict[str, Any] = {self.output: np.float64(1.0)}
        for node in reversed(self._schedule):
            top_diff = table.get(node.name)
            if top_diff is None:
                continue  # this value does not lead to J
            gate = node.gate
            grads = gate.backward(top_diff)
            if not gate.builtin:
                grads = self._checked_grads(node, grads)
            for i, (source, grad) in enumerate(zip(node.inputs, grads)):
                if not gate.needs_grad[i]:
                    continue
                earlier = table.get(source)
                table[source] = grad if earlier is None else earlier + grad
                for observer in observers:
                    observer.on_backward(self, node, i, grad, top_diff, earlier is not None)
        self.grads = {n.name: self._grad_or_zero(table, n) for n in self.nodes.values() if n.needs_grad}
        return self.grads

    def _grad_or_zero(self, table: dict, node: Node):
        grad = table.get(node.name)
        if grad is None:  # a node that does not lead to J: J does not change with it
            return np.zeros_like(self.values[node.name])
        return grad

    def _checked_grads(self, node: Node, grads) -> tuple:
        """A user's gate must return one gradient per input, each of exactly that input's shape."""
        gate = node.gate
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != len(node.inputs):
            operands = [(self.nodes[i].label, np.shape(self.values[i])) for i in node.inputs]
            listed = ", ".join(f"{label} {format_shape(shape)}" for label, shape in operands)
            raise ShapeError(f"backward returned {len(grads)} gradient(s) for {len(node.inputs)} "
                             f"input(s) ({listed}); return one per input, in order, each of "
                             f"its input's shape.", gate=gate.kind, node=node.name,
                             label=node.label, operands=operands, events=self._events_until(node))
        for i, (source, grad) in enumerate(zip(node.inputs, grads)):
            if not gate.needs_grad[i]:
                continue
            want = np.shape(self.values[source])
            got = np.shape(grad) if grad is not None else None
            if got == want:
                continue
            label = self.nodes[source].label
            if got is None:
                problem = f"backward returned None for dJ/d{label}, which is needed."
                fix = None
            else:
                problem = (f"backward returned dJ/d{label} as {format_shape(got)}, but {label} is "
                           f"{format_shape(want)}: a gradient has exactly its input's shape.")
                if numpy_broadcast(want, got) == tuple(got):
                    # The trap: numpy raises nothing, the update just grows the parameter.
                    problem += (f" numpy would not object: {label} − λ·dJ/d{label} would silently "
                                f"grow {label} into a {format_shape(got)} matrix.")
                fix = _gradient_fix(label, want, got)
            raise ShapeError(problem, gate=gate.kind, node=node.name, label=node.label,
                             operands=[(f"dJ/d{label}", got or ()), (label, want)],
                             rule="each gradient has its input's shape", fix=fix,
                             events=self._events_until(node))
        return grads

    def _events_until(self, failing: Node) -> list:
        """What ran before a backward failure, for the error to show how far it got."""
        from .failure import events_until
        return events_until(self, failing.name)

    # --- learning ------------------------------------------------------------------------------

    def step(self, lr: float) -> None:
        """Gradient descent: W ← W − lr·dJ/dW for every parameter, in place."""
        if not self.grads:
            raise RuntimeError("step() needs gradients: call forward(...) and backward() first")
        for name, param in self.params._arrays.items():
            grad = self.grads[name]
            param -= lr * grad
            for observer in self._observers:
                observer.on_update(self, name, grad, lr)

    def fit(self, X, y, epochs: int = 1000, lr: float = 0.1, *, progress: bool | None = None) -> list[float]:
        """Full-batch gradient descent for `epochs` steps; returns the loss before each step.

        X and y go to the graph's first two inputs. progress=None shows a rich progress bar only
        when standard error is a terminal.
        """
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number ≥ 0; got {epochs!r}")
        names = self.inputs
        if len(names) < 2:
            raise TypeError(f"fit(X, y) needs a graph with two inputs; this one has {names}")
        data = {names[0]: X, names[1]: y}
        if progress is None:
            progress = sys.stderr.isatty()
        steps: Iterator[int] = iter(range(epochs))
        if progress:
            from rich.progress import track
            steps = iter(track(range(epochs), description="training", transient=True))
        history = []
        for _ in steps:
            history.append(self.forward(**data))
            self.backward()
            self.step(lr)
        return history

    def __repr__(self) -> str:
        layers = self.meta.get("layers")
        what = f"mlp {layers}" if layers else f"{len(self._schedule)} gates"
        return f"<Graph {what}, {self.meta.get('convention', 'rows')} convention>"

    def summary(self):
        """Every node with its gate, shape and parameter count, and the total, as torchinfo
        does: a graph.summary.ModelSummary whose str is the table (it prints nothing itself)."""
        from .summary import summary
        return summary(self)

    def _repr_html_(self) -> str:
        """A notebook displays the graph as its summary table."""
        return self.summary()._repr_html_()


def _gradient_fix(label: str, want: Shape, got: Shape) -> str | None:
    """The likely repair of a gradient of the wrong shape; the checker gives the same advice."""
    return gradient_fix(label, want, got)
