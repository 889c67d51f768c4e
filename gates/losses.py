"""Loss gates: (ŷ, y) → the scalar J. Backward starts the chain: top_diff is dJ/dJ = 1.

ŷ and y must have exactly the same shape. numpy would broadcast a y of shape (4,) against
ŷ of (4, 1) into a 4×4 matrix of differences and return a plausible, wrong number; here that
is a ShapeError that says how to reshape y.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Gate
from .shapes import Shape, format_shape, numpy_broadcast, same_shape_fix


class Loss(Gate):
    """Base of the losses: two inputs of one shape, a scalar output."""

    inputs = ("ŷ", "y")

    def output_shape(self, yhat: Shape, y: Shape) -> Shape:
        if tuple(yhat) == tuple(y):
            return ()
        A, B = self.input_labels
        problem = "a loss compares them element by element, so their shapes must be equal."
        grown = numpy_broadcast(yhat, y)
        if grown is not None and grown not in (tuple(yhat), tuple(y)):
            # The trap: no error from numpy, just a plausible wrong number.
            problem += (f" numpy would silently broadcast {A} − {B} into a {format_shape(grown)} "
                        f"matrix and average differences of every prediction with every target.")
        raise self.shape_error(problem, (yhat, y), "ŷ and y of one shape",
                               same_shape_fix(A, yhat, B, y))

    # words
    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        return f"({format_shape(shapes[0])}), ({format_shape(shapes[1])}) → scalar"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        return self.local_diff(i, shapes)

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        return f"scalar → {format_shape(shapes[i])}"


class MSELoss(Loss):
    """J = mean over all n elements of (ŷ − y)²;  dJ/dŷ = 2(ŷ − y)/n, dJ/dy = −2(ŷ − y)/n.

    For ŷ of k×m, n = k·m: the δ³ of NETWORK.md, 2/(k·m³)·(z³ − y).
    """

    kind = "mse"

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.floating:
        self.diff = yhat - y
        return np.vdot(self.diff, self.diff) / self.diff.size  # Σ (ŷ − y)² / n in one call

    def backward(self, top_diff=1.0) -> tuple[np.ndarray, np.ndarray | None]:
        dyhat = (2.0 * top_diff / self.diff.size) * self.diff
        return dyhat, (-dyhat if self.needs_grad[1] else None)  # y is data: rarely needed

    def formula(self) -> str:
        yhat, y = self.input_labels
        return f"mean(({yhat} − {y})²)"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        yhat, y = self.input_labels
        n = "·".join(str(d) for d in shapes[0]) or "1"
        sign = "" if i == 0 else "−"
        return f"{sign}2/({n})·({yhat} − {y})"

    def explain(self) -> str:
        return "Mean squared error: J averages (ŷ − y)² over all elements, so dJ/dŷ = 2(ŷ − y)/n."


class HalfSSELoss(Loss):
    """J = ½ Σ (ŷ − y)²;  dJ/dŷ = ŷ − y, dJ/dy = −(ŷ − y). The loss of many lecture notes."""

    kind = "half_sse"

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.floating:
        self.diff = yhat - y
        return 0.5 * np.vdot(self.diff, self.diff)  # ½ Σ (ŷ − y)² in one call

    def backward(self, top_diff=1.0) -> tuple[np.ndarray, np.ndarray | None]:
        dyhat = top_diff * self.diff
        return dyhat, (-dyhat if self.needs_grad[1] else None)  # y is data: rarely needed

    def formula(self) -> str:
        yhat, y = self.input_labels
        return f"½ Σ ({yhat} − {y})²"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        yhat, y = self.input_labels
        return f"({yhat} − {y})" if i == 0 else f"−({yhat} − {y})"

    def explain(self) -> str:
        return "Half the sum of squared errors: the ½ cancels the 2 of the square, so dJ/dŷ = ŷ − y."


class CrossEntropyLoss(Loss):
    """J = −(1/k) Σ y·log softmax(z), on logits z with the softmax inside (as PyTorch does).

    `axis` is the class axis (-1: one observation per row, k rows; 0: one per column).
    dJ/dz = (softmax(z)·Σ_row y − y)/k, which is (softmax(z) − y)/k when each row of y sums
    to 1 (one-hot or probabilities); dJ/dy = −log softmax(z)/k.
    """

    kind = "cross_entropy"
    inputs = ("z", "y")

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, z: np.ndarray, y: np.ndarray) -> np.floating:
        shifted = z - z.max(axis=self.axis, keepdims=True)
        self.log_s = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.y = y
        self.k = z.size // z.shape[self.axis] if z.ndim else 1
        return -np.sum(y * self.log_s) / self.k

    def backward(self, top_diff=1.0) -> tuple[np.ndarray, np.ndarray]:
        s = np.exp(self.log_s)
        y = self.y
        dz = (top_diff / self.k) * (s * y.sum(axis=self.axis, keepdims=True) - y)
        dy = (-top_diff / self.k) * self.log_s if self.needs_grad[1] else None
        return dz, dy

    def formula(self) -> str:
        z, y = self.input_labels
        return f"−(1/k) Σ {y}·log softmax({z})"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        z, y = self.input_labels
        observations_axis = 0 if self.axis in (-1, 1) else 1
        k = shapes[0][observations_axis] if len(shapes[0]) == 2 else "k"
        return f"(softmax({z}) − {y})/{k}" if i == 0 else f"−log softmax({z})/{k}"

    def explain(self) -> str:
        return ("Cross-entropy on logits: the softmax inside the loss makes dJ/dz the simple "
                "(softmax(z) − y)/k, with no Jacobian to multiply.")
