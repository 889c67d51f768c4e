"""Exercise 6: δ² by hand, its shape first.

The [2, 3, 1] network of the lecture notes, rows convention (one observation per row), a
batch of k = 4: X 4×2, W1 2×3, b1 1×3, z2 = X·W1 + b1, a2 = σ(z2), W2 3×1, b2 1×1,
z3 = a2·W2 + b2 (a linear output, ŷ = z3), y 4×1 and the mean squared error
J = mean((z3 − y)²) over the k·1 elements.

Part A: the shapes. Write each as a tuple, e.g. X's shape is (4, 2). Rules to use: a gradient
has the shape of what it differentiates; δˡ = dJ/dzˡ has one row per observation and one column
per neuron of layer l; a mulGate's gradients need a transpose to fit.

Part B: δ² = dJ/dz² as numbers, in numpy, following the chain from J back to z²:

    δ³ = dJ/dz³ = 2·(z3 − y)/(k·1)         the mse's derivative: the 2 of the square, 1/n of the mean
    dJ/da2      = δ³ · W2ᵀ                  mulGate: switch, and transpose to fit
    δ²          = dJ/da2 ⊙ σ′(z2)           elementwise, with σ′(z2) = a2·(1 − a2), at z2 via a2

    python -m gates.grade . --only 6
"""

from __future__ import annotations

import numpy as np

# Part A: replace each None by a shape, a tuple such as (4, 2).
delta3_shape = None        # δ³ = dJ/dz³, with k = 4
dW2_shape = None           # dJ/dW² = a²ᵀ · δ³
da2_shape = None           # dJ/da² = δ³ · W²ᵀ
delta2_shape = None        # δ² = dJ/dz²
dW1_shape = None           # dJ/dW¹ = Xᵀ · δ²
db1_shape = None           # dJ/db¹
delta2_shape_k100 = None   # δ² again, for a batch of k = 100
dW1_shape_k100 = None      # dJ/dW¹ again, for a batch of k = 100
# your code here
# BEGIN SOLUTION
delta3_shape = (4, 1)
dW2_shape = (3, 1)
da2_shape = (4, 3)
delta2_shape = (4, 3)
dW1_shape = (2, 3)
db1_shape = (1, 3)
delta2_shape_k100 = (100, 3)
dW1_shape_k100 = (2, 3)
# END SOLUTION


def delta2(X: np.ndarray, W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray,
           y: np.ndarray) -> np.ndarray:
    """δ² = dJ/dz², forward then backward by hand.

    X k×2, W1 2×3, b1 1×3, W2 3×1, b2 1×1, y k×1 → δ² k×3 (any batch size k).
    """
    d2 = None
    # your code here
    # BEGIN SOLUTION
    z2 = X @ W1 + b1                       # k×3
    a2 = 1 / (1 + np.exp(-z2))             # k×3
    z3 = a2 @ W2 + b2                      # k×1
    delta3 = 2 * (z3 - y) / z3.size        # k×1: mean over k·1 elements
    da2 = delta3 @ W2.T                    # (k×1)·(1×3) → k×3
    d2 = da2 * a2 * (1 - a2)               # ⊙ σ′(z2), k×3
    # END SOLUTION
    return d2
