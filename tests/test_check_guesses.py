"""The checker on the edges of a gate's contract: a shape rule looser than forward, a gate whose
domain is not every number (log, 1/z), and numbers printed with the digits that matter."""

from __future__ import annotations

import numpy as np
from conftest import Cube  # tests/ is on the path

from gates import Gate
from gates.check import check_gate_shapes, main


class LooseHadamard(Gate):
    """A ⊙ B whose output_shape says tuple(a) for any b; forward takes equal shapes only."""

    kind = "looseHadamard"
    inputs = ("A", "B")

    def output_shape(self, a, b):
        return tuple(a)

    def forward(self, A, B):
        if A.shape != B.shape:
            raise ValueError(f"A {A.shape} and B {B.shape} must have the same shape")
        self.A, self.B = A, B
        return A * B

    def backward(self, top_diff):
        return top_diff * self.B, top_diff * self.A


class LooseFiveColumns(Gate):
    """output_shape accepts anything; forward takes 5 columns only (none of the guesses but one)."""

    kind = "looseFive"
    inputs = ("x",)

    def output_shape(self, x):
        return tuple(x)

    def forward(self, x):
        if x.shape[-1] != 11:
            raise ValueError("x needs 11 columns")
        return 2.0 * x

    def backward(self, top_diff):
        return (2.0 * top_diff,)


def test_a_guessed_set_forward_refuses_is_skipped_like_one_the_rule_refuses():
    report = check_gate_shapes(LooseHadamard)
    assert report.ok, str(report)
    checked = [tuple(c.shapes) for c in report.checks]
    assert ((5, 7), (5, 7)) in checked and ((4, 3), (4, 3)) in checked
    assert ((4, 2), (2, 3)) in [tuple(c.shapes) for c in report.refused]
    assert all("output_shape accepted these guessed shapes" in c.refused.problem for c in report.refused)


def test_forward_refusing_every_guess_asks_for_shapes(capsys):
    report = check_gate_shapes(LooseFiveColumns)
    assert not report.ok and not report.checks
    assert "your output_shape accepted shapes forward cannot take" in report.error
    assert "pass --shapes" in report.error
    assert check_gate_shapes(LooseFiveColumns, [((4, 11),)]).ok
    assert main(["tests/test_check_guesses.py:LooseFiveColumns"]) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and "pass --shapes" in err


def test_shapes_given_by_the_user_that_forward_refuses_are_still_an_error():
    """Only the checker's own guesses are skipped: a set the user chose must work."""
    report = check_gate_shapes(LooseHadamard, [((4, 2), (2, 3))])
    assert not report.ok and report.crashed
    assert "forward raised ValueError" in report.checks[0].error


class Log(Gate):
    kind = "myLog"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z):
        self.z = z
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(z)

    def backward(self, top_diff):
        return (top_diff / self.z,)


class Reciprocal(Log):
    kind = "reciprocal"

    def forward(self, z):
        self.z = z
        with np.errstate(divide="ignore"):
            return 1.0 / z

    def backward(self, top_diff):
        return (-top_diff / self.z ** 2,)


class WrongLog(Log):
    """d log z / dz taken as 1/z² (wrong in the domain too: must still fail)."""

    def backward(self, top_diff):
        return (top_diff / self.z ** 2,)


class NanForward(Log):
    """forward NaN everywhere: no redraw helps."""

    def forward(self, z):
        return np.full(z.shape, np.nan)


def test_a_right_log_and_reciprocal_pass_inside_their_domain():
    for gate in (Log, Reciprocal):
        report = check_gate_shapes(gate)
        assert report.ok, str(report)
        assert all(c.inputs[0].error < 1e-6 for c in report.checks)


def test_a_wrong_log_still_fails_and_a_forward_never_finite_is_not_finite(capsys):
    report = check_gate_shapes(WrongLog)
    assert not report.ok
    assert {c.inputs[0].diagnosis for c in report.failed} <= {"wrong_values", "wrong_in_region"}
    report = check_gate_shapes(NanForward, [((5, 7),)])
    check = report.checks[0].inputs[0]
    assert check.diagnosis == "not_finite" and "made positive" in check.message
    assert not check.backward_ran


def test_the_gradient_column_is_empty_when_backward_never_ran():
    from graph.check_view import row

    report = check_gate_shapes(NanForward, [((5, 7),)])
    shapes, _, result, diagnosis, _ = row(report.checks[0])
    assert shapes == "—" and result == "FAIL" and diagnosis == "not_finite"


class SlightlyLargeCube(Cube):
    """dJ/dz of z³ taken 1.0001 times too large: a factor that must print as 1.0001, not 1."""

    def backward(self, top_diff):
        return (1.0001 * top_diff * 3 * self.z ** 2,)


def test_a_factor_near_1_is_printed_with_the_digits_that_tell_it_from_1():
    check = check_gate_shapes(SlightlyLargeCube, [((5, 7),)]).checks[0].inputs[0]
    assert check.diagnosis == "constant_factor"
    assert "times 1.0001:" in check.message and "multiply it by 0.9999" in check.message
    assert "times 1:" not in check.message and "by 1." not in check.message


class MidAbsSigmoid(Gate):
    """σ′ taken 1.05 times too large where 0.4 < |z| < 0.5: two regions, none of them a batch."""

    kind = "mySigmoid"
    inputs = ("z",)

    def output_shape(self, z):
        return tuple(z)

    def forward(self, z):
        self.z, self.a = z, 1 / (1 + np.exp(-z))
        return self.a

    def backward(self, top_diff):
        middle = (np.abs(self.z) > 0.4) & (np.abs(self.z) < 0.5)
        return (top_diff * np.where(middle, 1.05, 1.0) * self.a * (1 - self.a),)


def test_batch_dependent_needs_the_same_inputs_right_as_a_batch_of_1():
    """The batches of 1 drawn happen to miss 0.4 < |z| < 0.5 and pass; the row of a larger batch
    where the gradient is wrong, checked alone, is still wrong: a region, not the batch."""
    report = check_gate_shapes(MidAbsSigmoid)
    assert any(c.ok and c.batch == 1 for c in report.checks)
    found = {c.inputs[0].diagnosis for c in report.failed}
    assert found and "batch_dependent" not in found, found
