"""Graph.mlp: the shapes of NETWORK.md in both conventions, whole-network gradient checks, and
the worked 2-2-1 example of the lecture notes computed by hand."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from gates.check import check_graph
from graph import Graph

TOL = 1e-6


def batch(layers, k=4, seed=1):
    """X of k×m¹ and y of k×m^L in the rows convention (y rows are probabilities: every loss
    accepts them, and cross_entropy needs them)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((k, layers[0]))
    y = rng.dirichlet(np.ones(layers[-1]), size=k)
    return X, y


# --- item 2: the shapes of the [2, 3, 1] network ---------------------------------------------

ROWS_SHAPES = {  # NETWORK.md, rows convention, k = 4
    "X": (4, 2), "W1": (2, 3), "XW1": (4, 3), "b1": (1, 3), "z2": (4, 3), "a2": (4, 3),
    "W2": (3, 1), "a2W2": (4, 1), "b2": (1, 1), "z3": (4, 1),
}
COLUMNS_SHAPES = {  # NETWORK.md, columns convention
    "X": (2, 4), "W1": (3, 2), "W1X": (3, 4), "b1": (3, 1), "z2": (3, 4), "a2": (3, 4),
    "W2": (1, 3), "W2a2": (1, 4), "b2": (1, 1), "z3": (1, 4),
}


def test_rows_convention_shapes_forward_and_backward():
    g = Graph.mlp([2, 3, 1])
    X, y = batch([2, 3, 1])
    J = g.forward(X=X, y=y)
    assert isinstance(J, float)
    grads = g.backward()
    for name, shape in ROWS_SHAPES.items():
        assert np.shape(g.values[name]) == shape, name
        if name != "X":
            assert grads[name].shape == shape, name  # δ³ = grads["z3"] 4×1, δ² = grads["z2"] 4×3
    assert "X" not in grads  # the input is not learned


def test_columns_convention_shapes_forward_and_backward():
    g = Graph.mlp([2, 3, 1], convention="columns")
    X, y = batch([2, 3, 1])
    g.forward(X=X.T, y=y.T)
    grads = g.backward()
    for name, shape in COLUMNS_SHAPES.items():
        assert np.shape(g.values[name]) == shape, name
        if name != "X":
            assert grads[name].shape == shape, name
    # the formulas of NETWORK.md's columns section, by hand from the values
    delta3, delta2 = grads["z3"], grads["z2"]
    a2, W2, X_ = g.values["a2"], g.params["W2"], g.values["X"]
    np.testing.assert_allclose(grads["W2"], delta3 @ a2.T, rtol=1e-12)  # δ³·a²ᵀ 1×3
    np.testing.assert_allclose(grads["a2"], W2.T @ delta3, rtol=1e-12)  # W²ᵀ·δ³ 3×4
    np.testing.assert_allclose(grads["W1"], delta2 @ X_.T, rtol=1e-12)  # δ²·Xᵀ 3×2
    np.testing.assert_allclose(grads["b1"], delta2.sum(axis=1, keepdims=True), rtol=1e-12)


def test_rows_convention_formulas_of_network_md():
    g = Graph.mlp([2, 3, 1])
    X, y = batch([2, 3, 1])
    g.forward(X=X, y=y)
    grads = g.backward()
    z3, a2 = g.values["z3"], g.values["a2"]
    delta3 = 2 / (4 * 1) * (z3 - y)  # MSE: 2/(k·m³)·(z³ − y)
    np.testing.assert_allclose(grads["z3"], delta3, rtol=1e-12)
    np.testing.assert_allclose(grads["a2W2"], delta3, rtol=1e-12)
    np.testing.assert_allclose(grads["b2"], delta3.sum(axis=0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(grads["W2"], a2.T @ delta3, rtol=1e-12)
    da2 = delta3 @ g.params["W2"].T
    np.testing.assert_allclose(grads["a2"], da2, rtol=1e-12)
    delta2 = da2 * a2 * (1 - a2)
    np.testing.assert_allclose(grads["z2"], delta2, rtol=1e-12)
    np.testing.assert_allclose(grads["b1"], delta2.sum(axis=0, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(grads["W1"], X.T @ delta2, rtol=1e-12)


@pytest.mark.parametrize("layers", [[2, 3, 1], [3, 5, 4, 2]])
def test_conventions_agree_up_to_transposes(layers):
    rows = Graph.mlp(layers, activation="tanh", seed=3)
    cols = Graph.mlp(layers, activation="tanh", seed=3, convention="columns")
    for name in rows.params:  # the builder's promise: one seed, the same numbers, transposed
        np.testing.assert_array_equal(cols.params[name], rows.params[name].T)
    for name in rows.params:  # biases are zero at first: give them numbers so they count
        shape = rows.params[name].shape
        rows.params[name] = rows.params[name] + 0.1 * np.arange(np.prod(shape)).reshape(shape)
        cols.params[name] = rows.params[name].T
    X, y = batch(layers, k=5)
    J_rows = rows.forward(X=X, y=y)
    J_cols = cols.forward(X=X.T, y=y.T)
    assert J_cols == pytest.approx(J_rows, rel=1e-12)
    g_rows, g_cols = rows.backward(), cols.backward()
    for name in rows.params:
        np.testing.assert_allclose(g_cols[name], g_rows[name].T, rtol=1e-10, atol=1e-15)
    for l in range(2, len(layers) + 1):
        np.testing.assert_allclose(g_cols[f"z{l}"], g_rows[f"z{l}"].T, rtol=1e-10, atol=1e-15)


# --- item 3: whole-network gradient checks ---------------------------------------------------

LAYERS = [[2, 3, 1], [3, 5, 4, 2], [1, 1], [4, 2]]
ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity"]
HEADS = [("mse", "identity"), ("mse", "sigmoid"), ("mse", "softmax"),
         ("half_sse", "identity"), ("half_sse", "sigmoid"), ("half_sse", "softmax"),
         ("cross_entropy", "identity"), ("cross_entropy", "softmax")]


def _valid(layers, head):
    # a softmax over one output is the constant 1: J would not depend on anything
    return layers[-1] > 1 or (head[0] != "cross_entropy" and head[1] != "softmax")


GRAPH_CASES = [
    (layers, activation, head, bias, convention)
    for layers, activation, head, bias, convention in itertools.product(
        LAYERS, ACTIVATIONS, HEADS, [True, False], ["rows", "columns"])
    if _valid(layers, head) and (len(layers) > 2 or activation == "sigmoid")  # no hidden layer
]


def _case_id(case) -> str:
    layers, activation, (loss, out), bias, convention = case
    with_bias = "bias" if bias else "nobias"
    return f"{'-'.join(map(str, layers))}-{activation}-{out}-{loss}-{with_bias}-{convention}"


@pytest.mark.parametrize("case", GRAPH_CASES, ids=[_case_id(c) for c in GRAPH_CASES])
def test_mlp_gradient_check(case):
    layers, activation, (loss, out), bias, convention = case
    g = Graph.mlp(layers, activation=activation, output_activation=out, loss=loss, bias=bias,
                  convention=convention, seed=7)
    rng = np.random.default_rng(11)
    for name in g.params:  # non-zero biases, so their gradients are exercised away from 0
        g.params[name] = g.params[name] + 0.3 * rng.standard_normal(g.params[name].shape)
    X, y = batch(layers, k=3, seed=5)
    if convention == "columns":
        X, y = X.T, y.T
    result = check_graph(g, {"X": X, "y": y})
    assert result.ok, str(result)
    assert len(result.inputs) == len(g.params) == (2 if bias else 1) * (len(layers) - 1)
    assert result.max_error < TOL, str(result)


# --- item 5: the worked example of NETWORK.md --------------------------------------------------

X1 = np.array([[0.23, 0.82]])
Y1 = np.array([[1.0]])
W1 = np.array([[0.1, 0.5], [0.4, 0.3]])
W2 = np.array([[0.2], [0.6]])


def worked_example() -> Graph:
    g = Graph.mlp([2, 2, 1], activation="sigmoid", output_activation="sigmoid", loss="half_sse",
                  bias=False)
    g.params["W1"] = W1
    g.params["W2"] = W2
    return g


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def by_hand():
    """The forward pass and the chain rule with math.exp, one number at a time."""
    x = (0.23, 0.82)
    z2 = [x[0] * W1[0, j] + x[1] * W1[1, j] for j in range(2)]
    a2 = [sigma(z) for z in z2]
    z3 = a2[0] * W2[0, 0] + a2[1] * W2[1, 0]
    yhat = sigma(z3)
    J = 0.5 * (yhat - 1.0) ** 2
    delta3 = (yhat - 1.0) * yhat * (1 - yhat)                      # δ³ = (ŷ − y)·ŷ(1 − ŷ)
    dW2 = [[a2[i] * delta3] for i in range(2)]                      # a²ᵀ δ³
    delta2 = [delta3 * W2[j, 0] * a2[j] * (1 - a2[j]) for j in range(2)]  # δ³W²ᵀ ⊙ a²(1 − a²)
    dW1 = [[x[i] * delta2[j] for j in range(2)] for i in range(2)]  # xᵀ δ²
    return dict(z2=z2, a2=a2, z3=z3, yhat=yhat, J=J, delta3=delta3, dW2=dW2, delta2=delta2,
                dW1=dW1)


def test_worked_example_forward_matches_the_printed_digits():
    g = worked_example()
    J = g.forward(X=X1, y=Y1)
    hand = by_hand()
    z2, a2, z3, yhat = (g.values[n].ravel() for n in ("z2", "a2", "z3", "a3"))
    # the digits printed in NETWORK.md
    np.testing.assert_allclose(z2, [0.351, 0.361], atol=1e-12)
    assert [round(v, 4) for v in a2] == [0.5869, 0.5893]
    assert round(float(z3[0]), 4) == 0.4709
    assert round(float(yhat[0]), 4) == 0.6156
    assert round(J, 4) == 0.0739
    # and the same numbers computed independently, to full precision
    np.testing.assert_allclose(z2, hand["z2"], rtol=1e-14)
    np.testing.assert_allclose(a2, hand["a2"], rtol=1e-14)
    assert float(z3[0]) == pytest.approx(hand["z3"], rel=1e-14)
    assert float(yhat[0]) == pytest.approx(hand["yhat"], rel=1e-14)
    assert J == pytest.approx(hand["J"], rel=1e-13)


def test_worked_example_gradients_by_hand_and_by_finite_differences():
    g = worked_example()
    g.forward(X=X1, y=Y1)
    grads = g.backward()
    hand = by_hand()
    np.testing.assert_allclose(grads["z3"], [[hand["delta3"]]], rtol=1e-12)
    np.testing.assert_allclose(grads["W2"], hand["dW2"], rtol=1e-12)
    np.testing.assert_allclose(grads["z2"], [hand["delta2"]], rtol=1e-12)
    np.testing.assert_allclose(grads["W1"], hand["dW1"], rtol=1e-12)
    result = check_graph(g, {"X": X1, "y": Y1})
    assert result.ok and result.max_error < TOL, str(result)
    # Printed slides of this example sometimes evaluate σ′ at the wrong point (σ′(a) with a =
    # σ(z), instead of σ′(z) = a(1 − a)): they get δ³ ≈ −0.0875 instead of −0.0910 and, after
    # the step of 0.7, W² ≈ (0.2360, 0.6361) instead of (0.2374, 0.6375), a disagreement in the
    # third significant digit. Finite differences side with the engine, as asserted above.
    yhat = hand["yhat"]
    slide_delta3 = (yhat - 1.0) * sigma(yhat) * (1 - sigma(yhat))
    assert abs(slide_delta3 - float(grads["z3"][0, 0])) > 1e-3


def test_worked_example_step_moves_each_weight_by_minus_lr_times_its_gradient():
    g = worked_example()
    g.forward(X=X1, y=Y1)
    grads = {name: grad.copy() for name, grad in g.backward().items()}
    before = {name: g.params[name].copy() for name in g.params}
    g.step(0.7)
    for name in ("W1", "W2"):
        np.testing.assert_array_equal(g.params[name], before[name] - 0.7 * grads[name])
    hand = by_hand()  # W² ← W² − 0.7·a²ᵀδ³: (0.2374, 0.6375), the engine's side of the comment
    np.testing.assert_allclose(g.params["W2"].ravel(),
                               [0.2 - 0.7 * hand["dW2"][0][0], 0.6 - 0.7 * hand["dW2"][1][0]],
                               rtol=1e-14)
    assert [round(v, 4) for v in g.params["W2"].ravel()] == [0.2374, 0.6375]
