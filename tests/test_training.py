"""Graph.fit: full-batch gradient descent lowers the loss, returns its history, and is silent
when not in a terminal."""

from __future__ import annotations

import numpy as np
import pytest

from graph import Graph


def sine_grid():
    """y = sin(x1)·cos(x2) on a 5×5 grid of [−1.5, 1.5]²: X 25×2, y 25×1."""
    x1, x2 = np.meshgrid(np.linspace(-1.5, 1.5, 5), np.linspace(-1.5, 1.5, 5))
    X = np.column_stack([x1.ravel(), x2.ravel()])
    return X, (np.sin(X[:, 0]) * np.cos(X[:, 1]))[:, None]


def xor():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    return X, np.array([[0], [1], [1], [0]], dtype=float)


@pytest.mark.parametrize("activation, data, lr", [
    ("sigmoid", sine_grid, 0.3),
    ("tanh", sine_grid, 0.3),
    ("tanh", xor, 0.3),
])
def test_fit_lowers_the_loss_tenfold(activation, data, lr, capsys):
    X, y = data()
    g = Graph.mlp([2, 3, 1], activation=activation)
    J0 = Graph.mlp([2, 3, 1], activation=activation).forward(X=X, y=y)  # same seed, untrained
    history = g.fit(X, y, epochs=2000, lr=lr)
    assert isinstance(history, list) and len(history) == 2000
    assert all(type(J) is float for J in history)
    assert history[0] == pytest.approx(J0, rel=1e-14)  # the loss before the first step
    assert history[-1] <= history[0] / 10
    assert g.forward(X=X, y=y) <= history[-1]  # the last step did not undo the progress
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""  # not a terminal: no progress bar, no print


def test_each_epoch_is_one_gradient_step():
    X, y = sine_grid()
    by_fit = Graph.mlp([2, 3, 1])
    by_hand = Graph.mlp([2, 3, 1])
    history = by_fit.fit(X, y, epochs=3, lr=0.2)
    manual = []
    for _ in range(3):
        manual.append(by_hand.forward(X=X, y=y))
        by_hand.backward()
        by_hand.step(0.2)
    assert history == manual
    for name in by_fit.params:
        np.testing.assert_array_equal(by_fit.params[name], by_hand.params[name])


def test_fit_with_zero_epochs_changes_nothing():
    X, y = xor()
    g = Graph.mlp([2, 3, 1])
    before = {n: g.params[n].copy() for n in g.params}
    assert g.fit(X, y, epochs=0, lr=0.1) == []
    for name in before:
        np.testing.assert_array_equal(g.params[name], before[name])
