"""Exercise 5: the [2, 3, 1] network assembled from gates by hand, then trained.

Part A, build_network: wire the network of the lecture notes node by node, in the rows
convention (one observation per row, z = X·W + b), with the names below. Each g.add checks
the shapes at once, with the batch written k, so a wrong wiring fails before any data flows.

    node   made by                      shape
    X      input                        k×2
    y      input                        k×1
    W1     parameter, random            2×3
    b1     parameter, zeros             1×3    one row, broadcast over the batch
    W2     parameter, random            3×1
    b2     parameter, zeros             1×1
    XW1    mulGate(X, W1)               k×3
    z2     addGate(XW1, b1)             k×3
    a2     sigmoid(z2)                  k×3
    a2W2   mulGate(a2, W2)              k×1
    z3     addGate(a2W2, b2)            k×1    ŷ, a linear output
    J      mse(z3, y)                   scalar

Part B, train: gradient descent by hand. Each epoch is one forward (J on the whole batch), one
backward (the gradient table, dJ/d(name) for every node) and the update W ← W − lr·dJ/dW of
every parameter, each gradient of its parameter's shape.

Useful: g.input(name, shape), g.param(name, array), g.add(gate, [inputs], name),
g.forward(X=..., y=...) → J, g.backward() → {name: gradient}, g.params (a dict of arrays; an
assignment g.params[name] = new replaces the numbers). Once both parts work, run this file.

    python -m gates.grade . --only 5
"""

from __future__ import annotations

import numpy as np

from gates import AddGate, MSELoss, MulGate, Sigmoid  # noqa: F401 (the gates you will wire)
from graph import Graph


def build_network(seed: int = 0) -> Graph:
    """The [2, 3, 1] network of the table above: inputs X k×2 and y k×1; parameters W1 2×3 and
    W2 3×1 drawn with np.random.default_rng(seed), b1 1×3 and b2 1×1 zeros; J a scalar."""
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    # your code here
    # BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    g.param("W1", rng.standard_normal((2, 3)))
    g.param("b1", np.zeros((1, 3)))
    g.param("W2", rng.standard_normal((3, 1)))
    g.param("b2", np.zeros((1, 1)))
    g.add(MulGate(), ["X", "W1"], "XW1")
    g.add(AddGate(), ["XW1", "b1"], "z2")
    g.add(Sigmoid(), ["z2"], "a2")
    g.add(MulGate(), ["a2", "W2"], "a2W2")
    g.add(AddGate(), ["a2W2", "b2"], "z3")
    g.add(MSELoss(), ["z3", "y"], "J")
    # END SOLUTION
    return g


def train(g: Graph, X: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> list[float]:
    """`epochs` steps of gradient descent on the whole batch; returns J of each epoch, measured
    before that epoch's update. X k×2, y k×1 → a list of `epochs` floats."""
    losses = []
    # your code here
    # BEGIN SOLUTION
    for _ in range(epochs):
        losses.append(g.forward(X=X, y=y))
        grads = g.backward()
        for name in g.params:
            g.params[name] = g.params[name] - lr * grads[name]   # W ← W − λ·dJ/dW
    # END SOLUTION
    return losses


if __name__ == "__main__":
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])   # k = 4 observations, 4×2
    y = np.array([[1.0], [0.0], [0.0], [1.0]])                       # XNOR, 4×1
    g = build_network(seed=0)
    print(g.summary())
    losses = train(g, X, y, epochs=2000, lr=0.5)
    print(f"J: {losses[0]:.4f} at the start, {losses[-1]:.4f} after {len(losses)} epochs")
