"""``sgd_l1``'s loop over the rows of a sparse matrix, compiled like FTRL-Proximal's.

The same steps as the numpy code it replaces, one coordinate at a time: bring the row's
weights up to date with the L1 penalty they are owed (``catch_up``), predict, take the
gradient step. Notebook 05 fits a few hundred of these models; as numpy calls on a row's
fourteen numbers each pass took 50-150 ms, compiled it takes about 1 ms.
"""

from __future__ import annotations

import math

from ._ftrl_loop import njit, sigmoid

FOBOS, CUMULATIVE, SUBGRADIENT = 0, 1, 2  # sgd_l1's three L1 steps


@njit(cache=True)
def catch_up(w, q, last, j, t, u, step, method):
    """Give ``w[j]`` the L1 penalty of every step since its last update, in place."""
    z = w[j]
    if method == CUMULATIVE:  # what it is still owed, u + q_j or u - q_j, without crossing 0
        w_new = max(0.0, z - (u + q[j])) - max(0.0, -z - (u - q[j]))
        q[j] = q[j] + (w_new - z)
        w[j] = w_new
        return
    m = t - last[j]
    last[j] = t
    if method == FOBOS:  # m soft-thresholds by step are one by m * step
        w[j] = math.copysign(max(abs(z) - m * step, 0.0), z) if z != 0.0 else 0.0
    elif step != 0.0 and m > 0:  # m subgradient steps in closed form (_subgradient_steps)
        a = abs(z)
        r = math.ceil(a / step)
        v = a - r * step
        if m < r:
            new = a - m * step
        elif v == 0.0:
            new = 0.0
        elif (m - r) % 2 == 0:
            new = v
        else:
            new = v + step
        w[j] = new if z > 0.0 else -new if z < 0.0 else 0.0  # sign(z) * new: v may be < 0


@njit(cache=True)
def sgd_rows(w, q, last, order, indptr, indices, data, y, lr, step, method, log_loss,
             fit_intercept, b, t, u):
    """One pass of ``sgd_l1`` over the rows ``order`` of a CSR matrix; returns ``(b, t, u)``.

    ``t`` counts the examples so far, ``u`` the penalty any weight could have received so
    far (the cumulative penalty's total). The weights ``w`` (with ``q`` and ``last``, the
    bookkeeping of the lazy penalty) are updated in place.
    """
    for i in order:
        start, end = indptr[i], indptr[i + 1]
        f = b
        for k in range(start, end):
            catch_up(w, q, last, indices[k], t, u, step, method)
        dot = 0.0
        for k in range(start, end):
            dot += data[k] * w[indices[k]]
        f = dot + b
        g = sigmoid(f) - y[i] if log_loss else f - y[i]
        for k in range(start, end):
            w[indices[k]] -= lr * g * data[k]
        if fit_intercept:
            b -= lr * g
        u += step
        t += 1
    return b, t, u


@njit(cache=True)
def sgd_flush(w, q, last, t, u, step, method):
    """Give every weight the L1 penalty it is owed after ``t`` examples (end of a pass)."""
    for j in range(w.size):
        catch_up(w, q, last, j, t, u, step, method)


__all__ = ["FOBOS", "CUMULATIVE", "SUBGRADIENT", "catch_up", "sgd_rows", "sgd_flush"]
