"""tools/grade.py on generated submissions of notebook 00 (issue 16, item 1).

The submissions are made from the learner notebook in a temporary folder, one of each kind:
untouched (under another name), answered by hand (right and wrong answers), the solution's code
pasted verbatim, cells that raise, loop (one ignoring interrupts) and run out of memory, cells
lost and reordered, a file that is not JSON and a notebook that is not one of the course's. They
are graded in one run of the command line, in parallel, and every assertion below reads its CSV
or its summary.
"""

from __future__ import annotations

import copy
import csv
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import grade  # noqa: E402

LEARNER = ROOT / "notebooks" / "00_start_here.ipynb"
SOLUTION = ROOT / "notebooks" / "solutions" / "00_start_here.ipynb"
# the exercise cell of each question in notebook 00
CELL = {"ex00.q1": "cell-09", "ex00.q2": "cell-12", "ex00.q3": "cell-16", "ex00.q4": "cell-20"}


def _answered(nb: dict, answers: dict) -> dict:
    """A copy of ``nb`` with the given cells' sources replaced."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell.get("id") in answers:
            cell["source"] = answers[cell["id"]]
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Write the submissions, run `python tools/grade.py` once; return (rows, summary)."""
    room = tmp_path_factory.mktemp("room")
    learner = json.loads(LEARNER.read_text(encoding="utf-8"))
    solution = json.loads(SOLUTION.read_text(encoding="utf-8"))
    by_hand = _answered(learner, {
        "cell-09": "answer = 6  # the length\nex00.q1.check(answer)",
        "cell-12": "answer = np.array([1, 4])\nex00.q2.check(answer)",
        "cell-16": "def count_nonzero(w):\n    return len(np.flatnonzero(w))\n\n\n"
                   "ex00.q3.check(count_nonzero)",
        "cell-20": 'answer = "a"\nex00.q4.check(answer)',
    })
    also_six = _answered(learner, {"cell-09": "ex00.q1.check(6)"})
    broken = _answered(learner, {
        "cell-09": 'raise RuntimeError("boom")',
        "cell-12": "import numpy as np\nbig = np.empty(2**29)  # 4 GiB of address space",
        "cell-16": "while True:\n    pass",
        "cell-20": 'ex00.q4.check("b")',
    })
    stubborn = _answered(learner, {  # a loop that ignores the interrupt
        "cell-09": "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                   "    except KeyboardInterrupt:\n        pass",
    })
    copied = _answered(learner, {
        c["id"]: "".join(c["source"]) for c in solution["cells"] if c.get("id") in CELL.values()
    })
    shuffled = copy.deepcopy(learner)
    cells = [c for c in shuffled["cells"] if c.get("id") != "cell-12"]  # lose question 2's cell
    first, second = (i for i, c in enumerate(cells) if c.get("id") in ("cell-01", "cell-03"))
    cells[first], cells[second] = cells[second], cells[first]
    shuffled["cells"] = cells
    stranger = copy.deepcopy(learner)
    for i, cell in enumerate(stranger["cells"]):
        cell["id"] = f"other-{i}"
    files = {
        "untouched.ipynb": learner, "by_hand.ipynb": by_hand, "also_six.ipynb": also_six,
        "broken.ipynb": broken, "copied.ipynb": copied, "shuffled.ipynb": shuffled,
        "stranger.ipynb": stranger, "stubborn.ipynb": stubborn,
    }
    for name, nb in files.items():
        (room / name).write_text(json.dumps(nb), encoding="utf-8")
    (room / "truncated.ipynb").write_text(json.dumps(learner)[:500], encoding="utf-8")
    out = room / "grades.csv"
    summary_lines = []
    real_print = print

    def capture(*args, **kwargs):
        summary_lines.append(" ".join(map(str, args)))

    grade.print = capture  # the module's print: the summary, read without parsing stdout
    try:
        status = grade.main([str(room), "--csv", str(out), "--cell-timeout", "4",
                             "--memory-mb", "3000", "--jobs", "2"])
    finally:
        grade.print = real_print
    assert status == 0
    with open(out, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    return rows, "\n".join(summary_lines)


def _rows(rows, learner):
    return {row["question"]: row for row in rows if row["learner"] == learner}


def test_untouched_notebook_is_not_attempted_and_its_rename_is_noted(graded):
    rows = _rows(graded[0], "untouched")
    assert set(rows) == set(CELL)
    assert {row["status"] for row in rows.values()} == {"not attempted"}
    assert all("renamed (answers 00_start_here.ipynb)" in row["notes"] for row in rows.values())
    assert not any(row["copied"] for row in rows.values())


def test_answers_by_hand_get_the_engines_verdicts(graded):
    rows = _rows(graded[0], "by_hand")
    assert {q: row["status"] for q, row in rows.items()} == {
        "ex00.q1": "incorrect", "ex00.q2": "correct", "ex00.q3": "correct",
        "ex00.q4": "incorrect",
    }
    assert rows["ex00.q1"]["wrong_answer_class"].startswith("6 is the length of w")
    assert "1e-300 is tiny" in rows["ex00.q4"]["message"]
    assert not any(row["copied"] for row in rows.values())  # own code, not the solution's


def test_demo_checks_outside_the_exercise_cell_do_not_count(graded):
    # notebook 00 checks the wrong answer 6 in a demo cell before each learner's own cell
    rows = _rows(graded[0], "also_six")
    assert rows["ex00.q1"]["status"] == "incorrect"  # its own exercise cell checks 6
    assert rows["ex00.q2"]["status"] == "not attempted"  # the demo cell's 3-value array: no


def test_raising_looping_and_memory_hungry_cells_are_noted_and_the_rest_graded(graded):
    rows = _rows(graded[0], "broken")
    assert "raised RuntimeError: boom" in rows["ex00.q1"]["notes"]
    assert "raised MemoryError" in rows["ex00.q2"]["notes"]
    assert "timed out after 4 s" in rows["ex00.q3"]["notes"]
    assert rows["ex00.q4"]["status"] == "correct"  # the cells after them still ran
    assert {rows[q]["status"] for q in ("ex00.q1", "ex00.q2", "ex00.q3")} == {"incorrect"}


def test_a_loop_that_ignores_interrupts_ends_its_kernel_not_the_grading(graded):
    rows = _rows(graded[0], "stubborn")
    assert "timed out after 4 s and could not be interrupted" in rows["ex00.q1"]["notes"]
    assert "not run: the kernel had died" in rows["ex00.q4"]["notes"]
    assert rows["ex00.q4"]["status"] == "not attempted"


def test_pasted_solution_is_flagged(graded):
    rows = _rows(graded[0], "copied")
    assert {row["status"] for row in rows.values()} == {"correct"}
    assert {row["copied"] for row in rows.values()} == {"yes"}
    assert all("4 of 4 exercise cells: the solution verbatim" in row["notes"]
               for row in rows.values())


def test_lost_and_reordered_cells_are_noted(graded):
    rows = _rows(graded[0], "shuffled")
    assert all("1 cell(s) of the notebook missing" in row["notes"] for row in rows.values())
    assert all("cells reordered" in row["notes"] for row in rows.values())
    assert "its exercise cell is missing" in rows["ex00.q2"]["notes"]
    assert rows["ex00.q2"]["status"] == "not attempted"


def test_files_that_are_not_course_notebooks_get_one_row_each(graded):
    rows = graded[0]
    (bad,) = [row for row in rows if row["learner"] == "truncated"]
    assert bad["status"] == "not graded" and "not a valid notebook" in bad["notes"]
    (stranger,) = [row for row in rows if row["learner"] == "stranger"]
    assert stranger["status"] == "not graded" and "matches no course notebook" in stranger["notes"]


def test_summary_counts_solvers_and_names_the_most_frequent_wrong_answer(graded):
    summary = graded[1]
    line = next(line for line in summary.splitlines() if line.startswith("ex00.q1"))
    # q1 correct only in the pasted copy; 6 given by by_hand and also_six
    assert "solved 1/7" in line
    assert "most frequent wrong answer (2): 6 is the length of w" in line
    assert "not graded:" in summary and "truncated.ipynb" in summary


def test_wrong_answer_class_drops_the_failing_case():
    message = ("negative weights are not zero either. First failing case: "
               "count_nonzero([-1.0, -2.0]): got 0, expected 2.")
    assert grade.wrong_answer_class(message) == "negative weights are not zero either."
    plain = ("first failing case: f([1.0]): it raised ZeroDivisionError: division by zero, "
             "expected 1.")
    assert grade.wrong_answer_class(plain) == "fails a test case (raised ZeroDivisionError)"
