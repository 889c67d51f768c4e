"""The gradient checker: it passes every built-in gate, catches the deliberately wrong ones with
the reason named, and its command line reports in a table with the right exit status.

Expected numbers are derived here by hand (closed forms of the derivatives) or by the
independent central-difference loop of conftest, never read back from the checker.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bad_gates import ColumnsMulGate, NoTransposeMulGate, NoTwoMSELoss, UnsummedAddGate, ZSigmoid
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
    Sigmoid,
    Softmax,
    Tanh,
)
from gates.check import (
    BUILTIN_SHAPES,
    UsageError,
    candidate_shapes,
    check_builtins,
    check_gate,
    check_gate_shapes,
    main,
    parse_shapes,
)

ROOT = Path(__file__).resolve().parents[1]
BAD_GATES = str(Path(__file__).with_name("bad_gates.py"))


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --- the built-in gates pass ---------------------------------------------------------------------

def test_every_exported_gate_has_default_shapes():
    exported = {getattr(gates, name) for name in gates.__all__}
    gate_classes = {c for c in exported
                    if isinstance(c, type) and issubclass(c, Gate) and c is not Gate}
    listed = {factory if isinstance(factory, type) else type(factory())
              for factory, _ in BUILTIN_SHAPES.values()}
    assert gate_classes == listed


def test_default_shapes_include_broadcast_columns_and_a_batch_of_one():
    add_sets = BUILTIN_SHAPES["addGate"][1]
    assert ((4, 3), (1, 3)) in add_sets and ((3, 4), (3, 1)) in add_sets
    assert any(shapes[0][0] == 1 for shapes in BUILTIN_SHAPES["mulGate"][1])
    assert all(len(sets) >= 2 for _, sets in BUILTIN_SHAPES.values())


def test_check_builtins_passes_every_gate_over_its_shapes():
    reports = check_builtins()
    assert [r.subject for r in reports] == list(BUILTIN_SHAPES)
    for report, (_, sets) in zip(reports, BUILTIN_SHAPES.values()):
        assert report.ok, str(report)
        assert [tuple(c.shapes) for c in report.checks] == [tuple(s) for s in sets]
        for check in report.checks:
            assert [tuple(c.grad_shape) for c in check.inputs] == list(check.shapes)
            assert check.max_error < 1e-6


dims = st.integers(1, 4)


@st.composite
def builtin_cases(draw):
    """A built-in gate with shapes that fit it, drawn at random."""
    k, m, p = draw(dims), draw(dims), draw(dims)
    case = draw(st.sampled_from(["add row", "add column", "add first", "mul", "hadamard",
                                 "elementwise", "softmax", "softmax0", "loss", "ce0"]))
    if case == "add row":
        return AddGate, [(k, m), (1, m)]
    if case == "add column":
        return AddGate, [(m, k), (m, 1)]
    if case == "add first":
        return AddGate, [(1, m), (k, m)]
    if case == "mul":
        return MulGate, [(k, m), (m, p)]
    if case == "hadamard":
        return HadamardGate, [(k, m), (k, m)]
    if case == "elementwise":
        return draw(st.sampled_from([Sigmoid, Tanh, ReLU, Identity])), [(k, m)]
    if case == "softmax":
        return Softmax, [(k, m)]
    if case == "softmax0":
        return (lambda: Softmax(axis=0)), [(m, k)]
    if case == "loss":
        return draw(st.sampled_from([MSELoss, HalfSSELoss, CrossEntropyLoss])), [(k, m), (k, m)]
    return (lambda: CrossEntropyLoss(axis=0)), [(m, k), (m, k)]


@given(case=builtin_cases(), seed=st.integers(0, 2**16))
def test_checker_passes_builtins_over_random_shapes(case, seed):
    factory, shapes = case
    report = check_gate_shapes(factory, [shapes], seed=seed)
    assert report.ok, str(report)
    assert [tuple(c.grad_shape) for c in report.checks[0].inputs] == shapes


# --- the checker's verdicts, confirmed by hand ---------------------------------------------------

def test_wrong_derivative_reports_the_largest_error_and_where():
    """ZSigmoid returns G ⊙ z(1 − z); the right gradient is G ⊙ σ(z)(1 − σ(z))."""
    rng = np.random.default_rng(7)
    z, G = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    wrong, right = G * z * (1 - z), G * sigmoid(z) * (1 - sigmoid(z))
    diff = np.abs(wrong - right)
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    expected = diff.max() / max(np.abs(wrong).max(), np.abs(right).max())

    result = check_gate(ZSigmoid(), inputs=[z], top_diff=G)
    (check,) = result.inputs
    assert not result.ok and check.shape_ok
    assert check.worst_index == tuple(int(i) for i in worst)
    assert check.error == pytest.approx(expected, rel=1e-6)
    assert check.analytic_at_worst == pytest.approx(wrong[worst])
    assert check.numeric_at_worst == pytest.approx(right[worst], rel=1e-6)
    assert f"worst at index {[int(i) for i in worst]}" in check.problem
    assert "dJ/dz disagrees with central differences" in check.problem


def test_a_correct_gate_agrees_with_the_independent_loop(numeric_grad):
    """The checker's verdict on MulGate, confirmed by conftest's own central differences."""
    rng = np.random.default_rng(3)
    A, B, G = rng.standard_normal((4, 2)), rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    result = check_gate(MulGate(), inputs=[A, B], top_diff=G)
    assert result.ok
    dA = numeric_grad(lambda a: float(np.sum(G * (a @ B))), A)
    np.testing.assert_allclose(dA, G @ B.T, atol=1e-8)  # the closed form the gate must match
    assert result.inputs[0].error < 1e-8


def test_wrong_shape_says_what_it_should_have_been():
    result = check_gate(UnsummedAddGate(), [(4, 3), (1, 3)])
    assert not result.ok
    bias = result.inputs[1]
    assert bias.grad_shape == (4, 3) and tuple(bias.shape) == (1, 3)
    assert "dJ/dB is 4×3 but should be 1×3" in bias.problem
    assert "sum(axis=0, keepdims=True)" in bias.problem
    assert result.inputs[0].ok  # A was not broadcast: top_diff is its gradient


def test_transposed_gradient_is_named():
    check = check_gate(ColumnsMulGate(), [(4, 2), (2, 3)]).inputs[1]
    assert check.grad_shape == (3, 2)
    assert "should be 2×3" in check.problem and "transposed" in check.problem


def test_a_missing_factor_is_recognised():
    """NoTwoMSELoss returns (ŷ − y)/n where the truth is 2(ŷ − y)/n: exactly half."""
    result = check_gate(NoTwoMSELoss(), [(4, 1), (4, 1)])
    for check in result.inputs:
        assert check.error == pytest.approx(0.5, rel=1e-6)
        assert "times 0.5" in check.problem


class FlippedTanh(Tanh):
    def backward(self, top_diff):
        return (-top_diff * (1.0 - self.a * self.a),)


def test_a_flipped_sign_is_recognised():
    check = check_gate(FlippedTanh(), [(3, 2)]).inputs[0]
    assert check.error == pytest.approx(2.0, rel=1e-6)  # |−g − g| / |g| at the largest entry
    assert "wrong sign" in check.problem


@pytest.mark.parametrize("gate, reason", [
    (ZSigmoid, "dJ/dz disagrees with central differences"),
    (NoTransposeMulGate, "missing or extra ᵀ"),
    (UnsummedAddGate, "must be summed over the broadcast axis"),
])
def test_deliberately_wrong_gates_are_caught_with_the_reason(gate, reason):
    report = check_gate_shapes(gate)  # no shapes given: guesses from the number of inputs
    assert not report.ok
    assert report.checks, "at least one guessed shape set is accepted"
    assert any(reason in problem for problem in report.problems), report.problems


def test_guessed_shapes_report_what_the_gate_accepts():
    """MulGate's rule refuses every guessed pair but the one with matching inner sizes."""
    report = check_gate_shapes(MulGate)
    accepted = [tuple(c.shapes) for c in report.checks]
    assert accepted == [((4, 2), (2, 3))]
    assert len(report.refused) == len(candidate_shapes(2)) - 1
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
    for bad in ("4y3", "4x0", "x"):
        with pytest.raises(UsageError, match="--shapes"):
            parse_shapes(bad)


# --- the command line ------------------------------------------------------------------------------

def run_main(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_checks_every_builtin_and_exits_0(capsys):
    status, out, err = run_main(capsys)
    assert status == 0, out + err
    for name in BUILTIN_SHAPES:
        assert name[:12] in out
    assert "FAIL" not in out and "pass" in out
    assert "4×3, 1×3" in out  # a broadcast bias is among the shapes tried


def test_cli_failed_check_exits_1_with_the_reason(capsys):
    status, out, _ = run_main(capsys, f"{BAD_GATES}:UnsummedAddGate", "--shapes", "4x3,1x3")
    assert status == 1
    assert "FAIL" in out and "dJ/dB is 4×3 but should be 1×3" in out


def test_cli_gate_that_raises_exits_2_without_traceback(capsys):
    status, out, err = run_main(capsys, f"{BAD_GATES}:NoTransposeMulGate", "--shapes", "4x2,2x3")
    assert status == 2
    assert "Traceback" not in out + err
    assert "backward raised ValueError" in out


@pytest.mark.parametrize("argv, says", [
    (["no_such_module_xyz:MyGate"], "cannot import 'no_such_module_xyz'"),
    ([f"{BAD_GATES}:Nope"], "has no 'Nope'"),
    ([f"{BAD_GATES}:NeedsArgument"], "builds a gate with no arguments"),
    ([f"{BAD_GATES}:ZSigmoid", "--shapes", "4y3"], "cannot read '4y3'"),
    ([f"{BAD_GATES}:ZSigmoid", "--shapes", "4x3,4x3"], "takes 1 input(s)"),
    (["mulGate", "--shapes", "4x3,1x3"], "refused the shapes given"),
    (["--shapes", "4x3"], "needs a gate"),
])
def test_cli_user_mistakes_are_one_line_and_exit_2(capsys, argv, says):
    status, out, err = run_main(capsys, *argv)
    assert status == 2
    assert says in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_cli_checks_a_users_module(capsys, tmp_path, monkeypatch):
    (tmp_path / "mymodule.py").write_text(
        "from gates import Gate\n"
        "class Square(Gate):\n"
        "    kind = 'square'\n"
        "    def output_shape(self, x):\n"
        "        return tuple(x)\n"
        "    def forward(self, x):\n"
        "        self.x = x\n"
        "        return x * x\n"
        "    def backward(self, top_diff):\n"
        "        return (2 * self.x * top_diff,)\n"
        "class Broken(Square):\n"
        "    def forward(self, x):\n"
        "        raise RuntimeError('not written yet')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    status, out, _ = run_main(capsys, "mymodule:Square", "--shapes", "4x3", "--shapes", "1x2")
    assert status == 0 and "Square" in out and "4×3" in out and "1×2" in out
    status, out, err = run_main(capsys, "mymodule:Broken")
    assert status == 2 and "forward raised RuntimeError: not written yet" in out
    status, out, _ = run_main(capsys, "mymodule")  # every gate of the module
    assert status == 2 and "Square" in out and "Broken" in out


def test_python_dash_m_exit_status():
    ok = subprocess.run([sys.executable, "-m", "gates.check", "relu"], cwd=ROOT,
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, "-m", "gates.check", "tests/bad_gates.py:ZSigmoid"],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 1 and "dJ/dz disagrees" in bad.stdout


def test_import_gates_check_does_not_import_rich_or_graph():
    code = ("import sys, gates, gates.check; "
            "print(any(m == 'rich' or m.startswith(('rich.', 'graph')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_a_gradient_that_is_truly_zero_passes_despite_rounding_noise():
    """At a stationary point the analytic gradient is ~1e-16 and the numeric one ~1e-10: both are
    zero, and a relative error between two zeros is meaningless: the absolute floor lets it pass."""
    from gates import HalfSSELoss, MulGate
    from gates.check import check_graph
    from graph import Graph

    rng = np.random.default_rng(5)
    X = rng.standard_normal((3, 2))
    y = np.linalg.svd(X.T)[2][-1].reshape(3, 1)  # y ⟂ columns of X, so Xᵀ(XW − y) = 0 at W = 0
    g = Graph()
    g.input("X", ("k", 2)); g.input("y", ("k", 1))
    g.param("W", np.zeros((2, 1)))
    g.add(MulGate(), ["X", "W"], "z")
    g.add(HalfSSELoss(), ["z", "y"], "J")
    g.forward(X=X, y=y)
    assert np.max(np.abs(g.backward()["W"])) < 1e-12  # the point is stationary indeed
    assert check_graph(g, {"X": X, "y": y}).ok



def test_the_zero_floor_does_not_hide_a_wrong_gradient_of_small_scale():
    """The absolute floor is for gradients that are zero; a gradient 1e-6 in scale that is off by a
    factor of 2 is still a failure."""
    from gates.check import _compare

    x = np.array([1.0, 2.0])

    def J() -> float:
        return 1e-6 * float(np.sum(x))  # dJ/dx = 1e-6 everywhere

    wrong = _compare("x", x.shape, np.full(2, 2e-6), J, x, 1e-3, 1e-6)
    right = _compare("x", x.shape, np.full(2, 1e-6), J, x, 1e-3, 1e-6)
    assert not wrong.ok and "relative error" in wrong.problem
    assert right.ok
