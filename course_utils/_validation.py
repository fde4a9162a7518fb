"""Input checks shared by every public function of ``course_utils``.

Every public function checks its input here, once, at the door, so that a
learner who passes a wrong thing gets a short message naming the argument
instead of a deep numpy traceback or, worse, a silent wrong answer.

One check per kind of trouble, so that a new function is protected by calling it:

- arrays (dense or scipy.sparse of any format): :func:`check_array`, which checks a sparse
  matrix's own index arrays with numpy *before* scipy converts it (scipy's compiled conversion
  trusts them, and a CSC or COO matrix pointing outside itself crashes the process there);
- counts of iterations, epochs or subsets: :func:`check_count`, bounded by the caps below;
- state arrays a compiled loop writes to: :func:`check_state`, on every call;
- the scale of a solver's input and of its result: :func:`check_magnitude`, :func:`check_fit`;
- what a user-supplied object returns (an inclusion's mask): :func:`check_mask`;
- sizes from shapes: :func:`n_elements` (Python ints, exact: ``np.prod`` of a sparse matrix's
  shape such as ``(2, 2**62)`` wraps around int64 to a negative number or to 0);
- the number of columns a solver allocates a dense weight vector for: :func:`check_n_features`,
  bounded by ``MAX_FEATURES``;
- values a function adds up: ``check_array(..., dtype="sum")`` (int8 ``100 + 100`` is ``-56``);
- integer indices (feature ids): :func:`check_indices` (range checked before any cast).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable

import numpy as np
import scipy.sparse as sp

# numpy registers these as numbers (bool as an int, timedelta64 as an integer): not for us
_NOT_NUMBERS = (bool, np.bool_, np.timedelta64, np.datetime64)

# The caps of every count a solver loops over (check_count). A call AT its cap on a small
# problem (up to 300 x 60, tol=0) still ends in seconds (benchmarks/caps.py times each one), so
# a cap is no higher than that allows; and no lower than the largest count the notebooks, tests
# and benchmarks use, nor than 100 times the default. Coordinate descent also stops early, and
# exactly, once its weights repeat (its cycle skip, solvers/lasso.py).
MAX_ITER = 100_000  # lasso, elastic_net, lasso_path, logistic_l1, iht, htp (largest used: 100,000)
MAX_EPOCHS = 1_000  # sgd_l1, adagrad_fobos, ftrl_proximal: passes over the data (used: at most 5)
MAX_SUBSETS = 1_000_000  # best_subset: subsets tried, about 2 s; its default (the course: 1,024)
MAX_ALPHAS = 1_000  # lasso_path: penalty strengths on one path (the course uses at most 100,
# benchmarks 200; at tol=0 a path of 10,000 alphas took 118 s on 30 x 60)
MAX_SHARDS = 1_024  # sharding.split_buckets: ranges of columns (the course uses 2 workers)
# sharding.payload_bytes: the most parts of a message given as a tuple (the course sends at most
# 3: indices, values, intercept); each part is serialized, so a huge tuple would take long
MAX_MESSAGE_PARTS = 1_024
# The most columns a solver accepts (check_n_features). A solver keeps dense vectors of one
# float64 per column, so X of shape (n, 2**40) (empty and sparse: scipy allows it) must be
# refused before np.zeros(2**40) fails deep inside numpy: MAX_DENSE_FEATURES (1 GiB per vector).
# FTRLProximal keeps its state sparse, and accepts as many columns as there are hash buckets.
MAX_DENSE_FEATURES = 2**27
MAX_FEATURES = 2**31

__all__ = [
    "MAX_ITER",
    "MAX_EPOCHS",
    "MAX_SUBSETS",
    "MAX_ALPHAS",
    "MAX_SHARDS",
    "MAX_MESSAGE_PARTS",
    "MAX_FEATURES",
    "MAX_DENSE_FEATURES",
    "n_elements",
    "sum_dtype",
    "check_n_features",
    "check_indices",
    "check_array",
    "check_count",
    "check_length",
    "check_state",
    "check_fit",
    "check_mask",
    "check_X_y",
    "check_scalar",
    "check_int",
    "check_binary_labels",
    "check_choice",
    "check_dtype",
    "check_random_state",
    "check_table",
    "check_increasing",
    "check_strings",
    "check_bool",
    "check_magnitude",
    "check_spread",
]


def check_array(
    a,
    name: str,
    *,
    ndim: int | None = None,
    sparse_ok: bool = False,
    allow_empty: bool = False,
    dtype=np.float64,
    bool_ok: bool = True,
):
    """Return ``a`` as a finite numeric array, or raise naming ``name``.

    Parameters
    ----------
    a : array-like or scipy.sparse matrix
        The value to check.
    name : str
        The argument's name, used in error messages.
    ndim : int, optional
        Required number of dimensions (1 or 2).
    sparse_ok : bool, default=False
        Accept a scipy.sparse matrix (returned as CSR with ``dtype`` values).
    allow_empty : bool, default=False
        Accept an array with no elements.
    dtype : numpy dtype, None or "sum", default=float64
        Dtype of the returned array; ``None`` keeps a numeric input's dtype (only where no
        values are added up); ``"sum"`` widens it to one whose sums do not overflow
        (:func:`sum_dtype`: int8 ``100 + 100`` would be ``-56``).
    bool_ok : bool, default=True
        Accept booleans (as 0.0 and 1.0). Refuse them where the values must be real numbers,
        such as a threshold's input or a plot's coordinates.

    Returns
    -------
    numpy.ndarray or scipy.sparse.csr_matrix

    Raises
    ------
    TypeError
        If ``a`` is None, a string, non-numeric, or sparse when not allowed.
    ValueError
        If ``a`` has the wrong number of dimensions, is empty, or holds NaN or inf.
    """
    if a is None:
        raise TypeError(f"{name} must be an array of numbers, got None.")
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got a string: {a!r:.40}.")
    if isinstance(a, np.ma.MaskedArray):  # numpy would silently drop the mask
        raise TypeError(
            f"{name} must be a plain array, got a masked array (its mask would be ignored); "
            f"pass {name}.compressed() or {name}.filled(value)."
        )
    if isinstance(dtype, str) and dtype == "sum":
        dtype = sum_dtype(getattr(a, "dtype", None))
    if sp.issparse(a):
        if not sparse_ok:
            raise TypeError(
                f"{name} must be a dense array here, got a scipy.sparse matrix; "
                f"use {name}.toarray()."
            )
        a = _sparse_to_csr(a, name, dtype)
        values = a.data
    else:
        try:
            arr = np.asarray(a)
        except (TypeError, ValueError) as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of numbers ({exc}).") from None
        except Exception as exc:  # an object whose __array__ or __len__ fails
            raise TypeError(
                f"{name} must be an array of numbers; reading it as an array failed with "
                f"{type(exc).__name__}."
            ) from None
        if arr.dtype == bool:
            if not bool_ok:
                raise TypeError(f"{name} must hold real numbers, got booleans (dtype bool).")
            arr = arr.astype(np.float64)
        if not _is_real_number_dtype(arr.dtype):
            raise TypeError(
                f"{name} must hold real numbers, got values of dtype {arr.dtype} "
                f"(for example {_short(arr.ravel()[:1].tolist())})."
            )
        a = arr.astype(dtype, copy=False) if dtype is not None else arr
        values = a
    if ndim is not None and a.ndim != ndim:
        hint = " (for a single feature use X.reshape(-1, 1))" if ndim == 2 and a.ndim == 1 else ""
        raise ValueError(f"{name} must be {ndim}-D, got an array of shape {a.shape}{hint}.")
    if not allow_empty and n_elements(a) == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}.")
    if values.size and not np.all(np.isfinite(values)):
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return a


def n_elements(a) -> int:
    """The number of elements of an array or sparse matrix of shape ``a.shape``, as an exact
    Python int (``np.prod`` of the shape ``(2, 2**62)`` wraps around int64 to a negative)."""
    return math.prod(int(d) for d in a.shape)


def sum_dtype(dtype) -> np.dtype:
    """The dtype in which to add up values of ``dtype`` without overflow.

    Integers (and booleans) of up to 32 bits: int64 (a sum of 2**31 of them still fits);
    int64, uint64 and every float: float64 (int64 ``2**62 + 2**62`` would wrap around, float16
    overflows at 65,504). ``None`` (not an array yet): float64.
    """
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind in "biu" and dtype.itemsize <= 4:
            return np.dtype(np.int64)
    return np.dtype(np.float64)


def check_n_features(X, name: str = "X", cap: int = MAX_DENSE_FEATURES) -> None:
    """Refuse a matrix with more than ``cap`` columns (``MAX_DENSE_FEATURES`` unless the solver
    keeps no dense vector per column), before a solver allocates a dense vector of one number
    per column: a clear error instead of numpy's MemoryError or "array is too big"."""
    if int(X.shape[1]) > cap:
        raise ValueError(
            f"{name} has {int(X.shape[1]):,} columns, more than the {cap:,} this solver accepts "
            f"(it keeps a vector of one number per column)."
        )


def check_indices(a, name: str, *, high: int = 2**63 - 1) -> np.ndarray:
    """Return integer indices (e.g. feature ids) as a 1-D int64 array, or raise naming ``name``.

    The range ``[0, high]`` is checked on the input's own dtype, before the cast: a uint64 id of
    2**63 or more would otherwise wrap around to a negative int64.
    """
    a = check_array(a, name, ndim=1, allow_empty=True, dtype=None)
    if not a.size:
        return a.astype(np.int64)
    if not np.issubdtype(a.dtype, np.integer):
        raise ValueError(f"{name} must hold integer indices, got dtype {a.dtype}.")
    if a.min() < 0 or int(a.max()) > high:
        raise ValueError(
            f"{name} must hold integer indices in [0, {high:,}], got values from "
            f"{int(a.min()):,} to {int(a.max()):,}."
        )
    return a.astype(np.int64)


def _is_real_number_dtype(dtype) -> bool:
    """Real numbers only: not complex, and not timedelta64 (numpy files it under integers)."""
    return (
        np.issubdtype(dtype, np.number)
        and not np.issubdtype(dtype, np.complexfloating)
        and dtype.kind not in "mM"
    )


def _sparse_to_csr(a, name: str, dtype):
    """A scipy.sparse matrix of any format as CSR, its index arrays checked before conversion.

    scipy converts between formats in compiled code that trusts the index arrays: a CSC or COO
    matrix whose indices point outside it writes outside memory there (a crash, or worse),
    before ``check_format`` could run. So the raw arrays are checked here with numpy, in
    O(nnz), first. DIA, LIL and DOK are built by scipy in Python; they are checked as COO.
    """
    if not _is_real_number_dtype(a.dtype):
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}.")
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D sparse matrix, got shape {a.shape}.")
    try:
        if a.format in ("csr", "csc", "bsr"):
            _check_compressed(a)
        else:
            if a.format == "lil":
                _check_lil(a)
            elif a.format == "dok":
                _check_dok(a)
            if a.format != "coo":
                a = a.tocoo()
            _check_coo(a)
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise ValueError(f"{name} is not a valid sparse matrix: {exc}") from None
    a = sp.csr_matrix(a, dtype=dtype if dtype is not None else a.dtype)
    try:  # a second look, by scipy itself, now that it is safe
        a.check_format(full_check=True)
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid sparse matrix: {exc}.") from None
    return a


def _index_array(values, what: str) -> np.ndarray:
    if not (isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iu"):
        raise ValueError(f"its {what} must be a 1-D array of integers")
    return values


def _check_compressed(a) -> None:
    """CSR, CSC, BSR: ``indptr`` from 0, non-decreasing, ``indices`` in range, sizes agree."""
    rows, columns = a.shape
    if a.format == "bsr":
        R, C = a.blocksize
        if a.data.ndim != 3 or a.data.shape[1:] != (R, C) or rows % R or columns % C:
            raise ValueError(f"its blocks do not tile its shape {a.shape}")
        rows, columns = rows // R, columns // C
    major, minor = (columns, rows) if a.format == "csc" else (rows, columns)
    indptr = _index_array(a.indptr, "indptr")
    indices = _index_array(a.indices, "indices")
    if indptr.size != major + 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise ValueError(f"its indptr must start at 0, not decrease and have {major + 1} entries")
    if indptr[-1] > indices.size or a.data.shape[0] != indices.size:
        raise ValueError("its indptr, indices and data disagree on the number of entries")
    indices = indices[:indptr[-1]]  # (scipy allows unused room after the last entry)
    if indices.size and (indices.min() < 0 or indices.max() >= minor):
        raise ValueError(f"its indices must be in [0, {minor}), they point outside it")


def _check_lil(a) -> None:
    """LIL: one list of column indices and one of values per row, of the same length
    (scipy's conversion trusts the lengths and reads uninitialized memory where they differ)."""
    rows, data = a.rows, a.data
    n_rows, n_columns = a.shape
    for what, lists in (("rows", rows), ("data", data)):
        if not (isinstance(lists, np.ndarray) and lists.shape == (n_rows,)):
            raise ValueError(f"its {what} must be an array of {n_rows} lists, one per row")
        if not all(isinstance(item, list) for item in lists):
            raise ValueError(f"its {what} must hold one list per row")
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=n_rows)
    if not np.array_equal(lengths, np.fromiter(map(len, data), dtype=np.int64, count=n_rows)):
        raise ValueError("its rows and data lists disagree on the number of entries in a row")
    columns = np.asarray([c for row in rows for c in row])
    if columns.size and (columns.dtype.kind not in "iu" or columns.min() < 0
                         or columns.max() >= n_columns):
        raise ValueError(f"its column indices must be integers in [0, {n_columns})")


def _check_dok(a) -> None:
    """DOK: every key an (i, j) pair of integers inside the shape."""
    keys = list(a.keys())
    if not keys:
        return
    coords = np.asarray(keys)
    if coords.ndim != 2 or coords.shape[1] != 2 or coords.dtype.kind not in "iu":
        raise ValueError("its keys must be (row, column) pairs of integers")
    if coords.min() < 0 or np.any(coords.max(axis=0) >= np.asarray(a.shape)):
        raise ValueError(f"its keys must be inside its shape {a.shape}")


def _check_coo(a) -> None:
    """COO: one coordinate array per dimension, as long as ``data``, each in range."""
    coords = a.coords if hasattr(a, "coords") else (a.row, a.col)
    for axis, (coord, size) in enumerate(zip(coords, a.shape, strict=True)):
        coord = _index_array(coord, "coordinates")
        if coord.size != a.data.size:
            raise ValueError("its coordinates and data disagree on the number of entries")
        if coord.size and (coord.min() < 0 or coord.max() >= size):
            raise ValueError(f"its axis-{axis} coordinates must be in [0, {size})")


def _short(value) -> str:
    """``repr(value)`` cut to 40 characters (a 400-digit integer stays readable)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def check_X_y(X, y, *, sparse_ok: bool = True, max_features: int = MAX_DENSE_FEATURES):
    """Check a design matrix ``X`` (n, p) and a target ``y`` (n,) together.

    ``X`` may have at most ``max_features`` columns (:func:`check_n_features`).

    Returns
    -------
    X : numpy.ndarray or scipy.sparse.csr_matrix of float64
    y : numpy.ndarray of float64
    """
    X = check_array(X, "X", ndim=2, sparse_ok=sparse_ok)
    check_n_features(X, cap=max_features)
    y = check_array(y, "y", ndim=1)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows: X has {X.shape[0]}, y has {y.shape[0]}."
        )
    return X, y


def check_scalar(
    value,
    name: str,
    *,
    low: float | None = 0.0,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Return ``value`` as a finite float in the given range, or raise naming ``name``.

    By default the range is ``[0, inf)``, the range of a penalty strength such as ``alpha``.
    """
    if isinstance(value, _NOT_NUMBERS) or not isinstance(value, numbers.Real):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a real number, got {kind}: {_short(value)}.")
    try:
        value = float(value)
    except OverflowError:  # an int such as 10**400
        raise ValueError(f"{name} must be finite, got {_short(value)}.") from None
    except Exception as exc:  # a number type whose __float__ fails
        raise TypeError(f"{name} must be a real number; float({name}) failed with "
                        f"{type(exc).__name__}.") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}.")
    if low is not None and (value < low or (value == low and not low_inclusive)):
        sign = ">=" if low_inclusive else ">"
        raise ValueError(f"{name} must be {sign} {low}, got {value}.")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        sign = "<=" if high_inclusive else "<"
        raise ValueError(f"{name} must be {sign} {high}, got {value}.")
    return value


def check_int(value, name: str, *, low: int | None = 0, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]``, or raise naming ``name``."""
    if isinstance(value, _NOT_NUMBERS) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}: {_short(value)}.")
    try:
        value = int(value)
    except Exception as exc:  # an integer type whose __int__ fails
        raise TypeError(f"{name} must be an integer; int({name}) failed with "
                        f"{type(exc).__name__}.") from None
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low:,}, got {_short(value)}.")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high:,}, got {_short(value)}.")
    return value


def check_count(value, name: str, cap: int, *, low: int = 1) -> int:
    """Return a count of iterations, epochs or subsets as an int in ``[low, cap]``, or raise.

    ``cap`` is one of the module's ``MAX_ITER``, ``MAX_EPOCHS``, ``MAX_SUBSETS``: every loop
    of the package ends within a known bound, and a count above it is refused with a message
    that says why (rather than a run that never ends).
    """
    value = check_int(value, name, low=low)
    if value > cap:
        raise ValueError(
            f"{name} must be <= {cap:,} (the cap on this count, so that no call runs for days), "
            f"got {_short(value)}."
        )
    return value


def check_length(a, name: str, cap: int):
    """Return ``a`` if it holds at most ``cap`` values (e.g. ``MAX_ALPHAS`` fits of a path, each
    up to ``max_iter`` iterations), or raise naming ``name``."""
    if len(a) > cap:
        raise ValueError(
            f"{name} must hold at most {cap:,} values (the cap on this count, so that no call "
            f"runs for days), got {len(a):,}."
        )
    return a


def check_state(a, name: str, *, size: int, dtypes, why: str = "") -> np.ndarray:
    """Return a state array a compiled loop writes to, after checking everything it assumes.

    Public state (such as ``FTRLProximal.z_``) can be replaced by the user between calls; the
    compiled loop reads and writes it without bounds checks, so a shorter, read-only,
    memory-mapped or strided array must be refused before every call.

    Parameters
    ----------
    a : object
        The attribute's current value.
    name : str
        The attribute's name, used in error messages.
    size : int
        Required length (1-D).
    dtypes : tuple of numpy dtypes
        Accepted dtypes.
    why : str, optional
        Where ``size`` comes from, appended to the shape's error message.

    Raises
    ------
    TypeError
        If ``a`` is not a plain ``numpy.ndarray`` (a subclass such as ``numpy.memmap`` or a
        masked array is refused) or has another dtype.
    ValueError
        If ``a`` has the wrong shape, is not C-contiguous or writeable, or holds NaN or inf.
    """
    if type(a) is not np.ndarray:
        raise TypeError(
            f"{name} must be a numpy.ndarray (not a subclass such as a memmap), "
            f"got {type(a).__name__}."
        )
    allowed = [np.dtype(d) for d in dtypes]
    if a.dtype not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"{name} must have dtype {names}, got {a.dtype}.")
    if a.shape != (size,):
        raise ValueError(f"{name} must have shape ({size},){why}, got {a.shape}.")
    if not (a.flags.c_contiguous and a.flags.writeable):
        raise ValueError(f"{name} must be a C-contiguous, writeable array (use {name}.copy()).")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):  # (integers are always finite)
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return a


def check_mask(mask, name: str, size: int) -> np.ndarray:
    """Return ``mask`` if it is a 1-D boolean array of length ``size`` (e.g. what an
    inclusion's ``admit`` returned); an integer array would be used as indices, silently."""
    if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.shape != (size,):
        what = (f"array of dtype {mask.dtype} and shape {mask.shape}"
                if isinstance(mask, np.ndarray) else type(mask).__name__)
        raise TypeError(f"{name} must return a boolean array of shape ({size},), got {what}.")
    return mask


def check_fit(result, solver: str, *, inputs: str = "X and y"):
    """Return a solver's ``FitResult`` if its weights, intercept and history are finite.

    A float64 overflow inside a solver gives inf or NaN, and NaN compares False with every
    threshold, so a weight can come back as 0.0 "converged". Every solver passes its result
    through here: a non-finite one is a ``ValueError`` naming the inputs to rescale.
    """
    finite = (np.all(np.isfinite(result.coef)) and np.isfinite(result.intercept)
              and np.all(np.isfinite(result.history)))
    if not finite:
        raise ValueError(
            f"{solver} overflowed float64 (its weights or objective became inf or NaN): "
            f"{inputs} are too large for it; rescale them (e.g. standardize the columns)."
        )
    return result


def check_binary_labels(y, name: str = "y") -> np.ndarray:
    """Return ``y`` as a float array of 0.0 and 1.0, or raise if other labels appear."""
    labels = np.unique(y)
    if not np.all(np.isin(labels, (0.0, 1.0))):
        raise ValueError(
            f"{name} must hold only the labels 0 and 1, got {labels[:5].tolist()}"
            f"{' ...' if labels.size > 5 else ''}."
        )
    return y


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, or raise naming ``name``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r:.40}.")
    return value


def check_dtype(value, name: str, choices) -> np.dtype:
    """Return ``value`` as a numpy dtype if it is one of ``choices``, or raise naming ``name``.

    ``value`` may be anything ``numpy.dtype`` understands (``np.float32``, ``"float32"``, ...).
    """
    dtype = None
    if isinstance(value, (type, str, np.dtype)):  # not an array, whose .dtype numpy would take
        try:
            dtype = np.dtype(value)
        except (TypeError, ValueError):
            pass
    allowed = [np.dtype(c) for c in choices]
    if dtype is None or value is None or dtype not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"{name} must be one of the dtypes {names}; got {value!r:.40}.")
    return dtype


def check_random_state(random_state, name: str = "random_state") -> np.random.Generator:
    """Return a numpy Generator from a seed (int >= 0) or a Generator; None is refused (seeded)."""
    if isinstance(random_state, np.random.Generator):
        return random_state
    seed = check_int(random_state, name, low=0)
    return np.random.default_rng(seed)


def check_table(table, columns=None, *, name: str = "table", min_columns: int = 1,
                columns_name: str = "columns") -> list:
    """Check a non-empty pandas DataFrame and the columns asked of it; return them as a list.

    ``columns`` may be None (all columns), one column name (a str) or a list of names;
    ``columns_name`` is the argument that gave them, used in error messages.
    """
    import pandas as pd  # here, so that the array checks do not need pandas

    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(table).__name__}.")
    if len(table) == 0:
        raise ValueError(f"{name} must not be empty, got 0 rows.")
    if len(table.columns) == 0:
        raise ValueError(f"{name} has no columns.")
    if isinstance(table.columns, pd.MultiIndex):  # older pandas fail deep inside on these
        raise TypeError(f"{name} must have one level of column names, got "
                        f"{table.columns.nlevels} levels.")
    if table.columns.has_duplicates:
        repeated = table.columns[table.columns.duplicated()].tolist()
        raise ValueError(f"{name} has duplicate column names: {repeated!r:.80}.")
    if columns is None:
        columns = list(table.columns)
    elif isinstance(columns, str):
        columns = [columns]
    elif isinstance(columns, (list, tuple, pd.Index)) or (
            isinstance(columns, np.ndarray) and columns.ndim == 1):
        columns = list(columns)
    else:
        raise TypeError(
            f"{columns_name} must be a column name or a list of names, "
            f"got {type(columns).__name__}."
        )
    unhashable = [c for c in columns if not isinstance(c, Hashable)][:1]
    if unhashable:
        raise TypeError(
            f"{columns_name} must hold column names (str, int, ...), got a "
            f"{type(unhashable[0]).__name__}: {_short(unhashable[0])}; for a cross give the "
            "names in one flat list."
        )
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise ValueError(
            f"{columns_name}: unknown column(s) {unknown!r:.80} "
            f"(the {name} has {list(table.columns)!r:.200})."
        )
    if len(set(columns)) != len(columns):
        raise ValueError(f"{columns_name} must not repeat a column, got {columns!r:.120}.")
    if len(columns) < min_columns:
        raise ValueError(
            f"{columns_name} must name at least {min_columns} columns, "
            f"got {len(columns)}: {columns!r:.80}."
        )
    return columns


def check_increasing(a, name: str) -> np.ndarray:
    """Return ``a`` as a finite, non-empty, strictly increasing 1-D float array, or raise."""
    a = check_array(a, name, ndim=1)
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"{name} must be strictly increasing, got {a.tolist()!r:.80}.")
    return a


def check_strings(values, name: str) -> list:
    """Return ``values`` (a non-empty list, array or Series of str) as a list of str, or raise."""
    if values is None or isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"{name} must be a list of strings, got {type(values).__name__}: {values!r:.40}."
        )
    try:
        values = list(values)
    except Exception as exc:  # a 0-d array, or an object whose __iter__ fails
        raise TypeError(f"{name} must be a list of strings; reading it failed with "
                        f"{type(exc).__name__}.") from None
    if not values:
        raise ValueError(f"{name} must not be empty.")
    bad = [v for v in values if not isinstance(v, str)][:1]
    if bad:
        bad = bad[0]
        raise TypeError(f"{name} must hold only strings, found {type(bad).__name__}: {bad!r:.40}.")
    try:  # a lone surrogate ("\\ud800") is a str that has no UTF-8 bytes to hash or write
        "".join(values).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"{name} must hold valid text, found a character that has no UTF-8 encoding "
            f"({exc.object[exc.start:exc.end]!r}, a lone surrogate)."
        ) from None
    return values


def check_bool(value, name: str) -> bool:
    """Return ``value`` if it is a bool (a string such as "False" would be silently truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: {value!r:.40}.")
    return bool(value)


def check_magnitude(a, name: str, n_terms: int):
    """Return ``a`` unchanged, or refuse data whose scale breaks float64 sums of products.

    A solver adds up ``n_terms`` products of these values (``X^T X`` adds n * p, ``y^T y`` n):
    the largest ``|value|`` must keep such a sum finite (below about 1e308) and, unless ``a``
    is all zeros, keep its squares above float64's smallest normal number (about 1e-308), or
    the solver would return NaN, or zeros marked as converged.

    Parameters
    ----------
    a : numpy.ndarray or scipy.sparse matrix
        Finite values (as returned by :func:`check_array`).
    name : str
        The argument's name, used in error messages.
    n_terms : int
        How many products a sum of the solver adds up.

    Raises
    ------
    ValueError
        If ``a`` is too large or too small; the message gives the largest ``|value|`` and the
        allowed range.
    """
    values = a.data if sp.issparse(a) else a
    largest = float(np.max(np.abs(values), initial=0.0))
    high = float(np.sqrt(np.finfo(np.float64).max / (100.0 * max(n_terms, 1))))
    low = float(np.sqrt(np.finfo(np.float64).tiny)) * 1e4  # about 1.5e-150
    if largest > high or 0.0 < largest < low:
        raise ValueError(
            f"{name} is too {'large' if largest > high else 'small'} to fit in float64: its "
            f"largest |value| is {largest:.3g}, outside [{low:.3g}, {high:.3g}] (for {n_terms} "
            f"products); rescale it, e.g. divide it by {largest:.3g}."
        )
    return a


def check_spread(a, name: str):
    """Return ``a`` unchanged, or refuse data whose columns all vary by amounts whose squares
    underflow.

    A solver fitting an intercept works on ``a`` minus its column means. When some column
    varies (its largest minus its smallest value is not 0) but none by more than the low end of
    :func:`check_magnitude`'s range, the centered columns' squares round to 0 (or to a few
    subnormals): the solver would take them for constants and return the intercept alone,
    marked as converged.

    Parameters
    ----------
    a : numpy.ndarray of shape (n_samples, n_features)
        Finite values (as returned by :func:`check_array`).
    name : str
        The argument's name, used in error messages.

    Raises
    ------
    ValueError
        If the largest column range is above 0 and below about 1.5e-150.
    """
    largest = float(np.max(np.ptp(a, axis=0), initial=0.0))
    low = float(np.sqrt(np.finfo(np.float64).tiny)) * 1e4  # as in check_magnitude
    if 0.0 < largest < low:
        raise ValueError(
            f"{name}'s columns are constant to within {largest:.3g}: minus their means, its "
            f"largest |value| is below {low:.3g}, too small to fit in float64 (its squares "
            f"underflow); subtract the column means of {name}, then divide it by {largest:.3g}."
        )
    return a
