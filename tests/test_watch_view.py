"""What a Watch prints: the walkthrough's table style in plain text, Markdown and rich (at any
width), and strict JSON of its events and problems."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gates
from graph.render import width as columns
from graph.watch_view import arithmetic

K, M1, M2 = 5, 3, 4
ROOT = Path(__file__).resolve().parents[1]


def forward(X, y, W, b):
    h = X @ W + b
    err = h.sum(axis=1) - y
    return np.mean(err ** 2)


def data():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((K, M1)), rng.standard_normal(K)
    return X, y, rng.standard_normal((M1, M2)), np.zeros((1, M2))


@pytest.fixture
def w():
    return gates.watch(forward, *data())


def test_plain_shows_each_operation_with_the_walkthroughs_shape_arithmetic(w):
    text = w.render("plain")
    lines = text.splitlines()
    assert lines[0] == "Watch of forward"
    assert f"  arguments   X {K}×{M1}, y ({K},), W {M1}×{M2}, b 1×{M2}" in lines
    assert "  operations  6" in lines and "  problems    none" in lines

    def row(expr):
        return next(line for line in lines if f"  {expr}  " in line)

    assert f"({K}×{M1})·({M1}×{M2}) → {K}×{M2}" in row("X @ W")
    assert f"({K}×{M2})+(1×{M2}) → {K}×{M2}" in row("X @ W + b")
    assert f"b broadcast over {K} rows" in row("X @ W + b")
    assert f"{K}×{M2} → ({K},)" in row("h.sum(axis=1)")
    assert f"({K},)−({K},) → ({K},)" in row("h.sum(axis=1) - y")
    assert f"({K},) → scalar" in row("np.mean(err ** 2)")


def test_json_is_strict_and_holds_the_events_and_problems(w):
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")
    parsed = json.loads(w.render("json"), parse_constant=refuse)
    assert parsed == {"events": w.events, "problems": w.problems}
    assert parsed["events"][0]["inputs"] == [{"name": "X", "shape": [K, M1]},
                                             {"name": "W", "shape": [M1, M2]}]


def test_markdown_is_a_handout_with_a_table(w):
    text = w.render("markdown")
    assert text.startswith("# Watch of forward\n")
    assert "| # | line | value | operation | shape arithmetic | note |" in text
    assert f"| `({K}×{M1})·({M1}×{M2}) → {K}×{M2}` |" in text


@pytest.mark.parametrize("size", [40, 60, 80, 120])
def test_rich_and_plain_fit_the_width_they_are_given(size):
    X, y, W, b = data()
    w = gates.watch(forward, X, y.reshape(K, 1), W, b)  # a trap: (K,) against (K, 1)
    assert [p["kind"] for p in w.problems] == ["broadcast_trap", "rank_drop"]
    for fmt in ("rich", "plain"):
        text = w.render(fmt, width=size)
        assert max(columns(line) for line in text.splitlines()) <= size, (fmt, text)
        assert "broadcast_trap" in text and "keepdims=True" in text  # folded, never cut


def test_a_problem_is_printed_with_its_line_source_message_and_fix():
    X, y, W, b = data()
    w = gates.watch(forward, X, y.reshape(K, 1), W, b)
    text = w.render("plain", width=100)
    p = w.problems[0]
    assert f"✗ line {p['line']}: broadcast_trap (error)" in text
    assert "    err = h.sum(axis=1) - y" in text
    assert f"Fix: Reshape h.sum(axis=1) to ({K}, 1)" in " ".join(text.split())
    whole = w.render("plain")  # no width: every table whole, the note on its row
    assert "✗ broadcast_trap" in next(line for line in whole.splitlines() if "  h.sum(axis=1) - y  " in line)
    assert w.render("plain", operations=False).count("Operations") == 0


def test_an_unknown_format_is_refused_with_the_choices(w):
    with pytest.raises(ValueError, match="unknown format 'html'; choose one of plain, markdown, json, rich"):
        w.render("html")


@pytest.mark.parametrize("event, words", [
    ({"kind": "product", "op": "matmul", "symbol": "·", "inputs": [[4, 2], [2, 3]], "shape": [4, 3]},
     "(4×2)·(2×3) → 4×3"),
    ({"kind": "elementwise", "op": "subtract", "symbol": "−", "inputs": [[4, 1], [4]], "shape": [4, 4]},
     "(4×1)−(4,) → 4×4"),
    ({"kind": "reduction", "op": "sum", "symbol": None, "inputs": [[4, 3]], "shape": [3]}, "4×3 → (3,)"),
    ({"kind": "shape", "op": "transpose", "symbol": None, "inputs": [[3]], "shape": [3]}, "(3,)ᵀ → (3,)"),
    ({"kind": "unary", "op": "exp", "symbol": None, "inputs": [[4, 3]], "shape": [4, 3]}, "exp(4×3) → 4×3"),
    ({"kind": "elementwise", "op": "where", "symbol": None, "inputs": [[4, 3], [4, 3], []], "shape": [4, 3]},
     "where(4×3, 4×3, scalar) → 4×3"),
    ({"kind": "product", "op": "matmul", "symbol": "·", "inputs": [[4, 1], [3, 1]], "shape": None},
     "(4×1)·(3×1) → ✗ refused"),
    ({"kind": "index", "op": "setitem", "symbol": None, "inputs": [[4, 3], []], "shape": [4, 3]},
     "4×3[…] ← scalar"),
])
def test_shape_words(event, words):
    event = {**event, "inputs": [{"name": "a", "shape": s} for s in event["inputs"]]}
    assert arithmetic(event) == words


def test_the_readme_example_prints_what_the_readme_shows(tmp_path):
    """The README's example, saved as loss_step.py and run, prints the block under it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Your own numpy code\n"):]
    code, printed = re.search(r"```python\n(.*?)```\n\nprints\n\n```\n(.*?)```", section, re.S).groups()
    (tmp_path / "loss_step.py").write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, "loss_step.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == printed + "\n"
