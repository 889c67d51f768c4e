"""One realistic buggy program per problem kind: the watch names the kind, the line (found here
by the comment that marks it), the operands with their shapes, and a fix with the right shape.

Sizes differ on purpose: a batch of 5, layers [3, 4, 2], so every shape in a message says
which array it belongs to.
"""

from __future__ import annotations

import inspect
import traceback
from pathlib import Path

import numpy as np
import pytest

import gates

K, M1, M2, M3 = 5, 3, 4, 2
LIBRARY = tuple(str(Path(m.__file__).parent) for m in (np, gates))
GRAPH = str(Path(__file__).resolve().parents[1] / "graph")


def line_of(function, marker: str) -> int:
    """The line of the file that holds `marker`, inside `function`."""
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if marker in line)


def last_user_line(error: BaseException) -> int:
    """The line of the last frame of the traceback outside numpy, gates and graph."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if not f.filename.startswith((*LIBRARY, GRAPH))]
    return frames[-1].lineno


def data(seed: int = 0, *, vector_y: bool = False):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((K, M1))
    y = rng.standard_normal(K) if vector_y else rng.standard_normal((K, M3))
    params = {"W1": rng.standard_normal((M1, M2)), "b1": np.zeros((1, M2)),
              "W2": rng.standard_normal((M2, M3)), "b2": np.zeros((1, M3))}
    return X, y, params


def only(w, kind: str) -> dict:
    found = [p for p in w.problems if p["kind"] == kind]
    assert len(found) == 1, w.problems
    return found[0]


# --- broadcast_trap ------------------------------------------------------------------------------

def loss_of_a_vector_target(X, y, params):
    """One output; y loaded as a vector (k,), the prediction a column (k, 1)."""
    h = np.tanh(X @ params["W1"] + params["b1"])
    y_hat = h @ params["W2"][:, :1] + params["b2"][:, :1]
    return np.mean((y_hat - y) ** 2)  # trap


def test_broadcast_trap_names_the_vector_and_its_reshape():
    X, y, params = data(vector_y=True)
    w = gates.watch(loss_of_a_vector_target, X, y, params)
    p = only(w, "broadcast_trap")
    assert p["severity"] == "error"
    assert p["line"] == line_of(loss_of_a_vector_target, "# trap")
    assert p["source"] == "return np.mean((y_hat - y) ** 2)  # trap"
    assert p["names"] == ["y_hat", "y"] and p["shapes"] == [[K, 1], [K]]
    assert f"broadcasts them to {K}×{K}" in p["message"]
    assert p["fix"] == f"Reshape y to ({K}, 1) (e.g. y.reshape({K}, 1))."
    # unwatched, numpy says nothing: the loss is a plain number, the mean of K×K differences
    assert np.isclose(w.result, loss_of_a_vector_target(X, y, params))


def pairwise(a, b):
    """Every difference between two lists of numbers, axes written out: an outer broadcast
    on purpose, not a trap."""
    return a[:, None] - b[None, :]


def test_an_outer_broadcast_written_with_its_axes_is_not_a_trap():
    w = gates.watch(pairwise, np.arange(4.0), np.arange(3.0))
    assert w.problems == [] and w.events[-1]["shape"] == [4, 3]


# --- grad_shape ----------------------------------------------------------------------------------

def backward_without_keepdims(X, y, W1, b1, W2, b2):
    h = X @ W1 + b1
    y_hat = h @ W2 + b2
    delta = (y_hat - y) / y.shape[0]
    dW2 = h.T @ delta
    db2 = delta.sum(axis=0, keepdims=True)
    dh = delta @ W2.T
    dW1 = X.T @ dh
    db1 = np.sum(dh, axis=0)  # lost axis
    return dW1, db1, dW2, db2


def test_grad_shape_finds_a_bias_gradient_that_lost_its_axis():
    X, y, params = data()
    w = gates.watch(backward_without_keepdims, X, y, **params)
    p = only(w, "grad_shape")
    assert p["severity"] == "error"
    assert p["line"] == line_of(backward_without_keepdims, "# lost axis")
    assert p["names"] == ["db1", "b1"] and p["shapes"] == [[M2], [1, M2]]
    assert p["message"].startswith(f"db1 is ({M2},) but b1 is 1×{M2}")
    assert "dh.sum(axis=0, keepdims=True)" in p["fix"] and f"stays 1×{M2}" in p["fix"]
    assert not [q for q in w.problems if q["kind"] == "rank_drop"]  # said once, as grad_shape


def backward_with_swapped_product(X, y, W1, b1, W2, b2):
    h = X @ W1 + b1
    delta = (h @ W2 + b2 - y) / y.shape[0]
    grads = {"W2": delta.T @ h}  # swapped
    grads["b2"] = delta.sum(axis=0, keepdims=True)
    return grads


def test_grad_shape_finds_a_transposed_gradient_in_a_dict_with_the_parameters_keys():
    X, y, params = data()
    w = gates.watch(backward_with_swapped_product, X, y, **params)
    p = only(w, "grad_shape")
    assert p["line"] == line_of(backward_with_swapped_product, "# swapped")
    assert p["shapes"] == [[M3, M2], [M2, M3]]
    assert p["names"] == ['delta.T @ h (returned as "W2")', "W2"]
    assert w.events[p["event"]]["expr"] == "delta.T @ h"  # the operation that made it
    assert f"transposed ({M3}×{M2} for {M2}×{M3})" in p["fix"] and ".T" in p["fix"]


def unsummed_bias_gradient(X, y, params):
    h = X @ params["W1"] + params["b1"]
    grads = {}
    grads["b1"] = (h - y @ params["W2"].T) / X.shape[0]  # unsummed
    return grads


def test_grad_shape_tells_to_sum_over_the_rows_the_bias_was_broadcast_along():
    X, y, params = data()
    w = gates.watch(unsummed_bias_gradient, X, y, params)
    p = only(w, "grad_shape")
    assert p["line"] == line_of(unsummed_bias_gradient, "# unsummed")
    assert p["names"] == ['grads["b1"]', "b1"] and p["shapes"] == [[K, M2], [1, M2]]
    assert "b1 was broadcast in forward" in p["fix"]
    assert 'grads["b1"].sum(axis=0, keepdims=True)' in p["fix"]


# --- shape_mismatch ------------------------------------------------------------------------------

def backward_missing_a_transpose(X, y, W1, b1, W2, b2):
    h = X @ W1 + b1
    delta = (h @ W2 + b2 - y) / y.shape[0]
    dh = delta @ W2  # refused
    return dh


def test_shape_mismatch_raises_from_the_users_line_with_names_shapes_and_the_transpose():
    X, y, params = data()
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(backward_missing_a_transpose, X, y, **params)
    error = caught.value
    line = line_of(backward_missing_a_transpose, "# refused")
    assert last_user_line(error) == line
    assert str(error).startswith(f"line {line}: delta @ W2: delta is {K}×{M3} and W2 is {M2}×{M3}; "
                                 f"inner sizes {M3} and {M2} differ. "
                                 f"Did you mean W2.T ({M3}×{M2})? → {K}×{M2}.")
    assert error.operands == [("delta", (K, M3)), ("W2", (M2, M3))]
    assert error.fix == f"Did you mean W2.T ({M3}×{M2})? → {K}×{M2}"
    p = only(error.watch, "shape_mismatch")
    assert p["line"] == line and p["severity"] == "error"
    assert error.watch.events[-1]["shape"] is None  # the refused operation closes the trace
    assert len(error.events) == len(error.watch.events)


def update_with_an_unsummed_gradient(b1, delta, lr=0.1):
    b1 -= lr * delta  # in place
    return b1


def test_an_in_place_update_that_would_grow_the_parameter_is_refused_with_the_sum():
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(update_with_an_unsummed_gradient, np.zeros((1, M2)), np.ones((K, M2)))
    assert last_user_line(caught.value) == line_of(update_with_an_unsummed_gradient, "# in place")
    text = str(caught.value)
    assert f"b1 is 1×{M2} and lr * delta is {K}×{M2}; the result would be {K}×{M2}" in text
    assert "(lr * delta).sum(axis=0, keepdims=True)" in text


def softmax_without_keepdims(z):
    return z - z.max(axis=1)  # refused


def test_a_refusal_caused_by_a_lost_axis_points_at_the_reduction():
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(softmax_without_keepdims, np.ones((K, M3)))
    assert caught.value.fix == (f"z.max(axis=1) at line {line_of(softmax_without_keepdims, '# refused')} "
                                f"dropped an axis: z.max(axis=1, keepdims=True) keeps it {K}×1.")


# --- transpose_1d --------------------------------------------------------------------------------

def one_observation_step(x, y, W1, W2):
    """Stochastic gradient descent, one observation at a time: x is (m1,), a vector."""
    h = x @ W1
    y_hat = h @ W2
    d = y_hat - y
    dW2 = h.T * d  # vector
    return dW2


def test_transpose_1d_warns_that_T_of_a_vector_does_nothing():
    X, y, params = data()
    w = gates.watch(one_observation_step, X[0], y[0, :1], params["W1"], params["W2"][:, :1])
    p = only(w, "transpose_1d")
    assert p["severity"] == "warning"
    assert p["line"] == line_of(one_observation_step, "# vector")
    assert p["names"] == ["h"] and p["shapes"] == [[M2]]
    assert f"h.reshape(-1, 1) ({M2}×1)" in p["fix"]
    # and the gradient it makes is a vector where W2 is a column
    assert only(w, "grad_shape")["shapes"] == [[M2], [M2, 1]]


# --- rank_drop -----------------------------------------------------------------------------------

def softmax_rows(scores):
    """A softmax over each row, for as many classes as observations (3 and 3: nothing fails)."""
    e = np.exp(scores)
    total = e.sum(axis=1)  # dropped
    return e / total


def test_rank_drop_warns_at_the_reduction_when_its_vector_meets_a_matrix():
    scores = np.arange(9.0).reshape(3, 3)
    w = gates.watch(softmax_rows, scores)
    p = only(w, "rank_drop")
    assert p["severity"] == "warning"
    assert p["line"] == line_of(softmax_rows, "# dropped")
    assert p["names"] == ["total", "e"] and p["shapes"] == [[3], [3, 3]]
    assert p["fix"] == "Keep the axis: e.sum(axis=1, keepdims=True) gives 3×1."
    assert "the wrong pairing" in p["message"]
    # numpy's answer is indeed wrong: the rows do not sum to 1
    assert not np.allclose(w.result.sum(axis=1), 1.0)


def cross_entropy(scores, Y):
    """Labels as a vector picking one probability per row: fancy indexing, not a rank drop."""
    labels = Y.argmax(axis=1)
    p = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return -np.log(p[np.arange(len(labels)), labels]).mean()


def test_a_reduced_vector_used_as_an_index_is_no_rank_drop():
    scores, classes = np.arange(12.0).reshape(4, 3) / 5, [0, 2, 1, 1]
    w = gates.watch(cross_entropy, scores, np.eye(3)[classes])
    assert w.problems == []
    assert [e["shape"] for e in w.events if e["op"] == "getitem"] == [[4]]
    # by hand: -log softmax, the log-sum-exp of each row minus the picked score
    by_hand = np.mean([np.log(np.exp(row).sum()) - row[c] for row, c in zip(scores, classes)])
    assert np.isclose(w.result, by_hand, rtol=1e-14, atol=0)


# --- strict mode ---------------------------------------------------------------------------------

def test_strict_mode_raises_at_the_first_error_from_the_buggy_line():
    X, y, params = data(vector_y=True)
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(loss_of_a_vector_target, X, y, params, strict=True)
    line = line_of(loss_of_a_vector_target, "# trap")
    assert last_user_line(caught.value) == line
    assert str(caught.value).startswith(f"line {line}: y_hat - y: y_hat is {K}×1 and y is ({K},)")
    assert caught.value.fix == f"Reshape y to ({K}, 1) (e.g. y.reshape({K}, 1))."
    assert caught.value.watch.problems[0]["kind"] == "broadcast_trap"


def test_strict_mode_raises_on_a_gradient_of_the_wrong_shape_but_not_on_warnings():
    X, y, params = data()
    with pytest.raises(gates.ShapeError) as caught:
        gates.watch(backward_without_keepdims, X, y, strict=True, **params)
    assert last_user_line(caught.value) == line_of(backward_without_keepdims, "# lost axis")
    w = gates.watch(softmax_rows, np.arange(9.0).reshape(3, 3), strict=True)  # a warning only
    assert [p["kind"] for p in w.problems] == ["rank_drop"]


def test_a_problem_in_a_loop_is_reported_once():
    X, y, params = data(vector_y=True)
    with gates.watching() as w:
        for _ in range(3):
            loss_of_a_vector_target(X, w.track(y, "y"), params)
    assert [p["kind"] for p in w.problems] == ["broadcast_trap"]
