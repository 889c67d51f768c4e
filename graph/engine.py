"""The engine: nodes, forward, backward by the gradient table, and the update step.

Nodes are inputs (X, y: data, given to every forward), parameters (W¹, b¹: learned) and values
(XW¹, z², a², ..., J: each the output of one gate). A node can only take existing nodes as
inputs, so the order in which nodes are added is a topological order; backward walks it in
reverse and a node that feeds several gates receives the sum of what each sends back.

Shapes are checked twice: when a node is added, with the batch symbolic (k×2 · 2×3 → k×3), so a
wrong wiring fails before any data flows; and when data of new shapes arrives, where the inputs'
shapes bind the symbols (k = 4) and every gate's rule is asked again.

The engine computes and tells its observers (a Tracer) what it did; it formats nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from gates.base import Gate, as_float_array
from gates.catalog import is_builtin
from gates.notation import grad_label, superscript
from gates.shapes import Shape, ShapeError, format_shape

from .guards import check_output, check_params, check_rule, take_inputs, users_backward, users_forward
from .tables import (  # noqa: F401
    Params,
    ReadOnly,
    check_lr,
    declared_shape,
    first_not_finite,
    is_finite,
    is_placeholder,
    placeholder,
)

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
    trusted: bool = True   # a built-in gate; a user's gate gets read-only arrays and checked gradients


def backward_steps(graph) -> list[tuple[Node, tuple[tuple[int, str, bool], ...]]]:
    """The gradient table's walk: each gate that J depends on, the last one first, with the
    inputs it sends a gradient to, as (input's index, input's name, whether that input has a
    gradient already, to which this one is added).

    Within a gate the parameters come first: the gradients that end at a weight (dJ/db²,
    dJ/dW²), then the one that carries the chain backward (dJ/da²). Backward, the tracer, the
    walkthrough and the quiz all follow this one order.
    """
    reached = {graph.output}  # the nodes that J depends on
    steps = []
    for node in reversed(graph.gate_nodes):
        if node.name not in reached:
            continue  # J does not depend on this value: its gate has nothing to pass back
        wanted = [(i, source) for i, source in enumerate(node.inputs) if graph.nodes[source].needs_grad]
        wanted.sort(key=lambda target: graph.nodes[target[1]].role != PARAM)
        targets = []
        for i, source in wanted:
            targets.append((i, source, source in reached))
            reached.add(source)
        steps.append((node, tuple(targets)))
    return steps


def _is_scalar(value) -> bool:
    return isinstance(value, (float, np.floating)) or np.ndim(value) == 0


class Engine:
    """A network of gates: build it node by node, then forward, backward and step.

        g.input("X", ("k", 2)); g.input("y", ("k", 1))
        g.param("W1", np.zeros((2, 1)))
        g.add(MulGate(), ["X", "W1"], "z2")
        g.add(MSELoss(), ["z2", "y"], "J")
        J = g.forward(X=X, y=y); grads = g.backward(); g.step(0.1)
    """

    def __init__(self, *, convention: str = "rows") -> None:
        self.nodes: dict[str, Node] = {}
        self.params = Params(self)
        self._values: dict[str, Any] = {}
        self._grads: dict[str, Any] = {}
        self.meta: dict[str, Any] = {"convention": convention}
        self.output: str | None = None
        self.symbols: dict[str, int] = {}
        self._gate_nodes: list[Node] = []
        self._observers: list = []
        self._checked_shapes: tuple | None = None  # the input shapes every gate's rule accepted
        self._ran_forward = False
        self._steps: list | None = None  # backward_steps(self), worked out once per structure
        self._steps_output: str | None = None
        self._inputs: list[Node] | None = None

    # --- building ------------------------------------------------------------------------------

    def input(self, name: str, shape: Shape | None = None, *, label: str | None = None,
              grad: bool = False) -> str:
        """Declare data given to forward, e.g. input("X", ("k", 2)); "k" binds to the batch size.

        grad=True adds dJ/d(name) to the gradient table (off by default: nothing learns from it).
        """
        return self._new(Node(name, INPUT, label or _label(name),
                              None if shape is None else declared_shape(name, shape),
                              needs_grad=grad))

    def param(self, name: str, value, *, label: str | None = None) -> str:
        """A learned parameter with its initial value (copied, as float64)."""
        array = as_float_array(value, str(name), "param")
        if not is_placeholder(array):
            array = np.array(array, dtype=np.float64, order="C")
        self._new(Node(name, PARAM, label or _label(name), array.shape))
        self._set_param(name, array)
        return name

    def _set_param(self, name: str, array: np.ndarray) -> None:
        self.params._arrays[name] = array
        self._values[name] = array

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
            raise ValueError(f"{gate.kind} {name or ''}: unknown input(s) {', '.join(map(str, missing))}; "
                             f"add them first (known: {', '.join(self.nodes) or 'none'})")
        name = name or f"{gate.kind}{len(self._gate_nodes) + 1}"
        label = label or _label(name)
        if name in self.nodes:
            raise ValueError(f"a node named {name!r} exists already")
        sources = [self.nodes[i] for i in inputs]
        gate.bind(name, [n.label for n in sources], label)
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
                    grad_label=grad_label_text or grad_symbol or grad_label(label),
                    trusted=is_builtin(gate))
        self._new(node)
        self._gate_nodes.append(node)
        self.output = name
        return name

    def _new(self, node: Node) -> str:
        if not isinstance(node.name, str) or not node.name:
            raise TypeError(f"a node needs a non-empty string name; got {node.name!r}")
        if node.name in self.nodes:
            raise ValueError(f"a node named {node.name!r} exists already")
        if not node.grad_symbol:
            node.grad_symbol = node.grad_label = grad_label(node.label)
        self.nodes[node.name] = node
        self._checked_shapes = None
        self._steps = self._inputs = None
        return node.name

    # --- reading -------------------------------------------------------------------------------

    @property
    def values(self) -> ReadOnly:
        """Every node's value after the last forward: inputs, parameters and each gate's output."""
        return ReadOnly(self._values, "g.values", "give inputs to forward(X=...) and set parameters "
                                                  "with g.params[name] = array.")

    @property
    def grads(self) -> ReadOnly:
        """dJ/d(name) after the last backward (empty before it)."""
        return ReadOnly(self._grads, "g.grads", "it is filled by backward().")

    @property
    def inputs(self) -> list[str]:
        return [n.name for n in self.nodes.values() if n.role == INPUT]

    @property
    def gate_nodes(self) -> list[Node]:
        """The value nodes in the order forward computes them."""
        return list(self._gate_nodes)

    def shape_of(self, name: str) -> Shape | None:
        """The node's shape: concrete after a forward, else symbolic (or None if unknown)."""
        if name in self._values and hasattr(self._values[name], "shape"):
            return tuple(self._values[name].shape)
        return self.nodes[name].shape

    def attach(self, observer) -> None:
        """Let an observer (a Tracer) see every gate, forward and backward, and every update."""
        if observer not in self._observers:
            self._observers.append(observer)

    def detach(self, observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def backward_order(self) -> list:
        """backward_steps(self), worked out once until the graph changes."""
        if self._steps is None or self._steps_output != self.output:
            self._steps, self._steps_output = backward_steps(self), self.output
        return self._steps

    @contextmanager
    def preserved(self):
        """Run something on this graph and put everything back after it: the parameters' numbers
        (in their own arrays), the values, the gradients and the bound batch size."""
        params = {name: array.copy() for name, array in self.params._arrays.items()}
        values = {name: np.copy(v) if name not in params else v for name, v in self._values.items()}
        grads = {name: np.copy(v) for name, v in self._grads.items()}
        state = (dict(self.symbols), self._checked_shapes, self._ran_forward)
        try:
            yield self
        finally:
            for name, saved in params.items():
                array = self.params._arrays[name]
                if array.flags.writeable:
                    array[...] = saved
            self._values.clear()
            self._values.update(values)
            self._grads = grads
            self.symbols, self._checked_shapes, self._ran_forward = state

    # --- forward -------------------------------------------------------------------------------

    def forward(self, **inputs) -> float:
        """Run every gate on these inputs (X=..., y=...); return J, the output, as a float.

        Every value is a new array, so one kept from this call is not changed by the next.
        """
        self._ran_forward = False  # until this pass completes, backward has nothing to work on
        self._grads = {}           # nor has step: the gradients were of the previous inputs
        shapes = self._take_inputs(inputs)
        self.check_params()
        new_shapes = shapes != self._checked_shapes
        self._checked_shapes = None  # proven only once every gate has run on them
        values = self._values
        for node in self._gate_nodes:
            operands = [values[i] for i in node.inputs]
            if new_shapes:
                check_rule(node, operands)
            out = node.gate.forward(*operands) if node.trusted else users_forward(self, node, operands)
            if new_shapes:
                check_output(node, out, self.symbols)
            values[node.name] = out
            for observer in self._observers:
                observer.on_forward(self, node, out)
        self._checked_shapes = shapes
        self._ran_forward = True
        out = values[self.output]
        return float(out) if _is_scalar(out) else out

    def _declared_inputs(self) -> list[Node]:
        if self._inputs is None:
            self._inputs = [n for n in self.nodes.values() if n.role == INPUT]
        return self._inputs

    def _take_inputs(self, given: dict) -> tuple:
        return take_inputs(self, given)

    def check_params(self) -> None:
        """NaN or inf in a parameter is an error naming it (a weight that overflowed)."""
        check_params(self)

    # --- backward ------------------------------------------------------------------------------

    def backward(self) -> dict[str, Any]:
        """dJ/d(name) for every parameter and value node, each of its node's shape.

        The gradient-table algorithm: reverse topological order; each gate turns the gradient of
        its output (top_diff) into one per input; a node that feeds several gates sums them.
        Inputs declared with grad=True are included too.
        """
        if not self._ran_forward:
            raise RuntimeError("backward() needs the values of a forward pass: call forward(...) first")
        J = self._values[self.output]
        if not _is_scalar(J):
            raise ShapeError(f"backward starts from a scalar J, but the output {self.output} is "
                             f"{format_shape(np.shape(J))}; end the graph with a loss gate",
                             node=self.output)
        table: dict[str, Any] = {self.output: np.float64(1.0)}  # dJ/dJ
        for node, targets in self.backward_order():
            top_diff = table[node.name]
            grads = node.gate.backward(top_diff) if node.trusted else users_backward(self, node, top_diff)
            for i, source, accumulated in targets:
                # A new sum, never +=: the earlier gradient may be another node's too.
                table[source] = table[source] + grads[i] if accumulated else grads[i]
                for observer in self._observers:
                    observer.on_backward(self, node, i, grads[i], top_diff, accumulated)
        self._grads = {name: table[name] if name in table else np.zeros_like(self._values[name])
                       for name, n in self.nodes.items() if n.needs_grad}
        return dict(self._grads)

    # --- learning ------------------------------------------------------------------------------

    def step(self, lr: float) -> None:
        """Gradient descent: W ← W − lr·dJ/dW for every parameter, in place.

        Everything is checked before anything changes: a step is applied whole or not at all.
        """
        lr = check_lr(lr)
        if not self._grads:
            raise RuntimeError("step() needs gradients: call forward(...) and backward() first")
        for name, param in self.params._arrays.items():
            grad = self._grads[name]
            param -= lr * grad  # in place: the arrays in g.params and g.values stay the same
            for observer in self._observers:
                observer.on_update(self, name, grad, lr)


def _label(name: str) -> str:
    return superscript(name) if isinstance(name, str) else name
