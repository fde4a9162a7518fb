"""Questions whose answer is compared with an expected value: :class:`Value` and :class:`Array`.

The comparison follows the tolerance policy of :mod:`._tolerance`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_bool
from ._question import MAX_ANSWER_VALUES, Question
from ._slips import asks_for_fraction, name_slip
from ._tolerance import (
    DIGITS,
    _check_key_value,
    _check_mistakes,
    _check_predicted,
    _check_tolerance,
    _default_tolerance,
    _near_miss,
    _rounds_to,
)
from ._values import _as_array, _describe, _difference, _is_integral, _not_finite
from ._verdict import CORRECT, INCORRECT, Verdict, _sentence


class _Compared(Question):
    """A question whose answer is compared with an expected value (Value and Array)."""

    def __init__(
        self, prompt, answer, *, rtol, atol, mistakes, hints, solution, digits=None, predicted=()
    ):
        super().__init__(prompt, hints=hints, solution=solution)
        self.answer = answer
        self.digits = digits
        self._explicit = (rtol, atol)
        self.rtol, self.atol = _default_tolerance(answer, rtol, atol, digits)
        self.mistakes = [(value, _sentence(str(feedback))) for value, feedback in mistakes]
        self.predicted = list(predicted)

    def _tolerance_of(self, expected) -> tuple[float, float]:
        """The policy's tolerance for ``expected`` (a mistake is recognised like the answer)."""
        return _default_tolerance(expected, *self._explicit, self.digits)

    def _grade(self, answer) -> Verdict:
        """Correct; else, in this order: a listed mistake, a predicted value, a near miss, a
        listed mistake at the precision typed, a common slip (:mod:`._slips`), the difference."""
        reason = _difference(answer, self.answer, self.rtol, self.atol)
        if reason is None:
            return Verdict(CORRECT, "well done.")
        not_finite = _not_finite(answer)
        if not_finite is not None:  # no slip or near miss can be read from it
            return Verdict(INCORRECT, not_finite)
        for wrong, feedback in self.mistakes:
            if _difference(answer, wrong, *self._tolerance_of(wrong)) is None:
                return Verdict(INCORRECT, feedback)
        for guess in self.predicted:
            if _difference(answer, guess, *self._tolerance_of(guess)) is None:
                return Verdict(INCORRECT, _predicted_message(guess))
        rounds_to = None
        if self.digits is not None:
            close = _near_miss(answer, self.answer, self.digits)
            if close is not None and not _is_integral(self.answer):
                return Verdict(INCORRECT, close)
            for wrong, feedback in self.mistakes:
                if _rounds_to(answer, wrong):
                    return Verdict(INCORRECT, feedback)
            rounds_to = _rounds_to
        numeric = _as_array(self.answer) is not None and np.asarray(self.answer).dtype.kind != "b"
        slip = numeric and name_slip(
            answer,
            self.answer,
            integral=_is_integral(self.answer),
            tolerance=self._tolerance_of,
            rounds_to=rounds_to,
            exclude=[wrong for wrong, _ in self.mistakes] + self.predicted,
            fraction=asks_for_fraction(self.prompt),
        )
        if slip:
            return Verdict(INCORRECT, slip)
        return Verdict(INCORRECT, reason + ".")

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        return f"answer = {_describe(self.answer)}"


def _predicted_message(guess) -> str:
    whole = isinstance(guess, int) or float(guess).is_integer() and abs(guess) < 2**53
    shown = f"{int(guess):,}" if whole else f"{float(guess):.3g}"
    return (
        f"That is {shown}, one of the guesses the notebook asks you to predict first. Now "
        "compute the value itself, as the question asks."
    )


def _check_key_array(value, name: str) -> np.ndarray:
    """An :class:`Array` key as an array of numbers, or raise naming ``name``."""
    if isinstance(value, np.ma.MaskedArray):  # np.asarray would drop its mask silently
        raise TypeError(f"{name} must be a plain array, not a masked array: fill it first.")
    try:
        expected = _as_array(value)
    except Exception as exc:  # an object whose attributes raise
        raise TypeError(f"Array expects an array of numbers as its {name}; reading it raised "
                        f"{type(exc).__name__}.") from None
    if expected is None or expected.ndim == 0:
        raise TypeError(f"Array expects an array of numbers as its {name}.")
    if expected.size > MAX_ANSWER_VALUES:  # no answer that large would be read
        raise ValueError(f"{name} holds {expected.size:,} values, more than the "
                         f"{MAX_ANSWER_VALUES:,} an answer may have.")
    return np.array(expected)  # a copy: the key cannot change afterwards


class Value(_Compared):
    """A single value, compared with the tolerance policy of this module.

    Parameters
    ----------
    prompt : str
        The question.
    answer : int, float or object
        The expected value. Integers are compared exactly, floats to ``digits``
        significant digits, other objects with ``==``.
    digits : int, default=4
        Significant digits a float answer must have right (half a unit of the last
        one is allowed). A prompt that needs more says so.
    rtol, atol : float, optional
        An explicit tolerance ``|got - answer| <= atol + rtol * |answer|`` instead of
        ``digits`` (rarely needed).
    mistakes : list of (value, str), optional
        Typical wrong answers and the feedback shown when the learner gives one,
        recognised with the same rule as the answer.
    predicted : list of numbers, optional
        The values of the notebook's "predict first" prompt (e.g. 10, 100 or 1,000 times):
        one typed as the answer is answered as such, and never read as a generic slip.
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Code shown by ``solution()``.
    """

    def __init__(
        self,
        prompt,
        answer,
        *,
        digits=None,
        rtol=None,
        atol=None,
        mistakes=(),
        predicted=(),
        hints=(),
        solution=None,
    ):
        if isinstance(answer, np.ndarray) and answer.ndim > 0:
            raise TypeError("answer must be a single value for Value; use Array for arrays.")
        answer = _check_key_value(answer, "answer")
        mistakes = [(_check_key_value(value, "mistakes"), feedback)
                    for value, feedback in _check_mistakes(mistakes, "value")]
        rtol, atol, digits = _check_tolerance(rtol, atol, digits)
        if digits is None and rtol is None and atol is None:
            digits = DIGITS
        super().__init__(
            prompt,
            answer,
            rtol=rtol,
            atol=atol,
            mistakes=mistakes,
            hints=hints,
            solution=solution,
            digits=digits,
            predicted=_check_predicted(predicted),
        )


class Array(_Compared):
    """An array: its shape is checked first, then its values with a tolerance.

    Parameters
    ----------
    prompt : str
        The question.
    answer : array-like
        The expected array (numbers). Lists, pandas objects and scipy.sparse
        matrices given by the learner are compared through their values.
    rtol, atol : float, optional
        Tolerances; by default exact for integer/bool arrays, ``rtol=1e-6, atol=1e-12``
        for floats.
    check_dtype : bool, default=False
        Also require the learner's dtype to equal the answer's (e.g. float32 exercises).
    mistakes : list of (array-like, str), optional
        Typical wrong answers and their feedback.
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Code shown by ``solution()``.
    """

    def __init__(
        self,
        prompt,
        answer,
        *,
        rtol=None,
        atol=None,
        check_dtype=False,
        mistakes=(),
        hints=(),
        solution=None,
    ):
        expected = _check_key_array(answer, "answer")
        rtol, atol, _ = _check_tolerance(rtol, atol, None)
        check_dtype = check_bool(check_dtype, "check_dtype")  # the string "False" is truthy
        mistakes = [
            (_check_key_array(value, "mistakes"), feedback)
            for value, feedback in _check_mistakes(mistakes, "array")
        ]
        super().__init__(
            prompt,
            expected,
            rtol=rtol,
            atol=atol,
            mistakes=mistakes,
            hints=hints,
            solution=solution,
        )
        self.check_dtype = check_dtype

    def _grade(self, answer) -> Verdict:
        verdict = super()._grade(answer)
        if verdict.passed and self.check_dtype:
            got = _as_array(answer)
            if got.dtype != self.answer.dtype:
                return Verdict(
                    INCORRECT,
                    f"the values are right but the dtype is {got.dtype}; "
                    f"expected {self.answer.dtype}.",
                )
        return verdict
