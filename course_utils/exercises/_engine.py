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
import signal
import textwrap
import threading
import warnings
from typing import NamedTuple

import numpy as np

__all__ = ["Verdict", "Question", "Value", "Array", "Function", "MultipleChoice"]

CORRECT = "Correct"
INCORRECT = "Incorrect"
NOT_ATTEMPTED = "Not attempted yet"

# Okabe-Ito colours (colour-blind safe; hint and solution darkened for contrast); the label
# always says the state in words too.
_COLOURS = {
    CORRECT: "#009E73",
    INCORRECT: "#D55E00",
    NOT_ATTEMPTED: "#0072B2",
    "Hint": "#A67300",
    "Solution": "#2E86C1",
}  # each at least 3:1 against white and against a dark theme's background (#111111, #131416)

_NOT_ATTEMPTED_MESSAGE = "replace `...` with your answer, then run this cell again."


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


def _show(label: str, message: str, code: str | None = None) -> None:
    """Show ``label: message`` (and optional code) as HTML in Jupyter, else as plain text.

    In Jupyter one output holds both ``text/plain`` and ``text/html``, so the
    stored notebook stays readable anywhere and nbval compares both.
    """
    plain = f"{label}: {message}"
    if code is not None:
        plain += "\n" + code
    if not _in_notebook():
        print(plain)
        return
    from IPython.display import display

    colour = _COLOURS["Hint" if label.startswith("Hint") else label]  # "Hint 1 of 2" too
    body = f"<strong>{html.escape(label)}:</strong> {html.escape(message)}"
    if code is not None:
        body += f"<pre><code>{html.escape(code)}</code></pre>"
    html_text = f'<div style="border-left: 6px solid {colour}; padding: 4px 10px;">{body}</div>'
    display({"text/plain": plain, "text/html": html_text}, raw=True)


# --------------------------------------------------------------------------- describing values


def _describe(x) -> str:
    """A short, deterministic description of any value (never a memory address)."""
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
        inner = ", ".join(_describe(item) for item in x)
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


def _default_tolerance(expected, rtol, atol) -> tuple[float, float]:
    """Integers (and bools) are compared exactly unless a tolerance is given."""
    kind = np.asarray(expected).dtype.kind if _as_array(expected) is not None else "O"
    exact = kind in "biu"
    rtol = (0.0 if exact else 1e-6) if rtol is None else float(rtol)
    atol = (0.0 if exact else 1e-12) if atol is None else float(atol)
    return rtol, atol


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

    def grade(self, answer) -> Verdict:
        """Grade ``answer`` without showing anything; never raises.

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
        try:
            return self._grade(answer)
        except Exception as exc:  # a last guard: a checker bug must not reach the learner
            return Verdict(INCORRECT, f"this answer could not be checked ({type(exc).__name__}).")

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

    def __init__(self, prompt, answer, *, rtol, atol, mistakes, hints, solution):
        super().__init__(prompt, hints=hints, solution=solution)
        self.answer = answer
        self.rtol, self.atol = _default_tolerance(answer, rtol, atol)
        self.mistakes = [(value, _sentence(str(feedback))) for value, feedback in mistakes]

    def _grade(self, answer) -> Verdict:
        reason = _difference(answer, self.answer, self.rtol, self.atol)
        if reason is None:
            return Verdict(CORRECT, "well done.")
        for wrong, feedback in self.mistakes:
            if _difference(answer, wrong, self.rtol, self.atol) is None:
                return Verdict(INCORRECT, feedback)
        return Verdict(INCORRECT, reason + ".")

    def _solution_text(self) -> str:
        if self._solution is not None:
            return self._solution
        return f"answer = {_describe(self.answer)}"


class Value(_Compared):
    """A single value, compared with a tolerance.

    Parameters
    ----------
    prompt : str
        The question.
    answer : int, float or object
        The expected value. Numbers are compared with
        ``|got - answer| <= atol + rtol * |answer|``; other objects with ``==``.
    rtol, atol : float, optional
        Tolerances; by default exact for integers, ``rtol=1e-6, atol=1e-12`` for floats.
    mistakes : list of (value, str), optional
        Typical wrong answers and the feedback shown when the learner gives one.
    hints : list of str, optional
        Revealed one per ``hint()`` call.
    solution : str, optional
        Code shown by ``solution()``.
    """

    def __init__(
        self, prompt, answer, *, rtol=None, atol=None, mistakes=(), hints=(), solution=None
    ):
        if isinstance(answer, np.ndarray) and answer.ndim > 0:
            raise TypeError("Value expects a single value; use Array for arrays.")
        super().__init__(
            prompt, answer, rtol=rtol, atol=atol, mistakes=mistakes, hints=hints, solution=solution
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
        mistakes = [(np.asarray(value), feedback) for value, feedback in mistakes]
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


class _TimeLimit(BaseException):
    """Raised inside a learner's function that runs too long.

    A BaseException, so that a learner's ``except Exception`` cannot swallow it.
    """


def _call_with_time_limit(func, args, seconds: float):
    """Call ``func(*args)``; raise ``_TimeLimit`` if it runs longer than ``seconds``.

    Uses SIGALRM where it exists and we are in the main thread (Linux, macOS,
    Colab, a Jupyter kernel): the call is really interrupted. Elsewhere (Windows,
    other threads) the call runs in a daemon thread that is abandoned on time-out,
    so an infinite loop still costs CPU but no longer blocks the learner.
    """
    use_signal = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if use_signal:

        def on_alarm(signum, frame):
            raise _TimeLimit

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return func(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box = {}

    def target():
        try:
            box["value"] = func(*args)
        except BaseException as exc:  # handed back to the calling thread below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise _TimeLimit
    if "error" in box:
        raise box["error"]
    return box["value"]


class _Outcome(NamedTuple):
    """What one call did: returned ``value``, raised ``error``, or timed out."""

    value: object = None
    error: BaseException | None = None
    timed_out: bool = False

    def describe(self) -> str:
        if self.timed_out:
            return "it did not finish in time (an infinite loop?)"
        if self.error is not None:
            return f"it raised {type(self.error).__name__}: {str(self.error)[:150]}"
        return f"got {_describe(self.value)}"


def _run(func, args, seconds: float) -> _Outcome:
    """Call ``func`` on a deep copy of ``args`` (so mutation cannot leak between calls)."""
    try:
        args = copy.deepcopy(args)
    except Exception:
        pass
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _Outcome(value=_call_with_time_limit(func, args, seconds))
    except _TimeLimit:
        return _Outcome(timed_out=True)
    except (Exception, SystemExit) as exc:  # sys.exit() in a learner's function is a wrong answer
        return _Outcome(error=exc)


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
    tell ``...`` from ``return None`` (both are wrong answers anyway).
    """
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError, IndentationError):
        code = getattr(func, "__code__", None)
        # `return 0.5` can compile to the same bytecode as `...`: the constants tell them apart
        return (
            code is not None
            and code.co_code in _EMPTY_BYTECODES
            and all(c is None or c is Ellipsis or isinstance(c, str) for c in code.co_consts)
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
        Seconds allowed per call, so an infinite loop gets a verdict.
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
        cases = list(cases)
        if not cases or not all(isinstance(case, tuple) for case in cases):
            raise TypeError("cases must be a non-empty list of tuples of arguments.")
        self.answer = answer
        self.cases = cases
        self.rtol = 1e-6 if rtol is None else float(rtol)
        self.atol = 1e-12 if atol is None else float(atol)
        self.timeout = float(timeout)
        self.mistakes = [(func, _sentence(str(feedback))) for func, feedback in mistakes]

    def _agree(self, got: _Outcome, expected: _Outcome) -> bool:
        if got.timed_out or expected.timed_out:
            return got.timed_out and expected.timed_out
        if expected.error is not None:
            return got.error is not None and isinstance(got.error, type(expected.error))
        return (
            got.error is None
            and _difference(got.value, expected.value, self.rtol, self.atol) is None
        )

    def _grade(self, answer) -> Verdict:
        if not callable(answer):
            return Verdict(INCORRECT, f"expected a function, got {_describe(answer)}.")
        if _is_empty_function(answer):
            return Verdict(
                NOT_ATTEMPTED,
                "write the body of the function (replace `...`), then run this cell again.",
            )
        name = getattr(answer, "__name__", "f")
        name = name if name.isidentifier() else "f"
        outcomes = []
        for args in self.cases:
            outcomes.append(_run(answer, args, self.timeout))
            if outcomes[-1].timed_out:  # do not wait again on every remaining case
                break
        failure = None  # "name(args): got ..., expected ..." for the first failing case
        for args, got in zip(self.cases, outcomes, strict=False):
            expected = _run(self.answer, args, self.timeout)
            if not self._agree(got, expected):
                wanted = (
                    f"expected it to raise {type(expected.error).__name__}"
                    if expected.error is not None
                    else f"expected {_describe(expected.value)}"
                )
                failure = (
                    f"{name}({', '.join(_describe(a) for a in args)}): {got.describe()}, {wanted}."
                )
                if got.error is None and not got.timed_out and got.value is None:
                    failure += " Did you forget `return`?"
                break
        if failure is None:
            return Verdict(CORRECT, f"well done: all {len(self.cases)} test cases pass.")
        for wrong, feedback in self.mistakes:
            if len(outcomes) == len(self.cases) and all(
                self._agree(got, _run(wrong, args, self.timeout))
                for args, got in zip(self.cases, outcomes, strict=True)
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
        self.options = {
            str(key).strip().lower(): (str(text), _sentence(str(why)))
            for key, (text, why) in options.items()
        }
        self.answer = str(answer).strip().lower()
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
        key = answer.strip().lower().rstrip(")")
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
