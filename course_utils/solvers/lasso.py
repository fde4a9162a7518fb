"""The Lasso and the elastic net, by coordinate descent (with a working set) or by FISTA.

Both solvers minimize the elastic-net objective with scikit-learn's scaling,

    1/(2n) ||y - Xw - b||^2 + alpha * l1_ratio * ||w||_1 + alpha * (1 - l1_ratio) / 2 * ||w||^2,

the Lasso being ``l1_ratio = 1``. They stop on the same duality gap as scikit-learn.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from scipy.sparse.linalg import ArpackError, LinearOperator, svds

from .._validation import (
    MAX_ALPHAS,
    MAX_ITER,
    check_array,
    check_bool,
    check_choice,
    check_count,
    check_fit,
    check_length,
    check_magnitude,
    check_scalar,
    check_X_y,
)
from ..penalties import _soft_threshold_unchecked
from ._result import FitResult, convergence_warning

__all__ = ["lasso", "lasso_path", "elastic_net"]

# Beyond this many features the full Gram matrix (p^2 floats) is not worth its memory.
GRAM_MAX_FEATURES = 2000
# Coordinate descent extrapolates its iterates once every ANDERSON_PASSES + 1 passes.
ANDERSON_PASSES = 5


def lasso(X, y, alpha, *, method="cd", fit_intercept=True, max_iter=1000, tol=1e-4,
          coef_init=None) -> FitResult:
    """Fit the Lasso by coordinate descent (``"cd"``) or FISTA (``"fista"``).

    Parameters
    ----------
    X : array-like of shape (n, p) or scipy.sparse matrix
        Design matrix. Sparse X is never densified.
    y : array-like of shape (n,)
        Target.
    alpha : float > 0
        Penalty strength, as in ``sklearn.linear_model.Lasso(alpha)``. For alpha = 0 (least
        squares) use ``ridge(X, y, 0.0)``.
    method : {"cd", "fista"}, default="cd"
        Coordinate descent or accelerated proximal gradient, both on a growing working set.
    fit_intercept : bool, default=True
        Fit an unpenalized intercept ``b`` (by centering X and y).
    max_iter : int, default=1000
        Maximum number of passes: coordinate-descent passes over the working set, or
        FISTA iterations; at most ``MAX_ITER`` (100,000).
    tol : float, default=1e-4
        Stop when the duality gap is at most ``tol * ||y - mean(y)||^2 / n`` (see Notes);
        ``tol=0`` runs all ``max_iter`` passes (a gap computed as 0 is only rounding).
    coef_init : array-like of shape (p,), optional
        Starting weights (a warm start, e.g. along a regularization path).

    Returns
    -------
    FitResult
        ``coef``, ``intercept``, ``n_iter`` (passes), ``converged`` and ``history``
        (the objective before each pass).

    Notes
    -----
    The objective is the one of ``sklearn.linear_model.Lasso(alpha)``:

    .. math:: \\min_{w, b} \\frac{1}{2n} \\|y - Xw - b\\|_2^2 + \\alpha \\|w\\|_1

    At the optimum, with ``residual = y - Xw - b``:
    ``|X_j^T residual| / n <= alpha`` where ``w_j = 0`` and ``= alpha * sign(w_j)`` elsewhere.

    Stopping rule (scikit-learn's, in this scaling): with ``theta`` the residual / n scaled down
    until ``max_j |X_j^T theta| <= alpha`` (a feasible point of the dual problem), the duality
    gap ``P(w) - D(theta)`` bounds how far the objective ``P(w)`` is from its minimum. The
    solver stops once ``gap <= tol * ||y - mean(y)||^2 / n``; scikit-learn's
    ``gap <= tol * ||y - mean(y)||^2`` is the same rule for its objective multiplied by n.

    What makes ``method="cd"`` converge in few passes (:func:`_working_set`, :func:`_cd_gram`):
    a WORKING SET, the support plus the features that violate the optimality conditions most
    (twice the support, at least 30), solved only to 0.3 times the full problem's duality gap
    while features outside it still violate them (celer's rule, Massias et al. 2018), so no
    passes polish weights that a feature outside the set will change; inside it, compiled
    cyclic CD passes, a SUPPORT SOLVE when a pass keeps the zeros and signs (with at least n
    non-zeros, a slide along X's null space that drops one of them), and ANDERSON
    EXTRAPOLATION of the iterates every 6 passes (Bertrand & Massias 2021, as skglm does),
    which on correlated and p > n problems jumps ahead along the valley where plain CD crawls.
    Each of the two jumps is kept only when it lowers the objective. On the 125 problems of
    ``tests/test_lasso_convergence.py`` (p > n, correlation up to 0.95, raw scales, alphas
    down to alpha_max / 1000, cross-validation folds of the course's data) it converges
    wherever scikit-learn's ``Lasso`` does, in at most as many passes.

    Exact early stop of ``method="cd"``: a pass depends on the weights alone (and the last few
    iterates the extrapolation keeps), so once they repeat, bit for bit, those of an earlier
    pass (with a tiny or zero ``tol`` rounding can keep the gap above it for ever), the passes
    cycle for ever. The solver then skips the whole
    cycles left and returns the weights ``max_iter`` passes would give, with the same
    ``converged`` and warning; ``n_iter`` counts the passes it ran.

    References
    ----------
    Friedman, Hastie, Tibshirani (2010), Regularization paths for generalized linear models
    via coordinate descent. Beck, Teboulle (2009), A fast iterative shrinkage-thresholding
    algorithm. Massias, Gramfort, Salmon (2018), Celer: a fast solver for the Lasso with dual
    extrapolation (working sets). Bertrand, Massias (2021), Anderson acceleration of coordinate
    descent.
    """
    method = check_choice(method, "method", {"cd", "fista"})
    return _fit(X, y, alpha, 1.0, method, fit_intercept, max_iter, tol, coef_init, "lasso")


def elastic_net(X, y, alpha, l1_ratio=0.5, *, fit_intercept=True, max_iter=1000, tol=1e-4,
                coef_init=None) -> FitResult:
    """Fit the elastic net by coordinate descent, as ``sklearn.linear_model.ElasticNet``.

    Parameters
    ----------
    X, y, alpha, fit_intercept, max_iter, tol, coef_init
        As in :func:`lasso`.
    l1_ratio : float in [0, 1], default=0.5
        Share of the L1 penalty; 1 is the Lasso, 0 is ridge (scaled as below).

    Returns
    -------
    FitResult

    Notes
    -----
    The objective is the one of ``sklearn.linear_model.ElasticNet(alpha, l1_ratio)``:

    .. math:: \\min_{w, b} \\frac{1}{2n} \\|y - Xw - b\\|_2^2
              + \\alpha \\rho \\|w\\|_1 + \\frac{\\alpha (1 - \\rho)}{2} \\|w\\|_2^2,
              \\quad \\rho = \\text{l1_ratio}.

    At the optimum ``X_j^T residual / n - alpha (1 - l1_ratio) w_j`` equals
    ``alpha l1_ratio sign(w_j)`` where ``w_j != 0`` and lies in ``[-alpha l1_ratio,
    alpha l1_ratio]`` where ``w_j = 0``. The stopping rule is the duality gap of :func:`lasso`.
    """
    l1_ratio = check_scalar(l1_ratio, "l1_ratio", low=0.0, high=1.0)
    return _fit(X, y, alpha, l1_ratio, "cd", fit_intercept, max_iter, tol, coef_init,
                "elastic_net")


def _fit(X, y, alpha, l1_ratio, method, fit_intercept, max_iter, tol, coef_init, name):
    """Check the input once, center, run the chosen solver, and report."""
    X, y = check_X_y(X, y)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])  # X^T X would overflow or underflow
    check_magnitude(y, "y", y.shape[0])
    # alpha = 0 is least squares, where the duality gap is no stopping rule: use ridge(X, y, 0.0)
    alpha = check_scalar(alpha, "alpha", low=0.0, low_inclusive=False)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_iter = check_count(max_iter, "max_iter", MAX_ITER)
    tol = check_scalar(tol, "tol")
    n, p = X.shape
    if coef_init is None:
        w = np.zeros(p)
    else:
        w = check_array(coef_init, "coef_init", ndim=1).copy()
        check_magnitude(w, "coef_init", X.shape[0] * X.shape[1])  # X @ w, like X's own scale
        if w.shape[0] != p:
            raise ValueError(f"coef_init must have length {p} (columns of X), got {w.shape[0]}.")

    X, y, x_offset, y_mean = _center(X, y, fit_intercept)
    tol_gap = tol * (y @ y) / n
    inner = functools.partial(_cd_gram, balance_solves=True) if method == "cd" else _fista_gram
    fit = _working_set(X, y, x_offset, w, alpha, l1_ratio, tol_gap, max_iter, inner,
                       _products(X, y, x_offset))
    return _result(*fit, tol_gap, X, x_offset, y_mean, name, max_iter, stacklevel=4)


def lasso_path(X, y, alphas, *, fit_intercept=True, max_iter=1000, tol=1e-4) -> list[FitResult]:
    """Fit the Lasso for each alpha in ``alphas`` by coordinate descent, with warm starts.

    The problems of ``[lasso(X, y, alpha, ...) for alpha in alphas]``, solved to the same
    stopping rule by the same solver, but X and y are checked and centered once, ``X^T y`` (and
    the Gram matrix ``X^T X`` when p <= ``GRAM_MAX_FEATURES``) computed once, and the alphas
    solved from the largest down, each starting from the previous solution (a warm start).

    Parameters
    ----------
    X : array-like of shape (n, p) or scipy.sparse matrix
        Design matrix. Sparse X is never densified.
    y : array-like of shape (n,)
        Target.
    alphas : array-like of shape (n_alphas,)
        Penalty strengths, all > 0, in any order; at most ``MAX_ALPHAS`` (1,000) of them.
    fit_intercept, max_iter, tol
        As in :func:`lasso`, for each alpha.

    Returns
    -------
    list of FitResult
        One per alpha, in the order of ``alphas``.

    Notes
    -----
    For each alpha the objective is the one of ``sklearn.linear_model.Lasso(alpha)``,

    .. math:: \\min_{w, b} \\frac{1}{2n} \\|y - Xw - b\\|_2^2 + \\alpha \\|w\\|_1,

    and the stopping rule the duality gap of :func:`lasso`, checked for each alpha (a
    ConvergenceWarning names any alpha where ``max_iter`` passes were not enough). The weights
    match a cold ``lasso`` call's to within that rule, not digit for digit: the warm start
    takes other iterates. ``sklearn.linear_model.lasso_path`` fits no intercept; this function
    fits one unless ``fit_intercept=False``.

    Two speed tricks of the path: before its first CD pass, each alpha starts with a support
    solve (:func:`_support_solve`) on the previous alpha's support and signs, which between two
    close alphas often are already right (then that solve is the whole fit); and with more than
    ``GRAM_MAX_FEATURES`` features, the Gram matrix of the features the working sets have met
    is kept from one alpha to the next (:class:`_GramCache`).
    """
    X, y = check_X_y(X, y)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])
    check_magnitude(y, "y", y.shape[0])
    alphas = check_length(check_array(alphas, "alphas", ndim=1), "alphas", MAX_ALPHAS)
    if np.any(alphas <= 0):
        raise ValueError(f"alphas must all be > 0, got {alphas[alphas <= 0][0]}; for alpha = 0 "
                         f"(least squares) use ridge(X, y, 0.0).")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_iter = check_count(max_iter, "max_iter", MAX_ITER)
    tol = check_scalar(tol, "tol")
    n, p = X.shape

    X, y, x_offset, y_mean = _center(X, y, fit_intercept)
    tol_gap = tol * (y @ y) / n
    products = _products(X, y, x_offset, cache_gram=True)
    Xty, gram_of = products[0], products[3]
    w, results = np.zeros(p), [None] * alphas.size
    for i in np.argsort(-alphas, kind="stable"):  # warm starts: from the sparsest solution down
        w, S = w.copy(), np.flatnonzero(w)
        if S.size > 0:  # the previous support and signs are a good guess: a support solve first
            w_S = _support_solve(gram_of(S), Xty[S], n, w[S], alphas[i], 0.0)
            w[S] = w[S] if w_S is None else w_S
        fit = _working_set(X, y, x_offset, w, alphas[i], 1.0, tol_gap, max_iter,
                           functools.partial(_cd_gram, balance_solves=True),
                           products)
        results[i] = _result(*fit, tol_gap, X, x_offset, y_mean,
                             f"lasso_path (alpha={alphas[i]:.3g})", max_iter, stacklevel=3)
        w = fit[0]
    return results


def _result(w, n_iter, gap, history, tol_gap, X, x_offset, y_mean, name, max_iter, stacklevel):
    """The FitResult of a fit on centered data, with a ConvergenceWarning if the gap is not met."""
    converged = _gap_met(gap, tol_gap)
    result = check_fit(FitResult(coef=w, intercept=float(y_mean - x_offset @ w), n_iter=n_iter,
                                 converged=converged, history=history), name.split(" ")[0], X=X)
    if not converged:
        warnings.warn(
            f"{name} did not converge in max_iter={max_iter} passes: duality gap {gap:.3g} > "
            f"{tol_gap:.3g}. Increase max_iter or tol.",
            convergence_warning(),
            stacklevel=stacklevel,
        )
    return result


def _gap_met(gap, tol_gap):
    """The stopping rule ``gap <= tol_gap``, never met for ``tol_gap = 0``: a gap computed as 0
    is rounding (of about 1e-16 of the objective), no proof of an exact minimum, so ``tol=0``
    always runs ``max_iter`` passes (the cycle skip may end them early)."""
    return bool(gap <= tol_gap and tol_gap > 0)  # a Python bool, not numpy's


def _center(X, y, fit_intercept):
    """Center X and y so the intercept drops out: b = mean(y) - mean(X) @ w afterwards.

    X is centered implicitly, without a copy and without densifying a sparse X: its column
    means ``x_offset`` are subtracted in every product, ``(X - 1 x_offset^T) w = X w -
    (x_offset @ w) 1``. (Features with a mean much larger than their spread lose some digits
    this way; scale such features first, as one should for the Lasso anyway.)
    """
    if not fit_intercept:
        return X, y, np.zeros(X.shape[1]), 0.0
    x_offset = np.asarray(X.mean(axis=0)).ravel()
    y_mean = float(y.mean())
    return X, y - y_mean, x_offset, y_mean


def _matvec(X, w, x_offset):
    """(X - 1 x_offset^T) @ w, using only the columns where w is non-zero (w is sparse)."""
    nz = np.flatnonzero(w)
    return X[:, nz] @ w[nz] - x_offset[nz] @ w[nz]


def _rmatvec(X, r, x_offset):
    """(X - 1 x_offset^T)^T @ r."""
    return X.T @ r - x_offset * r.sum()


def _duality_gap(X, y, x_offset, w, alpha, l1_ratio):
    """Return (gap, objective, X^T residual) at ``w``: scikit-learn's gap, divided by n."""
    n = y.shape[0]
    residual = y - _matvec(X, w, x_offset)
    Xt_residual = _rmatvec(X, residual, x_offset)
    gap, objective = _gap(Xt_residual, residual @ residual / n, residual @ y / n, w, alpha,
                          l1_ratio, n)
    return gap, objective, Xt_residual


def _gram_duality_gap(G, Xty, yy, n, w, alpha, l1_ratio, Xt_residual=None):
    """:func:`_duality_gap` from ``G = X^T X``, ``Xty = X^T y`` and ``yy = y^T y`` alone.

    With ``residual = y - Xw``: ``X^T residual = Xty - G w``, ``residual^T y = yy - w^T Xty``
    and ``residual^T residual = residual^T y - w^T X^T residual``: O(k^2), no product with X;
    O(k) when ``Xt_residual``, X^T residual at w, is given.
    """
    if Xt_residual is None:
        Xt_residual = Xty - G @ w
    ry = yy - w @ Xty
    gap, objective = _gap(Xt_residual, (ry - w @ Xt_residual) / n, ry / n, w, alpha, l1_ratio,
                          n)
    return gap, objective, Xt_residual


def _gap(Xt_residual, r2, ry, w, alpha, l1_ratio, n):
    """Duality gap and objective from X^T residual, residual^T residual / n, residual^T y / n."""
    l1, l2 = alpha * l1_ratio, alpha * (1.0 - l1_ratio)
    w2 = w @ w
    objective = 0.5 * r2 + 0.5 * l2 * w2 + l1 * np.abs(w).sum()
    if l1 > 0:  # dual point theta = scale * residual / n, scaled to be feasible
        dual_norm = np.max(np.abs(Xt_residual / n - l2 * w), initial=0.0)
        scale = min(1.0, l1 / dual_norm) if dual_norm > 0 else 1.0
        gap = objective + 0.5 * scale**2 * (r2 + l2 * w2) - scale * ry
    else:  # l1_ratio = 0, ridge: scikit-learn's "formulation B"
        gap = r2 + 0.5 * l2 * w2 - ry + (Xt_residual / n) @ (Xt_residual / n) / (2 * l2)
    return max(gap, 0.0), objective


def _gram(X, x_offset):
    """Dense Gram matrix ``X_c^T X_c`` of the (implicitly) centered X."""
    G = X.T @ X
    return (G.toarray() if sp.issparse(G) else G) - X.shape[0] * np.outer(x_offset, x_offset)


def _products(X, y, x_offset, cache_gram=False):
    """What every fit on (X, y) shares: ``X^T y``, ``y^T y``, the full Gram matrix when p is
    moderate and X is tall (n >= 2p) or a path will reuse it (``cache_gram``), else None, and a
    function giving a working set's Gram matrix."""
    n, p = X.shape
    Xty, yy = _rmatvec(X, y, x_offset), y @ y
    if (n >= 2 * p or cache_gram) and p <= GRAM_MAX_FEATURES:
        gram = _gram(X, x_offset)
        return Xty, yy, gram, lambda ws: gram if ws.size == p else gram[np.ix_(ws, ws)]
    if cache_gram:
        return Xty, yy, None, _GramCache(X, x_offset)
    return Xty, yy, None, lambda ws: _gram(X[:, ws], x_offset[ws])


class _GramCache:
    """Speed trick of :func:`lasso_path`, a GRAM CACHE: ``X_c^T X_c`` among the features the
    working sets have met so far, grown by the new ones only, so that no alpha rebuilds its
    working set's Gram matrix from scratch (memory: (features met)^2 floats). Used when p is
    above ``GRAM_MAX_FEATURES``; below, the path computes the full Gram matrix once."""

    def __init__(self, X, x_offset):
        self.X, self.x_offset = X, x_offset
        self.features = np.empty(0, dtype=np.intp)  # the features met, in the order of `block`
        self.position = np.full(X.shape[1], -1)  # where feature j is in `block`, -1 if not met
        self.block = np.empty((0, 0))

    def __call__(self, ws):
        new = ws[self.position[ws] < 0]
        if new.size > 0:
            X, x_offset, met = self.X, self.x_offset, self.features
            cross = X[:, met].T @ X[:, new]
            cross = ((cross.toarray() if sp.issparse(cross) else cross)
                     - X.shape[0] * np.outer(x_offset[met], x_offset[new]))
            self.block = np.block([[self.block, cross],
                                   [cross.T, _gram(X[:, new], x_offset[new])]])
            self.position[new] = np.arange(met.size, met.size + new.size)
            self.features = np.concatenate([met, new])
        at = self.position[ws]
        return self.block[np.ix_(at, at)]


def _working_set(X, y, x_offset, w, alpha, l1_ratio, tol_gap, max_iter, inner, products):
    """Run ``inner`` (CD or FISTA) on a working set, doubled until no coordinate violates the KKT.

    Speed tricks of both solvers, all in this one place: GRAM MATRICES and a WORKING SET (CD has
    one more of its own, the SUPPORT SOLVE of :func:`_support_solve`).
    The inner solver runs on the set's Gram matrix ``G = X_ws^T X_ws`` and ``X_ws^T y``, so a
    pass costs O(k^2) for k coordinates in the set, whatever n. One product X^T residual screens
    all p coordinates; the set holds the current support plus the worst violators of
    ``|X_j^T residual| / n <= alpha``, twice the support's size (at least 30; twice the last
    set when that one needed no pass), until the duality gap of the full problem is small (at
    worst the set becomes all of p). Each set is solved to 0.3 times the full gap while
    coordinates outside it violate, else to 0.3 times the target gap (celer's rule).
    When X is tall (n >= 2p, p moderate) or along a path,
    the full p x p Gram matrix is computed once and the screening costs O(p^2) too: X is never
    touched again.
    ``products`` (:func:`_products`) holds these, shared by the fits of a path.
    """
    n, p = X.shape
    l2 = alpha * (1.0 - l1_ratio)
    Xty, yy, gram, gram_of = products
    ws_size = min(p, max(30, 2 * np.count_nonzero(w)))
    n_iter, history, periodic = 0, [], False
    while True:
        if gram is None and not np.any(w):  # residual = y: X^T residual is X^T y, known
            gap, _ = _gap(Xty, yy / n, yy / n, w, alpha, l1_ratio, n)
            Xt_residual = Xty
        elif gram is None:
            gap, _, Xt_residual = _duality_gap(X, y, x_offset, w, alpha, l1_ratio)
        else:
            gap, _, Xt_residual = _gram_duality_gap(gram, Xty, yy, n, w, alpha, l1_ratio)
        # periodic: the inner solver skipped its last passes, which would have used up max_iter
        if _gap_met(gap, tol_gap) or n_iter >= max_iter or periodic:
            return w, n_iter, gap, history
        score = np.abs(Xt_residual / n - l2 * w)
        score[w != 0] = np.inf  # the support always stays in the set
        ws = np.sort(np.argpartition(-score, ws_size - 1)[:ws_size])
        G = gram_of(ws)
        # While features outside the set violate |X_j^T residual| / n <= alpha, the set is
        # solved only to 0.3 times the full problem's gap (celer's rule): no passes polish
        # weights that those features will change. Once none does, to 0.3 times the target.
        violated_outside = ws.size < p and np.count_nonzero(score > alpha * l1_ratio) > ws.size
        inner_tol = 0.3 * (gap if violated_outside else tol_gap)
        w[ws], passes, periodic = inner(G, Xty[ws], yy, n, w[ws], alpha, l1_ratio,
                                        inner_tol, max_iter - n_iter, history)
        if passes == 0 and ws.size == p:  # rounding floor: the Gram gap is met, X's is not
            return w, n_iter, gap, history
        n_iter += passes
        # the next set: twice the support (as celer and skglm do) after a loose round; after a
        # round solved to the target whose full gap is still above it, twice this set
        ws_size = min(p, max(30, 2 * np.count_nonzero(w)) if violated_outside else 2 * ws_size)


def _cd_gram(G, Xty, yy, n, w, alpha, l1_ratio, tol_gap, max_passes, history,
             skip_cycles=True, balance_solves=False):
    """Cyclic coordinate descent on ``G = X^T X``, ``Xty = X^T y``; return (w, passes done,
    whether the passes had become periodic).

    Each pass is :func:`_cd_pass` (compiled). Two accelerations between passes, each kept only
    when it lowers the objective, so the stopping rule and the minimum are unchanged:

    - SUPPORT SOLVE (:func:`_support_solve`): after a pass that kept the zeros and signs, a
      jump toward the minimum on that support. With ``balance_solves`` (the Lasso's fits; the
      Newton steps of ``logistic_l1``, a few passes each, try one after every such pass) and
      k > 60 non-zeros, at most once per (k - 60) / 6 passes, as a solve (k^3 / 3 flops)
      costs about k / 6 passes (2 k^2 each).
    - ANDERSON EXTRAPOLATION (:func:`_anderson`; Bertrand & Massias 2021, as skglm does):
      every ``ANDERSON_PASSES + 1`` passes, the combination of the last iterates that best
      cancels their differences: on correlated or p > n problems plain CD crawls along a
      narrow valley for hundreds of passes, and this jumps ahead along it.

    Exact stop, a CYCLE SKIP: a pass depends only on the state (w, X^T residual as the passes
    keep it, the iterates kept for the extrapolation and the passes since the last support
    solve), so once the state repeats, bit for bit, the state of ``period`` passes before
    (rounding can keep the gap above a tiny ``tol_gap`` for ever: a pass that changes nothing
    is a period of 1), the passes repeat for ever. Whole periods are skipped and only the
    rest of ``max_passes`` is run: the w that ``max_passes`` passes give, in fewer passes.
    Repeats are looked for as Brent's cycle detection does, against the state of pass 1, 2,
    4, 8, ...
    """
    cd_pass = _compiled_cd_pass()
    l1, l2 = alpha * l1_ratio, alpha * (1.0 - l1_ratio)

    def objective_at(v, Xt_residual=None):
        return _gram_duality_gap(G, Xty, yy, n, v, alpha, l1_ratio, Xt_residual)[1]

    iterates, passes_since_solve = [], w.size  # the last passes' w, for the extrapolation
    Xt_residual = None  # X^T residual, kept up to date by the passes, recomputed after a jump
    passes, budget = 0, max_passes
    seen, seen_at = None, 0
    while passes < budget:
        gap, objective, Xt_residual = _gram_duality_gap(G, Xty, yy, n, w, alpha, l1_ratio,
                                                        Xt_residual)
        history.append(objective)  # w is zero outside the set: this is the full objective
        if _gap_met(gap, tol_gap):
            return w, passes, False
        signs = np.sign(w)
        cd_pass(G, Xt_residual, w, l1, l2, n)
        passes_since_solve = min(passes_since_solve + 1, w.size)  # bounded: a finite state
        # a support solve costs about k^3 / 3 flops, a pass about 2 k^2: beyond 60 non-zeros
        # (below, Python's own overhead makes both cheap), one is tried only after (k - 60) / 6
        # passes since the last, so solves take at most about as long as passes
        k = np.count_nonzero(w)
        if np.array_equal(np.sign(w), signs) and (6 * passes_since_solve + 60 >= k
                                                  or not balance_solves):
            passes_since_solve = 0
            S = np.flatnonzero(w)
            w_S = _support_solve(G[np.ix_(S, S)], Xty[S], n, w[S], l1, l2)
            if w_S is not None:
                w[S], Xt_residual = w_S, None
        iterates.append(w.copy())
        if len(iterates) == ANDERSON_PASSES + 1:
            extrapolated = _anderson(iterates)
            # kept if it lowers the objective clearly (by more than 1e-12 of it): a step within
            # the objective's rounding noise would keep w from settling (see the cycle skip)
            if extrapolated is not None:
                extrapolated[w == 0] = 0.0  # only the support moves: no weight made non-zero
                f = objective_at(w, Xt_residual)
                if objective_at(extrapolated) < f - 1e-12 * abs(f):
                    w[:] = extrapolated
            iterates, Xt_residual = [], None  # recomputed: no rounding drift builds up
        passes += 1
        state = b"".join([w.tobytes(), str(passes_since_solve).encode()]
                         + [v.tobytes() for v in iterates + [Xt_residual] if v is not None])
        if skip_cycles and state == seen:  # the cycle skip
            period = passes - seen_at
            budget -= (budget - passes) // period * period
        elif passes & (passes - 1) == 0:  # pass 1, 2, 4, 8, ...: the state to compare with
            seen, seen_at = state, passes
    return w, passes, budget < max_passes


def _anderson(iterates):
    """Anderson extrapolation of the iterates w_0, ..., w_K (Bertrand & Massias 2021).

    With the differences u_i = w_i - w_(i-1), find the weights c (summing to 1) that make
    ``sum_i c_i u_i`` shortest, ``c = (U U^T)^-1 1 / (1^T (U U^T)^-1 1)``, and return
    ``sum_i c_i w_i``: where CD converges linearly, a guess of its limit. None when U U^T is
    singular (the iterates have stopped moving).
    """
    W = np.array(iterates)
    U = np.diff(W, axis=0)
    try:
        z = np.linalg.solve(U @ U.T, np.ones(U.shape[0]))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(z)) or z.sum() == 0.0:
        return None
    return (z / z.sum()) @ W[1:]


def _cd_pass(G, Xt_residual, w, l1, l2, n):
    """One pass of cyclic coordinate descent over all of w, in place on ``w`` and on
    ``Xt_residual = X^T residual`` (kept up to date through ``G = X^T X``, never through X)."""
    for j in range(w.shape[0]):
        col_norm2 = G[j, j]  # X_j^T X_j
        if col_norm2 == 0.0:
            continue  # a constant column: w_j stays 0
        w_j = w[j]
        # rho: correlation of feature j with the residual left when w_j is taken out
        rho = (Xt_residual[j] + col_norm2 * w_j) / n
        shrunk = rho - l1 if rho > l1 else (rho + l1 if rho < -l1 else 0.0)  # soft-threshold
        w_j_new = shrunk / (col_norm2 / n + l2)
        if w_j_new != w_j:  # residual -= X_j (w_j_new - w_j), seen through X^T
            w[j] = w_j_new
            step = w_j_new - w_j
            for k in range(w.shape[0]):
                Xt_residual[k] -= G[j, k] * step


@functools.cache
def _compiled_cd_pass():
    """:func:`_cd_pass` compiled by numba, imported on first use (so that importing the course's
    solvers does not pay numba's start-up). Without numba, or with ``NUMBA_DISABLE_JIT=1``, the
    same function runs as plain Python: the same updates, about 100 times slower."""
    try:
        from numba import njit
    except ImportError:  # numba is a requirement; without it the pass runs as plain Python
        return _cd_pass
    return njit(cache=True)(_cd_pass)


def _support_solve(G_S, Xty_S, n, w_S, l1, l2):
    """Speed trick, SUPPORT SOLVE: jump toward the optimum once the support and signs are known.

    ``w_S`` are the non-zero weights, on a support S, ``G_S = X_S^T X_S`` and ``Xty_S = X_S^T y``.
    With S and the signs s = sign(w_S) fixed, the objective is a quadratic in w_S,
    minimized where ``(G_S / n + l2 I) w_S = Xty_S / n - l1 s`` (the KKT conditions on S).
    Walk from w_S toward that solution until its end or until a weight reaches 0 (it leaves S),
    and return the new w_S if the objective went down, else None (in exact arithmetic it always
    goes down; rounding can spoil it when X_S is nearly rank deficient). The next duality gap
    says whether S was right (a coordinate outside violating its KKT condition continues CD).

    More non-zeros than samples (the Lasso, l2 = 0, with k >= n): then X_S has a NULL SPACE,
    directions d with ``X_S d = 0``, and the system above is singular: ``np.linalg.solve``
    returns rounding noise (weights of 1e15) whose direction depends on the LAPACK build, so
    the walk toward it lowered the objective under numpy 1.26 and not under 2.4, and the
    passes that followed differed (1,854 against 140 on notebook 06's 20 x 100 fit). Instead,
    :func:`_null_space_slide`: moving along d leaves the fit ``X_S w_S`` as it is and changes
    only the L1 norm, ``l1 * s^T w_S``, so sliding along ``d = -(projection of s onto the null
    space)`` lowers the objective until the first weight reaches 0. (This is why a Lasso
    solution needs at most n non-zeros.) The null space is a subspace, the same whichever
    basis ``np.linalg.eigh`` returns for it: every numpy takes the same step.
    """
    s = np.sign(w_S)
    A, b = G_S / n, Xty_S / n

    def objective(v):  # on S, up to a constant, and the L1 norm of v
        norm = np.abs(v).sum()
        return v @ (A @ v) / 2 - b @ v + l1 * norm, norm

    def lower(target):  # target if it is lower than w_S, even counting its rounding, else None
        # (on a nearly singular G_S, a column rescaled from others, solve() can return
        # weights of 1e16 whose objective is rounding alone)
        if target is None:
            return None
        (new, new_norm), (old, old_norm) = objective(target), objective(w_S)
        if new > old:
            return None
        # a bound on the rounding of objective(v): 2 eps k (|v|^T |A| |v| / 2 + |b|^T |v|),
        # itself bounded through ||v||_1 (a term of |v|^T |A| |v| is at most max|A| |v_i| |v_j|)
        A_max, b_max = np.abs(A).max(initial=0.0), np.abs(b).max(initial=0.0)
        error = [2 * np.finfo(np.float64).eps * v_size * (m * m * A_max / 2 + b_max * m)
                 for m, v_size in ((new_norm, target.size), (old_norm, w_S.size))]
        return target if new + error[0] <= old + error[1] else None

    if l2 > 0:
        A[np.diag_indices_from(A)] += l2
    elif w_S.size >= n:  # X_S has n rows (rank n - 1 once centered): look for a null space
        values, vectors = np.linalg.eigh(A)
        null = vectors[:, values <= 1e-10 * values[-1]]  # X_S d = 0, up to rounding
        if null.shape[1] > 0:
            return lower(_null_space_slide(w_S, -(null @ (null.T @ s))))
    try:
        if w_S.size > 60:  # A is symmetric positive definite (unless X_S is rank deficient):
            # Cholesky, k^3 / 3 flops, half of LU's (lasso_path's large supports)
            target = scipy.linalg.cho_solve(scipy.linalg.cho_factor(A, check_finite=False),
                                            b - l1 * s, check_finite=False)
        else:  # small: Python's overhead, not the flops, is the cost of either
            target = np.linalg.solve(A, b - l1 * s)
    except np.linalg.LinAlgError:  # X_S is rank deficient: no unique point to walk to
        return None
    crossing = np.flatnonzero(np.sign(target) != s)
    if crossing.size > 0:  # stop where the first weight crosses 0, and set it to exactly 0
        t = w_S[crossing] / (w_S[crossing] - target[crossing])
        target = w_S + t.min() * (target - w_S)
        target[crossing[np.argmin(t)]] = 0.0
    return lower(target)


def _null_space_slide(w_S, d):
    """``w_S + t d`` for the smallest t > 0 at which a weight reaches 0 (set to exactly 0 there),
    or None if no weight shrinks along d (d = 0: s is orthogonal to the null space)."""
    shrinking = np.flatnonzero(d * np.sign(w_S) < 0)
    if shrinking.size == 0:
        return None
    t = -w_S[shrinking] / d[shrinking]
    target = w_S + t.min() * d
    target[shrinking[np.argmin(t)]] = 0.0
    return target


def _fista_gram(G, Xty, yy, n, w, alpha, l1_ratio, tol_gap, max_iter, history):
    """FISTA with function-value restart (O'Donoghue & Candes, 2015) on ``G = X^T X``; return
    (w, iterations done, False: its momentum keeps changing, no cycle skip as in CD)."""
    L = np.linalg.eigvalsh(G)[-1] / n  # of the gradient of 1/(2n)||y - Xw||^2
    w_old, Xt_residual_old, t = w, 0.0, 1.0
    for n_iter in range(max_iter):
        gap, objective, Xt_residual = _gram_duality_gap(G, Xty, yy, n, w, alpha, l1_ratio)
        if _gap_met(gap, tol_gap):
            return w, n_iter, False
        if n_iter > 0 and objective > history[-1]:
            t = 1.0  # restart: no momentum when the objective went up
        history.append(objective)
        t_next = (1.0 + np.sqrt(1.0 + 4.0 * t * t)) / 2.0
        momentum = (t - 1.0) / t_next  # 0 on the first step and after a restart
        z = w + momentum * (w - w_old)
        # X^T (y - X z) by linearity from the last two iterates: no extra product with G
        Xt_residual_z = Xt_residual + momentum * (Xt_residual - Xt_residual_old)
        w_old, Xt_residual_old, t = w, Xt_residual, t_next
        w = _soft_threshold_unchecked(z + Xt_residual_z / (n * L), alpha / L)
    return w, max_iter, False


def _lipschitz(X, x_offset):
    """Largest eigenvalue of X_c^T X_c / n, X_c the (implicitly) centered X."""
    n, p = X.shape
    if min(n, p) <= 2:
        Xc = (X.toarray() if sp.issparse(X) else X) - x_offset
        return np.linalg.norm(Xc, 2) ** 2 / n
    Xc = LinearOperator(X.shape, matvec=lambda v: _matvec(X, v.ravel(), x_offset),
                        rmatvec=lambda r: _rmatvec(X, r.ravel(), x_offset), dtype=np.float64)
    try:
        sigma = svds(Xc, k=1, return_singular_vectors=False, random_state=0)[0]
    except ArpackError:  # e.g. X_c = 0, where ARPACK finds no start: a bound, ||X_c||_F^2 / n
        squares = X.multiply(X).sum(axis=0) if sp.issparse(X) else (X * X).sum(axis=0)
        return float(np.maximum(np.ravel(squares) - n * x_offset**2, 0.0).sum()) / n
    return sigma**2 / n
