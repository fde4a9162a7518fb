"""The engine behind the course's self-checking exercises.

A question is a small declarative object (:class:`Value`, :class:`Array`,
:class:`Function`, :class:`MultipleChoice`) built in a module ``exNN.py`` that
reads like an answer key. A learner calls ``q1.check(answer)``, ``q1.hint()``
and ``q1.solution()``. Grading is separate from displaying: ``q1.grade(answer)``
returns a :class:`Verdict` and never raises; ``check`` shows it and returns
``True`` or ``False``.

Three states, as in Kaggle Learn's learntools: *Not attempted yet* (the answer
is still ``...``, or a function whose body is only ``...`` or ``pass``),
*Incorrect* (with the reason, or the author's targeted feedback when the answer
matches a listed mistake) and *Correct*.

Tolerance policy (one rule for every question). A float :class:`Value` is usually
read off a printed output or computed and typed in, so it is accepted when it
agrees with the expected value to ``digits`` significant digits (default 4): within
half a unit of the last of those digits, which is exactly what a value printed
with that many digits allows. A prompt that needs more precision says so and
passes a larger ``digits``. A near miss (the learner's value is the expected one
rounded to fewer digits, or truncated instead of rounded) is answered with
"close: give N significant digits", not with a bare "Incorrect". Listed mistakes
are recognised with the same rule, so a percentage typed as 23.96 is recognised
as well as 23.9631... Integers are compared exactly. Arrays and the results of a
learner's function are computed, not read, and are compared with
``rtol=1e-6, atol=1e-12``.

Everything shown is deterministic (no memory addresses, timings or random ids)
because notebook outputs are compared by nbval on every test run.
"""

from __future__ import annotations

import ast
import copy
import html
import inspect
import math
import numbers
import re
import signal
import textwrap
import types
import warnings
from typing import NamedTuple

import numpy as np

from .._validation import check_int, check_scalar
from . import _progress, _sandbox

__all__ = ["Verdict", "Question", "Value", "Array", "Function", "MultipleChoice"]

CORRECT = "Correct"
INCORRECT = "Incorrect"
NOT_ATTEMPTED = "Not attempted yet"

# Each verdict is a box with its own light background, so it reads the same on JupyterLab's
# light and dark themes: the label's text colour (a dark Okabe-Ito hue, colour-blind safe) has
# a contrast of at least 4.5:1 against the box, and the border at least 3:1 against both page
# backgrounds. The label says the state in words too. tests/test_exercise_display.py measures it.
_STYLES = {  # kind -> (border, background, label text)
    CORRECT: ("#009E73", "#E6F5F0", "#00664A"),
    INCORRECT: ("#D55E00", "#FBEDE4", "#9C4500"),
    NOT_ATTEMPTED: ("#0072B2", "#E5F1F7", "#005A8C"),
    "Hint": ("#B07800", "#FDF5E3", "#7A5300"),
    "Solution": ("#3A8FC0", "#E9F4FA", "#1F5F85"),
}
_TEXT_COLOUR = "#1B1B1B"  # the message, on the box's background

_NOT_ATTEMPTED_MESSAGE = "replace the ... with your answer, then run this cell again."


class Verdict(NamedTuple):
    """The result of grading one answer.

    Attributes
    ----------
    label : str
        ``"Correct"``, ``"Incorrect"`` or ``"Not attempted yet"``.
    message : str
        The reason or the feedback, one or two sentences.
    """

    label: str
    message: str

    @property
    def passed(self) -> bool:
        """bool: True when the answer is correct."""
        return self.label == CORRECT

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


# --------------------------------------------------------------------------- display


def _in_notebook() -> bool:
    """Return True inside a Jupyter kernel (a frontend that renders HTML)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _style_kind(label: str) -> str:
    """The style of a label: "Hint 1 of 2" is styled as "Hint"."""
    return "Hint" if label.startswith("Hint") else label


# JupyterLab's themes give <code> and <pre> a background of their own (dark on the dark theme):
# ours set theirs, so the text keeps its contrast on the box whatever the theme.
_CODE_STYLE = f"background: transparent; color: {_TEXT_COLOUR};"


def _code_spans_html(escaped: str) -> str:
    """Turn `code` spans of an already escaped message into <code> elements."""
    return re.sub(r"`([^`]+)`", rf'<code style="{_CODE_STYLE}">\1</code>', escaped)


def _plain(message: str) -> str:
    """The message as plain text: `code` spans lose their backticks."""
    return re.sub(r"`([^`]+)`", r"\1", message)


def _html(label: str, message: str, code: str | None = None) -> str:
    """The HTML of one verdict, hint or solution box (see ``_STYLES``)."""
    border, background, label_colour = _STYLES.get(_style_kind(label), _STYLES["Solution"])
    body = (
        f'<strong style="color: {label_colour};">{html.escape(label)}:</strong> '
        f"{_code_spans_html(html.escape(message))}"
    )
    if code is not None:
        body += (
            f'<pre style="{_CODE_STYLE}"><code style="{_CODE_STYLE}">'
            f"{html.escape(code)}</code></pre>"
        )
    return (
        f'<div style="border-left: 6px solid {border}; background: {background}; '
        f'color: {_TEXT_COLOUR}; padding: 4px 10px;">{body}</div>'
    )


def _show(label: str, message: str, code: str | None = None) -> None:
    """Show ``label: message`` (and optional code) as HTML in Jupyter, else as plain text.

    In Jupyter one output holds both ``text/plain`` and ``text/html``, so the
    stored notebook stays readable anywhere and nbval compares both. Code in a
    message is written between backticks; it is shown as code, without them.
    """
    plain = f"{label}: {_plain(message)}"
    if code is not None:
        plain += "\n" + code
    if not _in_notebook():
        print(plain)
        return
    from IPython.display import display

    display({"text/plain": plain, "text/html": _html(label, message, code)}, raw=True)


# --------------------------------------------------------------------------- describing values


def _describe(x, depth: int = 0) -> str:
    """A short, deterministic description of any value (never a memory address)."""
    if depth > 3 and isinstance(x, (tuple, list)):  # a list of lists of ...: name it only
        return f"a {type(x).__name__}"
    if x is None:
        return "None"
    if x is Ellipsis:
        return "..."
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x)) if abs(int(x)) < 10**30 else "a very large integer"
    if isinstance(x, numbers.Real):
        return repr(float(x))  # shortest exact repr: 0.30000000000000004 stays visible
    if isinstance(x, str):
        return repr(x) if len(x) <= 40 else repr(x[:37]) + "..."
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        if x.ndim == 1 and x.size <= 8:  # Python reprs: the same text under numpy 1 and 2
            return "[" + ", ".join(_describe(v) for v in x.tolist()) + "]"
        return np.array2string(x, separator=", ", threshold=8, edgeitems=3)
    if isinstance(x, (tuple, list)) and len(x) <= 6:
        inner = ", ".join(_describe(item, depth + 1) for item in x)
        return f"({inner}{',' if len(x) == 1 else ''})" if isinstance(x, tuple) else f"[{inner}]"
    if callable(x):
        return "a function"
    return f"a {type(x).__name__}"


def _is_number(x) -> bool:
    """True for a real number (Python or numpy, not bool) or a 0-d numeric array."""
    if isinstance(x, np.ndarray):
        return x.ndim == 0 and x.dtype.kind in "iuf"
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


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
    return arr if arr.dtype.kind in "biuf" else None


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
                if isinstance(got, np.ndarray) and got.size == 1:
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


def _looks_like_percentage(got, expected, tolerance) -> bool:
    """True when ``expected`` is a fraction in (0, 1) and ``got`` is it times 100."""
    pair = _finite_pair(got, expected)
    if pair is None:
        return False
    e = pair[1]
    if not 0 < e < 1:
        return False
    percent = 100 * e
    rtol, atol = tolerance
    return _difference(got, percent, rtol, 100 * atol) is None or _rounds_to(got, percent)


def _check_tolerance(rtol, atol, digits):
    """Validate the tolerance arguments of Value and Array (the authoring errors are loud)."""
    rtol = None if rtol is None else check_scalar(rtol, "rtol")
    atol = None if atol is None else check_scalar(atol, "atol")
    if digits is not None:
        digits = check_int(digits, "digits", low=1, high=15)
        if rtol is not None or atol is not None:
            raise ValueError("give either digits or rtol/atol, not both.")
    return rtol, atol, digits


def _check_mistakes(mistakes, what: str) -> list:
    """``mistakes`` as a list of (value, feedback) pairs, or raise naming the argument."""
    if isinstance(mistakes, (str, bytes, dict)):
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


# --------------------------------------------------------------------------- questions


class Question:
    """Base class: prompt, hints, solution, and the check/hint/solution methods.

    Parameters
    ----------
    prompt : str
        The question, as the learner reads it.
    hints : list of str, optional
        Revealed one per :meth:`hint` call.
    solution : str, optional
        Code (or text) shown by :meth:`solution`.
    """

    def __init__(self, prompt: str, *, hints=(), solution: str | None = None):
        if not isinstance(prompt, str) or not prompt:
            raise TypeError("prompt must be a non-empty string.")
        self.prompt = prompt
        self.hints = list(hints)
        self._solution = solution
        self._hints_shown = 0

    #: Seconds allowed to grade an answer that is not plain data (it is graded in a child
    #: process, see ``_sandbox``): its ``__float__``, ``__array__``, ``__len__`` or ``__eq__``
    #: may never return.
    grade_timeout = 5.0

    def grade(self, answer) -> Verdict:
        """Grade ``answer`` without showing anything; never raises.

        Plain data (numbers, strings, numpy arrays, lists of them...) is graded here; any
        other object is graded in a child process on Linux (:mod:`._sandbox`), so that its
        methods cannot hang, crash or change the kernel.

        Parameters
        ----------
        answer : object
            Whatever the learner passed.

        Returns
        -------
        Verdict
        """
        if answer is Ellipsis:
            return Verdict(NOT_ATTEMPTED, _NOT_ATTEMPTED_MESSAGE)
        if self._grades_in_kernel(answer):
            try:
                return self._grade(answer)
            except Exception as exc:  # a last guard: a checker bug must not reach the learner
                return _could_not_check(*_sandbox.describe_exception(exc))
        try:
            (outcome,) = _sandbox.run(self._grade, [(answer,)], self.grade_timeout)
        except Exception as exc:  # no process could be made (out of memory, too many processes)
            return _could_not_check(*_sandbox.describe_exception(exc))
        if outcome.kind == "value" and _is_verdict(outcome.value):
            return Verdict(*outcome.value)
        if outcome.kind == "timeout":
            return Verdict(
                INCORRECT,
                f"this answer could not be checked: comparing it with the expected value did "
                f"not finish in {self.grade_timeout:g} seconds (one of its methods, such as "
                f"__float__, __array__, __len__ or __eq__, never returns).",
            )
        if outcome.kind == "error":
            return _could_not_check(outcome.error_types, outcome.detail)
        return Verdict(INCORRECT, f"this answer could not be checked: {_what_it_did(outcome)}.")

    def _grades_in_kernel(self, answer) -> bool:
        """True when ``answer`` can be graded in the kernel's own process (plain data)."""
        return _sandbox.is_plain(answer)

    def check(self, answer) -> bool:
        """Show the verdict on ``answer`` and return whether it is correct.

        Parameters
        ----------
        answer : object
            The learner's answer; ``...`` means not attempted yet.

        Returns
        -------
        bool
            True when the answer is correct.
        """
        verdict = self.grade(answer)
        _show(verdict.label, verdict.message)
        _progress.record(self, verdict)  # for progress() and tools/grade.py; never raises
        return verdict.passed

    def hint(self) -> None:
        """Show the next hint (one per call), and say when there are no more."""
        if not self.hints:
            _show("Hint", "there is no hint for this question; try .solution() if stuck.")
        elif self._hints_shown < len(self.hints):
            self._hints_shown += 1
            n = self._hints_shown
            _show(f"Hint {n} of {len(self.hints)}", self.hints[n - 1])
        else:
            _show(
                "Hint",
                f"no more hints (all {len(self.hints)} shown); try .solution() if you are stuck.",
            )

    def solution(self) -> None:
        """Show the solution."""
        _show("Solution", "one way to answer:", self._solution_text())

    def _solution_text(self) -> str:
        return self._solution if self._solution is not None else "(no solution text given)"

    def _grade(self, answer) -> Verdict:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.prompt!r:.60})"


class _Compared(Question):
    """A question whose answer is compared with an expected value (Value and Array)."""

    def __init__(self, prompt, answer, *, rtol, atol, mistakes, hints, solution, digits=None):
        super().__init__(prompt, hints=hints, solution=solution)
        self.answer = answer
        self.digits = digits
        self._explicit = (rtol, atol)
        self.rtol, self.atol = _default_tolerance(answer, rtol, atol, digits)
        self.mistakes = [(value, _sentence(str(feedback))) for value, feedback in mistakes]

    def _tolerance_of(self, expected) -> tuple[float, float]:
        """The policy's tolerance for ``expected`` (a mistake is recognised like the answer)."""
        return _default_tolerance(expected, *self._explicit, self.digits)

    def _grade(self, answer) -> Verdict:
        reason = _difference(answer, self.answer, self.rtol, self.atol)
        if reason is None:
            return Verdict(CORRECT, "well done.")
        for wrong, feedback in self.mistakes:
            if _difference(answer, wrong, *self._tolerance_of(wrong)) is None:
                return Verdict(INCORRECT, feedback)
        if self.digits is not None:
            close = _near_miss(answer, self.answer, self.digits)
            if close is not None and not _is_integral(self.answer):
                return Verdict(INCORRECT, close)
            for wrong, feedback in self.mistakes:
                if _rounds_to(answer, wrong):
                    return Verdict(INCORRECT, feedback)
            if _looks_like_percentage(answer, self.answer, (self.rtol, self.atol)):
                return Verdict(
                    INCORRECT,
                    "that looks like a percentage; give the fraction, a number between 0 and 1.",
                )
        return Verdict(INCORRECT, reason + ".")

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        return f"answer = {_describe(self.answer)}"


def _is_integral(x) -> bool:
    return _as_array(x) is not None and np.asarray(x).dtype.kind in "biu"


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
        hints=(),
        solution=None,
    ):
        if isinstance(answer, np.ndarray) and answer.ndim > 0:
            raise TypeError("Value expects a single value; use Array for arrays.")
        rtol, atol, digits = _check_tolerance(rtol, atol, digits)
        if digits is None and rtol is None and atol is None:
            digits = DIGITS
        super().__init__(
            prompt,
            answer,
            rtol=rtol,
            atol=atol,
            mistakes=_check_mistakes(mistakes, "value"),
            hints=hints,
            solution=solution,
            digits=digits,
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
        expected = _as_array(answer)
        if expected is None or expected.ndim == 0:
            raise TypeError("Array expects an array of numbers as its answer.")
        rtol, atol, _ = _check_tolerance(rtol, atol, None)
        mistakes = [
            (np.asarray(value), feedback) for value, feedback in _check_mistakes(mistakes, "array")
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


# --------------------------------------------------------------------------- functions


def _is_verdict(value) -> bool:
    return (
        type(value) is tuple
        and len(value) == 2
        and value[0] in (CORRECT, INCORRECT, NOT_ATTEMPTED)
        and type(value[1]) is str
    )


def _could_not_check(error_types: tuple, message: str) -> Verdict:
    """The verdict when grading raised: the course's own errors (a damaged data file...) say
    what to do in their message, so it is shown whole; any other names the exception."""
    name = error_types[0].rpartition(".")[2] if error_types else "an error"
    if message and any(kind.startswith("course_utils.") for kind in error_types):
        return Verdict(INCORRECT, f"this answer could not be checked: {_sentence(message)}")
    detail = f": {message[:150]}" if message else ""
    return Verdict(
        INCORRECT, f"this answer could not be checked: comparing it raised {name}{detail}."
    )


def _what_it_did(outcome: _sandbox.Outcome) -> str:
    """What one call of a function did, as the end of a sentence ("it raised ...")."""
    if outcome.kind == "timeout":
        return "it did not finish in time (an infinite loop?)"
    if outcome.kind == "error":
        detail = f": {outcome.detail[:150]}" if outcome.detail else ""
        return f"it raised {outcome.error_name}{detail}"
    if outcome.kind == "opaque":
        return f"it returned {outcome.detail}, which cannot be compared with the expected value"
    if outcome.kind == "crash":
        how, _, number = outcome.detail.rpartition(" ")
        if how == "signal":
            try:
                name = signal.Signals(int(number)).name
            except ValueError:
                name = f"signal {number}"
            return f"it crashed the process that ran it ({name})"
        return f"it ended the process that ran it (exit status {number}, e.g. os._exit)"
    return f"got {_describe(outcome.value)}"


def _run(func, cases, seconds: float, *, stop_at_timeout: bool = True):
    """Run ``func`` on each case in the sandbox, each on a deep copy of its arguments.

    Returns a list of :class:`_sandbox.Outcome`, one per case that ran.
    """

    def call(*args):
        try:
            args = copy.deepcopy(args)  # a function that changes its input cannot change the case
        except Exception:
            pass
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args)

    return _sandbox.run(call, cases, seconds, stop_at_timeout=stop_at_timeout)


def _run_answer(func, cases, seconds: float) -> tuple[bool, list]:
    """Whether the learner's ``func`` has an empty body, and its outcomes on ``cases``.

    Both in the sandbox, in one child process: reading a function's source follows its
    ``__wrapped__`` and opens its ``co_filename``, which a learner controls (a FIFO blocks for
    ever). If that read does not give an answer, the function counts as written.
    """

    def step(kind, args):  # run by _run, on a deep copy of the case
        return _is_empty_function(func) if kind == "empty?" else func(*args)

    first, *rest = _run(step, [("empty?", ())] + [("call", case) for case in cases], seconds)
    if first.kind == "value" and first.value is True:
        return True, []
    if first.kind != "value":  # the read hung or crashed: run the cases on their own
        return False, _run(func, cases, seconds)
    return False, rest


def _empty(): ...


def _empty_with_docstring():
    """A docstring."""
    ...


# Bytecode of bodies that do nothing: the fallback when the source is not available.
_EMPTY_BYTECODES = {_empty.__code__.co_code, _empty_with_docstring.__code__.co_code}


def _is_empty_function(func) -> bool:
    """True when ``func``'s body is only ``...`` or ``pass`` (after an optional docstring).

    Reads the source (Jupyter keeps cell sources, so this works in notebooks);
    without source, compares bytecode with an empty function's, which cannot
    tell ``...`` from ``return None`` (both are wrong answers anyway). Any other
    callable (a builtin, a callable object) counts as written: it is only called,
    in the sandbox.
    """
    if type(func) is not types.FunctionType:
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        code = getattr(func, "__code__", None)
        # `return 0.5` can compile to the same bytecode as `...`: the constants tell them apart
        return (
            code is not None
            and code.co_code in _EMPTY_BYTECODES
            and all(c is None or c is Ellipsis or type(c) is str for c in code.co_consts)
        )
    defs = [
        node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    if not defs:
        return False
    body = defs[0].body
    return all(
        isinstance(statement, ast.Pass)
        or isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and (statement.value.value is Ellipsis or isinstance(statement.value.value, str))
        for statement in body
    )  # only a docstring, `...` and `pass`: nothing computed


def _sentence(text: str) -> str:
    """``text`` ending with a full stop (feedback is written by several authors)."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


class Function(Question):
    """A function the learner writes, run on several cases and compared with a reference.

    The learner's function, the reference and the mistakes each run in a child process on
    Linux (:mod:`._sandbox`), so a function that loops for ever, exits, crashes or changes
    numpy, the recursion limit, signal handlers or random state leaves the kernel as it was.

    Parameters
    ----------
    prompt : str
        The question.
    answer : callable
        The reference solution.
    cases : list of tuple
        Each case is a tuple of positional arguments (a single argument: ``(x,)``).
        Include edge cases: zero, empty arrays, negative values. When the
        reference raises on a case, the learner's function must raise the same
        exception type (or a subclass).
    rtol, atol : float, optional
        Tolerances for numeric results (default ``rtol=1e-6, atol=1e-12``).
    timeout : float, default=2.0
        Seconds allowed per call (0 < timeout <= 600), so an infinite loop gets a verdict.
    mistakes : list of (callable, str), optional
        Typical wrong functions; when the learner's function behaves like one
        on every case, its feedback is shown (with the first failing case).
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Code shown by ``solution()``.
    """

    def __init__(
        self,
        prompt,
        answer,
        cases,
        *,
        rtol=None,
        atol=None,
        timeout=2.0,
        mistakes=(),
        hints=(),
        solution=None,
    ):
        super().__init__(prompt, hints=hints, solution=solution)
        if not callable(answer):
            raise TypeError("Function expects a callable as its answer.")
        if isinstance(cases, (str, bytes)) or not hasattr(cases, "__iter__"):
            raise TypeError("cases must be a non-empty list of tuples of arguments.")
        cases = list(cases)
        if not cases or not all(isinstance(case, tuple) for case in cases):
            raise TypeError("cases must be a non-empty list of tuples of arguments.")
        self.answer = answer
        self.cases = cases
        self.rtol = 1e-6 if rtol is None else check_scalar(rtol, "rtol")
        self.atol = 1e-12 if atol is None else check_scalar(atol, "atol")
        self.timeout = check_scalar(timeout, "timeout", low=0.0, low_inclusive=False, high=600.0)
        self.mistakes = []
        for item in mistakes:
            if not (isinstance(item, tuple) and len(item) == 2 and callable(item[0])):
                raise TypeError("mistakes must be a list of (function, feedback) pairs.")
            if not isinstance(item[1], str) or not item[1].strip():
                raise TypeError("each mistake's feedback must be a non-empty string.")
            self.mistakes.append((item[0], _sentence(item[1])))
        self._course_outcomes = {}  # the reference's and the mistakes' outcomes, run once

    def _course_run(self, func) -> list:
        """Outcomes of the course's own ``func`` (the reference or a mistake) on every case.

        Run once per function, cases and timeout, then reused: each check forks only once,
        for the learner's function. The cached value keeps the cases alive, so their ids
        (part of the key) cannot be reused by other objects.
        """
        key = (id(func), self.timeout, tuple(id(case) for case in self.cases))
        if key not in self._course_outcomes:
            outcomes = _run(func, self.cases, self.timeout, stop_at_timeout=False)
            self._course_outcomes[key] = (func, list(self.cases), outcomes)
        return self._course_outcomes[key][2]

    def _grades_in_kernel(self, answer) -> bool:
        return callable(answer) or _sandbox.is_plain(answer)  # a function is run in the sandbox

    def _agree(self, got: _sandbox.Outcome, expected: _sandbox.Outcome) -> bool:
        if expected.kind == "error":
            return got.kind == "error" and expected.error_types[0] in got.error_types
        return (
            expected.kind == "value"  # never agreement when the reference itself failed
            and got.kind == "value"
            and _difference(got.value, expected.value, self.rtol, self.atol) is None
        )

    def _grade(self, answer) -> Verdict:
        if not callable(answer):
            return Verdict(INCORRECT, f"expected a function, got {_describe(answer)}.")
        empty, outcomes = _run_answer(answer, self.cases, self.timeout)  # stops at a time-out
        if empty:
            return Verdict(
                NOT_ATTEMPTED,
                "write the body of the function (replace `...`), then run this cell again.",
            )
        name = answer.__name__ if type(answer) is types.FunctionType else "f"
        name = name if type(name) is str and name.isidentifier() else "f"
        expected = self._course_run(self.answer)
        failure = None  # "name(args): got ..., expected ..." for the first failing case
        for args, got, wanted in zip(self.cases, outcomes, expected, strict=False):
            call = f"{name}({', '.join(_describe(a) for a in args)})"
            if wanted.kind not in ("value", "error"):
                return Verdict(
                    INCORRECT,
                    f"this answer could not be checked: on {call} the course's own solution: "
                    f"{_what_it_did(wanted)}. That is a bug in the course; please report it.",
                )
            if not self._agree(got, wanted):
                target = (
                    f"expected it to raise {wanted.error_name}"
                    if wanted.kind == "error"
                    else f"expected {_describe(wanted.value)}"
                )
                failure = f"{call}: {_what_it_did(got)}, {target}."
                if got.kind == "value" and got.value is None:
                    failure += " Did you forget `return`?"
                break
        if failure is None and len(outcomes) == len(expected) == len(self.cases):
            return Verdict(CORRECT, f"well done: all {len(self.cases)} test cases pass.")
        failure = failure or "it did not run on every case."  # a guard: a run ends on a failure
        for wrong, feedback in self.mistakes:
            if len(outcomes) < len(self.cases):  # it timed out or crashed: like no mistake
                break
            behaved = self._course_run(wrong)
            if len(behaved) == len(outcomes) and all(
                self._agree(got, mistake) for got, mistake in zip(outcomes, behaved, strict=True)
            ):
                return Verdict(INCORRECT, f"{feedback} First failing case: {failure}")
        return Verdict(INCORRECT, f"first failing case: {failure}")

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        try:
            return textwrap.dedent(inspect.getsource(self.answer))
        except (OSError, TypeError):
            return "(no solution text given)"


# --------------------------------------------------------------------------- multiple choice


def _option_key(answer: str) -> str:
    """The letter in "b", " B ", "(b)", "b)", "B." or "[b]".

    Plain string methods, no regular expression: the time is linear in the answer's length
    (a regex such as ``\\s*[)\\].:]$`` backtracks quadratically over a long run of spaces).
    """
    key = answer.strip().lower()
    if key.startswith(("(", "[")):
        key = key[1:].lstrip()
    if key.endswith((")", "]", ".", ":")):
        key = key[:-1].rstrip()
    return key.strip()


class MultipleChoice(Question):
    """Choose one option; every option has an explanation shown when it is chosen.

    Parameters
    ----------
    prompt : str
        The question.
    options : dict of str -> (str, str)
        Option key (e.g. ``"a"``) -> (option text, explanation shown when chosen).
    answer : str
        The key of the right option.
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Shown by ``solution()``; by default the right option and its explanation.
    """

    def __init__(self, prompt, options, answer, *, hints=(), solution=None):
        super().__init__(prompt, hints=hints, solution=solution)
        if not isinstance(options, dict):
            raise TypeError("options must be a dict: key -> (option text, explanation).")
        if len(options) < 2:
            raise ValueError("options must hold at least two options.")
        self.options = {}
        for key, pair in options.items():
            if not (isinstance(key, str) and key.strip()):
                raise TypeError(f"option keys must be non-empty strings, got {_describe(key)}.")
            if not (
                isinstance(pair, tuple)
                and len(pair) == 2
                and all(isinstance(part, str) and part.strip() for part in pair)
            ):
                raise TypeError(
                    f"option {key!r} must be a pair of non-empty strings (text, explanation)."
                )
            text, why = pair
            self.options[key.strip().lower()] = (text, _sentence(why))
        if not isinstance(answer, str):
            raise TypeError(f"answer must be an option key (a string), got {_describe(answer)}.")
        self.answer = answer.strip().lower()
        if self.answer not in self.options:
            raise ValueError(f"answer {answer!r} is not one of the option keys.")

    @property
    def mistakes(self) -> list[tuple[str, str]]:
        """list of (key, explanation): the wrong options, as in the other question kinds."""
        return [(key, why) for key, (_, why) in self.options.items() if key != self.answer]

    def _grade(self, answer) -> Verdict:
        keys = ", ".join(f'"{key}"' for key in self.options)
        if not isinstance(answer, str):
            return Verdict(
                INCORRECT,
                f"answer with one of the letters {keys}, as a string; got {_describe(answer)}.",
            )
        key = _option_key(answer)
        if key not in self.options:
            return Verdict(INCORRECT, f"{_describe(answer)} is not one of the options {keys}.")
        label = CORRECT if key == self.answer else INCORRECT
        return Verdict(label, self.options[key][1])

    def options_text(self) -> str:
        """Return the prompt and the options, one per line (explanations hidden)."""
        lines = [self.prompt] + [f"  {key}) {text}" for key, (text, _) in self.options.items()]
        return "\n".join(lines)

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        text, why = self.options[self.answer]
        return f'answer = "{self.answer}"   # {text.rstrip(".")}. {why}'
