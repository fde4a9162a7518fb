"""L1-penalized logistic regression by FISTA or proximal Newton, scaled as scikit-learn's with
C = 1/(n alpha)."""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logit

from .._validation import (
    MAX_ITER,
    check_binary_labels,
    check_bool,
    check_choice,
    check_count,
    check_fit,
    check_magnitude,
    check_scalar,
    check_X_y,
)
from ..penalties import _soft_threshold_unchecked
from ._result import FitResult, convergence_warning
from .lasso import _cd_gram, _gram_duality_gap, _lipschitz

__all__ = ["logistic_l1"]

# Proximal Newton solves each step's weighted Lasso only roughly: to this fraction of its duality
# gap at the current weights, in at most this many CD passes (the line search and the next step
# correct the rest; on notebook 05's path more passes made the fits slower, not more accurate).
INNER_GAP_RATIO = 1e-3
INNER_MAX_PASSES = 10
# The objective's relative rounding: a change smaller than ROUNDING * objective cannot be told
# from zero by computing the objective (the line search's measure of its change is sharper).
ROUNDING = np.finfo(np.float64).eps


def logistic_l1(X, y, alpha, *, method="newton", fit_intercept=True, max_iter=1000,
                tol=1e-6) -> FitResult:
    """Fit L1-penalized logistic regression by proximal Newton or by FISTA.

    Parameters
    ----------
    X : array-like of shape (n, p) or scipy.sparse matrix
        Design matrix.
    y : array-like of shape (n,)
        Labels, 0 or 1.
    alpha : float >= 0
        Penalty strength; scikit-learn's ``C`` is ``1 / (n * alpha)``. ``method="newton"``
        (the default) needs alpha > 0: pass ``method="fista"`` for ``alpha = 0``.
    method : {"newton", "fista"}, default="newton"
        ``"newton"``: proximal Newton, as glmnet and liblinear do it, a few expensive steps
        (a weighted Lasso each, solved by the coordinate descent of :func:`lasso`); on notebook
        05's feature crosses 2x (at tol 1e-4) to 12x (at 1e-8) faster than FISTA, and faster than
        scikit-learn's liblinear (``benchmarks/RESULTS.md``; see :func:`_proximal_newton`).
        ``"fista"``: accelerated proximal gradient, many cheap steps (one gradient each), the
        method of notebook 04's Lasso, whose iterates are easy to follow.
    fit_intercept : bool, default=True
        Fit an intercept ``b``; it is not penalized.
    max_iter : int, default=1000
        Maximum number of iterations (FISTA steps or Newton steps); at most ``MAX_ITER``
        (100,000).
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
    ``method="newton"`` measures the distance to these conditions directly, the largest
    ``|grad_w_j + alpha sign(w_j)|`` over ``w_j != 0`` and ``|grad_w_j| - alpha`` over
    ``w_j = 0``, with ``|grad_b|`` (it needs no ``L``); it is never smaller than FISTA's measure,
    so a ``tol`` is at least as strict for Newton. Its line search measures the objective's
    change term by term (:func:`_objective_change`), and a step too small for even that
    (predicted decrease below the objective's rounding) is kept when it lowers the optimality
    measure, as newGLMNET does; so it reaches a ``tol`` down to about 1e-14 on well-scaled data,
    and wherever FISTA reaches one (``tests/test_solvers_batch.py`` checks both on a family of
    problems built to hit the rounding: large features, near separation, duplicated columns).
    When no step lowers either any more, it stops early and its ``ConvergenceWarning`` says so.
    """
    X, y = check_X_y(X, y)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])  # X^T X would overflow or underflow
    y = check_binary_labels(y, "y")
    alpha = check_scalar(alpha, "alpha")
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    max_iter = check_count(max_iter, "max_iter", MAX_ITER)
    tol = check_scalar(tol, "tol")
    method = check_choice(method, "method", {"fista", "newton"})
    if method == "newton" and alpha == 0:
        raise ValueError("alpha must be > 0 with method='newton' (its inner Lasso solver stops "
                         "on a duality gap that needs a penalty); use method='fista'.")

    # X^T once, in the layout of X (CSR for a CSR X): both methods compute X^T error at every
    # step, and scipy would otherwise rebuild a transposed view each time.
    X_t = X.T.tocsr() if sp.issparse(X) else X.T
    solve = _proximal_newton if method == "newton" else _fista
    w, b, n_iter, violation, history, stalled = solve(X, X_t, y, alpha, fit_intercept,
                                                      max_iter, tol)

    converged = bool(violation <= tol)
    result = check_fit(FitResult(coef=w, intercept=float(b), n_iter=n_iter, converged=converged,
                                 history=history), "logistic_l1", inputs="X", X=X)
    if stalled:
        warnings.warn(
            f"logistic_l1 stopped after {n_iter} Newton steps, before max_iter={max_iter}: no "
            f"step along the next Newton direction lowers the objective any more (rounding), "
            f"at optimality measure {violation:.3g} > tol={tol:.3g}. Increase tol, or use "
            f"method='fista'.",
            convergence_warning(),
            stacklevel=2,
        )
    elif not converged:
        warnings.warn(
            f"logistic_l1 did not converge in max_iter={max_iter} iterations: optimality "
            f"measure {violation:.3g} > tol={tol:.3g}. Increase max_iter or tol.",
            convergence_warning(),
            stacklevel=2,
        )
    return result


def _fista(X, X_t, y, alpha, fit_intercept, max_iter, tol):
    """FISTA with function-value restart; return (w, b, iterations, violation, history,
    stalled=False)."""
    n, p = X.shape
    # The log-loss has curvature at most 1/4: L bounds the Hessian of the mean loss in (w, b).
    L = (_lipschitz(X, np.zeros(p)) + float(fit_intercept)) / 4.0
    L = max(L, np.finfo(np.float64).tiny)  # L = 0 (X = 0, no intercept): any step size works

    def gradient(margin):  # of the mean log-loss, in w and in b
        error = expit(margin) - y
        return X_t @ error / n, error.mean() if fit_intercept else 0.0

    w, b = np.zeros(p), 0.0
    w_old, b_old, margin_old, t, history = w, b, X @ w + b, 1.0, []
    for n_iter in range(max_iter + 1):
        margin = X @ w + b
        objective = _objective(margin, y, w, alpha)
        grad_w, grad_b = gradient(margin)
        step = w - _soft_threshold_unchecked(w - grad_w / L, alpha / L)
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
        w, b = _soft_threshold_unchecked(z - grad_w / L, alpha / L), z_b - grad_b / L
    return w, b, n_iter, violation, history, False


def _proximal_newton(X, X_t, y, alpha, fit_intercept, max_iter, tol):
    """Proximal Newton with a working set; return (w, b, iterations, violation, history,
    stalled), ``stalled`` when the line search found no step that lowers the objective.

    Each step replaces the mean log-loss by its second-order Taylor model around the current
    margins ``m = X w + b``. With probabilities ``q = expit(m)``, errors ``e = q - y`` and
    weights ``d = q (1 - q)``, that model is a weighted least-squares loss,

        1/(2n) sum_i d_i (z_i - x_i w' - b')^2 + constant,   z = m - e / d,

    so the step is a Lasso with weights, solved by the Lasso's own coordinate descent
    (``_cd_gram``) on ``G = X_ws^T D X_ws``: only over a WORKING SET ws, the support and the
    features whose KKT condition ``|grad_j| <= alpha`` fails (at most twice as many as the
    support, the worst first), and with the intercept eliminated by weighted centering, as
    :func:`lasso` centers X and y. A backtracking line search along ``(w', b') - (w, b)`` keeps
    the true objective going down (below the objective's rounding: the optimality measure).
    Near the optimum one step is nearly exact: a handful of steps replaces FISTA's hundreds of
    gradient steps.

    References
    ----------
    Friedman, Hastie, Tibshirani (2010), glmnet; Yuan, Ho, Lin (2012), An improved GLMNET for
    L1-regularized logistic regression (liblinear's solver).
    """
    n, p = X.shape
    X_columns = X.tocsc() if sp.issparse(X) else X  # for the working set's columns
    w, history = np.zeros(p), []
    b = float(logit(np.clip(y.mean(), 1e-10, 1 - 1e-10))) if fit_intercept else 0.0
    margin = X @ w + b
    for n_iter in range(max_iter + 1):
        objective = _objective(margin, y, w, alpha)
        prob, grad_w, grad_b = _gradient(X_t, margin, y, fit_intercept)
        violation = _optimality(grad_w, grad_b, w, alpha)
        if violation <= tol or n_iter == max_iter:
            break

        # 1. The working set: the support and the worst KKT violators.
        score = np.abs(grad_w)
        score[w != 0] = np.inf
        ws = np.flatnonzero(score > alpha)
        ws_size = max(10, 2 * np.count_nonzero(w))
        if ws.size > ws_size:
            ws = ws[np.argsort(-score[ws], kind="stable")[:ws_size]]

        # 2. The quadratic model as a weighted Lasso, intercept eliminated by weighted centering.
        #    Its X^T z and z^T z are written around the current weights, from the gradient itself:
        #    X^T z - G w is then exactly -n times the (centered) gradient. Formed from z, they
        #    would lose that gradient to rounding once it is 1e-10 of X^T z (z is large where d
        #    is small), and the step would stop moving w short of tol.
        d = np.maximum(prob * (1.0 - prob), 1e-6)  # away from 0 (as glmnet does): z stays finite
        X_ws = X_columns[:, ws]
        DX_ws = sp.diags(d) @ X_ws
        G = X_ws.T @ DX_ws
        G = G.toarray() if sp.issparse(G) else G
        if fit_intercept:
            d_sum = d.sum()
            x_mean = np.asarray(DX_ws.sum(axis=0)).ravel() / d_sum
            G = G - d_sum * np.outer(x_mean, x_mean)
            e_mean = n * grad_b / d_sum  # weighted mean of e / d
        else:
            x_mean, e_mean = np.zeros(ws.size), 0.0
        Gw = G @ w[ws]
        Xtz = Gw - n * (grad_w[ws] - x_mean * grad_b)
        residual = (prob - y) / d - e_mean  # X w - z, centered, at the current weights
        # z^T z such that zz - 2 w^T X^T z + w^T G w, the gap's |z - X w|^2, is this residual's
        zz = d @ residual**2 + 2 * w[ws] @ Xtz - w[ws] @ Gw
        # Solve it to INNER_GAP_RATIO times its gap at the current weights (not below the gap's
        # rounding floor): more exactly as the optimum nears. A gap already at that floor (or
        # rounded to 0) no longer tells whether w[ws] solves the model, so then CD runs its
        # passes anyway, with no gap to stop at (it stops early once a pass changes nothing).
        gap = _gram_duality_gap(G, Xtz, zz, n, w[ws], alpha, 1.0)[0]
        gap_floor = 1e-14 * zz / n
        inner_tol = max(INNER_GAP_RATIO * gap, gap_floor) if gap > gap_floor else -np.inf
        w_new, _, _ = _cd_gram(G, Xtz, zz, n, w[ws].copy(), alpha, 1.0, inner_tol,
                               INNER_MAX_PASSES, [])

        # 3. Backtracking line search (Armijo) on the true objective, by its CHANGE: near the
        #    optimum a step lowers the objective by about violation^2, far below the rounding
        #    error of the objective itself (1e-16 of it), so f(new) - f(old) would only be noise.
        #    Once even the predicted decrease is below that rounding, no measure of the objective
        #    can vouch for the step: then, as newGLMNET does, the step is kept if it lowers the
        #    optimality measure instead (and does not raise the objective by more than rounding).
        dw = w_new - w[ws]
        db = -e_mean - x_mean @ dw  # the intercept's Newton step, given dw
        dmargin = X_ws @ dw + db
        decrease = (grad_w[ws] @ dw + grad_b * db
                    + alpha * np.sum(np.abs(w_new) - np.abs(w[ws])))
        rounding = ROUNDING * objective
        t, w_ws = 1.0, w[ws]
        while True:
            w[ws] = w_ws + t * dw
            change = _objective_change(margin, t * dmargin, y, w_ws, w[ws], alpha)
            if change < 1e-4 * t * decrease:
                break  # Armijo: the objective went down by enough
            if -t * decrease <= rounding or t < 1e-10:  # the objective cannot judge the step
                _, grad_w_new, grad_b_new = _gradient(X_t, margin + t * dmargin, y, fit_intercept)
                if change <= rounding and _optimality(grad_w_new, grad_b_new, w, alpha) < violation:
                    break  # invisible to the objective, but closer to optimal
                w[ws] = w_ws  # no step lowers the objective or the optimality measure
                return w, b, n_iter, violation, history, True
            t /= 2
        history.append(objective)
        b, margin = b + t * db, margin + t * dmargin
    return w, b, n_iter, violation, history, False


def _objective(margin, y, w, alpha):
    """Mean log-loss at these margins plus the L1 penalty."""
    return np.mean(np.logaddexp(0.0, margin) - y * margin) + alpha * np.abs(w).sum()


def _objective_change(margin, dmargin, y, w, w_new, alpha):
    """``_objective(margin + dmargin, y, w_new, alpha) - _objective(margin, y, w, alpha)``,
    summed term by term so that it stays accurate even when it is 1e-20.

    With ``q = expit(m)``, ``log(1 + e^(m + d)) - log(1 + e^m) = log1p(q * expm1(d))``: exact
    to rounding for ``|d| <= 1``; a larger ``d`` changes the loss by so much that the plain
    difference is exact enough. The penalty changes by ``alpha * sum(|w_new_j| - |w_j|)``.
    """
    small = np.clip(dmargin, -1.0, 1.0)
    softplus_change = np.where(np.abs(dmargin) <= 1.0,
                               np.log1p(expit(margin) * np.expm1(small)),
                               np.logaddexp(0.0, margin + dmargin) - np.logaddexp(0.0, margin))
    return (np.mean(softplus_change - y * dmargin)
            + alpha * np.sum(np.abs(w_new) - np.abs(w)))


def _gradient(X_t, margin, y, fit_intercept):
    """Probabilities ``expit(margin)`` and the gradient of the mean log-loss in w and in b."""
    prob = expit(margin)
    error = prob - y
    return prob, X_t @ error / len(y), error.mean() if fit_intercept else 0.0


def _optimality(grad_w, grad_b, w, alpha):
    """Newton's optimality measure: the largest KKT violation, intercept included."""
    return max(np.max(_kkt_violation(grad_w, w, alpha), initial=0.0), abs(grad_b))


def _kkt_violation(grad_w, w, alpha):
    """How far each weight is from its optimality condition (0 at the minimum)."""
    return np.where(w != 0, np.abs(grad_w + alpha * np.sign(w)),
                    np.maximum(np.abs(grad_w) - alpha, 0.0))
