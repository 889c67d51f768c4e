"""fit with mini-batches and validation, evaluate and predict: each checked against a second
computation written here (a hand-made loop of train_steps, formulas of the forward pass)."""

from __future__ import annotations

import numpy as np
import pytest

from graph import Graph


def blobs(n=40, seed=0):
    """Two classes of 2-D points around (−1, −1) and (1, 1); y one-hot (n×2)."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, size=n)
    X = rng.standard_normal((n, 2)) * 0.5 + np.where(label[:, None] == 1, 1.0, -1.0)
    return X, np.eye(2)[label]


def test_mini_batches_are_the_shuffled_train_steps_of_the_graphs_seed():
    X, y = blobs(23)
    g = Graph.mlp([2, 4, 2], loss="cross_entropy", seed=3)
    history = g.fit(X, y, epochs=3, lr=0.2, batch_size=5)
    by_hand = Graph.mlp([2, 4, 2], loss="cross_entropy", seed=3)
    rng = np.random.default_rng([3, 2])
    losses = []
    for _ in range(3):
        order, total = rng.permutation(23), 0.0
        for start in range(0, 23, 5):
            rows = order[start:start + 5]
            total += by_hand.train_step(0.2, X=X[rows], y=y[rows]) * len(rows)
        losses.append(total / 23)
    assert list(history) == losses
    for name, param in by_hand.params.items():
        np.testing.assert_array_equal(g.params[name], param, err_msg=name)


def test_one_batch_of_everything_is_full_batch_descent_up_to_rounding():
    X, y = blobs(16)
    full = Graph.mlp([2, 3, 2], loss="cross_entropy", seed=1)
    shuffled = Graph.mlp([2, 3, 2], loss="cross_entropy", seed=1)
    a = full.fit(X, y, epochs=5, lr=0.3)
    b = shuffled.fit(X, y, epochs=5, lr=0.3, batch_size=16)  # the same rows, another order
    np.testing.assert_allclose(b, a, rtol=1e-12)
    for name in full.params:
        np.testing.assert_allclose(shuffled.params[name], full.params[name], rtol=1e-10)


def test_columns_convention_batches_along_columns():
    X, y = blobs(12)
    rows = Graph.mlp([2, 3, 2], loss="cross_entropy", seed=4)
    cols = Graph.mlp([2, 3, 2], loss="cross_entropy", seed=4, convention="columns")
    a = rows.fit(X, y, epochs=2, lr=0.1, batch_size=4)
    b = cols.fit(X.T, y.T, epochs=2, lr=0.1, batch_size=4)
    np.testing.assert_allclose(b, a, rtol=1e-12)


def test_accuracy_and_validation_per_epoch():
    X, y = blobs(40)
    Xv, yv = blobs(20, seed=9)
    g = Graph.mlp([2, 4, 2], loss="cross_entropy", seed=0)
    history = g.fit(X, y, epochs=4, lr=0.5, batch_size=8, validation=(Xv, yv))
    assert len(history) == len(history.accuracy) == len(history.val_loss) == len(history.val_accuracy) == 4
    # The last validation figures are those of the trained network, computed here by hand.
    p = g.predict(Xv)
    right = np.mean(p.argmax(axis=1) == yv.argmax(axis=1))
    assert history.val_accuracy[-1] == pytest.approx(right, abs=1e-15)
    assert history.val_loss[-1] == pytest.approx(-np.sum(yv * np.log(p)) / 20, rel=1e-12)
    assert all(0 <= a <= 1 for a in history.accuracy)


def test_predict_is_the_forward_pass_without_a_target():
    g = Graph.mlp([2, 3, 1], seed=2)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    W1, b1, W2, b2 = (g.params[n] for n in ("W1", "b1", "W2", "b2"))
    by_hand = (1 / (1 + np.exp(-(X @ W1 + b1)))) @ W2 + b2
    np.testing.assert_allclose(g.predict(X), by_hand, rtol=1e-14)


def test_predict_gives_probabilities_with_cross_entropy():
    g = Graph.mlp([2, 3, 3], loss="cross_entropy", seed=2)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    z = (1 / (1 + np.exp(-(X @ g.params["W1"] + g.params["b1"])))) @ g.params["W2"] + g.params["b2"]
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(g.predict(X), expected, rtol=1e-13)


def test_evaluate_leaves_the_graph_alone_and_backward_asks_for_a_forward():
    X, y = blobs(8)
    g = Graph.mlp([2, 3, 2], loss="cross_entropy")
    J = g.forward(X=X, y=y)
    before = {name: np.copy(v) for name, v in g.values.items()}
    measured = g.evaluate(X[:3], y[:3])
    assert measured["loss"] == pytest.approx(Graph.mlp([2, 3, 2], loss="cross_entropy").forward(
        X=X[:3], y=y[:3]), rel=1e-15)
    for name, value in before.items():
        np.testing.assert_array_equal(g.values[name], value)
    with pytest.raises(RuntimeError, match="forward"):
        g.backward()  # the gates hold the evaluation's inputs now: no stale gradient
    assert g.forward(X=X, y=y) == J


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, True])
def test_a_bad_batch_size_is_refused(batch_size):
    X, y = blobs(8)
    with pytest.raises(ValueError, match="batch_size"):
        Graph.mlp([2, 3, 2], loss="cross_entropy").fit(X, y, epochs=1, batch_size=batch_size)


def test_inputs_with_different_numbers_of_observations_are_refused():
    X, y = blobs(8)
    with pytest.raises(ValueError, match="observations"):
        Graph.mlp([2, 3, 2], loss="cross_entropy").fit(X, y[:5], epochs=1, batch_size=2)


def test_a_notebook_shows_what_fit_returns_as_the_loss_curve():
    import xml.etree.ElementTree as ET
    X, y = blobs(12)
    Xv, yv = blobs(6, seed=4)
    history = Graph.mlp([2, 3, 2], loss="cross_entropy").fit(X, y, epochs=7, lr=0.3,
                                                            validation=(Xv, yv))
    assert isinstance(history, list) and len(history) == 7  # still the list of losses
    svg_text, summary = history._repr_html_().split("<p>")
    svg = ET.fromstring(svg_text)
    assert svg.get("viewBox") == f"0 0 {svg.get('width')} {svg.get('height')}"
    lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
    assert [len(line.get("points").split()) for line in lines] == [7, 7]  # training, validation
    assert f"loss {history[0]:.4g} → {history[-1]:.4g}" in summary


def test_the_progress_bar_is_on_in_a_terminal_or_a_notebook(monkeypatch):
    import io
    import sys

    from graph.training import _watched
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert not _watched()  # a pipe or a file: no bar
    Notebook = type("OutStream", (io.StringIO,), {"__module__": "ipykernel.iostream"})
    monkeypatch.setattr(sys, "stderr", Notebook())
    assert _watched()


def test_example_data_for_a_hand_built_graph_follows_its_declared_shapes():
    from gates import MSELoss, MulGate
    from graph.walkthrough import example_data, trace
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W", np.ones((2, 1)))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(MSELoss(), ["z", "y"], "J")
    data = example_data(g, batch=5)
    assert {name: a.shape for name, a in data.items()} == {"X": (5, 2), "y": (5, 1)}
    walk = trace(g, data)
    assert walk.forward[0]["shape"] == [5, 1] and walk.backward[0]["shape"] == [5, 1]
    h = Graph()
    h.input("X", ("k", "n"))
    with pytest.raises(ValueError, match="give n a number"):
        example_data(h, batch=5)
