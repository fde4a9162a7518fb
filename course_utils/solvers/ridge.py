"""Ridge regression in closed form, scaled as ``sklearn.linear_model.Ridge``."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._validation import check_bool, check_fit, check_magnitude, check_scalar, check_X_y
from ._result import FitResult

__all__ = ["ridge"]


def ridge(X, y, alpha, *, fit_intercept=True) -> FitResult:
    """Fit ridge regression by solving its normal equations.

    Parameters
    ----------
    X : array-like of shape (n, p) or scipy.sparse matrix
        Design matrix. Sparse X is never densified (only its small Gram matrix is formed).
    y : array-like of shape (n,)
        Target.
    alpha : float >= 0
        Penalty strength, as in ``sklearn.linear_model.Ridge(alpha)``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (by centering X and y).

    Returns
    -------
    FitResult
        ``n_iter=1``, ``converged=True`` (a direct solve) and ``history=[objective]``.

    Notes
    -----
    The objective is the one of ``sklearn.linear_model.Ridge(alpha)``, without the 1/(2n):

    .. math:: \\min_{w, b} \\|y - Xw - b\\|_2^2 + \\alpha \\|w\\|_2^2

    Its minimizer solves ``(X_c^T X_c + alpha I) w = X_c^T y_c`` with X_c, y_c centered, a
    p x p system. When p > n the same w is ``X_c^T (X_c X_c^T + alpha I)^{-1} y_c``, an n x n
    system. With ``alpha = 0`` the minimum-norm least-squares solution is returned, and so it
    is when alpha is too small to make a singular system positive definite in floating point.
    """
    X, y = check_X_y(X, y)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])  # X^T X would overflow or underflow
    check_magnitude(y, "y", y.shape[0])
    alpha = check_scalar(alpha, "alpha")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    n, p = X.shape
    # Center implicitly: X_c = X - 1 x_mean^T is never formed, so sparse X stays sparse.
    x_mean = np.asarray(X.mean(axis=0)).ravel() if fit_intercept else np.zeros(p)
    y_mean = float(y.mean()) if fit_intercept else 0.0
    y_c = y - y_mean
    if p <= n:  # primal: X_c^T X_c = X^T X - n x_mean x_mean^T
        gram = _dense(X.T @ X) - n * np.outer(x_mean, x_mean)
        w = _solve(gram, X.T @ y_c, alpha)  # X_c^T y_c = X^T y_c as y_c sums to 0
    else:  # dual: X_c X_c^T = X X^T - X x_mean 1^T - 1 (X x_mean)^T + (x_mean @ x_mean)
        X_x_mean = X @ x_mean
        kernel = (_dense(X @ X.T) - X_x_mean[:, None] - X_x_mean[None, :]
                  + x_mean @ x_mean)
        c = _solve(kernel, y_c, alpha)
        w = X.T @ c - x_mean * c.sum()
    residual = y_c - (X @ w - x_mean @ w)
    objective = float(residual @ residual + alpha * w @ w)
    return check_fit(FitResult(coef=w, intercept=float(y_mean - x_mean @ w), n_iter=1,
                               converged=True, history=[objective]), "ridge")


def _dense(A):
    return A.toarray() if sp.issparse(A) else A


def _solve(A, rhs, alpha):
    """Solve (A + alpha I) x = rhs for a symmetric positive semi-definite A."""
    if alpha > 0:
        try:  # Cholesky: fast, but it needs A + alpha I positive definite in floating point
            return scipy.linalg.solve(A + alpha * np.eye(A.shape[0]), rhs, assume_a="pos")
        except np.linalg.LinAlgError:  # a singular A and an alpha lost in its rounding
            return scipy.linalg.lstsq(A + alpha * np.eye(A.shape[0]), rhs)[0]
    return scipy.linalg.lstsq(A, rhs)[0]  # alpha = 0: A may be singular
