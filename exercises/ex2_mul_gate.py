"""Exercise 2: mulGate, the switcher (and its transposes).

In the [2, 3, 1] network, XW¹ = X·W¹ and a²W² = a²·W² are matrix products. For Z = A·B, each
element Z[i, j] = Σ_t A[i, t]·B[t, j], so Z changes with A[i, t] at the rate B[t, j] and with
B[t, j] at the rate A[i, t]: each input's gradient is top_diff times the *other* input. The
mulGate switches. Which side to multiply on, and which matrix to transpose, is decided by one
rule: the result must have the shape of the input it is the gradient of.

Shapes (n rows of A, m inner size, p columns of B; for XW¹: n = k = 4, m = 2, p = 3):

    A          n×m   (X, or a²)
    B          m×p   (W¹, or W²)
    Z = A·B    n×p
    top_diff   n×p   dJ/dZ, what backward receives
    dJ/dA      n×m   top_diff times B, transposed so that (n×p)·(p×m) → n×m
    dJ/dB      m×p   A, transposed, times top_diff, so that (m×n)·(n×p) → m×p

A square B (3×3) hides a missing transpose from the shapes, not from the grader.

Fill in `backward` under `# your code here`, then grade it from this folder:

    python -m gates.grade . --only 2
"""

from __future__ import annotations

import numpy as np

from gates import Gate


class MulGate(Gate):
    """Z = A·B, the matrix product. A n×m, B m×p → Z n×p."""

    kind = "myMulGate"
    inputs = ("A", "B")

    def output_shape(self, a, b):
        """The shape rule: (n×m)·(m×p) → n×p; different inner sizes are refused."""
        if len(a) != 2 or len(b) != 2 or a[1] != b[0]:
            raise self.shape_error("the inner sizes must be equal.", (a, b), "(n×m)·(m×p) → n×p")
        return (a[0], b[1])

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """A n×m, B m×p → Z = A·B, n×p. Both are kept: each one's gradient needs the other."""
        self.A, self.B = A, B
        return A @ B

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff = dJ/dZ, n×p. Returns (dJ/dA, dJ/dB) of shapes n×m and m×p."""
        dA, dB = None, None
        # your code here
        return dA, dB
