"""Lab 2, build a gate. Goal: write the backward of two gates yourself, a tanh (elementwise) and
a matrix product (the switcher, with its transposes), prove them right against central
differences with `python -m gates.check`, then run them inside the [2, 3, 1] network.

Complete the TODOs in scripts/lab_gate_skeleton.py (or a copy: --file yours.py), then:

    python scripts/lab_build_a_gate.py               # check the skeleton (fails until you finish)
    python scripts/lab_build_a_gate.py --solution    # check the worked solution
    python -m gates.check scripts/lab_gate_skeleton.py:MatMulGate   # one gate, the same verdict

The lab grades with the checker itself, on the same shapes and draws of inputs, so both give the
same verdict and the same diagnosis. Exit status: 0 when both gates pass, 1 when one fails, 2
when the file cannot be loaded or a gate's code raises (or exits).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# lab_common first: it makes gates importable from a checkout without `pip install -e .`
from lab_common import Asker, goal, parser, prog_name, run

from gates import AddGate, MSELoss, MulGate, cli
from gates.check import UsageError, check_gate_shapes, check_graph, render_reports, resolve_target
from gates.gradcheck_report import GateReport
from gates.shapes import format_shape
from graph import Graph

HERE = Path(__file__).resolve().parent
SKELETON, SOLUTION = HERE / "lab_gate_skeleton.py", HERE / "lab_gate_solution.py"
GATES = ("TanhGate", "MatMulGate")  # the gates to write, checked as `python -m gates.check` does


def questions(ask: Asker) -> None:
    """Before the check: what must the matrix product's backward return? (MulGate's own words.)"""
    a, b = (4, 2), (2, 3)
    out = MulGate().output_shape(a, b)
    rule = MulGate()
    ask(f"For Z = A·B with A {format_shape(a)} and B {format_shape(b)}, top_diff = dJ/dZ is "
        f"{format_shape(out)}. Which product of top_diff and B gives dJ/dA, of A's shape?",
        f"top_diff · Bᵀ: {rule.grad_arithmetic(0, [a, b], out)}")
    ask("And dJ/dB, of B's shape?", f"Aᵀ · top_diff: {rule.grad_arithmetic(1, [a, b], out)}")
    ask("For a = tanh(z), is dJ/dz = top_diff ⊙ (1 − a²) or top_diff · (1 − a²)?",
        "⊙, elementwise: each a depends on its own z only, so the shape of z is kept "
        "(numpy's *, not @).")


def check(path: Path) -> tuple[list[GateReport], dict]:
    """The checker's report on each gate of the file (the default shape sets of `python -m
    gates.check path:Gate`), and the gate classes found. UsageError if the file cannot be loaded."""
    reports, found = [], {}
    for name in GATES:
        (subject, factory), = resolve_target(f"{path}:{name}")
        found[name] = factory
        try:
            reports.append(check_gate_shapes(factory, subject=subject))
        except TypeError as error:  # the class cannot be built with no arguments
            raise UsageError(str(error)) from None
    return reports, found


def crashes(reports: list[GateReport]) -> list[str]:
    """One line per gate whose code raised, as the command line says it."""
    return [f"{r.subject} ({c.shape_text}): {c.error}" for r in reports for c in r.checks if c.crashed]


def in_a_network(gates: dict) -> None:
    """The student's gates wired by hand into the [2, 3, 1] network, checked end to end."""
    rng = np.random.default_rng(0)
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W1", rng.standard_normal((2, 3)))
    g.param("b1", np.zeros((1, 3)))
    g.param("W2", rng.standard_normal((3, 1)))
    g.param("b2", np.zeros((1, 1)))
    g.add(gates["MatMulGate"](), ["X", "W1"], "XW1")
    g.add(AddGate(), ["XW1", "b1"], "z2")
    g.add(gates["TanhGate"](), ["z2"], "a2")
    g.add(gates["MatMulGate"](), ["a2", "W2"], "a2W2")
    g.add(AddGate(), ["a2W2", "b2"], "z3")
    g.add(MSELoss(), ["z3", "y"], "J")
    inputs = {"X": rng.standard_normal((4, 2)), "y": rng.standard_normal((4, 1))}
    result = check_graph(g, inputs)  # leaves g as it was: no forward yet
    g.forward(**inputs)
    grads = g.backward()
    print(g.summary())
    print("\nYour gates inside the [2, 3, 1] network, batch 4:")
    for name in ("z2", "W1", "W2"):
        print(f"  {g.nodes[name].grad_label}: {format_shape(grads[name].shape)}")
    print(f"  whole-network gradient check: largest relative error {result.max_error:.1e}: "
          f"{'pass' if result.ok else 'FAIL'}")


def main(argv=None) -> int:
    p = parser(__doc__)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--solution", action="store_true", help="check the worked solution")
    which.add_argument("--file", type=Path, help="check your own copy of the skeleton")
    args = p.parse_args(argv)
    goal(__doc__)
    path = SOLUTION if args.solution else args.file or SKELETON
    questions(Asker(args))
    try:
        reports, gates = check(path)
    except UsageError as error:
        cli.say(f"cannot check {path}: {' '.join(str(error).split())}")
        return 2
    print()
    render_reports([r for r in reports if not all(c.crashed for c in r.checks)])
    for line in crashes(reports):
        cli.say(f"{prog_name()}: error: {' '.join(line.split())}")
    if crashes(reports):
        return 2
    if not all(report.ok for report in reports):
        print(f"\nNot yet: complete the TODOs in {path}, then run this lab again.")
        return 1
    print(f"\nBoth gates of {path.name} pass.")
    in_a_network(gates)
    return 0


if __name__ == "__main__":
    code = run(main)
    sys.exit(code if code in (0, 1, 2) else 2)
