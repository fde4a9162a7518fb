"""Self-checking exercises: one engine, one module of questions per notebook.

In a notebook::

    from course_utils.exercises import ex03
    ex03.q1.check(answer)   # Correct / Incorrect (why) / Not attempted yet; True or False
    ex03.q1.hint()          # the next hint, one per call
    ex03.q1.solution()      # the solution
    progress()              # which questions are correct, attempted or not tried yet

Question modules (``ex00.py``, ``ex01.py``, ...) are imported on demand as
submodules, never here, so one notebook's questions do not load another's.
Authors build questions with the classes of :mod:`course_utils.exercises._engine`:
:class:`Value`, :class:`Array`, :class:`Function` and :class:`MultipleChoice`.
"""

from ._engine import Array, Function, MultipleChoice, Question, Value, Verdict
from ._progress import progress

__all__ = ["Array", "Function", "MultipleChoice", "Question", "Value", "Verdict", "progress"]
