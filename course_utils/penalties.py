"""The three penalties of the course, L0, L1 and L2, with their (sub)gradients and prox operators.

For a weight vector ``w``:

- L0 "norm": ``||w||_0 = #{i : w_i != 0}``, the number of features the model uses.
- L1 norm: ``||w||_1 = sum_i |w_i|``, its convex stand-in.
- squared L2 norm: ``||w||_2^2 = sum_i w_i^2``, smooth, but it produces no zeros.

The prox operators turn a penalty into a step: ``soft_threshold`` is the prox of ``t ||.||_1``
and ``hard_threshold`` is the projection onto ``{w : ||w||_0 <= k}``.

Like their numpy equivalents, every function accepts an empty array: no weights cost no penalty
(0 or 0.0), and the elementwise results are empty arrays of the same shape.
"""

from __future__ import annotations

import numpy as np

from ._validation import above, check_array, check_int, check_scalar

__all__ = [
    "l0_norm",
    "l1_norm",
    "l2_squared",
    "l1_subgradient",
    "l2_gradient",
    "soft_threshold",
    "hard_threshold",
]


def _finite(value, name: str, what: str):
    """Return ``value`` if it did not overflow to infinity; else raise naming ``name``."""
    if not np.all(np.isfinite(value)):
        raise ValueError(
            f"{name} is too large: {what} overflows float64 (above 1.8e308); rescale {name}."
        )
    return value


def l0_norm(w, tol: float = 0.0) -> int:
    """Count the weights whose magnitude is above ``tol``: ``#{i : |w_i| > tol}``.

    Parameters
    ----------
    w : array-like
        Weights, any shape.
    tol : float, default=0.0
        Magnitudes ``<= tol`` count as zero. With the default only exact zeros are zero.

    Returns
    -------
    int
    """
    w = check_array(w, "w", allow_empty=True, dtype=None)  # integers compared exactly
    tol = check_scalar(tol, "tol")
    return int(np.count_nonzero(above(w, tol)))


def l1_norm(w) -> float:
    """Return ``||w||_1 = sum_i |w_i|``.

    Parameters
    ----------
    w : array-like
        Weights, any shape.

    Returns
    -------
    float
    """
    w = check_array(w, "w", allow_empty=True)
    with np.errstate(over="ignore"):
        total = np.sum(np.abs(w))
    return float(_finite(total, "w", "its L1 norm"))


def l2_squared(w) -> float:
    """Return the squared L2 norm ``||w||_2^2 = sum_i w_i^2`` (not its square root).

    Parameters
    ----------
    w : array-like
        Weights, any shape.

    Returns
    -------
    float
    """
    w = check_array(w, "w", allow_empty=True)
    with np.errstate(over="ignore"):
        total = np.sum(w * w)
    return float(_finite(total, "w", "its squared L2 norm"))


def l1_subgradient(w) -> np.ndarray:
    """Return ``sign(w)``, the minimum-norm subgradient of ``||w||_1``.

    Parameters
    ----------
    w : array-like
        Weights, any shape.

    Returns
    -------
    numpy.ndarray of float64, shape of ``w``

    Notes
    -----
    Where ``w_i != 0`` the L1 norm is differentiable and its derivative is ``sign(w_i)``.
    At ``w_i = 0`` it is not: every number in ``[-1, 1]`` is a subgradient, and we return
    the one of smallest magnitude, ``0``.
    """
    w = check_array(w, "w", bool_ok=False, allow_empty=True)
    return np.sign(w)


def l2_gradient(w) -> np.ndarray:
    """Return ``2 w``, the gradient of ``||w||_2^2``.

    Parameters
    ----------
    w : array-like
        Weights, any shape.

    Returns
    -------
    numpy.ndarray of float64, shape of ``w``

    Notes
    -----
    The gradient is proportional to ``w``: a gradient step ``w - eta * 2 w = (1 - 2 eta) w``
    shrinks a weight by a fixed *fraction*, so it never reaches zero (see ``course_utils.decay``).
    """
    w = check_array(w, "w", bool_ok=False, allow_empty=True)
    with np.errstate(over="ignore"):
        gradient = 2.0 * w
    return _finite(gradient, "w", "2 w")


def soft_threshold(x, t: float):
    """Soft-thresholding: ``sign(x) * max(|x| - t, 0)``, elementwise.

    Parameters
    ----------
    x : float or array-like
        Values to shrink.
    t : float
        Threshold, ``t >= 0``.

    Returns
    -------
    float or numpy.ndarray
        A float for a scalar ``x``, otherwise an array of float64 with the shape of ``x``.

    Notes
    -----
    ``soft_threshold(x, t)`` is the proximal operator of ``t |.|``:

    .. math:: \\operatorname{argmin}_z \\tfrac12 (z - x)^2 + t |z|.

    It moves every value ``t`` towards zero and sets the values in ``[-t, t]`` to exactly 0.0.
    """
    x_arr = check_array(x, "x", bool_ok=False, allow_empty=True)
    t = check_scalar(t, "t")
    z = _soft_threshold_unchecked(x_arr, t)
    return float(z) if z.ndim == 0 else z


def _soft_threshold_unchecked(x: np.ndarray, t: float) -> np.ndarray:
    """:func:`soft_threshold` without input checks, for solvers that call it every iteration."""
    return np.sign(x) * np.maximum(np.abs(x) - t, 0.0)


def hard_threshold(x, k: int) -> np.ndarray:
    """Keep the ``k`` entries of largest magnitude and set the others to 0.0.

    Parameters
    ----------
    x : array-like
        Values, any shape (ranked over all entries).
    k : int
        How many entries to keep, ``0 <= k <= x.size``.

    Returns
    -------
    numpy.ndarray of float64, shape of ``x``

    Notes
    -----
    This is the Euclidean projection onto ``{w : ||w||_0 <= k}``, the step of iterative hard
    thresholding. Ties in magnitude are broken by position: among equal magnitudes the entry
    that comes first (in C order) is kept, so the result is deterministic. An entry that is
    already 0.0 may be "kept" and stays 0.0, so the result can have fewer than ``k`` non-zeros.
    """
    x = check_array(x, "x", bool_ok=False, allow_empty=True)
    k = check_int(k, "k", low=0)
    if k > x.size:
        raise ValueError(f"k must be <= x.size ({x.size}), got {k}.")
    return _hard_threshold_unchecked(x, k)


def _hard_threshold_unchecked(x: np.ndarray, k: int) -> np.ndarray:
    """:func:`hard_threshold` without input checks, for solvers that call it every iteration."""
    flat = x.ravel()
    # A stable sort of -|x| puts the largest magnitudes first and keeps index order among ties.
    keep = np.argsort(-np.abs(flat), kind="stable")[:k]
    z = np.zeros_like(flat)
    z[keep] = flat[keep]
    return z.reshape(x.shape)
