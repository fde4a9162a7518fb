"""Every hint and solution works in the notebook it belongs to.

A hint that names a variable the notebook does not have (or holds other data under that name)
leads a learner to a wrong answer. So, for each solution notebook, the cells run one by one in a
single namespace (as a kernel would run them); just before the first cell that checks question
``qK``, a copy of that namespace runs the code of ``qK``'s hints (each fragment written between
backticks) and then its solution. The solution's answer must pass ``qK``'s check, and so must
the value of a hint that is nothing but one expression (the hint that gives the answer away
must give the right one).

One namespace per notebook, cells run once: the whole module takes about as long as executing the
notebooks. The setup cell is skipped (pytest already imports this worktree's ``course_utils``), and
so are cells with an ipywidgets slider (they define nothing later cells use).
"""

import ast
import contextlib
import importlib
import inspect
import io
import json
import os
import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from course_utils.exercises._engine import Function, MultipleChoice, Question

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "notebooks" / "solutions").glob("0[0-9]_*.ipynb"))


def _code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    sources = [
        "".join(cell["source"]) for cell in cells
        if cell["cell_type"] == "code"
        and "nbval-ignore-output" not in cell.get("metadata", {}).get("tags", [])  # a slider
    ]
    return [s for s in sources if "NBVAL_IGNORE_OUTPUT" not in s and "_on_colab" not in s]


def _fragments(hint: str) -> list[str]:
    """The code of a hint: the spans between backticks, `return x` read as `x`."""
    return [re.sub(r"^return\s+", "", span.strip()) for span in re.findall(r"`([^`]+)`", hint)]


def _run_hints_and_solution(question: Question, namespace: dict, label: str) -> None:
    scope = dict(namespace)  # the notebook's state before the exercise; the notebook is untouched
    if isinstance(question, Function):  # hints speak of the function's arguments
        names = list(inspect.signature(question.answer).parameters)
        scope.update(zip(names, question.cases[0], strict=False))
    for hint in question.hints:
        for fragment in _fragments(hint):
            try:
                code = compile(ast.parse(fragment), f"<{label} hint>", "exec")
            except SyntaxError as error:
                raise AssertionError(f"{label}: hint code {fragment!r} is not Python") from error
            try:
                exec(code, scope)
            except Exception as error:
                raise AssertionError(
                    f"{label}: hint code {fragment!r} fails in the notebook: {error!r}"
                ) from error
    whole = [h for h in question.hints if re.fullmatch(r"`[^`]+`\.?", h.strip())]
    last = _fragments(whole[-1]) if whole else []
    if last and not isinstance(question, (Function, MultipleChoice)):
        try:
            expression = compile(last[0], f"<{label} answer hint>", "eval")
        except SyntaxError:
            expression = None  # a statement: it ran above
        if expression is not None:  # the last hint's value is the answer it leads to
            verdict = question.grade(eval(expression, scope))
            assert verdict.passed, f"{label}: the hint {last[0]!r} leads to {verdict}"
    if isinstance(question, MultipleChoice):
        answer = question.answer if question._solution is None else None
        assert answer is None or question.grade(answer).passed
        return
    before = set(scope)
    solution = question._solution_text()
    exec(compile(solution, f"<{label} solution>", "exec"), scope)
    if isinstance(question, Function):
        defined = [scope[name] for name in set(scope) - before if callable(scope[name])]
        assert len(defined) == 1, f"{label}: the solution should define one function"
        answer = defined[0]
    else:
        answer = scope["answer"]
    verdict = question.grade(answer)
    assert verdict.passed, f"{label}: the solution, run in the notebook, gives {verdict}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_hints_and_solutions_run_in_their_notebook(path, monkeypatch):
    module_name = f"ex{path.stem[:2]}"
    module = importlib.import_module(f"course_utils.exercises.{module_name}")
    questions = {
        name: q for name, q in vars(module).items() if isinstance(q, Question)
    }
    monkeypatch.chdir(path.parent)  # as a kernel started on the notebook
    monkeypatch.setitem(os.environ, "MPLBACKEND", "Agg")
    namespace = {"__name__": "__main__"}
    checked = set()
    with contextlib.redirect_stdout(io.StringIO()):
        for source in _code_cells(path):
            for name in re.findall(rf"\b{module_name}\.(q\d+)\.check\(", source):
                if name not in checked and name in questions:
                    _run_hints_and_solution(questions[name], namespace, f"{module_name}.{name}")
                    checked.add(name)
            exec(compile(source, f"<{path.stem}>", "exec"), namespace)
            plt.close("all")
    assert checked == set(questions), f"questions never checked in {path.name}: " + ", ".join(
        sorted(set(questions) - checked)
    )
