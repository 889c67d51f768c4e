"""Numerical gradient checks: the analytic backward against central differences, in float64.

For a gate with output Z, the check draws a random top_diff G of Z's shape and differentiates
the scalar J(inputs) = Σ G ⊙ Z by central differences,

    dJ/dx_i ≈ (J(x + ε·e_i) − J(x − ε·e_i)) / 2ε,

which is exactly what backward(G) must return. The error reported is relative to the
gradient's scale: max_i |analytic_i − numeric_i| / max(max|analytic|, max|numeric|), so it
does not blow up on entries that happen to be near zero. It is the oracle of the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .base import Gate
from .shapes import Shape, format_shape

EPS = 1e-6
TOLERANCE = 1e-6


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = EPS) -> np.ndarray:
    """dF/dx by central differences; `f` reads `x`, which is perturbed in place and restored."""
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):  # index by index: works for any memory layout of x
        kept = x[i]
        x[i] = kept + eps
        plus = f()
        x[i] = kept - eps
        minus = f()
        x[i] = kept
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> tuple[float, tuple]:
    """The largest disagreement as a fraction of the gradient's scale, and where it is."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    if analytic.size == 0:
        return 0.0, ()
    diff = np.abs(analytic - numeric)
    where = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    scale = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))), 1e-12)
    return float(np.max(diff)) / scale, tuple(int(i) for i in where)


@dataclass
class InputCheck:
    """The verdict on one input's gradient."""

    name: str
    shape: Shape
    grad_shape: Shape | None
    error: float = float("nan")
    worst_index: tuple = ()
    analytic_at_worst: float = float("nan")
    numeric_at_worst: float = float("nan")
    tolerance: float = TOLERANCE

    @property
    def shape_ok(self) -> bool:
        return self.grad_shape is not None and tuple(self.grad_shape) == tuple(self.shape)

    @property
    def ok(self) -> bool:
        return self.shape_ok and self.error <= self.tolerance

    @property
    def problem(self) -> str | None:
        """What is wrong, in words, or None."""
        if self.grad_shape is None:
            return f"dJ/d{self.name}: backward returned nothing for it"
        if not self.shape_ok:
            return (f"dJ/d{self.name} is {format_shape(self.grad_shape)} but should be "
                    f"{format_shape(self.shape)}, the shape of {self.name}")
        if not self.error <= self.tolerance:
            return (f"dJ/d{self.name} disagrees with central differences: relative error "
                    f"{self.error:.2e} > {self.tolerance:.0e}, worst at index "
                    f"{list(self.worst_index)} (analytic {self.analytic_at_worst:.6g}, "
                    f"numeric {self.numeric_at_worst:.6g})")
        return None


@dataclass
class GradCheck:
    """The verdict on a gate (or graph) for one set of input shapes."""

    subject: str
    shapes: list[Shape]
    inputs: list[InputCheck] = field(default_factory=list)
    error: str | None = None  # forward or backward raised

    @property
    def ok(self) -> bool:
        return self.error is None and all(c.ok for c in self.inputs)

    @property
    def max_error(self) -> float:
        errors = [c.error for c in self.inputs if c.shape_ok]
        return max(errors) if errors else float("nan")

    @property
    def problems(self) -> list[str]:
        found = [self.error] if self.error else []
        return found + [c.problem for c in self.inputs if c.problem]

    def __str__(self) -> str:
        shapes = ", ".join(format_shape(s) for s in self.shapes)
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        return f"{self.subject} ({shapes}): max relative error {self.max_error:.1e}, {verdict}"


def _compare(name: str, shape: Shape, analytic, f: Callable[[], float], x: np.ndarray,
             eps: float, tolerance: float) -> InputCheck:
    if analytic is None:
        return InputCheck(name, shape, None, tolerance=tolerance)
    analytic = np.asarray(analytic, dtype=np.float64)
    check = InputCheck(name, shape, analytic.shape, tolerance=tolerance)
    if not check.shape_ok:
        return check
    numeric = numerical_gradient(f, x, eps)
    check.error, check.worst_index = relative_error(analytic, numeric)
    check.analytic_at_worst = float(analytic[check.worst_index])
    check.numeric_at_worst = float(numeric[check.worst_index])
    return check


def check_gate(gate: Gate | type, shapes: Sequence[Shape] | None = None, *,
               inputs: Sequence[np.ndarray] | None = None, seed: int = 0, eps: float = EPS,
               tolerance: float = TOLERANCE) -> GradCheck:
    """Check a gate's backward against central differences on random float64 inputs.

    `gate` is an instance or a class (built with no arguments). Give either `shapes` (random
    inputs of those shapes are drawn) or `inputs` themselves.
    """
    gate = gate() if isinstance(gate, type) else gate
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [rng.standard_normal(tuple(s)) for s in shapes]
    xs = [np.array(x, dtype=np.float64) for x in inputs]
    result = GradCheck(gate.kind, [x.shape for x in xs])
    try:
        out = np.asarray(gate.forward(*[x.copy() for x in xs]), dtype=np.float64)
        top_diff = rng.standard_normal(out.shape)
        grads = gate.backward(top_diff if out.ndim else float(top_diff))
    except Exception as error:  # a student's gate may fail in any way; report it, do not crash
        result.error = f"{type(error).__name__}: {error}"
        return result
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    if len(grads) != len(xs):
        result.error = f"backward returned {len(grads)} gradient(s) for {len(xs)} input(s)"
        return result

    def J() -> float:
        return float(np.sum(np.asarray(gate.forward(*[x.copy() for x in xs])) * top_diff))

    for name, x, grad in zip(gate.input_labels, xs, grads):
        result.inputs.append(_compare(name, x.shape, grad, J, x, eps, tolerance))
    return result


def check_graph(graph, inputs: dict, *, eps: float = EPS, tolerance: float = TOLERANCE,
                names: Sequence[str] | None = None) -> GradCheck:
    """Check graph.backward() against central differences of graph.forward() for every
    parameter (or the nodes in `names`: parameters, or inputs declared with grad=True)."""
    graph.forward(**inputs)
    analytic = {name: np.array(grad, copy=True) for name, grad in graph.backward().items()}
    names = list(names) if names is not None else list(graph.params)
    result = GradCheck("graph", [np.shape(graph.values[n]) for n in names])
    arrays = {**{k: np.array(v, dtype=np.float64) for k, v in inputs.items()}}

    for name in names:
        x = graph.params[name] if name in graph.params else arrays[name]

        def J() -> float:
            return float(graph.forward(**arrays))

        label = graph.nodes[name].label
        result.inputs.append(_compare(label, x.shape, analytic.get(name), J, x, eps, tolerance))
    graph.forward(**arrays)  # leave the graph's values as they were
    return result
