"""Exercise 4: softmax and cross-entropy backward (a Jacobian-vector product, then (ŝ − y)/k).

A classifier's last layer turns each row of scores z (logits, one per class) into probabilities
s = softmax(z), s[i, c] = e^z[i, c] / Σ_c' e^z[i, c'], and the loss is the cross-entropy
J = −(1/k) Σ_i Σ_c y[i, c]·log s[i, c] with y one-hot (a single 1 per row, at the right class).

Part A, the Softmax gate. Softmax is NOT elementwise: every s[i, c] depends on every z[i, c'] of
its row, so its local derivative is a matrix per row, the Jacobian diag(s) − s·sᵀ. backward
multiplies top_diff by it, row by row, without ever building it:

    dJ/dz = s ⊙ (top_diff − Σ_row(top_diff ⊙ s))     (the row sum kept as a k×1 column)

(s ⊙ (1 − s), which some notes give, is only the diagonal of the Jacobian: it is wrong.)

Part B, softmax and cross-entropy together. Through the softmax, the chain rule collapses to

    dJ/dz = (s − y) / k                               k = the number of rows (observations)

The 1/k is the mean's: J averages over the k observations, and so does its gradient.

Shapes (k observations, m classes; m = 10 for digits):

    z, s       k×m   logits and probabilities
    y          k×m   one-hot targets
    top_diff   k×m   dJ/ds, what Softmax.backward receives
    dJ/dz      k×m
    J          scalar (a float)

Fill in the gaps under `# your code here`, then grade them from this folder:

    python -m gates.grade . --only 4
"""

from __future__ import annotations

import numpy as np

from gates import Gate


class Softmax(Gate):
    """s = softmax(z) over each row. z k×m → s k×m."""

    kind = "mySoftmax"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """z k×m → s k×m, each row positive and summing to 1. s is kept for backward."""
        e = np.exp(z - z.max(axis=1, keepdims=True))   # minus the row's max: e^z stays finite
        self.s = e / e.sum(axis=1, keepdims=True)
        return self.s

    def backward(self, top_diff: np.ndarray) -> tuple:
        """top_diff = dJ/ds, k×m. Returns (dJ/dz,), k×m: one Jacobian-vector product per row."""
        dz = None
        # your code here
        # BEGIN SOLUTION
        s = self.s
        dz = s * (top_diff - (top_diff * s).sum(axis=1, keepdims=True))
        # END SOLUTION
        return (dz,)


def log_softmax(z: np.ndarray) -> np.ndarray:
    """log softmax(z) over each row, computed without overflow. z k×m → k×m."""
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The loss J = −(1/k) Σ y·log softmax(z) and its gradient dJ/dz (use log_softmax above).

    z k×m logits, y k×m one-hot targets → (J, a float; dJ/dz, k×m).
    """
    J, dz = None, None
    # your code here
    # BEGIN SOLUTION
    k = z.shape[0]
    log_s = log_softmax(z)                 # k×m
    J = -np.sum(y * log_s) / k             # the mean over the k rows
    dz = (np.exp(log_s) - y) / k           # (s − y)/k, k×m
    # END SOLUTION
    return J, dz
