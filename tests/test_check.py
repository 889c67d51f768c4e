"""The gradient checker: it passes every built-in gate over its shape sets, judges every element on
its own, and catches the deliberately wrong gates with the reason named.

Expected numbers are derived here by hand (closed forms of the derivatives) or by the
independent central-difference loop of conftest, never read back from the checker.
"""

from __future__ import annotations

import numpy as np
import pytest
from bad_gates import ColumnsMulGate, NoTransposeMulGate, NoTwoMSELoss, UnsummedAddGate, ZSigmoid
from hypothesis import given
from hypothesis import strategies as st
from wrong_gates import LargeColumnOnly, TinyTanh

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
    Sigmoid,
    Softmax,
    Tanh,
)
from gates.catalog import BUILTIN_GATES
from gates.check import (
    BUILTIN_SHAPES,
    UsageError,
    candidate_shapes,
    check_builtins,
    check_gate,
    check_gate_shapes,
    parse_shapes,
)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --- the built-in gates pass -----------------------------------------------------------------------

def test_every_builtin_gate_has_shape_sets():
    listed = {factory if isinstance(factory, type) else type(factory())
              for factory, _ in BUILTIN_SHAPES.values()}
    assert listed == set(BUILTIN_GATES)
    exported = {getattr(gates, name) for name in gates.__all__}
    assert {c for c in exported if isinstance(c, type) and issubclass(c, Gate) and c is not Gate} <= listed
    assert all(len(sets) >= 2 for _, sets in BUILTIN_SHAPES.values())


def test_default_shape_sets_hold_squares_batches_of_one_and_several_and_broadcasts():
    for n in (1, 2, 3):
        sets = candidate_shapes(n)
        assert any(s[0][0] == 1 for s in sets) and any(s[0][0] > 1 for s in sets)
        assert any(len(s[0]) == 2 and s[0][0] == s[0][1] for s in sets)  # a square matrix
    pairs = candidate_shapes(2)
    assert ((4, 3), (1, 3)) in pairs and ((3, 4), (3, 1)) in pairs and ((1, 3), (4, 3)) in pairs
    assert ((4, 3), (3, 3)) in pairs  # a product whose B is square
    add = BUILTIN_SHAPES["addGate"][1]
    assert ((4, 3), (1, 3)) in add and ((3, 4), (3, 1)) in add and ((3, 3), (3, 3)) in add
    assert ((3, 3), (3, 3)) in BUILTIN_SHAPES["mulGate"][1]
    assert all(s[0][-1] >= 2 for s in BUILTIN_SHAPES["softmax"][1])  # one class is refused


def _sizes_all_new(shapes) -> bool:
    """No size is 3 or 4, and the first input's sizes other than 1 all differ."""
    sizes, first = [d for s in shapes for d in s], [d for d in shapes[0] if d > 1]
    return not {3, 4} & set(sizes) and len(set(first)) == len(first)


def test_every_kind_of_builtin_gate_is_checked_with_sizes_other_than_3_and_4():
    """A gate with a size written in its code (reshape(1, 3), t[:4]) passes sets of 3s and 4s only."""
    for n in (1, 2, 3):
        assert any(_sizes_all_new(s) and s[0][0] > 4 for s in candidate_shapes(n))
    for name, (_, sets) in BUILTIN_SHAPES.items():
        if name != "convGate":
            assert any(_sizes_all_new(s) and s[0][0] > 4 for s in sets), name
    assert ((6, 2), (2, 7)) in BUILTIN_SHAPES["mulGate"][1]
    add = BUILTIN_SHAPES["addGate"][1]
    assert ((5, 7), (1, 7)) in add and ((6, 5), (6, 1)) in add
    assert any(not {3, 4} & {d for s in sets for d in s} for sets in BUILTIN_SHAPES["convGate"][1])


def test_check_builtins_passes_every_gate_over_its_shapes():
    reports = check_builtins()
    assert [r.subject for r in reports] == list(BUILTIN_SHAPES)
    for report, (_, sets) in zip(reports, BUILTIN_SHAPES.values()):
        assert report.ok, str(report)
        assert [tuple(c.shapes) for c in report.checks] == [tuple(s) for s in sets]
        for check in report.checks:
            assert [tuple(c.grad_shape) for c in check.inputs] == list(check.shapes)
            assert check.max_error < 1e-6


@st.composite
def builtin_cases(draw):
    """A built-in gate with shapes that fit it, drawn at random (two classes or more where the
    gate has a class axis: one class is refused)."""
    k, m, p = (draw(st.integers(1, 4)) for _ in range(3))
    c = draw(st.integers(2, 4))
    return draw(st.sampled_from([
        (AddGate, [(k, m), (1, m)]), (AddGate, [(m, k), (m, 1)]), (AddGate, [(1, m), (k, m)]),
        (MulGate, [(k, m), (m, p)]), (HadamardGate, [(k, m), (k, m)]),
        (Sigmoid, [(k, m)]), (Tanh, [(k, m)]), (ReLU, [(k, m)]), (Identity, [(k, m)]),
        (Softmax, [(k, c)]), (lambda: Softmax(axis=0), [(c, k)]),
        (MSELoss, [(k, m), (k, m)]), (HalfSSELoss, [(k, m), (k, m)]),
        (CrossEntropyLoss, [(k, c), (k, c)]), (lambda: CrossEntropyLoss(axis=0), [(c, k), (c, k)]),
    ]))


@given(case=builtin_cases(), seed=st.integers(0, 2**16))
def test_checker_passes_builtins_over_random_shapes(case, seed):
    factory, shapes = case
    report = check_gate_shapes(factory, [shapes], seed=seed)
    assert report.ok, str(report)
    assert [tuple(c.grad_shape) for c in report.checks[0].inputs] == shapes


# --- verdicts confirmed by hand ----------------------------------------------------------------------

def test_wrong_derivative_reports_the_worst_element_and_its_values():
    """ZSigmoid returns G ⊙ z(1 − z); the right gradient is G ⊙ σ(z)(1 − σ(z)). Every element is
    judged against |a − n| ≤ atol + 1e-6·|n|, atol = 100·ε·Σ|G ⊙ σ(z)|/h + 1000·ε·max|n| (the
    rounding noise of J = Σ G ⊙ σ(z), h = 1e-6); the worst is the one furthest past its allowance."""
    rng = np.random.default_rng(7)
    z, G = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    wrong, right = G * z * (1 - z), G * sigmoid(z) * (1 - sigmoid(z))
    eps = np.finfo(float).eps
    atol = 100 * eps * np.sum(np.abs(G * sigmoid(z))) / 1e-6 + 1000 * eps * np.max(np.abs(right))
    ratio = np.abs(wrong - right) / (atol + 1e-6 * np.abs(right))
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(ratio), ratio.shape))

    result = check_gate(ZSigmoid(), inputs=[z], top_diff=G)
    (check,) = result.inputs
    assert not result.ok and check.shape_ok and check.diagnosis == "wrong_values"
    assert check.worst_index == worst
    assert check.analytic_at_worst == pytest.approx(wrong[worst], rel=1e-12)
    assert check.numeric_at_worst == pytest.approx(right[worst], rel=1e-6)
    assert check.abs_error == pytest.approx(np.max(np.abs(wrong - right)), rel=1e-6)
    assert f"worst at index [{worst[0]}, {worst[1]}]" in check.message


def test_a_correct_gate_agrees_with_the_independent_loop(numeric_grad):
    """The checker's verdict on MulGate, confirmed by conftest's own central differences."""
    rng = np.random.default_rng(3)
    A, B, G = rng.standard_normal((4, 2)), rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    result = check_gate(MulGate(), inputs=[A, B], top_diff=G)
    assert result.ok
    dA = numeric_grad(lambda a: float(np.sum(G * (a @ B))), A)
    np.testing.assert_allclose(dA, G @ B.T, atol=1e-8)  # the closed form the gate must match
    assert result.inputs[0].error < 1e-8


def test_each_element_is_judged_on_its_own():
    """LargeColumnOnly is right in a column of values scaled by 1000 and returns 0 elsewhere:
    its largest error is about 1/1000 of the largest gradient, which a check relative to the
    largest entry would pass. Element by element, the zeros fail where the gradient is top_diff."""
    z, G = np.full((2, 3), 0.5), np.array([[1.0, -2.0, 0.5], [0.25, 1.5, -1.0]])
    (check,) = check_gate(LargeColumnOnly, inputs=[z], top_diff=G).inputs
    assert check.diagnosis == "wrong_values"
    assert check.abs_error == pytest.approx(2.0, rel=1e-6)  # |0 − (−2)| at [0, 1]
    assert check.worst_index == (0, 1)
    assert check.abs_error / 1000.0 < 1e-2  # what a largest-entry normalisation would have seen


def test_wrong_shape_says_what_it_should_have_been():
    result = check_gate(UnsummedAddGate(), [(4, 3), (1, 3)])
    assert not result.ok
    bias = result.inputs[1]
    assert bias.grad_shape == (4, 3) and tuple(bias.shape) == (1, 3)
    assert bias.diagnosis == "missing_sum"
    assert "dJ/dB is 4×3 but should be 1×3" in bias.message
    assert "sum(axis=0, keepdims=True)" in bias.message
    assert result.inputs[0].ok  # A was not broadcast: top_diff is its gradient


def test_transposed_gradient_is_named_with_its_shapes():
    check = check_gate(ColumnsMulGate(), [(4, 2), (2, 3)]).inputs[1]
    assert check.grad_shape == (3, 2) and check.diagnosis == "transposed"
    assert "should be 2×3" in check.message and "values are the right gradient's, transposed" in check.message


def test_a_missing_factor_is_recognised_with_its_value():
    """NoTwoMSELoss returns (ŷ − y)/n where the truth is 2(ŷ − y)/n: exactly half."""
    result = check_gate(NoTwoMSELoss(), [(4, 1), (4, 1)])
    for check in result.inputs:
        assert check.diagnosis == "constant_factor"
        assert "times 0.5" in check.message and "multiply it by 2" in check.message
        assert check.error == pytest.approx(0.5, rel=1e-5)  # |a − n| / |n| = |n/2 − n| / |n|


def test_a_small_scale_gradient_off_by_two_is_still_wrong():
    """Outputs of scale 1e-8: the absolute floor follows the scale of what J adds up, so a
    gradient 1e-8 in size that is twice the right one is caught, and the right one passes."""
    class DoubledTinyTanh(TinyTanh):
        def backward(self, top_diff):
            return (2 * top_diff * 1e-8 * (1 - self.a ** 2),)

    assert check_gate(TinyTanh, [(4, 3)]).ok
    (check,) = check_gate(DoubledTinyTanh, [(4, 3)]).inputs
    assert check.diagnosis == "constant_factor" and "times 2" in check.message


@pytest.mark.parametrize("gate, reason", [
    (ZSigmoid, "wrong_values"),
    (NoTransposeMulGate, "wrong_values"),  # a square B: the product fits, the numbers do not
    (UnsummedAddGate, "missing_sum"),
])
def test_deliberately_wrong_gates_are_caught_with_the_reason(gate, reason):
    report = check_gate_shapes(gate)  # no shapes given: guesses from the number of inputs
    assert not report.ok and report.checks
    assert any(reason in problem for problem in report.problems), report.problems


def test_a_backward_that_raises_is_an_error_of_the_gate():
    result = check_gate(NoTransposeMulGate, [(4, 2), (2, 3)])
    assert result.crashed and not result.ok
    assert "backward raised ValueError" in result.error
    assert "top_diff 4×3" in result.error and "missing or extra ᵀ" in result.error


def test_guessed_shapes_report_what_the_gate_accepts():
    """MulGate's rule refuses every guessed pair but those with matching inner sizes."""
    report = check_gate_shapes(MulGate)
    accepted = [tuple(c.shapes) for c in report.checks]
    assert accepted == [((3, 3), (3, 3)), ((4, 2), (2, 3)), ((4, 3), (3, 3)), ((1, 2), (2, 3)),
                        ((6, 2), (2, 7))]
    assert len(report.refused) == len(candidate_shapes(2)) - 5
    assert report.ok


class RuleFreeProduct(Gate):
    """A user's matrix product with no output_shape rule: numpy's refusal is its only rule."""

    kind = "product"
    inputs = ("A", "B")

    def forward(self, A, B):
        self.A, self.B = A, B
        return A @ B

    def backward(self, top_diff):
        return top_diff @ self.B.T, self.A.T @ top_diff


def test_a_gate_without_a_shape_rule_is_tried_on_guesses():
    report = check_gate_shapes(RuleFreeProduct)
    assert report.ok
    assert ((4, 2), (2, 3)) in [tuple(c.shapes) for c in report.checks]
    assert any("numpy" in str(c.refused) for c in report.refused)


class OnlyFiveColumns(Gate):
    kind = "five"
    inputs = ("x",)

    def output_shape(self, x):
        if tuple(x)[-1:] != (5,):
            raise self.shape_error("needs 5 columns.", (x,), "x is k×5")
        return tuple(x)

    def forward(self, x):
        return 2.0 * x

    def backward(self, top_diff):
        return (2.0 * top_diff,)


def test_no_accepted_guess_asks_for_shapes():
    report = check_gate_shapes(OnlyFiveColumns)
    assert not report.ok and not report.checks
    assert "--shapes" in report.error
    assert check_gate_shapes(OnlyFiveColumns, [((4, 5),)]).ok


def test_a_shape_set_of_the_wrong_length_is_an_error():
    report = check_gate_shapes(MulGate, [((4, 3),)])
    assert not report.ok and "takes 2 input(s)" in report.error


def test_parse_shapes():
    assert parse_shapes("4x3,1x3") == ((4, 3), (1, 3))
    assert parse_shapes("4×3, 3×1") == ((4, 3), (3, 1))
    assert parse_shapes("4") == ((4,),)
    assert parse_shapes("2x3x4x4") == ((2, 3, 4, 4),)
    for bad in ("4y3", "4x0", "x", "2000x2000"):
        with pytest.raises(UsageError, match="--shapes"):
            parse_shapes(bad)


@pytest.mark.parametrize("call", [
    lambda: check_gate(Tanh, [(2000, 2000)]),
    lambda: check_gate(Tanh, [(4, 3)], seed=-1),
    lambda: check_gate(Tanh, [(4, 3)], seed=1.5),
])
def test_calls_the_checker_cannot_honour_are_refused_in_words(call):
    with pytest.raises(ValueError, match="numbers|seed"):
        call()


def test_a_gradient_that_is_truly_zero_passes_despite_rounding_noise():
    """At a stationary point the analytic gradient is ~1e-16 and the numeric one ~1e-10: both are
    zero, and the scale-aware floor (the rounding noise of J) lets it pass."""
    from gates.check import check_graph
    from graph import Graph

    rng = np.random.default_rng(5)
    X = rng.standard_normal((3, 2))
    y = np.linalg.svd(X.T)[2][-1].reshape(3, 1)  # y ⟂ columns of X, so Xᵀ(XW − y) = 0 at W = 0
    g = Graph()
    g.input("X", ("k", 2))
    g.input("y", ("k", 1))
    g.param("W", np.zeros((2, 1)))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(HalfSSELoss(), ["z", "y"], "J")
    g.forward(X=X, y=y)
    assert np.max(np.abs(g.backward()["W"])) < 1e-12  # the point is stationary indeed
    assert check_graph(g, {"X": X, "y": y}).ok


def test_import_gates_check_loads_neither_rich_nor_graph():
    import subprocess
    import sys
    from pathlib import Path

    code = ("import sys, gates, gates.check; "
            "print(any(m == 'rich' or m.startswith(('rich.', 'graph')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
