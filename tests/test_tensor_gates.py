"""The tensor gates (convolution, pooling, flatten) and the 2-D gates on images k×C×H×W.

Every gradient is checked against central differences in float64 (tests/conftest.py, written
independently of gates.check), on several shapes, strides and paddings; the forward values of
convolution and the pools against direct loops written here, one output pixel at a time.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import central_difference  # tests/ is on the path, as pytest puts it there

from gates import (
    AddGate,
    AvgPoolGate,
    ConvGate,
    CrossEntropyLoss,
    FlattenGate,
    HalfSSELoss,
    Identity,
    MaxPoolGate,
    MSELoss,
    ReLU,
    ShapeError,
    Sigmoid,
    Softmax,
    Tanh,
)
from gates.catalog import BUILTIN_GATES, is_builtin
from gates.im2col import col2im, im2col
from gates.tensor_shapes import product, window_count


def check_gradients(gate, inputs: list[np.ndarray], rng, tolerance: float = 1e-7) -> None:
    """backward(G) of J = Σ G ⊙ gate(inputs), input by input, against central differences."""
    out = gate.forward(*[x.copy() for x in inputs])
    G = rng.standard_normal(np.shape(out))
    grads = gate.backward(G)
    assert len(grads) == len(inputs)
    for i, (x, grad) in enumerate(zip(inputs, grads)):
        assert grad.shape == x.shape, f"input {i}: gradient {grad.shape}, input {x.shape}"

        def J(xi, i=i):
            trial = [xi if j == i else inputs[j].copy() for j in range(len(inputs))]
            return float(np.sum(gate.forward(*trial) * G))
        numeric = central_difference(J, x)
        scale = max(np.abs(numeric).max(), np.abs(grad).max(), 1e-12)
        assert np.abs(grad - numeric).max() / scale < tolerance, f"input {i}"


# --- direct loops: one output pixel at a time ---------------------------------------------------

def conv_by_loops(X, K, stride, padding):
    k, C, H, W = X.shape
    F, _, kh, kw = K.shape
    P = np.zeros((k, C, H + 2 * padding, W + 2 * padding))
    P[:, :, padding:padding + H, padding:padding + W] = X
    H2, W2 = (H + 2 * padding - kh) // stride + 1, (W + 2 * padding - kw) // stride + 1
    Z = np.zeros((k, F, H2, W2))
    for n in range(k):
        for f in range(F):
            for i in range(H2):
                for j in range(W2):
                    window = P[n, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    Z[n, f, i, j] = np.sum(window * K[f])
    return Z


def pool_by_loops(X, size, stride, reduce):
    k, C, H, W = X.shape
    H2, W2 = (H - size) // stride + 1, (W - size) // stride + 1
    Z = np.zeros((k, C, H2, W2))
    for n, c, i, j in np.ndindex(k, C, H2, W2):
        Z[n, c, i, j] = reduce(X[n, c, i * stride:i * stride + size, j * stride:j * stride + size])
    return Z


CONV_CASES = [  # X shape, K shape, stride, padding
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 0),
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 0),
    ((2, 3, 6, 6), (4, 3, 3, 3), 1, 1),
    ((2, 3, 7, 5), (2, 3, 3, 3), 2, 1),
    ((1, 1, 6, 8), (3, 1, 2, 4), 2, 0),     # a non-square kernel over a non-square image
    ((3, 2, 5, 5), (1, 2, 5, 5), 1, 0),     # the kernel covers the image: a 1×1 output
]


@pytest.mark.parametrize("x_shape, k_shape, stride, padding", CONV_CASES)
def test_conv_forward_equals_the_loop(x_shape, k_shape, stride, padding, rng):
    X, K = rng.standard_normal(x_shape), rng.standard_normal(k_shape)
    Z = ConvGate(stride, padding).forward(X, K)
    np.testing.assert_allclose(Z, conv_by_loops(X, K, stride, padding), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("x_shape, k_shape, stride, padding", CONV_CASES)
def test_conv_gradients_pass_central_differences(x_shape, k_shape, stride, padding, rng):
    inputs = [rng.standard_normal(x_shape), rng.standard_normal(k_shape)]
    check_gradients(ConvGate(stride, padding), inputs, rng)


POOL_CASES = [((2, 3, 6, 6), 2, None), ((2, 2, 7, 7), 3, 2), ((1, 2, 5, 6), 2, 1), ((2, 1, 9, 9), 3, None)]


@pytest.mark.parametrize("x_shape, size, stride", POOL_CASES)
def test_pool_forwards_equal_the_loops(x_shape, size, stride, rng):
    X = rng.standard_normal(x_shape)
    step = size if stride is None else stride
    np.testing.assert_array_equal(MaxPoolGate(size, stride).forward(X), pool_by_loops(X, size, step, np.max))
    np.testing.assert_allclose(AvgPoolGate(size, stride).forward(X), pool_by_loops(X, size, step, np.mean),
                               rtol=1e-12)


@pytest.mark.parametrize("x_shape, size, stride", POOL_CASES)
@pytest.mark.parametrize("Pool", [MaxPoolGate, AvgPoolGate])
def test_pool_gradients_pass_central_differences(Pool, x_shape, size, stride, rng):
    check_gradients(Pool(size, stride), [rng.standard_normal(x_shape)], rng)


def test_maxpool_routes_a_tie_to_the_first_max_only():
    X = np.zeros((1, 1, 2, 4))
    X[0, 0, :, 2:] = [[1.0, 3.0], [3.0, 2.0]]          # window 2: 3 at (0, 1) and at (1, 0)
    gate = MaxPoolGate(2)
    np.testing.assert_array_equal(gate.forward(X), [[[[0.0, 3.0]]]])
    (dX,) = gate.backward(np.array([[[[5.0, 7.0]]]]))
    expected = np.zeros((1, 1, 2, 4))
    expected[0, 0, 0, 0] = 5.0   # four zeros: the first one, row by row
    expected[0, 0, 0, 3] = 7.0
    np.testing.assert_array_equal(dX, expected)


def test_maxpool_overlapping_windows_add_up_where_they_share_a_max():
    X = np.array([[[[0.0, 9.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]])
    gate = MaxPoolGate(2, stride=1)        # four windows; the top two both hold the 9
    np.testing.assert_array_equal(gate.forward(X), [[[[9.0, 9.0], [0.0, 0.0]]]])
    (dX,) = gate.backward(np.array([[[[1.0, 2.0], [4.0, 8.0]]]]))
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 0, 1] = 1.0 + 2.0       # both windows send theirs to the one 9
    expected[0, 0, 1, 0] = 4.0             # window (1, 0): all zeros, its first one
    expected[0, 0, 1, 1] = 8.0             # window (1, 1): all zeros, its first one
    np.testing.assert_array_equal(dX, expected)


@pytest.mark.parametrize("x_shape", [(2, 3, 4, 5), (3, 16, 4, 4), (2, 7)])
def test_flatten_gradients_and_shapes(x_shape, rng):
    X = rng.standard_normal(x_shape)
    gate = FlattenGate()
    assert gate.forward(X).shape == (x_shape[0], int(np.prod(x_shape[1:])))
    check_gradients(gate, [X], rng)


def test_im2col_and_col2im_are_adjoint(rng):
    """<im2col(X), C> = <X, col2im(C)>: col2im is exactly the transpose of im2col's linear map."""
    for shape, (kh, kw), stride, padding in [((2, 3, 7, 7), (3, 3), 2, 1), ((1, 2, 6, 5), (2, 3), 1, 0)]:
        X = rng.standard_normal(shape)
        cols = im2col(X, kh, kw, stride, padding)
        C = rng.standard_normal(cols.shape)
        assert np.sum(cols * C) == pytest.approx(np.sum(X * col2im(C, shape, kh, kw, stride, padding)),
                                                 rel=1e-12)


# --- the 2-D gates on images ------------------------------------------------------------------------

@pytest.mark.parametrize("Activation", [Sigmoid, Tanh, ReLU, Identity])
def test_activations_work_on_images(Activation, rng):
    z = rng.standard_normal((2, 3, 4, 4))
    assert Activation().forward(z).shape == z.shape
    check_gradients(Activation(), [z], rng)


@pytest.mark.parametrize("Loss", [MSELoss, HalfSSELoss])
def test_losses_work_on_images(Loss, rng):
    check_gradients(Loss(), [rng.standard_normal((2, 3, 4, 4)), rng.standard_normal((2, 3, 4, 4))], rng)


def test_softmax_and_cross_entropy_over_the_channel_axis_of_images(rng):
    """Per-pixel classes (segmentation): the class axis is the channel axis, 1."""
    z = rng.standard_normal((2, 4, 3, 3))
    s = Softmax(axis=1).forward(z)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-12)
    check_gradients(Softmax(axis=1), [z], rng)
    # contiguous: conftest's central_difference writes through grad.reshape(-1), a copy otherwise
    y = np.ascontiguousarray(np.moveaxis(np.eye(4)[rng.integers(0, 4, size=(2, 3, 3))], -1, 1))
    check_gradients(CrossEntropyLoss(axis=1), [z, y], rng)
    loss = CrossEntropyLoss(axis=1).forward(z, y)
    log_s = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert loss == pytest.approx(-np.sum(y * log_s) / 18, rel=1e-12)  # 2·3·3 pixels observed


def test_a_bias_1xFx1x1_is_an_addgate_whose_gradient_sums_over_three_axes(rng):
    Z, b = rng.standard_normal((4, 6, 5, 5)), rng.standard_normal((1, 6, 1, 1))
    gate = AddGate()
    np.testing.assert_array_equal(gate.forward(Z, b), Z + b)
    top = rng.standard_normal((4, 6, 5, 5))
    dZ, db = gate.backward(top)
    assert db.shape == (1, 6, 1, 1)
    np.testing.assert_allclose(db[0, :, 0, 0], [top[:, f].sum() for f in range(6)], rtol=1e-12)
    np.testing.assert_array_equal(dZ, top)
    check_gradients(gate, [Z, b], rng)
    assert gate.grad_formula(1, "δ²", [(4, 6, 5, 5), (1, 6, 1, 1)]).startswith("Σ ")


# --- shape rules ------------------------------------------------------------------------------------

def test_conv_and_pool_shapes_concrete_and_symbolic():
    assert ConvGate().output_shape((4, 1, 28, 28), (6, 1, 5, 5)) == (4, 6, 24, 24)
    assert ConvGate(2, 1).output_shape(("k", 3, 32, 32), (8, 3, 3, 3)) == ("k", 8, 16, 16)
    assert ConvGate().output_shape(("k", 1, "H", "W"), (6, 1, 5, 5)) == ("k", 6, "(H−4)", "(W−4)")
    assert MaxPoolGate().output_shape(("k", 6, "(H−4)", "(W−4)")) == ("k", 6, "(H−4)/2", "(W−4)/2")
    assert ConvGate().output_shape(("k", 6, "(H−4)/2", "W"), (16, 6, 5, 5))[2] == "(H−12)/2"
    assert ConvGate(1, 1).output_shape(("k", 6, "H", "W"), (16, 6, 3, 3))[2:] == ("H", "W")
    assert FlattenGate().output_shape(("k", 16, 4, 4)) == ("k", 256)
    assert FlattenGate().output_shape(("k", 16, "(H−12)/4", "(W−12)/4")) == ("k", "16·(H−12)/4·(W−12)/4")


def test_symbolic_sizes_give_the_concrete_ones_when_H_is_known():
    H = "H"
    for kernel, stride, padding in [(5, 1, 0), (2, 2, 0), (3, 1, 1), (5, 1, 0), (2, 2, 0)]:
        H = window_count(H, kernel, stride, padding)
    value = eval(H.replace("H", "32").replace("−", "-").replace("/", "//"))  # (32 − 12)/4
    concrete = 32
    for kernel, stride, padding in [(5, 1, 0), (2, 2, 0), (3, 1, 1), (5, 1, 0), (2, 2, 0)]:
        concrete = window_count(concrete, kernel, stride, padding)
    assert (H, value, concrete) == ("(H−12)/4", 5, 5)
    assert product((16, 4, 4)) == 256


def test_non_whole_output_names_padding_or_input_sizes():
    assert ConvGate(stride=2).output_shape((4, 1, 28, 28), (6, 1, 4, 4)) == (4, 6, 13, 13)
    with pytest.raises(ShapeError) as caught:
        ConvGate(stride=2).output_shape((4, 1, 28, 28), (6, 1, 5, 5))
    error = caught.value
    assert "(28 + 2·0 − 5)/2 + 1 = 12.5 is not a whole number" in error.problem
    assert "floor it to 12, and the last row and column of X would never be read" in error.problem
    # padding 1: 13.5, and the row the floor skips is padding: 13 as in every library
    assert error.fix.startswith("With padding=1 it fits: (28 + 2·1 − 5)/2 + 1 = 13.5, floored to 13")
    assert "X fits with a height and width of 27 or 29 (→ 12 or 13)." in error.fix
    assert ConvGate(2, 1).output_shape((4, 1, 28, 28), (6, 1, 5, 5)) == (4, 6, 13, 13)
    with pytest.raises(ShapeError) as caught:
        ConvGate(stride=3).output_shape((1, 1, 8, 9), (2, 1, 3, 3))
    assert "the last 2 rows of X would never be read" in caught.value.problem
    assert caught.value.fix.startswith("With padding=2 it fits: (8 + 2·2 − 3)/3 + 1 = 4.")
    with pytest.raises(ShapeError) as caught:
        MaxPoolGate(2).output_shape(("k", 6, 25, 24))
    assert "(25 − 2)/2 + 1 = 12.5" in caught.value.problem and "height of 24 or 26" in caught.value.fix
    with pytest.raises(ShapeError) as caught:
        ConvGate().output_shape((1, 1, 4, 4), (1, 1, 5, 5))
    assert "a window 5 wide does not fit in 4 rows" in caught.value.problem


def test_rounding_down_is_accepted_where_only_padding_is_skipped(rng):
    """3×3, stride 2, padding 1 over 32: (32 + 2 − 3)/2 + 1 = 16.5 → 16, as in every library."""
    assert ConvGate(2, 1).output_shape(("k", 3, 32, 32), (8, 3, 3, 3)) == ("k", 8, 16, 16)
    X, K = rng.standard_normal((1, 2, 8, 8)), rng.standard_normal((3, 2, 3, 3))
    np.testing.assert_allclose(ConvGate(2, 1).forward(X, K), conv_by_loops(X, K, 2, 1), rtol=1e-12)
    check_gradients(ConvGate(2, 1), [rng.standard_normal((1, 2, 8, 8)), K], rng)


def test_wrong_layouts_are_refused_with_the_transpose_that_fixes_them():
    cases = [
        (((4, 28, 28, 3), (6, 3, 5, 5)), "X.transpose(0, 3, 1, 2) → 4×3×28×28"),
        (((4, 3, 28, 28), (5, 5, 3, 6)), "K.transpose(3, 2, 0, 1) → 6×3×5×5"),
        (((28, 28), (6, 1, 5, 5)), "reshape X to 1×1×28×28"),
        (((28, 28, 3), (6, 3, 5, 5)), "X.transpose(2, 0, 1)[None] → 1×3×28×28"),
        (((4, 2, 28, 28), (6, 3, 5, 5)), "K must be 6×2×5×5"),
        (((4, 3, 2, 2), (6, 3, 5, 5)), "With padding=2 it fits"),
    ]
    for shapes, fix in cases:
        with pytest.raises(ShapeError) as caught:
            ConvGate().output_shape(*shapes)
        assert fix in caught.value.fix, (shapes, caught.value.fix)
    with pytest.raises(ShapeError, match="at least two axes"):
        FlattenGate().output_shape((5,))
    with pytest.raises(ShapeError, match="4 axes"):
        MaxPoolGate().output_shape((4, 6))


@pytest.mark.parametrize("make", [lambda: ConvGate(stride=0), lambda: ConvGate(padding=-1),
                                  lambda: ConvGate(stride=True), lambda: MaxPoolGate(0),
                                  lambda: AvgPoolGate(2, stride=1.5)])
def test_bad_hyperparameters_are_refused(make):
    with pytest.raises(TypeError, match="whole number"):
        make()


def test_forward_checks_shapes_and_converts_to_float64(rng):
    gate = ConvGate()
    Z = gate.forward(np.ones((1, 1, 3, 3), dtype=np.int32), np.ones((1, 1, 2, 2), dtype=np.float32))
    assert Z.dtype == np.float64 and Z.shape == (1, 1, 2, 2) and np.all(Z == 4.0)
    with pytest.raises(ShapeError):
        gate.forward(np.ones((1, 2, 3, 3)), np.ones((1, 1, 2, 2)))


# --- words -------------------------------------------------------------------------------------------

def test_conv_words_print_both_products_shapes():
    gate = ConvGate()
    gate.bind("XW1", ["X", "W¹"], "XW¹")
    shapes = [(4, 1, 28, 28), (6, 1, 5, 5)]
    assert gate.formula() == "X ∗ W¹"
    assert gate.arithmetic(shapes, (4, 6, 24, 24)) == "(4×1×28×28)∗(6×1×5×5) → 4×6×24×24"
    assert gate.note(shapes) == "as a product: W¹·im2col(X) (6×25)·(25×2304) → 6×2304"
    assert gate.grad_formula(1, "δ²", shapes) == "δ² · im2col(X)ᵀ"
    assert gate.grad_arithmetic(1, shapes, (4, 6, 24, 24)) == "(6×2304)·(2304×25) → 6×25 → 6×1×5×5"
    assert gate.grad_formula(0, "δ²", shapes) == "col2im(W¹ᵀ · δ²)"
    assert gate.grad_arithmetic(0, shapes, (4, 6, 24, 24)) == \
        "(25×6)·(6×2304) → 25×2304, col2im → 4×1×28×28"
    assert ConvGate().note([("k", 1, 28, 28), (6, 1, 5, 5)]).endswith("(6×25)·(25×k·576) → 6×k·576")


def test_the_tensor_gates_are_builtin_and_import_gates_stays_light():
    for cls in (ConvGate, MaxPoolGate, AvgPoolGate, FlattenGate):
        assert cls in BUILTIN_GATES and is_builtin(cls())
    loaded = subprocess.run([sys.executable, "-c", "import sys, gates; gates.ConvGate; print("
                             "sorted(m for m in sys.modules if m.split('.')[0] in ('graph', 'rich')))"],
                            capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
