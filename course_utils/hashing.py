"""Hash one-hot features and crosses of any order into buckets, fast enough for a stream.

:func:`course_utils.features.hash_features` hashes every feature *name*
(``"age=30 & sex=Male"``), one Python call per distinct name. For a stream of chunks with
a hundred crosses that is too slow, so here, as Vowpal Wabbit does, each column *value* is
hashed once by name and a cross combines the hashes of its values with integer arithmetic,
vectorized over the rows. Both are the hashing trick of Weinberger et al. (2009); the
buckets differ, the idea does not.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._validation import (
    _short,
    check_array,
    check_int,
    check_strings,
    check_table,
    user_values,
)

__all__ = ["hash_crosses", "fold_buckets"]

MAX_BUCKETS = 2**32  # a 32-bit hash addresses at most this many buckets
_MASK = 0xFFFFFFFF  # arithmetic modulo 2**32, on Python ints or uint64 arrays


# MurmurHash3 (x86, 32 bits; Appleby), the hash of sklearn.utils.murmurhash3_32 with
# positive=True, bit for bit (tests/test_stream.py), written here so that hashing a stream
# does not import scikit-learn (1.5 s and 60 MB). Each step works on a Python int or a uint64
# array of 32-bit values alike.
def _murmur_block(h, k, last=False):
    """Mix the 4-byte block ``k`` (the last, shorter one: ``last``) into the hash ``h``."""
    k = (k * 0xCC9E2D51) & _MASK
    k = ((k << 15) | (k >> 17)) & _MASK
    h ^= (k * 0x1B873593) & _MASK
    if last:
        return h
    h = ((h << 13) | (h >> 19)) & _MASK
    return (h * 5 + 0xE6546B64) & _MASK


def _murmur_finish(h, n_bytes):
    h ^= n_bytes
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _MASK
    return h ^ (h >> 16)


@functools.lru_cache(maxsize=2**16)  # a stream's chunks repeat the same names
def _murmurhash_text(text: str, seed: int = 0) -> int:
    """MurmurHash3 of a string's UTF-8 bytes."""
    data = text.encode("utf-8")
    n_blocks = len(data) // 4
    h = seed
    for i in range(n_blocks):
        h = _murmur_block(h, int.from_bytes(data[4 * i:4 * i + 4], "little"))
    if len(data) % 4:
        h = _murmur_block(h, int.from_bytes(data[4 * n_blocks:], "little"), last=True)
    return _murmur_finish(h, len(data))


def _murmurhash_keys(keys: np.ndarray, seed: int) -> np.ndarray:
    """MurmurHash3 of each 32-bit key (its 4 bytes, little-endian), as uint32."""
    h = _murmur_block(np.uint64(seed), keys.astype(np.uint64))
    return _murmur_finish(h, 4).astype(np.uint32)


def _value_hashes(table: pd.DataFrame, column) -> np.ndarray:
    """32-bit hash of each row's ``"column=value"``, hashing each distinct value once."""
    with user_values("table", f"the values of column {column!r}"):  # their __hash__, __str__
        try:
            codes, uniques = pd.factorize(table[column])
        except TypeError:  # unhashable values (lists), or a column name that selects several
            raise TypeError(f"table: column {column!r} must hold one hashable value per row "
                            "(strings, numbers); convert it, e.g. with .astype(str).") from None
        if np.any(codes < 0):
            raise ValueError(f"table: column {column!r} has missing values (NaN/None); "
                             "fill them first.")
        names = [f"{column}={u}" for u in uniques]
    names = check_strings(names, f"table's values in {column!r}")
    by_value = np.array([_murmurhash_text(name) for name in names], dtype=np.uint32)
    return by_value[codes]


def _combine(h: np.ndarray, h_next: np.ndarray, order: int) -> np.ndarray:
    """Hash of a cross from the hashes of its parts (order matters, as in a name)."""
    key = (h.astype(np.uint64) * 0x9E3779B1 + h_next) % 2**32
    return _murmurhash_keys(key, seed=order)


def hash_crosses(table, spec, n_buckets: int) -> sp.csr_matrix:
    """Hashed one-hot features and crosses of each row of ``table``.

    Parameters
    ----------
    table : pandas.DataFrame
        One chunk of rows; every column used must be categorical (strings, labels, ...).
    spec : list
        Each item is a column name (its one-hot feature) or a tuple of column names (their
        cross, e.g. ``("age", "sex")`` for ``"age=30 & sex=Male"``).
    n_buckets : int
        Number of columns of the result, ``1 <= n_buckets <= 2**32``.

    Returns
    -------
    scipy.sparse.csr_matrix, shape (len(table), n_buckets)
        One entry per row and item of ``spec`` (their counts add up where two collide);
        row ``i`` gets the same buckets whichever chunk it is read in.

    Notes
    -----
    A value's hash is ``murmurhash3_32("column=value")``; a cross's is folded from its values'
    hashes with MurmurHash3 on 32-bit integers (the numbers of
    :func:`sklearn.utils.murmurhash3_32`, computed here with numpy): for the ``j``-th value
    (``j = 2, 3, ...``) ``h = murmurhash3_32(((h * 2654435761 + h_j) % 2**32)`` as 4 bytes,
    little-endian, ``seed=j)``; the bucket is the hash modulo ``n_buckets``. With
    ``n_buckets`` a power of two the bucket in ``2**b`` is the
    bucket in ``2**24`` modulo ``2**b`` (its last ``b`` bits): see :func:`fold_buckets`.
    """
    n_buckets = check_int(n_buckets, "n_buckets", low=1, high=MAX_BUCKETS)
    if not isinstance(spec, (list, tuple)) or not spec:
        raise TypeError(f"spec must be a non-empty list of names or tuples, got {_short(spec)}")
    items = [list(s) if isinstance(s, (tuple, list)) else [s] for s in spec]
    named = [c for item in items for c in item]
    check_table(table, [c for i, c in enumerate(named) if c not in named[:i]], columns_name="spec")
    used = list(dict.fromkeys(named))  # each column once, in order (names checked above)
    values = {c: _value_hashes(table, c) for c in used}
    buckets = []
    for item in items:
        h = values[item[0]]
        for order, column in enumerate(item[1:], start=2):
            h = _combine(h, values[column], order)
        buckets.append(h.astype(np.int64) % n_buckets)
    n, k = len(table), len(items)
    indices, indptr = np.column_stack(buckets).ravel(), np.arange(0, n * k + 1, k)
    M = sp.csr_matrix((np.ones(n * k), indices, indptr), shape=(n, n_buckets))
    M.sum_duplicates()
    return M


def fold_buckets(X, n_buckets: int) -> sp.csr_matrix:
    """The same rows hashed into fewer buckets: column ``j`` goes to ``j % n_buckets``.

    Parameters
    ----------
    X : scipy.sparse matrix, shape (n_rows, N)
        Hashed features with ``N`` buckets.
    n_buckets : int
        A divisor of ``N`` (e.g. ``2**b`` for ``N = 2**24``), so that the result is exactly
        what hashing into ``n_buckets`` would have given; at most ``MAX_BUCKETS`` (2**32).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (n_rows, n_buckets)
        A new matrix (``X`` is not modified); features that now share a bucket add up, in
        int64 for integers of up to 32 bits, else float64 (int8 ``100 + 100`` would wrap).
    """
    if not sp.issparse(X):
        raise TypeError(f"X must be a scipy.sparse matrix, not {type(X).__name__}.")
    # CSR; values are added up, so in a dtype whose sums do not overflow (not int8's)
    X = check_array(X, "X", ndim=2, sparse_ok=True, allow_empty=True, dtype="sum")
    n_buckets = check_int(n_buckets, "n_buckets", low=1, high=MAX_BUCKETS)
    if X.shape[1] % n_buckets:
        raise ValueError(f"n_buckets must divide X's {X.shape[1]} columns, got {n_buckets}.")
    # (n_buckets can divide N only if it is at most N, or if N is 0: no index to fold then)
    indices = X.indices % n_buckets if n_buckets < X.shape[1] else X.indices.copy()
    M = sp.csr_matrix((X.data.copy(), indices, X.indptr.copy()),
                      shape=(X.shape[0], n_buckets))
    M.sum_duplicates()
    return M
