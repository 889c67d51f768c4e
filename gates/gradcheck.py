"""The gradient-check oracle: a gate's backward against central differences, in float64.

For a gate with output Z the check draws a random top_diff G (never all ones, never near 0) and
differentiates J = Σ G ⊙ Z by central differences (gates.differences), which is exactly what
backward(G) must return. Each shape set is checked on inputs from several regions (normal,
small, large up to |x| = 8, exact zeros and repeats), every element judged on its own, kinks as
subgradients; a gate instance is also called again and again with other inputs and batch sizes,
and writes into its inputs or into top_diff are caught. A failure is named (gates.diagnosis).

    check_gate(MulGate, [(4, 2), (2, 3)])        # one shape set → GradCheck
    check_gate_shapes(MyGate)                    # several shape sets → GateReport
    check_builtins()                             # every built-in gate → list[GateReport]

numpy only: this is room 1. The command line is gates.check; check_graph is graph.gradcheck.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence

import numpy as np

from .activations import Softmax
from .base import Gate
from .catalog import BUILTIN_GATES, is_builtin
from .diagnosis import diagnose
from .differences import EPS, RTOL
from .gradcheck_report import GateReport, GradCheck, InputCheck
from .gradcheck_runs import (
    REGIONS,
    GateFailed,
    OutputNotFinite,
    Subject,
    WrongReturn,
    draw,
    raised,
    runs_in_domain,
)
from .losses import CrossEntropyLoss
from .shapes import Shape, ShapeError, format_shape

TOLERANCE = RTOL
MAX_NUMBERS = 10_000  # input numbers per shape set: forward runs twice per number and draw
ShapeSet = tuple  # tuple[Shape, ...]: one shape per input of a gate


def too_large(shapes: Sequence[Shape]) -> str | None:
    """Why a shape set is too large to check by central differences, or None."""
    numbers = sum(math.prod(int(d) for d in s) for s in shapes)
    if numbers <= MAX_NUMBERS:
        return None
    return (f"{', '.join(format_shape(s) for s in shapes)} holds {numbers:,} numbers; central "
            f"differences run forward twice per number in each of {len(REGIONS)} draws, so a check "
            f"takes at most {MAX_NUMBERS:,}. Check small shapes such as 4x3: a gate's rule is the "
            f"same at every size")


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"the seed is a whole number ≥ 0, e.g. 0; got {seed!r}")
    return int(seed)


def subject_name(gate: Gate) -> str:
    """mulGate for a built-in gate; the class name, with its kind, for a user's gate."""
    name = type(gate).__name__
    if is_builtin(gate) or name == gate.kind:
        return gate.kind
    return name if gate.kind == Gate.kind else f"{name} ({gate.kind})"


def start(gate: Gate | Callable[[], Gate] | Subject, name: str | None = None) -> Subject:
    """The gate to check: from an instance (copied for fresh ones) or a factory such as a class."""
    if isinstance(gate, Subject):
        return gate
    if isinstance(gate, Gate):
        try:
            template = copy.deepcopy(gate)
            return Subject(lambda: copy.deepcopy(template), shared=gate)
        except Exception:  # an instance that cannot be copied: it serves every call itself
            return Subject(lambda: gate, shared=gate)
    name = name or getattr(gate, "__name__", repr(gate))
    try:
        subject = Subject(gate)
    except GateFailed as failed:
        cause = ("the checker builds a gate with no arguments, so give its arguments defaults"
                 if isinstance(failed.error, TypeError) else "a gate must build without failing")
        raise TypeError(f"{name}() raised {raised(failed.error)}; {cause}") from None
    if not isinstance(subject.shared, Gate):
        raise TypeError(f"{name} does not make a Gate (it made {type(subject.shared).__name__}); "
                        f"a gate subclasses gates.Gate")
    return subject


def _rule(gate: Gate, shapes: Sequence[Shape]) -> Shape | None:
    """The output shape the gate's own rule states (None: no rule); ShapeError if it refuses."""
    try:
        out = gate.output_shape(*shapes)
    except ShapeError:
        raise
    except ValueError as error:  # a rule that refuses with a plain ValueError still refuses
        raise ShapeError(f"output_shape raised ValueError: {error}", gate=gate.kind) from None
    except BaseException as error:  # noqa: BLE001 (the rule is the student's code too)
        raise GateFailed("output_shape", error) from None
    return None if out is None else tuple(out)


def _crash(gate: Gate, failed: GateFailed, shapes: Sequence[Shape]) -> str:
    """A gate's exception in one line, with the shapes it was given: what a traceback would hide."""
    given = ", ".join(f"{label} {format_shape(s)}" for label, s in zip(gate.input_labels, shapes))
    top = "" if failed.top is None else f", top_diff {format_shape(failed.top)}"
    text = f"{failed.where} raised {raised(failed.error)} (inputs {given}{top})"
    if isinstance(failed.error, SystemExit):
        text += "; a gate must return its result, never exit the program"
    if failed.where == "backward" and isinstance(failed.error, ValueError):
        wanted = ", ".join(f"dJ/d{label} {format_shape(s)}" for label, s in zip(gate.input_labels, shapes))
        text += (f"; a product or sum in backward does not fit these shapes: the gradients must "
                 f"come out as {wanted}; a missing or extra ᵀ, or a size written into the code "
                 f"(reshape(1, 3), t[:4]), is the usual cause")
    return text


def _draws(shapes, inputs, rng) -> list[tuple[str, list[np.ndarray]]]:
    if inputs is not None:
        return [("given", [np.array(x, dtype=np.float64) for x in inputs])]
    return [(region, [np.asarray(draw(rng, tuple(s), region), dtype=np.float64) for s in shapes])
            for region in REGIONS]


def _refused(gate: Gate, failed: GateFailed, shapes, rule, guessed: bool) -> ShapeError | None:
    """A refusal of the shapes, not a bug: the gate's ShapeError, or numpy's ValueError in the
    forward of a gate with no rule (numpy's refusal is then its only rule) or on a shape set the
    checker guessed (a rule looser than forward: the guess was wrong, not the gate)."""
    if isinstance(failed.error, ShapeError):
        return failed.error
    if failed.where != "forward" or not isinstance(failed.error, ValueError) or not (rule is None or guessed):
        return None
    why = ("the gate states no output_shape rule, so numpy's refusal is its only one" if rule is None
           else "output_shape accepted these guessed shapes, forward did not")
    return ShapeError(f"forward raised ValueError: {failed.error}; {why}.", gate=gate.kind,
                      operands=zip(gate.input_labels, shapes))


def _runs(subject: Subject, result: GradCheck, draws, rng, top_diff, eps, tolerance, guessed=False):
    """Every draw run, or None with the reason in `result`."""
    gate, rule = subject.shared, None
    try:
        rule = _rule(gate, result.shapes)
        runs = runs_in_domain(subject, draws, rng, top_diff, eps, tolerance)
    except ShapeError as error:
        result.refused = error
        return None
    except GateFailed as failed:
        result.refused = _refused(gate, failed, result.shapes, rule, guessed)
        if result.refused is None:
            result.error, result.crashed = _crash(gate, failed, result.shapes), True
        return None
    except OutputNotFinite as problem:
        result.inputs = [InputCheck(label, tuple(s), None, diagnosis="not_finite", message=f"{problem}.",
                                    backward_ran=False)
                         for label, s in zip(gate.input_labels, result.shapes)]
        return None
    except WrongReturn as wrong:
        result.error = f"{wrong} (inputs {result.shape_text})"
        return None
    out = runs[0].out.shape
    if rule is not None and rule != out:
        result.error = (f"forward returned {format_shape(out)} but output_shape says "
                        f"{format_shape(rule)} for inputs {result.shape_text}")
        return None
    return runs


def check_gate(gate: Gate | type | Subject, shapes: Sequence[Shape] | None = None, *,
               inputs: Sequence[np.ndarray] | None = None, seed: int = 0, eps: float = EPS,
               tolerance: float = TOLERANCE, top_diff: np.ndarray | None = None,
               guessed: bool = False) -> GradCheck:
    """Check a gate's backward against central differences on one set of input shapes.

    `gate` is an instance or a class (built with no arguments). Give `shapes` (inputs are
    drawn from every region of gates.gradcheck_runs.REGIONS) or the `inputs` themselves, and
    optionally `top_diff` (of the output's shape). The result says, per input, the gradient's
    shape, the largest errors and where, and the diagnosis; a shape set the gate's own rule
    refuses is in `refused`, an exception the gate raised in `error` (with `crashed`). With
    `guessed` (shapes the checker chose), a ValueError from forward refuses the set too.
    """
    subject = start(gate)
    rng = np.random.default_rng(check_seed(seed))
    if inputs is not None:
        shapes = [np.shape(x) for x in inputs]
    shapes = [tuple(int(d) for d in s) for s in shapes]
    if any(d < 1 for s in shapes for d in s):
        raise ValueError(f"every dimension of a shape must be ≥ 1; got {', '.join(map(str, shapes))}")
    problem = too_large(shapes)
    if problem:
        raise ValueError(problem)
    result = GradCheck(subject_name(subject.shared), shapes)
    runs = _runs(subject, result, _draws(shapes, inputs, rng), rng, top_diff, eps, tolerance, guessed)
    if runs is None:
        return result
    out = runs[0].out.shape
    result.batch = out[0] if len(out) >= 2 else (shapes[0][0] if len(shapes[0]) >= 2 else None)
    result.inputs = [diagnose(label, s, runs, i, batch=result.batch, rtol=tolerance)
                     for i, (label, s) in enumerate(zip(subject.shared.input_labels, shapes))]
    return result


# --- several shape sets per gate ------------------------------------------------------------------

def candidate_shapes(n_inputs: int) -> list[ShapeSet]:
    """Shape sets to try on a gate whose shapes are not given, from its number of inputs: a batch
    of 4 and of 1, square matrices (where a transposed gradient has the right shape), a matrix
    product's, a bias broadcast over rows or columns, and images k×C×H×W (with kernels). The
    last sets of each list use sizes that are all different and never 3 or 4 (batches of 5 and 6,
    widths 7, 2, 5): a gate with a size written into its code (reshape(1, 3), t[:4]) fails there."""
    if n_inputs == 1:
        return [((4, 3),), ((3, 3),), ((1, 3),), ((3, 4),), ((4, 1),), ((2, 3, 4, 4),),
                ((1, 2, 4, 4),), ((5, 7),), ((1, 7),), ((5, 2, 6, 8),)]
    if n_inputs == 2:
        return [((4, 3), (4, 3)), ((3, 3), (3, 3)), ((4, 2), (2, 3)), ((4, 3), (3, 3)),
                ((4, 3), (1, 3)), ((1, 3), (4, 3)), ((3, 4), (3, 1)), ((1, 3), (1, 3)),
                ((1, 2), (2, 3)), ((4, 1), (4, 1)), ((2, 3, 5, 5), (4, 3, 3, 3)),
                ((1, 2, 4, 4), (3, 2, 2, 2)), ((5, 7), (5, 7)), ((6, 2), (2, 7)), ((5, 7), (1, 7)),
                ((6, 5), (6, 1)), ((1, 7), (1, 7)), ((2, 5, 7, 6), (1, 5, 2, 2))]
    return [((4, 3),) * n_inputs, ((3, 3),) * n_inputs, ((1, 3),) * n_inputs,
            ((4, 3),) + ((1, 3),) * (n_inputs - 1), ((5, 7),) * n_inputs,
            ((6, 7),) + ((1, 7),) * (n_inputs - 1)]


def _no_shapes_accepted(subject: str, refused: list[GradCheck], guessed: bool) -> str:
    tried = "; ".join(c.shape_text for c in refused)
    if guessed and any("output_shape accepted these guessed" in getattr(c.refused, "problem", "")
                       for c in refused):
        example = ",".join(["5x7"] * len(refused[0].shapes))
        return (f"{subject}: your output_shape accepted shapes forward cannot take ({tried}); pass "
                f"--shapes, e.g. --shapes {example}, or make output_shape refuse what forward refuses")
    if guessed:
        return (f"{subject} accepted none of the shape sets tried ({tried}); give its input "
                f"shapes, e.g. --shapes 4x3,1x3 or check_gate_shapes(gate, [((4, 3), (1, 3))])")
    return f"{subject} refused the shapes given: {refused[0].refused}"


def _one_row(check: GradCheck, c: InputCheck) -> list[np.ndarray] | None:
    """The inputs of c's worst draw cut to the row of its worst element: a batch of 1."""
    if not c.worst_inputs or not c.worst_index:
        return None
    row = c.worst_index[0] if c.shape[0] == check.batch else 0
    return [x[row:row + 1] if x.ndim >= 2 and x.shape[0] == check.batch else x for x in c.worst_inputs]


def _batch_dependent(report: GateReport, who: Subject, **options) -> None:
    """Wrong for a batch of several, right on the same inputs cut to one row: what wrong_values
    means when that is so (a gradient wrong in a region of inputs stays wrong on its row)."""
    for check in report.checks:
        for i, c in enumerate(check.inputs if (check.batch or 0) > 1 else []):
            inputs = _one_row(check, c) if c.diagnosis == "wrong_values" else None
            if inputs is None:
                continue
            one = check_gate(who, inputs=inputs, **options)
            if not (one.ok or (i < len(one.inputs) and one.inputs[i].ok and not one.error)):
                continue
            c.diagnosis = "batch_dependent"
            c.message = (f"dJ/d{c.name} is right for a batch of 1 ({one.shape_text}, the worst row "
                         f"alone) but wrong for a batch of {check.batch} (worst at index "
                         f"{list(c.worst_index)}: {c.analytic_at_worst:.4g} instead of "
                         f"{c.numeric_at_worst:.4g}). With several rows each observation adds its own "
                         f"term: sum them over the whole batch (top_diff.sum(axis=0, keepdims=True) "
                         f"for a broadcast input) instead of using one row or a fixed number of rows.")


def check_gate_shapes(gate: Gate | Callable[[], Gate], shape_sets: Sequence[ShapeSet] | None = None,
                      *, subject: str | None = None, seed: int = 0, eps: float = EPS,
                      tolerance: float = TOLERANCE) -> GateReport:
    """Check a gate over several shape sets; without `shape_sets`, over candidate_shapes. One
    instance serves every call in turn (state kept between calls shows), fresh ones are compared."""
    who = start(gate, subject)
    report = GateReport(subject or subject_name(who.shared))
    n = len(who.shared.inputs)
    guessed = shape_sets is None
    sets = candidate_shapes(n) if guessed else [tuple(tuple(s) for s in shapes) for shapes in shape_sets]
    for number, shapes in enumerate(sets):
        if len(shapes) != n:
            report.error = (f"{report.subject} takes {n} input(s) ({', '.join(who.shared.inputs)}), "
                            f"but a shape set gives {len(shapes)}: "
                            f"{', '.join(format_shape(s) for s in shapes)}")
            return report
        result = check_gate(who, shapes, seed=seed + number, eps=eps, tolerance=tolerance, guessed=guessed)
        result.subject = report.subject
        (report.refused if result.refused is not None else report.checks).append(result)
        if result.crashed:
            break  # the gate's code fails: that comes first, the other shapes would say it again
    if not report.checks:
        report.error = _no_shapes_accepted(report.subject, report.refused, guessed)
    _batch_dependent(report, who, seed=seed, eps=eps, tolerance=tolerance)
    return report


def _accepted(factory: Callable[[], Gate]) -> list[ShapeSet]:
    gate, accepted = factory(), []
    for shapes in candidate_shapes(len(gate.inputs)):
        try:
            gate.output_shape(*shapes)
        except ShapeError:
            continue
        accepted.append(shapes)
    return accepted


def _builtin_table() -> dict[str, tuple[Callable[[], Gate], list[ShapeSet]]]:
    """Every built-in gate (gates.catalog) with the candidate shape sets its rule accepts, and the
    class-axis-0 variants (the columns convention) of softmax and cross-entropy."""
    table = {cls.kind: (cls, _accepted(cls)) for cls in BUILTIN_GATES}
    for name, factory in (("softmax(axis=0)", lambda: Softmax(axis=0)),
                          ("cross_entropy(axis=0)", lambda: CrossEntropyLoss(axis=0))):
        table[name] = (factory, _accepted(factory))
    return table


BUILTIN_SHAPES = _builtin_table()


def check_builtins(*, seed: int = 0, eps: float = EPS, tolerance: float = TOLERANCE) -> list[GateReport]:
    """Every built-in gate over its shapes of BUILTIN_SHAPES."""
    return [check_gate_shapes(factory, sets, subject=name, seed=seed, eps=eps, tolerance=tolerance)
            for name, (factory, sets) in BUILTIN_SHAPES.items()]


__all__ = ["BUILTIN_SHAPES", "EPS", "MAX_NUMBERS", "TOLERANCE", "GateReport", "GradCheck",
           "InputCheck", "candidate_shapes", "check_builtins", "check_gate", "check_gate_shapes",
           "check_seed", "subject_name", "too_large"]
