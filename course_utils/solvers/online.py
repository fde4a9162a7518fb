"""Online (one example at a time) solvers with an L1 penalty: SGD, AdaGrad-FOBOS and FTRL-Proximal.

Both accept dense arrays and scipy.sparse CSR matrices. On sparse data an example touches
only its few non-zero features, and each solver does work only on those: the point of
online learning on wide one-hot data.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit

from .._validation import (
    MAX_DENSE_FEATURES,
    MAX_EPOCHS,
    MAX_FEATURES,
    _short,
    check_array,
    check_binary_labels,
    check_bool,
    check_choice,
    check_count,
    check_dtype,
    check_feature_state,
    check_fit,
    check_int,
    check_magnitude,
    check_mask,
    check_output,
    check_random_state,
    check_scalar,
    check_state,
    check_X_y,
)
from ..penalties import _soft_threshold_unchecked
from ._result import FitResult

__all__ = ["sgd_l1", "ftrl_proximal", "FTRLProximal", "adagrad_fobos"]


def _sigmoid(f: float) -> float:
    """Logistic function, written so that exp never overflows."""
    if f >= 0:
        return 1.0 / (1.0 + math.exp(-f))
    e = math.exp(f)
    return e / (1.0 + e)


def _mean_loss(loss: str, f: np.ndarray, y: np.ndarray) -> float:
    """Mean log loss (y in {0, 1}) or mean half squared error of the predictions ``f``."""
    if loss == "log":
        return float(np.mean(np.logaddexp(0.0, f) - y * f))
    return float(0.5 * np.mean((y - f) ** 2))


def _canonical_csr(X) -> sp.csr_matrix:
    """CSR with sorted, unique column indices per row (a copy when the input is not)."""
    X = sp.csr_matrix(X)
    if not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    return X


# 0.0 as a 0-d array: numpy combines an array with a 0-d array faster than with a Python float
# (about 0.3 against 0.5 us on a row's hundred numbers), with the same result.
_ZERO = np.array(0.0)


def _clipped_penalty(w, q, u, idx):
    """Cumulative clipped L1 penalty of Tsuruoka et al. (2009) on ``w[idx]``, in place.

    ``u`` is the total penalty any weight could have received so far (the sum of
    ``learning_rate * alpha`` over steps); ``q[j]`` is the signed total change the penalty has
    actually made to ``w[j]``. A weight receives what it is still owed, ``u + q[j]`` when it is
    positive (``u - q[j]`` when negative), but a step that would cross zero stops at 0.0.
    """
    z, q_idx = w[idx], q[idx]
    # Both owed amounts are >= 0 (no weight receives more than u), so for a positive z only the
    # first term can be non-zero, for a negative z only the second, and a zero stays zero.
    w_new = np.maximum(_ZERO, z - (u + q_idx)) - np.maximum(_ZERO, -z - (u - q_idx))
    q[idx] = q_idx + (w_new - z)
    w[idx] = w_new


def _subgradient_steps(w, m, step, idx):
    """Apply ``m`` plain subgradient steps ``w <- w - step * sign(w)`` to ``w[idx]`` at once.

    The closed form of the step-by-step sequence: ``|w|`` falls by ``step`` until it reaches
    or passes zero (after ``r = ceil(|w| / step)`` steps, landing at ``v`` in ``(-step, 0]``),
    then it bounces between ``v`` and ``v + step`` for ever (or stays at an exact 0.0).
    """
    if step == 0.0:
        return
    z = w[idx]
    a, s = np.abs(z), np.sign(z)
    r = np.ceil(a / step)
    v = a - r * step
    bounce = np.where((m - r) % 2 == 0, v, v + step)
    w[idx] = s * np.where(m < r, a - m * step, np.where(v == 0.0, 0.0, bounce))


def sgd_l1(
    X,
    y,
    alpha,
    *,
    loss="log",
    learning_rate=0.1,
    epochs=5,
    method=None,
    clip=None,
    fit_intercept=True,
    random_state=0,
) -> FitResult:
    """Stochastic gradient descent with an L1 penalty, in one of three forms.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        Design matrix; sparse input is processed lazily (see Notes).
    y : array-like of shape (n_samples,)
        Target: labels 0/1 for ``loss="log"``, real numbers for ``loss="squared"``.
    alpha : float
        L1 penalty strength, ``>= 0``.
    loss : {"log", "squared"}, default="log"
        Logistic loss or half squared error.
    learning_rate : float, default=0.1
        Constant step size ``lr > 0``.
    epochs : int, default=5
        Passes over the data, each in a fresh random order; at most ``MAX_EPOCHS`` (1,000).
    method : {"cumulative", "fobos", "subgradient"}, default="cumulative"
        What the L1 step of size ``lr * alpha`` does after each gradient step (see Notes):

        - ``"fobos"``: move every weight towards 0 by ``lr * alpha`` and stop at 0.0
          (soft-thresholding: FOBOS, or truncated gradient);
        - ``"cumulative"``: the cumulative penalty of Tsuruoka et al.: a weight receives all the
          penalty it is owed since the start, so a weight held at 0.0 keeps a debt;
        - ``"subgradient"``: ``w -= lr * alpha * sign(w)`` without stopping at zero, which
          oscillates around zero and leaves almost no exact zeros.
    clip : bool, optional
        Older spelling, kept for existing code: ``clip=True`` is ``method="cumulative"`` and
        ``clip=False`` is ``method="subgradient"``. Give ``method`` or ``clip``, not both.
    fit_intercept : bool, default=True
        Learn an unpenalized intercept ``b``.
    random_state : int or numpy.random.Generator, default=0
        Seed of the shuffling. A Generator is used as it is, not copied: the call advances
        it, so two calls with the same Generator shuffle differently (an int seed gives the
        same order every time).

    Returns
    -------
    FitResult
        ``history`` is the objective after each epoch; ``n_iter`` is ``epochs``. There is no
        stopping test, so ``converged`` is True unless the weights diverged (above
        ``MAX_FIT_MAGNITUDE``, about 1e154, with a ``ConvergenceWarning``): judge
        convergence from ``history``.

    Notes
    -----
    The objective is

    .. math:: \\min_{w, b} \\frac{1}{n} \\sum_{i=1}^n \\ell(y_i, x_i^T w + b)
              + \\alpha \\|w\\|_1,

    with :math:`\\ell(y, f) = \\log(1 + e^f) - y f` (``"log"``) or
    :math:`\\ell(y, f) = \\frac{1}{2}(y - f)^2` (``"squared"``). Each example makes a gradient
    step on its loss, ``w -= lr * l'(y_i, f_i) * x_i``, then an L1 step of size
    ``s = lr * alpha``:

    - ``"fobos"``: ``w_j <- sign(w_j) * max(|w_j| - s, 0)``, the proximal step of FOBOS
      (Duchi and Singer 2009) and the truncated gradient of Langford et al. (2009) with
      truncation every step and no threshold (their ``K = 1``, ``theta = inf``);
    - ``"cumulative"``: ``u`` is the total penalty a weight could have received so far (the
      sum of ``s`` over steps) and ``q_j`` what ``w_j`` has actually received; ``w_j`` moves
      towards 0 by what it is still owed, ``u -/+ q_j``, without crossing zero. A weight at
      zero stays owed, so a small gradient cannot revive it: more zeros than ``"fobos"`` at
      the same ``alpha`` (this is ``SGDClassifier(penalty="l1")``'s penalty).

    Dense ``X``: the L1 step is applied to every weight after every example. Sparse ``X``:
    a weight is penalized lazily, with everything it was owed since its last update (its own
    last step included), only when an example touches it (before the prediction, so it is up
    to date) and for all weights at the end of each epoch. ``m`` owed FOBOS steps are one
    soft-threshold by ``m * s`` (soft-thresholds add up); owed subgradient steps are replayed in
    closed form (a weight may bounce around zero as the step-by-step sequence would). Both
    paths follow the same sequence of weights, up to rounding; the lazy one costs only the
    example's non-zeros per step. Tsuruoka et al. predict with the not-yet-penalized weight;
    here the weight is brought up to date first so that the two paths agree.

    References
    ----------
    Y. Tsuruoka, J. Tsujii and S. Ananiadou, "Stochastic gradient descent training for
    L1-regularized log-linear models with cumulative penalty", ACL-IJCNLP 2009.
    J. Langford, L. Li and T. Zhang, "Sparse online learning via truncated gradient",
    JMLR 10, 2009.
    J. Duchi and Y. Singer, "Efficient online and batch learning using forward backward
    splitting", JMLR 10, 2009.
    """
    X, y = check_X_y(X, y, sparse_ok=True)
    check_magnitude(X, "X", X.shape[0] * X.shape[1])  # x @ w and the gradients stay finite
    alpha = check_scalar(alpha, "alpha")
    loss = check_choice(loss, "loss", {"log", "squared"})
    if loss == "log":
        check_binary_labels(y)
    else:
        check_magnitude(y, "y", y.shape[0])
    lr = check_scalar(learning_rate, "learning_rate", low_inclusive=False)
    epochs = check_count(epochs, "epochs", MAX_EPOCHS)
    method = _sgd_method(method, clip)
    fit_intercept = check_bool(fit_intercept, "fit_intercept")
    rng = check_random_state(random_state)

    n_samples, n_features = X.shape
    step = lr * alpha  # the L1 step every weight is owed after every example
    sparse = sp.issparse(X)
    if sparse:
        X = _canonical_csr(X)
    w, b = np.zeros(n_features), 0.0
    u, q = 0.0, np.zeros(n_features)  # cumulative: penalty owed in total / received by w_j

    if sparse:  # the same steps, compiled (_sgd_loop): a row's catch_up, prediction and step
        return _sgd_l1_sparse(X, y, alpha, w, q, rng, loss, lr, epochs, method, fit_intercept)
    labels, u = y.tolist(), np.array(u)  # u as a 0-d array (see _ZERO)
    history = []
    for _ in range(epochs):
        for i in rng.permutation(n_samples).tolist():
            idx, x = slice(None), X[i]
            f = float(x.dot(w[idx])) + b  # x @ w[idx] + b
            g = _sigmoid(f) - labels[i] if loss == "log" else f - labels[i]
            w[idx] -= lr * g * x
            if fit_intercept:
                b -= lr * g
            u += step  # in place: u stays a 0-d array
            # The L1 step, for every weight after every example.
            if method == "cumulative":
                _clipped_penalty(w, q, u, idx)
            elif method == "fobos":
                w = _soft_threshold_unchecked(w, step)
            else:
                w -= step * np.sign(w)
        _end_of_epoch(X, y, w, b, alpha, loss, lr, history)
    return check_fit(FitResult(coef=w, intercept=float(b), n_iter=epochs, converged=True,
                               history=history), "sgd_l1", inputs=_SGD_INPUTS, X=X)


_SGD_INPUTS = "X and y (or lower learning_rate)"


def _end_of_epoch(X, y, w, b, alpha, loss, lr, history) -> None:
    """``sgd_l1`` after a pass, dense or sparse: refuse divergence, record the objective."""
    if not (np.all(np.isfinite(w)) and np.isfinite(b)):
        raise ValueError(
            f"sgd_l1 diverged (weights became inf or NaN) with learning_rate={lr}; "
            "use a smaller learning_rate."
        )
    history.append(_mean_loss(loss, X @ w + b, y) + alpha * float(np.abs(w).sum()))


def _sgd_l1_sparse(X, y, alpha, w, q, rng, loss, lr, epochs, method, fit_intercept):
    """``sgd_l1`` on a canonical CSR matrix: the lazy penalty, a row at a time, compiled."""
    from ._sgd_loop import CUMULATIVE, FOBOS, SUBGRADIENT, sgd_flush, sgd_rows

    code = {"fobos": FOBOS, "cumulative": CUMULATIVE, "subgradient": SUBGRADIENT}[method]
    step = lr * alpha
    indptr, indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    data, labels = X.data.astype(np.float64), np.asarray(y, dtype=np.float64)
    last = np.zeros(w.size, dtype=np.int64)  # the step at w_j's last update
    b, t, u, history = 0.0, 0, 0.0, []
    for _ in range(epochs):
        order = rng.permutation(X.shape[0]).astype(np.int64)
        b, t, u = sgd_rows(w, q, last, order, indptr, indices, data, labels, float(lr),
                           float(step), code, loss == "log", bool(fit_intercept), float(b), t,
                           float(u))
        sgd_flush(w, q, last, t, u, float(step), code)  # the returned coef is exact
        _end_of_epoch(X, y, w, b, alpha, loss, lr, history)
    return check_fit(FitResult(coef=w, intercept=float(b), n_iter=epochs, converged=True,
                               history=history), "sgd_l1", inputs=_SGD_INPUTS, X=X)


def _sgd_method(method, clip) -> str:
    """``sgd_l1``'s L1 step from ``method`` or from the older ``clip`` flag (not both)."""
    if clip is not None:
        clip = check_bool(clip, "clip")
        if method is not None:
            raise ValueError(
                f"give method or clip, not both (got method={_short(method, 20)}, clip={clip}); "
                "clip=True is method='cumulative', clip=False is method='subgradient'."
            )
        return "cumulative" if clip else "subgradient"
    if method is None:
        return "cumulative"
    return check_choice(method, "method", {"cumulative", "fobos", "subgradient"})


# what an FTRL model's output depends on, named in check_output's messages
FTRL_STATE = "its state (z_, n_) or its settings (alpha, beta, l1, l2)"


def _ftrl_weights(z, n, alpha, beta, l1, l2, intercept):
    """Algorithm 1's closed-form weights from the per-coordinate state ``z`` and ``n``.

    Only the coordinates with ``z_i != 0`` can be non-zero: an untouched one has ``z_i = 0``
    (``RowShard.mix`` may set ``z_i`` where ``n_i = 0``). With ``intercept``, the last
    coordinate is exempt from ``l1`` and ``l2``.
    """
    w = np.zeros(z.size)
    touched = np.flatnonzero(z)  # z_i = 0 gives w_i = 0 (untouched, or after RowShard.mix)
    z, n = z[touched].astype(np.float64), n[touched].astype(np.float64)
    l1s, l2s = np.full(touched.size, float(l1)), np.full(touched.size, float(l2))
    if intercept and touched.size and touched[-1] == w.size - 1:
        l1s[-1] = l2s[-1] = 0.0
    denominator = (beta + np.sqrt(n)) / alpha + l2s
    # |z_i| <= l1 gives exactly w_i = 0: the source of sparsity (and, as in the compiled loop's
    # weight(), a zero denominator: beta = l2 = n_i = 0, a coordinate not yet learned)
    active = (np.abs(z) > l1s) & (denominator != 0.0)
    w[touched] = np.divide(-(z - np.sign(z) * l1s), denominator, out=np.zeros_like(z),
                           where=active)
    return w


def _ftrl_pass(z, n, X, y, alpha, beta, l1, l2, intercept, seed=None):
    """One pass of Algorithm 1 over the rows of the CSR matrix ``X``, in order, in place.

    The loop itself is :func:`course_utils.solvers._ftrl_loop.ftrl_rows` (compiled by numba,
    imported here so that only FTRL pays for numba's start-up). State stored in fewer bits
    (float32, float16) is worked on in float64 and rounded back after every update, as
    storage would round it, ``z`` and ``n`` each to its own dtype; with a ``seed``, float16
    state is rounded at random (randomized rounding), from that seed. With ``intercept``,
    the last coordinate of ``z`` and ``n`` is the intercept's, an entry 1 of every row that
    ``X`` does not hold. Returns the logit of each row, predicted before it was learned.

    Raises ``ValueError`` if the state it touched overflowed (inf or NaN): then reduced-precision
    state is left as it was (it is written back only when finite); float64 state, updated in
    place, is left spoiled and the model refuses further calls (see ``check_state``).
    """
    from ._ftrl_loop import ftrl_rows, seed_rounding

    z_bits, n_bits = 8 * z.dtype.itemsize, 8 * n.dtype.itemsize
    if seed is not None and 16 in (z_bits, n_bits):
        seed_rounding(seed)
        z_bits, n_bits = (-16 if bits == 16 else bits for bits in (z_bits, n_bits))
    z64, n64 = z.astype(np.float64, copy=False), n.astype(np.float64, copy=False)
    f = np.empty(len(y))
    # scipy's int32 index arrays as they are (no int64 copy of every index), any other pair as
    # int64: two compiled signatures of the loop at most
    indptr, indices = X.indptr, X.indices
    if not indptr.dtype == indices.dtype == np.int32:
        indptr, indices = indptr.astype(np.int64, copy=False), indices.astype(np.int64, copy=False)
    finite = ftrl_rows(z64, n64, np.sqrt(n64), indptr, indices,
                       X.data.astype(np.float64, copy=False), np.asarray(y, dtype=np.float64),
                       float(alpha), float(beta), float(l1), float(l2), bool(intercept),
                       z_bits, n_bits, f)
    # the loop checks every z_i and n_i it writes; sum |f| bounds the sum of the rows' log
    # losses (each is at most |f| + log 2)
    if not (finite and np.isfinite(np.abs(f).sum())):
        hint = (" (n sums squared gradients, and float16 holds at most 65504: use float32)"
                if 16 in (abs(z_bits), abs(n_bits)) else "")
        stored = z.dtype.name if z.dtype == n.dtype else f"{z.dtype.name} and {n.dtype.name}"
        raise ValueError(
            f"FTRL-Proximal's state overflowed {stored} (z or n became inf or NaN){hint}: "
            f"X's values, or alpha={alpha:g} (against beta={beta:g}, l2={l2:g}), are out of "
            "scale for it; rescale X, or take alpha between about 1e-6 and 1e3."
        )
    # back into storage: exact, every value is already rounded to its array's type
    if z_bits != 64:
        z[:] = z64
    if n_bits != 64:
        n[:] = n64
    return f


def _with_ones_column(X):
    """The CSR matrix ``X`` with a last column of ones appended (``sp.hstack`` builds it
    through COO, five times slower on notebook 07's matrices)."""
    n_samples, n_features = X.shape
    big = max(n_features + 1, X.nnz + n_samples) > np.iinfo(np.int32).max
    index = np.int64 if big else np.int32
    ends = X.indptr[1:]
    indices = np.insert(X.indices.astype(index), ends, n_features)
    data = np.insert(X.data, ends, 1.0)
    indptr = X.indptr.astype(index) + np.arange(n_samples + 1, dtype=index)
    return sp.csr_matrix((data, indices, indptr), shape=(n_samples, n_features + 1))


def _zeros_in_small_pages(size):
    """``np.zeros(size)`` (float64), without numpy's request for transparent huge pages.

    On Linux numpy asks for 2 MiB pages for arrays over 4 MiB. A dense weight vector whose
    non-zero weights are a few thousand scattered entries then becomes resident in full as
    they are written (2**24 weights: all 128 MB), where 4 KiB pages make resident only the
    pages written (about 28 MB for notebook 07's 8,133 weights). The same array otherwise.
    """
    core = getattr(np, "_core", None) or np.core  # numpy 2, numpy 1.26
    set_hugepage = getattr(core.multiarray, "_set_madvise_hugepage", None)
    if set_hugepage is None:  # not a setting this numpy has
        return np.zeros(size)
    previous = set_hugepage(False)
    try:
        return np.zeros(size)
    finally:
        set_hugepage(previous)


def _sum_in_order(total, values):
    """``total + values[0] + values[1] + ...`` added left to right (not pairwise)."""
    return float(np.cumsum(np.concatenate([[total], values]))[-1])


def ftrl_proximal(
    X, y, alpha=0.1, beta=1.0, l1=1.0, l2=0.0, epochs=1, *, fit_intercept=True
) -> FitResult:
    """Logistic regression by FTRL-Proximal (McMahan et al. 2013, Algorithm 1).

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        Design matrix; dense input is converted to CSR (its zeros are never touched).
    y : array-like of shape (n_samples,)
        Labels 0 and 1.
    alpha, beta : float, default=0.1, 1.0
        Per-coordinate learning rate ``alpha / (beta + sqrt(n_i))``; ``alpha > 0``, ``beta >= 0``.
    l1, l2 : float, default=1.0, 0.0
        L1 and L2 penalty strengths, ``>= 0``. Larger ``l1`` gives more exact zeros.
    epochs : int, default=1
        Passes over the data, in the given order (the algorithm is online: one pass is usual);
        at most ``MAX_EPOCHS`` (1,000).
    fit_intercept : bool, default=True
        Add an intercept as an always-on feature (``x = 1``), updated exactly like the others
        but exempt from ``l1`` and ``l2`` (see Notes).

    Returns
    -------
    FitResult
        ``coef`` and ``intercept`` computed from the final state; ``n_iter`` is ``epochs``;
        ``history`` is the progressive-validation log loss of each epoch (the mean loss of
        each prediction made *before* its example was learned); ``converged`` is True unless
        the weights diverged (see :func:`sgd_l1`).

    Notes
    -----
    Per coordinate ``i`` the algorithm keeps ``z_i`` and ``n_i`` (sum of squared gradients).
    For each example, on its non-zero coordinates only:

    .. math::

        w_i &= 0 \\text{ if } |z_i| \\le \\lambda_1, \\text{ else }
              -\\frac{z_i - \\operatorname{sign}(z_i) \\lambda_1}
                    {(\\beta + \\sqrt{n_i}) / \\alpha + \\lambda_2} \\\\
        p &= \\sigma(x^T w), \\quad g_i = (p - y) x_i, \\quad
        \\sigma_i = \\frac{\\sqrt{n_i + g_i^2} - \\sqrt{n_i}}{\\alpha} \\\\
        z_i &\\leftarrow z_i + g_i - \\sigma_i w_i, \\quad n_i \\leftarrow n_i + g_i^2 .

    The paper's bias is an ordinary feature, penalized like the others. Here the intercept
    is that always-on feature but is not penalized (``l1 = l2 = 0`` for it), as in
    ``logistic_l1`` and scikit-learn: a zero intercept saves no memory, and penalizing it
    would pull the predicted rate towards 1/2.

    References
    ----------
    H. B. McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013.
    """
    X, y = check_X_y(X, y, sparse_ok=True)
    check_binary_labels(y)
    alpha = check_scalar(alpha, "alpha", low_inclusive=False)
    beta = check_scalar(beta, "beta")
    l1 = check_scalar(l1, "l1")
    l2 = check_scalar(l2, "l2")
    epochs = check_count(epochs, "epochs", MAX_EPOCHS)
    check_magnitude(X, "X", X.shape[0] * epochs)  # n_i sums a squared gradient per row
    fit_intercept = check_bool(fit_intercept, "fit_intercept")

    n_samples, n_features = X.shape
    # State only for the columns X uses, as FTRLProximal keeps it: a hashed X uses a few
    # thousand of its 2**22 columns, whose z and n then fit in the processor's cache
    # (benchmarks/RESULTS.md, 2026-12-08: the loop a quarter faster)
    X_checked = X  # for check_fit's decision values, with every column
    columns, X = _used_columns(_canonical_csr(X))
    # the intercept: one more coordinate (the last), an entry 1 of every row, without penalty
    z, n = np.zeros(columns.size + fit_intercept), np.zeros(columns.size + fit_intercept)

    history = []
    for _ in range(epochs):
        f = _ftrl_pass(z, n, X, y, alpha, beta, l1, l2, fit_intercept)
        history.append(_sum_in_order(0.0, np.logaddexp(0.0, f) - y * f) / n_samples)
    from ._ftrl_loop import weights_over_z

    w = z  # the state is not needed any more: the weights overwrite it
    weights_over_z(w, n, float(alpha), float(beta), float(l1), float(l2), bool(fit_intercept))
    coef = np.zeros(n_features)  # an unused column's weight is 0 (z_i = n_i = 0)
    coef[columns] = w[:columns.size]
    intercept = float(w[-1]) if fit_intercept else 0.0
    return check_fit(FitResult(coef=coef, intercept=intercept, n_iter=epochs,
                               converged=True, history=history), "ftrl_proximal",
                     inputs="X or alpha", X=X_checked)


def _used_columns(X):
    """The columns the CSR matrix ``X`` uses, in order of first use, and ``X`` with only those
    columns, renumbered 0, 1, 2, ... in that order (its rows and values unchanged).

    ``X``'s own ``indices`` are renumbered in place: ``X`` must be the call's own copy (as
    :func:`check_X_y` and :func:`_canonical_csr` make it), never the caller's matrix.
    """
    from ._ftrl_loop import number_columns

    columns = number_columns(X.indices, np.zeros(X.shape[1], dtype=X.indices.dtype))
    return columns, sp.csr_matrix((X.data, X.indices, X.indptr),
                                  shape=(X.shape[0], columns.size))


# The widest model FTRLProximal accepts (MAX_FEATURES, 2**31): a CSR chunk addresses its columns
# with 32-bit indices. coef_ is a dense vector: beyond MAX_DENSE_FEATURES (2**27, 1 GiB of
# float64) it is refused, as the batch solvers refuse wider X.
MAX_DENSE_COEF = MAX_DENSE_FEATURES
STATE_DTYPES = (np.float64, np.float32, np.float16)


class FTRLProximal:
    """FTRL-Proximal fed chunk by chunk: ``partial_fit`` keeps the state between chunks.

    The same algorithm as :func:`ftrl_proximal` (one pass), for a stream too big to hold:
    feeding every chunk of a data set in order gives exactly the weights, intercept and
    progressive loss of one ``ftrl_proximal`` call on the whole data set. State (``z_i``,
    ``n_i``) exists only for the features seen so far (and, with ``inclusion``, admitted).

    Parameters
    ----------
    n_features : int
        Number of columns of every chunk (e.g. hash buckets), ``1 <= n_features <= 2**31``.
    alpha, beta, l1, l2, fit_intercept
        As in :func:`ftrl_proximal`.
    inclusion : object with an ``admit(features)`` method, optional
        Probabilistic feature inclusion (:mod:`course_utils.inclusion`): an occurrence of a
        feature that has no state yet is learned only if ``admit`` says so; until then the
        feature is dropped from its rows (weight 0, no state).
    state_dtype : {np.float64, np.float32, np.float16} or a pair of them, default=np.float64
        Storage type of ``z_`` and ``n_`` (reduced precision: McMahan et al. 2013, sec. 4.5),
        or a pair ``(type of z_, type of n_)`` to store each in its own type, e.g.
        ``(np.float16, np.float64)`` to see what rounding ``z_`` alone does.
    rounding : {"nearest", "random"}, default="nearest"
        How float16 state is rounded after each update: to the nearest float16, as
        ``astype`` does, or at random between its two float16 neighbours with the
        probabilities that make the rounding unbiased (randomized rounding). With "nearest",
        a running sum such as ``n_i`` stops growing once its float16 spacing is more than
        twice each addition; randomized rounding keeps its expected value growing.
    random_state : int, default=0
        Seed of randomized rounding (each chunk gets its own seed from it).

    Attributes
    ----------
    features_ : numpy.ndarray of int64
        The features that have state, sorted.
    z_, n_ : numpy.ndarray
        Their state, aligned with ``features_``; the intercept's state is one more last entry.
    n_rows_ : int
        Rows learned so far.

    Every method first checks these attributes again (:meth:`_check_state`): they are public,
    and the compiled loop writes into ``z_`` and ``n_`` without bounds checks, so a replaced,
    shorter, read-only or memory-mapped array must be refused before it is used.
    """

    def __init__(self, n_features, alpha=0.1, beta=1.0, l1=1.0, l2=0.0, *,
                 fit_intercept=True, inclusion=None, state_dtype=np.float64,
                 rounding="nearest", random_state=0):
        self.n_features, self.alpha, self.beta, self.l1, self.l2 = n_features, alpha, beta, l1, l2
        self.fit_intercept, self.inclusion = fit_intercept, inclusion
        self.rounding, self.random_state = rounding, random_state
        pair = state_dtype if isinstance(state_dtype, tuple) else (state_dtype, state_dtype)
        if len(pair) != 2:
            raise TypeError("state_dtype must be one dtype or a pair (type of z_, type of n_); "
                            f"got a tuple of {len(pair)}.")
        z_dtype, n_dtype = (check_dtype(d, "state_dtype", STATE_DTYPES) for d in pair)
        self.features_ = np.zeros(0, dtype=np.int64)
        self.z_, self.n_ = np.zeros(1, dtype=z_dtype), np.zeros(1, dtype=n_dtype)
        self.n_rows_, self._loss_sum, self._chunks = 0, 0.0, 0
        self._check_state()

    def _check_state(self):
        """Check the settings and the state (as set by ``__init__`` or by hand) before use.

        Every attribute is read exactly once here, and the checked values are returned (a
        ``SimpleNamespace``): a method uses only them from then on, never ``self.z_`` again,
        since a property (or a subclass) could return another array on a later read, one the
        compiled loop would write past.
        """
        s = SimpleNamespace()
        s.n_features = check_int(self.n_features, "n_features", low=1, high=MAX_FEATURES)
        s.alpha = check_scalar(self.alpha, "alpha", low_inclusive=False)
        s.beta = check_scalar(self.beta, "beta")
        s.l1 = check_scalar(self.l1, "l1")
        s.l2 = check_scalar(self.l2, "l2")
        s.fit_intercept = check_bool(self.fit_intercept, "fit_intercept")
        s.rounding = check_choice(self.rounding, "rounding", {"nearest", "random"})
        s.random_state = check_int(self.random_state, "random_state", low=0, high=2**31 - 1)
        s.inclusion = self.inclusion
        if s.inclusion is not None and not callable(getattr(s.inclusion, "admit", None)):
            raise TypeError("inclusion must be None or an object with an admit(features) method.")
        s.features = check_feature_state(self.features_, "features_", high=s.n_features)
        why = " (one entry per feature of features_, and the intercept's)"
        s.z = check_state(self.z_, "z_", size=s.features.size + 1, dtypes=STATE_DTYPES, why=why)
        s.n = check_state(self.n_, "n_", size=s.features.size + 1, dtypes=STATE_DTYPES, why=why)
        if np.any(s.n < 0):
            raise ValueError("n_ must be >= 0 (it sums squared gradients).")
        s.n_rows = check_int(self.n_rows_, "n_rows_", low=0, high=2**63)
        return s

    def partial_fit(self, X, y):
        """Learn the rows of one chunk, in order; return ``self``.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
            The chunk's rows, every chunk with the same ``n_features`` columns.
        y : array-like of shape (n_rows,)
            Labels 0/1.

        Returns
        -------
        FTRLProximal
            This model, updated.
        """
        s = self._check_state()
        X, y = check_X_y(X, y, sparse_ok=True, max_features=MAX_FEATURES)
        y = y.copy()  # admit, the user's code, runs below: y may be the caller's own array
        check_binary_labels(y)
        if X.shape[1] != s.n_features:
            raise ValueError(
                f"X has {X.shape[1]} columns but this model has n_features={s.n_features}: "
                "every chunk must have the same columns."
            )
        X = _canonical_csr(X)  # a new matrix (check_X_y copies a sparse one): admit cannot touch it
        admitted = None
        if s.inclusion is not None:  # a copy: admit may write into what it is given
            admitted = check_mask(s.inclusion.admit(X.indices.copy()),
                                  "inclusion.admit(features)", X.nnz)
            try:  # admit is the user's code: it may have replaced or frozen the state
                s = self._check_state()
                if X.shape[1] != s.n_features:
                    raise ValueError(f"n_features became {s.n_features}.")
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"inclusion.admit changed the model's state: {exc}") from None
        # From here no user code runs: the state is read through the checked names of ``s``
        # only (an attribute read again could be another array), and written back at the end.
        features, z, n = s.features, s.z, s.n
        # Each entry's slot in the state: a hash-table lookup (pandas' Index), -1 for a
        # feature without state yet.
        slots = pd.Index(features).get_indexer(X.indices)
        keep = np.ones(X.nnz, dtype=bool) if admitted is None else (slots >= 0) | admitted
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[keep]
        columns, values, slots = X.indices[keep].astype(np.int64), X.data[keep], slots[keep]
        # Give state (z = n = 0) to the features seen for the first time, keeping the order.
        new = np.unique(columns[slots < 0])
        if new.size:
            at = np.searchsorted(features, new)
            z, n = np.insert(z, at, 0.0), np.insert(n, at, 0.0)
            features = np.insert(features, at, new)
            slots = pd.Index(features).get_indexer(columns)
        # (the intercept's slot, the last, ends every row inside the loop: _ftrl_pass)
        indptr = np.searchsorted(rows, np.arange(X.shape[0] + 1))
        X = sp.csr_matrix((values, slots, indptr), shape=(X.shape[0], z.size))
        seed = None
        if s.rounding == "random":  # a seed per chunk, from random_state
            seed = (s.random_state * 1_000_003 + self._chunks) % 2**32
        f = _ftrl_pass(z, n, X, y, s.alpha, s.beta, s.l1, s.l2, s.fit_intercept, seed)
        # each row's logit, predicted before it was learned: the weights partial_fit used
        check_output(f, "FTRLProximal's logits in partial_fit", fix=FTRL_STATE + " (or X)")
        self._chunks += 1
        self._loss_sum = _sum_in_order(self._loss_sum, np.logaddexp(0.0, f) - y * f)
        # written back once, the checked settings included
        self.n_features, self.alpha, self.beta, self.l1, self.l2 = (
            s.n_features, s.alpha, s.beta, s.l1, s.l2)
        self.fit_intercept, self.rounding, self.random_state = (
            s.fit_intercept, s.rounding, s.random_state)
        self.features_, self.z_, self.n_ = features, z, n
        self.n_rows_ = s.n_rows + X.shape[0]
        return self

    def _weights(self, s=None):
        """The weights of ``features_`` and the intercept, from the state (float64); ``s``:
        the checked state (:meth:`_check_state`), read now if not given."""
        s = self._check_state() if s is None else s
        return check_output(_ftrl_weights(s.z, s.n, s.alpha, s.beta, s.l1, s.l2, True),
                            "FTRLProximal's weights", fix=FTRL_STATE)

    def sparse_coef(self):
        """The serving model: ``(indices, values)`` of the non-zero weights, indices sorted."""
        s = self._check_state()
        w = self._weights(s)[:-1]
        nonzero = w != 0.0
        return s.features[nonzero], w[nonzero]

    @property
    def coef_(self):
        """All ``n_features`` weights as a dense float64 vector (``8 * n_features`` bytes).

        Refused (``ValueError``) above ``MAX_DENSE_COEF`` (2**27) features, 1 GiB: use
        :meth:`sparse_coef`, which holds only the non-zero weights.
        """
        s = self._check_state()  # n_features included, before it sizes an allocation
        if s.n_features > MAX_DENSE_COEF:
            raise ValueError(
                f"coef_ would be a dense vector of n_features={s.n_features:,} float64 "
                f"({8 * s.n_features / 2**30:.3g} GiB), more than {MAX_DENSE_COEF:,} "
                "features; use sparse_coef(), which holds only the non-zero weights."
            )
        coef = _zeros_in_small_pages(s.n_features)  # resident: the pages of non-zeros
        coef[s.features] = self._weights(s)[:-1]  # the state checked above
        return coef

    @property
    def intercept_(self):
        s = self._check_state()
        return float(self._weights(s)[-1]) if s.fit_intercept else 0.0

    @property
    def progressive_loss_(self):
        """Mean log loss of each row predicted before it was learned (ftrl_proximal's history).

        Raises ``ValueError`` before :meth:`partial_fit` has learned a row (a mean of no
        losses, not a NaN that would print as a number).
        """
        s = self._check_state()
        if not s.n_rows:
            raise ValueError("progressive_loss_ is the mean over the rows learned so far: "
                             "call partial_fit first.")
        return float(check_output(self._loss_sum / s.n_rows, "FTRLProximal's progressive_loss_",
                                  fix=FTRL_STATE))

    def decision_function(self, X):
        """Logits ``X @ w + b``, reading only the non-zero weights each row touches.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
            Rows to score.

        Returns
        -------
        numpy.ndarray of shape (n_rows,)
        """
        s = self._check_state()
        X = check_array(X, "X", ndim=2, sparse_ok=True)
        if X.shape[1] != s.n_features:
            raise ValueError(f"X has {X.shape[1]} columns, expected n_features={s.n_features}.")
        X = _canonical_csr(X)
        w = self._weights(s)
        intercept = float(w[-1]) if s.fit_intercept else 0.0
        nonzero = w[:-1] != 0.0
        indices, values = s.features[nonzero], w[:-1][nonzero]
        table = pd.Index(indices)  # a hash table of the non-zero weights' indices
        values = np.append(values, 0.0)  # position -1, "no weight", reads this 0
        logits, rows_per_block = np.empty(X.shape[0]), 4096
        for start in range(0, X.shape[0], rows_per_block):  # a block at a time, as a server
            stop = min(start + rows_per_block, X.shape[0])
            entries = slice(X.indptr[start], X.indptr[stop])
            # each entry's weight; -1: no weight, the entry costs nothing
            w = values[table.get_indexer(X.indices[entries])]
            rows = np.repeat(np.arange(stop - start), np.diff(X.indptr[start:stop + 1]))
            logits[start:stop] = np.bincount(rows, weights=X.data[entries] * w,
                                             minlength=stop - start)
        return check_output(logits + intercept, "FTRLProximal's decision values",
                            fix=FTRL_STATE + " (or X)")

    def predict_proba(self, X):
        """Probability of label 1 for each row of ``X``.

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_rows, n_features)
            Rows to score.

        Returns
        -------
        numpy.ndarray of shape (n_rows,)
        """
        return expit(self.decision_function(X))


def adagrad_fobos(
    X, y, alpha=0.1, beta=1.0, l1=1e-3, epochs=1, *, fit_intercept=True
) -> FitResult:
    """Logistic regression by FOBOS with AdaGrad's per-coordinate learning rates.

    The comparator of FTRL-Proximal in McMahan et al. (2013): the same learning rate per
    coordinate, ``alpha / (beta + sqrt(n_i))``, but the L1 penalty is applied to the current
    weight after each gradient step (soft-thresholding), not to the accumulated gradients.

    Parameters
    ----------
    X : array-like or scipy.sparse matrix of shape (n_samples, n_features)
        Design matrix; dense input is converted to CSR (its zeros are never touched).
    y : array-like of shape (n_samples,)
        Labels 0 and 1.
    alpha, beta : float, default=0.1, 1.0
        Per-coordinate learning rate ``eta_i = alpha / (beta + sqrt(n_i))``, ``n_i`` the sum
        of the squared gradients of coordinate ``i`` so far; ``alpha > 0``, ``beta >= 0``.
    l1 : float, default=1e-3
        L1 penalty per example, in the units of ``sgd_l1``'s ``alpha`` (the objective is the
        mean log loss plus ``l1 * ||w||_1``), ``>= 0``.
    epochs : int, default=1
        Passes over the data, in the given order; at most ``MAX_EPOCHS`` (1,000).
    fit_intercept : bool, default=True
        Add an always-on feature (``x = 1``) as the intercept, exempt from ``l1``.

    Returns
    -------
    FitResult
        ``history`` holds the progressive-validation log loss of each epoch; ``converged``
        is True unless the weights diverged (see :func:`sgd_l1`).

    Notes
    -----
    For each example, on its non-zero coordinates only (after the lazy catch-up of the L1
    steps of the examples that did not touch them):

    .. math::

        p = \\sigma(x^T w), \\quad g_i = (p - y) x_i, \\quad n_i \\leftarrow n_i + g_i^2,
        \\quad \\eta_i = \\frac{\\alpha}{\\beta + \\sqrt{n_i}}, \\quad
        w_i \\leftarrow S(w_i - \\eta_i g_i,\\ \\eta_i \\lambda_1) .

    A weight clipped to zero comes back at the next gradient larger than ``l1``: sparsity
    comes from the current weight, not from a sum of all past gradients as in FTRL-Proximal
    (whose ``w_i`` is zero while ``|z_i| <= l1``).

    References
    ----------
    J. Duchi and Y. Singer, "Efficient online and batch learning using forward backward
    splitting", JMLR 10, 2009.
    J. Duchi, E. Hazan and Y. Singer, "Adaptive subgradient methods for online learning and
    stochastic optimization", JMLR 12, 2011.
    H. B. McMahan et al., "Ad Click Prediction: a View from the Trenches", KDD 2013.
    """
    from ._adagrad_loop import adagrad_fobos_flush, adagrad_fobos_rows

    X, y = check_X_y(X, y, sparse_ok=True)
    check_binary_labels(y)
    alpha = check_scalar(alpha, "alpha", low_inclusive=False)
    beta = check_scalar(beta, "beta")
    l1 = check_scalar(l1, "l1")
    epochs = check_count(epochs, "epochs", MAX_EPOCHS)
    check_magnitude(X, "X", X.shape[0] * epochs)  # n_i sums a squared gradient per row
    fit_intercept = check_bool(fit_intercept, "fit_intercept")

    n_samples, n_features = X.shape
    X = _canonical_csr(X)
    if fit_intercept:
        X = _with_ones_column(X)
    width = X.shape[1]
    w, n, last = np.zeros(width), np.zeros(width), np.zeros(width, dtype=np.int64)
    indptr, indices = X.indptr.astype(np.int64), X.indices.astype(np.int64)
    data, labels = X.data.astype(np.float64), np.asarray(y, dtype=np.float64)
    history = []
    for epoch in range(epochs):
        f = np.empty(n_samples)
        adagrad_fobos_rows(w, n, last, epoch * n_samples, indptr, indices, data, labels,
                           float(alpha), float(beta), float(l1), bool(fit_intercept), f)
        history.append(_sum_in_order(0.0, np.logaddexp(0.0, f) - y * f) / n_samples)
    adagrad_fobos_flush(w, n, last, epochs * n_samples, float(alpha), float(beta), float(l1),
                        width - 1 if fit_intercept else -1)
    intercept = float(w[-1]) if fit_intercept else 0.0
    return check_fit(FitResult(coef=w[:n_features], intercept=intercept, n_iter=epochs,
                               converged=True, history=history), "adagrad_fobos",
                     inputs="X or alpha", X=X[:, :n_features] if fit_intercept else X)
