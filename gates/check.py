"""`python -m gates.check`: check gates' backward against central differences, and say why one
is wrong. The front door: the command line, `assert_gate` for a teacher's autograder, and the
names of the oracle (gates.gradcheck) and of check_graph (graph.gradcheck) at their old path.

    python -m gates.check                                   # every built-in gate, as a table
    python -m gates.check student/gates.py:MyReLU           # shape sets guessed from its inputs
    python -m gates.check mymodule:MyGate --shapes 4x3,1x3 --json

Exit status: 0 every check passes, 1 a check failed, 2 the call or the gate's own code failed
(a file that cannot be imported, unreadable --shapes, a gate that raises or exits): always one
of the three, but for a broken pipe (`| head -1`), which ends quietly with 141. From Python:

    from gates.check import assert_gate
    assert_gate(MyGate, shapes=[(4, 3), (1, 3)])   # AssertionError whose message is the diagnosis
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import sys
from collections.abc import Sequence

from . import cli
from .gradcheck import (
    BUILTIN_SHAPES,
    EPS,
    TOLERANCE,
    GateReport,
    GradCheck,
    InputCheck,
    candidate_shapes,
    check_builtins,
    check_gate,
    check_gate_shapes,
    too_large,
)
from .gradcheck_report import DIAGNOSES, report_json
from .loader import LoadError, UsageError, load_gates, split_target
from .shapes import Shape, format_shape

PROG = "python -m gates.check"
_NUMBERS = re.compile(r"\[\s*\n\s*((?:-?[\d.eE+-]+,\s*)*-?[\d.eE+-]+)\s*\n\s*\]")
ShapeSet = tuple


def __getattr__(name: str):
    """check_graph lives with the graph (graph.gradcheck); importing gates.check stays light."""
    if name in ("check_graph", "rounding_scale"):
        from graph import gradcheck
        return getattr(gradcheck, name)
    if name == "render_reports":  # the table, drawn with rich (graph.check_view)
        from graph import check_view
        return check_view.render_reports
    raise AttributeError(f"module 'gates.check' has no attribute {name!r}")


# --- shapes and targets ----------------------------------------------------------------------------

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
    problem = too_large(shapes)
    if problem:
        raise UsageError(f"--shapes {text!r}: {problem}")
    return tuple(shapes)


def _builtin(name: str):
    for subject, (factory, _) in BUILTIN_SHAPES.items():
        if name.lower() in (subject.lower(), getattr(factory, "__name__", "").lower()):
            return subject, factory
    return None


def resolve_target(target: str) -> list[tuple[str, object]]:
    """(subject, gate class or instance) pairs for a target: a built-in gate's name (mulGate,
    MulGate), module:Name, path.py:Name, or a module or file alone (every gate defined in it)."""
    found = _builtin(target) if ":" not in target else None
    return [found] if found else load_gates(target)


def _check_arity(subject: str, gate, shape_sets: Sequence[ShapeSet]) -> None:
    names = getattr(gate, "inputs", ())
    for shapes in shape_sets:
        if names and len(shapes) != len(names):
            given = ", ".join(format_shape(s) for s in shapes)
            raise UsageError(f"--shapes {given}: {subject} takes {len(names)} input(s) "
                             f"({', '.join(names)}), so give {len(names)} shape(s), e.g. --shapes "
                             f"{','.join(['4x3'] * len(names))}")


def _shape_sets(gate, shapes) -> list[ShapeSet]:
    """assert_gate's shapes: one set of shapes (one per input), several sets, or "4x3,1x3"."""
    if isinstance(shapes, str):
        return [parse_shapes(shapes)]
    shapes = list(shapes)
    if shapes and all(isinstance(d, int) for d in shapes[0]):  # shapes, not sets of shapes
        return [(tuple(s),) for s in shapes] if len(gate.inputs) == 1 else [tuple(map(tuple, shapes))]
    return [tuple(tuple(s) for s in one) for one in shapes]


def assert_gate(gate, shapes: Sequence | str | None = None, *, seed: int = 0,
                tolerance: float = TOLERANCE) -> GateReport:
    """Check a gate (a class, an instance, or "path/file.py:MyGate") as `python -m gates.check`
    does, for a pytest autograder: AssertionError whose message is the diagnosis, else the report.

    `shapes`: one shape per input ([(4, 3), (1, 3)]), a list of such sets, "4x3,1x3", or None for
    the shape sets guessed from the gate's number of inputs.
    """
    if isinstance(gate, str):
        (subject, gate), = resolve_target(gate)
    report = check_gate_shapes(gate, None if shapes is None else _shape_sets(gate, shapes),
                               seed=seed, tolerance=tolerance)
    if not report.ok:
        raise AssertionError("\n".join(report.problems) or f"{report.subject}: nothing was checked")
    return report


# --- the command line ------------------------------------------------------------------------------

def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed: give a whole number ≥ 0, e.g. 0")
    return value


def _parser() -> cli.Parser:
    parser = cli.Parser(
        prog=PROG,
        description="Check gates' backward against central differences (float64), element by "
                    "element, on inputs of several regions, and name what is wrong. With no "
                    "target, every built-in gate.",
        epilog="exit status: 0 all pass, 1 a check failed, 2 the call or the gate's own code failed")
    parser.add_argument("target", nargs="?",
                        help="path/to/file.py:MyGate, mymodule:MyGate, a file or module (all its "
                             "gates) or a built-in gate's name (mulGate)")
    parser.add_argument("--shapes", action="append", metavar="4x3,1x3",
                        help="one shape per input; repeat the option to try several sets")
    parser.add_argument("--seed", type=_seed, default=0, help="random inputs and top_diff (default 0)")
    parser.add_argument("--tolerance", type=cli.positive_number("--tolerance 1e-6"), default=TOLERANCE,
                        help=f"relative tolerance per element (default {TOLERANCE:.0e})")
    parser.add_argument("--eps", type=cli.positive_number("--eps 1e-6"), default=EPS,
                        help=f"finite-difference step (default {EPS:.0e})")
    parser.add_argument("--json", action="store_true", help="one JSON document on standard output")
    return parser


def _run(args) -> list[GateReport]:
    shape_sets = [parse_shapes(s) for s in args.shapes] if args.shapes else None
    options = {"seed": args.seed, "eps": args.eps, "tolerance": args.tolerance}
    if args.target is None:
        if shape_sets is not None:
            raise UsageError("--shapes needs a gate to check: python -m gates.check mymodule:MyGate "
                             "--shapes 4x3,1x3")
        return check_builtins(**options)
    reports = []
    for subject, gate in resolve_target(args.target):
        if shape_sets is not None:
            _check_arity(subject, gate, shape_sets)
        sets = shape_sets or (BUILTIN_SHAPES[subject][1] if subject in BUILTIN_SHAPES else None)
        try:
            reports.append(check_gate_shapes(gate, sets, subject=subject, **options))
        except TypeError as error:  # a gate that needs arguments: the others are still checked
            reports.append(GateReport(subject, error=str(error)))
    return reports


def _document(reports: list[GateReport], error: str | None = None, target: str | None = None) -> str:
    if error is not None:
        found = {"ok": False, "gate": target, "error": error, "checks": []}
    elif len(reports) == 1:
        found = report_json(reports[0])
    else:
        found = {"ok": all(r.ok for r in reports), "gates": [report_json(r) for r in reports]}
    text = json.dumps(found, ensure_ascii=False, allow_nan=False, indent=2)
    return _NUMBERS.sub(lambda m: "[" + " ".join(m.group(1).split()) + "]", text)  # [4, 3] on one line


def _errors(reports: list[GateReport]) -> list[str]:
    """One line per gate that could not be checked or whose code raised."""
    lines = [r.error for r in reports if r.error and not r.checks]
    lines += [f"{r.subject} ({c.shape_text}): {c.error}" for r in reports for c in r.checks if c.crashed]
    return lines


def _width() -> int | None:
    """The terminal's width; 120 for a log or a grader's pipe (COLUMNS=0 counts as unset)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    return None if sys.stdout.isatty() else 120


def _refused(args, why: str) -> int:
    if args.json:
        print(_document([], why, args.target))
    cli.say(f"{PROG}: error: {' '.join(why.split())}")
    return 2


def _checked(args) -> int:
    try:
        with contextlib.redirect_stdout(sys.stderr or io.StringIO()):  # the gates' own prints
            reports = _run(args)
    except (UsageError, ValueError) as error:
        return _refused(args, str(error))
    except Exception as error:  # a bug of the checker: still one line and exit 2, never a pass
        return _refused(args, f"the checker itself failed ({type(error).__name__}: {error}); please "
                              f"report it with the gate that caused it")
    errors = _errors(reports)
    if args.json:
        print(_document(reports))
    elif any(not c.crashed for r in reports for c in r.checks):
        from graph.check_view import render_reports
        render_reports([r for r in reports if r.checks and not all(c.crashed for c in r.checks)],
                       _width())
    for line in errors:
        cli.say(f"{PROG}: error: {' '.join(line.split())}")
    if errors:
        return 2
    return 0 if all(r.ok for r in reports) else 1


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m gates.check [target] [--shapes 4x3,1x3 ...] [--json]`; returns the exit status:
    0, 1 or 2, or 141 after a broken pipe (`... | head -1`: ended quietly, as gates.trace does).
    Ctrl-C is 2: nothing was checked to the end."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if stop.code in (0, 2) else 2
    code = cli.guarded(PROG, lambda: _checked(args))
    if code == cli.INTERRUPTED:
        cli.say(f"{PROG}: error: interrupted before every check was done")
    return code if code in (0, 1, 2, cli.BROKEN_PIPE) else 2


# check_graph and render_reports are here too, loaded on first use (see __getattr__).
__all__ = ["BUILTIN_SHAPES", "DIAGNOSES", "EPS", "TOLERANCE", "GateReport", "GradCheck", "InputCheck",
           "LoadError", "Shape", "UsageError", "assert_gate", "candidate_shapes", "check_builtins",
           "check_gate", "check_gate_shapes", "main", "parse_shapes", "resolve_target", "split_target"]

if __name__ == "__main__":
    sys.exit(main())
