"""Lab 6, your own numpy code. Goal: debug a two-layer network written by
hand in plain numpy (scripts/lab_numpy_net.py) with gates.watch, which records
the shape of every numpy operation, forward and backward, and names each trap
on the line where it happens. Three bugs are planted: read the first finding,
predict the shape it is about, fix it, run again.

After each answer the lab fixes that bug for you, so that the next one shows.
To fix them yourself, work on a copy and run the lab on it until no problem is
left:

    python scripts/lab_numpy_bugs.py                 # guided: the three bugs, one at a time
    python scripts/lab_numpy_bugs.py --yes           # questions and answers, no waiting
    cp scripts/lab_numpy_net.py mine.py
    python scripts/lab_numpy_bugs.py --file mine.py  # your copy: what is left to fix

Exit status: 0 when the network has no problem left and its gradients agree with central
differences, 1 when a problem is left, 2 when the file cannot be loaded.
"""

from __future__ import annotations

import copy
import importlib.util
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

# lab_common first: it makes gates importable from a checkout without `pip install -e .`
from lab_common import Asker, fail, goal, parser, run, shape_marker

import gates
from gates.shapes import format_shape

HERE = Path(__file__).resolve().parent
NETWORK = HERE / "lab_numpy_net.py"
BATCH = 4
# The planted bugs, in the order the watch finds them: the kind of the first problem it
# reports, the line as planted, the line fixed.
FIXES = [("broadcast_trap", "    y = (X[:, 0] * X[:, 1] > 0).astype(float)\n",
          "    y = (X[:, 0] * X[:, 1] > 0).astype(float).reshape(-1, 1)\n"),
         ("shape_mismatch", "    da2 = delta3 @ W2\n", "    da2 = delta3 @ W2.T\n"),
         ("grad_shape", "    db1 = delta2.sum(axis=0)\n", "    db1 = delta2.sum(axis=0, keepdims=True)\n")]


def load(path: Path, name: str):
    """The network's module from `path`; a file that cannot be loaded ends the lab (status 2)."""
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except (OSError, SyntaxError, ImportError) as error:
        fail(f"cannot load {path}: {error}")
    missing = [f for f in ("make_data", "init_params", "train_step") if not hasattr(module, f)]
    if missing:
        fail(f"cannot use {path}: it has no {', '.join(missing)} (start from a copy of {NETWORK.name})")
    return module


def watched(module):
    """gates.watch of one train_step on the network's data: the Watch, also when numpy refused
    an operation (its ShapeError carries the Watch of everything recorded until then)."""
    X, y = module.make_data(BATCH)
    try:
        return gates.watch(module.train_step, X, y, module.init_params())
    except gates.ShapeError as error:
        return error.watch


def columns() -> int:
    """The terminal's width, 40 to 100 columns (100 into a file or a pipe), as the questions."""
    return max(40, min(100, shutil.get_terminal_size((100, 24)).columns))


def show(w, *, operations: bool) -> None:
    """The watch's tables: rich in a terminal, plain text into a file or a pipe."""
    print(w.render("rich" if sys.stdout.isatty() else "plain", width=columns(),
                   operations=operations), end="")


def say(text: str) -> None:
    """A paragraph of the lab, folded as the questions are."""
    print("\n" + textwrap.fill(text, columns(), subsequent_indent="  ", break_long_words=False))


# --- one question per kind of problem: the shape it is about, revealed with the fix ----------------

def question(w, found: dict) -> tuple[str, tuple, str]:
    """(question, expected shape, answer) about a problem the watch found, in its own shapes."""
    event = w.events[found["event"]]
    names, shapes = found["names"], [tuple(s) for s in found["shapes"]]
    sizes = " and ".join(f"{n} is {format_shape(s)}" for n, s in zip(names, shapes))
    if found["kind"] == "broadcast_trap":
        out = tuple(event["shape"])
        return (f"Line {found['line']}: {sizes}. What shape does {event['expr']} have?", out,
                f"{format_shape(out)}: numpy lines the vector up with the last axis, so every "
                f"prediction meets every target, {out[0] * out[1]} differences instead of "
                f"{out[0]}, and the loss averages them all without a complaint. Fix: {found['fix']} "
                f"Here y is made by make_data, so that is where it becomes a column.")
    if found["kind"] == "shape_mismatch":
        target = event["name"]
        made = next((e for e in w.events if e["name"] == target.removeprefix("d")), None)
        want = tuple(made["shape"]) if made else None
        return (f"Line {found['line']}: numpy refuses {event['expr']}: {sizes}. {target} is "
                f"dJ/d{target.removeprefix('d')}: what shape must it have?", want,
                f"{format_shape(want)}, the shape of {target.removeprefix('d')}: a gradient has the "
                f"shape of what it differentiates. {found['fix']}: the transpose makes the sizes meet.")
    grad, param = names
    return (f"Line {found['line']}: {grad} = {event['expr']} is {format_shape(shapes[0])}. "
            f"What shape must {grad} have?", shapes[1],
            f"{format_shape(shapes[1])}, the shape of {param}: one partial derivative per entry. "
            f"Fix: {found['fix']}")


def gradient_check(module, eps: float = 1e-6) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each parameter's gradient twice: as train_step applies it (one step with lr = 1: W − new
    W) and by central differences of the loss it returns. Both of the parameter's shape."""
    X, y = module.make_data(BATCH)
    params = module.init_params()
    stepped = copy.deepcopy(params)
    module.train_step(X, y, stepped, lr=1.0)
    found = {}
    for key, value in params.items():
        numeric = np.zeros(value.shape)
        for index in np.ndindex(value.shape):
            losses = []
            for sign in (1, -1):
                moved = copy.deepcopy(params)
                moved[key][index] += sign * eps
                losses.append(float(module.train_step(X, y, moved, lr=0.0)))
            numeric[index] = (losses[0] - losses[1]) / (2 * eps)
        found[key] = (value - stepped[key], numeric)
    return found


def relative_error(applied: np.ndarray, numeric: np.ndarray) -> float:
    """The largest |applied − numeric| / (|applied| + |numeric|) over the entries."""
    return float(np.max(np.abs(applied - numeric) / np.maximum(np.abs(applied) + np.abs(numeric), 1e-12)))


def how_wrong(key: str, applied: np.ndarray, numeric: np.ndarray) -> str:
    """One wrong gradient in words: its worst entry, both values, and the factor when the
    applied gradient is the true one scaled (a mean for a sum: 1/k)."""
    where = np.unravel_index(np.argmax(np.abs(applied - numeric)), applied.shape)
    entry = ", ".join(str(int(i)) for i in where)
    text = (f"{key}'s gradient (relative error {relative_error(applied, numeric):.1e}): at {key}[{entry}] "
            f"the step applies {applied[where]:.6g} where central differences give {numeric[where]:.6g}")
    norm = float(numeric.ravel() @ numeric.ravel())
    if norm > 0:
        factor = float(applied.ravel() @ numeric.ravel()) / norm
        if factor != 0 and relative_error(applied, factor * numeric) < 1e-6:
            text += f"; the whole gradient is {factor:.6g} × the true one"
    return text


def verdict(module) -> int:
    gradients = gradient_check(module)
    errors = {key: relative_error(*pair) for key, pair in gradients.items()}
    wrong = [key for key, error in errors.items() if error >= 1e-6]
    words = "FAIL: a gradient is wrong, though its shape is right" if wrong else "the gradients are right"
    say(f"Gradient check (central differences, float64): largest relative error "
        f"{max(errors.values()):.1e}: {words}.")
    for key in wrong:
        say(f"  ✗ {how_wrong(key, *gradients[key])}.")
    return 1 if wrong else 0


# --- the two ways to run the lab ------------------------------------------------------------------

def guided(ask: Asker) -> int:
    """The planted bugs one at a time: watch, ask about the first finding, fix it, watch again."""
    source = NETWORK.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        for stage, (kind, planted, fixed) in enumerate([*FIXES, (None, None, None)], start=1):
            path = Path(folder) / str(stage) / NETWORK.name  # a new path: fresh source lines
            path.parent.mkdir()
            path.write_text(source, encoding="utf-8")
            module = load(path, f"lab_numpy_net_{stage}")
            w = watched(module)
            print(f"\n=== Run {stage}: gates.watch(train_step, X, y, params) ===")
            show(w, operations=stage == 1)
            if kind is None:
                break
            first = w.problems[0]
            if first["kind"] != kind:
                raise SystemExit(f"the lab expected a {kind} first, the watch found {first['kind']}")
            if stage == 1 and len(w.problems) > 1:
                say(f"{len(w.problems)} problems, but they may all come from the first: fix the first "
                    f"one, then run again.")
            text, expected, answer = question(w, first)
            ask(text, answer, shape_marker(expected))
            line = source[:source.index(planted)].count("\n") + 1
            source = source.replace(planted, fixed)
            print(f"\n  fixed, line {line}:\n    - {planted.strip()}\n    + {fixed.strip()}")
        if w.problems:
            say(f"{len(w.problems)} problem(s) left.")
            return 1
        say("No problem left: every operation kept its shapes and every gradient has its "
            "parameter's shape.")
        return verdict(module)


def yours(path: Path) -> int:
    """The student's copy: its trace and findings; the gradient check once nothing is left."""
    module = load(path, "lab_numpy_net_yours")
    w = watched(module)
    show(w, operations=True)
    if w.problems:
        first = w.problems[0]
        say(f"{len(w.problems)} problem(s) left. Fix the first (line {first['line']}, "
            f"{first['kind']}), then run again: the others may follow from it.")
        return 1
    say(f"No problem left in {path.name}.")
    return verdict(module)


def main(argv=None) -> int:
    p = parser(__doc__)
    p.add_argument("--file", type=Path, help="watch your own copy of scripts/lab_numpy_net.py")
    args = p.parse_args(argv)
    goal(__doc__)
    if args.file is not None:
        return yours(args.file)
    return guided(Asker(args))


if __name__ == "__main__":
    sys.exit(run(main))
