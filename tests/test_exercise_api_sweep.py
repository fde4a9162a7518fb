"""A hostile sweep of the public API of ``course_utils.exercises``, generated from signatures.

``tests/test_api_sweep.py`` sweeps every other module; this one sweeps the names in
``course_utils.exercises.__all__`` that an author or a learner calls: the question classes'
constructors and ``progress()``. For each callable, each parameter in turn gets every hostile
kind of value (``HOSTILE``), the other parameters a valid value chosen by parameter NAME
(``VALID``). A call passes when it

- raises ``ValueError`` or ``TypeError`` whose message names the parameter, or
- returns; then a constructed question must grade its own key as correct and grade a few
  hostile answers without raising (a key that no answer can match is an authoring error the
  constructor must refuse).

:func:`test_every_public_name_is_swept` fails when a public name has no entry here, or a
parameter no valid value, so a new constructor or parameter is covered without a new case.
"""

from __future__ import annotations

import decimal
import inspect
import math
import time

import numpy as np
import pytest

import course_utils.exercises as exercises
from course_utils.exercises import Array, Function, MultipleChoice, Value, Verdict

SECONDS = 20.0  # one call and its grading, on a busy machine (a real hang is still caught)
NOT_CALLED = {"Question", "Verdict"}  # a base class and a result type: built by the engine


def _double(x):
    return 2 * x


VALID = {  # parameter name -> a valid value (per class where they differ)
    "prompt": "What is it?",
    "answer": {"Value": 2.5, "Array": np.array([1.0, 2.0]), "MultipleChoice": "a",
               "Function": _double},
    "options": {"a": ("one", "Right."), "b": ("two", "Wrong.")},
    "cases": [(1.0,), (np.array([1.0, -2.0]),)],
    "digits": None, "rtol": None, "atol": None, "check_dtype": False, "timeout": 2.0,
    "mistakes": (), "predicted": (), "hints": ("Think.",), "solution": "x = 1",
    "notebook": None,
}


class _Raises:
    def __getattr__(self, name):
        raise ValueError("hostile")

    def __eq__(self, other):
        raise ValueError("hostile")

    def __len__(self):
        raise ValueError("hostile")

    def __iter__(self):
        raise ValueError("hostile")

    def __float__(self):
        raise ValueError("hostile")

    __hash__ = None


HOSTILE = {
    "None": None, "10**400": 10**400, "-1": -1, "0": 0, "inf": math.inf, "nan": math.nan,
    "True": True, "str False": "False", "empty str": "", "spaces": " " * 10_000,
    "decimal": decimal.Decimal("0.1"), "complex": 1j, "longdouble": np.longdouble("1e4000"),
    "masked": np.ma.array([5.0, 1.0], mask=[1, 0]), "object array": np.array([1, None]),
    "broadcast": np.broadcast_to(1.0, (10**8,)), "empty list": [], "dict": {"a": 1},
    "nested": [[[[[[1.0]]]]]], "raises": _Raises(), "bytes": b"a", "set": {1},
    "options A/a": {"a": ("one", "Right."), "A": ("two", "Wrong.")},
    "cases not tuples": [1.0, 2.0], "mistake pair": [(np.ma.array([1.0], mask=[1]), "no")],
}
ANSWERS = [None, 10**400, np.longdouble("1e4000"), np.broadcast_to(1.0, (10**8,)), _Raises(),
           "a", [1.0], np.array([np.nan])]


def public_callables() -> dict:
    return {name: getattr(exercises, name) for name in exercises.__all__
            if name not in NOT_CALLED}


def _valid(owner: str, name: str):
    value = VALID[name]
    return value[owner] if isinstance(value, dict) and owner in value else value


def cases():
    for owner, func in public_callables().items():
        for param in inspect.signature(func).parameters.values():
            for kind in HOSTILE:
                yield pytest.param(owner, param.name, kind, id=f"{owner}-{param.name}-{kind}")


def test_every_public_name_is_swept():
    for name in exercises.__all__:
        assert name in NOT_CALLED or callable(getattr(exercises, name)), name
    assert "progress" in public_callables() and "Value" in public_callables()
    for owner, func in public_callables().items():
        for name in inspect.signature(func).parameters:
            assert name in VALID, f"{owner}({name}=...) has no valid value in VALID"


def test_valid_values_build_questions_that_accept_their_key(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_PROGRESS_DIR", str(tmp_path))
    for owner, func in public_callables().items():
        kwargs = {p: _valid(owner, p) for p in inspect.signature(func).parameters}
        made = func(**kwargs)
        if owner != "progress":
            assert made.grade(made.answer).passed, owner


@pytest.mark.parametrize(("owner", "param", "kind"), cases())
def test_hostile_value(owner, param, kind, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROGRESS_DIR", str(tmp_path))
    func = public_callables()[owner]
    kwargs = {p: _valid(owner, p) for p in inspect.signature(func).parameters}
    kwargs[param] = HOSTILE[kind]
    started = time.monotonic()
    try:
        made = func(**kwargs)
    except (ValueError, TypeError) as exc:
        assert param in str(exc), f"{type(exc).__name__} not naming {param}: {exc}"
        return
    if owner == "progress":
        return  # it showed its table: nothing more to ask
    own = made.grade(made.answer)
    assert isinstance(own, Verdict) and own.passed, f"accepted a key it cannot grade: {own}"
    for answer in ANSWERS:
        assert isinstance(made.grade(answer), Verdict)
    assert time.monotonic() - started < SECONDS


def test_the_named_authoring_errors_are_refused():
    """The review's examples, each with the argument named (the sweep finds them by kind)."""
    for make, name in [
        (lambda: Value("p", 10**400), "answer"),
        (lambda: Value("p", 1.0, solution=5), "solution"),
        (lambda: Array("p", np.ma.array([1.0, 2.0], mask=[1, 0])), "answer"),
        (lambda: Array("p", [1.0], check_dtype="False"), "check_dtype"),
        (lambda: MultipleChoice("p", {"a": ("x", "y"), "A": ("z", "w")}, "a"), "options"),
        (lambda: Value("p", math.inf), "answer"),
        (lambda: Value("p", decimal.Decimal("0.1")), "answer"),
        (lambda: Function("p", _double, [(1.0,)], timeout=0), "timeout"),
    ]:
        with pytest.raises((ValueError, TypeError), match=name):
            make()
