"""L0-constrained least squares: iterative hard thresholding and exhaustive best subset.

Both solve the same problem, the one L0 states exactly:

    minimize  1/(2n) ||y - Xw - b||^2   subject to  ||w||_0 <= k.

``best_subset`` searches every subset of size ``k`` (exact, combinatorial); ``iht`` takes
projected gradient steps and ``htp`` adds a least-squares refit on the chosen support after
each step (both fast, both find a good subset but with no guarantee of the best one).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from .._validation import (
    MAX_ITER,
    MAX_SUBSETS,
    check_bool,
    check_choice,
    check_count,
    check_fit,
    check_int,
    check_magnitude,
    check_scalar,
    check_spread,
    check_X_y,
)
from ..penalties import _hard_threshold_unchecked as hard_threshold
from ._result import FitResult, convergence_warning

__all__ = ["iht", "htp", "best_subset"]

# best_subset solves its subsets in batches of about this many numbers (2 MB of k x k systems).
BATCH_VALUES = 2**18


def _check_data(X, y):
    """Dense X and y, at a scale where X^T X and y^T y stay finite (and not subnormal)."""
    X, y = check_X_y(X, y, sparse_ok=False)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])
    check_magnitude(y, "y", y.shape[0])
    return X, y


def _center(X, y, fit_intercept):
    """Center X and y when fitting an intercept: then b = mean(y) - mean(X) @ w is exact.

    A constant column is centered to exact zeros (its mean, rounded, may differ from its value
    by an ulp: 1e-140's rounding residue would have squares that make the step 1 / L infinite).
    """
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), 0.0
    check_spread(X, "X")
    X_mean = np.where(np.ptp(X, axis=0) == 0, X[0], X.mean(axis=0))
    y_mean = y.mean()
    return X - X_mean, y - y_mean, X_mean, y_mean


def _solve_subsets(G, c, S):
    """Least squares on each subset ``S[i]`` (a row of feature indices): the solutions ``w_S``
    of ``G[S, S] w_S = c[S]``, one row each, solved as one stack of systems."""
    G_S, c_S = G[S[:, :, None], S[:, None, :]], c[S]
    try:
        return np.linalg.solve(G_S, c_S[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:  # a singular system in the stack: one system at a time
        return np.array([_solve_or_lstsq(G_s, c_s) for G_s, c_s in zip(G_S, c_S, strict=True)])


def _solve_or_lstsq(G_S, c_S):
    """``solve(G_S, c_S)``, or when ``G_S`` is singular any least-squares solution."""
    try:
        return np.linalg.solve(G_S, c_S)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(G_S, c_S, rcond=None)[0]


def _line_search_step(Xc, g, S):
    """The step that minimizes the objective along ``g`` restricted to the features ``S``.

    For ``1/(2n) ||y - X w||^2`` it is ``||g_S||^2 / (||X g_S||^2 / n)``; 0.0 when ``X g_S = 0``.
    """
    step = _step_along(Xc, np.where(S, g, 0.0))
    return step if np.isfinite(step) else 0.0


def _step_along(Xc, d):
    """``n ||d||^2 / ||X d||^2``, the exact step along ``d``; inf when ``X d = 0``.

    Each vector is divided by its largest ``|entry|`` before it is squared: the squares of
    ``X d`` are of the fourth power of X's scale, which overflows (or underflows) float64 for
    X of 1e78 (or 1e-78) that ``check_magnitude`` accepts, and would make the step 0.
    """
    Xd = Xc @ d
    d_max, Xd_max = np.max(np.abs(d), initial=0.0), np.max(np.abs(Xd), initial=0.0)
    if Xd_max == 0:
        return np.inf
    ratio = np.linalg.norm(d / d_max) / np.linalg.norm(Xd / Xd_max) * (d_max / Xd_max)
    return float(Xc.shape[0] * ratio**2)


def iht(X, y, k, *, method="constant", fit_intercept=True, max_iter=500, tol=1e-8) -> FitResult:
    """Least squares with at most ``k`` non-zero weights, by iterative hard thresholding.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Dense design matrix.
    y : array-like of shape (n_samples,)
        Target.
    k : int
        Largest number of non-zero weights, ``0 <= k <= n_features``.
    method : {"constant", "normalized"}, default="constant"
        Step size: ``"constant"`` is ``1/L`` at every iteration (Blumensath & Davies 2009);
        ``"normalized"`` chooses it at every iteration from the current support and shortens
        it when the support changes (normalized IHT, Blumensath & Davies 2010).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (by centering ``X`` and ``y``).
    max_iter : int, default=500
        Largest number of iterations, at most ``MAX_ITER`` (100,000).
    tol : float, default=1e-8
        Stop when ``||w_new - w||_2 <= tol * ||w_new||_2``.

    Returns
    -------
    FitResult
        ``history`` holds the objective after each iteration.

    Notes
    -----
    The objective is

    .. math:: \\min_{w, b} \\frac{1}{2n} \\|y - Xw - b\\|_2^2
              \\quad \\text{subject to} \\quad \\|w\\|_0 \\le k .

    Each iteration is a gradient step of size ``mu`` followed by the projection onto the
    L0 ball (keep the ``k`` largest magnitudes)::

        g = X.T @ (y - X @ w) / n
        w <- hard_threshold(w + mu * g, k)

    With ``method="constant"``, ``mu = 1/L`` where ``L = ||X||_2^2 / n`` (largest eigenvalue
    of ``X.T X / n``) is the Lipschitz constant of the gradient; the objective never increases.
    But ``1/L`` is set by the worst direction of all ``p`` features, and is often far shorter
    than the step that the ``k`` features in play allow, so the method is slow and can settle
    on a poor support.

    With ``method="normalized"``, ``mu = ||g_S||^2 / (||X g_S||^2 / n)`` with ``g_S`` the
    gradient on the current support ``S``: the exact minimizer along ``g_S``. If the new
    support differs from ``S``, the step is accepted only while
    ``mu <= (1 - c) ||w_new - w||^2 / (||X (w_new - w)||^2 / n)``; otherwise ``mu`` is divided
    by ``kappa (1 - c)`` and the step retried (``c = 0.01``, ``kappa = 2``, as in the paper).
    This keeps the objective non-increasing with steps matched to the support.

    Both find a local solution; only :func:`best_subset` is guaranteed to find the best subset.

    References
    ----------
    T. Blumensath and M. E. Davies, "Iterative hard thresholding for compressed sensing",
    Applied and Computational Harmonic Analysis 27(3), 2009.

    T. Blumensath and M. E. Davies, "Normalized iterative hard thresholding: guaranteed
    stability and performance", IEEE Journal of Selected Topics in Signal Processing 4(2), 2010.
    """
    X, y = _check_data(X, y)
    k = check_int(k, "k", low=0, high=X.shape[1])
    method = check_choice(method, "method", ("constant", "normalized"))
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_iter = check_count(max_iter, "max_iter", MAX_ITER)
    tol = check_scalar(tol, "tol")
    Xc, yc, X_mean, y_mean = _center(X, y, fit_intercept)
    n = Xc.shape[0]

    L = np.linalg.norm(Xc, 2) ** 2 / n
    step = 1.0 / L if L > 0 else 0.0  # L = 0: all columns constant, nothing to learn
    c, kappa = 0.01, 2.0  # normalized IHT's safety margin and step shrink factor
    w = np.zeros(Xc.shape[1])
    history = []
    converged = False
    for _ in range(max_iter):
        g = Xc.T @ (yc - Xc @ w) / n
        if method == "normalized":
            S = w != 0
            if not np.any(g[S]):  # at the start (w = 0): the k largest gradient entries
                S = hard_threshold(g, k) != 0
            step = _line_search_step(Xc, g, S)
        w_new = hard_threshold(w + step * g, k)
        if method == "normalized":
            # A step that changes the support must not overshoot the curvature along its move.
            while step > 0 and not np.array_equal(w_new != 0, w != 0):
                if step <= (1 - c) * _step_along(Xc, w_new - w):
                    break
                step /= kappa * (1 - c)
                w_new = hard_threshold(w + step * g, k)
        residual = yc - Xc @ w_new
        history.append(float(residual @ residual / (2 * n)))
        converged = np.linalg.norm(w_new - w) <= tol * np.linalg.norm(w_new)
        w = w_new
        if converged:
            break
    result = check_fit(FitResult(coef=w, intercept=float(y_mean - X_mean @ w),
                                 n_iter=len(history), converged=bool(converged),
                                 history=history), "iht", X=X)
    if not converged:
        warnings.warn(
            f"iht did not converge in max_iter={max_iter} iterations; "
            "increase max_iter or tol.",
            convergence_warning(),
            stacklevel=2,
        )
    return result


def htp(X, y, k, *, fit_intercept=True, max_iter=100) -> FitResult:
    """Least squares with at most ``k`` non-zero weights, by hard thresholding pursuit.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Dense design matrix.
    y : array-like of shape (n_samples,)
        Target.
    k : int
        Largest number of non-zero weights, ``0 <= k <= n_features``.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (by centering ``X`` and ``y``).
    max_iter : int, default=100
        Largest number of iterations, at most ``MAX_ITER`` (100,000).

    Returns
    -------
    FitResult
        ``history`` holds the objective after each iteration.

    Notes
    -----
    The objective is the one of :func:`iht`,

    .. math:: \\min_{w, b} \\frac{1}{2n} \\|y - Xw - b\\|_2^2
              \\quad \\text{subject to} \\quad \\|w\\|_0 \\le k .

    Each iteration lets a gradient step choose the support, then fits least squares on it::

        g = X.T @ (y - X @ w) / n
        S <- the k largest entries of |w + mu * g|,   mu = ||g_T||^2 / (||X g_T||^2 / n)
        w <- 0;  w[S] <- argmin_v ||y - X[:, S] v||^2

    where ``g_T`` is ``g`` on the ``k`` largest ``|g|`` (after a refit ``g`` is zero on the
    support, so the step is set by the features that compete to enter). That step is not
    bounded by ``1/L``, so unlike :func:`iht` the objective is not guaranteed to fall at every
    iteration, and the support could cycle; then ``max_iter`` ends the run with a warning.
    It stops when the support repeats: the next iterate would be the same ``w``. The refit
    means the weights are never shrunk or left half-way, so the method typically settles in
    a few iterations (Foucart 2011, who analyses a fixed step ``mu``; with columns of unit
    variance ``mu = 1`` is his choice; the line-search step needs no such scaling). Like
    IHT it finds a local solution; only :func:`best_subset` is guaranteed to find the best.

    References
    ----------
    S. Foucart, "Hard thresholding pursuit: an algorithm for compressive sensing",
    SIAM Journal on Numerical Analysis 49(6), 2011.
    """
    X, y = _check_data(X, y)
    k = check_int(k, "k", low=0, high=X.shape[1])
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_iter = check_count(max_iter, "max_iter", MAX_ITER)
    Xc, yc, X_mean, y_mean = _center(X, y, fit_intercept)
    n = Xc.shape[0]

    w = np.zeros(Xc.shape[1])
    support = None
    history = []
    converged = False
    for _ in range(max_iter):
        g = Xc.T @ (yc - Xc @ w) / n
        # After the refit g is zero on the support (up to rounding), so the step is measured
        # along the k largest gradient entries: the features that compete to enter.
        step = _line_search_step(Xc, g, hard_threshold(g, k) != 0)
        new_support = np.flatnonzero(hard_threshold(w + step * g, k))
        converged = support is not None and np.array_equal(new_support, support)
        support = new_support
        w = np.zeros(Xc.shape[1])
        w[support] = np.linalg.lstsq(Xc[:, support], yc, rcond=None)[0]
        residual = yc - Xc @ w
        history.append(float(residual @ residual / (2 * n)))
        if converged:
            break
    result = check_fit(FitResult(coef=w, intercept=float(y_mean - X_mean @ w),
                                 n_iter=len(history), converged=bool(converged),
                                 history=history), "htp", X=X)
    if not converged:
        warnings.warn(
            f"htp did not converge in max_iter={max_iter} iterations (the support kept "
            "changing); increase max_iter.",
            convergence_warning(),
            stacklevel=2,
        )
    return result


def best_subset(X, y, k, *, fit_intercept=True, max_subsets=1_000_000) -> FitResult:
    """Best least-squares fit using exactly ``k`` features, by trying every subset.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Dense design matrix.
    y : array-like of shape (n_samples,)
        Target.
    k : int
        Subset size, ``0 <= k <= n_features`` (``k = 0`` fits the intercept only).
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` on every subset.
    max_subsets : int, default=1_000_000
        Refuse (``ValueError``) when ``math.comb(n_features, k)`` is larger than this; at most
        ``MAX_SUBSETS`` (1,000,000).

    Returns
    -------
    FitResult
        The best subset's weights (zeros outside the subset). ``n_iter`` is the number of
        subsets tried; ``history`` is the objective of every subset, in the order of
        ``itertools.combinations(range(n_features), k)`` (handy for plotting all of them).

    Notes
    -----
    The objective, minimized exactly, is

    .. math:: \\min_{w, b} \\frac{1}{2n} \\|y - Xw - b\\|_2^2
              \\quad \\text{subject to} \\quad \\|w\\|_0 \\le k ,

    (a subset of size ``k`` is never worse than a smaller one, so ``= k`` and ``<= k``
    agree). There are ``math.comb(p, k)`` subsets, ``2**p`` over all sizes: the search is
    exact but combinatorial, which is why L1 is used instead on real problems.

    The Gram matrix ``G = X.T @ X`` and ``c = X.T @ y`` (after centering) are computed once;
    each subset ``S`` then needs only a ``k x k`` solve ``G[S, S] w_S = c[S]``, and its residual
    sum of squares is ``y @ y - c[S] @ w_S``. Ties keep the first subset in the order above.
    """
    X, y = _check_data(X, y)
    p = X.shape[1]
    k = check_int(k, "k", low=0, high=p)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_subsets = check_count(max_subsets, "max_subsets", MAX_SUBSETS)
    n_subsets = math.comb(p, k)
    if n_subsets > max_subsets:
        raise ValueError(
            f"best_subset would try math.comb({p}, {k}) = {n_subsets:,} subsets of size k={k}, "
            f"more than max_subsets={max_subsets:,}; use a smaller k, fewer features, "
            "iht or the lasso, or raise max_subsets if you are willing to wait."
        )
    Xc, yc, X_mean, y_mean = _center(X, y, fit_intercept)
    n = Xc.shape[0]
    G, c, yy = Xc.T @ Xc, Xc.T @ yc, yc @ yc

    # Speed trick, BATCHES: the subsets are solved a batch at a time, as one stack of k x k
    # systems (numpy runs the same LAPACK solve on each), 10 to 35 times faster than a call each.
    subsets = itertools.combinations(range(p), k)
    batch = max(1, BATCH_VALUES // max(1, k * k))
    rss, best_rss, best_S = np.empty(n_subsets), np.inf, None
    for start in range(0, n_subsets, batch):
        chunk = list(itertools.islice(subsets, batch))
        S = np.array(chunk, dtype=np.intp).reshape(len(chunk), k)  # a subset per row
        rss_S = yy - np.einsum("ij,ij->i", c[S], _solve_subsets(G, c, S))  # y@y - c[S] @ w_S
        rss[start:start + len(S)] = rss_S
        i = int(np.argmin(rss_S))  # the first of equal ones, and of the batches the first
        if best_S is None or rss_S[i] < best_rss:
            best_rss, best_S = rss_S[i], S[i]

    w = np.zeros(p)
    w[best_S] = _solve_subsets(G, c, best_S[None])[0]
    history = (rss / (2 * n)).tolist()
    return check_fit(FitResult(coef=w, intercept=float(y_mean - X_mean @ w), n_iter=n_subsets,
                               converged=True, history=history), "best_subset", X=X)
