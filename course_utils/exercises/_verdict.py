"""Verdicts: the three states of an answer and the sentences that explain them.

*Not attempted yet* (the answer is still ``...``, or a function whose body is only ``...``
or ``pass``), *Incorrect* (with the reason, or the author's targeted feedback when the
answer matches a listed mistake) and *Correct*, as in Kaggle Learn's learntools. ``check``
returns a :class:`CheckResult`: true or false like a bool, shown as nothing by Jupyter.
"""

from __future__ import annotations

import re
from typing import NamedTuple

CORRECT = "Correct"
INCORRECT = "Incorrect"
NOT_ATTEMPTED = "Not attempted yet"


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


class CheckResult(int):
    """What ``check`` returns: whether the answer is correct, used like a ``bool``.

    An ``int``, 1 or 0, written ``True`` or ``False``: ``if ex00.q1.check(answer):``,
    ``== True`` and ``sum(...)`` work as with a bool. IPython shows nothing for it
    (``_ipython_display_`` draws nothing), so a check cell shows its verdict only, without
    an ``Out [n]: True`` under it, in JupyterLab (which stores history) and under nbval
    (which runs cells with ``store_history=False``, where a trailing ``;`` is ignored).
    """

    def __new__(cls, passed: bool) -> CheckResult:
        return super().__new__(cls, bool(passed))

    def __repr__(self) -> str:
        return repr(bool(self))

    __str__ = __repr__

    def _ipython_display_(self) -> None:
        """Show nothing: ``check`` has shown the verdict."""


def _sentence(text: str, *, capital: bool = True) -> str:
    """``text`` as one sentence: a capital first letter and one full stop at the end.

    Feedback is written by several authors; this makes it read the same. Only a first word
    of two or more lowercase letters is capitalised: a name such as ``w_4``, ``n`` or
    ``ceil(x)`` stays as written (write other names between backticks). ``capital=False``
    keeps the first letter as written (a clause that continues another sentence).
    """
    text = text.strip()
    if capital and re.match(r"([a-z]{2,}|a)[,:;]?(\s|$)", text):  # a word, not a name like w_4 or n
        text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _finish(verdict: Verdict) -> Verdict:
    """``verdict`` with its message as a sentence (:func:`_sentence`): every verdict the
    learner sees, the engine's own ("Got 4845.") and the author's, starts the same way."""
    return Verdict(verdict.label, _sentence(verdict.message))


def _clause(text: str) -> str:
    """``text`` without its closing full stop, to go on inside a sentence (not "(0,)., ...")."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("...") else text


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
        return Verdict(
            INCORRECT, f"this answer could not be checked: {_sentence(message, capital=False)}"
        )
    detail = f": {_clause(message[:150])}" if message else ""
    return Verdict(
        INCORRECT, f"this answer could not be checked: comparing it raised {name}{detail}."
    )
