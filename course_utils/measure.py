"""Measure a model: how many weights it uses, how many bytes it needs, whether it found the truth.

Conventions used throughout:

- a weight ``w_i`` counts as *non-zero* when ``|w_i| > tol``; with the default ``tol=0.0`` only
  exact zeros are zeros, which is what a sparse storage format can drop;
- ``w`` may have any shape (a coefficient vector, or a ``(n_classes, n_features)`` matrix);
  a scipy.sparse matrix is accepted too (its implicit entries are zeros);
- an empty ``w`` is a model without weights: no non-zeros, 0 bytes; only ``sparsity``, a
  fraction of no weights, refuses it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._validation import (
    above,
    check_array,
    check_choice,
    check_dtype,
    check_scalar,
    n_elements,
    sum_dtype,
)

__all__ = ["count_nonzero", "sparsity", "model_bytes", "support_recovery", "SupportRecovery"]

VALUE_DTYPES = (np.float64, np.float32, np.float16)
INDEX_DTYPES = (np.int64, np.int32, np.int16, np.uint64, np.uint32, np.uint16)


def _nonzero_mask(w, tol: float) -> np.ndarray:
    """Boolean mask of the stored values with ``|w_i| > tol`` (the ``.data`` of a sparse ``w``).

    A sparse matrix may store one position twice (its value is then the sum, and ``1.0`` and
    ``-1.0`` make an exact zero): duplicates are summed first, on a copy.
    """
    if sp.issparse(w):
        if not w.has_canonical_format:  # summed in a dtype that cannot overflow
            w = w.astype(sum_dtype(w.dtype))
            w.sum_duplicates()
        values = w.data
    else:
        values = w
    return above(values, tol)  # exact for integers (2**53 + 1 is above 2.0**53)


def _size(w) -> int:
    return n_elements(w)


def count_nonzero(w, tol: float = 0.0) -> int:
    """Count the weights with ``|w_i| > tol``.

    Parameters
    ----------
    w : array-like or scipy.sparse matrix
        Weights, any shape.
    tol : float, default=0.0
        Magnitudes ``<= tol`` count as zero.

    Returns
    -------
    int
    """
    w = check_array(w, "w", sparse_ok=True, allow_empty=True, dtype=None)
    tol = check_scalar(tol, "tol")
    return int(np.count_nonzero(_nonzero_mask(w, tol)))


def sparsity(w, tol: float = 0.0) -> float:
    """Fraction of the weights that are zero: ``1 - count_nonzero(w, tol) / w.size``.

    Parameters
    ----------
    w : array-like or scipy.sparse matrix
        Weights, any shape.
    tol : float, default=0.0
        Magnitudes ``<= tol`` count as zero.

    Returns
    -------
    float
        In ``[0, 1]``: 0.0 for a fully dense model, 1.0 for the all-zero model.
    """
    w = check_array(w, "w", sparse_ok=True, dtype=None)
    tol = check_scalar(tol, "tol")
    size = _size(w)
    return (size - int(np.count_nonzero(_nonzero_mask(w, tol)))) / size


def model_bytes(
    w,
    storage: str = "dense",
    value_dtype=np.float64,
    index_dtype=np.int32,
    tol: float = 0.0,
) -> int:
    """Bytes needed to store the weights ``w``, densely or as (index, value) pairs.

    Parameters
    ----------
    w : array-like or scipy.sparse matrix
        Weights, any shape.
    storage : {"dense", "sparse"}, default="dense"
        ``"dense"`` stores every weight; ``"sparse"`` stores each non-zero with its index.
    value_dtype : {np.float64, np.float32, np.float16}, default=np.float64
        Type of one stored weight (8, 4 or 2 bytes).
    index_dtype : {np.int64, np.int32, np.int16, np.uint64, np.uint32, np.uint16}, default=np.int32
        Type of one stored index (used by ``"sparse"`` only).
    tol : float, default=0.0
        Magnitudes ``<= tol`` count as zero (and are not stored by ``"sparse"``).

    Returns
    -------
    int
        dense: ``w.size * value_bytes``; sparse: ``nnz * (value_bytes + index_bytes)``.

    Raises
    ------
    ValueError
        If ``storage="sparse"`` and ``index_dtype`` cannot address every position of ``w``.

    Notes
    -----
    The sparse count is that of a sparse *vector*: one flat index per non-zero. A CSR matrix also
    stores ``n_rows + 1`` row pointers, and a real file adds a small header; neither is counted.
    Sparse storage pays off when ``nnz / w.size < value_bytes / (value_bytes + index_bytes)``,
    that is below 2/3 non-zeros for float64 values with int32 indices.
    """
    w = check_array(w, "w", sparse_ok=True, allow_empty=True, dtype=None)
    storage = check_choice(storage, "storage", ("dense", "sparse"))
    value_bytes = check_dtype(value_dtype, "value_dtype", VALUE_DTYPES).itemsize
    index_dtype = check_dtype(index_dtype, "index_dtype", INDEX_DTYPES)
    tol = check_scalar(tol, "tol")
    if storage == "dense":
        return _size(w) * value_bytes
    if _size(w) - 1 > np.iinfo(index_dtype).max:
        raise ValueError(
            f"index_dtype {index_dtype.name} cannot index the {_size(w):,} weights of w; "
            "use a wider type."
        )
    nnz = int(np.count_nonzero(_nonzero_mask(w, tol)))
    return nnz * (value_bytes + index_dtype.itemsize)


class SupportRecovery(NamedTuple):
    """Precision and recall of an estimated support against the true one."""

    precision: float
    recall: float


def support_recovery(w_hat, w_true, tol: float = 0.0) -> SupportRecovery:
    """How well the non-zeros of ``w_hat`` match those of ``w_true``.

    Parameters
    ----------
    w_hat : array-like
        Estimated weights.
    w_true : array-like
        True weights, same shape as ``w_hat``.
    tol : float, default=0.0
        An estimated weight is selected when ``|w_hat_i| > tol``. The true support is always
        the exact non-zeros of ``w_true``.

    Returns
    -------
    SupportRecovery
        ``precision = |S_hat & S| / |S_hat|``: the fraction of selected features that are truly
        non-zero. ``recall = |S_hat & S| / |S|``: the fraction of true features that were selected.

    Notes
    -----
    The 0/0 cases are read as "no mistake was made":

    - nothing selected (``S_hat`` empty): ``precision = 1.0`` (no false positive);
    - nothing to find (``S`` empty): ``recall = 1.0`` (no false negative).

    So the all-zero estimate of an all-zero truth scores ``(1.0, 1.0)``, and the all-zero estimate
    of a non-zero truth scores ``(1.0, 0.0)``: its recall shows what it missed.
    """
    w_hat = check_array(w_hat, "w_hat", allow_empty=True, dtype=None)
    w_true = check_array(w_true, "w_true", allow_empty=True)
    if w_hat.shape != w_true.shape:
        raise ValueError(
            f"w_hat and w_true must have the same shape, got {w_hat.shape} and {w_true.shape}."
        )
    tol = check_scalar(tol, "tol")
    selected = above(w_hat, tol)
    true = w_true != 0
    hits = int(np.count_nonzero(selected & true))
    n_selected, n_true = int(np.count_nonzero(selected)), int(np.count_nonzero(true))
    precision = hits / n_selected if n_selected else 1.0
    recall = hits / n_true if n_true else 1.0
    return SupportRecovery(precision, recall)


def delta_encoded_bytes(indices) -> int:
    """Bytes of sorted indices stored as gaps, each gap a variable-length integer.

    Parameters
    ----------
    indices : array-like of int
        Distinct indices ``>= 0`` (e.g. of a sparse model's non-zero weights), any order,
        up to ``2**64 - 1``; an empty array costs 0 bytes.

    Returns
    -------
    int
        Sum over the gaps ``d = i_k - i_(k-1)`` (the first index is its own gap) of the bytes
        of ``d`` in a varint (LEB128): 7 bits per byte, so 1 byte below 128, 2 below 16,384,
        3 below 2,097,152, ... Close indices, as in a dense support, cost 1 byte each.

    Examples
    --------
    >>> delta_encoded_bytes([0, 1, 130, 20000])  # gaps 0, 1, 129, 19870: 1 + 1 + 2 + 3
    7
    """
    indices = check_array(indices, "indices", ndim=1, allow_empty=True, dtype=None)
    if indices.size and (not np.issubdtype(indices.dtype, np.integer) or indices.min() < 0):
        raise ValueError("indices must hold integers >= 0.")
    # uint64 holds every index >= 0 that numpy stores as an integer, up to 2**64 - 1 (int64 would
    # wrap an index of 2**63 or more around to a negative gap); sorted, no gap is negative
    indices = np.sort(indices.astype(np.uint64))
    gaps = np.diff(indices, prepend=np.uint64(0))
    if indices.size > 1 and np.any(gaps[1:] == 0):
        raise ValueError("indices must not repeat an index.")
    # one byte, plus one more for each 7 bits the gap needs beyond the first 7 (64 bits: 10 bytes)
    return int(gaps.size + sum(np.count_nonzero(gaps >= np.uint64(2 ** (7 * k)))
                               for k in range(1, 10)))


__all__ += ["delta_encoded_bytes"]
