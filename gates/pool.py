"""Pooling and flatten: the gates between convolutions, and from images to a dense layer.

maxpool keeps the largest value of each window, so its backward sends top_diff to that one
position and 0 to the others (a switch, as ReLU's mask is). avgpool averages each window, so its
backward spreads top_diff/n evenly over the window's n values. flatten only reshapes, so its
backward reshapes back. Each pool loops over the size² positions of a window, every step over
the whole batch at once (gates.im2col.windows: a view, nothing copied).

Shapes: X k×C×H×W → k×C×H′×W′ with H′ = (H − size)/stride + 1 (pools), k×(C·H·W) (flatten).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

import numpy as np

from .base import Gate
from .im2col import add_windows, window_slice, windows
from .shapes import Shape, format_shape
from .tensor_shapes import flatten_shape, pool_shape, product_words, whole_number
from .words import Words


class Pool(Gate):
    """Base of the pools: size×size windows, `stride` apart (by default `size`: no overlap)."""

    inputs = ("X",)

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.size = whole_number(size, f"{name}(size=...)", 1)
        self.stride = self.size if stride is None else whole_number(stride, f"{name}(stride=...)", 1)

    def output_shape(self, x: Shape) -> Shape:
        return pool_shape(self, x, self.size, self.stride)

    def word_fields(self, shapes: Sequence[Shape]) -> dict:
        return {"size": self.size, "n": self.size ** 2}

    def note(self, shapes: Sequence[Shape]) -> str:
        return f"{self.size}×{self.size} windows, stride {self.stride}"

    def _windows(self, X: np.ndarray) -> np.ndarray:
        """k×C×H′×W′×size×size, a view of X."""
        return windows(X, self.size, self.size, self.stride)

    def _positions(self):
        """(a, b) for each position in a window, row by row."""
        return np.ndindex(self.size, self.size)


class MaxPoolGate(Pool):
    """Z = the largest value of each window of X.

    Shapes: X k×C×H×W → Z k×C×H′×W′, H′ = (H − size)/stride + 1.
    Backward: dJ/dX is 0 except at each window's max, which gets that window's top_diff
    (summed where overlapping windows share a max). A tie goes to the first max, row by row.
    """

    kind = "maxpool"
    words = Words(
        formula="maxpool({X})",
        arithmetic="maxpool({X}) → {out}",
        local_diff=("routed to each window's max",),
        grad_formula=("{top} routed to the max of each {size}×{size} window",),
        grad_arithmetic=("({top}) → {X}, each window's max gets it, the others 0",),
        rule="maxpool passes on the largest value of each window, so backward routes top_diff to "
             "that one position and gives 0 to the others: a switch, like ReLU's mask.")

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X k×C×H×W → k×C×H′×W′."""
        (X,) = self.accept(X)
        self.x_shape, self.win = X.shape, self._windows(X)  # k×C×H′×W′×size×size, a view of X
        self.Z = reduce(np.maximum, (self.win[..., a, b] for a, b in self._positions()))
        return self.Z

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        """top_diff k×C×H′×W′ → dJ/dX k×C×H×W: each window's top_diff to where its max was."""
        dX = np.zeros(self.x_shape)
        unrouted = np.ones(self.Z.shape, dtype=bool)  # windows whose max is not found yet
        for a, b in self._positions():
            at_max = (self.win[..., a, b] == self.Z) & unrouted  # on a tie, the first max only
            dX[window_slice(a, b, self.stride, self.Z.shape[2:])] += top_diff * at_max
            unrouted &= ~at_max
        return (dX,)


class AvgPoolGate(Pool):
    """Z = the mean of each window of X.

    Shapes: X k×C×H×W → Z k×C×H′×W′, H′ = (H − size)/stride + 1.
    Backward: each of a window's n = size² values gets top_diff/n (summed where windows overlap).
    """

    kind = "avgpool"
    words = Words(
        formula="avgpool({X})",
        arithmetic="avgpool({X}) → {out}",
        local_diff=("× 1/{n} to each value of its window",),
        grad_formula=("{top}/{n} spread over each {size}×{size} window",),
        grad_arithmetic=("({top}) → {X}, 1/{n} of it to each value of a window",),
        rule="avgpool averages each window of n values, so backward gives each value of the window "
             "1/n of the window's top_diff.")

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X k×C×H×W → k×C×H′×W′."""
        (X,) = self.accept(X)
        self.x_shape, win = X.shape, self._windows(X)  # k×C×H′×W′×size×size, a view of X
        return sum(win[..., a, b] for a, b in self._positions()) / self.size ** 2

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        """top_diff k×C×H′×W′ → dJ/dX k×C×H×W."""
        share = top_diff[..., None, None] / self.size ** 2
        spread = np.broadcast_to(share, (*top_diff.shape, self.size, self.size))
        return (add_windows(spread, self.x_shape, self.stride),)


class FlattenGate(Gate):
    """Z = X with each observation's values in one row: the boundary from images to a dense layer.

    Shapes: X k×C×H×W → Z k×(C·H·W). Backward: top_diff k×(C·H·W) reshaped back to k×C×H×W.
    """

    kind = "flatten"
    inputs = ("X",)
    words = Words(
        formula="flatten({X})",
        arithmetic="flatten({X}) → {out}",
        local_diff=("reshaped back",),
        grad_formula=("{top} reshaped to {shape}",),
        grad_arithmetic=("({top}) → {X}, reshaped",),
        rule="flatten only reshapes: every number keeps its value, so backward reshapes top_diff "
             "back to the input's shape.")

    def output_shape(self, x: Shape) -> Shape:
        return flatten_shape(self, x)

    def word_fields(self, shapes: Sequence[Shape]) -> dict:
        return {"shape": format_shape(shapes[0])} if shapes else {"shape": "k×C×H×W"}

    def note(self, shapes: Sequence[Shape]) -> str:
        return f"{product_words(tuple(shapes[0])[1:])} values per observation"

    def forward(self, X: np.ndarray) -> np.ndarray:
        """X k×C×H×W → k×(C·H·W)."""
        (X,) = self.accept(X)
        self.x_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, top_diff: np.ndarray) -> tuple[np.ndarray]:
        """top_diff k×(C·H·W) → dJ/dX k×C×H×W."""
        return (top_diff.reshape(self.x_shape),)


__all__ = ["AvgPoolGate", "FlattenGate", "MaxPoolGate", "Pool"]
