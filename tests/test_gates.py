"""Every gate's backward against central differences and against closed forms written here.

The oracle is gates.check.check_gate (central differences of Σ G ⊙ gate(inputs) for a random
top_diff G, float64); a few cases are confirmed a second time by the independent loop of
conftest.central_difference, and the gradients by formulas derived by hand below.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gates
from gates import (
    AddGate,
    CrossEntropyLoss,
    Gate,
    HadamardGate,
    HalfSSELoss,
    Identity,
    MSELoss,
    MulGate,
    ReLU,
    ShapeError,
    Sigmoid,
    Softmax,
    Tanh,
)
from gates.check import check_gate

TOL = 1e-6
ELEMENTWISE = [Sigmoid, Tanh, ReLU, Identity]
LOSSES = [MSELoss, HalfSSELoss, CrossEntropyLoss]

# (gate factory, input shapes): broadcast biases both ways, a column bias, a batch of one.
CASES = [
    (AddGate, [(4, 3), (4, 3)]),
    (AddGate, [(4, 3), (1, 3)]),
    (AddGate, [(1, 3), (4, 3)]),
    (AddGate, [(3, 4), (3, 1)]),
    (AddGate, [(4, 1), (1, 1)]),
    (AddGate, [(1, 3), (1, 3)]),
    (MulGate, [(4, 2), (2, 3)]),
    (MulGate, [(3, 4), (4, 1)]),
    (MulGate, [(1, 3), (3, 1)]),
    (MulGate, [(3, 2), (2, 4)]),
    (HadamardGate, [(4, 3), (4, 3)]),
    (HadamardGate, [(1, 3), (1, 3)]),
    *[(gate, [shape]) for gate in ELEMENTWISE for shape in [(4, 3), (1, 3), (3, 4)]],
    (Softmax, [(4, 3)]),
    (Softmax, [(1, 3)]),
    (lambda: Softmax(axis=0), [(3, 4)]),
    *[(loss, [shape, shape]) for loss in LOSSES for shape in [(4, 1), (4, 3), (1, 3)]
      if not (loss is CrossEntropyLoss and shape[1] == 1)],  # one class is refused (below)
    (lambda: CrossEntropyLoss(axis=0), [(3, 4), (3, 4)]),
]


def _id(case) -> str:
    factory, shapes = case
    return f"{factory().kind}-" + "-".join("x".join(map(str, s)) for s in shapes)


def assert_gate_ok(gate: Gate, shapes, seed: int = 0) -> None:
    """check_gate passes, with one gradient per input, each of exactly that input's shape."""
    result = check_gate(gate, shapes, seed=seed)
    assert result.error is None, result.error
    assert len(result.inputs) == len(shapes)
    for check, shape in zip(result.inputs, shapes):
        assert tuple(check.grad_shape) == tuple(shape), str(result)
        assert check.error < TOL, str(result)
    assert result.ok, str(result)


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_gate_passes_gradient_check(case):
    factory, shapes = case
    assert_gate_ok(factory(), shapes)


# --- random shapes -----------------------------------------------------------------------------

dims = st.integers(1, 5)
seeds = st.integers(0, 2**31 - 1)


@given(k=dims, m=dims, where=st.sampled_from(["row bias", "bias first", "column bias", "equal"]),
       seed=seeds)
def test_addgate_random_broadcasts(k, m, where, seed):
    shapes = {"row bias": [(k, m), (1, m)], "bias first": [(1, m), (k, m)],
              "column bias": [(m, k), (m, 1)], "equal": [(k, m), (k, m)]}[where]
    assert_gate_ok(AddGate(), shapes, seed)


@given(n=dims, m=dims, p=dims, seed=seeds)
def test_mulgate_random_shapes(n, m, p, seed):
    assert_gate_ok(MulGate(), [(n, m), (m, p)], seed)


@given(k=dims, m=dims, gate=st.sampled_from(ELEMENTWISE + [Softmax, HadamardGate]), seed=seeds)
def test_elementwise_and_softmax_random_shapes(k, m, gate, seed):
    m = max(m, 2) if gate is Softmax else m  # softmax needs two classes or more
    assert_gate_ok(gate(), [(k, m)] * len(gate.inputs), seed)


@given(k=dims, m=dims, loss=st.sampled_from(LOSSES), seed=seeds)
def test_losses_random_shapes(k, m, loss, seed):
    m = max(m, 2) if loss is CrossEntropyLoss else m  # cross-entropy needs two classes or more
    assert_gate_ok(loss(), [(k, m), (k, m)], seed)


@pytest.mark.parametrize("gate", [Softmax, CrossEntropyLoss])
def test_one_class_is_refused_with_the_fix(gate):
    """softmax of a single class is 1 whatever z is: J would be −0 and every gradient 0."""
    with pytest.raises(ShapeError) as caught:
        gate().forward(*[np.ones((4, 1))] * len(gate.inputs))
    message = str(caught.value)
    assert "one class" in message and "two or more" in message and "mse" in message


# --- the oracle itself can fail --------------------------------------------------------------

class SlideSigmoid(Sigmoid):
    """The lecture-slide mistake: σ′ evaluated at a = σ(z) instead of at z."""

    def backward(self, top_diff):
        a = self.a
        sa = 1.0 / (1.0 + np.exp(-a))
        return (top_diff * sa * (1.0 - sa),)


class UnsummedBias(AddGate):
    """The classic: the broadcast bias gets top_diff back without the sum over rows."""

    def backward(self, top_diff):
        return top_diff, top_diff


def test_check_gate_catches_a_wrong_derivative():
    result = check_gate(SlideSigmoid(), [(4, 3)])
    assert not result.ok
    assert result.inputs[0].error > 1e-2


def test_check_gate_catches_a_wrong_shape():
    result = check_gate(UnsummedBias(), [(4, 3), (1, 3)])
    assert not result.ok
    assert result.inputs[1].grad_shape == (4, 3)
    assert "1×3" in result.inputs[1].problem and "4×3" in result.inputs[1].problem


# --- an independent central-difference loop ------------------------------------------------

def _numeric_input_grads(factory, inputs, G, numeric_grad):
    """dJ/d(input i) of J = Σ G ⊙ gate(inputs), each by the conftest loop, on fresh gates."""
    grads = []
    for i in range(len(inputs)):
        def J(x, i=i):
            args = list(inputs)
            args[i] = x
            return float(np.sum(G * factory().forward(*args)))
        grads.append(numeric_grad(J, inputs[i]))
    return grads


@pytest.mark.parametrize("factory, shapes", [
    (MulGate, [(4, 2), (2, 3)]),
    (AddGate, [(4, 3), (1, 3)]),
    (AddGate, [(3, 4), (3, 1)]),
    (Sigmoid, [(1, 3)]),
    (Softmax, [(4, 3)]),
    (HadamardGate, [(2, 5), (2, 5)]),
], ids=["mulGate", "addGate-row-bias", "addGate-column-bias", "sigmoid", "softmax", "hadamard"])
def test_backward_matches_own_central_differences(factory, shapes, rng, numeric_grad):
    inputs = [rng.standard_normal(s) for s in shapes]
    gate = factory()
    out = gate.forward(*inputs)
    G = rng.standard_normal(out.shape)
    analytic = gate.backward(G)
    numeric = _numeric_input_grads(factory, inputs, G, numeric_grad)
    for a, n, shape in zip(analytic, numeric, shapes):
        assert a.shape == shape
        np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-8)


def test_cross_entropy_matches_own_central_differences(rng, numeric_grad):
    z = rng.standard_normal((4, 3))
    y = rng.dirichlet(np.ones(3), size=4)  # rows of probabilities
    dz, dy = _ce_backward(z, y)
    np.testing.assert_allclose(dz, numeric_grad(lambda x: float(CrossEntropyLoss().forward(x, y)), z),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(dy, numeric_grad(lambda x: float(CrossEntropyLoss().forward(z, x)), y),
                               rtol=1e-6, atol=1e-9)


def _ce_backward(z, y):
    gate = CrossEntropyLoss()
    gate.forward(z, y)
    return gate.backward(1.0)


# --- closed forms --------------------------------------------------------------------------

def test_mulgate_closed_form(rng):
    A, B = rng.standard_normal((4, 2)), rng.standard_normal((2, 3))
    G = rng.standard_normal((4, 3))
    gate = MulGate()
    np.testing.assert_allclose(gate.forward(A, B), A @ B, rtol=1e-14)
    dA, dB = gate.backward(G)
    assert dA.shape == (4, 2) and dB.shape == (2, 3)
    np.testing.assert_allclose(dA, G @ B.T, rtol=1e-14)  # top_diff · Bᵀ
    np.testing.assert_allclose(dB, A.T @ G, rtol=1e-14)  # Aᵀ · top_diff


@pytest.mark.parametrize("a_shape, b_shape, sum_a, sum_b", [
    ((4, 3), (1, 3), None, 0),   # rows: b¹ broadcast over the batch, dJ/db = Σ over rows
    ((1, 3), (4, 3), 0, None),   # the bias first
    ((3, 4), (3, 1), None, 1),   # columns: b¹ 3×1, Σ over columns
])
def test_addgate_closed_form(a_shape, b_shape, sum_a, sum_b, rng):
    A, B = rng.standard_normal(a_shape), rng.standard_normal(b_shape)
    G = rng.standard_normal(np.broadcast_shapes(a_shape, b_shape))
    gate = AddGate()
    gate.forward(A, B)
    dA, dB = gate.backward(G)
    want_a = G if sum_a is None else G.sum(axis=sum_a, keepdims=True)
    want_b = G if sum_b is None else G.sum(axis=sum_b, keepdims=True)
    assert dA.shape == a_shape and dB.shape == b_shape
    np.testing.assert_allclose(dA, want_a, rtol=1e-14)
    np.testing.assert_allclose(dB, want_b, rtol=1e-14)


def test_hadamard_closed_form(rng):
    A, B, G = (rng.standard_normal((4, 3)) for _ in range(3))
    gate = HadamardGate()
    np.testing.assert_allclose(gate.forward(A, B), A * B, rtol=1e-14)
    dA, dB = gate.backward(G)
    np.testing.assert_allclose(dA, G * B, rtol=1e-14)
    np.testing.assert_allclose(dB, G * A, rtol=1e-14)


def test_sigmoid_closed_form(rng):
    z = rng.standard_normal((4, 3)) * 3
    G = rng.standard_normal((4, 3))
    sigma = 1.0 / (1.0 + np.exp(-z))
    gate = Sigmoid()
    np.testing.assert_allclose(gate.forward(z), sigma, rtol=1e-12)
    (dz,) = gate.backward(G)
    np.testing.assert_allclose(dz, G * sigma * (1 - sigma), rtol=1e-12)


def test_sigmoid_does_not_overflow_for_large_inputs():
    z = np.array([[-800.0, 0.0, 800.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = Sigmoid().forward(z)
    np.testing.assert_array_equal(a, [[0.0, 0.5, 1.0]])


def test_tanh_and_relu_closed_forms(rng):
    z = rng.standard_normal((4, 3))
    G = rng.standard_normal((4, 3))
    tanh = Tanh()
    np.testing.assert_allclose(tanh.forward(z), np.tanh(z), rtol=1e-14)
    np.testing.assert_allclose(tanh.backward(G)[0], G * (1 - np.tanh(z) ** 2), rtol=1e-12)
    relu = ReLU()
    np.testing.assert_array_equal(relu.forward(z), np.where(z > 0, z, 0.0))
    np.testing.assert_array_equal(relu.backward(G)[0], np.where(z > 0, G, 0.0))
    ident = Identity()
    np.testing.assert_array_equal(ident.forward(z), z)
    np.testing.assert_array_equal(ident.backward(G)[0], G)


def test_softmax_closed_form_jacobian(rng):
    z = rng.standard_normal((4, 3))
    G = rng.standard_normal((4, 3))
    gate = Softmax()
    s = gate.forward(z)
    e = np.exp(z)
    np.testing.assert_allclose(s, e / e.sum(axis=1, keepdims=True), rtol=1e-12)
    (dz,) = gate.backward(G)
    for row in range(4):
        jacobian = np.diag(s[row]) - np.outer(s[row], s[row])  # ds_i/dz_j per row
        np.testing.assert_allclose(dz[row], jacobian.T @ G[row], rtol=1e-12, atol=1e-15)


def test_softmax_along_columns_is_the_transpose(rng):
    z = rng.standard_normal((3, 4))
    G = rng.standard_normal((3, 4))
    rows, cols = Softmax(), Softmax(axis=0)
    np.testing.assert_allclose(cols.forward(z), rows.forward(z.T).T, rtol=1e-14)
    np.testing.assert_allclose(cols.backward(G)[0], rows.backward(G.T)[0].T, rtol=1e-14)


def test_mse_closed_form(rng):
    yhat, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    gate = MSELoss()
    J = gate.forward(yhat, y)
    assert np.ndim(J) == 0
    assert float(J) == pytest.approx(((yhat - y) ** 2).sum() / 12, rel=1e-14)
    dyhat, dy = gate.backward(1.0)
    np.testing.assert_allclose(dyhat, 2 * (yhat - y) / 12, rtol=1e-14)
    np.testing.assert_allclose(dy, -2 * (yhat - y) / 12, rtol=1e-14)


def test_half_sse_closed_form(rng):
    yhat, y = rng.standard_normal((4, 1)), rng.standard_normal((4, 1))
    gate = HalfSSELoss()
    assert float(gate.forward(yhat, y)) == pytest.approx(0.5 * ((yhat - y) ** 2).sum(), rel=1e-14)
    dyhat, dy = gate.backward(1.0)
    np.testing.assert_allclose(dyhat, yhat - y, rtol=1e-14)
    np.testing.assert_allclose(dy, y - yhat, rtol=1e-14)


def test_cross_entropy_closed_form_one_hot(rng):
    k, m = 5, 3
    z = rng.standard_normal((k, m))
    classes = np.array([0, 2, 1, 2, 0])
    y = np.eye(m)[classes]
    s = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    gate = CrossEntropyLoss()
    J = gate.forward(z, y)
    assert float(J) == pytest.approx(-np.mean(np.log(s[np.arange(k), classes])), rel=1e-12)
    dz, dy = gate.backward(1.0)
    np.testing.assert_allclose(dz, (s - y) / k, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dy, -np.log(s) / k, rtol=1e-12)


def test_cross_entropy_is_stable_for_large_logits():
    z = np.array([[1000.0, 0.0], [0.0, -1000.0]])
    y = np.array([[1.0, 0.0], [1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        J = float(CrossEntropyLoss().forward(z, y))
    assert J == pytest.approx(0.0, abs=1e-12)  # both rows put all mass on class 0, the label


# --- the package surface ---------------------------------------------------------------------

GATE_NAMES = {"AddGate", "MulGate", "HadamardGate", "Sigmoid", "Tanh", "ReLU", "Identity",
              "Softmax", "MSELoss", "HalfSSELoss", "CrossEntropyLoss",
              "ConvGate", "MaxPoolGate", "AvgPoolGate", "FlattenGate"}  # DESIGN.md, "Tensors"
DESIGN_NAMES = GATE_NAMES | {"Gate", "ShapeError", "watch", "watching"}


def test_gates_exports_exactly_the_design_names():
    assert set(gates.__all__) == DESIGN_NAMES
    assert len(gates.__all__) == len(DESIGN_NAMES)
    namespace: dict = {}
    exec("from gates import *", namespace)
    assert set(namespace) - {"__builtins__"} == DESIGN_NAMES


@pytest.mark.parametrize("name", sorted(GATE_NAMES))
def test_every_gate_is_built_with_no_arguments(name):
    gate = getattr(gates, name)()
    assert isinstance(gate, Gate)
    assert isinstance(gate.kind, str) and gate.kind != "gate"


def test_the_catalog_holds_every_exported_gate():
    from gates.catalog import BUILTIN_GATES
    assert {cls.__name__ for cls in BUILTIN_GATES} == GATE_NAMES


def test_shape_error_is_a_value_error():
    assert issubclass(ShapeError, ValueError)
    with pytest.raises(ValueError):
        MulGate().forward(np.ones((4, 3)), np.ones((1, 3)))


def test_import_gates_imports_neither_rich_nor_graph():
    code = "import gates, sys; assert 'rich' not in sys.modules and 'graph' not in sys.modules"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
