"""Describing and comparing values: what a learner gave, and how it differs from the answer."""

from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

# The numpy kinds the grader compares as numbers: signed and unsigned integers and floats.
# Not bool ("b": True or False is its own answer), complex ("c"), timedelta ("m") or datetime
# ("M"): np.timedelta64 is a subclass of np.signedinteger, but float() refuses it, so it must
# be refused here, with the normal "Expected a number" verdict, not fail the comparison.
NUMBER_KINDS = "iuf"
# Kinds of arrays compared value by value (bool arrays included).
ARRAY_KINDS = "b" + NUMBER_KINDS


def _describe(x, depth: int = 0) -> str:
    """A short, deterministic description of any value (never a memory address)."""
    if depth > 3 and isinstance(x, (tuple, list)):  # a list of lists of ...: name it only
        return f"a {type(x).__name__}"
    if x is None:
        return "None"
    if x is Ellipsis:
        return "..."
    if isinstance(x, np.generic) and x.dtype.kind not in ARRAY_KINDS:  # timedelta64, str_...
        return f"a numpy {type(x).__name__}"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x)) if abs(int(x)) < 10**30 else "a very large integer"
    if isinstance(x, numbers.Real):
        return repr(float(x))  # shortest exact repr: 0.30000000000000004 stays visible
    if isinstance(x, str):
        return repr(x) if len(x) <= 40 else repr(x[:37]) + "..."
    if isinstance(x, np.ndarray) and x.dtype.kind in ARRAY_KINDS:
        if x.ndim == 1 and x.size <= 8:  # Python reprs: the same text under numpy 1 and 2
            return "[" + ", ".join(_describe(v) for v in x.tolist()) + "]"
        return np.array2string(x, separator=", ", threshold=8, edgeitems=3)
    if isinstance(x, np.ndarray):  # of strings, objects, dates...: name its element type only
        return f"an array of {x.dtype.name} values"
    if isinstance(x, (tuple, list)) and len(x) <= 6:
        inner = ", ".join(_describe(item, depth + 1) for item in x)
        return f"({inner}{',' if len(x) == 1 else ''})" if isinstance(x, tuple) else f"[{inner}]"
    if callable(x):
        return "a function"
    return f"a {type(x).__name__}"


def _is_number(x) -> bool:
    """True for a real number (Python or numpy, not bool) or a 0-d numeric array.

    A numpy scalar or array counts only if its kind is in ``NUMBER_KINDS`` (integers and
    floats): timedelta64 and datetime64 are not numbers here, whatever their class derives from.
    """
    if isinstance(x, np.ndarray):
        return x.ndim == 0 and x.dtype.kind in NUMBER_KINDS
    if isinstance(x, np.generic):
        return x.dtype.kind in NUMBER_KINDS
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _as_array(x) -> np.ndarray | None:
    """Return ``x`` as a numeric array, or None if it is not array-like numbers."""
    if hasattr(x, "toarray"):  # a scipy.sparse matrix: compare its dense values
        try:
            x = x.toarray()
        except Exception:
            return None
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arr = np.asarray(x)
    except Exception:  # ragged lists and other odd things
        return None
    return arr if arr.dtype.kind in ARRAY_KINDS else None


def _difference(got, expected, rtol: float, atol: float) -> str | None:
    """Return why ``got`` differs from ``expected``, or None when they agree.

    Numbers and arrays are compared with ``|got - expected| <= atol + rtol * |expected|``
    (NaN equals NaN); arrays have their shape checked first; tuples and lists
    element by element; anything else with ``==``.
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if _is_number(expected):
            if not _is_number(got):
                if isinstance(got, (bool, np.bool_)):
                    return f"expected a number, got {got}"
                if (isinstance(got, np.ndarray) and got.size == 1
                        and got.dtype.kind in NUMBER_KINDS):
                    return f"expected a single number, got an array of shape {got.shape}"
                return f"expected a number, got {_describe(got)}"
            try:
                g, e = float(np.asarray(got)), float(np.asarray(expected))
            except OverflowError:
                return f"got {_describe(got)}"
            if math.isnan(g) and not math.isnan(e):
                return "got NaN (not a number)"
            if not (math.isnan(g) and math.isnan(e)) and not abs(g - e) <= atol + rtol * abs(e):
                return f"got {_describe(got)}"
            return None
        if isinstance(expected, np.ndarray):
            g = _as_array(got)
            if g is None:
                return f"expected an array of numbers, got {_describe(got)}"
            if g.shape != expected.shape:
                return f"expected an array of shape {expected.shape}, got shape {g.shape}"
            close = np.isclose(g, expected, rtol=rtol, atol=atol, equal_nan=True)
            if not close.all():
                first = tuple(int(i) for i in np.argwhere(~close)[0])
                where = f"[{first[0]}]" if len(first) == 1 else str(list(first))
                return (
                    f"{int((~close).sum())} of {close.size} values differ; "
                    f"the first at index {where}: got {_describe(g[first])}"
                )
            return None
        if isinstance(expected, (tuple, list)):
            if not isinstance(got, (tuple, list)) or len(got) != len(expected):
                return (
                    f"expected {len(expected)} values (a {type(expected).__name__}), "
                    f"got {_describe(got)}"
                )
            for i, (g, e) in enumerate(zip(got, expected, strict=True)):
                reason = _difference(g, e, rtol, atol)
                if reason is not None:
                    return f"item {i}: {reason}"
            return None
        if isinstance(expected, (bool, np.bool_)) and not isinstance(got, (bool, np.bool_)):
            return f"expected True or False, got {_describe(got)}"
        try:
            same = bool(got == expected)
        except Exception:  # e.g. an array compared with a string
            same = False
        return None if same else f"got {_describe(got)}"


def _not_finite(x) -> str | None:
    """The verdict's message for a number that is NaN, infinite or beyond float64, else None."""
    if not _is_number(x):
        return None
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = float(np.asarray(x))
        except OverflowError:  # an int such as 10**400
            value = math.inf
    if math.isnan(value):
        return "got NaN (not a number): something in the computation was undefined (0/0?)."
    if math.isinf(value):
        return ("got a number too large to be a float (infinity, or beyond 1.8e308): "
                "something in the computation overflowed.")
    return None


def _is_integral(x) -> bool:
    return _as_array(x) is not None and np.asarray(x).dtype.kind in "biu"
