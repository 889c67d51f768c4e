"""No shape, note or answer is ever hidden behind "…", at any terminal width.

Every walkthrough below is rendered at 40, 59, 60, 80 and 120 columns, in rich (what a terminal
shows) and in plain text given the same width. Each time every line fits the width, no "…"
appears, and every shape arithmetic and every note of the events is found whole on one line.
The layouts are asserted too: one table where it fits, notes under their rows where it does not,
one stacked block per row below 60 columns.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import hand_built  # tests/ is on the path

from graph import Graph
from graph.examples import lecture_example
from graph.render import render
from graph.render_model import width
from graph.walkthrough import Comparison, example_data, layer_size_symbols, trace

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = [40, 59, 60, 80, 120]





def mlp_walk(layers, convention="rows", values=False, batch=4):
    g = Graph.mlp(layers, convention=convention)
    return trace(g, example_data(g, batch), lr=0.1, values=values)


def symbolic_all():
    g = Graph.mlp([2, 3, 1])
    shapes, sizes = layer_size_symbols(g)
    walk = trace(g, None, shapes=shapes)
    walk.sizes = sizes
    return walk


CASES = {
    "default": (lambda: mlp_walk([2, 3, 1]), {}),
    "values": (lambda: mlp_walk([2, 3, 1], values=True), {"values": True}),
    "values, explain, 8 wide": (lambda: mlp_walk([8, 8, 8], values=True, batch=8),
                                {"values": True, "explain": True}),
    "explain": (lambda: mlp_walk([4, 5, 3, 2]), {"explain": True}),
    "symbolic all": (symbolic_all, {}),
    "columns": (lambda: mlp_walk([2, 3, 1], "columns"), {}),
    "lecture": (lambda: trace(*lecture_example()[:2], lr=0.7, values=True), {"values": True}),
    "hand-built": (lambda: trace(hand_built(), {"X": np.ones((3, 2)), "y": np.zeros((3, 1))}), {}),
    "both conventions": (lambda: Comparison(mlp_walk([2, 3, 1]), mlp_walk([2, 3, 1], "columns")), {}),
}


def words(walk) -> list[str]:
    """What must be seen whole: every shape arithmetic and note of the events, and each update's
    line (a comparison: every shape arithmetic of both conventions; it shows no notes)."""
    both = isinstance(walk, Comparison)
    found = []
    for w in [walk.rows, walk.columns] if both else [walk]:
        for e in [*w.forward, *w.backward]:
            found += [e["arithmetic"]] + ([e["note"]] if e.get("note") and not both else [])
        if not both:
            lr = w.network["lr"]
            found += [f"{e['label']} ← {e['label']} − {lr}·" for e in w.update]
    return found


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    make, options = CASES[request.param]
    return request.param, make(), options


@pytest.mark.parametrize("size", WIDTHS)
@pytest.mark.parametrize("fmt", ["rich", "plain"])
def test_every_shape_and_note_is_whole_and_every_line_fits(case, fmt, size):
    name, walk, options = case
    text = render(walk, fmt, width=size, **options)
    lines = [line.rstrip() for line in text.splitlines()]
    assert "…" not in text, name
    too_wide = [line for line in lines if width(line) > size]
    assert not too_wide, (name, too_wide[:3])
    for word in words(walk):
        assert any(word in line for line in lines), (name, size, word)


def forward_lines(text: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Forward pass"))
    end = next(i for i, line in enumerate(lines) if line.strip().startswith("Backward pass"))
    return [line.rstrip() for line in lines[start + 1:end] if line.strip()]


def test_at_120_columns_the_forward_pass_is_one_table_with_the_notes_beside():
    rows = forward_lines(render(mlp_walk([2, 3, 1]), "rich", width=120))
    row = next(line for line in rows if "(4×3)+(1×3) → 4×3" in line)
    assert row.endswith("b¹ broadcast over 4 rows") and "addGate" in row and "z²" in row


def test_at_80_columns_the_notes_go_under_their_rows():
    rows = forward_lines(render(mlp_walk([2, 3, 1]), "rich", width=80))
    at = next(i for i, line in enumerate(rows) if "(4×3)+(1×3) → 4×3" in line)
    assert "addGate" in rows[at] and "broadcast" not in rows[at]
    assert rows[at + 1].strip() == "b¹ broadcast over 4 rows"


@pytest.mark.parametrize("fmt", ["rich", "plain"])
def test_below_60_columns_each_row_is_a_stacked_block(fmt):
    rows = forward_lines(render(mlp_walk([2, 3, 1]), fmt, width=59))
    at = next(i for i, line in enumerate(rows) if "addGate" in line)
    assert rows[at].split() == ["2", "addGate", "z²", "=", "XW¹", "+", "b¹"]
    assert rows[at + 1].strip() == "(4×3)+(1×3) → 4×3"
    assert rows[at + 2].strip() == "b¹ broadcast over 4 rows"


def test_plain_without_a_width_keeps_every_table_whole():
    """The golden files' layout: the widest table as it is, whatever the terminal."""
    rows = forward_lines(render(mlp_walk([2, 3, 1]), "plain"))
    row = next(line for line in rows if "(4×3)+(1×3) → 4×3" in line)
    assert row.endswith("b¹ broadcast over 4 rows")


@pytest.mark.parametrize("columns", ["60", "80", "120"])
def test_the_command_in_a_terminal_of_that_width_hides_nothing(columns):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": columns}
    done = subprocess.run([sys.executable, "-m", "gates.trace", "--values", "--explain"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0 and "…" not in done.stdout
    assert max(width(line.rstrip()) for line in done.stdout.splitlines()) <= int(columns)
    for word in words(mlp_walk([2, 3, 1])):
        assert any(word in line for line in done.stdout.splitlines()), word
