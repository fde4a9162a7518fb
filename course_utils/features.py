"""Sparse features: one-hot encoding, buckets, feature crosses and the hashing trick.

Every encoder returns ``(M, names)``: a ``scipy.sparse.csr_matrix`` of float64 with one row per
input row, and a list of readable column names:

=====================================  =============================================
``one_hot(table, columns)``            ``"education=Bachelors"``
``bucketize(x, edges, name)``          ``"age=(-inf, 25)"``, ``"age=[25, 35)"``, ``"age=[65, inf)"``
``cross(table, columns)``              ``"education=Bachelors & occupation=Sales"``
``hash_features(table, columns, n)``   ``"hash_0"`` ... ``"hash_{n-1}"``
=====================================  =============================================

Helpers: ``bucket_labels`` (bucket names as a column, to cross a numeric column with categorical
ones), ``cross_dimension`` (possible vs observed combinations), ``hash_buckets`` and
``collision_rate`` (what hashing does to a list of feature names), ``stack_features`` (glue
``(M, names)`` blocks side by side).

Categories are the values observed in the table, in sorted order (for a pandas Categorical,
in category order), as in scikit-learn's ``OneHotEncoder``; so the column counts agree with it.
A missing value (NaN/None) is refused: fill it first, e.g. ``table.fillna("?")``. The Adult data
marks missing answers with the string "?", which is then one category like any other.

Examples
--------
The wide Adult design matrix of notebook 05: one-hot of every categorical column, two bucketized
numeric columns, one 2-way and three 3-way crosses; 32,561 x 2,882, about 0.1 s:

>>> from course_utils import datasets, features as F
>>> X, y = datasets.load_adult()
>>> table = X.assign(**{
...     "age": F.bucket_labels(X["age"], [25, 30, 35, 40, 45, 50, 55, 60, 65]),
...     "hours-per-week": F.bucket_labels(X["hours-per-week"], [20, 35, 41, 50, 60]),
... })
>>> X_wide, names = F.stack_features(
...     F.one_hot(table),  # the non-numeric columns, the two bucket columns included
...     F.cross(table, ["education", "occupation"]),
...     F.cross(table, ["age", "education", "occupation"]),
...     F.cross(table, ["age", "marital-status", "occupation"]),
...     F.cross(table, ["sex", "hours-per-week", "occupation"]),
... )
>>> X_wide.shape, len(names), names[-1]
((32561, 2882), 2882, 'sex=Male & hours-per-week=[60, inf) & occupation=Transport-moving')

``stack_features`` is ``scipy.sparse.hstack([M for M, _ in blocks], format="csr")`` with the
names concatenated. Each row of ``X_wide`` has exactly one non-zero per one-hot column and per
cross, so ``X_wide.shape[1] - X_wide.getnnz(axis=1)`` counts the zeros per row.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from course_utils._validation import (
    _short,
    check_array,
    check_increasing,
    check_int,
    check_str,
    check_strings,
    check_table,
    user_values,
)
from course_utils.hashing import _murmurhash_text

__all__ = [
    "one_hot",
    "bucketize",
    "bucket_labels",
    "cross",
    "cross_dimension",
    "CrossDimension",
    "hash_features",
    "hash_buckets",
    "collision_rate",
    "stack_features",
]


# ---------------------------------------------------------------- shared pieces


def _as_table(table):
    """Let a named Series stand for a one-column table."""
    if isinstance(table, pd.Series):
        return table.to_frame(name=table.name if table.name is not None else "x")
    return table


def _codes(table: pd.DataFrame, column) -> tuple[np.ndarray, list[str]]:
    """Integer code of each row's value in ``column``, and the sorted observed values as str."""
    with user_values("table", f"the values of column {column!r}"):  # their __hash__, __str__
        try:
            codes, uniques = pd.factorize(table[column], sort=True)
        except TypeError as error:  # lists or dicts as values (unhashable), or mixed types
            raise TypeError(  # that cannot be sorted: "1" and 1
                f"columns: column {column!r} must hold hashable values of one kind (strings, "
                f"numbers, booleans) to be encoded ({error}); convert it, e.g. "
                f"table[{column!r}].astype(str)."
            ) from None
        names = [str(u) for u in uniques]
    if len(set(names)) < len(names):  # e.g. the string "1" and the number 1: one name, two columns
        alike = next(name for name in names if names.count(name) > 1)
        raise ValueError(
            f"columns: column {column!r} holds different values that print alike ({alike!r}, "
            f"e.g. a string and a number); convert it first, e.g. table[{column!r}].astype(str)."
        )
    if np.any(codes < 0):
        raise ValueError(
            f"columns: column {column!r} has missing values (NaN/None); "
            f"fill them first, e.g. table[{column!r}].fillna('?')."
        )
    return codes, names


def _cross_codes(table: pd.DataFrame, columns: list) -> tuple[np.ndarray, list[str]]:
    """Code of each row's combination of values, and the name of each observed combination.

    Combinations are numbered in sorted (lexicographic) order. Codes are renumbered after each
    column, so they stay below the number of rows however many columns are crossed.
    """
    code, values = _codes(table, columns[0])
    parts = [np.arange(len(values))]  # parts[j][c]: value index in column j of combination c
    uniques = [values]
    for column in columns[1:]:
        code_j, values_j = _codes(table, column)
        code, keys = pd.factorize(code * len(values_j) + code_j, sort=True)
        parts = [p[keys // len(values_j)] for p in parts] + [keys % len(values_j)]
        uniques.append(values_j)
    names = [
        " & ".join(f"{col}={uniques[j][parts[j][c]]}" for j, col in enumerate(columns))
        for c in range(len(parts[0]))
    ]
    return code, names


def _distinct(names: list[str], name: str) -> list[str]:
    """``names`` if no two are equal, else a ValueError naming ``name``: column ``a=x`` with
    value ``y`` and column ``a`` with value ``x=y`` would both be called ``a=x=y``."""
    if len(set(names)) < len(names):
        seen = set()
        twice = next(n for n in names if n in seen or seen.add(n))
        raise ValueError(
            f"{name}: two different features would have the same name {twice!r:.80} (a column "
            "name or value holds '=' or ' & '); rename the columns or values first."
        )
    return names


def _indicator(codes: np.ndarray, n_columns: int) -> sp.csr_matrix:
    """CSR matrix with a single 1.0 per row, in column ``codes[i]``."""
    n = len(codes)
    return sp.csr_matrix(
        (np.ones(n), codes.astype(np.int32), np.arange(n + 1, dtype=np.int32)),
        shape=(n, n_columns),
    )


def _edge_label(e: float) -> str:
    return np.format_float_positional(e, trim="-")


def _bucket_names(edges: np.ndarray) -> list[str]:
    bounds = ["-inf"] + [_edge_label(e) for e in edges] + ["inf"]
    pairs = zip(bounds[:-1], bounds[1:], strict=True)
    return [f"{'(' if lo == '-inf' else '['}{lo}, {hi})" for lo, hi in pairs]


def _bucket_codes(x, edges) -> tuple[np.ndarray, np.ndarray]:
    x = check_array(x, "x", ndim=1, bool_ok=False)  # buckets of True/False: use one_hot
    edges = check_increasing(edges, "edges")
    # side="right": x == edges[i] falls in [edges[i], edges[i+1]), buckets are closed on the left.
    return np.searchsorted(edges, x, side="right"), edges


def _name_of(x, name):
    if name is None:
        return x.name if isinstance(x, pd.Series) and x.name is not None else "x"
    return check_str(name, "name")


# ---------------------------------------------------------------- encoders


def one_hot(table, columns=None) -> tuple[sp.csr_matrix, list[str]]:
    """One-hot encode categorical columns: one 0/1 column per observed value.

    Parameters
    ----------
    table : pandas.DataFrame (or a named Series)
        The data, one row per example.
    columns : str or list of str, optional
        Columns to encode. Default: every non-numeric column (strings, categoricals, booleans);
        numeric columns are encoded only when named here (each distinct number a category).

    Returns
    -------
    M : scipy.sparse.csr_matrix, shape (n_rows, total number of categories)
        Exactly one 1.0 per row and encoded column; the blocks follow ``columns``.
    names : list of str
        ``"column=value"``, values sorted within each column.

    Notes
    -----
    Same columns, in the same order, as ``sklearn.preprocessing.OneHotEncoder()`` fitted on
    ``table[columns]``.

    Examples
    --------
    >>> import pandas as pd
    >>> M, names = one_hot(pd.DataFrame({"colour": ["red", "blue", "red"]}))
    >>> names
    ['colour=blue', 'colour=red']
    >>> M.toarray()
    array([[0., 1.],
           [1., 0.],
           [0., 1.]])
    """
    table = _as_table(table)
    if columns is None:
        check_table(table)
        columns = [
            c for c in table.columns
            if not pd.api.types.is_numeric_dtype(table[c]) or pd.api.types.is_bool_dtype(table[c])
        ]
        if not columns:
            raise ValueError("table has no non-numeric column; name the columns to encode.")
    columns = check_table(table, columns)
    blocks, names = [], []
    for column in columns:
        codes, values = _codes(table, column)
        blocks.append(_indicator(codes, len(values)))
        names += [f"{column}={v}" for v in values]
    return sp.hstack(blocks, format="csr"), _distinct(names, "table")


def bucketize(x, edges, name=None) -> tuple[sp.csr_matrix, list[str]]:
    """One-hot encode a numeric column by buckets (bins) between ``edges``.

    Parameters
    ----------
    x : array-like of shape (n_rows,)
        Finite numbers (a pandas Series is fine).
    edges : array-like of shape (n_edges,)
        Strictly increasing, finite. They make ``n_edges + 1`` buckets:
        ``(-inf, e_0), [e_0, e_1), ..., [e_last, inf)``; a value equal to an edge goes up.
    name : str, optional
        Prefix of the feature names; default ``x.name`` for a named Series, else ``"x"``.

    Returns
    -------
    M : scipy.sparse.csr_matrix, shape (n_rows, n_edges + 1)
        One 1.0 per row. Every bucket has a column, even one no value falls in, so the
        dimension depends only on ``edges``.
    names : list of str
        ``"age=(-inf, 25)"``, ``"age=[25, 35)"``, ..., ``"age=[65, inf)"``.

    Examples
    --------
    >>> M, names = bucketize([18, 25, 70], [25, 65], name="age")
    >>> names
    ['age=(-inf, 25)', 'age=[25, 65)', 'age=[65, inf)']
    >>> M.toarray()
    array([[1., 0., 0.],
           [0., 1., 0.],
           [0., 0., 1.]])
    """
    name = _name_of(x, name)
    codes, edges = _bucket_codes(x, edges)
    return _indicator(codes, len(edges) + 1), [f"{name}={b}" for b in _bucket_names(edges)]


def bucket_labels(x, edges, name=None) -> pd.Series:
    """The bucket of each value as a label, to put in a table before ``cross`` or ``one_hot``.

    Parameters
    ----------
    x, edges, name
        As in :func:`bucketize`.

    Returns
    -------
    pandas.Series
        Ordered Categorical of labels ``"[25, 35)"`` (every bucket is a category, in bucket
        order), named ``name``, with ``x``'s index when ``x`` is a Series so that it aligns.
        ``one_hot`` of this column gives the observed buckets of ``bucketize``, same names.

    Examples
    --------
    >>> bucket_labels([18, 25, 70], [25, 65], name="age").tolist()
    ['(-inf, 25)', '[25, 65)', '[65, inf)']
    """
    name = _name_of(x, name)
    codes, edges = _bucket_codes(x, edges)
    labels = pd.Categorical.from_codes(codes, categories=_bucket_names(edges), ordered=True)
    index = x.index if isinstance(x, pd.Series) else None
    return pd.Series(labels, index=index, name=name)


def cross(table, columns) -> tuple[sp.csr_matrix, list[str]]:
    """Feature cross: one-hot encode the combinations of values of two or more columns.

    Parameters
    ----------
    table : pandas.DataFrame
        The data. To cross a numeric column, first replace it by its
        :func:`bucket_labels`.
    columns : list of str
        Two or more distinct column names.

    Returns
    -------
    M : scipy.sparse.csr_matrix, shape (n_rows, number of observed combinations)
        One 1.0 per row. Only combinations that occur get a column; see
        :func:`cross_dimension` for how many could occur.
    names : list of str
        ``"education=Bachelors & occupation=Sales"``, in sorted order of the combinations.

    Notes
    -----
    Same number of columns as ``OneHotEncoder()`` on the values of ``columns`` joined into one
    string per row.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": ["x", "y", "x"], "b": ["u", "u", "v"]})
    >>> M, names = cross(t, ["a", "b"])
    >>> names
    ['a=x & b=u', 'a=x & b=v', 'a=y & b=u']
    >>> M.toarray()
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    columns = check_table(table, columns, min_columns=2)
    codes, names = _cross_codes(table, columns)
    return _indicator(codes, len(names)), _distinct(names, "table")


class CrossDimension(NamedTuple):
    """Size of a feature cross: ``possible`` combinations and those ``observed`` in the data."""

    possible: int
    observed: int


def cross_dimension(table, columns) -> CrossDimension:
    """How many columns a cross could have, and how many it has on this data.

    Parameters
    ----------
    table : pandas.DataFrame
    columns : list of str
        Two or more distinct column names.

    Returns
    -------
    CrossDimension
        ``possible``: the product of the columns' numbers of observed values (a Python int,
        exact however large); ``observed``: the number of distinct combinations in the rows,
        which is ``cross(table, columns)[0].shape[1]``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": ["x", "y", "x"], "b": ["u", "u", "v"]})
    >>> cross_dimension(t, ["a", "b"])
    CrossDimension(possible=4, observed=3)
    """
    columns = check_table(table, columns, min_columns=2)
    possible = math.prod(len(_codes(table, c)[1]) for c in columns)
    return CrossDimension(possible=possible, observed=len(_cross_codes(table, columns)[1]))


# ---------------------------------------------------------------- hashing

# murmurhash3_32 gives 2**31 distinct magnitudes: more buckets would stay empty.
MAX_HASH_BUCKETS = 2**31
# hash_features returns one name per bucket (about 60 bytes each): 1 GB of names at this limit.
MAX_FEATURE_BUCKETS = 2**24


def hash_buckets(names, n_buckets: int) -> np.ndarray:
    """The bucket each feature name hashes to, as in :func:`hash_features`.

    Parameters
    ----------
    names : list of str
        Feature names such as ``"education=Bachelors"``.
    n_buckets : int
        Number of buckets, ``1 <= n_buckets <= 2**31`` (the hash has 2**31 magnitudes).

    Returns
    -------
    numpy.ndarray of int64, shape (len(names),)
        ``abs(murmurhash3_32(name, seed=0)) % n_buckets``: the same bucket in every run and on
        every machine (unlike Python's salted ``hash()``), and the index scikit-learn's
        ``FeatureHasher`` uses.
    """
    names = check_strings(names, "names")
    n_buckets = check_int(n_buckets, "n_buckets", low=1, high=MAX_HASH_BUCKETS)
    # murmurhash3_32 written in Python (hashing.py): a few microseconds per name, where
    # importing scikit-learn for its compiled one takes about a second (notebook 01)
    hashes = np.array([_murmurhash_text(s) for s in names], dtype=np.int64)
    signed = np.where(hashes >= 2**31, hashes - 2**32, hashes)  # murmurhash3_32's int32
    return np.abs(signed) % n_buckets


def hash_features(table, columns, n_buckets: int) -> tuple[sp.csr_matrix, list[str]]:
    """The hashing trick: count each row's features in ``n_buckets`` hashed columns.

    Parameters
    ----------
    table : pandas.DataFrame (or a named Series)
    columns : str or list
        Each item is a column name, hashed as ``"column=value"`` (the :func:`one_hot` name),
        or a tuple of two or more column names, hashed as the :func:`cross` name
        ``"a=u & b=v"``.
    n_buckets : int
        Number of output columns, ``1 <= n_buckets <= 2**24`` (one name is returned per
        bucket: about 1 GB of names at the limit).

    Returns
    -------
    M : scipy.sparse.csr_matrix, shape (n_rows, n_buckets)
        ``M[i, k]`` counts the features of row ``i`` that hash to bucket ``k``
        (so 2.0 where two of them collide).
    names : list of str
        ``"hash_0"``, ..., ``"hash_{n_buckets - 1}"``.

    Notes
    -----
    Identical to ``FeatureHasher(n_features=n_buckets, input_type="string",
    alternate_sign=False)`` applied to each row's list of feature names. The bucket of a name
    is given by :func:`hash_buckets`; :func:`collision_rate` measures how many names share one.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"a": ["x", "y"], "b": ["u", "u"]})
    >>> M, names = hash_features(t, ["a", ("a", "b")], n_buckets=8)
    >>> M.shape, names[:2], M.sum(axis=1).A1.tolist()
    ((2, 8), ['hash_0', 'hash_1'], [2.0, 2.0])
    """
    table = _as_table(table)
    n_buckets = check_int(n_buckets, "n_buckets", low=1, high=MAX_HASH_BUCKETS)
    if n_buckets > MAX_FEATURE_BUCKETS:
        raise ValueError(
            f"n_buckets must be <= {MAX_FEATURE_BUCKETS:,}: one name is returned per bucket, "
            f"about 60 bytes each ({n_buckets * 60 / 1e9:.3g} GB here); got {n_buckets:,}."
        )
    check_table(table)
    if isinstance(columns, str):
        columns = [columns]
    if not isinstance(columns, (list, tuple)) or not columns:
        raise TypeError(
            f"columns must be a non-empty list of names or tuples, got {_short(columns)}")
    buckets = []
    for spec in columns:
        if isinstance(spec, (tuple, list)):
            codes, names = _cross_codes(table, check_table(table, list(spec), min_columns=2))
        else:
            codes, values = _codes(table, check_table(table, [spec])[0])
            names = [f"{spec}={v}" for v in values]
        names = check_strings(names, f"table's values in {spec!r}")  # text that can be hashed
        # Hash each distinct name once, then look the rows up: a few thousand hashes, not n_rows.
        buckets.append(hash_buckets(names, n_buckets)[codes])
    n, k = len(table), len(columns)
    M = sp.csr_matrix(
        (np.ones(n * k), np.column_stack(buckets).ravel(), np.arange(0, n * k + 1, k)),
        shape=(n, n_buckets),
    )
    M.sum_duplicates()  # two features of a row in one bucket: a count of 2.0
    return M, [f"hash_{i}" for i in range(n_buckets)]


def collision_rate(names, n_buckets: int) -> float:
    """Fraction of distinct feature names that share their hash bucket with another name.

    Parameters
    ----------
    names : list of str
        Feature names, e.g. the names returned by :func:`one_hot` or :func:`cross`;
        repeated names count once.
    n_buckets : int
        Number of buckets, ``1 <= n_buckets <= 2**31``.

    Returns
    -------
    float
        Between 0 (every name alone in its bucket) and 1.

    Notes
    -----
    Buckets are those of :func:`hash_features` (:func:`hash_buckets`). If ``m`` names hashed
    uniformly at random, a given name would collide with probability
    ``1 - (1 - 1/n_buckets) ** (m - 1)``: about ``m / n_buckets`` while that is small.

    Examples
    --------
    >>> collision_rate(["a=1", "a=2"], n_buckets=1)
    1.0
    """
    distinct = list(dict.fromkeys(check_strings(names, "names")))
    buckets = hash_buckets(distinct, n_buckets)
    # names per used bucket (np.unique, not a bincount of n_buckets entries: 2**31 buckets fit)
    used, which, load = np.unique(buckets, return_inverse=True, return_counts=True)
    return float(np.mean(load[which] > 1))


def stack_features(*blocks) -> tuple[sp.csr_matrix, list[str]]:
    """Put ``(M, names)`` blocks side by side: one CSR matrix and one list of names.

    Parameters
    ----------
    *blocks : tuple of (scipy.sparse matrix, list of str)
        Outputs of the encoders above, all with the same number of rows.

    Returns
    -------
    M : scipy.sparse.csr_matrix
        ``scipy.sparse.hstack([M for M, _ in blocks], format="csr")``.
    names : list of str
        The names, concatenated in the same order.
    """
    if not blocks:
        raise ValueError("blocks: give at least one (M, names) pair.")
    for i, block in enumerate(blocks):
        if not (isinstance(block, tuple) and len(block) == 2 and sp.issparse(block[0])):
            raise TypeError(f"blocks[{i}] must be an (M, names) pair from an encoder.")
        # its index arrays checked before hstack converts it (a malformed one would crash there)
        check_array(block[0], f"blocks[{i}]", ndim=2, sparse_ok=True, allow_empty=True, dtype=None)
        if block[0].shape[1] != len(block[1]):
            raise ValueError(
                f"blocks[{i}]: M has {block[0].shape[1]} columns but {len(block[1])} names."
            )
    if len({block[0].shape[0] for block in blocks}) > 1:
        rows = [block[0].shape[0] for block in blocks]
        raise ValueError(f"blocks must have the same number of rows, got {rows}.")
    M = sp.csr_matrix(sp.hstack([block[0] for block in blocks], format="csr"))
    return M, [name for block in blocks for name in block[1]]
