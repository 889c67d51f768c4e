"""graph.walkthrough (trace any graph, from Python) and graph.render (the four formats).

The hand-built graph below is small enough to do by hand: X = ones(3×2), W¹ = ones(2×1), b¹ = 0,
y = 0, so z² = X·W¹ + b¹ = 2 in each row and J = mean(2²) = 4; δ = dJ/dz² = 2·2/3 = 4/3 per row,
dJ/dW¹ = Xᵀ·δ = (4, 4)ᵀ, dJ/db¹ = Σ δ = 4; after a step of 0.1: W¹ = 0.6, b¹ = −0.4, z² = 0.8,
J = 0.64.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from conftest import hand_built  # tests/ is on the path

from graph import Graph, Tracer
from graph.render import (
    Document,
    Row,
    Section,
    dump_json,
    matrix_lines,
    render,
    show,
    stacked,
    to_json,
    to_markdown,
    width,
)
from graph.tracer import symbolic_events
from graph.walkthrough import trace

DATA = {"X": np.ones((3, 2)), "y": np.zeros((3, 1))}


# --- the Python API -------------------------------------------------------------------------------

def test_trace_of_a_hand_built_graph_gives_the_numbers_worked_out_above():
    g = hand_built()
    walk = trace(g, DATA, lr=0.1, values=True)
    assert walk.loss == pytest.approx(4.0) and walk.loss_after == pytest.approx(0.64)
    grads = {e["grad_of"]: e for e in walk.backward}
    assert grads["z2"]["shape"] == [3, 1] and np.allclose(grads["z2"]["value"], 4 / 3)
    assert grads["W1"]["arithmetic"] == "(2×3)·(3×1) → 2×1" and np.allclose(grads["W1"]["value"], 4)
    assert grads["b1"]["shape"] == [1, 1] and np.allclose(grads["b1"]["value"], 4)
    updated = {e["param"]: e["value"] for e in walk.update}
    assert np.allclose(updated["W1"], 0.6) and np.allclose(updated["b1"], -0.4)
    assert [e["phase"] for e in walk.events] == ["forward"] * 3 + ["backward"] * 4 + ["update"] * 2
    assert walk.network["batch"] == 3 and walk.network["loss"] == "mse"
    assert walk.network["layers"] is None  # built by hand: no layer list to report


def test_trace_leaves_the_graphs_parameters_as_they_were():
    g = hand_built()
    trace(g, DATA, lr=0.1)
    assert np.array_equal(g.params["W1"], np.ones((2, 1)))
    assert np.array_equal(g.params["b1"], np.zeros((1, 1)))
    again = trace(g, DATA, lr=0.1)
    assert again.loss == pytest.approx(4.0)


def test_symbolic_trace_of_a_hand_built_graph_keeps_k():
    walk = trace(hand_built())
    assert walk.symbolic and walk.loss is None
    assert [e["shape"] for e in walk.forward] == [["k", 1], ["k", 1], []]
    assert walk.forward[0]["arithmetic"] == "(k×2)·(2×1) → k×1"
    assert {e["grad_of"]: e["shape"] for e in walk.backward}["W1"] == [2, 1]


def test_every_format_renders_the_same_walkthrough():
    walk = trace(hand_built(), DATA, lr=0.1)
    plain = walk.render("plain")
    assert "(3×2)·(2×1) → 3×1" in plain and "J = 4" in plain and "J = 0.64" in plain
    data = json.loads(walk.render("json"))
    assert data["loss"] == pytest.approx(4.0) and data["forward"][0]["shape"] == [3, 1]
    assert "phase" not in data["forward"][0] and "value" not in data["forward"][0]
    markdown = walk.render("markdown")
    assert "| 1 | mulGate | XW¹ | = X·W¹ | `(3×2)·(2×1) → 3×1` |" in markdown
    rich = walk.render("rich", width=100)
    assert "(3×2)·(2×1) → 3×1" in rich and "\x1b" not in rich
    with pytest.raises(ValueError, match="unknown format"):
        walk.render("yaml")


def test_show_writes_to_the_given_file():
    walk = trace(hand_built(), DATA, lr=0.1)
    out = io.StringIO()
    show(walk, "plain", file=out)
    assert out.getvalue() == walk.render("plain")


def test_rich_fits_an_80_column_terminal():
    walk = trace(Graph.mlp([2, 3, 1]), {"X": np.ones((4, 2)), "y": np.ones((4, 1))}, lr=0.1)
    for explain in (False, True):
        text = render(walk, "rich", width=80, explain=explain)
        assert max(width(line) for line in text.splitlines()) <= 80
        assert "δ³ = dJ/dz³" in text and "(3×4)·(4×1) → 3×1" in text and "…" not in text


# --- the tracer's additions ------------------------------------------------------------------------

def test_update_events_record_the_parameter_after_the_step():
    g = hand_built()
    with Tracer(g, values=True) as tracer:
        g.forward(**DATA)
        grads = {name: grad.copy() for name, grad in g.backward().items()}
        before = g.params["W1"].copy()
        g.step(0.5)
    event = next(e for e in tracer.phase("update") if e["param"] == "W1")
    assert np.allclose(event["value"], before - 0.5 * grads["W1"])


def test_symbolic_events_with_layer_size_symbols_follow_the_gates_rules():
    events = symbolic_events(hand_built(), shapes={"X": ("k", "m¹"), "W1": ("m¹", "m²"),
                                                   "b1": (1, "m²"), "y": ("k", "m²")})
    forward = [e for e in events if e["phase"] == "forward"]
    assert forward[0]["arithmetic"] == "(k×m¹)·(m¹×m²) → k×m²"
    assert forward[1]["note"] == "b¹ broadcast over k rows"
    with pytest.raises(ValueError, match="z2"):
        symbolic_events(hand_built(), shapes={"z2": ("k", 1)})


# --- the pieces of the renderers -----------------------------------------------------------------

def test_matrix_lines():
    assert matrix_lines([[0.351, 0.361]]) == ["[0.3510 0.3610]"]
    assert matrix_lines([[1.0], [-0.25]]) == ["[ 1.0000]", "[-0.2500]"]
    assert matrix_lines([[-1e-7, 0.5]]) == ["[0.0000 0.5000]"]          # no "-0.0000"
    assert matrix_lines([[2e-5, -3e-4]]) == ["[ 2.000e-05 -3.000e-04]"]  # too small for 4 decimals
    assert matrix_lines(np.float64(0.0738792)) == ["0.0738792"]


def test_width_counts_terminal_columns():
    assert width("δ³ = dJ/dz³") == 11
    assert width("e\u0301") == 1   # a combining accent takes no column
    assert width("漢字") == 4       # wide characters take two


def test_stacked_puts_the_second_column_of_each_pair_under_the_first():
    section = Section("t", ["#", "rows", "columns"], [Row(["1", "XW¹", "W¹X"])], stack=[(1, 2)])
    folded = stacked(section)
    assert folded.columns == ["#", "rows / columns"]
    assert folded.rows[0].cells == ["1", "XW¹\nW¹X"]


def test_markdown_escapes_pipes_in_cells():
    doc = Document("t", [("a", "b|c")], [Section("s", ["x", "y"], [Row(["p|q", "r"])])])
    text = to_markdown(doc)
    assert "| p\\|q | r |" in text and "b\\|c" in text


def test_json_text_is_the_json_form_one_event_per_line():
    walk = trace(hand_built(), DATA, lr=0.1, values=True)
    text = dump_json(to_json(walk))
    assert json.loads(text) == json.loads(json.dumps(to_json(walk)))
    event_lines = [line for line in text.splitlines() if line.lstrip().startswith('{"gate"')]
    assert len(event_lines) == len(walk.forward) + len(walk.backward)
    assert json.loads(text)["values"]["X"] == DATA["X"].tolist()


# --- render_document: any Document, any format -------------------------------------------------------

def test_render_document_gives_each_format_of_a_document_of_ones_own():
    from graph.render import render_document
    doc = Document("Shapes of my code", [("batch", "k = 4")],
                   [Section("Operations", ["#", "op", "shape arithmetic"],
                            [Row(["1", "matmul", "(4×2)·(2×3) → 4×3"]),
                             Row(["2", "add", "(4×3)+(1×3) → 4×3"])])])
    plain = render_document(doc, "plain")
    assert plain.splitlines()[:2] == ["Shapes of my code", "  batch  k = 4"]
    assert "  1  matmul  (4×2)·(2×3) → 4×3" in plain.splitlines()
    assert "| 2 | add | `(4×3)+(1×3) → 4×3` |" in render_document(doc, "markdown")
    rich = render_document(doc, "rich", width=60)
    assert "(4×2)·(2×3) → 4×3" in rich and "\x1b" not in rich
    assert max(width(line.rstrip()) for line in rich.splitlines()) <= 60
    with pytest.raises(ValueError, match="unknown format 'json'"):
        render_document(doc, "json")
    with pytest.raises(ValueError, match="width"):
        render_document(doc, "rich", width=0)


def test_the_renderers_do_not_import_the_walkthrough():
    """Rooms: walkthrough imports render, never the other way (no cycle)."""
    import subprocess
    import sys
    probe = ("import sys, graph.render, graph.render_rich; "
             "print('graph.walkthrough' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


# --- in a notebook ---------------------------------------------------------------------------------

def test_in_jupyter_render_rich_returns_the_text_and_prints_nothing(monkeypatch, capsys):
    import rich.console
    monkeypatch.setattr(rich.console, "_is_jupyter", lambda: True)  # as inside a notebook
    walk = trace(hand_built(), DATA, lr=0.1)
    text = walk.render("rich", width=80)
    assert "(3×2)·(2×1) → 3×1" in text and "J = 4" in text
    assert capsys.readouterr().out == ""


def test_a_walkthrough_shows_as_a_one_line_summary():
    walk = trace(hand_built(), DATA, lr=0.1)
    text = repr(walk)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("<Walkthrough of a hand-built graph, rows, k = 3: 3 forward, 4 backward, "
                           "2 update events; J = 4 → 0.64")
    assert "symbolic" in repr(trace(hand_built())) and "Comparison" in repr(
        __import__("graph.walkthrough", fromlist=["Comparison"]).Comparison(walk, walk))


# --- trace leaves the graph as it found it -------------------------------------------------------

def test_trace_leaves_values_gradients_batch_and_parameter_arrays_as_it_found_them():
    g = hand_built()
    W1 = g.params["W1"]  # the user's handle on the live parameter
    X5 = np.arange(10.0).reshape(5, 2)
    J = g.forward(X=X5, y=np.ones((5, 1)))
    grads = {name: np.copy(v) for name, v in g.backward().items()}
    values = {name: np.copy(v) for name, v in g.values.items()}
    trace(g, DATA, lr=0.1, values=True)                     # a batch of 3, and a step
    assert g.params["W1"] is W1 and np.array_equal(W1, np.ones((2, 1)))
    assert g.symbols == {"k": 5}
    assert set(g.values) == set(values) and all(np.array_equal(g.values[n], v) for n, v in values.items())
    assert set(g.grads) == set(grads) and all(np.array_equal(g.grads[n], v) for n, v in grads.items())
    assert g.forward(X=X5, y=np.ones((5, 1))) == J
