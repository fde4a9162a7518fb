"""Exercises for notebook 03, Zeno's paradox: why L2 never reaches zero and L1 does.

The expected values are measured with :mod:`course_utils.decay` when this module is imported,
not typed in, so they always agree with what the notebook prints.
"""

import math

import numpy as np

from .. import decay
from ._engine import Function, MultipleChoice, Value

_UNIT64 = float(np.finfo(np.float64).smallest_subnormal)  # 2**-1074


def _stall_step(w0, factor, dtype, **kwargs):
    return decay.steps_until_zero(w0, factor, dtype=dtype, **kwargs).step


# q1: float32, w0 = 3.0, eta = 0.05, lambda = 0.5, so q = 1 - 2 * eta * lambda = 0.95.
_Q1 = _stall_step(3.0, 0.95, np.float32)

q1 = Value(
    prompt=(
        "A float32 weight starts at $w_0 = 3.0$ and takes pure L2 gradient steps with "
        "learning rate $\\eta = 0.05$ and L2 strength $\\lambda = 0.5$. It does not reach "
        "`0.0`; at some step it reaches the value it then keeps for ever. Which step is "
        "that (the first step $t$ at which $w_t$ has its final value)? Measure it."
    ),
    answer=_Q1,
    atol=0,
    mistakes=[
        (
            _stall_step(3.0, 0.95, np.float64),
            "That is the float64 answer. The question asks for float32: pass dtype=np.float32.",
        ),
        (
            _Q1 + 1,
            "Off by one: that is the first step at which you saw the value repeat. The answer is "
            "the first step at which the weight already had its final value (result.step).",
        ),
        (
            _stall_step(3.0, 0.975, np.float32),
            "That uses q = 1 - eta * lambda. The gradient of lambda * w**2 is 2 * lambda * w, "
            "so q = 1 - 2 * eta * lambda = 0.95.",
        ),
        (
            _stall_step(1.0, 0.95, np.float32),
            "That starts from w0 = 1.0; the weight here starts at 3.0.",
        ),
        (
            _stall_step(3.0, 0.95, np.float32, flush_subnormals=True),
            "That is the flush-to-zero count, when the weight becomes 0.0. In the default IEEE "
            "mode it never reaches 0.0; it stalls on a subnormal number.",
        ),
    ],
    hints=[
        "First the decay factor: q = 1 - 2 * eta * lambda.",
        "`result = decay.steps_until_zero(3.0, 1 - 2 * 0.05 * 0.5, dtype=np.float32)` runs the "
        "decay; look at `result.reaches_zero` and `result.step`.",
    ],
    solution=(
        "q = 1 - 2 * 0.05 * 0.5   # 0.95\n"
        "result = decay.steps_until_zero(3.0, q, dtype=np.float32)\n"
        "answer = result.step"
    ),
)


_NEGATIVE_TO_ZERO = (
    "Right for positive weights, but a negative weight becomes 0 in one step. Work on |w| and "
    "put the sign back: sign(w) * max(|w| - step, 0)."
)


def _l1_step(w, step):
    w = np.asarray(w, dtype=float)
    return np.sign(w) * np.maximum(np.abs(w) - step, 0.0)


q2 = Function(
    prompt=(
        "Write `l1_step(w, step)`: one clipped L1 step that moves `w` towards zero by "
        "`step` and stops at exactly `0.0` if it would cross. It must work for positive "
        "and negative weights, for `w = 0` (which stays 0) and for NumPy arrays of any "
        "shape, 1-D or 2-D (element by element)."
    ),
    answer=_l1_step,
    cases=[
        (0.5, 0.2),
        (0.1, 0.3),
        (-0.5, 0.2),
        (-0.1, 0.3),
        (0.0, 0.1),
        (0.25, 0.25),
        (np.array([0.3, -0.1, 0.0, 2.0, -0.25]), 0.2),
        (np.array([[1.0, -1.0], [0.05, -0.05]]), 0.1),
        (np.array([]), 0.1),  # the empty array stays empty
        (np.array([-0.3]), 0.1),  # a single (negative) weight
        (5e-324, 0.1),  # the smallest subnormal is not zero; one step clips it to 0.0
    ],
    atol=0.0,  # "exactly 0.0": a weight left at 5e-324 is not clipped (the default atol is 1e-12)
    mistakes=[
        (
            lambda w, step: w - step * np.sign(w),
            "The step crossed zero: 0.1 - 0.3 is -0.2, on the other side. Clip it to exactly "
            "0.0 with max(|w| - step, 0).",
        ),
        (
            lambda w, step: w - step,
            "Subtracting step moves a negative weight away from zero, and moves 0 to -step. "
            "Move towards zero: use the sign of w and clip at 0.",
        ),
        (
            lambda w, step: np.maximum(w - step, 0.0),
            _NEGATIVE_TO_ZERO,
        ),
        (
            lambda w, step: max(w - step, 0.0),
            _NEGATIVE_TO_ZERO,
        ),
        (
            lambda w, step: np.sign(w) * max(abs(w) - step, 0.0),
            "Right for single numbers, but not for arrays: Python's `max` (like `if w > 0`) "
            "needs one True or False, not one per element. Use np.sign and np.maximum, which "
            "work element by element.",
        ),
        (
            lambda w, step: w * (1 - step),
            "That shrinks w by a fraction, like L2 decay, and never reaches zero. An L1 step "
            "subtracts a constant.",
        ),
    ],
    hints=[
        "Work with the magnitude |w| and the sign of w separately.",
        "The new magnitude is max(|w| - step, 0); `np.maximum` does that element by element.",
        "`np.sign(w) * np.maximum(np.abs(w) - step, 0.0)`; `np.sign(0.0)` is 0, so w = 0 stays 0.",
    ],
    solution=(
        "def l1_step(w, step):\n"
        "    w = np.asarray(w, dtype=float)\n"
        "    return np.sign(w) * np.maximum(np.abs(w) - step, 0.0)"
    ),
)


_Q3 = round(decay.steps_until_zero(1.0, 0.95).value / _UNIT64)

q3 = Value(
    prompt=(
        "In float64, repeated multiplication by $q = 0.95$ from 1.0 stalls on a subnormal "
        "number $k \\cdot 2^{-1074}$. What is $k$? Try to predict it from the rounding "
        "rule before you measure it."
    ),
    answer=_Q3,
    atol=0,
    mistakes=[
        (
            _Q3 + 1,
            "Close: 10 * (1 - 0.95) = 0.5 looks like a tie. But the float64 nearest to 0.95 is "
            "0.94999999999999995559..., slightly below 0.95, so 10 * q = 9.4999... rounds down "
            "to 9, and 9 * q = 8.55 rounds back up to 9.",
        ),
        (
            1,
            "1 is where factors just above 0.5 stall. With q = 0.95 the decrement k * (1 - q) "
            "stays under half a unit for every k up to 9 or so.",
        ),
        (
            0,
            "0 would mean the weight reaches exactly 0.0; with q > 0.5 it never does.",
        ),
    ],
    hints=[
        "The weight stops moving when k * q rounds back to k, that is when k * (1 - q) < 1/2.",
        "k * 0.05 < 0.5 means k < 10. At k = 10 it is a tie, so look at how 0.95 is stored: "
        "`f'{0.95:.20f}'`.",
        "Measure: `result = decay.steps_until_zero(1.0, 0.95)`; then "
        "`result.value / 2**-1074`.",
    ],
    solution=(
        "result = decay.steps_until_zero(1.0, 0.95)\n"
        "answer = round(result.value / float(np.finfo(np.float64).smallest_subnormal))"
    ),
)


_Q4 = math.ceil(0.95 / 0.1)

q4 = Value(
    prompt="A weight at 0.95 takes clipped L1 steps of 0.1. After how many steps is it "
           "exactly zero?",
    answer=_Q4,
    atol=0,
    mistakes=[
        (
            _Q4 - 1,
            "After 9 steps 0.95 - 0.9 = 0.05 is still left; one more (clipped) step removes it. "
            "Round |w0| / step up, not down.",
        ),
        (
            0.95 / 0.1,  # 9.499999999999998: 0.95 and 0.1 are both rounded
            "A number of steps is a whole number: round |w0| / step up with math.ceil.",
        ),
        (9.5, "A number of steps is a whole number: round |w0| / step up with math.ceil."),
    ],
    hints=[
        "Each step removes 0.1, except the last, which is clipped to land on 0.",
        "The count is ceil(|w0| / step); or run `decay.l1_decay(0.95, 0.1, 20)` and find the "
        "first 0.0.",
    ],
    solution="answer = math.ceil(0.95 / 0.1)",
)


q5 = MultipleChoice(
    prompt=(
        "A float64 weight starts at 1.0 and is multiplied by 0.6 at every step. Where does "
        "it end?"
    ),
    options={
        "a": (
            "At exactly 0.0, after about 1,450 steps.",
            "Only factors of 0.5 or less reach 0.0. At the smallest subnormal 2**-1074, "
            "0.6 * 2**-1074 is nearer to 2**-1074 than to 0, so it rounds back up.",
        ),
        "b": (
            "Stuck for ever at 2**-1074, the smallest positive float64.",
            "The decrement 0.4 * 2**-1074 is less than half a unit, so rounding undoes "
            "it at every step (the table shows: stuck at 1 x 2**-1074 from step 1,457).",
        ),
        "c": (
            "Stuck at 2**-1022, the smallest normal float64.",
            "Below 2**-1022 come the subnormal numbers, which the decay keeps walking down "
            "until the step is less than half a unit of 2**-1074.",
        ),
        "d": (
            "It underflows and becomes -0.0.",
            "Multiplying a positive number by a positive factor never changes its sign; "
            "and here it never even reaches zero.",
        ),
    },
    answer="b",
    hints=["Apply the rule k * (1 - q) < 1/2 at k = 1."],
)


q6 = MultipleChoice(
    prompt="Why does a clipped L1 step give exact zeros while an L2 step does not?",
    options={
        "a": (
            "Because the L1 step is always larger than the L2 step.",
            "Not always: for a large weight the L2 step 2 * eta * lambda * w is the larger one. "
            "What matters is that it shrinks as w shrinks.",
        ),
        "b": (
            "Because of floating point: in exact arithmetic both would reach zero.",
            "The other way round: in exact arithmetic q**t * w0 is never 0. Floating point "
            "changes only the very end: a stall on a subnormal number, or, for q <= 0.5, a "
            "zero after hundreds of steps.",
        ),
        "c": (
            "Because L1 steps oscillate around zero and eventually hit it.",
            "Unclipped L1 steps oscillate and almost never hit 0.0 exactly; the clip is what "
            "makes the zero exact.",
        ),
        "d": (
            "Because its step does not shrink with w, and the clip stops it at 0.0.",
            "Ceil(|w0| / s) steps, the last one clipped. L2 removes a fraction of what "
            "is left, so something is always left.",
        ),
    },
    answer="d",
    hints=["Compare what each step subtracts when w is already small."],
)


q7 = MultipleChoice(
    prompt=(
        "A float32 model is trained with learning rate $\\eta = 0.01$ and L2 strength "
        "$\\lambda = 10^{-5}$, ten times the strength at which the factor rounded to 1. "
        "What does the decay step $w \\leftarrow (1 - 2\\eta\\lambda)\\,w$ do to a weight "
        "the data do not push?"
    ),
    options={
        "a": (
            "It shrinks w geometrically, and w ends stuck on a subnormal float32",
            "2 * eta * lambda = 2e-7 is above half the float32 spacing just below 1 (about "
            "3e-8), so the factor is 0.9999998, not 1: geometric decay, then the stall of "
            "section 2, because the factor is above 0.5.",
        ),
        "b": (
            "Nothing: the factor 1 - 2e-7 rounds to exactly 1.0 in float32",
            "That happens only when 2 * eta * lambda is below about 3e-8, half the spacing of "
            "float32 numbers just below 1. Check: `np.float32(1) - np.float32(2e-7)` is not 1.",
        ),
        "c": (
            "It reaches exactly 0.0 after about 5 million steps",
            "Only factors of 0.5 or less reach 0.0 in IEEE arithmetic; this factor is just "
            "below 1, so w stalls on a subnormal number instead.",
        ),
        "d": (
            "It shrinks w by 2e-7 per step, a constant amount, like an L1 step",
            "The step removes 2e-7 times w, a fraction of what is left; a constant step is "
            "what L1 does.",
        ),
    },
    answer="a",
    hints=["Compare 2 * eta * lambda with half the spacing of float32 numbers just below 1."],
)


# q8, transfer: the stall rule of section 2, applied to float16, which the notebook never ran.
_UNIT16 = float(np.finfo(np.float16).smallest_subnormal)  # 2**-24
_Q8_RESULT = decay.steps_until_zero(1.0, 0.95, dtype=np.float16)
_Q8 = round(float(_Q8_RESULT.value) / _UNIT16)
_Q8_FACTOR = float(np.float16(0.95))  # the float16 nearest to 0.95, a hair above it

q8 = Value(
    prompt=(
        "Notebook 07 serves weights as float16 values. A float16 weight starts at 1.0 and is "
        "multiplied by $q = 0.95$ at every step, with no push from the data. float16's "
        "smallest subnormal is $2^{-24}$, so its subnormals are the multiples "
        "$k \\cdot 2^{-24}$. Predict first, with the rounding rule of section 2: does it "
        "reach `0.0`, and if not, on which $k$ does it stall? Compare with your answer to "
        "exercise 3 (the same factor in float64). Then measure $k$ with "
        "`decay.steps_until_zero(..., dtype=np.float16)`."
    ),
    answer=_Q8,
    mistakes=[
        (
            _Q3,
            f"{_Q3} is the float64 stall of exercise 3, where 0.95 is stored a hair below "
            f"0.95. float16 stores it as {_Q8_FACTOR:.8f}, a hair above: at k = {_Q8}, "
            f"k * q = {_Q8 * _Q8_FACTOR:.6f} is above {_Q8 - 0.5:.1f} and rounds back to {_Q8}.",
        ),
        (0, "0 would mean the weight reaches exactly 0.0; a factor above 0.5 never gets "
         "there, however coarse the format: it stalls on a subnormal."),
        (1, "1 is where factors just above 0.5 stall; with q = 0.95 the decrement k * (1 - q) "
         "falls below half a unit long before k = 1."),
        (_Q8_RESULT.step, f"{_Q8_RESULT.step} is the step at which the weight stops "
         "changing; the question asks for k, the weight divided by 2**-24."),
        (_Q8 * _UNIT16, "that is the weight itself; give k, the weight divided by 2**-24."),
    ],
    hints=[
        "The rule of section 2: the weight stops when k * (1 - q) < 1/2, with q as float16 "
        "stores it: `q16 = float(np.float16(0.95))`. Is q16 above or below 0.95?",
        "Measure: `result = decay.steps_until_zero(1.0, 0.95, dtype=np.float16)`; then "
        "`round(float(result.value) / 2**-24)`.",
    ],
    solution=(
        "result = decay.steps_until_zero(1.0, 0.95, dtype=np.float16)\n"
        "answer = round(float(result.value) / 2**-24)"
    ),
)
