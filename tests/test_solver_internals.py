"""Private helpers of the solvers against their docstrings, worked by hand or with numpy: lasso's
SUPPORT SOLVE (``_support_solve``), the jump of coordinate descent toward the optimum on a known
support, and ``_lipschitz``, the step size of FISTA."""

import importlib

import numpy as np
import pytest
import scipy.sparse as sp

lasso_module = importlib.import_module("course_utils.solvers.lasso")


def test_the_walk_stops_where_one_weight_reaches_zero_and_sets_it_to_exactly_zero():
    # G = I, X^T y = (1, -1), n = 1, no penalty: the quadratic's minimizer on the support is
    # (1, -1). From w = (0.5, 0.5) (signs +, +) the walk toward it crosses 0 in the second weight
    # at t = 0.5 / (0.5 + 1) = 1/3, at (0.5 + (1 - 0.5) / 3, 0) = (2/3, 0), where the objective
    # v^T G v / 2 - (X^T y)^T v is 2/9 - 2/3 = -4/9, below its 0.25 at w: that point is returned,
    # its second weight exactly 0 (it leaves the support), not the minimizer past it.
    w = lasso_module._support_solve(np.eye(2), np.array([1.0, -1.0]), 1, np.array([0.5, 0.5]),
                                    0.0, 0.0)
    np.testing.assert_allclose(w, [2.0 / 3.0, 0.0], rtol=1e-15)
    assert w[1] == 0.0


def test_without_a_crossing_the_walk_goes_to_the_end():
    # The same with X^T y = (1, 2): the minimizer (1, 2) keeps both signs, so it is returned.
    w = lasso_module._support_solve(np.eye(2), np.array([1.0, 2.0]), 1, np.array([0.5, 0.5]),
                                    0.0, 0.0)
    np.testing.assert_allclose(w, [1.0, 2.0], rtol=1e-15)


def test_with_more_weights_than_samples_the_walk_slides_along_the_null_space():
    # One sample (n = 1), x = (1, 1), y = 1: G = [[1, 1], [1, 1]] is singular (no solve). From
    # w = (1.5, -0.5) (fit x^T w = 1 = y, signs s = (+, -)) the null space of x is spanned by
    # (1, -1)/sqrt(2), where s lies: d = -s = (-1, 1). Both weights shrink along d; the second
    # reaches 0 first, at t = 0.5: (1.0, 0.0), the same fit, the L1 norm down from 2 to 1.
    w_S = np.array([1.5, -0.5])
    w = lasso_module._support_solve(np.ones((2, 2)), np.array([1.0, 1.0]), 1, w_S, 0.1, 0.0)
    np.testing.assert_allclose(w, [1.0, 0.0], rtol=1e-15, atol=1e-15)
    assert w[1] == 0.0


def test_a_slide_that_would_shrink_no_weight_is_no_step():
    # The same from w = (0.5, 0.5): s = (+, +) is orthogonal to the null space, d = 0.
    w = lasso_module._support_solve(np.ones((2, 2)), np.array([1.0, 1.0]), 1,
                                    np.array([0.5, 0.5]), 0.1, 0.0)
    assert w is None


@pytest.mark.parametrize("shape", [(30, 2), (2, 5), (40, 6)], ids=["thin", "short", "wide"])
@pytest.mark.parametrize("sparse", [False, True])
def test_lipschitz_is_the_largest_eigenvalue_of_the_centered_gram_over_n(shape, sparse):
    # "Largest eigenvalue of X_c^T X_c / n, X_c the (implicitly) centered X": dense for n or p
    # at most 2, by ARPACK otherwise; numpy's eigvalsh of the explicitly centered X here.
    rng = np.random.default_rng(1)
    X = rng.standard_normal(shape) + 3.0
    offset = rng.uniform(1.0, 4.0, size=shape[1])
    Xc = X - offset
    expected = np.linalg.eigvalsh(Xc.T @ Xc / shape[0]).max()
    got = lasso_module._lipschitz(sp.csr_matrix(X) if sparse else X, offset)
    assert got == pytest.approx(expected, rel=1e-9)


def test_ridge_fallback_for_a_singular_system_still_adds_alpha():
    # ridge on a singular X with alpha lost in the rounding of X^T X + alpha I: the direction
    # not in X gets no weight, and alpha is still added elsewhere. Two equal columns make
    # A's block [[1, 1], [1, 1]] singular even with alpha = 1e-17 added (1 + 1e-17 rounds to 1);
    # a third column, orthogonal to them with ||x_3||^2 = 2 a^2 = 1e-10, keeps alpha: by hand its
    # weight is x_3^T y / (||x_3||^2 + alpha) = a / (1e-10 + 1e-17), and the equal columns share
    # their least-squares weight 1 (the minimum norm split, 0.5 each).
    from course_utils.solvers import ridge

    a = np.sqrt(5e-11)
    X = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, a], [0.0, 0.0, -a], [0.0, 0.0, 0.0]])
    y = np.array([1.0, 1.0, 0.0, 0.0])
    alpha = 1e-17
    fit = ridge(X, y, alpha, fit_intercept=False)
    np.testing.assert_allclose(fit.coef, [0.5, 0.5, a / (2 * a * a + alpha)], rtol=1e-12)
