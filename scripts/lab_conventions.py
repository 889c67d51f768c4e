"""Lab 4, both conventions. Goal: see the same [2, 3, 1] network written in the rows convention
(z = X·W + b, one observation per row, as in code) and in the columns convention (z = W·x + b, one
observation per column, as in many textbooks), and check, shape by shape and number by number,
that every matrix of one is the transpose of its twin in the other.

    python scripts/lab_conventions.py          # answer as you go
    python scripts/lab_conventions.py --yes    # questions and answers, no waiting
"""

from __future__ import annotations

import sys

import numpy as np

# lab_common first: it makes gates importable from a checkout without `pip install -e .`
from lab_common import Asker, goal, parser, run, shape_marker

from gates.shapes import format_shape
from graph import Graph
from graph.render import show
from graph.tracer import symbolic_events
from graph.walkthrough import Comparison, example_data, trace

LAYERS, BATCH = [2, 3, 1], 4


def twins() -> tuple[Graph, Graph, dict, dict]:
    """The network in both conventions, from the same weights, and the same data both ways."""
    rows, columns = Graph.mlp(LAYERS, convention="rows"), Graph.mlp(LAYERS, convention="columns")
    data = example_data(rows, BATCH, seed=0)
    return rows, columns, data, {name: value.T for name, value in data.items()}


def questions(ask: Asker, rows: Graph, columns: Graph) -> None:
    """Predict the columns shapes from the rows ones; the answers are the columns graph's events."""
    symbols = {"k": BATCH}
    r = {(e["phase"], e.get("output") or e.get("grad_of")): e for e in symbolic_events(rows, symbols)}
    c = {(e["phase"], e.get("output") or e.get("grad_of")): e for e in symbolic_events(columns, symbols)}

    def mark(expected):
        return shape_marker(expected, symbols)

    z2_rows, z2_cols = r[("forward", "z2")], c[("forward", "z2")]
    ask(f"In rows, z² = {z2_rows['formula']} is {format_shape(z2_rows['shape'])}. In columns, "
        f"z² = {z2_cols['formula']}: what shape?",
        f"{z2_cols['arithmetic']}: one column per observation, the transpose of "
        f"{format_shape(z2_rows['shape'])}.", mark(z2_cols["shape"]))
    db_rows, db_cols = r[("backward", "b1")], c[("backward", "b1")]
    ask(f"In rows, dJ/db¹ = {db_rows['formula']} is {format_shape(db_rows['shape'])}. In columns?",
        f"dJ/db¹ = {db_cols['formula']}: {db_cols['arithmetic']}. b¹ is a column there, broadcast "
        f"over the {BATCH} columns, so its gradient sums over them.", mark(db_cols["shape"]))
    dw_rows, dw_cols = r[("backward", "W1")], c[("backward", "W1")]
    ask(f"In rows, dJ/dW¹ = {dw_rows['formula']}, {dw_rows['arithmetic']}. How is it written in "
        f"columns, and what shape?",
        f"dJ/dW¹ = {dw_cols['formula']}: {dw_cols['arithmetic']}. The transpose of a product "
        f"reverses it: (Xᵀ·δ²)ᵀ = δ²ᵀ·X, with δ²ᵀ the columns δ².", mark(dw_cols["shape"]))


def transposes(rows: Graph, columns: Graph, data_rows: dict, data_columns: dict):
    """A table: every value and gradient of rows beside its columns twin, and whether the columns
    matrix is the rows one transposed, number by number (largest difference)."""
    from rich import box
    from rich.table import Table

    rows.forward(**data_rows)
    columns.forward(**data_columns)
    grads = rows.backward(), columns.backward()
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("rows", "shape", "columns", "shape", "gap"):
        table.add_column(name, justify="left" if name in ("rows", "columns") else "right")
    pairs = list(zip(rows.nodes.values(), columns.nodes.values()))
    worst = 0.0
    for kind, source in (("value", (rows.values, columns.values)), ("gradient", grads)):
        for a, b in pairs:
            if a.name not in source[0] or b.name not in source[1] or (
                    kind == "gradient" and a.name == rows.output):
                continue  # no gradient for the data X, y; dJ/dJ = 1 says nothing
            left, right = np.asarray(source[0][a.name]), np.asarray(source[1][b.name])
            gap = float(np.max(np.abs(right - left.T)))
            worst = max(worst, gap)
            label = (lambda n: n.label) if kind == "value" else (lambda n: n.grad_label)
            table.add_row(label(a), format_shape(left.shape), label(b), format_shape(right.shape),
                          f"{gap:.1e}")
        table.add_section()
    return table, worst


def main(argv=None) -> int:
    args = parser(__doc__).parse_args(argv)
    goal(__doc__)
    rows, columns, data_rows, data_columns = twins()
    questions(Asker(args), rows, columns)
    print()
    terminal = sys.stdout.isatty()
    show(Comparison(trace(rows, data_rows), trace(columns, data_columns)),
         "rich" if terminal else "plain")
    table, worst = transposes(rows, columns, data_rows, data_columns)
    from rich.console import Console

    from graph.render import terminal_columns
    print("\nIs columns = rowsᵀ, number by number? (gap: the largest |columns − rowsᵀ|)")
    Console(highlight=False, width=terminal_columns()).print(table)
    same = worst < 1e-12
    print(f"Every columns matrix is its rows twin transposed (largest gap {worst:.1e}):\n"
          f"{'one network, written two ways' if same else 'they DIFFER'}.")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(run(main))
