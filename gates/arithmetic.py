"""addGate (the distributor), mulGate (the switcher) and the elementwise (Hadamard) product."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import refusals
from .base import Gate
from .shapes import Shape, broadcast_axes, broadcast_to, matmul_shape
from .words import Words

_AXIS_WORDS = {0: "rows", 1: "columns"}
_IMAGE_AXIS_WORDS = {0: "batch", 1: "channels", 2: "height", 3: "width"}  # k×C×H×W


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` back to `shape` over the axes the forward pass broadcast along."""
    if grad.shape == tuple(shape):
        return grad
    return grad.sum(axis=broadcast_axes(shape, grad.shape), keepdims=True)


def axes_words(small: Shape, big: Shape) -> str:
    """The axes `small` is repeated along to reach `big`, in words: "rows", "rows and columns",
    and for images "batch, height and width"."""
    names = _IMAGE_AXIS_WORDS if len(big) == 4 else _AXIS_WORDS
    words = [names.get(axis, f"axis {axis}") for axis in broadcast_axes(small, big)]
    return " and ".join(words) if len(words) <= 2 else f"{', '.join(words[:-1])} and {words[-1]}"


class AddGate(Gate):
    """Z = A + B, where B (or A) may be a row such as a bias broadcast over the batch.

    Shapes: A k×m, B k×m or 1×m (or m×1 in the columns convention) → Z of the larger shape.
    Backward: the local derivative is 1, so top_diff passes unchanged to both inputs; an input
    that was broadcast receives top_diff summed over the broadcast axes, back to its own shape.
    """

    kind = "addGate"
    inputs = ("A", "B")
    words = Words(formula="{A} + {B}", arithmetic="({A})+({B}) → {out}",
                  rule="addGate distributes: its local derivative is 1, so top_diff passes unchanged "
                       "to both inputs; an input broadcast over the batch gets top_diff summed back "
                       "to its shape.")

    def output_shape(self, a: Shape, b: Shape) -> Shape:
        if broadcast_to(b, a):
            return tuple(a)
        if broadcast_to(a, b):
            return tuple(b)
        raise refusals.sum_of(self, a, b)

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        A, B = self.accept(A, B)
        self.shapes = A.shape, B.shape
        return A + B

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a_shape, b_shape = self.shapes
        return unbroadcast(top_diff, a_shape), unbroadcast(top_diff, b_shape)

    # the distributor's words depend on which input was broadcast
    def note(self, shapes: Sequence[Shape]) -> str | None:
        a, b = (tuple(s) for s in shapes)
        for label, small, big in ((self.input_labels[1], b, a), (self.input_labels[0], a, b)):
            if small != big and broadcast_to(small, big):
                counts = " × ".join(str(big[axis]) for axis in broadcast_axes(small, big))
                if len(big) == 4:  # an image's bias: one number per channel, over k×H×W
                    return f"{label} broadcast over {axes_words(small, big)} ({counts})"
                return f"{label} broadcast over {counts} {axes_words(small, big)}"
        return None

    def _summed(self, i: int, shapes: Sequence[Shape]) -> str | None:
        mine, other = tuple(shapes[i]), tuple(shapes[1 - i])
        return axes_words(mine, other) if mine != other and broadcast_to(mine, other) else None

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        summed = self._summed(i, shapes)
        return f"× 1, Σ over {summed}" if summed else "× 1"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        summed = self._summed(i, shapes)
        return f"Σ {summed} {top}" if summed else f"{top} × 1"


class MulGate(Gate):
    """Z = A·B, the matrix product.

    Shapes: A n×m, B m×p → Z n×p.
    Backward (a switcher, with a transpose that makes the shapes fit):
        dJ/dA = top_diff · Bᵀ    (n×p)·(p×m) → n×m
        dJ/dB = Aᵀ · top_diff    (m×n)·(n×p) → m×p
    """

    kind = "mulGate"
    inputs = ("A", "B")
    words = Words(formula="{A}·{B}", arithmetic="({A})·({B}) → {out}",
                  local_diff=("· {B:T}", "{A:T} ·"),
                  grad_formula=("{top} · {B:T}", "{A:T} · {top}"),
                  grad_arithmetic=("({top})·({B:T}) → {A}", "({A:T})·({top}) → {B}"),
                  rule="mulGate switches: each input's gradient is top_diff times the other input, "
                       "transposed so that the shapes fit (dJ/dA = top_diff·Bᵀ, dJ/dB = Aᵀ·top_diff).")

    def output_shape(self, a: Shape, b: Shape) -> Shape:
        shape = matmul_shape(a, b)
        if shape is None:
            raise refusals.matmul(self, a, b)
        return shape

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        self.A, self.B = self.accept(A, B)
        return self.A @ self.B

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return top_diff @ self.B.T, self.A.T @ top_diff


class HadamardGate(Gate):
    """Z = A ⊙ B, elementwise. Shapes: A and B equal → Z the same.

    Backward: dJ/dA = top_diff ⊙ B, dJ/dB = top_diff ⊙ A (each input switches to the other).
    """

    kind = "hadamard"
    inputs = ("A", "B")
    words = Words(formula="{A} ⊙ {B}", arithmetic="({A})⊙({B}) → {out}",
                  local_diff=("⊙ {B}", "⊙ {A}"),
                  grad_arithmetic=("({top})⊙({B}) → {A}", "({top})⊙({A}) → {B}"),
                  rule="The elementwise product switches: each input's gradient is top_diff ⊙ the "
                       "other input.")

    def output_shape(self, a: Shape, b: Shape) -> Shape:
        if tuple(a) != tuple(b):
            raise refusals.elementwise_pair(self, a, b)
        return tuple(a)

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        self.A, self.B = self.accept(A, B)
        return self.A * self.B

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return top_diff * self.B, top_diff * self.A
