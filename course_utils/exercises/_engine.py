"""The engine behind the course's self-checking exercises: where each part lives.

A question is a small declarative object (:class:`Value`, :class:`Array`,
:class:`Function`, :class:`MultipleChoice`) built in a module ``exNN.py`` that
reads like an answer key. A learner calls ``q1.check(answer)``, ``q1.hint()``
and ``q1.solution()``. Grading is separate from displaying: ``q1.grade(answer)``
returns a :class:`Verdict` and never raises; ``check`` shows it and returns a
:class:`CheckResult`, ``True`` or ``False`` like a bool but not echoed by Jupyter.

The engine is split by concept, one module each:

- :mod:`._verdict`: the three states (*Correct*, *Incorrect*, *Not attempted yet*),
  :class:`Verdict`, :class:`CheckResult` and the sentence helper every message goes through;
- :mod:`._question`: :class:`Question`, the base of every kind (grade, check, hint, solution);
- :mod:`._value_array`: :class:`Value` and :class:`Array`, compared with an expected value;
- :mod:`._function`: :class:`Function`, a learner's function run on cases;
- :mod:`._choice`: :class:`MultipleChoice`;
- :mod:`._values`: describing and comparing values (``_describe``, ``_difference``);
- :mod:`._tolerance`: the tolerance policy (one rule for every question) and near misses;
- :mod:`._slips`: the common slips (bits for bytes, a percentage, the sign...) named by themselves;
- :mod:`._display`: HTML in Jupyter, plain text elsewhere;
- :mod:`._runner`: running a learner's function in :mod:`._sandbox` and saying what it did;
- :mod:`._progress`: the progress store behind ``progress()``.

This module gathers the question kinds (and the internals that the tools and tests use)
so that ``from ._engine import ...`` keeps working.
"""

from __future__ import annotations

# The question kinds, and (noqa) internals that tools/grade.py, tools/verdicts.py, the tests
# and the question modules reach through this module.
from ._choice import MultipleChoice
from ._display import _in_notebook, _plain, _show  # noqa: F401
from ._function import Function
from ._question import Question
from ._runner import _what_it_did  # noqa: F401
from ._tolerance import DIGITS  # noqa: F401
from ._value_array import Array, Value
from ._values import _as_array, _describe, _difference  # noqa: F401
from ._verdict import (  # noqa: F401
    CORRECT,
    INCORRECT,
    NOT_ATTEMPTED,
    CheckResult,
    Verdict,
    _sentence,
)

__all__ = ["Verdict", "CheckResult", "Question", "Value", "Array", "Function", "MultipleChoice"]
