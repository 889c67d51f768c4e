"""What every exercise's grading shares: a verdict per check, the gaps of a student's file, and
calls into a student's code that can fail in any way without failing the grader.

A check is all or nothing: its points when its verdict is ok. A verdict that is not ok names a
diagnosis (the gradient checker's vocabulary, gates.gradcheck_report.DIAGNOSES, when the checker
judged it; a few words of the exercise's own otherwise) and says what to change.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gates.gradcheck_runs import GateFailed, call, raised
from gates.shapes import ShapeError, format_shape

GAP = "# your code here"
NOT_DONE = "not_done"


@dataclass
class Verdict:
    """The outcome of one check: ok, or the diagnosis and what to change."""

    ok: bool
    diagnosis: str | None = None
    message: str | None = None


PASS = Verdict(True)


def fail(diagnosis: str, message: str) -> Verdict:
    return Verdict(False, diagnosis, " ".join(message.split()))


class StudentError(Exception):
    """The student's code raised (or exited) where the grader called it: a failed check."""

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__(f"{where} raised {raised(error)}")
        self.error = error

    def verdict(self) -> Verdict:
        """A ShapeError (the graph refused a wiring) is a wrong shape; anything else an error."""
        return fail("wrong_shape" if isinstance(self.error, ShapeError) else "error", str(self))


def student_call(where: str, fn, *args):
    """fn(*args); whatever it raises, SystemExit and KeyboardInterrupt included, a StudentError."""
    try:
        return call(where, fn, *args)
    except GateFailed as failed:
        raise StudentError(where, failed.error) from None


def gap_line(obj) -> str:
    """' (ex1_add_gate.py, line 52)': where the first gap of a function or class is, or ''."""
    try:
        lines, start = inspect.getsourcelines(obj)
        path = Path(inspect.getsourcefile(obj) or "")
    except (OSError, TypeError):
        return ""
    start = max(start, 1)  # a module's lines start at 0, a function's at the line of its def
    for offset, line in enumerate(lines):
        if GAP in line:
            return f" ({path.name}, line {start + offset})"
    return ""


def not_done(what: str, obj, state: str = "is still None") -> Verdict:
    """A gap left empty: the value is still None (or the given `state`)."""
    return fail(NOT_DONE, f"{what} {state}: write it under `{GAP}`{gap_line(obj)}.")


def find(module, name: str, kind: str) -> object | Verdict:
    """module.name, or a failed Verdict saying it is missing (kind: "class", "function", ...)."""
    found = getattr(module, name, None)
    if found is None and not hasattr(module, name):
        return fail("missing", f"the file defines no {kind} {name}: keep the name the exercise gives it.")
    return found


def as_array(value, what: str) -> np.ndarray | Verdict:
    """A float64 array, or a failed Verdict saying what came back instead."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        return fail("wrong_type", f"{what} is a {type(value).__name__}, not an array of numbers.")
    if array.dtype == object:
        return fail("wrong_type", f"{what} is not an array of numbers.")
    return array


def compare(what: str, got: np.ndarray, want: np.ndarray, hint: str, rtol: float = 1e-9) -> Verdict:
    """got against want, element by element: the shape first, then the worst value."""
    if got.shape != want.shape:
        return fail("wrong_shape", f"{what} is {format_shape(got.shape)} but should be "
                                   f"{format_shape(want.shape)}. {hint}")
    if not np.all(np.isfinite(got)):
        return fail("not_finite", f"{what} holds NaN or inf. {hint}")
    scale = max(float(np.max(np.abs(want))), 1e-300) if want.size else 1.0
    error = np.abs(got - want)
    if np.all(error <= rtol * np.abs(want) + 1e-12 * scale):
        return PASS
    worst = np.unravel_index(int(np.argmax(error)), error.shape) if error.ndim else ()
    at = f"[{', '.join(str(int(i)) for i in worst)}]" if worst else ""
    return fail("wrong_values", f"{what}{at} is {float(got[worst]):.6g} but should be "
                                f"{float(want[worst]):.6g}. {hint}")


def scaled_by(got: np.ndarray, want: np.ndarray) -> float | None:
    """c when got = c·want for one constant c ≠ 1 (to 1e-9), else None."""
    if got.shape != want.shape or not np.any(want):
        return None
    c = float(np.sum(got * want) / np.sum(want * want))
    if np.isfinite(c) and abs(c - 1) > 1e-9 and np.allclose(got, c * want, rtol=1e-9, atol=1e-12):
        return c
    return None


__all__ = ["GAP", "NOT_DONE", "PASS", "StudentError", "Verdict", "as_array", "compare", "fail", "find",
           "gap_line", "not_done", "scaled_by", "student_call"]
