"""Exercise 1: addGate with a broadcast bias (the sum over the rows).

In the [2, 3, 1] network, z² = XW¹ + b¹. XW¹ has one row per observation (k×3), b¹ one number
per hidden neuron (1×3), and numpy adds b¹ to every row: b¹ is *broadcast* over the k rows.

An addGate is a distributor: its local derivative is 1, so top_diff passes to both inputs
unchanged. But a gradient always has the shape of what it differentiates, and b¹ is 1×3, not
k×3. Each row of top_diff says how J changes through one observation's copy of b¹; moving b¹
moves every copy at once, so dJ/db¹ is the sum of those rows.

Shapes (k observations, m neurons; k = 4 and m = 3 in the [2, 3, 1] network):

    A          k×m   (XW¹)
    B          1×m   (b¹, one row, broadcast over the k rows of A)
    Z = A + B  k×m   (z²)
    top_diff   k×m   dJ/dZ, what backward receives
    dJ/dA      k×m   the shape of A
    dJ/dB      1×m   the shape of B, not k×m

Fill in `backward` under `# your code here`, then grade it from this folder:

    python -m gates.grade . --only 1
"""

from __future__ import annotations

import numpy as np

from gates import Gate


class AddGate(Gate):
    """Z = A + B, B a bias row broadcast over the rows of A. A k×m, B 1×m → Z k×m."""

    kind = "myAddGate"
    inputs = ("A", "B")

    def output_shape(self, a, b):
        """The shape rule: A k×m and B 1×m give Z k×m; anything else is refused."""
        if len(a) != 2 or tuple(b) != (1, a[1]):
            raise self.shape_error("B must be one row of A's width.", (a, b), "(k×m) + (1×m) → k×m")
        return tuple(a)

    def forward(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """A k×m, B 1×m → Z = A + B, k×m (numpy broadcasts B over the rows)."""
        return A + B

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff = dJ/dZ, k×m. Returns (dJ/dA, dJ/dB) of shapes k×m and 1×m."""
        dA, dB = None, None
        # your code here
        # BEGIN SOLUTION
        dA = top_diff                              # × 1: passed on unchanged, k×m
        dB = top_diff.sum(axis=0, keepdims=True)   # × 1, then Σ over the k rows: 1×m
        # END SOLUTION
        return dA, dB
