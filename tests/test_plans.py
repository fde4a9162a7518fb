"""The instructor guide's session plans work as written (issue 25).

Every table of ``notebooks/INSTRUCTOR_GUIDE.md`` with ``Time`` and ``Runs`` columns is a plan
(``tools/plans.py`` reads them). For each plan and each notebook it touches, the sections the plan
lists are run, exactly as listed, on a fresh kernel: the learner notebook's first cells and setup
cell, then those sections in the notebook's order, exercises unanswered. Any error output or
anything on stderr fails. Each slot must be at least as long as the guide's time rule gives for
the sections it runs. The misconception table names options that exist.

The runs take about a minute on 2 cores (``python -m pytest tests/test_plans.py --durations=5``).
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import plans  # noqa: E402

PLANS = plans.plans()
# One run per distinct (notebook, sections): the worked example repeats the 90-minute plan.
RUNS = sorted({
    (number, tuple(labels))
    for plan in PLANS.values()
    for number, labels in plans.plan_notebooks(plan).items()
})


def test_the_guide_has_its_plans():
    names = list(PLANS)
    assert any(n.startswith("A 90-minute session") for n in names), names
    assert any(n.startswith("A half-day session") for n in names), names
    assert any(n.startswith("Worked example") for n in names), names
    for name, plan in PLANS.items():
        assert plan and any(slot.runs for slot in plan), name


@pytest.mark.parametrize("name", list(PLANS))
def test_slots_follow_each_other_and_the_time_rule(name):
    plan = PLANS[name]
    for before, after in zip(plan, plan[1:], strict=False):
        if "Variant" not in name:  # a variant lists replacement rows, not a whole session
            assert before.end == after.start, f"{name}: gap or overlap at {before.text}"
    for slot, measured in zip(plan, plans.slot_minutes(plan), strict=True):
        assert slot.end > slot.start, slot.text
        assert slot.end - slot.start >= round(measured), (
            f"{name}: {slot.text!r} is {slot.end - slot.start} min, the rule gives {measured:.1f}"
        )
    if name.startswith("A 90-minute") or name.startswith("Worked example"):
        assert plan[0].start == 0 and plan[-1].end == 90, name


def test_a_section_label_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="no section"):
        plans.selected("01", ["99"])
    with pytest.raises(ValueError, match="NN: sections"):
        plans.parse_runs("notebook one: 1")
    assert plans.parse_runs("`01: 1, 3-5; 00: The map`") == {
        "01": ["1", "3", "4", "5"], "00": ["the map"],
    }


def test_the_setup_cell_always_runs():
    nb = plans.plan_notebook("00", ["the map"])
    assert sum(c.source.startswith(plans.SETUP_MARK) for c in nb.cells) == 1


@pytest.mark.parametrize("number,labels", RUNS, ids=[f"{n}:{','.join(s)}" for n, s in RUNS])
def test_plan_runs_on_a_fresh_kernel(number, labels):
    errors = plans.run(number, list(labels))
    assert errors == [], f"notebook {number}, sections {labels}: {errors}"


def _misconception_rows():
    guide = plans.GUIDE.read_text(encoding="utf-8")
    table = guide.split("## Misconceptions, and how to spot them", 1)[1].split("\n## ", 1)[0]
    return [line for line in table.splitlines() if re.match(r"\| \d\d \|", line)]


def test_every_misconception_names_a_real_option_or_message():
    rows = _misconception_rows()
    # one row per notebook, 00 to the last
    assert len(rows) == len(list((ROOT / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb")))
    problems = []
    for row in rows:
        number = row[2:4]
        module = importlib.import_module(f"course_utils.exercises.ex{number}")
        source = Path(module.__file__).read_text(encoding="utf-8").lower()
        shows = row.rstrip(" |").rsplit(" | ", 1)[1]
        for q in re.findall(r"\bq(\d+)\b", shows):
            if not hasattr(module, f"q{q}"):
                problems.append(f"ex{number} has no q{q}")
        for q, option in re.findall(r'\bq(\d+) picks "([^"]+)"', shows):
            options = getattr(module, f"q{q}").options
            if not any(option.lower() in text.lower() for text, _ in options.values()):
                problems.append(f"ex{number}.q{q} has no option {option!r}")
        for q, letters in re.findall(r"\bq(\d+) picks ([a-e](?: or [a-e])*)\b", shows):
            options = getattr(module, f"q{q}").options
            problems += [f"ex{number}.q{q} has no option {x}" for x in letters.split(" or ")
                         if x not in options]
        for quoted in re.findall(r'"([^"]+)"', shows):
            if quoted.lower() not in source:
                problems.append(f"ex{number}: {quoted!r} is no option or message of the module")
    assert problems == []


def test_the_guides_command_prints_every_slot(capsys):
    """``python tools/plans.py`` (the guide's command) prints each plan and exits 0."""
    assert plans.main([]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PLANS) and "too short" not in out


TIMINGS_ROW = re.compile(
    r"^\| (\d\d) \| ([\d,]+) \| (\d+) \| (\d+) \((\d+) / (\d+) / (\d+)\)[^|]*\| \d+ min "
    r"\| (\d+) min \| (\d+) min \|$", re.MULTILINE)


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h {minutes % 60} min"


def test_the_timings_table_is_measured_and_every_notebook_states_its_time():
    """The guide's "Timings" table gives, for every learner notebook, what the time rule measures
    (``python tools/plans.py --timings`` prints it), and each notebook states the rounded time."""
    guide = plans.GUIDE.read_text()
    rows = {m[1]: m for m in TIMINGS_ROW.finditer(guide)}
    measured = plans.timings()
    assert sorted(rows) == sorted(measured), "a notebook is missing from the Timings table"
    for number, row in measured.items():
        m = rows[number]
        function, value, choice = row["questions"]
        written = (int(m[2].replace(",", "")), int(m[3]), int(m[4]), int(m[5]), int(m[6]),
                   int(m[7]), int(m[8]), int(m[9]))
        expected = (row["words"], row["code"], function + value + choice, function, value, choice,
                    row["measured"], row["stated"])
        assert written == expected, (
            f"notebook {number}: the guide says {written}, the rule measures {expected}; "
            f"run python tools/plans.py --timings")
        assert plans.stated_minutes(number) == row["stated"], (
            f"notebook {number} states {plans.stated_minutes(number)} min, "
            f"the rule gives {row['stated']}")
    total = re.search(r"^\| \*\*All\*\* \| \| \| (\d+) \| [^|]+ "
                      r"\| \*\*(.+?)\*\* \| \*\*(.+?)\*\* \|$", guide, re.MULTILINE)
    assert total is not None, "the Timings table has no 'All' row"
    assert int(total[1]) == sum(sum(row["questions"]) for row in measured.values())
    assert total[2] == _hours(sum(row["measured"] for row in measured.values()))
    assert total[3] == _hours(sum(row["stated"] for row in measured.values()))
