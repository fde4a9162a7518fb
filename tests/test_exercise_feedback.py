"""Feedback on plausible wrong answers (issue 24, item 2): the slip is named, never misnamed.

tests/wrong_answers.py lists at least 5 wrong answers for every question of notebooks 00-07
that is not multiple choice, each with the slip it stands for and a phrase its feedback must
contain (None: no slip is expected to be named). Every entry must be refused; the feedback
must contain its phrase; the engine's generic slip detectors must not name a slip the learner
did not make; and at least 80% of the entries must get feedback that names the mistake rather
than only "got X" or "first failing case". ``python tests/wrong_answers.py`` prints the share.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wrong_answers import WRONG_ANSWERS  # noqa: E402

from course_utils.exercises._engine import Function, MultipleChoice, Question, Value  # noqa: E402
from course_utils.exercises._slips import name_slip  # noqa: E402

NOTEBOOKS = range(9)  # ex00 .. ex08
MINIMUM = 5  # wrong answers per question
SHARE = 0.80  # of all entries, feedback that names the mistake

# The engine's messages that name no mistake: the bare difference and the first failing case.
_UNNAMED = re.compile(
    r"^(got |expected |\d+ of \d+ values differ|first failing case:)", re.IGNORECASE
)

# What the generic slip detectors say, one group of phrases per slip (see
# course_utils/exercises/_slips.py and the plain words of Function questions). A message of the
# engine's own detectors that holds a phrase of a group names that slip.
SLIPS = [
    ("8 times",),
    ("divided by 8",),
    ("100 times", "percentage"),
    ("divided by 100",),
    ("1,000 times", "divided by 1,000"),
    ("1,024 times", "divided by 1,024"),
    ("10 times", "divided by 10 "),
    ("twice the",),
    ("half the",),
    ("2**",),
    ("opposite sign",),
    ("1 divided by",),
    ("1 minus the",),
    ("1 more than", "plus 1"),
    ("1 less than", "minus 1"),
    ("predict first",),
    ("whole number",),
    ("another order",),
    ("the exponent",),
    ("without quotes",),
    ("give it alone",),
    ("np.flatnonzero",),
    ("empty input",),
    ("forget `return`",),
    ("single numbers but not on arrays", "-D array"),
    ("only on large integers",),
    ("significant digits",),
    ("where a number", "where an array", "where True or False"),
]


def names_the_mistake(message: str) -> bool:
    """True when ``message`` says more than the difference or the first failing case."""
    return not _UNNAMED.match(message)


@functools.cache
def questions() -> dict:
    """Every question of ex00..ex08 that is not multiple choice, found by introspection."""
    found = {}
    for number in NOTEBOOKS:
        module = importlib.import_module(f"course_utils.exercises.ex{number:02d}")
        for name, question in vars(module).items():
            if isinstance(question, Question) and not isinstance(question, MultipleChoice):
                found[f"ex{number:02d}.{name}"] = question
    return found


@functools.cache
def graded() -> tuple:
    """(question id, answer, phrase, message) for every entry of the table, graded once."""
    rows = []
    for key, entries in WRONG_ANSWERS.items():
        question = questions()[key]
        for answer, _slip, phrase in entries:
            verdict = question.grade(answer)
            assert verdict.label == "Incorrect", (key, answer, str(verdict))
            rows.append((key, answer, phrase, verdict.message))
    return tuple(rows)


def test_every_question_has_enough_wrong_answers():
    found = questions()
    assert len(found) >= 30  # the walk found the questions
    short = {key: len(WRONG_ANSWERS.get(key, [])) for key in found}
    assert {key: n for key, n in short.items() if n < MINIMUM} == {}
    assert set(WRONG_ANSWERS) <= set(found)  # no entry for a question that does not exist


@pytest.mark.parametrize("key", sorted(WRONG_ANSWERS))
def test_feedback_names_the_slip_and_no_other(key):
    mistakes = getattr(questions()[key], "mistakes", [])
    listed = {_sentence_start(feedback) for _, feedback in mistakes}
    for _, answer, phrase, message in (row for row in graded() if row[0] == key):
        where = f"{key} answered {answer!r}: {message!r}"
        if phrase is None:
            assert not names_the_mistake(message), f"names a slip that was not made: {where}"
            continue
        assert phrase in message, f"should say {phrase!r}: {where}"
        if _sentence_start(message) in listed:
            continue  # the author's feedback for a listed mistake: the phrase checks it
        expected = [group for group in SLIPS if any(p in phrase for p in group)]
        named = [group for group in SLIPS if any(p in message for p in group)]
        wrong = [group[0] for group in named if group not in expected]
        assert not wrong, f"also names {wrong}: {where}"


def _sentence_start(text) -> str:
    return str(text)[:40].lower()


def test_most_wrong_answers_get_feedback_that_names_the_mistake():
    rows = graded()
    named = sum(names_the_mistake(message) for *_, message in rows)
    assert named / len(rows) >= SHARE, f"{named} of {len(rows)}"


# --------------------------------------------------------------------------- the rules, one by one


def test_a_slip_is_named_only_when_it_is_the_only_one_that_fits():
    q = Value("p", answer=2)
    assert q.grade(3).message.startswith("That is 1 more than the right value")
    assert q.grade(1).message == "Got 1."  # half of 2 and 2 minus 1: say nothing generic
    assert Value("p", answer=1921).grade(15368).message.startswith("That is 8 times")


def test_a_listed_mistake_wins_and_its_value_is_never_read_as_a_generic_slip():
    tolerance = Value("p", answer=1000)._tolerance_of
    assert name_slip(8000, 1000, integral=True, tolerance=tolerance) is not None
    assert name_slip(8000, 1000, integral=True, tolerance=tolerance, exclude=[8000]) is None
    q = Value("p", answer=1000, mistakes=[(8000, "That counts the cells of the table.")])
    assert q.grade(8000).message == "That counts the cells of the table."


def test_predicted_values_are_answered_before_generic_slips():
    q = Value("p", answer=1048576, predicted=[1000, 10**6])
    assert "predict first" in q.grade(10**6).message
    assert "1,000,000" in q.grade(10**6).message
    assert "2**3 times" in q.grade(2**23).message  # a power of two: read in exponents
    with pytest.raises(TypeError, match="predicted"):
        Value("p", answer=1.0, predicted=["ten"])


def test_a_slip_that_changes_nothing_is_never_tried():
    assert Value("p", answer=0).grade(1).message == "Got 1."  # 0 + 1, not "the sign"
    assert "1 divided by" not in Value("p", answer=1.0).grade(-1.0).message


def test_function_slips_must_fit_every_failing_case():
    def reference(n):
        return 3 * n

    q = Function("p", answer=reference, cases=[(1,), (2,), (5,)])

    def bits(n):
        return 24 * n

    def mixed(n):
        return 24 if n == 1 else 3 * n + 1

    assert "8 times the expected value" in q.grade(bits).message
    assert q.grade(mixed).message.startswith("First failing case")


def test_messages_start_with_a_capital_and_error_details_end_once():
    q = Value("p", answer=1, mistakes=[(2, "that doubles it"), (3, "w_1 is the slope")])
    assert q.grade(2).message == "That doubles it."
    assert q.grade(3).message == "w_1 is the slope."  # a name keeps its case

    def reference(w):
        return float(len(w))

    def refuses_empty(w):
        if len(w) == 0:
            raise ValueError("w must be non-empty, got shape (0,).")
        return float(len(w))

    f = Function("p", answer=reference, cases=[(np.ones(2),), (np.ones(0),)])
    message = f.grade(refuses_empty).message
    assert "(0,)., " not in message and "got shape (0,), expected 0.0." in message
    assert message.startswith("Your function fails only on empty input")


def test_function_plain_words_for_arrays_and_kinds():
    def reference(w):
        return np.abs(np.asarray(w, dtype=float))

    q = Function("p", answer=reference, cases=[(2.0,), (-1.0,), (np.array([1.0, -2.0]),)])

    def scalar_only(w):
        return float(w) if w > 0 else float(-w)  # `if` on an array raises

    def as_list(w):
        return [abs(x) for x in np.atleast_1d(w)]

    assert q.grade(scalar_only).message.startswith(
        "Your function works on single numbers but not on arrays"
    )
    assert q.grade(as_list).message.startswith(
        "Your function returns a list of 1 value where a number is expected"
    )


# --------------------------------------------------------------------------- no wrong diagnosis


def _message(key, answer) -> str:
    return questions()[key].grade(answer).message


def _table_answer(key, slip):
    return next(answer for answer, name, _ in WRONG_ANSWERS[key] if name == slip)


def test_none_on_one_case_is_not_called_a_forgotten_return():
    message = _message("ex00.q3", _table_answer("ex00.q3", "None on empty input only"))
    assert "forget" not in message and "there it returns None" in message


def test_an_error_expected_on_empty_input_is_said_as_such():
    for slip in ("None on an empty grid", "NaN on an empty grid", "IndexError on an empty grid"):
        message = _message("ex06.q1", _table_answer("ex06.q1", slip))
        assert "the prompt asks for a ValueError" in message
        assert "numpy's own functions accept" not in message  # that contradicts the prompt


def test_float_logarithms_are_not_called_an_off_by_one():
    for answer, slip, _ in WRONG_ANSWERS["ex07.q2"]:
        if slip == "a float logarithm":
            message = _message("ex07.q2", answer)
            assert "off-by-one" not in message and "float" in message


def test_a_value_that_is_not_a_fraction_is_not_called_one():
    message = _message("ex04.q3", 38.37)  # alpha_max, between 0 and 1 but no fraction
    assert "100 times the right value" in message and "fraction" not in message
    assert "1 minus" not in _message("ex04.q3", 1 - questions()["ex04.q3"].answer)
    assert "percentage; give the fraction" in _message("ex01.q3", 23.96)  # a share: it is one


def test_an_unrounded_count_is_not_told_about_rounding_the_prompt_never_asked():
    for key, answer in (("ex03.q1", 1988.4), ("ex05.q2", 1921.33), ("ex05.q7", 1440.5)):
        message = _message(key, answer)
        assert "a count is a whole number" in message and "as the question says" not in message


def test_every_verdict_starts_with_a_capital_and_no_explanation_repeats_the_label():
    for number in NOTEBOOKS:
        module = importlib.import_module(f"course_utils.exercises.ex{number:02d}")
        for name, question in vars(module).items():
            if isinstance(question, MultipleChoice):
                for key in question.options:
                    verdict = question.grade(key)
                    assert not re.match(r"(right|correct)\b", verdict.message, re.I), (name, key)
    for key, answer, _, message in graded():
        # a lowercase word starts no message; a name such as w_4 keeps its case
        assert not re.match(r"([a-z]{2,}|a)[,:;]?\s", message), (key, answer, message)
    assert Value("p", answer=3).grade(4845).message == "Got 4845."
    assert Value("p", answer=3).grade(3).message == "Well done."
