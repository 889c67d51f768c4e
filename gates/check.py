"""Numerical gradient checks: the analytic backward against central differences, in float64.

For a gate with output Z, the check draws a random top_diff G of Z's shape and differentiates
the scalar J(inputs) = Σ G ⊙ Z by central differences,

    dJ/dx_i ≈ (J(x + ε·e_i) − J(x − ε·e_i)) / 2ε,

which is exactly what backward(G) must return. The error reported is relative to the
gradient's scale: max_i |analytic_i − numeric_i| / max(max|analytic|, max|numeric|), so it
does not blow up on entries that happen to be near zero. It is the oracle of the tests.

From Python:

    check_gate(MulGate, [(4, 2), (2, 3)])        # one shape set → GradCheck
    check_gate_shapes(MyGate)                    # several shape sets → GateReport
    check_builtins()                             # every built-in gate → list[GateReport]

From the command line (exit 0: all pass, 1: a check failed, 2: a usage error or a gate that raised):

    python -m gates.check                              # every built-in gate, as a table
    python -m gates.check mymodule:MyGate --shapes 4x3,1x3
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .activations import Identity, ReLU, Sigmoid, Softmax, Tanh
from .arithmetic import AddGate, HadamardGate, MulGate
from .base import Gate
from .catalog import is_builtin
from .losses import CrossEntropyLoss, HalfSSELoss, MSELoss
from .shapes import Shape, ShapeError, format_shape, gradient_fix

EPS = 1e-6
TOLERANCE = 1e-6
# A gradient whose analytic and numeric values are both this small is zero up to the rounding
# noise of central differences (about 1e-16·|J|/ε): it must pass although the relative error of
# two zeros is meaningless. Any larger gradient is judged by its relative error alone.
ATOL = 1e-9

ShapeSet = tuple  # tuple[Shape, ...]: one shape per input of a gate


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


def scale_hint(analytic: np.ndarray, numeric: np.ndarray) -> str | None:
    """When the analytic gradient is the right one times a constant, say so: a forgotten 2 or
    1/n, or a flipped sign, is a different bug from a wrong derivative."""
    n2 = float(np.sum(numeric * numeric))
    if n2 == 0.0:
        return None
    c = float(np.sum(analytic * numeric)) / n2
    residual = float(np.linalg.norm(analytic - c * numeric))
    if residual > 1e-5 * max(float(np.linalg.norm(analytic)), 1e-12) or abs(c - 1) < 1e-3:
        return None
    if abs(c + 1) < 1e-3:
        return "it is exactly the right gradient with the wrong sign"
    return (f"it is the right gradient times {c:.4g}: a constant factor is missing or extra "
            f"(a 2 from a square, a 1/n from a mean?)")


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
    hint: str | None = None  # a likely cause, when the mistake has a recognisable form
    scale: float = float("nan")  # max(|analytic|, |numeric|) over the elements

    @property
    def agrees(self) -> bool:
        """Within tolerance relative to the gradient's scale, or both zero up to rounding."""
        return self.error <= self.tolerance or self.scale <= ATOL

    @property
    def shape_ok(self) -> bool:
        return self.grad_shape is not None and tuple(self.grad_shape) == tuple(self.shape)

    @property
    def ok(self) -> bool:
        return self.shape_ok and self.agrees

    @property
    def problem(self) -> str | None:
        """What is wrong, in words, or None."""
        if self.grad_shape is None:
            return f"dJ/d{self.name}: backward returned nothing for it"
        if not self.shape_ok:
            text = (f"dJ/d{self.name} is {format_shape(self.grad_shape)} but should be "
                    f"{format_shape(self.shape)}, the shape of {self.name}")
            fix = gradient_fix(self.name, self.shape, self.grad_shape)
            return f"{text}. {fix}" if fix else text
        if not self.agrees:
            text = (f"dJ/d{self.name} disagrees with central differences: relative error "
                    f"{self.error:.2e} > {self.tolerance:.0e}, worst at index "
                    f"{list(self.worst_index)} (analytic {self.analytic_at_worst:.6g}, "
                    f"numeric {self.numeric_at_worst:.6g})")
            return f"{text}; {self.hint}" if self.hint else text
        return None


@dataclass
class GradCheck:
    """The verdict on a gate (or graph) for one set of input shapes."""

    subject: str
    shapes: list[Shape]
    inputs: list[InputCheck] = field(default_factory=list)
    error: str | None = None  # forward or backward raised, or returned the wrong thing
    refused: ShapeError | None = None  # forward's shape rule refused these shapes
    crashed: bool = False  # the gate raised an exception (a bug in it, not a wrong number)

    @property
    def ok(self) -> bool:
        return self.error is None and self.refused is None and all(c.ok for c in self.inputs)

    @property
    def max_error(self) -> float:
        errors = [c.error for c in self.inputs if c.shape_ok]
        return max(errors) if errors else float("nan")

    @property
    def problems(self) -> list[str]:
        found = [self.error] if self.error else []
        if self.refused is not None:
            found.append(f"forward refused these shapes: {self.refused}")
        return found + [c.problem for c in self.inputs if c.problem]

    def __str__(self) -> str:
        shapes = ", ".join(format_shape(s) for s in self.shapes)
        verdict = "ok" if self.ok else "FAIL: " + "; ".join(self.problems)
        if np.isnan(self.max_error):
            return f"{self.subject} ({shapes}): {verdict}"
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
    check.scale = max(float(np.max(np.abs(analytic))), float(np.max(np.abs(numeric))),
                      0.0) if analytic.size else 0.0
    if not check.agrees:
        check.hint = scale_hint(analytic, numeric)
    return check


def _describe(labels: Sequence[str], shapes: Sequence[Shape]) -> str:
    return ", ".join(f"{label} {format_shape(s)}" for label, s in zip(labels, shapes))


def _raised(gate: Gate, where: str, error: Exception, shapes: Sequence[Shape],
            top: Shape | None = None) -> str:
    """A gate's exception in words, with the shapes it was given: what a traceback would hide."""
    given = _describe(gate.input_labels, shapes)
    text = f"{where} raised {type(error).__name__}: {error} (inputs {given}"
    if top is None:
        return text + ")"
    text += f", top_diff {format_shape(top)})"
    if isinstance(error, ValueError):
        wanted = ", ".join(f"dJ/d{label} {format_shape(s)}"
                           for label, s in zip(gate.input_labels, shapes))
        text += (f"; a product or sum in backward does not fit these shapes: the gradients must "
                 f"come out as {wanted}, and a missing or extra ᵀ is the usual cause")
    return text


def _states_no_rule(gate: Gate, shapes: Sequence[Shape]) -> bool:
    try:
        return gate.output_shape(*shapes) is None
    except Exception:
        return False


def _subject(gate: Gate) -> str:
    """mulGate for a built-in gate; the class name, with its kind, for a user's gate."""
    name = type(gate).__name__
    if is_builtin(gate) or name == gate.kind:
        return gate.kind
    return name if gate.kind == Gate.kind else f"{name} ({gate.kind})"


def _forward(gate: Gate, xs: list[np.ndarray], result: GradCheck) -> np.ndarray | None:
    """The gate's output, or None with the reason recorded in `result`."""
    shapes = result.shapes
    try:
        out = np.asarray(gate.forward(*[x.copy() for x in xs]), dtype=np.float64)
    except ShapeError as error:  # the gate's own rule: these shapes are not its shapes
        result.refused = error
        return None
    except Exception as error:  # a student's gate may fail in any way; report it, do not crash
        if isinstance(error, ValueError) and _states_no_rule(gate, shapes):
            # With no output_shape rule, numpy's refusal is the gate's only rule.
            result.refused = ShapeError(f"forward raised ValueError: {error}; the gate states no "
                                        f"output_shape rule, so numpy's refusal is its only one.",
                                        gate=gate.kind, operands=zip(gate.input_labels, shapes))
        else:
            result.error, result.crashed = _raised(gate, "forward", error, shapes), True
        return None
    rule = gate.output_shape(*shapes)
    if rule is not None and tuple(rule) != out.shape:
        result.error = (f"forward returned {format_shape(out.shape)} but output_shape says "
                        f"{format_shape(tuple(rule))} for inputs "
                        f"{_describe(gate.input_labels, shapes)}")
        return None
    return out


def _backward(gate: Gate, top_diff: np.ndarray, result: GradCheck) -> tuple | None:
    """One gradient per input, or None with the reason recorded in `result`."""
    try:
        grads = gate.backward(top_diff if top_diff.ndim else float(top_diff))
    except Exception as error:
        result.error = _raised(gate, "backward", error, result.shapes, top_diff.shape)
        result.crashed = True
        return None
    grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
    if len(grads) != len(result.shapes):
        result.error = (f"backward returned {len(grads)} gradient(s) for {len(result.shapes)} "
                        f"input(s) ({', '.join(gate.input_labels)}); return one per input, in order")
        return None
    return grads


def check_gate(gate: Gate | type, shapes: Sequence[Shape] | None = None, *,
               inputs: Sequence[np.ndarray] | None = None, seed: int = 0, eps: float = EPS,
               tolerance: float = TOLERANCE, top_diff: np.ndarray | None = None) -> GradCheck:
    """Check a gate's backward against central differences on random float64 inputs.

    `gate` is an instance or a class (built with no arguments). Give either `shapes` (random
    inputs of those shapes are drawn) or `inputs` themselves; `top_diff` (of the output's
    shape) is drawn at random unless given. The result says, per input, the gradient's shape
    and its largest relative error and where; a shape set the gate's own rule refuses is
    reported in `refused`, an exception the gate raised in `error`.
    """
    gate = gate() if isinstance(gate, type) else gate
    rng = np.random.default_rng(seed)
    if inputs is None:
        inputs = [rng.standard_normal(tuple(s)) for s in shapes]
    xs = [np.array(x, dtype=np.float64) for x in inputs]
    result = GradCheck(_subject(gate), [x.shape for x in xs])
    out = _forward(gate, xs, result)
    if out is None:
        return result
    G = rng.standard_normal(out.shape) if top_diff is None else np.asarray(top_diff, np.float64)
    if G.shape != out.shape:
        raise ValueError(f"top_diff is {format_shape(G.shape)} but the output is "
                         f"{format_shape(out.shape)}; give a top_diff of the output's shape")
    grads = _backward(gate, G, result)
    if grads is None:
        return result

    def J() -> float:
        return float(np.sum(np.asarray(gate.forward(*[x.copy() for x in xs])) * G))

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


# --- several shape sets per gate ---------------------------------------------------------------

# The shapes tried for each built-in gate: the [2,3,1] network's own (rows convention, then the
# columns one), a bias broadcast over the batch either way, and a batch of one observation.
_PAIR = [((4, 3), (4, 3)), ((1, 3), (1, 3))]
_ONE = [((4, 3),), ((3, 4),), ((4, 1),), ((1, 3),)]
_LOSS = [((4, 1), (4, 1)), ((4, 3), (4, 3)), ((1, 4), (1, 4)), ((1, 1), (1, 1))]
BUILTIN_SHAPES: dict[str, tuple[Callable[[], Gate], list[ShapeSet]]] = {
    "addGate": (AddGate, [((4, 3), (1, 3)), ((3, 4), (3, 1)), ((1, 3), (4, 3)), ((4, 1), (1, 1)),
                          *_PAIR]),
    "mulGate": (MulGate, [((4, 2), (2, 3)), ((4, 3), (3, 1)), ((3, 2), (2, 4)), ((1, 3), (3, 4)),
                          ((1, 2), (2, 3))]),
    "hadamard": (HadamardGate, _PAIR + [((3, 4), (3, 4))]),
    "sigmoid": (Sigmoid, _ONE),
    "tanh": (Tanh, _ONE),
    "relu": (ReLU, _ONE),
    "identity": (Identity, _ONE),
    "softmax": (Softmax, [((4, 3),), ((1, 3),), ((2, 5),)]),
    "softmax(axis=0)": (lambda: Softmax(axis=0), [((3, 4),), ((3, 1),)]),
    "mse": (MSELoss, _LOSS),
    "half_sse": (HalfSSELoss, _LOSS),
    "cross_entropy": (CrossEntropyLoss, [((4, 3), (4, 3)), ((1, 3), (1, 3)), ((4, 2), (4, 2))]),
    "cross_entropy(axis=0)": (lambda: CrossEntropyLoss(axis=0),
                              [((3, 4), (3, 4)), ((2, 1), (2, 1))]),
}


def candidate_shapes(n_inputs: int) -> list[ShapeSet]:
    """Shape sets to try on a gate whose shapes are not given, from its number of inputs:
    equal shapes, a matrix product's, a row bias, a column bias and a batch of one."""
    if n_inputs == 1:
        return list(_ONE)
    if n_inputs == 2:
        return [((4, 3), (4, 3)), ((4, 2), (2, 3)), ((4, 3), (1, 3)), ((3, 4), (3, 1)),
                ((1, 3), (1, 3))]
    return [((4, 3),) * n_inputs, ((1, 3),) * n_inputs, ((4, 3),) + ((1, 3),) * (n_inputs - 1)]


@dataclass
class GateReport:
    """The verdict on one gate over several shape sets.

    `checks` holds one GradCheck per shape set the gate accepted; `refused` the shape sets its
    forward refused with a ShapeError: not a failure when they were only guesses, as long as at
    least one set was accepted. `error` says why nothing could be checked.
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
        """The gate raised an exception (not a ShapeError from its rule) on some shape set."""
        return any(c.crashed for c in self.checks)

    @property
    def failed(self) -> list[GradCheck]:
        return [c for c in self.checks if not c.ok]

    @property
    def problems(self) -> list[str]:
        """Each problem in words, naming the gate and the shape set."""
        found = [self.error] if self.error else []
        for check in self.failed:
            shapes = ", ".join(format_shape(s) for s in check.shapes)
            found += [f"{self.subject} ({shapes}): {problem}" for problem in check.problems]
        return found

    @property
    def max_error(self) -> float:
        errors = [c.max_error for c in self.checks if not np.isnan(c.max_error)]
        return max(errors) if errors else float("nan")

    def __str__(self) -> str:
        if self.ok:
            return (f"{self.subject}: ok over {len(self.checks)} shape set(s), max relative "
                    f"error {self.max_error:.1e}")
        return "FAIL: " + "; ".join(self.problems)


def _no_shapes_accepted(subject: str, refused: list[GradCheck], guessed: bool) -> str:
    tried = "; ".join(", ".join(format_shape(s) for s in c.shapes) for c in refused)
    if guessed:
        return (f"{subject} accepted none of the shape sets tried ({tried}); give its input "
                f"shapes, e.g. --shapes 4x3,1x3 or check_gate_shapes(gate, [((4, 3), (1, 3))])")
    return f"{subject} refused the shapes given: {refused[0].refused}"


def check_gate_shapes(gate: Gate | Callable[[], Gate], shape_sets: Sequence[ShapeSet] | None = None,
                      *, subject: str | None = None, seed: int = 0, eps: float = EPS,
                      tolerance: float = TOLERANCE) -> GateReport:
    """Check a gate over several shape sets; without `shape_sets`, over guesses from its number
    of inputs (see candidate_shapes). `gate` is an instance or a factory such as a class; a
    factory gives a fresh gate per shape set."""
    make = (lambda: gate) if isinstance(gate, Gate) else gate
    try:
        first = make()
    except Exception as error:
        name = subject or getattr(gate, "__name__", gate)
        raise TypeError(f"{name}() raised {type(error).__name__}: {error}; the checker builds a "
                        f"gate with no arguments, so give its arguments defaults") from None
    if not isinstance(first, Gate):
        raise TypeError(f"{subject or gate!r} does not make a Gate (it made {type(first).__name__}); "
                        f"a gate subclasses gates.Gate")
    report = GateReport(subject or _subject(first))
    guessed = shape_sets is None
    sets = (candidate_shapes(len(first.inputs)) if guessed
            else [tuple(tuple(shape) for shape in s) for s in shape_sets])
    for number, shapes in enumerate(sets):
        if len(shapes) != len(first.inputs):
            report.error = (f"{report.subject} takes {len(first.inputs)} input(s) "
                            f"({', '.join(first.inputs)}), but a shape set gives {len(shapes)}: "
                            f"{', '.join(format_shape(s) for s in shapes)}")
            return report
        result = check_gate(first if number == 0 else make(), shapes, seed=seed + number,
                            eps=eps, tolerance=tolerance)
        (report.refused if result.refused is not None else report.checks).append(result)
    if not report.checks:
        report.error = _no_shapes_accepted(report.subject, report.refused, guessed)
    return report


def check_builtins(*, seed: int = 0, eps: float = EPS,
                   tolerance: float = TOLERANCE) -> list[GateReport]:
    """Every built-in gate over its shapes of BUILTIN_SHAPES."""
    return [check_gate_shapes(factory, sets, subject=name, seed=seed, eps=eps, tolerance=tolerance)
            for name, (factory, sets) in BUILTIN_SHAPES.items()]


# --- command line ------------------------------------------------------------------------------

class UsageError(Exception):
    """A mistake in how the checker was called: reported in one line, exit code 2."""


def parse_shapes(text: str) -> ShapeSet:
    """"4x3,1x3" → ((4, 3), (1, 3)); "4" is the vector (4,), "scalar" the shape ()."""
    shapes = []
    for part in text.replace("×", "x").replace("X", "x").split(","):
        part = part.strip().strip("()")
        if part in ("scalar", ""):
            shapes.append(())
            continue
        try:
            dims = tuple(int(d) for d in part.split("x"))
        except ValueError:
            raise UsageError(f"--shapes {text!r}: cannot read {part!r} as a shape; write one shape "
                             f"per input, dimensions joined by x, e.g. --shapes 4x3,1x3") from None
        if any(d < 1 for d in dims):
            raise UsageError(f"--shapes {text!r}: every dimension must be ≥ 1")
        shapes.append(dims)
    return tuple(shapes)


def _import_module(path: str):
    """A module by dotted name (mymodule, pkg.mod) or by file (labs/mymodule.py)."""
    import importlib
    import importlib.util

    if path.endswith(".py"):
        if not os.path.isfile(path):
            raise UsageError(f"no file {path!r}")
        name = os.path.splitext(os.path.basename(path))[0]
        known = sys.modules.get(name)
        if known is not None and os.path.abspath(getattr(known, "__file__", None) or "") \
                == os.path.abspath(path):
            return known  # imported already: its classes must stay the same objects
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader = lambda: spec.loader.exec_module(module)  # noqa: E731
    else:
        module = None
        loader = lambda: importlib.import_module(path)  # noqa: E731
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # `python -m` does this; a call from Python may not
    try:
        loaded = loader()
    except ModuleNotFoundError as error:
        if error.name and path.startswith(error.name):
            raise UsageError(f"cannot import {path!r}: no module named {error.name!r}; run from the "
                             f"folder that holds it, or give its file: path/to/{path.split('.')[-1]}"
                             f".py:MyGate") from None
        raise UsageError(f"importing {path!r} failed: {error}") from None
    except Exception as error:  # the user's module itself is broken: say where, not a traceback
        raise UsageError(f"importing {path!r} raised {type(error).__name__}: {error}") from None
    return module if module is not None else loaded


def _gates_of(module) -> dict[str, type]:
    return {name: obj for name, obj in vars(module).items()
            if isinstance(obj, type) and issubclass(obj, Gate) and obj.__module__ == module.__name__}


def resolve_target(target: str) -> list[tuple[str, Callable[[], Gate]]]:
    """(subject, factory) pairs for a command-line target: a built-in gate's name (mulGate),
    module:Name, path.py:Name, or a module alone (every Gate subclass defined in it)."""
    builtins = {name.lower(): (name, factory) for name, (factory, _) in BUILTIN_SHAPES.items()}
    builtins.update({factory.__name__.lower(): (name, factory) for name, (factory, _)
                     in BUILTIN_SHAPES.items() if isinstance(factory, type)})
    if ":" not in target and target.lower() in builtins:
        return [builtins[target.lower()]]
    path, _, name = target.partition(":")
    module = _import_module(path)
    if not name:
        found = _gates_of(module)
        if not found:
            raise UsageError(f"{path} defines no Gate subclass; name one with {path}:MyGate")
        return list(found.items())
    obj = getattr(module, name, None)
    if obj is None:
        known = ", ".join(_gates_of(module)) or "none"
        raise UsageError(f"{path} has no {name!r} (its gates: {known})")
    if isinstance(obj, Gate) or (isinstance(obj, type) and issubclass(obj, Gate)):
        return [(name, obj)]
    raise UsageError(f"{target} is a {type(obj).__name__}, not a Gate subclass or instance")


def _parser():
    from .cli import Parser, positive_number

    parser = Parser(
        prog="python -m gates.check",
        description="Check gates' backward against central differences (float64): the gradient "
                    "shapes, and the largest relative error. With no target, every built-in gate.",
        epilog="exit status: 0 all pass, 1 a check failed, 2 a usage error or a gate that raised")
    parser.add_argument("target", nargs="?",
                        help="mymodule:MyGate, path/to/file.py:MyGate, a module (all its gates) "
                             "or a built-in gate's name (mulGate)")
    parser.add_argument("--shapes", action="append", metavar="4x3,1x3",
                        help="one shape per input; repeat the option to try several sets")
    parser.add_argument("--seed", type=int, default=0, help="random inputs and top_diff (default 0)")
    parser.add_argument("--tolerance", type=positive_number("--tolerance 1e-6"), default=TOLERANCE,
                        help=f"largest relative error that passes (default {TOLERANCE:.0e})")
    parser.add_argument("--eps", type=positive_number("--eps 1e-6"), default=EPS,
                        help=f"finite-difference step (default {EPS:.0e})")
    return parser


def _run(args) -> list[GateReport]:
    shape_sets = [parse_shapes(s) for s in args.shapes] if args.shapes else None
    if args.target is None:
        if shape_sets is not None:
            raise UsageError("--shapes needs a gate to check: python -m gates.check mymodule:MyGate "
                             "--shapes 4x3,1x3")
        return check_builtins(seed=args.seed, eps=args.eps, tolerance=args.tolerance)
    targets = resolve_target(args.target)
    reports = []
    for subject, factory in targets:
        if shape_sets is not None:
            _check_arity(subject, factory, shape_sets)
        sets = shape_sets
        if sets is None and subject in BUILTIN_SHAPES:
            sets = BUILTIN_SHAPES[subject][1]
        try:
            reports.append(check_gate_shapes(factory, sets, subject=subject, seed=args.seed,
                                             eps=args.eps, tolerance=args.tolerance))
        except TypeError as error:  # a gate that needs arguments: the others are still checked
            reports.append(GateReport(subject, error=str(error)))
    return reports


def _check_arity(subject: str, factory, shape_sets: Sequence[ShapeSet]) -> None:
    names = getattr(factory, "inputs", ())
    for shapes in shape_sets:
        if names and len(shapes) != len(names):
            given = ", ".join(format_shape(s) for s in shapes)
            raise UsageError(f"--shapes {given}: {subject} takes {len(names)} input(s) "
                             f"({', '.join(names)}), so give {len(names)} shape(s), e.g. --shapes "
                             f"{','.join(['4x3'] * len(names))}")


def _verdict(check: GradCheck) -> tuple[str, str, str, str]:
    """(gradient shapes, max error, result, style) of one row of the table."""
    if check.refused is not None:
        return "—", "—", "n/a", "dim"
    if check.error is not None and not check.inputs:
        return "—", "—", "ERROR" if check.crashed else "FAIL", "bold red"
    grads = []
    for c in check.inputs:
        if c.grad_shape is None:
            grads.append(f"✗ dJ/d{c.name} None")
        elif c.shape_ok:
            grads.append(f"✓ {format_shape(c.grad_shape)}")
        else:
            grads.append(f"✗ {format_shape(c.grad_shape)} (want {format_shape(c.shape)})")
    error = "—" if np.isnan(check.max_error) else f"{check.max_error:.1e}"
    return ", ".join(grads), error, "pass" if check.ok else "FAIL", "" if check.ok else "bold red"


def render_reports(reports: Sequence[GateReport], console) -> None:
    """The table of every shape set checked, then each problem in words."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Gradient check against central differences (float64)",
                  title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("gate", no_wrap=True)
    table.add_column("input shapes", no_wrap=True)
    table.add_column("gradient shapes", min_width=15)
    table.add_column("max rel. err", justify="right", no_wrap=True)
    table.add_column("result", no_wrap=True)
    for report in reports:
        for i, check in enumerate(report.checks + report.refused):
            shapes = ", ".join(format_shape(s) for s in check.shapes)
            *cells, style = _verdict(check)
            table.add_row(report.subject if i == 0 else "", shapes, *cells, style=style)
        table.add_section()
    console.print(table)
    for report in reports:
        for problem in report.problems:
            console.print(Text(f"✗ {problem}", style="red"), soft_wrap=True)
        if report.refused and report.checks:
            sets = "; ".join(", ".join(format_shape(s) for s in c.shapes) for c in report.refused)
            console.print(Text(f"· {report.subject}: n/a means its own shape rule refused "
                               f"{sets}; guessed shapes it refuses are not failures", style="dim"),
                          soft_wrap=True)
    total = sum(len(r.checks) for r in reports)
    failed = sum(len(r.failed) for r in reports) + sum(1 for r in reports if r.error)
    summary = (f"all {total} shape sets of {len(reports)} gate(s) pass" if not failed
               else f"{failed} failure(s) in {len(reports)} gate(s)")
    console.print(Text(summary, style="green" if not failed else "bold red"))


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gates.check [target] [--shapes 4x3,1x3 ...]`; returns the exit status."""
    from rich.console import Console

    args = _parser().parse_args(argv)
    try:
        reports = _run(args)
    except UsageError as error:
        print(f"python -m gates.check: error: {error}", file=sys.stderr)
        return 2
    unusable = [r for r in reports if r.error and not r.checks]
    if len(unusable) == len(reports):  # nothing was checked: a usage problem, said in one line each
        for report in unusable:
            print(f"python -m gates.check: error: {report.error}", file=sys.stderr)
        return 2
    # A log or a grader's pipe is not 80 columns wide: give the table room there.
    wide = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 120
    render_reports(reports, Console(highlight=False, width=wide))
    if unusable or any(r.crashed for r in reports):
        return 2
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
