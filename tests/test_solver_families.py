"""Silent wrong answers on degenerate designs: a generated family of X (exact duplicate columns,
rescaled and sign-flipped duplicates, exact linear combinations, nearly collinear and badly
scaled columns, rank-deficient wide X), every alpha from 1e-300 to 1e3, and every solver
method. Each fit's objective is compared with an independent reference's: it must never be
worse beyond the solver's tolerance. A solver path chosen by whether a factorization raised
(ridge's Cholesky) or a jump accepted on an objective that is rounding alone (the Lasso's
support solve on a rescaled duplicate, which returned weights of 1e16 "converged") fails here,
in code written later too, without a case written for it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import ElasticNet, Lasso

from course_utils.solvers import elastic_net, lasso, lasso_path, ridge

N, P = 30, 8


def _family():
    """name -> X, each degenerate in one way (seeded)."""
    rng = np.random.default_rng(22)
    out = {}
    for scale in (1.0, 3.0, -0.5, 1e3, 1e-3):
        X = rng.normal(size=(N, P))
        X[:, 1] = scale * X[:, 0]
        out[f"duplicate x{scale:g}"] = X
    X = rng.normal(size=(N, P))
    X[:, 2] = X[:, 0] + 2.0 * X[:, 1]
    out["exact combination"] = X
    X = rng.normal(size=(N, P))
    X[:, 3:6] = X[:, :3] * np.array([3.0, -2.0, 10.0])
    out["three rescaled duplicates"] = X
    out["rank 3"] = rng.normal(size=(N, 3)) @ rng.normal(size=(3, P))
    out["wide rank 3"] = rng.normal(size=(6, 3)) @ rng.normal(size=(3, 20))
    X = rng.normal(size=(N, P))
    X[:, 1] = X[:, 0] + 1e-5 * rng.normal(size=N)
    out["nearly collinear 1e-5"] = X
    X = rng.normal(size=(N, P))
    X[:, 1] = X[:, 0] + 1e-9 * rng.normal(size=N)
    out["nearly collinear 1e-9"] = X
    out["scales 1 to 1e7"] = rng.normal(size=(N, P)) * np.logspace(0, 7, P)
    return out


FAMILY = _family()
# Sparse ridge solves from the Gram matrix, which cannot tell singular values below about
# 1e-7 s_max from rounding (documented in ridge's Notes): those two designs are dense-only.
GRAM_UNRESOLVED = {"nearly collinear 1e-9", "scales 1 to 1e7"}
# Objectives are compared to 1e-6 relative: the rounding of an exact solver on these designs
# (condition numbers up to 1e10) reaches 1e-8; ridge's old Cholesky path lost 5e-5 to 5e-3, the
# Lasso's support solve returned objectives 1e15 times the minimum, and Lasso's tol=1e-10
# bounds its distance to the minimum by 1e-10 * ||y_c||^2 / n.
SLACK = 1e-6
ALPHAS = [0.0, 1e-300, 1e-200, 1e-100, 1e-30, 1e-20, 1e-16, 1e-14, 1e-12, 1e-10, 1e-8, 1e-6,
          1e-3, 1.0, 1e3]


def _target(X, seed):
    rng = np.random.default_rng(seed)
    return X @ rng.normal(size=X.shape[1]) + 0.1 * rng.normal(size=X.shape[0])


def _ridge_objective(X, y, w, b, alpha):
    residual = y - X @ w - b
    return residual @ residual + alpha * w @ w


def _ridge_reference(X, y, alpha):
    """Ridge as the least-squares problem [X_c; sqrt(alpha) I] w = [y_c; 0], solved by
    numpy's SVD-based lstsq: no normal equations, so no squared condition number."""
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    p = X.shape[1]
    A = np.vstack([Xc, np.sqrt(alpha) * np.eye(p)])
    w = np.linalg.lstsq(A, np.concatenate([yc, np.zeros(p)]), rcond=None)[0]
    return w, y.mean() - X.mean(axis=0) @ w


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("name", sorted(FAMILY))
def test_ridge_is_never_worse_than_least_squares_on_the_augmented_system(name, sparse):
    if sparse and name in GRAM_UNRESOLVED:
        pytest.skip("below the Gram matrix's resolution (ridge's Notes)")
    X = FAMILY[name]
    y = _target(X, 0)
    for alpha in ALPHAS:
        fit = ridge(sp.csr_matrix(X) if sparse else X, y, alpha)
        ours = _ridge_objective(X, y, fit.coef, fit.intercept, alpha)
        reference = _ridge_objective(X, y, *_ridge_reference(X, y, alpha), alpha)
        assert ours <= reference * (1 + SLACK), (alpha, ours, reference)
        assert fit.converged


def _lasso_objective(X, y, w, b, alpha, l1_ratio=1.0):
    residual = y - X @ w - b
    return (residual @ residual / (2 * len(y)) + alpha * l1_ratio * np.abs(w).sum()
            + alpha * (1 - l1_ratio) / 2 * w @ w)


def _alphas(X, y):
    alpha_max = np.abs((X - X.mean(axis=0)).T @ (y - y.mean())).max() / len(y)
    return alpha_max * np.array([0.5, 1e-1, 1e-2, 1e-3, 1e-4])


@pytest.mark.parametrize("method", ["cd", "fista", "path", "elastic_net"])
@pytest.mark.parametrize("name", sorted(FAMILY))
def test_lasso_is_never_worse_than_scikit_learn(name, method):
    X = FAMILY[name]
    for seed in range(4):
        y = _target(X, seed)
        alphas = _alphas(X, y)
        l1_ratio = 0.5 if method == "elastic_net" else 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings: the objective is the test
            if method == "path":
                fits = lasso_path(X, y, alphas, max_iter=20_000, tol=1e-10)
            elif method == "elastic_net":
                fits = [elastic_net(X, y, a, l1_ratio, max_iter=20_000, tol=1e-10)
                        for a in alphas]
            else:
                fits = [lasso(X, y, a, method=method, max_iter=20_000, tol=1e-10)
                        for a in alphas]
            Reference = ElasticNet if method == "elastic_net" else Lasso
            kwargs = {"l1_ratio": l1_ratio} if method == "elastic_net" else {}
            theirs = [Reference(alpha=a, tol=1e-12, max_iter=100_000, **kwargs).fit(X, y)
                      for a in alphas]
        for alpha, fit, ref in zip(alphas, fits, theirs, strict=True):
            if not fit.converged:  # not silent: a ConvergenceWarning said so
                continue
            ours = _lasso_objective(X, y, fit.coef, fit.intercept, alpha, l1_ratio)
            reference = _lasso_objective(X, y, ref.coef_, ref.intercept_, alpha, l1_ratio)
            assert ours <= reference * (1 + SLACK), (seed, alpha, ours, reference, fit.converged)


def _fit_all(method, X, y, alphas):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "path":
            return lasso_path(X, y, alphas, max_iter=20_000, tol=1e-10)
        return [lasso(X, y, a, method=method, max_iter=20_000, tol=1e-10) for a in alphas]


@pytest.mark.parametrize("method", ["cd", "fista", "path"])
def test_lasso_on_many_exact_combinations_is_never_worse_than_scikit_learn(method):
    # Column 2 = column 0 + 2 column 1: G_S is singular in exact arithmetic but not in floating
    # point, so a support solve on S = {0, 1, 2} returns weights of about 1e16. Whether such a
    # jump is tried depends on the data, so many seeds (6 of these 30 x 3 fits went wrong
    # before the support solve discounted rounding).
    for seed in range(30):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(N, P))
        X[:, 2] = X[:, 0] + 2.0 * X[:, 1]
        y = X @ rng.normal(size=P) + 0.1 * rng.normal(size=N)
        alphas = _alphas(X, y)[2:]
        for alpha, fit in zip(alphas, _fit_all(method, X, y, alphas), strict=True):
            if fit.converged:
                ref = Lasso(alpha=alpha, tol=1e-12, max_iter=100_000).fit(X, y)
                ours = _lasso_objective(X, y, fit.coef, fit.intercept, alpha)
                reference = _lasso_objective(X, y, ref.coef_, ref.intercept_, alpha)
                assert ours <= reference * (1 + SLACK), (seed, alpha, ours, reference)
