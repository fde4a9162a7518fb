"""Function questions: the learner writes a function, run on cases against a reference."""

from __future__ import annotations

import inspect
import textwrap
import types

import numpy as np

from .._validation import check_scalar
from . import _sandbox
from ._question import MAX_LIST, Question
from ._runner import _run, _run_answer, _what_it_did
from ._slips import asks_for_fraction, name_function_slip
from ._values import _describe, _difference, _is_number
from ._verdict import CORRECT, INCORRECT, NOT_ATTEMPTED, Verdict, _sentence


def _is_empty(x) -> bool:
    return isinstance(x, np.ndarray) and x.size == 0


def _kind(x) -> str:
    """The kind of a result in words: "a number", "an array of shape (3,)", "a list"..."""
    if isinstance(x, (bool, np.bool_)):
        return "True or False"
    if _is_number(x):
        return "a number"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} value{'' if len(x) == 1 else 's'}"
    return _describe(x) if x is None or isinstance(x, str) else f"a {type(x).__name__}"


def _ndim(case) -> int:
    """The most dimensions of an array among a case's arguments (0 for numbers only)."""
    return max((a.ndim for a in case if isinstance(a, np.ndarray)), default=0)


def _only_large_integers(failing, passing) -> bool:
    """True when every failing case holds an integer of 2**31 or more (the size where float
    arithmetic and 32-bit integers stop being exact) and some passing case holds none."""

    def large(case):
        return any(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) and abs(int(a)) >= 2**31
            for a in case
        )

    return all(large(case) for case in failing) and not all(large(case) for case in passing)


def _fails_on_empty(got: _sandbox.Outcome, wanted: _sandbox.Outcome) -> str:
    """The sentence for a function that fails only on empty input: what the prompt asks there
    (an error, or a value as numpy gives) and what the function did."""
    did = (
        f"raises {got.error_name}"
        if got.kind == "error"
        else f"returns {_describe(got.value)}"
        if got.kind == "value"
        else "does not return a value"
    )
    if wanted.kind == "error":
        return (
            f"Your function fails only on empty input: there it {did}, and the prompt asks "
            f"for a {wanted.error_name}."
        )
    if got.kind == "error":
        return (
            "Your function fails only on empty input; numpy's own functions accept an "
            "empty array, and so should yours."
        )
    return f"Your function fails only on empty input: there it {did}."


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
        All the calls of one check together get ``max(timeout, check_seconds)`` (10 s), and
        their results together at most 32 MB (``_sandbox.MAX_RUN_BYTES``); the learner's run
        stops at the first case that runs out of time, crashes or returns something that
        cannot be compared (a result over 16 MB, an object of the learner's own class).
        The course's own functions (the reference and each mistake) get the same limits: each
        run of one of them on all the cases gets ``max(timeout, check_seconds)`` in total. A
        run is computed once per kernel and reused by every check; a run that uses up its total
        time is not kept (the next check runs it again); for the reference, the check then says
        "could not be checked ... a bug in the course" instead of waiting. So one check takes
        at most that total for the learner's function, once more for the reference, and once
        more per mistake run (a mistake runs only after the learner's function failed).
    mistakes : list of (callable, str), optional
        Typical wrong functions; when the learner's function behaves like one
        on every case, its feedback is shown (with the first failing case).
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Code shown by ``solution()``.
    """

    #: Seconds allowed for all the calls of the learner's function in one check together (at
    #: least ``timeout``): a function just under the per-call limit on each case still gets
    #: its verdict in time.
    check_seconds = 10.0

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
        if not isinstance(cases, (list, tuple)) or len(cases) > MAX_LIST:
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
        if not isinstance(mistakes, (list, tuple)) or len(mistakes) > MAX_LIST:
            raise TypeError("mistakes must be a list of (function, feedback) pairs.")
        for item in mistakes:
            if not (isinstance(item, tuple) and len(item) == 2 and callable(item[0])):
                raise TypeError("mistakes must be a list of (function, feedback) pairs.")
            if not isinstance(item[1], str) or not item[1].strip():
                raise TypeError("each mistake's feedback must be a non-empty string.")
            self.mistakes.append((item[0], _sentence(item[1])))
        self._course_outcomes = {}  # the reference's and the mistakes' outcomes, run once

    def _course_run(self, func) -> list:
        """Outcomes of the course's own ``func`` (the reference or a mistake) on every case.

        Each call gets ``timeout`` and the whole run ``max(timeout, check_seconds)``, like the
        learner's function: a slow reference gives a "could not be checked" verdict in bounded
        time. A run that did not run out of its total time is kept per function, cases and
        timeout, then reused: each later check forks only once, for the learner's function. A
        run that ran out of its total time is not kept, so a busy moment is not remembered.
        The cached value keeps the cases alive, so their ids (part of the key) cannot be reused
        by other objects.
        """
        key = (id(func), self.timeout, tuple(id(case) for case in self.cases))
        if key in self._course_outcomes:
            return self._course_outcomes[key][2]
        total = max(self.timeout, self.check_seconds)
        outcomes = _run(func, self.cases, self.timeout, stop_at_timeout=False,
                        total_seconds=total)
        ran_out = any(o.kind == "timeout" and o.detail == "total" for o in outcomes)
        if not ran_out:
            self._course_outcomes[key] = (func, list(self.cases), outcomes)
        return outcomes

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
        total = max(self.timeout, self.check_seconds)
        empty, outcomes = _run_answer(answer, self.cases, self.timeout, total)  # stops early
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
        if len(outcomes) == len(self.cases):
            plain = self._in_plain_words(outcomes, expected)
            if plain is not None:
                return Verdict(INCORRECT, f"{plain} First failing case: {failure}")
        return Verdict(INCORRECT, f"first failing case: {failure}")

    def _in_plain_words(self, outcomes, expected) -> str | None:
        """What the learner's function does wrong on the cases where it fails, in one sentence:
        None returned on every case, failing only on empty input or only on large integers,
        a common slip (:mod:`._slips`) shared by every failing case, the wrong kind of result,
        or failing only on arrays of more dimensions than the passing cases. None when no
        pattern is clear: a diagnosis is given only when every failing case supports it."""
        failing = [
            (case, got, wanted)
            for case, got, wanted in zip(self.cases, outcomes, expected, strict=True)
            if not self._agree(got, wanted)
        ]
        if not failing:
            return None
        if all(got.kind == "value" and got.value is None for got in outcomes):
            return "Your function returns None on every case: did you forget `return`?"
        failed = {id(case) for case, _, _ in failing}
        passing = [case for case in self.cases if id(case) not in failed]
        if passing and all(any(_is_empty(a) for a in case) for case, _, _ in failing):
            return _fails_on_empty(failing[0][1], failing[0][2])
        if passing and _only_large_integers([case for case, _, _ in failing], passing):
            return (
                "Your function fails only on large integers (2**31 and more) and passes every "
                "smaller case: probably float arithmetic (a logarithm, a division, "
                "`float(n)`), which is inexact for integers this large, or a fixed-size integer "
                "type that overflows. Count with Python integers."
            )
        if all(got.kind == wanted.kind == "value" for _, got, wanted in failing):
            pairs = [(got.value, wanted.value) for _, got, wanted in failing]
            slip = name_function_slip(
                pairs,
                tolerance=lambda value: (self.rtol, self.atol),
                fraction=asks_for_fraction(self.prompt),
            )
            if slip is not None:
                return slip
            # one wrong kind on every failing case (arrays of any shape count as one kind)
            kinds = {_kind(got).partition(" of ")[0] for got, _ in pairs}
            got, wanted = pairs[0]
            if len(kinds) == 1 and _kind(got) != _kind(wanted):
                return f"Your function returns {_kind(got)} where {_kind(wanted)} is expected."
        most = max((_ndim(case) for case in passing), default=-1)
        if passing and all(_ndim(case) > most for case, _, _ in failing):
            fewest = min(_ndim(case) for case, _, _ in failing)
            if most == 0:
                return "Your function works on single numbers but not on arrays (element-wise)."
            return (
                f"Your function works on arrays of up to {most} dimension"
                f"{'' if most == 1 else 's'} but fails on a {fewest}-D array: "
                "work element-wise, whatever the shape."
            )
        return None

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        try:
            return textwrap.dedent(inspect.getsource(self.answer))
        except (OSError, TypeError):
            return "(no solution text given)"
