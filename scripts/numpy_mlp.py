"""The benchmark's baseline: Graph.mlp's network written by hand in plain numpy.

The same math as `Graph.mlp(layers, activation, loss="mse")` in the rows convention, with
one observation per row of X (k×m¹):

    forward    z^(l+1) = a^l · W^l + b^l        (k×m^l)·(m^l×m^(l+1)) + 1×m^(l+1)
               a^(l+1) = f(z^(l+1)) in the hidden layers, the output ŷ = z^L is linear
               J = mean((ŷ − y)²)
    backward   δ^L = 2(ŷ − y)/(k·m^L)
               dJ/dW^l = a^lᵀ · δ^(l+1),   dJ/db^l = Σ_rows δ^(l+1)
               δ^l = (δ^(l+1) · W^lᵀ) ⊙ f′(z^l), with f′ from the activation a^l itself
    update     W ← W − λ·dJ/dW

It is what a person writes by hand, and no more: idiomatic numpy, the usual shortcuts that
any careful version takes (σ′ = a(1 − a), no dJ/dX since nothing learns from X), no buffers.
`tests/test_bench.py` checks that it gives Graph's loss and gradients.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# f(z) and f′ written in terms of a = f(z), as the backward pass has a at hand.
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda a: 1.0 - a * a),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: a > 0),
}


class NumpyMLP:
    """A fully connected network with a linear output and the mean squared error.

    weights[l] is W^(l+1) (m^(l+1)×m^(l+2)), biases[l] is b^(l+1) (1×m^(l+2)); both copied.
    """

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray],
                 activation: str = "sigmoid") -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of "
                             f"{', '.join(ACTIVATIONS)}")
        self.W = [np.array(W, dtype=np.float64) for W in weights]
        self.b = [np.array(b, dtype=np.float64) for b in biases]
        self.activation = activation
        self.f, self.f_prime = ACTIVATIONS[activation]

    @classmethod
    def from_graph(cls, graph) -> NumpyMLP:
        """The same network as `graph` (a rows-convention Graph.mlp with biases), same weights."""
        layers = len(graph.meta["layers"]) - 1
        return cls([graph.params[f"W{l}"] for l in range(1, layers + 1)],
                   [graph.params[f"b{l}"] for l in range(1, layers + 1)],
                   graph.meta["activation"])

    def forward(self, X: np.ndarray, y: np.ndarray) -> float:
        """J for inputs X (k×m¹) and targets y (k×m^L); keeps a^l for backward."""
        self.a = [X]  # a[0] = X = a¹, a[l] = a^(l+1)
        for l, (W, b) in enumerate(zip(self.W, self.b)):
            z = self.a[-1] @ W + b
            self.a.append(z if l == len(self.W) - 1 else self.f(z))
        self.diff = self.a[-1] - y
        return float(np.mean(self.diff ** 2))

    def backward(self) -> dict[str, np.ndarray]:
        """dJ/dW^l, dJ/db^l and δ^l = dJ/dz^l, named as in Graph.mlp (W1, b1, z2, ...)."""
        grads = {}
        L = len(self.W)
        delta = 2.0 * self.diff / self.diff.size  # δ^L = dJ/dŷ
        for l in reversed(range(L)):  # W[l] is W^(l+1), between a[l] and z^(l+2)
            grads[f"z{l + 2}"] = delta
            grads[f"W{l + 1}"] = self.a[l].T @ delta
            grads[f"b{l + 1}"] = delta.sum(axis=0, keepdims=True)
            if l > 0:
                delta = (delta @ self.W[l].T) * self.f_prime(self.a[l])
        self.grads = grads
        return grads

    def step(self, lr: float) -> None:
        """W ← W − λ·dJ/dW and b ← b − λ·dJ/db, in place, from the last backward."""
        for l in range(len(self.W)):
            self.W[l] -= lr * self.grads[f"W{l + 1}"]
            self.b[l] -= lr * self.grads[f"b{l + 1}"]

    def train_step(self, X: np.ndarray, y: np.ndarray, lr: float) -> float:
        """One step of gradient descent; returns J before the update."""
        J = self.forward(X, y)
        self.backward()
        self.step(lr)
        return J
