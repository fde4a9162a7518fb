"""Input checks shared by every public function of ``course_utils``.

Every public function checks its input here, once, at the door, so that a
learner who passes a wrong thing gets a short message naming the argument
instead of a deep numpy traceback or, worse, a silent wrong answer.

One check per kind of trouble, so that a new function is protected by calling it:

- arrays (dense or scipy.sparse of any format): :func:`check_array`, which checks a sparse
  matrix's own index arrays with numpy *before* scipy converts it (scipy's compiled conversion
  trusts them, and a CSC or COO matrix pointing outside itself crashes the process there), then
  rebuilds it from int64 copies of them (int32 ones as int32); a dense array's strides must
  stay inside its memory, and no array may hold more than ``MAX_ARRAY_ELEMENTS`` values (its
  logical size: a broadcast array of 10**9 values takes 8 bytes but a pass over it takes
  seconds), and no sparse matrix more than ``MAX_SPARSE_ROWS`` rows (checked before any
  conversion); inside :func:`element_budget`, the arrays of one call together at most its
  budget;
- counts of iterations, epochs or subsets: :func:`check_count`, bounded by the caps below;
- state arrays a compiled loop writes to: :func:`check_state`, on every call, and the feature
  ids that place that state: :func:`check_feature_state`;
- the scale of a solver's input and of its result: :func:`check_magnitude`, :func:`check_fit`;
- what a user-supplied object returns (an inclusion's mask): :func:`check_mask`;
- sizes from shapes: :func:`n_elements` (Python ints, exact: ``np.prod`` of a sparse matrix's
  shape such as ``(2, 2**62)`` wraps around int64 to a negative number or to 0);
- the number of columns a solver allocates a dense weight vector for: :func:`check_n_features`,
  bounded by ``MAX_FEATURES``;
- values a function adds up: ``check_array(..., dtype="sum")`` (int8 ``100 + 100`` is ``-56``);
- integer indices (feature ids): :func:`check_indices` (range checked before any cast);
- ``|w| > tol`` for weights of any dtype: :func:`above` (exact for integers);
- a user's objects whose ``__hash__`` or ``__str__`` may fail (values of a table):
  :func:`user_values`;
- text matplotlib draws (titles, labels): :func:`check_text` (mathtext parsed at the door).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
import sys
from collections.abc import Hashable

import numpy as np

# numpy registers these as numbers (bool as an int, timedelta64 as an integer): not for us
_NOT_NUMBERS = (bool, np.bool_, np.timedelta64, np.datetime64)


def _is_sparse(a) -> bool:
    """``scipy.sparse.issparse(a)``, without importing scipy.sparse: until something imports
    it, no sparse matrix can exist (notebooks 00 and 03 never need it: about 0.2 s saved)."""
    sparse = sys.modules.get("scipy.sparse")
    return sparse is not None and sparse.issparse(a)


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
# The most values an array (dense, or a sparse matrix's stored entries) may hold: 2**27, 1 GiB
# as float64. Counted by the array's logical size, not its bytes: np.broadcast_to(0.0, 10**9)
# takes 8 bytes, but every pass over it takes seconds. The course's largest array is the wide
# Adult matrix, 32,561 x 2,882 sparse with 0.5 million entries.
MAX_ARRAY_ELEMENTS = 2**27
# The most rows a sparse matrix may have (checked before any conversion): converting to CSR
# allocates an index of n_rows + 1 int64 whatever the number of entries, so a COO matrix of
# one entry and shape (2**34, 3) would ask for 128 GiB. 2**24 rows: an index of 128 MiB,
# converted in a fraction of a second; the course's tallest matrix (Adult) has 32,561 rows.
MAX_SPARSE_ROWS = 2**24
# The longest text (a title, a label) a plot accepts: matplotlib parses mathtext at about
# 0.7 s per 1,000 characters, and lays out a plain text of 10**7 characters for more than 20 s.
# The course's longest title has under 50.
MAX_TEXT_LENGTH = 500
# A fitted model's weights and decision values must stay below this bound (check_fit):
# sqrt(float64's largest), so that their squares, which every objective adds up, stay finite.
# A larger one means the solver diverged (e.g. a learning rate of 1e300), even if its numbers
# are finite.
MAX_FIT_MAGNITUDE = float(np.sqrt(np.finfo(np.float64).max))  # about 1.3e154

__all__ = [
    "MAX_ITER",
    "MAX_EPOCHS",
    "MAX_SUBSETS",
    "MAX_ALPHAS",
    "MAX_SHARDS",
    "MAX_MESSAGE_PARTS",
    "MAX_FEATURES",
    "MAX_DENSE_FEATURES",
    "MAX_ARRAY_ELEMENTS",
    "MAX_SPARSE_ROWS",
    "MAX_TEXT_LENGTH",
    "MAX_FIT_MAGNITUDE",
    "n_elements",
    "element_budget",
    "byte_extent",
    "within_own_memory",
    "above",
    "user_values",
    "check_text",
    "check_str",
    "sum_dtype",
    "check_n_features",
    "check_indices",
    "check_array",
    "check_count",
    "check_length",
    "check_state",
    "check_fit",
    "check_feature_state",
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
        If ``a`` has the wrong number of dimensions, is empty, holds NaN or inf, holds more
        than ``MAX_ARRAY_ELEMENTS`` values, may read outside its memory, or is a malformed
        sparse matrix or one of more than ``MAX_SPARSE_ROWS`` rows.

    Notes
    -----
    A sparse matrix is returned as a new CSR matrix that shares no memory with ``a`` (a
    callback the function runs later cannot change what it learns from); a dense array may be
    ``a`` itself.
    """
    if a is None:
        raise TypeError(f"{name} must be an array of numbers, got None.")
    if isinstance(a, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got a string: {_short(a)}.")
    if isinstance(a, np.ma.MaskedArray):  # numpy would silently drop the mask
        raise TypeError(
            f"{name} must be a plain array, got a masked array (its mask would be ignored); "
            f"pass {name}.compressed() or {name}.filled(value)."
        )
    if isinstance(dtype, str) and dtype == "sum":
        try:
            source = a.dtype
        except Exception:  # noqa: BLE001 - none, or a property that fails: checked below
            source = None
        dtype = sum_dtype(source if isinstance(source, np.dtype) else None)
    if _is_sparse(a):
        if not sparse_ok:
            raise TypeError(
                f"{name} must be a dense array here, got a scipy.sparse matrix; "
                f"use {name}.toarray()."
            )
        a = _sparse_to_csr(a, name, dtype)
        values = a.data
    else:
        try:  # asanyarray: what an object's __array__ returns, subclass and all, read once
            arr = np.asanyarray(a)
        except (TypeError, ValueError) as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of numbers ({exc}).") from None
        except Exception as exc:  # an object whose __array__ or __len__ fails
            raise TypeError(
                f"{name} must be an array of numbers; reading it as an array failed with "
                f"{type(exc).__name__}."
            ) from None
        if isinstance(arr, np.ma.MaskedArray):  # from an __array__: its mask would be lost too
            raise TypeError(
                f"{name} must be a plain array, but it gives a masked array (its mask would be "
                "ignored); pass its .compressed() or .filled(value)."
            )
        arr = np.asarray(arr)  # a plain ndarray (np.matrix, memmap: their data as it is)
        _check_size(n_elements(arr), name)
        _check_memory(arr, name)
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
    # the sum is NaN or inf whenever a value is: one pass and no temporary array of booleans;
    # only when it is not finite (or it overflowed) is every value looked at
    with np.errstate(over="ignore", invalid="ignore"):  # an inf or NaN sum is the answer
        finite_sum = not values.size or np.isfinite(values.sum())
    if not finite_sum and not np.all(np.isfinite(values)):
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


def _check_size(size: int, name: str) -> None:
    """Refuse an array of more than ``MAX_ARRAY_ELEMENTS`` values (its logical size), and,
    inside :func:`element_budget`, one that would take the call's arrays past its budget."""
    if size > MAX_ARRAY_ELEMENTS:
        raise ValueError(
            f"{name} holds {size:,} values, more than the {MAX_ARRAY_ELEMENTS:,} an array may "
            "hold here (counted by its shape, so a broadcast array counts in full)."
        )
    budget = _BUDGET.get()
    if budget is not None:
        if size > budget[0]:
            raise ValueError(
                f"{name} holds {size:,} values, more than the {budget[0]:,} left of the "
                f"{budget[1]:,} all the arrays of one call may hold together (counted by "
                "their shapes)."
            )
        budget[0] -= size


_BUDGET = contextvars.ContextVar("course_utils_element_budget", default=None)


@contextlib.contextmanager
def element_budget(cap: int = MAX_ARRAY_ELEMENTS):
    """Context manager: every array :func:`check_array` checks inside it counts against one
    budget of ``cap`` values for the whole call.

    A function that takes a list of arrays (messages, parts) caps each array and the length
    of the list; without a budget their product (1,024 arrays of 2**27 values) would run for
    hours. Use it around the checks::

        with element_budget():
            parts = [check_array(m, f"messages[{k}]") for k, m in enumerate(messages)]
    """
    token = _BUDGET.set([int(cap), int(cap)])
    try:
        yield
    finally:
        _BUDGET.reset(token)


def byte_extent(x: np.ndarray) -> tuple[int, int]:
    """The lowest and (one past the) highest byte address a non-empty array ``x`` reads,
    from its metadata alone (address, shape, strides), never a value."""
    low = high = x.__array_interface__["data"][0]
    for n, stride in zip(x.shape, x.strides, strict=True):
        if stride < 0:
            low += stride * (n - 1)
        else:
            high += stride * (n - 1)
    return low, high + x.itemsize


def within_own_memory(x: np.ndarray) -> bool:
    """True when every value of the numpy array ``x`` lies inside memory whose range is known.

    The one rule of the package (``_check_memory`` here, ``is_ordinary_array`` in the
    exercises' sandbox): follow ``x.base`` to the object that owns the memory; its byte range
    must be measurable, either a contiguous numpy array that owns its data, or an object with
    a buffer (``bytes``, ``mmap``, a ctypes array) that numpy can wrap; and ``x`` must lie
    inside it. An owner that cannot state its range (an ``__array_interface__`` holding a raw
    address, an array over a pointer) is not trusted: reading it could read anything.
    """
    if x.size == 0:
        return True
    owner = x
    try:
        for _ in range(1000):  # a view of a view of ... (as_strided's helper object has a base)
            base = getattr(owner, "base", None)  # (any claim is checked against real addresses)
            if base is None:
                break
            owner = base
        else:
            return False
        if isinstance(owner, np.ndarray):
            if not (owner.flags.owndata and (owner.flags.c_contiguous
                                             or owner.flags.f_contiguous)):
                return False  # made from a pointer: nothing to compare with
            start, stop = byte_extent(owner) if owner.size else (0, 0)
        else:
            buffer = np.frombuffer(owner, dtype=np.uint8)
            start = buffer.__array_interface__["data"][0]
            stop = start + buffer.size
    except Exception:  # noqa: BLE001 - an owner without a buffer to measure
        return False
    low, high = byte_extent(x)
    return start <= low and high <= stop


def _check_memory(arr: np.ndarray, name: str) -> None:
    """Refuse an array that may read outside the memory it was made from
    (:func:`within_own_memory`).

    ``numpy.lib.stride_tricks.as_strided`` makes views reaching outside their buffer without
    complaint, and an object's ``__array_interface__`` may describe any address and length:
    reading such an array reads (or a compiled loop writes) another object's memory, or
    crashes the process.
    """
    if not isinstance(arr, np.ndarray) or within_own_memory(arr):
        return
    raise ValueError(
        f"{name} is an array that may reach outside its memory: a view whose strides point "
        f"past its buffer (made with as_strided?), or an array over memory whose size cannot "
        f"be checked (a raw pointer in __array_interface__); reading it would read another "
        f"object's memory. Pass a numpy array made from valid data."
    )


def _sparse_to_csr(a, name: str, dtype):
    """A scipy.sparse matrix or array of any format as a new CSR matrix, checked first
    (:func:`_checked_sparse_to_csr`).

    A subclass's attribute (``indices``, ``dtype``, ``shape``, ...) may be a property that
    raises anything: every error that does not name ``name`` comes out as a ``ValueError``
    (or ``TypeError``) naming it, never as the property's own exception.
    """
    try:
        return _checked_sparse_to_csr(a, name, dtype)
    except (TypeError, ValueError) as exc:
        if _names(str(exc), name):
            raise
        raise ValueError(f"{name} is not a valid sparse matrix: {_short(str(exc), 120)}") from None
    except Exception as exc:  # noqa: BLE001 - a subclass's property, or scipy on its values
        raise TypeError(
            f"{name} is not a valid sparse matrix: reading it failed with "
            f"{type(exc).__name__}: {_short(str(exc), 80)}."
        ) from None


def _checked_sparse_to_csr(a, name: str, dtype):
    """A scipy.sparse matrix or array of any format as a new CSR matrix, checked first.

    scipy converts between formats in compiled code that trusts the index arrays: a CSC or COO
    matrix whose indices point outside it, or a CSR whose ``indptr`` decreases, writes outside
    memory there (a crash, or worse), before ``check_format`` could run. So the raw arrays are
    checked here with numpy, in O(nnz), first: each index array is 1-D, of an integer dtype,
    and compared elementwise with its bounds (no subtraction: ``np.diff`` of an int64
    ``indptr`` holding 2**63 - 1 wraps around, of a uint64 one is never negative); ``data``
    is 1-D (3-D for BSR). The matrix is then rebuilt from int64 copies of the checked arrays
    (int32 ones, scipy's own index type, as int32 copies: no second conversion), so that scipy
    converts those, and the caller's arrays are never shared. DIA, LIL and DOK
    are checked and converted to COO first (scipy does that in Python).
    """
    import scipy.sparse as sp  # imported already: ``a`` is one of its matrices

    if not _is_real_number_dtype(a.dtype):
        raise TypeError(f"{name} must hold real numbers, got dtype {a.dtype}.")
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D sparse matrix, got shape {a.shape}.")
    n_rows = int(a.shape[0])
    if n_rows > MAX_SPARSE_ROWS:  # before any conversion: CSR's index has n_rows + 1 entries
        raise ValueError(
            f"{name} has {n_rows:,} rows, more than the {MAX_SPARSE_ROWS:,} a sparse matrix may "
            "have here (its CSR form keeps an index of one number per row, however few its "
            "entries)."
        )
    try:
        a = _rebuilt(a, name)
        a = a.tocsr()
    except (TypeError, ValueError, IndexError, OverflowError) as exc:
        raise ValueError(f"{name} is not a valid sparse matrix: {exc}") from None
    a = sp.csr_matrix(a, dtype=dtype if dtype is not None else a.dtype)
    try:  # a second look, by scipy itself, now that it is safe
        a.check_format(full_check=True)
    except ValueError as exc:
        raise ValueError(f"{name} is not a valid sparse matrix: {exc}.") from None
    return a


def _rebuilt(a, name: str):
    """The same matrix, built anew from checked int64 (or int32) copies of its arrays (see
    above)."""
    import scipy.sparse as sp  # imported already: ``a`` is one of its matrices

    shape = tuple(int(d) for d in a.shape)
    if a.format in ("csr", "csc", "bsr"):
        data, indices, indptr = _compressed_parts(a, name)
        if a.format == "bsr":
            return sp.bsr_matrix((data, indices, indptr), shape=shape, blocksize=data.shape[1:])
        kind = sp.csr_matrix if a.format == "csr" else sp.csc_matrix
        return kind((data, indices, indptr), shape=shape)
    if a.format == "dia":
        a = _checked_dia(a, name)
    elif a.format == "lil":
        _check_lil(a)
    elif a.format == "dok":
        _check_dok(a)
    elif a.format != "coo":
        raise ValueError(f"its format {a.format!r} is not one this package knows")
    if a.format != "coo":
        a = a.tocoo()
    data, (row, col) = _coo_parts(a, name)
    return sp.coo_matrix((data, (row, col)), shape=shape)


def _data_array(data, name: str, ndim: int) -> np.ndarray:
    """A sparse matrix's ``data``: an ndarray of ``ndim`` dimensions, at most
    ``MAX_ARRAY_ELEMENTS`` values."""
    if not (isinstance(data, np.ndarray) and data.ndim == ndim):
        shape = data.shape if isinstance(data, np.ndarray) else type(data).__name__
        raise ValueError(f"its data must be a {ndim}-D array, got {shape}")
    _check_size(data.size, name)
    return data


def _index_array(values, what: str, high: int) -> np.ndarray:
    """An int64 copy of a 1-D integer index array, every entry checked to be in ``[0, high]``
    (an int32 copy of an int32 array: scipy's own index type, which it would otherwise convert
    back, a second copy of every index).

    Compared elementwise, on the array's own dtype (int8 to uint64), before any cast or
    arithmetic: nothing can wrap around.
    """
    if not (isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iu"):
        raise ValueError(f"its {what} must be a 1-D array of integers")
    if values.size and (np.any(values < 0) or np.any(values > high)):
        raise ValueError(f"its {what} must be in [0, {high}], some point outside it")
    return values.astype(np.int32 if values.dtype == np.int32 else np.int64)


def _compressed_parts(a, name: str):
    """CSR, CSC, BSR: ``indptr`` from 0, in [0, nnz], non-decreasing; ``indices`` in range;
    ``data`` 1-D (3-D blocks for BSR) and as long as ``indices``. Returns checked copies."""
    rows, columns = a.shape
    data = _data_array(a.data, name, 3 if a.format == "bsr" else 1)
    if a.format == "bsr":
        R, C = data.shape[1:]
        if R < 1 or C < 1 or rows % R or columns % C:
            raise ValueError(f"its blocks do not tile its shape {a.shape}")
        rows, columns = rows // R, columns // C
    major, minor = (columns, rows) if a.format == "csc" else (rows, columns)
    indices, indptr = a.indices, a.indptr  # each read once
    if not (isinstance(indices, np.ndarray) and isinstance(indptr, np.ndarray)):
        raise ValueError("its indices and indptr must be arrays of integers")
    if indptr.shape != (major + 1,):
        raise ValueError(f"its indptr must have {major + 1} entries")
    indptr = _index_array(indptr, "indptr", high=indices.size)
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0):  # values in [0, nnz]: no overflow
        raise ValueError("its indptr must start at 0 and not decrease")
    end = int(indptr[-1])
    if data.shape[0] != indices.size:
        raise ValueError("its indices and data disagree on the number of entries")
    # (scipy allows unused room after the last entry)
    indices = _index_array(indices[:end], "indices", high=minor - 1)
    return data[:end].copy(), indices, indptr


def _coo_parts(a, name: str):
    """COO: two coordinate arrays, as long as the 1-D ``data``, each in range. Returns
    checked copies."""
    data = _data_array(a.data, name, 1)
    coords = a.coords if hasattr(a, "coords") else (a.row, a.col)
    if len(coords) != 2:
        raise ValueError("it must have two coordinate arrays (row and column)")
    checked = []
    for axis, (coord, size) in enumerate(zip(coords, a.shape, strict=True)):
        if not (isinstance(coord, np.ndarray) and coord.shape == data.shape):
            raise ValueError("its coordinates and data disagree on the number of entries")
        checked.append(_index_array(coord, f"axis-{axis} coordinates", high=int(size) - 1))
    return data.copy(), checked


def _checked_dia(a, name: str):
    """DIA: 1-D integer ``offsets``, one row of 2-D ``data`` per offset; a rebuilt copy."""
    import scipy.sparse as sp  # imported already: ``a`` is one of its matrices

    data = _data_array(a.data, name, 2)
    offsets = a.offsets
    if not (isinstance(offsets, np.ndarray) and offsets.ndim == 1 and offsets.dtype.kind in "iu"):
        raise ValueError("its offsets must be a 1-D array of integers")
    if offsets.size != data.shape[0]:
        raise ValueError("its offsets and data disagree on the number of diagonals")
    rows, columns = (int(d) for d in a.shape)
    if offsets.size and (np.any(offsets < -rows) or np.any(offsets > columns)):
        raise ValueError(f"its offsets must be in [-{rows}, {columns}]")
    if np.unique(offsets).size != offsets.size:
        raise ValueError("its offsets must not repeat")
    return sp.dia_matrix((data.copy(), offsets.astype(np.int64)), shape=(rows, columns))


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


def _short(value, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters (a 400-digit integer stays readable).

    Every error message shows a user's value through here: an object whose ``__repr__``
    raises is shown by its type, so that the message itself cannot fail.
    """
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__
        return f"<a {type(value).__name__} whose repr() fails>"
    if not isinstance(text, str):
        return f"<a {type(value).__name__}>"
    return text if len(text) <= width else f"{text[:width - 10]}... ({len(text)} characters)"


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
    _check_memory(a, name)  # a contiguous view made by as_strided may still run past its buffer
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):  # (integers are always finite)
        raise ValueError(f"{name} must not contain NaN or infinity.")
    return a


def check_feature_state(a, name: str, *, high: int | None = None) -> np.ndarray:
    """Return a public array of feature ids (``features_``, ``admitted_``) after checking it.

    It must be a plain 1-D ``numpy.ndarray`` of int64 inside its own memory (it is read by
    compiled code and used to place state), strictly increasing (compared elementwise: the
    ``np.diff`` of int64 ids can wrap around), from 0 and below ``high`` when given.
    """
    if type(a) is not np.ndarray or a.dtype != np.int64 or a.ndim != 1:
        raise TypeError(f"{name} must be a 1-D numpy.ndarray of int64.")
    _check_memory(a, name)
    if a.size and (np.any(a[1:] <= a[:-1]) or a[0] < 0 or (high is not None and a[-1] >= high)):
        if high is None:
            raise ValueError(f"{name} must hold features (>= 0), strictly increasing.")
        raise ValueError(f"{name} must be strictly increasing, in [0, {high}).")
    return a


def check_mask(mask, name: str, size: int) -> np.ndarray:
    """Return ``mask`` if it is a 1-D boolean array of length ``size`` (e.g. what an
    inclusion's ``admit`` returned); an integer array would be used as indices, silently."""
    if not isinstance(mask, np.ndarray) or mask.dtype != bool or mask.shape != (size,):
        what = (f"array of dtype {mask.dtype} and shape {mask.shape}"
                if isinstance(mask, np.ndarray) else type(mask).__name__)
        raise TypeError(f"{name} must return a boolean array of shape ({size},), got {what}.")
    return mask


def check_fit(result, solver: str, *, X, inputs: str = "X and y"):
    """Return a solver's ``FitResult`` if its numbers are finite and of a sane size.

    A float64 overflow inside a solver gives inf or NaN, and NaN compares False with every
    threshold, so a weight can come back as 0.0 "converged". Every solver passes its result
    through here:

    - a non-finite weight, intercept or objective is a ``ValueError`` naming the inputs to
      rescale;
    - a finite result that is still out of scale, a weight or intercept above
      ``MAX_FIT_MAGNITUDE`` (about 1.3e154) in absolute value, or a decision value
      ``X @ coef + intercept`` above it (or overflowing), is returned with
      ``converged=False`` and a ``ConvergenceWarning``: the solver diverged (a learning
      rate of 1e300 gives weights of 1e300, whose squares, logits and losses are inf).

    Parameters
    ----------
    result : FitResult
        What the solver found.
    solver : str
        The solver's name, used in messages.
    inputs : str, default="X and y"
        The arguments to rescale, used in messages (e.g. "X and y, or learning_rate").
    X : numpy.ndarray or scipy.sparse matrix
        The (checked) design matrix, to check the decision values too. Required (keyword
        only), so that no solver can skip that check: weights below the bound can still give
        decision values whose squares overflow.

    Returns
    -------
    FitResult
        ``result``, its ``converged`` set to False when it is out of scale.

    Raises
    ------
    ValueError
        If a weight, the intercept or an objective value is inf or NaN.
    """
    # the largest and the smallest weight, read without a temporary array (np.abs or
    # np.isfinite of a 2**22-long coef cost more than the reading): NaN or inf among the
    # weights makes one of them NaN or inf
    high = float(np.max(result.coef, initial=0.0))
    low = float(np.min(result.coef, initial=0.0))
    finite = (np.isfinite(high) and np.isfinite(low) and np.isfinite(result.intercept)
              and np.all(np.isfinite(result.history)))
    if not finite:
        raise ValueError(
            f"{solver} overflowed float64 (its weights or objective became inf or NaN): "
            f"{inputs} are too large for it; rescale them (e.g. standardize the columns)."
        )
    largest = max(high, -low, abs(float(result.intercept)))
    if largest <= MAX_FIT_MAGNITUDE:
        with np.errstate(over="ignore", invalid="ignore"):
            decision = X @ np.asarray(result.coef, dtype=np.float64) + float(result.intercept)
        largest = max(largest, float(np.max(np.abs(decision), initial=0.0)))  # inf if overflowed
    if not largest <= MAX_FIT_MAGNITUDE:
        import warnings

        from .solvers._result import convergence_warning

        warnings.warn(
            f"{solver} diverged: its weights or decision values reach {largest:.3g}, above "
            f"{MAX_FIT_MAGNITUDE:.3g} (their squares overflow float64); the result is marked "
            f"converged=False. Rescale {inputs}.",
            convergence_warning(), stacklevel=3,
        )
        result.converged = False
    return result


def check_output(values, what: str, *, fix: str) -> np.ndarray:
    """Return ``values`` (weights, logits or losses an online model hands out) if finite and
    of a sane size: :func:`check_fit` for a model whose state persists between calls.

    A state that passes its own checks (``n_`` of 5e-324 with ``beta = 0``, ``alpha`` of 1e300)
    can still give weights of inf, or of 1e300 whose logits and losses overflow. So:

    - a non-finite value is a ``ValueError`` naming ``what`` and what to fix;
    - a value above ``MAX_FIT_MAGNITUDE`` (about 1.3e154) in absolute value is returned with
      a ``ConvergenceWarning``: the model diverged.

    Parameters
    ----------
    values : array-like of float
        What the model is about to hand out.
    what : str
        What they are, used in messages (e.g. "FTRLProximal's weights").
    fix : str
        What to change, used in messages (e.g. "its state z_, n_ or its settings alpha,
        beta, l1, l2").

    Returns
    -------
    numpy.ndarray
        ``values`` as a float64 array.

    Raises
    ------
    ValueError
        If a value is inf or NaN.
    """
    values = np.asarray(values, dtype=np.float64)
    high, low = float(np.max(values, initial=0.0)), float(np.min(values, initial=0.0))
    if not (np.isfinite(high) and np.isfinite(low)):
        raise ValueError(f"{what} overflowed float64 (inf or NaN): {fix} are out of scale.")
    if max(high, -low) > MAX_FIT_MAGNITUDE:
        import warnings

        from .solvers._result import convergence_warning

        warnings.warn(
            f"{what} reach {max(high, -low):.3g}, above {MAX_FIT_MAGNITUDE:.3g} (their squares "
            f"overflow float64): the model diverged; {fix} are out of scale.",
            convergence_warning(), stacklevel=3,
        )
    return values


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
    """Return ``value`` (an exact str copy) if it is one of ``choices``, or raise naming
    ``name``."""
    if isinstance(value, str):
        value = str.__str__(value)  # a subclass's __hash__ or __eq__ is never called
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {_short(value)}.")
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
        raise TypeError(f"{name} must be one of the dtypes {names}; got {_short(value)}.")
    return dtype


def check_random_state(random_state, name: str = "random_state") -> np.random.Generator:
    """Return a numpy Generator from a seed (int >= 0) or a Generator; None is refused (seeded).

    A Generator is returned as it is, not copied: the function that draws from it advances
    the caller's generator (as in numpy and scikit-learn), so two calls with the same
    Generator give different draws. Pass an int seed for the same draws every time.
    """
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
        raise ValueError(f"{name} has duplicate column names: {_short(repeated, 80)}.")
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
    with user_values(columns_name, "its column names"):  # their __hash__ and __eq__
        return _known_columns(table, columns, name, columns_name, min_columns)


def _known_columns(table, columns: list, name: str, columns_name: str, min_columns: int) -> list:
    """``check_table``'s checks of the column names asked for (hashed and compared here)."""
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
            f"{columns_name}: unknown column(s) {_short(unknown, 80)} "
            f"(the {name} has {_short(list(table.columns), 200)})."
        )
    if len(set(columns)) != len(columns):
        raise ValueError(f"{columns_name} must not repeat a column, got {_short(columns, 120)}.")
    if len(columns) < min_columns:
        raise ValueError(
            f"{columns_name} must name at least {min_columns} columns, "
            f"got {len(columns)}: {_short(columns, 80)}."
        )
    return columns


def check_increasing(a, name: str) -> np.ndarray:
    """Return ``a`` as a finite, non-empty, strictly increasing 1-D float array, or raise."""
    a = check_array(a, name, ndim=1)
    if np.any(np.diff(a) <= 0):
        raise ValueError(f"{name} must be strictly increasing, got {_short(a.tolist(), 80)}.")
    return a


def check_strings(values, name: str) -> list:
    """Return ``values`` (a non-empty list, array or Series of str) as a new list of exact
    ``str`` copies (a subclass's ``__str__``, ``__hash__`` or ``encode`` is never used), or
    raise."""
    if values is None or isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"{name} must be a list of strings, got {type(values).__name__}: {_short(values)}."
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
        raise TypeError(f"{name} must hold only strings, found {type(bad).__name__}: "
                        f"{_short(bad)}.")
    # exact str copies: a subclass's own __str__, __hash__, encode or count is never called
    # again (the copies are what is checked and returned)
    values = [str.__str__(v) for v in values]
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
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}: "
                        f"{_short(value)}.")
    return bool(value)


def check_magnitude(a, name: str, n_terms: int):
    """Return ``a`` unchanged, or refuse data whose scale breaks float64 sums of products.

    A solver adds up ``n_terms`` products of these values (``X^T X`` adds n * p, ``y^T y`` n):
    the largest ``|value|`` must keep such a sum finite (below about 1e308) and, unless ``a``
    is all zeros, keep its squares above float64's smallest normal number (about 1e-308), or
    the solver would return NaN, or zeros marked as converged. The range is
    ``[1e4 * sqrt(tiny), sqrt(max / (100 * n_terms))]``, with ``tiny`` and ``max`` float64's
    smallest normal and largest numbers: the low end, about 1.5e-150, keeps the squares of
    values down to 1e-4 of the largest one normal too.

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
    values = a.data if _is_sparse(a) else a
    high = float(np.sqrt(np.finfo(np.float64).max / (100.0 * max(n_terms, 1))))
    low = float(np.sqrt(np.finfo(np.float64).tiny)) * 1e4  # about 1.5e-150
    if _magnitude_surely_fine(values, low, high):
        return a
    # max and -min rather than max(abs): no temporary copy of a large X
    largest = float(max(np.max(values, initial=0.0), -np.min(values, initial=0.0)))
    if largest > high or 0.0 < largest < low:
        raise ValueError(
            f"{name} is too {'large' if largest > high else 'small'} to fit in float64: its "
            f"largest |value| is {largest:.3g}, outside [{low:.3g}, {high:.3g}] (for {n_terms} "
            f"products); rescale it, e.g. divide it by {largest:.3g}."
        )
    return a


def _magnitude_surely_fine(values, low: float, high: float) -> bool:
    """A one-pass sufficient test for :func:`check_magnitude`: True only if every ``|value|``
    is at most ``high`` and the largest is at least ``low``.

    The sum of squares bounds the largest ``|value|`` from both sides,
    ``largest^2 <= sum <= size * largest^2``, and one BLAS dot product computes it, about
    twice as fast as the max and min it replaces on a large X (the wide Lasso's fixed cost).
    The margins (1e-6) cover the sum's rounding; when the test fails (all zeros, tiny or huge
    values, NaN), :func:`check_magnitude` looks at the max and min.
    """
    if values.dtype != np.float64 or not (values.flags.c_contiguous or values.flags.f_contiguous):
        return False
    flat = values.ravel(order="K")  # a view: the array is contiguous
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        squares = float(flat @ flat)
    return flat.size * low**2 * (1 + 1e-6) <= squares <= high**2 * (1 - 1e-6)


def above(values, tol: float) -> np.ndarray:
    """Boolean mask of ``|values| > tol``, exact whatever the dtype of ``values``.

    Integers are compared as integers (``v > floor(tol)`` or ``v < -floor(tol)``): cast to
    float64 first, ``2**53 + 1`` becomes ``2**53`` and is not above ``tol=2.0**53``, and
    ``abs`` of int64's smallest value wraps around to a negative number. Floats are compared
    in float64 (a float16 array compared with a Python float would round ``tol`` to float16).

    Parameters
    ----------
    values : numpy.ndarray
        Finite real numbers, of any integer or float dtype.
    tol : float
        A finite ``tol >= 0`` (as returned by :func:`check_scalar`).

    Returns
    -------
    numpy.ndarray of bool, shape of ``values``
    """
    values = np.asarray(values)
    if values.dtype.kind in "iu":
        t = math.floor(tol)  # a Python int: numpy compares it exactly with every integer dtype
        return (values > t) | (values < -t)
    if values.dtype == bool:
        return values & (tol < 1.0)
    return np.abs(values.astype(np.float64, copy=False)) > tol


class user_values:  # noqa: N801 - used as ``with user_values("table"):``, like a function
    """Context manager: an error raised by a user's objects becomes a ``TypeError`` naming
    ``name``.

    Encoders hash, compare and print the values of a learner's table; an object whose
    ``__hash__``, ``__eq__``, ``__lt__`` or ``__str__`` raises would otherwise come out as a
    ``RuntimeError`` (or anything else) from deep inside pandas. Wrap only the lines that
    touch the user's values::

        with user_values("table", "the values of column 'a'"):
            codes, uniques = pd.factorize(table["a"])

    ``KeyboardInterrupt`` and other ``BaseException`` pass through unchanged.
    """

    def __init__(self, name: str, what: str = "its values"):
        self.name, self.what = name, what

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is None or not issubclass(kind, Exception):
            return False
        if issubclass(kind, (TypeError, ValueError)) and _names(str(exc), self.name):
            return False  # already ours, and clear
        raise TypeError(
            f"{self.name}: reading {self.what} failed with {kind.__name__}: {str(exc)[:120]} "
            "(hashing, comparing or printing one of them raised); convert them first, "
            "e.g. with .astype(str)."
        ) from None


def _names(message: str, name: str) -> bool:
    import re

    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", message) is not None


def check_str(value, name: str) -> str:
    """Return ``value`` as an exact ``str`` copy (a subclass's ``__str__``, ``__hash__``,
    ``count`` or ``encode`` is never used), of at most ``MAX_TEXT_LENGTH`` characters and valid
    UTF-8 (no lone surrogate), or raise naming ``name``. For a short text: a title, a label,
    a name that prefixes feature names."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__}: {_short(value)}.")
    value = str.__str__(value)  # an exact str copy: a subclass's methods are never called
    if len(value) > MAX_TEXT_LENGTH:
        raise ValueError(
            f"{name} must be at most {MAX_TEXT_LENGTH:,} characters (matplotlib takes seconds "
            f"to lay out or parse a longer text, and names are repeated), got {len(value):,}."
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} must be valid text, got a lone surrogate.") from None
    return value


def check_text(value, name: str) -> str:
    """Return ``value`` as an exact ``str`` (a copy, if it was a subclass) that matplotlib can
    draw, at most ``MAX_TEXT_LENGTH`` characters, or raise naming ``name``.

    Text between a pair of ``$`` is matplotlib *mathtext* (``r"$\\alpha$"`` draws the Greek
    letter), as everywhere in matplotlib, and the course's own titles use it. A malformed
    formula would fail only when the figure is drawn, with an error naming no argument; so it
    is parsed here, at the door. A literal dollar sign is written ``\\$``; a text with an odd
    number of unescaped ``$`` is drawn as plain text, as matplotlib does.
    """
    value = check_str(value, name)
    dollars = value.count("$") - value.count("\\$")
    if dollars > 0 and dollars % 2 == 0:  # matplotlib's own test for mathtext
        from matplotlib.mathtext import MathTextParser

        try:
            MathTextParser("path").parse(value)
        except Exception as exc:  # noqa: BLE001 - a ValueError, or worse, from the parser
            first = str(exc).strip().splitlines()[-1:] or [type(exc).__name__]
            raise ValueError(
                f"{name} is not valid matplotlib mathtext ({first[0][:120]}): check the "
                f"formula between the $ signs, or write a literal dollar as \\$; got "
                f"{_short(value)}."
            ) from None
    return value


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
