"""check_graph: a whole network's backward against central differences of its forward.

Every parameter (or each node named) is moved element by element, J recomputed by forward, and
dJ/dW from backward judged element by element as the gate checker judges a gate (gates.
differences, gates.diagnosis). A pre-activation that sits exactly on a ReLU kink (the [2, 3, 1]
ReLU net with zero biases and an input row of zeros puts z² = 0 there) is no failure: at a kink
the gradient must lie between the one-sided derivatives, and the result counts such elements.

The graph is left as it was found: parameters, values, gradients and bound batch (graph.preserved).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from gates.diagnosis import diagnose
from gates.differences import EPS, RTOL, differences, find_kinks, tolerance_floor
from gates.gradcheck_report import GradCheck, InputCheck
from gates.gradcheck_runs import Run


def rounding_scale(graph, grads: Mapping[str, np.ndarray]) -> float:
    """How large the rounding noise of J can be, in units of ε: |J| plus Σ |dJ/dv ⊙ v| over every
    node v (a relative error ε in v moves J by about ε·Σ|dJ/dv ⊙ v|)."""
    total = abs(float(graph.values[graph.output]))
    for name, grad in grads.items():
        value = graph.values.get(name)
        if value is not None and np.shape(value) == np.shape(grad):
            term = np.abs(np.asarray(grad) * np.asarray(value))
            total += float(np.sum(term[np.isfinite(term)]))
    return total


def _judge(label: str, x: np.ndarray, analytic, J, scale: float, eps: float, rtol: float) -> InputCheck:
    if analytic is None:
        return InputCheck(label, x.shape, None, diagnosis="wrong_shape",
                          message=f"backward returned no gradient for {label}")
    d = differences(J, x, eps)
    atol = tolerance_floor(scale, d.central, eps)
    find_kinks(J, x, d, atol, rtol, eps)
    found = Run("given", [x.copy()], np.array(1.0), np.array(d.base), [np.asarray(analytic, np.float64)],
                numeric=[d], atol=[atol], wrote_input=[None], ignores_top=[False], stale=[None])
    return diagnose(label, x.shape, [found], 0, rtol=rtol)


def check_graph(graph, inputs: Mapping[str, np.ndarray], *, eps: float = EPS, tolerance: float = RTOL,
                names: Sequence[str] | None = None) -> GradCheck:
    """Check graph.backward() against central differences of graph.forward() for every
    parameter (or the nodes in `names`: parameters, or inputs declared with grad=True).

    The result's `inputs` hold one InputCheck per node, with its largest errors, the number of
    elements judged at a kink (`kinks`) and, when it is wrong, a diagnosis and a sentence.
    """
    with graph.preserved():
        graph.forward(**inputs)
        analytic = {name: np.array(grad, dtype=np.float64) for name, grad in graph.backward().items()}
        scale = rounding_scale(graph, analytic)
        names = list(names) if names is not None else list(graph.params)
        arrays = {key: np.array(value, dtype=np.float64) for key, value in inputs.items()}
        result = GradCheck("graph", [np.shape(graph.values[n]) for n in names])

        def J() -> float:
            return float(graph.forward(**arrays))

        for name in names:
            if name not in graph.params and name not in arrays:
                raise ValueError(f"check_graph moves parameters and inputs; {name!r} is neither (the "
                                 f"parameters: {', '.join(graph.params)}; inputs: {', '.join(arrays)})")
            x = graph.params[name] if name in graph.params else arrays[name]
            result.inputs.append(_judge(graph.nodes[name].label, x, analytic.get(name), J, scale,
                                        eps, tolerance))
    return result


__all__ = ["check_graph", "rounding_scale"]
