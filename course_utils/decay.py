"""Zeno's paradox in floating point: L2 decay shrinks a weight, L1 steps zero it.

A gradient step on ``alpha ||w||_2^2`` multiplies a weight by a fixed factor,
``w <- (1 - 2 eta alpha) w``; a clipped step on ``alpha ||w||_1`` subtracts a constant,
``w <- sign(w) max(|w| - eta alpha, 0)``. These functions run both recurrences exactly as a
computer does, in a chosen dtype with IEEE round-to-nearest-even, so that the notebook can show
which one produces exact zeros.

The factor-0.5 rule
-------------------
Below the smallest normal number the floats of a dtype are the multiples ``k s`` of the smallest
subnormal ``s`` (``s = 2**-1074`` in float64, ``2**-149`` in float32), evenly spaced. There one
step maps ``k s`` to ``round(k f) s``, with ``f`` the factor in the dtype. The weight stops moving
when ``round(k f) = k``, that is when ``k (1 - f) < 1/2`` (or ``= 1/2`` with ``k`` even):

- ``f > 1/2``: at ``k = 1``, ``s f`` is nearer to ``s`` than to 0 and rounds back to ``s``, so
  the decay stalls on a subnormal for ever, at some ``k < 1 / (2 (1 - f))``;
- ``f = 1/2``: ``s / 2`` is a tie between 0 and ``s``; ties go to the even neighbour, 0;
- ``f < 1/2``: every ``k s`` moves down, and the weight reaches exactly 0.0.

Which ``k`` is hit depends on the rounded factor: float64 ``0.9`` is slightly *above* 0.9, so
``5 s * f = 4.5000...01 s`` rounds up to ``5 s`` and the decay stalls at ``5 * 2**-1074``
(step 7,050 from 1.0); float32 ``0.9`` is slightly *below*, so ``5 s`` moves to ``4 s`` and
stays there (step 964 from 1.0).

These results assume the IEEE default mode. A process that runs with flush-to-zero /
denormals-are-zero (set by some libraries built with ``-ffast-math``, and by some GPUs) treats
subnormals as 0.0; ``flush_subnormals=True`` simulates that mode.
"""

from __future__ import annotations

import math
import warnings
from typing import NamedTuple

import numpy as np

from ._validation import check_bool, check_dtype, check_int, check_scalar

__all__ = [
    "ZenoResult",
    "l2_decay",
    "l1_decay",
    "steps_until_zero",
    "one_minus_rounds_to_one",
    "smallest_decrement_of_one",
]

DTYPES = (np.float64, np.float32, np.float16)
MAX_STEPS = 1_000_000  # l2_decay and l1_decay return every step: 8 MB and about a second at most


class ZenoResult(NamedTuple):
    """Outcome of :func:`steps_until_zero`."""

    reaches_zero: bool
    step: int
    value: float


def _in_dtype(value: float, name: str, dtype: np.dtype):
    """Round a checked float to ``dtype``; raise naming ``name`` if it overflows to infinity."""
    with np.errstate(over="ignore"):
        rounded = dtype.type(value)
    if not np.isfinite(rounded):
        raise ValueError(f"{name} must be representable in {dtype.name}, got {value}.")
    return rounded


def _start(w0, factor, dtype):
    """Check the common arguments; return ``w0`` and ``factor`` rounded to ``dtype``."""
    dtype = check_dtype(dtype, "dtype", DTYPES)
    w0 = check_scalar(w0, "w0", low=None)
    factor = check_scalar(factor, "factor", low=0.0, low_inclusive=False, high=1.0)
    return _in_dtype(w0, "w0", dtype), dtype.type(factor), dtype


def _step(w, factor, tiny, flush_subnormals):
    """One decay step in the dtype of ``w``, optionally flushing a subnormal result to zero."""
    w = w * factor  # numpy scalars of one dtype: computed and rounded in that dtype
    return w * type(w)(0) if flush_subnormals and abs(w) < tiny else w  # keeps the sign of zero


def l2_decay(w0, factor, steps, dtype=np.float64, *, flush_subnormals=False) -> np.ndarray:
    """Run ``w <- factor * w`` for ``steps`` steps in ``dtype``.

    Parameters
    ----------
    w0 : float
        Starting weight, first rounded to ``dtype``.
    factor : float
        Decay factor in ``(0, 1]``, first rounded to ``dtype``; a gradient step of size ``eta``
        on ``alpha w**2`` gives ``factor = 1 - 2 * eta * alpha``.
    steps : int
        Number of steps, ``0 <= steps <= MAX_STEPS`` (one million).
    dtype : {np.float64, np.float32, np.float16}, default=np.float64
        The arithmetic: every product is rounded to ``dtype`` (round to nearest, ties to even).
    flush_subnormals : bool, default=False
        Replace a subnormal result by 0.0, as a CPU in flush-to-zero mode does.

    Returns
    -------
    numpy.ndarray of ``dtype``, length ``steps + 1``
        ``w_0, w_1, ..., w_steps``. This is the rounded recurrence, not the closed form
        ``factor**n * w0``, which rounds differently.
    """
    w, factor, dtype = _start(w0, factor, dtype)
    steps = check_int(steps, "steps", high=MAX_STEPS)
    flush_subnormals = check_bool(flush_subnormals, "flush_subnormals")
    tiny = np.finfo(dtype).tiny
    # a subnormal w0 is flushed too; dtype.type(1), since numpy 1.x widens float32 * 1 to float64
    w = _step(w, dtype.type(1), tiny, flush_subnormals)
    out = np.empty(steps + 1, dtype=dtype)
    for n in range(steps + 1):
        out[n] = w
        w = _step(w, factor, tiny, flush_subnormals)
    return out


# ---- steps_until_zero: the plain loop, made fast ----------------------------------------------
#
# The plain loop ``w = dtype(w * factor)`` takes about 745 / (1 - factor) steps in float64 (7e9
# for a factor of 1 - 1e-7): far too many to run one by one. Three facts make it cheap:
#
# 1. Runs. Where the floats are evenly spaced (one binade, or the subnormals), a weight ``k``
#    units above zero moves to ``round(k * factor)``: it drops by ``D(k) = k - round(k * factor)``
#    units, and D is non-decreasing in k. While D stays the same the weight falls by the same
#    amount each step, so a whole run of equal drops is one subtraction.
# 2. Monotone rounding. ``T(w) = dtype(w * factor)`` is non-decreasing in ``w``: if
#    ``L <= w <= U`` then ``T^n(L) <= T^n(w) <= T^n(U)`` for every n, and so the step at which
#    the decay ends is between those of L and U.
# 3. A rigorous closed form. Each step rounds once, by at most ``2**-p`` relative (normal
#    results) or half a subnormal (subnormal ones), so ``w_n`` lies between two geometric
#    sequences. Skipping n steps with them gives a bracket [L, U]; run exactly from both ends,
#    it gives the exact step count whenever both ends finish at the same step.
#
# The stall value needs none of this: every subnormal ``k <= k0`` (``D(k) = 0``) is a fixed point
# and every larger weight reaches ``k0`` exactly, since ``T(k0 + 1) = k0`` and T is monotone.

# Work is counted in plain float64 steps (about 60 ns each, measured); counted, not timed, so that
# the answer never depends on the machine.
_WORK_BUDGET = 5_000_000
_PLAIN_COST = {8: 1, 4: 7, 2: 7}  # float32/float16 products are rounded by hand, in float64
_RUN_COST = 30  # one run of equal drops: a few Python integer operations


def _geometric(a, log_rate):
    """``a * exp(log_rate)``, computed as one ``exp`` so that it does not underflow early.

    ``exp(log_rate)`` alone underflows (to a subnormal, then to 0.0) when a large ``a`` is
    decayed down to the subnormals: from ``w0 = 1e300`` that loses every digit.
    """
    if a == 0.0:
        return 0.0
    return math.copysign(math.exp(log_rate + math.log(abs(a))), a)


class _Decay:
    """The plain loop ``w = dtype(w * factor)`` on ``|w|``, exact, with runs skipped in one go.

    Weights are Python floats holding values of ``dtype``: the product of two float32 (or
    float16) numbers is exact in float64, and is then rounded to ``dtype`` by :meth:`round`.
    """

    def __init__(self, factor, dtype, flush):
        info = np.finfo(dtype)
        self.p = info.nmant + 1  # precision in bits: 53, 24, 11
        self.etiny = int(info.minexp) - info.nmant  # exponent of the smallest subnormal
        self.s = math.ldexp(1.0, self.etiny)
        self.tiny = float(info.tiny)
        self.f = float(factor)
        self.native = dtype == np.float64  # Python floats are float64: w * f is already rounded
        self.flush = flush
        self.plain_cost = _PLAIN_COST[dtype.itemsize]
        self.a, self.b = self.f.as_integer_ratio()  # factor = a / b exactly, b a power of two
        self.d = 1.0 - self.f  # exact for factor in [0.5, 1]
        # below this many units a run of equal drops is at least two steps long
        self.run_limit = math.inf if self.d == 0 else 1.0 / (2.0 * self.d * self.d)
        all_plain = self.run_limit < 2 ** (self.p - 1)  # no runs above the subnormals
        self.plain_above = self.run_limit * self.s if all_plain else math.inf
        self.k0 = self.kmin(1) - 1 if self.f >= 0.5 and self.f < 1.0 else 0
        self.stall = self.k0 * self.s  # every subnormal <= stall is a fixed point

    # -- one exact step
    def round(self, x):
        """Round an exact float64 ``x >= 0`` to ``dtype``, to nearest, ties to even."""
        if x == 0.0:
            return x
        e = max(math.frexp(x)[1] - self.p, self.etiny)
        return math.ldexp(round(math.ldexp(x, -e)), e)  # round(): ties to even

    def step(self, w):
        w = w * self.f if self.native else self.round(w * self.f)
        return 0.0 if self.flush and w < self.tiny else w

    # -- runs of equal drops
    def drop(self, k):
        """``D(k) = k - round(k * factor)`` in units of one evenly spaced stretch."""
        q, r = divmod(k * self.a, self.b)
        if 2 * r > self.b or (2 * r == self.b and q & 1):
            q += 1
        return k - q

    def kmin(self, q):
        """The smallest ``k >= 1`` with ``D(k) >= q`` (D is non-decreasing, steps of 0 or 1)."""
        k = max(1, (2 * q - 1) * self.b // (2 * (self.b - self.a)))
        while k > 1 and self.drop(k - 1) >= q:
            k -= 1
        while self.drop(k) < q:
            k += 1
        return k

    def run(self, w, n, budget):
        """Step from ``w`` (at step ``n``) until 0.0 or a fixed point: ``(w_end, n_end)``.

        Returns None if that costs more than ``budget`` work units.
        """
        spent = 0
        while spent <= budget:
            # far above the runs: the plain loop itself, as tight as Python allows
            last = n + (budget - spent) // self.plain_cost
            start = n
            if self.native:
                f, tiny = self.f, (self.tiny if self.flush else 0.0)
                while w > self.plain_above and n < last:
                    w_next = w * f
                    if w_next == w:
                        return w, n
                    w, n = (w_next if w_next >= tiny else 0.0), n + 1
            else:
                while w > self.plain_above and n < last:
                    w_next = self.step(w)
                    if w_next == w:
                        return w, n
                    w, n = w_next, n + 1
            spent += (n - start) * self.plain_cost
            if w == 0.0:
                return w, n
            w_next = self.step(w)
            if w_next == w:
                return w, n
            spent += self.plain_cost
            e = max(math.frexp(w)[1] - self.p, self.etiny)
            k = int(math.ldexp(w, -e))
            if k > self.run_limit or w_next == 0.0:
                w, n = w_next, n + 1
                continue
            # an evenly spaced stretch: units of 2**e, and k units above zero
            q = k - int(math.ldexp(w_next, -e))
            # stay in this stretch; with flush-to-zero, stay normal (the lowest binade and the
            # subnormals share one spacing)
            if e != self.etiny:
                floor = (1 << (self.p - 1)) + 1
            else:
                floor = 1 << (self.p - 1) if self.flush else 1
            jumps = min((k - self.kmin(q)) // q + 1, (k - floor) // q)
            spent += _RUN_COST
            if jumps <= 1:
                w, n = w_next, n + 1
            else:
                w, n = math.ldexp(float(k - jumps * q), e), n + jumps
        return None

    # -- how much work, and a rigorous bracket after a skip
    def work(self, w):
        """Estimated work units of :meth:`run` from ``w`` down to the end."""
        if w <= self.stall or w == 0.0 or (self.flush and w < self.tiny):
            return 0.0
        if self.f == 0.0 or self.f == 1.0:  # a factor that rounds to 0.0 or 1.0: one step
            return 1.0
        per_octave = math.log(2.0) / -math.log(self.f)
        total = 0.0
        if w >= self.tiny:
            octaves = math.log2(w) - math.log2(self.tiny)  # (w / tiny overflows for w >= 4)
            k = 2.0 ** (self.p - 1)  # runs in a binade: D goes from k d to 2 k d
            if k > self.run_limit:
                total += octaves * (per_octave + 1.0) * self.plain_cost
            else:
                total += octaves * (k * self.d + 2.0) * (_RUN_COST + self.plain_cost)
            if self.flush:
                return total
            w = self.tiny
        top = w / self.s
        bottom = max(1.0, float(self.k0))
        while top > bottom:  # octaves of subnormals, k units above zero
            k = 0.75 * top
            if k > self.run_limit:
                total += (per_octave + 1.0) * self.plain_cost
            else:
                total += (k * self.d + 2.0) * (_RUN_COST + self.plain_cost)
            top /= 2.0
        return total

    def bracket(self, w0, n):
        """Floats ``L <= w_n <= U`` of ``dtype`` for the rounded recurrence from ``w0 > 0``.

        Each step is ``w * f`` times ``(1 + e)`` with ``|e| <= u = 2**-p``, plus at most half a
        subnormal: ``w_n`` is between the solutions of ``x <- f (1 -+ u) x -+ s / 2``.
        """
        u, log_f = math.ldexp(1.0, -self.p), math.log1p(-self.d)
        # fixed points c = (s / 2) / (1 - f (1 -+ u)); s / 2 itself would round to 0.0
        c_up = 0.5 / (self.d - self.f * u) * self.s
        c_down = 0.5 / (self.d + self.f * u) * self.s
        up = _geometric(w0 - c_up, n * (log_f + math.log1p(u))) + c_up
        down = _geometric(w0 + c_down, n * (log_f + math.log1p(-u))) - c_down
        # float evaluation of exp, log and the products: a margin far below the bound's width
        up, down = up * (1.0 + 1e-11) + 4 * self.s, down * (1.0 - 1e-11) - 4 * self.s
        return self.outward(max(down, 0.0), up=False), self.outward(up, up=True)

    def skip(self, w0):
        """Steps to skip in closed form before the exact runs from both ends of the bracket.

        Far enough that each run costs at most ``_WORK_BUDGET / 3``; but not into the
        subnormals when a run from just above them costs at most ``1.5 * _WORK_BUDGET``: there
        the bracket is much tighter (relative error only), so both ends usually agree.
        """
        steps = (math.log(w0) - math.log(self.tiny)) / -math.log(self.f)
        normal = self.tiny * math.exp(4.0 * steps * math.ldexp(1.0, -self.p) + 1e-9)
        # with flush-to-zero the bracket holds only while the weight is normal
        if self.flush or self.work(normal) <= 1.5 * _WORK_BUDGET:
            if self.work(normal) > _WORK_BUDGET / 3:
                return max(0, math.floor((math.log(w0) - math.log(normal)) / -math.log(self.f)))
            floor = normal
        else:
            floor = max(self.stall, self.s)
        top, bottom = math.log(w0), math.log(floor)
        for _ in range(60):  # bisection in log scale; work() grows with w
            middle = (top + bottom) / 2.0
            if self.work(math.exp(middle)) > _WORK_BUDGET / 3:
                top = middle
            else:
                bottom = middle
        return max(0, math.floor((math.log(w0) - bottom) / -math.log(self.f)))

    def outward(self, x, up):
        """The nearest value of ``dtype`` at or above (``up``) or at or below ``x``."""
        r = self.round(x)
        if (r < x) if up else (r > x):
            e = max(math.frexp(r if r > 0 else self.s)[1] - self.p, self.etiny)
            r += math.ldexp(1.0 if up else -1.0, e)
            r = max(r, 0.0)
        return r


def steps_until_zero(
    w0, factor, dtype=np.float64, max_steps=None, *, flush_subnormals=False
) -> ZenoResult:
    """Multiply ``w`` by ``factor`` until it is exactly 0.0 or stops changing.

    Parameters
    ----------
    w0 : float
        Starting weight, first rounded to ``dtype``.
    factor : float
        Decay factor in ``(0, 1]``, first rounded to ``dtype``.
    dtype : {np.float64, np.float32, np.float16}, default=np.float64
        The arithmetic: every product is rounded to ``dtype`` (round to nearest, ties to even).
    max_steps : int, optional
        Raise ``RuntimeError`` if the answer is beyond this step. Not needed: every factor is
        answered without it, in well under a second.
    flush_subnormals : bool, default=False
        Treat subnormal results (and a subnormal ``w0``) as 0.0, as in flush-to-zero mode.

    Returns
    -------
    ZenoResult
        ``reaches_zero`` is True when ``w`` became exactly 0.0, at step ``step`` (``value`` is
        then 0.0, or -0.0 for a negative ``w0``; both compare equal to 0.0). Otherwise ``w``
        stalled: ``value`` is the value it is stuck at and ``step`` the first step at which it
        had that value (``w_step == w_{step+1} == ...``). Exactly what the plain loop
        ``w = dtype(w * factor)`` gives.

    Raises
    ------
    RuntimeError
        If ``max_steps`` is given and the answer is beyond it.

    Warns
    -----
    RuntimeWarning
        When the exact step count is out of reach: float64 with ``1 - factor`` between about
        5e-14 and 3e-6 (measured from ``w0 = 1``; 5e-7 with ``flush_subnormals=True``), that is
        10**8 to 10**16 steps. ``value`` and ``reaches_zero`` are still exact, and ``step`` is
        the middle of a proven range ``[low, high]`` given in the message (from ``w0 = 1``: 295
        steps wide for ``1 - 1e-7``, 16 with ``flush_subnormals=True``; about 2e-3 of the count
        near 1 - 1e-13). float32 and float16 are always exact.

    Notes
    -----
    The sequence ``|w_n|`` never increases, because rounding is monotone; so it either reaches
    0.0 or stops on a fixed point, never cycles. Special cases: ``w0 = 0`` gives ``(True, 0,
    0.0)``; ``factor = 1`` (or a factor that rounds to 1 in ``dtype``) stalls at step 0 on ``w0``.
    With ``w0 = 1.0``, measured:

    ========  =======  ==========================  ==========================
    factor    dtype    result                      flush_subnormals=True
    ========  =======  ==========================  ==========================
    0.9       float64  stalls at 5 s, step 7,050   0.0 at step 6,724
    0.99      float64  stalls at 49 s, step 73,671 0.0 at step 70,485
    0.51      float64  stalls at s, step 1,106     0.0 at step 1,053
    0.5       float64  0.0 at step 1,075           0.0 at step 1,023
    0.49      float64  0.0 at step 1,044           0.0 at step 994
    0.9       float32  stalls at 4 s, step 964     0.0 at step 829
    0.99      float32  stalls at 50 s, step 9,876  0.0 at step 8,690
    0.5       float32  0.0 at step 150             0.0 at step 127
    ========  =======  ==========================  ==========================

    Here ``s`` is the smallest subnormal of the dtype (``2**-1074``, ``2**-149``). See the module
    docstring for the factor-0.5 rule behind this table.

    How it stays fast: the comment above ``_Decay`` in the source. In short, the plain loop is
    run exactly, a run of equal drops at a time, after a closed-form skip whose rigorous error
    bracket is run exactly from both ends.
    """
    w, factor, dtype = _start(w0, factor, dtype)
    if max_steps is not None:
        max_steps = check_int(max_steps, "max_steps")
    flush_subnormals = check_bool(flush_subnormals, "flush_subnormals")
    w = _step(w, dtype.type(1), np.finfo(dtype).tiny, flush_subnormals)  # a subnormal w0 too
    sign, w = math.copysign(1.0, float(w)), abs(float(w))
    decay = _Decay(factor, dtype, flush_subnormals)
    n, w_high, bracket_holds = 0, w, True
    if decay.work(w) <= _WORK_BUDGET or not decay.native:
        # float32 and float16 always run exactly: their rounding (2**-24 per step) is too coarse
        # for a useful bracket, and they need at most about 8 million work units.
        low = high = decay.run(w, 0, 4 * _WORK_BUDGET)
    else:
        n = decay.skip(w)
        w_low, w_high = decay.bracket(w, n)
        bracket_holds = not (decay.flush and w_low < decay.tiny)  # (not seen) flushed in the skip
        low = decay.run(w_low, n, 2 * _WORK_BUDGET)
        high = decay.run(w_high, n, 2 * _WORK_BUDGET)
    if low is not None and low == high and bracket_holds:
        w, step = low
    else:  # out of reach: the value is known, the step only within [low, high]
        w = 0.0 if decay.flush or decay.k0 == 0 else decay.stall
        steps = [end[1] for end in (low, high) if end is not None]
        if len(steps) < 2:  # (not seen) a run over budget: the closed form instead
            target = decay.tiny if decay.flush else max(w, decay.s)
            steps = [n + math.ceil(math.log(w_high / target) / -math.log(decay.f))] * 2
        step = (steps[0] + steps[1]) // 2
        warnings.warn(
            f"steps_until_zero: with factor {float(factor)!r} in {dtype.name} the exact step "
            f"count is out of reach (about {step:.3g} steps); it is between {steps[0]:,} and "
            f"{steps[1]:,}, and step={step:,} is their middle. value and reaches_zero are exact.",
            RuntimeWarning,
            stacklevel=2,
        )
    if max_steps is not None and step > max_steps:
        raise RuntimeError(
            f"w neither reached 0.0 nor stalled within max_steps={max_steps} steps "
            f"(it does at step {step:,})."
        )
    return ZenoResult(w == 0.0, step, math.copysign(w, sign))


def l1_decay(w0, step, steps, clip=True, dtype=np.float64) -> np.ndarray:
    """Run constant L1 steps ``w <- w - step * sign(w)`` for ``steps`` steps in ``dtype``.

    Parameters
    ----------
    w0 : float
        Starting weight, first rounded to ``dtype``.
    step : float
        Size of one L1 step, ``>= 0`` (``eta * alpha`` for a gradient step of size ``eta``).
    steps : int
        Number of steps, ``0 <= steps <= MAX_STEPS`` (one million).
    clip : bool, default=True
        Clip a step that would cross zero to exactly 0.0 (soft-thresholding, the truncated
        gradient): ``w <- sign(w) * max(|w| - step, 0)``. With ``clip=False`` the plain
        subgradient step overshoots.
    dtype : {np.float64, np.float32, np.float16}, default=np.float64
        The arithmetic.

    Returns
    -------
    numpy.ndarray of ``dtype``, length ``steps + 1``
        ``w_0, w_1, ..., w_steps``.

    Notes
    -----
    With ``clip=True`` the weight reaches exactly 0.0 after ``ceil(|w0| / step)`` steps and stays
    there. That count is exact when the subtractions are exact (for example when ``w0`` and
    ``step`` are small multiples of a power of two); with decimal inputs each subtraction rounds,
    and about 2 % of random cases take one step more or one fewer (``w0=5.6, step=0.1``: 57
    steps, not 56).

    With ``clip=False`` the weight overshoots zero and then jumps between two values of opposite
    sign for ever; it lands on 0.0 only if the rounded subtractions happen to hit it exactly
    (``w0=0.2, step=0.1``). Worked case, ``w0=0.1, step=0.3``: clipped, ``w_1 = 0.0``;
    unclipped, ``w_1 = 0.1 - 0.3 = -0.19999999999999998`` (not quite -0.2), then
    ``0.1, -0.19999999999999998, ...``.
    """
    dtype = check_dtype(dtype, "dtype", DTYPES)
    w0 = check_scalar(w0, "w0", low=None)
    step = check_scalar(step, "step")
    steps = check_int(steps, "steps", high=MAX_STEPS)
    clip = check_bool(clip, "clip")
    w, step = _in_dtype(w0, "w0", dtype), _in_dtype(step, "step", dtype)
    out = np.empty(steps + 1, dtype=dtype)
    for n in range(steps + 1):
        out[n] = w
        if clip:
            w = np.sign(w) * max(abs(w) - step, dtype.type(0))
        else:
            w = w - step * np.sign(w)
    return out


def one_minus_rounds_to_one(x, dtype=np.float64) -> bool:
    """Whether ``1 - x`` rounds back to exactly 1 in ``dtype``.

    Parameters
    ----------
    x : float
        The amount subtracted, first rounded to ``dtype``.
    dtype : {np.float64, np.float32, np.float16}, default=np.float64

    Returns
    -------
    bool

    Notes
    -----
    A decay factor ``1 - 2 eta alpha`` with a tiny ``eta alpha`` can round to exactly 1.0: then
    L2 decay does nothing at all. ``smallest_decrement_of_one`` gives the threshold.
    """
    dtype = check_dtype(dtype, "dtype", DTYPES)
    x = check_scalar(x, "x", low=None)
    one = dtype.type(1)
    return bool(one - dtype.type(x) == one)


def smallest_decrement_of_one(dtype=np.float64) -> float:
    """The smallest positive ``x`` of ``dtype`` with ``1 - x != 1`` in ``dtype``, found by search.

    Parameters
    ----------
    dtype : {np.float64, np.float32, np.float16}, default=np.float64

    Returns
    -------
    float
        float64: ``2**-54 * (1 + 2**-52)``, about 5.55e-17; float32: ``2**-25 * (1 + 2**-23)``,
        about 2.98e-8; float16: ``2**-12 * (1 + 2**-10)``, about 2.44e-4.

    Notes
    -----
    Just below 1 the floats are ``2**-53`` apart (float64). ``1 - x`` for ``x`` up to half that
    gap rounds back to 1; exactly half, ``2**-54``, is a tie and goes to the even neighbour, 1.
    So the answer is the next float above ``2**-54``. We find it by bisection over bit patterns
    (positive floats sort like their bit patterns read as unsigned integers), not by formula.
    """
    dtype = check_dtype(dtype, "dtype", DTYPES)
    uint = {2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize]
    one = dtype.type(1)

    def as_float(bits):
        return np.array(bits, dtype=uint).view(dtype)[()]

    lo, hi = 0, int(np.array(one, dtype=dtype).view(uint))  # 1 - 0 == 1; 1 - 1 != 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if one - as_float(mid) == one:
            lo = mid
        else:
            hi = mid
    return float(as_float(hi))
