"""Verdicts: the three states of an answer and the sentences that explain them.

*Not attempted yet* (the answer is still ``...``, or a function whose body is only ``...``
or ``pass``), *Incorrect* (with the reason, or the author's targeted feedback when the
answer matches a listed mistake) and *Correct*, as in Kaggle Learn's learntools.
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
