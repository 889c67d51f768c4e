"""The engine keeps its promises under bad input: no silent NaN, no half-applied step, no data
bound by accident, no gate that corrupts what others share, a clear error for every misuse."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gates import (
    AddGate,
    Gate,
    HadamardGate,
    Identity,
    MSELoss,
    MulGate,
    ReLU,
    ShapeError,
    Sigmoid,
    Softmax,
    Tanh,
)
from graph import Graph


def xor():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([[0.0], [1.0], [1.0], [0.0]])


# --- numbers: NaN and inf never pass silently ---------------------------------------------------

@pytest.mark.parametrize("where, index", [("X", (2, 1)), ("y", (3, 0))])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_forward_names_the_input_and_the_first_bad_index(where, index, bad):
    data = dict(zip(("X", "y"), xor()))
    data[where] = data[where].copy()
    data[where][index] = bad
    with pytest.raises(ValueError) as caught:
        Graph.mlp([2, 3, 1]).forward(**data)
    message = str(caught.value)
    assert f"{where}[{index[0]}, {index[1]}]" in message and str(bad) in message


def test_forward_names_a_parameter_that_holds_nan():
    g = Graph.mlp([2, 3, 1])
    g.params["W2"][1, 0] = np.nan  # written into the live array, behind the graph's back
    with pytest.raises(ValueError, match=r"parameter W2 holds nan at W2\[1, 0\]"):
        g.forward(**dict(zip(("X", "y"), xor())))


def test_fit_stops_at_the_first_non_finite_loss_and_names_the_step():
    X, y = xor()
    g = Graph.mlp([2, 3, 1], activation="relu")
    with pytest.raises(FloatingPointError) as caught:
        g.fit(X * 1e150, y, epochs=50, lr=1e10)  # every step overshoots by far
    message = str(caught.value)
    assert "at step 2 of 50" in message and "smaller learning rate than 10000000000.0" in message
    assert "W1 holds non-finite numbers" in message


@pytest.mark.parametrize("lr", [np.nan, np.inf, "0.1", np.array([0.1, 0.2]), None, True])
def test_a_bad_learning_rate_changes_nothing(lr):
    X, y = xor()
    g = Graph.mlp([2, 3, 1])
    g.forward(X=X, y=y)
    g.backward()
    before = {name: array.copy() for name, array in g.params.items()}
    for call in (lambda: g.step(lr), lambda: g.train_step(lr, X=X, y=y),
                 lambda: g.fit(X, y, epochs=3, lr=lr)):
        with pytest.raises(ValueError, match="learning rate"):
            call()
        for name, array in g.params.items():
            np.testing.assert_array_equal(array, before[name])


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError, match="empty batch"):
        Graph.mlp([2, 3, 1]).forward(X=np.zeros((0, 2)), y=np.zeros((0, 1)))


@pytest.mark.parametrize("options", [dict(loss="cross_entropy"), dict(output_activation="softmax")])
def test_softmax_of_a_single_output_is_refused_with_the_fix(options):
    with pytest.raises(ShapeError) as caught:
        Graph.mlp([2, 3, 1], **options)
    message = str(caught.value)
    assert "one class" in message and "two or more" in message and "mse" in message


def test_sigmoid_is_accurate_in_both_tails():
    z = np.array([-700.0, -500.0, -40.0, -20.0, -1.0, 0.0, 3.0, 36.0, 700.0])
    a = Sigmoid().forward(z)
    # A second formula, exact to rounding on each side: e^z/(1 + e^z) never overflows for z < 0.
    exact = np.where(z < 0, np.exp(np.minimum(z, 0)) / (1 + np.exp(np.minimum(z, 0))),
                     1 / (1 + np.exp(-np.maximum(z, 0))))
    np.testing.assert_allclose(a, exact, rtol=1e-12, atol=0)
    assert a[2] > 0  # σ(−40) ≈ 4.2e-18, not 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Sigmoid().forward(np.array([-1000.0]))[0] == 0.0  # below 1e-308: 0, no warning


@pytest.mark.parametrize("gate, expected", [(Sigmoid, 1 / (1 + np.exp(-0.5))), (Tanh, np.tanh(0.5)),
                                            (ReLU, 0.5), (Identity, 0.5)])
def test_elementwise_gates_accept_a_0d_input(gate, expected):
    g = gate()
    out = g.forward(np.float64(0.5))
    assert np.ndim(out) == 0 and out == pytest.approx(expected, rel=1e-15)
    (grad,) = g.backward(np.float64(2.0))
    assert np.ndim(grad) == 0


# --- the API keeps its promises ------------------------------------------------------------------

def hand_built() -> Graph:
    g = Graph()
    g.input("A", ("k", 2))
    g.input("t", ("k", 1))
    g.param("W", np.array([[0.3], [-0.2]]))
    g.add(MulGate(), ["A", "W"], "z")
    g.add(MSELoss(), ["z", "t"], "J")
    return g


def test_fit_binds_data_by_name_never_by_order():
    X, y = xor()
    with pytest.raises(TypeError) as caught:
        hand_built().fit(X, y, epochs=1)
    assert "'A'" in str(caught.value) and "'t'" in str(caught.value) and "inputs=" in str(caught.value)
    g = hand_built()
    history = g.fit(inputs={"t": y, "A": X}, epochs=2, lr=0.1)
    expected = hand_built()
    assert history[0] == expected.forward(A=X, t=y)


def test_a_parameter_array_held_by_the_user_stays_live():
    g = Graph.mlp([2, 3, 1])
    held = g.params["W1"]
    g.params["W1"] = np.full((2, 3), 0.5)  # copied into the same array
    assert g.params["W1"] is held and np.all(held == 0.5)
    X, y = xor()
    g.forward(X=X, y=y)
    g.backward()
    g.step(0.1)
    assert g.params["W1"] is held and not np.all(held == 0.5)  # the step moved the user's array


def test_preserved_puts_everything_back():
    X, y = xor()
    g = Graph.mlp([2, 3, 1])
    g.forward(X=X, y=y)
    grads = {name: np.copy(v) for name, v in g.backward().items()}
    params = {name: a.copy() for name, a in g.params.items()}
    values = {name: np.copy(v) for name, v in g.values.items()}
    with g.preserved():
        for _ in range(3):
            g.train_step(0.5, X=X[:3], y=y[:3])
    assert g.symbols == {"k": 4}
    for name, saved in params.items():
        np.testing.assert_array_equal(g.params[name], saved)
    for table, saved in ((g.values, values), (g.grads, grads)):
        assert table.keys() == saved.keys()
        for name in saved:
            np.testing.assert_array_equal(table[name], saved[name])
    g.step(0.1)  # the gradients are still those of the batch of 4


def test_values_and_grads_cannot_be_assigned():
    X, y = xor()
    g = Graph.mlp([2, 3, 1])
    g.forward(X=X, y=y)
    with pytest.raises(TypeError, match="g.values .*forward"):
        g.values["X"] = np.zeros((4, 2))
    g.backward()
    with pytest.raises(TypeError, match="g.grads"):
        g.grads["W1"] = np.zeros((2, 3))


class InPlaceReLU(Gate):
    """A user's ReLU that saves memory the wrong way: it writes into its input and top_diff."""

    kind = "inplaceRelu"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z):
        self.mask = z > 0
        z *= self.mask
        return z

    def backward(self, top_diff):
        top_diff *= self.mask
        return (top_diff,)


def test_a_users_gate_cannot_write_into_shared_arrays():
    g = Graph()
    g.input("X", ("k", 2))
    g.param("W", np.array([[1.0, -1.0], [0.5, 2.0]]))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(InPlaceReLU(), ["z"], "a")
    g.input("y", ("k", 2))
    g.add(MSELoss(), ["a", "y"], "J")
    X, y = xor()[0], np.ones((4, 2))
    with pytest.raises(ValueError) as caught:
        g.forward(X=X, y=y)
    message = str(caught.value)
    assert "inplaceRelu" in message and "forward wrote into" in message and "z = z * mask" in message


def test_a_top_diff_shared_by_two_consumers_reaches_both_unchanged():
    """a feeds a user's gate that writes into top_diff, and a built-in one: the write is refused."""
    class ScaleTop(Gate):
        kind = "scaleTop"
        inputs = ("a",)

        def output_shape(self, a):
            return tuple(a)

        def forward(self, a):
            return a * 1.0

        def backward(self, top_diff):
            top_diff *= 2.0
            return (top_diff,)

    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 2))
    g.param("b", np.zeros((1, 2)))
    g.add(AddGate(), ["X", "b"], "s")
    g.add(ScaleTop(), ["s"], "u")
    g.add(HadamardGate(), ["s", "u"], "p")
    g.add(MSELoss(), ["p", "y"], "J")
    g.forward(X=np.ones((4, 2)), y=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="scaleTop u: backward wrote into top_diff"):
        g.backward()


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix, on purpose
@pytest.mark.parametrize("call, error, words", [
    (lambda: Graph().forward(), RuntimeError, "no gates yet"),
    (lambda: Graph().input(5, ("k", 2)), TypeError, "string name"),
    (lambda: Graph().input("X", ("k", 2.5)), ValueError, "2.5"),
    (lambda: Graph().input("X", ("k", -2)), ValueError, "-2"),
    (lambda: Graph().input("X", "k2"), TypeError, "tuple of sizes"),
    (lambda: Graph.mlp([2, 3, 1], seed=-1), ValueError, "seed"),
    (lambda: Softmax(axis="rows"), TypeError, "whole number"),
    (lambda: Softmax(axis=5).forward(np.ones((4, 3))), ShapeError, "axis 5"),
    (lambda: Sigmoid().forward(np.matrix([[1.0, 2.0]])), TypeError, "np.asarray"),
])
def test_misuse_gets_a_clear_error(call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)


def test_fit_shows_progress_on_request_without_widgets_or_warnings(capsys):
    X, y = xor()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = Graph.mlp([2, 3, 1]).fit(X, y, epochs=5, lr=0.1, progress=True)
    assert len(history) == 5
    assert capsys.readouterr().out == ""  # the bar goes to standard error
