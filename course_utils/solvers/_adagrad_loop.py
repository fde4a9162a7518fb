"""AdaGrad-FOBOS's loop over examples and coordinates, compiled like FTRL-Proximal's.

FOBOS (Duchi & Singer 2009) with AdaGrad's per-coordinate learning rate (Duchi, Hazan & Singer
2011), the rate FTRL-Proximal uses: ``eta_i = alpha / (beta + sqrt(n_i))``. It is the comparator
McMahan et al. (2013) set beside FTRL-Proximal: the same rates, but the L1 step is taken on the
current weight (soft-thresholding by ``eta_i * l1`` after every gradient step) instead of on the
accumulated gradients ``z_i``. Written one coordinate at a time, as in ``_ftrl_loop``.
"""

from __future__ import annotations

import math

from ._ftrl_loop import njit, sigmoid


@njit(cache=True)
def adagrad_fobos_rows(w, n, last, t0, indptr, indices, data, y, alpha, beta, l1, intercept,
                       logits):
    """AdaGrad-FOBOS over the rows of a CSR matrix, in order, updating ``w``, ``n``, ``last``.

    Rows are numbered from ``t0`` (the examples of earlier passes). The L1 step of every
    example is owed to every weight, but taken lazily: when row ``t`` touches coordinate
    ``i``, it first receives the ``t - last[i]`` steps it missed (``eta_i`` has not changed
    since, as ``n_i`` has not), then the gradient step and the soft-threshold of this
    example. With ``intercept``, each row's last entry is the intercept, exempt from ``l1``.
    ``logits[r]`` receives ``x_r @ w`` before the row is learned. Call
    :func:`adagrad_fobos_flush` at the end to give every weight its due.
    """
    for r in range(y.size):
        t = t0 + r
        start, end = indptr[r], indptr[r + 1]
        logit = 0.0
        for j in range(start, end):
            i = indices[j]
            l1_i = 0.0 if intercept and j == end - 1 else l1
            if l1_i > 0.0 and t > last[i] and n[i] > 0.0:
                shrink = (t - last[i]) * l1_i * alpha / (beta + math.sqrt(n[i]))
                w[i] = math.copysign(max(abs(w[i]) - shrink, 0.0), w[i])
            last[i] = t + 1  # the step of example t is taken below
            logit += w[i] * data[j]
        p = sigmoid(logit)
        for j in range(start, end):
            i = indices[j]
            l1_i = 0.0 if intercept and j == end - 1 else l1
            g = (p - y[r]) * data[j]
            n[i] += g * g
            eta = alpha / (beta + math.sqrt(n[i]))
            step = w[i] - eta * g
            w[i] = math.copysign(max(abs(step) - eta * l1_i, 0.0), step)
        logits[r] = logit


@njit(cache=True)
def adagrad_fobos_flush(w, n, last, t_end, alpha, beta, l1, intercept_index):
    """Give every touched weight the L1 steps it is owed up to example ``t_end``."""
    for i in range(w.size):
        if i == intercept_index or n[i] == 0.0 or last[i] >= t_end:
            continue
        shrink = (t_end - last[i]) * l1 * alpha / (beta + math.sqrt(n[i]))
        w[i] = math.copysign(max(abs(w[i]) - shrink, 0.0), w[i])
        last[i] = t_end


__all__ = ["adagrad_fobos_rows", "adagrad_fobos_flush"]
