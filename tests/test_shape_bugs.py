"""Errors that teach: the catalogue of classic shape bugs, the silent-broadcast traps, the check
when a graph is built, and a failed run shown with how far the data got."""

from __future__ import annotations

import numpy as np
import pytest
from bad_gates import UnsummedAddGate
from rich.console import Console
from shape_bugs import CATALOGUE, hidden_layer, network

from gates import AddGate, MSELoss, MulGate, ShapeError, Sigmoid
from gates.shapes import gradient_fix, matmul_fixes, matmul_shape, numpy_broadcast
from graph import Graph, Tracer
from graph.failure import events_until, failure_table, format_failure


def message_of(bug) -> str:
    """The ShapeError's text, or the failing check's: one of the two must happen."""
    try:
        verdict = bug.trigger()
    except ShapeError as error:
        return str(error)
    assert verdict is not None and not verdict.ok, f"{bug.name}: neither an error nor a failed check"
    return str(verdict)


def test_the_catalogue_has_the_classics():
    assert len(CATALOGUE) >= 12
    names = " | ".join(bug.name for bug in CATALOGUE)
    for classic in ("dJ/dA without the transpose", "dJ/dB transposed", "bias gradient not summed",
                    "(n,) against (n, 1)", "swapped operands", "wrong axis",
                    "columns-convention weights in a rows graph"):
        assert classic in names


@pytest.mark.parametrize("bug", CATALOGUE, ids=[bug.name for bug in CATALOGUE])
def test_each_bug_names_the_shapes_and_the_fix(bug):
    message = message_of(bug)
    for shape in bug.shapes:
        assert shape in message, f"{shape!r} missing from: {message}"
    if bug.fix:
        assert bug.fix in message, f"fix {bug.fix!r} missing from: {message}"


# --- the issue's example, verbatim -----------------------------------------------------------------

EXAMPLE = ("mulGate a²W²: a² is 4×3 and W² is 1×3; inner sizes 3 and 1 differ. "
           "Did you mean W²ᵀ (3×1)? → 4×1")


def shapeless_network() -> Graph:
    """The [2, 3, 1] network with W² a row and inputs declared without shapes: nothing can be
    checked when it is built, so it fails part way through forward."""
    g = Graph()
    g.input("X")
    g.input("y")
    g.param("W1", np.full((2, 3), 0.1))
    g.param("b1", np.zeros((1, 3)))
    g.add(MulGate(), ["X", "W1"], "XW1")
    g.add(AddGate(), ["XW1", "b1"], "z2")
    g.add(Sigmoid(), ["z2"], "a2")
    g.param("W2", np.zeros((1, 3)))
    g.param("b2", np.zeros((1, 1)))
    g.add(MulGate(), ["a2", "W2"], "a2W2")
    g.add(AddGate(), ["a2W2", "b2"], "z3")
    g.add(MSELoss(), ["z3", "y"], "J")
    return g


def forward_error(g: Graph) -> ShapeError:
    with pytest.raises(ShapeError) as caught:
        g.forward(X=np.ones((4, 2)), y=np.ones((4, 1)))
    return caught.value


def test_the_issue_example_comes_out_verbatim():
    error = forward_error(shapeless_network())
    assert str(error).startswith(EXAMPLE)
    assert (error.gate, error.node, error.label) == ("mulGate", "a2W2", "a²W²")
    assert error.operands == [("a²", (4, 3)), ("W²", (1, 3))]
    assert error.fix == "Did you mean W²ᵀ (3×1)? → 4×1"


def test_a_wrong_wiring_fails_when_built_before_any_data():
    g = hidden_layer()
    g.param("W2", np.zeros((1, 3)))
    with pytest.raises(ShapeError) as caught:
        g.add(MulGate(), ["a2", "W2"], "a2W2")
    error = caught.value
    assert str(error).startswith(EXAMPLE.replace("4×3", "k×3").replace("4×1", "k×1"))
    assert error.operands == [("a²", ("k", 3)), ("W²", (1, 3))]
    assert "a2W2" not in g.nodes and "X" not in g.values  # refused, and no data has flowed


def test_params_keep_their_shape():
    g = Graph.mlp([2, 3, 1])
    with pytest.raises(ShapeError, match=r"params\[.W2.\]: W² is 3×1 but the new value is 1×3"):
        g.params["W2"] = np.zeros((1, 3))


# --- the silent-broadcast traps explain themselves -------------------------------------------------

def test_loss_of_a_vector_against_a_column_explains_the_trap():
    with pytest.raises(ShapeError) as caught:
        MSELoss().forward(np.ones((4, 1)), np.ones(4))
    text = str(caught.value)
    assert "numpy would silently broadcast ŷ − y into a 4×4 matrix" in text
    assert "Reshape y to (4, 1)" in text


def test_an_add_that_grows_a_matrix_explains_the_trap():
    with pytest.raises(ShapeError) as caught:
        AddGate().forward(np.ones((4, 1)), np.ones((1, 4)))
    assert "numpy would broadcast them to 4×4, larger than both operands" in str(caught.value)


def test_a_users_wrong_gradient_shape_explains_the_trap():
    g = network(add=UnsummedAddGate)
    g.forward(X=np.ones((4, 2)), y=np.ones((4, 1)))
    with pytest.raises(ShapeError) as caught:
        g.backward()
    error = caught.value
    assert (error.gate, error.node) == ("addGate", "z2")
    assert "would silently grow b¹ into a 4×3 matrix" in str(error)
    assert error.operands == [("dJ/db¹", (4, 3)), ("b¹", (1, 3))]


def test_a_transposed_input_does_not_leave_half_a_binding():
    g = Graph.mlp([2, 3, 1])
    with pytest.raises(ShapeError) as caught:
        g.forward(X=np.ones((2, 4)), y=np.ones((4, 1)))
    assert "k = 2" not in str(caught.value)  # X 2×4 never bound k: the message must not say so
    assert "pass X.T (4×2)" in str(caught.value)


# --- the fixes are repairs that work ---------------------------------------------------------------

@pytest.mark.parametrize("a, b, first_fix, repaired", [
    ((4, 3), (1, 3), "Did you mean Bᵀ (3×1)? → 4×1", ((4, 3), (3, 1))),
    ((3, 4), (3, 1), "Did you mean Aᵀ (4×3)? → 4×1", ((4, 3), (3, 1))),
    ((2, 3), (4, 2), "Did you mean B·A (operands swapped)? → 4×3", ((4, 2), (2, 3))),
    ((3, 2), (3, 4), "Did you mean Aᵀ (2×3)? → 2×4", ((2, 3), (3, 4))),
])
def test_matmul_fix_suggests_a_repair_that_fits(a, b, first_fix, repaired):
    assert matmul_shape(a, b) is None
    assert matmul_fixes("A", a, "B", b)[0] == first_fix
    assert matmul_shape(*repaired) is not None  # the repair, written out by hand, does fit


def test_matmul_fix_reads_a_vector_as_a_column():
    assert matmul_fixes("A", (4, 3), "v", (3,)) == [
        "v is a vector (3,): reshape it to a column (3, 1) → 4×1"]


def test_gradient_fix_and_numpy_broadcast():
    assert "sum(axis=0, keepdims=True)" in gradient_fix("b¹", (1, 3), (4, 3))
    assert "sum(axis=1, keepdims=True)" in gradient_fix("b¹", (3, 1), (3, 4))
    assert "transposed" in gradient_fix("W²", (3, 1), (1, 3))
    assert "keepdims=True" in gradient_fix("b¹", (1, 3), (3,))
    assert gradient_fix("W", (2, 3), (4, 5)) is None
    assert numpy_broadcast((4, 1), (4,)) == (4, 4)
    assert numpy_broadcast((4, 1), (1, 4)) == (4, 4)
    assert numpy_broadcast((4, 3), (1, 3)) == (4, 3)
    assert numpy_broadcast((4, 3), (3, 4)) is None


# --- a failed run, shown ---------------------------------------------------------------------------

def test_a_failure_part_way_carries_the_events_so_far():
    error = forward_error(shapeless_network())
    assert [e["output"] for e in error.events] == ["XW1", "z2", "a2"]
    assert [e["shape"] for e in error.events] == [[4, 3], [4, 3], [4, 3]]
    assert "\n" not in str(error)  # the error stays one paragraph; the renderer shows the events


def test_format_failure_marks_the_failing_gate():
    g = shapeless_network()
    text = format_failure(forward_error(g), g)
    lines = text.splitlines()
    assert lines[0] == "forward failed at mulGate a²W², after 3 of 6 gates:"
    marks = [line.strip()[0] for line in lines[1:] if line.strip()[0] in "✓✗·"]
    assert marks == ["✓", "✓", "✓", "✗", "·", "·"]
    failing = next(line for line in lines if line.strip().startswith("✗"))
    assert "a²W² = a²·W²" in failing and "a² 4×3" in failing and "W² 1×3" in failing
    assert "Did you mean W²ᵀ (3×1)?" in text
    assert sum("not reached" in line for line in lines) == 2  # z³ and J


def test_format_failure_at_build_time_shows_the_symbolic_wiring():
    g = hidden_layer()
    g.param("W2", np.zeros((1, 3)))
    with pytest.raises(ShapeError) as caught:
        g.add(MulGate(), ["a2", "W2"], "a2W2")
    text = format_failure(caught.value, g)
    assert "refused mulGate a²W² when it was added" in text
    assert "(k×2)·(2×3) → k×3" in text  # XW¹, with the batch still symbolic


def test_backward_failure_events_match_a_traced_run():
    """The events carried by a backward failure are those a Tracer records on the same network
    with a correct addGate, up to the failing gate."""
    X, y = np.ones((4, 2)), np.ones((4, 1))
    bad = network(add=UnsummedAddGate)
    bad.forward(X=X, y=y)
    with pytest.raises(ShapeError) as caught:
        bad.backward()
    carried = caught.value.events

    good = network()
    with Tracer(good) as tracer:
        good.forward(X=X, y=y)
        good.backward()
    before_z2 = []
    for event in tracer.events:
        if event["phase"] == "backward" and event["node"] == "z2":
            break
        before_z2.append(event)

    def key(e):
        return e["phase"], e.get("output") or e.get("grad_of"), e["shape"]

    assert [key(e) for e in carried] == [key(e) for e in before_z2]
    # J → z³; z³ → b², a²W²; a²W² → W², a²; a² → z²: the six steps before z²'s addGate, each
    # gate sending the gradient of its parameter first, then the one that carries the chain on.
    assert [e["grad_of"] for e in carried if e["phase"] == "backward"] == \
        ["z3", "b2", "a2W2", "W2", "a2", "z2"]
    assert events_until(bad, "z2") == carried


def test_rich_rendering_of_a_failure():
    g = shapeless_network()
    console = Console(record=True, width=120)
    console.print(failure_table(forward_error(g), g))
    text = console.export_text()
    assert "✗" in text and "a²W²" in text and "not reached" in text
    assert "inner sizes 3 and 1 differ" in text
