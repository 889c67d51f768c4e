"""Activation gates. All but softmax are elementwise: dJ/dz = top_diff ⊙ f′(z).

Each backward reuses what forward computed (σ′ = a(1 − a), tanh′ = 1 − a²) rather than
evaluating f again: it is both the textbook identity and the cheaper computation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import Gate
from .shapes import Shape, format_shape


class Elementwise(Gate):
    """An activation applied to each element: the output has the input's shape.

    Subclasses give `symbol` (σ) and `derivative` (σ′) for the printed rule.
    """

    inputs = ("z",)
    symbol = "f"
    derivative = "f′"

    def output_shape(self, z: Shape) -> Shape:
        return tuple(z)

    # words
    def formula(self) -> str:
        return f"{self.symbol}({self.input_labels[0]})"

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        return f"{self.symbol}({format_shape(shapes[0])}) → {format_shape(out)}, elementwise"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        return f"⊙ {self.derivative}({self.input_labels[0]})"

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        z = format_shape(shapes[0])
        return f"({format_shape(top)})⊙({z}) → {z}"

    def explain(self) -> str:
        return (f"{self.kind} is elementwise: dJ/dz = top_diff ⊙ {self.derivative}(z), an "
                f"elementwise product, not a matrix product, so the shape does not change.")


class Sigmoid(Elementwise):
    """a = σ(z) = 1 / (1 + e^(−z));  dJ/dz = top_diff ⊙ σ(z)(1 − σ(z)).  Shapes: z, a, dJ/dz equal."""

    kind = "sigmoid"
    symbol = "σ"
    derivative = "σ′"
    kept = ("out", "grads")

    def forward(self, z: np.ndarray) -> np.ndarray:
        # σ(z) = ½(1 + tanh(z/2)): the same function, with no overflow of e^(−z) for z ≪ 0.
        # Each step works in place in the one result array: no temporaries.
        a = np.multiply(z, 0.5, out=self.out)
        np.tanh(a, out=a)
        a *= 0.5
        a += 0.5
        self.a = a
        return a

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        a = self.a
        dz = np.subtract(1.0, a, out=self.grad_outs[0])  # 1 − a
        dz *= a                                          # σ′(z) = a(1 − a)
        dz *= top_diff                                   # dJ/dz = top_diff ⊙ σ′(z)
        return (dz,)


class Tanh(Elementwise):
    """a = tanh(z);  dJ/dz = top_diff ⊙ (1 − tanh²(z))."""

    kind = "tanh"
    symbol = "tanh"
    derivative = "tanh′"
    kept = ("out", "grads")

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.a = np.tanh(z, out=self.out)
        return self.a

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        a = self.a
        dz = np.multiply(a, a, out=self.grad_outs[0])  # a²
        np.subtract(1.0, dz, out=dz)                    # tanh′(z) = 1 − a²
        dz *= top_diff                                  # dJ/dz = top_diff ⊙ tanh′(z)
        return (dz,)


class ReLU(Elementwise):
    """a = max(z, 0);  dJ/dz = top_diff ⊙ [z > 0] (the derivative at 0 is taken as 0)."""

    kind = "relu"
    symbol = "ReLU"
    derivative = "ReLU′"
    kept = ("out", "grads")

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.z = z
        return np.maximum(z, 0.0, out=self.out)

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        return (np.multiply(top_diff, self.z > 0, out=self.grad_outs[0]),)  # top_diff ⊙ [z > 0]


class Identity(Elementwise):
    """a = z, a linear output;  dJ/dz = top_diff × 1."""

    kind = "identity"
    symbol = "id"
    derivative = "id′"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        return (top_diff,)

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        return "× 1"


class Softmax(Gate):
    """s = softmax(z) along `axis` (the class axis: -1 for one observation per row).

    Not elementwise: each output depends on every input of its row, so backward is a
    Jacobian-vector product per row:  dJ/dz = s ⊙ (top_diff − Σ_row(top_diff ⊙ s)).
    Shapes: z, s and dJ/dz equal (k×m in the rows convention, m×k with axis=0).
    """

    kind = "softmax"
    inputs = ("z",)

    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        self.axis = axis

    def output_shape(self, z: Shape) -> Shape:
        if len(z) == 0:
            raise self.shape_error("softmax needs at least one axis of classes.", (z,),
                                   "softmax normalises along an axis")
        return tuple(z)

    def forward(self, z: np.ndarray) -> np.ndarray:
        # Subtracting the row maximum changes nothing mathematically and keeps e^z finite.
        e = np.exp(z - z.max(axis=self.axis, keepdims=True))
        self.s = e / e.sum(axis=self.axis, keepdims=True)
        return self.s

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        s = self.s
        return (s * (top_diff - (top_diff * s).sum(axis=self.axis, keepdims=True)),)

    # words
    def _along(self) -> str:
        return "row" if self.axis in (-1, 1) else "column"

    def formula(self) -> str:
        return f"softmax({self.input_labels[0]}) per {self._along()}"

    def arithmetic(self, shapes: Sequence[Shape], out: Shape) -> str:
        return f"softmax({format_shape(shapes[0])}) → {format_shape(out)}, per {self._along()}"

    def local_diff(self, i: int, shapes: Sequence[Shape]) -> str:
        return f"Jacobian of softmax per {self._along()}: s ⊙ (· − Σ(· ⊙ s))"

    def grad_formula(self, i: int, top: str, shapes: Sequence[Shape]) -> str:
        return f"s ⊙ ({top} − Σ_{self._along()}({top} ⊙ s))"

    def grad_arithmetic(self, i: int, shapes: Sequence[Shape], top: Shape) -> str:
        z = format_shape(shapes[0])
        return f"({format_shape(top)}) → {z}, one Jacobian-vector product per {self._along()}"

    def explain(self) -> str:
        return ("softmax is not elementwise: every output of a row depends on every input of that "
                "row, so backward multiplies top_diff by each row's Jacobian diag(s) − s·sᵀ.")
