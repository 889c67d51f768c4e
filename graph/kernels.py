"""The kernels of the fast training path, and the Plan that runs them on kept arrays.

forward(), backward() and step() are the lesson: every gate's textbook forward and backward,
new arrays on every call. A training loop repeats the same shapes thousands of times, so
train_step plans the step once per input shape and then runs each built-in gate as a kernel
that writes into arrays kept from one step to the next (numpy's out=), and skips gradients
nobody uses (dJ/dX, dJ/dy). Each kernel performs the same floating-point operations, in the same
order, as its gate's textbook code, so a step gives the same numbers to the last bit;
tests/test_training_path.py holds it to that.

After a train_step, g.values and g.grads hold the kept arrays, which the next train_step
overwrites. Arrays handed out by forward() and backward() are never kept arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gates.activations import Identity, ReLU, Sigmoid, Tanh
from gates.arithmetic import AddGate, MulGate
from gates.conv import ConvGate
from gates.losses import MSELoss
from gates.shapes import broadcast_axes

from .engine import Engine, Node
from .guards import users_backward, users_forward

# --- kernels: for each gate type, (forward, backward) factories over kept arrays -------------------
# A forward kernel takes the table of values and returns the output; a backward kernel takes
# top_diff and returns {input index: gradient} for the inputs that need one.

def _mul(node: Node, shapes, wanted):
    a, b = node.inputs
    out = np.empty((shapes[0][0], shapes[1][1]))
    dA = np.empty(shapes[0]) if 0 in wanted else None
    dB = np.empty(shapes[1]) if 1 in wanted else None

    def forward(values):
        return np.matmul(values[a], values[b], out=out)

    def backward(top, values):
        grads = {}
        if dA is not None:
            grads[0] = np.matmul(top, values[b].T, out=dA)
        if dB is not None:
            grads[1] = np.matmul(values[a].T, top, out=dB)
        return grads
    return forward, backward


def _add(node: Node, shapes, wanted):
    a, b = node.inputs
    out_shape = np.broadcast_shapes(*shapes)
    out = np.empty(out_shape)
    sums = {i: (broadcast_axes(shapes[i], out_shape), np.empty(shapes[i]))
            for i in wanted if tuple(shapes[i]) != out_shape}

    def forward(values):
        return np.add(values[a], values[b], out=out)

    def backward(top, values):
        grads = {i: top for i in wanted}  # the distributor: top_diff itself
        for i, (axes, kept) in sums.items():  # np.sum's own reduction, without its wrapper
            grads[i] = np.add.reduce(top, axis=axes, keepdims=True, out=kept)
        return grads
    return forward, backward


def _sigmoid(node: Node, shapes, wanted):
    (z,) = node.inputs
    out, dz, t = (np.empty(shapes[0]) for _ in range(3))

    def forward(values):  # 1/(1 + e^(−z))
        np.negative(values[z], out=out)
        with np.errstate(over="ignore"):
            np.exp(out, out=out)
        np.add(1, out, out=out)
        return np.divide(1, out, out=out)

    def backward(top, values):  # top ⊙ a ⊙ (1 − a)
        np.multiply(top, out, out=dz)
        np.subtract(1, out, out=t)
        return {0: np.multiply(dz, t, out=dz)}
    return forward, backward


def _tanh(node: Node, shapes, wanted):
    (z,) = node.inputs
    out, dz = np.empty(shapes[0]), np.empty(shapes[0])

    def forward(values):
        return np.tanh(values[z], out=out)

    def backward(top, values):  # top ⊙ (1 − a²)
        np.square(out, out=dz)
        np.subtract(1, dz, out=dz)
        return {0: np.multiply(top, dz, out=dz)}
    return forward, backward


def _relu(node: Node, shapes, wanted):
    (z,) = node.inputs
    out, dz = np.empty(shapes[0]), np.empty(shapes[0])
    positive = np.empty(shapes[0], dtype=bool)

    def forward(values):
        return np.maximum(values[z], 0.0, out=out)

    def backward(top, values):  # top ⊙ [z > 0]
        np.greater(values[z], 0, out=positive)
        return {0: np.multiply(top, positive, out=dz)}
    return forward, backward


def _identity(node: Node, shapes, wanted):
    (z,) = node.inputs
    return (lambda values: values[z]), (lambda top, values: {0: top})


def _mse(node: Node, shapes, wanted):
    yhat, y = node.inputs
    diff, squared, dyhat, dy = (np.empty(shapes[0]) for _ in range(4))

    def forward(values):  # mean((ŷ − y)²): np.mean's own sum and division, without its wrapper
        np.subtract(values[yhat], values[y], out=diff)
        return np.add.reduce(np.square(diff, out=squared), axis=None) / diff.size

    def backward(top, values):  # dŷ = top·2·(ŷ − y)/n, dy = −dŷ
        np.divide(np.multiply(diff, top * 2, out=dyhat), diff.size, out=dyhat)
        return {0: dyhat, 1: np.negative(dyhat, out=dy) if 1 in wanted else None}
    return forward, backward


def _conv(node: Node, shapes, wanted):
    """convGate's own forward and products; dJ/dX only when wanted (never for the input X)."""
    gate, (x, k) = node.gate, node.inputs

    def forward(values):
        return gate.forward(values[x], values[k])

    def backward(top, values):
        delta = gate.as_matrix(top)
        grads = {1: gate.grad_kernels(delta)} if 1 in wanted else {}
        if 0 in wanted:
            grads[0] = gate.grad_input(delta)
        return grads
    return forward, backward


KERNELS: dict[type, Callable] = {MulGate: _mul, AddGate: _add, Sigmoid: _sigmoid, Tanh: _tanh,
                                 ReLU: _relu, Identity: _identity, MSELoss: _mse, ConvGate: _conv}


def _textbook(engine: Engine, node: Node, shapes, wanted):
    """Any other gate (softmax, cross-entropy, a user's gate) runs its own forward and backward."""
    def forward(values):
        operands = [values[i] for i in node.inputs]
        return node.gate.forward(*operands) if node.trusted else users_forward(engine, node, operands)

    def backward(top, values):
        grads = node.gate.backward(top) if node.trusted else users_backward(engine, node, top)
        return {i: grads[i] for i in wanted}
    return forward, backward


class Plan:
    """One training step for one set of input shapes: kernels in order, and kept arrays."""

    def __init__(self, engine: Engine) -> None:
        values = engine._values
        self.forward, self.backward = [], []
        wanted = {node.name: {i for i, _, _ in targets} for node, targets in engine.backward_order()}
        kernels = {}
        for node in engine.gate_nodes:
            shapes = [np.shape(values[i]) for i in node.inputs]
            make = KERNELS.get(type(node.gate)) if node.trusted else None
            need = wanted.get(node.name, set())
            kernels[node.name] = (make(node, shapes, need) if make
                                  else _textbook(engine, node, shapes, need))
            self.forward.append((node, kernels[node.name][0]))
        for node, targets in engine.backward_order():
            sums = {source: np.empty(np.shape(values[source])) for _, source, acc in targets if acc}
            self.backward.append((node, kernels[node.name][1], targets, sums))
        self.updates = [(name, param, np.empty(param.shape)) for name, param in engine.params.items()]
        reached = {engine.output} | {source for _, _, targets, _ in self.backward
                                     for _, source, _ in targets}
        self.unreached = [name for name, node in engine.nodes.items()
                          if node.needs_grad and name not in reached]

    def run(self, engine: Engine, lr: float) -> float:
        """One step: the forward kernels, the gradient table backward, the update."""
        values, table = engine._values, {engine.output: np.float64(1.0)}
        observers = engine._observers
        for node, forward in self.forward:
            values[node.name] = forward(values)
            for observer in observers:
                observer.on_forward(engine, node, values[node.name])
        J = values[engine.output]
        for node, backward, targets, sums in self.backward:
            top_diff = table[node.name]
            grads = backward(top_diff, values)
            for i, source, accumulated in targets:
                table[source] = (np.add(table[source], grads[i], out=sums[source]) if accumulated
                                 else grads[i])
                for observer in observers:
                    observer.on_backward(engine, node, i, grads[i], top_diff, accumulated)
        for name in self.unreached:
            table[name] = np.zeros_like(values[name])
        engine._grads = table
        for name, param, scaled in self.updates:  # W ← W − λ·dJ/dW, as step() does
            np.subtract(param, np.multiply(lr, table[name], out=scaled), out=param)
            for observer in observers:
                observer.on_update(engine, name, table[name], lr)
        return float(J)


__all__ = ["Plan", "KERNELS"]
