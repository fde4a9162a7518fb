"""Tests of the stronger L0 heuristics: normalized IHT (`iht(method="normalized")`) and `htp`."""

import itertools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from course_utils.datasets import make_sparse_regression
from course_utils.solvers import best_subset, htp, iht


def normalized_iht(X, y, k, **kwargs):
    return iht(X, y, k, method="normalized", **kwargs)


STRONG_L0 = [normalized_iht, htp]


def _objective(X, y, fit):
    residual = y - X @ fit.coef - fit.intercept
    return float(residual @ residual / (2 * len(y)))


@pytest.mark.parametrize("solver", STRONG_L0)
@pytest.mark.parametrize("seed", range(5))
def test_recovers_the_support_of_a_well_posed_sparse_problem(solver, seed):
    # n = 80 rows for k = 4 of p = 40 Gaussian features, little noise: the true support is
    # the best 4-subset by a wide margin, so a sound L0 method must find it.
    X, y, w_true = make_sparse_regression(80, 40, 4, noise=0.1, random_state=seed)
    fit = solver(X, y, 4)
    assert fit.converged
    assert np.array_equal(np.flatnonzero(fit.coef), np.flatnonzero(w_true))
    np.testing.assert_allclose(fit.coef, w_true, atol=0.1)


def test_normalized_step_recovers_supports_that_the_constant_step_misses():
    # n = 60, p = 100, k = 5 (notebook 06's problems): 1/L is set by all 100 columns and is too
    # short for the 5 that matter; the normalized step should do at least as well on every seed
    # and strictly better on some.
    hits = {"constant": 0, "normalized": 0}
    for seed in range(10):
        X, y, w_true = make_sparse_regression(60, 100, 5, noise=0.5, random_state=seed)
        for method in hits:
            fit = iht(X, y, 5, method=method)
            hits[method] += np.array_equal(fit.coef != 0, w_true != 0)
    assert hits["normalized"] > hits["constant"]
    assert hits["normalized"] >= 8


@pytest.mark.parametrize("solver", STRONG_L0)
@pytest.mark.parametrize("seed", range(4))
def test_agrees_with_best_subset_on_small_problems(solver, seed):
    # p = 10, k = 3: best_subset tries all 120 subsets; a heuristic can never beat it, and on
    # a clear signal it should find the same subset and the same weights.
    X, y, _ = make_sparse_regression(50, 10, 3, noise=0.3, random_state=seed)
    exact = best_subset(X, y, 3)
    fit = solver(X, y, 3)
    assert _objective(X, y, fit) >= _objective(X, y, exact) - 1e-12
    assert np.array_equal(np.flatnonzero(fit.coef), np.flatnonzero(exact.coef))
    np.testing.assert_allclose(fit.coef, exact.coef, atol=1e-6)
    assert fit.intercept == pytest.approx(exact.intercept, abs=1e-6)


def test_normalized_iht_objective_never_increases():
    # Guaranteed by the step rule (the step is shortened when the support changes).
    for seed in range(5):
        X, y, _ = make_sparse_regression(30, 100, 10, noise=1.0, random_state=seed)
        fit = iht(X, y, 10, method="normalized")
        assert np.all(np.diff(fit.history) <= 1e-12 * fit.history[0])


@pytest.mark.parametrize("solver", STRONG_L0)
def test_history_and_intercept_describe_the_returned_fit(solver):
    X, y, _ = make_sparse_regression(60, 100, 5, noise=0.5, random_state=3)
    y = y + 2.0
    fit = solver(X, y, 5)
    assert len(fit.history) == fit.n_iter
    assert fit.history[-1] == pytest.approx(_objective(X, y, fit), rel=1e-12)
    assert fit.intercept == pytest.approx(y.mean() - X.mean(axis=0) @ fit.coef, rel=1e-12)
    assert np.count_nonzero(fit.coef) <= 5


def test_htp_ends_at_the_least_squares_fit_on_its_support():
    X, y, _ = make_sparse_regression(60, 100, 5, noise=0.5, random_state=1)
    fit = htp(X, y, 5)
    support = np.flatnonzero(fit.coef)
    residual = y - X @ fit.coef - fit.intercept
    # Normal equations on the support: every kept column is orthogonal to the residual.
    np.testing.assert_allclose(X[:, support].T @ residual, 0.0, atol=1e-9)


def reference_normalized_iht(X, y, k, max_iter=500, tol=1e-8, c=0.01, kappa=2.0):
    """Normalized IHT written from iht's docstring (Blumensath & Davies 2010): the history."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n, p = Xc.shape

    def keep(v):  # the k largest magnitudes
        out = np.zeros(p)
        top = np.argsort(-np.abs(v), kind="stable")[:k]
        out[top] = v[top]
        return out

    w, history = np.zeros(p), []
    for _ in range(max_iter):
        g = Xc.T @ (yc - Xc @ w) / n
        g_S = np.where(w != 0, g, 0.0)
        if not g_S.any():  # at the start: the support the first step would pick
            g_S = keep(g)
        mu = (g_S @ g_S) / (np.sum((Xc @ g_S) ** 2) / n)
        w_new = keep(w + mu * g)
        while not np.array_equal(w_new != 0, w != 0):
            move = w_new - w
            if mu <= (1 - c) * (move @ move) / (np.sum((Xc @ move) ** 2) / n):
                break
            mu /= kappa * (1 - c)
            w_new = keep(w + mu * g)
        residual = yc - Xc @ w_new
        history.append(residual @ residual / (2 * n))
        done = np.linalg.norm(w_new - w) <= tol * np.linalg.norm(w_new)
        w = w_new
        if done:
            break
    return history


@pytest.mark.parametrize("scale", [1.0, 10.0])
@pytest.mark.parametrize("seed", range(4))
def test_normalized_iht_takes_the_steps_of_its_documented_rule(seed, scale):
    # scale 10: every step mu is about 1/100, so the shrinking must work below mu = 1 as well
    X, y, _ = make_sparse_regression(30, 100, 10, noise=1.0, random_state=seed)
    fit = iht(X * scale, y, 10, method="normalized")
    expected = reference_normalized_iht(X * scale, y, 10)
    assert fit.n_iter == len(expected)
    np.testing.assert_allclose(fit.history, expected, rtol=1e-9)


def reference_htp(X, y, k, max_iter=500):
    """HTP written from its docstring (Foucart 2011 with the documented step): a gradient step
    with mu = ||g_T||^2 / (||X g_T||^2 / n) on the k largest |g| picks the k largest |w + mu g|,
    least squares refits them; stop when the support repeats. The supports it visits."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    n, p = Xc.shape
    w, support, supports = np.zeros(p), None, []
    for _ in range(max_iter):
        g = Xc.T @ (yc - Xc @ w) / n
        g_T = np.zeros(p)
        top = np.argsort(-np.abs(g), kind="stable")[:k]
        g_T[top] = g[top]
        mu = (g_T @ g_T) / (np.sum((Xc @ g_T) ** 2) / n)
        new = np.sort(np.argsort(-np.abs(w + mu * g), kind="stable")[:k])
        supports.append(new.tolist())
        if support is not None and np.array_equal(new, support):
            break
        support = new
        w = np.zeros(p)
        w[support] = np.linalg.lstsq(Xc[:, support], yc, rcond=None)[0]
    return supports


@pytest.mark.parametrize("seed", range(6))
def test_htp_visits_the_supports_of_its_documented_iteration(seed):
    # correlated columns and a weak signal, so that the support moves for a few iterations
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((40, 30)) + 0.8 * rng.standard_normal((40, 1))
    y = X[:, :6] @ rng.uniform(0.5, 1.5, 6) + 1.5 * rng.standard_normal(40)
    supports = reference_htp(X, y, 5)
    fit = htp(X, y, 5)
    assert fit.n_iter == len(supports)
    assert np.flatnonzero(fit.coef).tolist() == supports[-1]


@pytest.mark.parametrize("solver", STRONG_L0)
def test_trivial_sizes(solver):
    X, y, _ = make_sparse_regression(40, 6, 2, noise=0.3, random_state=0)
    empty = solver(X, y, 0)
    assert not empty.coef.any() and empty.intercept == pytest.approx(y.mean())
    full = solver(X, y, 6)  # k = p: ordinary least squares
    ols = np.linalg.lstsq(np.column_stack([X, np.ones(40)]), y, rcond=None)[0]
    np.testing.assert_allclose(full.coef, ols[:-1], atol=1e-6)


@pytest.mark.parametrize("solver", STRONG_L0)
def test_constant_columns_give_the_intercept_only(solver):
    X = np.ones((20, 3))
    y = np.arange(20.0)
    fit = solver(X, y, 2)
    assert not fit.coef.any() and fit.intercept == pytest.approx(y.mean())


def test_warns_and_reports_when_stopped_early():
    X, y, _ = make_sparse_regression(60, 100, 5, noise=0.5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="max_iter=1"):
        fit = htp(X, y, 5, max_iter=1)  # one iteration cannot see its support repeat
    assert fit.converged is False and fit.n_iter == 1
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        fit = iht(X, y, 5, method="normalized", max_iter=2)
    assert fit.converged is False and fit.n_iter == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert htp(X, y, 5).converged is True


_X, _y, _ = make_sparse_regression(30, 8, 2, noise=0.3, random_state=0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: iht(_X, _y, 2, method="fast"), ValueError, "method must be one of"),
        (lambda: iht(_X, _y, 2, method=None), ValueError, "method must be one of"),
        (lambda: htp(_X, _y[:-1], 2), ValueError, "same number of rows"),
        (lambda: htp(_X, _y, 9), ValueError, "k must be <= 8"),
        (lambda: htp(_X, _y, -1), ValueError, "k must be >= 0"),
        (lambda: htp(_X, _y, 2.0), TypeError, "k must be an integer"),
        (lambda: htp(_X, _y, 2, max_iter=0), ValueError, "max_iter"),
        (lambda: htp(_X, _y, 2, fit_intercept="no"), TypeError, "fit_intercept"),
        (lambda: htp(np.where(_X > 1, np.nan, _X), _y, 2), ValueError, "X must not contain NaN"),
        (lambda: htp(sp.csr_matrix(_X), _y, 2), TypeError, "X must be a dense array"),
        (lambda: htp(_X[:, 0], _y, 1), ValueError, "X must be 2-D"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_best_subset_ties_keep_the_first_subset():
    # column 1 is column 0 again: every subset using one of them has a twin with the very same
    # Gram entries, so the same residual to the last bit; the docstring says the first wins
    rng = np.random.default_rng(4)
    a, b, c = rng.standard_normal((3, 40))
    X = np.column_stack([a, a, b, c])
    y = 2.0 * a - b + 0.01 * rng.standard_normal(40)
    one = best_subset(X, y, 1)
    assert np.flatnonzero(one.coef).tolist() == [0]
    assert one.history[0] == one.history[1]  # the tie, exactly
    two = best_subset(X, y, 2)
    assert np.flatnonzero(two.coef).tolist() == [0, 2]  # (0, 2) before its twin (1, 2)
    subsets = list(itertools.combinations(range(4), 2))
    assert two.history[subsets.index((0, 2))] == two.history[subsets.index((1, 2))]
    assert min(two.history) == two.history[subsets.index((0, 2))]


@pytest.mark.parametrize("batch_values", [1, 9 * 5, 2**18])
def test_best_subset_in_batches_is_least_squares_on_each_subset(batch_values, monkeypatch):
    # Against a plain loop over the subsets, least squares on X's own columns (no Gram matrix),
    # with batches of one subset, of five (twins and singular systems in other batches than
    # their first), and the default: the same objective for every subset, the first best wins.
    import course_utils.solvers.subset as subset_module

    monkeypatch.setattr(subset_module, "BATCH_VALUES", batch_values)
    rng = np.random.default_rng(7)
    a = rng.standard_normal(40)
    X = np.column_stack([a, a, rng.standard_normal((40, 6))])  # twins, in the same place
    y = 1.5 * a + X[:, 2] - X[:, 7] + 0.1 * rng.standard_normal(40)
    fit = best_subset(X, y, 3)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    subsets = list(itertools.combinations(range(8), 3))
    expected = []
    for S in subsets:
        w_S = np.linalg.lstsq(Xc[:, S], yc, rcond=None)[0]
        expected.append(np.sum((yc - Xc[:, S] @ w_S) ** 2) / (2 * len(y)))
    np.testing.assert_allclose(fit.history, expected, rtol=1e-9)
    best = subsets[int(np.argmin(np.round(expected, 12)))]
    assert best[0] == 0 and np.flatnonzero(fit.coef).tolist() == list(best)  # not its twin 1
    twin = subsets.index((1,) + best[1:])
    assert fit.history[twin] == fit.history[subsets.index(best)]  # the tie, exactly
    w_best = np.linalg.lstsq(Xc[:, best], yc, rcond=None)[0]
    np.testing.assert_allclose(fit.coef[list(best)], w_best, rtol=1e-9)


@pytest.mark.parametrize("solver", [iht, normalized_iht, htp, best_subset])
def test_columns_constant_to_within_underflow_are_refused(solver):
    # Columns 1e-149 + 1e-163 * (0, 1, 2, ...): X passes check_magnitude (1e-149 is in range)
    # but minus its means it is about 1e-163, whose squares are 0 in float64: ||X_c||^2 / n = 0
    # would make every column look constant and the fit return the intercept alone as converged.
    rows = np.arange(20.0)
    X = 1e-149 + 1e-163 * np.column_stack([rows, rows[::-1] ** 2 / 20, np.sin(rows)])
    centered = X - X.mean(axis=0)
    assert centered.any() and np.sum(centered**2) < np.finfo(np.float64).tiny
    assert np.linalg.norm(centered, 2) ** 2 / 20 == 0.0  # iht's L
    with pytest.raises(ValueError, match=r"^X's columns are constant to within"):
        solver(X, rows, 2)
    # exactly constant columns are a valid (intercept-only) problem at any scale: the mean of 23
    # copies of 1e-140 rounds an ulp away from it, whose squares made 1 / L infinite (NaN weights)
    for value in (1e-140, 1e-149, 0.1):
        fit = solver(np.full((23, 3), value), np.arange(23.0), 2)
        assert not fit.coef.any() and fit.intercept == 11.0
    # and one column constant to within 1e-163 next to varying ones is harmless
    fit = solver(np.column_stack([X[:, 0], rows / 20, np.cos(rows)]), rows, 2)
    assert fit.coef[1] != 0
