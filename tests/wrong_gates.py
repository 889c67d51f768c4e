"""A catalogue of hand-written gates, as data: wrong ones with the diagnosis the checker must give,
and right ones it must pass. Each gate is written as a student would write it, in plain numpy.

    python -m gates.check tests/wrong_gates.py:TailSigmoid        # exit 1, wrong_in_region
    python -m gates.check tests/wrong_gates.py:Cube               # exit 0

WRONG lists (gate, diagnosis, words the message must hold, other diagnoses allowed on other shape
sets); RIGHT the gates that must pass. Nothing here imports the checker: the expected diagnoses
are written by hand from what each mistake is.
"""

from __future__ import annotations

import numpy as np
from bad_gates import (
    ColumnsMulGate,
    FlatSumAddGate,
    NoTwoMSELoss,
    OneGradientAddGate,
    UnsummedAddGate,
    WrongAxisSoftmax,
    ZSigmoid,
)

from gates import Gate


class Elementwise(Gate):
    """A student's elementwise gate: a = f(z), dJ/dz = top_diff ⊙ f′(z)."""

    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)


class Pair(Gate):
    inputs = ("A", "B")


# --- wrong: the list ------------------------------------------------------------------------

class LargeColumnOnly(Elementwise):
    """Z = z ⊙ s with column scales s = (1000, 1, 1, ...): backward right in the large column only.
    An error relative to the largest entry (1000) would pass it."""

    kind = "scaleColumns"

    def forward(self, z):
        self.s = np.ones(z.shape[-1])
        self.s[0] = 1000.0
        return z * self.s

    def backward(self, top_diff):
        grad = top_diff * self.s
        grad[..., 1:] = 0.0
        return (grad,)


class SquareTransposeMulGate(Pair):
    """dJ/dB = (Aᵀ·top_diff)ᵀ when B is square: right shape, transposed values."""

    kind = "myMul"

    def forward(self, A, B):
        self.A, self.B = A, B
        return A @ B

    def backward(self, top_diff):
        dB = self.A.T @ top_diff
        if dB.shape[0] == dB.shape[1]:
            dB = dB.T
        return top_diff @ self.B.T, dB


class SquareTransposeTanh(Elementwise):
    """An elementwise gate whose gradient comes back transposed for square inputs."""

    kind = "myTanh"

    def forward(self, z):
        self.a = np.tanh(z)
        return self.a

    def backward(self, top_diff):
        grad = top_diff * (1 - self.a ** 2)
        return (grad.T if grad.ndim == 2 and grad.shape[0] == grad.shape[1] else grad,)


class TailSigmoid(Elementwise):
    """σ′ taken as 0 where |z| > 3 ("it is tiny there anyway")."""

    kind = "mySigmoid"

    def forward(self, z):
        self.z = z
        self.a = 1 / (1 + np.exp(-z))
        return self.a

    def backward(self, top_diff):
        return (top_diff * np.where(np.abs(self.z) > 3, 0.0, self.a * (1 - self.a)),)


class SevenReLU(Elementwise):
    """ReLU′(0) = 7: not between the one-sided derivatives 0 and 1."""

    kind = "myReLU"

    def forward(self, z):
        self.z = z
        return np.maximum(z, 0)

    def backward(self, top_diff):
        return (top_diff * np.where(self.z > 0, 1.0, np.where(self.z == 0, 7.0, 0.0)),)


class FirstMaskReLU(Elementwise):
    """The mask is computed on the first call and reused on every later one."""

    kind = "myReLU"

    def forward(self, z):
        if not hasattr(self, "mask"):
            self.mask = z > 0
        return np.maximum(z, 0)

    def backward(self, top_diff):
        return (top_diff * self.mask,)


class InPlaceTopReLU(Elementwise):
    """backward multiplies top_diff in place (top_diff *= mask) and returns it."""

    kind = "myReLU"

    def forward(self, z):
        self.mask = z > 0
        return np.maximum(z, 0)

    def backward(self, top_diff):
        top_diff *= self.mask
        return (top_diff,)


class InPlaceInputReLU(Elementwise):
    """forward zeroes the negative entries of its input in place and returns it."""

    kind = "myReLU"

    def forward(self, z):
        z[z < 0] = 0.0
        self.z = z
        return z

    def backward(self, top_diff):
        return (top_diff * (self.z > 0),)


class NoTopTanh(Elementwise):
    """backward returns tanh′ alone: top_diff forgotten."""

    kind = "myTanh"

    def forward(self, z):
        self.a = np.tanh(z)
        return self.a

    def backward(self, top_diff):
        return (1 - self.a ** 2,)


# --- wrong: one per remaining diagnosis, and variants -----------------------------------------------

class FlippedTanh(NoTopTanh):
    """dJ/dz = −top_diff ⊙ tanh′: the sign flipped."""

    def backward(self, top_diff):
        return (-top_diff * (1 - self.a ** 2),)


class FirstRowBiasAdd(Pair):
    """A + B with B a broadcast row; dJ/dB is top_diff's first row: right only for a batch of 1."""

    kind = "myAdd"

    def output_shape(self, a, b):
        if len(a) != 2 or len(b) != 2 or b[0] != 1 or a[1] != b[1]:
            from gates import ShapeError
            raise ShapeError("B must be a row of A's width", gate=self.kind)
        return tuple(a)

    def forward(self, A, B):
        return A + B

    def backward(self, top_diff):
        return top_diff, top_diff[:1]


class DividedSquare(Elementwise):
    """z² with its derivative written as 2z²/z: 0/0 = nan at z = 0."""

    kind = "mySquare"

    def forward(self, z):
        self.z = z
        return z * z

    def backward(self, top_diff):
        with np.errstate(invalid="ignore", divide="ignore"):
            return (top_diff * 2 * self.z ** 2 / self.z,)


class NanGradient(DividedSquare):
    """A gradient of NaNs: not_finite, never 'the right gradient times nan'."""

    def backward(self, top_diff):
        return (np.full(np.shape(top_diff), np.nan),)


class ZeroGradient(DividedSquare):
    """np.zeros_like as the gradient: wrong values, never 'the right gradient times 0'."""

    def backward(self, top_diff):
        return (np.zeros_like(top_diff),)


class MSE(Pair):
    """J = mean((ŷ − y)²), written by a student; the subclasses below get dJ/dŷ wrong."""

    kind = "myMSE"
    inputs = ("ŷ", "y")

    def output_shape(self, yhat, y):
        if tuple(yhat) != tuple(y):
            raise self.shape_error("ŷ and y must have the same shape.", (yhat, y), "ŷ and y equal")
        return ()

    def forward(self, yhat, y):
        self.diff = yhat - y
        return np.mean(self.diff ** 2)

    def backward(self, top_diff=1.0):
        d = top_diff * 2 * self.diff / self.diff.size
        return d, -d


class MeanTwiceMSE(MSE):
    """Divides by k once more: the right gradient times 1/k."""

    def backward(self, top_diff=1.0):
        d = top_diff * 2 * self.diff / self.diff.size / self.diff.shape[0]
        return d, -d


class NoTopMSE(MSE):
    """A loss that ignores top_diff: fine as the last gate, wrong inside a larger graph."""

    def backward(self, top_diff=1.0):
        d = 2 * self.diff / self.diff.size
        return d, -d


class BackwardWritesInput(Elementwise):
    """backward squares the kept input in place (self.z **= ...) to compute the derivative of z³/3."""

    kind = "myCube"

    def forward(self, z):
        self.z = z
        return z ** 3 / 3

    def backward(self, top_diff):
        self.z **= 2
        return (top_diff * self.z,)


class NoneGradient(Elementwise):
    """The lab skeleton's TODO left undone: backward returns (None,)."""

    kind = "myTanh"

    def forward(self, z):
        return np.tanh(z)

    def backward(self, top_diff):
        return (None,)


class WrongSlopeLeakyReLU(Elementwise):
    """Leaky ReLU with slope 0.01 in forward and 0.1 in backward: wrong where z < 0."""

    kind = "leakyReLU"

    def forward(self, z):
        self.z = z
        return np.where(z > 0, z, 0.01 * z)

    def backward(self, top_diff):
        return (top_diff * np.where(self.z > 0, 1.0, 0.1),)


class SmallAngleTanh(NoTopTanh):
    """tanh′(z) ≈ 1 − z², right only near 0."""

    def forward(self, z):
        self.z = z
        return np.tanh(z)

    def backward(self, top_diff):
        return (top_diff * (1 - self.z ** 2),)


class CachedOutputSigmoid(Elementwise):
    """forward computes σ once and returns the same output on every later call."""

    kind = "mySigmoid"

    def forward(self, z):
        if not hasattr(self, "a"):
            self.a = 1 / (1 + np.exp(-z))
        return self.a

    def backward(self, top_diff):
        return (top_diff * self.a * (1 - self.a),)


# --- right ----------------------------------------------------------------------------------------

class UserReLU(Elementwise):
    """ReLU′(0) taken as 0."""

    kind = "myReLU"

    def forward(self, z):
        self.z = z
        return np.maximum(z, 0)

    def backward(self, top_diff):
        return (top_diff * (self.z > 0),)


class UserReLUOneAtZero(UserReLU):
    """ReLU′(0) taken as 1: also between the one-sided derivatives 0 and 1."""

    def backward(self, top_diff):
        return (top_diff * (self.z >= 0),)


class UserAbs(UserReLU):
    """|z|, with sign(0) = 0 at the kink."""

    def forward(self, z):
        self.z = z
        return np.abs(z)

    def backward(self, top_diff):
        return (top_diff * np.sign(self.z),)


class UserSoftmax(Elementwise):
    """softmax per row, backward as one Jacobian-vector product per row."""

    kind = "mySoftmax"

    def forward(self, z):
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        self.s = e / e.sum(axis=-1, keepdims=True)
        return self.s

    def backward(self, top_diff):
        s = self.s
        return (s * (top_diff - (top_diff * s).sum(axis=-1, keepdims=True)),)


class Cube(Elementwise):
    kind = "cube"

    def forward(self, z):
        self.z = z
        return z ** 3

    def backward(self, top_diff):
        return (top_diff * 3 * self.z ** 2,)


class HugeCube(Cube):
    """Outputs of scale 1e8 (up to 5e10 at |z| = 8)."""

    def forward(self, z):
        self.z = z
        return 1e8 * z ** 3

    def backward(self, top_diff):
        return (top_diff * 3e8 * self.z ** 2,)


class TinyTanh(Elementwise):
    """Outputs of scale 1e-8."""

    kind = "tinyTanh"

    def forward(self, z):
        self.a = np.tanh(z)
        return 1e-8 * self.a

    def backward(self, top_diff):
        return (top_diff * 1e-8 * (1 - self.a ** 2),)


class UserMatMul(Pair):
    kind = "myMul"

    def forward(self, A, B):
        self.A, self.B = A, B
        return A @ B

    def backward(self, top_diff):
        return top_diff @ self.B.T, self.A.T @ top_diff


class UserBiasAdd(Pair):
    """A + B, B broadcast over rows or columns or not at all; its gradient summed back."""

    kind = "myAdd"

    def output_shape(self, a, b):
        return tuple(np.broadcast_shapes(tuple(a), tuple(b))) if len(a) == len(b) else None

    def forward(self, A, B):
        self.shapes = A.shape, B.shape
        return A + B

    def backward(self, top_diff):
        def back(shape):
            axes = tuple(i for i, (s, t) in enumerate(zip(shape, top_diff.shape)) if s == 1 < t)
            return top_diff.sum(axis=axes, keepdims=True) if axes else top_diff
        return tuple(back(s) for s in self.shapes)


class UserMSE(MSE):
    """The right one."""


# --- wrong: a size written into the code, or a region the first draws may miss ---------------------

class FourRowsBiasAdd(FirstRowBiasAdd):
    """dJ/dB sums the first 4 rows of top_diff only: right up to a batch of 4."""

    def backward(self, top_diff):
        return top_diff, top_diff[:4].sum(axis=0, keepdims=True)


class WideMulGate(UserMatMul):
    """dJ/dB taken 1.01 times too large, but only when B has more than 3 columns."""

    def backward(self, top_diff):
        dB = self.A.T @ top_diff
        return top_diff @ self.B.T, dB * 1.01 if self.B.shape[1] > 3 else dB


class MidSigmoid(TailSigmoid):
    """σ′ taken 1.05 times too large where 0.3 < z < 0.7, right elsewhere."""

    def backward(self, top_diff):
        middle = (self.z > 0.3) & (self.z < 0.7)
        return (top_diff * np.where(middle, 1.05, 1.0) * self.a * (1 - self.a),)


class ThreeWideBiasAdd(FirstRowBiasAdd):
    """dJ/dB reshaped to (1, 3): raises for any other width (an error of the gate: exit 2)."""

    def backward(self, top_diff):
        return top_diff, top_diff.sum(axis=0).reshape(1, 3)


# (gate, diagnosis, words the message must hold, diagnoses allowed on other shape sets)
WRONG = [
    (ZSigmoid, "wrong_values", ("dJ/dz",), ()),
    (ColumnsMulGate, "transposed", ("transposed",), ()),
    (UnsummedAddGate, "missing_sum", ("keepdims=True",), ()),
    (FlatSumAddGate, "wrong_shape", ("keepdims=True",), ("missing_sum",)),
    (OneGradientAddGate, "wrong_shape", ("backward returned nothing",), ("missing_sum",)),
    (WrongAxisSoftmax, "wrong_values", ("dJ/dz",), ()),
    (NoTwoMSELoss, "constant_factor", ("times 0.5", "multiply it by 2"), ()),
    (LargeColumnOnly, "wrong_values", ("dJ/dz",), ()),
    (SquareTransposeMulGate, "transposed", ("square",), ()),
    (SquareTransposeTanh, "transposed", ("square",), ()),
    (TailSigmoid, "wrong_in_region", ("|z| > 3",), ()),
    (SevenReLU, "wrong_at_kink", ("kink", "between"), ()),
    (FirstMaskReLU, "stale_state", ("earlier call",), ()),
    (InPlaceTopReLU, "mutates_top_diff", ("top_diff",), ()),
    (InPlaceInputReLU, "mutates_input", ("forward wrote into its input",), ()),
    (NoTopTanh, "ignores_top_diff", ("top_diff",), ()),
    (FlippedTanh, "sign", ("wrong sign",), ()),
    (FirstRowBiasAdd, "batch_dependent", ("batch of 1",), ()),
    (DividedSquare, "not_finite", ("nan",), ()),
    (NanGradient, "not_finite", ("nan",), ()),
    (ZeroGradient, "wrong_values", ("zeros",), ()),
    (MeanTwiceMSE, "constant_factor", ("batch size k",), ()),
    (NoTopMSE, "ignores_top_diff", ("top_diff",), ()),
    (BackwardWritesInput, "mutates_input", ("backward wrote into its input",), ()),
    (NoneGradient, "wrong_shape", ("backward returned nothing",), ()),
    (WrongSlopeLeakyReLU, "wrong_in_region", ("z < 0",), ()),
    (SmallAngleTanh, "wrong_in_region", ("|z| >",), ("wrong_values",)),
    (CachedOutputSigmoid, "stale_state", ("different output",), ()),
    (FourRowsBiasAdd, "batch_dependent", ("batch of 1", "batch of 5"), ()),
    (WideMulGate, "constant_factor", ("times 1.01",), ()),
    (MidSigmoid, "wrong_in_region", ("< z <",), ()),
]

# Gates whose own code raises on some default shape set: exit 2, with words the line must hold.
CRASHING = [(ThreeWideBiasAdd, ("backward raised ValueError", "reshape", "dJ/dB 1×7"))]

RIGHT = [UserReLU, UserReLUOneAtZero, UserAbs, UserSoftmax, Cube, HugeCube, TinyTanh, UserMatMul,
         UserBiasAdd, UserMSE]
