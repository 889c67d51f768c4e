"""The fast training path computes exactly what the lesson computes.

train_step runs planned kernels on kept arrays (graph/training.py); forward(), backward() and
step() run every gate's textbook code. Step after step, both must give the same loss, the same
gradients and the same parameters, to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Cube  # tests/ is on the path

from gates import AddGate, HadamardGate, MSELoss, MulGate, Sigmoid
from graph import Graph
from graph.training import KERNELS, Plan

STEPS = 4
LR = 0.3


def data(layers, k, convention, loss, seed=5):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((k, layers[0]))
    y = rng.random((k, layers[-1]))
    if loss == "cross_entropy":
        y = y / y.sum(axis=1, keepdims=True)
    if convention == "columns":
        X, y = X.T.copy(), y.T.copy()
    return {"X": X, "y": y}


def assert_same_steps(fast: Graph, slow: Graph, inputs: dict) -> None:
    """Each train_step of `fast` against forward/backward/step of `slow`, bit for bit."""
    for step in range(STEPS):
        J_fast = fast.train_step(LR, **inputs)
        J_slow = slow.forward(**inputs)
        slow_grads = slow.backward()
        assert J_fast == J_slow, f"step {step}: J"
        assert fast.grads.keys() == slow_grads.keys()
        for name, grad in slow_grads.items():
            np.testing.assert_array_equal(fast.grads[name], grad, err_msg=f"step {step}: dJ/d{name}")
        slow.step(LR)
        for name, param in slow.params.items():
            np.testing.assert_array_equal(fast.params[name], param, err_msg=f"step {step}: {name}")
    assert fast._plans and all(isinstance(p, Plan) for p in fast._plans.values()), \
        "the later steps must have run on a plan"


@pytest.mark.parametrize("options", [
    dict(activation="sigmoid"),
    dict(activation="tanh", loss="half_sse", convention="columns"),
    dict(activation="relu", output_activation="sigmoid", bias=False),
    dict(activation="identity", loss="mse", convention="columns"),
    dict(activation="tanh", loss="cross_entropy"),
    dict(activation="relu", output_activation="softmax", convention="columns"),
])
@pytest.mark.parametrize("layers, k", [([2, 3, 1], 4), ([3, 5, 4, 2], 7), ([4, 2], 1)])
def test_train_step_equals_forward_backward_step(options, layers, k):
    if layers[-1] == 1 and (options.get("loss") == "cross_entropy"
                            or options.get("output_activation") == "softmax"):
        layers = [*layers[:-1], 2]  # one class is refused: softmax needs two
    inputs = data(layers, k, options.get("convention", "rows"), options.get("loss"))
    assert_same_steps(Graph.mlp(layers, seed=3, **options), Graph.mlp(layers, seed=3, **options), inputs)





def fan_out() -> Graph:
    """z = X·W; s = z ⊙ z + cube(z) + b: z feeds three slots, a user's gate among them."""
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 3))
    g.param("W", np.array([[0.5, -1.0, 0.25], [1.5, 0.3, -0.7]]))
    g.param("b", np.array([[0.1, -0.2, 0.3]]))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(HadamardGate(), ["z", "z"], "zz")
    g.add(Cube(), ["z"], "c")
    g.add(AddGate(), ["zz", "c"], "u")
    g.add(AddGate(), ["u", "b"], "s")
    g.add(Sigmoid(), ["s"], "a")
    g.add(MSELoss(), ["a", "y"], "J")
    return g


def test_fan_out_and_a_users_gate_on_the_fast_path():
    rng = np.random.default_rng(8)
    inputs = {"X": rng.standard_normal((5, 2)) * 0.5, "y": rng.random((5, 3))}
    assert Cube not in KERNELS and HadamardGate not in KERNELS  # they run their own code
    assert_same_steps(fan_out(), fan_out(), inputs)


def test_a_new_batch_size_makes_a_new_plan_and_still_agrees():
    fast, slow = Graph.mlp([2, 3, 1], seed=1), Graph.mlp([2, 3, 1], seed=1)
    for k in (4, 6, 4):
        inputs = data([2, 3, 1], k, "rows", "mse", seed=k)
        assert_same_steps(fast, slow, inputs)


def test_the_kernels_cover_the_gates_of_an_mlp():
    """The speed is real: every gate of a sigmoid or ReLU mlp with mse runs as a kernel."""
    for activation in ("sigmoid", "relu", "tanh"):
        g = Graph.mlp([2, 3, 1], activation=activation)
        assert {type(node.gate) for node in g.gate_nodes} <= set(KERNELS)
