"""The update loop shared by every parameter (`for name in params: params[name] -= lr *
grads[name]`): when numpy refuses it for one parameter, the watch names that gradient by its
dict key, points at the line that made it, and never proposes a change of the shared line, nor a
sum of a gradient that is its parameter transposed (the sum would silently corrupt it).

Sizes: batch K=5, layers [2, 3, 1]: W1 2×3, b1 1×3, W2 3×1, b2 1×1.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import gates

K = 5


def line_of(function, marker: str) -> int:
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if marker in line)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def step(X, y, params, lr=0.1, transposed=False, unsummed=False):
    """The tester's two-layer network; `transposed` plants dW2 = delta3.T @ a2 (1×3 for 3×1),
    `unsummed` plants db1 = delta2 (5×3 for 1×3)."""
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    a2 = sigmoid(X @ W1 + b1)
    z3 = a2 @ W2 + b2
    delta3 = 2 * (z3 - y) / X.shape[0]
    dW2 = delta3.T @ a2 if transposed else a2.T @ delta3  # dW2
    db2 = delta3.sum(axis=0, keepdims=True)
    delta2 = delta3 @ W2.T * a2 * (1 - a2)  # delta2
    dW1 = X.T @ delta2
    db1 = delta2 if unsummed else delta2.sum(axis=0, keepdims=True)
    grads = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
    for name in params:
        params[name] -= lr * grads[name]  # update
    return grads


def data():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((K, 2)), rng.standard_normal((K, 1))
    params = {"W1": rng.standard_normal((2, 3)), "b1": np.zeros((1, 3)),
              "W2": rng.standard_normal((3, 1)), "b2": np.zeros((1, 1))}
    return X, y, params


def refused(**planted) -> gates.ShapeError:
    X, y, params = data()
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(step, X, y, params, **planted)
    return caught.value


def test_a_transposed_gradient_is_found_where_it_is_made_and_never_summed():
    error = refused(transposed=True)
    grad = only_one(error, "grad_shape")
    assert grad["line"] == line_of(step, "# dW2") and grad["shapes"] == [[1, 3], [3, 1]]
    assert grad["message"].startswith("dW2 is 1×3 but W2 is 3×1")
    assert "transposed (1×3 for 3×1)" in grad["fix"]
    loop = only_one(error, "shape_mismatch")
    assert loop["line"] == line_of(step, "# update")
    made = line_of(step, "# dW2")
    assert f'grads["W2"] (dW2, made at line {made}) is 1×3 but W2 is 3×1' in loop["message"]
    assert error.fix == loop["fix"]
    assert "transposed (1×3 for 3×1)" in error.fix and "sum" not in error.fix
    assert "params[name]" not in error.fix and "grads[name]" not in error.fix


def test_an_unsummed_gradient_held_in_a_dict_is_named_by_its_key_and_summed_where_made():
    error = refused(unsummed=True)
    loop = only_one(error, "shape_mismatch")
    made = line_of(step, "# delta2")
    assert f'grads["b1"] (delta2, made at line {made}) is {K}×3 but b1 is 1×3' in loop["message"]
    assert error.fix.endswith('grads["b1"] = delta2.sum(axis=0, keepdims=True) (1×3).')
    assert "grads[name]" not in error.fix  # the shared line would sum W1's gradient too
    # the sum proposed is b1's true gradient: the unplanted step's, by the same arithmetic
    X, y, params = data()
    right = step(X, y, params)["b1"]
    X, y, params = data()
    a2 = sigmoid(X @ params["W1"] + params["b1"])
    delta3 = 2 * (a2 @ params["W2"] + params["b2"] - y) / K
    delta2 = delta3 @ params["W2"].T * a2 * (1 - a2)
    assert np.array_equal(delta2.sum(axis=0, keepdims=True), right)


def update_one(W2, dW2, lr=0.1):
    W2 -= lr * dW2  # one parameter
    return W2


def test_an_update_of_one_parameter_with_a_transposed_gradient_says_transposed():
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(update_one, np.ones((3, 1)), np.ones((1, 3)))
    assert "transposed (1×3 for 3×1)" in caught.value.fix and "sum" not in caught.value.fix


def only_one(error: gates.ShapeError, kind: str) -> dict:
    found = [p for p in error.watch.problems if p["kind"] == kind]
    assert len(found) == 1, error.watch.problems
    return found[0]


def test_an_in_place_update_of_a_plain_array_under_watching_is_said_as_under_watch():
    rng = np.random.default_rng(0)
    X, W = rng.standard_normal((4, 2)), rng.standard_normal((2, 3))
    expected = W - 0.01 * (X.T @ (X @ W))
    with gates.watching() as w:
        X = w.track(X, "X")
        W -= 0.01 * (X.T @ (X @ W))  # W stays a plain array: numpy calls the ufunc with out=
    update = w.events[-1]
    assert update["op"] == "subtract" and update["kind"] == "inplace" and update["name"] == "W"
    assert [(i["name"], i["shape"]) for i in update["inputs"]] == [("W", [2, 3]),
                                                                   ("0.01 * (X.T @ (X @ W))", [2, 3])]
    assert "(2×3)−(2×3) → 2×3" in w.render("plain", width=120)
    assert "subtract(" not in w.render("plain", width=120)
    assert type(W) is np.ndarray and np.array_equal(W, expected)
    tracked = gates.watch(update_one, np.ones((2, 3)), np.ones((2, 3)))  # the same words under watch
    assert "(2×3)−(2×3) → 2×3" in tracked.render("plain", width=120)


def test_a_vector_against_a_matrix_with_as_many_rows_is_refused_with_its_reshape():
    s, y = np.ones((4, 3)), np.arange(4.0)

    def residual(s, y):
        return s - y

    with pytest.raises(gates.ShapeError) as watched:
        gates.watch(residual, s, y)
    with pytest.raises(gates.ShapeError) as caught:
        with gates.watching() as w:
            s = w.track(s, "s")
            r = s - y  # noqa: F841 (refused)
    fix = "Reshape y to (4, 1) (e.g. y.reshape(4, 1)): one value per row of s, repeated along its 3 columns."
    assert watched.value.fix == caught.value.fix == fix
    assert caught.value.operands == [("s", (4, 3)), ("y", (4,))]
    assert (np.asarray(s) - y.reshape(4, 1)).shape == (4, 3)  # the fix does what it says
