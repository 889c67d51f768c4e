"""Running a gate under the checker's eye: every call guarded, inputs drawn from several regions,
and what one call cannot show: writes into inputs or top_diff, a top_diff ignored, state kept
from an earlier call.

A student's gate may fail in any way, sys.exit and KeyboardInterrupt included: each call into it
goes through `call`, which turns anything it raises into GateFailed, an error of the gate.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .differences import EPS, RTOL, Differences, differences, find_kinks, tolerance_floor
from .shapes import Shape, format_shape

# Each shape set is checked on inputs drawn from each region: a derivative wrong only in the
# tails (σ′ taken as 0 for |z| > 3), at a kink (ReLU at exactly 0) or at ties shows up somewhere.
REGIONS = {"normal": "N(0, 1)", "small": "|x| ≤ 0.1", "large": "2 ≤ |x| ≤ 8",
           "zeros": "exact zeros and repeated values"}
_PACKAGE = Path(__file__).resolve().parent


class GateFailed(Exception):
    """The gate's own code raised: any exception, SystemExit and KeyboardInterrupt included."""

    def __init__(self, where: str, error: BaseException) -> None:
        super().__init__(f"{where} raised {raised(error)}")
        self.where, self.error = where, error
        self.top: tuple | None = None  # top_diff's shape, when backward raised


class WrongReturn(Exception):
    """The gate returned something that is not what the contract asks (a check failure)."""


class OutputNotFinite(WrongReturn):
    """forward returned NaN or inf for the inputs drawn."""


def raised(error: BaseException) -> str:
    """An exception in one line, with the line of the user's file it came from."""
    if isinstance(error, SystemExit):
        text = f"SystemExit({error.code!r}), i.e. sys.exit()"
    elif isinstance(error, KeyboardInterrupt):
        text = "KeyboardInterrupt"
    else:
        message = " ".join(str(error).split())
        text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    return text + where_in_user_code(error)


def where_in_user_code(error: BaseException) -> str:
    """' (mygate.py, line 12)': the last line of the traceback outside numpy and this package."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if "numpy" not in Path(f.filename).parts and Path(f.filename).parent != _PACKAGE]
    if not frames or frames[-1].filename.startswith("<"):
        return ""
    return f" ({Path(frames[-1].filename).name}, line {frames[-1].lineno})"


def call(where: str, fn: Callable, *args):
    """fn(*args), with whatever it raises reported as an error of the gate."""
    try:
        return fn(*args)
    except BaseException as error:  # noqa: BLE001 (a student's gate may even exit or be interrupted)
        raise GateFailed(where, error) from None


class Subject:
    """The gate being checked: a fresh instance per call on demand, and one instance that serves
    every call in turn, as a gate in a training loop does (`history`: the shapes it has seen)."""

    def __init__(self, make: Callable[[], object], shared=None) -> None:
        self.make_raw = make
        self.shared = shared if shared is not None else self.make()
        self.history: list[tuple] = []

    def make(self):
        return call("the constructor", self.make_raw)


# --- inputs and top_diff ------------------------------------------------------------------------

def draw(rng: np.random.Generator, shape: Shape, region: str) -> np.ndarray:
    """Random inputs of one region (see REGIONS)."""
    if region == "normal":
        return rng.standard_normal(shape)
    if region == "small":
        return rng.uniform(-0.1, 0.1, shape)
    if region == "large":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(2.0, 8.0, shape)
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    order = rng.permutation(flat.size)
    third = max(1, flat.size // 3)
    flat[order[:third]] = 0.0
    flat[order[third:2 * third]] = round(float(rng.uniform(0.2, 2.0)), 1)
    return x


def random_top(rng: np.random.Generator, shape: Shape) -> np.ndarray:
    """A top_diff of random signs and sizes, never near 0 or all ones: a backward that ignores
    top_diff, or drops its sign, cannot agree with it by chance."""
    size = rng.uniform(1.25, 1.75) if not shape else rng.uniform(0.5, 1.5, shape)
    return np.asarray(rng.choice([-1.0, 1.0], shape) * size, dtype=np.float64)


# --- what the gate returns ------------------------------------------------------------------------

def as_output(value) -> np.ndarray:
    if value is None:
        raise WrongReturn("forward returned None: return the output array")
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise WrongReturn(f"forward returned {type(value).__name__}, not an array of numbers") from None


def as_gradients(value, count: int) -> list[np.ndarray | None]:
    """One float64 array (or None) per input; fewer than `count` are padded with None."""
    grads = list(value) if isinstance(value, (tuple, list)) else [value]
    if len(grads) > count:
        raise WrongReturn(f"backward returned {len(grads)} gradients for {count} input(s): return "
                          f"one per input, in order")
    out = []
    for grad in grads + [None] * (count - len(grads)):
        try:
            out.append(None if grad is None else np.array(grad, dtype=np.float64))
        except (TypeError, ValueError):
            raise WrongReturn(f"backward returned a {type(grad).__name__} where a gradient "
                              f"array belongs") from None
    return out


def as_top(top: np.ndarray):
    """top_diff as a gate receives it: an array, or a float for a scalar output (a loss)."""
    return top if top.ndim else float(top)


def first_change(before: np.ndarray, after, label: str) -> str | None:
    """'z[0, 2] was −0.51, became 0' for the first element that changed, or None."""
    after = np.asarray(after)
    if after.shape != before.shape:
        return f"{label} changed shape from {format_shape(before.shape)} to {format_shape(after.shape)}"
    changed = ~((before == after) | (np.isnan(before) & np.isnan(after)))
    if not changed.any():
        return None
    i = tuple(int(k) for k in np.argwhere(changed)[0])
    where = f"{label}[{', '.join(map(str, i))}]" if i else label
    return f"{where} was {before[i]:.4g}, became {float(after[i]):.4g}"


def same(a, b) -> bool:
    """Equal up to the last bits a different memory layout may change in a product."""
    if a is None or b is None or np.shape(a) != np.shape(b):
        return a is None and b is None
    finite = np.abs(a[np.isfinite(a)])
    scale = float(np.max(finite)) if finite.size else 0.0
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12 * scale, equal_nan=True))


# --- one draw ------------------------------------------------------------------------------------

@dataclass
class Run:
    """One forward and backward of a fresh gate on one draw of inputs, with the probes."""

    region: str
    inputs: list[np.ndarray]
    top: np.ndarray
    out: np.ndarray
    grads: list[np.ndarray | None]
    numeric: list[Differences] = field(default_factory=list)
    atol: list[float] = field(default_factory=list)
    wrote_input: list[str | None] = field(default_factory=list)  # what forward/backward changed
    wrote_top: str | None = None
    ignores_top: list[bool] = field(default_factory=list)  # the gradient did not follow top_diff
    stale: list[str | None] = field(default_factory=list)   # how a reused instance differed


def run(subject: Subject, region: str, xs: list[np.ndarray], labels, rng: np.random.Generator,
        top: np.ndarray | None = None, h: float = EPS, rtol: float = RTOL) -> Run:
    """Forward and backward on a fresh gate, the numeric derivatives, and the probes."""
    gate, given = subject.make(), [x.copy() for x in xs]
    out = as_output(call("forward", gate.forward, *given))
    if not np.all(np.isfinite(out)):
        k = tuple(int(j) for j in np.argwhere(~np.isfinite(out))[0])
        raise OutputNotFinite(f"forward returned {out[k]} at output index {list(k)} for inputs of the "
                              f"{region} draw ({REGIONS.get(region, 'as given')})")
    wrote = [first_change(x, g, label) and "forward" for x, g, label in zip(xs, given, labels)]
    G = random_top(rng, out.shape) if top is None else np.array(top, dtype=np.float64)
    sent = G.copy()
    try:
        grads = as_gradients(call("backward", gate.backward, as_top(sent)), len(xs))
    except GateFailed as failed:
        failed.top = G.shape  # for the message: the shapes backward was given
        raise
    result = Run(region, xs, G, out, grads)
    for i, (x, g, label) in enumerate(zip(xs, given, labels)):
        change = first_change(x, g, label)
        wrote[i] = change and f"{wrote[i] or 'backward'} wrote into its input: {change}"
    result.wrote_input = wrote
    result.wrote_top = first_change(G, sent, "top_diff") if G.ndim else None
    scale = float(np.sum(np.abs(G * out)))
    for i in range(len(xs)):
        numeric(subject, result, i, scale, h, rtol)
    result.ignores_top = ignores_top(subject, result, rng)
    result.stale = stale(subject, result)
    return result


# A forward that is not finite for some drawn inputs (log z, 1/z) is outside its domain there:
# every draw of the shape set is taken again away from 0 (each number moved 0.1 further from 0,
# its sign kept), then as positive numbers (|x| + 0.1), before the gate is told it is not finite.
# All draws move, not only the one that failed: a draw at |z| = 1e-4 is finite for 1/z, but too
# near the pole for central differences to be the reference.
AWAY_FROM_EDGE = (lambda x: x, lambda x: x + np.where(x < 0, -0.1, 0.1), lambda x: np.abs(x) + 0.1)


def runs_in_domain(subject: Subject, draws, rng, top_diff, eps, tolerance) -> list[Run]:
    """run() on every draw; if forward is not finite on one, every draw moved away from the edge."""
    labels, first = subject.shared.input_labels, None
    for move in AWAY_FROM_EDGE:
        try:
            return [run(subject, region, [move(x) for x in xs], labels, rng, top_diff, eps, tolerance)
                    for region, xs in draws]
        except OutputNotFinite as problem:
            if draws[0][0] == "given":
                raise OutputNotFinite(f"{problem}: forward must be finite for the inputs given") from None
            first = first or problem
    raise OutputNotFinite(f"{first}, and still when every draw is moved away from 0 or made positive "
                          f"(|x| + 0.1): more than the edge of the gate's domain, so forward must be "
                          f"finite there (a division by 0, log of 0, an overflow?)")


def numeric(subject: Subject, result: Run, i: int, scale: float, h: float, rtol: float) -> None:
    """dJ/d(input i) by differences of J = Σ G ⊙ forward(...), each J from a fresh gate."""
    work = [x.copy() for x in result.inputs]

    def J() -> float:
        out = as_output(call("forward", subject.make().forward, *[w.copy() for w in work]))
        return float(np.sum(result.top * out))

    d = differences(J, work[i], h)
    atol = tolerance_floor(scale, d.central, h)
    find_kinks(J, work[i], d, atol, rtol, h)
    result.numeric.append(d)
    result.atol.append(atol)


def ignores_top(subject: Subject, result: Run, rng: np.random.Generator) -> list[bool]:
    """Whether each gradient stays the same when backward gets another top_diff."""
    gate = subject.make()
    call("forward", gate.forward, *[x.copy() for x in result.inputs])
    other = random_top(rng, result.out.shape)
    grads = as_gradients(call("backward", gate.backward, as_top(other)), len(result.inputs))
    return [g is not None and bool(np.any(g != 0)) and same(g, o) for g, o in zip(result.grads, grads)]


def stale(subject: Subject, result: Run) -> list[str | None]:
    """The instance that serves every call, on these inputs: any difference from a fresh gate
    is state kept from an earlier call (a mask computed once, a cache keyed on nothing)."""
    previous = subject.history[-1] if subject.history else None
    subject.history.append(tuple(x.shape for x in result.inputs))
    when = (f"called again after inputs {', '.join(format_shape(s) for s in previous)}"
            if previous else "on its first call")
    n, gate = len(result.inputs), subject.shared
    try:
        out = as_output(gate.forward(*[x.copy() for x in result.inputs]))
        grads = as_gradients(gate.backward(as_top(result.top.copy())), n)
    except BaseException as error:  # noqa: BLE001 (only a reused instance fails: that is the finding)
        return [f"{when}, it raised {raised(error)}"] * n
    if not same(out, result.out):
        return [f"{when}, forward returned a different output than a new instance"] * n
    return [None if same(g, want) else f"{when}, it returned a different gradient than a new instance"
            for g, want in zip(grads, result.grads)]


__all__ = ["REGIONS", "GateFailed", "OutputNotFinite", "Run", "Subject", "WrongReturn", "as_gradients",
           "as_output", "call", "draw", "random_top", "raised", "run", "runs_in_domain", "same"]
