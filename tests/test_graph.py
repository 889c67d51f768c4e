"""Hand-built graphs: fan-out sums the gradients of every use (the gradient table), backward is
repeatable, and a user's own gate is differentiated like a built-in one."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Cube  # tests/ is on the path

from gates import AddGate, HadamardGate, HalfSSELoss, MSELoss, MulGate, ShapeError, Sigmoid
from gates.check import check_graph
from graph import Graph

TOL = 1e-6


def square_plus_self() -> Graph:
    """z = X·W;  s = z ⊙ z + z;  J = mse(s, y). z feeds three operand slots of two gates."""
    g = Graph()
    g.input("X", ("k", 2), grad=True)
    g.input("y", ("k", 3))
    g.param("W", np.array([[0.5, -1.0, 0.25], [1.5, 0.3, -0.7]]))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(HadamardGate(), ["z", "z"], "zz")
    g.add(AddGate(), ["zz", "z"], "s")
    g.add(MSELoss(), ["s", "y"], "J")
    return g


def shared_activation() -> Graph:
    """a = σ(X·W);  r = a·V1 + a·V2;  J = ½Σ(r − y)². a feeds two mulGates."""
    rng = np.random.default_rng(3)
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W", rng.standard_normal((2, 3)))
    g.param("V1", rng.standard_normal((3, 1)))
    g.param("V2", rng.standard_normal((3, 1)))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(Sigmoid(), ["z"], "a")
    g.add(MulGate(), ["a", "V1"], "p")
    g.add(MulGate(), ["a", "V2"], "q")
    g.add(AddGate(), ["p", "q"], "r")
    g.add(HalfSSELoss(), ["r", "y"], "J")
    return g


def data(k=4, out=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((k, 2)), rng.standard_normal((k, out))


def test_fan_out_square_plus_self_closed_form():
    g = square_plus_self()
    X, y = data()
    J = g.forward(X=X, y=y)
    W = g.params["W"]
    z = X @ W
    s = z * z + z
    assert J == pytest.approx(np.mean((s - y) ** 2), rel=1e-14)
    grads = g.backward()
    ds = 2 * (s - y) / s.size
    dz = ds * (2 * z + 1)  # two slots of z ⊙ z give 2z, the addGate gives 1: all three summed
    np.testing.assert_allclose(grads["s"], ds, rtol=1e-12)
    np.testing.assert_allclose(grads["zz"], ds, rtol=1e-12)
    np.testing.assert_allclose(grads["z"], dz, rtol=1e-12)
    np.testing.assert_allclose(grads["W"], X.T @ dz, rtol=1e-12)
    np.testing.assert_allclose(grads["X"], dz @ W.T, rtol=1e-12)


def test_fan_out_square_plus_self_finite_differences():
    g = square_plus_self()
    X, y = data()
    result = check_graph(g, {"X": X, "y": y}, names=["W", "X"])
    assert result.ok, str(result)
    assert result.max_error < TOL


def test_fan_out_shared_activation_closed_form_and_finite_differences():
    g = shared_activation()
    X, y = data(out=1, seed=1)
    g.forward(X=X, y=y)
    grads = g.backward()
    W, V1, V2 = (g.params[n] for n in ("W", "V1", "V2"))
    a = 1 / (1 + np.exp(-(X @ W)))
    r = a @ V1 + a @ V2
    delta = r - y
    da = delta @ V1.T + delta @ V2.T  # what both mulGates send back, summed
    np.testing.assert_allclose(grads["a"], da, rtol=1e-12)
    np.testing.assert_allclose(grads["V1"], a.T @ delta, rtol=1e-12)
    np.testing.assert_allclose(grads["V2"], a.T @ delta, rtol=1e-12)
    np.testing.assert_allclose(grads["W"], X.T @ (da * a * (1 - a)), rtol=1e-12)
    result = check_graph(g, {"X": X, "y": y})
    assert result.ok and result.max_error < TOL, str(result)


@pytest.mark.parametrize("build, out", [(square_plus_self, 3), (shared_activation, 1)])
def test_backward_twice_gives_identical_arrays(build, out):
    g = build()
    X, y = data(out=out)
    g.forward(X=X, y=y)
    first = {name: np.array(grad, copy=True) for name, grad in g.backward().items()}
    second = g.backward()
    assert first.keys() == second.keys()
    for name in first:
        np.testing.assert_array_equal(second[name], first[name], err_msg=name)


def test_repeated_forward_gives_the_same_values():
    g = shared_activation()
    X, y = data(out=1)
    J1 = g.forward(X=X, y=y)
    grads1 = {n: np.array(v, copy=True) for n, v in g.backward().items()}
    J2 = g.forward(X=X, y=y)  # the second forward skips the shape checks: same numbers
    grads2 = g.backward()
    assert J2 == J1
    for name in grads1:
        np.testing.assert_array_equal(grads2[name], grads1[name], err_msg=name)


def test_every_gradient_has_its_nodes_shape():
    g = shared_activation()
    X, y = data(k=5, out=1)
    g.forward(X=X, y=y)
    for name, grad in g.backward().items():
        assert np.shape(grad) == np.shape(g.values[name]), name


def test_a_branch_that_does_not_reach_J_gets_a_zero_gradient():
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W", np.ones((2, 1)))
    g.param("U", np.ones((2, 4)))
    g.add(MulGate(), ["X", "U"], "unused")
    g.add(MulGate(), ["X", "W"], "z")
    g.add(MSELoss(), ["z", "y"], "J")
    X, y = data(out=1)
    g.forward(X=X, y=y)
    grads = g.backward()
    np.testing.assert_array_equal(grads["U"], np.zeros((2, 4)))
    np.testing.assert_array_equal(grads["unused"], np.zeros((4, 4)))
    np.testing.assert_allclose(grads["W"], X.T @ (2 * (X @ np.ones((2, 1)) - y) / 4), rtol=1e-12)





def test_a_users_gate_is_differentiated_like_a_builtin():
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W", np.array([[0.3], [-0.8]]))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(Cube(), ["z"], "c")
    g.add(HalfSSELoss(), ["c", "y"], "J")
    X, y = data(out=1, seed=4)
    g.forward(X=X, y=y)
    z = X @ g.params["W"]
    np.testing.assert_allclose(g.backward()["W"], X.T @ ((z ** 3 - y) * 3 * z ** 2), rtol=1e-12)
    result = check_graph(g, {"X": X, "y": y})
    assert result.ok and result.max_error < TOL, str(result)


def test_a_parameter_used_twice_gets_both_gradients():
    """z = X·W + X·W = 2X·W, J = mse(z, y): dJ/dW = Xᵀ·δ from each mulGate, summed = 2Xᵀ·δ."""
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W", np.array([[0.4], [-0.2]]))
    g.add(MulGate(), ["X", "W"], "p")
    g.add(MulGate(), ["X", "W"], "q")
    g.add(AddGate(), ["p", "q"], "z")
    g.add(MSELoss(), ["z", "y"], "J")
    X, y = data(out=1, seed=6)
    g.forward(X=X, y=y)
    delta = 2 * (2 * X @ g.params["W"] - y) / len(y)
    np.testing.assert_allclose(g.backward()["W"], 2 * X.T @ delta, rtol=1e-12)
    result = check_graph(g, {"X": X, "y": y})
    assert result.ok and result.max_error < TOL, str(result)


def test_new_parameter_values_are_used_by_the_next_forward_and_copied():
    X, y = data(out=1)
    g = shared_activation()
    g.forward(X=X, y=y)  # the shapes are now proven; the next forward takes the fast path
    V1 = np.array([[1.0], [2.0], [3.0]])
    g.params["V1"] = V1
    fresh = shared_activation()
    fresh.params["V1"] = V1
    assert g.forward(X=X, y=y) == fresh.forward(X=X, y=y)
    g.backward()
    g.step(0.5)  # in place on the graph's own copy, never on the caller's array
    np.testing.assert_array_equal(V1, [[1.0], [2.0], [3.0]])
    assert not np.array_equal(g.params["V1"], V1)


# --- state between calls -------------------------------------------------------------------------

def test_a_failed_forward_leaves_no_stale_batch_size_behind():
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y")  # no declared shape: a mismatch shows only when the loss gate runs
    g.param("W", np.ones((2, 1)))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(MSELoss(), ["z", "y"], "J")
    rng = np.random.default_rng(0)
    X4, y4 = rng.standard_normal((4, 2)), rng.standard_normal((4, 1))
    J = g.forward(X=X4, y=y4)
    with pytest.raises(ShapeError):
        g.forward(X=rng.standard_normal((5, 2)), y=y4)  # binds k = 5, then fails in mse
    assert g.forward(X=X4, y=y4) == J
    assert g.symbols == {"k": 4}


def test_step_after_a_new_forward_needs_a_new_backward():
    g = Graph.mlp([2, 3, 1])
    X, y = np.ones((4, 2)), np.zeros((4, 1))
    g.forward(X=X, y=y)
    g.backward()
    g.forward(X=2 * X, y=y)  # the gradients of the first inputs must not be applied now
    with pytest.raises(RuntimeError, match="backward"):
        g.step(0.1)


def test_fit_feeds_X_and_y_by_name_whatever_order_they_were_declared_in():
    from gates import MSELoss, MulGate
    g = Graph()
    g.input("y", ("k", 2))
    g.input("X", ("k", 2))
    g.param("W", np.eye(2))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(MSELoss(), ["z", "y"], "J")
    X, y = np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])
    history = g.fit(X, y, epochs=1, lr=0.0)
    assert history == [pytest.approx((1.0 + 4.0) / 2)]  # mean of (X·I − 0)², not of (y·I − X)²


def test_float32_and_int_inputs_become_float64():
    g = Graph.mlp([2, 3, 1])
    X = np.arange(8, dtype=np.float32).reshape(4, 2)
    J = g.forward(X=X, y=np.ones((4, 1), dtype=int))
    assert g.values["X"].dtype == np.float64 and g.values["y"].dtype == np.float64
    assert g.values["a2"].dtype == np.float64 and isinstance(J, float)
    assert J == g.forward(X=X.astype(np.float64), y=np.ones((4, 1)))
