"""Self-test of every exercise module, and unit tests of the exercise engine.

The self-test discovers ``course_utils/exercises/exNN.py`` modules, so a new
notebook's questions are tested as soon as they are written: each question
accepts its answer, rejects each listed mistake with its feedback, and answers
any junk with a verdict instead of an exception.
"""

import copy
import importlib
import pkgutil
import re
import subprocess
import sys

import numpy as np
import pytest

import course_utils.exercises as exercises
from course_utils.exercises import _engine
from course_utils.exercises._engine import Array, Function, MultipleChoice, Question, Value


def _question_modules():
    return sorted(
        info.name
        for info in pkgutil.iter_modules(exercises.__path__)
        if re.fullmatch(r"ex\d\d", info.name)
    )


def _questions():
    found = []
    for name in _question_modules():
        module = importlib.import_module(f"course_utils.exercises.{name}")
        for attr, value in sorted(vars(module).items()):
            if isinstance(value, Question):
                found.append(pytest.param(value, id=f"{name}.{attr}"))
    return found


QUESTIONS = _questions()
JUNK = [
    None,
    "text",
    "",
    float("nan"),
    float("inf"),
    {"a": 1},
    {1, 2},
    (x for x in range(3)),
    np.zeros((2, 3, 4)),
    np.array(["a", "b"]),
    [[1, 2], [3]],
    object(),
    -(10**400),
    print,
]


def test_question_modules_are_found():
    assert "ex00" in _question_modules()


@pytest.mark.parametrize("question", QUESTIONS)
def test_accepts_its_answer(question):
    verdict = question.grade(question.answer)
    assert verdict.passed, verdict


@pytest.mark.parametrize("question", QUESTIONS)
def test_rejects_each_mistake_with_its_feedback(question):
    for wrong, feedback in question.mistakes:
        verdict = question.grade(wrong)
        assert verdict.label == "Incorrect", (wrong, verdict)
        assert feedback in verdict.message


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("junk", JUNK, ids=lambda j: type(j).__name__)
def test_junk_gets_a_verdict_not_an_exception(question, junk):
    verdict = question.grade(junk)
    assert verdict.label == "Incorrect"
    assert "could not be checked" not in verdict.message  # the engine's last guard was not needed


@pytest.mark.parametrize("question", QUESTIONS)
def test_ellipsis_is_not_attempted(question, capsys):
    assert question.check(...) is False
    assert capsys.readouterr().out.startswith("Not attempted yet:")


@pytest.mark.parametrize("question", QUESTIONS)
def test_hints_then_no_more_and_solution(question, capsys):
    question = copy.copy(question)  # hint() counts; leave the module's question untouched
    for _ in range(len(question.hints) + 1):
        question.hint()
    question.solution()
    out = capsys.readouterr().out
    for hint in question.hints:
        assert hint in out
    assert "Solution:" in out


# --------------------------------------------------------------------------- engine


def test_check_prints_labels_in_words_and_returns_bool(capsys):
    q = Value("p", answer=2.5)
    assert q.check(2.5) is True
    assert q.check(3.0) is False
    assert capsys.readouterr().out.splitlines() == ["Correct: well done.", "Incorrect: got 3.0."]


def test_notebook_display_has_plain_text_and_html(monkeypatch):
    shown = []
    monkeypatch.setattr(_engine, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    Value("p", answer=1).check(2)
    (bundle,) = shown
    assert bundle["text/plain"] == "Incorrect: got 2."
    assert "<strong>Incorrect:</strong> got 2." in bundle["text/html"]


def test_value_tolerances():
    assert Value("p", answer=7050).grade(7050.0).passed
    assert not Value("p", answer=7050).grade(7050.001).passed  # integers: exact by default
    assert Value("p", answer=0.1 + 0.2).grade(0.3).passed  # floats: rtol 1e-6
    assert not Value("p", answer=0.3, rtol=0, atol=0).grade(0.1 + 0.2).passed
    assert Value("p", answer=float("nan")).grade(float("nan")).passed
    assert "NaN" in Value("p", answer=1.0).grade(float("nan")).message


def test_value_mistake_feedback_takes_priority():
    q = Value("p", answer=7050, mistakes=[(7049, "off by one")])
    assert q.grade(7049).message == "off by one."
    assert q.grade(7048).message == "got 7048."


def test_array_shape_checked_before_values():
    q = Array("p", answer=[1.0, 2.0, 3.0])
    assert q.grade([1, 2, 3]).passed
    assert q.grade(np.array([[1.0, 2.0, 3.0]])).message == (
        "expected an array of shape (3,), got shape (1, 3)."
    )
    assert "1 of 3 values differ" in q.grade([1.0, 2.0, 4.0]).message
    assert "expected an array of numbers" in q.grade(["a", "b", "c"]).message


def test_array_check_dtype():
    q = Array("p", answer=np.ones(2, dtype=np.float32), check_dtype=True)
    assert q.grade(np.ones(2, dtype=np.float32)).passed
    assert "dtype is float64" in q.grade(np.ones(2)).message


def _l1_step(w, step):
    return np.sign(w) * np.maximum(np.abs(w) - step, 0.0)


CASES = [(0.1, 0.3), (-0.5, 0.2), (0.0, 0.1), (np.array([0.3, -0.1]), 0.2)]


def test_function_correct_and_first_failing_case():
    q = Function("p", answer=_l1_step, cases=CASES)

    def l1_step(w, step):
        return w - step * np.sign(w)

    assert q.grade(_l1_step).passed
    assert q.grade(l1_step).message == (
        "first failing case: l1_step(0.1, 0.3): got -0.19999999999999998, expected 0.0."
    )


def test_function_listed_mistake():
    q = Function(
        "p",
        answer=_l1_step,
        cases=CASES,
        mistakes=[(lambda w, step: w - step * np.sign(w), "clip at zero")],
    )

    def l1_step(w, step):
        return w - step * np.sign(w)

    message = q.grade(l1_step).message
    assert message.startswith("clip at zero. First failing case: l1_step(0.1, 0.3)")


def test_function_with_empty_body_is_not_attempted():
    q = Function("p", answer=_l1_step, cases=CASES)

    def l1_step(w, step): ...

    def with_docstring(w, step):
        """Not written yet."""
        pass

    assert q.grade(l1_step).label == "Not attempted yet"
    assert q.grade(with_docstring).label == "Not attempted yet"


def test_function_that_raises_gets_named():
    q = Function("p", answer=_l1_step, cases=CASES)

    def l1_step(w, step):
        return w / 0 if isinstance(w, np.ndarray) else {}[w]

    assert q.grade(l1_step).message == (
        "first failing case: l1_step(0.1, 0.3): it raised KeyError: 0.1, expected 0.0."
    )


def test_function_infinite_loop_times_out():
    q = Function("p", answer=_l1_step, cases=CASES, timeout=0.2)

    def l1_step(w, step):
        while True:
            # not `try` first: CPython <= 3.10 checks no signals in a loop that starts with `try`
            step = step
            try:
                w = w - step
            except Exception:  # the time limit is not an Exception, so it still stops
                pass

    assert "did not finish in time" in q.grade(l1_step).message


def test_function_time_limit_without_signals(monkeypatch):
    monkeypatch.delattr(_engine.signal, "setitimer")  # as on Windows
    q = Function("p", answer=_l1_step, cases=CASES, timeout=0.2)

    def l1_step(w, step):
        while True:
            pass

    assert "did not finish in time" in q.grade(l1_step).message
    assert q.grade(_l1_step).passed


def test_function_cannot_leak_mutation_between_cases():
    def total(a):
        return float(np.sum(a))

    q = Function("p", answer=total, cases=[(np.ones(3),), (np.ones(3),)])

    def sneaky(a):
        a *= 2  # mutates its argument; the reference still sees the original
        return float(np.sum(a) / 2)

    assert q.grade(sneaky).passed


def test_function_expected_exception():
    def positive_sqrt(x):
        if x < 0:
            raise ValueError("x must be >= 0")
        return float(np.sqrt(x))

    q = Function("p", answer=positive_sqrt, cases=[(4.0,), (-1.0,)])
    assert q.grade(positive_sqrt).passed
    assert "expected it to raise ValueError" in q.grade(lambda x: float(np.sqrt(abs(x)))).message


def test_function_forgot_return():
    q = Function("p", answer=_l1_step, cases=CASES)

    def l1_step(w, step):
        w - step

    assert q.grade(l1_step).message.endswith("Did you forget `return`?")


def test_multiple_choice():
    q = MultipleChoice("p", {"a": ("L2", "shrinks by a fraction"), "b": ("L1", "right")}, "b")
    assert q.grade(" B ").passed
    assert q.grade("a").message == "shrinks by a fraction."
    assert "not one of the options" in q.grade("z").message
    assert q.mistakes == [("a", "shrinks by a fraction.")]


def test_authoring_errors_are_loud():
    with pytest.raises(ValueError, match="not one of the option keys"):
        MultipleChoice("p", {"a": ("x", "y")}, "b")
    with pytest.raises(TypeError, match="tuples"):
        Function("p", answer=_l1_step, cases=[0.1])
    with pytest.raises(TypeError, match="Array"):
        Value("p", answer=np.ones(3))


def test_question_modules_are_imported_on_demand():
    code = (
        "import sys, course_utils.exercises\n"
        "assert not any(m.startswith('course_utils.exercises.ex') for m in sys.modules)\n"
        "from course_utils.exercises import ex00\n"
        "assert ex00.q1.grade(2).passed\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
