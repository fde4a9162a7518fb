"""A learner's typical mistakes get a verdict, never a traceback (issue 7, item 4).

``test_exercises.py`` tests the engine on its own questions and junk values; this file adds the
mistakes of *functions* written by learners, run against every real function exercise of the
course (ex00 ... exNN): a function that raises, loops for ever (stopped by the time limit, even
when it swallows exceptions), returns the wrong type or the wrong shape. A function that calls
``sys.exit`` and one without source that returns a constant are covered too.

A limit of CPython 3.10 and older, not of the engine: a loop whose body *starts* with ``try:``
(``while True: try: ... except: ...``) never checks for signals, so neither the time limit (an
alarm signal) nor Jupyter's interrupt button can stop it (3.11 fixed this). The swallowing loop
below therefore does some work before its ``try``, as real code does.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil
import re
import sys

import numpy as np
import pytest

import course_utils.exercises as exercises
from course_utils.exercises._engine import CORRECT, INCORRECT, Function


def _function_questions():
    found = []
    for info in sorted(pkgutil.iter_modules(exercises.__path__), key=lambda i: i.name):
        if re.fullmatch(r"ex\d\d", info.name):
            module = importlib.import_module(f"course_utils.exercises.{info.name}")
            for attr, value in sorted(vars(module).items()):
                if isinstance(value, Function):
                    found.append(pytest.param(value, id=f"{info.name}.{attr}"))
    return found


def raises(*args):
    raise ValueError("oops")


def loops(*args):
    while True:
        pass


def loops_swallowing_errors(*args):
    total = 0
    while True:
        total += 1
        try:
            total -= 1
        except Exception:  # a learner's catch-all must not defeat the time limit
            pass


def returns_text(*args):
    return "0.5"


def returns_wrong_shape(*args):
    return np.zeros((3, 3))


def returns_nan(*args):
    return float("nan")


MISTAKES = {
    raises: "raised ValueError: oops",
    loops: "did not finish in time",
    loops_swallowing_errors: "did not finish in time",
    returns_text: "first failing case",
    returns_wrong_shape: "first failing case",
    returns_nan: "first failing case",
}


@pytest.fixture(params=_function_questions())
def question(request):
    quick = copy.copy(request.param)
    quick.timeout = 0.2  # seconds per call: the loops below cost this, once per question
    return quick


def test_every_module_has_function_questions():
    assert len(_function_questions()) >= 5


@pytest.mark.parametrize("mistake", list(MISTAKES), ids=lambda f: f.__name__)
def test_learner_function_mistakes_get_a_verdict(question, mistake):
    verdict = question.grade(mistake)
    assert verdict.label == INCORRECT
    assert MISTAKES[mistake] in verdict.message or "First failing case" in verdict.message
    assert "could not be checked" not in verdict.message


def test_check_shows_the_verdict_for_a_raising_function(question, capsys):
    assert question.check(raises) is False
    out = capsys.readouterr().out
    assert out.startswith(f"{INCORRECT}: ") and "Traceback" not in out


def test_function_calling_sys_exit_gets_a_verdict():
    def leaves(x):
        sys.exit(1)

    q = Function("p", answer=lambda x: 2 * x, cases=[(1.0,)])
    assert q.grade(leaves).label == INCORRECT


def test_function_without_source_returning_a_constant_is_attempted():
    namespace = {}
    exec("def f(x):\n    return 0.5\n", namespace)  # no source for inspect (as in a plain REPL)
    q = Function("p", answer=lambda x: 2 * x, cases=[(1.0,)])
    assert q.grade(namespace["f"]).label == INCORRECT
    assert q.grade(lambda x: 2 * x).label == CORRECT
