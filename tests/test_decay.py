"""Tests of course_utils.decay. Every pinned number was measured with the IEEE default mode.

Reproduce the table:
    python -c "from course_utils.decay import steps_until_zero as z; print(z(1.0, 0.9))"
"""

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils import decay
from course_utils.decay import (
    ZenoResult,
    l1_decay,
    l2_decay,
    one_minus_rounds_to_one,
    smallest_decrement_of_one,
    steps_until_zero,
)

FAST = settings(max_examples=100, deadline=None)
S64 = 2.0**-1074  # smallest subnormal float64
S32 = 2.0**-149  # smallest subnormal float32


# ---- steps_until_zero: measured cases ---------------------------------------------------------

CASES = [
    # w0, factor, dtype, flush, expected
    (1.0, 0.9, np.float64, False, (False, 7050, 5 * S64)),
    (1.0, 0.5, np.float64, False, (True, 1075, 0.0)),
    (1.0, 0.99, np.float64, False, (False, 73671, 49 * S64)),
    (1.0, 0.51, np.float64, False, (False, 1106, S64)),
    (1.0, 0.49, np.float64, False, (True, 1044, 0.0)),
    (1.0, 0.75, np.float64, False, (False, 2585, 2 * S64)),
    (-1.0, 0.9, np.float64, False, (False, 7050, -5 * S64)),
    (-1.0, 0.5, np.float64, False, (True, 1075, 0.0)),
    (0.0, 0.9, np.float64, False, (True, 0, 0.0)),
    (1.0, 1.0, np.float64, False, (False, 0, 1.0)),
    (1.0, 0.9, np.float32, False, (False, 964, 4 * S32)),
    (1.0, 0.5, np.float32, False, (True, 150, 0.0)),
    (1.0, 0.99, np.float32, False, (False, 9876, 50 * S32)),
    (1.0, 0.51, np.float32, False, (False, 154, S32)),
    (1.0, 0.49, np.float32, False, (True, 145, 0.0)),
    (-1.0, 0.9, np.float32, False, (False, 964, -4 * S32)),
    (0.0, 0.5, np.float32, False, (True, 0, 0.0)),
    (1.0, 1.0, np.float32, False, (False, 0, 1.0)),
    (1.0, 0.9, np.float16, False, (False, 142, 4 * 2.0**-24)),
    (1.0, 0.5, np.float16, False, (True, 25, 0.0)),
    # flush-to-zero: the first subnormal result is 0.0, so every factor < 1 arrives.
    (1.0, 0.9, np.float64, True, (True, 6724, 0.0)),
    (1.0, 0.5, np.float64, True, (True, 1023, 0.0)),  # 2**-1023 is subnormal
    (1.0, 0.9, np.float32, True, (True, 829, 0.0)),
    (1.0, 0.5, np.float32, True, (True, 127, 0.0)),
    (1.0, 1.0, np.float64, True, (False, 0, 1.0)),
    (1e-310, 0.9, np.float64, True, (True, 0, 0.0)),  # a subnormal w0 is flushed too
]


@pytest.mark.parametrize("w0, factor, dtype, flush, expected", CASES)
def test_steps_until_zero_measured(w0, factor, dtype, flush, expected):
    result = steps_until_zero(w0, factor, dtype, flush_subnormals=flush)
    assert isinstance(result, ZenoResult)
    assert result == expected
    assert isinstance(result.step, int) and isinstance(result.value, float)


def test_steps_until_zero_agrees_with_l2_decay():
    w = l2_decay(1.0, 0.9, 7060)
    assert w[7049] == 6 * S64 and np.all(w[7050:] == 5 * S64)
    w = l2_decay(1.0, 0.5, 1080)
    assert w[1074] == S64 and np.all(w[1075:] == 0.0)
    w32 = l2_decay(1.0, 0.9, 970, np.float32)
    assert w32.dtype == np.float32 and w32[964] == np.float32(4 * S32) and w32[963] != w32[964]


def test_factor_half_rule_at_the_smallest_subnormal():
    for dtype in (np.float64, np.float32):
        s = np.finfo(dtype).smallest_subnormal
        assert s * dtype(0.5) == 0  # the tie s/2 goes to the even neighbour, 0
        assert s * np.nextafter(dtype(0.5), dtype(1)) == s  # just above 0.5: back to s
        assert s * np.nextafter(dtype(0.5), dtype(0)) == 0
        assert steps_until_zero(float(s), float(np.nextafter(dtype(0.5), dtype(1))), dtype) == (
            False,
            0,
            float(s),
        )


@FAST
@given(factor=st.floats(0.01, 0.5), w0=st.floats(-10.0, 10.0))
def test_factors_at_most_half_reach_zero(factor, w0):
    assert steps_until_zero(w0, factor).reaches_zero


@FAST
@given(factor=st.floats(0.5, 0.95, exclude_min=True), w0=st.floats(1e-3, 10.0))
def test_factors_above_half_stall_on_a_small_subnormal(factor, w0):
    result = steps_until_zero(w0, factor)
    assert not result.reaches_zero
    k = result.value / S64
    assert k == int(k) and 1 <= k < 1 / (2 * (1 - factor)) + 1
    assert result.value * factor == result.value  # it is a fixed point


def test_max_steps_exceeded():
    with pytest.raises(RuntimeError, match="max_steps"):
        steps_until_zero(1.0, 0.999, max_steps=1000)
    assert steps_until_zero(1.0, 0.9, max_steps=7050) == (False, 7050, 5 * S64)


# ---- steps_until_zero against the plain loop -------------------------------------------------


def plain_loop(w0s, factors, dtype, flush, max_steps=200_000):
    """The definition, run on many (w0, factor) pairs at once: ``w = dtype(w * factor)``."""
    w, f = np.array(w0s, dtype=dtype), np.array(factors, dtype=dtype)
    tiny = np.finfo(dtype).tiny

    def flushed(v):
        return np.where(np.abs(v) < tiny, v * dtype(0), v) if flush else v

    w = flushed(w)
    step, value = np.full(w.size, -1), np.zeros(w.size)
    for n in range(max_steps + 1):
        w_next = flushed(w * f)
        ends = (step < 0) & ((w == 0) | (w_next == w))
        step[ends], value[ends] = n, w[ends]
        if np.all(step >= 0):
            return step, value
        w = w_next
    raise AssertionError("the plain loop did not end: choose shorter cases")


def assert_matches_plain_loop(w0s, factors, dtype, flush):
    steps, values = plain_loop(w0s, factors, dtype, flush)
    for w0, factor, step, value in zip(w0s, factors, steps, values, strict=True):
        result = steps_until_zero(w0, factor, dtype, flush_subnormals=flush)
        expected = (bool(value == 0), int(step), float(value))
        assert result == expected, (w0, factor, dtype, flush)
        assert np.signbit(result.value) == np.signbit(value)


def near_end(factor, dtype, flush, steps):
    """A w0 about ``steps`` steps above where the decay ends (the stall, or tiny with FTZ)."""
    d = 1.0 - float(dtype(factor))
    end = float(np.finfo(dtype).tiny) if flush else 1.0 / (2.0 * d) * S_OF[dtype]
    return float(dtype(end * np.exp(d * steps) + 3 * S_OF[dtype]))


S_OF = {np.float64: S64, np.float32: S32, np.float16: 2.0**-24}
RNG = np.random.default_rng(11)
# from 1.0 the plain loop is short for these: every kind of factor below 0.99
FACTORS = [0.5, 0.5000001, 0.49999999, 0.51, 0.75, 0.9, 0.95, 0.99, 0.25, 0.1, 1e-3, 1e-300,
           5e-324, float(np.nextafter(0.5, 1.0)), float(np.nextafter(0.5, 0.0)),
           *RNG.uniform(0.0, 0.99, 12)]
# factors near 1: each from a w0 a few thousand steps above the end
NEAR_ONE = [1 - 1e-7, 0.9999, 0.99999, 1 - 1e-10, 1 - 1e-12, 1 - 1e-15, 1 - 2.0**-52,
            *(1 - 10 ** RNG.uniform(-15, -3, 8))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("flush", [False, True])
def test_steps_until_zero_is_the_plain_loop(dtype, flush):
    assert_matches_plain_loop([1.0] * len(FACTORS) + [-3.0] * len(FACTORS), FACTORS * 2,
                              dtype, flush)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("flush", [False, True])
def test_steps_until_zero_near_one_is_the_plain_loop(dtype, flush):
    factors = [f for f in NEAR_ONE if dtype(f) < 1] + [float(np.nextafter(dtype(1), dtype(0)))]
    w0s = [near_end(f, dtype, flush, RNG.uniform(10, 20_000)) for f in factors]
    assert_matches_plain_loop(w0s, factors, dtype, flush)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_flush_subnormals_at_the_boundary_is_the_plain_loop(dtype):
    # weights at, just above and just below the smallest normal number, where flushing starts:
    # "< tiny" flushes, "== tiny" does not; and weights that land on tiny exactly
    tiny = float(np.finfo(dtype).tiny)
    below, above = (float(np.nextafter(dtype(tiny), dtype(0))),
                    float(np.nextafter(dtype(tiny), dtype(1))))
    w0s = [tiny, -tiny, below, -below, above, 2 * tiny, 4 * tiny, 3 * tiny, tiny, 2 * tiny]
    factors = [1.0, 1.0, 1.0, 0.9, 0.999, 0.5, 0.5, 0.5, 0.75, 0.75]
    assert_matches_plain_loop(w0s, factors, dtype, flush=True)
    assert_matches_plain_loop(w0s, factors, dtype, flush=False)
    # the two modes differ exactly there: tiny * 0.5 is subnormal (kept) or 0.0 (flushed)
    assert steps_until_zero(2 * tiny, 0.5, dtype, flush_subnormals=True) == (True, 2, 0.0)
    assert steps_until_zero(tiny, 1.0, dtype, flush_subnormals=True) == (False, 0, tiny)
    flushed = l2_decay(2 * tiny, 0.5, 3, dtype, flush_subnormals=True)
    np.testing.assert_array_equal(flushed, np.array([2 * tiny, tiny, 0.0, 0.0], dtype=dtype))


@pytest.mark.parametrize("flush", [False, True])
def test_every_float16_factor_is_the_plain_loop(flush):
    factors = np.arange(1, 0x3C00, dtype=np.uint16).view(np.float16).astype(float)
    factors = np.concatenate([factors[::17], factors[-40:]])  # all kinds, and the last 40 below 1
    assert_matches_plain_loop([1.0] * factors.size, factors.tolist(), np.float16, flush)


@pytest.mark.parametrize("flush", [False, True])
def test_closed_form_skip_with_bracket_is_the_plain_loop(monkeypatch, flush):
    # A tiny work budget forces the skip-and-bracket path on cases the plain loop can still run.
    monkeypatch.setattr(decay, "_WORK_BUDGET", 20_000)
    rng = np.random.default_rng(5)
    factors = (1 - 10 ** rng.uniform(-2.7, -1.5, 25)).tolist()
    w0s = (10 ** rng.uniform(-300, -250, 25)).tolist()
    steps, values = plain_loop(w0s, factors, np.float64, flush)
    exact = 0
    for w0, factor, step, value in zip(w0s, factors, steps, values, strict=True):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = steps_until_zero(w0, factor, flush_subnormals=flush)
        assert result.value == value and result.reaches_zero == (value == 0)
        if caught:  # a proven range instead of the exact step: it must hold the truth
            low, high = re.search(r"between ([\d,]+) and ([\d,]+)", str(caught[0].message)).groups()
            assert int(low.replace(",", "")) <= step <= int(high.replace(",", ""))
        else:
            assert result.step == step
            exact += 1
    assert exact >= 20


def test_factors_near_one_answer_without_max_steps():
    # far too many steps for the plain loop: exact by runs, or by the bracket
    assert steps_until_zero(1.0, 0.9999) == (False, 7_357_702, 5000 * S64)
    assert steps_until_zero(1.0, 0.9999, flush_subnormals=True) == (True, 7_083_610, 0.0)
    result = steps_until_zero(1.0, 1 - 2.0**-52)
    assert not result.reaches_zero and result.value == 2**51 * S64 and result.step > 10**18
    result32 = steps_until_zero(1.0, 0.9999, np.float32)
    assert result32 == (False, 946_256, 4999 * S32)


def test_out_of_reach_step_count_warns_with_a_proven_range():
    with pytest.warns(RuntimeWarning, match="out of reach") as caught:
        result = steps_until_zero(1.0, 1 - 1e-7)
    # the value is exact: every subnormal k s with k (1 - f) < 1/2 is a fixed point
    k = round(result.value / S64)
    f = float(1 - 1e-7)
    assert not result.reaches_zero and k * (1 - f) < 0.5 <= (k + 1) * (1 - f)
    low, high = (int(x.replace(",", "")) for x in
                 re.search(r"between ([\d,]+) and ([\d,]+)", str(caught[0].message)).groups())
    assert low <= result.step <= high and high - low < 1000
    assert result.step == pytest.approx(math.log(result.value) / math.log(f), rel=1e-3)


# ---- l2_decay ---------------------------------------------------------------------------------


def test_l2_decay_shape_dtype_and_values():
    w = l2_decay(-2.0, 0.5, 3, np.float32)
    assert w.dtype == np.float32 and w.tolist() == [-2.0, -1.0, -0.5, -0.25]
    assert l2_decay(3.0, 0.9, 0).tolist() == [3.0]
    assert np.all(l2_decay(1.0, 0.9, 7000, flush_subnormals=True)[6724:] == 0.0)
    assert l2_decay(1.0, 0.9, 7000)[6724] > 0.0


# ---- l1_decay ---------------------------------------------------------------------------------


def test_l1_worked_case():
    assert l1_decay(0.1, 0.3, 3).tolist() == [0.1, 0.0, 0.0, 0.0]
    w = l1_decay(0.1, 0.3, 4, clip=False)
    assert w[1] == pytest.approx(-0.2) and w[1] == 0.1 - 0.3  # -0.19999999999999998
    assert w.tolist() == [0.1, 0.1 - 0.3, 0.1, 0.1 - 0.3, 0.1]
    assert l1_decay(0.2, 0.1, 3, clip=False).tolist() == [0.2, 0.1, 0.0, 0.0]  # lands exactly


@FAST
@given(m=st.integers(-5000, 5000), s=st.integers(1, 500))
def test_l1_clip_reaches_zero_in_ceil_steps(m, s):
    w0, step = m / 1024, s / 1024  # dyadic: every subtraction is exact
    n_zero = math.ceil(abs(w0) / step)
    w = l1_decay(w0, step, n_zero + 3)
    assert np.all(w[n_zero:] == 0.0)
    assert np.all(w[:n_zero] != 0.0)
    assert np.all(np.abs(np.diff(np.abs(w))) <= step)
    assert np.all(np.sign(w[:n_zero]) == np.sign(w0))


@FAST
@given(m=st.integers(-5000, 5000), s=st.integers(2, 500))
def test_l1_without_clip_oscillates(m, s):
    if m % s == 0:
        m += 1  # not a multiple of the step: it cannot land on 0
    w0, step = m / 1024, s / 1024
    n_cross = math.ceil(abs(w0) / step)
    w = l1_decay(w0, step, n_cross + 6, clip=False)
    assert np.all(w != 0.0)
    tail = w[n_cross - 1 :]
    assert np.all(np.sign(tail[1:]) == -np.sign(tail[:-1]))  # alternates around 0
    assert np.all(np.abs(tail) < step)


def test_l1_float32():
    w = l1_decay(1.0, 0.25, 5, dtype=np.float32)
    assert w.dtype == np.float32 and w.tolist() == [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]


# ---- 1 - x == 1 -------------------------------------------------------------------------------


def test_smallest_decrement_of_one():
    for dtype, p in ((np.float64, 53), (np.float32, 24), (np.float16, 11)):
        x = smallest_decrement_of_one(dtype)
        assert x == 2.0 ** -(p + 1) * (1 + 2.0 ** -(p - 1))
        one = dtype(1)
        assert one - dtype(x) != one
        assert one - np.nextafter(dtype(x), dtype(0)) == one
        assert one_minus_rounds_to_one(2.0 ** -(p + 1), dtype)  # the tie goes to 1
        assert not one_minus_rounds_to_one(x, dtype)


def test_one_minus_rounds_to_one_examples():
    assert one_minus_rounds_to_one(1e-17)
    assert not one_minus_rounds_to_one(1e-16)
    assert one_minus_rounds_to_one(1e-8, np.float32)
    assert not one_minus_rounds_to_one(1e-8)
    # A decay factor 1 - 1e-17 is exactly 1.0: L2 decay does nothing.
    assert steps_until_zero(1.0, 1 - 1e-17) == (False, 0, 1.0)


# ---- bad input --------------------------------------------------------------------------------

BAD = [
    (steps_until_zero, (np.nan, 0.9), {}, ValueError, "w0"),
    (steps_until_zero, ("1", 0.9), {}, TypeError, "w0"),
    (steps_until_zero, ([1.0], 0.9), {}, TypeError, "w0"),
    (steps_until_zero, (1e300, 0.9), {"dtype": np.float32}, ValueError, "w0"),
    (steps_until_zero, (1.0, 0.0), {}, ValueError, "factor"),
    (steps_until_zero, (1.0, -0.5), {}, ValueError, "factor"),
    (steps_until_zero, (1.0, 1.5), {}, ValueError, "factor"),
    (steps_until_zero, (1.0, np.inf), {}, ValueError, "factor"),
    (steps_until_zero, (1.0, None), {}, TypeError, "factor"),
    (steps_until_zero, (1.0, 0.9), {"dtype": np.int64}, TypeError, "dtype"),
    (steps_until_zero, (1.0, 0.9), {"dtype": "float128ish"}, TypeError, "dtype"),
    (steps_until_zero, (1.0, 0.9), {"max_steps": -1}, ValueError, "max_steps"),
    (steps_until_zero, (1.0, 0.9), {"max_steps": 10.5}, TypeError, "max_steps"),
    (l2_decay, (1.0, 0.9, -1), {}, ValueError, "steps"),
    (l2_decay, (1.0, 0.9, 2.0), {}, TypeError, "steps"),
    (l2_decay, (1.0, 0.0, 2), {}, ValueError, "factor"),
    (l2_decay, (np.inf, 0.9, 2), {}, ValueError, "w0"),
    (l2_decay, (1.0, 0.9, 2), {"dtype": None}, TypeError, "dtype"),
    (l1_decay, (1.0, -0.1, 3), {}, ValueError, "step"),
    (l1_decay, (1.0, 1e6, 3), {"dtype": np.float16}, ValueError, "step"),
    (l1_decay, (1e6, 0.1, 3), {"dtype": np.float16}, ValueError, "w0"),
    (l1_decay, (1.0, np.nan, 3), {}, ValueError, "step"),
    (l1_decay, (1.0, 0.1, -3), {}, ValueError, "steps"),
    (l1_decay, (np.nan, 0.1, 3), {}, ValueError, "w0"),
    (l1_decay, ("a", 0.1, 3), {}, TypeError, "w0"),
    (l1_decay, (1.0, 0.1, 3), {"clip": "yes"}, TypeError, "clip"),
    (l1_decay, (1.0, 0.1, 3), {"dtype": "int8"}, TypeError, "dtype"),
    (one_minus_rounds_to_one, (np.nan,), {}, ValueError, "x"),
    (one_minus_rounds_to_one, ("tiny",), {}, TypeError, "x"),
    (one_minus_rounds_to_one, (1e-3,), {"dtype": int}, TypeError, "dtype"),
    (smallest_decrement_of_one, (np.int32,), {}, TypeError, "dtype"),
    # flags must be real bools: the string "False" is truthy
    (steps_until_zero, (1.0, 0.5), {"flush_subnormals": "False"}, TypeError, "flush_subnormals"),
    (steps_until_zero, (1.0, 0.5), {"flush_subnormals": 0}, TypeError, "flush_subnormals"),
    (steps_until_zero, (1.0, 0.5), {"flush_subnormals": None}, TypeError, "flush_subnormals"),
    (l2_decay, (1.0, 0.5, 3), {"flush_subnormals": "False"}, TypeError, "flush_subnormals"),
    (l1_decay, (1.0, 0.1, 3), {"clip": 1}, TypeError, "clip"),
    # integers too large for a float, and requests with no upper bound
    (steps_until_zero, (10**400, 0.5), {}, ValueError, "w0"),
    (steps_until_zero, (1.0, 10**400), {}, ValueError, "factor"),
    (l2_decay, (1.0, 0.5, 10**8), {}, ValueError, "steps"),
    (l2_decay, (1.0, 0.5, 10**400), {}, ValueError, "steps"),
    (l1_decay, (1.0, 0.1, 10**7), {}, ValueError, "steps"),
    (l1_decay, (-(10**400), 0.1, 3), {}, ValueError, "w0"),
    (one_minus_rounds_to_one, (10**400,), {}, ValueError, "x"),
    # numpy files timedelta64 under integers and bool under numbers: neither is a weight
    (steps_until_zero, (np.timedelta64(1, "s"), 0.5), {}, TypeError, "w0"),
    (l2_decay, (1.0, 0.5, np.timedelta64(3, "s")), {}, TypeError, "steps"),
    (l1_decay, (1.0, np.datetime64("2020-01-01"), 3), {}, TypeError, "step"),
    (l2_decay, (1.0, 0.5, np.True_), {}, TypeError, "steps"),
    (steps_until_zero, (1.0, 0.5), {"max_steps": np.timedelta64(3)}, TypeError, "max_steps"),
    (steps_until_zero, (1.0, 0.5), {"max_steps": 1.0}, TypeError, "max_steps"),
    (steps_until_zero, (1.0, 0.5), {"dtype": np.zeros(2)}, TypeError, "dtype"),  # its .dtype
]


@pytest.mark.parametrize("func, args, kwargs, exc, name", BAD)
def test_bad_input_names_the_argument(func, args, kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name} "):
        func(*args, **kwargs)


@pytest.mark.parametrize("factor", [0.5, 0.625, 0.75, 0.875, 0.9375, 0.95, 0.99])
def test_a_run_drop_rounds_ties_to_even(factor):
    # D(k) = k - round(k * factor), rounded as float arithmetic rounds: to nearest, ties to even.
    # Factors with a small power-of-two denominator put k * factor exactly on a half for many k.
    from fractions import Fraction

    stepper = decay._Decay(factor, np.dtype(np.float64), False)
    exact = Fraction(factor)
    for k in range(1, 2000):
        assert stepper.drop(k) == k - round(k * exact), (factor, k)  # round(): ties to even


def test_out_of_reach_with_flush_to_zero_reaches_zero():
    # the same out-of-reach count as above, but flushing: the weight ends at exactly 0.0
    with pytest.warns(RuntimeWarning, match="out of reach"):
        result = steps_until_zero(-1.0, 1 - 1e-7, flush_subnormals=True)
    assert result.reaches_zero and result.value == 0.0
    assert math.copysign(1.0, result.value) == -1.0  # -0.0: the sign of w0 is kept
    assert result.step == pytest.approx(math.log(np.finfo(np.float64).tiny) / math.log(1 - 1e-7),
                                        rel=1e-3)


def _plain_loop_and_bracket(w0, factor, n):
    """The plain loop's float64 w_n, and the closed-form skip's bracket [L, U] for it."""
    w = w0
    for _ in range(n):
        w *= factor
    return w, *decay._Decay(factor, np.dtype(np.float64), False).bracket(w0, n)


@pytest.mark.parametrize("w0, factor, n", [
    *((1.0, factor, n) for factor in (0.9999, 0.99999, 1 - 2.0**-20)
      for n in (1_000, 20_000, 60_000)),
    # long enough that the rounding bound n * u (1e-10) is ten times the margins: a bound
    # drawn on the wrong side of the exact value no longer hides inside them
    (1.0, 0.99999, 1_000_000),
    # from a large w0: factor**n alone (e**-800) underflows to 0.0, w0 * factor**n does not
    (1e300, 0.999, 800_000),
])
def test_closed_form_bracket_holds_the_plain_loop_and_is_tight(w0, factor, n):
    # The skip's bracket [L, U] must hold the exact w_n, and be no wider than its proof allows:
    # a relative rounding of at most u = 2**-53 per step on each side, plus the 1e-11 margins.
    w, low, high = _plain_loop_and_bracket(w0, factor, n)
    assert low <= w <= high
    assert (high - low) / w <= 2 * n * 2.0**-53 * 1.01 + 2.2e-11


@pytest.mark.parametrize("w0, factor, n", [
    (1e-310, 0.999, 5000), (1e-310, 0.99, 1500), (3e-320, 0.999, 3000), (1e-320, 0.999, 10),
])
def test_closed_form_bracket_holds_the_plain_loop_in_the_subnormals(w0, factor, n):
    # Among the subnormals a step rounds by up to half a subnormal s, not by a relative u: the
    # bracket follows x <- f (1 -+ u) x -+ s / 2, whose fixed points c = s / (2 (1 - f (1 -+ u)))
    # it must carry (about 500 s for f = 0.999, against a relative margin of 1e-11 w). After n
    # steps the two sequences are apart by 2 n u w from the rounding, plus (c_up + c_down)
    # (1 - f**n) from the half subnormals, plus the margins.
    w, low, high = _plain_loop_and_bracket(w0, factor, n)
    assert low <= w <= high
    half_subnormals = S64 / (1 - factor) * (1 - factor**n)  # to first order in u
    assert high - low <= w * (2 * n * 2.0**-53 + 2.2e-11) * 1.01 + half_subnormals * 1.01 + 10 * S64

@pytest.mark.parametrize("w0", [1.0, 1e300, 1e-300])
@pytest.mark.parametrize("factor", [1 - 10**-10.75, 1 - 1e-11, 1 - 10**-10.25])
def test_skip_stops_above_the_subnormals_when_a_run_from_there_is_affordable(w0, factor):
    # As skip() documents: far enough that a run costs at most a third of the budget, but not
    # into the subnormals (where the bracket's half-subnormal terms widen it) when a run from
    # just above them costs at most 1.5 budgets. Read off the bracket: its lower end is normal.
    stepper = decay._Decay(factor, np.dtype(np.float64), False)
    tiny, budget = float(np.finfo(np.float64).tiny), decay._WORK_BUDGET
    n = stepper.skip(w0)
    low, high = stepper.bracket(w0, n)
    if stepper.work(2 * tiny) <= 1.5 * budget:
        assert stepper.work(2 * tiny) > budget / 3  # (else the skip could stop above anyway)
        assert low >= tiny
    else:  # a run from tiny is too long: the skip goes on, to a third of the budget
        assert low < tiny
        assert stepper.work(low) <= budget / 3 <= stepper.work(high)


def _result_and_range(w0, factor, flush):
    """steps_until_zero, and the range its warning gives (just ``[step, step]`` if exact)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = steps_until_zero(w0, factor, flush_subnormals=flush)
    if not caught:
        return result, result.step, result.step
    assert len(caught) == 1 and "out of reach" in str(caught[0].message)
    low, high = re.search(r"between ([\d,]+) and ([\d,]+)", str(caught[0].message)).groups()
    return result, int(low.replace(",", "")), int(high.replace(",", ""))


@pytest.mark.parametrize("factor, flush, out_of_reach", [
    (0.9999, False, False), (0.9999, True, False), (1 - 1e-6, False, True),
])
def test_count_from_a_large_w0_adds_the_way_down_to_one(factor, flush, out_of_reach):
    # Independent of the closed form: from w0 the decay first spends log(w0) / -log(f) steps
    # (give or take one, and the rounding: at most n u / (1 - f) steps) coming down to about
    # 1, then decays as from 1.0. (The bracket once computed f**n first, which underflows
    # from w0 = 1e300: a warning with a range millions of steps short, even for 0.9999.)
    one, low1, high1 = _result_and_range(1.0, factor, flush)
    result, low, high = _result_and_range(1e300, factor, flush)
    assert (low1 < high1) == (low < high) == out_of_reach  # as documented: 1 - f < 3e-6
    assert result.value == one.value and result.reaches_zero == one.reaches_zero
    down_to_one = math.log(1e300) / -math.log(factor)
    slack = (high1 - low1) / 2 + (high - low) / 2 + down_to_one * 2.0**-53 / (1 - factor) + 2
    assert abs(result.step - one.step - down_to_one) <= slack
    assert low <= result.step <= high


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_outward_rounds_to_the_neighbouring_float_on_the_asked_side(dtype):
    # The bracket's ends are rounded outward: to the nearest float of dtype at or above x (up)
    # or at or below x (down); a float of dtype is its own answer. Derived with nextafter.
    stepper = decay._Decay(0.9, np.dtype(dtype), False)
    tiny, s = float(np.finfo(dtype).tiny), S_OF[dtype]
    for x in [1.0, 0.75, 1.0 / 3.0, tiny, 3 * s, s, 0.0, float(np.nextafter(dtype(1), dtype(2)))]:
        x = float(dtype(x))
        assert stepper.outward(x, up=True) == x and stepper.outward(x, up=False) == x
    if dtype == np.float64:
        return  # every Python float is a float64
    for x in [1.0 + 1e-5, 1.0 / 3.0, tiny * 1.3, 2.5 * s, 0.4 * s]:
        near = float(dtype(x))  # round to nearest: one neighbour of x
        other = float(np.nextafter(dtype(near), dtype(2.0 if near < x else 0.0)))
        below, above = min(near, other), max(near, other)
        assert below < x < above
        assert stepper.outward(x, up=True) == above and stepper.outward(x, up=False) == below


def _work_of_run(stepper, w):
    """The work units run() spends from w to the end: the smallest budget it finishes within
    (run returns None above its budget), found by bisection."""
    low, high = 0, 64
    while stepper.run(w, 0, high) is None:
        high *= 2
    while low < high:
        middle = (low + high) // 2
        if stepper.run(w, 0, middle) is None:
            low = middle + 1
        else:
            high = middle
    return low


SUBNORMAL = {np.float64: 1e-310, np.float32: 2.0**-130, np.float16: 2.0**-20}


@pytest.mark.parametrize("flush", [False, True])
@pytest.mark.parametrize("dtype, factor", [
    *((dtype, factor) for dtype in (np.float64, np.float32, np.float16)
      for factor in (0.5, 0.75, 0.9, 0.99)),
    (np.float16, 0.999),  # runs of equal drops from the normal range down (2**10 * d < ...)
    (np.float64, 1.0), (np.float16, 1e-10),  # a factor of 1.0, one that rounds to 0.0: one step
])
def test_work_estimate_is_the_work_run_spends(dtype, factor, flush):
    # steps_until_zero chooses between the plain loop and the closed-form skip, and how far to
    # skip, by work(w), the estimated work units of run(w): an estimate off by a factor would
    # send it down the wrong path (slower, or out of budget) with the same answer. Measured
    # against run's own budget: from 1.0, 1e4 and a subnormal, within 0.7x to 2.1x (plain steps
    # count 2 units each in the estimate, 1 to 2 in run), give or take a few steps.
    factor = float(dtype(factor))
    assert 0.0 <= factor <= 1.0
    stepper = decay._Decay(factor, np.dtype(dtype), flush)
    for w0 in (1.0, 1e4, SUBNORMAL[dtype]):
        w = float(dtype(w0))
        if flush and w < np.finfo(dtype).tiny:
            assert stepper.work(w) == 0.0  # flushed to 0.0 at once
            continue
        spent = _work_of_run(stepper, w)
        assert 0.7 * spent - 10 <= stepper.work(w) <= 2.1 * spent + 200, (w, spent)
