"""Lab 2, the skeleton: complete the backward of two gates, then let the checker judge them.

Each gradient is top_diff × local_diff and has exactly its input's shape. Fill in the two TODOs,
then run (from the repository's root):

    python -m gates.check scripts/lab_gate_skeleton.py:TanhGate
    python -m gates.check scripts/lab_gate_skeleton.py:MatMulGate
    python scripts/lab_build_a_gate.py        # both checks, then your gates inside a network

As handed out, the checker fails both gates: that is the point. A worked solution is in
scripts/lab_gate_solution.py; try before you look.
"""

from __future__ import annotations

import numpy as np

from gates import Gate
from gates.shapes import matmul_shape


class TanhGate(Gate):
    """a = tanh(z), elementwise.  Shapes: z k×m → a k×m; backward: dJ/da k×m → dJ/dz k×m."""

    kind = "myTanh"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z: np.ndarray) -> np.ndarray:
        self.a = np.tanh(z)  # kept: backward needs it
        return self.a

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff is dJ/da (the shape of a). Return (dJ/dz,), of the shape of z."""
        dz = None
        # TODO: dJ/dz = top_diff ⊙ tanh′(z), where tanh′(z) = 1 − tanh²(z) = 1 − a².
        #       ⊙ is elementwise: numpy's *, not @.
        return (dz,)


class MatMulGate(Gate):
    """Z = A·B.  Shapes: A n×m, B m×p → Z n×p; backward: dJ/dZ n×p → dJ/dA n×m, dJ/dB m×p."""

    kind = "myMulGate"
    inputs = ("A", "B")

    def output_shape(self, a, b):
        out = matmul_shape(a, b)
        if out is None:
            raise self.shape_error("the inner sizes differ.", (a, b), "(n×m)·(m×p) → n×p")
        return out

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        self.A, self.B = A, B  # kept: each one's gradient needs the other
        return A @ B

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff is dJ/dZ, n×p. Return (dJ/dA, dJ/dB), of shapes n×m and m×p."""
        dA = dB = None
        # TODO: a mulGate switches: each input's gradient is top_diff times the OTHER input.
        #       Transpose what makes the shapes fit: (n×p)·(?) → n×m and (?)·(n×p) → m×p.
        return dA, dB
