"""Graph: gates wired into a network; forward, backward by the gradient table, step and fit.

Nodes are inputs (X, y: data, given to every forward), parameters (W¹, b¹: learned) and values
(XW¹, z², a², ..., J: each the output of one gate). A node can only take existing nodes as
inputs, so the order in which nodes are added is a topological order; backward walks it in
reverse and a node that feeds several gates receives the sum of what each sends back.

Shapes are checked twice: when a node is added, with the batch symbolic (k×2 · 2×3 → k×3), so a
wrong wiring fails before any data flows; and on every forward, where the inputs' shapes bind the
symbols (k = 4). The gates' own checks run once per new binding; later forwards with the same
shapes skip them, because the symbolic check already proved every gate fits for any k.

A training step is kept cheap (scripts/bench.py measures it): the order of the gates and what
backward needs from each are worked out once per graph (a Schedule), and an unwatched step calls
no tracing hook. forward() and backward() always hand out new arrays, so what a user keeps from
one call is never changed by the next. train_step() and fit(), whose intermediate arrays nobody
else holds, go further: the built-in gates write into arrays kept from one step to the next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np

from gates.base import Gate, as_float_array
from gates.losses import Loss
from gates.notation import grad_label, superscript
from gates.shapes import (
    Shape,
    ShapeError,
    bind,
    format_shape,
    gradient_fix,
    numpy_broadcast,
    substitute,
    transpose,
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


@dataclass(frozen=True)
class Schedule:
    """What forward, backward and step repeat on every call, worked out once per graph.

    A training step then walks these tuples: no search through the nodes, no sets, no decision
    that the graph's structure has already made (which inputs need a gradient, which nodes lead
    to J). It is made again when a node is added or the output changes.
    """

    output: str | None
    inputs: tuple[str, ...]  # the declared inputs, in order
    input_names: frozenset
    forward: tuple  # (name, gate, fetch: values → its inputs' values) per value node, in order
    backward: tuple  # (node, gate, ((i, input) for each input that needs dJ/d(input))), reversed
    all_builtin: bool  # no user's gate, whose gradients the graph must check
    grad_names: tuple[str, ...]  # the gradient table's entries, in node order
    unreached: tuple[str, ...]  # entries that do not lead to J: their gradient is zero


def backward_steps(graph: Graph) -> list[tuple[Node, tuple[tuple[int, str, bool], ...]]]:
    """The gradient table's walk: each gate that J depends on, the last one first, with the
    inputs it sends a gradient to, as (input's index, input's name, whether that input has a
    gradient already, to which this one is added).

    Within a gate the parameters come first: the gradients that end at a weight (dJ/db²,
    dJ/dW²), then the one that carries the chain backward (dJ/da²). Backward, the tracer, the
    walkthrough and the quiz all follow this one order.
    """
    reached = {graph.output}  # the nodes that J depends on through gates that pass gradients
    steps = []
    for node in reversed(graph.gate_nodes):
        if node.name not in reached:
            continue  # J does not depend on this value: its gate has nothing to pass back
        wanted = [(i, source) for i, source in enumerate(node.inputs) if node.gate.needs_grad[i]]
        wanted.sort(key=lambda target: graph.nodes[target[1]].role != PARAM)
        targets = []
        for i, source in wanted:
            targets.append((i, source, source in reached))
            reached.add(source)
        steps.append((node, tuple(targets)))
    return steps


def _make_schedule(graph: Graph) -> Schedule:
    """Walk the graph once: the order of the gates, and what backward needs from each."""
    backward, reaches = [], {graph.output}
    for node, targets in backward_steps(graph):
        backward.append((node, node.gate, tuple((i, source) for i, source, _ in targets)))
        reaches.update(source for _, source, _ in targets)
    grad_names = tuple(n.name for n in graph.nodes.values() if n.needs_grad)
    inputs = tuple(n.name for n in graph.nodes.values() if n.role == INPUT)
    return Schedule(graph.output, inputs, frozenset(inputs),
                    tuple((n.name, n.gate, _fetcher(n.inputs)) for n in graph.gate_nodes),
                    tuple(backward), all(n.gate.builtin for n in graph.gate_nodes),
                    grad_names, tuple(name for name in grad_names if name not in reaches))


_ONE = np.float64(1.0)


def _is_scalar(value) -> bool:
    """A number or a 0-d array: np.ndim(value) == 0, without np.ndim's cost on a float64."""
    return isinstance(value, (float, np.floating)) or np.ndim(value) == 0


def _fetcher(names: tuple[str, ...]) -> Callable[[dict], tuple]:
    """A function from the table of values to the tuple of these names' values, in order.

    itemgetter does it in C, without the list a comprehension builds on every call.
    """
    if len(names) >= 2:
        return itemgetter(*names)
    if len(names) == 1:
        name = names[0]
        return lambda values: (values[name],)  # itemgetter(name) would give no tuple
    return lambda values: ()


class Params(MutableMapping):
    """The graph's parameters by name. Assigning replaces the numbers, never the shape."""

    def __init__(self, graph: Graph) -> None:
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
        self._gate_nodes: list[Node] = []
        self._observers: list = []
        self._checked_shapes: tuple | None = None
        self._ran_forward = False
        self._plan: Schedule | None = None
        self._reusing = False  # whether the gates write into kept arrays (train_step, fit)

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
        name = name or f"{gate.kind}{len(self._gate_nodes) + 1}"
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
        self._gate_nodes.append(node)
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
        self._plan = None
        return node.name

    @classmethod
    def mlp(cls, layers: Sequence[int], activation: str = "sigmoid",
            output_activation: str = "identity", loss: str = "mse", bias: bool = True,
            convention: str = "rows", seed: int | None = 0) -> Graph:
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
        return list(self._gate_nodes)

    def shape_of(self, name: str) -> Shape | None:
        """The node's shape: concrete after a forward, else symbolic (or None if unknown)."""
        if name in self.values and hasattr(self.values[name], "shape"):
            return tuple(self.values[name].shape)
        return self.nodes[name].shape

    def _current_schedule(self) -> Schedule:
        """The schedule that forward, backward and step follow, made once per graph structure."""
        if self._plan is None or self._plan.output != self.output:
            self._plan = _make_schedule(self)
        return self._plan

    def attach(self, observer) -> None:
        """Let an observer (a Tracer) see every gate, forward and backward, and every update."""
        if observer not in self._observers:
            self._observers.append(observer)

    def detach(self, observer) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    # --- forward -------------------------------------------------------------------------------

    def forward(self, **inputs) -> float:
        """Run every gate on these inputs (X=..., y=...); return J, the output, as a float.

        Every value is a new array, so one kept from this call is not changed by the next.
        """
        return self._forward(inputs, reuse=False)

    def train_step(self, lr: float, **inputs) -> float:
        """One step of gradient descent, what fit repeats: forward, backward, step(lr).

        Returns J before the update. For speed, successive calls write into the same arrays:
        g.values and g.grads hold this step's numbers until the next train_step overwrites them
        (forward() and backward() never do that).
        """
        J = self._forward(inputs, reuse=True)
        self.backward()
        self.step(lr)
        return J

    def _forward(self, inputs: dict, reuse: bool):
        self._ran_forward = False  # until this pass completes, backward has nothing to work on
        self.grads = {}            # nor has step: the gradients were of the previous inputs
        schedule = self._current_schedule()
        shapes = self._take_inputs(inputs, schedule)
        if shapes != self._checked_shapes:
            self._keep_arrays(False)  # new shapes: every gate makes new arrays, and is checked
            try:
                self._checked_forward()
            except BaseException:
                self._checked_shapes = None  # the symbols just bound were not proven: forget them
                raise
            self._checked_shapes = shapes
            if reuse:
                self._keep_arrays(True)
        else:
            if reuse != self._reusing:
                self._keep_arrays(reuse)
            self._run_gates(schedule)
        self._ran_forward = True
        out = self.values[self.output]
        return float(out) if _is_scalar(out) else out

    def _run_gates(self, schedule: Schedule) -> None:
        """Forward on proven shapes: the gates' own checks are skipped (see the module's doc)."""
        values, observers = self.values, self._observers
        if observers:
            for node in self._gate_nodes:
                out = node.gate.compute_forward(*[values[i] for i in node.inputs])
                values[node.name] = out
                for observer in observers:
                    observer.on_forward(self, node, out)
        else:  # the fast path: shapes proven, nobody watching
            for name, gate, fetch in schedule.forward:
                values[name] = gate.compute_forward(*fetch(values))

    def _take_inputs(self, given: dict, schedule: Schedule) -> tuple:
        """Store the given inputs as float arrays and bind the shape symbols (k = batch size)."""
        if given.keys() != schedule.input_names:
            declared = [self.nodes[name] for name in schedule.inputs]
            unknown = sorted(set(given) - schedule.input_names)
            missing = [name for name in schedule.inputs if name not in given]
            problems = []
            if missing:
                problems.append(f"missing input(s) {', '.join(missing)}")
            if unknown:
                problems.append(f"unknown input(s) {', '.join(unknown)}")
            raise TypeError(f"forward(): {'; '.join(problems)}. This graph's inputs are "
                            f"{', '.join(n.name for n in declared)}.")
        values, shapes = self.values, []
        for name in schedule.inputs:
            array = values[name] = as_float_array(given[name], name, "forward")
            shapes.append(array.shape)
        shapes = tuple(shapes)
        if shapes != self._checked_shapes:
            self.symbols = self._bind([self.nodes[name] for name in schedule.inputs], shapes)
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
        return any(isinstance(n.gate, Loss) and node.name in n.inputs for n in self._gate_nodes)

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

    def _keep_arrays(self, keep: bool) -> None:
        """Give each built-in gate new arrays to write its results into (keep=True), or take them
        back so that it makes a new array on every call (keep=False).

        Once a checked forward has proven the shapes, every later step computes arrays of the
        same shapes: writing them into the same arrays (numpy's out=) spares allocating, and
        the system clearing, megabytes of fresh memory on every step of a large network. Only
        train_step (and so fit) asks for it: there g.values and the gradient table hold arrays
        that the next step overwrites.
        """
        self._reusing = keep
        values = self.values
        for node in self._gate_nodes:
            gate = node.gate
            if not (gate.builtin and gate.kept):  # a user's gate allocates as it likes
                continue
            # New arrays, never the current values: a user may hold those from forward().
            gate.out = np.empty_like(values[node.name]) if keep and "out" in gate.kept else None
            gate.grad_outs = tuple(
                np.empty_like(values[source]) if keep and need and "grads" in gate.kept else None
                for source, need in zip(node.inputs, gate.needs_grad))

    def _checked_forward(self) -> None:
        """Forward with every gate's own shape check, recording events to show how far it got."""
        from .tracer import Tracer
        recorder = Tracer()
        values = self.values
        for node in self._gate_nodes:
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
        values = self.values
        if not _is_scalar(values[self.output]):
            raise ShapeError(f"backward starts from a scalar J, but the output {self.output} is "
                             f"{format_shape(np.shape(values[self.output]))}; end the graph with a "
                             f"loss gate", node=self.output)
        schedule = self._current_schedule()
        table: dict[str, Any] = dict.fromkeys(schedule.grad_names)
        table[self.output] = _ONE  # dJ/dJ
        if self._observers or not schedule.all_builtin:
            self._watched_backward(table, schedule)
        else:  # the fast path: built-in gates only, nobody watching
            for node, gate, targets in schedule.backward:
                grads = gate.backward(table[node.name])
                for i, source in targets:
                    earlier = table[source]
                    # A new sum, never +=: earlier may be another node's gradient too (addGate
                    # passes top_diff on without a copy).
                    table[source] = grads[i] if earlier is None else earlier + grads[i]
        for name in schedule.unreached:  # J does not change with these: their gradient is 0
            table[name] = np.zeros_like(values[name])
        self.grads = table
        return table

    def _watched_backward(self, table: dict, schedule: Schedule) -> None:
        """Backward that checks the gradients of users' gates and tells every observer."""
        observers = self._observers
        for node, gate, targets in schedule.backward:
            top_diff = table[node.name]
            grads = gate.backward(top_diff)
            if not gate.builtin:
                grads = self._checked_grads(node, grads)
            for i, source in targets:
                grad, earlier = grads[i], table[source]
                table[source] = grad if earlier is None else earlier + grad
                for observer in observers:
                    observer.on_backward(self, node, i, grad, top_diff, earlier is not None)

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
                fix = gradient_fix(label, want, got)  # the checker's advice too
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
        grads, observers = self.grads, self._observers
        for name, param in self.params._arrays.items():
            grad = grads[name]
            param -= lr * grad  # in place: the arrays in g.params and g.values stay the same
            for observer in observers:
                observer.on_update(self, name, grad, lr)

    def fit(self, X, y, epochs: int = 1000, lr: float = 0.1, *, progress: bool | None = None) -> list[float]:
        """Full-batch gradient descent: `epochs` train_steps; returns the loss before each step.

        X and y go to the inputs named X and y (for a hand-built graph with other names, to its
        two inputs). progress=None shows a rich progress bar only when standard error is a
        terminal; it is drawn there, leaving standard output to the user's own prints.
        """
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a whole number ≥ 0; got {epochs!r}")
        names = self.inputs
        if {"X", "y"} <= set(names):
            data = {"X": X, "y": y}
        elif len(names) == 2:
            data = dict(zip(names, (X, y)))
        else:
            raise TypeError(f"fit(X, y) needs inputs named X and y, or exactly two inputs; this "
                            f"graph's inputs are {', '.join(names) or 'none'}: use train_step")
        if progress is None:
            progress = sys.stderr.isatty()
        steps: Iterator[int] = iter(range(epochs))
        if progress:
            from rich.console import Console
            from rich.progress import track
            steps = iter(track(range(epochs), description="training", transient=True,
                               console=Console(stderr=True)))
        return [self.train_step(lr, **data) for _ in steps]

    def __repr__(self) -> str:
        layers = self.meta.get("layers")
        what = f"mlp {layers}" if layers else f"{len(self._gate_nodes)} gates"
        return f"<Graph {what}, {self.meta.get('convention', 'rows')} convention>"

    def summary(self):
        """Every node with its gate, shape and parameter count, and the total, as torchinfo
        does: a graph.summary.ModelSummary whose str is the table (it prints nothing itself)."""
        from .summary import summary
        return summary(self)

    def _repr_html_(self) -> str:
        """A notebook displays the graph as its summary table."""
        return self.summary()._repr_html_()
