"""FTRL-Proximal's loop over examples and coordinates (McMahan et al. 2013, Algorithm 1).

The loop is written one example and one coordinate at a time, as in the paper, and compiled
by numba: a row of a wide hashed model touches about a hundred coordinates, and numpy would
spend more time starting its twenty calls per row than computing them (issue 15's profile in
``benchmarks/RESULTS.md``). Without numba, or with ``NUMBA_DISABLE_JIT=1``, the same
functions run as plain Python: the same numbers, about 85 times slower (RESULTS.md).
"""

from __future__ import annotations

import math

import numpy as np

from .online import _sigmoid

try:
    from numba import njit
except ImportError:  # numba is a requirement; without it the loop runs as plain Python

    def njit(**options):
        return lambda function: function


sigmoid = njit(cache=True)(_sigmoid)  # the one sgd_l1 uses, compiled


# inline="always": numba inlines it into ftrl_rows, where it runs twice per update; called,
# it made the whole loop about a quarter slower, even for float64 state (a test and a return)
@njit(cache=True, inline="always")
def round_to(value, bits):
    """``value`` as it is stored in float64 (``bits=64``, unchanged), float32 or float16.

    The same rounding as numpy's ``astype`` (to nearest, ties to even): float32 by the
    processor's own conversion; float16 (numba has no float16 type on the CPU) by rounding to
    a multiple of the float16 spacing, 11 significant bits, 2**-24 below 2**-14, and
    infinity beyond the largest float16, 65504. ``bits=-16`` rounds to the same float16
    grid at random instead, to the neighbour above with probability equal to the distance
    from the one below, in spacings (randomized rounding, unbiased: McMahan et al. 2013,
    sec. 4.5, round their fixed-point coefficients this way).
    """
    if bits == 64 or value == 0.0 or not math.isfinite(value):
        return value
    if bits == 32:
        return float(np.float32(value))
    exponent = math.frexp(value)[1]  # |value| in [2**(exponent - 1), 2**exponent)
    spacing = math.ldexp(1.0, max(exponent, -13) - 11)
    scaled = value / spacing  # division by a power of 2: exact
    if bits == -16:  # randomized rounding: up with probability = the fraction, so unbiased
        low = math.floor(scaled)
        # numba supports only the legacy np.random functions in compiled code
        up = np.random.random() < scaled - low  # noqa: NPY002
        rounded = (low + (1.0 if up else 0.0)) * spacing
    else:
        rounded = np.rint(scaled) * spacing
    return rounded if abs(rounded) <= 65504.0 else math.copysign(math.inf, value)


@njit(cache=True)
def seed_rounding(seed):
    """Seed the random numbers of randomized rounding (``bits=-16`` in :func:`round_to`).

    Compiled, this seeds numba's own generator; as plain Python, numpy's global one.
    """
    np.random.seed(seed)  # noqa: NPY002  (numba compiles only the legacy functions)


# inline="always", like round_to: the formula written once, for the row's coordinates and for
# the intercept, without a call per coordinate.
@njit(cache=True, error_model="numpy", inline="always")
def weight(z_i, root_n_i, alpha, beta, l1_i, l2_i):
    """Algorithm 1's closed-form weight of one coordinate, from ``z_i`` and ``sqrt(n_i)``.

    ``|z_i| <= l1_i`` gives exactly zero, the source of sparsity (so does a zero denominator,
    which needs ``beta = l2_i = n_i = 0``: a coordinate not yet learned, weight 0 too). The
    division is done either way (by 1 for a zero denominator) and the zero chosen after: no
    branch for the processor to mispredict (l1 = 8: a third faster than if/else).
    """
    denominator = (beta + root_n_i) / alpha + l2_i
    zero = (abs(z_i) <= l1_i) | (denominator == 0.0)
    candidate = -(z_i - math.copysign(l1_i, z_i)) / (1.0 if zero else denominator)
    return 0.0 if zero else candidate


@njit(cache=True, error_model="numpy", inline="always")
def learn(z_i, n_i, g, root_n_i, w_i, alpha, z_bits, n_bits):
    """One coordinate's new ``z_i``, ``n_i`` and ``sqrt(n_i)`` after the gradient ``g``, ``z_i``
    and ``n_i`` each rounded to its storage (:func:`round_to`); ``root_n_i`` and ``w_i`` are
    those it was predicted with."""
    root = math.sqrt(n_i + g * g)
    sigma = (root - root_n_i) / alpha
    # z_i first, then n_i: randomized rounding draws its random numbers in this order
    z_i = round_to(z_i + g - sigma * w_i, z_bits)
    n_i = round_to(n_i + g * g, n_bits)
    if n_bits != 64:  # the root of the rounded n_i
        root = math.sqrt(n_i)
    return z_i, n_i, root


# error_model="numpy": no zero-divisor test before each division (numba's default raises
# ZeroDivisionError, as Python would). No divisor here is ever zero (alpha > 0, and a zero
# denominator is tested before it divides): the same numbers, without the branches.
@njit(cache=True, error_model="numpy")
def ftrl_rows(z, n, root_n, indptr, indices, data, y, alpha, beta, l1, l2, intercept, z_bits,
              n_bits, logits):
    """Algorithm 1 over the rows of a CSR matrix, in order, updating ``z`` and ``n`` in place.

    ``root_n`` holds ``sqrt(n_i)`` of every coordinate and is kept so: each update computes
    the new root to learn, and the next prediction of that coordinate reads it instead of
    taking it again (square roots and divisions are most of the loop's time).
    Row ``t`` holds the entries ``indptr[t]:indptr[t + 1]`` (column ``indices[j]``, value
    ``data[j]``) and the label ``y[t]``. With ``intercept``, every row has one more entry
    after its own, the intercept: value 1 in the last coordinate ``b`` of ``z`` and ``n``,
    exempt from ``l1`` and ``l2`` (handled after the row's entries, not tested for in their
    loop: about a tenth faster). After every update ``z_i`` is rounded as storage in
    ``z_bits`` bits would round it, ``n_i`` as storage in ``n_bits`` bits (:func:`round_to`;
    ``-16``: float16 with randomized rounding). ``logits[t]`` receives ``x_t @ w``, predicted
    before the row is learned. Returns True when every ``z_i`` and ``n_i`` it wrote is
    finite, False after an overflow (inf or NaN).
    """
    finite = True
    if y.size == 0:
        return finite
    longest = np.max(indptr[1:] - indptr[:-1])
    w = np.zeros(longest)  # the weights of the row's coordinates
    b = z.size - 1  # the intercept's coordinate, when there is one
    w_b = 0.0
    for t in range(y.size):
        start, end = indptr[t], indptr[t + 1]
        # Predict: w_i from the state, only for the coordinates this row touches.
        logit = 0.0
        for j in range(start, end):
            i = indices[j]
            w[j - start] = weight(z[i], root_n[i], alpha, beta, l1, l2)
            logit += w[j - start] * data[j]
        if intercept:  # x_b = 1, no penalty
            w_b = weight(z[b], root_n[b], alpha, beta, 0.0, 0.0)
            logit += w_b * 1.0
        p = sigmoid(logit)
        # Learn: the gradient of the log loss, then z_i and n_i of the same coordinates.
        for j in range(start, end):
            i = indices[j]
            z[i], n[i], root_n[i] = learn(z[i], n[i], (p - y[t]) * data[j], root_n[i],
                                          w[j - start], alpha, z_bits, n_bits)
            finite &= math.isfinite(z[i]) & math.isfinite(n[i])
        if intercept:
            z[b], n[b], root_n[b] = learn(z[b], n[b], (p - y[t]) * 1.0, root_n[b], w_b, alpha,
                                          z_bits, n_bits)
            finite &= math.isfinite(z[b]) & math.isfinite(n[b])
        logits[t] = logit
    return finite


@njit(cache=True, error_model="numpy")
def weights_over_z(z, n, alpha, beta, l1, l2, intercept):
    """Algorithm 1's closed-form weights from the state, written over ``z`` in place.

    The same formula as the loop's prediction, for every coordinate; a coordinate never
    learned (``n_i = 0``) gets 0. With ``intercept``, the last coordinate is exempt from
    ``l1`` and ``l2``. For :func:`ftrl_proximal`, whose state is not needed after its last
    pass: one read of ``z``, no second vector of the state's length to allocate and zero.
    """
    for i in range(z.size):
        l1_i, l2_i = (0.0, 0.0) if intercept and i == z.size - 1 else (l1, l2)
        if abs(z[i]) <= l1_i or n[i] == 0.0:  # exactly zero: the source of sparsity
            z[i] = 0.0
        else:
            z[i] = -(z[i] - math.copysign(l1_i, z[i])) / ((beta + math.sqrt(n[i])) / alpha + l2_i)


@njit(cache=True)
def number_columns(indices, slot_of):
    """Number the columns a CSR matrix's ``indices`` use 0, 1, 2, ... in order of first use,
    writing each entry's number over ``indices``; return the columns in that order.

    ``slot_of`` holds one zero per column of the matrix (``np.zeros``: its pages that no
    entry touches are never written) and receives each used column's number plus one.
    """
    columns = np.empty_like(indices)
    used = 0
    for j in range(indices.size):
        if slot_of[indices[j]] == 0:
            columns[used] = indices[j]
            used += 1
            slot_of[indices[j]] = used
        indices[j] = slot_of[indices[j]] - 1
    return columns[:used].copy()
