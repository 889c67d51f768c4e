"""Loss gates: (ŷ, y) → the scalar J. Backward starts the chain: top_diff is dJ/dJ = 1.

ŷ and y must have exactly the same shape. numpy would broadcast a y of shape (4,) against
ŷ of (4, 1) into a 4×4 matrix of differences and return a plausible, wrong number; here that
is a ShapeError that says how to reshape y.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import refusals
from .base import Gate
from .shapes import Shape
from .words import loss_words


class Loss(Gate):
    """Base of the losses: two inputs of one shape, a scalar output."""

    inputs = ("ŷ", "y")

    def output_shape(self, yhat: Shape, y: Shape) -> Shape:
        if tuple(yhat) != tuple(y):
            raise refusals.loss_pair(self, yhat, y)
        return ()


class MSELoss(Loss):
    """J = mean over all n elements of (ŷ − y)²;  dJ/dŷ = 2(ŷ − y)/n, dJ/dy = −2(ŷ − y)/n.

    Shapes: ŷ and y k×m, J scalar, so n = k·m: the δ³ of NETWORK.md, 2/(k·m³)·(z³ − y).
    """

    kind = "mse"
    words = loss_words("mean(({0} − {1})²)", ("2/({n})·({0} − {1})", "−2/({n})·({0} − {1})"),
                       "Mean squared error: J averages (ŷ − y)² over all elements, so dJ/dŷ = 2(ŷ − y)/n.")

    def word_fields(self, shapes: Sequence[Shape]) -> dict:
        return {"n": "·".join(str(d) for d in shapes[0]) or "1"} if shapes else {}

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.float64:
        yhat, y = self.accept(yhat, y)
        self.diff = yhat - y
        return np.mean(self.diff ** 2)

    def backward(self, top_diff=1.0) -> tuple[np.ndarray, np.ndarray]:
        dyhat = top_diff * 2 * self.diff / self.diff.size
        return dyhat, -dyhat


class HalfSSELoss(Loss):
    """J = ½ Σ (ŷ − y)²;  dJ/dŷ = ŷ − y, dJ/dy = −(ŷ − y). The loss of many lecture notes.

    Shapes: ŷ and y any shape, both the same; J scalar.
    """

    kind = "half_sse"
    words = loss_words("½ Σ ({0} − {1})²", ("({0} − {1})", "−({0} − {1})"),
                       "Half the sum of squared errors: the ½ cancels the 2 of the square, so dJ/dŷ = ŷ − y.")

    def forward(self, yhat: np.ndarray, y: np.ndarray) -> np.float64:
        yhat, y = self.accept(yhat, y)
        self.diff = yhat - y
        return 0.5 * np.sum(self.diff ** 2)

    def backward(self, top_diff=1.0) -> tuple[np.ndarray, np.ndarray]:
        dyhat = top_diff * self.diff
        return dyhat, -dyhat


class CrossEntropyLoss(Loss):
    """J = −(1/k) Σ y·log softmax(z), on logits z with the softmax inside (as PyTorch does).

    Shapes: z and y k×m (`axis` = -1, one observation per row) or m×k (`axis` = 0); J scalar.
    dJ/dz = (softmax(z)·Σ_row y − y)/k, which is (softmax(z) − y)/k when each row of y sums
    to 1 (one-hot or probabilities); dJ/dy = −log softmax(z)/k.
    """

    kind = "cross_entropy"
    inputs = ("z", "y")
    words = loss_words("−(1/k) Σ {1}·log softmax({0})", ("(softmax({0}) − {1})/{k}", "−log softmax({0})/{k}"),
                       "Cross-entropy on logits: the softmax inside the loss makes dJ/dz the simple "
                       "(softmax(z) − y)/k, with no Jacobian to multiply.")

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"CrossEntropyLoss(axis=...) takes the class axis as a whole number, "
                            f"e.g. -1 (one observation per row) or 0 (per column); got {axis!r}")
        self.axis = int(axis)

    def word_fields(self, shapes: Sequence[Shape]) -> dict:
        observations_axis = 0 if self.axis in (-1, 1) else 1
        return {"k": shapes[0][observations_axis] if shapes and len(shapes[0]) == 2 else "k"}

    def output_shape(self, z: Shape, y: Shape) -> Shape:
        shape = super().output_shape(z, y)
        if not -len(z) <= self.axis < len(z) or z[self.axis] == 1:
            raise refusals.class_axis(self, z, self.axis)
        return shape

    def forward(self, z: np.ndarray, y: np.ndarray) -> np.float64:
        z, y = self.accept(z, y)
        shifted = z - z.max(axis=self.axis, keepdims=True)  # keeps e^z finite
        self.log_s = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.y = y
        self.k = z.size // z.shape[self.axis]  # observations: every axis but the class axis
        return -np.sum(y * self.log_s) / self.k

    def backward(self, top_diff=1.0) -> tuple[np.ndarray, np.ndarray]:
        s, y = np.exp(self.log_s), self.y
        dz = top_diff / self.k * (s * y.sum(axis=self.axis, keepdims=True) - y)
        return dz, -top_diff / self.k * self.log_s
