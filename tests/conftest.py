"""Shared test helpers: a seeded random generator, an independent central-difference loop, the
hypothesis profile (few examples, no deadline: the machine is small and shared), and the small
graphs and user's gates that several test files build."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import settings

from gates import Gate

settings.register_profile("gates", max_examples=25, deadline=None)
settings.load_profile("gates")


def central_difference(f: Callable[[np.ndarray], float], x: np.ndarray,
                       eps: float = 1e-6) -> np.ndarray:
    """dF/dx by central differences, written here independently of gates.check.

    `f` takes a copy of x with one entry moved by ±eps; x itself is never modified.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    grad = np.zeros(x.shape)  # C-ordered, so that its flat view below writes into it
    flat = grad.reshape(-1)
    for i in range(x.size):
        step = np.zeros(x.size)
        step[i] = eps
        step = step.reshape(x.shape)
        flat[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240601)


@pytest.fixture
def numeric_grad() -> Callable:
    """The independent central-difference loop, for tests that want a second oracle."""
    return central_difference


def unruled_square_graph():
    """X·W¹ → a² = z² ⊙ z² by a user's gate with no output_shape → mse: a graph whose a² and J
    have no shape until data flows (the diagrams and the summary must say '?')."""
    from gates import Gate, MSELoss, MulGate
    from graph import Graph

    class Square(Gate):
        kind = "square"

        def forward(self, z):
            self.z = z
            return z * z

        def backward(self, top_diff):
            return (2 * self.z * top_diff,)

    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W1", np.ones((2, 1)))
    g.add(MulGate(), ["X", "W1"], "z2")
    g.add(Square(), ["z2"], "a2")
    g.add(MSELoss(), ["a2", "y"], "J")
    return g


def hand_built():
    """The README's hand-built graph: X·W¹ + b¹ → mse, declared with a symbolic batch k."""
    from gates import AddGate, MSELoss, MulGate
    from graph import Graph

    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W1", np.ones((2, 1)))
    g.param("b1", np.zeros((1, 1)))
    g.add(MulGate(), ["X", "W1"], "XW1")
    g.add(AddGate(), ["XW1", "b1"], "z2")
    g.add(MSELoss(), ["z2", "y"], "J")
    return g


class Cube(Gate):
    """A user's own gate: a = z³ elementwise, da/dz = 3z² (not in the built-in table)."""

    kind = "cube"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z):
        self.z = z
        return z ** 3

    def backward(self, top_diff):
        return (top_diff * 3 * self.z ** 2,)
