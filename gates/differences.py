"""Central differences in float64, one-sided ones where J has a kink, and the verdict per element.

A gradient check turns a gate (or a graph) into one scalar J(x): for a gate with output Z and a
random top_diff G it is J = Σ G ⊙ Z, whose gradient is exactly what backward(G) must return.
Each element x_i is moved by ±h:

    central  (J(x + h·e_i) − J(x − h·e_i)) / 2h     the reference (error O(h²))
    right    (J(x + h·e_i) − J(x)) / h              the one-sided derivatives: equal up to O(h)
    left     (J(x) − J(x − h·e_i)) / h              where J is smooth, apart at a kink

An analytic value a passes when |a − n| ≤ atol + rtol·|n|, element by element (numpy's allclose),
never relative to the largest element: a gradient right in one column of large values and wrong
elsewhere fails. atol is the rounding noise of the differences, about ε·S/h where S is the size
of what J adds up (Σ|G ⊙ Z| for a gate), with a margin. At a kink (ReLU at 0) a difference
quotient is meaningless: there a must lie between the one-sided derivatives (a subgradient).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

EPS = 1e-6          # the step h
RTOL = 1e-6         # the relative tolerance per element
ROUNDING = float(np.finfo(np.float64).eps)
NOISE_MARGIN = 100  # atol = NOISE_MARGIN · ε · S / h: J's rounding noise, with room to spare
WIDE = 8            # a kink is confirmed when the one-sided gap stays put at a step 8× wider


def tolerance_floor(scale: float, numeric: np.ndarray, h: float = EPS) -> float:
    """The scale-aware atol: what rounding alone can put into a difference quotient of J, whose
    terms add up to `scale` in size, plus a hair of the largest numeric value."""
    largest = float(np.max(np.abs(numeric))) if numeric.size else 0.0
    return NOISE_MARGIN * ROUNDING * abs(scale) / h + 1e3 * ROUNDING * largest


@dataclass
class Differences:
    """The numeric derivatives of J with respect to every element of one array (its shape)."""

    central: np.ndarray
    right: np.ndarray
    left: np.ndarray
    kink: np.ndarray  # bool: the one-sided derivatives differ, at two step sizes alike
    base: float = 0.0  # J(x)

    @property
    def low(self) -> np.ndarray:
        return np.minimum(self.left, self.right)

    @property
    def high(self) -> np.ndarray:
        return np.maximum(self.left, self.right)


def _quotients(J: Callable[[], float], x: np.ndarray, i: tuple, h: float):
    """(J(x + h·e_i), J(x − h·e_i), the steps actually taken): x ± h is rounded, so the step
    divided by is the difference of the stored numbers, not h itself."""
    kept = x[i]
    up, down = kept + h, kept - h
    x[i] = up
    plus = J()
    x[i] = down
    minus = J()
    x[i] = kept
    return plus, minus, float(up - kept), float(kept - down)


def differences(J: Callable[[], float], x: np.ndarray, h: float = EPS) -> Differences:
    """dJ/dx by central differences and one-sided ones; `J` reads `x`, which is moved element
    by element in place and restored (so a graph's own parameter arrays can be given)."""
    base = J()
    central, right, left = (np.zeros(x.shape) for _ in range(3))
    for i in np.ndindex(x.shape):  # index by index: works for any memory layout of x
        plus, minus, up, down = _quotients(J, x, i, h)
        central[i] = (plus - minus) / (up + down)
        right[i] = (plus - base) / up
        left[i] = (base - minus) / down
    return Differences(central, right, left, np.zeros(x.shape, dtype=bool), base)


def find_kinks(J: Callable[[], float], x: np.ndarray, d: Differences, atol: float,
               rtol: float = RTOL, h: float = EPS) -> None:
    """Mark in d.kink the elements where J has a kink.

    Candidates are elements whose one-sided derivatives differ by more than the tolerance; a
    smooth J separates them by about h·J″, which grows with the step, while a kink keeps its
    jump at any step. So the gap is measured again at a step WIDE times larger.
    """
    gap = np.abs(d.right - d.left)
    candidates = gap > atol + rtol * np.abs(d.central)
    for i in np.ndindex(x.shape):  # (np.nonzero refuses a 0-d array)
        if not candidates[i]:
            continue
        plus, minus, up, down = _quotients(J, x, i, WIDE * h)
        wide_gap = abs((plus - d.base) / up - (d.base - minus) / down)
        d.kink[i] = wide_gap < 2 * gap[i]


@dataclass
class Verdict:
    """The analytic gradient judged element by element against Differences (all of x's shape)."""

    bad: np.ndarray        # bool: the element fails
    abs_error: np.ndarray  # |a − n|, or at a kink the distance from [low, high]
    rel_error: np.ndarray  # abs_error / max(|a|, |n|, atol/rtol): relative where it means something
    ratio: np.ndarray      # abs_error / what it was allowed: the worst element has the largest
    atol: float

    @property
    def worst(self) -> tuple:
        if not self.ratio.size:
            return ()
        return tuple(int(i) for i in np.unravel_index(int(np.argmax(self.ratio)), self.ratio.shape))


def allowed(target: np.ndarray, atol: float, rtol: float) -> np.ndarray:
    return atol + rtol * np.abs(target)


def judge(analytic: np.ndarray, d: Differences, atol: float, rtol: float = RTOL) -> Verdict:
    """Each element of `analytic` against the numeric derivative: within atol + rtol·|n|, or at a
    kink between the one-sided derivatives (with the same allowance, beyond 0.1% for their O(h)
    error)."""
    a, n = analytic, d.central
    allowance = allowed(n, atol, rtol)
    one_sided = 1e-3 * (np.abs(d.left) + np.abs(d.right))  # their O(h) error, generously
    with np.errstate(invalid="ignore", over="ignore"):
        outside = np.maximum(np.maximum(d.low - a, a - d.high) - one_sided, 0.0)
        error = np.where(d.kink, outside, np.abs(a - n))
        room = allowance
        bad = ~np.isfinite(a) | (error > room)
        floor = atol / rtol if rtol > 0 else atol
        rel = error / np.maximum(np.maximum(np.abs(a), np.abs(n)), max(floor, 1e-300))
        ratio = np.where(np.isfinite(a), error / np.maximum(room, 1e-300), np.inf)
    return Verdict(bad, error, rel, ratio, atol)


def agrees(analytic: np.ndarray, target: np.ndarray, atol: float, rtol: float = RTOL) -> bool:
    """Every element of `analytic` within atol + rtol·|target| of `target`."""
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.abs(analytic - target) <= allowed(target, atol, rtol)))


__all__ = ["EPS", "RTOL", "Differences", "Verdict", "agrees", "differences", "find_kinks", "judge",
           "tolerance_floor"]
