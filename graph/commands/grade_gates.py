"""Grading exercises 1–4: gates written by a student, judged by the gradient checker.

Each gate's backward goes through gates.gradcheck (central differences on several shape sets and
input regions, state kept between calls, writes into arrays); a failing input's verdict is the
checker's own diagnosis and sentence. The grader adds what the checker cannot know: that a gap is
still empty, and that forward computes what the exercise asks (the checker only checks that
backward agrees with forward, whatever forward computes), against the built-in gate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gates.activations import ReLU, Sigmoid, Softmax
from gates.arithmetic import AddGate, MulGate
from gates.base import Gate
from gates.gradcheck import check_gate_shapes
from gates.losses import CrossEntropyLoss
from gates.shapes import format_shape

from .grade_checks import (
    PASS,
    StudentError,
    Verdict,
    as_array,
    compare,
    fail,
    find,
    gap_line,
    not_done,
    scaled_by,
    student_call,
)

ShapeSets = Sequence[tuple]
# The last set of each has every size distinct and none 3 or 4 (batch 5, widths 2 and 7): a
# backward that hard-codes a size the other sets happen to share (top_diff[:, :3]) fails there.
ADD_SHAPES = [((4, 3), (1, 3)), ((3, 3), (1, 3)), ((1, 3), (1, 3)), ((5, 2), (1, 2)), ((5, 7), (1, 7))]
MUL_SHAPES = [((4, 2), (2, 3)), ((3, 3), (3, 3)), ((1, 2), (2, 3)), ((4, 3), (3, 1)), ((5, 2), (2, 7))]
ROW_SHAPES = [((4, 3),), ((3, 3),), ((1, 3),), ((5, 4),), ((5, 7),)]


def sample(shapes: Sequence[tuple], seed: int = 7) -> list[np.ndarray]:
    """Inputs for the probes: N(0, 2²) numbers, with an exact 0 (ReLU's kink) in the first."""
    rng = np.random.default_rng(seed)
    xs = [2 * rng.standard_normal(s) for s in shapes]
    xs[0].flat[0] = 0.0
    return xs


def probe_forward(cls: type, shapes: Sequence[tuple], reference: Gate) -> tuple[Verdict, Gate, np.ndarray]:
    """One forward of a new instance of the student's gate before the checker sees it: (its
    verdict against `reference`'s forward, the instance, its output)."""
    gate = student_call(f"{cls.__name__}()", cls)
    xs = sample(shapes)
    out = student_call(f"{cls.__name__}.forward", gate.forward, *[x.copy() for x in xs])
    what = f"{cls.__name__}.forward's output"
    if out is None:
        return not_done(what, cls.forward), gate, out
    got = as_array(out, what)
    if isinstance(got, Verdict):
        return got, gate, out
    inputs = ", ".join(format_shape(s) for s in shapes)
    return compare(what, got, reference.forward(*xs), f"forward must compute {reference.formula()} "
                                                      f"(inputs {inputs})."), gate, got


def probe_backward(cls: type, gate: Gate, out: np.ndarray, names: Sequence[str]) -> list[Verdict | None]:
    """One backward after probe_forward: a not-done verdict for each gradient still None."""
    top = np.random.default_rng(8).standard_normal(np.shape(out))
    grads = student_call(f"{cls.__name__}.backward", gate.backward, top)
    grads = list(grads) if isinstance(grads, (tuple, list)) else [grads]
    grads += [None] * (len(names) - len(grads))
    return [not_done(f"dJ/d{name} in {cls.__name__}.backward", cls.backward) if g is None else None
            for name, g in zip(names, grads)]


def checked(report, names: Sequence[str]) -> dict[str, Verdict]:
    """The checker's report as one verdict per input: the first failure over the shape sets, with
    its diagnosis and message, or a pass."""
    if report.error:
        return {name: fail("error", report.error) for name in names}
    verdicts = {name: PASS for name in names}
    for check in report.checks:
        shapes = f" (inputs {check.shape_text})"
        if check.error:
            return {name: fail("error", check.error) for name in names}
        for name, c in zip(names, check.inputs):  # by position: the student may rename inputs
            if not c.ok and verdicts[name].ok:
                verdicts[name] = fail(c.diagnosis, f"{c.message}{shapes}")
    for check in report.refused:
        return {name: fail("refused", f"the gate refused inputs {check.shape_text}: {check.refused}")
                for name in names}
    return verdicts


def grade_gate(module, class_name: str, reference: Gate,
               shape_sets: ShapeSets) -> tuple[Verdict, dict[str, Verdict]]:
    """(forward's verdict, {input name: backward's verdict}) for one gate class of the module."""
    cls = find(module, class_name, "class")
    names = reference.inputs
    if isinstance(cls, Verdict):
        return cls, dict.fromkeys(names, cls)
    if not (isinstance(cls, type) and issubclass(cls, Gate)):
        wrong = fail("missing", f"{class_name} must be a class that subclasses gates.Gate.")
        return wrong, dict.fromkeys(names, wrong)
    try:
        forward, gate, out = probe_forward(cls, shape_sets[0], reference)
    except StudentError as error:
        crashed = error.verdict()
        return crashed, dict.fromkeys(names, crashed)
    if not forward.ok:
        why = fail(forward.diagnosis, f"backward is checked once forward is right: {forward.message}")
        return forward, dict.fromkeys(names, why)
    try:
        missing = probe_backward(cls, gate, out, names)
    except StudentError:  # the checker reports it, with the shapes and the likely cause
        missing = [None] * len(names)
    if all(missing):
        return forward, dict(zip(names, missing))
    verdicts = checked(check_gate_shapes(cls, shape_sets, subject=class_name), names)
    return forward, {name: miss or verdicts[name] for name, miss in zip(names, missing)}


# --- the exercises --------------------------------------------------------------------------------

def exercise_add(module) -> dict[str, Verdict]:
    _, backward = grade_gate(module, "AddGate", AddGate(), ADD_SHAPES)
    return {"dJ/dA": backward["A"], "dJ/dB": backward["B"]}


def exercise_mul(module) -> dict[str, Verdict]:
    _, backward = grade_gate(module, "MulGate", MulGate(), MUL_SHAPES)
    return {"dJ/dA": backward["A"], "dJ/dB": backward["B"]}


def exercise_activations(module) -> dict[str, Verdict]:
    verdicts = {}
    for name, reference in (("Sigmoid", Sigmoid()), ("ReLU", ReLU())):
        forward, backward = grade_gate(module, name, reference, ROW_SHAPES)
        verdicts[f"{name}.forward"], verdicts[f"{name}.backward"] = forward, backward["z"]
    return verdicts


def one_hot_for(shape: tuple) -> np.ndarray:
    """Targets for logits of `shape` (k×m): row i's class is i mod m, a single 1 per row."""
    k, m = shape
    return np.eye(m)[np.arange(k) % m]


class LossOfLogits(Gate):
    """The student's softmax_cross_entropy(z, y) as a gate of z alone, for the checker: forward is
    the true J (the built-in cross-entropy), backward is top_diff × the student's dJ/dz; y is one-hot,
    fixed by z's shape. z k×m → J scalar; backward: top_diff scalar → dJ/dz k×m."""

    kind = "softmax_cross_entropy"
    inputs = ("z",)

    def __init__(self, fn: Callable | None = None) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, z: np.ndarray) -> float:
        self.z, self.y = np.array(z, dtype=np.float64), one_hot_for(np.shape(z))
        return CrossEntropyLoss().forward(self.z, self.y)

    def backward(self, top_diff) -> tuple:
        _, dz = self.fn(self.z.copy(), self.y.copy())
        return (top_diff * np.asarray(dz, dtype=np.float64),)


def loss_value(fn) -> tuple[Verdict, bool]:
    """(J's verdict against the built-in cross-entropy, whether dJ/dz came back at all)."""
    z = 2 * np.random.default_rng(9).standard_normal((5, 4))
    y = one_hot_for(z.shape)
    result = student_call("softmax_cross_entropy", fn, z.copy(), y.copy())
    J, dz = result if isinstance(result, (tuple, list)) and len(result) == 2 else (result, None)
    if J is None:
        return not_done("J in softmax_cross_entropy", fn), dz is not None
    got = as_array(J, "J")
    if isinstance(got, Verdict):
        return got, dz is not None
    want = CrossEntropyLoss().forward(z, y)
    c = scaled_by(got.reshape(-1)[:1], np.array([want])) if got.size == 1 else None
    hint = ("the 1/k of the mean over the k = 5 rows is missing" if c and abs(c - 5) < 1e-9 else
            "J = −(1/k) Σ y·log softmax(z), a float")
    return compare("J", got.reshape(()) if got.size == 1 else got, np.asarray(want), hint), dz is not None


def exercise_softmax(module) -> dict[str, Verdict]:
    _, backward = grade_gate(module, "Softmax", Softmax(), ROW_SHAPES)
    verdicts = {"Softmax.backward": backward["z"]}
    fn = find(module, "softmax_cross_entropy", "function")
    if isinstance(fn, Verdict):
        return {**verdicts, "J": fn, "dJ/dz": fn}
    try:
        verdicts["J"], has_dz = loss_value(fn)
    except StudentError as error:
        return {**verdicts, "J": error.verdict(), "dJ/dz": error.verdict()}
    if not has_dz:
        verdicts["dJ/dz"] = not_done("dJ/dz in softmax_cross_entropy", fn)
        return verdicts
    report = check_gate_shapes(lambda: LossOfLogits(fn), ROW_SHAPES, subject="softmax_cross_entropy")
    verdicts["dJ/dz"] = checked(report, ["z"])["z"]
    return verdicts


__all__ = ["LossOfLogits", "checked", "exercise_activations", "exercise_add", "exercise_mul",
           "exercise_softmax", "gap_line", "grade_gate", "one_hot_for", "probe_backward",
           "probe_forward"]
