"""gates.watch on correct numpy code: every operation recorded with the names and shapes the
test derives from the layer sizes, no problem found, results bit-identical to an unwatched call.

The network is written here by hand, as a student would: [3, 4, 2] with a batch of 5 (every
size different, so that a swapped axis cannot pass for the right one), sigmoid, mean squared
error, backward, and an SGD update of a dict of parameters.
"""

from __future__ import annotations

import copy
import subprocess
import sys

import numpy as np
import pytest

import gates

K, M1, M2, M3 = 5, 3, 4, 2


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def two_layer_step(X, y, params, lr=0.1):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    h = X @ W1 + b1
    a = sigmoid(h)
    y_hat = a @ W2 + b2
    loss = np.mean((y_hat - y) ** 2)
    delta = 2 * (y_hat - y) / y_hat.size
    grads = {"W2": a.T @ delta, "b2": delta.sum(axis=0, keepdims=True)}
    dh = (delta @ W2.T) * a * (1 - a)
    grads["W1"] = X.T @ dh
    grads["b1"] = np.sum(dh, axis=0, keepdims=True)
    for name in params:
        params[name] -= lr * grads[name]
    return loss, grads


def network(seed: int = 0):
    rng = np.random.default_rng(seed)
    params = {"W1": rng.standard_normal((M1, M2)), "b1": rng.standard_normal((1, M2)),
              "W2": rng.standard_normal((M2, M3)), "b2": rng.standard_normal((1, M3))}
    return rng.standard_normal((K, M1)), rng.standard_normal((K, M3)), params


def test_a_correct_network_is_traced_op_by_op_with_the_shapes_of_its_layers():
    X, y, params = network()
    w = gates.watch(two_layer_step, X, y, params)
    assert w.problems == []
    # (expression, its name, the operands' names and shapes, the result's shape), in the order
    # they run, derived from K, M1, M2, M3 and the rules: (n×m)·(m×p) → n×p, elementwise keeps
    # the larger shape, a sum over the rows with keepdims gives 1×m.
    expected = [
        ("X @ W1", "X @ W1", [("X", (K, M1)), ("W1", (M1, M2))], (K, M2)),
        ("X @ W1 + b1", "h", [("X @ W1", (K, M2)), ("b1", (1, M2))], (K, M2)),
        ("-z", "-z", [("h", (K, M2))], (K, M2)),
        ("np.exp(-z)", "np.exp(-z)", [("-z", (K, M2))], (K, M2)),
        ("1.0 + np.exp(-z)", "1.0 + np.exp(-z)", [("1.0", ()), ("np.exp(-z)", (K, M2))], (K, M2)),
        ("1.0 / (1.0 + np.exp(-z))", "a", [("1.0", ()), ("1.0 + np.exp(-z)", (K, M2))], (K, M2)),
        ("a @ W2", "a @ W2", [("a", (K, M2)), ("W2", (M2, M3))], (K, M3)),
        ("a @ W2 + b2", "y_hat", [("a @ W2", (K, M3)), ("b2", (1, M3))], (K, M3)),
        ("y_hat - y", "y_hat - y", [("y_hat", (K, M3)), ("y", (K, M3))], (K, M3)),
        ("(y_hat - y) ** 2", "(y_hat - y) ** 2", [("y_hat - y", (K, M3)), ("2", ())], (K, M3)),
        ("np.mean((y_hat - y) ** 2)", "loss", [("(y_hat - y) ** 2", (K, M3))], ()),
        ("y_hat - y", "y_hat - y", [("y_hat", (K, M3)), ("y", (K, M3))], (K, M3)),
        ("2 * (y_hat - y)", "2 * (y_hat - y)", [("2", ()), ("y_hat - y", (K, M3))], (K, M3)),
        ("2 * (y_hat - y) / y_hat.size", "delta", [("2 * (y_hat - y)", (K, M3)), ("y_hat.size", ())],
         (K, M3)),
        ("a.T", "a.T", [("a", (K, M2))], (M2, K)),
        ("a.T @ delta", "a.T @ delta", [("a.T", (M2, K)), ("delta", (K, M3))], (M2, M3)),
        ("delta.sum(axis=0, keepdims=True)", "delta.sum(axis=0, keepdims=True)",
         [("delta", (K, M3))], (1, M3)),
        ("W2.T", "W2.T", [("W2", (M2, M3))], (M3, M2)),
        ("delta @ W2.T", "delta @ W2.T", [("delta", (K, M3)), ("W2.T", (M3, M2))], (K, M2)),
        ("(delta @ W2.T) * a", "(delta @ W2.T) * a", [("delta @ W2.T", (K, M2)), ("a", (K, M2))], (K, M2)),
        ("1 - a", "1 - a", [("1", ()), ("a", (K, M2))], (K, M2)),
        ("(delta @ W2.T) * a * (1 - a)", "dh", [("(delta @ W2.T) * a", (K, M2)), ("1 - a", (K, M2))],
         (K, M2)),
        ("X.T", "X.T", [("X", (K, M1))], (M1, K)),
        ("X.T @ dh", 'grads["W1"]', [("X.T", (M1, K)), ("dh", (K, M2))], (M1, M2)),
        ("np.sum(dh, axis=0, keepdims=True)", 'grads["b1"]', [("dh", (K, M2))], (1, M2)),
    ]
    # each gradient keeps the name it was made with: its assignment, or its expression
    for name, shape, grad in (("W1", (M1, M2), 'grads["W1"]'), ("b1", (1, M2), 'grads["b1"]'),
                              ("W2", (M2, M3), "a.T @ delta"),
                              ("b2", (1, M3), "delta.sum(axis=0, keepdims=True)")):
        expected += [("lr * grads[name]", "lr * grads[name]", [("lr", ()), (grad, shape)], shape),
                     ("params[name] -= lr * grads[name]", name,
                      [(name, shape), ("lr * grads[name]", shape)], shape)]
    got = [(e["expr"], e["name"], [(i["name"], tuple(i["shape"])) for i in e["inputs"]], tuple(e["shape"]))
           for e in w.events]
    assert got == expected


def test_events_say_where_each_operation_was_written():
    X, y, params = network()
    w = gates.watch(two_layer_step, X, y, params)
    first = w.events[0]
    assert first["op"] == "matmul" and first["source"] == "h = X @ W1 + b1"
    assert first["file"] == __file__ and first["function"] == "two_layer_step"
    lines = open(__file__, encoding="utf-8").read().splitlines()
    for e in w.events:  # every line number points at a line that holds the operation's text
        assert e["expr"].replace(" ", "") in lines[e["line"] - 1].replace(" ", "")
    assert {e["function"] for e in w.events} == {"two_layer_step", "sigmoid"}


def test_the_watched_call_returns_what_the_unwatched_one_returns_bit_for_bit():
    X, y, params = network()
    mine, theirs = copy.deepcopy(params), copy.deepcopy(params)
    loss, grads = two_layer_step(X, y, mine)
    w = gates.watch(two_layer_step, X, y, theirs)
    watched_loss, watched_grads = w.result
    assert type(watched_loss) is type(loss) is np.float64 and watched_loss == loss
    assert set(watched_grads) == set(grads)
    for name in grads:
        assert type(watched_grads[name]) is np.ndarray
        assert watched_grads[name].dtype == grads[name].dtype
        assert np.array_equal(watched_grads[name], grads[name])
        # the in-place update reached the caller's own arrays, as unwatched
        assert np.array_equal(theirs[name], mine[name]) and theirs[name].dtype == mine[name].dtype


def test_in_place_updates_change_the_callers_arrays_and_dict():
    X, y, params = network()
    arrays = dict(params)
    before = {k: v.copy() for k, v in params.items()}
    w = gates.watch(two_layer_step, X, y, params, lr=0.5)
    assert all(params[k] is arrays[k] for k in params)  # the same arrays, updated in place
    grads = w.result[1]
    for k in params:
        assert np.array_equal(params[k], before[k] - 0.5 * grads[k])
    updates = [e for e in w.events if e["kind"] == "inplace"]
    assert [(e["op"], e["name"], e["shape"]) for e in updates] == [
        ("subtract", "W1", [M1, M2]), ("subtract", "b1", [1, M2]),
        ("subtract", "W2", [M2, M3]), ("subtract", "b2", [1, M3])]


def replace_entries(params, grads, lr):
    """An update that puts new arrays in the dict instead of writing into the old ones."""
    for name in grads:
        params[name] = params[name] - lr * grads[name]
    params["steps"] = np.zeros(())
    return params


def test_a_dict_argument_whose_entries_are_replaced_is_updated_as_unwatched():
    X, y, params = network()
    grads = {k: np.ones_like(v) for k, v in params.items()}
    mine, theirs = copy.deepcopy(params), copy.deepcopy(params)
    expected = replace_entries(mine, grads, 0.1)
    w = gates.watch(replace_entries, theirs, grads, 0.1)
    assert w.result is theirs  # the caller's own dict comes back
    assert set(theirs) == set(expected)
    for k in expected:
        assert type(theirs[k]) is np.ndarray and np.array_equal(theirs[k], expected[k])
    # two dict arguments with the same keys: the second's entries keep their dict's name
    assert [i["name"] for i in w.events[0]["inputs"]] == ["lr", "grads['W1']"]


def relu_step(X, params):
    z = X @ params["W1"]
    a = np.maximum(0, z)
    e = np.exp(a)
    total = np.sum(e, axis=1, keepdims=True)
    dz = np.where(z > 0, e / total, 0.0)
    return np.max(dz), np.outer(dz[0], dz[1]), np.clip(z, -1, 1)


def test_numpy_functions_on_tracked_arrays_are_recorded():
    X, _, params = network()
    w = gates.watch(relu_step, X, params)
    ops = [(e["op"], [tuple(i["shape"]) for i in e["inputs"]], tuple(e["shape"])) for e in w.events]
    assert ops == [
        ("matmul", [(K, M1), (M1, M2)], (K, M2)),
        ("maximum", [(), (K, M2)], (K, M2)),
        ("exp", [(K, M2)], (K, M2)),
        ("sum", [(K, M2)], (K, 1)),
        ("greater", [(K, M2), ()], (K, M2)),
        ("divide", [(K, M2), (K, 1)], (K, M2)),
        ("where", [(K, M2), (K, M2), ()], (K, M2)),
        ("max", [(K, M2)], ()),
        ("getitem", [(K, M2)], (M2,)),
        ("getitem", [(K, M2)], (M2,)),
        ("outer", [(M2,), (M2,)], (M2, M2)),
        ("clip", [(K, M2), (), ()], (K, M2)),
    ]
    assert [i["name"] for i in w.events[6]["inputs"]] == ["z > 0", "e / total", "0.0"]
    assert w.events[3]["name"] == "total" and w.events[6]["name"] == "dz"
    plain = relu_step(X, params)
    for got, want in zip(w.result, plain):
        assert np.array_equal(got, want) and type(got) is type(want)


def made_inside(X, W1):
    ones = np.ones((X.shape[0], 1))
    return X @ W1 + np.zeros((1, W1.shape[1])) + ones


def test_arrays_made_inside_the_function_are_named_by_their_source_text():
    X, _, params = network()
    w = gates.watch(made_inside, X, params["W1"])
    assert [i["name"] for i in w.events[1]["inputs"]] == ["X @ W1", "np.zeros((1, W1.shape[1]))"]
    assert [i["name"] for i in w.events[2]["inputs"]] == ["X @ W1 + np.zeros((1, W1.shape[1]))", "ones"]


def positional(x, *rest, scale=1.0, layers=()):
    return x * scale + rest[0] + layers[1]


def test_arguments_are_named_by_parameter_keyword_star_and_list_position():
    a, b, c = np.ones((2, 2)), np.zeros((2, 2)), np.full((2, 2), 3.0)
    w = gates.watch(positional, a, b, scale=np.float64(2.0), layers=[c, c])
    assert list(w.recording.params) == ["x", "rest[0]", "layers[0]", "layers[1]"]
    assert [i["name"] for i in w.events[-1]["inputs"]] == ["x * scale + rest[0]", "layers[1]"]
    assert np.array_equal(w.result, a * 2.0 + b + c)


def test_watching_names_tracked_arrays_by_their_assignment_and_closes_after_the_block():
    X, _, params = network()
    with gates.watching() as w:
        X = w.track(X)
        weights = w.track(params)
        h = X @ weights["W1"]
        total = h.sum()
    assert [(e["expr"], e["name"]) for e in w.events] == [('X @ weights["W1"]', "h"), ("h.sum()", "total")]
    assert [i["name"] for i in w.events[0]["inputs"]] == ["X", "W1"]
    assert float(total) == pytest.approx(float((np.asarray(X) @ params["W1"]).sum()))
    after = h * 2  # after the block: computed, not recorded, and a plain array
    assert type(after) is np.ndarray and len(w.events) == 2


def test_a_loop_under_watching_is_one_row_per_operation_in_the_table():
    X, y, params = network()
    with gates.watching() as w:
        params = w.track(params)
        for _ in range(3):
            two_layer_step(X, y, params)
    assert len(w.events) == 3 * 32  # 33 operations a step, but X.T of the untracked X is not one
    table = w.render("plain")
    assert table.count("X @ W1 + b1") == 1
    row = next(line for line in table.splitlines() if "h" in line.split() and "X @ W1 + b1" in line)
    assert "×3" in row


def test_import_gates_loads_neither_graph_nor_rich():
    code = "import sys, gates; print('graph' in sys.modules, 'rich' in sys.modules, callable(gates.watch))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "True"]
