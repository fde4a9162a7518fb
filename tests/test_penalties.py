"""Tests of course_utils.penalties: hand-made values, property tests, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_utils.penalties import (
    hard_threshold,
    l0_norm,
    l1_norm,
    l1_subgradient,
    l2_gradient,
    l2_squared,
    soft_threshold,
)

FAST = settings(max_examples=100, deadline=None)
finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
thresholds = st.floats(0.0, 1e3, allow_nan=False, allow_infinity=False)
vectors = arrays(np.float64, st.integers(1, 20), elements=finite)


# ---- hand-made values -------------------------------------------------------------------------


def test_norms_by_hand():
    w = [3.0, 0.0, -4.0, 0.5]
    assert l0_norm(w) == 3
    assert l0_norm(w, tol=0.5) == 2  # |0.5| is not > 0.5
    assert l1_norm(w) == 7.5
    assert l2_squared(w) == 25.25
    np.testing.assert_array_equal(l1_subgradient(w), [1.0, 0.0, -1.0, 1.0])
    np.testing.assert_array_equal(l2_gradient(w), [6.0, 0.0, -8.0, 1.0])


def test_soft_threshold_by_hand():
    np.testing.assert_array_equal(
        soft_threshold([-3.0, -1.0, 0.0, 0.5, 2.5], 1.0), [-2.0, 0.0, 0.0, 0.0, 1.5]
    )
    assert soft_threshold(0.1, 0.3) == 0.0
    assert isinstance(soft_threshold(2.0, 0.5), float)
    assert soft_threshold(2.0, 0.5) == 1.5
    assert soft_threshold(np.ones((2, 3)), 0.25).shape == (2, 3)


def test_hard_threshold_by_hand_and_ties():
    np.testing.assert_array_equal(hard_threshold([0.5, -3.0, 2.0, 1.0], 2), [0.0, -3.0, 2.0, 0.0])
    # Ties: the earlier entry wins.
    np.testing.assert_array_equal(hard_threshold([1.0, -1.0, 1.0], 2), [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(hard_threshold([1.0, 2.0], 0), [0.0, 0.0])
    np.testing.assert_array_equal(hard_threshold([1.0, 2.0], 2), [1.0, 2.0])
    np.testing.assert_array_equal(hard_threshold([[1.0, 4.0], [3.0, 2.0]], 2), [[0, 4], [3, 0]])


def test_hard_threshold_many_ties_keep_the_first_in_c_order():
    # 1,000 equal magnitudes with random signs: exactly the first k positions survive, as the
    # docstring says (a stable sort); an unstable sort would pick others
    rng = np.random.default_rng(3)
    x = rng.choice([-1.0, 1.0], size=1000)
    for k in (1, 37, 500, 999):
        kept = np.flatnonzero(hard_threshold(x, k))
        np.testing.assert_array_equal(kept, np.arange(k))
    # a larger magnitude anywhere wins first, then the ties in order
    y = np.full(12, -0.5)
    y[[7, 10]] = [2.0, -2.0]
    np.testing.assert_array_equal(np.flatnonzero(hard_threshold(y, 5)), [0, 1, 2, 7, 10])
    # 2-D: C order (row after row), not column order
    grid = np.ones((3, 4))
    np.testing.assert_array_equal(hard_threshold(grid, 6), [[1, 1, 1, 1], [1, 1, 0, 0],
                                                             [0, 0, 0, 0]])
    # ties among zeros: "kept" zeros stay zero, fewer than k non-zeros
    assert np.count_nonzero(hard_threshold([0.0, 3.0, 0.0, 0.0], 3)) == 1


def test_no_overflow_below_the_float64_limit():
    assert l1_norm([1e308, -5e307]) == 1.5e308
    assert l2_squared([1e154]) == pytest.approx(1e308)
    np.testing.assert_array_equal(l2_gradient([8e307]), [1.6e308])


# ---- properties -------------------------------------------------------------------------------


@FAST
@given(x=st.floats(-10, 10), t=st.floats(0, 5))
def test_soft_threshold_minimizes_prox_objective(x, t):
    z = soft_threshold(x, t)
    grid = np.linspace(-15.0, 15.0, 30_001)  # spacing 1e-3
    objective = 0.5 * (grid - x) ** 2 + t * np.abs(grid)
    f_z = 0.5 * (z - x) ** 2 + t * abs(z)
    assert f_z <= objective.min() + 1e-12
    # ... and it is the grid minimizer, up to the grid spacing.
    assert abs(z - grid[np.argmin(objective)]) <= 1e-3


@FAST
@given(x=vectors, t=thresholds)
def test_soft_threshold_sign_magnitude_and_dead_zone(x, t):
    z = soft_threshold(x, t)
    assert np.all(np.abs(z) <= np.abs(x))
    assert np.all((z == 0) | (np.sign(z) == np.sign(x)))
    np.testing.assert_array_equal(z == 0.0, np.abs(x) <= t)


@FAST
@given(x=vectors, data=st.data())
def test_hard_threshold_keeps_k_largest(x, data):
    k = data.draw(st.integers(0, x.size))
    z = hard_threshold(x, k)
    kept = np.flatnonzero(z)
    assert kept.size <= k
    np.testing.assert_array_equal(z[kept], x[kept])
    dropped = np.setdiff1d(np.arange(x.size), kept)
    if kept.size and dropped.size:
        assert np.abs(x[dropped]).max() <= np.abs(x[kept]).min()
    # Exactly k entries survive unless some of the k largest are zeros themselves.
    assert kept.size == min(k, np.count_nonzero(x))


@FAST
@given(w=vectors)
def test_norm_inequalities(w):
    l0, l1, l2sq = l0_norm(w), l1_norm(w), l2_squared(w)
    linf = float(np.max(np.abs(w)))
    rel = 1e-9 * (1.0 + l1 * l1)
    assert l2sq <= l1 * l1 + rel
    assert l1 * l1 <= l0 * l2sq + rel
    assert linf <= l1 + 1e-9 * (1 + l1)
    assert l1 <= l0 * linf + 1e-9 * (1 + l1)


@FAST
@given(w=vectors)
def test_gradients(w):
    g = l1_subgradient(w)
    assert np.all((-1.0 <= g) & (g <= 1.0))
    np.testing.assert_array_equal(g[w != 0], np.sign(w[w != 0]))
    np.testing.assert_array_equal(g[w == 0], 0.0)
    np.testing.assert_array_equal(l2_gradient(w), 2 * w)


# ---- bad input --------------------------------------------------------------------------------

BAD = [
    (l0_norm, ([np.nan],), ValueError, "w"),
    (l0_norm, ("abc",), TypeError, "w"),
    (l0_norm, ([1.0], -1.0), ValueError, "tol"),
    (l0_norm, ([1.0], "0"), TypeError, "tol"),
    (l1_norm, ([np.inf],), ValueError, "w"),
    (l1_norm, (None,), TypeError, "w"),
    (l2_squared, (["a", "b"],), TypeError, "w"),
    (l1_subgradient, ([1.0, np.nan],), ValueError, "w"),
    (l2_gradient, ({"a": 1},), TypeError, "w"),
    (soft_threshold, ([1.0], -0.1), ValueError, "t"),
    (soft_threshold, ([1.0], np.nan), ValueError, "t"),
    (soft_threshold, ([1.0], None), TypeError, "t"),
    (soft_threshold, ([1.0], [0.5]), TypeError, "t"),
    (soft_threshold, ([np.nan], 1.0), ValueError, "x"),
    (soft_threshold, ("1.0", 1.0), TypeError, "x"),
    (hard_threshold, ([1.0, 2.0], -1), ValueError, "k"),
    (hard_threshold, ([1.0, 2.0], 3), ValueError, "k"),
    (hard_threshold, ([1.0, 2.0], 1.5), TypeError, "k"),
    (hard_threshold, ([np.inf], 1), ValueError, "x"),
    # results that overflow float64 would be inf: refused
    (l1_norm, ([1e308, 1e308],), ValueError, "w"),
    (l2_squared, ([1e200],), ValueError, "w"),
    (l2_gradient, ([1e308, 1.0],), ValueError, "w"),
    # not real numbers; booleans where a threshold or a gradient means nothing
    (l0_norm, (np.array([1, 2], dtype="m8[s]"),), TypeError, "w"),
    (l1_norm, (np.array(["2020-01-01"], dtype="M8[D]"),), TypeError, "w"),
    (l2_squared, (np.array([1 + 1j]),), TypeError, "w"),
    (l1_norm, (np.array([1.0, 2.0], dtype=object),), TypeError, "w"),
    (soft_threshold, ([True, False], 0.5), TypeError, "x"),
    (hard_threshold, (np.array([True, False]), 1), TypeError, "x"),
    (l1_subgradient, ([True],), TypeError, "w"),
    (l2_gradient, (np.array([False]),), TypeError, "w"),
    (soft_threshold, ([1.0], np.timedelta64(1, "s")), TypeError, "t"),
    # integers too large for a float
    (soft_threshold, ([1.0], 10**400), ValueError, "t"),
    (l0_norm, ([1.0], 10**400), ValueError, "tol"),
    (hard_threshold, ([1.0, 2.0], 10**400), ValueError, "k"),
    (hard_threshold, ([1.0, 2.0], np.timedelta64(1)), TypeError, "k"),
]


@pytest.mark.parametrize("func, args, exc, name", BAD)
def test_bad_input_names_the_argument(func, args, exc, name):
    with pytest.raises(exc, match=rf"^{name} "):
        func(*args)


def test_empty_weights_work_as_in_numpy():
    # no weights: no penalty, and every elementwise result is empty (issue 24: a learner's
    # l1_step built on soft_threshold was refused on the empty array)
    empty = np.array([])
    assert l0_norm(empty) == np.count_nonzero(empty) == 0
    assert l1_norm(empty) == l2_squared(empty) == float(np.sum(empty)) == 0.0
    for result in (l1_subgradient(empty), l2_gradient(empty), soft_threshold(empty, 0.5),
                   hard_threshold(empty, 0), soft_threshold(np.zeros((2, 0)), 0.5)):
        assert result.size == 0 and result.dtype == np.float64
    assert soft_threshold(np.zeros((2, 0)), 0.5).shape == (2, 0)
    with pytest.raises(ValueError, match="^k "):
        hard_threshold(empty, 1)
