"""L1-penalized logistic regression by FISTA, scaled as scikit-learn's with C = 1/(n alpha)."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning

from .._validation import (
    check_binary_labels,
    check_bool,
    check_int,
    check_scalar,
    check_X_y,
)
from ..penalties import soft_threshold_unchecked
from ._result import FitResult
from .lasso import _lipschitz

__all__ = ["logistic_l1"]


def logistic_l1(X, y, alpha, *, fit_intercept=True, max_iter=1000, tol=1e-6) -> FitResult:
    """Fit L1-penalized logistic regression by FISTA (accelerated proximal gradient).

    Parameters
    ----------
    X : array-like of shape (n, p) or scipy.sparse matrix
        Design matrix.
    y : array-like of shape (n,)
        Labels, 0 or 1.
    alpha : float >= 0
        Penalty strength; scikit-learn's ``C`` is ``1 / (n * alpha)``.
    fit_intercept : bool, default=True
        Fit an intercept ``b``; it is not penalized.
    max_iter : int, default=1000
        Maximum number of FISTA iterations.
    tol : float, default=1e-6
        Stop when the optimality measure (see Notes) is at most ``tol``.

    Returns
    -------
    FitResult
        ``history`` holds the objective before each iteration.

    Notes
    -----
    With margins ``z_i = x_i w + b``, the objective is the mean log-loss plus the L1 penalty:

    .. math:: \\min_{w, b} \\frac{1}{n} \\sum_i \\big[\\log(1 + e^{z_i}) - y_i z_i\\big]
              + \\alpha \\|w\\|_1

    scikit-learn minimizes ``C * sum_i loss_i + ||w||_1`` (intercept not penalized with
    ``solver="saga"``); dividing by ``C n`` gives this objective with ``alpha = 1 / (C n)``,
    so ``LogisticRegression(C=1 / (n * alpha), l1_ratio=1, solver="saga")`` (``penalty="l1"``
    before scikit-learn 1.8) has the same minimizer. ``solver="liblinear"`` also penalizes the
    intercept, so it matches only with ``fit_intercept=False``.

    Optimality measure: the length (max-norm) of one proximal-gradient step from ``(w, b)``
    scaled by the Lipschitz constant ``L``, ``L * max|w - soft_threshold(w - grad_w / L,
    alpha / L)|`` together with ``|grad_b|``. It is 0 exactly at the minimum, where
    ``|grad_w_j| <= alpha`` if ``w_j = 0`` and ``grad_w_j = -alpha sign(w_j)`` otherwise.
    """
    X, y = check_X_y(X, y)
    y = check_binary_labels(y, "y")
    alpha = check_scalar(alpha, "alpha")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_iter = check_int(max_iter, "max_iter", low=1)
    tol = check_scalar(tol, "tol")
    n, p = X.shape
    # The log-loss has curvature at most 1/4: L bounds the Hessian of the mean loss in (w, b).
    L = (_lipschitz(X, np.zeros(p)) + float(fit_intercept)) / 4.0

    # X^T once, in the layout of X (CSR for a CSR X): the product X^T error is done every
    # iteration, and scipy would otherwise rebuild a transposed view each time.
    X_t = X.T.tocsr() if sp.issparse(X) else X.T

    def gradient(margin):  # of the mean log-loss, in w and in b
        error = expit(margin) - y
        return X_t @ error / n, error.mean() if fit_intercept else 0.0

    w, b = np.zeros(p), 0.0
    w_old, b_old, margin_old, t, history = w, b, X @ w + b, 1.0, []
    for n_iter in range(max_iter + 1):
        margin = X @ w + b
        objective = np.mean(np.logaddexp(0.0, margin) - y * margin) + alpha * np.abs(w).sum()
        grad_w, grad_b = gradient(margin)
        step = w - soft_threshold_unchecked(w - grad_w / L, alpha / L)
        violation = max(L * np.max(np.abs(step)), abs(grad_b))
        if violation <= tol or n_iter == max_iter:
            break
        if history and objective > history[-1]:
            t = 1.0  # restart: no momentum when the objective went up
        history.append(objective)
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        momentum = (t - 1.0) / t_next
        z, z_b = w + momentum * (w - w_old), b + momentum * (b - b_old)
        grad_w, grad_b = gradient(margin + momentum * (margin - margin_old))  # margin of z
        w_old, b_old, margin_old, t = w, b, margin, t_next
        w, b = soft_threshold_unchecked(z - grad_w / L, alpha / L), z_b - grad_b / L

    converged = violation <= tol
    if not converged:
        warnings.warn(
            f"logistic_l1 did not converge in max_iter={max_iter} iterations: optimality "
            f"measure {violation:.3g} > tol={tol:.3g}. Increase max_iter or tol.",
            ConvergenceWarning,
            stacklevel=2,
        )
    return FitResult(coef=w, intercept=float(b), n_iter=n_iter, converged=converged,
                     history=history)
