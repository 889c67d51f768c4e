"""Activation gates. All but softmax are elementwise: dJ/dz = top_diff ⊙ f′(z).

Shapes: z, a and dJ/dz are equal, whatever the shape (k×m for a layer, k×C×H×W for an image).
Each backward reuses what forward computed (σ′ = a(1 − a), tanh′ = 1 − a²), the textbook
identity.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import refusals
from .base import Gate
from .shapes import Shape
from .words import Words, elementwise_words


class Elementwise(Gate):
    """An activation applied to each element: the output has the input's shape."""

    inputs = ("z",)

    def output_shape(self, z: Shape) -> Shape:
        return tuple(z)


class Sigmoid(Elementwise):
    """a = σ(z) = 1 / (1 + e^(−z));  dJ/dz = top_diff ⊙ σ(z)(1 − σ(z))."""

    kind = "sigmoid"
    words = elementwise_words("σ", "σ′", kind)

    def forward(self, z: np.ndarray) -> np.ndarray:
        (z,) = self.accept(z)
        with np.errstate(over="ignore"):  # e^(−z) is inf for z < −709, and 1/(1 + inf) = 0 is right
            self.a = 1 / (1 + np.exp(-z))
        return self.a

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        a = self.a
        return (top_diff * a * (1 - a),)


class Tanh(Elementwise):
    """a = tanh(z);  dJ/dz = top_diff ⊙ (1 − tanh²(z))."""

    kind = "tanh"
    words = elementwise_words("tanh", "tanh′", kind)

    def forward(self, z: np.ndarray) -> np.ndarray:
        (z,) = self.accept(z)
        self.a = np.tanh(z)
        return self.a

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        return (top_diff * (1 - self.a ** 2),)


class ReLU(Elementwise):
    """a = max(z, 0);  dJ/dz = top_diff ⊙ [z > 0] (the derivative at 0 is taken as 0)."""

    kind = "relu"
    words = elementwise_words("ReLU", "ReLU′", kind)

    def forward(self, z: np.ndarray) -> np.ndarray:
        (self.z,) = self.accept(z)
        return np.maximum(self.z, 0.0)

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        return (top_diff * (self.z > 0),)


class Identity(Elementwise):
    """a = z, a linear output;  dJ/dz = top_diff × 1."""

    kind = "identity"
    words = replace(elementwise_words("id", "id′", kind), local_diff=("× 1",))

    def forward(self, z: np.ndarray) -> np.ndarray:
        (z,) = self.accept(z)
        return z

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        return (top_diff,)


class Softmax(Gate):
    """s = softmax(z) along `axis` (the class axis: -1 for one observation per row).

    Not elementwise: each output depends on every input of its row, so backward is a
    Jacobian-vector product per row:  dJ/dz = s ⊙ (top_diff − Σ_row(top_diff ⊙ s)).
    Shapes: z, s and dJ/dz equal (k×m in the rows convention, m×k with axis=0).
    """

    kind = "softmax"
    inputs = ("z",)
    words = Words(
        formula="softmax({z}) per {along}",
        arithmetic="softmax({z}) → {out}, per {along}",
        local_diff=("Jacobian of softmax per {along}: s ⊙ (· − Σ(· ⊙ s))",),
        grad_formula=("s ⊙ ({top} − Σ_{along}({top} ⊙ s))",),
        grad_arithmetic=("({top}) → {z}, one Jacobian-vector product per {along}",),
        rule="softmax is not elementwise: every output of a row depends on every input of that "
             "row, so backward multiplies top_diff by each row's Jacobian diag(s) − s·sᵀ.")

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Softmax(axis=...) takes the class axis as a whole number, e.g. -1 "
                            f"(one observation per row) or 0 (per column); got {axis!r}")
        self.axis = int(axis)

    def word_fields(self, shapes) -> dict:
        return {"along": "row" if self.axis in (-1, 1) else "column"}

    def output_shape(self, z: Shape) -> Shape:
        if not -len(z) <= self.axis < len(z) or z[self.axis] == 1:
            raise refusals.class_axis(self, z, self.axis)
        return tuple(z)

    def forward(self, z: np.ndarray) -> np.ndarray:
        (z,) = self.accept(z)
        # Subtracting the row maximum changes nothing mathematically and keeps e^z finite.
        e = np.exp(z - z.max(axis=self.axis, keepdims=True))
        self.s = e / e.sum(axis=self.axis, keepdims=True)
        return self.s

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        s = self.s
        return (s * (top_diff - (top_diff * s).sum(axis=self.axis, keepdims=True)),)
