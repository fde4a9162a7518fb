"""Batch solvers (lasso, elastic_net, ridge, logistic_l1): agreement with scikit-learn,
optimality (KKT) checked directly, and bad input."""

import functools
import importlib
import inspect
import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import ElasticNet, Lasso, LogisticRegression, Ridge
from sklearn.linear_model import lasso_path as sklearn_lasso_path

from course_utils._validation import MAX_ITER
from course_utils.datasets import load_breast_cancer, load_digits
from course_utils.exercises.ex05 import wide_adult_split
from course_utils.solvers import (
    best_subset,
    elastic_net,
    ftrl_proximal,
    iht,
    lasso,
    lasso_path,
    logistic_l1,
    ridge,
    sgd_l1,
)

SEEDS = range(5)
TIGHT = {"tol": 1e-12, "max_iter": 100_000}


def make_problem(seed, sparse, n=80, p=30):
    """A seeded regression problem: shifted features (so the intercept matters), half zeros."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + rng.uniform(-1, 2, size=p)
    X[rng.random((n, p)) < 0.5] = 0.0
    w_true = np.zeros(p)
    w_true[: p // 5] = rng.choice([-3.0, 3.0], p // 5)
    y = X @ w_true + rng.standard_normal(n) + 1.5
    return (sp.csr_matrix(X) if sparse else X), X, y


def alpha_max(X, y, fit_intercept):
    """Smallest alpha for which the Lasso solution is 0."""
    if fit_intercept:
        X, y = X - X.mean(axis=0), y - y.mean()
    return np.max(np.abs(X.T @ y)) / len(y)


def enet_objective(X, y, w, b, alpha, l1_ratio=1.0):
    residual = y - X @ w - b
    return (residual @ residual / (2 * len(y)) + alpha * l1_ratio * np.abs(w).sum()
            + alpha * (1 - l1_ratio) / 2 * w @ w)


def assert_enet_kkt(X, y, result, alpha, l1_ratio=1.0, atol=1e-6):
    """Optimality, independent of scikit-learn: X_j^T residual / n - l2 w_j is l1 sign(w_j)
    where w_j != 0 and lies in [-l1, l1] where w_j = 0."""
    w = result.coef
    residual = y - X @ w - result.intercept
    grad = X.T @ residual / len(y) - alpha * (1 - l1_ratio) * w
    l1, zero = alpha * l1_ratio, w == 0
    assert np.all(np.abs(grad[zero]) <= l1 + atol)
    np.testing.assert_allclose(grad[~zero], l1 * np.sign(w[~zero]), rtol=0, atol=atol)
    assert abs(residual.mean()) < 1e-8 or result.intercept == 0.0


def assert_agrees(ours, theirs_coef, theirs_intercept, objective):
    """Objective within 1e-6 relative of scikit-learn's, weights within 1e-4."""
    f_ours, f_theirs = objective(ours.coef, ours.intercept), objective(theirs_coef,
                                                                        theirs_intercept)
    assert f_ours <= f_theirs * (1 + 1e-6)
    assert f_theirs <= f_ours * (1 + 1e-6)
    np.testing.assert_allclose(ours.coef, theirs_coef, rtol=0, atol=1e-4)
    assert abs(ours.intercept - theirs_intercept) <= 1e-4


# ----------------------------------------------------------------------------- lasso


@pytest.mark.parametrize("method", ["cd", "fista"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_lasso_agrees_with_sklearn_and_is_optimal(seed, sparse, fit_intercept, method):
    X_in, X, y = make_problem(seed, sparse)
    alpha = alpha_max(X, y, fit_intercept) / (4 + 3 * seed)
    ours = lasso(X_in, y, alpha, method=method, fit_intercept=fit_intercept, **TIGHT)
    theirs = Lasso(alpha=alpha, fit_intercept=fit_intercept, **TIGHT).fit(X_in, y)
    assert ours.converged
    assert 0 < np.count_nonzero(ours.coef) < X.shape[1]  # a real Lasso problem
    assert_agrees(ours, theirs.coef_, theirs.intercept_,
                  lambda w, b: enet_objective(X, y, w, b, alpha))
    assert_enet_kkt(X, y, ours, alpha)
    assert ours.history[-1] <= ours.history[0]


@pytest.mark.parametrize("method", ["cd", "fista"])
def test_lasso_above_alpha_max_is_zero(method):
    _, X, y = make_problem(0, False)
    result = lasso(X, y, 1.01 * alpha_max(X, y, True), method=method)
    assert result.converged and np.all(result.coef == 0.0)
    assert result.intercept == pytest.approx(y.mean())


@pytest.mark.parametrize(
    "n, p, shrink", [(300, 5, 50), (40, 200, 10), (50, 1, 50)], ids=["tall", "wide", "one-feature"]
)
def test_lasso_cd_and_fista_on_other_shapes(n, p, shrink):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) + rng.standard_normal(n)
    # tall: a dense solution, the working set grows to all of p; wide: support near n
    alpha = alpha_max(X, y, True) / shrink
    for method in ("cd", "fista"):
        ours = lasso(X, y, alpha, method=method, **TIGHT)
        assert ours.converged
        assert_enet_kkt(X, y, ours, alpha, atol=1e-6)
    theirs = Lasso(alpha=alpha, **TIGHT).fit(X, y)
    np.testing.assert_allclose(ours.coef, theirs.coef_, atol=1e-4)



def _reference_fista(X, y, alpha, steps):
    """FISTA as Beck & Teboulle (2009) write it, with O'Donoghue & Candes' (2015) function-value
    restart, on the centered Lasso: the objective before each of ``steps`` steps."""
    n = X.shape[0]
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    L = np.linalg.norm(Xc, 2) ** 2 / n  # Lipschitz constant of the gradient

    def objective(w):
        return (yc - Xc @ w) @ (yc - Xc @ w) / (2 * n) + alpha * np.abs(w).sum()

    x = x_prev = np.zeros(X.shape[1])
    t, objectives = 1.0, []
    for _ in range(steps):
        if objectives and objective(x) > objectives[-1]:
            t = 1.0  # restart
        objectives.append(objective(x))
        t_next = (1 + np.sqrt(1 + 4 * t**2)) / 2
        z = x + (t - 1) / t_next * (x - x_prev)
        v = z + Xc.T @ (yc - Xc @ z) / n / L
        x_prev, x, t = x, np.sign(v) * np.maximum(np.abs(v) - alpha / L, 0.0), t_next
    return np.array(objectives)


def test_lasso_fista_takes_the_steps_of_the_paper():
    # Both methods reach the same minimum, whatever their step rules: only the path there shows
    # FISTA's own. Eight correlated features (one working set), stopped after 40 steps.
    rng = np.random.default_rng(3)
    X = rng.standard_normal((60, 8)) @ (np.eye(8) + 0.9 * rng.standard_normal((8, 8)))
    y = X @ rng.standard_normal(8) + rng.standard_normal(60)
    alpha = alpha_max(X, y, True) / 20
    with pytest.warns(ConvergenceWarning):
        ours = lasso(X, y, alpha, method="fista", tol=1e-15, max_iter=40)
    assert ours.n_iter == 40 and len(ours.history) == 40
    np.testing.assert_allclose(ours.history, _reference_fista(X, y, alpha, 40), rtol=1e-9)

def test_lasso_constant_column_and_warm_start():
    _, X, y = make_problem(2, False)
    X[:, 3] = 7.0  # constant: centered, it is all zeros and its weight must stay 0
    alpha = alpha_max(X, y, True) / 10
    cold = lasso(X, y, alpha, **TIGHT)
    assert cold.coef[3] == 0.0
    warm = lasso(X, y, alpha, coef_init=cold.coef, **TIGHT)
    assert warm.n_iter <= 1
    np.testing.assert_allclose(warm.coef, cold.coef, atol=1e-10)


def test_lasso_gap_stopping_rule_matches_sklearn_scaling():
    """At the default tol both stop with an objective within tol * ||y_c||^2 / n of the
    optimum (the gap bounds the suboptimality)."""
    _, X, y = make_problem(3, False)
    alpha = alpha_max(X, y, True) / 10
    best = lasso(X, y, alpha, **TIGHT)
    loose = lasso(X, y, alpha, tol=1e-4)
    f = [enet_objective(X, y, r.coef, r.intercept, alpha) for r in (best, loose)]
    yc = y - y.mean()
    assert 0 <= f[1] - f[0] <= 1e-4 * (yc @ yc) / len(y)


# ----------------------------------------------------------------------------- elastic net


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_elastic_net_agrees_with_sklearn_and_is_optimal(seed, sparse, fit_intercept):
    X_in, X, y = make_problem(seed, sparse)
    l1_ratio = [0.1, 0.3, 0.5, 0.7, 0.9][seed]
    alpha = alpha_max(X, y, fit_intercept) / (2 + seed)
    ours = elastic_net(X_in, y, alpha, l1_ratio, fit_intercept=fit_intercept, **TIGHT)
    theirs = ElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept,
                        **TIGHT).fit(X_in, y)
    assert ours.converged
    assert_agrees(ours, theirs.coef_, theirs.intercept_,
                  lambda w, b: enet_objective(X, y, w, b, alpha, l1_ratio))
    assert_enet_kkt(X, y, ours, alpha, l1_ratio)


def test_elastic_net_l1_ratio_zero_is_ridge_scaled_by_n():
    _, X, y = make_problem(1, False)
    n, alpha = len(y), 0.3  # 1/(2n)||r||^2 + alpha/2 ||w||^2  =  (||r||^2 + n alpha ||w||^2) / (2n)
    ours = elastic_net(X, y, alpha, 0.0, **TIGHT)
    np.testing.assert_allclose(ours.coef, ridge(X, y, n * alpha).coef, atol=1e-5)
    assert_enet_kkt(X, y, ours, alpha, 0.0, atol=1e-5)


def test_elastic_net_l1_ratio_one_is_lasso():
    _, X, y = make_problem(4, False)
    alpha = alpha_max(X, y, True) / 8
    np.testing.assert_allclose(elastic_net(X, y, alpha, 1.0, **TIGHT).coef,
                               lasso(X, y, alpha, **TIGHT).coef, atol=1e-10)


# ----------------------------------------------------------------------------- ridge


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_agrees_with_sklearn_and_is_optimal(seed, sparse, fit_intercept):
    # seeds 3 and 4 are wide (p > n): the n x n dual system is used
    n, p = [(80, 30), (60, 5), (100, 40), (20, 35), (15, 60)][seed]
    X_in, X, y = make_problem(seed, sparse, n=n, p=p)
    alpha = [0.1, 1.0, 10.0, 3.0, 0.5][seed]
    ours = ridge(X_in, y, alpha, fit_intercept=fit_intercept)
    theirs = Ridge(alpha=alpha, fit_intercept=fit_intercept, tol=1e-12).fit(X_in, y)

    def objective(w, b):
        residual = y - X @ w - b
        return residual @ residual + alpha * w @ w

    assert_agrees(ours, theirs.coef_, theirs.intercept_, objective)
    assert ours.history == [pytest.approx(objective(ours.coef, ours.intercept))]
    residual = y - X @ ours.coef - ours.intercept
    # gradient 2 (alpha w - X^T residual) = 0, and the residual sums to 0 with an intercept
    np.testing.assert_allclose(X.T @ residual, alpha * ours.coef, atol=1e-8)
    if fit_intercept:
        assert abs(residual.sum()) < 1e-8


def test_ridge_alpha_zero_is_least_squares():
    _, X, y = make_problem(1, False, n=50, p=6)
    ours = ridge(X, y, 0.0)
    A = np.column_stack([X, np.ones(len(y))])
    expected = np.linalg.lstsq(A, y, rcond=None)[0]
    np.testing.assert_allclose(ours.coef, expected[:-1], atol=1e-10)
    assert ours.intercept == pytest.approx(expected[-1])


# ----------------------------------------------------------------------------- logistic_l1


def sklearn_l1_logistic(C, fit_intercept, **kwargs):
    """scikit-learn's L1 logistic regression, built without a warning on 1.4 ... 1.9+.

    ``penalty`` is deprecated from 1.8 (default "deprecated"; ``l1_ratio=1`` means L1);
    before 1.8, ``l1_ratio`` without ``penalty="elasticnet"`` warns, so use ``penalty="l1"``.
    """
    params = inspect.signature(LogisticRegression).parameters
    if "penalty" not in params or params["penalty"].default == "deprecated":
        return LogisticRegression(C=C, l1_ratio=1.0, fit_intercept=fit_intercept, **kwargs)
    return LogisticRegression(penalty="l1", C=C, fit_intercept=fit_intercept, **kwargs)


def make_classification(seed, sparse, n=120, p=12):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5
    X[rng.random((n, p)) < 0.4] = 0.0
    w_true = np.zeros(p)
    w_true[:4] = rng.choice([-2.0, 2.0], 4)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w_true + 0.5)))).astype(float)
    return (sp.csr_matrix(X) if sparse else X), X, y


def log_loss_objective(X, y, w, b, alpha):
    margin = X @ w + b
    return np.mean(np.logaddexp(0.0, margin) - y * margin) + alpha * np.abs(w).sum()


def test_objective_change_is_the_difference_of_the_objectives():
    # As _objective_change documents: the change of the mean log-loss plus L1 penalty, term by
    # term. Each term alone (one margin): for |d| large the plain difference of logaddexp is exact
    # enough; for tiny d the Taylor series of log(1 + e^(m + d)) in d, with q = expit(m):
    # q d + q (1 - q) d^2 / 2 + q (1 - q) (1 - 2 q) d^3 / 6 (next term below 1e-17 relative).
    from course_utils.solvers.logistic import _objective_change

    w, w_new, alpha = np.array([0.5, -1.0]), np.array([0.25, 0.0]), 0.1
    penalty = alpha * (0.25 - 1.5)
    for m in [-3.0, -0.5, 0.0, 0.7, 4.0]:
        for y in [0.0, 1.0]:
            for d in [-3.0, -2.0, -1.5, -1.0, -0.4, 0.4, 1.0, 1.25, 1.5, 2.0, 3.0]:
                plain = np.logaddexp(0.0, m + d) - np.logaddexp(0.0, m) - y * d + penalty
                got = _objective_change(np.array([m]), np.array([d]), np.array([y]), w, w_new,
                                        alpha)
                assert got == pytest.approx(plain, rel=1e-12, abs=1e-15), (m, y, d)
            for d in [1e-6, -1e-9, 3e-12]:
                q = 1.0 / (1.0 + np.exp(-m))
                taylor = q * d + q * (1 - q) * d**2 / 2 + q * (1 - q) * (1 - 2 * q) * d**3 / 6
                got = _objective_change(np.array([m]), np.array([d]), np.array([y]), w, w,
                                        alpha)
                assert got == pytest.approx(taylor - y * d, rel=1e-12), (m, y, d)


@pytest.mark.parametrize("method", ["fista", "newton"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_l1_agrees_with_sklearn_saga_and_is_optimal(seed, sparse, fit_intercept, method):
    X_in, X, y = make_classification(seed, sparse)
    n, alpha = len(y), [0.02, 0.03, 0.04, 0.05, 0.06][seed]
    ours = logistic_l1(X_in, y, alpha, method=method, fit_intercept=fit_intercept, tol=1e-10,
                       max_iter=100_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the helper must build the estimator without a warning
        # saga does not penalize the intercept: the same problem, with C = 1 / (n alpha)
        theirs = sklearn_l1_logistic(1 / (n * alpha), fit_intercept, solver="saga",
                                     tol=1e-12, max_iter=100_000).fit(X_in, y)
    assert ours.converged
    assert 0 < np.count_nonzero(ours.coef) < X.shape[1]
    assert_agrees(ours, theirs.coef_.ravel(), float(np.ravel(theirs.intercept_)[0]),
                  lambda w, b: log_loss_objective(X, y, w, b, alpha))
    # KKT: grad_j = X_j^T (sigmoid(margin) - y) / n is -alpha sign(w_j) on the support,
    # in [-alpha, alpha] off it; the intercept's gradient is 0
    error = 1 / (1 + np.exp(-(X @ ours.coef + ours.intercept))) - y
    grad, zero = X.T @ error / n, ours.coef == 0
    assert np.all(np.abs(grad[zero]) <= alpha + 1e-8)
    np.testing.assert_allclose(grad[~zero], -alpha * np.sign(ours.coef[~zero]), atol=1e-8)
    if fit_intercept:
        assert abs(error.mean()) < 1e-8


def test_logistic_l1_fista_takes_the_steps_of_the_paper():
    # FISTA (Beck & Teboulle 2009) with O'Donoghue & Candes' (2015) function-value restart on
    # the mean log-loss, whose gradient is Lipschitz with L = ||X||_2^2 / (4 n) (the log-loss has
    # curvature at most 1/4). Any momentum rule reaches the same minimum: 30 steps show FISTA's.
    rng = np.random.default_rng(4)
    X = rng.standard_normal((80, 6)) @ (np.eye(6) + 0.5 * rng.standard_normal((6, 6)))
    y = (rng.random(80) < 1 / (1 + np.exp(-X @ rng.standard_normal(6)))).astype(float)
    n, alpha = X.shape[0], 0.01
    L = np.linalg.norm(X, 2) ** 2 / (4 * n)

    def objective(w):
        margin = X @ w
        return np.mean(np.logaddexp(0.0, margin) - y * margin) + alpha * np.abs(w).sum()

    x = x_prev = np.zeros(6)
    t, expected = 1.0, []
    for _ in range(30):
        if expected and objective(x) > expected[-1]:
            t = 1.0  # restart
        expected.append(objective(x))
        t_next = (1 + np.sqrt(1 + 4 * t**2)) / 2
        z = x + (t - 1) / t_next * (x - x_prev)
        v = z - X.T @ (1 / (1 + np.exp(-X @ z)) - y) / n / L
        x_prev, x, t = x, np.sign(v) * np.maximum(np.abs(v) - alpha / L, 0.0), t_next
    with pytest.warns(ConvergenceWarning):
        ours = logistic_l1(X, y, alpha, method="fista", fit_intercept=False, tol=1e-15,
                           max_iter=30)
    assert ours.n_iter == 30 and len(ours.history) == 30
    np.testing.assert_allclose(ours.history, expected, rtol=1e-9)


@pytest.mark.parametrize("method", ["fista", "newton"])
def test_logistic_l1_without_intercept_agrees_with_liblinear(method):
    X_in, X, y = make_classification(7, False)
    alpha = 0.02
    ours = logistic_l1(X, y, alpha, method=method, fit_intercept=False, tol=1e-10,
                       max_iter=100_000)
    theirs = sklearn_l1_logistic(1 / (len(y) * alpha), False, solver="liblinear",
                                 tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef, theirs.coef_.ravel(), atol=1e-4)


@pytest.mark.parametrize("method", ["fista", "newton"])
def test_logistic_l1_large_alpha_gives_zero_weights_and_the_log_odds_intercept(method):
    _, X, y = make_classification(0, False)
    result = logistic_l1(X, y, 10.0, method=method, tol=1e-10)
    assert np.all(result.coef == 0.0)
    assert result.intercept == pytest.approx(np.log(y.mean() / (1 - y.mean())), abs=1e-8)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_l1_newton_reaches_a_tight_tol_on_any_blas_kernel(seed, sparse):
    # Near the optimum a Newton step lowers the objective by about violation^2, far below the
    # objective's own rounding (1e-16 of it): the line search must measure the change term by
    # term, or it stalls around violation 1e-9 on some OpenBLAS kernels (Haswell, Prescott).
    X_in, _, y = make_classification(seed, sparse)
    alpha = [0.02, 0.03, 0.04, 0.05, 0.06][seed]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = logistic_l1(X_in, y, alpha, method="newton", tol=1e-13)
    assert result.converged
    assert result.n_iter == len(result.history) < 20


@pytest.mark.parametrize("seed", range(2))
def test_logistic_l1_newton_says_why_it_stops_below_the_rounding_floor(seed):
    # tol 1e-20 is below the gradient's own rounding: no step can lower the objective any more
    X_in, X, y = make_classification(seed, False)
    with pytest.warns(ConvergenceWarning, match=r"stopped after \d+ Newton steps, before "
                                                r"max_iter=1000: no step .* lowers the objective"):
        result = logistic_l1(X_in, y, 0.02, method="newton", tol=1e-20, max_iter=1000)
    assert result.converged is False
    assert result.n_iter == len(result.history) < 20  # the true count, not max_iter
    tight = logistic_l1(X_in, y, 0.02, method="newton", tol=1e-13)
    np.testing.assert_allclose(result.coef, tight.coef, rtol=0, atol=1e-10)


def rounding_problem(seed):
    """A small problem (n 20-60, p up to 200) built so that, near its optimum, a Newton step
    lowers the objective by less than the objective's rounding: by ``seed % 4``, large features
    (10 to 10^4) with few columns, duplicated (rescaled, flipped) columns, nearly separable
    labels (1% flipped), or large features with many columns; always a small alpha."""
    rng = np.random.default_rng(seed)
    kind = seed % 4
    n = int(rng.integers(20, 61))
    p = int(rng.choice([3, 5, 10, 20] if kind == 0 else [5, 20, 60, 200]))
    X = rng.standard_normal((n, p))
    if kind == 1:
        k = max(1, p // 4)
        X[:, -k:] = X[:, :k] * rng.choice([1.0, -1.0, 2.0], k)
    w = np.zeros(p)
    w[:2] = rng.choice([-1.0, 1.0], 2)
    y = ((X @ w > 0) ^ (rng.random(n) < (0.01 if kind == 2 else 0.2))).astype(float)
    y[:2] = [0.0, 1.0]
    X = X * 10.0 ** rng.uniform(*{0: (1, 4), 1: (0, 2), 2: (0, 1), 3: (2, 4)}[kind])
    alpha_max = np.max(np.abs(X.T @ (y - y.mean()))) / n
    return X, y, alpha_max * 10.0 ** -rng.uniform(0.3, 2.5)


def held_out_problems():
    """50-row subsets of the course's breast cancer (standardized) and digits (3 or not) data,
    at the alphas of notebook 04 and ten times smaller."""
    X_bc, y_bc = load_breast_cancer()
    X_bc = (X_bc - X_bc.mean()) / X_bc.std(ddof=0)
    X_digits, digit = load_digits()
    rng = np.random.default_rng(0)
    problems = []
    for X, y, alpha in [(X_bc.to_numpy(), y_bc, 5e-3), (X_bc.to_numpy(), y_bc, 5e-4),
                        (X_digits.to_numpy() / 16.0, digit == 3, 5e-3),
                        (X_digits.to_numpy() / 16.0, digit == 3, 5e-4)]:
        for _ in range(3):
            rows = rng.choice(len(y), 50, replace=False)
            problems.append((X[rows], np.asarray(y[rows], dtype=float), alpha))
    return problems


@pytest.mark.parametrize("tol", [1e-10, 1e-12])
def test_logistic_l1_newton_reaches_tol_wherever_fista_does(tol):
    # Issue 26: near the optimum a Newton step lowers the objective by about violation^2, below
    # the objective's rounding; the Armijo test then cannot see the decrease, and the line
    # search used to give up (on this family, before: at tol 1e-10 problem 54, at 1e-12 4-5 of
    # the 60 generated, on each of the default, Haswell and Prescott OpenBLAS kernels), where
    # FISTA, which has no line search, went on. Newton now keeps such a step when it lowers the
    # optimality measure (newGLMNET's rule), and runs its inner CD even when the inner gap is
    # at its rounding floor.
    problems = [rounding_problem(seed) for seed in range(60)] + held_out_problems()
    fista_reached = 0
    for i, (X, y, alpha) in enumerate(problems):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fista = logistic_l1(X, y, alpha, method="fista", tol=tol, max_iter=600)
            newton = logistic_l1(X, y, alpha, method="newton", tol=tol, max_iter=200)
        if fista.converged:
            fista_reached += 1
            assert newton.converged, f"problem {i}: FISTA reaches tol={tol:g}, Newton does not"
            f_fista, f_newton = (log_loss_objective(X, y, r.coef, r.intercept, alpha)
                                 for r in (fista, newton))
            assert f_newton <= f_fista * (1 + 1e-12), i
    assert fista_reached >= 4  # the family is no test if FISTA reaches tol nowhere (measured: 8, 6)


@pytest.mark.parametrize("alpha", [3e-3, 1e-3, 3e-4])
def test_logistic_l1_newton_and_fista_agree_on_the_wide_adult_crosses(alpha):
    # notebook 05's data: 5,000 x 2,882 sparse feature crosses, where the two methods differ most
    X, _, y, _, _ = wide_adult_split()
    fista = logistic_l1(X, y, alpha, method="fista", tol=1e-8, max_iter=100_000)
    newton = logistic_l1(X, y, alpha, method="newton", tol=1e-8)
    assert fista.converged and newton.converged
    assert newton.n_iter < 20 < fista.n_iter  # a few Newton steps against hundreds of FISTA's
    f_fista, f_newton = (log_loss_objective(X, y, r.coef, r.intercept, alpha)
                         for r in (fista, newton))
    assert abs(f_newton - f_fista) <= 1e-10 * f_fista
    # Not the same weights: one-hot groups sum to the intercept's column, so the minimizer is
    # not unique (measured: at alpha = 3e-3 FISTA keeps 34 weights, Newton 32, same objective).
    # Each must satisfy the optimality conditions.
    for result in (fista, newton):
        error = 1 / (1 + np.exp(-(X @ result.coef + result.intercept))) - y
        grad, zero = X.T @ error / len(y), result.coef == 0
        assert np.all(np.abs(grad[zero]) <= alpha + 1e-8)
        np.testing.assert_allclose(grad[~zero], -alpha * np.sign(result.coef[~zero]), atol=1e-8)
    assert np.all(np.diff(newton.history) < 0)  # the line search makes every step go down


# ----------------------------------------------------------------------------- bad input

_X = np.random.default_rng(0).standard_normal((20, 3))
_y = _X @ np.array([1.0, 0.0, -2.0])
_y01 = (_y > 0).astype(float)
_X_nan = _X.copy()
_X_nan[2, 1] = np.nan

SOLVERS = {
    "lasso_cd": lambda X=_X, y=_y, alpha=0.1, **kw: lasso(X, y, alpha, method="cd", **kw),
    "lasso_fista": lambda X=_X, y=_y, alpha=0.1, **kw: lasso(X, y, alpha, method="fista", **kw),
    "elastic_net": lambda X=_X, y=_y, alpha=0.1, **kw: elastic_net(X, y, alpha, **kw),
    "ridge": lambda X=_X, y=_y, alpha=0.1, **kw: ridge(X, y, alpha, **kw),
    "logistic_l1": lambda X=_X, y=_y01, alpha=0.1, **kw: logistic_l1(X, y, alpha, **kw),  # Newton
    "logistic_l1_fista": lambda X=_X, y=_y01, alpha=0.1, **kw: logistic_l1(
        X, y, alpha, method="fista", **kw),
}
# (case, keyword arguments, exception, word the message must contain)
BAD_INPUT = [
    ("mismatched lengths", {"y": _y[:-1]}, ValueError, "same number of rows"),
    ("NaN in X", {"X": _X_nan}, ValueError, "X must not contain NaN"),
    ("inf in y", {"y": np.where(np.arange(20) == 3, np.inf, _y)}, ValueError, "y must not"),
    ("negative alpha", {"alpha": -1.0}, ValueError, "alpha"),
    ("infinite alpha", {"alpha": np.inf}, ValueError, "alpha"),
    ("NaN alpha", {"alpha": np.nan}, ValueError, "alpha"),
    ("string alpha", {"alpha": "0.1"}, TypeError, "alpha"),
    ("empty X", {"X": np.empty((0, 3)), "y": np.empty(0)}, ValueError, "X must not be empty"),
    ("1-D X", {"X": _X[:, 0]}, ValueError, "X must be 2-D"),
    ("string X", {"X": "data"}, TypeError, "X"),
    ("strings in y", {"y": np.array(["a"] * 20)}, TypeError, "y"),
    ("fit_intercept string", {"fit_intercept": "no"}, TypeError, "fit_intercept"),
    ("max_iter zero", {"max_iter": 0}, ValueError, "max_iter"),
    ("negative tol", {"tol": -1e-3}, ValueError, "tol"),
    # integers beyond float64 (float() would raise OverflowError)
    ("alpha 10**400", {"alpha": 10**400}, ValueError, "alpha must be finite"),
    ("alpha -10**400", {"alpha": -(10**400)}, ValueError, "alpha must be finite"),
    ("tol 10**400", {"tol": 10**400}, ValueError, "tol must be finite"),
    # data whose X^T X or y^T y overflows (NaN weights) or underflows (zeros "converged")
    ("X * 1e200", {"X": _X * 1e200}, ValueError, "X is too large to fit in float64"),
    ("X * 1e200, CSR", {"X": sp.csr_matrix(_X * 1e200)}, ValueError, "X is too large"),
    ("X * 1e-200", {"X": _X * 1e-200}, ValueError, "X is too small to fit in float64"),
    ("y * 1e154", {"y": _y * 1e154}, ValueError, "y is too large to fit in float64"),
    ("X * 1e200, y * 1e154", {"X": _X * 1e200, "y": _y * 1e154}, ValueError, "X is too large"),
]
CLOSED_FORM_ONLY = ("max_iter zero", "negative tol", "tol 10**400")  # ridge has no tol, max_iter
LABELS_ONLY = ("y * 1e154", "X * 1e200, y * 1e154")  # logistic_l1's y holds 0 and 1


@pytest.mark.parametrize(
    "solver, kwargs, error, words",
    [pytest.param(solver, kwargs, error, words, id=f"{solver}-{case}")
     for solver in SOLVERS for case, kwargs, error, words in BAD_INPUT
     if not (solver == "ridge" and case in CLOSED_FORM_ONLY)
     and not (solver.startswith("logistic") and case in LABELS_ONLY)],
)
def test_bad_input_is_refused_naming_the_argument(solver, kwargs, error, words):
    with pytest.raises(error, match=words):
        SOLVERS[solver](**kwargs)


@pytest.mark.parametrize("solver", [name for name in SOLVERS if name != "ridge"])
def test_max_iter_is_capped_and_the_cap_itself_is_no_overflow(solver):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert SOLVERS[solver](max_iter=MAX_ITER).converged  # converges long before
    for too_many in (MAX_ITER + 1, 10**400):
        with pytest.raises(ValueError, match=f"max_iter must be <= {MAX_ITER:,}"):
            SOLVERS[solver](max_iter=too_many)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("method", ["fista", "newton"])
def test_logistic_l1_on_an_all_zero_X_gives_zero_weights_and_the_log_odds(method, sparse,
                                                                           fit_intercept):
    X = sp.csr_matrix((20, 3)) if sparse else np.zeros((20, 3))  # FISTA's ARPACK failed here
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = logistic_l1(X, _y01, 0.1, method=method, fit_intercept=fit_intercept)
    assert result.converged and np.all(result.coef == 0.0)
    log_odds = np.log(_y01.mean() / (1 - _y01.mean())) if fit_intercept else 0.0
    assert result.intercept == pytest.approx(log_odds, abs=1e-6)


@pytest.mark.parametrize("method", ["cd", "fista"])
def test_lasso_on_constant_columns_gives_zero_weights(method):
    # centered, X is 0: FISTA's Lipschitz constant (ARPACK) must not fail on it
    X = np.ones((20, 4)) * np.array([1.0, -2.0, 0.0, 3.0])
    result = lasso(X, _y, 0.1, method=method)
    assert result.converged and np.all(result.coef == 0.0)
    assert result.intercept == pytest.approx(_y.mean())


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("alpha", [1e-300, 1e-18])
def test_ridge_with_a_tiny_alpha_on_singular_X_is_the_minimum_norm_least_squares(alpha,
                                                                               sparse):
    X = np.column_stack([_X, _X[:, 0]])  # a repeated column: X^T X is singular
    result = ridge(sp.csr_matrix(X) if sparse else X, _y, alpha)  # was a LinAlgError
    Xc = X - X.mean(axis=0)
    expected = np.linalg.lstsq(Xc, _y - _y.mean(), rcond=None)[0]
    np.testing.assert_allclose(result.coef, expected, atol=1e-8)
    assert result.coef[0] == pytest.approx(result.coef[3])  # the repeat shares the weight


@pytest.mark.parametrize(
    "kwargs, error, words",
    [({"X": _X * 1e200}, ValueError, "X is too large"),
     ({"X": _X * 1e-200}, ValueError, "X is too small"),
     ({"y": _y * 1e154}, ValueError, "y is too large"),
     ({"tol": 10**400}, ValueError, "tol must be finite"),
     ({"alphas": [10**400]}, TypeError, "alphas"),
     ({"max_iter": 10**400}, ValueError, f"max_iter must be <= {MAX_ITER:,}"),
     ({"max_iter": MAX_ITER}, None, None)],
    ids=["X * 1e200", "X * 1e-200", "y * 1e154", "tol 10**400", "alphas [10**400]",
         "max_iter 10**400", "max_iter at the cap"],
)
def test_lasso_path_refuses_overflowing_input(kwargs, error, words):
    args = {"X": _X, "y": _y, "alphas": [0.1, 0.01], **kwargs}
    if error is None:
        assert all(result.converged for result in lasso_path(**args))
    else:
        with pytest.raises(error, match=words):
            lasso_path(**args)


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: lasso(_X, _y, 0.1, method="newton"), "method"),
        (lambda: lasso(_X, _y, 0.0), "alpha must be > 0"),
        (lambda: elastic_net(_X, _y, 0.0), "alpha must be > 0"),
        (lambda: lasso(_X, _y, 0.1, coef_init=np.zeros(4)), "coef_init"),
        (lambda: elastic_net(_X, _y, 0.1, l1_ratio=1.5), "l1_ratio"),
        (lambda: elastic_net(_X, _y, 0.1, l1_ratio=-0.1), "l1_ratio"),
        (lambda: logistic_l1(_X, np.arange(20) % 3, 0.1), "y must hold only the labels 0 and 1"),
        (lambda: logistic_l1(_X, 2 * _y01 - 1, 0.1), "y must hold only the labels 0 and 1"),
        (lambda: logistic_l1(_X, _y01, 0.1, method="cd"), "method"),
        (lambda: logistic_l1(_X, _y01, 0.0, method="newton"), "alpha must be > 0"),
    ],
    ids=["bad method", "lasso alpha 0", "enet alpha 0", "coef_init length", "l1_ratio > 1",
         "l1_ratio < 0", "labels 0/1/2", "labels -1/1", "logistic bad method",
         "newton alpha 0"],
)
def test_bad_options_are_refused(call, words):
    with pytest.raises(ValueError, match=words):
        call()


@pytest.mark.parametrize("solver", ["lasso_cd", "lasso_fista", "elastic_net", "logistic_l1",
                                    "logistic_l1_fista"])
def test_max_iter_reached_warns_and_says_not_converged(solver):
    _, X, y = make_problem(0, False)
    y = (y > np.median(y)).astype(float) if solver.startswith("logistic") else y
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        result = SOLVERS[solver](X=X, y=y, alpha=0.01, max_iter=2, tol=1e-14)
    assert not result.converged and result.n_iter == 2


def test_converged_fit_raises_no_warning():
    _, X, y = make_problem(0, False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, solver in SOLVERS.items():
            labels = (y > np.median(y)).astype(float) if name.startswith("logistic") else y
            assert solver(X=X, y=labels, alpha=0.05).converged


@pytest.mark.parametrize("max_iter", [2, 10_000], ids=["stopped early", "converged"])
def test_converged_is_a_python_bool_for_every_solver(max_iter):
    _, X, y = make_problem(0, False)
    labels = (y > np.median(y)).astype(float)
    small = {"max_iter": max_iter, "tol": 1e-14 if max_iter == 2 else 1e-6}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fits = {name: solver(X=X, y=labels if name.startswith("logistic") else y, alpha=0.05,
                             **({} if name == "ridge" else small))
                for name, solver in SOLVERS.items()}
        fits["lasso_path"] = lasso_path(X, y, [0.1, 0.05], **small)[-1]
        fits["iht"] = iht(X, y, 3, **small)
        fits["best_subset"] = best_subset(X[:, :8], y, 2)
        fits["sgd_l1"] = sgd_l1(X, labels, 0.01, epochs=1)
        fits["ftrl_proximal"] = ftrl_proximal(X, labels)
    for name, fit in fits.items():
        assert type(fit.converged) is bool, name
    if max_iter == 2:  # the iterative batch solvers did stop early
        assert not any(fits[name].converged for name in
                       ["lasso_cd", "lasso_fista", "elastic_net", "logistic_l1",
                        "logistic_l1_fista", "lasso_path", "iht"])


# ----------------------------------------------------------------------------- lasso_path


@pytest.mark.parametrize("gram", ["full Gram", "Gram cache"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("n, p", [(80, 30), (40, 100)], ids=["tall", "wide"])
@pytest.mark.parametrize("seed", range(2))
def test_lasso_path_is_lasso_at_each_alpha_and_agrees_with_sklearn(seed, n, p, sparse,
                                                                   fit_intercept, gram,
                                                                   monkeypatch):
    if gram == "Gram cache":  # the path's code for p > GRAM_MAX_FEATURES, on a small problem
        monkeypatch.setattr(sys.modules["course_utils.solvers.lasso"], "GRAM_MAX_FEATURES", 5)
    X_in, X, y = make_problem(seed, sparse, n=n, p=p)
    alphas = alpha_max(X, y, fit_intercept) * np.logspace(0, -1.5, 8)
    alphas = alphas[np.random.default_rng(seed).permutation(alphas.size)]  # any order
    path = lasso_path(X_in, y, alphas, fit_intercept=fit_intercept, tol=1e-8)
    assert len(path) == alphas.size
    for result, alpha in zip(path, alphas, strict=True):
        single = lasso(X_in, y, alpha, fit_intercept=fit_intercept, tol=1e-8)
        f_path, f_single = (enet_objective(X, y, r.coef, r.intercept, alpha)
                            for r in (result, single))
        assert result.converged
        assert abs(f_path - f_single) <= 1e-6 * f_single

    # scikit-learn's lasso_path fits no intercept: give it the centered problem
    Xc, yc = (X - X.mean(axis=0), y - y.mean()) if fit_intercept else (X_in, y)
    order = np.argsort(-alphas)
    _, coefs, _ = sklearn_lasso_path(Xc, yc, alphas=alphas[order], **TIGHT)
    path = lasso_path(X_in, y, alphas, fit_intercept=fit_intercept, **TIGHT)
    for k, i in enumerate(order):
        assert_agrees(path[i], coefs[:, k], y.mean() - X.mean(axis=0) @ coefs[:, k]
                      if fit_intercept else 0.0,
                      lambda w, b, a=alphas[i]: enet_objective(X, y, w, b, a))


def test_lasso_path_warns_per_alpha_when_max_iter_is_reached():
    _, X, y = make_problem(0, False)
    with pytest.warns(ConvergenceWarning) as record:
        path = lasso_path(X, y, [0.01, 0.05], max_iter=1, tol=1e-14)
    assert [str(w.message).split(" did not")[0] for w in record] == [
        "lasso_path (alpha=0.05)", "lasso_path (alpha=0.01)"]  # solved from the largest alpha
    assert not any(result.converged for result in path)


@pytest.mark.parametrize(
    "alphas, error, words",
    [([0.1, -0.1], ValueError, "alphas must all be > 0"),
     ([0.1, 0.0], ValueError, "alphas must all be > 0"),
     ([], ValueError, "alphas must not be empty"),
     ([0.1, np.nan], ValueError, "alphas must not contain NaN"),
     (0.1, ValueError, "alphas must be 1-D"),
     (["a"], TypeError, "alphas")],
    ids=["negative", "zero", "empty", "NaN", "scalar", "string"],
)
def test_lasso_path_refuses_bad_alphas(alphas, error, words):
    with pytest.raises(error, match=words):
        lasso_path(_X, _y, alphas)


def test_lasso_path_checks_the_other_arguments_once_like_lasso():
    with pytest.raises(ValueError, match="X must not contain NaN"):
        lasso_path(_X_nan, _y, [0.1])
    with pytest.raises(ValueError, match="tol"):
        lasso_path(_X, _y, [0.1], tol=-1.0)


def _wide_problem(seed):
    """30 rows, 60 columns: with tol=0, coordinate descent ends in a cycle of a few passes."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 60))
    w_true = np.zeros(60)
    w_true[:5] = [3.0, -2.0, 1.5, 1.0, -1.0]
    return X, X @ w_true + 0.5 * rng.standard_normal(30)


def _fit_quietly(fit):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fit()
    return result, [str(w.message) for w in caught]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("max_iter", [500, 501, 502, 503, 504])
@pytest.mark.parametrize("solver", ["lasso", "elastic_net", "lasso_path"])
def test_the_cd_cycle_skip_gives_what_every_pass_would(solver, max_iter, seed, monkeypatch):
    # The same call with the skip switched off runs every pass (the plain loop): the weights
    # must be the same bit for bit, whatever max_iter (the phase in the cycle), and so must
    # converged and the warning; the skipping run must have run fewer passes.
    X, y = _wide_problem(seed)
    calls = {"lasso": lambda: [lasso(X, y, 0.1, tol=0, max_iter=max_iter)],
             "elastic_net": lambda: [elastic_net(X, y, 0.1, 0.7, tol=0, max_iter=max_iter)],
             "lasso_path": lambda: lasso_path(X, y, [0.5, 0.2, 0.1], tol=0, max_iter=max_iter)}
    skipped, skipped_warnings = _fit_quietly(calls[solver])
    module = importlib.import_module("course_utils.solvers.lasso")
    monkeypatch.setattr(module, "_cd_gram", functools.partial(module._cd_gram, skip_cycles=False))
    plain, plain_warnings = _fit_quietly(calls[solver])
    for fast, slow in zip(skipped, plain, strict=True):
        assert fast.coef.tobytes() == slow.coef.tobytes()
        assert fast.intercept == slow.intercept
        assert fast.converged is slow.converged is False
        assert slow.n_iter == max_iter
        # fewer passes (where the cycle starts depends on the numpy release and CPU kernel:
        # 5-100 passes on numpy 2.4, about 260 for one elastic net on numpy 1.26); history holds
        # one more objective per working-set round that ended on its own gap test (Haswell)
        assert fast.n_iter < max_iter and len(fast.history) < max_iter
    assert skipped_warnings == plain_warnings != []


@pytest.mark.parametrize("solver", ["lasso", "elastic_net", "lasso_path"])
def test_tol_zero_at_the_max_iter_cap_ends_early_with_the_usual_warning(solver):
    X, y = _wide_problem(0)
    call = {"lasso": lambda: [lasso(X, y, 0.1, tol=0, max_iter=MAX_ITER)],
            "elastic_net": lambda: [elastic_net(X, y, 0.1, tol=0, max_iter=MAX_ITER)],
            "lasso_path": lambda: lasso_path(X, y, [0.5, 0.1], tol=0, max_iter=MAX_ITER)}[solver]
    with pytest.warns(ConvergenceWarning, match=f"did not converge in max_iter={MAX_ITER} "
                                                "passes: duality gap"):
        results = call()
    for result in results:
        assert result.converged is False
        assert result.n_iter < MAX_ITER / 100  # the passes cycled: the rest were skipped
