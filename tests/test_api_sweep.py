"""A hostile sweep of the public API of ``course_utils`` (every module but ``exercises``),
generated from the signatures, so that a new public function is covered without a new case.

How the table of calls is built:

- the public names are each module's ``__all__``; :func:`test_every_public_name_is_swept`
  fails when a name is not reachable (a public callable defined in a module but missing from
  its ``__all__``, or a name of a kind the sweep does not know);
- a function (or a class's constructor, or a method of a valid instance) is called once per
  parameter and per hostile kind of value, the other parameters valid: a valid value per
  parameter NAME (``VALID``, with a few per-function entries), or the parameter's default;
- the hostile kinds of a parameter follow from its valid value: an array gets array kinds
  (dtypes incl. masked/float16/object/complex, 0-d, empty, NaN/inf/subnormal/huge values,
  read-only, non-contiguous, memory-mapped, wrong shapes, scipy.sparse of every format incl.
  malformed ones), a float gets scalar kinds, an int gets bad counts, and so on; every
  parameter also gets generic ones (None, strings, hostile objects whose ``__array__``,
  ``__len__``, ``__float__``... raise or recurse, 10**400, -1, True, NaN, ...);
- some kinds carry their own check of the answer: int8/uint8 values near the dtype's maximum
  must give the answer of the same values as float64 (a sum in int8 wraps around); an empty
  sparse matrix of a huge shape (2**62 columns) must not be called empty nor given a negative
  size; and a method that accepted a value must leave its instance usable with valid values;
- a fitted instance's public attributes (``z_``, ``n_``, ``features_``, ``counters_``, ...) are
  replaced by shorter, read-only, memory-mapped, other-dtype, NaN... values and every method
  called; each attribute, array or setting (``alpha``), also becomes a property whose value
  changes on every read, so a method that checks an attribute and reads it again fails; and
  every property of a fresh instance is read before any method (``#fresh``);
- kinds that reach past the value itself: sparse index arrays whose ``indptr`` wraps around
  (int8 to uint64, so that ``np.diff`` never sees it decrease), 2-D ``data``, views made with
  ``as_strided`` that point outside their buffer, broadcast arrays of 10**9 values (8 bytes),
  objects whose ``__hash__``/``__str__``/``__repr__`` raise (inside tables and lists too), an
  ``admit`` callback that shrinks, freezes or retunes the model that called it (found up the
  stack, as a learner's closure would hold it), and titles or labels with a formula matplotlib
  cannot parse (a returned figure is then drawn);
- results are checked beyond NaN: a fit marked converged must have weights below 1.34e154, and
  an encoder's feature names must be distinct.

Each call runs in a worker subprocess (many calls per worker, two workers in parallel); a call
that crashes the worker (a signal) or runs past ``PER_CALL_SECONDS`` is a failure and the
worker is restarted after it. A call passes when it raises ValueError/TypeError whose message
names the argument, or returns a result whose numbers are finite; and it must not modify any
array, sparse matrix, table or list it was given.
"""

from __future__ import annotations

import copy
import ctypes
import decimal
import fractions
import importlib
import inspect
import json
import os
import pkgutil
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.lib.stride_tricks import as_strided

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTUP_SECONDS = 180.0  # a worker's imports, on a busy machine
PER_CALL_SECONDS = 60.0  # generous: the machine may be shared (a real hang is still caught)
WORKERS = 2
# Outcomes the documentation promises besides ValueError/TypeError: (target, parameter) -> class
DOCUMENTED_ERRORS = {("decay.steps_until_zero", "max_steps"): "RuntimeError"}


# ------------------------------------------------------------------ what is public


def _modules():
    import course_utils

    names = [m.name for m in pkgutil.iter_modules(course_utils.__path__)
             if not m.name.startswith("_") and m.name != "exercises"]
    return {name: importlib.import_module(f"course_utils.{name}") for name in sorted(names)}


def _kind_of(obj) -> str:
    """How the sweep treats a public name: 'function', 'class', or a kind it does not call."""
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return "error type"
        if (issubclass(obj, tuple) and hasattr(obj, "_fields")) or hasattr(
                obj, "__dataclass_fields__"):
            return "record"  # a result type: fields, no checks promised
        return "class"
    if inspect.isfunction(obj):
        return "function"
    if callable(obj):
        return "unknown callable"
    return "constant"


def public_names():
    """``{"module.name": object}`` for every name in the swept modules' ``__all__``."""
    return {f"{module_name}.{name}": getattr(module, name)
            for module_name, module in _modules().items() for name in module.__all__}


def _methods(cls):
    """Public methods and properties of a class, by name (``"prop"`` or ``"method"``)."""
    found = {}
    for name, member in inspect.getmembers(cls):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            found[name] = "property"
        elif inspect.isfunction(member):
            found[name] = "method"
    return found


# ------------------------------------------------------------------ valid values


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 6))
    y = X @ np.array([1.5, -2.0, 0.0, 0.0, 1.0, 0.0]) + 0.1 * rng.standard_normal(30)
    y01 = (y > 0).astype(float)
    X01 = sp.random(30, 6, density=0.4, random_state=1, format="csr")
    X01.data[:] = 1.0
    table = pd.DataFrame({"a": list("xyzxyz") * 5, "b": list("uuvvww") * 5,
                          "c": ["p", "q"] * 15})
    return X, y, y01, X01, table


def valid_values():
    """A valid value per parameter name, with ``"function.parameter"`` entries where one name
    means different things (``x`` of ``soft_threshold`` is an array, of
    ``one_minus_rounds_to_one`` a float). Fresh objects at every call."""
    X, y, y01, X01, table = _data()
    from course_utils.features import one_hot

    return {
        "X": X, "y": y, "alpha": 0.1, "alphas": np.array([0.1, 0.01]), "k": 2,
        "coef_init": np.zeros(6), "l1_ratio": 0.5, "tol": 1e-4, "max_iter": 200,
        "loss": "log", "learning_rate": 0.1, "epochs": 1,
        "fit_intercept": True, "random_state": 0, "beta": 1.0, "l1": 1.0, "l2": 0.1,
        "max_subsets": 1000,
        "logistic_l1.y": y01, "ftrl_proximal.y": y01, "sgd_l1.y": y01, "adagrad_fobos.y": y01,
        "rounding": "random",
        "FTRLProximal.partial_fit.y": y01, "FTRLProximal.partial_fit.X": X01,
        "FTRLProximal.decision_function.X": X01, "FTRLProximal.predict_proba.X": X01,
        "n_features": 6, "FTRLProximal.n_features": 6,
        "inclusion": None, "state_dtype": np.float64,
        "w": np.array([0.5, 0.0, -2.0, 0.0, 1e-3]), "x": np.array([0.5, -2.0, 0.0, 3.0]),
        "t": 0.5, "w_hat": np.array([0.5, 0.0, -2.0, 0.0]),
        "w_true": np.array([1.0, 0.0, -1.0, 1.0]),
        "storage": "sparse", "value_dtype": np.float32, "index_dtype": np.int32,
        "indices": np.array([0, 3, 130]),
        "w0": 1.0, "factor": 0.5, "steps": 20, "step": 0.1, "dtype": np.float32,
        "max_steps": 5000, "flush_subnormals": False,
        "one_minus_rounds_to_one.x": 1e-17,
        "bucketize.x": np.array([18.0, 25.0, 70.0]),
        "bucket_labels.x": np.array([18.0, 25.0, 70.0]),
        "edges": np.array([25.0, 65.0]), "name": "age",
        "table": table, "columns": ["a", "b"], "one_hot.columns": ["a", "c"],
        "hash_features.columns": ["a", ("a", "b")], "spec": ["a", ("a", "b")],
        "n_buckets": 16, "fold_buckets.X": sp.random(5, 8, density=0.5, random_state=2,
                                                     format="csr"),
        "fold_buckets.n_buckets": 4,
        "names": ["a=x", "b=u", "a=y"], "blocks": one_hot(table, ["a"]),
        "n_samples": 20, "make_sparse_regression.n_features": 10, "n_informative": 3,
        "noise": 0.1, "chunk_size": 1000,
        "p": 0.5, "min_count": 2, "n_counters": 1024, "n_hashes": 3,
        "features": np.array([1, 5, 1, 7, 5, 5]),
        "plot_path.alphas": np.array([1.0, 0.1]), "coefs": np.array([[0.0, 0.0, 0.0],
                                                                     [1.0, 0.0, -1.0]]),
        "feature_names": ["f0", "f1", "f2"], "bins": 10, "log": True, "title": "A title",
        "curves": {"L2": np.array([1.0, 0.5, 0.25]), "L1": np.array([1.0, 0.5, 0.0])},
        "sizes": np.array([1.0, 5.0, 10.0]), "losses": np.array([0.5, 0.4, 0.35]),
        "labels": ["a", "b", "c"], "ax": None,
        "center": np.array([2.0, 0.8]), "hessian": np.array([[2.0, 0.5], [0.5, 1.0]]),
        "radius": 1.0,
        # sharding: a message, a model as its non-zero weights, shards of X01's 30 rows
        "message": np.array([0.5, -2.0, 0.0]),
        "sparse_vector.values": np.array([0.0, 1.5, 0.0, -2.0]),
        "messages": [(np.array([1, 4], dtype=np.int32), np.array([0.5, -1.0]), 0.25),
                     (np.array([2, 4], dtype=np.int32), np.array([1.0, 1.0]), -0.25)],
        "n_shards": 2, "split_buckets.X": X01, "sparse_decision.X": X01,
        "sparse_decision.indices": np.array([0, 3, 5]),
        "sparse_decision.values": np.array([0.5, -1.0, 2.0]), "intercept": 0.25,
        "RowShard.X": X01, "RowShard.y": y01, "FeatureShard.X": X01,
        "FeatureShard.intercept": True, "start": 0, "stop": 10,
        "mix.indices": np.array([1, 4]), "mix.values": np.array([0.5, -1.0]),
        "learn.mixed": (np.array([1, 4]), np.array([0.5, -1.0]), 0.25),
        "residuals": np.array([0.5, -0.5, 0.25, -0.25, 0.1]),
        "step.start": 5, "step.stop": 10,
    }


_MISSING = object()


def valid_value(values, target: str, param: inspect.Parameter):
    """The valid value of ``param`` of ``target`` ("solvers.lasso", "solvers.FTRLProximal.
    partial_fit"): the most specific table entry, else the default, else _MISSING."""
    short = target.split(".", 1)[1]  # without the module
    for key in (f"{short}.{param.name}", f"{short.split('.')[-1]}.{param.name}", param.name):
        if key in values:
            return values[key]
    if param.default is not inspect.Parameter.empty:
        return param.default
    return _MISSING


# ------------------------------------------------------------------ hostile values


class _Raises:
    """Every protocol numpy, float() or len() might use raises."""

    def _fail(self, *args, **kwargs):
        raise RuntimeError("hostile object")

    __array__ = __len__ = __iter__ = __float__ = __int__ = __index__ = __getitem__ = _fail
    __bool__ = __complex__ = _fail

    def __repr__(self):
        return "<_Raises>"


class _Recurses:
    """Every protocol recurses without end (a RecursionError, after a while)."""

    def _loop(self, *args, **kwargs):
        return self._loop(*args, **kwargs)

    __array__ = __len__ = __iter__ = __float__ = __int__ = __index__ = __getitem__ = _loop

    def __repr__(self):
        return "<_Recurses>"


class _BadFloat(float):
    def __float__(self):
        raise RuntimeError("hostile float")


class _BadInt(int):
    def __int__(self):
        raise RuntimeError("hostile int")

    __index__ = __int__


class _BadDunders:
    """An object whose ``__hash__``, ``__eq__``, ``__str__``, ``__repr__`` and ``__format__``
    raise: a value in a table, a column name, a label (what an encoder hashes or prints)."""

    def _fail(self, *args, **kwargs):
        raise RuntimeError("hostile dunder")

    __hash__ = __eq__ = __lt__ = __str__ = __repr__ = __format__ = _fail


class _BadStr:
    """Hashable and comparable, but ``str()`` (so printing, naming) raises."""

    def __init__(self, key):
        self.key = key

    def __hash__(self):
        return hash(self.key)

    def __eq__(self, other):
        return isinstance(other, _BadStr) and other.key == self.key

    def __lt__(self, other):
        return self.key < other.key

    def __str__(self):
        raise RuntimeError("hostile __str__")

    __format__ = __str__


class _HugeLen:
    """A sequence that says it has 10**12 items."""

    def __len__(self):
        return 10**12

    def __getitem__(self, i):
        return 1.0


GENERIC = {
    "None": lambda b: None, "str": lambda b: "abc", "bytes": lambda b: b"ab",
    "object": lambda b: object(), "dict": lambda b: {"a": 1}, "function": lambda b: len,
    "raises": lambda b: _Raises(), "recurses": lambda b: _Recurses(),
    "huge_len": lambda b: _HugeLen(), "ragged": lambda b: [[1.0, 2.0], [3.0]],
    "int_10**400": lambda b: 10**400, "int_-1": lambda b: -1, "True": lambda b: True,
    "nan": lambda b: float("nan"), "-inf": lambda b: float("-inf"), "complex": lambda b: 1 + 2j,
    "subnormal": lambda b: 5e-324, "1e308": lambda b: 1e308, "0-d nan": lambda b: np.array(np.nan),
    "empty list": lambda b: [], "generator": lambda b: (i for i in range(3)),
    "bad dunders": lambda b: _BadDunders(), "int 2**53+1": lambda b: 2**53 + 1,
}


_POINTED_AT = (ctypes.c_double * 1)(1.0)  # one double, described below as many


class _Pointer:
    """An object whose ``__array_interface__`` holds a raw address: numpy cannot know how much
    memory lies behind it (one double here, whatever ``shape`` says)."""

    def __init__(self, shape):
        self.__array_interface__ = {"data": (ctypes.addressof(_POINTED_AT), False),
                                    "shape": tuple(shape), "typestr": "<f8", "version": 3}


class _GivesMasked:
    """An object whose ``__array__`` returns a masked array (numpy.asarray drops the mask)."""

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        return np.ma.array(self.a, mask=np.eye(1, self.a.size, dtype=bool).reshape(self.a.shape))


class _Sneaky(str):
    """A str subclass whose own methods lie or raise: only an exact str copy is safe to use."""

    def __str__(self):
        return "$\\undefinedcmd$"

    def count(self, *args):
        return 0

    def encode(self, *args, **kwargs):
        raise RuntimeError("hostile encode")

    def __hash__(self):
        raise RuntimeError("hostile __hash__")

    __eq__ = str.__eq__


def _memmap(a):
    handle, path = tempfile.mkstemp(suffix=".npy")
    os.close(handle)
    np.save(path, a)
    return np.load(path, mmap_mode="r+")


def _noncontiguous(a):
    wide = np.repeat(a, 2, axis=-1) if a.ndim else a
    return wide[..., ::2] if a.ndim else a


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def _with(a, value):
    a = a.astype(float)
    a.flat[0] = value
    return a


ARRAY = {
    "masked": lambda a: np.ma.array(a, mask=np.eye(1, a.size, dtype=bool).reshape(a.shape)),
    "float16": lambda a: a.astype(np.float16), "float32": lambda a: a.astype(np.float32),
    "int64": lambda a: np.round(a).astype(np.int64), "uint8": lambda a: np.abs(a).astype(np.uint8),
    "bool": lambda a: a != 0, "object dtype": lambda a: a.astype(object),
    "complex dtype": lambda a: a.astype(complex), "0-d": lambda a: np.array(a.flat[0]),
    "empty": lambda a: a[:0], "empty 2-D": lambda a: np.empty((0, 0)),
    "NaN inside": lambda a: _with(a, np.nan), "inf inside": lambda a: _with(a, np.inf),
    "subnormal values": lambda a: a * 5e-324, "huge values": lambda a: a * 1e300,
    "1e160 values": lambda a: a * 1e160, "near 2**64": lambda a: a + 2.0**64,
    "1e-200 values": lambda a: a * 1e-200, "read-only": _readonly,
    "non-contiguous": _noncontiguous, "fortran": lambda a: np.asfortranarray(a),
    "list": lambda a: a.tolist(), "transposed": lambda a: a.T if a.ndim == 2 else a[:, None],
    "flattened": lambda a: a.ravel() if a.ndim == 2 else a[None, :],
    "one shorter": lambda a: a[:-1], "memmap": _memmap,
    "pandas": lambda a: pd.DataFrame(a) if a.ndim == 2 else pd.Series(a),
    "pandas NA": lambda a: pd.Series(pd.array([1, None] * 2, dtype="Int64")),
    "datetime64": lambda a: np.zeros(a.shape, dtype="M8[D]"),
    "timedelta64": lambda a: np.zeros(a.shape, dtype="m8[s]"),
    "zeros": lambda a: np.zeros_like(a, dtype=float),
    "ones": lambda a: np.ones_like(a, dtype=float),
    "negative": lambda a: -np.abs(a.astype(float)) - 1.0,
    "int 2**62": lambda a: np.full(a.shape, 2**62, dtype=np.int64),
    "uint64 max": lambda a: np.full(a.shape, 2**64 - 1, dtype=np.uint64),
    "strings": lambda a: a.astype(str),
    "int8 near max": lambda a: np.full(a.shape, 120, dtype=np.int8),
    "uint8 near max": lambda a: np.full(a.shape, 250, dtype=np.uint8),
    "filled 1e154": lambda a: np.full(a.shape, 1e154),
    "uint64 2**63+5": lambda a: np.full(a.shape, 2**63 + 5, dtype=np.uint64),
    "int64 2**53+1": lambda a: np.full(a.shape, 2**53 + 1, dtype=np.int64),
    "strides outside": lambda a: as_strided(a.copy(), strides=(2**40,) * a.ndim),
    "contiguous past its end": lambda a: as_strided(a.ravel()[:1].copy(), shape=a.shape,
                                                    strides=np.empty(a.shape).strides),
    "broadcast 10**9": lambda a: np.broadcast_to(a.flat[0], a.shape[:-1] + (10**9,)),
    "raw pointer": lambda a: _Pointer(a.shape),
    "masked via __array__": lambda a: _GivesMasked(a),
}


def _bad_csc(a):
    m = sp.csc_matrix(a)
    m.indices[-1] = 10**6
    return m


def _bad_coo_row(a):
    m = sp.coo_matrix(a)
    m.row[0] = 10**6
    return m


def _bad_coo_negative(a):
    m = sp.coo_matrix(a)
    m.col[0] = -3
    return m


def _bad_indptr(a):
    m = sp.csr_matrix(a)
    m.indptr[1] = 10**7
    return m


def _bad_bsr(a):
    m = sp.bsr_matrix(a)
    m.indices[0] = 999
    return m


def _wrapped_indptr(a, fmt="csr", dtype=np.int64):
    """``indptr`` whose second entry is ``dtype``'s maximum and third a negative (or, unsigned,
    0): ``np.diff`` wraps around and never sees it decrease."""
    m = getattr(sp, f"{fmt}_matrix" if not fmt.endswith("array") else fmt)(a)
    indptr = m.indptr.astype(dtype)
    indptr[1] = np.iinfo(dtype).max
    indptr[2] = -5 if np.iinfo(dtype).min < 0 else 0
    m.indptr, m.indices = indptr, m.indices.astype(dtype)
    return m


def _decreasing_indptr(a):
    m = sp.csr_matrix(a)
    m.indptr[1], m.indptr[2] = m.indptr[-1], 0
    return m


def _small_indices(a, fmt):
    """Index arrays cast to int8: valid while they fit, wrapped around (decreasing) beyond."""
    m = getattr(sp, f"{fmt}_matrix")(a)
    m.indptr, m.indices = m.indptr.astype(np.int8), m.indices.astype(np.int8)
    return m


def _data_2d(a):
    m = sp.csr_matrix(a)
    m.data = m.data[:, None]
    return m


def _huge_coords(a):
    m = sp.coo_array(a)
    row, col = m.row.astype(np.uint64), m.col.astype(np.uint64)
    col[0] = 2**64 - 1
    if hasattr(m, "coords"):  # scipy >= 1.13 keeps coords (row and col are views of it)
        m.coords = (row, col)
    else:
        m.row, m.col = row, col
    return m


class _RaisingIndices(sp.csr_matrix):
    """A CSR matrix whose ``indices`` attribute raises once it is armed."""

    @property
    def indices(self):
        if self.__dict__.get("_armed"):
            raise RuntimeError("hostile indices")
        return self.__dict__["_indices"]

    @indices.setter
    def indices(self, value):
        self.__dict__["_indices"] = value


def _raising_indices(a):
    matrix = _RaisingIndices(sp.csr_matrix(a))
    matrix.__dict__["_armed"] = True
    return matrix


def _wrapped_bsr(a):
    m = sp.bsr_matrix(a, blocksize=(1, 1))
    m.indptr = m.indptr.astype(np.int64)
    m.indptr[1], m.indptr[2] = 2**63 - 1, -5
    return m


def _float_indices(a):
    m = sp.csr_matrix(a)
    m.indices = m.indices.astype(float)
    return m


def _duplicates(a):
    m = sp.coo_matrix(a)
    return sp.csr_matrix((np.r_[m.data, m.data], (np.r_[m.row, m.row], np.r_[m.col, m.col])),
                         shape=m.shape)


def _near_max(a, dtype):
    """``a``'s pattern of non-zeros, every value near ``dtype``'s maximum (two of them overflow
    it when added in ``dtype``)."""
    return sp.csr_matrix(np.where(a != 0, np.iinfo(dtype).max - 7, 0).astype(dtype))


def _lil_disagrees(a):
    """A LIL matrix whose first row lists more column indices than values (scipy's conversion
    trusts the lengths and reads uninitialized memory)."""
    m = sp.lil_matrix(a)
    m.rows[0] = list(range(a.shape[1]))
    m.data[0] = [1.0]
    return m


def _dok_outside(a):
    m = sp.dok_matrix(a)
    # past DOK's own __setitem__ check: scipy >= 1.12 keeps the entries in m._dict, older
    # releases in m itself (a dict subclass)
    dict.__setitem__(getattr(m, "_dict", m), (10**6, 0), 1.0)
    return m


SPARSE = {
    "csr": sp.csr_matrix, "csc": sp.csc_matrix, "coo": sp.coo_matrix, "bsr": sp.bsr_matrix,
    "dia": sp.dia_matrix, "lil": sp.lil_matrix, "dok": sp.dok_matrix, "csr_array": sp.csr_array,
    "coo_array": sp.coo_array, "csc pointing outside": _bad_csc, "coo row outside": _bad_coo_row,
    "coo negative col": _bad_coo_negative, "csr bad indptr": _bad_indptr,
    "bsr pointing outside": _bad_bsr, "csr float indices": _float_indices,
    "csr duplicates": _duplicates, "sparse NaN": lambda a: sp.csr_matrix(_with(a, np.nan)),
    "sparse complex": lambda a: sp.csr_matrix(a.astype(complex)),
    "sparse empty": lambda a: sp.csr_matrix((0, a.shape[1])),
    "sparse huge": lambda a: sp.csr_matrix(a * 1e300),
    "sparse int8 near max": lambda a: _near_max(a, np.int8),
    "sparse uint8 near max": lambda a: _near_max(a, np.uint8),
    "lil rows and data disagree": _lil_disagrees, "dok key outside": _dok_outside,
    "csr indptr wraps int64": _wrapped_indptr,
    "csc indptr wraps int64": lambda a: _wrapped_indptr(a, "csc"),
    "csc indptr wraps int32": lambda a: _wrapped_indptr(a, "csc", np.int32),
    "csr indptr wraps uint64": lambda a: _wrapped_indptr(a, "csr", np.uint64),
    "csr_array indptr wraps": lambda a: _wrapped_indptr(a, "csr_array"),
    "bsr indptr wraps": _wrapped_bsr, "csr indptr decreasing": _decreasing_indptr,
    "csr int8 indices": lambda a: _small_indices(a, "csr"),
    "csc int8 indices": lambda a: _small_indices(a, "csc"),
    "csr 2-D data": _data_2d, "coo_array uint64 coords": _huge_coords,
    "csr indices property raises": lambda a: _raising_indices(a),
}

# Empty sparse matrices whose shape overflows int64 arithmetic (np.prod((2, 2**62)) is
# negative, np.prod((4, 2**62)) is 0) or a dense vector per column: given for every array
# parameter (n: the valid value's rows, 2 for a 1-D one).
def _rows(a):
    return a.shape[0] if a.ndim == 2 else 2


HUGE_SHAPE = {
    # one entry, 2**34 rows: a conversion to CSR alone would allocate 128 GiB
    "coo one entry (2**34, p)": lambda a: sp.coo_matrix(
        (np.ones(1), ([0], [0])), shape=(2**34, a.shape[1] if a.ndim == 2 else 3)),
    "sparse empty (n, 2**62)": lambda a: sp.csr_matrix((_rows(a), 2**62)),
    "sparse empty (2n, 2**62)": lambda a: sp.csr_matrix((2 * _rows(a), 2**62)),
    "sparse empty (n, 2**40)": lambda a: sp.csr_matrix((_rows(a), 2**40)),
}

FLOAT = {
    "-1.0": lambda b: -1.0, "0.0": lambda b: 0.0, "1e-320": lambda b: 1e-320,
    "float16": lambda b: np.float16(b), "float32": lambda b: np.float32(0.3),
    "np.int64": lambda b: np.int64(2), "Fraction": lambda b: fractions.Fraction(1, 3),
    "Decimal": lambda b: decimal.Decimal("0.5"), "numeric str": lambda b: "0.5",
    "0-d array": lambda b: np.array(b), "1-element array": lambda b: np.array([b]),
    "bad __float__": lambda b: _BadFloat(0.5), "1e154": lambda b: 1e154,
}

COUNT = {
    "0": lambda b: 0, "2.5": lambda b: 2.5, "2**31": lambda b: 2**31, "2**63": lambda b: 2**63,
    "10**9": lambda b: 10**9, "np.int64": lambda b: np.int64(3),
    "uint64 max": lambda b: np.uint64(2**64 - 1), "numeric str": lambda b: "3",
    "float 3.0": lambda b: 3.0, "bad __int__": lambda b: _BadInt(3),
    "np.bool_": lambda b: np.bool_(True)
}

BOOL = {"str False": lambda b: "False", "0": lambda b: 0, "1": lambda b: 1,
        "np.bool_": lambda b: np.bool_(False)}

# Text with a formula matplotlib cannot parse (for a title or a label it is drawn as mathtext)
BAD_MATHTEXT = {"undefined command": "$\\undefinedcmd$", "unclosed brace": "$\\foo{$",
                "lone superscript": "a $^$ b"}

CHOICE = {"empty str": lambda b: "", "upper": lambda b: str(b).upper(),
          "100k chars": lambda b: "x" * 100_000, "lone surrogate": lambda b: "\ud800",
          "10**6 chars": lambda b: "x" * 10**6, "hostile str subclass": lambda b: _Sneaky(b),
          "list": lambda b: [b],
          **{f"mathtext: {k}": (lambda b, t=t: t) for k, t in BAD_MATHTEXT.items()}}

DTYPE = {"int8": lambda b: np.int8, "complex64": lambda b: "complex64",
         "object type": lambda b: object,
         "big-endian": lambda b: np.dtype(">f8"), "instance": lambda b: np.float64(1.0),
         "an array": lambda b: np.zeros(2), "bad name": lambda b: "float99"}

TABLE = {
    "empty": lambda t: pd.DataFrame(), "NaN": lambda t: t.assign(a=[None] + list(t["a"][1:])),
    "list values": lambda t: t.assign(a=[[1]] * len(t)),
    "duplicate columns": lambda t: t.set_axis(["a", "a", "c"], axis=1),
    "one column": lambda t: t["a"], "numpy table": lambda t: t.to_numpy(),
    "numbers": lambda t: pd.DataFrame({"a": np.arange(len(t)), "b": np.arange(len(t)),
                                       "c": np.ones(len(t))}),
    "multiindex": lambda t: t.set_axis(pd.MultiIndex.from_tuples([("a", 1), ("b", 2), ("c", 3)]),
                                       axis=1),
    "0 rows": lambda t: t.iloc[:0], "no columns": lambda t: pd.DataFrame(index=t.index),
    "surrogate": lambda t: t.assign(a="\ud800"),
    "mixed str and int": lambda t: t.assign(a=["1", 1] * (len(t) // 2)),
    "values with bad dunders": lambda t: t.assign(a=[_BadDunders()] * len(t)),
    "values whose __str__ raises": lambda t: t.assign(a=[_BadStr(i % 3) for i in range(len(t))]),
    # a cross of a and b would name rows 0 and 1 alike: "a=1 & b=2 & b=3"
    "names that collide": lambda t: t.assign(a=["1 & b=2", "1"] * (len(t) // 2),
                                             b=["3", "2 & b=3"] * (len(t) // 2)),
}

STRINGS = {"surrogate": lambda b: ["\ud800"], "ints": lambda b: [1, 2], "one str": lambda b: "abc",
           "bytes inside": lambda b: [b"x"], "str array": lambda b: np.array(b),
           "str series": lambda b: pd.Series(b),
           "None inside": lambda b: [None], "too short": lambda b: b[:-1],
           "too long": lambda b: b + ["extra"], "bad dunders inside": lambda b: [_BadDunders()],
           "hostile str subclass inside": lambda b: [_Sneaky(b[0])] + b[1:],
           **{f"mathtext: {k}": (lambda b, t=t: [t] + b[1:]) for k, t in BAD_MATHTEXT.items()}}

COLUMNS = {"nested list": lambda b: [["a", "b"]], "unknown": lambda b: ["nosuch"],
           "int": lambda b: [1], "tuple": lambda b: ("a",), "set": lambda b: {"a"},
           "tuple inside": lambda b: [("a",)], "repeated": lambda b: ["a", "a"],
           "unknown in cross": lambda b: [("a", "nosuch")], "set inside": lambda b: [{"a"}],
           "one name": lambda b: "a", "bad dunders inside": lambda b: [_BadDunders()]}

CURVES = {"empty": lambda b: {}, "int key": lambda b: {1: [1.0]},
          "str values": lambda b: {"a": "b"},
          "NaN": lambda b: {"a": [np.nan, 1.0]}, "empty curve": lambda b: {"a": []},
          **{f"mathtext: {k}": (lambda b, t=t: {t: [1.0, 0.5]}) for k, t in BAD_MATHTEXT.items()}}


class _Admit:
    def __init__(self, answer):
        self.answer = answer

    def admit(self, features):
        return self.answer(features)


def _scribbles(features):
    features[:] = 0  # writes into what it is given
    return np.ones(features.size, dtype=bool)


def _caller_self():
    """The instance whose method called the callback (the first ``self`` up the stack that is
    not the callback's own object), or None."""
    frame = sys._getframe(1)
    while frame is not None:
        found = frame.f_locals.get("self")
        if found is not None and not isinstance(found, _Admit):
            return found
        frame = frame.f_back
    return None


def _tampers(change):
    """An ``admit`` that first changes the model that called it, then admits everything:
    a user's callback may reach the model (a global, a closure) and replace its state."""
    def admit(features):
        model = _caller_self()
        for name, value in list(vars(model).items() if model is not None else []):
            if not name.startswith("_"):
                change(model, name, value)
        return np.ones(features.size, dtype=bool)

    return _Admit(admit)


def _shrink(model, name, value):
    if isinstance(value, np.ndarray):
        setattr(model, name, value[:-1].copy())


def _freeze(model, name, value):
    if isinstance(value, np.ndarray):
        value.flags.writeable = False


def _retune(model, name, value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        setattr(model, name, type(value)(1))


INCLUSION = {
    "admit shrinks the model's state": lambda b: _tampers(_shrink),
    "admit freezes the model's state": lambda b: _tampers(_freeze),
    "admit sets the model's numbers to 1": lambda b: _tampers(_retune),
    "no admit": lambda b: object(),
    "admit gives ints": lambda b: _Admit(lambda f: np.ones(f.size, dtype=int)),
    "admit gives one too few": lambda b: _Admit(lambda f: np.ones(f.size - 1, dtype=bool)),
    "admit gives a list": lambda b: _Admit(lambda f: [True] * f.size),
    "admit gives None": lambda b: _Admit(lambda f: None),
    "admit scribbles": lambda b: _Admit(_scribbles),
}

RANDOM_STATE = {"-1": lambda b: -1, "2**64": lambda b: 2**64,
                "RandomState": lambda b: np.random.RandomState(0), "numeric str": lambda b: "0",
                "1.5": lambda b: 1.5}

BLOCKS = {"names too short": lambda b: (b[0], b[1][:-1]), "list": lambda b: list(b),
          "dense": lambda b: (b[0].toarray(), b[1]), "bad csc": lambda b: (_bad_csc(b[0].toarray()),
                                                                         b[1]),
          "triple": lambda b: (b[0], b[1], b[1])}


def kinds_for(name: str, base) -> dict:
    """The hostile kinds of a parameter, from its name and its valid value."""
    kinds = _specific_kinds(name, base)
    assert not set(kinds) & set(GENERIC), "a kind's name is used twice"
    return {**GENERIC, **kinds}


def _specific_kinds(name: str, base) -> dict:
    kinds = {}
    if name in ("columns", "spec"):
        kinds.update(COLUMNS)
    elif name == "random_state":
        kinds.update(RANDOM_STATE)
    elif name == "inclusion":
        kinds.update(INCLUSION)
    elif name == "blocks":
        kinds.update(BLOCKS)
    elif name == "curves":
        kinds.update(CURVES)
    elif isinstance(base, pd.DataFrame):
        kinds.update(TABLE)
    elif sp.issparse(base):
        kinds.update({k: (lambda a, f=f: f(a.toarray())) for k, f in SPARSE.items()})
        kinds.update({k: (lambda a, f=f: f(a.toarray())) for k, f in ARRAY.items()})
        kinds.update({k: (lambda a, f=f: f(a.toarray())) for k, f in HUGE_SHAPE.items()})
    elif isinstance(base, np.ndarray):
        kinds.update(ARRAY)
        kinds.update(HUGE_SHAPE)
        if base.ndim == 2:
            kinds.update(SPARSE)
    elif isinstance(base, list) and base and all(isinstance(v, str) for v in base):
        kinds.update(STRINGS)
    elif isinstance(base, (bool, np.bool_)):
        kinds.update(BOOL)
    elif isinstance(base, int):
        kinds.update(COUNT)
    elif isinstance(base, float):
        kinds.update(FLOAT)
    elif isinstance(base, str):
        kinds.update(CHOICE)
    elif isinstance(base, type) or isinstance(base, np.dtype):
        kinds.update(DTYPE)
    return kinds


STATE_ARRAY = {
    "one shorter": lambda a: a[:-1].copy(), "one longer": lambda a: np.append(a, a[-1:]),
    "read-only": _readonly, "memmap": _memmap, "non-contiguous": _noncontiguous,
    "float32": lambda a: a.astype(np.float32), "int32": lambda a: a.astype(np.int32),
    "float16": lambda a: a.astype(np.float16), "NaN": lambda a: _with(a, np.nan),
    "inf": lambda a: _with(a, np.inf), "list": lambda a: a.tolist(), "2-D": lambda a: a[None],
    "negative": lambda a: -np.abs(a) - 1, "reversed": lambda a: a[::-1].copy(),
    "empty": lambda a: a[:0].copy(), "masked": lambda a: np.ma.array(a),
    "huge": lambda a: np.full_like(a, np.iinfo(a.dtype).max if a.dtype.kind in "iu" else 1e300),
    "contiguous past its end": lambda a: as_strided(a[:1].copy(), shape=a.shape),
    "strides outside": lambda a: as_strided(a.copy(), strides=(2**40,)),
    "broadcast": lambda a: np.broadcast_to(a[:1], a.shape),
    "raw pointer": lambda a: np.asarray(_Pointer(a.shape)) if a.dtype == np.float64 else a[:0],
    # the attribute becomes a property that gives the valid array on one read, a 1-element
    # one on the next (and so on): a method must read it once and use only what it checked
    "changes between reads": lambda a: _FLIPS,
}
_FLIPS = object()  # marker: _call turns the attribute into a flipping property
STATE_SCALAR = {"-1": lambda b: -1, "0": lambda b: 0, "str": lambda b: "x", "None": lambda b: None,
                "10**400": lambda b: 10**400, "nan": lambda b: float("nan"), "True": lambda b: True,
                "2.5": lambda b: 2.5, "raises": lambda b: _Raises(),
                # a property giving the valid value on one read and NaN on the next: a method
                # that checks a setting and then reads it again uses the unchecked NaN
                "changes between reads": lambda b: _FLIPS}


# ------------------------------------------------------------------ the table of cases


def _signature_params(func):
    return [p for p in inspect.signature(func).parameters.values() if p.name != "self"]


def build_cases():
    """Every (target, parameter, kind) to run, and the names the sweep reaches."""
    values = valid_values()
    cases, reached = [], {}
    for qualname, obj in public_names().items():
        kind = _kind_of(obj)
        reached[qualname] = kind
        if kind == "function":
            callables = [(qualname, obj)]
        elif kind == "class":
            callables = [(qualname, obj)] + [
                (f"{qualname}.{m}", getattr(obj, m)) for m, how in _methods(obj).items()
                if how == "method"]
            cases.append((qualname, "#use", "valid"))  # every method and property, valid
            cases.append((qualname, "#fresh", "valid"))  # every property, before any method
            instance = _instance(values, qualname, obj)
            for attribute, value in vars(instance).items():
                if attribute.startswith("_"):
                    continue
                table = STATE_ARRAY if isinstance(value, np.ndarray) else STATE_SCALAR
                cases += [(qualname, f"#state.{attribute}", k) for k in table]
        else:
            continue
        for target, func in callables:
            params = _signature_params(func)
            cases.append((target, "#valid", "valid"))
            for param in params:
                base = valid_value(values, target, param)
                if base is _MISSING:
                    raise AssertionError(f"{target}: no valid value for parameter {param.name!r};"
                                         " add one to VALID in tests/test_api_sweep.py")
                cases += [(target, param.name, k) for k in kinds_for(param.name, base)]
    return cases, reached


def _instance(values, qualname, cls):
    """A valid instance of ``cls``, used as it would be (FTRLProximal has learned a chunk)."""
    params = _signature_params(cls)
    kwargs = {p.name: valid_value(values, qualname, p) for p in params}
    return _use(cls(**_positional_ok(params, kwargs)), values, qualname,
                calls=("partial_fit", "admit"))  # state to tamper with


def _positional_ok(params, kwargs):
    return {k: v for k, v in kwargs.items() if v is not _MISSING}


def _use(instance, values, qualname, calls=None):
    """Call every public method (or only ``calls``) of ``instance`` with valid values and read
    every property; return the instance, the results in ``instance._sweep_results``."""
    results = []
    for name, how in _methods(type(instance)).items():
        if calls is not None and name not in calls:
            continue
        if how == "property":
            if name != getattr(type(instance), "_sweep_flipped", None):  # the sweep's own
                results.append(getattr(instance, name))
        else:
            method = getattr(instance, name)
            kwargs = {p.name: valid_value(values, f"{qualname}.{name}", p)
                      for p in _signature_params(method)}
            kwargs = _positional_ok(_signature_params(method), kwargs)
            snapshots = {k: _snapshot(v) for k, v in kwargs.items()}
            results.append(method(**kwargs))
            for k, v in kwargs.items():
                if not _same(snapshots[k], v):
                    raise AssertionError(f"{name} modified its argument {k}")
    instance.__dict__.setdefault("_sweep_results", []).extend(
        r for r in results if r is not instance)
    return instance


# ------------------------------------------------------------------ one call, in the worker


def _memory_bytes(a: np.ndarray) -> bytes:
    """The bytes of the memory ``a`` views: its own when it owns them, else its owner's (the
    end of its ``.base`` chain). A view made by ``as_strided`` may point outside that memory,
    and a broadcast one be 10**9 values of 8 bytes: neither is read element by element."""
    owner = a
    while getattr(owner, "base", None) is not None:
        owner = owner.base
    if owner is a or not isinstance(owner, np.ndarray):
        return a.tobytes() if a.size <= 2**24 else memoryview(owner).tobytes()
    return owner.tobytes()


def _snapshot(value):
    """Something to compare before and after a call (None for what cannot be compared)."""
    try:
        if isinstance(value, np.ma.MaskedArray):
            return ("masked", value.data.tobytes(), np.ma.getmaskarray(value).tobytes())
        if isinstance(value, np.ndarray):
            return ("array", value.dtype.str, value.shape, _memory_bytes(value))
        if sp.issparse(value):
            parts = [getattr(value, a) for a in ("data", "indices", "indptr", "row", "col",
                                                  "offsets") if hasattr(value, a)]
            if value.format == "dok":
                parts = [sorted(value.items())]
            if value.format == "lil":
                parts = [repr(value.rows.tolist()), repr(value.data.tolist())]
            return ("sparse", value.shape, [p.tobytes() if isinstance(p, np.ndarray) else p
                                            for p in parts])
        if isinstance(value, (pd.DataFrame, pd.Series)):
            return ("pandas", value.copy(deep=True))
        if isinstance(value, (list, tuple, dict)):
            return ("container", copy.deepcopy(value),
                    [_snapshot(v) for v in (value.values() if isinstance(value, dict) else value)])
    except Exception:  # a hostile object: nothing to compare
        return None
    return None


def _same(before, value) -> bool:
    return _same_snapshot(before, _snapshot(value))


def _same_snapshot(before, now) -> bool:
    if before is None:
        return True
    if before[0] == "pandas":
        return now is not None and before[1].equals(now[1]) and list(before[1].columns) == list(
            now[1].columns) if isinstance(before[1], pd.DataFrame) else before[1].equals(now[1])
    if before[0] == "container":  # item by item: a tuple of arrays has no truth value
        return (now is not None and now[0] == "container" and len(before[2]) == len(now[2])
                and all(_same_snapshot(b, n) for b, n in zip(before[2], now[2], strict=True))
                and _equal(before[1], now[1]))
    return before == now


def _equal(a, b) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return True  # arrays inside: compared through their snapshots


def _problems_in_result(result, depth=0) -> list[str]:
    """Non-finite numbers in a result (arrays, sparse data, FitResult fields, tuples...)."""
    if depth > 4:
        return []
    if isinstance(result, np.ndarray) and result.dtype.kind in "fc":
        return [] if np.all(np.isfinite(result)) else ["an array with NaN or inf"]
    if sp.issparse(result):
        return _problems_in_result(result.data, depth + 1)
    if isinstance(result, (float, np.floating)):
        return [] if np.isfinite(result) else [f"a non-finite number {result}"]
    if hasattr(result, "__dataclass_fields__"):
        found = [f"{name}: {p}" for name in result.__dataclass_fields__
                 for p in _problems_in_result(getattr(result, name), depth + 1)]
        coef = getattr(result, "coef", None)
        if (not found and getattr(result, "converged", False) is True
                and isinstance(coef, np.ndarray) and coef.size
                and np.max(np.abs(coef)) > MAX_CONVERGED_WEIGHT):
            found.append(f"converged=True with weights of {np.max(np.abs(coef)):.3g}")
        return found
    if (isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], list)
            and all(isinstance(n, str) for n in result[1])
            and len(set(result[1])) < len(result[1])):  # an encoder's (M, names)
        return ["two features with the same name"]
    if isinstance(result, (tuple, list)):
        found = []
        for item in list(result)[:1000]:
            found += _problems_in_result(np.asarray(item) if isinstance(item, float) else item,
                                         depth + 1)
        return found
    return []


def _draw_problem(result):
    """Draw a returned Axes: what matplotlib raised, if anything (None if nothing to draw)."""
    from matplotlib.axes import Axes

    if not isinstance(result, Axes):
        return None
    try:
        result.figure.canvas.draw()
    except Exception as exc:  # noqa: BLE001 - any error here was accepted at the door
        return f"accepted text the figure cannot draw: {type(exc).__name__}: {str(exc)[:120]}"
    return None


def _names_argument(message: str, param: str) -> bool:
    """Whether ``message`` names ``param`` as a word ("X's values", "blocks[0]", "x.size")."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(param)}(?![A-Za-z0-9_])", message) is not None


# Kinds no function may accept: refusing is the only right answer (a masked array's mask, a NaN,
# a pointer outside a sparse matrix would otherwise be silently ignored or worse).
MUST_REFUSE = {
    "masked", "NaN inside", "inf inside", "complex", "complex dtype", "strings", "datetime64",
    "timedelta64",
    "pandas NA", "csc pointing outside", "coo row outside", "coo negative col", "csr bad indptr",
    "bsr pointing outside", "csr float indices", "sparse NaN", "sparse complex", "raises",
    "lil rows and data disagree", "dok key outside",
    "recurses", "huge_len", "ragged", "nan", "-inf", "0-d nan", "bad __float__", "bad __int__",
    # reading these would read outside memory; 10**9 values is above MAX_ARRAY_ELEMENTS
    "strides outside", "contiguous past its end", "broadcast 10**9",
    "csr indptr wraps int64", "csc indptr wraps int64", "csc indptr wraps int32",
    "csr indptr wraps uint64", "csr_array indptr wraps", "bsr indptr wraps",
    "csr indptr decreasing", "csr 2-D data", "coo_array uint64 coords", "bad dunders",
    "bad dunders inside", "values with bad dunders", "values whose __str__ raises",
    "raw pointer", "masked via __array__", "coo one entry (2**34, p)",
    "csr indices property raises", "10**6 chars",
}
# Callbacks that change their caller: the instance is used twice (the second time it has state
# that a method may update in place)
USED_TWICE = {"admit shrinks the model's state", "admit freezes the model's state",
              "admit sets the model's numbers to 1"}
# Kinds after which a returned figure is drawn (a bad formula in a title fails only then)
DRAWN = {f"mathtext: {k}" for k in BAD_MATHTEXT} | {"hostile str subclass",
                                                  "hostile str subclass inside"}
# The bound a converged fit's weights stay below (_validation.MAX_FIT_MAGNITUDE, sqrt of
# float64's largest): written here again, so that the sweep does not trust the code it tests
MAX_CONVERGED_WEIGHT = 1.34e154
# Kinds that hold the same values as the valid argument in another container or layout: the
# answer must be the valid call's (or a refusal, e.g. sparse input where only dense makes sense).
SAME_ANSWER = {
    "list", "read-only", "non-contiguous", "fortran", "memmap", "pandas", "csr", "csc", "coo",
    "bsr", "dia", "lil", "dok", "csr_array", "coo_array", "0-d array", "str array", "str series",
}
# Kinds whose values a function may add up in their own small dtype (int8 100 + 100 is -56):
# the answer must be the one for the same values as float64 (or a refusal).
AS_FLOAT64 = {"int8 near max", "uint8 near max", "sparse int8 near max", "sparse uint8 near max"}
_valid_results = {}


def _as_float64(value):
    return value.astype(np.float64) if isinstance(value, np.ndarray) or sp.issparse(value) \
        else value


def _huge_shape_problem(result, message=None):
    """What is wrong with a call's outcome for an empty matrix of a huge shape: it is not empty
    (a refusal saying so computed its size in int64), and no size or count is negative."""
    if message is not None:
        return (f"called a matrix of a huge shape empty: {message[:200]}"
                if "empty" in message else None)
    values = result if isinstance(result, (tuple, list)) else [result]
    if any(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v < 0
           for v in values):
        return f"returned a negative size or count: {result!r:.80}"
    return None


def _call(target, param, kind, values, then=None):
    """Make the call of one case; return ``(result, failure or None)``. ``then`` transforms the
    hostile value after it is made (e.g. to float64, for a second call to compare with)."""
    module_name, *rest = target.split(".")
    obj = getattr(importlib.import_module(f"course_utils.{module_name}"), rest[0])
    qualname = f"{module_name}.{rest[0]}"
    if param == "#fresh":
        return _fresh_properties(values, qualname, obj)
    if param == "#use":
        instance = _instance(values, qualname, obj)
        return _use(instance, values, qualname).__dict__["_sweep_results"], None
    if param.startswith("#state."):
        attribute = param.split(".", 1)[1]
        instance = _instance(values, qualname, obj)
        old = getattr(instance, attribute)
        table = STATE_ARRAY if isinstance(old, np.ndarray) else STATE_SCALAR
        value = table[kind](old)
        if value is _FLIPS:
            _flip_between_reads(instance, attribute, old)
        else:
            setattr(instance, attribute, value)
        instance.__dict__.pop("_sweep_results", None)
        return _use(instance, values, qualname).__dict__.get("_sweep_results", []), None
    instance = _instance(values, qualname, obj) if len(rest) == 2 else None
    func = getattr(instance, rest[1]) if len(rest) == 2 else obj
    if inspect.isclass(func):  # a constructor: the instance is then used as it would be
        func = _constructed_and_used(func, values, qualname, 2 if kind in USED_TWICE else 1)
    args, kwargs, inputs = [], {}, {}
    for p in _signature_params(func):
        value = valid_value(values, target, p)
        if p.name == param:
            value = kinds_for(p.name, value)[kind](value)
            if then is not None:
                value = then(value)
        if value is _MISSING:
            continue
        inputs[p.name] = value
        if p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
            args.append(value)
        else:
            kwargs[p.name] = value
    snapshots = {name: _snapshot(v) for name, v in inputs.items()}
    result = func(*args, **kwargs)
    for name, value in inputs.items():
        if not _same(snapshots[name], value):
            return result, f"modified its argument {name}"
    if instance is not None and param != "#valid":  # accepted: the instance must still work
        instance.__dict__.pop("_sweep_results", None)
        try:
            _use(instance, valid_values(), qualname)
        except Exception as exc:
            return result, (f"accepted it, then failed on valid input: {type(exc).__name__}: "
                            f"{str(exc)[:160]}")
    return result, None


def _flip_between_reads(instance, attribute, value):
    """Make ``instance.attribute`` a property (of a subclass made here) whose reads alternate
    between the current value (set by the instance, or ``value``) and a wrong one: for an
    array a read-only 1-element copy, for a setting NaN."""
    reads, current = [0], [value]

    def read(self):
        reads[0] += 1
        if reads[0] % 2:
            return current[0]
        if not isinstance(current[0], np.ndarray):
            return float("nan")  # truthy, and no number: a bool or a float re-read goes wrong
        other = current[0][:1].copy()  # read-only too: a compiled loop writing to it fails
        other.flags.writeable = False  # loudly (a write past one element could go unseen)
        return other

    def write(self, new):
        current[0] = new

    cls = type(instance)
    instance.__dict__.pop(attribute, None)
    instance.__class__ = type(cls.__name__, (cls,), {attribute: property(read, write),
                                                     "_sweep_flipped": attribute})


def _fresh_properties(values, qualname, cls):
    """Read every property of a new instance, before any method: each must be a finite value
    or a ValueError/TypeError naming the property (not NaN, not a deep traceback)."""
    params = _signature_params(cls)
    instance = cls(**_positional_ok(params, {p.name: valid_value(values, qualname, p)
                                             for p in params}))
    results = []
    for name, how in _methods(cls).items():
        if how != "property":
            continue
        try:
            results.append(getattr(instance, name))
        except (ValueError, TypeError) as exc:
            if not _names_argument(str(exc), name):
                return results, f"{name} before any method: {type(exc).__name__}: {exc}"
    return results, None


def _constructed_and_used(cls, values, qualname, rounds=1):
    def construct(*args, **kwargs):
        instance = cls(*args, **kwargs)
        for _ in range(rounds):
            instance = _use(instance, values, qualname)
        return instance.__dict__.pop("_sweep_results")

    construct.__signature__ = inspect.signature(cls)
    return construct


def _differs(a, b, depth=0) -> bool:
    """Whether two results differ (numbers to rtol 1e-6); what cannot be compared does not."""
    if depth > 4:
        return False
    if sp.issparse(a) or sp.issparse(b):
        a = a.toarray() if sp.issparse(a) else a
        b = b.toarray() if sp.issparse(b) else b
    if hasattr(a, "__dataclass_fields__"):  # FitResult: the weights and intercept
        return _differs(a.coef, getattr(b, "coef", None), depth + 1) or _differs(
            a.intercept, getattr(b, "intercept", None), depth + 1)
    if isinstance(a, (np.ndarray, float, int, np.number)) and not isinstance(a, bool):
        try:
            a, b = np.asarray(a), np.asarray(b)
            if a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
                return not np.array_equal(a, b)
            return a.shape != b.shape or not np.allclose(a, b, rtol=1e-6, atol=1e-9)
        except Exception:
            return True
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) != len(b) or any(
            _differs(x, y, depth + 1) for x, y in zip(a, b, strict=True))
    if isinstance(a, (str, bool)):
        return a != b
    if isinstance(a, (pd.Series, pd.DataFrame)):
        return not a.equals(b)
    return False


def run_case(case, values):
    """Run one case; return None if it passed, else a short description of the failure."""
    target, param, kind = case
    qualname = ".".join(target.split(".")[:2])
    expected_name = param.split(".", 1)[1] if param.startswith("#state.") else param
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result, failure = _call(target, param, kind, values)
            if failure:
                return failure
        except (ValueError, TypeError) as exc:
            message = str(exc)
            if param in ("#valid", "#use", "#fresh"):
                return f"refused valid input: {type(exc).__name__}: {message[:200]}"
            if not _names_argument(message, expected_name):
                return (f"{type(exc).__name__} not naming {expected_name!r}: "
                        f"{message[:200]}")
            return _huge_shape_problem(None, message) if kind in HUGE_SHAPE else None
        except Exception as exc:
            documented = DOCUMENTED_ERRORS.get((qualname, param))
            if documented == type(exc).__name__:
                return None
            return f"{type(exc).__name__}: {str(exc)[:200]}"
        problems = _problems_in_result(result)
        if problems:
            return f"returned {problems[0]}"
        if kind in DRAWN:
            problem = _draw_problem(result)
            if problem:
                return problem
        if kind in MUST_REFUSE and not param.startswith("#"):
            return f"accepted a {kind} value (it must be refused)"
        if kind in HUGE_SHAPE and not param.startswith("#"):
            return _huge_shape_problem(result)
        if kind in AS_FLOAT64 and not param.startswith("#"):
            try:
                as_float = _call(target, param, kind, valid_values(), then=_as_float64)[0]
            except Exception:  # refused as float64 (e.g. integer indices): nothing to compare
                return None
            if _differs(as_float, result):
                return "a different answer than for the same values as float64 (an overflow?)"
        if kind in SAME_ANSWER and not param.startswith("#"):
            if target not in _valid_results:
                _valid_results[target] = _call(target, "#valid", "valid", valid_values())[0]
            if _differs(_valid_results[target], result):
                return "a different answer than for the same values given plainly"
    return None


def worker():
    """Read cases (JSON lines) from stdin; print 'S i' before and 'R i <json>' after each."""
    import resource

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    limit = 8 * 2**30  # a runaway allocation is a MemoryError, not the machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.setrecursionlimit(2000)
    for module in _modules().values():  # imports and a first call outside any call's time
        getattr(module, "__all__", None)
    valid_values()
    cases = [tuple(json.loads(line)) for line in sys.stdin]
    for i, case in enumerate(cases):
        print(f"S {i}", flush=True)
        values = valid_values()
        try:
            failure = run_case(case, values)
        except BaseException as exc:  # noqa: BLE001 - anything escaping is itself the failure
            failure = f"escaped the sweep: {type(exc).__name__}: {str(exc)[:200]}"
        plt.close("all")
        print(f"R {i} {json.dumps(failure)}", flush=True)


# ------------------------------------------------------------------ the parent


def _run_worker(cases, outcomes):
    """Run ``cases`` in workers, restarting after a crash or a time-out; fill ``outcomes``.

    The worker's output is read unbuffered (``os.read`` after ``select``): a buffered reader
    could hold the "S i" line of a call that then hangs, and the parent would wait for ever.
    Every moment is under a deadline: a call's ``PER_CALL_SECONDS``, and the worker's start-up
    and the gap between two calls too (charged to the next call).
    """
    start = 0
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg")
    while start < len(cases):
        batch = cases[start:]
        with tempfile.TemporaryFile() as stderr:
            process = subprocess.Popen(
                [sys.executable, os.path.abspath(__file__), "--worker"], cwd=ROOT, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, bufsize=0)
            threading.Thread(target=_feed, args=(process, batch), daemon=True).start()
            fd, pending = process.stdout.fileno(), b""
            current, deadline = 0, time.monotonic() + STARTUP_SECONDS
            done = False
            while not done:
                if b"\n" not in pending:
                    ready, _, _ = select.select([fd], [], [],
                                                max(0.0, deadline - time.monotonic()))
                    chunk = os.read(fd, 65536) if ready else None
                    if chunk is None:  # past the deadline
                        process.kill()
                        process.wait()
                        outcomes[batch[current]] = f"hang: more than {PER_CALL_SECONDS:.0f} s"
                        break
                    if not chunk:  # the worker died
                        code = process.wait()
                        stderr.seek(0)
                        tail = stderr.read().decode(errors="replace")[-300:].strip()
                        outcomes[batch[current]] = f"crash: exit code {code} ({tail})"
                        break
                    pending += chunk
                    continue
                line, pending = pending.split(b"\n", 1)
                kind, index, *payload = line.decode().split(" ", 2)
                current = int(index)
                if kind == "S":
                    deadline = time.monotonic() + PER_CALL_SECONDS
                else:
                    outcomes[batch[current]] = json.loads(payload[0])
                    current += 1
                    deadline = time.monotonic() + PER_CALL_SECONDS
                    done = current == len(batch)
            if done:
                process.wait()
            start += current + (0 if done else 1)


def _feed(process, batch):
    try:
        for case in batch:
            process.stdin.write((json.dumps(case) + "\n").encode())
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass


def run_sweep(cases):
    outcomes = {}
    shares = [cases[i::WORKERS] for i in range(WORKERS)]
    threads = [threading.Thread(target=_run_worker, args=(share, outcomes)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


# ------------------------------------------------------------------ the tests


def test_every_public_name_is_swept():
    cases, reached = build_cases()
    unknown = {name: kind for name, kind in reached.items()
               if kind not in ("function", "class", "record", "error type", "constant")}
    assert not unknown, f"the sweep does not know how to call: {unknown}"
    swept_targets = {case[0].split(".")[0] + "." + case[0].split(".")[1] for case in cases}
    callables = {name for name, kind in reached.items() if kind in ("function", "class")}
    assert callables <= swept_targets
    # a public callable defined in a module but not in its __all__ would escape the sweep
    missing = []
    for module_name, module in _modules().items():
        for name, obj in vars(module).items():
            if (not name.startswith("_") and callable(obj)
                    and getattr(obj, "__module__", None) == module.__name__
                    and name not in module.__all__):
                missing.append(f"{module_name}.{name}")
    assert not missing, f"public names missing from __all__ (so from the sweep): {missing}"


def test_hostile_sweep_of_the_public_api():
    cases, _ = build_cases()
    outcomes = run_sweep(cases)
    assert len(outcomes) == len(cases)
    failures = {case: outcome for case, outcome in outcomes.items() if outcome is not None}
    report = "\n".join(f"{target}({param}={kind}): {outcome}"
                       for (target, param, kind), outcome in sorted(failures.items()))
    assert not failures, f"{len(failures)} of {len(cases)} calls failed:\n{report}"


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    worker()
elif __name__ == "__main__":
    _cases, _ = build_cases()
    _started = time.monotonic()
    _outcomes = run_sweep([tuple(c) for c in _cases])
    for (_target, _param, _kind), _outcome in sorted(
            (c, o) for c, o in _outcomes.items() if o is not None):
        print(f"{_target}({_param}={_kind}): {_outcome}")
    print(f"{len(_cases)} calls, {sum(o is not None for o in _outcomes.values())} failures, "
          f"{time.monotonic() - _started:.1f} s")

pytestmark = pytest.mark.filterwarnings("ignore")
