"""The checker's verdicts: per input, per shape set, per gate, and their JSON form.

Each failing input carries one diagnosis from DIAGNOSES and a sentence saying what to change.
The JSON form is what a grader reads (`python -m gates.check --json`):

    {"ok": false, "gate": "MyReLU",
     "checks": [{"shapes": [[4, 3]], "ok": false,
                 "inputs": [{"name": "z", "max_abs_error": 7.1, "max_rel_error": 0.86,
                             "worst_index": [1, 2], "diagnosis": "wrong_at_kink",
                             "message": "..."}]}]}

Numbers that are not finite are written as null: the document is strict JSON.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .shapes import Shape, ShapeError, format_shape

# The vocabulary of diagnoses, each with what it means (README, "Checking a hand-written gate").
DIAGNOSES = {
    "wrong_shape": "the gradient does not have its input's shape (or is missing)",
    "missing_sum": "a broadcast input's gradient was not summed back to its shape",
    "transposed": "the gradient is the transpose of the right one",
    "constant_factor": "the right gradient times a constant (a 2 from a square, 1/k from a mean)",
    "sign": "the right gradient with the wrong sign",
    "ignores_top_diff": "the gradient does not change when top_diff does (local_diff alone)",
    "wrong_at_kink": "at a kink (ReLU at 0) the value is not between the one-sided derivatives",
    "wrong_in_region": "right in one region of the inputs, wrong in another (e.g. |z| > 3)",
    "batch_dependent": "right for a batch of 1, wrong for a batch of several",
    "stale_state": "a gate instance called again gives a different answer (state kept from an earlier call)",
    "mutates_input": "forward or backward wrote into an input array",
    "mutates_top_diff": "backward wrote into top_diff",
    "not_finite": "NaN or inf in the gradient (or in forward's output)",
    "wrong_values": "none of the above: the index and the values where it differs most",
}


@dataclass
class InputCheck:
    """The verdict on one input's gradient over every draw of one shape set."""

    name: str
    shape: Shape
    grad_shape: Shape | None
    error: float = math.nan      # the largest relative error, over every element and draw
    abs_error: float = math.nan  # the largest absolute error
    worst_index: tuple = ()
    analytic_at_worst: float = math.nan
    numeric_at_worst: float = math.nan
    diagnosis: str | None = None  # a key of DIAGNOSES, or None when the gradient is right
    message: str | None = None    # what is wrong and what to change
    kinks: int = 0                # elements judged as kinks (between the one-sided derivatives)
    region: str | None = None     # the draw of the worst element
    backward_ran: bool = True     # False: forward was not finite, so backward was never called
    # the inputs of the draw of the worst element: checked again cut to one row, to tell a
    # gradient wrong for a batch from one wrong for these inputs (not in the JSON form)
    worst_inputs: list | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.diagnosis is None

    @property
    def shape_ok(self) -> bool:
        return self.grad_shape is not None and tuple(self.grad_shape) == tuple(self.shape)

    @property
    def problem(self) -> str | None:
        return None if self.ok else f"{self.diagnosis}: {self.message}"


@dataclass
class GradCheck:
    """The verdict on a gate (or a graph) for one set of input shapes."""

    subject: str
    shapes: list[Shape]
    inputs: list[InputCheck] = field(default_factory=list)
    error: str | None = None            # the gate raised, or returned what the contract forbids
    refused: ShapeError | None = None   # the gate's own shape rule refused these shapes
    crashed: bool = False               # the gate raised: an error of its code (exit status 2)
    batch: int | None = None            # rows of the output (observations), when it has rows

    @property
    def ok(self) -> bool:
        return self.error is None and self.refused is None and all(c.ok for c in self.inputs)

    @property
    def max_error(self) -> float:
        errors = [c.error for c in self.inputs if c.shape_ok and not math.isnan(c.error)]
        return max(errors) if errors else math.nan

    @property
    def kinks(self) -> int:
        return sum(c.kinks for c in self.inputs)

    @property
    def problems(self) -> list[str]:
        found = [self.error] if self.error else []
        if self.refused is not None:
            found.append(f"forward refused these shapes: {self.refused}")
        return found + [c.problem for c in self.inputs if c.problem]

    @property
    def shape_text(self) -> str:
        return ", ".join(format_shape(s) for s in self.shapes)

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        if math.isnan(self.max_error):
            return f"{self.subject} ({self.shape_text}): {verdict}"
        return f"{self.subject} ({self.shape_text}): max relative error {self.max_error:.1e}, {verdict}"


@dataclass
class GateReport:
    """The verdict on one gate over several shape sets.

    `checks` holds one GradCheck per shape set the gate accepted; `refused` the shape sets its
    shape rule refused: not a failure when they were only guesses, as long as one was accepted.
    `error` says why nothing could be checked.
    """

    subject: str
    checks: list[GradCheck] = field(default_factory=list)
    refused: list[GradCheck] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def crashed(self) -> bool:
        """The gate's code raised (not a ShapeError from its rule) on some shape set."""
        return any(c.crashed for c in self.checks)

    @property
    def failed(self) -> list[GradCheck]:
        return [c for c in self.checks if not c.ok]

    @property
    def problems(self) -> list[str]:
        """Each problem in words, naming the gate and the shape set."""
        found = [self.error] if self.error else []
        for check in self.failed:
            found += [f"{self.subject} ({check.shape_text}): {problem}" for problem in check.problems]
        return found

    @property
    def max_error(self) -> float:
        errors = [c.max_error for c in self.checks if not math.isnan(c.max_error)]
        return max(errors) if errors else math.nan

    def __str__(self) -> str:
        if self.ok:
            return (f"{self.subject}: ok over {len(self.checks)} shape set(s), max relative "
                    f"error {self.max_error:.1e}")
        return "FAIL: " + "; ".join(self.problems)


# --- JSON ------------------------------------------------------------------------------------------

def _number(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def _shape(shape: Shape | None) -> list | None:
    return None if shape is None else [int(d) for d in shape]


def input_json(check: InputCheck) -> dict:
    return {"name": check.name, "shape": _shape(check.shape), "grad_shape": _shape(check.grad_shape),
            "max_abs_error": _number(check.abs_error), "max_rel_error": _number(check.error),
            "worst_index": [int(i) for i in check.worst_index], "diagnosis": check.diagnosis,
            "message": check.message, "kinks": check.kinks}


def check_json(check: GradCheck) -> dict:
    found = {"shapes": [_shape(s) for s in check.shapes], "ok": check.ok,
             "inputs": [input_json(c) for c in check.inputs]}
    if check.error:
        found["error"] = check.error
    return found


def report_json(report: GateReport) -> dict:
    """One gate's verdict as the JSON form of the module docstring (plain dicts and lists)."""
    found = {"ok": report.ok, "gate": report.subject, "checks": [check_json(c) for c in report.checks]}
    if report.error:
        found["error"] = report.error
    if report.refused:
        found["refused"] = [{"shapes": [_shape(s) for s in c.shapes], "reason": str(c.refused)}
                            for c in report.refused]
    return found


__all__ = ["DIAGNOSES", "GateReport", "GradCheck", "InputCheck", "check_json", "input_json",
           "report_json"]
