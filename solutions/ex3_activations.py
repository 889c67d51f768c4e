"""Exercise 3: sigmoid and ReLU, elementwise (the ⊙ product, and the kink).

An activation acts on each element alone: a = f(z) has z's shape, and a[i, j] depends on
z[i, j] only. So backward is an elementwise product, never a matrix product:

    dJ/dz = top_diff ⊙ f′(z)          numpy's *, not @

- sigmoid: σ(z) = 1 / (1 + e^(−z)) and σ′(z) = σ(z)·(1 − σ(z)) = a·(1 − a). The derivative is
  taken AT z and written WITH a: a·(1 − a), never z·(1 − z) (a slip found in printed slides).
  Keep what backward needs in forward.
- ReLU: a = max(z, 0); its derivative is 1 where z > 0 and 0 where z < 0. At z = 0 exactly
  (the kink) there is no derivative: any value between 0 and 1 is a valid choice; use 0.

Shapes (k observations, m neurons; the hidden layer of [2, 3, 1] is k×3):

    z          k×m
    a = f(z)   k×m
    top_diff   k×m   dJ/da, what backward receives
    dJ/dz      k×m   top_diff ⊙ f′(z)

Fill in `forward` and `backward` of both gates under `# your code here`, then grade them from
this folder:

    python -m gates.grade . --only 3
"""

from __future__ import annotations

import numpy as np

from gates import Gate


class Sigmoid(Gate):
    """a = σ(z), elementwise. z k×m → a k×m."""

    kind = "mySigmoid"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """z k×m → a = 1 / (1 + e^(−z)), k×m. Keep what backward needs on self."""
        a = None
        # your code here
        # BEGIN SOLUTION
        self.a = a = 1 / (1 + np.exp(-z))
        # END SOLUTION
        return a

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff = dJ/da, k×m. Returns (dJ/dz,), k×m: top_diff ⊙ σ′(z)."""
        dz = None
        # your code here
        # BEGIN SOLUTION
        dz = top_diff * self.a * (1 - self.a)   # σ′(z) = a(1 − a), elementwise
        # END SOLUTION
        return (dz,)


class ReLU(Gate):
    """a = max(z, 0), elementwise. z k×m → a k×m."""

    kind = "myReLU"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """z k×m → a = max(z, 0), k×m. Keep what backward needs on self."""
        a = None
        # your code here
        # BEGIN SOLUTION
        self.z = z
        a = np.maximum(z, 0.0)
        # END SOLUTION
        return a

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff = dJ/da, k×m. Returns (dJ/dz,), k×m: top_diff where z > 0, else 0."""
        dz = None
        # your code here
        # BEGIN SOLUTION
        dz = top_diff * (self.z > 0)   # the derivative at the kink z = 0 taken as 0
        # END SOLUTION
        return (dz,)
