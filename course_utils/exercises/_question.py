"""The base of every question: grade, check, hint and solution."""

from __future__ import annotations

from . import _progress, _sandbox
from ._display import _show
from ._runner import _what_it_did
from ._verdict import (
    INCORRECT,
    NOT_ATTEMPTED,
    CheckResult,
    Verdict,
    _could_not_check,
    _finish,
    _is_verdict,
)

#: An array answer with more values than this gets its verdict from its shape alone (reading
#: it, e.g. a ``np.broadcast_to`` of one number to 10**9 values, would take seconds and GBs).
MAX_ANSWER_VALUES = 10**7
#: The most hints, cases, mistakes or predicted values a question's author may list (a list
#: or a tuple: an array or a generator of millions would be read in full at construction).
MAX_LIST = 1000

_NOT_ATTEMPTED_MESSAGE = "replace the ... with your answer, then run this cell again."


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
        if not isinstance(hints, (list, tuple)) or len(hints) > MAX_LIST:
            raise TypeError("hints must be a list of strings.")
        hints = list(hints)
        if not all(isinstance(hint, str) and hint.strip() for hint in hints):
            raise TypeError("hints must be a list of non-empty strings.")
        if solution is not None and not isinstance(solution, str):
            raise TypeError(f"solution must be a string (code or text), got "
                            f"{type(solution).__name__}.")
        self.prompt = prompt
        self.hints = hints
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
            Its message is one sentence or more, starting with a capital letter (the label
            is shown before it: "Incorrect: Got 4845.").
        """
        return _finish(self._grade_safely(answer))

    def _grade_safely(self, answer) -> Verdict:
        if answer is Ellipsis:
            return Verdict(NOT_ATTEMPTED, _NOT_ATTEMPTED_MESSAGE)
        values = _sandbox.array_values(answer)  # from the arrays' shapes only
        if values > MAX_ANSWER_VALUES:
            return Verdict(
                INCORRECT,
                f"your answer holds arrays of {values:,} values, far more than any answer "
                f"here (at most {MAX_ANSWER_VALUES:,} are read): check what you computed.",
            )
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
        if outcome.kind == "crash":
            return Verdict(
                INCORRECT,
                f"this answer could not be checked: reading it crashed the process that compared "
                f"it ({_what_it_did(outcome).rpartition('(')[2]}: it points at memory it does not "
                "own (an `as_strided` view, a ctypes pointer?). Pass an ordinary array, e.g. "
                "np.array(...) of your values.",
            )
        return Verdict(INCORRECT, f"this answer could not be checked: {_what_it_did(outcome)}.")

    def _grades_in_kernel(self, answer) -> bool:
        """True when ``answer`` can be graded in the kernel's own process (plain data)."""
        return _sandbox.is_plain(answer)

    def check(self, answer) -> CheckResult:
        """Show the verdict on ``answer`` and return whether it is correct.

        Parameters
        ----------
        answer : object
            The learner's answer; ``...`` means not attempted yet.

        Returns
        -------
        CheckResult
            True (1) when the answer is correct, else False (0); used like a bool, and not
            shown by Jupyter, so the cell shows the verdict only.
        """
        verdict = self.grade(answer)
        _show(verdict.label, verdict.message)
        _progress.record(self, verdict)  # for progress() and tools/grade.py; never raises
        return CheckResult(verdict.passed)

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
