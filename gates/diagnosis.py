"""Why a gradient is wrong: one diagnosis per input, and a sentence saying what to change.

The evidence is every draw of one shape set (see gates.gradcheck_runs): the analytic gradient,
the central and one-sided differences, the inputs, top_diff and the probes. The rules are tried
in order, the first that fits names the mistake (the vocabulary is gradcheck_report.DIAGNOSES):
the shape, NaN, a write into an array that is not the gate's, then the values (a wrong kink, an
ignored top_diff, a sign, a transpose, a constant factor, a region), then state kept between calls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .differences import RTOL, agrees, judge
from .gradcheck_report import InputCheck
from .gradcheck_runs import Run
from .shapes import Shape, format_shape, gradient_fix, transpose


def _at(index: tuple) -> str:
    return f"[{', '.join(map(str, index))}]"


def _num(value: float) -> str:
    return f"{float(value) + 0.0:.4g}"  # + 0.0: no "-0"


@dataclass
class Evidence:
    """One input's gradient over every draw, flattened and joined (element k of each array)."""

    name: str
    shape: tuple
    runs: list[Run]
    i: int
    rtol: float = RTOL

    def __post_init__(self) -> None:
        i, runs = self.i, self.runs
        self.verdicts = [judge(r.grads[i], r.numeric[i], r.atol[i], self.rtol) for r in runs]
        join = lambda arrays: np.concatenate([np.ravel(a) for a in arrays])  # noqa: E731
        self.a = join(r.grads[i] for r in runs)
        self.n = join(r.numeric[i].central for r in runs)
        self.x = join(r.inputs[i] for r in runs)
        self.kink = join(r.numeric[i].kink for r in runs)
        self.bad = join(v.bad for v in self.verdicts)
        self.ratio = join(v.ratio for v in self.verdicts)
        self.atol = join(np.full(r.inputs[i].size, r.atol[i]) for r in runs)
        self.draw = join(np.full(r.inputs[i].size, d) for d, r in enumerate(runs))
        self.top = join(r.top if r.top.shape == r.inputs[i].shape else np.full(r.inputs[i].size, np.nan)
                        for r in runs)

    def index(self, k: int) -> tuple:
        offset = int(np.sum(self.draw < self.draw[k])) if k else 0
        return tuple(int(j) for j in np.unravel_index(k - offset, self.shape)) if self.shape else ()

    def where(self, k: int) -> str:
        """'z = 0.7, top_diff = −1.2, in the large draw' for element k."""
        top = "" if math.isnan(self.top[k]) else f", top_diff = {_num(self.top[k])}"
        region = self.runs[int(self.draw[k])].region
        where = "" if region == "given" else f", in the {region} draw"
        return f"{self.name} = {_num(self.x[k])}{top}{where}"

    def worst_of(self, mask: np.ndarray) -> int:
        return int(np.flatnonzero(mask)[np.argmax(self.ratio[mask])])

    def fill(self, check: InputCheck) -> None:
        """The numbers of the verdict: the largest errors and the worst element."""
        k = int(np.argmax(self.ratio))
        check.error = max(float(np.max(v.rel_error)) for v in self.verdicts)
        check.abs_error = max(float(np.max(v.abs_error)) for v in self.verdicts)
        check.worst_index, check.region = self.index(k), self.runs[int(self.draw[k])].region
        check.analytic_at_worst, check.numeric_at_worst = float(self.a[k]), float(self.n[k])
        check.kinks = int(np.sum(self.kink))
        check.worst_inputs = self.runs[int(self.draw[k])].inputs


# --- shapes ---------------------------------------------------------------------------------------

def shape_problem(name: str, shape: Shape, runs: list[Run], i: int) -> tuple[str, str] | None:
    want = tuple(shape)
    if any(r.grads[i] is None for r in runs):
        return "wrong_shape", (f"backward returned nothing for dJ/d{name} (None): return one gradient "
                               f"per input, in order, each of its input's shape")
    run = next((r for r in runs if r.grads[i].shape != want), None)
    if run is None:
        return None
    got = run.grads[i].shape
    text = f"dJ/d{name} is {format_shape(got)} but should be {format_shape(want)}, the shape of {name}"
    fix = gradient_fix(name, want, got)
    if len(want) == len(got) and all(w == g or w == 1 for w, g in zip(want, got)):
        return "missing_sum", f"{text}. {fix}"
    if len(want) == 2 and got == transpose(want):
        same = agrees(run.grads[i].T, run.numeric[i].central, run.atol[i])
        values = ", and its values are the right gradient's, transposed" if same else ""
        return "transposed", (f"{text}: it is transposed{values}. For Z = A·B, dJ/dA = top_diff·Bᵀ and "
                              f"dJ/dB = Aᵀ·top_diff: did you swap the operands of a product, or "
                              f"take an extra ᵀ?")
    return "wrong_shape", f"{text}. {fix or 'A gradient has exactly its input’s shape.'}"


# --- values ---------------------------------------------------------------------------------------

def _nice(value: float) -> str | None:
    """2, 1/2, −1/4: the fraction with a small denominator equal to value, or None."""
    for q in range(1, 17):
        p = round(value * q)
        if p and abs(value - p / q) <= 1e-6 * abs(value):
            return f"{p}" if q == 1 else f"{p}/{q}"
    return None


def _digits(c: float) -> str:
    """c with 4 significant digits, or as many more as it takes to tell it from ±1 (1.0001)."""
    for digits in range(4, 17):
        text = f"{c:.{digits}g}"
        if abs(float(text) - c) <= 0.01 * abs(abs(c) - 1):
            return text
    return repr(c)


def _factor_cause(c: float, batch: int | None, count: int) -> str:
    near = lambda target: target and (math.isclose(c, target, rel_tol=1e-6)  # noqa: E731
                                      or math.isclose(c, 1 / target, rel_tol=1e-6))
    if near(2):
        return "A factor 2 is missing or extra: the derivative of a square u² is 2u·u′ (of ½u², u·u′)"
    if batch and batch > 1 and near(batch):
        return (f"A factor {batch}, the batch size k: a mean over the batch is missing or taken "
                f"twice (divide by k once)")
    if count > 1 and near(count):
        return f"A factor {count}, the number of elements n: a mean over all n elements is missing or extra"
    return "A constant factor is missing or extra: compare each factor of backward with forward's derivative"


def constant_factor(ev: Evidence, batch: int | None) -> tuple[str, str] | None:
    """The analytic gradient is c times the numeric one, c ≠ 1 (−1 is a sign)."""
    use = ~ev.kink
    den = float(np.sum(ev.n[use] ** 2))
    if den == 0.0:
        return None
    c = float(np.sum(ev.a[use] * ev.n[use])) / den
    if not math.isfinite(c) or abs(c) < 1e-9 or \
            not agrees(ev.a[use], c * ev.n[use], ev.atol[use] * max(1.0, abs(c)), ev.rtol):
        return None
    if math.isclose(c, -1.0, rel_tol=1e-6):
        return "sign", (f"dJ/d{ev.name} is exactly the right gradient with the wrong sign: remove a "
                        f"minus sign, or swap a subtraction (ŷ − y, not y − ŷ)")
    exact, inverse = _nice(c) or _digits(c), _nice(1 / c) or _digits(1 / c)
    shown = _digits(c) + (f" (= {exact})" if exact != _digits(c) else "")
    whole = abs(c) > 1 and "/" not in exact and "." not in exact  # ×4 reads better as ÷4 than ×1/4
    cure = f"divide it by {exact}" if whole else f"multiply it by {inverse}"
    return "constant_factor", (f"dJ/d{ev.name} is the right gradient times {shown}: {cure}. "
                               f"{_factor_cause(c, batch, ev.a.size // len(ev.runs))}.")


def transposed_values(ev: Evidence) -> tuple[str, str] | None:
    runs = [r for r in ev.runs if r.inputs[ev.i].ndim == 2]
    square = runs and all(r.inputs[ev.i].shape[0] == r.inputs[ev.i].shape[1] > 1 for r in runs)
    if not square or len(runs) != len(ev.runs):
        return None
    if not all(agrees(r.grads[ev.i].T, r.numeric[ev.i].central, r.atol[ev.i], ev.rtol) for r in runs):
        return None
    return "transposed", (f"dJ/d{ev.name} holds the right gradient transposed (its [i, j] is the right "
                          f"[j, i]); the shapes agree only because {ev.name} is square, "
                          f"{format_shape(ev.shape)}. Remove the extra ᵀ (in a product Z = A·B, "
                          f"dJ/dB is Aᵀ·top_diff, not (Aᵀ·top_diff)ᵀ = top_diffᵀ·A)")


def _round_between(low: float, high: float, above: bool) -> float:
    """A round number c with low ≤ c < high (above) or low < c ≤ high (below)."""
    for digits in range(7):
        unit = 10.0 ** -digits
        c = (math.ceil(high / unit) - 1) * unit if above else (math.floor(low / unit) + 1) * unit
        if (low <= c < high) if above else (low < c <= high):
            return round(c, digits)
    return high if not above else low


def _interval(name: str, fails: np.ndarray, passes: np.ndarray) -> tuple[str, str] | None:
    """'0.3 < z < 0.7': the failing elements lie between passing ones, and no passing one among them."""
    lo, hi = fails.min(), fails.max()
    below, above = passes[passes < lo], passes[passes > hi]
    if not below.size or not above.size or below.size + above.size != passes.size:
        return None
    c_lo, c_hi = _round_between(below.max(), lo, above=True), _round_between(hi, above.min(), above=False)
    return f"{c_lo:g} < {name} < {c_hi:g}", f"{name} ≤ {c_lo:g} or {name} ≥ {c_hi:g}"


def _condition(name: str, fails: np.ndarray, passes: np.ndarray) -> tuple[str, str] | None:
    """(where wrong, where right) as conditions on the input, or None."""
    if np.all(fails == 0) and np.all(passes != 0):
        return f"{name} = 0", f"{name} ≠ 0"
    if fails.max() < passes.min():
        c = _round_between(fails.max(), passes.min(), above=False)
        return f"{name} < {c:g}", f"{name} ≥ {c:g}"
    if fails.min() > passes.max():
        c = _round_between(passes.max(), fails.min(), above=True)
        return f"{name} > {c:g}", f"{name} ≤ {c:g}"
    if np.abs(fails).min() > np.abs(passes).max():
        c = _round_between(np.abs(passes).max(), np.abs(fails).min(), above=True)
        return f"|{name}| > {c:g}", f"|{name}| ≤ {c:g}"
    if np.abs(fails).max() < np.abs(passes).min():
        c = _round_between(np.abs(fails).max(), np.abs(passes).min(), above=False)
        return f"|{name}| < {c:g}", f"|{name}| ≥ {c:g}"
    return _interval(name, fails, passes)


def region(ev: Evidence) -> tuple[str, str] | None:
    """'|z| > 3', '0.3 < z < 0.7': a condition on the input that the failing elements meet and
    the others do not."""
    fails, passes, name = ev.x[ev.bad], ev.x[~ev.bad], ev.name
    if not fails.size or passes.size < 2 or np.isnan(ev.x).any():
        return None
    found = _condition(name, fails, passes)
    if found is None:
        return None
    wrong, right = found
    k = ev.worst_of(ev.bad)
    return "wrong_in_region", (f"dJ/d{name} is right where {right} but wrong where {wrong} (worst at "
                               f"index {_at(ev.index(k))}: {_num(ev.a[k])} instead of {_num(ev.n[k])}, "
                               f"{ev.where(k)}). The derivative must hold for every {name}: compare "
                               f"what backward computes where {wrong} with the derivative of forward "
                               f"there (a cut-off, an approximation, another slope)")


def wrong_at_kink(ev: Evidence) -> tuple[str, str] | None:
    if not np.all(ev.kink[ev.bad]):
        return None
    k = ev.worst_of(ev.bad)
    d = ev.runs[int(ev.draw[k])].numeric[ev.i]
    j = ev.index(k)
    times = "" if math.isnan(ev.top[k]) else f" ({_num(ev.a[k] / ev.top[k])} × top_diff)"
    return "wrong_at_kink", (f"at index {_at(j)} ({ev.where(k)}) the gate has a kink: the one-sided "
                             f"derivatives are {_num(d.low[j])} and {_num(d.high[j])}, and any value "
                             f"between them is right (for ReLU at 0: 0 or top_diff), but dJ/d{ev.name} "
                             f"is {_num(ev.a[k])}{times}. At the kink use one side's derivative (e.g. "
                             f"top_diff * ({ev.name} > 0)), not a value of its own")


def wrong_values(ev: Evidence) -> tuple[str, str]:
    k = ev.worst_of(ev.bad)
    where = f"index {_at(ev.index(k))}"
    if not np.any(ev.a):
        return "wrong_values", (f"backward returned zeros for dJ/d{ev.name}, but the gradient is not "
                                f"zero (at {where} it is {_num(ev.n[k])}, {ev.where(k)}): compute "
                                f"top_diff × local_diff instead of an array of zeros")
    draws = f"{len(ev.runs)} draws" if len(ev.runs) > 1 else "1 draw"
    return "wrong_values", (f"worst at {where}: dJ/d{ev.name} is {_num(ev.a[k])} there but central "
                            f"differences give {_num(ev.n[k])} ({ev.where(k)}); {int(ev.bad.sum())} of "
                            f"the {ev.bad.size} elements checked ({draws}) differ. "
                            f"Recompute it as top_diff × local_diff, the derivative of forward at "
                            f"these inputs")


def value_problem(ev: Evidence, batch: int | None) -> tuple[str, str] | None:
    if not ev.bad.any():
        return None
    found = wrong_at_kink(ev)
    if found:
        return found
    if all(r.ignores_top[ev.i] for r, v in zip(ev.runs, ev.verdicts) if v.bad.any()):
        return "ignores_top_diff", (f"dJ/d{ev.name} does not change when top_diff does: backward "
                                    f"returns the local derivative alone. Multiply it by top_diff: "
                                    f"dJ/d{ev.name} = top_diff × local_diff (for an elementwise gate, "
                                    f"top_diff * f′({ev.name}))")
    if np.any(ev.a):
        found = constant_factor(ev, batch) or transposed_values(ev) or region(ev)
    return found or wrong_values(ev)


# --- arrays that are not the gate's ---------------------------------------------------------------

def not_finite(ev: Evidence) -> tuple[str, str] | None:
    bad = ~np.isfinite(ev.a)
    if not bad.any():
        return None
    k = int(np.flatnonzero(bad)[0])
    return "not_finite", (f"dJ/d{ev.name} holds {ev.a[k]} at index {_at(ev.index(k))} ({ev.where(k)}), "
                          f"where the gradient is {_num(ev.n[k])}: backward divides by 0, takes log(0) "
                          f"or overflows there. Write the derivative so that it is finite for every "
                          f"input (e.g. σ′ as a·(1 − a) from forward's output)")


def writes(ev: Evidence, top_owner: int) -> tuple[str, str] | None:
    wrote = next((r.wrote_input[ev.i] for r in ev.runs if r.wrote_input[ev.i]), None)
    if wrote:
        return "mutates_input", (f"{wrote}. In a graph the same array feeds other gates, which would "
                                 f"see the changed numbers: compute a new array ({ev.name} * mask, "
                                 f"np.maximum({ev.name}, 0)), never assign into an input "
                                 f"({ev.name}[...] = ..., {ev.name} *= ...)")
    wrote = next((r.wrote_top for r in ev.runs if r.wrote_top), None)
    if wrote and ev.i == top_owner:
        return "mutates_top_diff", (f"backward wrote into top_diff ({wrote}): in a graph with fan-out "
                                    f"the same top_diff reaches other gates, whose gradients would "
                                    f"change. Compute a new array: d{ev.name} = top_diff * mask, not "
                                    f"top_diff *= mask")
    return None


def stale_state(ev: Evidence) -> tuple[str, str] | None:
    text = next((r.stale[ev.i] for r in ev.runs if r.stale[ev.i]), None)
    if not text:
        return None
    return "stale_state", (f"dJ/d{ev.name} changes when one gate instance is used again: {text}. "
                           f"Something kept from an earlier call was used (a mask or an output "
                           f"computed once): compute in every forward what backward needs "
                           f"(self.mask = {ev.name} > 0 on each call)")


def diagnose(name: str, shape: Shape, runs: list[Run], i: int, *, batch: int | None = None,
             rtol: float = RTOL) -> InputCheck:
    """The verdict on input i over every draw of one shape set."""
    found = shape_problem(name, shape, runs, i)
    grads = [r.grads[i] for r in runs]
    check = InputCheck(name, tuple(shape), None if grads[0] is None else grads[0].shape)
    if found:
        check.diagnosis, check.message = found[0], sentence(found[1])
        return check
    ev = Evidence(name, tuple(shape), runs, i, rtol)
    ev.fill(check)
    top_owner = next((j for j, g in enumerate(runs[0].grads) if g is not None
                      and g.shape == runs[0].top.shape), 0)
    found = not_finite(ev) or writes(ev, top_owner) or value_problem(ev, batch) or stale_state(ev)
    if found:
        check.diagnosis, check.message = found[0], sentence(found[1])
    return check


def sentence(text: str) -> str:
    return text if text.endswith((".", "?")) else text + "."


__all__ = ["Evidence", "diagnose", "sentence"]
