"""Deliberately wrong gates: the mistakes students make in hand-written backward passes.

Each is a user's gate (a subclass defined outside the gates package, so a graph checks the
gradients it returns). The checker must catch every one and name the reason; the tests and the
shape-bug catalogue use them, and so can a lab:

    python -m gates.check tests/bad_gates.py:ZSigmoid
"""

from __future__ import annotations

from gates import AddGate, MSELoss, MulGate, Sigmoid, Softmax


class ZSigmoid(Sigmoid):
    """σ′ written as z(1 − z): the derivative's formula applied to z instead of to a = σ(z)."""

    def forward(self, z):
        self.z = z
        return super().forward(z)

    def backward(self, top_diff):
        return (top_diff * self.z * (1.0 - self.z),)


class NoTransposeMulGate(MulGate):
    """dJ/dA = top_diff · B, the ᵀ on B forgotten. Crashes unless B is square; then, wrong values."""

    def backward(self, top_diff):
        return top_diff @ self.B, self.A.T @ top_diff


class ColumnsMulGate(MulGate):
    """dJ/dB = top_diff ᵀ · A: the columns convention's δ·aᵀ used in a rows gate, giving the
    transpose of the gradient (p×m for an m×p weight)."""

    def backward(self, top_diff):
        return top_diff @ self.B.T, top_diff.T @ self.A


class UnsummedAddGate(AddGate):
    """The broadcast bias gets top_diff back as it is, not summed over the rows (4×3 for 1×3)."""

    def backward(self, top_diff):
        return top_diff, top_diff


class FlatSumAddGate(AddGate):
    """The bias gradient summed over the rows but without keepdims: (3,) for a 1×3 bias."""

    def backward(self, top_diff):
        def flat_sum(shape):
            return top_diff.sum(axis=0) if shape[0] == 1 < top_diff.shape[0] else top_diff
        return tuple(flat_sum(shape) for shape in self.shapes)


class OneGradientAddGate(AddGate):
    """Returns dJ/dA only: the bias's gradient forgotten altogether."""

    def backward(self, top_diff):
        return (top_diff,)


class WrongAxisSoftmax(Softmax):
    """Forward per row (the classes of one observation), backward summing down the columns."""

    def backward(self, top_diff):
        s = self.s
        return (s * (top_diff - (top_diff * s).sum(axis=0, keepdims=True)),)


class NoTwoMSELoss(MSELoss):
    """dJ/dŷ = (ŷ − y)/n: the 2 of the square forgotten, so every gradient is half the right one."""

    def backward(self, top_diff=1.0):
        dyhat = (top_diff / self.diff.size) * self.diff
        return dyhat, -dyhat


class NeedsArgument(MulGate):
    """A gate the checker cannot build by itself: its constructor needs an argument."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale


BAD_GATES = [ZSigmoid, NoTransposeMulGate, ColumnsMulGate, UnsummedAddGate, FlatSumAddGate,
             OneGradientAddGate, WrongAxisSoftmax, NoTwoMSELoss]
