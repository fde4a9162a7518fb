"""The tolerance policy: one rule for every question, and the near misses it names.

A float :class:`Value` is usually read off a printed output or computed and typed in, so it
is accepted when it agrees with the expected value to ``digits`` significant digits
(default 4): within half a unit of the last of those digits, which is exactly what a value
printed with that many digits allows. A prompt that needs more precision says so and passes
a larger ``digits``. A near miss (the learner's value is the expected one rounded to fewer
digits, or truncated instead of rounded) is answered with "Close: give N significant
digits", not with a bare "Incorrect". Listed mistakes are recognised with the same rule, so
a percentage typed as 23.96 is recognised as well as 23.9631... Integers are compared
exactly. Arrays and the results of a learner's function are computed, not read, and are
compared with ``rtol=1e-6, atol=1e-12``. Other slips (a factor 8 or 100, the sign...) are
named by :mod:`._slips`, with the same tolerance.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .._validation import check_int, check_scalar
from ._question import MAX_LIST
from ._values import _as_array, _describe, _is_number

DIGITS = 4  # significant digits a float Value is checked to, unless its question says otherwise


def _half_unit(expected: float, digits: int) -> float:
    """Half a unit in the ``digits``-th significant digit of ``expected``: the printed precision."""
    if expected == 0 or not math.isfinite(expected):
        return 1e-12
    return 0.5 * 10.0 ** (math.floor(math.log10(abs(expected))) - digits + 1)


def _default_tolerance(expected, rtol, atol, digits=None) -> tuple[float, float]:
    """The ``(rtol, atol)`` of the tolerance policy (module docstring).

    Integers (and bools) are compared exactly; a float compared to ``digits`` significant
    digits gets ``atol`` = half a unit of its last digit; other floats (arrays) get
    ``rtol=1e-6, atol=1e-12``. An explicit ``rtol`` or ``atol`` overrides the default.
    """
    kind = np.asarray(expected).dtype.kind if _as_array(expected) is not None else "O"
    exact = kind in "biu"
    if digits is not None and not exact and rtol is None and atol is None and _is_number(expected):
        return 0.0, _half_unit(float(np.asarray(expected)), digits)
    rtol = (0.0 if exact else 1e-6) if rtol is None else float(rtol)
    atol = (0.0 if exact else 1e-12) if atol is None else float(atol)
    return rtol, atol


def _finite_pair(got, expected) -> tuple[float, float] | None:
    """``(got, expected)`` as finite floats, expected non-zero; None when that is not possible."""
    if not (_is_number(got) and _is_number(expected)):
        return None
    try:
        g, e = float(np.asarray(got)), float(np.asarray(expected))
    except OverflowError:  # an integer too large for a float
        return None
    if not (math.isfinite(g) and math.isfinite(e)) or e == 0:
        return None
    return g, e


def _significant_digits(x: float) -> int:
    """How many significant digits the shortest repr of ``x`` has (24 -> 2, 0.2396 -> 4)."""
    mantissa = repr(abs(float(x))).split("e")[0].replace(".", "").strip("0")
    return max(len(mantissa), 1)


def _round_significant(x: float, digits: int) -> float:
    return float(f"{x:.{digits - 1}e}")


def _rounds_to(got, expected) -> bool:
    """True when ``got`` is ``expected`` rounded to the significant digits ``got`` has (>= 2)."""
    pair = _finite_pair(got, expected)
    if pair is None:
        return False
    g, e = pair
    d = _significant_digits(g)
    return d >= 2 and math.isclose(g, _round_significant(e, d), rel_tol=1e-12)


def _near_miss(got, expected, digits: int) -> str | None:
    """The "close" message for a value right to fewer than ``digits`` digits, else None."""
    pair = _finite_pair(got, expected)
    if pair is None:
        return None
    g, e = pair
    given = _significant_digits(g)
    if given < digits and _rounds_to(g, e):
        return (
            f"close: give {digits} significant digits ({_describe(got)} is right to the "
            f"{given} you gave, but that is too few to check)."
        )
    if abs(g - e) <= 10 * _half_unit(e, digits):
        return (
            f"close: give {digits} significant digits, correctly rounded "
            f"({_describe(got)} is off in the last of them)."
        )
    return None


def _check_tolerance(rtol, atol, digits):
    """Validate the tolerance arguments of Value and Array (the authoring errors are loud)."""
    rtol = None if rtol is None else check_scalar(rtol, "rtol")
    atol = None if atol is None else check_scalar(atol, "atol")
    if digits is not None:
        digits = check_int(digits, "digits", low=1, high=15)
        if rtol is not None or atol is not None:
            raise ValueError("give either digits or rtol/atol, not both.")
    return rtol, atol, digits


def _check_key_value(value, name: str):
    """A :class:`Value` key (``answer`` or a mistake): a number must be one a learner can type.

    Numbers must be real (no complex, no ``Decimal``) and fit in float64 (no ``inf``,
    ``10**400`` or a ``longdouble`` beyond float range): an answer that no typed value can
    match is an authoring error. NaN is allowed (NaN matches NaN). Other values must be plain
    data (strings, tuples... :func:`._sandbox.is_plain`), compared with ``==``.
    """
    from ._sandbox import is_plain  # (imported here: _sandbox imports nothing of the engine)

    if not is_plain(value):  # a key is compared in the kernel: no code of its own may run
        raise TypeError(
            f"{name} must be plain data (a number, a string, a tuple or list of them), got "
            f"{_describe(value)}."
        )
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return value
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    number = isinstance(value, (numbers.Number, np.generic))
    if number and not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{name} must be an int or a float, got {type(value).__name__}: a learner cannot "
            "type that kind of number."
        )
    if number:
        try:
            infinite = math.isinf(float(value))
        except OverflowError:
            infinite = True
        if infinite:
            raise ValueError(f"{name} must be a number that fits in a float (not infinite), got "
                             f"{_describe(value)}.")
    return value


def _check_mistakes(mistakes, what: str) -> list:
    """``mistakes`` as a list of (value, feedback) pairs, or raise naming the argument."""
    if not isinstance(mistakes, (list, tuple)) or len(mistakes) > MAX_LIST:
        raise TypeError(f"mistakes must be a list of ({what}, feedback) pairs.")
    pairs = list(mistakes)
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[1], str)):
            raise TypeError(
                f"mistakes must be a list of ({what}, feedback) pairs with feedback a string; "
                f"got {_describe(pair)}."
            )
        if not pair[1].strip():
            raise ValueError("each mistake needs a non-empty feedback string.")
    return pairs


def _check_predicted(predicted) -> list:
    """``predicted`` as a list of finite numbers, or raise naming the argument."""
    if not isinstance(predicted, (list, tuple)) or len(predicted) > MAX_LIST:
        raise TypeError("predicted must be a list of numbers.")
    values = list(predicted)
    for value in values:
        check_scalar(value, "predicted", low=None)  # a finite real number, or raise
    return values
