"""Common slips, recognised in a wrong number and named in plain words.

When an answer to a :class:`Value` or :class:`Array` question matches none of the question's
listed mistakes, the engine tries the slips any question can suffer: a unit factor (8 for bits
and bytes, 100 for a percentage, 1,000 or 1,024 for kilo), a power of two, the reciprocal, the
sign, the complement of a fraction, an off-by-one count, a count left unrounded, or right
values in another order. Each slip is a transformation of the right value; the answer is
compared with the transformed value under the question's own tolerance (and at the precision
the learner typed, as listed mistakes are).

Three rules keep a diagnosis honest:

- the question's own knowledge wins: the listed mistakes and the values the notebook asked the
  learner to predict are tried first, and a slip whose transformed value is also a listed
  mistake is never named (the author reads that number differently);
- a slip is named only when it is the only one that fits: when two fit (half of 2 is also 2
  minus 1), nothing generic is said;
- a slip that changes nothing (the sign of 0, the reciprocal of 1) is never tried.

A learner's function gets the same treatment on the cases where it fails: a slip is named when
it is the only one that fits every failing case.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import NamedTuple

import numpy as np

from ._values import ARRAY_KINDS, _as_array, _difference


class Slip(NamedTuple):
    """One way of getting a number wrong.

    Attributes
    ----------
    name : str
        A short key (``"x8"``, ``"sign"``...): the same slip has the same key whatever the
        right value (``"x8"`` is 8 times, or 2**3 times a power of two).
    value : object
        The right value transformed by the slip: what a learner who made it answers.
    fact : str
        What the answer is, relative to the right one ("8 times the right value").
    cause : str
        What the learner probably did, or what to do instead.
    """

    name: str
    value: object
    fact: str
    cause: str


# name -> (factor, fact, cause); the factor multiplies the right value. The sentence shown is
# "That is <fact>: <cause>." (or "On each failing case your function returns <fact>: <cause>.").
_FACTORS = {
    "x8": (
        8,
        "8 times the right {noun}",
        "probably bits counted instead of bytes (or bytes instead of 8-byte numbers)",
    ),
    "/8": (
        1 / 8,
        "the right {noun} divided by 8",
        "probably bytes counted instead of bits (or 8-byte numbers instead of bytes)",
    ),
    "x100": (
        100,
        "100 times the right {noun}",
        "a factor 100 too many (the decimal point two places off, or a percentage?)",
    ),
    "/100": (
        1 / 100,
        "the right {noun} divided by 100",
        "probably a fraction where a percentage is asked",
    ),
    "x1000": (
        1000,
        "1,000 times the right {noun}",
        "probably a unit off by a factor 1,000 (bytes and kilobytes, ones and thousands)",
    ),
    "/1000": (
        1 / 1000,
        "the right {noun} divided by 1,000",
        "probably a unit off by a factor 1,000 (kilobytes where bytes are asked)",
    ),
    "x1024": (
        1024,
        "1,024 times the right {noun}",
        "probably a unit off by a factor 1,024 = 2**10 (bytes and KiB)",
    ),
    "/1024": (
        1 / 1024,
        "the right {noun} divided by 1,024",
        "probably a unit off by a factor 1,024 = 2**10 (KiB where bytes are asked)",
    ),
    "x10": (10, "10 times the right {noun}", "probably the decimal point one place off"),
    "/10": (1 / 10, "the right {noun} divided by 10", "probably the decimal point one place off"),
    "x2": (2, "twice the right {noun}", "a factor 2 too many (something counted twice?)"),
    "/2": (1 / 2, "half the right {noun}", "a factor 2 too few (a factor 2 left out?)"),
    "sign": (-1, "the right {noun} with the opposite sign", "the size is right, the sign is not"),
}

PERCENTAGE = (
    "That looks like a percentage; give the fraction, a number between 0 and 1."
)  # a fraction in (0, 1] typed times 100: the sentence of the tolerance policy

# Words of a prompt that asks for a fraction (a share, a probability): only then is an answer
# 100 times too large called a percentage, and 1 minus the answer "the opposite share".
_FRACTION_WORDS = re.compile(
    r"\b(fraction|share|proportion|probabilit|frequenc|density)", re.IGNORECASE
)


def asks_for_fraction(prompt: str) -> bool:
    """True when ``prompt`` asks for a fraction: a share, a proportion, a probability..."""
    return bool(_FRACTION_WORDS.search(prompt))


def _is_power_of_two(x) -> bool:
    return isinstance(x, int) and x > 0 and x & (x - 1) == 0


def _exact(x: float):
    """``x`` as an int when it is a whole number that a float holds exactly, else as is."""
    if isinstance(x, float) and math.isfinite(x) and x == int(x) and abs(x) < 2**53:
        return int(x)
    return x


def slips(expected, *, integral: bool, fraction: bool = False) -> list[Slip]:
    """Every slip that applies to ``expected`` (a number or an array of numbers).

    Parameters
    ----------
    expected : number or numpy.ndarray
        The right value.
    integral : bool
        True when the right value is a count (compared exactly): off-by-one and
        unrounded answers are slips too, and a power-of-two answer is read in exponents.
    fraction : bool, default=False
        True when the question asks for a fraction (:func:`asks_for_fraction`): an answer
        100 times too large is then a percentage, and 1 minus the answer the opposite share.
        Without it a value between 0 and 1 (a penalty, a coefficient) is not called a fraction.

    Returns
    -------
    list of Slip
    """
    scalar = np.ndim(expected) == 0
    e = float(expected) if scalar else np.asarray(expected, dtype=float)
    if not np.all(np.isfinite(e)) or not np.any(e != 0):
        return []
    out = []
    power = scalar and integral and _is_power_of_two(int(expected))
    fraction = fraction and bool(np.all((0 <= e) & (e <= 1))) and not integral

    def add(name, value, fact, cause):
        if scalar:
            value = _exact(float(value)) if integral else float(value)
        out.append(Slip(name, value, fact, cause))

    noun = "value" if scalar else "values"
    for name, (factor, fact, cause) in _FACTORS.items():
        if power and name not in ("sign", "ten", "tenth"):
            continue  # read in powers of two below
        if name == "x100" and fraction:
            out.append(
                Slip(
                    "percentage",
                    e * 100,
                    fact.format(noun=noun),
                    "probably a percentage where a fraction (between 0 and 1) is asked",
                )
            )
            continue
        add(name, e * factor, fact.format(noun=noun), cause)
    if power:
        n = int(expected).bit_length() - 1
        if n > 1:
            add("exponent", n, f"the exponent of the right value, 2**{n}", "give the number itself")
        for k in range(-64, 65):
            if k and 1 <= int(expected) * 2.0**k:
                fact = f"2**{k} times the right value" if k > 0 else f"the right value / 2**{-k}"
                fact = {1: "twice the right value", -1: "half the right value"}.get(k, fact)
                name = f"x{2**k}" if k > 0 else f"/{2**-k}"  # 2**3 is the same slip as 8 times
                add(name, e * 2.0**k, fact, f"a power of two off by {abs(k)} in its exponent")
    if np.all(e != 0) and not np.all(np.abs(e) == 1):
        add(
            "reciprocal",
            1 / e,
            f"1 divided by the right {noun}",
            "probably a ratio upside down (divide the other way round)",
        )
    if fraction and not np.all(e == 0.5):
        add(
            "complement",
            1 - e,
            f"1 minus the right {noun}",
            "probably the share or the probability of the opposite",
        )
    if integral:
        add(
            "plus-one",
            e + 1,
            "1 more than the right value" if scalar else "the right values plus 1",
            "probably an off-by-one, one counted too many (a fence post, or counting from 1 "
            "where Python counts from 0)",
        )
        add(
            "minus-one",
            e - 1,
            "1 less than the right value" if scalar else "the right values minus 1",
            "probably an off-by-one, one left out (the last one, or counting from 0 where "
            "the count starts at 1)",
        )
    return out


def _agrees(got, value, tolerance) -> bool:
    """True when ``got`` is ``value`` under ``tolerance(value)`` (a pair ``(rtol, atol)``)."""
    return _difference(got, value, *tolerance(value)) is None


def name_slip(
    got, expected, *, integral, tolerance, rounds_to=None, exclude=(), fraction=False
) -> str | None:
    """The sentence naming the one slip that turns ``expected`` into ``got``, or None.

    Parameters
    ----------
    got : object
        The learner's answer (already known to be wrong).
    expected : number or numpy.ndarray
        The right value.
    integral : bool
        Whether the right value is a count (see :func:`slips`).
    tolerance : callable
        ``value -> (rtol, atol)``: the question's tolerance for a value.
    rounds_to : callable, optional
        ``(got, value) -> bool``: also accept ``value`` rounded to the digits ``got`` has.
    exclude : list
        Values that mean something else to the question (its listed mistakes and predicted
        values): a slip whose value agrees with one of them is never named.
    fraction : bool, default=False
        Whether the question asks for a fraction (see :func:`slips`).

    Returns
    -------
    str or None
    """
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _name_slip(got, expected, integral, tolerance, rounds_to, exclude, fraction)


def _name_slip(got, expected, integral, tolerance, rounds_to, exclude, fraction) -> str | None:
    typed = _typed_slip(got, expected, tolerance)
    if typed is not None:
        return typed
    fits = []
    for slip in slips(expected, integral=integral, fraction=fraction):
        if any(_agrees(slip.value, other, tolerance) for other in exclude):
            continue
        if _agrees(got, slip.value, tolerance) or (
            rounds_to is not None and rounds_to(got, slip.value)
        ):
            fits.append(slip)
    unrounded = integral and _unrounded(got, expected)
    if unrounded and not fits:
        return "That has a fractional part, but a count is a whole number."
    if not fits and _reordered(got, expected, tolerance):
        return "Those are the right values in another order: keep the order the question asks for."
    if len(fits) != 1:
        return None
    slip = fits[0]
    if slip.name == "percentage":
        return PERCENTAGE
    return f"That is {slip.fact}: {slip.cause}."


def _typed_slip(got, expected, tolerance) -> str | None:
    """The sentence for the right value given in the wrong form, or None: as text, inside a
    list or tuple (``X.shape`` for its number of columns), or as a True/False mask of positions."""
    if isinstance(got, str):
        try:
            number = float(got.strip().replace(",", "").replace("_", ""))
        except ValueError:
            return None
        if np.ndim(expected) == 0 and _agrees(number, expected, tolerance):
            return "That is text (a string); give the number itself, without quotes."
        return None
    arr = _as_array(got)
    if arr is None or arr.ndim == 0:
        return None
    if np.ndim(expected) == 0:
        if arr.size > 1 and any(_agrees(x, expected, tolerance) for x in arr.ravel()[:1000]):
            return "The right value is one of those; give it alone, as a single number."
        return None
    e = np.asarray(expected)
    if (
        e.ndim == 1
        and e.dtype.kind in "iu"
        and arr.ndim == 1
        and arr.dtype.kind in ARRAY_KINDS
        and np.all((arr == 0) | (arr == 1))
        and np.array_equal(np.flatnonzero(arr), e)
    ):
        return (
            "That is a True/False mask; the question asks for the positions where it is "
            "True (`np.flatnonzero(mask)`)."
        )
    return None


def _unrounded(got, expected) -> bool:
    """True when ``got`` is a number with a fraction whose floor, ceiling or rounding is right."""
    if np.ndim(expected) != 0:
        return False
    arr = _as_array(got)
    if arr is None or arr.ndim != 0 or arr.dtype.kind != "f" or not np.isfinite(arr):
        return False
    g = float(arr)
    return g != round(g) and int(expected) in (math.floor(g), math.ceil(g))


def _reordered(got, expected, tolerance) -> bool:
    """True when the 1-D array ``got`` holds the values of ``expected`` in another order."""
    g, e = _as_array(got), np.asarray(expected)
    if g is None or e.ndim != 1 or g.shape != e.shape or e.size < 2:
        return False
    return _difference(np.sort(g), np.sort(e), *tolerance(e)) is None


def name_function_slip(pairs, *, tolerance, fraction=False) -> str | None:
    """The sentence naming the one slip that fits every failing case of a function, or None.

    Parameters
    ----------
    pairs : list of (got, expected)
        The learner's result and the right one, on each case where they differ.
    tolerance : callable
        ``value -> (rtol, atol)``.
    fraction : bool, default=False
        Whether the question asks for fractions (see :func:`slips`).

    Returns
    -------
    str or None
    """
    common = None
    facts = {}
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for got, expected in pairs:
            array, mine = _as_array(expected), _as_array(got)
            if array is None or mine is None or array.dtype.kind == "b":
                return None  # not numbers (True or False has no slips)
            if max(array.size, mine.size) > 100_000:
                return None  # too large to be worth the comparisons
            integral = array.dtype.kind in "biu"
            names = set()
            value = expected if array.ndim else array[()]
            for slip in slips(value, integral=integral, fraction=fraction):
                if _agrees(got, slip.value, tolerance):
                    names.add(slip.name)
                    if slip.name not in facts or "2**" in facts[slip.name].fact:
                        facts[slip.name] = slip  # "8 times" rather than "2**3 times"
            common = names if common is None else common & names
    if not common or len(common) != 1:
        return None
    slip = facts[common.pop()]
    cases = "the failing case" if len(pairs) == 1 else f"each of the {len(pairs)} failing cases"
    fact = slip.fact.replace("the right", "the expected")
    return f"On {cases} your function returns {fact}: {slip.cause}."
