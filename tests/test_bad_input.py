"""Bad input gets a clear error: the right type, and a message that names the operands, their
shapes and the fix, never a deep numpy traceback or a silently broadcast result."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gates import (
    AddGate,
    CrossEntropyLoss,
    Gate,
    HadamardGate,
    HalfSSELoss,
    MSELoss,
    MulGate,
    ShapeError,
    Sigmoid,
)
from graph import Graph


def mlp_data(k=4):
    rng = np.random.default_rng(2)
    return rng.standard_normal((k, 2)), rng.standard_normal((k, 1))


# --- gates on their own ---------------------------------------------------------------------

def test_mulgate_with_an_untransposed_weight_names_shapes_and_the_transpose():
    with pytest.raises(ShapeError) as caught:
        MulGate().forward(np.ones((4, 3)), np.ones((1, 3)))
    error = caught.value
    message = str(error)
    assert "4×3" in message and "1×3" in message
    assert "ᵀ (3×1)" in message  # the fix: transpose the second operand
    assert error.gate == "mulGate"
    assert [shape for _, shape in error.operands] == [(4, 3), (1, 3)]


def test_mulgate_in_a_graph_names_the_weight_in_the_fix():
    g = Graph()
    g.input("X")  # no declared shape: the check happens at forward, with data
    g.param("W1", np.ones((1, 3)))
    g.add(MulGate(), ["X", "W1"], "XW1")
    with pytest.raises(ShapeError) as caught:
        g.forward(X=np.ones((4, 3)))
    message = str(caught.value)
    assert "4×3" in message and "1×3" in message
    assert "W¹ᵀ (3×1)" in message
    assert caught.value.node == "XW1"


def test_addgate_refuses_a_sum_that_grows_into_a_bigger_matrix():
    gate = AddGate()
    with pytest.raises(ShapeError) as caught:
        gate.forward(np.ones((4, 1)), np.ones((1, 4)))
    message = str(caught.value)
    assert "4×1" in message and "1×4" in message
    assert caught.value.gate == "addGate"


def test_addgate_refuses_a_vector_bias_and_says_how_to_reshape_it():
    with pytest.raises(ShapeError) as caught:
        AddGate().forward(np.ones((4, 3)), np.ones(3))
    message = str(caught.value)
    assert "4×3" in message and "(3,)" in message
    assert "(1, 3)" in message  # reshape the bias to a row


@pytest.mark.parametrize("loss", [MSELoss, HalfSSELoss, CrossEntropyLoss])
def test_loss_refuses_a_flat_target(loss):
    with pytest.raises(ShapeError) as caught:
        loss().forward(np.ones((4, 1)), np.ones(4))
    message = str(caught.value)
    assert "(4,)" in message and "4×1" in message
    assert "reshape" in message.lower() and "(4, 1)" in message


def test_loss_refuses_a_transposed_target():
    with pytest.raises(ShapeError) as caught:
        MSELoss().forward(np.ones((4, 1)), np.ones((1, 4)))
    assert "1×4" in str(caught.value) and "ᵀ" in str(caught.value)


@pytest.mark.parametrize("bad", [np.array([["a", "b"]]), np.array([[1, None]], dtype=object),
                                 np.ones((1, 2)) + 1j])
def test_a_gate_refuses_non_real_arrays(bad):
    with pytest.raises(TypeError) as caught:
        Sigmoid().forward(bad)
    message = str(caught.value)
    assert "sigmoid" in message and str(bad.dtype) in message and "dtype=float" in message


# --- the graph ------------------------------------------------------------------------------

def test_forward_refuses_a_flat_y_and_says_reshape():
    g = Graph.mlp([2, 3, 1])
    X, y = mlp_data()
    with pytest.raises(ShapeError) as caught:
        g.forward(X=X, y=y.ravel())
    message = str(caught.value)
    assert "(4,)" in message and "y" in message
    assert "reshape" in message.lower() and "(4, 1)" in message


def test_forward_refuses_a_batch_size_that_disagrees_between_inputs():
    g = Graph.mlp([2, 3, 1])
    X, _ = mlp_data()
    with pytest.raises(ShapeError) as caught:
        g.forward(X=X, y=np.ones((5, 1)))
    message = str(caught.value)
    assert "5×1" in message and "k = 4" in message


def test_integer_input_is_converted_to_float():
    g = Graph.mlp([2, 3, 1])
    X = np.array([[0, 1], [2, -1], [1, 1], [-3, 0]])
    y = np.array([[1], [0], [2], [1]])
    J_int = g.forward(X=X, y=y)
    assert g.values["X"].dtype == np.float64
    J_float = g.forward(X=X.astype(float), y=y.astype(float))
    assert J_int == J_float


@pytest.mark.parametrize("bad", [np.array([["a", "b"]] * 4), np.ones((4, 2), dtype=object)])
def test_forward_refuses_object_or_string_arrays(bad):
    g = Graph.mlp([2, 3, 1])
    with pytest.raises(TypeError) as caught:
        g.forward(X=bad, y=np.ones((4, 1)))
    message = str(caught.value)
    assert "X" in message and str(bad.dtype) in message


def test_assigning_a_parameter_of_the_wrong_shape_is_refused_and_changes_nothing():
    g = Graph.mlp([2, 3, 1])
    before = g.params["W1"].copy()
    with pytest.raises(ShapeError) as caught:
        g.params["W1"] = np.ones((3, 2))
    message = str(caught.value)
    assert "W1" in message and "2×3" in message and "3×2" in message
    np.testing.assert_array_equal(g.params["W1"], before)
    np.testing.assert_array_equal(g.values["W1"], before)


def test_assigning_an_unknown_parameter_is_a_key_error():
    g = Graph.mlp([2, 3, 1])
    with pytest.raises(KeyError) as caught:
        g.params["nope"] = np.ones((2, 3))
    message = str(caught.value)
    assert "nope" in message and "W1" in message  # names the parameters that do exist
    assert "nope" not in g.params


@pytest.mark.parametrize("layers, named, need", [
    ([3], "[3]", "at least two"),
    ([], "[]", "at least two"),
    ([2, 0, 1], "got 0", "≥ 1"),
    ([2, -1], "got -1", "≥ 1"),
    ([2, 2.5, 1], "got 2.5", "whole number"),
    ([2, True, 1], "got True", "whole number"),
])
def test_mlp_refuses_bad_layer_lists(layers, named, need):
    with pytest.raises(ValueError) as caught:
        Graph.mlp(layers)
    message = str(caught.value)
    assert named in message and need in message


@pytest.mark.parametrize("option, value, allowed", [
    ("activation", "softplus", "sigmoid"),
    ("output_activation", "softplus", "softmax"),
    ("loss", "hinge", "cross_entropy"),
    ("convention", "diagonal", "columns"),
])
def test_mlp_refuses_unknown_options_and_lists_the_choices(option, value, allowed):
    with pytest.raises(ValueError) as caught:
        Graph.mlp([2, 3, 1], **{option: value})
    message = str(caught.value)
    assert repr(value) in message and allowed in message


def test_cross_entropy_with_a_sigmoid_output_is_refused():
    with pytest.raises(ValueError, match="softmax"):
        Graph.mlp([2, 3, 2], loss="cross_entropy", output_activation="sigmoid")


def test_backward_before_forward_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=r"forward"):
        Graph.mlp([2, 3, 1]).backward()


def test_step_before_backward_is_a_runtime_error():
    with pytest.raises(RuntimeError, match=r"backward"):
        Graph.mlp([2, 3, 1]).step(0.1)


@pytest.mark.parametrize("epochs", [-1, 2.5])
def test_fit_refuses_a_bad_number_of_epochs(epochs):
    X, y = mlp_data()
    with pytest.raises(ValueError, match="epochs"):
        Graph.mlp([2, 3, 1]).fit(X, y, epochs=epochs)


def test_forward_names_a_missing_input():
    g = Graph.mlp([2, 3, 1])
    X, _ = mlp_data()
    with pytest.raises(TypeError) as caught:
        g.forward(X=X)
    assert "missing" in str(caught.value) and "y" in str(caught.value)


def test_forward_names_an_unknown_input():
    g = Graph.mlp([2, 3, 1])
    X, y = mlp_data()
    with pytest.raises(TypeError) as caught:
        g.forward(X=X, y=y, Y=y)
    assert "unknown" in str(caught.value) and "Y" in str(caught.value)


def test_a_wrong_wiring_fails_when_the_node_is_added():
    g = Graph()
    g.input("X", ("k", 2))
    g.param("W1", np.ones((3, 2)))  # the columns-convention W¹ used in the rows convention
    with pytest.raises(ShapeError) as caught:
        g.add(MulGate(), ["X", "W1"], "XW1")
    message = str(caught.value)
    assert "k×2" in message and "3×2" in message  # before any data: the batch is still k
    assert "W¹ᵀ (2×3)" in message
    assert "XW1" not in g.nodes


def test_a_gate_instance_serves_one_node():
    g = Graph()
    g.input("X", ("k", 2))
    g.param("W", np.ones((2, 2)))
    gate = MulGate()
    g.add(gate, ["X", "W"], "a")
    with pytest.raises(ValueError, match="'a'"):
        g.add(gate, ["a", "W"], "b")


def test_a_graph_without_a_scalar_output_cannot_backward():
    g = Graph()
    g.input("X", ("k", 2))
    g.param("W", np.ones((2, 1)))
    g.add(MulGate(), ["X", "W"], "z")
    g.forward(X=np.ones((4, 2)))
    with pytest.raises(ShapeError, match="loss"):
        g.backward()


class BiasAddNoSum(Gate):
    """A user's addGate that forgets to sum the bias gradient over the batch."""

    kind = "myAdd"
    inputs = ("A", "b")

    def output_shape(self, a, b):
        return tuple(a)

    def forward(self, A, b):
        return A + b

    def backward(self, top_diff):
        return top_diff, top_diff  # dJ/db should be top_diff.sum(axis=0, keepdims=True)


def test_a_users_gate_returning_an_unsummed_bias_gradient_is_named():
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 3))
    g.param("W1", np.ones((2, 3)))
    g.param("b1", np.zeros((1, 3)))
    g.add(MulGate(), ["X", "W1"], "XW1")
    g.add(BiasAddNoSum(), ["XW1", "b1"], "z2")
    g.add(MSELoss(), ["z2", "y"], "J")
    g.forward(X=np.ones((4, 2)), y=np.ones((4, 3)))
    with pytest.raises(ShapeError) as caught:
        g.backward()
    error = caught.value
    message = str(error)
    assert error.gate == "myAdd" and error.node == "z2"
    assert "myAdd" in message and ("z2" in message or "z²" in message)  # name or label
    assert "4×3" in message and "1×3" in message and "b¹" in message
    assert "summed" in message and "sum(axis=0, keepdims=True)" in message


def test_a_forward_shape_error_carries_the_events_recorded_so_far():
    class Widen(Gate):
        """States no output_shape rule, so the mistake shows only when data flows."""

        kind = "widen"
        inputs = ("z",)

        def forward(self, z):
            return np.hstack([z, z])

        def backward(self, top_diff):
            half = top_diff.shape[1] // 2
            return (top_diff[:, :half] + top_diff[:, half:],)

    g = Graph()
    g.input("X", ("k", 2))
    g.param("W", np.ones((2, 1)))
    g.add(Widen(), ["X"], "w")
    g.add(MulGate(), ["w", "W"], "z")
    with pytest.raises(ShapeError) as caught:
        g.forward(X=np.ones((4, 2)))
    error = caught.value
    assert error.node == "z" and "4×4" in str(error) and "2×1" in str(error)
    assert [event["output"] for event in error.events] == ["w"]


@pytest.mark.parametrize("gate, a_shape, b_shape", [
    (MSELoss, (4, 1), (4,)),
    (MSELoss, (4, 3), (4,)),
    (MSELoss, (4, 3), (3,)),
    (MSELoss, (1, 4), (4,)),
    (HalfSSELoss, (3, 4), (4, 3)),
    (HadamardGate, (4, 3), (4,)),
])
def test_every_reshape_a_shape_error_suggests_is_possible(gate, a_shape, b_shape):
    """A fix the user cannot apply is worse than none: y of 4 numbers cannot become 4×3."""
    with pytest.raises(ShapeError) as caught:
        gate().forward(np.ones(a_shape), np.ones(b_shape))
    fix = caught.value.fix or ""
    for suggested in re.findall(r"reshape\((\d+(?:, *\d+)*)\)", fix):
        shape = tuple(int(d) for d in suggested.split(","))
        assert math.prod(shape) == math.prod(b_shape), (
            f"suggests reshaping a {b_shape} operand to {shape}: {caught.value}")
    if a_shape == (4, 1):
        assert "reshape(4, 1)" in fix  # the classic case keeps its fix


def test_a_flat_column_bias_gets_the_column_reshape_as_its_fix():
    """Columns convention: b¹ must be 3×1; a flat (3,) bias is the usual slip."""
    with pytest.raises(ShapeError) as caught:
        AddGate().forward(np.ones((3, 4)), np.ones(3))
    assert "(3, 1)" in str(caught.value)


def test_a_gate_refused_by_add_can_be_used_once_the_wiring_is_fixed():
    g = Graph()
    g.input("X", ("k", 2))
    g.param("W1", np.ones((3, 2)))
    g.param("W1t", np.ones((2, 3)))
    gate = MulGate()
    with pytest.raises(ShapeError):
        g.add(gate, ["X", "W1"], "XW1")
    assert "XW1" not in g.nodes
    g.add(gate, ["X", "W1t"], "XW1")  # the refused add must not have claimed the gate
    assert g.nodes["XW1"].shape == ("k", 3)


def test_a_flat_X_for_a_one_input_network_gets_the_column_reshape_as_its_fix():
    """[1, 1]: X must be k×1; X of shape (4,) is the same slip as a flat y."""
    with pytest.raises(ShapeError) as caught:
        Graph.mlp([1, 1]).forward(X=np.ones(4), y=np.ones((4, 1)))
    message = str(caught.value)
    assert "(4,)" in message and "(4, 1)" in message and "reshape" in message.lower()
