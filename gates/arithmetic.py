"""addGate (the distributor), mulGate (the switcher) and the elementwise (Hadamard) product."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from .base import Gate
from .notation import transposed
from .shapes import (
    Shape,
    broadcast_axes,
    broadcast_to,
    format_shape,
    matmul_fixes,
    matmul_shape,
    same_shape_fix,
    transpose,
)

_AXIS_WORDS = {0: "rows", 1: "columns"}


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum `grad` back to `shape` over the axes the forward pass broadcast along."""
    if grad.shape == shape:
        return grad
    return grad.sum(axis=_summed_axes(shape, grad.shape), keepdims=True)


@lru_cache(maxsize=256)
def _summed_axes(small: tuple, big: tuple) -> tuple[int, ...]:
    return broadcast_axes(small, big)  # remembered: a training loop asks the same on every step


def _axes_words(small: Shape, big: Shape) -> str:
    return " and ".join(_AXIS_WORDS.get(axis, f"axis {axis}") for axis in broadcast_axes(small, big))


class AddGate(Gate):
    """Z = A + B, where B (or A) may be a row such as a bias broadcast over the batch.

    Shapes: A k×m, B k×m or 1×m (or m×1 in the columns convention) → Z of the larger shape.
    Backward: the local derivative is 1, so top_diff passes unchanged to both inputs; an input
    that was broadcast receives top_diff summed over the broadcast axes, back to its own shape.
    """

    kind = "addGate"
    inputs = ("A", "B")
    kept = ("out",)  # its gradients are top_diff itself, or a small sum: nothing to keep

    def output_shape(self, a: Shape, b: Shape) -> Shape:
        if tuple(a) == tuple(b) or broadcast_to(b, a):
            return tuple(a)
        if broadcast_to(a, b):
            return tuple(b)
        return self._refuse(a, b)

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        self.shapes = (A.shape, B.shape)
        return np.add(A, B, out=self.out)

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a_shape, b_shape = self.shapes
        return unbroadcast(top_diff, a_shape), unbroadcast(top_diff, b_shape)

    def _refuse(self, a: Shape, b: Shape):
        rule = "equal shapes, or one operand with size 1 along the axes it is repeated over"
        A, B = self.input_labels
        if len(a) != len(b):
            vector, matrix, label = (a, b, A) if len(a) < len(b) else (b, a, B)
            row = (1,) * (len(matrix) - len(vector)) + tuple(vector)
            column = tuple(vector) + (1,) * (len(matrix) - len(vector))
            # A row bias in the rows convention, a column bias (n×1) in the columns convention.
            shaped = next((s for s in (row, column) if broadcast_to(s, matrix)), None)
            fix = (f"Reshape {label} to {shaped} so that it is broadcast visibly."
                   if shaped else None)
            raise self.shape_error("they have different numbers of axes.", (a, b), rule, fix)
        if len(a) == 2 and broadcast_to(transpose(b), a):
            fix = f"Did you mean {transposed(B)} ({format_shape(transpose(b))})?"
        elif len(a) == 2 and broadcast_to(transpose(a), b):
            fix = f"Did you mean {transposed(A)} ({format_shape(transpose(a))})?"
        else:
            fix = None
        if all(x == y or x == 1 or y == 1 for x, y in zip(a, b)):
            big = tuple(y if x == 1 else x for x, y in zip(a, b))
            problem = (f"numpy would broadcast them to {format_shape(big)}, larger than both "
                       f"operands: a sum that silently grows a matrix is a bug, not a bias.")
        else:
            problem = "their sizes differ along an axis where neither is 1."
        raise self.shape_error(problem, (a, b), rule, fix)

    # words
    def formula(self) -> str:
        return " + ".join(self.input_labels)

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        return f"({format_shape(shapes[0])})+({format_shape(shapes[1])}) → {format_shape(out)}"

    def note(self, shapes: Sequence[Shape]) -> str | None:
        a, b = (tuple(s) for s in shapes)
        for label, small, big in ((self.input_labels[1], b, a), (self.input_labels[0], a, b)):
            if small != big and broadcast_to(small, big):
                counts = " × ".join(str(big[axis]) for axis in broadcast_axes(small, big))
                return f"{label} broadcast over {counts} {_axes_words(small, big)}"
        return None

    def _summed(self, i: int, shapes: Sequence[Shape]) -> str | None:
        mine, other = tuple(shapes[i]), tuple(shapes[1 - i])
        if mine != other and broadcast_to(mine, other):
            return _axes_words(mine, other)
        return None

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        summed = self._summed(i, shapes)
        return f"× 1, Σ over {summed}" if summed else "× 1"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        summed = self._summed(i, shapes)
        return f"Σ {summed} {top}" if summed else f"{top} × 1"

    def explain(self) -> str:
        return ("addGate distributes: its local derivative is 1, so top_diff passes unchanged to "
                "both inputs; an input broadcast over the batch gets top_diff summed back to its shape.")


class MulGate(Gate):
    """Z = A·B, the matrix product.

    Shapes: A n×m, B m×p → Z n×p.
    Backward (a switcher, with a transpose that makes the shapes fit):
        dJ/dA = top_diff · Bᵀ    (n×p)·(p×m) → n×m
        dJ/dB = Aᵀ · top_diff    (m×n)·(n×p) → m×p
    """

    kind = "mulGate"
    inputs = ("A", "B")
    kept = ("out", "grads")

    def output_shape(self, a: Shape, b: Shape) -> Shape:
        result = matmul_shape(a, b)
        if result is not None:
            return result
        A, B = self.input_labels
        fixes = matmul_fixes(A, a, B, b)
        fix = fixes[0] if fixes else None
        rule = "(n×m)·(m×p) → n×p: the inner sizes must be equal"
        if len(a) != 2 or len(b) != 2:
            problem = "a matrix product needs two matrices (2-D arrays)."
        else:
            problem = f"inner sizes {a[1]} and {b[0]} differ."
        raise self.shape_error(problem, (a, b), rule, fix)

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        self.A, self.B = A, B
        return np.matmul(A, B, out=self.out)

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        need_A, need_B = self.needs_grad
        out_A, out_B = self.grad_outs
        dA = np.matmul(top_diff, self.B.T, out=out_A) if need_A else None  # top_diff · Bᵀ
        dB = np.matmul(self.A.T, top_diff, out=out_B) if need_B else None  # Aᵀ · top_diff
        return dA, dB

    # words
    def formula(self) -> str:
        return "·".join(self.input_labels)

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        return f"({format_shape(shapes[0])})·({format_shape(shapes[1])}) → {format_shape(out)}"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        A, B = self.input_labels
        return f"· {transposed(B)}" if i == 0 else f"{transposed(A)} ·"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        A, B = self.input_labels
        return f"{top} · {transposed(B)}" if i == 0 else f"{transposed(A)} · {top}"

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        a, b = shapes
        if i == 0:
            return f"({format_shape(top)})·({format_shape(transpose(b))}) → {format_shape(a)}"
        return f"({format_shape(transpose(a))})·({format_shape(top)}) → {format_shape(b)}"

    def explain(self) -> str:
        return ("mulGate switches: each input's gradient is top_diff times the other input, "
                "transposed so that the shapes fit (dJ/dA = top_diff·Bᵀ, dJ/dB = Aᵀ·top_diff).")


class HadamardGate(Gate):
    """Z = A ⊙ B, elementwise. Shapes: A and B equal → Z the same.

    Backward: dJ/dA = top_diff ⊙ B, dJ/dB = top_diff ⊙ A (each input switches to the other).
    """

    kind = "hadamard"
    inputs = ("A", "B")

    def output_shape(self, a: Shape, b: Shape) -> Shape:
        if tuple(a) == tuple(b):
            return tuple(a)
        A, B = self.input_labels
        raise self.shape_error("an elementwise product needs equal shapes.", (a, b),
                               "A ⊙ B needs A and B of one shape", same_shape_fix(A, a, B, b))

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        self.A, self.B = A, B
        return A * B

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return top_diff * self.B, top_diff * self.A

    # words
    def formula(self) -> str:
        return " ⊙ ".join(self.input_labels)

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        return f"({format_shape(shapes[0])})⊙({format_shape(shapes[1])}) → {format_shape(out)}"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        return f"⊙ {self.input_labels[1 - i]}"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        return f"{top} ⊙ {self.input_labels[1 - i]}"

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        return f"({format_shape(top)})⊙({format_shape(shapes[1 - i])}) → {format_shape(shapes[i])}"

    def explain(self) -> str:
        return "The elementwise product switches: each input's gradient is top_diff ⊙ the other input."
