"""The oracle's parts, each against numbers derived by hand: central and one-sided differences,
kinks told apart from curvature, the element-by-element verdict, the inputs and top_diff drawn,
and the words (factors, regions, exceptions)."""

from __future__ import annotations

import numpy as np
import pytest

from gates.diagnosis import _nice, _round_between
from gates.differences import ROUNDING, differences, find_kinks, judge, tolerance_floor
from gates.gradcheck_runs import REGIONS, draw, first_change, raised, random_top


def relu_objective(x: np.ndarray, G: np.ndarray):
    return lambda: float(np.sum(G * np.maximum(x, 0.0)))


def test_one_sided_differences_split_at_a_kink_and_agree_elsewhere():
    x = np.array([-1.0, 0.0, 0.5, 0.0])
    G = np.array([1.5, -2.0, 0.75, 1.25])
    d = differences(relu_objective(x, G), x)
    find_kinks(relu_objective(x, G), x, d, atol=1e-12)
    np.testing.assert_array_equal(d.kink, [False, True, False, True])
    np.testing.assert_allclose(d.right, [0.0, -2.0, 0.75, 1.25], atol=1e-9)  # J′ from the right: G·[x ≥ 0]
    np.testing.assert_allclose(d.left, [0.0, 0.0, 0.75, 0.0], atol=1e-9)     # from the left: G·[x > 0]
    np.testing.assert_allclose(d.central, [0.0, -1.0, 0.75, 0.625], atol=1e-9)  # their mean at 0
    np.testing.assert_array_equal(x, [-1.0, 0.0, 0.5, 0.0])  # x restored exactly


def test_curvature_is_not_a_kink():
    """J = 5·Σx² near its minimum: the one-sided derivatives differ by 2h·5·2 = 2e-5, more than a
    tight tolerance allows, but the gap grows with the step: a smooth function, no kink."""
    x = np.array([1e-7, -3e-7])
    J = lambda: float(5 * np.sum(x * x))  # noqa: E731
    d = differences(J, x)
    find_kinks(J, x, d, atol=1e-12)
    assert not d.kink.any()
    np.testing.assert_allclose(d.central, 10 * np.array([1e-7, -3e-7]), atol=1e-9)


@pytest.mark.parametrize("at_zero, passes", [(0.0, True), (1.0, True), (0.4, True), (7.0, False),
                                             (-1.0, False)])
def test_at_a_kink_a_value_between_the_one_sided_derivatives_passes(at_zero, passes):
    """ReLU′(0): any value in [0, 1] times top_diff is a subgradient; 7 or −1 is not."""
    x, G = np.array([0.0, 2.0]), np.array([1.5, 1.5])
    J = relu_objective(x, G)
    d = differences(J, x)
    find_kinks(J, x, d, atol=1e-12)
    verdict = judge(G * np.array([at_zero, 1.0]), d, atol=1e-12)
    assert verdict.bad.tolist() == [not passes, False]


def test_every_element_is_judged_by_its_own_allowance():
    """|a − n| ≤ atol + rtol·|n|: 1e-3 off a value of 1e4 passes (1e-7 relative, under 1e-6·1e4 =
    1e-2), 1e-3 off a value of 1 does not, whatever the largest element is."""
    x = np.zeros(2)
    J = lambda: float(1e4 * x[0] + x[1])  # noqa: E731
    d = differences(J, x)
    verdict = judge(np.array([1e4 + 1e-3, 1.0 + 1e-3]), d, atol=1e-9)
    assert verdict.bad.tolist() == [False, True]
    assert verdict.worst == (1,)
    assert verdict.abs_error[1] == pytest.approx(1e-3, rel=1e-4)


def test_the_absolute_floor_follows_the_rounding_noise_of_J():
    """atol = 100·ε·S/h + 1000·ε·max|n|, S the size of what J adds up."""
    assert tolerance_floor(6.0, np.array([0.5, -2.0])) == pytest.approx(
        100 * ROUNDING * 6.0 / 1e-6 + 1000 * ROUNDING * 2.0)
    assert tolerance_floor(0.0, np.zeros(3)) == 0.0


def test_inputs_are_drawn_from_every_region():
    rng = np.random.default_rng(0)
    assert list(REGIONS) == ["normal", "small", "large", "zeros"]
    small, large, zeros = (draw(rng, (4, 3), r) for r in ("small", "large", "zeros"))
    assert np.all(np.abs(small) <= 0.1)
    assert np.all((np.abs(large) >= 2) & (np.abs(large) <= 8)) and (large < 0).any() and (large > 0).any()
    values, counts = np.unique(zeros, return_counts=True)
    assert np.sum(zeros == 0.0) == 4 and counts.max() >= 4  # a third exact zeros, a third repeated
    assert draw(rng, (1, 1), "zeros").tolist() == [[0.0]]


def test_top_diff_is_random_and_never_near_zero_or_one():
    rng = np.random.default_rng(1)
    G = random_top(rng, (50, 4))
    assert np.all((np.abs(G) >= 0.5) & (np.abs(G) <= 1.5)) and (G < 0).any()
    assert len(np.unique(G)) == G.size
    scalars = [float(random_top(rng, ())) for _ in range(50)]
    assert all(1.25 <= abs(s) <= 1.75 for s in scalars)


def test_factors_and_thresholds_in_words():
    assert _nice(0.5) == "1/2" and _nice(-0.25) == "-1/4" and _nice(1 / 3) == "1/3"
    assert _nice(4.0) == "4" and _nice(0.123456) is None
    assert _round_between(2.51, 3.02, above=True) == 3      # "|z| > 3"
    assert _round_between(2.97, 3.0, above=True) == 2.99    # 3 itself fails: a finer number
    assert _round_between(-0.01, 0.0, above=False) == 0     # "z < 0"


def test_what_changed_and_what_was_raised_in_one_line():
    before, after = np.array([[1.0, -2.0]]), np.array([[1.0, 0.0]])
    assert first_change(before, after, "z") == "z[0, 1] was -2, became 0"
    assert first_change(before, before.copy(), "z") is None
    assert raised(SystemExit(0)).startswith("SystemExit(0), i.e. sys.exit()")
    assert raised(KeyboardInterrupt()) == "KeyboardInterrupt"
    assert raised(ValueError("bad\nthing")) == "ValueError: bad thing"
