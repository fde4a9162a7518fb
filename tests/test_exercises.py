"""Self-test of every exercise module, and unit tests of the exercise engine.

The self-test discovers ``course_utils/exercises/exNN.py`` modules, so a new
notebook's questions are tested as soon as they are written: each question
rejects each listed mistake with its feedback, and answers any junk with a
verdict instead of an exception. That each accepts its right answer is tested in
``test_exercise_keys.py``, with answers derived there independently of the keys.
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
from course_utils.exercises import _display, _engine, _sandbox
from course_utils.exercises._engine import (
    Array,
    CheckResult,
    Function,
    MultipleChoice,
    Question,
    Value,
)


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
    assert question.check(...) == False  # noqa: E712  (a CheckResult, not a bool)
    assert capsys.readouterr().out.startswith("Not attempted yet:")


@pytest.mark.parametrize("question", QUESTIONS)
def test_hints_then_no_more_and_solution(question, capsys):
    question = copy.copy(question)  # hint() counts; leave the module's question untouched
    question._hints_shown = 0  # notebook-running tests call hint() on the module's question
    for _ in range(len(question.hints) + 1):
        question.hint()
    question.solution()
    out = capsys.readouterr().out
    for hint in question.hints:
        assert _engine._plain(hint) in out  # shown without the backticks around code
    assert "Solution:" in out
    assert "`" not in out


# --------------------------------------------------------------------------- engine


def test_check_prints_labels_in_words_and_returns_bool(capsys):
    q = Value("p", answer=2.5)
    right, wrong = q.check(2.5), q.check(3.0)
    assert capsys.readouterr().out.splitlines() == ["Correct: Well done.", "Incorrect: Got 3.0."]
    assert isinstance(right, CheckResult) and isinstance(wrong, CheckResult)
    assert right and not wrong
    assert right == True and wrong == False and right + wrong == 1  # noqa: E712
    assert (repr(right), str(wrong)) == ("True", "False")


def test_notebook_display_has_plain_text_and_html(monkeypatch):
    shown = []
    monkeypatch.setattr(_display, "_in_notebook", lambda: True)
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append(obj))
    Value("p", answer=1).check(2)
    (bundle,) = shown
    assert bundle["text/plain"] == "Incorrect: Got 2."
    assert re.search(r"<strong[^>]*>Incorrect:</strong> Got 2\.", bundle["text/html"])


def test_value_tolerances():
    assert Value("p", answer=7050).grade(7050.0).passed
    assert not Value("p", answer=7050).grade(7050.001).passed  # integers: exact by default
    assert Value("p", answer=0.1 + 0.2).grade(0.3).passed  # floats: 4 significant digits
    assert not Value("p", answer=0.3, rtol=0, atol=0).grade(0.1 + 0.2).passed
    assert Value("p", answer=float("nan")).grade(float("nan")).passed
    assert "NaN" in Value("p", answer=1.0).grade(float("nan")).message


def test_value_mistake_feedback_takes_priority():
    q = Value("p", answer=7050, mistakes=[(7049, "off by one")])
    assert q.grade(7049).message == "Off by one."  # feedback starts with a capital
    assert q.grade(7048).message == "Got 7048."


def test_array_shape_checked_before_values():
    q = Array("p", answer=[1.0, 2.0, 3.0])
    assert q.grade([1, 2, 3]).passed
    assert q.grade(np.array([[1.0, 2.0, 3.0]])).message == (
        "Expected an array of shape (3,), got shape (1, 3)."
    )
    assert "1 of 3 values differ" in q.grade([1.0, 2.0, 4.0]).message
    assert "Expected an array of numbers" in q.grade(["a", "b", "c"]).message


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
        "First failing case: l1_step(0.1, 0.3): got -0.19999999999999998, expected 0.0."
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
    assert message.startswith("Clip at zero. First failing case: l1_step(0.1, 0.3)")


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
        "First failing case: l1_step(0.1, 0.3): it raised KeyError: 0.1, expected 0.0."
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
    monkeypatch.delattr(_sandbox.signal, "setitimer")  # as on Windows
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

    message = q.grade(l1_step).message
    assert message.startswith("Your function returns None on every case: did you forget `return`?")


def test_multiple_choice():
    q = MultipleChoice("p", {"a": ("L2", "shrinks by a fraction"), "b": ("L1", "right")}, "b")
    assert q.grade(" B ").passed
    assert q.grade("a").message == "Shrinks by a fraction."
    assert "not one of the options" in q.grade("z").message
    assert q.mistakes == [("a", "Shrinks by a fraction.")]


def test_authoring_errors_are_loud():
    with pytest.raises(ValueError, match="not one of the option keys"):
        MultipleChoice("p", {"a": ("x", "y"), "c": ("z", "w")}, "b")
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


# --------------------------------------------------------------------------- tolerance policy


def test_float_values_are_checked_to_the_printed_precision():
    q = Value("p", answer=52 / 217)  # 0.239631...
    assert q.grade(0.2396).passed  # what a value printed with 4 significant digits shows
    assert q.grade(52 / 217).passed
    assert not q.grade(0.2397).passed
    assert Value("p", answer=52 / 217, digits=6).grade(0.239631).passed
    assert not Value("p", answer=52 / 217, digits=6).grade(0.2396).passed


def test_near_miss_asks_for_more_digits():
    q = Value("p", answer=52 / 217)
    assert q.grade(0.24).message.startswith("Close: give 4 significant digits")
    assert q.grade(0.2397).message.startswith("Close: give 4 significant digits")
    assert q.grade(0.25).message == "Got 0.25."  # not a near miss: wrong at 2 digits
    assert not Value("p", answer=138).grade(137).passed  # counts are exact
    assert Value("p", answer=138).grade(137).message.startswith("That is 1 less")  # named


def test_percentages_and_mistakes_are_recognised_at_the_precision_given():
    q = Value("p", answer=52 / 217, mistakes=[(1 - (1 - 1 / 1024) ** 216, "the formula")])
    for percent in (23.96, 24, 23.9631336):
        assert "percentage" in q.grade(percent).message, percent
    assert q.grade(0.1903).message == "The formula."
    assert q.grade(0.19).message == "The formula."  # rounded to 2 digits, still recognised


def test_mistake_checked_before_near_miss():
    q = Value("p", answer=0.3837, mistakes=[(0.38, "a listed slip")])
    assert q.grade(0.38).message == "A listed slip."


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"rtol": -1.0}, ValueError),
        ({"atol": float("nan")}, ValueError),
        ({"rtol": "1e-3"}, TypeError),
        ({"digits": 0}, ValueError),
        ({"digits": 2.5}, TypeError),
        ({"digits": 3, "rtol": 1e-3}, ValueError),
        ({"mistakes": [(1.0,)]}, TypeError),
        ({"mistakes": [(1.0, 2.0)]}, TypeError),
        ({"mistakes": "oops"}, TypeError),
    ],
)
def test_value_arguments_are_validated(kwargs, error):
    with pytest.raises(error):
        Value("p", answer=1.5, **kwargs)


def test_array_and_multiple_choice_arguments_are_validated():
    with pytest.raises(ValueError, match="atol"):
        Array("p", answer=[1.0], atol=-1)
    with pytest.raises(TypeError, match="options"):
        MultipleChoice("p", [("a", "b")], "a")
    with pytest.raises(ValueError, match="two options"):
        MultipleChoice("p", {"a": ("x", "y")}, "a")
    with pytest.raises(TypeError, match="pair"):
        MultipleChoice("p", {"a": ("x", "y"), "b": "z"}, "a")
    with pytest.raises(TypeError, match="answer"):
        MultipleChoice("p", {"a": ("x", "y"), "b": ("z", "w")}, 0)


@pytest.mark.parametrize("written", ["b", " B ", "(b)", "B.", "b)", "[b]", "b:"])
def test_multiple_choice_letter_forms(written):
    q = MultipleChoice("p", {"a": ("L2", "shrinks by a fraction"), "b": ("L1", "right")}, "b")
    assert q.grade(written).passed


# ---------------------------------------------------------------------- multiple choice balance

CHOICES = [
    param for param in QUESTIONS if isinstance(param.values[0], MultipleChoice)
]
FOUR_OPTIONS = [param.values[0] for param in CHOICES if len(param.values[0].options) == 4]


def test_right_letters_are_balanced():
    # With 4 options a guess is right 1 time in 4; no letter may be right in more than a third of
    # the questions, nor in fewer than a sixth (d included), so "always b" scores no better.
    counts = {key: 0 for key in "abcd"}
    for q in FOUR_OPTIONS:
        counts[q.answer] += 1
    n = len(FOUR_OPTIONS)
    assert n >= 20
    for count in counts.values():
        assert n / 6 <= count <= n / 3, counts


def test_right_option_is_not_systematically_the_longest():
    strictly_longest = [
        q.prompt[:40]
        for q in FOUR_OPTIONS
        if all(len(q.options[q.answer][0]) > len(text) for k, (text, _) in q.options.items()
               if k != q.answer)
    ]
    assert len(strictly_longest) <= len(FOUR_OPTIONS) / 3, strictly_longest


# --------------------------------------------------------------------------- function edge cases


def _arrays(case):
    return [a for a in case if isinstance(a, np.ndarray)]


EDGE_KINDS = {
    "empty": lambda case: any(a.size == 0 for a in _arrays(case)),
    "single": lambda case: any(1 in a.shape for a in _arrays(case)),  # one element, row or fit
    "negative": lambda case: any(np.any(a < 0) for a in _arrays(case) if a.dtype.kind in "fi")
    or any(isinstance(a, float) and a < 0 for a in case),
    "tiny": lambda case: any(
        np.any((a != 0) & (np.abs(a) < 1e-10)) for a in _arrays(case) if a.dtype.kind == "f"
    )
    or any(isinstance(a, float) and 0 < abs(a) < 1e-10 for a in case),
    "zero": lambda case: any(isinstance(a, (int, float)) and a == 0 for a in case),
}

# The edge cases each function exercise's topic implies. Every function that takes arrays has the
# empty one; a function of numbers only has a zero. A new function question must be listed here.
EDGE_CASES = {
    "ex00.q3": {"empty", "single", "negative", "tiny"},
    "ex01.q1": {"zero"},  # counts: no rows and no non-zeros
    "ex02.q1": {"empty", "single", "negative", "tiny"},
    "ex03.q2": {"empty", "single", "negative", "tiny", "zero"},
    "ex04.q1": {"zero", "negative"},
    "ex05.q1": {"empty", "single", "negative", "tiny"},
    "ex06.q1": {"empty", "single"},
    "ex06.q2": {"empty", "single", "negative", "tiny"},
    "ex07.q2": {"zero"},  # a count: the value 0 still takes one byte
    "ex07.q5": {"empty", "single"},  # an empty row, an empty model, a one-column row
}

FUNCTIONS = [param for param in QUESTIONS if isinstance(param.values[0], Function)]


def test_every_function_question_declares_its_edge_cases():
    assert sorted(param.id for param in FUNCTIONS) == sorted(EDGE_CASES)


@pytest.mark.parametrize("question", FUNCTIONS)
def test_function_questions_test_their_edge_cases(question, request):
    name = request.node.callspec.id
    kinds = EDGE_CASES[name]
    takes_arrays = any(_arrays(case) for case in question.cases)
    assert ("empty" if takes_arrays else "zero") in kinds
    for kind in kinds:
        assert any(EDGE_KINDS[kind](case) for case in question.cases), (name, kind)


# --------------------------------------------------------------------------- targeted feedback


def test_feedback_for_the_slips_the_prompts_warn_about():
    from course_utils.exercises import ex01, ex04, ex06

    assert "colliding combinations" in ex01.q3.grade(52).message
    assert "diabetes" in ex04.q3.grade(45.16).message
    assert "sqrt(5)" in ex06.q4.grade(ex06._Q4_SQRT5).message
    assert "log(p - k)" in ex06.q3.grade(139).message


def test_valid_subgradient_that_is_not_minimum_norm_names_its_value():
    from course_utils.exercises import ex02

    for value in (1.0, -1.0, 0.5):
        message = ex02.q2.grade(np.array([1.0, -1.0, value, 1.0])).message
        assert f"{value:g} for the third weight" in message and "valid subgradient" in message
    assert "outside [-1, 1]" in ex02.q2.grade(np.array([1.0, -1.0, 2.0, 1.0])).message
    assert "positive" in ex02.q2.grade(np.array([1.0, -1.0, 0.0, -1.0])).message


def test_function_that_is_wrong_on_the_empty_input_is_rejected():
    from course_utils.exercises import ex02, ex05

    def l2_squared(w):
        return float(np.sum(w**2)) if len(w) else -1.0

    def sparse_bytes(w, value_bytes, index_bytes):
        return np.count_nonzero(w) * (value_bytes + index_bytes) if len(w) else None

    assert "array([])" in ex02.q1.grade(l2_squared).message or "[]" in ex02.q1.grade(
        l2_squared
    ).message
    assert not ex05.q1.grade(sparse_bytes).passed


def test_budget_challenge_accepts_scikit_learns_pair():
    from course_utils.exercises import ex05

    fit = ex05._fit(1.6e-3)
    assert ex05.q3.grade((fit.coef.reshape(1, -1), np.array([fit.intercept]))).passed
    assert ex05.q3.grade((fit.coef, np.float64(fit.intercept))).passed
    assert "cannot see which rows" in ex05.q3.prompt


def _texts(question):
    yield question.prompt
    yield from question.hints
    yield question._solution_text()
    if isinstance(question, MultipleChoice):
        for text, why in question.options.values():
            yield text
            yield why
    else:
        yield from (feedback for _, feedback in question.mistakes)


@pytest.mark.parametrize("question", QUESTIONS)
def test_powers_are_written_one_way(question):
    # Python's ** (what the learner types), never ^ (which is XOR in Python); a formula in TeX
    # ($...$, how a notebook's markdown shows it) writes its powers as TeX does
    for text in _texts(question):
        assert "^" not in re.sub(r"\$[^$]*\$", "", text), text
