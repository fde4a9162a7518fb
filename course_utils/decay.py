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

from typing import NamedTuple

import numpy as np

from ._validation import check_dtype, check_int, check_scalar

__all__ = [
    "ZenoResult",
    "l2_decay",
    "l1_decay",
    "steps_until_zero",
    "one_minus_rounds_to_one",
    "smallest_decrement_of_one",
]

DTYPES = (np.float64, np.float32, np.float16)


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
        Number of steps, ``>= 0``.
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
    steps = check_int(steps, "steps")
    tiny = np.finfo(dtype).tiny
    # a subnormal w0 is flushed too; dtype.type(1), since numpy 1.x widens float32 * 1 to float64
    w = _step(w, dtype.type(1), tiny, flush_subnormals)
    out = np.empty(steps + 1, dtype=dtype)
    for n in range(steps + 1):
        out[n] = w
        w = _step(w, factor, tiny, flush_subnormals)
    return out


def steps_until_zero(
    w0, factor, dtype=np.float64, max_steps=100_000, *, flush_subnormals=False
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
    max_steps : int, default=100_000
        Give up after this many steps (float64 needs about ``-745 / ln(factor)`` steps).
    flush_subnormals : bool, default=False
        Treat subnormal results (and a subnormal ``w0``) as 0.0, as in flush-to-zero mode.

    Returns
    -------
    ZenoResult
        ``reaches_zero`` is True when ``w`` became exactly 0.0, at step ``step`` (``value`` is
        then 0.0, or -0.0 for a negative ``w0``; both compare equal to 0.0). Otherwise ``w``
        stalled: ``value`` is the value it is stuck at and ``step`` the first step at which it
        had that value (``w_step == w_{step+1} == ...``).

    Raises
    ------
    RuntimeError
        If neither happens within ``max_steps`` steps.

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
    """
    w, factor, dtype = _start(w0, factor, dtype)
    max_steps = check_int(max_steps, "max_steps")
    tiny = np.finfo(dtype).tiny
    w = _step(w, dtype.type(1), tiny, flush_subnormals)  # numpy 1.x widens float32 * 1
    for n in range(max_steps + 1):
        if w == 0:
            return ZenoResult(True, n, float(w))
        w_next = _step(w, factor, tiny, flush_subnormals)
        if w_next == w:
            return ZenoResult(False, n, float(w))
        w = w_next
    raise RuntimeError(
        f"w neither reached 0.0 nor stalled within max_steps={max_steps} steps "
        f"(now {float(w):.3g}); increase max_steps."
    )


def l1_decay(w0, step, steps, clip=True, dtype=np.float64) -> np.ndarray:
    """Run constant L1 steps ``w <- w - step * sign(w)`` for ``steps`` steps in ``dtype``.

    Parameters
    ----------
    w0 : float
        Starting weight, first rounded to ``dtype``.
    step : float
        Size of one L1 step, ``>= 0`` (``eta * alpha`` for a gradient step of size ``eta``).
    steps : int
        Number of steps, ``>= 0``.
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
    steps = check_int(steps, "steps")
    if not isinstance(clip, (bool, np.bool_)):
        raise TypeError(f"clip must be True or False, got {clip!r:.40}.")
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
