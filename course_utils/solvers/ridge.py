"""Ridge regression in closed form, scaled as ``sklearn.linear_model.Ridge``."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .._validation import check_bool, check_fit, check_magnitude, check_scalar, check_X_y
from ._result import FitResult

__all__ = ["ridge"]

EPS = np.finfo(np.float64).eps


def ridge(X, y, alpha, *, fit_intercept=True) -> FitResult:
    """Fit ridge regression in closed form (an SVD of X, or the Gram matrix of a sparse X).

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

    Its minimizer on X_c, y_c centered is ``w = V diag(s / (s^2 + alpha)) U^T y_c`` with
    ``X_c = U diag(s) V^T`` (an SVD), for every alpha >= 0 and either shape. Directions whose
    singular value is rounding (``s <= eps * max(n, p) * s_max``) get no weight, as in
    ``numpy.linalg.lstsq``: with ``alpha = 0``, or an alpha smaller than that rounding, the
    minimum-norm least-squares solution is returned. The normal equations
    ``(X_c^T X_c + alpha I) w = X_c^T y_c`` (or ``X_c X_c^T`` when p > n), solved by Cholesky,
    give the same w faster, and are used when they are accurate: when their condition number
    is below ``1 / sqrt(eps)`` (:func:`_accurate_cholesky`). They square X's condition number,
    and with a tiny alpha their Cholesky factorization can succeed on rounding errors: a
    choice made on whether it raised (as before) lost up to 0.5% of the objective on nearly
    collinear columns.

    Sparse X is not densified: its Gram matrix ``X_c^T X_c`` (or ``X_c X_c^T`` when p > n) is
    formed, and the system is solved orthogonally to its null space (:func:`_gram_solve`), the
    same rule for every alpha. The Gram matrix squares X's condition number, so directions of
    X whose singular value is below about ``1e-7 s_max`` (after scaling the columns to norm 1)
    are taken for rounding: densify such an X for the exact fit.
    """
    X, y = check_X_y(X, y)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])  # X^T X would overflow or underflow
    check_magnitude(y, "y", y.shape[0])
    alpha = check_scalar(alpha, "alpha")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    n, p = X.shape
    x_mean = np.asarray(X.mean(axis=0)).ravel() if fit_intercept else np.zeros(p)
    y_mean = float(y.mean()) if fit_intercept else 0.0
    y_c = y - y_mean
    if not sp.issparse(X):
        X_c = X - x_mean
        if p <= n:  # the normal equations, when they are accurate (fast)
            w = _accurate_cholesky(X_c.T @ X_c, X_c.T @ y_c, alpha)
        else:
            c = _accurate_cholesky(X_c @ X_c.T, y_c, alpha)
            w = None if c is None else X_c.T @ c
        if w is None:  # ill-conditioned for them: the SVD
            U, s, Vt = scipy.linalg.svd(X_c, full_matrices=False)
            rounding = EPS * max(n, p) * np.max(s, initial=0.0)  # numpy.linalg.lstsq's cutoff
            w = Vt.T @ (_shrink(s, s, alpha, rounding) * (U.T @ y_c))
    elif p <= n:  # sparse, primal: X_c^T X_c = X^T X - n x_mean x_mean^T, never forming X_c
        gram = (X.T @ X).toarray() - n * np.outer(x_mean, x_mean)
        w = _gram_solve(gram, X.T @ y_c, alpha)  # X_c^T y_c = X^T y_c as y_c sums to 0
    else:  # sparse, dual: X_c X_c^T = X X^T - X x_mean 1^T - 1 (X x_mean)^T + x_mean @ x_mean
        X_x_mean = X @ x_mean
        kernel = ((X @ X.T).toarray() - X_x_mean[:, None] - X_x_mean[None, :]
                  + x_mean @ x_mean)
        c = _gram_solve(kernel, y_c, alpha)
        w = X.T @ c - x_mean * c.sum()
    residual = y_c - (X @ w - x_mean @ w)
    objective = float(residual @ residual + alpha * w @ w)
    return check_fit(FitResult(coef=w, intercept=float(y_mean - x_mean @ w), n_iter=1,
                               converged=True, history=[objective]), "ridge", X=X)


def _accurate_cholesky(gram, rhs, alpha):
    """Solve ``(gram + alpha I) x = rhs`` by Cholesky if that is accurate, else return None.

    Accurate: the system's condition number (LAPACK's estimate, ``dpocon``) is below
    ``1 / sqrt(eps)``, about 7e7, so that rounding moves x by at most about ``sqrt(eps)``
    relative and the objective by its square. The choice is made on accuracy, not on
    whether the factorization raised: with a tiny alpha it can succeed on rounding errors.
    """
    A = gram + alpha * np.eye(gram.shape[0])
    try:
        factor, lower = scipy.linalg.cho_factor(A)
    except np.linalg.LinAlgError:
        return None
    rcond, info = scipy.linalg.lapack.dpocon(factor, np.linalg.norm(A, 1),
                                             uplo="L" if lower else "U")
    if info != 0 or not rcond > np.sqrt(EPS):
        return None
    return scipy.linalg.cho_solve((factor, lower), rhs)


def _shrink(s, numerator, alpha, rounding):
    """``numerator / (s^2 + alpha)`` for the singular values ``s`` of X_c, and 0 where ``s`` is
    at most ``rounding``: such a direction is not in X, and dividing by its ``s^2 + alpha``
    would blow rounding up into the weights when alpha is tiny."""
    keep = s > rounding
    factors = np.zeros_like(s)
    factors[keep] = numerator[keep] / (s[keep] ** 2 + alpha)
    return factors


def _gram_solve(gram, rhs, alpha):
    """Solve ``(gram + alpha I) x = rhs`` for a Gram matrix, x orthogonal to its null space.

    The null space is found in coordinates scaled to a unit diagonal (``D gram D``, D =
    diag(gram)^(-1/2), so that badly scaled columns are not taken for dependent ones): its
    eigenvalues at most ``eps * size * max`` (numpy.linalg.lstsq's cutoff) are rounding of
    directions not in X. The system is solved on the rest, where it is positive definite
    whatever alpha. Solving it whole with a tiny alpha would divide the rounding of those
    directions by alpha and blow it up into the weights.
    """
    norms = np.sqrt(np.maximum(np.diag(gram), 0.0))
    d = np.divide(1.0, norms, out=np.ones_like(norms), where=norms > 0)
    eigenvalues, V = np.linalg.eigh(d[:, None] * gram * d)
    null = eigenvalues <= EPS * gram.shape[0] * np.max(eigenvalues, initial=0.0)
    if not np.any(null):
        return np.linalg.solve(gram + alpha * np.eye(gram.shape[0]), rhs)
    Q = scipy.linalg.null_space((d[:, None] * V[:, null]).T)  # the directions in X, orthonormal
    return Q @ np.linalg.solve(Q.T @ gram @ Q + alpha * np.eye(Q.shape[1]), Q.T @ rhs)
