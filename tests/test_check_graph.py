"""check_graph: a network's gradients against central differences, a ReLU kink handled as a kink
(never blamed on the gradient), a wrong gate inside a graph named, and the graph left as found."""

from __future__ import annotations

import numpy as np
import pytest
from bad_gates import NoTwoMSELoss
from wrong_gates import SevenReLU

from gates import AddGate, MSELoss, MulGate
from gates.check import check_graph
from graph import Graph

XNOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XNOR_Y = np.array([[1.0], [0.0], [0.0], [1.0]])


def relu_net(seed: int = 0) -> Graph:
    """The built-in [2, 3, 1] ReLU net with zero biases: the input row (0, 0) gives z² = 0 for
    every hidden neuron, exactly on ReLU's kink."""
    g = Graph.mlp([2, 3, 1], activation="relu", seed=seed)
    for name in ("b1", "b2"):
        g.params[name] = np.zeros_like(g.params[name])
    return g


def test_the_relu_net_on_xnor_with_zero_biases_passes(numeric_grad):
    g = relu_net()
    g.forward(X=XNOR_X, y=XNOR_Y)
    assert np.all(g.values["z2"][0] == 0.0)  # the kink, exactly
    db1 = g.backward()["b1"]
    b1 = g.params["b1"]

    def J(b):
        kept = b1.copy()
        b1[...] = b
        try:
            return g.forward(X=XNOR_X, y=XNOR_Y)
        finally:
            b1[...] = kept
    central = numeric_grad(J, b1.copy())
    assert not np.allclose(central, db1, rtol=1e-6, atol=1e-9)  # a plain difference quotient disagrees

    result = check_graph(g, {"X": XNOR_X, "y": XNOR_Y})
    assert result.ok, str(result)
    kinks = {c.name: c.kinks for c in result.inputs}
    assert kinks == {"W¹": 0, "b¹": 3, "W²": 0, "b²": 0}  # b¹ moves z² of row (0, 0): 3 neurons


@pytest.mark.parametrize("seed", range(5))
def test_relu_nets_pass_over_seeds(seed):
    assert check_graph(relu_net(seed), {"X": XNOR_X, "y": XNOR_Y}).ok


def hand_built(gate_on_z, loss=MSELoss) -> Graph:
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W1", np.array([[0.5, -0.4, 0.3], [0.2, 0.7, -0.6]]))
    g.param("b1", np.zeros((1, 3)))
    g.param("W2", np.array([[0.6], [-0.9], [0.4]]))
    g.add(MulGate(), ["X", "W1"], "XW1")
    g.add(AddGate(), ["XW1", "b1"], "z2")
    g.add(gate_on_z(), ["z2"], "a2")
    g.add(MulGate(), ["a2", "W2"], "z3")
    g.add(loss(), ["z3", "y"], "J")
    return g


def test_a_wrong_gate_at_a_kink_inside_a_graph_is_named():
    """ReLU′(0) = 7 at the zero row: b¹'s gradient is outside the one-sided derivatives."""
    result = check_graph(hand_built(SevenReLU), {"X": XNOR_X, "y": XNOR_Y})
    verdicts = {c.name: c for c in result.inputs}
    assert verdicts["b¹"].diagnosis == "wrong_at_kink"
    assert verdicts["W¹"].ok and verdicts["W²"].ok


def test_a_loss_without_its_2_inside_a_graph_is_a_factor_of_one_half():
    from gates import Sigmoid

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    result = check_graph(hand_built(Sigmoid, NoTwoMSELoss), {"X": X, "y": y})
    for c in result.inputs:
        assert c.diagnosis == "constant_factor" and "times 0.5" in c.message


def test_an_input_declared_with_grad_is_checked_by_name():
    from gates import Sigmoid

    g = hand_built(Sigmoid)
    g.nodes["X"].needs_grad = True
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    result = check_graph(g, {"X": X, "y": y}, names=["X", "W1"])
    assert result.ok and [c.name for c in result.inputs] == ["X", "W¹"]
    assert [c.grad_shape for c in result.inputs] == [(4, 2), (2, 3)]


def test_the_graph_is_left_as_it_was_found():
    g = Graph.mlp([2, 3, 1], seed=3)
    W1 = g.params["W1"]
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    J = g.forward(X=X, y=y)
    grads = {k: v.copy() for k, v in g.backward().items()}
    values = {k: np.copy(v) for k, v in g.values.items()}
    params = {k: v.copy() for k, v in g.params.items()}
    result = check_graph(g, {"X": X[:3], "y": y[:3]})  # another batch size
    assert result.ok
    assert g.params["W1"] is W1
    assert all(np.array_equal(g.params[k], params[k]) for k in params)
    assert set(g.values) == set(values) and all(np.array_equal(g.values[k], values[k]) for k in values)
    assert set(g.grads) == set(grads) and all(np.array_equal(g.grads[k], grads[k]) for k in grads)
    assert g.symbols == {"k": 4}
    g.step(0.1)  # the gradients kept are still the ones of the batch of 4
    assert g.forward(X=X, y=y) < J
